//! What a consent policy lets the agent do, state by state: the entries it may keep on the
//! device and the requests and events it may send, derived from the policy document alone.
//!
//! One source for three readers: the agent keeps its sections by [`Keeps::of`], the admin page
//! shows [`audit`] as "what this policy does" (the server answers it), and the end-to-end audit
//! test takes its expectations from the same answer while it records what a real browser
//! wrote and sent.

use crate::consent::{Choices, Source, Unlocked};
use crate::documents::{Mode, Policy};
use crate::names::{DataCategory, Decision, Feature};

/// The receipts endpoint, the batch endpoint and the staff intents a known visitor asks for.
pub const RECEIPTS: &str = "/v1/consent/receipts";
pub const EVENTS: &str = "/v1/events";
pub const INTENTS: &str = "/v1/profiles/{visitor}/intents";

/// Which of the agent's stored sections a consent lets the device keep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Keeps {
    /// The record of the choice (strictly necessary once there is one: it stops the asking).
    pub consent: bool,
    pub cart: bool,
    pub identity: bool,
    /// The outbox and its queued events, while a feature sends the visit.
    pub outbox: bool,
    /// The copy of the shop's published documents: it serves what the agent shows on the
    /// device, so it is kept with the categories those features use (`cart`, `interests`).
    pub config: bool,
    /// The campaigns' contact history (caps across pages and tabs), with `activity`.
    pub campaigns: bool,
    /// The interest model, with `interests`.
    pub interests: bool,
}

impl Keeps {
    /// What the device may keep under `unlocked`; `recorded`: whether the consent itself may be
    /// kept ([`is_recorded`]). Nothing at all before a recorded consent.
    pub fn of(unlocked: Unlocked, recorded: bool) -> Keeps {
        if !recorded {
            return Keeps::default();
        }
        Keeps {
            consent: true,
            cart: unlocked.has(DataCategory::Cart),
            // The visitor id is someone to send as: without a feature that sends, it has no use.
            identity: unlocked.has(DataCategory::Identifiers) && sends(unlocked),
            outbox: sends(unlocked),
            config: unlocked.has(DataCategory::Cart) || unlocked.has(DataCategory::Interests),
            campaigns: unlocked.has(DataCategory::Activity),
            interests: unlocked.has(DataCategory::Interests),
        }
    }

    /// The keys under `concierge:<site>:`, queued events as one `event:*`, the receipts of
    /// choices not yet acknowledged (kept with the choice) as one `receipt:*`.
    pub fn keys(self) -> Vec<&'static str> {
        let listed = [
            (self.campaigns, "campaigns"),
            (self.config, "config"),
            (self.consent, "consent"),
            (self.consent, "receipt:*"),
            (self.cart, "cart"),
            (self.outbox, "event:*"),
            (self.identity, "identity"),
            (self.interests, "interests"),
            (self.outbox, "outbox"),
        ];
        listed.into_iter().filter(|(kept, _)| *kept).map(|(_, key)| key).collect()
    }
}

/// Whether a consent decided by `source` that unlocks `unlocked` is written to the device: the
/// visitor's own choice always; a starting state (the policy's default, Global Privacy
/// Control) only when it unlocks something, since what unlocks nothing is derived again from
/// the policy and the signal on every page and needs no entry.
pub fn is_recorded(source: Source, unlocked: Unlocked) -> bool {
    source.is_explicit() || !unlocked.is_empty()
}

/// Whether a feature that sends the visit to the backend is on.
pub fn sends(unlocked: Unlocked) -> bool {
    unlocked.enables(Feature::Sync) || unlocked.enables(Feature::StaffView)
}

/// The kinds of events a batch may carry: `consent` (the record of a choice), `cart` (the
/// snapshot staff see), `commerce` (the visit's GA4 events), `campaign` (a campaign's
/// measurement: the demo's cart page shows the inline `cart-fiber` to every visitor, so the
/// audit's shopping sends its impression, or a holdout visitor's `holdout`).
pub fn event_kinds(unlocked: Unlocked) -> Vec<&'static str> {
    let mut kinds = Vec::new();
    if unlocked.enables(Feature::StaffView) {
        kinds.push("cart");
    }
    if unlocked.enables(Feature::Sync) && unlocked.has(DataCategory::Activity) {
        kinds.push("commerce");
        kinds.push("campaign");
    }
    if sends(unlocked) {
        kinds.push("consent");
    }
    if sends(unlocked) && unlocked.has(DataCategory::Interests) {
        kinds.push("interests");
    }
    kinds
}

