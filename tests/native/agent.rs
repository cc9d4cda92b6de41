//! Engine scenarios: consent gating, abandonment timing, the banner's rules, tabs.

use super::support::*;
use concierge::engine::consent::{ConsentUpdate, Decision};
use concierge::engine::persist::{Key, Record, Section, StorageChange};
use concierge::engine::view::{Action, ViewKind};
use concierge::engine::{Agent, BannerChange, CommerceKind, Effect, Event, Notice, Warning};

#[test]
fn nothing_is_stored_before_the_visitor_chooses() {
    let device = new_device();
    let (mut tab, effects) = Tab::open(&device, "/", T0);
    assert!(rendered(&effects, ViewKind::ConsentPrompt).is_some());
    let effects = tab.handle(add(vec![item("a", 1000, 1)]), T0 + 1);
    assert!(!stores_or_wipes(&effects), "{effects:?}");
    assert!(device.borrow().is_empty());
    // The cart works in memory all the same.
    assert_eq!(tab.cart().total().minor, 1000);
    assert!(effects.iter().any(|e| matches!(e, Effect::Notify(Notice::Cart(..)))));
}

#[test]
fn accepting_stores_the_cart_built_so_far_and_closes_the_prompt() {
    let device = new_device();
    let (mut tab, _) = Tab::open(&device, "/", T0);
    tab.handle(add(vec![item("a", 1000, 2)]), T0 + 1);
    let effects = tab.handle(action(Action::AcceptConsent), T0 + 2);
    let stored = device.borrow().stored();
    assert_eq!(stored.cart.present().expect("a stored cart").cart.total().minor, 2000);
    assert_eq!(
        stored.consent.present().expect("stored consent").decision("personalization"),
        Decision::Granted
    );
    assert!(removed(&effects, ViewKind::ConsentPrompt));
}

/// The device's keys, for comparing with what a state allows.
fn keys(tab: &Tab) -> Vec<String> {
    tab.device.borrow().entries.keys().cloned().collect()
}

#[test]
fn rejecting_keeps_only_the_choice_and_does_not_ask_again() {
    // The choice itself is strictly necessary: without it the dialog would ask on every page.
    let device = new_device();
    let (mut tab, _) = Tab::open(&device, "/", T0);
    let effects = tab.handle(action(Action::RejectConsent), T0 + 1);
    let written: Vec<_> = stores(&effects).iter().map(|record| record.key()).collect();
    assert_eq!(written, [Key::Section(Section::Consent)]);
    assert!(removed(&effects, ViewKind::ConsentPrompt));
    let effects = tab.handle(add(vec![item("a", 1000, 1)]), T0 + 2);
    assert!(!stores_or_wipes(&effects));
    assert_eq!(keys(&tab), ["concierge:test:consent"]);
    let (_, effects) = tab.next_page("/", T0 + 3);
    assert!(rendered(&effects, ViewKind::ConsentPrompt).is_none(), "the choice is remembered");
}

#[test]
fn withdrawing_consent_wipes_storage_but_the_choice() {
    let mut tab = consenting_tab(T0);
    tab.handle(add(vec![item("a", 1000, 1)]), T0);
    assert!(keys(&tab).len() > 1);
    let effects = tab.handle(Event::Consent(ConsentUpdate::all(false)), T0 + 1);
    assert!(effects.contains(&Effect::Wipe));
    let written: Vec<_> = stores(&effects).iter().map(|record| record.key()).collect();
    assert_eq!(written, [Key::Section(Section::Consent)]);
    assert_eq!(keys(&tab), ["concierge:test:consent"]);
    let effects = tab.handle(add(vec![item("b", 1000, 1)]), T0 + 2);
    assert!(!stores_or_wipes(&effects));
}

