//! The interest model (issue 12) with an explicit `now`: decay by the half-life, ranking,
//! bounds, explanations, what each event weighs, and the consent gating of its storage.

use super::support::*;
use concierge::engine::consent::ConsentUpdate;
use concierge::engine::interests::{
    normalise, price_band, same_key, Dimension, Interests, Observation, Product, Source,
    KEYS_PER_DIMENSION, MAX_KEY_CHARS, REASONS_PER_KEY,
};
use concierge::engine::persist::{Record, Section, HOLD_AT_MOST};
use concierge::engine::{Effect, Event, Fetched, Millis};
use concierge_protocol::documents;

const DAY: Millis = 86_400_000;

fn product(category: &str, brand: &str, price: i64) -> Product {
    Product { category: Some(category.into()), brand: Some(brand.into()), price: Some(price) }
}

fn seen(source: Source, products: Vec<Product>) -> Observation {
    Observation::Products(source, products)
}

fn raw_score(interests: &Interests, dimension: Dimension, key: &str, now: Millis) -> f64 {
    let affinity = interests.affinities.iter().find(|a| a.dimension == dimension && a.key == key);
    let affinity = affinity.expect("the key is known");
    affinity.score * 0.5f64.powf((now - affinity.at) as f64 / interests.half_life as f64)
}

#[test]
fn price_bands_have_the_contracts_bounds_in_major_units() {
    let cases = [
        (0, "0-25"),
        (2_499, "0-25"),
        (2_500, "25-100"),
        (9_999, "25-100"),
        (10_000, "100-300"),
        (29_999, "100-300"),
        (30_000, "300-1000"),
        (99_999, "300-1000"),
        (100_000, "1000+"),
        (5_000_000, "1000+"),
    ];
    for (minor, band) in cases {
        assert_eq!(price_band(minor), band, "{minor} minor units");
    }
    let names: Vec<&str> = Dimension::ALL.iter().map(|d| d.name()).collect();
    assert_eq!(names, ["category", "brand", "price_band"]);
}

#[test]
fn a_score_halves_every_half_life_and_an_old_interest_loses_to_a_new_one() {
    let mut interests = Interests::default();
    interests.observe(&seen(Source::ViewItem, vec![product("Phones", "Acme", 49_900)]), T0);
    let one_week = raw_score(&interests, Dimension::Category, "phones", T0 + 7 * DAY);
    assert!((one_week - 0.5).abs() < 1e-9, "after one half-life: {one_week}");
    let two_weeks = raw_score(&interests, Dimension::Category, "phones", T0 + 14 * DAY);
    assert!((two_weeks - 0.25).abs() < 1e-9, "after two: {two_weeks}");

    // Three views of laptops three weeks later beat the one decayed view of phones.
    let later = T0 + 21 * DAY;
    interests.observe(&seen(Source::ViewItem, vec![product("Laptops", "Bolt", 99_900)]), later);
    assert_eq!(interests.leader(Dimension::Category, later), Some("laptops"));
    assert_eq!(interests.affinity(Dimension::Category, "laptops", later), 1.0);
    let phones = interests.affinity(Dimension::Category, "Phones", later);
    assert!((phones - 0.125).abs() < 1e-9, "phones, normalised against laptops: {phones}");
    assert_eq!(interests.affinity(Dimension::Category, "cameras", later), 0.0);
}

#[test]
fn a_configured_half_life_is_used() {
    let mut interests = Interests { half_life: DAY, ..Interests::default() };
    interests.observe(&seen(Source::ViewItem, vec![product("Phones", "Acme", 100)]), T0);
    let score = raw_score(&interests, Dimension::Category, "phones", T0 + 2 * DAY);
    assert!((score - 0.25).abs() < 1e-9, "two one-day half-lives: {score}");
}

/// How much a category viewed three days before another is left, against it, when the
/// published settings document is `settings` (the agent's own path: checked, fetched, resolved).
fn faded_after_three_days(settings: &str) -> f64 {
    let settings = match documents::check_document(&json(settings)) {
        Ok(documents::Document::Settings(settings)) => settings,
        other => panic!("a valid settings document: {other:?}"),
    };
    let published = documents::Config {
        site: SITE.into(),
        settings: Some(settings),
        ..documents::Config::default()
    };
    let source = documents::encode_config(&published);
    let documents = Box::new(published);
    let mut tab = consenting_tab(T0);
    tab.handle(
        Event::ConfigFetched(Fetched::Fresh { etag: Some("\"s\"".into()), documents, source }),
        T0,
    );
    let viewed = |category: &str| {
        Event::Interest(seen(Source::ViewItem, vec![product(category, "Acme", 100)]))
    };
    tab.handle(viewed("Phones"), T0 + 1);
    tab.handle(viewed("Laptops"), T0 + 1 + 3 * DAY);
    tab.interests().affinity(Dimension::Category, "phones", T0 + 1 + 3 * DAY)
}

