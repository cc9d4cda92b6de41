//! Campaigns decided in the engine (issue 10): each trigger, each cap and window, the cooldown,
//! the stop after conversion, one interruptive placement at a time, arbitration and its ties,
//! holdouts and variants, templates, schedules, measurement under consent, and the contact
//! history across tabs and reloads (or for the page only). Every case with an explicit `now`.

use super::support::*;
use concierge::engine::campaigns::{Signal, Watch};
use concierge::engine::config::Config;
use concierge::engine::consent::ConsentUpdate;
use concierge::engine::money::{Currency, Money};
use concierge::engine::persist::Section;
use concierge::engine::sync::Payload;
use concierge::engine::targeting::Device;
use concierge::engine::template::{self, Values};
use concierge::engine::view::{Action, ViewKind};
use concierge::engine::{CommerceKind, Effect, Event, Millis, Notice, Page};
use concierge_protocol::batch::{CampaignBucket, CampaignEvent};
use concierge_protocol::bucket::{self, Assignment};
use concierge_protocol::documents::{self, Campaigns};
use std::cell::RefCell;
use std::rc::Rc;

const HOUR: Millis = 3_600_000;
const DAY: Millis = 24 * HOUR;

/// A campaign as JSON: shown on `custom` trigger `id` as a corner toast unless `fields` say
/// otherwise (its fields replace the defaults).
fn campaign(id: &str, fields: serde_json::Value) -> serde_json::Value {
    let mut base = serde_json::json!({
        "id": id,
        "status": "active",
        "trigger": { "type": "custom", "name": id },
        "placement": { "type": "corner_toast" },
        "content": { "en": { "title": format!("Title {id}"), "body": "Body",
                             "action": { "label": "Go", "href": "/go/" } } },
        "priority": 50,
        "value": 10,
        "goal": { "event": "purchase", "attribution_days": 7 }
    });
    for (key, value) in fields.as_object().expect("fields are an object") {
        base[key] = value.clone();
    }
    base
}

/// A campaigns document of `campaigns`, with the contact limits `contact`, as the agent reads
/// it from `/v1/config`.
fn document(campaigns: Vec<serde_json::Value>, contact: serde_json::Value) -> Campaigns {
    let text = serde_json::json!({ "format": 1, "site": SITE, "documents": [{
        "kind": "campaigns", "version": 3, "contact": contact, "campaigns": campaigns
    }]});
    match documents::read_config(&json(&text.to_string())) {
        Ok(config) => *config.campaigns.expect("a campaigns document"),
        other => panic!("a readable campaigns document: {other:?}"),
    }
}

fn config_with(campaigns: Campaigns) -> Config {
    let mut config = config();
    config.campaigns = Box::new(campaigns);
    config
}

/// A page load with the page's facts, on `device`.
fn open_page(config: &Config, device: &Rc<RefCell<Device_>>, page: Page, now: Millis) -> Tab {
    let mut tab =
        Tab { agent: concierge::engine::Agent::new(config.clone()), device: device.clone() };
    let stored = device.borrow().stored();
    tab.handle(Event::Start { stored: Box::new(stored), page, seed: 42 }, now);
    tab
}

type Device_ = super::support::Device;

/// A tab whose visitor accepted everything, on a new device.
fn accepted(config: &Config, now: Millis) -> Tab {
    let device = new_device();
    let mut tab = open_page(config, &device, Page::at("/"), now);
    tab.handle(Event::Consent(ConsentUpdate::all(true)), now);
    tab
}

fn trigger(name: &str) -> Event {
    Event::Trigger { name: name.into(), params: concierge::value::Value::Null }
}

