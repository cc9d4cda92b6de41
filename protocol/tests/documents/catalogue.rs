//! The `catalogue` document: each field's rule with the exact path and message it reports,
//! products or a feed, links held to the settings' hosts, what it decodes to, and the demo's
//! document, which must say what the demo shop's own `www/catalog.json` says.

use super::{check, value, with};
use concierge_protocol::documents::{check_config, read_config, Catalogue, Document, Product};
use serde_json::json;

fn product(id: &str) -> serde_json::Value {
    json!({ "id": id, "name": "Aurora X1", "url": "/product/?id=aurora-x1", "price": 799,
            "currency": "EUR" })
}

pub fn base() -> serde_json::Value {
    json!({ "kind": "catalogue", "version": 1, "products": [product("aurora-x1")] })
}

/// A document with every field, for the encoder's round trip.
pub fn full() -> serde_json::Value {
    json!({ "kind": "catalogue", "version": 3, "products": [
        { "id": "aurora-x1", "name": "Aurora X1", "url": "https://cdn.example/p/aurora-x1",
          "image": "/img/phones.svg", "price": 799.5, "currency": "EUR", "category": "Phones",
          "brand": "Aurora", "availability": "in_stock" },
        product("case-clear"),
    ] })
}

fn changed(pointer: &str, to: Option<serde_json::Value>, expected: &[(&str, &str)]) {
    check(with(&base(), pointer, to), expected);
}

#[test]
fn a_product_needs_an_id_a_name_a_link_a_price_and_a_currency() {
    let cases: &[(&str, Option<serde_json::Value>, super::Expected)] = &[
        ("/products/0/id", None, &[("products[0].id", "is required")]),
        (
            "/products/0/id",
            Some(json!("a b")),
            &[("products[0].id", "must be 1 to 64 letters, digits, - or _, got \"a b\"")],
        ),
        ("/products/0/name", Some(json!(" ")), &[("products[0].name", "must not be empty")]),
        (
            "/products/0/name",
            Some(json!("x".repeat(121))),
            &[("products[0].name", "must be at most 120 characters, got 121")],
        ),
        ("/products/0/url", None, &[("products[0].url", "is required")]),
        (
            "/products/0/url",
            Some(json!("javascript:alert(1)")),
            &[(
                "products[0].url",
                "must be a path starting with / or an https:// URL, got \"javascript:alert(1)\"",
            )],
        ),
        (
            "/products/0/image",
            Some(json!("http://cdn.example/a.png")),
            &[("products[0].image", "must use https://, got \"http://cdn.example/a.png\"")],
        ),
        (
            "/products/0/price",
            Some(json!("799")),
            &[("products[0].price", "must be a number from 0 to 10000000000, got \"799\"")],
        ),
        (
            "/products/0/price",
            Some(json!(-1)),
            &[("products[0].price", "must be a number from 0 to 10000000000, got -1")],
        ),
        ("/products/0/currency", None, &[("products[0].currency", "is required")]),
        (
            "/products/0/currency",
            Some(json!("€")),
            &[("products[0].currency", "must be 1 to 8 letters, digits, - or _, got \"€\"")],
        ),
        (
            "/products/0/currency",
            Some(json!("euro")),
            &[(
                "products[0].currency",
                "must be an ISO 4217 code of three capital letters such as EUR, got \"euro\"",
            )],
        ),
        (
            "/products/0/currency",
            Some(json!("eur")),
            &[(
                "products[0].currency",
                "must be an ISO 4217 code of three capital letters such as EUR, got \"eur\"",
            )],
        ),
        ("/products/0/category", Some(json!("")), &[("products[0].category", "must not be empty")]),
        ("/products/0/brand", Some(json!(7)), &[("products[0].brand", "must be a text, got 7")]),
        (
            "/products/0/availability",
            Some(json!("sold")),
            &[(
                "products[0].availability",
                "must be one of in_stock, out_of_stock, preorder, backorder, got \"sold\"",
            )],
        ),
        (
            "/products/0/colour",
            Some(json!("red")),
            &[("products[0].colour", "is not a field of a product")],
        ),
        (
            "/products",
            Some(json!({})),
            &[("products", "must be a list of products, got an object")],
        ),
    ];
    for (pointer, to, expected) in cases {
        changed(pointer, to.clone(), expected);
    }
}

