//! What leaves the browser: identity, purposes, batching, retries, the bounded outbox, tabs.

use super::support::*;
use concierge::engine::consent::ConsentUpdate;
use concierge::engine::sync::{
    self, Outbox, Payload, SendOutcome, CART_CODE_ALPHABET, OUTBOX_LIMIT,
};
use concierge::engine::view::Action;
use concierge::engine::{Agent, CommerceKind, Effect, Event, Warning};
use concierge::wire;

fn sent(effects: &[Effect]) -> Option<&sync::Batch> {
    effects.iter().find_map(|effect| match effect {
        Effect::Send(batch) => Some(batch),
        _ => None,
    })
}

fn names(batch: &sync::Batch) -> Vec<&'static str> {
    batch
        .events
        .iter()
        .map(|event| match &event.payload {
            Payload::Consent(_) => "consent",
            Payload::Cart(_) => "cart",
            Payload::Commerce { kind, .. } => kind.name(),
        })
        .collect()
}

/// Runs the flush handshake the shell performs and returns the batch sent.
fn flush(agent: &mut Agent, now: i64) -> sync::Batch {
    let effects = agent.handle(Event::FlushGranted, now);
    sent(&effects).cloned().expect("a batch is sent")
}

fn accept(agent: &mut Agent, now: i64) -> Vec<Effect> {
    agent.handle(action(Action::AcceptConsent), now)
}

#[test]
fn nothing_is_queued_or_sent_without_consent() {
    let mut agent = Agent::new(config());
    agent.handle(start(None, "/"), T0);
    let effects = agent.handle(add(vec![item("a", 100, 1)]), T0);
    assert!(!effects
        .iter()
        .any(|e| matches!(e, Effect::RequestFlush | Effect::Send(_) | Effect::WakeAt(_))));
    assert!(agent.snapshot().identity.is_none(), "no visitor id before consent");
    let effects = agent.handle(action(Action::RejectConsent), T0);
    assert!(agent.snapshot().identity.is_none(), "nor after a rejection");
    assert!(!effects.contains(&Effect::RequestFlush));
}

#[test]
fn accepting_makes_an_identity_and_sends_the_choice_and_the_cart() {
    let mut agent = Agent::new(config());
    agent.handle(start(None, "/"), T0);
    agent.handle(add(vec![item("a", 100, 2)]), T0);
    let effects = accept(&mut agent, T0 + 1);
    assert!(effects.contains(&Effect::RequestFlush));
    let identity = agent.snapshot().identity.clone().expect("an identity");
    assert!(identity.visitor_id.starts_with("vis_") && identity.visitor_id.len() == 30);
    assert!(identity.secret.starts_with("sec_"));
    let batch = flush(&mut agent, T0 + 2);
    assert_eq!(names(&batch), ["consent", "cart"]);
    assert_eq!(batch.identity, identity);
    assert!(!batch.beacon);
    // The stored snapshot carries the pending batch, so a reload resends it under the same key.
    let effects = agent.handle(
        Event::Sent {
            key: batch.key.clone(),
            outcome: SendOutcome::Accepted { cart_code_taken: false },
        },
        T0 + 3,
    );
    let stored = persisted(&effects).expect("persisted after the answer");
    assert!(stored.outbox.events.is_empty());
    assert_eq!(stored.outbox.acked.len(), 2);
}

/// (consent given, whether the batch after an add_to_cart carries the cart, the event)
#[test]
fn each_purpose_unlocks_only_its_own_data() {
    let cases = [
        (ConsentUpdate { storage: Some(true), analytics: Some(false) }, true, false),
        (ConsentUpdate { storage: Some(false), analytics: Some(true) }, false, true),
        (ConsentUpdate::ACCEPT_ALL, true, true),
    ];
    for (update, cart, measurement) in cases {
        let mut agent = Agent::new(config());
        agent.handle(start(None, "/"), T0);
        agent.handle(Event::Consent(update), T0);
        agent.handle(add(vec![item("a", 100, 1)]), T0 + 1);
        let batch = flush(&mut agent, T0 + 2);
        let names = names(&batch);
        assert_eq!(names[0], "consent", "{update:?}");
        assert_eq!(names.contains(&"cart"), cart, "{update:?}: {names:?}");
        assert_eq!(names.contains(&"add_to_cart"), measurement, "{update:?}: {names:?}");
        // Unsent cart snapshots collapse into the newest.
        assert!(names.iter().filter(|n| **n == "cart").count() <= 1, "{names:?}");
    }
}