/// Campaign `c`'s custom trigger with `{ "level": n }` as its params.
fn level(n: i64) -> Event {
    Event::Trigger { name: "c".into(), params: json(&format!(r#"{{ "level": {n} }}"#)) }
}

/// The campaigns on screen, by id.
fn on_screen(tab: &Tab) -> Vec<String> {
    tab.views().iter().filter_map(|view| view.campaign.as_ref().map(|tag| tag.id.clone())).collect()
}

/// The campaign measurements queued: (event, campaign, bucket).
fn measured(tab: &Tab) -> Vec<(CampaignEvent, String, CampaignBucket)> {
    tab.sync()
        .outbox
        .events()
        .iter()
        .filter_map(|event| match &event.payload {
            Payload::Campaign { event, campaign, bucket, .. } => {
                Some((*event, campaign.clone(), *bucket))
            }
            _ => None,
        })
        .collect()
}

/// A choice granting `purpose` and denying the built-in policy's other purposes.
fn only(purpose: &str) -> ConsentUpdate {
    let set = ["measurement", "personalization", "marketing"]
        .iter()
        .map(|id| (id.to_string(), *id == purpose))
        .collect();
    ConsentUpdate { all: None, set }
}

fn dismiss(id: &str) -> Event {
    Event::CampaignAction(Action::Dismiss, id.into())
}

#[test]
fn each_trigger_makes_its_campaign_a_candidate_and_nothing_else_does() {
    let page_view =
        serde_json::json!({ "type": "page_view", "path": "/product/", "page_type": "product" });
    let cases: Vec<(serde_json::Value, Vec<Event>, Vec<Event>)> = vec![
        (
            serde_json::json!({ "type": "exit_intent" }),
            vec![Event::Signal(Signal::Scroll(100))],
            vec![Event::Signal(Signal::ExitIntent)],
        ),
        (
            serde_json::json!({ "type": "idle", "seconds": 30 }),
            vec![Event::Signal(Signal::Idle(29))],
            vec![Event::Signal(Signal::Idle(30))],
        ),
        (
            serde_json::json!({ "type": "scroll_depth", "percent": 50 }),
            vec![Event::Signal(Signal::Scroll(49)), Event::Signal(Signal::Time(600))],
            vec![Event::Signal(Signal::Scroll(75))],
        ),
        (
            serde_json::json!({ "type": "time_on_page", "seconds": 20 }),
            vec![Event::Signal(Signal::Time(19)), Event::Signal(Signal::Idle(20))],
            vec![Event::Signal(Signal::Time(20))],
        ),
        (
            serde_json::json!({ "type": "route_change" }),
            vec![Event::Signal(Signal::ExitIntent)],
            vec![Event::Signal(Signal::Route("/next/".into()))],
        ),
        (
            serde_json::json!({ "type": "custom", "name": "quiz-done" }),
            vec![trigger("quiz"), trigger("quiz-done-2")],
            vec![trigger("quiz-done")],
        ),
        // An SPA route to a matching path counts as a page view.
        (
            serde_json::json!({ "type": "page_view", "path": "/help/" }),
            vec![Event::Signal(Signal::Route("/shop/help/".into()))],
            vec![Event::Signal(Signal::Route("/help/faq".into()))],
        ),
        (page_view.clone(), vec![], vec![]),
    ];
    for (trigger_json, miss, hit) in cases {
        let config = config_with(document(
            vec![campaign("c", serde_json::json!({ "trigger": trigger_json }))],
            serde_json::json!({}),
        ));
        let mut tab = accepted(&config, T0);
        for event in miss {
            tab.handle(event, T0 + 1);
        }
        if trigger_json == page_view {
            assert!(on_screen(&tab).is_empty(), "not on / of no type");
            continue;
        }
        assert!(on_screen(&tab).is_empty(), "{trigger_json}: nothing before its trigger");
        for event in hit {
            tab.handle(event, T0 + 2);
        }
        assert_eq!(on_screen(&tab), ["c"], "{trigger_json}");
    }

    // page_view: the path prefix and the page type the shell reports, both.
    let config = config_with(document(
        vec![campaign("c", serde_json::json!({ "trigger": page_view }))],
        serde_json::json!({}),
    ));
    let product =
        |path: &str, page_type: &str| Page { page_type: Some(page_type.into()), ..Page::at(path) };
    for (page, shown) in [
        (product("/product/aurora", "product"), true),
        (product("/product/aurora", "category"), false),
        (product("/category/phones", "product"), false),
    ] {
        let device = new_device();
        let mut first = open_page(&config, &device, Page::at("/"), T0);
        first.handle(Event::Consent(ConsentUpdate::all(true)), T0);
        let tab = open_page(&config, &device, page.clone(), T0 + 1_000);
        assert_eq!(!on_screen(&tab).is_empty(), shown, "{page:?}");
    }
}

#[test]
fn a_returning_visit_fires_on_the_first_page_of_a_later_visit_only() {
    let config = config_with(document(
        vec![campaign("back", serde_json::json!({ "trigger": { "type": "returning_visit" } }))],
        serde_json::json!({}),
    ));
    let device = new_device();
    let mut first = open_page(&config, &device, Page::at("/"), T0);
    first.handle(Event::Consent(ConsentUpdate::all(true)), T0);
    assert!(on_screen(&first).is_empty(), "the first visit is not a return");
    let same_visit = open_page(&config, &device, Page::at("/a"), T0 + minutes(10));
    assert!(on_screen(&same_visit).is_empty(), "ten minutes later: the same visit");
    let later = open_page(&config, &device, Page::at("/b"), T0 + minutes(45));
    assert_eq!(on_screen(&later), ["back"], "45 minutes away: a new visit");
    assert_eq!(later.campaigns().history.visits, 2);
    let on = open_page(&config, &device, Page::at("/c"), T0 + minutes(50));
    assert!(on_screen(&on).is_empty(), "the visit's next page is no return");
}

#[test]
fn caps_per_campaign_hold_for_the_visit_the_day_and_the_week() {
    // (the campaign's contact policy, displays allowed, when the next one is allowed again)
    // Pages come every 20 minutes from T0, so the displays are at T0, T0 + 20 min, ...
    let cases: [(serde_json::Value, usize, Millis); 3] = [
        // 30 minutes after the last page (T0 + 101 min): a new visit.
        (serde_json::json!({ "per_session": 2 }), 2, T0 + minutes(131)),
        // A day after the first display, it has left the 24 hours: one place is free.
        (serde_json::json!({ "per_day": 2 }), 2, T0 + DAY),
        (serde_json::json!({ "per_week": 3 }), 3, T0 + 7 * DAY),
    ];
    for (contact, allowed, again) in cases {
        let mut fields = serde_json::json!({ "contact": contact.clone() });
        fields["contact"]["cooldown_hours"] = 0.into();
        let config = config_with(document(vec![campaign("c", fields)], serde_json::json!({})));
        let device = new_device();
        let mut tab = open_page(&config, &device, Page::at("/"), T0);
        tab.handle(Event::Consent(ConsentUpdate::all(true)), T0);
        let mut shown = 0;
        // Pages 20 minutes apart (one visit): each fires the trigger and closes the view.
        for page in 0..6 {
            let now = T0 + minutes(20) * page;
            let mut tab = open_page(&config, &device, Page::at("/"), now);
            tab.handle(trigger("c"), now);
            if on_screen(&tab) == ["c"] {
                shown += 1;
                tab.handle(dismiss("c"), now);
            }
        }
        assert_eq!(shown, allowed, "{contact}");
        let last = T0 + minutes(20) * 5;
        let mut capped = open_page(&config, &device, Page::at("/"), last + minutes(1));
        let effects = capped.handle(trigger("c"), last + minutes(1));
        assert!(on_screen(&capped).is_empty(), "{contact}: still capped");
        if contact.get("per_session").is_none() {
            // The page asks to be woken when the window frees a place, and not before.
            let wakes: Vec<_> = effects.iter().filter(|e| matches!(e, Effect::WakeAt(_))).collect();
            assert_eq!(wakes, [&Effect::WakeAt(again)], "{contact}: {effects:?}");
            let mut early = open_page(&config, &device, Page::at("/"), again - 1);
            early.handle(trigger("c"), again - 1);
            assert!(on_screen(&early).is_empty(), "{contact}: not a moment early");
        }
        let mut freed = open_page(&config, &device, Page::at("/"), again);
        freed.handle(trigger("c"), again);
        assert_eq!(on_screen(&freed), ["c"], "{contact}: allowed again");
    }
}

#[test]
fn global_limits_count_every_campaign_holdouts_included() {
    let config = config_with(document(
        vec![campaign("a", serde_json::json!({})), campaign("b", serde_json::json!({}))],
        serde_json::json!({ "per_session": 1 }),
    ));
    let mut tab = accepted(&config, T0);
    tab.handle(trigger("a"), T0 + 1);
    assert_eq!(on_screen(&tab), ["a"]);
    tab.handle(dismiss("a"), T0 + 2);
    tab.handle(trigger("b"), T0 + 3);
    assert!(on_screen(&tab).is_empty(), "one campaign a visit, whichever it was");
}

#[test]
fn a_dismissed_campaign_cools_down_for_its_hours_then_may_show_again() {
    let config = config_with(document(
        vec![campaign("c", serde_json::json!({ "contact": { "cooldown_hours": 72 } }))],
        serde_json::json!({}),
    ));
    let device = new_device();
    let mut tab = open_page(&config, &device, Page::at("/"), T0);
    tab.handle(Event::Consent(ConsentUpdate::all(true)), T0);
    tab.handle(trigger("c"), T0);
    let effects = tab.handle(dismiss("c"), T0 + 1);
    assert!(effects.contains(&Effect::RemoveCampaign("c".into())), "{effects:?}");
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::Notify(Notice::Campaign { event: "dismissed", .. }))));
    for (now, shown) in [(T0 + 71 * HOUR, false), (T0 + 72 * HOUR + 1, true)] {
        let mut tab = open_page(&config, &device, Page::at("/"), now);
        tab.handle(trigger("c"), now);
        assert_eq!(on_screen(&tab) == ["c"], shown, "at +{} h", (now - T0) / HOUR);
    }
}

