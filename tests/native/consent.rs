//! Consent by the policy's purposes, in the engine: what each choice lets the agent keep, send
//! and show; the page's words for purposes; withdrawal of one purpose; asking again for a new
//! version or an old choice; the stored section's format 2 and its migration from format 1.

use super::support::*;
use concierge::engine::consent::{ConsentUpdate, Decision, Source};
use concierge::engine::persist::{Key, Record, Section};
use concierge::engine::view::ViewKind;
use concierge::engine::{Effect, Event, Warning};
use concierge::stored;
use concierge_protocol::names::DataCategory;

const DAY: i64 = 86_400_000;

/// Purposes named with a choice, as a page's `concierge('consent', {...})` gives them.
type Choice = &'static [(&'static str, bool)];

fn set(pairs: &[(&str, bool)]) -> Event {
    let set = pairs.iter().map(|(name, granted)| (name.to_string(), *granted)).collect();
    Event::Consent(ConsentUpdate { all: None, set })
}

/// The sections the device holds.
fn sections(tab: &Tab) -> Vec<Section> {
    let device = tab.device.borrow();
    Section::ALL.into_iter().filter(|section| device.has(*section)).collect()
}

#[test]
fn each_purpose_lets_the_agent_keep_send_and_show_only_what_it_unlocks() {
    use Section::{Campaigns, Cart, Consent, Identity, Outbox};
    // (choice, sections kept after an add_to_cart, a cart code for staff, the events sent)
    let cases: [(Choice, &[Section], bool, &[&str]); 4] = [
        (
            &[("personalization", true)],
            &[Consent, Cart, Identity, Outbox],
            true,
            &["consent", "cart"],
        ),
        (
            &[("measurement", true)],
            // Measurement unlocks `activity`: the campaigns' contact history is kept.
            &[Consent, Identity, Outbox, Campaigns],
            false,
            &["consent", "add_to_cart"],
        ),
        // Marketing unlocks the cart and an id, but no feature that sends or shows anything
        // here: the cart is kept on the device, and nobody is made to send it as.
        (&[("marketing", true)], &[Consent, Cart], false, &[]),
        (&[("marketing", false)], &[Consent], false, &[]),
    ];
    for (choice, kept, code, sent) in cases {
        let (mut tab, _) = Tab::open(&new_device(), "/", T0);
        tab.handle(set(choice), T0);
        tab.handle(add(vec![item("a", 100, 1)]), T0 + 1);
        assert_eq!(sections(&tab), kept, "{choice:?}");
        assert_eq!(tab.cart_code().is_some(), code, "{choice:?}");
        let queued: Vec<&str> =
            tab.sync().outbox.events().iter().map(|event| event.payload.name()).collect();
        assert_eq!(queued, sent, "{choice:?}");
    }
}

#[test]
fn the_recovery_banner_needs_its_feature() {
    for (choice, shown) in [("personalization", true), ("measurement", false), ("marketing", false)]
    {
        let (mut tab, _) = Tab::open(&new_device(), "/", T0);
        let all = ["measurement", "personalization", "marketing"];
        tab.handle(set(&all.map(|id| (id, id == choice))), T0);
        tab.handle(add(vec![item("a", 100, 1)]), T0 + 1);
        let (mut later, _) = tab.next_page("/", T0 + 40 * 60_000);
        let effects = later.handle(Event::Tick, T0 + 41 * 60_000);
        let banner = later.shown().is_some_and(|view| view.kind == ViewKind::Campaign)
            || rendered(&effects, ViewKind::Campaign).is_some();
        // Only personalization keeps the cart across pages and enables the banner.
        assert_eq!(banner, shown, "{choice}");
    }
}

