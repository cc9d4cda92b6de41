//! The cart as the engine keeps it: lines keyed by product, quantities, prices and totals.

use super::money::{Currency, Money};
use super::Millis;

/// One product as a GA4 `items` entry describes it, already validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// `item_id`, or `item_name` when the shop sends no id: GA4 requires one of the two.
    pub id: String,
    pub name: String,
    pub category: Option<String>,
    /// Unit price in the cart's currency, minor units.
    pub price: i64,
    pub quantity: u32,
}

/// A cart line; the same shape as an item, its quantity the amount in the cart.
pub type Line = Item;

/// The most lines and the largest quantity a cart holds; beyond them input is refused, so a
/// runaway script cannot grow the stored state without bound.
pub const MAX_LINES: usize = 100;
pub const MAX_QUANTITY: u32 = 9_999;

#[derive(Clone, Debug, PartialEq)]
pub struct Cart {
    pub currency: Currency,
    pub lines: Vec<Line>,
    /// When the visitor last changed or looked at the cart; `None` for a cart never touched.
    pub updated_at: Option<Millis>,
}

/// Why part of a cart change was not applied; the rest of the change still is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CartRefusal {
    TooManyLines { id: String },
}

impl Cart {
    pub fn new(currency: Currency) -> Cart {
        Cart { currency, lines: Vec::new(), updated_at: None }
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn item_count(&self) -> u32 {
        self.lines.iter().map(|line| line.quantity).sum()
    }

    pub fn total(&self) -> Money {
        let minor = self.lines.iter().map(line_total_minor).sum();
        Money::new(minor, self.currency)
    }

    /// Adds items, merging with existing lines by id; the newest name and price win, as the
    /// shop's latest word on the product.
    pub fn add(&mut self, items: &[Item], now: Millis) -> Vec<CartRefusal> {
        let mut refusals = Vec::new();
        for item in items {
            let full = self.lines.len() >= MAX_LINES;
            match self.lines.iter_mut().find(|line| line.id == item.id) {
                Some(line) => {
                    line.quantity = line.quantity.saturating_add(item.quantity).min(MAX_QUANTITY);
                    line.name.clone_from(&item.name);
                    line.price = item.price;
                    if item.category.is_some() {
                        line.category.clone_from(&item.category);
                    }
                }
                None if full => refusals.push(CartRefusal::TooManyLines { id: item.id.clone() }),
                None => self.lines.push(item.clone()),
            }
        }
        self.updated_at = Some(now);
        refusals
    }

    /// Removes the given quantities; a line whose quantity reaches zero goes.
    pub fn remove(&mut self, items: &[Item], now: Millis) {
        for item in items {
            if let Some(line) = self.lines.iter_mut().find(|line| line.id == item.id) {
                line.quantity = line.quantity.saturating_sub(item.quantity);
            }
        }
        self.lines.retain(|line| line.quantity > 0);
        self.updated_at = Some(now);
    }

    /// Takes a full listing (GA4 `view_cart`, `begin_checkout`) as the truth about the cart.
    pub fn replace(&mut self, items: &[Item], now: Millis) -> Vec<CartRefusal> {
        self.lines.clear();
        self.add(items, now)
    }

    pub fn clear(&mut self, now: Millis) {
        self.lines.clear();
        self.updated_at = Some(now);
    }
}

pub fn line_total_minor(line: &Line) -> i64 {
    line.price.saturating_mul(i64::from(line.quantity))
}
