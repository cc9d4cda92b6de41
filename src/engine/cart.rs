//! Cart changes as GA4 ecommerce events describe them: add, remove, replace, clear.
//!
//! The cart's data type is the protocol's ([`Cart`], [`Item`]), so the agent and the backend
//! hold and total carts alike; the rules for changing one live here.

use super::Millis;
pub use concierge_protocol::batch::{Cart, Item};
pub use concierge_protocol::limits::{MAX_LINES, MAX_QUANTITY};
pub use concierge_protocol::money::line_total;
use concierge_protocol::text;

/// A cart line; the same shape as an item, its quantity the amount in the cart.
pub type Line = Item;

/// Why part of a cart change was not applied; the rest of the change still is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CartRefusal {
    TooManyLines { id: String },
}

impl CartRefusal {
    /// The console warning, built without `core::fmt` (which the agent's Wasm does not carry).
    pub fn describe(&self) -> String {
        match self {
            CartRefusal::TooManyLines { id } => {
                text!("the cart is full (", MAX_LINES, " lines); \"", id, "\" was not added")
            }
        }
    }
}

/// The changes the engine makes to a cart.
pub trait CartChanges {
    /// Adds items, merging with existing lines by id; the newest name and price win, as the
    /// shop's latest word on the product.
    fn add(&mut self, items: &[Item], now: Millis) -> Vec<CartRefusal>;
    /// Removes the given quantities; a line whose quantity reaches zero goes.
    fn remove(&mut self, items: &[Item], now: Millis);
    /// Takes a full listing (GA4 `view_cart`, `begin_checkout`) as the truth about the cart.
    fn replace(&mut self, items: &[Item], now: Millis) -> Vec<CartRefusal>;
    fn clear(&mut self, now: Millis);
}

impl CartChanges for Cart {
    fn add(&mut self, items: &[Item], now: Millis) -> Vec<CartRefusal> {
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

    fn remove(&mut self, items: &[Item], now: Millis) {
        for item in items {
            if let Some(line) = self.lines.iter_mut().find(|line| line.id == item.id) {
                line.quantity = line.quantity.saturating_sub(item.quantity);
            }
        }
        self.lines.retain(|line| line.quantity > 0);
        self.updated_at = Some(now);
    }

    fn replace(&mut self, items: &[Item], now: Millis) -> Vec<CartRefusal> {
        self.lines.clear();
        self.add(items, now)
    }

    fn clear(&mut self, now: Millis) {
        self.lines.clear();
        self.updated_at = Some(now);
    }
}
