//! "You may also like": the shop's catalogue ranked by the visitor's interests, a pure function
//! of the products, the affinities, what is in the cart and `now`. It knows nothing of how the
//! interests are learnt: it asks an [`Affinities`] for one key of one dimension at a time.
//!
//! A product's score is the sum of its affinities: its category (weight 1), its brand
//! (weight 1) and its price band (weight 0.5: a price alone says less of what a visitor wants
//! than what the thing is). A product with no affinity at all is not offered (nothing the
//! visitor showed interest in says they would like it), nor one in the cart, nor one out of
//! stock. Ties keep the catalogue's order, the shop's own.

use super::cart::Cart;
use super::money::Money;
use super::view::ViewLine;
use super::{CommerceKind, Millis};
use concierge_protocol::batch::Item;
use concierge_protocol::documents::{Catalogue, Product};
use concierge_protocol::money::Currency;

/// How many products the slot shows at most.
pub const SHOWN: usize = 4;

// MERGE: replace with crate::engine::interests::{Dimension, price_band}
/// A dimension of the visitor's interests (a copy of the interest model's, s19 contract §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dimension {
    Category,
    Brand,
    PriceBand,
}

// MERGE: replace with crate::engine::interests::{Dimension, price_band}
impl Dimension {
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Category => "category",
            Dimension::Brand => "brand",
            Dimension::PriceBand => "price_band",
        }
    }
}

// MERGE: replace with crate::engine::interests::{Dimension, price_band}
/// The band of a price in minor units: "0-25", "25-100", "100-300", "300-1000", "1000+"
/// (major units).
pub fn price_band(minor: i64) -> &'static str {
    match minor {
        ..2_500 => "0-25",
        2_500..10_000 => "25-100",
        10_000..30_000 => "100-300",
        30_000..100_000 => "300-1000",
        _ => "1000+",
    }
}

/// How much the visitor likes one key of one dimension, 0 (nothing known) to 1.
pub trait Affinities {
    fn affinity(&self, dimension: Dimension, key: &str, now: Millis) -> f64;
}

/// What a price band weighs beside a category or a brand.
const PRICE_BAND_WEIGHT: f64 = 0.5;

/// The visitor's affinity for a product: the sum over its category, brand and price band.
pub fn score(product: &Product, affinities: &dyn Affinities, now: Millis) -> f64 {
    let mut score = 0.0;
    if let Some(category) = &product.category {
        score += affinities.affinity(Dimension::Category, category, now);
    }
    if let Some(brand) = &product.brand {
        score += affinities.affinity(Dimension::Brand, brand, now);
    }
    // In hundredths, as the bands are defined (the price is at most 10^10: no overflow).
    let minor = (product.price * 100.0) as i64;
    score + PRICE_BAND_WEIGHT * affinities.affinity(Dimension::PriceBand, price_band(minor), now)
}

/// The best `n` products for the visitor, best first; none in `in_cart` (by id), none out of
/// stock, none the visitor has no affinity for; ties in the catalogue's order.
pub fn rank<'a>(
    products: &'a [Product],
    affinities: &dyn Affinities,
    in_cart: &[&str],
    now: Millis,
    n: usize,
) -> Vec<&'a Product> {
    let mut scores = Vec::with_capacity(products.len());
    for product in products {
        let offered = product.available() && !in_cart.contains(&product.id.as_str());
        scores.push(if offered { score(product, affinities, now) } else { 0.0 });
    }
    // A selection of the best, the first found winning a tie, rather than `sort_by`, whose
    // generic machinery costs the Wasm kilobytes (as the campaigns' arbitration does); a
    // product taken, or with no affinity, scores 0 and is never taken.
    let mut ranked = Vec::new();
    while ranked.len() < n {
        let mut best = None;
        for (position, score) in scores.iter().enumerate() {
            if *score > best.map_or(0.0, |b: usize| scores[b]) {
                best = Some(position);
            }
        }
        let Some(best) = best else { break };
        scores[best] = 0.0;
        ranked.push(&products[best]);
    }
    ranked
}

/// The feature's state for this page: the products being looked at, which their own page does
/// not offer, and (until the interest model is merged) the stand-in's interests.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recommend {
    /// The ids of the products viewed (`view_item`) on this page.
    pub viewing: Vec<String>,
    // MERGE: delete, with `PageInterests`: the agent's own model is `Agent.interests`.
    pub interests: PageInterests,
}

impl Recommend {
    /// A commerce event: a product viewed is not offered on its own page; the stand-in learns.
    pub fn commerce(&mut self, kind: CommerceKind, items: &[Item]) {
        if kind == CommerceKind::ViewItem {
            for item in items {
                self.viewing.push(item.id.clone());
            }
        }
        self.interests.note(items); // MERGE: delete (the interest model captures its own events)
    }

    /// The slot's lines: the best products for `affinities`, none in `cart` or being viewed,
    /// each with its price in its own currency and its page as the line's link.
    pub fn lines(
        &self,
        catalogue: &Catalogue,
        affinities: &dyn Affinities,
        cart: &Cart,
        now: Millis,
    ) -> Vec<ViewLine> {
        let mut excluded: Vec<&str> = Vec::new();
        for id in cart.lines.iter().map(|line| &line.id).chain(&self.viewing) {
            excluded.push(id);
        }
        let ranked = rank(&catalogue.products, affinities, &excluded, now, SHOWN);
        let mut lines = Vec::with_capacity(ranked.len());
        for product in ranked {
            // The validator holds a currency to three capital letters.
            let Some(currency) = Currency::parse(&product.currency) else { continue };
            let Some(minor) = currency.to_minor(product.price) else { continue };
            lines.push(ViewLine {
                name: product.name.clone(),
                quantity: String::new(),
                amount: Money::new(minor, currency),
                href: Some(product.url.clone()),
            });
        }
        lines
    }
}

// MERGE: delete `PageInterests` and its impl; `Agent.interests` (the interest model) takes its
// place in `Agent::wanted_views`, with `impl Affinities for Interests` calling its `affinity`.
/// A stand-in for the interest model until it is merged: the categories of the products this
/// page's commerce events named, each by its share of the most named one. Held for the page
/// only: it stores and sends nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageInterests {
    categories: Vec<(String, u32)>,
}

impl PageInterests {
    pub fn note(&mut self, items: &[Item]) {
        for category in items.iter().filter_map(|item| item.category.as_deref()) {
            match self.categories.iter_mut().find(|(known, _)| known == category) {
                Some((_, count)) => *count += 1,
                None => self.categories.push((category.to_owned(), 1)),
            }
        }
    }
}

impl Affinities for PageInterests {
    fn affinity(&self, dimension: Dimension, key: &str, _now: Millis) -> f64 {
        let most = self.categories.iter().map(|(_, count)| *count).max().unwrap_or(0);
        match self.categories.iter().find(|(known, _)| known == key) {
            Some((_, count)) if dimension == Dimension::Category => {
                f64::from(*count) / f64::from(most)
            }
            _ => 0.0,
        }
    }
}