#[test]
fn the_page_names_purposes_by_id_by_ga4_words_or_by_the_released_words() {
    let cases: [(Choice, [Decision; 3]); 4] = [
        (&[("marketing", true)], [Decision::Unset, Decision::Unset, Decision::Granted]),
        (
            &[("analytics_storage", true), ("ad_user_data", false)],
            [Decision::Granted, Decision::Unset, Decision::Denied],
        ),
        (
            &[("storage", true), ("analytics", false)],
            [Decision::Denied, Decision::Granted, Decision::Unset],
        ),
        // Two words for one purpose: any denial wins.
        (
            &[("functionality_storage", true), ("personalization_storage", false)],
            [Decision::Unset, Decision::Denied, Decision::Unset],
        ),
    ];
    for (choice, expected) in cases {
        let (mut tab, _) = Tab::open(&new_device(), "/", T0);
        let effects = tab.handle(set(choice), T0);
        let decisions =
            ["measurement", "personalization", "marketing"].map(|id| tab.consent().decision(id));
        assert_eq!(decisions, expected, "{choice:?}");
        assert_eq!(tab.consent().source, Source::Api);
        assert!(!effects.iter().any(|e| matches!(e, Effect::Warn(_))), "{effects:?}");
    }
}

#[test]
fn an_unknown_purpose_is_named_in_a_warning_and_the_rest_applied() {
    let (mut tab, _) = Tab::open(&new_device(), "/", T0);
    let effects =
        tab.handle(set(&[("sale", false), ("marketing", true), ("security_storage", true)]), T0);
    let warning = effects.iter().find_map(|effect| match effect {
        Effect::Warn(warning @ Warning::UnknownPurposes { .. }) => Some(warning.describe()),
        _ => None,
    });
    assert_eq!(
        warning.as_deref(),
        Some("consent: sale, security_storage names no purpose of the shop's policy (its purposes are necessary, measurement, personalization, marketing); the rest was applied")
    );
    assert_eq!(tab.consent().decision("marketing"), Decision::Granted);
}

#[test]
fn withdrawing_one_purpose_wipes_its_data_at_once_and_the_agent_keeps_working() {
    let mut tab = consenting_tab(T0);
    tab.handle(add(vec![item("a", 100, 1)]), T0 + 1);
    assert!(sections(&tab).contains(&Section::Cart) && tab.cart_code().is_some());
    let effects = tab.handle(set(&[("personalization", false), ("marketing", false)]), T0 + 2);
    assert!(effects.contains(&Effect::Erase(Key::Section(Section::Cart))), "{effects:?}");
    assert!(!sections(&tab).contains(&Section::Cart));
    assert!(tab.cart_code().is_none(), "no staff view any more");
    // Measurement goes on: the visit is still sent, under the same visitor id.
    tab.handle(add(vec![item("b", 100, 1)]), T0 + 3);
    let queued: Vec<&str> = tab.sync().outbox.events().iter().map(|e| e.payload.name()).collect();
    assert!(queued.contains(&"add_to_cart") && !queued.contains(&"cart"), "{queued:?}");
    assert!(sections(&tab).contains(&Section::Identity));
    // Then measurement too: no identifiers, no sending feature: the id goes.
    let visitor = tab.sync().identity.as_ref().unwrap().visitor_id.clone();
    let effects = tab.handle(set(&[("measurement", false)]), T0 + 4);
    assert!(effects.contains(&Effect::Wipe), "{effects:?}");
    assert_eq!(sections(&tab), [Section::Consent]);
    assert!(tab.sync().identity.is_none());
    // The backend is asked to erase what it holds (the existing path: the withdrawal, sent as
    // the retired visitor's last word, which the backend answers by erasing), and nothing else
    // leaves.
    let effects = tab.handle(Event::FlushGranted, T0 + 5);
    let batch = effects.iter().find_map(|effect| match effect {
        Effect::Send(batch) => Some(batch),
        _ => None,
    });
    let batch = batch.expect("the withdrawal is sent");
    assert_eq!(batch.identity.visitor_id, visitor);
    let names: Vec<&str> = batch.events.iter().map(|e| e.payload.name()).collect();
    assert_eq!(names, ["consent"]);
    let concierge::engine::sync::Payload::Consent(state) = &batch.events[0].payload else {
        panic!("{batch:?}")
    };
    let decisions = ["measurement", "personalization", "marketing"].map(|id| state.decision(id));
    assert_eq!(decisions, [Decision::Denied; 3], "every purpose, by its id");
    assert_eq!((state.policy, state.source), (2, Source::Api));
}

