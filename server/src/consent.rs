//! A visitor's consent over time: which choice was in force at a moment, by the agent's stamps.
//!
//! Batches arrive in any order (retries, several tabs, an outbox flushed late), so the server
//! never takes "the last consent received" as the truth: the choice with the latest time stamp
//! is the current one, and an event is judged by the choice in force at its own stamp as well as
//! by the current one, so that whichever of the two keeps data out wins. Two choices with the
//! same stamp are merged purpose by purpose, the stricter winning.

use crate::model::{ConsentState, Decision, Purpose};

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

    /// The stamp of the first choice after `at`, which ends the span `at`'s choice governs.
    pub fn next_after(&self, at: i64) -> Option<i64> {
        let index = self.choices.partition_point(|(stamp, _)| *stamp <= at);
        self.choices.get(index).map(|(stamp, _)| *stamp)
    }

    /// Whether an event stamped `at` for `purpose` may be kept: both the choice in force at its
    /// stamp and the current choice must grant the purpose. The consent record (no purpose,
    /// as `Payload::purpose` says) is always kept.
    pub fn covers(&self, purpose: Option<Purpose>, at: i64) -> bool {
        let current = self.current().map(|(_, state)| state).unwrap_or_default();
        granted(&self.in_force(at), purpose) && granted(&current, purpose)
    }
}

pub fn granted(state: &ConsentState, purpose: Option<Purpose>) -> bool {
    purpose.is_none_or(|purpose| state.allows(purpose))
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
        let cases = [
            // (history, purpose, event stamp, kept)
            (vec![(0, all()), (100, none())], Some(Purpose::Analytics), 50, false),
            (vec![(0, all()), (100, none())], Some(Purpose::Analytics), 150, false),
            (vec![(0, none()), (100, all())], Some(Purpose::Analytics), 50, false),
            (vec![(0, none()), (100, all())], Some(Purpose::Analytics), 150, true),
            (vec![(0, all()), (100, none()), (200, all())], Some(Purpose::Analytics), 150, false),
            (vec![(0, all()), (100, none()), (200, all())], Some(Purpose::Analytics), 250, true),
            (vec![(0, state(G, D))], Some(Purpose::Storage), 10, true),
            (vec![(0, state(G, D))], Some(Purpose::Analytics), 10, false),
            (vec![], Some(Purpose::Storage), 10, false),
            (vec![(0, none())], None, 10, true),
        ];
        for (choices, purpose, at, kept) in cases {
            let history = ConsentHistory::new(choices.clone());
            assert_eq!(history.covers(purpose, at), kept, "{purpose:?} at {at} in {choices:?}");
        }
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