#[test]
fn a_shop_with_its_own_cmp_gets_no_prompt() {
    let mut config = config();
    config.consent_prompt = false;
    let device = new_device();
    let (mut tab, effects) = Tab::open_with(config, &device, "/", T0);
    assert!(rendered(&effects, ViewKind::ConsentPrompt).is_none());
    let effects = tab.handle(add(vec![item("a", 1, 1)]), T0);
    assert!(!stores_or_wipes(&effects), "undecided consent stores nothing");
    let effects = tab.handle(
        Event::Consent(ConsentUpdate { all: None, set: vec![("storage".into(), true)] }),
        T0,
    );
    assert!(!stores(&effects).is_empty());
}

#[test]
fn the_prompt_can_be_reopened_after_a_choice() {
    let mut tab = consenting_tab(T0);
    let effects = tab.handle(Event::ShowConsentPrompt, T0);
    assert!(rendered(&effects, ViewKind::ConsentPrompt).is_some());
    let effects = tab.handle(action(Action::RejectConsent), T0);
    assert!(removed(&effects, ViewKind::ConsentPrompt));
    assert!(effects.contains(&Effect::Wipe));
}

/// The abandonment table: (minutes between the last cart change and the next page view,
/// minutes since the last page view, banner expected).
#[test]
fn a_cart_is_abandoned_after_the_idle_timeout_or_at_a_new_visit() {
    let cases = [
        (0, 0, false),
        (29, 29, false),
        (30, 30, true),
        (31, 31, true),
        // Browsing on without touching the cart: idle all the same.
        (45, 5, true),
        (10, 10, false),
    ];
    for (cart_idle, away, expected) in cases {
        let mut tab = consenting_tab(T0);
        tab.handle(add(vec![item("a", 1000, 1)]), T0);
        tab.device
            .borrow_mut()
            .edit_recovery(|r| r.last_seen = Some(T0 + minutes(cart_idle - away)));
        let (_, effects) = tab.next_page("/", T0 + minutes(cart_idle));
        let banner = rendered(&effects, ViewKind::Campaign);
        assert_eq!(banner.is_some(), expected, "idle {cart_idle} min, away {away} min");
    }
}

#[test]
fn a_new_visit_finds_the_cart_abandoned_even_under_a_long_idle_timeout() {
    let mut tab = consenting_tab(T0);
    tab.handle(add(vec![item("a", 1000, 1)]), T0);
    let mut config = config();
    config.idle_timeout = minutes(240);
    let (_, effects) = Tab::open_with(config, &tab.device, "/", T0 + minutes(40));
    assert!(rendered(&effects, ViewKind::Campaign).is_some());
}

#[test]
fn a_cart_left_idle_on_an_open_page_is_abandoned_when_its_deadline_comes() {
    let mut tab = consenting_tab(T0);
    let effects = tab.handle(add(vec![item("a", 1000, 1)]), T0 + 5);
    // The one timer the agent asks for is the earliest deadline: here the cart turning idle.
    let idle_at = T0 + 5 + minutes(30);
    assert!(
        effects.contains(&Effect::WakeAt(idle_at)) || tab.sync().flush_requested,
        "{effects:?}"
    );
    let effects = tab.handle(Event::Tick, idle_at - 1);
    assert!(rendered(&effects, ViewKind::Campaign).is_none(), "not a moment early");
    let effects = tab.handle(Event::Tick, idle_at);
    assert!(rendered(&effects, ViewKind::Campaign).is_some(), "{effects:?}");
}

#[test]
fn the_banner_lists_items_and_the_total_and_announces_itself() {
    let mut tab = consenting_tab(T0);
    tab.handle(add(vec![item("phone", 79900, 1)]), T0);
    tab.handle(add(vec![item("case", 1999, 2)]), T0);
    let (_, effects) = tab.next_page("/product/", T0 + minutes(31));
    let banner = rendered(&effects, ViewKind::Campaign).expect("banner");
    let lines: Vec<_> = banner
        .lines
        .iter()
        .map(|l| (l.name.as_str(), l.quantity.as_str(), l.amount.minor))
        .collect();
    assert_eq!(lines, [("Product phone", "Qty 1", 79900), ("Product case", "Qty 2", 3998)]);
    assert_eq!(banner.total.as_ref().map(|(_, m)| m.minor), Some(83898));
    let resume = banner.actions.iter().find(|a| a.action == Action::Follow).unwrap();
    assert_eq!(resume.href.as_deref(), Some("/checkout/"));
    assert!(effects.contains(&Effect::Notify(Notice::Banner(BannerChange::Shown))));
}