#[test]
fn failures_back_off_with_jitter_and_honour_retry_after() {
    let mut agent = consenting_agent(T0);
    let first = flush(&mut agent, T0);
    let effects = agent.handle(
        Event::Sent { key: first.key.clone(), outcome: SendOutcome::Retry { retry_after: None } },
        T0 + 10,
    );
    let wake = effects
        .iter()
        .find_map(|e| match e {
            Effect::WakeAt(at) => Some(*at),
            _ => None,
        })
        .expect("a wake-up");
    // First retry: 4 s × jitter in [0.5, 1.5).
    assert!((T0 + 10 + 2_000..T0 + 10 + 6_000).contains(&wake), "{}", wake - T0);
    assert!(!agent.handle(Event::Tick, wake - 1).contains(&Effect::RequestFlush));
    assert!(agent.handle(Event::Tick, wake).contains(&Effect::RequestFlush));
    let second = flush(&mut agent, wake);
    assert_eq!(second.key, first.key, "a retry is the same batch, so the server counts it once");
    assert_eq!(second.events, first.events);

    let effects = agent.handle(
        Event::Sent {
            key: second.key.clone(),
            outcome: SendOutcome::Retry { retry_after: Some(120_000) },
        },
        wake,
    );
    let next = effects
        .iter()
        .find_map(|e| match e {
            Effect::WakeAt(at) => Some(*at),
            _ => None,
        })
        .unwrap();
    assert!(next >= wake + 120_000, "Retry-After is a floor");
}

#[test]
fn a_rejected_batch_is_dropped_and_reported_once() {
    let mut agent = consenting_agent(T0);
    let batch = flush(&mut agent, T0);
    let effects = agent.handle(
        Event::Sent { key: batch.key.clone(), outcome: SendOutcome::Rejected { status: 422 } },
        T0 + 1,
    );
    let warnings: Vec<_> = effects
        .iter()
        .filter(|e| matches!(e, Effect::Warn(Warning::BatchRejected { status: 422, .. })))
        .collect();
    assert_eq!(warnings.len(), 1);
    assert!(agent.snapshot().outbox.events.is_empty());
    assert!(!agent.handle(Event::Tick, T0 + 60_000).contains(&Effect::RequestFlush));
}

#[test]
fn a_full_outbox_drops_the_oldest_measurement_and_keeps_consent_and_cart() {
    let mut agent = consenting_agent(T0);
    for i in 0..OUTBOX_LIMIT + 50 {
        agent.handle(
            Event::Commerce(concierge::engine::Commerce {
                kind: CommerceKind::ViewItem,
                items: Some(vec![item(&format!("p{i}"), 1, 1)]),
                transaction_id: None,
            }),
            T0 + i as i64,
        );
    }
    let outbox = &agent.snapshot().outbox;
    assert_eq!(outbox.events.len(), OUTBOX_LIMIT);
    assert_eq!(outbox.dropped, 52, "the 250 views and the 2 kept events made 252 for 200 places");
    assert!(matches!(outbox.events[0].payload, Payload::Consent(_)), "the consent record survives");
    let batch = flush(&mut agent, T0 + 1_000);
    assert_eq!(batch.dropped, 52, "the loss is reported with the next batch");
    let json = serde_json::to_value(wire::encode_batch(&batch, "demo")).unwrap();
    assert_eq!(json["dropped"], 52);
}

#[test]
fn leaving_the_page_sends_a_beacon_of_what_is_left() {
    let mut agent = consenting_agent(T0);
    let effects = agent.handle(Event::PageHide, T0 + 1);
    let batch = sent(&effects).expect("a beacon");
    assert!(batch.beacon);
    assert!(!agent.snapshot().outbox.in_flight, "a beacon gets no answer");
    assert_eq!(agent.snapshot().outbox.events.len(), 2, "kept until a later answer confirms it");
}

