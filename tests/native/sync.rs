//! What leaves the browser: identity, purposes, batching, retries, the bounded outbox, tabs.

use super::support::*;
use concierge::engine::consent::ConsentUpdate;
use concierge::engine::persist::{Key, Record, Section};
use concierge::engine::sync::{
    self, OutEvent, Outbox, Payload, SendOutcome, BATCH_BYTES, CART_CODE_ALPHABET, OUTBOX_LIMIT,
};
use concierge::engine::view::Action;
use concierge::engine::{CommerceKind, Effect, Event, Warning};
use concierge::wire;
use concierge_protocol::limits::MAX_BODY_BYTES;

fn sent(effects: &[Effect]) -> Option<&sync::Batch> {
    effects.iter().find_map(|effect| match effect {
        Effect::Send(batch) => Some(batch),
        _ => None,
    })
}

fn names(batch: &sync::Batch) -> Vec<&'static str> {
    batch.events.iter().map(|event| event.payload.name()).collect()
}

/// Runs the flush handshake the shell performs and returns the batch sent.
fn flush(tab: &mut Tab, now: i64) -> sync::Batch {
    let effects = tab.handle(Event::FlushGranted, now);
    sent(&effects).cloned().expect("a batch is sent")
}

fn answer(tab: &mut Tab, batch: &sync::Batch, outcome: SendOutcome, now: i64) -> Vec<Effect> {
    tab.handle(Event::Sent { key: batch.key.clone(), outcome }, now)
}

const ACCEPTED: SendOutcome = SendOutcome::Accepted { cart_code_taken: false };

fn view_item(id: &str) -> Event {
    commerce(CommerceKind::ViewItem, vec![item(id, 1, 1)])
}

fn wake(effects: &[Effect]) -> Option<i64> {
    effects.iter().find_map(|e| match e {
        Effect::WakeAt(at) => Some(*at),
        _ => None,
    })
}

#[test]
fn nothing_is_queued_or_sent_without_consent() {
    let (mut tab, _) = Tab::open(&new_device(), "/", T0);
    let effects = tab.handle(add(vec![item("a", 100, 1)]), T0);
    assert!(!effects.iter().any(|e| matches!(e, Effect::RequestFlush | Effect::Send(_))));
    assert!(tab.sync().identity.is_none(), "no visitor id before consent");
    let effects = tab.handle(action(Action::RejectConsent), T0);
    assert!(tab.sync().identity.is_none(), "nor after a rejection");
    assert!(!effects.contains(&Effect::RequestFlush));
}

#[test]
fn accepting_makes_an_identity_and_sends_the_choice_and_the_cart() {
    let (mut tab, _) = Tab::open(&new_device(), "/", T0);
    tab.handle(add(vec![item("a", 100, 2)]), T0);
    let effects = tab.handle(action(Action::AcceptConsent), T0 + 1);
    assert!(effects.contains(&Effect::RequestFlush));
    let identity = tab.sync().identity.clone().expect("an identity");
    assert!(identity.visitor_id.starts_with("vis_") && identity.visitor_id.len() == 30);
    assert!(identity.secret.starts_with("sec_"));
    let batch = flush(&mut tab, T0 + 2);
    assert_eq!(names(&batch), ["consent", "cart"]);
    assert_eq!(batch.identity, identity);
    assert!(!batch.beacon);
    // Storage carries the pending batch, so a reload resends it under the same key.
    let stored = tab.device.borrow().stored();
    assert_eq!(stored.outbox.present().unwrap().pending.unwrap().key, batch.key);
    answer(&mut tab, &batch, ACCEPTED, T0 + 3);
    let stored = tab.device.borrow().stored();
    assert!(stored.events.is_empty(), "acknowledged events leave storage");
    assert_eq!(stored.outbox.present().unwrap().acked.len(), 2);
}

