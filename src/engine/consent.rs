//! The consent feature: what the visitor decided for each purpose, and when.
//!
//! The policy document says whether the agent asks itself (`prompt`); this module keeps the
//! answer. It owns the stored section `consent`. The full, editable policy (many purposes,
//! regions, GPC, TCF) grows here and in `concierge_protocol::documents`.

use super::Millis;
use concierge_protocol::batch::ConsentState;
pub use concierge_protocol::names::{Decision, Purpose};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Consent {
    /// Keep the cart and preferences on this device (GA4 consent mode's
    /// `functionality_storage` / `personalization_storage`).
    pub storage: Decision,
    /// Send measurement to the shop's backend (`analytics_storage`).
    pub analytics: Decision,
    pub decided_at: Option<Millis>,
}

/// A change the visitor or the shop asked for; `None` leaves a purpose as it is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConsentUpdate {
    pub storage: Option<bool>,
    pub analytics: Option<bool>,
}

impl ConsentUpdate {
    pub const ACCEPT_ALL: ConsentUpdate =
        ConsentUpdate { storage: Some(true), analytics: Some(true) };
    pub const REJECT_ALL: ConsentUpdate =
        ConsentUpdate { storage: Some(false), analytics: Some(false) };
}

impl Consent {
    pub fn allows(&self, purpose: Purpose) -> bool {
        self.state().allows(purpose)
    }

    pub fn allows_storage(&self) -> bool {
        self.storage == Decision::Granted
    }

    pub fn allows_analytics(&self) -> bool {
        self.analytics == Decision::Granted
    }

    /// Whether anything is granted: then there is someone to send the record of a choice as.
    pub fn any_granted(&self) -> bool {
        self.state().any_granted()
    }

    /// True once every purpose has an answer, so the prompt need not ask again.
    pub fn is_settled(&self) -> bool {
        self.storage != Decision::Unset && self.analytics != Decision::Unset
    }

    /// The decisions as the wire carries them.
    pub fn state(&self) -> ConsentState {
        ConsentState { storage: self.storage, analytics: self.analytics }
    }

    pub fn apply(&mut self, update: ConsentUpdate, now: Millis) {
        if let Some(granted) = update.storage {
            self.storage = Decision::from_granted(granted);
        }
        if let Some(granted) = update.analytics {
            self.analytics = Decision::from_granted(granted);
        }
        self.decided_at = Some(now);
    }
}
