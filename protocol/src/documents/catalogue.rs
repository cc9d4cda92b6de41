//! The `catalogue` document: the shop's products as the "you may also like" slot ranks them
//! (`src/engine/recommend.rs`), or the https address of a JSON feed of the same shape.
//!
//! ```json
//! { "kind": "catalogue", "version": 1,
//!   "products": [ { "id": "aurora-x1", "name": "Aurora X1", "url": "/product/?id=aurora-x1",
//!                   "image": "/img/phones.svg", "price": 799, "currency": "EUR",
//!                   "category": "Phones", "brand": "Aurora", "availability": "in_stock" } ] }
//! { "kind": "catalogue", "version": 2, "feed_url": "https://feeds.shop.example/products.json" }
//! ```
//!
//! A price is a decimal in major units, as GA4 `items` and the campaigns carry money; its
//! currency is an ISO 4217 code. `category` and `brand` are the words the shop's GA4 items use
//! (`item_category`, `item_brand`), so the visitor's interests match them as captured. A
//! document has its products or names a feed, never both; links (`url`, `image`, `feed_url`)
//! are paths on the shop or https URLs on the settings' `link_hosts` ([`catalogue_links_outside`]).

use super::rules::{https_host, is_token, text_field, Field, Rule, Walk};
use super::settings::MAX_PATH;
use crate::problem::{index, join};
use crate::{text, Problem, Value};

/// The most products a document holds: it travels in every agent's `/v1/config`.
pub const MAX_PRODUCTS: usize = 500;
/// The longest product id (a GA4 `item_id`).
pub const MAX_PRODUCT_ID: usize = 64;
/// The longest product name, category or brand.
pub const MAX_PRODUCT_TEXT: usize = 120;
/// The largest price, in major units (the cart's largest price, 10^12 minor units, in cents).
pub const MAX_PRICE: f64 = 10_000_000_000.0;
/// What `availability` may say; an `out_of_stock` product is never recommended.
pub const AVAILABILITY: &[&str] = &["in_stock", "out_of_stock", "preorder", "backorder"];

/// The longest currency the field rule lets through to the cross-field check.
const CURRENCY_TOKEN: usize = 8;

const PRODUCT_FIELDS: &[Field] = &[
    Field::required("id", Rule::Token { max: MAX_PRODUCT_ID }),
    Field::required("name", Rule::Text { max: MAX_PRODUCT_TEXT }),
    Field::required("url", Rule::Link { max: MAX_PATH }),
    Field::optional("image", Rule::Link { max: MAX_PATH }),
    Field::required("price", Rule::Number { min: 0.0, max: MAX_PRICE }),
    // Three capital letters: checked across fields, where the message can say so (a token
    // longer than a code, so that "euro" gets that message alone).
    Field::required("currency", Rule::Token { max: CURRENCY_TOKEN }),
    Field::optional("category", Rule::Text { max: MAX_PRODUCT_TEXT }),
    Field::optional("brand", Rule::Text { max: MAX_PRODUCT_TEXT }),
    Field::optional("availability", Rule::OneOf(AVAILABILITY)),
];

pub(super) const FIELDS: &[Field] = &[
    Field::optional(
        "products",
        Rule::Records {
            fields: PRODUCT_FIELDS,
            key: "id",
            expected: &[],
            max: MAX_PRODUCTS,
            noun: "product",
        },
    ),
    Field::optional("feed_url", Rule::Link { max: MAX_PATH }),
];

/// The shop's products, or where to fetch them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Catalogue {
    pub version: u32,
    pub products: Vec<Product>,
    /// A JSON feed of the same shape (`{ "products": [...] }`), when the document lists none.
    pub feed_url: Option<String>,
}

/// One product, as the slot ranks and shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Product {
    pub id: String,
    pub name: String,
    /// Its page: a path on the shop or an https URL on a link host.
    pub url: String,
    pub image: Option<String>,
    /// Major units, as GA4 `items` carry prices.
    pub price: f64,
    /// ISO 4217, three capital letters.
    pub currency: String,
    pub category: Option<String>,
    pub brand: Option<String>,
    pub availability: Option<String>,
}

impl Product {
    /// Whether it may be offered: anything but `out_of_stock`.
    pub fn available(&self) -> bool {
        self.availability.as_deref() != Some("out_of_stock")
    }
}

/// Products or a feed, not both, not neither; each currency three capital letters.
pub(super) fn cross_check(walk: &mut Walk, document: &Value) {
    let (products, feed) = (document.get("products"), document.get("feed_url"));
    if products.is_some() == feed.is_some() {
        let back = walk.enter(if feed.is_some() { "feed_url" } else { "products" });
        walk.report_pieces(&[if feed.is_some() {
            "a catalogue lists its products or names a feed, not both"
        } else {
            "is required (or a feed_url naming a JSON feed of products)"
        }]);
        walk.leave(back);
    }
    let Some(Value::Array(products)) = products else { return };
    let back = walk.enter("products");
    let list = walk.path().len();
    for (position, product) in products.iter().enumerate() {
        let Some(code) = product.get("currency").and_then(Value::as_str) else { continue };
        // Not a token at all: the field's own rule said so.
        let canonical = code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase());
        if canonical || !is_token(code, CURRENCY_TOKEN) {
            continue;
        }
        walk.enter_index(position);
        walk.enter("currency");
        walk.report_pieces(&[
            "must be an ISO 4217 code of three capital letters such as EUR, got \"",
            code,
            "\"",
        ]);
        walk.leave(list);
    }
    walk.leave(back);
}

