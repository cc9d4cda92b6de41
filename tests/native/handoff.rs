//! The handoff request ("call me", "continue in store"): its consent rule, sent at once, and
//! answered `sent` only once the backend acknowledged the batch that carried it.

use super::support::*;
use concierge::engine::consent::ConsentUpdate;
use concierge::engine::handoff::{Answer, Request};
use concierge::engine::sync::{self, Payload, SendOutcome};
use concierge::engine::{Effect, Event};
use concierge_protocol::batch::{Handoff, HandoffKind, TranscriptLine};

fn call() -> Request {
    Request {
        kind: HandoffKind::Call,
        phone: Some("+31 6 1234 5678".into()),
        transcript: vec![TranscriptLine { visitor: true, text: "Is it waterproof?".into() }],
    }
}

fn ask(tab: &mut Tab, request: Request, now: i64) -> Vec<Effect> {
    tab.handle(Event::Handoff { id: "h1".into(), request }, now)
}

fn answers(effects: &[Effect]) -> Vec<(&str, Answer)> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::HandoffAnswered(id, answer) => Some((id.as_str(), *answer)),
            _ => None,
        })
        .collect()
}

/// The flush the shell performs when asked, and the batch it sends.
fn flushed(tab: &mut Tab, effects: &[Effect], now: i64) -> sync::Batch {
    assert!(effects.contains(&Effect::RequestFlush), "a handoff goes at once");
    let effects = tab.handle(Event::FlushGranted, now);
    effects
        .iter()
        .find_map(|effect| match effect {
            Effect::Send(batch) => Some(batch.clone()),
            _ => None,
        })
        .expect("a batch is sent")
}

fn handoff_in(batch: &sync::Batch) -> Option<&Handoff> {
    batch.events.iter().find_map(|event| match &event.payload {
        Payload::Handoff(handoff) => Some(handoff),
        _ => None,
    })
}

/// A tab whose visitor granted only these purposes of the built-in policy, with its first
/// batch (the choice) acknowledged.
fn tab_granting(purposes: &[&str]) -> Tab {
    let (mut tab, _) = Tab::open(&new_device(), "/product/aurora", T0);
    tab.handle(add(vec![item("aurora-x1", 79_900, 1)]), T0);
    let set = purposes.iter().map(|p| (p.to_string(), true)).collect();
    let effects = tab.handle(Event::Consent(ConsentUpdate { all: None, set }), T0);
    if effects.contains(&Effect::RequestFlush) {
        let batch = flushed(&mut tab, &effects, T0);
        let accepted = SendOutcome::Accepted { cart_code_taken: false };
        tab.handle(Event::Sent { key: batch.key, outcome: accepted }, T0);
    }
    tab
}

#[test]
fn without_a_sending_feature_the_answer_is_not_allowed_and_nothing_leaves() {
    for granted in [&[][..], &["marketing"][..]] {
        let mut tab = tab_granting(granted);
        let effects = ask(&mut tab, call(), T0 + 1);
        assert_eq!(answers(&effects), [("h1", Answer::NotAllowed)], "{granted:?}");
        assert!(!effects.iter().any(|e| matches!(e, Effect::RequestFlush | Effect::Send(_))));
        assert!(tab.sync().outbox.events().is_empty());
    }
}

#[test]
fn with_personalization_the_cart_code_and_the_transcript_go_along_and_sent_waits_for_the_ack() {
    let mut tab = tab_granting(&["personalization"]);
    let code = tab.cart_code().expect("staff_view gives a cart code").to_owned();
    let effects = ask(&mut tab, call(), T0 + 1);
    assert!(answers(&effects).is_empty(), "no answer before the backend's");
    let batch = flushed(&mut tab, &effects, T0 + 1);
    let handoff = handoff_in(&batch).expect("the handoff is in the batch");
    assert_eq!(handoff.kind, HandoffKind::Call);
    assert_eq!(handoff.phone.as_deref(), Some("+31 6 1234 5678"));
    assert_eq!(handoff.cart_code.as_deref(), Some(code.as_str()));
    assert_eq!(handoff.transcript.len(), 1, "assistant_memory lets the transcript go");
    let accepted = SendOutcome::Accepted { cart_code_taken: false };
    let effects = tab.handle(Event::Sent { key: batch.key.clone(), outcome: accepted }, T0 + 2);
    assert_eq!(answers(&effects), [("h1", Answer::Sent)]);
    assert!(tab.sync().outbox.events().is_empty());
}

#[test]
fn with_measurement_alone_the_request_goes_without_cart_code_or_transcript() {
    let mut tab = tab_granting(&["measurement"]);
    let effects = ask(&mut tab, call(), T0 + 1);
    let batch = flushed(&mut tab, &effects, T0 + 1);
    let handoff = handoff_in(&batch).expect("the request itself is the visitor's own ask");
    assert_eq!(handoff.cart_code, None, "the cart code needs staff_view");
    assert!(handoff.transcript.is_empty(), "the transcript needs assistant_memory");
}

