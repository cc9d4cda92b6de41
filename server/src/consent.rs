//! A visitor's consent over time: which choice was in force at a moment, by the agent's stamps.
//!
//! Batches arrive in any order (retries, several tabs, an outbox flushed late), so the server
//! never takes "the last consent received" as the truth: the choice with the latest time stamp
//! is the current one, and an event is judged by the choice in force at its own stamp as well as
//! by the current one, so that whichever of the two keeps data out wins. Two choices with the
//! same stamp are merged purpose by purpose, the stricter winning.

use crate::model::{ConsentState, Decision, Payload};
use concierge_protocol::consent::{Choices, Unlocked};
use concierge_protocol::documents::Policy;
use concierge_protocol::names::{DataCategory, Feature};

/// Every consent choice recorded for one visitor, as (time stamp, state).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConsentHistory {
    choices: Vec<(i64, ConsentState)>,
}

impl ConsentHistory {
    pub fn new(mut choices: Vec<(i64, ConsentState)>) -> ConsentHistory {
        choices.sort_by_key(|(at, _)| *at);
        ConsentHistory { choices }
    }

    pub fn record(&mut self, at: i64, state: ConsentState) {
        let index = self.choices.partition_point(|(stamp, _)| *stamp <= at);
        self.choices.insert(index, (at, state));
    }

    /// The choice in force at `at`: the latest stamped at or before it; unset before any.
    pub fn in_force(&self, at: i64) -> ConsentState {
        let end = self.choices.partition_point(|(stamp, _)| *stamp <= at);
        let Some(latest) = end.checked_sub(1).map(|index| self.choices[index].0) else {
            return ConsentState::default();
        };
        self.choices[..end]
            .iter()
            .rev()
            .take_while(|(stamp, _)| *stamp == latest)
            .map(|(_, state)| state.clone())
            .reduce(stricter)
            .unwrap_or_default()
    }

    /// The current choice and its stamp: the latest one; `None` before any.
    pub fn current(&self) -> Option<(i64, ConsentState)> {
        let (latest, _) = self.choices.last()?;
        Some((*latest, self.in_force(*latest)))
    }

    /// The policy versions the recorded choices name.
    pub fn policies(&self) -> Vec<u32> {
        self.choices.iter().map(|(_, state)| state.policy).collect()
    }

    /// The stamp of the first choice after `at`, which ends the span `at`'s choice governs.
    pub fn next_after(&self, at: i64) -> Option<i64> {
        let index = self.choices.partition_point(|(stamp, _)| *stamp <= at);
        self.choices.get(index).map(|(stamp, _)| *stamp)
    }

    /// Whether an event stamped `at` may be kept: both the choice in force at its stamp and the
    /// current choice must unlock what it carries, each under the policy version it names. The
    /// consent record is always kept.
    pub fn keeps(&self, judge: &Judge, payload: &Payload, at: i64) -> bool {
        let current = self.current().map(|(_, state)| state).unwrap_or_default();
        carries(judge.unlocked(&self.in_force(at)), payload)
            && carries(judge.unlocked(&current), payload)
    }
}

/// The policies a visitor's choices are judged by (contract of issue 9, section 4): each
/// choice by the version it names, an unknown version by the site's current one, and with no
/// policy published, the built-in one the agent uses too.
pub struct Judge {
    pub versions: Vec<Policy>,
    pub current: Policy,
}

impl Judge {
    pub fn policy_for(&self, state: &ConsentState) -> &Policy {
        self.versions.iter().find(|p| p.version == state.policy).unwrap_or(&self.current)
    }

    /// What a choice unlocks under its policy.
    pub fn unlocked(&self, state: &ConsentState) -> Unlocked {
        let choices = Choices { decisions: state.purposes.clone() };
        self.policy_for(state).unlocked(&choices)
    }
}

/// Whether what a choice unlocks lets the backend keep an event: a cart snapshot with
/// `staff_view` (and so the cart and an identifier), the visit's events with `sync` and
/// `activity`, the interest model with `interests` and a sending feature; the record of a
/// choice always.
pub fn carries(unlocked: Unlocked, payload: &Payload) -> bool {
    match payload {
        Payload::Consent(_) => true,
        Payload::Cart(_) => unlocked.enables(Feature::StaffView),
        Payload::Commerce { .. } | Payload::Campaign { .. } => {
            unlocked.enables(Feature::Sync) && unlocked.has(DataCategory::Activity)
        }
        Payload::Interests { .. } => {
            unlocked.has(DataCategory::Interests)
                && (unlocked.enables(Feature::Sync) || unlocked.enables(Feature::StaffView))
        }
        // The visitor's own explicit ask, under an identity a sending feature made (the cart
        // code and transcript in it are judged apart when it is stored).
        Payload::Handoff(_) => {
            unlocked.enables(Feature::Sync) || unlocked.enables(Feature::StaffView)
        }
    }
}

/// Whether a state grants nothing at all: the visitor withdrew (or never gave) every purpose.
pub fn grants_nothing(state: &ConsentState) -> bool {
    !state.any_granted()
}