#[test]
fn withdrawing_consent_tells_the_server_before_forgetting() {
    let mut agent = consenting_agent(T0);
    let batch = flush(&mut agent, T0);
    agent.handle(
        Event::Sent { key: batch.key, outcome: SendOutcome::Accepted { cart_code_taken: false } },
        T0,
    );
    let effects = agent.handle(Event::Consent(ConsentUpdate::REJECT_ALL), T0 + 1);
    assert!(effects.contains(&Effect::Wipe));
    let batch = flush(&mut agent, T0 + 10_000);
    assert_eq!(names(&batch), ["consent"]);
    let json = serde_json::to_value(wire::encode_batch(&batch, "demo")).unwrap();
    assert_eq!(
        json["events"][0]["consent"],
        serde_json::json!({ "storage": "denied", "analytics": "denied" })
    );
}

#[test]
fn cart_codes_are_readable_and_replaced_when_taken() {
    let mut codes = std::collections::HashSet::new();
    for seed in 0..500u64 {
        let code = sync::Rng::new(seed).cart_code();
        let chars: Vec<char> = code.chars().collect();
        assert_eq!(chars.len(), 7);
        assert_eq!(chars[3], '-');
        assert!(
            chars
                .iter()
                .enumerate()
                .all(|(i, c)| i == 3 || CART_CODE_ALPHABET.contains(&(*c as u8))),
            "{code}"
        );
        codes.insert(code);
    }
    assert!(codes.len() > 495, "codes rarely repeat: {}", codes.len());

    let mut agent = consenting_agent(T0);
    let before = agent.snapshot().identity.clone().unwrap().cart_code;
    let batch = flush(&mut agent, T0);
    agent.handle(
        Event::Sent { key: batch.key, outcome: SendOutcome::Accepted { cart_code_taken: true } },
        T0 + 1,
    );
    let after = agent.snapshot().identity.clone().unwrap().cart_code;
    assert_ne!(before, after);
    assert_eq!(agent.cart_code(), Some(after.as_str()));
}

#[test]
fn the_same_seed_makes_the_same_ids() {
    let ids = |seed| {
        let mut rng = sync::Rng::new(seed);
        (rng.id("vis"), rng.id("evt"), rng.cart_code())
    };
    assert_eq!(ids(7), ids(7));
    assert_ne!(ids(7), ids(8));
}

#[test]
fn tabs_merge_outboxes_without_resending_what_was_acknowledged() {
    let mut first = consenting_agent(T0);
    let stored = persisted(&first.handle(add(vec![item("a", 1, 1)]), T0 + 1)).unwrap();
    let (mut second, _) = next_page(Some(stored), "/", T0 + 2);
    // The first tab sends and is answered; the second learns of it through storage.
    let batch = flush(&mut first, T0 + 3);
    let effects = first.handle(
        Event::Sent { key: batch.key, outcome: SendOutcome::Accepted { cart_code_taken: false } },
        T0 + 4,
    );
    second.handle(add(vec![item("b", 1, 1)]), T0 + 5);
    second.handle(Event::StoredChanged(persisted(&effects)), T0 + 6);
    let left: Vec<_> = second.snapshot().outbox.events.iter().map(|e| e.id.clone()).collect();
    assert!(
        left.iter().all(|id| !first.snapshot().outbox.acked.contains(id)),
        "nothing acknowledged is sent again"
    );
    assert!(!left.is_empty(), "the second tab's own change is still to send");

    let mut merged = Outbox::default();
    merged.merge(&second.snapshot().outbox);
    assert_eq!(merged.events.len(), left.len());
}