#[test]
fn a_catalogue_lists_products_or_names_a_feed_not_both() {
    check(
        value(
            json!({ "kind": "catalogue", "version": 1, "feed_url": "https://feeds.example/p.json" }),
        ),
        &[],
    );
    changed(
        "/products",
        None,
        &[("products", "is required (or a feed_url naming a JSON feed of products)")],
    );
    changed(
        "/feed_url",
        Some(json!("/feed.json")),
        &[("feed_url", "a catalogue lists its products or names a feed, not both")],
    );
    changed(
        "/feed_url",
        Some(json!("ftp://feeds.example/p.json")),
        &[
            ("feed_url", "must be a path starting with / or an https:// URL, got \"ftp://feeds.example/p.json\""),
            ("feed_url", "a catalogue lists its products or names a feed, not both"),
        ],
    );
}

#[test]
fn a_product_id_is_listed_once() {
    let document = json!({ "kind": "catalogue", "version": 1,
                           "products": [product("a"), product("b"), product("a")] });
    check(value(document), &[("products[2].id", "\"a\" is listed twice (first at products[0])")]);
}

#[test]
fn links_to_another_host_must_be_listed_in_the_settings() {
    let mut catalogue = base();
    catalogue["products"][0]["url"] = json!("https://shop.example/p/1");
    catalogue["products"][0]["image"] = json!("https://cdn.example/1.png");
    let envelope = |hosts: serde_json::Value, catalogue: &serde_json::Value| {
        value(json!({ "format": 1, "site": "demo", "documents": [
            { "kind": "settings", "version": 1, "link_hosts": hosts }, catalogue.clone() ] }))
    };
    assert!(check_config(&envelope(json!(["shop.example", "cdn.example"]), &catalogue)).is_ok());
    let problems = check_config(&envelope(json!(["shop.example"]), &catalogue)).unwrap_err();
    assert_eq!(
        super::pairs(&problems),
        [(
            "documents[1].products[0].image",
            "links to cdn.example, which is not in the settings' link_hosts; add it there or use a path"
        )]
    );
    let feed =
        json!({ "kind": "catalogue", "version": 1, "feed_url": "https://feeds.example/p.json" });
    let problems = check_config(&envelope(json!([]), &feed)).unwrap_err();
    assert_eq!(
        super::pairs(&problems),
        [(
            "documents[1].feed_url",
            "links to feeds.example, which is not in the settings' link_hosts; add it there or use a path"
        )]
    );
}

#[test]
fn a_valid_document_decodes_to_its_products() {
    let Some(Document::Catalogue(catalogue)) = check(value(full()), &[]) else { panic!() };
    assert_eq!(catalogue.version, 3);
    assert_eq!(
        catalogue.products[0],
        Product {
            id: "aurora-x1".into(),
            name: "Aurora X1".into(),
            url: "https://cdn.example/p/aurora-x1".into(),
            image: Some("/img/phones.svg".into()),
            price: 799.5,
            currency: "EUR".into(),
            category: Some("Phones".into()),
            brand: Some("Aurora".into()),
            availability: Some("in_stock".into()),
        }
    );
    assert_eq!(catalogue.products[1].category, None);
    assert_eq!(catalogue.feed_url, None);
}

#[test]
fn an_agent_refuses_a_product_it_cannot_show_by_its_path() {
    let mut document = base();
    document["products"][0]["price"] = json!("cheap");
    let config = value(json!({ "format": 1, "site": "demo", "documents": [document] }));
    let problem = read_config(&config).unwrap_err();
    assert_eq!(
        (problem.path.as_str(), problem.message.as_str()),
        ("documents[0].products[0].price", "must be a number in its range")
    );
}

/// The demo's document, as `documents/demo/` publishes it.
pub fn demo() -> Catalogue {
    let text = include_str!("../../../documents/demo/catalogue.json");
    let json: serde_json::Value = serde_json::from_str(text).unwrap();
    match check(value(json), &[]) {
        Some(Document::Catalogue(catalogue)) => *catalogue,
        other => panic!("{other:?}"),
    }
}