/// A tab whose visitor chose under `policy` (the built-in one changed by `change`, as version 3).
fn with_policy(
    change: impl Fn(&mut concierge_protocol::documents::Policy),
) -> concierge::engine::config::Config {
    let mut config = config();
    config.policy.version = 3;
    change(&mut config.policy);
    config
}

#[test]
fn a_new_policy_version_asks_again_only_when_it_widens_what_was_granted() {
    let cases: [(&str, concierge::engine::config::Config, bool); 4] = [
        ("texts only", with_policy(|p| p.purposes[1].names[0].1 = "Statistics".into()), false),
        (
            "a granted purpose gains data",
            with_policy(|p| p.purposes[1].data.push(DataCategory::Cart)),
            true,
        ),
        (
            "keep",
            with_policy(|p| {
                p.on_new_version = concierge_protocol::documents::OnNewVersion::Keep;
                p.purposes[1].data.push(DataCategory::Cart);
            }),
            false,
        ),
        (
            "ask_again",
            with_policy(|p| {
                p.on_new_version = concierge_protocol::documents::OnNewVersion::AskAgain
            }),
            true,
        ),
    ];
    for (case, config, asks) in cases {
        let device = new_device();
        let (mut tab, _) = Tab::open(&device, "/", T0);
        tab.handle(action(concierge::engine::view::Action::AcceptConsent), T0);
        let (_, effects) = Tab::open_with(config, &device, "/", T0 + DAY);
        assert_eq!(rendered(&effects, ViewKind::ConsentPrompt).is_some(), asks, "{case}");
    }
}

#[test]
fn a_choice_older_than_reprompt_days_is_asked_again() {
    let device = new_device();
    let (mut tab, _) = Tab::open(&device, "/", T0);
    tab.handle(action(concierge::engine::view::Action::RejectConsent), T0);
    let (_, effects) = Tab::open(&device, "/", T0 + 365 * DAY);
    assert!(rendered(&effects, ViewKind::ConsentPrompt).is_none(), "a year to the day: not yet");
    let (_, effects) = Tab::open(&device, "/", T0 + 366 * DAY);
    assert!(rendered(&effects, ViewKind::ConsentPrompt).is_some());
}

#[test]
fn the_consent_section_is_format_2_and_format_1_is_migrated() {
    let mut tab = consenting_tab(T0);
    tab.handle(set(&[("marketing", false)]), T0 + 5);
    let text = &tab.device.borrow().entries["concierge:test:consent"].clone();
    let value = json(text);
    assert_eq!(value.field("v"), Some(&concierge_protocol::Value::Number(2.0)));
    assert_eq!(
        value.field("purposes"),
        Some(&json(
            r#"{"measurement":"granted","personalization":"granted","marketing":"denied"}"#
        ))
    );
    assert_eq!(value.field("source").and_then(|s| s.as_str()), Some("api"));
    let Ok(read) = stored::decode(&Key::Section(Section::Consent), &value) else {
        panic!("{text}")
    };
    assert_eq!(read.record, Record::Consent(tab.consent().clone()), "read back as written");

    let released = json(r#"{"v":1,"storage":"granted","analytics":"denied","at":1795435260000}"#);
    let Ok(read) = stored::decode(&Key::Section(Section::Consent), &released) else { panic!() };
    let Record::Consent(migrated) = read.record else { panic!() };
    let decisions = ["measurement", "personalization", "marketing"].map(|id| migrated.decision(id));
    assert_eq!(decisions, [Decision::Denied, Decision::Granted, Decision::Unset]);
    assert_eq!(migrated.decided_at, Some(1_795_435_260_000));
    for foreign in [r#"{"v":3,"purposes":{}}"#, r#"{"v":2,"purposes":[]}"#] {
        assert!(
            stored::decode(&Key::Section(Section::Consent), &json(foreign)).is_err(),
            "{foreign}"
        );
    }
}

fn receipts_sent(effects: &[Effect]) -> Vec<&concierge::engine::receipts::Receipt> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::SendReceipt(receipt) => Some(receipt),
            _ => None,
        })
        .collect()
}

