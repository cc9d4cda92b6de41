//! The config documents a shop publishes for its agents, each with a `kind` and a `version`,
//! and the one validator the backend (on publish), the agent (on load) and `concierge-cli check`
//! all run.
//!
//! A document is checked whole: every problem is reported with its JSON path, and a document
//! with any problem is refused whole, so an agent never applies half of one.

use crate::names::Purpose;

/// The format of the `/v1/config` answer that carries the documents.
pub const CONFIG_FORMAT: u32 = 1;

/// The kinds of document there are; later issues add campaigns, knowledge and the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Policy,
    Settings,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Policy, Kind::Settings];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Policy => "policy",
            Kind::Settings => "settings",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// The agent settings that belong to the shop rather than to one page. Each is optional: what
/// a document leaves out keeps the agent's default, and a page's `data-*` attribute overrides.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    pub version: u32,
    /// A cart untouched this long is abandoned.
    pub idle_minutes: Option<u32>,
    /// How long a dismissed banner stays away.
    pub dismiss_hours: Option<u32>,
    /// The checkout's path: no recovery message shows there or below.
    pub checkout_path: Option<String>,
    /// Where "resume checkout" leads (a path or an https URL on a link host).
    pub resume_url: Option<String>,
    /// Hosts besides the page's own that views may link to (https only).
    pub link_hosts: Option<Vec<String>>,
}

/// The consent policy in its current two-purpose form.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub version: u32,
    /// Whether the agent shows its own consent dialog; `false` when the shop's CMP decides and
    /// calls `concierge('consent', ...)`.
    pub prompt: bool,
    /// One entry per purpose, each with texts in every language the agent speaks.
    pub purposes: Vec<PolicyPurpose>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PolicyPurpose {
    pub purpose: Purpose,
    /// Language code (`en`, `es`, `nl`, `de`) and the purpose's name in it.
    pub names: Vec<(String, String)>,
    /// Language code and a sentence saying what the purpose allows.
    pub descriptions: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Document {
    Policy(Policy),
    Settings(Settings),
}

impl Document {
    pub fn kind(&self) -> Kind {
        match self {
            Document::Policy(_) => Kind::Policy,
            Document::Settings(_) => Kind::Settings,
        }
    }

    pub fn version(&self) -> u32 {
        match self {
            Document::Policy(policy) => policy.version,
            Document::Settings(settings) => settings.version,
        }
    }
}

/// What `/v1/config` serves for one site: `{ "format": 1, "site": ..., "documents": [...] }`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub site: String,
    pub policy: Option<Policy>,
    pub settings: Option<Settings>,
}

mod interim;
pub use interim::{check_config, encode_config};
