//! The cart-recovery feature: the cart, when it counts as abandoned, and the recovery banner's
//! own state (dismissed until when). It owns the stored section `cart` and one deadline: the
//! moment an untouched cart becomes abandoned, or a dismissal ends. What the visitor sees of it
//! is the `cart_abandoned` campaigns' (`campaigns.rs`), which this feature triggers.

use super::cart::{Cart, CartChanges, CartRefusal};
use super::config::Config;
use super::money::Currency;
use super::{Commerce, CommerceKind, Millis};

#[derive(Clone, Debug, PartialEq)]
pub struct Recovery {
    pub cart: Cart,
    /// The last page view, to tell a new visit from a continuing one.
    pub last_seen: Option<Millis>,
    /// Set when the cart was found abandoned; cleared by cart activity, resuming or a purchase.
    pub abandoned_at: Option<Millis>,
    pub dismissed_until: Option<Millis>,
    pub last_purchase_at: Option<Millis>,
}

impl Recovery {
    pub fn new(currency: Currency) -> Recovery {
        Recovery {
            cart: Cart::new(currency),
            last_seen: None,
            abandoned_at: None,
            dismissed_until: None,
            last_purchase_at: None,
        }
    }

    /// A page view: a cart found untouched since before a new visit, or for the idle timeout,
    /// is abandoned.
    pub fn page_view(&mut self, config: &Config, now: Millis) {
        let new_visit = self.last_seen.is_some_and(|seen| now - seen >= config.visit_timeout);
        self.notice_abandonment(config, new_visit, now);
        self.last_seen = Some(now);
    }

    /// Time passing on an open page: the cart may have sat idle long enough.
    pub fn tick(&mut self, config: &Config, now: Millis) {
        self.notice_abandonment(config, false, now);
    }

    fn notice_abandonment(&mut self, config: &Config, new_visit: bool, now: Millis) {
        let idle = self.cart.updated_at.is_some_and(|at| now - at >= config.idle_timeout);
        if !self.cart.is_empty() && self.abandoned_at.is_none() && (new_visit || idle) {
            self.abandoned_at = Some(now);
        }
    }

    /// Applies a GA4 ecommerce event to the cart; what could not be applied is returned.
    pub fn commerce(&mut self, commerce: &Commerce, now: Millis) -> Vec<CartRefusal> {
        let cart = &mut self.cart;
        let refusals = match (commerce.kind, &commerce.items) {
            (CommerceKind::ViewItemList | CommerceKind::ViewItem, _) => return Vec::new(),
            (CommerceKind::AddToCart, Some(items)) => cart.add(items, now),
            (CommerceKind::RemoveFromCart, Some(items)) => {
                cart.remove(items, now);
                Vec::new()
            }
            (CommerceKind::ViewCart | CommerceKind::BeginCheckout, Some(items)) => {
                cart.replace(items, now)
            }
            (CommerceKind::Purchase, _) => {
                cart.clear(now);
                self.last_purchase_at = Some(now);
                Vec::new()
            }
            // Activity without a listing still shows the visitor is at their cart.
            (_, None) => {
                cart.updated_at = Some(now);
                Vec::new()
            }
        };
        self.abandoned_at = None;
        refusals
    }

    pub fn dismiss(&mut self, config: &Config, now: Millis) {
        self.dismissed_until = Some(now.saturating_add(config.dismiss_for));
    }

    /// The visitor follows the banner back to their cart: activity at the cart, so its idle
    /// time starts again from here (time is noticed on every input, so an idle time left
    /// counting from before would abandon it again at once).
    pub fn resume(&mut self, now: Millis) {
        self.abandoned_at = None;
        self.cart.updated_at = Some(now);
    }

    /// When this feature next needs the engine: the cart turning idle, or a dismissal ending.
    pub fn deadline(&self, config: &Config, now: Millis) -> Option<Millis> {
        if self.cart.is_empty() {
            return None;
        }
        match (self.abandoned_at, self.dismissed_until) {
            (None, _) => self.cart.updated_at.map(|at| at.saturating_add(config.idle_timeout)),
            (Some(_), Some(until)) if until > now => Some(until),
            _ => None,
        }
    }

    /// Whether the cart is abandoned and may be brought back here and now: the trigger of
    /// every `cart_abandoned` campaign (the decide step shows the banner).
    pub fn recoverable(&self, config: &Config, path: &str, now: Millis) -> bool {
        !self.cart.is_empty()
            && self.abandoned_at.is_some()
            && !config.is_checkout(path)
            && self.dismissed_until.is_none_or(|until| now >= until)
    }
}
