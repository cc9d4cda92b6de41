//! The visitor's consent, as far as this agent needs it: may it store, may it measure.
//!
//! The full, editable policy (purposes, regions, retention, GPC, TCF) arrives with its own
//! format; this module is the part every other rule already depends on.

use super::Millis;

/// One purpose's state. `Unset` until the visitor (or the shop's CMP) decides.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Decision {
    #[default]
    Unset,
    Granted,
    Denied,
}

impl Decision {
    pub fn from_granted(granted: bool) -> Decision {
        if granted {
            Decision::Granted
        } else {
            Decision::Denied
        }
    }
}

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
    pub fn allows_storage(&self) -> bool {
        self.storage == Decision::Granted
    }

    pub fn allows_analytics(&self) -> bool {
        self.analytics == Decision::Granted
    }

    /// True once every purpose has an answer, so the prompt need not ask again.
    pub fn is_settled(&self) -> bool {
        self.storage != Decision::Unset && self.analytics != Decision::Unset
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