/// The demo shop's products (`www/catalog.json`) and the demo catalogue say the same: every
/// product, its name, price and currency, its page, and its category as the shop's GA4 items
/// name it (`item_category` is the category's name), so interests match what is ranked.
#[test]
fn the_demo_document_is_the_demo_shops_catalogue() {
    let shop: serde_json::Value =
        serde_json::from_str(include_str!("../../../www/catalog.json")).unwrap();
    let category_name = |id: &str| -> String {
        let categories = shop["categories"].as_array().unwrap();
        let found = categories.iter().find(|c| c["id"] == id).unwrap();
        found["name"].as_str().unwrap().to_owned()
    };
    let expected: Vec<Product> = shop["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let id = p["id"].as_str().unwrap();
            let category = p["category"].as_str().unwrap();
            Product {
                id: id.into(),
                name: p["name"].as_str().unwrap().into(),
                url: format!("/product/?id={id}"),
                image: Some(format!("/img/{category}.svg")),
                price: p["price"].as_f64().unwrap(),
                currency: shop["currency"].as_str().unwrap().into(),
                category: Some(category_name(category)),
                brand: None,
                availability: Some("in_stock".into()),
            }
        })
        .collect();
    assert_eq!(demo().products, expected);
}

/// A feed's problems as (path, message) pairs.
fn feed_problems(feed: &concierge_protocol::documents::Feed) -> Vec<(&str, &str)> {
    feed.problems.iter().map(|p| (p.path.as_str(), p.message.as_str())).collect()
}

#[test]
fn a_feed_keeps_every_valid_product_and_names_the_field_of_each_one_left_out() {
    use concierge_protocol::documents::read_feed;
    let mut extra = product("extra");
    extra["gtin"] = json!("04012345678901");
    extra["image"] = json!("/img/extra.png");
    let mut cheap = product("cheap");
    cheap["price"] = json!("12.50");
    let mut euro = product("euro");
    euro["currency"] = json!("euro");
    let mut nameless = product("nameless");
    nameless.as_object_mut().unwrap().remove("name");
    let feed = json!({ "generated": "2026-12-06", "products": [
        product("first"), cheap, euro, nameless, "aurora", extra, product("first"),
    ] });
    let read = read_feed(&value(feed)).expect("a feed");
    let ids: Vec<&str> = read.products.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        ["first", "extra"],
        "the valid ones, in order; a platform's own fields passed over"
    );
    assert_eq!(read.products[1].image.as_deref(), Some("/img/extra.png"));
    assert_eq!(
        feed_problems(&read),
        [
            ("products[1].price", "must be a number from 0 to 10000000000, got \"12.50\"; left out"),
            (
                "products[2].currency",
                "must be an ISO 4217 code of three capital letters such as EUR, got \"euro\"; left out"
            ),
            ("products[3].name", "is required; left out"),
            ("products[4]", "a product must be an object, got \"aurora\"; left out"),
            ("products[6].id", "\"first\" is listed twice (first at products[0]); left out"),
        ]
    );
}

#[test]
fn a_feed_without_a_list_of_products_is_refused_by_name_and_a_long_one_is_cut() {
    use concierge_protocol::documents::{read_feed, MAX_PRODUCTS};
    for (feed, got) in [
        (json!({ "items": [] }), "nothing"),
        (json!({ "products": 3 }), "a number"),
        (json!([product("a")]), "an array"),
    ] {
        let problem = read_feed(&value(feed)).expect_err("no products");
        assert_eq!(problem.path, "products");
        assert_eq!(
            problem.message,
            format!("a catalogue feed must hold a list of products, got {got}")
        );
    }
    let many: Vec<serde_json::Value> =
        (0..=MAX_PRODUCTS).map(|n| product(&format!("p{n}"))).collect();
    let read = read_feed(&value(json!({ "products": many }))).expect("a feed");
    assert_eq!(read.products.len(), MAX_PRODUCTS);
    assert_eq!(
        feed_problems(&read),
        [("products", "holds more than 500 products; only the first are kept")]
    );
}