#[test]
fn every_choice_sends_a_receipt_naming_the_visitor_only_with_identifiers() {
    let (mut tab, _) = Tab::open(&new_device(), "/", T0);
    let effects = tab.handle(action(concierge::engine::view::Action::AcceptConsent), T0 + 1);
    let sent = receipts_sent(&effects);
    assert_eq!(sent.len(), 1, "{effects:?}");
    let receipt = sent[0];
    assert!(receipt.receipt.starts_with("r_") && receipt.receipt.len() == 24, "{receipt:?}");
    assert!(receipt.receipt[2..]
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_eq!(
        receipt.visitor.as_deref(),
        tab.sync().identity.as_ref().map(|i| i.visitor_id.as_str())
    );
    assert!(receipt.visitor.is_some());
    assert_eq!((receipt.policy, receipt.at, receipt.source), (2, T0 + 1, Source::Dialog));
    let body = json(&receipt.encode());
    assert_eq!(
        body.field("choices"),
        Some(&json(
            r#"{"necessary":"granted","measurement":"granted","personalization":"granted","marketing":"granted"}"#
        ))
    );
    assert_eq!(body.field("site").and_then(|s| s.as_str()), Some("test"));
    assert_eq!(body.get("region"), Some(&concierge_protocol::Value::Null), "present, as null");
    // The receipt id is kept with the choice, on the device.
    assert_eq!(tab.consent().receipt.as_deref(), Some(receipt.receipt.as_str()));
    let stored = json(&tab.device.borrow().entries["concierge:test:consent"].clone());
    assert_eq!(stored.field("receipt").and_then(|r| r.as_str()), Some(receipt.receipt.as_str()));

    // Measurement withdrawn, personalization kept: still identified; everything off: anonymous.
    let effects = tab.handle(set(&[("measurement", false)]), T0 + 2);
    let receipt = receipts_sent(&effects)[0];
    assert!(receipt.visitor.is_some() && receipt.source == Source::Api);
    let effects = tab.handle(Event::Consent(ConsentUpdate::all(false)), T0 + 3);
    let receipt = receipts_sent(&effects)[0];
    assert_eq!(receipt.visitor, None, "no identifiers, no visitor id");
    assert_eq!(receipt.choices[3], ("marketing".into(), Decision::Denied));
}

#[test]
fn a_receipt_is_retried_with_backoff_until_the_backend_answers() {
    let (mut tab, _) = Tab::open(&new_device(), "/", T0);
    let effects = tab.handle(Event::Consent(ConsentUpdate::all(false)), T0);
    let id = receipts_sent(&effects)[0].receipt.clone();
    // No answer (network error): nothing is sent again before the backoff ends.
    let effects = tab.handle(Event::ReceiptAnswered { id: id.clone(), status: 0 }, T0 + 10);
    assert!(receipts_sent(&effects).is_empty());
    let wake = effects.iter().find_map(|e| match e {
        Effect::WakeAt(at) => Some(*at),
        _ => None,
    });
    let wake = wake.expect("a wake-up for the retry");
    assert!(wake > T0 + 10 && wake <= T0 + 10 + 8_000, "{wake}");
    let effects = tab.handle(Event::Tick, wake);
    assert_eq!(receipts_sent(&effects).len(), 1, "retried");
    // 202: done; a 400 would be done too (a retry would be refused alike).
    tab.handle(Event::ReceiptAnswered { id: id.clone(), status: 202 }, wake + 1);
    assert!(tab.receipts().waiting.is_empty());
    let effects = tab.handle(Event::Tick, wake + 60_000);
    assert!(receipts_sent(&effects).is_empty());
}

fn in_region(region: Option<&str>, gpc: bool) -> concierge::engine::config::Config {
    let mut config = config();
    config.region = region.map(str::to_owned);
    config.gpc = gpc;
    config
}

#[test]
fn the_region_and_gpc_set_where_a_visitor_starts_before_any_dialog() {
    let all = ["measurement", "personalization", "marketing"];
    let (g, d, u) = (Decision::Granted, Decision::Denied, Decision::Unset);
    // (region, GPC, decisions, source, the dialog asks)
    let cases = [
        (Some("DE"), false, [u, u, u], Source::Default, true),
        (Some("US-CA"), false, [g, g, g], Source::Default, false),
        (Some("US-CA"), true, [g, g, d], Source::Gpc, false),
        (Some("NL"), true, [u, u, d], Source::Gpc, true),
        (None, false, [u, u, u], Source::Default, true),
    ];
    for (region, gpc, decisions, source, asks) in cases {
        let (tab, effects) = Tab::open_with(in_region(region, gpc), &new_device(), "/", T0);
        let case = (region, gpc);
        assert_eq!(all.map(|id| tab.consent().decision(id)), decisions, "{case:?}");
        assert_eq!(tab.consent().source, source, "{case:?}");
        assert_eq!(rendered(&effects, ViewKind::ConsentPrompt).is_some(), asks, "{case:?}");
        let receipts = receipts_sent(&effects);
        // Opt-in: before the visitor's choice nothing is stored and no receipt goes, GPC or
        // not (its denials are derived from the signal again on every page).
        if decisions[0] == u {
            assert!(receipts.is_empty(), "no state recorded, no receipt: {case:?}");
            assert!(tab.device.borrow().is_empty(), "nothing stored: {case:?}");
        } else {
            assert_eq!(receipts.len(), 1, "{case:?}");
            assert_eq!((receipts[0].source, receipts[0].region.as_deref()), (source, region));
            // Granted from the start: someone to send as, named in the receipt.
            let identified = decisions[0] == g;
            assert_eq!(tab.sync().identity.is_some(), identified, "{case:?}");
            assert_eq!(receipts[0].visitor.is_some(), identified, "{case:?}");
        }
    }
}

#[test]
fn a_later_explicit_choice_wins_over_gpc_and_is_never_reset() {
    let device = new_device();
    let (mut tab, _) = Tab::open_with(in_region(Some("NL"), true), &device, "/", T0);
    tab.handle(action(concierge::engine::view::Action::AcceptConsent), T0 + 1);
    assert_eq!(tab.consent().decision("marketing"), Decision::Granted);
    assert_eq!(tab.consent().source, Source::Dialog);
    let receipt = tab.consent().receipt.clone().unwrap();
    tab.handle(Event::ReceiptAnswered { id: receipt, status: 202 }, T0 + 1);
    let (page, effects) = Tab::open_with(in_region(Some("NL"), true), &device, "/", T0 + 2);
    assert_eq!(page.consent().decision("marketing"), Decision::Granted, "GPC does not undo it");
    assert!(receipts_sent(&effects).is_empty());
}

#[test]
fn the_backends_word_on_the_region_applies_when_the_config_arrives() {
    use concierge::engine::Fetched;
    use concierge_protocol::documents;
    let (mut tab, _) = Tab::open_with(in_region(None, false), &new_device(), "/", T0);
    assert!(tab.shown().is_some_and(|view| view.kind == ViewKind::ConsentPrompt));
    // `Agent::new` fixes the page's settings; a page without data-region takes the backend's.
    let mut page = concierge::engine::config::PageSettings::new("test");
    page.region = None;
    let mut agent = concierge::engine::Agent::for_page(page);
    agent.handle(start(Default::default(), "/"), T0);
    let documents = documents::Config {
        site: "test".into(),
        region: Some("US-CA".into()),
        ..documents::Config::default()
    };
    let effects = agent.handle(
        Event::ConfigFetched(Fetched::Fresh {
            etag: Some("\"1\"".into()),
            source: documents::encode_config(&documents),
            documents: Box::new(documents),
        }),
        T0 + 1,
    );
    assert_eq!(agent.consent().decision("marketing"), Decision::Granted, "opt-out there");
    assert_eq!(agent.consent().source, Source::Default);
    assert!(effects.contains(&Effect::Remove(ViewKind::ConsentPrompt)), "{effects:?}");
    tab.handle(Event::Tick, T0 + 2);
}

fn control(effects: &[Effect]) -> Option<Option<&'static str>> {
    effects.iter().find_map(|effect| match effect {
        Effect::Control(label) => Some(*label),
        _ => None,
    })
}