#[test]
fn stored_outboxes_survive_a_reload_and_resend_under_the_same_key() {
    let mut agent = consenting_agent(T0);
    let batch = flush(&mut agent, T0);
    let stored = persisted(&agent.handle(Event::PageHide, T0 + 1))
        .unwrap_or_else(|| agent.snapshot().storable());
    let text = serde_json::to_string(&concierge::stored::encode(&stored)).unwrap();
    let (decoded, _) = concierge::stored::decode(&json(&text)).unwrap();
    assert_eq!(decoded.outbox.events, stored.outbox.events);
    let (mut reloaded, effects) = next_page(Some(decoded), "/", T0 + 2);
    assert!(effects.iter().any(|e| matches!(e, Effect::FetchIntents(_))));
    let resent = flush(&mut reloaded, T0 + 3);
    assert_eq!(resent.key, batch.key);
}

#[test]
fn cart_changes_go_at_once_and_measurement_waits_for_a_batch() {
    let mut agent = consenting_agent(T0);
    let batch = flush(&mut agent, T0);
    agent.handle(
        Event::Sent { key: batch.key, outcome: SendOutcome::Accepted { cart_code_taken: false } },
        T0 + 100,
    );
    let view = concierge::engine::Commerce {
        kind: CommerceKind::ViewItem,
        items: Some(vec![item("a", 1, 1)]),
        transaction_id: None,
    };
    let effects = agent.handle(Event::Commerce(view), T0 + 200);
    assert!(!effects.contains(&Effect::RequestFlush), "a view waits for the batch interval");
    assert!(effects.contains(&Effect::WakeAt(T0 + 100 + sync::FLUSH_INTERVAL)));
    let effects = agent.handle(add(vec![item("a", 1, 1)]), T0 + 300);
    assert!(effects.contains(&Effect::RequestFlush), "a cart change goes now");
}

#[test]
fn a_cart_change_waiting_out_a_backoff_wakes_when_the_backoff_ends() {
    let mut agent = consenting_agent(T0);
    let batch = flush(&mut agent, T0);
    agent.handle(
        Event::Sent {
            key: batch.key.clone(),
            outcome: SendOutcome::Accepted { cart_code_taken: false },
        },
        T0 + 10,
    );
    agent.handle(add(vec![item("a", 1, 1)]), T0 + 20);
    let batch = flush(&mut agent, T0 + 30);
    agent.handle(
        Event::Sent { key: batch.key, outcome: SendOutcome::Retry { retry_after: Some(1_000) } },
        T0 + 40,
    );
    let backoff_ends = agent.snapshot().outbox.next_attempt_at.unwrap();
    let effects = agent.handle(add(vec![item("b", 1, 1)]), T0 + 50);
    assert!(effects.contains(&Effect::WakeAt(backoff_ends)), "{effects:?}");
    assert!(backoff_ends < T0 + 10 + sync::FLUSH_INTERVAL, "not held back to the batch interval");
}

#[test]
fn a_new_page_does_not_inherit_the_previous_pages_backoff() {
    let mut agent = consenting_agent(T0);
    let batch = flush(&mut agent, T0);
    let effects = agent.handle(
        Event::Sent { key: batch.key, outcome: SendOutcome::Retry { retry_after: None } },
        T0 + 1,
    );
    let stored = persisted(&effects).unwrap_or_else(|| agent.snapshot().storable());
    let (_, effects) = next_page(Some(stored), "/cart/", T0 + 100);
    assert!(effects.contains(&Effect::RequestFlush), "{effects:?}");
}

#[test]
fn with_analytics_alone_nothing_is_written_to_the_device() {
    let mut agent = Agent::new(config());
    agent.handle(start(None, "/"), T0);
    let effects = agent
        .handle(Event::Consent(ConsentUpdate { storage: Some(false), analytics: Some(true) }), T0);
    assert!(!effects.iter().any(|e| matches!(e, Effect::Persist(_) | Effect::Wipe)), "{effects:?}");
    assert!(agent.snapshot().identity.is_some(), "an identity for this page, in memory");
    assert!(effects.contains(&Effect::RequestFlush), "and the measurement is still sent");
    let effects = agent.handle(add(vec![item("a", 1, 1)]), T0 + 1);
    assert!(!effects.iter().any(|e| matches!(e, Effect::Persist(_))));
}