#[test]
fn the_settings_half_life_days_sets_how_fast_interests_fade() {
    let settings = |extra: &str| format!(r#"{{"kind": "settings", "version": 1{extra}}}"#);
    let cases = [
        ("", 0.5f64.powf(3.0 / 7.0)),
        (r#", "interests": {}"#, 0.5f64.powf(3.0 / 7.0)),
        (r#", "interests": {"half_life_days": 3}"#, 0.5),
        (r#", "interests": {"half_life_days": 1}"#, 0.125),
        (r#", "interests": {"half_life_days": 365}"#, 0.5f64.powf(3.0 / 365.0)),
    ];
    for (extra, expected) in cases {
        let left = faded_after_three_days(&settings(extra));
        assert!((left - expected).abs() < 1e-9, "{extra}: {left}, expected {expected}");
    }
}

#[test]
fn purchases_outweigh_cart_adds_which_outweigh_views_and_lists_and_removals_take_away() {
    let mut interests = Interests::default();
    let at = T0;
    interests.observe(&seen(Source::ViewItemList, vec![product("Cables", "X", 500)]), at);
    interests.observe(&seen(Source::ViewItem, vec![product("Phones", "Acme", 49_900)]), at);
    interests.observe(&seen(Source::AddToCart, vec![product("Cases", "Acme", 1_500)]), at);
    interests.observe(&seen(Source::Purchase, vec![product("Chargers", "Bolt", 2_900)]), at);
    let order: Vec<String> = interests
        .top(10, at)
        .into_iter()
        .filter(|t| t.dimension == Dimension::Category)
        .map(|t| t.key)
        .collect();
    assert_eq!(order, ["chargers", "cases", "phones", "cables"]);

    interests.observe(&seen(Source::RemoveFromCart, vec![product("Cases", "Acme", 1_500)]), at);
    let cases = raw_score(&interests, Dimension::Category, "cases", at);
    assert!((cases - 1.5).abs() < 1e-9, "3 for the add, -1.5 for the removal: {cases}");
    // A removal of what was never seen teaches nothing.
    let before = interests.clone();
    interests.observe(&seen(Source::RemoveFromCart, vec![product("Drones", "Sky", 1_500)]), at);
    let drones = interests.affinity(Dimension::Category, "drones", at);
    assert_eq!(drones, 0.0);
    assert_eq!(interests.affinities.len(), before.affinities.len());
}

#[test]
fn the_top_ranks_across_dimensions_normalised_then_by_weight_and_explains_each() {
    let mut interests = Interests::default();
    interests.observe(&seen(Source::ViewItem, vec![product("Phones", "Acme", 49_900)]), T0);
    interests.observe(&seen(Source::AddToCart, vec![product("Phones", "Acme", 49_900)]), T0 + 1);
    interests.observe(&seen(Source::ViewItem, vec![product("Cases", "Bolt", 1_500)]), T0 + 2);
    let acme_only = Product { brand: Some("Acme".into()), ..Product::default() };
    interests.observe(&seen(Source::ViewItem, vec![acme_only]), T0 + 2);
    let top = interests.top(4, T0 + 3);
    let named: Vec<(&str, &str)> =
        top.iter().map(|t| (t.dimension.name(), t.key.as_str())).collect();
    // Each dimension's leader scores 1; the ties go by what is behind them (Acme 5, phones and
    // the band 4), then by dimension order.
    assert_eq!(
        named,
        [
            ("brand", "acme"),
            ("category", "phones"),
            ("price_band", "300-1000"),
            ("category", "cases")
        ]
    );
    assert_eq!(top[1].score, 1.0);
    assert!((top[3].score - 0.25).abs() < 1e-6, "cases: 1 against phones' 4: {}", top[3].score);
    let because: Vec<(&str, Millis, f64)> =
        top[1].because.iter().map(|r| (r.source.name(), r.at, r.weight)).collect();
    assert_eq!(because, [("view_item", T0, 1.0), ("add_to_cart", T0 + 1, 3.0)]);
}

#[test]
fn each_dimension_keeps_at_most_its_bound_the_weakest_going_first_and_few_reasons_per_key() {
    let mut interests = Interests::default();
    // The first category is the strongest: bought.
    interests.observe(
        &Observation::Products(
            Source::Purchase,
            vec![Product { category: Some("kept".into()), ..Product::default() }],
        ),
        T0,
    );
    for n in 0..KEYS_PER_DIMENSION + 5 {
        let category = Some(format!("category {n}"));
        let observed = Observation::Products(
            Source::ViewItem,
            vec![Product { category, ..Product::default() }],
        );
        interests.observe(&observed, T0 + 1 + n as Millis);
    }
    let categories: Vec<&str> = interests
        .affinities
        .iter()
        .filter(|a| a.dimension == Dimension::Category)
        .map(|a| a.key.as_str())
        .collect();
    assert_eq!(categories.len(), KEYS_PER_DIMENSION);
    assert!(categories.contains(&"kept"), "the strongest survives");
    // Equal scores: the oldest (decayed most) went.
    for gone in 0..6 {
        assert!(!categories.contains(&format!("category {gone}").as_str()), "category {gone}");
    }
    for _ in 0..10 {
        interests.observe(&seen(Source::ViewItem, vec![product("kept", "Acme", 100)]), T0 + 100);
        interests.observe(&Observation::Dwell(0), T0 + 100);
    }
    let kept = interests.affinities.iter().find(|a| a.key == "kept").expect("kept");
    assert_eq!(kept.because.len(), REASONS_PER_KEY);
}

#[test]
fn searches_dwell_and_keys_are_read_as_people_mean_them() {
    let mut interests = Interests::default();
    interests.observe(&seen(Source::ViewItem, vec![product("  Smart   PHONES ", "Acme", 100)]), T0);
    assert_eq!(interests.leader(Dimension::Category, T0), Some("smart phones"));
    // A search for a known brand is about the brand; any other search is a category.
    interests.observe(&Observation::Search("ACME".into()), T0);
    let acme = raw_score(&interests, Dimension::Brand, "acme", T0);
    assert!((acme - 1.8).abs() < 1e-9, "view 1 + search 0.8: {acme}");
    interests.observe(&Observation::Search("tripod".into()), T0);
    assert!(interests.affinity(Dimension::Category, "tripod", T0) > 0.0);

    // Dwell goes to the product viewed last, growing with the time, full at a minute.
    interests.observe(&Observation::Dwell(30), T0 + 30_000);
    let phones = raw_score(&interests, Dimension::Category, "smart phones", T0 + 30_000);
    assert!((phones - 1.5).abs() < 1e-4, "view 1 (decayed 30 s) + half the dwell bonus: {phones}");
    // Reported once: a second report with no product viewed since adds nothing.
    assert!(!interests.observe(&Observation::Dwell(600), T0 + 40_000));
}

fn viewed_phone() -> Event {
    Event::Interest(seen(Source::ViewItem, vec![product("Phones", "Acme", 49_900)]))
}

fn consent(purpose: &str, granted: bool) -> Event {
    Event::Consent(ConsentUpdate { all: None, set: vec![(purpose.into(), granted)] })
}

#[test]
fn the_model_is_kept_on_the_device_only_while_interests_are_unlocked() {
    let device = new_device();
    let (mut tab, _) = Tab::open(&device, "/product/1", T0);
    tab.handle(viewed_phone(), T0);
    assert!(!device.borrow().has(Section::Interests), "nothing before a choice");
    // Measurement unlocks activity and identifiers, not interests: held for the page only.
    tab.handle(consent("measurement", true), T0 + 1);
    tab.handle(Event::Interest(Observation::Dwell(5)), T0 + 2);
    tab.handle(viewed_phone(), T0 + 2);
    assert!(!device.borrow().has(Section::Interests));
    assert!(device.borrow().has(Section::Consent));
    // Personalization unlocks interests: what the page learnt is written.
    tab.handle(consent("personalization", true), T0 + 3);
    assert!(device.borrow().has(Section::Interests));

    // The next page starts from it, explanation included.
    let (next, _) = tab.next_page("/", T0 + DAY);
    let top = next.interests().top(1, T0 + DAY);
    assert_eq!((top[0].dimension, top[0].key.as_str()), (Dimension::Category, "phones"));
    let because: Vec<&str> = top[0].because.iter().map(|r| r.source.name()).collect();
    assert_eq!(because, ["view_item", "dwell", "view_item"]);

    // Withdrawn: erased at once.
    let (mut next, _) = tab.next_page("/", T0 + DAY);
    let effects = next.handle(consent("personalization", false), T0 + DAY + 1);
    assert!(effects.iter().any(|e| matches!(e, Effect::Erase(_))));
    assert!(!device.borrow().has(Section::Interests));
}

#[test]
fn targeting_reads_the_interests_and_a_campaign_can_target_them() {
    let mut tab = consenting_tab(T0);
    tab.handle(viewed_phone(), T0 + 1);
    tab.handle(
        Event::Interest(seen(Source::ViewItem, vec![product("Cases", "Bolt", 1_500)])),
        T0 + 2,
    );
    let context = concierge::engine::targeting::interests_context(tab.interests(), T0 + 3);
    assert_eq!(
        context,
        json(
            r#"{"top_category": "cases", "top_brand": "bolt", "price_band": "0-25",
                "categories": {"phones": 1, "cases": 1}, "brands": {"acme": 1, "bolt": 1}}"#
        ),
        "one view each: the newer leads"
    );
    let empty = concierge::engine::targeting::interests_context(&Interests::default(), T0);
    assert_eq!(
        empty,
        json(
            r#"{"top_category": null, "top_brand": null, "price_band": null, "categories": {}, "brands": {}}"#
        )
    );
}

// ---- through the bridge: what the shell hands over, as `src/web/*.js` does ----

use concierge::bridge::Bridge;
use concierge::value::Value;

fn start_bridge(layer: &str) -> (Bridge, Value) {
    let request = format!(
        r#"{{"now":{T0},"settings":{{"site":"test","currency":"EUR"}},"locale":"en-GB","path":"/","seed":[1,2],"layer":{layer}}}"#
    );
    let (bridge, effects) = Bridge::start(&request);
    (bridge.expect("the agent starts"), json(&effects))
}

fn handle(bridge: &mut Bridge, at: Millis, inputs: &str) -> Value {
    json(&bridge.handle(&format!(r#"{{"now":{at},"in":{inputs}}}"#)))
}

fn effects_named<'a>(effects: &'a Value, verb: &str) -> Vec<&'a [Value]> {
    let Value::Array(effects) = effects else { panic!("effects are an array") };
    effects
        .iter()
        .filter_map(|effect| match effect {
            Value::Array(parts) if parts[0].as_str() == Some(verb) => Some(parts.as_slice()),
            _ => None,
        })
        .collect()
}

/// The answer to `concierge('interests')`, as `(dimension, key, score)`.
fn answered(bridge: &mut Bridge, at: Millis) -> Vec<(String, String, f64)> {
    let effects = handle(bridge, at, r#"[["call","interests",null,null]]"#);
    let answers = effects_named(&effects, "answer");
    assert_eq!(answers.len(), 1, "one answer per call: {effects:?}");
    assert_eq!(answers[0][1].as_str(), Some("interests"));
    let Value::Array(top) = &answers[0][2] else { panic!("a list") };
    top.iter()
        .map(|t| {
            let text = |k: &str| t.field(k).and_then(Value::as_str).expect(k).to_owned();
            (
                text("dimension"),
                text("key"),
                t.field("score").and_then(Value::as_f64).expect("score"),
            )
        })
        .collect()
}

fn warnings(effects: &Value) -> Vec<String> {
    effects_named(effects, "warn").iter().map(|w| w[1].as_str().unwrap_or("").to_owned()).collect()
}

#[test]
fn a_shops_real_looking_datalayer_feeds_categories_brands_price_bands_and_searches() {
    let fixture = json(include_str!("../fixtures/interests/datalayer.json"));
    let entries = fixture.field("entries").expect("entries").to_json();
    let (mut bridge, _) = start_bridge(&entries);
    let top = answered(&mut bridge, T0 + 1);
    let keys: Vec<(&str, &str)> = top.iter().map(|(d, k, _)| (d.as_str(), k.as_str())).collect();
    // Aurora: listed (0.2), viewed (1), its case added (3): the leading brand; the cases (3) lead
    // the categories, tied with their band (19.90 as text); the search is read; the entries
    // without a usable product teach nothing.
    assert_eq!(
        keys,
        [
            ("brand", "aurora"),
            ("category", "cases"),
            ("price_band", "0-25"),
            ("category", "phones"),
            ("price_band", "300-1000"),
            ("category", "wireless charger"),
            ("brand", "nimbus"),
        ]
    );
    let effects = handle(
        &mut bridge,
        T0 + 2,
        r#"[["call","interests",null,null],["call","interests",null,null]]"#,
    );
    assert_eq!(effects_named(&effects, "answer").len(), 2, "each call is answered");
}

#[test]
fn the_answer_explains_each_interest_with_its_events_iso_times_and_weights() {
    let (mut bridge, _) = start_bridge("[]");
    handle(
        &mut bridge,
        T0,
        r#"[["call","track","view_item",{"items":[{"item_id":"a","item_brand":"Acme","item_category":"Phones","price":499}]}]]"#,
    );
    let effects = handle(&mut bridge, T0 + 1, r#"[["call","interests",null,null]]"#);
    let answer = effects_named(&effects, "answer")[0][2].clone();
    assert_eq!(
        match &answer {
            Value::Array(top) => top.first().cloned(),
            _ => None,
        },
        Some(json(
            r#"{"dimension":"category","key":"phones","score":1,
                "because":[{"event":"view_item","at":"2026-11-23T12:00:00.000Z","weight":1}]}"#
        ))
    );
}

#[test]
fn products_search_and_dwell_found_on_the_page_are_learnt_and_bad_ones_named() {
    let (mut bridge, _) = start_bridge("[]");
    let effects = handle(
        &mut bridge,
        T0,
        r#"[["interest","view_item",[{"category":"Cameras","brand":"Lumo","price":"1.299,00 €"}]],
            ["interest","search","tripod"],
            ["interest","dwell",60]]"#,
    );
    assert_eq!(warnings(&effects), Vec::<String>::new());
    let top = answered(&mut bridge, T0 + 1);
    let cameras = top.iter().find(|(d, k, _)| d == "category" && k == "cameras");
    assert!(cameras.is_some(), "{top:?}");
    assert!(
        top.iter().any(|(d, k, _)| d == "price_band" && k == "1000+"),
        "1.299,00 € is 1299: {top:?}"
    );
    assert!(top.iter().any(|(d, k, _)| d == "category" && k == "tripod"));
    // The dwell doubled the camera's weight: a full minute visible.
    let interests = bridge.agent().interests();
    let lumo = interests.affinities.iter().find(|a| a.key == "lumo").expect("lumo");
    let dwell: Vec<(&str, f64)> =
        lumo.because.iter().map(|r| (r.source.name(), r.weight)).collect();
    assert_eq!(dwell, [("view_item", 1.0), ("dwell", 1.0)]);

    let effects = handle(
        &mut bridge,
        T0 + 2,
        r#"[["interest","view_item",{"category":"x"}],["interest","search",""],["interest","dwell","long"],["interest","nap",1]]"#,
    );
    assert_eq!(
        warnings(&effects),
        [
            "interest view_item must be an array of products, got an object; field ignored",
            "interest search must be a non-empty string, got a string; field ignored",
            "interest dwell must be a number of seconds, got a string; field ignored",
            "interest kind must be view_item, view_item_list, search or dwell, got a string; field ignored",
        ]
    );
}

#[test]
fn explanation_times_are_written_as_javascript_writes_them() {
    use concierge::bridge::iso_time;
    assert_eq!(iso_time(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(iso_time(1_767_312_245_007), "2026-01-02T00:04:05.007Z");
}

#[test]
fn prices_written_for_people_are_read() {
    use concierge::wire::parse_price_text;
    let cases = [
        ("1299.00", Some(1299.0)),
        ("1.299,00", Some(1299.0)),
        ("€ 19,90", Some(19.9)),
        ("$1,299", Some(1299.0)),
        ("1,299.5", Some(1299.5)),
        ("19.99 EUR", Some(19.99)),
        ("49", Some(49.0)),
        ("free", None),
        ("", None),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_price_text(text), expected, "{text:?}");
    }
}

#[test]
fn a_product_page_told_twice_counts_once_until_the_visitor_moves_on() {
    let mut interests = Interests::default();
    let phone = || seen(Source::ViewItem, vec![product("Phones", "Acme", 49_900)]);
    interests.observe(&phone(), T0);
    // Its JSON-LD says the same as its dataLayer did.
    interests.observe(&phone(), T0);
    assert!((raw_score(&interests, Dimension::Category, "phones", T0) - 1.0).abs() < 1e-9);
    // An SPA navigation reports the dwell, which ends that page view: a new view counts.
    interests.observe(&Observation::Dwell(0), T0);
    interests.observe(&phone(), T0);
    assert!((raw_score(&interests, Dimension::Category, "phones", T0) - 2.0).abs() < 1e-9);
}

// ---- sync: the model's top leaves only with `interests` and a sending feature ----

use concierge::engine::sync::{Payload, SendOutcome};

/// The interests events a page's last moment (`PageHide`, a beacon) sends that were not sent
/// before.
fn sent_at_hide(tab: &mut Tab, at: Millis) -> Vec<Vec<(String, String, f64)>> {
    let effects = tab.handle(Event::PageHide, at);
    // The backend acknowledges what arrived, so the next batch carries what is new.
    for effect in &effects {
        if let Effect::Send(batch) = effect {
            let outcome = SendOutcome::Accepted { cart_code_taken: false };
            tab.handle(Event::Sent { key: batch.key.clone(), outcome }, at);
        }
    }
    let mut new = Vec::new();
    for event in effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(batch) => Some(batch.events.clone()),
            _ => None,
        })
        .flatten()
    {
        if let Payload::Interests { top } = event.payload {
            if SENT.with(|sent| sent.borrow_mut().insert(event.id.clone())) {
                new.push(top.into_iter().map(|i| (i.dimension, i.key, i.score)).collect());
            }
        }
    }
    new
}

thread_local! {
    static SENT: std::cell::RefCell<std::collections::HashSet<String>> = Default::default();
}

#[test]
fn the_top_is_sent_once_per_page_when_it_changed_and_only_under_consent() {
    // Measurement alone sends the visit, but the model is not its data: nothing of it leaves.
    let (mut tab, _) = Tab::open(&new_device(), "/", T0);
    tab.handle(consent("measurement", true), T0);
    tab.handle(viewed_phone(), T0 + 1);
    assert_eq!(sent_at_hide(&mut tab, T0 + 2), Vec::<Vec<_>>::new());

    // Personalization unlocks it (and staff_view sends): the top goes at the page's end.
    let mut tab = consenting_tab(T0);
    tab.handle(viewed_phone(), T0 + 1);
    let sent = sent_at_hide(&mut tab, T0 + 2);
    assert_eq!(
        sent,
        [vec![
            ("category".to_owned(), "phones".to_owned(), 1.0),
            ("brand".to_owned(), "acme".to_owned(), 1.0),
            ("price_band".to_owned(), "300-1000".to_owned(), 1.0),
        ]]
    );
    // Hidden again with nothing new: not sent again.
    assert_eq!(sent_at_hide(&mut tab, T0 + 3), Vec::<Vec<_>>::new());
    // The next page with the same model sends nothing; a change is sent.
    let (mut next, _) = tab.next_page("/", T0 + 10);
    assert_eq!(sent_at_hide(&mut next, T0 + 11), Vec::<Vec<_>>::new());
    next.handle(
        Event::Interest(seen(Source::Purchase, vec![product("Cases", "Bolt", 1_500)])),
        T0 + 12,
    );
    assert_eq!(sent_at_hide(&mut next, T0 + 13)[0][0].1, "cases");
}

/// Whether the effects write the interest model.
fn writes_model(effects: &[Effect]) -> bool {
    effects.iter().any(|e| matches!(e, Effect::Store(Record::Interests(_))))
}

#[test]
fn a_burst_of_events_writes_the_model_once_then_at_most_every_two_seconds_and_at_page_end() {
    let device = new_device();
    let (mut tab, _) = Tab::open(&device, "/product/1", T0);
    tab.handle(Event::Consent(ConsentUpdate::all(true)), T0);
    // Storage holds no model yet: the first one is written at once.
    assert!(writes_model(&tab.handle(viewed_phone(), T0 + 1)));
    // Then the events that move it within the next two seconds wait, and the agent asks to
    // be woken when they may wait no longer.
    let effects = tab.handle(add(Source::AddToCart), T0 + 10);
    assert!(!writes_model(&effects), "held: {effects:?}");
    let wake = effects.iter().find_map(|e| match e {
        Effect::WakeAt(at) => Some(*at),
        _ => None,
    });
    assert!(wake.is_some_and(|at| at <= T0 + 10 + HOLD_AT_MOST), "{wake:?}");
    assert!(!writes_model(&tab.handle(add(Source::RemoveFromCart), T0 + 20)));
    // Woken: what waited is written, with the reasons of every event of the burst.
    assert!(writes_model(&tab.handle(Event::Tick, T0 + 10 + HOLD_AT_MOST)));
    let (next, _) = tab.next_page("/", T0 + 3_000);
    let reasons = |tab: &Tab| {
        let affinity = tab.interests().affinities.iter().find(|a| a.key == "phones").cloned();
        affinity.expect("kept").because.iter().map(|r| r.source.name()).collect::<Vec<_>>()
    };
    assert_eq!(reasons(&next), ["view_item", "add_to_cart", "remove_from_cart"]);

    // A change held when the page is hidden is written then: nothing learnt is lost.
    assert!(!writes_model(&tab.handle(add(Source::AddToCart), T0 + 5_000)));
    assert!(writes_model(&tab.handle(Event::PageHide, T0 + 5_001)));
    let (next, _) = tab.next_page("/", T0 + 6_000);
    assert_eq!(reasons(&next), ["add_to_cart", "remove_from_cart", "add_to_cart"]);
}

fn add(source: Source) -> Event {
    Event::Interest(seen(source, vec![product("Phones", "Acme", 49_900)]))
}

/// The ranking reads the model through a snapshot taken once per ranking: the same affinities
/// as the model answers key by key, unknown and unnormalised keys included.
#[test]
fn a_snapshot_reads_the_same_affinities_as_the_model() {
    let mut tab = consenting_tab(T0);
    tab.handle(viewed_phone(), T0 + 1);
    let cases = Event::Interest(seen(Source::AddToCart, vec![product("Cases", "Bolt", 1_500)]));
    tab.handle(cases, T0 + DAY);
    // A brand alone: each dimension has a leader of its own strength.
    let bolt = Product { brand: Some("Bolt".into()), ..Product::default() };
    tab.handle(Event::Interest(seen(Source::ViewItem, vec![bolt])), T0 + 2 * DAY);
    let (model, now) = (tab.interests(), T0 + 3 * DAY);
    let snapshot = model.at(now);
    let keys = [
        (Dimension::Category, "phones"),
        (Dimension::Category, "  CASES "),
        (Dimension::Category, "unknown"),
        (Dimension::Brand, "Acme"),
        (Dimension::Brand, "ACME "),
        (Dimension::Brand, "bolt"),
        (Dimension::PriceBand, "300-1000"),
        (Dimension::PriceBand, "0-25"),
        (Dimension::PriceBand, "1000+"),
    ];
    for (dimension, key) in keys {
        let expected = model.affinity(dimension, key, now);
        assert_eq!(snapshot.affinity(dimension, key), expected, "{dimension:?} {key:?}");
    }
    let phones = snapshot.affinity(Dimension::Category, "phones");
    assert!(phones > 0.0 && phones < 1.0, "the older key is below the leader: {phones}");
}

/// `same_key` answers as comparing normalised copies does, for keys that differ in case,
/// whitespace, accents, and at and around the length a key is cut to.
#[test]
fn same_key_agrees_with_comparing_normalised_keys() {
    let long = "a".repeat(MAX_KEY_CHARS);
    let cut_at_a_space = format!("{} b", "a".repeat(MAX_KEY_CHARS - 1));
    let raws = [
        String::new(),
        "   ".into(),
        "Phones".into(),
        "phones".into(),
        " PHONES\t".into(),
        "phone".into(),
        "phoness".into(),
        "Smart  Home".into(),
        "smart home".into(),
        "smart\nhome ".into(),
        "smarthome".into(),
        "Électronique".into(),
        "élec".into(),
        long.clone(),
        format!("{long}a"),
        format!("{long} more"),
        format!("  {}", long.to_uppercase()),
        cut_at_a_space.clone(),
        format!("{cut_at_a_space}c"),
        "a".repeat(MAX_KEY_CHARS - 1),
    ];
    for normal in raws.iter().map(|raw| normalise(raw)) {
        for raw in &raws {
            let expected = normal == normalise(raw);
            assert_eq!(same_key(&normal, raw), expected, "{normal:?} against {raw:?}");
        }
    }
}
