//! Engine scenarios: consent gating, abandonment timing, the banner's rules, tabs.

use super::support::*;
use concierge::engine::consent::{ConsentUpdate, Decision};
use concierge::engine::view::{Action, ViewKind};
use concierge::engine::{Agent, BannerChange, CommerceKind, Effect, Event, Notice};

#[test]
fn nothing_is_stored_before_the_visitor_chooses() {
    let mut agent = Agent::new(config());
    let effects = agent.handle(start(None, "/"), T0);
    assert!(rendered(&effects, ViewKind::ConsentPrompt).is_some());
    let effects = agent.handle(add(vec![item("a", 1000, 1)]), T0 + 1);
    assert!(!stores_or_wipes(&effects), "{effects:?}");
    // The cart works in memory all the same.
    assert_eq!(agent.cart().total().minor, 1000);
    assert!(effects.iter().any(|e| matches!(e, Effect::Notify(Notice::Cart(..)))));
}

#[test]
fn accepting_stores_the_cart_built_so_far_and_closes_the_prompt() {
    let mut agent = Agent::new(config());
    agent.handle(start(None, "/"), T0);
    agent.handle(add(vec![item("a", 1000, 2)]), T0 + 1);
    let effects = agent.handle(action(Action::AcceptConsent), T0 + 2);
    let stored = persisted(&effects).expect("persisted after accepting");
    assert_eq!(stored.cart.total().minor, 2000);
    assert_eq!(stored.consent.storage, Decision::Granted);
    assert!(removed(&effects, ViewKind::ConsentPrompt));
}

#[test]
fn rejecting_stores_nothing_and_asks_again_on_the_next_page() {
    let mut agent = Agent::new(config());
    agent.handle(start(None, "/"), T0);
    let effects = agent.handle(action(Action::RejectConsent), T0 + 1);
    assert!(!stores_or_wipes(&effects));
    assert!(removed(&effects, ViewKind::ConsentPrompt));
    let effects = agent.handle(add(vec![item("a", 1000, 1)]), T0 + 2);
    assert!(!stores_or_wipes(&effects));
    // Nothing was remembered, so the next page asks again.
    let (_, effects) = next_page(None, "/", T0 + 3);
    assert!(rendered(&effects, ViewKind::ConsentPrompt).is_some());
}

#[test]
fn withdrawing_consent_wipes_storage() {
    let mut agent = consenting_agent(T0);
    agent.handle(add(vec![item("a", 1000, 1)]), T0);
    let effects = agent.handle(Event::Consent(ConsentUpdate::REJECT_ALL), T0 + 1);
    assert!(effects.contains(&Effect::Wipe));
    assert!(persisted(&effects).is_none());
    let effects = agent.handle(add(vec![item("b", 1000, 1)]), T0 + 2);
    assert!(!stores_or_wipes(&effects));
}

#[test]
fn a_shop_with_its_own_cmp_gets_no_prompt() {
    let mut config = config();
    config.consent_prompt = false;
    let mut agent = Agent::new(config);
    let effects = agent.handle(start(None, "/"), T0);
    assert!(rendered(&effects, ViewKind::ConsentPrompt).is_none());
    let effects = agent.handle(add(vec![item("a", 1, 1)]), T0);
    assert!(!stores_or_wipes(&effects), "undecided consent stores nothing");
    let effects =
        agent.handle(Event::Consent(ConsentUpdate { storage: Some(true), analytics: None }), T0);
    assert!(persisted(&effects).is_some());
}

#[test]
fn the_prompt_can_be_reopened_after_a_choice() {
    let mut agent = consenting_agent(T0);
    let effects = agent.handle(Event::ShowConsentPrompt, T0);
    assert!(rendered(&effects, ViewKind::ConsentPrompt).is_some());
    let effects = agent.handle(action(Action::RejectConsent), T0);
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
        let mut agent = consenting_agent(T0);
        let effects = agent.handle(add(vec![item("a", 1000, 1)]), T0);
        let mut stored = persisted(&effects).unwrap();
        stored.last_seen = Some(T0 + minutes(cart_idle - away));
        let (_, effects) = next_page(Some(stored), "/", T0 + minutes(cart_idle));
        let banner = rendered(&effects, ViewKind::RecoveryBanner);
        assert_eq!(banner.is_some(), expected, "idle {cart_idle} min, away {away} min");
    }
}