#[test]
fn long_carts_show_three_lines_and_a_count_of_the_rest() {
    let mut tab = consenting_tab(T0);
    let items = (0..5).map(|i| item(&format!("p{i}"), 100, 1)).collect();
    tab.handle(add(items), T0);
    let (_, effects) = tab.next_page("/", T0 + minutes(31));
    let banner = rendered(&effects, ViewKind::Campaign).unwrap();
    assert_eq!(banner.lines.len(), 3);
    assert_eq!(banner.more.as_deref(), Some("and 2 more"));
    assert_eq!(banner.total.as_ref().unwrap().1.minor, 500);
}

#[test]
fn the_banner_never_shows_on_the_checkout_page() {
    let mut tab = consenting_tab(T0);
    tab.handle(add(vec![item("a", 1000, 1)]), T0);
    let saved = tab.device.borrow().clone();
    for path in ["/checkout/", "/checkout", "/checkout/payment"] {
        *tab.device.borrow_mut() = saved.clone();
        let (_, effects) = tab.next_page(path, T0 + minutes(31));
        assert!(rendered(&effects, ViewKind::Campaign).is_none(), "{path}");
    }
    *tab.device.borrow_mut() = saved;
    let (_, effects) = tab.next_page("/checkout-help/", T0 + minutes(31));
    assert!(rendered(&effects, ViewKind::Campaign).is_some());
}

#[test]
fn a_dismissed_banner_stays_away_for_the_configured_time() {
    let mut tab = consenting_tab(T0);
    tab.handle(add(vec![item("a", 1000, 1)]), T0);
    let (mut tab, _) = tab.next_page("/", T0 + minutes(31));
    let effects = tab.handle(action(Action::Dismiss), T0 + minutes(32));
    assert!(removed(&effects, ViewKind::Campaign));
    assert!(effects.contains(&Effect::Notify(Notice::Banner(BannerChange::Dismissed))));
    // The dismissal's end is the feature's deadline: the banner comes back on its own.
    let back_at = T0 + minutes(32 + 60 * 24);
    assert!(effects.contains(&Effect::WakeAt(back_at)), "{effects:?}");
    let saved = tab.device.borrow().clone();
    let (_, effects) = tab.next_page("/", T0 + minutes(60 * 23));
    assert!(rendered(&effects, ViewKind::Campaign).is_none(), "within 24 h");
    *tab.device.borrow_mut() = saved;
    let (_, effects) = tab.next_page("/", back_at);
    assert!(rendered(&effects, ViewKind::Campaign).is_some(), "after 24 h");
}

#[test]
fn a_purchase_clears_the_cart_and_the_banner() {
    let mut tab = consenting_tab(T0);
    tab.handle(add(vec![item("a", 1000, 1)]), T0);
    let (mut tab, _) = tab.next_page("/", T0 + minutes(31));
    let effects =
        tab.handle(commerce(CommerceKind::Purchase, vec![item("a", 1000, 1)]), T0 + minutes(33));
    assert!(removed(&effects, ViewKind::Campaign));
    let stored = tab.device.borrow().recovery().unwrap();
    assert!(stored.cart.is_empty());
    assert_eq!(stored.last_purchase_at, Some(T0 + minutes(33)));
    let (_, effects) = tab.next_page("/", T0 + minutes(120));
    assert!(rendered(&effects, ViewKind::Campaign).is_none());
}