/// The seven states of the audit (one "only" per consent purpose of the policy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditState {
    NoChoice,
    RejectAll,
    AcceptAll,
    /// This consent purpose granted, every other denied.
    Only(String),
    /// Global Privacy Control on, the dialog closed unanswered.
    Gpc,
    /// Accept all, then reject all from the preferences panel.
    AcceptThenWithdraw,
}

impl AuditState {
    pub fn id(&self) -> &'static str {
        match self {
            AuditState::NoChoice => "no_choice",
            AuditState::RejectAll => "reject_all",
            AuditState::AcceptAll => "accept_all",
            AuditState::Only(_) => "only",
            AuditState::Gpc => "gpc",
            AuditState::AcceptThenWithdraw => "accept_then_withdraw",
        }
    }
}

/// One phase of a state: the choices in force and what they allow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditPhase {
    /// `shopping`, or `withdrawn` after a withdrawal.
    pub phase: &'static str,
    /// The decision per purpose of the policy; `None`: nothing decided.
    pub choices: Option<Vec<(String, Decision)>>,
    pub source: Source,
    /// The entries under `concierge:<site>:` that may be written, sorted.
    pub keys: Vec<&'static str>,
    /// The requests that must be made (beyond the config GET), sorted.
    pub requests: Vec<&'static str>,
    /// The event kinds batches carry, sorted.
    pub events: Vec<&'static str>,
    /// Requests allowed but not made on every page view.
    pub optional: Vec<&'static str>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    pub state: AuditState,
    pub phases: Vec<AuditPhase>,
}

/// What `policy` lets the agent keep and send in each state, for a visitor in `mode` (the
/// demo shop's visitors, whose region is unknown, get `policy.default_mode`).
pub fn audit(policy: &Policy, mode: Mode) -> Vec<AuditRow> {
    let consent_ids: Vec<&str> = (policy.purposes.iter())
        .filter(|purpose| purpose.needs_consent())
        .map(|purpose| purpose.id.as_str())
        .collect();
    let all = |decision| {
        let mut choices = Choices::default();
        for id in &consent_ids {
            choices.set(id, decision);
        }
        choices
    };
    let chosen = |choices: Choices, source| phase(policy, "shopping", Some(choices), source);
    let starting = |gpc| {
        let (choices, source) = policy.starting_choices(mode, gpc);
        let decided = !choices.decisions.is_empty();
        phase(policy, "shopping", Some(choices).filter(|_| decided), source)
    };
    let mut rows = vec![
        AuditRow { state: AuditState::NoChoice, phases: vec![starting(false)] },
        AuditRow {
            state: AuditState::RejectAll,
            phases: vec![chosen(all(Decision::Denied), Source::Dialog)],
        },
        AuditRow {
            state: AuditState::AcceptAll,
            phases: vec![chosen(all(Decision::Granted), Source::Dialog)],
        },
    ];
    for id in &consent_ids {
        let mut choices = all(Decision::Denied);
        choices.set(id, Decision::Granted);
        rows.push(AuditRow {
            state: AuditState::Only((*id).to_owned()),
            phases: vec![chosen(choices, Source::Panel)],
        });
    }
    rows.push(AuditRow { state: AuditState::Gpc, phases: vec![starting(true)] });
    let accepted = chosen(all(Decision::Granted), Source::Dialog);
    let mut withdrawn = phase(policy, "withdrawn", Some(all(Decision::Denied)), Source::Panel);
    // A withdrawal's last word: the record of the choice goes once more when a sending
    // feature was on, so the backend erases what the withdrawn purposes covered.
    if accepted.events.contains(&"consent") && !withdrawn.events.contains(&"consent") {
        withdrawn.events.push("consent");
        withdrawn.events.sort_unstable();
        if !withdrawn.requests.contains(&EVENTS) {
            withdrawn.requests.push(EVENTS);
            withdrawn.requests.sort_unstable();
        }
    }
    rows.push(AuditRow {
        state: AuditState::AcceptThenWithdraw,
        phases: vec![accepted, withdrawn],
    });
    rows
}