/// (consent given, whether the batch after an add_to_cart carries the cart, the event)
#[test]
fn each_purpose_unlocks_only_its_own_data() {
    let cases = [
        (
            ConsentUpdate {
                all: None,
                set: vec![("storage".into(), true), ("analytics".into(), false)],
            },
            true,
            false,
        ),
        (
            ConsentUpdate {
                all: None,
                set: vec![("storage".into(), false), ("analytics".into(), true)],
            },
            false,
            true,
        ),
        (ConsentUpdate::all(true), true, true),
    ];
    for (update, cart, measurement) in cases {
        let (mut tab, _) = Tab::open(&new_device(), "/", T0);
        tab.handle(Event::Consent(update.clone()), T0);
        tab.handle(add(vec![item("a", 100, 1)]), T0 + 1);
        let batch = flush(&mut tab, T0 + 2);
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
    let mut tab = consenting_tab(T0);
    let first = flush(&mut tab, T0);
    let effects = answer(&mut tab, &first, SendOutcome::Retry { retry_after: None }, T0 + 10);
    let at = wake(&effects).expect("a wake-up");
    // First retry: 4 s × jitter in [0.5, 1.5).
    assert!((T0 + 10 + 2_000..T0 + 10 + 6_000).contains(&at), "{}", at - T0);
    assert!(!tab.handle(Event::Tick, at - 1).contains(&Effect::RequestFlush));
    assert!(tab.handle(Event::Tick, at).contains(&Effect::RequestFlush));
    let second = flush(&mut tab, at);
    assert_eq!(second.key, first.key, "a retry is the same batch, so the server counts it once");
    assert_eq!(second.events, first.events);

    let effects = answer(&mut tab, &second, SendOutcome::Retry { retry_after: Some(120_000) }, at);
    assert!(wake(&effects).unwrap() >= at + 120_000, "Retry-After is a floor");
}

#[test]
fn a_rejected_batch_is_dropped_and_reported_once() {
    let mut tab = consenting_tab(T0);
    let batch = flush(&mut tab, T0);
    let effects = answer(&mut tab, &batch, SendOutcome::Rejected { status: 422 }, T0 + 1);
    let warnings: Vec<_> = effects
        .iter()
        .filter(|e| matches!(e, Effect::Warn(Warning::BatchRejected { status: 422, events: 2 })))
        .collect();
    assert_eq!(warnings.len(), 1, "{effects:?}");
    assert!(tab.sync().outbox.events().is_empty());
    assert!(!tab.handle(Event::Tick, T0 + 60_000).contains(&Effect::RequestFlush));
}

#[test]
fn a_full_outbox_drops_the_oldest_measurement_and_keeps_consent_and_cart() {
    let mut tab = consenting_tab(T0);
    for i in 0..OUTBOX_LIMIT + 50 {
        tab.handle(view_item(&format!("p{i}")), T0 + i as i64);
    }
    let outbox = &tab.sync().outbox;
    assert_eq!(outbox.events().len(), OUTBOX_LIMIT);
    assert_eq!(outbox.dropped, 52, "the 250 views and the 2 kept events made 252 for 200 places");
    assert!(
        matches!(outbox.events()[0].payload, Payload::Consent(_)),
        "the consent record survives"
    );
    let batch = flush(&mut tab, T0 + 1_000);
    assert_eq!(batch.dropped, 52, "the loss is reported with the next batch");
    let json = serde_json::to_value(wire::encode_batch(batch, "demo")).unwrap();
    assert_eq!(json["dropped"], 52);
    // Storage holds no more than the outbox: dropped events were erased from it too.
    let stored_events = tab.device.borrow().stored().events.len();
    assert_eq!(stored_events, OUTBOX_LIMIT);
}

fn outbox_of(count: usize, prefix: &str) -> Outbox {
    let mut events = Vec::new();
    for i in 0..count {
        let payload =
            Payload::Commerce { kind: CommerceKind::ViewItem, items: vec![], transaction_id: None };
        // Pushing one at a time keeps the bound; the events are built past it directly below.
        events.push(OutEvent { id: format!("evt_{prefix}{i:05}"), at: T0 + i as i64, payload });
    }
    Outbox::of_events(events)
}

#[test]
fn merging_tabs_outboxes_holds_the_outbox_to_its_limit() {
    let mut mine = outbox_of(150, "a");
    let theirs = outbox_of(150, "b");
    mine.merge(&theirs);
    assert_eq!(mine.events().len(), OUTBOX_LIMIT, "the union of 300 is held to the limit");
    assert_eq!(mine.dropped, 100);
    // The oldest measurements went: what is left is the newest, in time order.
    assert!(mine.events().windows(2).all(|pair| pair[0].at <= pair[1].at));
    assert_eq!(mine.events()[0].at, T0 + 50);

    let mut empty = Outbox::default();
    empty.merge(&outbox_of(3, "c"));
    let ids: Vec<_> = empty.events().iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        ["evt_c00000", "evt_c00001", "evt_c00002"],
        "merging into an empty outbox takes every event"
    );
}

