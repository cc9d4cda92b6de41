//! Following the page's IAB TCF v2.2 consent manager (CMP): the shell reports that the page has
//! one, the engine asks for the `tcf` lazy module (which decodes TC strings in its own Wasm),
//! and each signal the CMP reports becomes the visitor's consent (source `tcf`) through the
//! policy's `tcf` mapping, while the agent's own dialog stays closed.
//!
//! The agent falls back to its own consent (its dialog, its regions) when the policy has no
//! mapping, the module cannot be loaded, a TC string cannot be read, or the CMP says GDPR does
//! not apply to this visitor. The state is the page's: nothing of it is stored (the consent it
//! makes is, as any other).

use concierge_protocol::consent::TcfSignal;

/// A lazy module the engine asks the shell for (`["load", name]`), which answers
/// `["loaded", name, ok]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Module {
    /// The TCF decoder (`modules/tcf.js` and its `tcf.wasm`).
    Tcf,
}

impl Module {
    pub fn name(self) -> &'static str {
        match self {
            Module::Tcf => "tcf",
        }
    }

    pub fn from_name(name: &str) -> Option<Module> {
        (name == "tcf").then_some(Module::Tcf)
    }
}

/// Where following the page's consent manager stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Cmp {
    /// The page has no consent manager, or the agent does not follow it (no mapping yet).
    #[default]
    Absent,
    /// The page has one and the policy maps its purposes: the module is asked for.
    Loading,
    /// The module is there; the consent manager has not reported a TC string yet.
    Waiting,
    /// The consent manager's latest signal is the visitor's consent.
    Governing,
    /// The agent asks for consent itself (module failed, string unreadable, GDPR not applying).
    Off,
}

/// What the consent manager reported, as the shell hands it over after the module decoded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Report {
    /// A TC string the module decoded, reduced to what the mapping reads.
    Signal(TcfSignal),
    /// The consent manager says GDPR does not apply to this visitor.
    NotApplicable,
    /// The TC string could not be decoded: the module's reason.
    Unreadable(String),
}

/// The page's consent manager, as far as the engine follows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tcf {
    /// The shell found `__tcfapi` (or its locator frame) on the page.
    pub present: bool,
    pub state: Cmp,
}

impl Tcf {
    /// Whether the agent's own dialog and control stay closed: the consent manager asks, or is
    /// about to.
    pub fn holds_dialog(&self) -> bool {
        matches!(self.state, Cmp::Loading | Cmp::Waiting | Cmp::Governing)
    }

    /// Asks for the module once the page has a consent manager and the policy maps its
    /// purposes (the mapping may arrive with the published policy, after start).
    pub fn wants_module(&mut self, mapped: bool) -> Option<Module> {
        if self.present && mapped && self.state == Cmp::Absent {
            self.state = Cmp::Loading;
            return Some(Module::Tcf);
        }
        None
    }

    /// The shell's answer to the module's load.
    pub fn loaded(&mut self, ok: bool) {
        if self.state == Cmp::Loading {
            self.state = if ok { Cmp::Waiting } else { Cmp::Off };
        }
    }
}
