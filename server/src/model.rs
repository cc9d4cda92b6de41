//! The API's wire formats (version 1) and their validation.
//!
//! Bodies are decoded with unknown fields refused and the failing field named
//! (`events[3].items[0].price`), then checked against the limits below.

use serde::{Deserialize, Serialize};

pub const WIRE_VERSION: u32 = 1;
pub const MAX_BODY_BYTES: usize = 256 * 1024;
pub const MAX_EVENTS: usize = 500;
pub const MAX_ITEMS: usize = 200;
pub const MAX_TEXT: usize = 200;
pub const MAX_NOTE: usize = 2_000;

/// What a consent purpose is set to.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Unset,
    Granted,
    Denied,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Unset => "unset",
            Decision::Granted => "granted",
            Decision::Denied => "denied",
        }
    }

    pub fn parse(text: &str) -> Decision {
        match text {
            "granted" => Decision::Granted,
            "denied" => Decision::Denied,
            _ => Decision::Unset,
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ConsentState {
    pub storage: Decision,
    pub analytics: Decision,
}

impl ConsentState {
    pub const UNSET: ConsentState =
        ConsentState { storage: Decision::Unset, analytics: Decision::Unset };
}

/// The purpose an event needs before the server keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The choice itself: always kept, so that a withdrawal takes effect.
    Consent,
    /// The cart kept for the visitor across devices and channels (staff see it).
    Storage,
    /// Measurement: the ecommerce events and the interests drawn from them.
    Analytics,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EventName {
    Consent,
    Cart,
    ViewItemList,
    ViewItem,
    AddToCart,
    RemoveFromCart,
    ViewCart,
    BeginCheckout,
    Purchase,
}

impl EventName {
    pub fn purpose(self) -> Purpose {
        match self {
            EventName::Consent => Purpose::Consent,
            EventName::Cart => Purpose::Storage,
            _ => Purpose::Analytics,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EventName::Consent => "consent",
            EventName::Cart => "cart",
            EventName::ViewItemList => "view_item_list",
            EventName::ViewItem => "view_item",
            EventName::AddToCart => "add_to_cart",
            EventName::RemoveFromCart => "remove_from_cart",
            EventName::ViewCart => "view_cart",
            EventName::BeginCheckout => "begin_checkout",
            EventName::Purchase => "purchase",
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub item_id: String,
    pub item_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_category: Option<String>,
    /// Unit price in minor units.
    pub price: i64,
    pub quantity: u32,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Cart {
    pub currency: String,
    pub lines: Vec<Item>,
    #[serde(default)]
    pub updated_at: Option<i64>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EventIn {
    /// Unique per event, made by the agent: a retried event is recognised by it.
    pub id: String,
    pub name: EventName,
    /// When it happened, in milliseconds since the epoch (the visitor's clock).
    pub at: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Item>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The new state, on `consent` events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<ConsentState>,
    /// The whole cart, on `cart` events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cart: Option<Cart>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    pub v: u32,
    pub site: String,
    pub visitor_id: String,
    /// The agent's secret for this visitor; only its hash is kept.
    pub secret: String,
    /// Unique per batch: a retried batch is answered as the first time and counted once.
    pub batch_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cart_code: Option<String>,
    /// Events the agent's full outbox had to drop since its last batch.
    #[serde(default)]
    pub dropped: u32,
    pub events: Vec<EventIn>,
}

/// The answer to a batch.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Events stored now.
    pub accepted: u64,
    /// Events already stored by an earlier delivery.
    pub duplicates: u64,
    /// Events the recorded consent does not cover, dropped.
    pub refused: u64,
    /// The whole batch was seen before; the counts are those of its first delivery.
    pub replayed: bool,
    /// The cart code is someone else's; the agent should pick another.
    #[serde(default)]
    pub cart_code_taken: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IntentIn {
    pub products: Vec<String>,
    #[serde(default)]
    pub note: String,
    pub channel: Channel,
    pub advisor_id: String,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Store,
    CallCentre,
    Web,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Store => "store",
            Channel::CallCentre => "call_centre",
            Channel::Web => "web",
        }
    }

    pub fn parse(text: &str) -> Channel {
        match text {
            "store" => Channel::Store,
            "call_centre" => Channel::CallCentre,
            _ => Channel::Web,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Intent {
    pub id: String,
    pub products: Vec<String>,
    pub note: String,
    pub channel: Channel,
    pub advisor_id: String,
    pub created_at: i64,
}

/// What staff see for a cart code.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct LiveCart {
    pub cart_code: String,
    pub cart: Option<Cart>,
    /// Total in minor units of the cart's currency.
    pub total: i64,
    pub item_count: u64,
    pub last_activity: Option<i64>,
    pub consent: ConsentState,
    /// Product categories by how often the visitor looked at them, most first.
    pub interests: Vec<Interest>,
    pub intents: Vec<Intent>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct Interest {
    pub category: String,
    pub views: u64,
}

/// A rejected body: which field, and why.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl Invalid {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Invalid {
        Invalid { field: field.into(), message: message.into() }
    }
}

/// Decodes a JSON body into `T`, naming the field that failed.
pub fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Invalid> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." { String::new() } else { path };
        Invalid::new(field, error.into_inner().to_string())
    })?;
    deserializer.end().map_err(|error| Invalid::new("", error.to_string()))?;
    Ok(value)
}

/// Ids made by agents and staff: letters, digits, `-` and `_`.
pub fn is_token(text: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Cart codes as the agent makes them: `XXX-XXX` from an alphabet without look-alikes.
pub const CART_CODE_ALPHABET: &str = "ACDEFGHJKLMNPQRTUVWXY34679";

pub fn normalise_cart_code(code: &str) -> Option<String> {
    let compact: String =
        code.chars().filter(|c| !matches!(c, '-' | ' ')).collect::<String>().to_ascii_uppercase();
    let valid = compact.len() == 6 && compact.chars().all(|c| CART_CODE_ALPHABET.contains(c));
    valid.then(|| format!("{}-{}", &compact[..3], &compact[3..]))
}

fn text(field: String, value: &str, max: usize) -> Result<(), Invalid> {
    if value.chars().count() > max {
        return Err(Invalid::new(field, format!("longer than {max} characters")));
    }
    Ok(())
}

impl Batch {
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.v != WIRE_VERSION {
            return Err(Invalid::new(
                "v",
                format!("version {} is not supported; this server reads {WIRE_VERSION}", self.v),
            ));
        }
        if !is_token(&self.site, 1, 64) {
            return Err(Invalid::new("site", "must be 1-64 letters, digits, - or _"));
        }
        if !is_token(&self.visitor_id, 16, 64) {
            return Err(Invalid::new("visitor_id", "must be 16-64 letters, digits, - or _"));
        }
        if !is_token(&self.secret, 16, 128) {
            return Err(Invalid::new("secret", "must be 16-128 letters, digits, - or _"));
        }
        if !is_token(&self.batch_key, 8, 64) {
            return Err(Invalid::new("batch_key", "must be 8-64 letters, digits, - or _"));
        }
        if let Some(code) = &self.cart_code {
            if normalise_cart_code(code).is_none() {
                return Err(Invalid::new("cart_code", "must look like K7M-4QP"));
            }
        }
        if self.events.len() > MAX_EVENTS {
            return Err(Invalid::new(
                "events",
                format!("more than {MAX_EVENTS} events in one batch"),
            ));
        }
        for (index, event) in self.events.iter().enumerate() {
            event.validate(&format!("events[{index}]"))?;
        }
        Ok(())
    }
}

impl EventIn {
    fn validate(&self, path: &str) -> Result<(), Invalid> {
        if !is_token(&self.id, 8, 64) {
            return Err(Invalid::new(format!("{path}.id"), "must be 8-64 letters, digits, - or _"));
        }
        if self.at < 0 {
            return Err(Invalid::new(format!("{path}.at"), "must be a time in milliseconds"));
        }
        match self.name {
            EventName::Consent if self.consent.is_none() => {
                return Err(Invalid::new(
                    format!("{path}.consent"),
                    "is required on consent events",
                ))
            }
            EventName::Cart if self.cart.is_none() => {
                return Err(Invalid::new(format!("{path}.cart"), "is required on cart events"))
            }
            _ => {}
        }
        validate_items(&self.items, &format!("{path}.items"))?;
        if let Some(cart) = &self.cart {
            validate_items(&cart.lines, &format!("{path}.cart.lines"))?;
            if cart.currency.len() != 3 || !cart.currency.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(Invalid::new(
                    format!("{path}.cart.currency"),
                    "must be an ISO 4217 code",
                ));
            }
        }
        if let Some(id) = &self.transaction_id {
            text(format!("{path}.transaction_id"), id, MAX_TEXT)?;
        }
        Ok(())
    }
}

fn validate_items(items: &[Item], path: &str) -> Result<(), Invalid> {
    if items.len() > MAX_ITEMS {
        return Err(Invalid::new(path, format!("more than {MAX_ITEMS} items")));
    }
    for (index, item) in items.iter().enumerate() {
        let at = |field: &str| format!("{path}[{index}].{field}");
        text(at("item_id"), &item.item_id, MAX_TEXT)?;
        text(at("item_name"), &item.item_name, MAX_TEXT)?;
        if let Some(category) = &item.item_category {
            text(at("item_category"), category, MAX_TEXT)?;
        }
        if item.price < 0 {
            return Err(Invalid::new(at("price"), "must not be negative"));
        }
        if item.quantity == 0 || item.quantity > 9_999 {
            return Err(Invalid::new(at("quantity"), "must be from 1 to 9999"));
        }
    }
    Ok(())
}

impl IntentIn {
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.products.is_empty() && self.note.trim().is_empty() {
            return Err(Invalid::new("products", "name at least one product, or write a note"));
        }
        if self.products.len() > 50 {
            return Err(Invalid::new("products", "more than 50 products"));
        }
        for (index, product) in self.products.iter().enumerate() {
            text(format!("products[{index}]"), product, MAX_TEXT)?;
        }
        text("note".into(), &self.note, MAX_NOTE)?;
        if !is_token(&self.advisor_id, 1, 64) {
            return Err(Invalid::new("advisor_id", "must be 1-64 letters, digits, - or _"));
        }
        Ok(())
    }
}
