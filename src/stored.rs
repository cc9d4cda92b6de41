//! The local storage format: one versioned JSON document per site.
//!
//! Decoding is forgiving in the same way as [`crate::wire`]: a damaged cart line is dropped and
//! the rest kept; a document that is not ours at all gives a [`StoredError`], and the shell then
//! discards it with a console warning.

use crate::engine::cart::{Cart, Item, MAX_LINES, MAX_QUANTITY};
use crate::engine::consent::{Consent, Decision};
use crate::engine::money::Currency;
use crate::engine::sync::{Identity, Outbox, Pending};
use crate::engine::{Millis, Snapshot};
use crate::value::{format_decimal, Value};
use crate::wire;
use std::fmt;

pub const VERSION: f64 = 1.0;

/// The storage key for a site: several shops on one origin never share a cart.
pub fn key(site: &str) -> String {
    format!("concierge:v1:{site}")
}

#[derive(Clone, Debug, PartialEq)]
pub enum StoredError {
    NotJson(String),
    NotAnObject(&'static str),
    MissingVersion,
    UnknownVersion(f64),
    Field { field: &'static str, problem: String },
}

impl fmt::Display for StoredError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoredError::NotJson(reason) => write!(f, "stored state is not JSON ({reason})"),
            StoredError::NotAnObject(found) => {
                write!(f, "stored state must be an object, got {found}")
            }
            StoredError::MissingVersion => f.write_str("stored state has no version field \"v\""),
            StoredError::UnknownVersion(v) => {
                let (found, known) = (format_decimal(*v), format_decimal(VERSION));
                write!(f, "stored state has version {found}; this agent reads version {known}")
            }
            StoredError::Field { field, problem } => write!(f, "stored state: {field} {problem}"),
        }
    }
}

/// Lines of the stored cart that could not be read; the cart keeps the others.
#[derive(Clone, Debug, PartialEq)]
pub struct DroppedLine {
    pub index: usize,
    pub reason: &'static str,
}

impl fmt::Display for DroppedLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stored cart line {} {}; line dropped", self.index, self.reason)
    }
}

pub fn encode(snapshot: &Snapshot) -> Value {
    let consent = &snapshot.consent;
    let cart = &snapshot.cart;
    let lines = cart
        .lines
        .iter()
        .map(|line| {
            Value::object([
                ("id", line.id.as_str().into()),
                ("name", line.name.as_str().into()),
                ("category", line.category.as_deref().into()),
                ("price", line.price.into()),
                ("qty", i64::from(line.quantity).into()),
            ])
        })
        .collect();
    Value::object([
        ("v", VERSION.into()),
        (
            "consent",
            Value::object([
                ("storage", wire::decision_name(consent.storage).into()),
                ("analytics", wire::decision_name(consent.analytics).into()),
                ("at", consent.decided_at.into()),
            ]),
        ),
        (
            "cart",
            Value::object([
                ("currency", cart.currency.code().into()),
                ("updated", cart.updated_at.into()),
                ("lines", Value::Array(lines)),
            ]),
        ),
        ("seen", snapshot.last_seen.into()),
        ("abandoned", snapshot.abandoned_at.into()),
        ("dismissed", snapshot.dismissed_until.into()),
        ("purchased", snapshot.last_purchase_at.into()),
        ("identity", snapshot.identity.as_ref().map_or(Value::Null, encode_identity)),
        ("outbox", encode_outbox(&snapshot.outbox)),
    ])
}

fn encode_identity(identity: &Identity) -> Value {
    Value::object([
        ("visitor", identity.visitor_id.as_str().into()),
        ("secret", identity.secret.as_str().into()),
        ("code", identity.cart_code.as_str().into()),
    ])
}

fn encode_outbox(outbox: &Outbox) -> Value {
    let strings = |ids: &[String]| Value::Array(ids.iter().map(|id| id.as_str().into()).collect());
    let pending = outbox.pending.as_ref().map_or(Value::Null, |pending| {
        Value::object([("key", pending.key.as_str().into()), ("ids", strings(&pending.ids))])
    });
    Value::object([
        ("events", Value::Array(outbox.events.iter().map(wire::encode_event).collect())),
        ("pending", pending),
        ("dropped", i64::from(outbox.dropped).into()),
        ("attempts", i64::from(outbox.attempts).into()),
        ("next", outbox.next_attempt_at.into()),
        ("sent", outbox.last_sent_at.into()),
        ("acked", strings(&outbox.acked)),
    ])
}

