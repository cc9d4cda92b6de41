//! The "you may also like" ranking (`engine::recommend`), against a fake interest model: the
//! best products first, ties in the catalogue's order, nothing from the cart, nothing out of
//! stock, nothing without an affinity, and `now` passed through to the model.

use concierge::engine::recommend::{rank, Affinities, Dimension};
use concierge::engine::Millis;
use concierge_protocol::documents::Product;
use std::cell::Cell;

/// A fake interest model: fixed affinities by (dimension, key), and the last `now` it was asked.
#[derive(Default)]
struct Fake {
    known: Vec<(Dimension, &'static str, f64)>,
    asked_at: Cell<Millis>,
}

impl Affinities for Fake {
    fn affinity(&self, dimension: Dimension, key: &str, now: Millis) -> f64 {
        self.asked_at.set(now);
        let found = self.known.iter().find(|(d, k, _)| *d == dimension && *k == key);
        found.map_or(0.0, |(_, _, score)| *score)
    }
}

fn product(id: &str, category: &str, brand: Option<&str>, price: f64) -> Product {
    Product {
        id: id.into(),
        name: id.into(),
        url: format!("/product/?id={id}"),
        price,
        currency: "EUR".into(),
        category: Some(category.into()),
        brand: brand.map(Into::into),
        ..Product::default()
    }
}

fn catalogue() -> Vec<Product> {
    vec![
        product("kestrel", "Phones", Some("Kestrel"), 329.0),
        product("aurora", "Phones", Some("Aurora"), 799.0),
        product("case", "Accessories", Some("Aurora"), 24.99),
        product("fiber", "Home internet", None, 45.0),
        product("pebble", "Phones", None, 899.0),
        product("buds", "Accessories", None, 129.0),
    ]
}

fn ids(products: &[&Product]) -> Vec<String> {
    products.iter().map(|p| p.id.clone()).collect()
}

#[test]
fn the_best_liked_products_come_first_and_ties_keep_the_catalogues_order() {
    let fake = Fake {
        known: vec![
            (Dimension::Category, "Phones", 1.0),
            (Dimension::Brand, "Aurora", 0.5),
            (Dimension::Category, "Accessories", 0.2),
        ],
        ..Fake::default()
    };
    let products = catalogue();
    // aurora 1.5; kestrel and pebble 1.0 (a tie, in the catalogue's order); case 0.7; buds 0.2.
    assert_eq!(
        ids(&rank(&products, &fake, &[], 0, 10)),
        ["aurora", "kestrel", "pebble", "case", "buds"]
    );
    assert_eq!(ids(&rank(&products, &fake, &[], 0, 2)), ["aurora", "kestrel"]);
}

#[test]
fn what_is_in_the_cart_or_out_of_stock_is_not_offered() {
    let fake = Fake { known: vec![(Dimension::Category, "Phones", 1.0)], ..Fake::default() };
    let mut products = catalogue();
    products[4].availability = Some("out_of_stock".into());
    products[0].availability = Some("preorder".into());
    assert_eq!(ids(&rank(&products, &fake, &["aurora"], 0, 10)), ["kestrel"]);
}

#[test]
fn without_any_affinity_nothing_is_offered() {
    let products = catalogue();
    assert!(rank(&products, &Fake::default(), &[], 0, 4).is_empty());
    let elsewhere = Fake { known: vec![(Dimension::Brand, "Nokia", 1.0)], ..Fake::default() };
    assert!(rank(&products, &elsewhere, &[], 0, 4).is_empty());
}

#[test]
fn a_price_band_counts_half_as_much_as_a_category_and_now_reaches_the_model() {
    let fake = Fake {
        known: vec![
            (Dimension::Category, "Home internet", 0.4),
            (Dimension::PriceBand, "300-1000", 1.0),
        ],
        ..Fake::default()
    };
    let products = catalogue();
    // kestrel, aurora and pebble 0.5 by their band (300-1000), fiber 0.4 by its category.
    assert_eq!(
        ids(&rank(&products, &fake, &[], 1_234, 10)),
        ["kestrel", "aurora", "pebble", "fiber"]
    );
    assert_eq!(fake.asked_at.get(), 1_234);
}

// The slot in the agent: the built-in `recommendations` campaign a published catalogue brings,
// drawn only on product and cart pages, only while the policy unlocks `interests`, and only
// when some product has an affinity (until the interest model is merged, the page's stand-in
// learns categories from the page's commerce events).

mod slot {
    use super::super::support::*;
    use concierge::engine::campaigns::RECOMMENDATIONS;
    use concierge::engine::config::{Config, PageSettings};
    use concierge::engine::consent::ConsentUpdate;
    use concierge::engine::interests::{Observation, Product, Source};
    use concierge::engine::money::{Currency, Money};
    use concierge::engine::view::{View, ViewKind};
    use concierge::engine::{Agent, CommerceKind, Effect, Event, Millis, Page};
    use concierge_protocol::documents;
    use serde_json::json;