#[test]
fn a_new_visit_finds_the_cart_abandoned_even_under_a_long_idle_timeout() {
    let mut agent = consenting_agent(T0);
    let stored = persisted(&agent.handle(add(vec![item("a", 1000, 1)]), T0)).unwrap();
    let mut config = config();
    config.idle_timeout = minutes(240);
    let mut agent = Agent::new(config);
    let effects = agent.handle(start(Some(stored), "/"), T0 + minutes(40));
    assert!(rendered(&effects, ViewKind::RecoveryBanner).is_some());
}

#[test]
fn the_banner_lists_items_and_the_total_and_announces_itself() {
    let mut agent = consenting_agent(T0);
    agent.handle(add(vec![item("phone", 79900, 1)]), T0);
    let stored = persisted(&agent.handle(add(vec![item("case", 1999, 2)]), T0)).unwrap();
    let (_, effects) = next_page(Some(stored), "/product/", T0 + minutes(31));
    let banner = rendered(&effects, ViewKind::RecoveryBanner).expect("banner");
    let lines: Vec<_> = banner
        .lines
        .iter()
        .map(|l| (l.name.as_str(), l.quantity.as_str(), l.amount.minor))
        .collect();
    assert_eq!(lines, [("Product phone", "Qty 1", 79900), ("Product case", "Qty 2", 3998)]);
    assert_eq!(banner.total.as_ref().map(|(_, m)| m.minor), Some(83898));
    let resume = banner.actions.iter().find(|a| a.action == Action::ResumeCheckout).unwrap();
    assert_eq!(resume.href.as_deref(), Some("/checkout/"));
    assert!(effects.contains(&Effect::Notify(Notice::Banner(BannerChange::Shown))));
}

#[test]
fn long_carts_show_three_lines_and_a_count_of_the_rest() {
    let mut agent = consenting_agent(T0);
    let items = (0..5).map(|i| item(&format!("p{i}"), 100, 1)).collect();
    let stored = persisted(&agent.handle(add(items), T0)).unwrap();
    let (_, effects) = next_page(Some(stored), "/", T0 + minutes(31));
    let banner = rendered(&effects, ViewKind::RecoveryBanner).unwrap();
    assert_eq!(banner.lines.len(), 3);
    assert_eq!(banner.more.as_deref(), Some("and 2 more"));
    assert_eq!(banner.total.as_ref().unwrap().1.minor, 500);
}

#[test]
fn the_banner_never_shows_on_the_checkout_page() {
    let mut agent = consenting_agent(T0);
    let stored = persisted(&agent.handle(add(vec![item("a", 1000, 1)]), T0)).unwrap();
    for path in ["/checkout/", "/checkout", "/checkout/payment"] {
        let (_, effects) = next_page(Some(stored.clone()), path, T0 + minutes(31));
        assert!(rendered(&effects, ViewKind::RecoveryBanner).is_none(), "{path}");
    }
    let (_, effects) = next_page(Some(stored), "/checkout-help/", T0 + minutes(31));
    assert!(rendered(&effects, ViewKind::RecoveryBanner).is_some());
}

#[test]
fn a_dismissed_banner_stays_away_for_the_configured_time() {
    let mut agent = consenting_agent(T0);
    let stored = persisted(&agent.handle(add(vec![item("a", 1000, 1)]), T0)).unwrap();
    let (mut agent, _) = next_page(Some(stored), "/", T0 + minutes(31));
    let effects = agent.handle(action(Action::DismissBanner), T0 + minutes(32));
    assert!(removed(&effects, ViewKind::RecoveryBanner));
    assert!(effects.contains(&Effect::Notify(Notice::Banner(BannerChange::Dismissed))));
    let stored = persisted(&effects).unwrap();
    let (_, effects) = next_page(Some(stored.clone()), "/", T0 + minutes(60 * 23));
    assert!(rendered(&effects, ViewKind::RecoveryBanner).is_none(), "within 24 h");
    let (_, effects) = next_page(Some(stored), "/", T0 + minutes(32 + 60 * 24));
    assert!(rendered(&effects, ViewKind::RecoveryBanner).is_some(), "after 24 h");
}

#[test]
fn a_purchase_clears_the_cart_and_the_banner() {
    let mut agent = consenting_agent(T0);
    let stored = persisted(&agent.handle(add(vec![item("a", 1000, 1)]), T0)).unwrap();
    let (mut agent, _) = next_page(Some(stored), "/", T0 + minutes(31));
    let effects =
        agent.handle(commerce(CommerceKind::Purchase, vec![item("a", 1000, 1)]), T0 + minutes(33));
    assert!(removed(&effects, ViewKind::RecoveryBanner));
    let stored = persisted(&effects).unwrap();
    assert!(stored.cart.is_empty());
    assert_eq!(stored.last_purchase_at, Some(T0 + minutes(33)));
    let (_, effects) = next_page(Some(stored), "/", T0 + minutes(120));
    assert!(rendered(&effects, ViewKind::RecoveryBanner).is_none());
}