#[test]
fn a_network_failure_or_a_refusal_answers_failed_and_the_request_is_not_sent_later() {
    let outcomes = [
        SendOutcome::Retry { retry_after: None },
        SendOutcome::Rejected { status: 400 },
        SendOutcome::Rejected { status: 410 },
    ];
    for outcome in outcomes {
        let mut tab = tab_granting(&["personalization"]);
        let effects = ask(&mut tab, call(), T0 + 1);
        let batch = flushed(&mut tab, &effects, T0 + 1);
        let effects = tab.handle(Event::Sent { key: batch.key.clone(), outcome }, T0 + 2);
        assert_eq!(answers(&effects), [("h1", Answer::Failed)], "{outcome:?}");
        let queued = tab.sync().outbox.events().iter();
        assert!(!queued.clone().any(|e| matches!(e.payload, Payload::Handoff(_))), "{outcome:?}");
        // Another answer later says nothing more about it.
        let later = tab.handle(Event::Tick, T0 + 60_000);
        assert!(answers(&later).is_empty());
    }
}

#[test]
fn a_request_made_while_a_batch_is_on_the_wire_is_answered_by_its_own_batch() {
    let mut tab = tab_granting(&["personalization"]);
    tab.handle(add(vec![item("case", 1_900, 1)]), T0 + 1);
    let first = tab.handle(Event::FlushGranted, T0 + 1);
    let first = first.iter().find_map(|e| match e {
        Effect::Send(batch) => Some(batch.clone()),
        _ => None,
    });
    let first = first.expect("the cart goes");
    let effects = ask(&mut tab, call(), T0 + 2);
    assert!(answers(&effects).is_empty());
    let accepted = SendOutcome::Accepted { cart_code_taken: false };
    let effects = tab.handle(Event::Sent { key: first.key.clone(), outcome: accepted }, T0 + 3);
    assert!(answers(&effects).is_empty(), "the cart's batch did not carry the handoff");
    let second = flushed(&mut tab, &effects, T0 + 3);
    assert!(handoff_in(&second).is_some());
    let effects = tab.handle(Event::Sent { key: second.key.clone(), outcome: accepted }, T0 + 4);
    assert_eq!(answers(&effects), [("h1", Answer::Sent)]);
}

fn launcher(effects: &[Effect]) -> Option<&Option<concierge::engine::assistant::Launcher>> {
    effects.iter().find_map(|effect| match effect {
        Effect::Launcher(launcher) => Some(launcher),
        _ => None,
    })
}

fn with_knowledge() -> concierge::engine::config::Config {
    let mut config = config();
    config.assistant = Some(Box::new(concierge_protocol::documents::KnowledgePointer {
        path: "/v1/config/knowledge?site=test".into(),
        version: 3,
    }));
    config
}

#[test]
fn no_knowledge_no_launcher() {
    let (mut tab, effects) = Tab::open(&new_device(), "/", T0);
    assert_eq!(launcher(&effects), None);
    let effects = tab.handle(Event::Consent(ConsentUpdate::all(true)), T0);
    assert_eq!(launcher(&effects), None, "consent alone draws no launcher");
}

#[test]
fn the_launcher_waits_for_the_consent_dialog_and_carries_what_opening_needs() {
    let (mut tab, effects) = Tab::open_with(with_knowledge(), &new_device(), "/", T0);
    assert_eq!(launcher(&effects), None, "hidden while the consent dialog blocks");
    let effects = tab.handle(Event::Consent(ConsentUpdate::all(true)), T0 + 1);
    let drawn = launcher(&effects).expect("drawn once the dialog is answered").clone();
    let drawn = drawn.expect("a launcher");
    assert_eq!(drawn.label, "Ask us");
    assert_eq!(drawn.lang, "en");
    assert_eq!(drawn.knowledge, "/v1/config/knowledge?site=test");
    assert_eq!(drawn.version, 3);
    assert_eq!(drawn.cart_code.as_deref(), tab.cart_code());
    assert!(drawn.cart_code.is_some() && drawn.personalization && drawn.storage);
    // Unchanged state: not drawn again.
    let effects = tab.handle(Event::Tick, T0 + 2);
    assert_eq!(launcher(&effects), None);
    // Reopening the choices hides it, and a narrower choice is passed on when it returns.
    let effects = tab.handle(Event::ShowConsentPrompt, T0 + 3);
    assert_eq!(launcher(&effects), Some(&None));
    let effects = tab.handle(Event::Consent(only_measurement()), T0 + 4);
    let drawn = launcher(&effects).expect("drawn again").clone().expect("a launcher");
    assert!(!drawn.personalization && !drawn.storage && drawn.cart_code.is_none());
}

fn only_measurement() -> ConsentUpdate {
    let set = [("measurement", true), ("personalization", false), ("marketing", false)];
    ConsentUpdate { all: None, set: set.iter().map(|(id, on)| (id.to_string(), *on)).collect() }
}
