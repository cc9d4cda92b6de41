//! The one decide step: of everything the features would show, what the visitor sees now.
//!
//! Architecture invariant: no feature renders on its own. Each proposes at most one view with
//! a priority; this step picks. The campaigns' contact policy (caps, arbitration, holdouts)
//! runs just before, in `campaigns.rs`, so every message passes the same rules.

use super::view::View;

/// A view a feature would show, and how it ranks against the others.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposal {
    pub view: View,
    pub priority: Priority,
}

/// Higher wins. `Blocking` views (the consent prompt) hide everything else while open: nothing
/// personal is shown to a visitor who has not answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    Message,
    Blocking,
}

impl Proposal {
    pub fn new(view: View, priority: Priority) -> Proposal {
        Proposal { view, priority }
    }
}

/// The views to show: the highest `Blocking` one alone (the consent dialog or panel), else
/// every message the campaigns chose (their contact policy and arbitration already allow them
/// side by side: at most one interruptive, one per inline slot).
pub fn decide(proposals: Vec<Proposal>) -> Vec<View> {
    if let Some(blocking) = proposals.iter().position(|p| p.priority == Priority::Blocking) {
        let mut proposals = proposals;
        return vec![proposals.swap_remove(blocking).view];
    }
    proposals.into_iter().map(|proposal| proposal.view).collect()
}