#[test]
fn a_conversion_in_the_goal_window_is_measured_and_stops_the_campaign() {
    let config = config_with(document(
        vec![
            campaign("stops", serde_json::json!({ "value": 45 })),
            campaign(
                "goes-on",
                serde_json::json!({ "contact": { "stop_after_conversion": false } }),
            ),
        ],
        serde_json::json!({}),
    ));
    let device = new_device();
    let mut tab = open_page(&config, &device, Page::at("/"), T0);
    tab.handle(Event::Consent(ConsentUpdate::all(true)), T0);
    tab.handle(trigger("stops"), T0);
    tab.handle(dismiss("stops"), T0 + 1);
    // Eight days later: outside the 7-day window, no conversion.
    let mut late = open_page(&config, &device, Page::at("/"), T0 + 8 * DAY);
    let effects = late.handle(commerce(CommerceKind::Purchase, vec![]), T0 + 8 * DAY);
    assert!(!effects.iter().any(|e| matches!(e, Effect::Notify(Notice::Campaign { .. }))));
    late.handle(trigger("stops"), T0 + 8 * DAY);
    late.handle(dismiss("stops"), T0 + 8 * DAY + 1);
    let now = T0 + 9 * DAY;
    let mut tab = open_page(&config, &device, Page::at("/"), now);
    let effects = tab.handle(commerce(CommerceKind::Purchase, vec![]), now);
    assert!(effects.iter().any(|e| matches!(e,
        Effect::Notify(Notice::Campaign { campaign, event: "converted", .. }) if campaign == "stops")));
    let conversion = tab.sync().outbox.events().iter().find_map(|event| match &event.payload {
        Payload::Campaign { event: CampaignEvent::Conversion, value, .. } => Some(*value),
        _ => None,
    });
    assert_eq!(conversion, Some(Some(45.0)), "with the campaign's value");
    // Once converted it never shows again; a campaign that goes on does.
    let later = now + 30 * DAY;
    let mut tab = open_page(&config, &device, Page::at("/"), later);
    tab.handle(trigger("stops"), later);
    assert!(on_screen(&tab).is_empty());
    tab.handle(trigger("goes-on"), later);
    assert_eq!(on_screen(&tab), ["goes-on"]);
}