    fn product(id: &str, category: &str, price: f64) -> serde_json::Value {
        json!({ "id": id, "name": format!("Name {id}"), "url": format!("/product/?id={id}"),
                "price": price, "currency": "EUR", "category": category })
    }

    /// The agent's settings with a published catalogue (and campaigns, when given), read as
    /// the agent reads `/v1/config`.
    fn config_with(campaigns: Option<serde_json::Value>) -> Config {
        let mut pebble = product("pebble", "Phones", 899.0);
        pebble["image"] = json!("/img/phones.svg");
        let mut docs = vec![json!({ "kind": "catalogue", "version": 1, "products": [
            product("aurora", "Phones", 799.0), product("case", "Accessories", 24.99),
            product("kestrel", "Phones", 329.0), pebble,
        ] })];
        docs.extend(campaigns);
        let text = json!({ "format": 1, "site": SITE, "documents": docs }).to_string();
        let read = documents::read_config(&json(&text)).expect("readable");
        Config::resolve(&PageSettings::new(SITE), read)
    }

    fn open(config: Config, page_type: &str, now: Millis) -> Tab {
        let device = new_device();
        let mut tab = Tab { agent: Agent::new(config), device };
        let page = Page { page_type: Some(page_type.into()), ..Page::at("/product/") };
        tab.handle(Event::Start { stored: Box::default(), page, seed: 42 }, now);
        tab
    }

    fn personalization(granted: bool) -> Event {
        Event::Consent(ConsentUpdate {
            all: Some(false),
            set: vec![("personalization".into(), granted)],
        })
    }

    /// A product page's `view_item`, as the bridge hands it on: the commerce event and what it
    /// tells the interest model.
    fn viewed(id: &str, category: &str) -> [Event; 2] {
        viewed_at(id, category, 79_900)
    }

    fn viewed_at(id: &str, category: &str, price: i64) -> [Event; 2] {
        let mut item = item(id, price, 1);
        item.category = Some(category.into());
        let product = Product { category: Some(category.into()), brand: None, price: Some(price) };
        [
            commerce(CommerceKind::ViewItem, vec![item]),
            Event::Interest(Observation::Products(Source::ViewItem, vec![product])),
        ]
    }

    fn slot_view(effects: &[Effect]) -> Option<&View> {
        effects.iter().find_map(|effect| match effect {
            Effect::Render(view)
                if view.kind == ViewKind::Campaign
                    && view.campaign.as_ref().is_some_and(|c| c.id == RECOMMENDATIONS) =>
            {
                Some(view)
            }
            _ => None,
        })
    }

    fn names(view: &View) -> Vec<&str> {
        view.lines.iter().map(|line| line.name.as_str()).collect()
    }

    #[test]
    fn a_product_page_offers_the_visitors_liked_products_but_not_the_one_viewed_nor_the_carts() {
        let mut tab = open(config_with(None), "product", T0);
        tab.handle(personalization(true), T0);
        let mut kestrel = item("kestrel", 32_900, 1);
        kestrel.category = Some("Phones".into());
        tab.handle(add(vec![kestrel]), T0 + 1);
        let effects = tab.handle_all(viewed("aurora", "Phones"), T0 + 2);
        let view = slot_view(&effects).expect("the slot is drawn");
        assert_eq!(view.title, "You may also like");
        assert_eq!(names(view), ["Name pebble"]);
        let line = &view.lines[0];
        assert_eq!(line.amount, Money::new(89_900, Currency::EUR));
        assert_eq!(line.href.as_deref(), Some("/product/?id=pebble"));
        assert_eq!(line.image.as_deref(), Some("/img/phones.svg"), "its picture, for the shell");
        let tag = view.campaign.as_ref().unwrap();
        assert_eq!((tag.placement, tag.slot.as_deref()), ("inline", Some("recommendations")));
    }

