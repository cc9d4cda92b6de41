//! The API's bodies: the event batch as the shared protocol crate reads it, and the server's
//! own answers (batch outcomes, intents, the live cart) with their validation.
//!
//! The batch format is not written here: `concierge_protocol::batch` is the one codec both the
//! agent and the server use, so the two ends cannot drift apart.

use concierge_protocol::batch::encode_cart;
pub use concierge_protocol::batch::{Batch, Cart, ConsentState, Event, Item, Payload};
pub use concierge_protocol::limits::{MAX_BODY_BYTES, MAX_NOTE, MAX_TEXT};
pub use concierge_protocol::names::{normalise_cart_code, Decision, Purpose};
use concierge_protocol::Value;
use serde::{Deserialize, Serialize, Serializer};

/// Reads `POST /v1/events`: JSON text, then the protocol's strict decoder, which names the
/// first field at fault.
pub fn decode_batch(body: &[u8]) -> Result<Batch, Invalid> {
    let value: Value =
        serde_json::from_slice(body).map_err(|error| Invalid::new("", error.to_string()))?;
    concierge_protocol::batch::decode_batch(&value)
        .map_err(|problem| Invalid::new(problem.path, problem.message))
}

/// A decision as the database keeps it (`granted`, `denied`, `unset`); anything else is unset.
pub fn decision(text: &str) -> Decision {
    Decision::from_name(text).unwrap_or(Decision::Unset)
}

fn cart_json<S: Serializer>(cart: &Option<Cart>, serializer: S) -> Result<S::Ok, S::Error> {
    cart.as_ref().map_or(Value::Null, encode_cart).serialize(serializer)
}

fn consent_json<S: Serializer>(consent: &ConsentState, serializer: S) -> Result<S::Ok, S::Error> {
    consent_summary(consent).serialize(serializer)
}

/// The consent as the staff views and the export show it: what personalization (`storage`:
/// the cart kept, what staff see) and measurement (`analytics`) decided. The decision of every
/// purpose is kept per purpose (`visitor_consent`).
pub fn consent_summary(consent: &ConsentState) -> serde_json::Value {
    serde_json::json!({
        "storage": consent.get(Purpose::Storage).name(),
        "analytics": consent.get(Purpose::Analytics).name(),
    })
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

/// One purpose's consent as the staff views show it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PurposeConsent {
    pub purpose: String,
    /// The purpose's name by language (`en`, `es`, `nl`, `de`), from the policy.
    pub names: std::collections::BTreeMap<String, String>,
    /// Its legal basis is not consent: granted without asking.
    pub always_on: bool,
    #[serde(serialize_with = "decision_name")]
    pub decision: Decision,
    /// `dialog`, `panel`, `gpc`, `tcf`, `api`, `default`; null when not recorded.
    pub source: Option<String>,
    /// The time stamp of the choice on the visitor's clock; null when never decided.
    pub decided_at: Option<i64>,
    /// The policy version the choice was made under (the policy shown, when undecided).
    pub policy: Option<i64>,
}

fn decision_name<S: Serializer>(decision: &Decision, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(decision.name())
}

/// What staff see for a cart code.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LiveCart {
    pub cart_code: String,
    #[serde(serialize_with = "cart_json")]
    pub cart: Option<Cart>,
    /// Total in minor units of the cart's currency.
    pub total: i64,
    pub item_count: u64,
    pub last_activity: Option<i64>,
    #[serde(serialize_with = "consent_json")]
    pub consent: ConsentState,
    /// The consent per purpose of the policy the visitor's choice names, for the staff views.
    pub consent_purposes: Vec<PurposeConsent>,
    /// The agent's interest model as it last sent it (under the data category `interests`),
    /// best first: dimension, key and score.
    pub interests: Vec<Interest>,
    pub intents: Vec<Intent>,
    /// The visitor's handoff requests, newest first.
    pub handoffs: Vec<HandoffOut>,
}

/// A handoff request as staff see it (`GET /v1/handoffs`, and beside the live cart).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct HandoffOut {
    /// The agent's event id.
    pub id: String,
    /// `call` or `store`.
    pub kind: String,
    pub phone: Option<String>,
    pub cart_code: Option<String>,
    /// `[{"from": "visitor" | "assistant", "text": ...}]`; empty when none was kept.
    pub transcript: Vec<serde_json::Value>,
    /// When the visitor asked (their clock), and when the server received it.
    pub at: i64,
    pub received_at: i64,
    /// When a member of staff marked it handled (the server's clock); `null` while open.
    pub handled_at: Option<i64>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Interest {
    /// `category`, `brand` or `price_band`.
    pub dimension: String,
    pub key: String,
    /// Normalised within its dimension, 0..=1.
    pub score: f64,
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

pub use concierge_protocol::batch::is_token;

fn text(field: String, value: &str, max: usize) -> Result<(), Invalid> {
    if value.chars().count() > max {
        return Err(Invalid::new(field, format!("longer than {max} characters")));
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