/// The catalogue's `https://` links (the feed, each product's page and image) that lead to a
/// host views may not link to (the settings' `link_hosts`), each with its path.
pub fn catalogue_links_outside(catalogue: &Catalogue, hosts: &[String]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut judge = |path: String, link: Option<&str>| {
        let Some(host) = link.and_then(https_host) else { return };
        if !hosts.iter().any(|allowed| allowed == host) {
            problems.push(Problem::new(
                path,
                text!(
                    "links to ",
                    host,
                    ", which is not in the settings' link_hosts; add it there or use a path"
                ),
            ));
        }
    };
    judge("feed_url".to_owned(), catalogue.feed_url.as_deref());
    for (position, product) in catalogue.products.iter().enumerate() {
        let at = index("products", position);
        judge(join(&at, "url"), Some(&product.url));
        judge(join(&at, "image"), product.image.as_deref());
    }
    problems
}

pub(super) fn decode(document: &Value, version: u32) -> Catalogue {
    let mut products = Vec::new();
    if let Some(Value::Array(records)) = document.get("products") {
        for record in records {
            products.push(Product {
                id: text_field(record, "id").unwrap_or_default(),
                name: text_field(record, "name").unwrap_or_default(),
                url: text_field(record, "url").unwrap_or_default(),
                image: text_field(record, "image"),
                price: record.get("price").and_then(Value::as_f64).unwrap_or_default(),
                currency: text_field(record, "currency").unwrap_or_default(),
                category: text_field(record, "category"),
                brand: text_field(record, "brand"),
                availability: text_field(record, "availability"),
            });
        }
    }
    Catalogue { version, products, feed_url: text_field(document, "feed_url") }
}

pub(super) fn encode(catalogue: &Catalogue, fields: &mut Vec<(String, Value)>) {
    if let Some(feed) = &catalogue.feed_url {
        fields.push(("feed_url".to_owned(), Value::from(feed.as_str())));
        return;
    }
    let products = catalogue
        .products
        .iter()
        .map(|product| {
            let mut record = vec![
                ("id".to_owned(), Value::from(product.id.as_str())),
                ("name".to_owned(), Value::from(product.name.as_str())),
                ("url".to_owned(), Value::from(product.url.as_str())),
            ];
            let optional =
                |record: &mut Vec<(String, Value)>, name: &str, text: &Option<String>| {
                    if let Some(text) = text {
                        record.push((name.to_owned(), Value::from(text.as_str())));
                    }
                };
            optional(&mut record, "image", &product.image);
            record.push(("price".to_owned(), Value::Number(product.price)));
            record.push(("currency".to_owned(), Value::from(product.currency.as_str())));
            optional(&mut record, "category", &product.category);
            optional(&mut record, "brand", &product.brand);
            optional(&mut record, "availability", &product.availability);
            Value::Object(record)
        })
        .collect();
    fields.push(("products".to_owned(), Value::Array(products)));
}

/// The products a catalogue's feed holds, and what was wrong with the rest.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Feed {
    /// Every product the document's own rules accept, in the feed's order.
    pub products: Vec<Product>,
    /// One problem per product left out (the first field found wrong, with its path in the
    /// feed: `products[3].price`), a repeated id, and the products beyond [`MAX_PRODUCTS`].
    pub problems: Vec<Problem>,
}

/// Reads a catalogue feed (`{ "products": [...] }`, the shape a catalogue document lists its
/// products in): each product is judged alone by the document's own rules, so a bad one is
/// left out with a problem naming its field and every valid one is kept. Fields a product has
/// beyond the catalogue's (a shop platform's own) are passed over, as are the feed's other
/// top-level fields. Only a feed with no list of products at all is refused.
pub fn read_feed(feed: &Value) -> Result<Feed, Problem> {
    let Some(Value::Array(records)) = feed.get("products") else {
        let got = match feed.get("products") {
            Some(value) => value.kind(),
            None if feed.is_object() => "nothing",
            None => feed.kind(),
        };
        return Err(Problem::new(
            "products",
            text!("a catalogue feed must hold a list of products, got ", got),
        ));
    };
    let mut read = Feed::default();
    for (position, record) in records.iter().enumerate() {
        let at = index("products", position);
        if read.products.len() == MAX_PRODUCTS {
            read.problems.push(Problem::new(
                "products",
                text!("holds more than ", MAX_PRODUCTS, " products; only the first are kept"),
            ));
            break;
        }
        // The product as a one-product document, less the fields the catalogue does not know.
        let known = match record {
            Value::Object(fields) => Value::Object(
                (fields.iter())
                    .filter(|(name, _)| PRODUCT_FIELDS.iter().any(|f| f.name == name))
                    .cloned()
                    .collect(),
            ),
            other => other.clone(),
        };
        let document = Value::Object(vec![
            ("kind".to_owned(), Value::from("catalogue")),
            ("version".to_owned(), Value::Number(1.0)),
            ("products".to_owned(), Value::Array(vec![known])),
        ]);
        match super::check_document(&document) {
            Ok(super::Document::Catalogue(mut one)) => {
                let Some(product) = one.products.pop() else { continue };
                let first = read.products.iter().position(|p| p.id == product.id);
                if let Some(first) = first {
                    read.problems.push(Problem::new(
                        join(&at, "id"),
                        text!(
                            "\"",
                            product.id.as_str(),
                            "\" is listed twice (first at ",
                            index("products", first).as_str(),
                            "); left out"
                        ),
                    ));
                } else {
                    read.products.push(product);
                }
            }
            Ok(_) => {}
            Err(problems) => {
                // The first problem names the product's worst field; the path is the feed's.
                if let Some(problem) = problems.into_iter().next() {
                    let inner = problem.path.strip_prefix("products[0]").unwrap_or("");
                    let path = at.clone() + inner;
                    read.problems.push(Problem::new(path, problem.message + "; left out"));
                }
            }
        }
    }
    Ok(read)
}