#[test]
fn loading_an_overfull_stored_outbox_holds_it_to_its_limit_and_erases_the_rest() {
    let tab = consenting_tab(T0);
    // An older agent (or a tampered device) left 260 queued events.
    let overfull = outbox_of(260, "x");
    tab.device.borrow_mut().apply(
        &overfull
            .events()
            .iter()
            .cloned()
            .map(|e| Effect::Store(Record::Event(e)))
            .collect::<Vec<_>>(),
    );
    let (page, effects) = tab.next_page("/", T0 + 1_000);
    assert_eq!(page.sync().outbox.events().len(), OUTBOX_LIMIT);
    assert!(page.sync().outbox.dropped >= 60);
    let erased = effects.iter().filter(|e| matches!(e, Effect::Erase(Key::Event(_)))).count();
    assert!(erased >= 60, "the dropped events leave storage: {erased}");
    assert_eq!(page.device.borrow().stored().events.len(), OUTBOX_LIMIT);
}

#[test]
fn batches_stay_under_the_byte_bound() {
    let mut tab = consenting_tab(T0);
    let batch = flush(&mut tab, T0);
    answer(&mut tab, &batch, ACCEPTED, T0 + 1);
    // 100 purchase events of 30 long-named items each: far more than one body may carry.
    for i in 0..100 {
        let items = (0..30).map(|n| {
            let mut it = item(&format!("product-{i}-{n}-{}", "x".repeat(120)), 100, 1);
            it.name = "N".repeat(180);
            it
        });
        tab.handle(commerce(CommerceKind::ViewItemList, items.collect()), T0 + 10 + i);
    }
    let batch = flush(&mut tab, T0 + 10_000);
    let text = serde_json::to_string(&wire::encode_batch(batch.clone(), "demo")).unwrap();
    assert!(text.len() <= BATCH_BYTES, "{} bytes", text.len());
    assert!(text.len() * 4 <= MAX_BODY_BYTES, "well below the backend's limit");
    assert!(batch.events.len() < 100, "the rest waits for the next batch");
    // The protocol's measure of the JSON matches what a JSON writer produces.
    assert_eq!(wire::encode_batch(batch, "demo").json_len(), text.len());
}

#[test]
fn a_413_splits_the_batch_and_retries_instead_of_dropping_it() {
    let mut tab = consenting_tab(T0);
    let first = flush(&mut tab, T0);
    answer(&mut tab, &first, ACCEPTED, T0 + 1);
    for i in 0..8 {
        tab.handle(view_item(&format!("p{i}")), T0 + 10 + i);
    }
    let whole = flush(&mut tab, T0 + 10_000);
    assert_eq!(whole.events.len(), 8);
    let effects = answer(&mut tab, &whole, SendOutcome::TooLarge, T0 + 10_001);
    assert!(effects.contains(&Effect::RequestFlush), "the halves go at once: {effects:?}");
    let half = flush(&mut tab, T0 + 10_002);
    assert_eq!(half.events, whole.events[..4], "the first half, under a new key");
    assert_ne!(half.key, whole.key);
    answer(&mut tab, &half, ACCEPTED, T0 + 10_003);
    let rest = flush(&mut tab, T0 + 10_004);
    assert_eq!(rest.events, whole.events[4..]);

    // A single event the backend refuses as too large is the only thing ever dropped.
    let effects = answer(&mut tab, &rest, SendOutcome::TooLarge, T0 + 10_005);
    let again = flush(&mut tab, T0 + 10_006);
    assert_eq!(again.events.len(), 2);
    answer(&mut tab, &again, SendOutcome::TooLarge, T0 + 10_007);
    let single = flush(&mut tab, T0 + 10_008);
    assert_eq!(single.events.len(), 1);
    let effects_single = answer(&mut tab, &single, SendOutcome::TooLarge, T0 + 10_009);
    assert!(effects_single.contains(&Effect::Warn(Warning::EventTooLarge)), "{effects_single:?}");
    assert!(!effects.contains(&Effect::Warn(Warning::EventTooLarge)));
    assert_eq!(tab.sync().outbox.events().len(), 3, "only that one event was given up");
}

#[test]
fn leaving_the_page_sends_a_beacon_of_what_is_left() {
    let mut tab = consenting_tab(T0);
    let effects = tab.handle(Event::PageHide, T0 + 1);
    let batch = sent(&effects).expect("a beacon");
    assert!(batch.beacon);
    assert!(!tab.sync().outbox.in_flight, "a beacon gets no answer");
    assert_eq!(tab.sync().outbox.events().len(), 2, "kept until a later answer confirms it");
}