#[test]
fn one_interruptive_placement_at_a_time_and_inline_slots_beside_it() {
    let config = config_with(document(
        vec![
            campaign("toast", serde_json::json!({ "trigger": { "type": "custom", "name": "go" } })),
            campaign(
                "bar",
                serde_json::json!({ "trigger": { "type": "custom", "name": "go" },
                                    "placement": { "type": "top_bar" }, "priority": 10 }),
            ),
            campaign(
                "slot",
                serde_json::json!({ "trigger": { "type": "custom", "name": "go" },
                                    "placement": { "type": "inline", "slot": "offer" }, "priority": 1 }),
            ),
        ],
        serde_json::json!({}),
    ));
    let mut tab = accepted(&config, T0);
    let effects = tab.handle(trigger("go"), T0 + 1);
    assert_eq!(on_screen(&tab), ["toast", "slot"], "the toast wins the interruptive place");
    let placements: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Render(view) => view.campaign.as_ref().map(|t| (t.placement, t.slot.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(placements, [("corner_toast", None), ("inline", Some("offer".into()))]);
    // The bar's trigger was spent while the toast held the place: it does not queue up.
    tab.handle(dismiss("toast"), T0 + 2);
    assert_eq!(on_screen(&tab), ["slot"]);
    tab.handle(trigger("go"), T0 + 3);
    assert_eq!(on_screen(&tab), ["slot", "bar"], "the place is free now");
}

#[test]
fn arbitration_picks_the_highest_priority_times_value_and_breaks_ties_by_id() {
    let go = serde_json::json!({ "type": "custom", "name": "go" });
    // (priority, value) of campaigns b, a, c; the expected winner.
    let cases = [
        ([(10, 10.0), (20, 10.0), (5, 10.0)], "a"),
        ([(10, 30.0), (20, 10.0), (5, 10.0)], "b"),
        ([(20, 10.0), (10, 20.0), (40, 5.0)], "a"), // 200 each: the lowest id
        ([(20, 10.0), (50, 1.0), (40, 5.0)], "b"),  // b and c tie at 200: b
    ];
    for (scores, winner) in cases {
        let campaigns = ["b", "a", "c"]
            .iter()
            .zip(scores)
            .map(|(id, (priority, value))| {
                campaign(
                    id,
                    serde_json::json!({ "trigger": go, "priority": priority, "value": value }),
                )
            })
            .collect();
        let config = config_with(document(campaigns, serde_json::json!({})));
        let mut tab = accepted(&config, T0);
        tab.handle(trigger("go"), T0 + 1);
        assert_eq!(on_screen(&tab), [winner], "{scores:?}");
    }
}

/// A campaign id whose bucket for `visitor` at a holdout of 0.5 is (or is not) the holdout.
fn id_in(visitor: &str, holdout: bool) -> String {
    (0..100)
        .map(|n| format!("camp-{n}"))
        .find(|id| (bucket::bucket(visitor, id, 0.5, &[1.0]) == Assignment::Holdout) == holdout)
        .expect("some id of a hundred")
}

#[test]
fn a_holdout_visitor_sees_nothing_but_is_measured_and_counted_as_shown() {
    let probe = accepted(&config(), T0);
    let visitor = probe.sync().identity.as_ref().expect("an identity").visitor_id.clone();
    let held = id_in(&visitor, true);
    let treated = id_in(&visitor, false);
    let go = serde_json::json!({ "type": "custom", "name": "go" });
    let config = config_with(document(
        vec![
            campaign(&held, serde_json::json!({ "trigger": go, "holdout": 0.5, "priority": 90 })),
            campaign(
                &treated,
                serde_json::json!({ "trigger": go, "holdout": 0.5, "priority": 10,
                                                  "placement": { "type": "inline", "slot": "s" } }),
            ),
        ],
        serde_json::json!({}),
    ));
    let mut tab = accepted(&config, T0);
    assert_eq!(tab.sync().identity.as_ref().unwrap().visitor_id, visitor, "the same seed");
    let effects = tab.handle(trigger("go"), T0 + 1);
    assert_eq!(
        on_screen(&tab),
        std::slice::from_ref(&treated),
        "the held-out campaign draws nothing"
    );
    assert!(effects.iter().any(|e| matches!(e,
        Effect::Notify(Notice::Campaign { campaign, event: "holdout", .. }) if *campaign == held)));
    assert_eq!(
        measured(&tab),
        [(CampaignEvent::Holdout, held.clone(), CampaignBucket::Holdout)],
        "the holdout is measured as if shown; the treatment's impression waits to be seen"
    );
    tab.handle(Event::Seen(treated.clone()), T0 + 2);
    tab.handle(Event::Seen(treated.clone()), T0 + 3);
    assert_eq!(
        measured(&tab)[1..],
        [(CampaignEvent::Impression, treated.clone(), CampaignBucket::Treatment)],
        "one impression per display"
    );
    let contact = tab.campaigns().history.contact(&held).expect("counted");
    assert_eq!((contact.shown.len(), contact.holdout), (1, true));
}

#[test]
fn variants_are_sticky_for_a_visitor_across_pages_and_tabs() {
    let variants = serde_json::json!([
        { "id": "one", "weight": 1 }, { "id": "two", "weight": 1 }, { "id": "three", "weight": 1 }
    ]);
    let config = config_with(document(
        vec![campaign(
            "v",
            serde_json::json!({ "variants": variants,
                                                "contact": { "cooldown_hours": 0 } }),
        )],
        serde_json::json!({}),
    ));
    let device = new_device();
    let mut first = open_page(&config, &device, Page::at("/"), T0);
    first.handle(Event::Consent(ConsentUpdate::all(true)), T0);
    let visitor = first.sync().identity.as_ref().unwrap().visitor_id.clone();
    let Assignment::Variant(index) = bucket::bucket(&visitor, "v", 0.0, &[1.0, 1.0, 1.0]) else {
        panic!("no holdout")
    };
    let expected = ["one", "two", "three"][index];
    for page in 0..4 {
        let now = T0 + DAY * page;
        let mut tab = open_page(&config, &device, Page::at("/"), now);
        tab.handle(trigger("v"), now);
        let variant = tab.views()[0].campaign.as_ref().unwrap().variant.clone();
        assert_eq!(variant.as_deref(), Some(expected), "page {page}");
        tab.handle(dismiss("v"), now);
    }
}

#[test]
fn templates_fill_values_as_text_once_and_format_money_as_intl_does() {
    let euros = |minor| Money::new(minor, Currency::EUR);
    let values = |lang| Values {
        total: euros(123_450),
        count: 3,
        code: Some("K7M-4QP"),
        item: Some("<img src=x onerror=alert(1)> {{cart.code}}"),
        lang,
    };
    assert_eq!(
        template::fill(
            "{{item.name}}: {{ cart.count }} for {{cart.total}} ({{cart.code}}){{nope}} {{",
            &values("en")
        ),
        "<img src=x onerror=alert(1)> {{cart.code}}: 3 for €1,234.50 (K7M-4QP) {{",
        "a value is text, never expanded again; an unknown name is dropped"
    );
    let no_code = Values { code: None, ..values("en") };
    assert_eq!(template::fill("Code: {{cart.code}}.", &no_code), "Code: .");
    // What Node's Intl.NumberFormat(lang, { style: "currency", currency }) writes (full ICU).
    let nbsp = '\u{a0}';
    let cases = [
        ("en", 123_450, Currency::EUR, "€1,234.50".to_owned()),
        ("en", 50, Currency::EUR, "€0.50".to_owned()),
        ("en", 1_234_567_805, Currency::EUR, "€12,345,678.05".to_owned()),
        ("es", 123_450, Currency::EUR, format!("1234,50{nbsp}€")),
        ("es", 1_234_567_805, Currency::EUR, format!("12.345.678,05{nbsp}€")),
        ("nl", 123_450, Currency::EUR, format!("€{nbsp}1.234,50")),
        ("de", 123_450, Currency::EUR, format!("1.234,50{nbsp}€")),
        ("de", 123_450, Currency::parse("USD").unwrap(), format!("1.234,50{nbsp}$")),
        ("en", 123_450, Currency::parse("CHF").unwrap(), format!("CHF{nbsp}1,234.50")),
        ("es", 123_450, Currency::parse("USD").unwrap(), format!("1234,50{nbsp}US$")),
        ("nl", 1_235, Currency::parse("JPY").unwrap(), format!("JP¥{nbsp}1.235")),
    ];
    for (lang, minor, currency, expected) in cases {
        assert_eq!(template::format_money(Money::new(minor, currency), lang), expected);
    }
}

#[test]
fn a_campaign_view_speaks_the_visitors_language_with_its_values_filled() {
    let content = serde_json::json!({
        "en": { "title": "{{cart.count}} items", "body": "Total {{cart.total}}" },
        "de": { "title": "{{cart.count}} Artikel", "body": "Summe {{cart.total}}" }
    });
    let mut config = config_with(document(
        vec![campaign("c", serde_json::json!({ "content": content }))],
        serde_json::json!({}),
    ));
    config.locale = "de-DE".into();
    let mut tab = accepted(&config, T0);
    tab.handle(add(vec![item("a", 61_725, 2)]), T0);
    tab.handle(trigger("c"), T0 + 1);
    let view = &tab.views()[0];
    assert_eq!((view.kind, view.lang), (ViewKind::Campaign, "de"));
    assert_eq!(&*view.title, "2 Artikel");
    assert_eq!(&*view.body, "Summe 1.234,50\u{a0}€");
    assert_eq!(view.actions.len(), 1, "no action link written: only the close control");
}

#[test]
fn schedules_bound_a_campaign_in_utc_or_on_the_visitors_clock() {
    // T0 is 2026-11-23 12:00 UTC.
    let utc = serde_json::json!({ "start": "2026-11-23T12:00:00Z", "end": "2026-11-23T13:00:00Z" });
    let zoned = serde_json::json!({ "start": "2026-11-23T13:00", "end": "2026-11-23T14:00",
                                    "time_zone": "Europe/Amsterdam" });
    // (schedule, the visitor's offset, now, shown)
    let cases = [
        (&utc, 0, T0 - 1, false),
        (&utc, 0, T0, true),
        (&utc, 60, T0 + HOUR - 1, true),
        (&utc, 0, T0 + HOUR, false),
        (&zoned, 60, T0 - 1, false),
        (&zoned, 60, T0, true),
        (&zoned, 60, T0 + HOUR, false),
        (&zoned, 0, T0 + HOUR, true), // 13:00 on a UTC clock
    ];
    for (schedule, offset, now, shown) in cases {
        let config = config_with(document(
            vec![campaign("c", serde_json::json!({ "schedule": schedule }))],
            serde_json::json!({}),
        ));
        let device = new_device();
        let page = Page { tz_offset: offset, ..Page::at("/") };
        let mut tab = open_page(&config, &device, page, now);
        tab.handle(Event::Consent(ConsentUpdate::all(true)), now);
        tab.handle(trigger("c"), now);
        assert_eq!(on_screen(&tab) == ["c"], shown, "{schedule} offset {offset} at {now}");
    }
}

#[test]
fn targeting_reads_the_documented_context_and_a_failing_rule_shows_nothing_with_a_warning() {
    let rule = serde_json::json!({ "and": [
        { ">=": [{ "var": "cart.total" }, 20] },
        { "==": [{ "var": "device" }, "mobile"] },
        { "==": [{ "var": "trigger.params.level" }, 3] },
        { "==": [{ "var": "consent.marketing" }, true] },
        { "==": [{ "var": "time.weekday" }, 1] }
    ]});
    let config = config_with(document(
        vec![
            campaign("c", serde_json::json!({ "targeting": rule })),
            campaign("bad", serde_json::json!({ "targeting": { "*": [] } })),
        ],
        serde_json::json!({}),
    ));
    // (device, cart in cents, trigger level, shown): T0 is a Monday (weekday 1).
    for (device, cents, n, shown) in [
        (Device::Mobile, 2_500, 3, true),
        (Device::Desktop, 2_500, 3, false),
        (Device::Mobile, 1_500, 3, false),
        (Device::Mobile, 2_500, 2, false),
    ] {
        let mut tab =
            open_page(&config, &new_device(), Page { device: Some(device), ..Page::at("/") }, T0);
        tab.handle(Event::Consent(ConsentUpdate::all(true)), T0);
        tab.handle(add(vec![item("a", cents, 1)]), T0);
        tab.handle(level(n), T0 + 1);
        assert_eq!(on_screen(&tab) == ["c"], shown, "{device:?} {cents} {n}");
    }
    let mut tab = accepted(&config, T0);
    let effects = tab.handle(trigger("bad"), T0 + 1);
    assert!(on_screen(&tab).is_empty());
    let said: Vec<String> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Warn(warning) => Some(warning.describe()),
            _ => None,
        })
        .collect();
    assert_eq!(said, ["campaign bad: its targeting could not be evaluated (* needs at least one operand); not shown"]);
    let effects = tab.handle(trigger("bad"), T0 + 2);
    assert!(!effects.iter().any(|e| matches!(e, Effect::Warn(_))), "once per page");
}