    #[test]
    fn nothing_is_drawn_without_the_interests_unlocked_or_without_any_interest() {
        // Interests not unlocked: the same page, nothing.
        let mut tab = open(config_with(None), "product", T0);
        tab.handle(personalization(false), T0);
        let effects = tab.handle_all(viewed("aurora", "Phones"), T0 + 1);
        assert!(slot_view(&effects).is_none(), "{effects:?}");
        // Unlocked, but no interest yet: nothing either.
        let mut tab = open(config_with(None), "product", T0);
        let effects = tab.handle(personalization(true), T0);
        assert!(slot_view(&effects).is_none(), "{effects:?}");
        // Then a view: drawn; the interests withdrawn: taken away.
        let effects = tab.handle_all(viewed_at("case", "Accessories", 2_499), T0 + 1);
        assert!(slot_view(&effects).is_none(), "only accessories liked, and the one is viewed");
        let effects = tab.handle_all(viewed("aurora", "Phones"), T0 + 2);
        assert_eq!(names(slot_view(&effects).expect("drawn")), ["Name kestrel", "Name pebble"]);
        let effects = tab.handle(personalization(false), T0 + 3);
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::RemoveCampaign(id) if id == RECOMMENDATIONS)),
            "{effects:?}"
        );
    }

    /// The shop's shelf is no message: the limits across campaigns (here one a visit) neither
    /// refuse it nor count it, so the marketer's inline campaign still shows beside it.
    #[test]
    fn the_limits_across_campaigns_neither_refuse_nor_count_the_recommendations() {
        let offer = |id: &str, slot: &str, priority: u32| {
            json!({ "id": id, "status": "active",
                    "trigger": { "type": "custom", "name": id },
                    "placement": { "type": "inline", "slot": slot },
                    "content": { "en": { "title": format!("Title {id}"), "body": "" } },
                    "priority": priority, "value": 1,
                    "goal": { "event": "purchase", "attribution_days": 7 } })
        };
        let campaigns = json!({ "kind": "campaigns", "version": 1,
            "contact": { "per_session": 1 },
            "campaigns": [offer("first", "a", 1), offer("second", "b", 1)] });
        let mut tab = open(config_with(Some(campaigns)), "product", T0);
        tab.handle(personalization(true), T0);
        let effects = tab.handle_all(viewed("aurora", "Phones"), T0 + 1);
        assert!(slot_view(&effects).is_some(), "shown though one a visit was never used");
        let trigger = |name: &str| Event::Trigger {
            name: name.into(),
            params: concierge::value::Value::Null,
        };
        let shown = |effects: &[Effect], id: &str| {
            effects.iter().any(|e| matches!(e, Effect::Render(v) if v.campaign.as_ref().is_some_and(|c| c.id == id)))
        };
        let effects = tab.handle(trigger("first"), T0 + 2);
        assert!(shown(&effects, "first"), "the visit's one message is still there to give");
        let effects = tab.handle(trigger("second"), T0 + 3);
        assert!(!shown(&effects, "second"), "and it was given: the limit holds for messages");
    }

    #[test]
    fn only_product_and_cart_pages_and_the_shops_own_campaign_of_that_id_stands_instead() {
        let mut tab = open(config_with(None), "home", T0);
        tab.handle(personalization(true), T0);
        assert!(slot_view(&tab.handle_all(viewed("aurora", "Phones"), T0 + 1)).is_none());
        let mut tab = open(config_with(None), "cart", T0);
        tab.handle(personalization(true), T0);
        assert!(slot_view(&tab.handle_all(viewed("aurora", "Phones"), T0 + 1)).is_some());
        // The shop's own `recommendations` campaign, on every page, paused: not shown.
        let own = json!({ "kind": "campaigns", "version": 1, "campaigns": [{
            "id": "recommendations", "status": "paused", "trigger": { "type": "page_view" },
            "placement": { "type": "inline", "slot": "recommendations" },
            "content": { "en": { "title": "Picked for you", "body": "" } },
            "priority": 10, "value": 1, "goal": { "event": "purchase", "attribution_days": 7 } }] });
        let config = config_with(Some(own));
        assert_eq!(config.campaigns.campaigns.len(), 1);
        let mut tab = open(config, "product", T0);
        tab.handle(personalization(true), T0);
        assert!(slot_view(&tab.handle_all(viewed("aurora", "Phones"), T0 + 1)).is_none());
    }
}