#[test]
fn the_dialog_offers_accept_reject_and_choose_and_links_the_privacy_page() {
    use concierge::engine::view::Action;
    let (_, effects) = Tab::open(&new_device(), "/", T0);
    let dialog = rendered(&effects, ViewKind::ConsentPrompt).expect("the dialog");
    let actions: Vec<_> = dialog.actions.iter().map(|a| (a.action, a.label.as_str())).collect();
    assert_eq!(
        actions,
        [
            (Action::AcceptConsent, "Accept all"),
            (Action::RejectConsent, "Reject all"),
            (Action::OpenPanel, "Choose")
        ]
    );
    assert_eq!(dialog.link, Some(("Privacy policy", "/privacy/".to_owned())));
    assert_eq!(control(&effects), Some(Some("Privacy choices")), "the persistent control");
}

#[test]
fn the_panel_shows_each_purpose_and_saves_its_switches_as_one_choice_from_the_panel() {
    use concierge::engine::view::Action;
    let (mut tab, _) = Tab::open(&new_device(), "/", T0);
    let effects = tab.handle(action(Action::OpenPanel), T0 + 1);
    assert!(removed(&effects, ViewKind::ConsentPrompt));
    let panel = rendered(&effects, ViewKind::ConsentPanel).expect("the panel");
    let rows: Vec<_> = panel
        .rows
        .iter()
        .map(|row| (row.id.as_str(), row.name.as_str(), row.on, row.fixed, row.note))
        .collect();
    assert_eq!(rows[0], ("necessary", "Strictly necessary", true, true, Some("Always on")));
    assert_eq!(rows[1].0, "measurement");
    assert!(rows[1..].iter().all(|row| !row.2 && !row.3 && row.4.is_none()), "{rows:?}");
    assert!(panel.rows.iter().all(|row| !row.description.is_empty()));

    let switches = [("measurement", true), ("personalization", false), ("marketing", false)];
    let set = switches.iter().map(|(id, on)| (id.to_string(), *on)).collect();
    // The always-on purpose cannot be switched off, even if a page sends it.
    let mut update = ConsentUpdate { all: None, set };
    update.set.push(("necessary".into(), false));
    let effects = tab.handle(Event::PanelChoice(update), T0 + 2);
    assert!(removed(&effects, ViewKind::ConsentPanel));
    assert!(rendered(&effects, ViewKind::ConsentPrompt).is_none(), "settled: no dialog");
    let (g, d) = (Decision::Granted, Decision::Denied);
    let all = ["necessary", "measurement", "personalization", "marketing"];
    assert_eq!(all.map(|id| tab.consent().decision(id)), [Decision::Unset, g, d, d]);
    let receipt = receipts_sent(&effects)[0];
    assert_eq!(receipt.source, Source::Panel);
    assert_eq!(receipt.choices[0], ("necessary".into(), g));
    assert_eq!(tab.consent().source, Source::Panel);

    // Accept all on the panel is the panel's choice too; reopened, it shows the choice.
    tab.handle(Event::OpenConsentPanel, T0 + 3);
    let effects = tab.handle(action(Action::AcceptConsent), T0 + 4);
    assert_eq!(receipts_sent(&effects)[0].source, Source::Panel);
    let effects = tab.handle(Event::OpenConsentPanel, T0 + 5);
    let panel = rendered(&effects, ViewKind::ConsentPanel).expect("reopened");
    assert!(panel.rows.iter().all(|row| row.on));
}