fn phase(
    policy: &Policy,
    name: &'static str,
    choices: Option<Choices>,
    source: Source,
) -> AuditPhase {
    let Some(choices) = choices else {
        let nothing = Vec::new;
        return AuditPhase {
            phase: name,
            choices: None,
            source,
            keys: nothing(),
            requests: nothing(),
            events: nothing(),
            optional: nothing(),
        };
    };
    let unlocked = policy.unlocked(&choices);
    let recorded = is_recorded(source, unlocked);
    let mut keys = Keeps::of(unlocked, recorded).keys();
    keys.sort_unstable();
    let mut events = if recorded { event_kinds(unlocked) } else { Vec::new() };
    events.sort_unstable();
    // A receipt goes for every consent the device records: a starting state that is not
    // recorded would be issued again on every page, so it has none.
    let mut requests = if recorded { vec![RECEIPTS] } else { Vec::new() };
    if !events.is_empty() {
        requests.push(EVENTS);
    }
    requests.sort_unstable();
    // Staff intents are asked for by an identity the backend has heard of, on a later page
    // view: allowed while sending, not required.
    let optional = if recorded && sends(unlocked) { vec![INTENTS] } else { Vec::new() };
    let listed = crate::consent::Receipt::choices_of(policy, &choices);
    AuditPhase { phase: name, choices: Some(listed), source, keys, requests, events, optional }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::builtin_policy;

    /// `(state, phase) -> keys | requests | events`, one line each, as the admin page reads it.
    fn table(policy: &Policy, mode: Mode) -> String {
        let mut out = String::new();
        for row in audit(policy, mode) {
            for phase in &row.phases {
                let name = match &row.state {
                    AuditState::Only(id) => format!("{id} only"),
                    state => state.id().to_owned(),
                };
                out.push_str(&format!(
                    "{name}/{}: {} | {} | {}\n",
                    phase.phase,
                    phase.keys.join(" "),
                    phase.requests.join(" "),
                    phase.events.join(" ")
                ));
            }
        }
        out
    }

    #[test]
    fn the_demo_policy_in_an_opt_in_region() {
        let expected = "\
no_choice/shopping:  |  | 
reject_all/shopping: consent receipt:* | /v1/consent/receipts | 
accept_all/shopping: campaigns cart config consent event:* identity interests outbox receipt:* | /v1/consent/receipts /v1/events | campaign cart commerce consent interests
measurement only/shopping: campaigns consent event:* identity outbox receipt:* | /v1/consent/receipts /v1/events | campaign commerce consent
personalization only/shopping: cart config consent event:* identity interests outbox receipt:* | /v1/consent/receipts /v1/events | cart consent interests
marketing only/shopping: cart config consent receipt:* | /v1/consent/receipts | 
gpc/shopping:  |  | 
accept_then_withdraw/shopping: campaigns cart config consent event:* identity interests outbox receipt:* | /v1/consent/receipts /v1/events | campaign cart commerce consent interests
accept_then_withdraw/withdrawn: consent receipt:* | /v1/consent/receipts /v1/events | consent
";
        assert_eq!(table(&builtin_policy(), Mode::OptIn), expected);
    }

    #[test]
    fn an_opt_out_region_starts_granted_and_gpc_denies_marketing_there() {
        let rows = audit(&builtin_policy(), Mode::OptOut);
        let no_choice = &rows[0].phases[0];
        assert_eq!(no_choice.source, Source::Default);
        assert!(no_choice.keys.contains(&"cart") && no_choice.requests.contains(&RECEIPTS));
        let gpc = &rows.iter().find(|row| row.state == AuditState::Gpc).unwrap().phases[0];
        assert_eq!(gpc.source, Source::Gpc);
        let marketing = gpc.choices.as_ref().unwrap().iter().find(|(id, _)| id == "marketing");
        assert_eq!(marketing.map(|(_, d)| *d), Some(Decision::Denied));
        // Still recorded: the other purposes stay granted and unlock the cart.
        assert!(gpc.keys.contains(&"consent") && gpc.requests.contains(&RECEIPTS));
    }

    #[test]
    fn a_change_to_the_policy_changes_the_audit() {
        // Measurement also keeps the cart: then the shop's documents are kept with it.
        let mut policy = builtin_policy();
        let measurement = policy.purposes.iter_mut().find(|p| p.id == "measurement").unwrap();
        measurement.data.push(DataCategory::Cart);
        let rows = audit(&policy, Mode::OptIn);
        let only = rows.iter().find(|r| r.state == AuditState::Only("measurement".into())).unwrap();
        assert!(only.phases[0].keys.contains(&"config") && only.phases[0].keys.contains(&"cart"));
    }

    #[test]
    fn nothing_is_kept_before_a_recorded_consent() {
        assert_eq!(
            Keeps::of(builtin_policy().unlocked(&Choices::default()), false),
            Keeps::default()
        );
        assert!(!is_recorded(Source::Gpc, Unlocked::default()));
        assert!(is_recorded(Source::Dialog, Unlocked::default()));
    }
}