#[test]
fn cart_activity_or_resuming_ends_the_abandonment() {
    let mut tab = consenting_tab(T0);
    tab.handle(add(vec![item("a", 1000, 1)]), T0);
    let saved = tab.device.borrow().clone();
    let (mut tab, _) = tab.next_page("/", T0 + minutes(31));
    let effects = tab.handle(add(vec![item("b", 500, 1)]), T0 + minutes(32));
    assert!(removed(&effects, ViewKind::Campaign));

    *tab.device.borrow_mut() = saved;
    let (mut tab, _) = tab.next_page("/", T0 + minutes(31));
    let effects = tab.handle(action(Action::Follow), T0 + minutes(32));
    assert!(effects.contains(&Effect::Notify(Notice::Banner(BannerChange::Resumed))));
    assert_eq!(tab.device.borrow().recovery().unwrap().abandoned_at, None);
}

#[test]
fn calls_queued_before_start_apply_before_any_view_is_drawn() {
    let mut tab = consenting_tab(T0);
    tab.handle(add(vec![item("a", 1000, 1)]), T0);
    // The cart page loads after 31 minutes; its view_cart was queued before the agent started.
    let mut agent = Agent::new(config());
    let stored = tab.device.borrow().stored();
    let effects = agent.handle_all(
        [start(stored, "/cart/"), commerce(CommerceKind::ViewCart, vec![item("a", 1000, 1)])],
        T0 + minutes(31),
    );
    assert!(rendered(&effects, ViewKind::Campaign).is_none(), "{effects:?}");
}

#[test]
fn another_tabs_cart_is_adopted_without_writing_it_back() {
    let mut first = consenting_tab(T0);
    first.handle(add(vec![item("a", 1000, 1)]), T0);
    let (mut second, _) = first.next_page("/", T0 + 10);
    first.handle(add(vec![item("b", 250, 4)]), T0 + 20);
    let change = first.device.borrow().change_of("concierge:test:cart");
    let effects = second.handle(Event::StorageChanged(change), T0 + 21);
    assert_eq!(second.cart().total().minor, 2000);
    assert!(effects.iter().any(|e| matches!(e, Effect::Notify(Notice::Cart(..)))));
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Store(Record::Cart(_)))),
        "no echo back to the first tab: {effects:?}"
    );
}

#[test]
fn another_tab_erasing_the_consent_counts_as_a_withdrawal() {
    let (mut tab, _) = Tab::open(&new_device(), "/", T0);
    tab.handle(action(Action::AcceptConsent), T0);
    let change = StorageChange::Removed(Key::Section(Section::Consent));
    let effects = tab.handle(Event::StorageChanged(change), T0 + 1);
    assert_eq!(tab.consent().decision("personalization"), Decision::Denied);
    let written: Vec<_> = stores(&effects).iter().map(|record| record.key()).collect();
    assert_eq!(written, [Key::Section(Section::Consent)], "the withdrawal alone is kept");
    let effects = tab.handle(add(vec![item("a", 1, 1)]), T0 + 2);
    assert!(!stores_or_wipes(&effects));
}

#[test]
fn a_section_in_a_newer_format_is_left_alone_and_is_no_withdrawal() {
    let mut tab = consenting_tab(T0);
    tab.handle(add(vec![item("a", 1000, 1)]), T0);
    // A newer agent in another tab rewrote the consent section in its own format.
    let newer = r#"{"v":3,"choices":{"storage":"granted","analytics":"granted"}}"#;
    tab.device.borrow_mut().entries.insert("concierge:test:consent".into(), newer.into());
    let effects =
        tab.handle(Event::StorageChanged(StorageChange::Foreign(Section::Consent)), T0 + 1);
    assert_eq!(
        tab.consent().decision("personalization"),
        Decision::Granted,
        "not read as a withdrawal"
    );
    assert!(effects.contains(&Effect::Warn(Warning::SectionForeign(Section::Consent))));
    // Changes go on being stored, but never over the newer section.
    let effects = tab.handle(
        Event::Consent(ConsentUpdate {
            all: None,
            set: vec![("storage".into(), true), ("analytics".into(), true)],
        }),
        T0 + 2,
    );
    assert!(!effects.iter().any(|e| matches!(e, Effect::Store(Record::Consent(_)))), "{effects:?}");
    tab.handle(add(vec![item("b", 1, 1)]), T0 + 3);
    assert_eq!(tab.device.borrow().entries["concierge:test:consent"], newer);

    // A page load finds it too: warned about, left alone, the rest of the state used.
    let (page, effects) = tab.next_page("/", T0 + 4);
    assert!(effects.contains(&Effect::Warn(Warning::SectionForeign(Section::Consent))));
    assert_eq!(page.cart().lines.len(), 2);
    let (_, warnings) = page.device.borrow().load();
    assert!(
        warnings.iter().any(|w| w.contains("version 3") && w.contains("left as it is")),
        "{warnings:?}"
    );
    assert_eq!(page.device.borrow().entries["concierge:test:consent"], newer);
}