#[test]
fn a_campaign_whose_place_is_taken_is_not_targeted_until_the_place_is_free() {
    // Its targeting is not evaluated while another display holds its place (it could not show):
    // a failing rule is warned about once the place is free, an inline one in a free slot at once.
    let failing = serde_json::json!({ "*": [] });
    let config = config_with(document(
        vec![
            campaign("toast", serde_json::json!({})),
            campaign(
                "bar",
                serde_json::json!({ "trigger": { "type": "custom", "name": "go" },
                                    "placement": { "type": "top_bar" }, "targeting": failing }),
            ),
            campaign(
                "slot",
                serde_json::json!({ "trigger": { "type": "custom", "name": "go" },
                                    "placement": { "type": "inline", "slot": "s" },
                                    "targeting": failing }),
            ),
        ],
        serde_json::json!({}),
    ));
    let warned = |effects: &[Effect]| -> Vec<String> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Warn(warning) => Some(warning.describe()),
                _ => None,
            })
            .collect()
    };
    let mut tab = accepted(&config, T0);
    tab.handle(trigger("toast"), T0 + 1);
    assert_eq!(on_screen(&tab), ["toast"]);
    let effects = tab.handle(trigger("go"), T0 + 2);
    assert_eq!(
        warned(&effects),
        ["campaign slot: its targeting could not be evaluated (* needs at least one operand); not shown"],
        "the bar's place is the toast's; the slot is free"
    );
    tab.handle(dismiss("toast"), T0 + 3);
    let effects = tab.handle(trigger("go"), T0 + 4);
    assert_eq!(
        warned(&effects),
        ["campaign bar: its targeting could not be evaluated (* needs at least one operand); not shown"],
        "the place is free now"
    );
    assert!(on_screen(&tab).is_empty());
}

