//! The interest model (issue 12) with an explicit `now`: decay by the half-life, ranking,
//! bounds, explanations, what each event weighs, and the consent gating of its storage.

use super::support::*;
use concierge::engine::consent::ConsentUpdate;
use concierge::engine::interests::{
    price_band, Dimension, Interests, Observation, Product, Source, KEYS_PER_DIMENSION,
    REASONS_PER_KEY,
};
use concierge::engine::persist::Section;
use concierge::engine::{Effect, Event, Millis};

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
    assert_eq!(top[0].because.len(), 2);

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
                "categories": {"cases": 1, "phones": 1}, "brands": {"acme": 1, "bolt": 1}}"#
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
