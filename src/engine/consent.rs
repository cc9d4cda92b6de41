//! The consent feature: what the visitor decided for each purpose of the policy in force, under
//! which version, by what means and when. It owns the stored section `consent`.
//!
//! What a choice unlocks (data categories, features) is not kept here: it is derived from the
//! policy in force each time (`concierge_protocol::consent`), so a new policy version changes
//! what the same choices allow without a migration.

use super::Millis;
use concierge_protocol::batch::ConsentState;
pub use concierge_protocol::consent::{Choices, Scope, Source, Unlocked};
use concierge_protocol::documents::Policy;
pub use concierge_protocol::names::Decision;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Consent {
    /// Decisions by purpose id; a purpose not listed is unset.
    pub choices: Choices,
    /// The policy version the choices were made under (0: none yet).
    pub policy: u32,
    pub source: Source,
    pub decided_at: Option<Millis>,
    /// What each purpose unlocked when the visitor chose, so a newer version can tell whether
    /// it widened what was granted.
    pub scope: Scope,
    /// The id of the latest choice's receipt, which the visitor can quote.
    pub receipt: Option<String>,
}

/// A change the visitor or the shop asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsentUpdate {
    /// Every consent purpose granted (`Some(true)`) or denied (`Some(false)`), before `set`.
    pub all: Option<bool>,
    /// Purposes named one by one, by their id or by a word of the page's API (GA4 consent
    /// mode, `storage`, `analytics`), resolved against the policy in force.
    pub set: Vec<(String, bool)>,
}

impl ConsentUpdate {
    pub fn all(granted: bool) -> ConsentUpdate {
        ConsentUpdate { all: Some(granted), set: Vec::new() }
    }
}

impl Consent {
    pub fn decision(&self, id: &str) -> Decision {
        self.choices.get(id)
    }

    /// The decisions as a batch carries them: by purpose, with the policy version and source.
    pub fn state(&self) -> ConsentState {
        ConsentState {
            policy: self.policy.max(1),
            purposes: self.choices.decisions.clone(),
            source: self.source,
        }
    }

    /// Applies `update` under `policy`; returns the names that name no purpose of it.
    pub fn apply(
        &mut self,
        update: &ConsentUpdate,
        policy: &Policy,
        source: Source,
        now: Millis,
    ) -> Vec<String> {
        if let Some(granted) = update.all {
            for purpose in policy.purposes.iter().filter(|purpose| purpose.needs_consent()) {
                self.choices.set(&purpose.id, Decision::from_granted(granted));
            }
        }
        let mut unknown = Vec::new();
        // Where several words name one purpose, any denial wins.
        let mut resolved: Vec<(&str, bool)> = Vec::new();
        for (name, granted) in &update.set {
            let id = match policy.purpose(name) {
                Some(purpose) => Some(purpose.id.as_str()),
                None => concierge_protocol::consent::purpose_for_word(name)
                    .filter(|id| policy.purpose(id).is_some()),
            };
            match id {
                Some(id) => match resolved.iter_mut().find(|(known, _)| *known == id) {
                    Some((_, both)) => *both &= *granted,
                    None => resolved.push((id, *granted)),
                },
                None => unknown.push(name.clone()),
            }
        }
        for (id, granted) in resolved {
            if policy.purpose(id).is_some_and(|purpose| purpose.needs_consent()) {
                self.choices.set(id, Decision::from_granted(granted));
            }
        }
        self.policy = policy.version;
        self.source = source;
        self.decided_at = Some(now);
        self.scope = policy.scope();
        unknown
    }
}