#[test]
fn targeting_sees_what_changed_since_the_last_decision_on_the_page() {
    // The context is kept between decisions and built again only when its facts change.
    let rule = serde_json::json!({ "and": [
        { ">=": [{ "var": "cart.total" }, 20] },
        { "==": [{ "var": "trigger.params.level" }, 3] },
        { "==": [{ "var": "consent.marketing" }, true] }
    ]});
    let config = config_with(document(
        vec![campaign("c", serde_json::json!({ "targeting": rule }))],
        serde_json::json!({}),
    ));
    let mut tab = accepted(&config, T0);
    tab.handle(add(vec![item("a", 1_500, 1)]), T0);
    tab.handle(level(3), T0 + 1);
    assert!(on_screen(&tab).is_empty(), "15 in the cart");
    tab.handle(add(vec![item("b", 1_000, 1)]), T0 + 2);
    tab.handle(level(2), T0 + 3);
    assert!(on_screen(&tab).is_empty(), "level 2");
    tab.handle(Event::Consent(only("measurement")), T0 + 4);
    tab.handle(level(3), T0 + 5);
    assert!(on_screen(&tab).is_empty(), "marketing denied");
    tab.handle(Event::Consent(ConsentUpdate::all(true)), T0 + 6);
    tab.handle(level(3), T0 + 7);
    assert_eq!(on_screen(&tab), ["c"], "25 in the cart, level 3, marketing granted");
}

/// The context's `interests` is built only when a candidate's targeting is read, and then
/// from the model as it is: a campaign for the visitor's top category shows once it leads.
#[test]
fn a_campaign_can_target_the_visitors_interests() {
    use concierge::engine::interests::{Observation, Product, Source};
    let rule = serde_json::json!({ "==": [{ "var": "interests.top_category" }, "cases"] });
    let config = config_with(document(
        vec![campaign("c", serde_json::json!({ "targeting": rule }))],
        serde_json::json!({}),
    ));
    let viewed = |category: &str| {
        let product = Product { category: Some(category.into()), brand: None, price: Some(1_500) };
        Event::Interest(Observation::Products(Source::ViewItem, vec![product]))
    };
    let mut tab = accepted(&config, T0);
    tab.handle(trigger("c"), T0 + 1);
    assert!(on_screen(&tab).is_empty(), "no interests yet");
    tab.handle(viewed("Phones"), T0 + 2);
    tab.handle(trigger("c"), T0 + 3);
    assert!(on_screen(&tab).is_empty(), "phones lead");
    tab.handle(viewed("Cases"), T0 + 4);
    tab.handle(trigger("c"), T0 + 5);
    assert_eq!(on_screen(&tab), ["c"], "cases lead (the newer of one view each)");
}