/// Two choices made at the same moment, merged purpose by purpose (every purpose either
/// names): denied beats unset beats granted.
fn stricter(a: ConsentState, b: ConsentState) -> ConsentState {
    fn rank(decision: Decision) -> u8 {
        match decision {
            Decision::Granted => 0,
            Decision::Unset => 1,
            Decision::Denied => 2,
        }
    }
    let pick = |x: Decision, y: Decision| if rank(x) >= rank(y) { x } else { y };
    let mut merged =
        ConsentState { policy: a.policy.max(b.policy), purposes: Vec::new(), source: a.source };
    for (id, _) in a.purposes.iter().chain(&b.purposes) {
        if !merged.purposes.iter().any(|(known, _)| known == id) {
            merged.purposes.push((id.clone(), pick(a.decision(id), b.decision(id))));
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use concierge_protocol::consent::builtin_policy;

    const G: Decision = Decision::Granted;
    const D: Decision = Decision::Denied;
    const U: Decision = Decision::Unset;

    fn state(storage: Decision, analytics: Decision) -> ConsentState {
        ConsentState::from_legacy(storage, analytics)
    }

    /// `choices` recorded in the order given; then the state in force at each of `probes`.
    fn check(choices: &[(i64, ConsentState)], probes: &[(i64, ConsentState)]) {
        let mut history = ConsentHistory::default();
        for (at, choice) in choices {
            history.record(*at, choice.clone());
        }
        for (at, expect) in probes {
            assert_eq!(history.in_force(*at), *expect, "at {at} after {choices:?}");
        }
        assert_eq!(history, ConsentHistory::new(choices.to_vec()), "record keeps stamp order");
    }

    #[test]
    fn the_choice_in_force_follows_the_stamps_not_the_arrival() {
        let all = || state(G, G);
        let none = || state(D, D);
        // Granted at 0, withdrawn at 100, a stale grant stamped 50 arriving last.
        check(
            &[(0, all()), (100, none()), (50, all())],
            &[
                (-1, ConsentState::default()),
                (0, all()),
                (75, all()),
                (100, none()),
                (i64::MAX, none()),
            ],
        );
        // Arrival order reversed: the same history.
        check(&[(100, none()), (50, all()), (0, all())], &[(60, all()), (150, none())]);
        // A late withdrawal between two grants governs only its own span.
        check(
            &[(0, all()), (200, all()), (100, none())],
            &[(99, all()), (100, none()), (199, none()), (200, all())],
        );
        // Same stamp: the stricter choice per purpose.
        check(&[(10, state(G, D)), (10, state(D, G))], &[(10, state(D, D))]);
        check(&[(10, state(G, G)), (10, state(U, G))], &[(10, state(U, G))]);
        check(&[(10, state(G, G)), (10, state(G, G))], &[(10, all())]);
    }

    #[test]
    fn events_need_the_purpose_granted_at_their_stamp_and_now() {
        let all = || state(G, G);
        let none = || state(D, D);
        let (cart, visit) = (cart_payload(), commerce_payload());
        let consent = Payload::Consent(none());
        let cases = [
            // (history, what the event carries, event stamp, kept)
            (vec![(0, all()), (100, none())], &visit, 50, false),
            (vec![(0, all()), (100, none())], &visit, 150, false),
            (vec![(0, none()), (100, all())], &visit, 50, false),
            (vec![(0, none()), (100, all())], &visit, 150, true),
            (vec![(0, all()), (100, none()), (200, all())], &visit, 150, false),
            (vec![(0, all()), (100, none()), (200, all())], &visit, 250, true),
            (vec![(0, state(G, D))], &cart, 10, true),
            (vec![(0, state(G, D))], &visit, 10, false),
            (vec![], &cart, 10, false),
            (vec![(0, none())], &consent, 10, true),
        ];
        let judge = Judge { versions: Vec::new(), current: builtin_policy() };
        for (choices, payload, at, kept) in cases {
            let history = ConsentHistory::new(choices.clone());
            assert_eq!(
                history.keeps(&judge, payload, at),
                kept,
                "{payload:?} at {at} in {choices:?}"
            );
        }
    }

    fn cart_payload() -> Payload {
        Payload::Cart(concierge_protocol::batch::Cart::new(
            concierge_protocol::money::Currency::EUR,
        ))
    }

    fn commerce_payload() -> Payload {
        Payload::Commerce {
            kind: concierge_protocol::names::CommerceKind::ViewItem,
            items: Vec::new(),
            transaction_id: None,
        }
    }

    #[test]
    fn each_choice_is_judged_by_the_policy_version_it_names() {
        // Version 7 moved the visit's events under personalization.
        let mut v7 = builtin_policy();
        v7.version = 7;
        v7.purposes[1].features.clear();
        v7.purposes[2].features.push(Feature::Sync);
        v7.purposes[2].data.push(DataCategory::Activity);
        let judge = Judge { versions: vec![v7], current: builtin_policy() };
        let mut personalization_only = state(G, D);
        assert!(!carries(judge.unlocked(&personalization_only), &commerce_payload()), "current");
        personalization_only.policy = 7;
        assert!(carries(judge.unlocked(&personalization_only), &commerce_payload()), "version 7");
        personalization_only.policy = 99;
        assert!(!carries(judge.unlocked(&personalization_only), &commerce_payload()), "unknown");
    }

    #[test]
    fn spans_end_at_the_next_choice() {
        let history = ConsentHistory::new(vec![(0, state(G, G)), (100, state(D, D))]);
        assert_eq!(history.next_after(0), Some(100));
        assert_eq!(history.next_after(50), Some(100));
        assert_eq!(history.next_after(100), None);
        assert_eq!(history.current(), Some((100, state(D, D))));
        assert_eq!(ConsentHistory::default().current(), None);
    }
}
