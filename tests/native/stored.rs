//! The storage format: sections with their own versions, round trips, damaged entries, and
//! the migration of the whole-state document that released agents wrote.

use super::support::*;
use concierge::engine::consent::{ConsentUpdate, Decision};
use concierge::engine::persist::{Allowed, Current, Key, Section, Slot};
use concierge::engine::view::ViewKind;
use concierge::engine::{Effect, Event};
use concierge::stored::{self, DroppedLine, StoredError};

/// A document written by the agent as released before sections (`concierge:v1:{site}`).
const RELEASED_V1: &str = include_str!("../fixtures/stored-v1.json");

#[test]
fn every_section_survives_the_round_trip_through_json_text() {
    let mut tab = consenting_tab(T0);
    let mut phone = item("aurora-x1", 79900, 1);
    phone.category = Some("Phones".into());
    tab.handle(add(vec![phone, item("case", 1999, 2)]), T0 + 5);
    let device = tab.device.borrow();
    for section in [Section::Consent, Section::Cart, Section::Identity, Section::Outbox] {
        assert!(device.has(section), "{section:?} is stored");
    }
    let cart = &device.entries["concierge:test:cart"];
    assert!(cart.starts_with(r#"{"v":1,"currency":"EUR""#), "{cart}");
    assert!(cart.contains(r#""price":79900,"qty":1"#), "{cart}");
    let stored = device.stored();
    assert_eq!(stored.cart.present().unwrap(), *tab.recovery());
    assert_eq!(stored.consent.present().unwrap(), *tab.consent());
    assert_eq!(stored.identity.present().as_ref(), tab.sync().identity.as_ref());
    let by_id = |events: &[concierge::engine::sync::OutEvent]| {
        let mut events = events.to_vec();
        events.sort_by(|a, b| a.id.cmp(&b.id));
        events
    };
    assert_eq!(by_id(&stored.events), by_id(tab.sync().outbox.events()));
}

#[test]
fn a_cart_stored_by_the_released_format_survives_the_upgrade() {
    let device = new_device();
    device.borrow_mut().entries.insert("concierge:v1:test".into(), RELEASED_V1.into());
    let (tab, effects) = Tab::open(&device, "/", 1_795_435_260_000 + minutes(31));
    let lines: Vec<_> = tab.cart().lines.iter().map(|l| (l.id.as_str(), l.quantity)).collect();
    assert_eq!(lines, [("aurora-x1", 1), ("case-clear", 2)]);
    assert_eq!(tab.cart().total().minor, 83898);
    assert_eq!(tab.consent().decision("personalization"), Decision::Granted);
    assert_eq!(tab.cart_code(), Some("K7M-4QP"), "the identity staff know is kept");
    assert_eq!(tab.sync().outbox.events().len(), 2, "queued events are kept");
    assert_eq!(tab.sync().outbox.pending.as_ref().unwrap().key, "batch_cccccccccccccccccccccccccc");
    // The released agent never asked about marketing: the dialog asks for it, and once
    // answered, recovery works on the migrated cart.
    assert!(rendered(&effects, ViewKind::ConsentPrompt).is_some(), "a purpose was added");
    let mut tab = tab;
    let answer = ConsentUpdate { all: None, set: vec![("marketing".into(), false)] };
    let answered = tab.handle(Event::Consent(answer), 1_795_435_260_000 + minutes(32));
    assert!(rendered(&answered, ViewKind::Campaign).is_some(), "and recovery works on it");
    assert_eq!(tab.consent().decision("measurement"), Decision::Granted, "analytics kept");
    // Migrated: written as sections, the old document erased.
    assert!(effects.contains(&Effect::Erase(Key::Legacy)));
    let device = device.borrow();
    assert!(!device.entries.contains_key("concierge:v1:test"));
    for section in [Section::Consent, Section::Cart, Section::Identity, Section::Outbox] {
        assert!(device.has(section), "{section:?} written");
    }
    assert_eq!(device.stored().events.len(), 3, "the two kept, and the record of the answer");
}

#[test]
fn entries_that_are_not_ours_are_refused_by_name() {
    let cart = Key::Section(Section::Cart);
    let field = |field: &str, problem: &str| StoredError::Field {
        field: field.into(),
        problem: problem.into(),
    };
    let cases = [
        ("[]", StoredError::NotAnObject("an array")),
        ("{}", StoredError::MissingVersion),
        (r#"{"v":"1"}"#, field("v", "must be a number")),
        (r#"{"v":1}"#, field("currency", "is not a currency code")),
        (r#"{"v":1,"currency":"??"}"#, field("currency", "is not a currency code")),
        (
            r#"{"v":1,"currency":"EUR","lines":{}}"#,
            field("lines", "must be an array, got an object"),
        ),
        (
            r#"{"v":1,"seen":"yesterday","currency":"EUR"}"#,
            field("seen", "must be a time in milliseconds, got a string"),
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(stored::decode(&cart, &json(text)).unwrap_err(), expected, "{text}");
    }
    assert_eq!(
        stored::decode(&Key::Section(Section::Consent), &json(r#"{"v":1,"storage":"yes"}"#))
            .unwrap_err(),
        field("storage", "is not granted, denied or unset")
    );
    let newer = stored::decode(&cart, &json(r#"{"v":2,"cart":{}}"#)).unwrap_err();
    assert_eq!(newer, StoredError::UnknownVersion(2.0));
    assert!(newer.is_foreign());
    assert_eq!(newer.describe(), "stored state has version 2; this agent reads version 1");
}

#[test]
fn damaged_lines_are_dropped_and_the_rest_of_the_cart_kept() {
    let text = r#"{"v":1,"currency":"EUR","updated":1,"lines":[
          {"id":"ok","name":"Fine","price":500,"qty":2},
          {"id":"neg","name":"Negative","price":-5,"qty":1},
          {"id":"frac","name":"Fraction","price":5,"qty":0.5},
          "garbage",
          {"name":"No id","price":5,"qty":1},
          {"id":"ok","name":"Repeat","price":1,"qty":1},
          {"id":"huge","name":"Overflow","price":9223372036854775807,"qty":1},
          {"id":"ok2","name":"Also fine","price":100,"qty":1}]}"#;
    let read = stored::decode(&Key::Section(Section::Cart), &json(text)).unwrap();
    let concierge::engine::persist::Record::Cart(recovery) = read.record else { panic!("a cart") };
    let ids: Vec<_> = recovery.cart.lines.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["ok", "ok2"]);
    assert_eq!(recovery.cart.total().minor, 1100);
    let reasons: Vec<_> = read.dropped.iter().map(DroppedLine::describe).collect();
    assert_eq!(
        reasons,
        [
            "stored cart line 1 has an invalid price; line dropped",
            "stored cart line 2 has an invalid quantity; line dropped",
            "stored cart line 3 has no id; line dropped",
            "stored cart line 4 has no id; line dropped",
            "stored cart line 5 repeats a product or exceeds the line limit; line dropped",
            "stored cart line 6 has an invalid price; line dropped",
        ]
    );
}

#[test]
fn damaged_entries_are_discarded_with_a_warning_and_the_rest_is_used() {
    let mut tab = consenting_tab(T0);
    tab.handle(add(vec![item("a", 100, 1)]), T0);
    tab.device.borrow_mut().entries.insert("concierge:test:identity".into(), "{not json".into());
    tab.device.borrow_mut().entries.insert(
        "concierge:test:event:evt_broken00000000".into(),
        r#"{"v":1,"event":{"id":"evt_other000000000"}}"#.into(),
    );
    let (stored, warnings) = tab.device.borrow().load();
    assert!(matches!(stored.identity, Slot::Absent));
    assert!(stored.cart.present().is_some());
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0].contains("stored event evt_broken") && warnings[0].contains("discarded"),
        "{warnings:?}"
    );
    assert!(
        warnings[1].contains("stored identity") && warnings[1].contains("not JSON"),
        "{warnings:?}"
    );
    let (page, effects) = tab.next_page("/", T0 + 1);
    assert_eq!(page.cart().total().minor, 100);
    // Storage is allowed, so the damaged entries are erased (the identity is written anew).
    let erased: Vec<_> = effects.iter().filter(|e| matches!(e, Effect::Erase(_))).collect();
    assert_eq!(erased.len(), 2, "{effects:?}");
    assert!(!page.device.borrow().entries.contains_key("concierge:test:event:evt_broken00000000"));
}

#[test]
fn keys_are_per_site_and_per_entry() {
    assert_eq!(stored::key("demo", &Key::Section(Section::Cart)), "concierge:demo:cart");
    assert_eq!(stored::key("demo", &Key::Event("evt_1".into())), "concierge:demo:event:evt_1");
    assert_eq!(stored::key("demo", &Key::Legacy), "concierge:v1:demo");
    assert_eq!(
        stored::parse_key("demo", "concierge:demo:outbox"),
        Some(Key::Section(Section::Outbox))
    );
    assert_eq!(stored::parse_key("demo", "concierge:demo2:outbox"), None, "another site's");
    assert_eq!(stored::parse_key("demo", "concierge:demo:bogus"), None);
    assert_eq!(stored::parse_key("demo", "concierge:v1:demo"), Some(Key::Legacy));
}

/// A `view_item` event with no items, queued at `T0` under `id`.
fn item_view(id: &str) -> concierge::engine::sync::OutEvent {
    concierge::engine::sync::OutEvent {
        id: id.into(),
        at: T0,
        payload: concierge::engine::sync::Payload::Commerce {
            kind: concierge::engine::CommerceKind::ViewItem,
            items: vec![],
            transaction_id: None,
        },
    }
}

/// Every stored section allowed, as when every purpose is granted.
fn every_section() -> Allowed {
    Allowed {
        consent: true,
        cart: true,
        identity: true,
        outbox: true,
        config: true,
        campaigns: true,
        receipts: true,
        interests: true,
    }
}

/// What `Written::update` is handed in the outbox tests: the consent, the cart and `outbox`, no
/// identity, config or receipts, and an empty history and interest model (they live for the
/// whole test run, so the view can borrow them).
fn current<'a>(
    consent: &'a concierge::engine::consent::Consent,
    cart: &'a concierge::engine::recovery::Recovery,
    outbox: &'a concierge::engine::sync::Outbox,
) -> Current<'a> {
    static NOTHING: std::sync::OnceLock<(
        concierge::engine::contact::History,
        concierge::engine::interests::Interests,
    )> = std::sync::OnceLock::new();
    let (campaigns, interests) = NOTHING.get_or_init(Default::default);
    Current {
        consent,
        cart,
        identity: None,
        outbox,
        config: None,
        campaigns,
        receipts: &[],
        interests,
    }
}

/// (event entries storage holds, the outbox now, entries erased, entries written)
#[test]
fn only_the_event_entries_that_changed_are_written_or_erased() {
    use concierge::engine::consent::Consent;
    use concierge::engine::persist::{Record, Written};
    use concierge::engine::recovery::Recovery;
    use concierge::engine::sync::Outbox;
    let event = item_view;
    type Ids = &'static [&'static str];
    let cases: [(Ids, Ids, Ids, Ids); 8] = [
        (&["a", "b", "c"], &["a", "b", "c"], &[], &[]),
        // A full outbox on one add: its oldest measurement dropped, the cart's snapshot
        // superseded, the add and the new snapshot in.
        (
            &["c", "m1", "m2", "m3", "s1"],
            &["c", "m2", "m3", "m4", "s2"],
            &["m1", "s1"],
            &["m4", "s2"],
        ),
        (&["a", "b", "c"], &["a", "b", "c", "d", "e"], &[], &["d", "e"]),
        (&["a", "b", "c"], &["c"], &["a", "b"], &[]),
        (&["a", "b", "c", "d"], &["a", "c", "d", "e"], &["b"], &["e"]),
        (&["a", "b", "c"], &["a", "x", "b", "c"], &[], &["x"]),
        (&["a", "b"], &[], &["a", "b"], &[]),
        (&[], &["a"], &[], &["a"]),
    ];
    for (stored, now, erased, written) in cases {
        let mut state = Written::with_events(stored.iter().map(|id| id.to_string()).collect());
        let outbox = Outbox::of_events(now.iter().map(|id| event(id)).collect());
        let (consent, cart) =
            (Consent::default(), Recovery::new(concierge::engine::money::Currency::EUR));
        state.consent = Some(consent.clone());
        state.cart = Some(cart.clone());
        state.set_outbox(Some(outbox.meta().clone()));
        let current = current(&consent, &cart, &outbox);
        // The campaigns' history is not this test's: as if written already.
        state.campaigns = Some(Default::default());
        let all = every_section();
        let (writes, erasures) = state.update(&current, all, false);
        let erased_ids: Vec<_> = erasures
            .iter()
            .map(|key| match key {
                Key::Event(id) => id.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        let written_ids: Vec<_> = writes
            .iter()
            .map(|record| match record {
                Record::Event(event) => event.id.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(erased_ids, erased, "{stored:?} -> {now:?}");
        assert_eq!(written_ids, written, "{stored:?} -> {now:?}");
        assert_eq!(state.events(), now, "then storage holds the outbox");
    }
}

#[test]
fn a_damaged_entry_beside_the_released_document_is_erased_with_the_migration() {
    let device = new_device();
    device.borrow_mut().entries.insert("concierge:v1:test".into(), RELEASED_V1.into());
    device
        .borrow_mut()
        .entries
        .insert("concierge:test:event:evt_broken00000000".into(), "{not json".into());
    let (_, effects) = Tab::open(&device, "/", 1_795_435_260_000);
    assert!(effects.contains(&Effect::Erase(Key::Legacy)));
    assert!(
        effects.contains(&Effect::Erase(Key::Event("evt_broken00000000".into()))),
        "{effects:?}"
    );
    assert!(!device.borrow().entries.contains_key("concierge:test:event:evt_broken00000000"));
}

/// (what of the outbox's bookkeeping moved, whether a burst of events may hold its write, whether
/// it is written now); when nothing moved, nothing is written or held
#[test]
fn only_the_count_of_dropped_events_waits_for_the_next_write_of_the_outbox() {
    use concierge::engine::consent::Consent;
    use concierge::engine::persist::{Record, Written};
    use concierge::engine::recovery::Recovery;
    use concierge::engine::sync::{Outbox, Pending};
    type Change = fn(&mut Outbox);
    let cases: [(&str, Change, bool, bool); 9] = [
        ("nothing", |_| {}, true, false),
        ("nothing", |_| {}, false, false),
        ("dropped", |o| o.dropped += 1, true, false),
        ("dropped", |o| o.dropped += 1, false, true),
        ("acked", |o| o.acked.push("evt_b".into()), true, true),
        ("pending", |o| o.pending = Some(Pending { key: "k".into(), ids: vec![] }), true, true),
        ("attempts", |o| o.attempts += 1, true, true),
        ("next attempt", |o| o.next_attempt_at = Some(T0), true, true),
        ("last sent", |o| o.last_sent_at = Some(T0), true, true),
    ];
    for (what, change, hold, written) in cases {
        let (consent, cart) =
            (Consent::default(), Recovery::new(concierge::engine::money::Currency::EUR));
        let mut outbox = Outbox::default();
        outbox.acked.push("evt_a".into());
        let mut state = Written::default();
        state.consent = Some(consent.clone());
        state.cart = Some(cart.clone());
        state.campaigns = Some(Default::default());
        state.set_outbox(Some(outbox.meta().clone()));
        change(&mut outbox);
        let current = current(&consent, &cart, &outbox);
        let all = every_section();
        let (writes, _) = state.update(&current, all, hold);
        let wrote = writes.iter().any(|record| matches!(record, Record::Outbox(_)));
        assert_eq!(wrote, written, "{what}, hold {hold}");
        let moved = what != "nothing";
        assert_eq!(state.held, moved && !written, "{what}, hold {hold}");
        assert_eq!(state.outbox() == Some(outbox.meta()), written || !moved, "{what}, hold {hold}");
    }
}

/// (how the outbox's events change, whether storage's entries are brought in line by replaying
/// the outbox's log of changes): every way the events change is logged, so that the writes and
/// erasures are found without comparing the ids, and are those the ids' comparison finds.
#[test]
fn every_change_to_the_outbox_is_replayed_into_storage() {
    use concierge::engine::consent::Consent;
    use concierge::engine::persist::{Record, Written};
    use concierge::engine::recovery::Recovery;
    use concierge::engine::sync::{
        OutEvent, Outbox, Payload, Pending, Rng, SendOutcome, OUTBOX_LIMIT,
    };
    use concierge_protocol::batch::Cart;
    let view = |id: &str, at: i64| OutEvent {
        id: id.into(),
        at,
        payload: Payload::Commerce {
            kind: concierge::engine::CommerceKind::ViewItem,
            items: vec![],
            transaction_id: None,
        },
    };
    let snapshot = |id: &str, at: i64| OutEvent {
        id: id.into(),
        at,
        payload: Payload::Cart(Cart {
            currency: concierge::engine::money::Currency::EUR,
            lines: vec![],
            updated_at: None,
        }),
    };
    type Step = fn(&mut Outbox, &dyn Fn(&str, i64) -> OutEvent, &dyn Fn(&str, i64) -> OutEvent);
    let cases: [(&str, Step, bool); 11] = [
        ("a measurement queued", |o, view, _| o.push(view("new", T0 + 9)), true),
        ("the cart's snapshot superseded", |o, _, cart| o.push(cart("s2", T0 + 9)), true),
        ("acknowledged", |o, _, _| o.forget(&["m2".into(), "s1".into()]), true),
        (
            "a single event too large",
            |o, _, _| {
                o.pending = Some(Pending { key: "k".into(), ids: vec!["m3".into()] });
                o.settle("k", SendOutcome::TooLarge, T0, &mut Rng::new(1));
            },
            true,
        ),
        ("a handoff taken out", |o, _, _| o.remove("m1"), true),
        ("another tab's newer event", |o, view, _| o.adopt(view("theirs", T0 + 9)), true),
        (
            "came and went between two writes",
            |o, view, _| {
                o.push(view("brief", T0 + 9));
                o.push(view("stays", T0 + 9));
                o.forget(&["brief".into(), "m1".into()]);
            },
            true,
        ),
        (
            "a full outbox drops its oldest measurement",
            |o, view, _| {
                for i in 0..OUTBOX_LIMIT {
                    o.push(view(&format!("f{i:03}"), T0 + 9));
                }
            },
            // More changes than the log keeps: compared whole.
            false,
        ),
        ("nothing", |_, _, _| {}, true),
        // Placed before events storage holds: compared whole, with the same outcome.
        ("another tab's older event", |o, view, _| o.adopt(view("older", T0 - 1)), false),
        ("replaced whole (a withdrawal)", |o, _, _| *o = Outbox::default(), false),
    ];
    let (consent, cart) =
        (Consent::default(), Recovery::new(concierge::engine::money::Currency::EUR));
    let all = every_section();
    let ids = |outbox: &Outbox| outbox.events().iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    for (what, change, replayed) in cases {
        let mut outbox = Outbox::of_events(vec![
            view("c", T0),
            view("m1", T0 + 1),
            view("m2", T0 + 2),
            snapshot("s1", T0 + 3),
            view("m3", T0 + 4),
        ]);
        let mut state = Written::with_events(ids(&outbox));
        state.consent = Some(consent.clone());
        state.cart = Some(cart.clone());
        state.campaigns = Some(Default::default());
        state.set_outbox(Some(outbox.meta().clone()));
        let persist = |state: &mut Written, outbox: &mut Outbox| {
            let current = current(&consent, &cart, outbox);
            let (writes, erasures) = state.update(&current, all, true);
            outbox.stored_as(state.events_mark());
            (writes, erasures)
        };
        // In line once by comparing, as at start.
        let (writes, erasures) = persist(&mut state, &mut outbox);
        assert!(writes.is_empty() && erasures.is_empty(), "{what}: {writes:?} {erasures:?}");
        let before = ids(&outbox);
        change(&mut outbox, &view, &snapshot);
        let after = ids(&outbox);
        let (writes, erasures) = persist(&mut state, &mut outbox);
        assert_eq!(state.replayed, replayed, "{what}");
        assert_eq!(state.events(), after, "{what}: storage then holds the outbox");
        // The bookkeeping (acknowledged ids, a pending batch) is not this test's.
        let mut written: Vec<_> = writes
            .iter()
            .filter_map(|record| match record {
                Record::Event(event) => Some(event.id.clone()),
                Record::Outbox(_) => None,
                other => panic!("{what}: {other:?}"),
            })
            .collect();
        let mut erased: Vec<_> = erasures
            .iter()
            .map(|key| match key {
                Key::Event(id) => id.clone(),
                other => panic!("{what}: {other:?}"),
            })
            .collect();
        written.sort();
        erased.sort();
        let mut came: Vec<_> = after.iter().filter(|id| !before.contains(id)).cloned().collect();
        let mut went: Vec<_> = before.iter().filter(|id| !after.contains(id)).cloned().collect();
        came.sort();
        went.sort();
        assert_eq!(written, came, "{what}: written");
        assert_eq!(erased, went, "{what}: erased");
    }
}

/// (how the outbox's bookkeeping changes, whether only its count of dropped events moved): once
/// storage holds it, the next write compares it again only after a noted change, so every way
/// it changes must be noted: each is written (a moved count alone waits during a burst).
#[test]
fn every_change_to_the_outbox_bookkeeping_is_written() {
    use concierge::engine::consent::Consent;
    use concierge::engine::persist::{Record, Written};
    use concierge::engine::recovery::Recovery;
    use concierge::engine::sync::{Identity, Outbox, Pending, Rng, SendOutcome, OUTBOX_LIMIT};
    let view = item_view;
    fn batch(o: &mut Outbox) -> String {
        let identity = Identity {
            visitor_id: "vis_a".into(),
            secret: "sec_a".into(),
            cart_code: "AAA".into(),
        };
        o.next_batch(&identity, &mut Rng::new(1), false).unwrap().key
    }
    type Step = Box<dyn Fn(&mut Outbox)>;
    // Each outbox starts with the batch `k` on its way (before storage is in line with it).
    let settled = |outcome: SendOutcome| -> Step {
        Box::new(move |o: &mut Outbox| {
            o.settle("k", outcome, T0 + 5, &mut Rng::new(2));
        })
    };
    let cases: Vec<(&str, Step, bool)> = vec![
        (
            "a batch made",
            Box::new(|o| {
                o.pending = None;
                drop(batch(o));
            }),
            false,
        ),
        ("accepted", settled(SendOutcome::Accepted { cart_code_taken: false }), false),
        ("rejected", settled(SendOutcome::Rejected { status: 400 }), false),
        ("retried", settled(SendOutcome::Retry { retry_after: None }), false),
        ("too large", settled(SendOutcome::TooLarge), false),
        ("acknowledged by another tab", Box::new(|o| o.forget(&["m1".into()])), false),
        (
            "another tab's batch",
            Box::new(|o| {
                let mut theirs = Outbox::default();
                theirs.pending = Some(Pending { key: "theirs".into(), ids: vec!["m1".into()] });
                theirs.acked.push("m2".into());
                o.merge(&theirs);
            }),
            false,
        ),
        ("through DerefMut", Box::new(|o| o.attempts += 1), false),
        ("through meta_mut", Box::new(|o| o.meta_mut().last_sent_at = Some(T0)), false),
        (
            "a full outbox drops its oldest measurement",
            Box::new(move |o| {
                for i in 0..OUTBOX_LIMIT {
                    o.push(view(&format!("f{i:03}")));
                }
            }),
            true,
        ),
    ];
    let (consent, cart) =
        (Consent::default(), Recovery::new(concierge::engine::money::Currency::EUR));
    let all = every_section();
    for hold in [true, false] {
        for (what, change, only_dropped) in &cases {
            let mut outbox = Outbox::of_events(["c", "m1", "m2"].map(view).to_vec());
            outbox.acked.push("evt_a".into());
            outbox.pending = Some(Pending { key: "k".into(), ids: vec!["m1".into()] });
            let mut state = Written::with_events(vec!["c".into(), "m1".into(), "m2".into()]);
            state.consent = Some(consent.clone());
            state.cart = Some(cart.clone());
            state.campaigns = Some(Default::default());
            let persist = |state: &mut Written, outbox: &mut Outbox| {
                let current = current(&consent, &cart, outbox);
                let (writes, _) = state.update(&current, all, hold);
                outbox.stored_as(state.events_mark());
                writes.into_iter().find_map(|record| match record {
                    Record::Outbox(meta) => Some(meta),
                    _ => None,
                })
            };
            assert!(persist(&mut state, &mut outbox).is_some(), "{what}: written first");
            assert_eq!(persist(&mut state, &mut outbox), None, "{what}: then in line");
            change(&mut outbox);
            let written = persist(&mut state, &mut outbox);
            let waits = hold && *only_dropped;
            assert_eq!(written.is_none(), waits, "{what}, hold {hold}");
            assert_eq!(state.held, waits, "{what}, hold {hold}");
            if !waits {
                assert_eq!(written.as_ref(), Some(outbox.meta()), "{what}, hold {hold}");
            }
            assert_eq!(state.outbox() == Some(outbox.meta()), !waits, "{what}, hold {hold}");
        }
    }
}