#[test]
fn measurements_leave_only_under_sync_and_activity() {
    let config =
        config_with(document(vec![campaign("c", serde_json::json!({}))], serde_json::json!({})));
    // (the visitor's choice, measured)
    for (choice, sent) in [
        (ConsentUpdate::all(true), true),
        (only("measurement"), true),
        (only("personalization"), false),
        (ConsentUpdate::all(false), false),
    ] {
        let mut tab = open_page(&config, &new_device(), Page::at("/"), T0);
        tab.handle(Event::Consent(choice.clone()), T0);
        tab.handle(trigger("c"), T0 + 1);
        assert_eq!(on_screen(&tab), ["c"], "shown whatever the choice: {choice:?}");
        tab.handle(Event::Seen("c".into()), T0 + 2);
        tab.handle(Event::CampaignAction(Action::Follow, "c".into()), T0 + 3);
        let events: Vec<CampaignEvent> = measured(&tab).into_iter().map(|(e, ..)| e).collect();
        let expected: &[CampaignEvent] =
            if sent { &[CampaignEvent::Impression, CampaignEvent::Click] } else { &[] };
        assert_eq!(events, expected, "{choice:?}");
    }
}

#[test]
fn the_contact_history_is_kept_across_reloads_and_adopted_by_other_tabs() {
    let config = config_with(document(
        vec![campaign(
            "c",
            serde_json::json!({ "contact": { "per_day": 1, "cooldown_hours": 0 } }),
        )],
        serde_json::json!({}),
    ));
    let device = new_device();
    let mut first = open_page(&config, &device, Page::at("/"), T0);
    first.handle(Event::Consent(ConsentUpdate::all(true)), T0);
    let mut second = open_page(&config, &device, Page::at("/other"), T0 + 1);
    first.handle(trigger("c"), T0 + 2);
    assert_eq!(on_screen(&first), ["c"]);
    assert!(device.borrow().has(Section::Campaigns), "kept with activity unlocked");
    // The other tab hears of the display through the storage event, and holds to the cap.
    let change = device.borrow().change_of("concierge:test:campaigns");
    let effects = second.handle(Event::StorageChanged(change), T0 + 3);
    assert!(stores(&effects).is_empty(), "adopted without writing it back: {effects:?}");
    second.handle(trigger("c"), T0 + 4);
    assert!(on_screen(&second).is_empty(), "capped by the other tab's display");
    // A reload a few hours later still holds to it; the next day does not.
    let mut reload = open_page(&config, &device, Page::at("/"), T0 + 5 * HOUR);
    reload.handle(trigger("c"), T0 + 5 * HOUR);
    assert!(on_screen(&reload).is_empty());
    let mut tomorrow = open_page(&config, &device, Page::at("/"), T0 + DAY + 3);
    tomorrow.handle(trigger("c"), T0 + DAY + 3);
    assert_eq!(on_screen(&tomorrow), ["c"]);
}

#[test]
fn without_activity_the_caps_hold_for_the_page_only() {
    let config = config_with(document(
        vec![campaign(
            "c",
            serde_json::json!({ "contact": { "per_day": 1, "cooldown_hours": 0 } }),
        )],
        serde_json::json!({}),
    ));
    let device = new_device();
    let mut tab = open_page(&config, &device, Page::at("/"), T0);
    tab.handle(Event::Consent(only("personalization")), T0);
    tab.handle(trigger("c"), T0 + 1);
    tab.handle(dismiss("c"), T0 + 2);
    tab.handle(trigger("c"), T0 + 3);
    assert!(on_screen(&tab).is_empty(), "capped on this page");
    assert!(!device.borrow().has(Section::Campaigns), "nothing kept without activity");
    let mut next = open_page(&config, &device, Page::at("/"), T0 + 4);
    next.handle(trigger("c"), T0 + 5);
    assert_eq!(on_screen(&next), ["c"], "the next page starts afresh");
}

#[test]
fn the_shell_is_asked_to_watch_only_for_triggers_that_can_still_fire() {
    let config = config_with(document(
        vec![
            campaign(
                "exit",
                serde_json::json!({ "trigger": { "type": "exit_intent" },
                                                 "placement": { "type": "modal" },
                                                 "contact": { "per_session": 1 } }),
            ),
            campaign(
                "idle",
                serde_json::json!({ "trigger": { "type": "idle", "seconds": 40 },
                                                 "placement": { "type": "inline", "slot": "s" } }),
            ),
            campaign(
                "scroll",
                serde_json::json!({ "trigger": { "type": "scroll_depth", "percent": 60 },
                                                   "placement": { "type": "inline", "slot": "t" } }),
            ),
        ],
        serde_json::json!({}),
    ));
    let device = new_device();
    let mut tab =
        Tab { agent: concierge::engine::Agent::new(config.clone()), device: device.clone() };
    let stored = device.borrow().stored();
    let effects =
        tab.handle(Event::Start { stored: Box::new(stored), page: Page::at("/"), seed: 42 }, T0);
    let watch = effects.iter().find_map(|e| match e {
        Effect::Watch(watch) => Some(watch.clone()),
        _ => None,
    });
    assert_eq!(
        watch,
        Some(Watch {
            exit_intent: true,
            idle: vec![40],
            scroll: vec![60],
            time: vec![],
            route: false
        })
    );
    tab.handle(Event::Consent(ConsentUpdate::all(true)), T0);
    let effects = tab.handle(Event::Signal(Signal::ExitIntent), T0 + 1);
    assert_eq!(on_screen(&tab), ["exit"]);
    let watch = effects.iter().find_map(|e| match e {
        Effect::Watch(watch) => Some(watch.clone()),
        _ => None,
    });
    assert_eq!(watch.map(|w| w.exit_intent), Some(false), "on screen: no exit listener");
    // The next page of the visit: the campaign's cap is used, so nobody listens for its trigger.
    let stored = device.borrow().stored();
    let mut next =
        Tab { agent: concierge::engine::Agent::new(config.clone()), device: device.clone() };
    let effects = next
        .handle(Event::Start { stored: Box::new(stored), page: Page::at("/"), seed: 42 }, T0 + 5);
    let watch = effects.iter().find_map(|e| match e {
        Effect::Watch(watch) => Some(watch.clone()),
        _ => None,
    });
    assert_eq!(watch.map(|w| (w.exit_intent, w.idle)), Some((false, vec![40])));
}