#[test]
fn withdrawing_consent_tells_the_server_then_a_new_grant_is_a_new_identity() {
    let mut tab = consenting_tab(T0);
    let batch = flush(&mut tab, T0);
    answer(&mut tab, &batch, ACCEPTED, T0);
    let old = tab.sync().identity.clone().unwrap();
    tab.handle(view_item("a"), T0 + 1);
    let effects = tab.handle(Event::Consent(ConsentUpdate::all(false)), T0 + 2);
    assert!(effects.contains(&Effect::Wipe));
    assert!(tab.sync().identity.is_none(), "the identity is retired");
    assert_eq!(tab.cart_code(), None);
    let batch = flush(&mut tab, T0 + 10_000);
    assert_eq!(names(&batch), ["consent"], "only the withdrawal goes out, under the old id");
    assert_eq!(batch.identity, old);
    let json = serde_json::to_value(wire::encode_batch(batch.clone(), "demo")).unwrap();
    assert_eq!(
        json["events"][0]["consent"],
        serde_json::json!({
            "policy": 2,
            "purposes": { "measurement": "denied", "personalization": "denied", "marketing": "denied" },
            "source": "api",
        }),
        "the consent payload of issue 9's contract (section 4)"
    );
    answer(&mut tab, &batch, ACCEPTED, T0 + 10_001);
    assert!(tab.sync().retiring.is_none());

    tab.handle(Event::Consent(ConsentUpdate::all(true)), T0 + 20_000);
    let new = tab.sync().identity.clone().expect("a new identity");
    assert_ne!(new.visitor_id, old.visitor_id);
    assert_ne!(new.secret, old.secret);
    let batch = flush(&mut tab, T0 + 20_001);
    assert_eq!(batch.identity, new);
}

#[test]
fn a_visitor_the_backend_erased_is_asked_again_under_a_new_identity() {
    let mut tab = consenting_tab(T0);
    let old = tab.sync().identity.clone().unwrap();
    let batch = flush(&mut tab, T0);
    let effects = answer(&mut tab, &batch, SendOutcome::Rejected { status: 410 }, T0 + 1);
    assert!(effects.contains(&Effect::Warn(Warning::VisitorErased)));
    assert!(tab.sync().identity.is_none());
    assert!(effects.contains(&Effect::Wipe), "nothing of the old identity stays on the device");
    let effects = tab.handle(action(Action::AcceptConsent), T0 + 2);
    assert!(effects.contains(&Effect::RequestFlush));
    assert_ne!(tab.sync().identity.clone().unwrap().visitor_id, old.visitor_id);
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
        // Every code the agent makes is one the backend accepts.
        assert_eq!(
            concierge_protocol::names::normalise_cart_code(&code).as_deref(),
            Some(code.as_str())
        );
        codes.insert(code);
    }
    assert!(codes.len() > 495, "codes rarely repeat: {}", codes.len());

    let mut tab = consenting_tab(T0);
    let before = tab.sync().identity.clone().unwrap().cart_code;
    let batch = flush(&mut tab, T0);
    answer(&mut tab, &batch, SendOutcome::Accepted { cart_code_taken: true }, T0 + 1);
    let after = tab.sync().identity.clone().unwrap().cart_code;
    assert_ne!(before, after);
    assert_eq!(tab.cart_code(), Some(after.as_str()));
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
fn tabs_share_the_outbox_without_resending_what_was_acknowledged() {
    let mut first = consenting_tab(T0);
    first.handle(add(vec![item("a", 1, 1)]), T0 + 1);
    let (mut second, _) = first.next_page("/", T0 + 2);
    let queued: Vec<String> = first.sync().outbox.events().iter().map(|e| e.id.clone()).collect();
    // The first tab sends and is answered; the second learns of it through storage events.
    let batch = flush(&mut first, T0 + 3);
    let effects = answer(&mut first, &batch, ACCEPTED, T0 + 4);
    second.handle(add(vec![item("b", 1, 1)]), T0 + 5);
    for effect in &effects {
        if let Effect::Erase(key) = effect {
            second.handle(
                Event::StorageChanged(concierge::engine::persist::StorageChange::Removed(
                    key.clone(),
                )),
                T0 + 6,
            );
        }
    }
    let left: Vec<_> = second.sync().outbox.events().iter().map(|e| e.id.clone()).collect();
    assert!(!queued.is_empty());
    assert!(left.iter().all(|id| !queued.contains(id)), "nothing acknowledged is sent again");
    assert!(!left.is_empty(), "the second tab's own change is still to send");
}