#[test]
fn gpc_denials_are_shown_as_set_by_the_browser() {
    let (mut tab, _) = Tab::open_with(in_region(Some("NL"), true), &new_device(), "/", T0);
    let effects = tab.handle(Event::OpenConsentPanel, T0 + 1);
    let panel = rendered(&effects, ViewKind::ConsentPanel).unwrap();
    let notes: Vec<_> = panel.rows.iter().map(|row| (row.on, row.note)).collect();
    let gpc = Some("Set by your browser's Global Privacy Control");
    assert_eq!(notes, [(true, Some("Always on")), (false, None), (false, None), (false, gpc)]);
}

#[test]
fn escape_closes_the_dialog_without_a_choice_and_the_next_page_asks_again() {
    let device = new_device();
    let (mut tab, _) = Tab::open(&device, "/", T0);
    let effects = tab.handle(action(concierge::engine::view::Action::CloseConsent), T0 + 1);
    assert!(removed(&effects, ViewKind::ConsentPrompt));
    assert!(receipts_sent(&effects).is_empty());
    assert!(device.borrow().is_empty(), "nothing stored");
    let effects = tab.handle(Event::Tick, T0 + 2);
    assert!(rendered(&effects, ViewKind::ConsentPrompt).is_none(), "not again on this page");
    let (_, effects) = Tab::open(&device, "/next", T0 + 3);
    assert!(rendered(&effects, ViewKind::ConsentPrompt).is_some(), "asked on the next page");
}