#[test]
fn cart_activity_or_resuming_ends_the_abandonment() {
    let mut agent = consenting_agent(T0);
    let stored = persisted(&agent.handle(add(vec![item("a", 1000, 1)]), T0)).unwrap();
    let (mut agent, _) = next_page(Some(stored.clone()), "/", T0 + minutes(31));
    let effects = agent.handle(add(vec![item("b", 500, 1)]), T0 + minutes(32));
    assert!(removed(&effects, ViewKind::RecoveryBanner));

    let (mut agent, _) = next_page(Some(stored), "/", T0 + minutes(31));
    let effects = agent.handle(action(Action::ResumeCheckout), T0 + minutes(32));
    assert!(effects.contains(&Effect::Notify(Notice::Banner(BannerChange::Resumed))));
    assert_eq!(persisted(&effects).unwrap().abandoned_at, None);
}

#[test]
fn calls_queued_before_start_apply_before_any_view_is_drawn() {
    let mut agent = consenting_agent(T0);
    let stored = persisted(&agent.handle(add(vec![item("a", 1000, 1)]), T0)).unwrap();
    // The cart page loads after 31 minutes; its view_cart was queued before the agent started.
    let mut agent = Agent::new(config());
    let effects = agent.handle_all(
        [start(Some(stored), "/cart/"), commerce(CommerceKind::ViewCart, vec![item("a", 1000, 1)])],
        T0 + minutes(31),
    );
    assert!(rendered(&effects, ViewKind::RecoveryBanner).is_none(), "{effects:?}");
}

#[test]
fn another_tabs_cart_is_adopted_without_writing_it_back() {
    let mut first = consenting_agent(T0);
    let stored = persisted(&first.handle(add(vec![item("a", 1000, 1)]), T0)).unwrap();
    let (mut second, _) = next_page(Some(stored), "/", T0 + 10);
    let update = persisted(&first.handle(add(vec![item("b", 250, 4)]), T0 + 20)).unwrap();
    let effects = second.handle(Event::StoredChanged(Some(update)), T0 + 21);
    assert_eq!(second.cart().total().minor, 2000);
    assert!(effects.iter().any(|e| matches!(e, Effect::Notify(Notice::Cart(..)))));
    assert!(!stores_or_wipes(&effects), "no echo back to the first tab");
}

#[test]
fn another_tab_erasing_the_state_counts_as_a_withdrawal() {
    let (mut agent, _) = next_page(None, "/", T0);
    agent.handle(action(Action::AcceptConsent), T0);
    let effects = agent.handle(Event::StoredChanged(None), T0 + 1);
    assert_eq!(agent.consent().storage, Decision::Denied);
    assert!(!effects.iter().any(|e| matches!(e, Effect::Persist(_))));
    let effects = agent.handle(add(vec![item("a", 1, 1)]), T0 + 2);
    assert!(!stores_or_wipes(&effects));
}

#[test]
fn a_stored_cart_in_another_currency_is_dropped_with_a_warning() {
    let mut agent = consenting_agent(T0);
    let stored = persisted(&agent.handle(add(vec![item("a", 1000, 1)]), T0)).unwrap();
    let mut config = config();
    config.currency = concierge::engine::money::Currency::parse("GBP").unwrap();
    let mut agent = Agent::new(config);
    let effects = agent.handle(start(Some(stored), "/"), T0 + minutes(31));
    assert!(effects.iter().any(|e| matches!(e, Effect::Warn(_))));
    assert!(agent.cart().is_empty());
    assert!(rendered(&effects, ViewKind::RecoveryBanner).is_none());
}

#[test]
fn texts_follow_the_configured_locale() {
    let mut config = config();
    config.locale = "es-ES".into();
    let mut agent = Agent::new(config);
    let effects = agent.handle(start(None, "/"), T0);
    let prompt = rendered(&effects, ViewKind::ConsentPrompt).unwrap();
    assert_eq!(prompt.lang, "es");
    let labels: Vec<_> = prompt.actions.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(labels, ["Aceptar", "Rechazar"]);
}