#[test]
fn stored_outboxes_survive_a_reload_and_resend_under_the_same_key() {
    let mut tab = consenting_tab(T0);
    let batch = flush(&mut tab, T0);
    tab.handle(Event::PageHide, T0 + 1);
    let (mut reloaded, _) = tab.next_page("/", T0 + 2);
    assert_eq!(reloaded.sync().outbox.events(), batch.events);
    let resent = flush(&mut reloaded, T0 + 3);
    assert_eq!(resent.key, batch.key);
}

#[test]
fn cart_changes_go_at_once_and_measurement_waits_for_a_batch() {
    let mut tab = consenting_tab(T0);
    let batch = flush(&mut tab, T0);
    answer(&mut tab, &batch, ACCEPTED, T0 + 100);
    let effects = tab.handle(view_item("a"), T0 + 200);
    assert!(!effects.contains(&Effect::RequestFlush), "a view waits for the batch interval");
    assert_eq!(wake(&effects), Some(T0 + 100 + sync::FLUSH_INTERVAL));
    let effects = tab.handle(add(vec![item("a", 1, 1)]), T0 + 300);
    assert!(effects.contains(&Effect::RequestFlush), "a cart change goes now");
}

#[test]
fn a_cart_change_waiting_out_a_backoff_wakes_when_the_backoff_ends() {
    let mut tab = consenting_tab(T0);
    let batch = flush(&mut tab, T0);
    answer(&mut tab, &batch, ACCEPTED, T0 + 10);
    tab.handle(add(vec![item("a", 1, 1)]), T0 + 20);
    let batch = flush(&mut tab, T0 + 30);
    answer(&mut tab, &batch, SendOutcome::Retry { retry_after: Some(1_000) }, T0 + 40);
    let backoff_ends = tab.sync().outbox.next_attempt_at.unwrap();
    let effects = tab.handle(add(vec![item("b", 1, 1)]), T0 + 50);
    assert_eq!(wake(&effects), Some(backoff_ends), "{effects:?}");
    assert!(backoff_ends < T0 + 10 + sync::FLUSH_INTERVAL, "not held back to the batch interval");
}

#[test]
fn a_new_page_does_not_inherit_the_previous_pages_backoff() {
    let mut tab = consenting_tab(T0);
    let batch = flush(&mut tab, T0);
    answer(&mut tab, &batch, SendOutcome::Retry { retry_after: None }, T0 + 1);
    let (_, effects) = tab.next_page("/cart/", T0 + 100);
    assert!(effects.contains(&Effect::RequestFlush), "{effects:?}");
}

#[test]
fn with_measurement_alone_the_cart_stays_off_the_device() {
    // Measurement unlocks activity and identifiers (the visitor id and the queued visit are
    // kept), not the cart.
    let (mut tab, _) = Tab::open(&new_device(), "/", T0);
    let effects = tab.handle(
        Event::Consent(ConsentUpdate {
            all: None,
            set: vec![("storage".into(), false), ("analytics".into(), true)],
        }),
        T0,
    );
    assert!(tab.sync().identity.is_some());
    assert!(effects.contains(&Effect::RequestFlush), "the measurement is sent");
    tab.handle(add(vec![item("a", 1, 1)]), T0 + 1);
    let device = tab.device.borrow();
    assert!(!device.has(Section::Cart), "no cart");
    assert!(device.has(Section::Consent) && device.has(Section::Identity));
    assert!(device.stored().events.iter().any(|e| e.payload.name() == "add_to_cart"));
    assert!(tab.cart_code().is_none(), "no staff view without personalization");
}

#[test]
fn intents_are_asked_for_only_once_the_backend_knows_the_visitor() {
    let mut tab = consenting_tab(T0);
    let asks = |effects: &[Effect]| effects.iter().any(|e| matches!(e, Effect::FetchIntents(_)));
    // Consent given, nothing delivered yet: the backend would take the id for a probe.
    let (_, effects) = tab.next_page("/", T0 + 1);
    assert!(!asks(&effects), "{effects:?}");
    let batch = flush(&mut tab, T0 + 2);
    answer(&mut tab, &batch, ACCEPTED, T0 + 3);
    let (_, effects) = tab.next_page("/", T0 + 4);
    assert!(asks(&effects), "{effects:?}");
}