#[test]
fn the_persistent_control_is_off_with_data_consent_control_off_or_no_prompt() {
    let mut config = config();
    config.consent_control = false;
    let (_, effects) = Tab::open_with(config, &new_device(), "/", T0);
    assert_eq!(control(&effects), None);
    let mut config = self::config();
    config.consent_prompt = false;
    let (_, effects) = Tab::open_with(config, &new_device(), "/", T0);
    assert_eq!(control(&effects), None);
}

#[test]
fn a_receipt_not_acknowledged_is_kept_with_the_choice_and_sent_on_the_next_page() {
    let device = new_device();
    let (mut tab, _) = Tab::open(&device, "/", T0);
    let effects = tab.handle(Event::Consent(ConsentUpdate::all(false)), T0);
    let sent = receipts_sent(&effects)[0].clone();
    // The page closes with the request unanswered: the receipt stays on the device.
    let key = format!("concierge:test:receipt:{}", sent.receipt);
    assert!(device.borrow().entries.contains_key(&key), "kept beside the choice");
    let (mut next, effects) = tab.next_page("/", T0 + 60_000);
    assert_eq!(receipts_sent(&effects), [&sent], "the same receipt, id and time, sent again");
    next.handle(Event::ReceiptAnswered { id: sent.receipt.clone(), status: 202 }, T0 + 60_001);
    assert!(!device.borrow().entries.contains_key(&key), "acknowledged: erased");
    let (_, effects) = next.next_page("/", T0 + 120_000);
    assert!(receipts_sent(&effects).is_empty());
}

#[test]
fn a_kept_receipt_older_than_thirty_days_is_given_up() {
    let device = new_device();
    let (mut tab, _) = Tab::open(&device, "/", T0);
    tab.handle(Event::Consent(ConsentUpdate::all(false)), T0);
    let month = concierge::engine::receipts::MAX_AGE + 1;
    let (_, effects) = tab.next_page("/", T0 + month);
    assert!(receipts_sent(&effects).is_empty());
    let kept: Vec<String> = device.borrow().entries.keys().cloned().collect();
    assert_eq!(kept, ["concierge:test:consent"], "erased");
}

#[test]
fn nothing_of_a_receipt_is_kept_before_a_choice_and_gpc_alone_sends_none_in_an_opt_in_region() {
    let device = new_device();
    for page in 0..2 {
        let (_, effects) = Tab::open_with(in_region(Some("NL"), true), &device, "/", T0 + page);
        assert!(receipts_sent(&effects).is_empty(), "page {page}");
        assert!(device.borrow().is_empty(), "page {page}");
    }
}