#[test]
fn a_listener_stays_while_any_campaign_on_it_can_still_fire() {
    // Two campaigns on the same idle time: the first on screen does not take the listener away
    // from the second; another idle time is a listener of its own.
    let idle = |seconds: u32, slot: &str, priority: u32| {
        serde_json::json!({ "trigger": { "type": "idle", "seconds": seconds },
                            "placement": { "type": "inline", "slot": slot }, "priority": priority })
    };
    let config = config_with(document(
        vec![
            campaign("first", idle(40, "s", 90)),
            campaign("second", idle(40, "s", 10)),
            campaign("later", idle(90, "t", 50)),
        ],
        serde_json::json!({}),
    ));
    let watched = |effects: &[Effect]| {
        effects.iter().find_map(|e| match e {
            Effect::Watch(watch) => Some(watch.idle.clone()),
            _ => None,
        })
    };
    let device = new_device();
    let mut tab =
        Tab { agent: concierge::engine::Agent::new(config.clone()), device: device.clone() };
    let stored = device.borrow().stored();
    let effects =
        tab.handle(Event::Start { stored: Box::new(stored), page: Page::at("/"), seed: 42 }, T0);
    assert_eq!(watched(&effects), Some(vec![40, 90]));
    tab.handle(Event::Consent(ConsentUpdate::all(true)), T0);
    tab.handle(Event::Signal(Signal::Idle(40)), T0 + 1);
    assert_eq!(on_screen(&tab), ["first"]);
    assert_eq!(tab.agent.campaigns().watching.as_ref().map(|w| w.idle.clone()), Some(vec![40, 90]));
    tab.handle(dismiss("first"), T0 + 2);
    tab.handle(Event::Signal(Signal::Idle(40)), T0 + 3);
    assert_eq!(on_screen(&tab), ["second"]);
    assert_eq!(
        tab.agent.campaigns().watching.as_ref().map(|w| w.idle.clone()),
        Some(vec![90]),
        "both on 40 shown or closed"
    );
}

#[test]
fn a_campaign_fired_twice_before_a_decision_is_one_candidacy_with_the_first_params() {
    let rule = serde_json::json!({ "==": [{ "var": "trigger.params.level" }, 3] });
    let config = config_with(document(
        vec![campaign("c", serde_json::json!({ "targeting": rule }))],
        serde_json::json!({}),
    ));
    let mut tab = accepted(&config, T0);
    tab.handle_all([level(2), level(3)], T0 + 1);
    assert!(
        on_screen(&tab).is_empty(),
        "the first firing's params decide; the second adds nothing"
    );
    tab.handle_all([level(3), level(2)], T0 + 2);
    assert_eq!(on_screen(&tab), ["c"]);
}

#[test]
fn two_campaigns_whose_keys_share_a_bit_both_fire() {
    // The engine numbers candidacies by their id's FNV-1a and marks bit `key % 1024` of a set:
    // these two ids mark the same bit with different keys, which must not hide the second.
    let key = |id: &str| {
        id.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
    };
    let ids = ["offer-178", "offer-206"];
    assert_eq!(key(ids[0]) % 1024, key(ids[1]) % 1024, "the same bit");
    assert_ne!(key(ids[0]), key(ids[1]));
    let campaigns = ids
        .iter()
        .map(|id| {
            campaign(
                id,
                serde_json::json!({ "trigger": { "type": "custom", "name": "all" },
                                    "placement": { "type": "inline", "slot": id } }),
            )
        })
        .collect();
    let config = config_with(document(campaigns, serde_json::json!({})));
    let mut tab = accepted(&config, T0);
    tab.handle(trigger("all"), T0 + 1);
    assert_eq!(on_screen(&tab), ids);
}

#[test]
fn a_history_full_of_campaigns_forgets_the_one_heard_from_least_recently() {
    use concierge::engine::contact::{History, KEPT_CAMPAIGNS};
    let mut history = History::default();
    // Campaign 0 is shown first, then 1, 2, ...; campaign 0 is then dismissed last of all,
    // so campaign 1 is the one heard from least recently.
    for n in 0..KEPT_CAMPAIGNS {
        history.displayed(&format!("c{n}"), None, false, T0 + n as Millis);
    }
    history.dismissed("c0", T0 + 1_000);
    history.displayed("newcomer", None, false, T0 + 2_000);
    let ids: Vec<&str> = history.campaigns.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), KEPT_CAMPAIGNS, "still at most {KEPT_CAMPAIGNS}");
    assert!(!ids.contains(&"c1"), "the least recent goes: {ids:?}");
    assert!(ids.contains(&"c0") && ids.contains(&"c2") && ids.contains(&"newcomer"));

    // Of equals, the first goes.
    let mut history = History::default();
    for n in 0..KEPT_CAMPAIGNS {
        history.displayed(&format!("c{n}"), None, false, T0);
    }
    history.displayed("newcomer", None, false, T0 + 1);
    assert_eq!(history.campaigns[0].id, "c1", "c0, the first of equals, went");
}
