//! The one decide step: of everything the features would show, what the visitor sees now.
//!
//! Architecture invariant: no feature renders on its own. Each proposes at most one view with
//! a priority; this step picks. The campaigns' contact policy (caps, arbitration, holdouts)
//! plugs in here, so every message passes the same rules.

use super::view::{View, ViewKind};

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

/// The view to show: the highest priority; on a tie, the one already on screen (no flicker),
/// then the first proposed.
pub fn decide(proposals: Vec<Proposal>, shown: Option<ViewKind>) -> Option<View> {
    let mut best: Option<Proposal> = None;
    for proposal in proposals {
        let better = match &best {
            None => true,
            Some(current) => {
                proposal.priority > current.priority
                    || (proposal.priority == current.priority
                        && Some(proposal.view.kind) == shown
                        && Some(current.view.kind) != shown)
            }
        };
        if better {
            best = Some(proposal);
        }
    }
    best.map(|proposal| proposal.view)
}