fn decode_identity(value: &Value) -> Option<Identity> {
    let text =
        |key| value.field(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    Some(Identity {
        visitor_id: text("visitor")?,
        secret: text("secret")?,
        cart_code: text("code")?,
    })
}

/// The outbox, keeping every event that can still be read: a damaged one is dropped alone.
fn decode_outbox(value: Option<&Value>, currency: Currency) -> Outbox {
    let Some(value) = value else { return Outbox::default() };
    let strings = |value: Option<&Value>| -> Vec<String> {
        match value {
            Some(Value::Array(items)) => {
                items.iter().filter_map(Value::as_str).map(str::to_owned).collect()
            }
            _ => Vec::new(),
        }
    };
    let number =
        |key| value.field(key).and_then(Value::as_f64).filter(|n| n.is_finite() && *n >= 0.0);
    let events = match value.field("events") {
        Some(Value::Array(events)) => {
            events.iter().filter_map(|e| wire::decode_event(e, currency)).collect()
        }
        _ => Vec::new(),
    };
    let pending = value.field("pending").and_then(|pending| {
        Some(Pending {
            key: pending.field("key")?.as_str()?.to_owned(),
            ids: strings(pending.field("ids")),
        })
    });
    Outbox {
        events,
        pending,
        dropped: number("dropped").map_or(0, |n| n.min(f64::from(u32::MAX)) as u32),
        attempts: number("attempts").map_or(0, |n| n.min(64.0) as u32),
        next_attempt_at: number("next").map(|n| n as i64),
        last_sent_at: number("sent").map(|n| n as i64),
        acked: strings(value.field("acked")),
        in_flight: false,
    }
}

pub fn decode(stored: &Value) -> Result<(Snapshot, Vec<DroppedLine>), StoredError> {
    if !stored.is_object() {
        return Err(StoredError::NotAnObject(stored.kind()));
    }
    match stored.field("v").map(|v| v.as_f64()) {
        None => return Err(StoredError::MissingVersion),
        Some(Some(v)) if v == VERSION => {}
        Some(Some(v)) => return Err(StoredError::UnknownVersion(v)),
        Some(None) => {
            return Err(StoredError::Field { field: "v", problem: "must be a number".into() })
        }
    }
    let consent = match stored.field("consent") {
        Some(consent) => Consent {
            storage: decision(consent.field("storage"), "consent.storage")?,
            analytics: decision(consent.field("analytics"), "consent.analytics")?,
            decided_at: time(consent, "at", "consent.at")?,
        },
        None => Consent::default(),
    };
    let mut dropped = Vec::new();
    let cart = match stored.field("cart") {
        Some(cart) => decode_cart(cart, &mut dropped)?,
        None => return Err(StoredError::Field { field: "cart", problem: "is missing".into() }),
    };
    let currency = cart.currency;
    let snapshot = Snapshot {
        consent,
        cart,
        last_seen: time(stored, "seen", "seen")?,
        abandoned_at: time(stored, "abandoned", "abandoned")?,
        dismissed_until: time(stored, "dismissed", "dismissed")?,
        last_purchase_at: time(stored, "purchased", "purchased")?,
        identity: stored.field("identity").and_then(decode_identity),
        outbox: decode_outbox(stored.field("outbox"), currency),
    };
    Ok((snapshot, dropped))
}

fn decode_cart(cart: &Value, dropped: &mut Vec<DroppedLine>) -> Result<Cart, StoredError> {
    let currency = cart.field("currency").and_then(Value::as_str).and_then(Currency::parse).ok_or(
        StoredError::Field { field: "cart.currency", problem: "is not a currency code".into() },
    )?;
    let updated_at = time(cart, "updated", "cart.updated")?;
    let raw_lines = match cart.field("lines") {
        Some(Value::Array(lines)) => lines.as_slice(),
        None => &[],
        Some(other) => {
            return Err(StoredError::Field {
                field: "cart.lines",
                problem: format!("must be an array, got {}", other.kind()),
            })
        }
    };
    let mut lines: Vec<Item> = Vec::new();
    for (index, raw) in raw_lines.iter().enumerate() {
        match decode_line(raw) {
            Ok(line) if lines.len() < MAX_LINES && !lines.iter().any(|l| l.id == line.id) => {
                lines.push(line)
            }
            Ok(_) => dropped
                .push(DroppedLine { index, reason: "repeats a product or exceeds the line limit" }),
            Err(reason) => dropped.push(DroppedLine { index, reason }),
        }
    }
    Ok(Cart { currency, lines, updated_at })
}

fn decode_line(raw: &Value) -> Result<Item, &'static str> {
    let text = |key| raw.field(key).and_then(Value::as_str).filter(|s| !s.is_empty());
    let whole = |key| raw.field(key).and_then(Value::as_f64).filter(|n| n.fract() == 0.0);
    let id = text("id").ok_or("has no id")?.to_owned();
    let name = text("name").ok_or("has no name")?.to_owned();
    let price =
        whole("price").filter(|p| *p >= 0.0 && *p < 9.0e15).ok_or("has an invalid price")?;
    let quantity = whole("qty")
        .filter(|q| *q >= 1.0 && *q <= f64::from(MAX_QUANTITY))
        .ok_or("has an invalid quantity")?;
    Ok(Item {
        id,
        name,
        category: text("category").map(str::to_owned),
        price: price as i64,
        quantity: quantity as u32,
    })
}

fn decision(found: Option<&Value>, field: &'static str) -> Result<Decision, StoredError> {
    match found.map(|v| v.as_str()) {
        None | Some(Some("unset")) => Ok(Decision::Unset),
        Some(Some("granted")) => Ok(Decision::Granted),
        Some(Some("denied")) => Ok(Decision::Denied),
        Some(_) => {
            Err(StoredError::Field { field, problem: "is not granted, denied or unset".into() })
        }
    }
}

fn time(object: &Value, key: &str, field: &'static str) -> Result<Option<Millis>, StoredError> {
    match object.field(key) {
        None => Ok(None),
        Some(Value::Number(n)) if n.is_finite() && n.fract() == 0.0 && *n >= 0.0 => {
            Ok(Some(*n as Millis))
        }
        Some(other) => Err(StoredError::Field {
            field,
            problem: format!("must be a time in milliseconds, got {}", other.kind()),
        }),
    }
}
