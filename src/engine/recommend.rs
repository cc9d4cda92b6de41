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

pub use super::interests::{price_band, Dimension};

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
/// not offer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recommend {
    /// The ids of the products viewed (`view_item`) on this page.
    pub viewing: Vec<String>,
}

impl Recommend {
    /// A commerce event: a product viewed is not offered on its own page.
    pub fn commerce(&mut self, kind: CommerceKind, items: &[Item]) {
        if kind == CommerceKind::ViewItem {
            for item in items {
                self.viewing.push(item.id.clone());
            }
        }
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
                image: product.image.clone(),
            });
        }
        lines
    }
}

/// The agent's interest model is what the slot ranks by, read once per ranking
/// ([`Interests::at`](super::interests::Interests::at)).
impl Affinities for super::interests::Snapshot<'_> {
    fn affinity(&self, dimension: Dimension, key: &str, _now: Millis) -> f64 {
        super::interests::Snapshot::affinity(self, dimension, key)
    }
}