#[test]
fn a_change_writes_only_the_sections_it_touched() {
    let mut tab = consenting_tab(T0);
    tab.handle(add(vec![item("a", 1000, 1)]), T0);
    let before = tab.device.borrow().entries.clone();
    // A product view changes no section but queues one measurement: one new entry is written.
    let view = commerce(CommerceKind::ViewItem, vec![item("a", 1000, 1)]);
    let effects = tab.handle(view, T0 + 1);
    let written: Vec<_> = stores(&effects).iter().map(|record| record.key()).collect();
    assert_eq!(written.len(), 1, "{written:?}");
    assert!(matches!(written[0], concierge::engine::persist::Key::Event(_)));
    let after = tab.device.borrow().entries.clone();
    let changed: Vec<_> =
        after.iter().filter(|(k, v)| before.get(*k) != Some(*v)).map(|(k, _)| k.clone()).collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(changed[0].starts_with("concierge:test:event:evt_"));
}

#[test]
fn a_stored_cart_in_another_currency_is_dropped_with_a_warning() {
    let mut tab = consenting_tab(T0);
    tab.handle(add(vec![item("a", 1000, 1)]), T0);
    let mut config = config();
    config.currency = concierge::engine::money::Currency::parse("GBP").unwrap();
    let (tab, effects) = Tab::open_with(config, &tab.device, "/", T0 + minutes(31));
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::Warn(Warning::StoredCurrencyChanged { .. }))));
    assert!(tab.cart().is_empty());
    assert!(rendered(&effects, ViewKind::Campaign).is_none());
}

#[test]
fn texts_follow_the_configured_locale() {
    let mut config = config();
    config.locale = "es-ES".into();
    let (_, effects) = Tab::open_with(config, &new_device(), "/", T0);
    let prompt = rendered(&effects, ViewKind::ConsentPrompt).unwrap();
    assert_eq!(prompt.lang, "es");
    let labels: Vec<_> = prompt.actions.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(labels, ["Aceptar todo", "Rechazar todo", "Elegir"]);
}

#[test]
fn an_unreadable_consent_entry_is_no_withdrawal_and_the_next_choice_replaces_it() {
    let mut tab = consenting_tab(T0);
    tab.handle(add(vec![item("a", 1000, 1)]), T0);
    tab.device.borrow_mut().entries.insert("concierge:test:consent".into(), "{not json".into());
    let (mut page, effects) = tab.next_page("/", T0 + 1);
    assert!(!effects.contains(&Effect::Wipe), "nothing erased on an unknown: {effects:?}");
    assert!(page.device.borrow().has(Section::Cart), "the cart stays on the device");
    assert!(rendered(&effects, ViewKind::ConsentPrompt).is_some(), "the visitor is asked again");
    page.handle(action(Action::AcceptConsent), T0 + 2);
    let stored = page.device.borrow().stored();
    assert_eq!(
        stored.consent.present().map(|c| c.decision("personalization")),
        Some(Decision::Granted)
    );
    // A rejection instead would erase, as any withdrawal does.
    tab.device.borrow_mut().entries.insert("concierge:test:consent".into(), "[1,2]".into());
    let (mut page, _) = tab.next_page("/", T0 + 3);
    let effects = page.handle(action(Action::RejectConsent), T0 + 4);
    assert!(effects.contains(&Effect::Wipe));
}
