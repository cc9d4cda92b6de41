//! The local storage format: one entry per section (`concierge:{site}:consent`, `:cart`,
//! `:identity`, `:outbox`, `:config`, `:campaigns`, `:interests`) and one per queued event (`concierge:{site}:event:{id}`),
//! each a JSON document with its own version `v`, so a change writes only what changed and each
//! section can move to a new format on its own.
//!
//! Decoding is forgiving where it can be: a damaged cart line is dropped and the rest kept. An
//! entry in a newer format is [`Slot::Foreign`]: left alone, never read as a withdrawal. The
//! whole-state document of earlier agents (`concierge:v1:{site}`) is read once and migrated.

use crate::engine::cart::{Cart, Item, MAX_LINES, MAX_QUANTITY};
use crate::engine::config::KeptConfig;
use crate::engine::consent::{Choices, Consent, Decision, Scope, Source, Unlocked};
use crate::engine::contact::{Contact, History, KEPT_CAMPAIGNS, KEPT_DISPLAYS};
use crate::engine::interests::{self, Affinity, Dimension, Reason};
use crate::engine::money::Currency;
use crate::engine::persist::{Key, Record, Section, Slot, Stored};
use crate::engine::receipts::Receipt;
use crate::engine::recovery::Recovery;
use crate::engine::sync::{Identity, OutEvent, OutboxMeta, Pending};
use crate::engine::Millis;
use crate::value::{format_decimal, Value};
use concierge_protocol::batch;
use concierge_protocol::documents;
use concierge_protocol::limits::MAX_PRICE_MINOR;
use concierge_protocol::problem::join;
use concierge_protocol::text;
use concierge_protocol::writer::{JsonSink, JsonWriter};
use std::fmt;

/// The format version of every section this agent writes.
pub const VERSION: f64 = 1.0;
/// The format of the consent section: 2 keeps decisions by the policy's purpose ids; 1 (the
/// released agents') kept `storage` and `analytics`, read as `personalization` and
/// `measurement`.
pub const CONSENT_VERSION: f64 = 2.0;
/// The version of the pre-section whole-state document.
pub const LEGACY_VERSION: f64 = 1.0;

/// Every entry of a site starts with this.
pub fn prefix(site: &str) -> String {
    text!("concierge:", site, ":")
}

/// The storage key of an entry.
pub fn key(site: &str, key: &Key) -> String {
    match key {
        Key::Section(section) => text!("concierge:", site, ":", section.name()),
        Key::Event(id) => text!("concierge:", site, ":event:", id),
        Key::Receipt(id) => text!("concierge:", site, ":receipt:", id),
        Key::Legacy => legacy_key(site),
    }
}

/// Where agents before sections kept everything, in one document.
pub fn legacy_key(site: &str) -> String {
    text!("concierge:v1:", site)
}

/// Which entry a storage key names, if it is one of this site's.
pub fn parse_key(site: &str, key: &str) -> Option<Key> {
    if key == legacy_key(site) {
        return Some(Key::Legacy);
    }
    let rest = key.strip_prefix("concierge:")?.strip_prefix(site)?.strip_prefix(':')?;
    if let Some(id) = rest.strip_prefix("event:") {
        return Some(Key::Event(id.to_owned()));
    }
    if let Some(id) = rest.strip_prefix("receipt:") {
        return Some(Key::Receipt(id.to_owned()));
    }
    Section::ALL.into_iter().find(|s| s.name() == rest).map(Key::Section)
}

#[derive(Clone, Debug, PartialEq)]
pub enum StoredError {
    NotJson(String),
    NotAnObject(&'static str),
    MissingVersion,
    /// Written by a newer agent (or another program): left alone.
    UnknownVersion(f64),
    Field {
        field: String,
        problem: String,
    },
}

impl StoredError {
    /// An entry this agent must leave alone rather than discard.
    pub fn is_foreign(&self) -> bool {
        matches!(self, StoredError::UnknownVersion(_))
    }

    /// What is wrong, for the console. Built without `core::fmt`, which the agent's Wasm does
    /// not carry; `Display` writes the same text for native callers.
    pub fn describe(&self) -> String {
        match self {
            StoredError::NotJson(reason) => text!("stored state is not JSON (", reason, ")"),
            StoredError::NotAnObject(found) => {
                text!("stored state must be an object, got ", *found)
            }
            StoredError::MissingVersion => "stored state has no version field \"v\"".to_owned(),
            StoredError::UnknownVersion(v) => text!(
                "stored state has version ",
                format_decimal(*v),
                "; this agent reads version ",
                format_decimal(VERSION)
            ),
            StoredError::Field { field, problem } => text!("stored state: ", field, " ", problem),
        }
    }
}

impl fmt::Display for StoredError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Lines of the stored cart that could not be read; the cart keeps the others.
#[derive(Clone, Debug, PartialEq)]
pub struct DroppedLine {
    pub index: usize,
    pub reason: &'static str,
}

impl DroppedLine {
    /// The console warning for the line, built without `core::fmt` (see [`StoredError::describe`]).
    pub fn describe(&self) -> String {
        text!("stored cart line ", self.index, " ", self.reason, "; line dropped")
    }
}

impl fmt::Display for DroppedLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

// ---- encoding ----

fn encode_consent(out: &mut JsonWriter, consent: &Consent) {
    out.number_field("policy", f64::from(consent.policy));
    out.key("purposes");
    out.open_object();
    for (id, decision) in &consent.choices.decisions {
        out.string_field(id, decision.name());
    }
    out.close_object();
    out.string_field("source", consent.source.name());
    out.optional_integer_field("at", consent.decided_at);
    out.optional_string_field("receipt", consent.receipt.as_deref());
    out.key("scope");
    out.open_object();
    for (id, unlocked) in &consent.scope.purposes {
        out.number_field(id, f64::from(unlocked.bits()));
    }
    out.close_object();
}

/// The document stored for a record, as the JSON text storage holds.
pub fn encode(record: &Record) -> String {
    // Room for a cart or an event entry (200 to 400 bytes) from the start.
    encode_after(String::with_capacity(512), record)
}

/// `text` followed by the document stored for `record` (the bridge writes one call's stored
/// documents one after the other, in one text).
pub fn encode_after(text: String, record: &Record) -> String {
    let mut out = JsonWriter::continuing(text);
    out.open_object();
    let version = if matches!(record, Record::Consent(_)) { CONSENT_VERSION } else { VERSION };
    out.number_field("v", version);
    match record {
        Record::Consent(consent) => encode_consent(&mut out, consent),
        Record::Cart(recovery) => encode_recovery(&mut out, recovery),
        Record::Identity(identity) => {
            out.string_field("visitor", &identity.visitor_id);
            out.string_field("secret", &identity.secret);
            out.string_field("code", &identity.cart_code);
        }
        Record::Outbox(meta) => encode_outbox(&mut out, meta),
        Record::Event(event) => {
            out.key("event");
            batch::write_event(&mut out, event);
        }
        Record::Receipt(receipt) => {
            out.key("receipt");
            receipt.write(&mut out);
        }
        Record::Config(kept) => {
            out.string_field("etag", &kept.etag);
            out.number_field("fetched", kept.fetched_at as f64);
            out.key("config");
            out.value(&kept.source);
        }
        Record::Campaigns(history) => encode_history(&mut out, history),
        Record::Interests(affinities) => encode_interests(&mut out, affinities),
    }
    out.close_object();
    out.finish()
}

fn encode_recovery(out: &mut JsonWriter, recovery: &Recovery) {
    let cart = &recovery.cart;
    out.string_field("currency", cart.currency.code());
    out.optional_integer_field("updated", cart.updated_at);
    out.key("lines");
    out.open_array();
    for line in &cart.lines {
        out.open_object();
        out.string_field("id", &line.id);
        out.string_field("name", &line.name);
        out.optional_string_field("category", line.category.as_deref());
        out.number_field("price", line.price as f64);
        out.number_field("qty", f64::from(line.quantity));
        out.close_object();
    }
    out.close_array();
    out.optional_integer_field("seen", recovery.last_seen);
    out.optional_integer_field("abandoned", recovery.abandoned_at);
    out.optional_integer_field("dismissed", recovery.dismissed_until);
    out.optional_integer_field("purchased", recovery.last_purchase_at);
}

/// `{ visits, visit, seen, shown: [t...], campaigns: [{ id, shown, dismissed, converted,
/// exposed, variant, holdout }...] }`: times in milliseconds.
fn encode_history(out: &mut JsonWriter, history: &History) {
    fn times(out: &mut JsonWriter, key: &str, times: &[Millis]) {
        out.key(key);
        out.open_array();
        for at in times {
            out.number(*at as f64);
        }
        out.close_array();
    }
    out.number_field("visits", f64::from(history.visits));
    out.optional_integer_field("visit", history.visit_started);
    out.optional_integer_field("seen", history.last_seen);
    times(out, "shown", &history.shown);
    out.key("campaigns");
    out.open_array();
    for contact in &history.campaigns {
        out.open_object();
        out.string_field("id", &contact.id);
        times(out, "shown", &contact.shown);
        out.optional_integer_field("dismissed", contact.dismissed_at);
        out.optional_integer_field("converted", contact.converted_at);
        out.optional_integer_field("exposed", contact.exposed_at);
        out.optional_string_field("variant", contact.variant.as_deref());
        out.key("holdout");
        out.bool(contact.holdout);
        out.close_object();
    }
    out.close_array();
}

/// `{ keys: [{ d: dimension, k: key, s: score, at, why: [[event, at, weight]...] }...] }`.
fn encode_interests(out: &mut JsonWriter, affinities: &[Affinity]) {
    out.key("keys");
    out.open_array();
    for affinity in affinities {
        out.open_object();
        out.string_field("d", affinity.dimension.name());
        out.string_field("k", &affinity.key);
        out.number_field("s", affinity.score);
        out.number_field("at", affinity.at as f64);
        out.key("why");
        out.open_array();
        for reason in &affinity.because {
            out.open_array();
            out.string(reason.source.name());
            out.number(reason.at as f64);
            out.number(reason.weight);
            out.close_array();
        }
        out.close_array();
        out.close_object();
    }
    out.close_array();
}

/// The interest model; a wrong field discards it whole (it is learnt again), naming the field.
fn decode_interests(stored: &Value) -> Result<Vec<Affinity>, StoredError> {
    let found = stored.field("keys").ok_or_else(|| field("keys", "is missing"))?;
    let Value::Array(entries) = found else {
        return Err(field_got("", "keys", "must be an array", found));
    };
    let most = interests::KEYS_PER_DIMENSION * Dimension::ALL.len();
    let mut affinities = Vec::with_capacity(entries.len().min(most));
    for (position, entry) in entries.iter().take(most).enumerate() {
        let path = concierge_protocol::problem::index("keys", position);
        let dimension = entry.field("d").and_then(Value::as_str).and_then(Dimension::from_name);
        let dimension = dimension
            .ok_or_else(|| field_at(&path, "d", "must be category, brand or price_band"))?;
        let key = entry.field("k").and_then(Value::as_str).filter(|k| !k.is_empty());
        let key = key.ok_or_else(|| field_at(&path, "k", "must be a non-empty string"))?;
        let score = entry.field("s").and_then(Value::as_f64).filter(|s| s.is_finite() && *s >= 0.0);
        let score = score.ok_or_else(|| field_at(&path, "s", "must be a number from 0"))?;
        let at = time(entry, &path, "at")?.ok_or_else(|| field_at(&path, "at", "is missing"))?;
        let mut because = Vec::new();
        if let Some(Value::Array(reasons)) = entry.field("why") {
            for reason in reasons.iter().take(interests::REASONS_PER_KEY) {
                let part = |i: usize| match reason {
                    Value::Array(parts) => parts.get(i),
                    _ => None,
                };
                let source = part(0).and_then(Value::as_str).and_then(interests::Source::from_name);
                let at = part(1).and_then(Value::as_f64).filter(|t| t.is_finite() && *t >= 0.0);
                let weight = part(2).and_then(Value::as_f64).filter(|w| w.is_finite());
                match (source, at, weight) {
                    (Some(source), Some(at), Some(weight)) => {
                        because.push(Reason { source, at: at as Millis, weight })
                    }
                    _ => return Err(field_at(&path, "why", "must hold [event, time, weight]")),
                }
            }
        }
        let key = interests::normalise(key);
        affinities.push(Affinity { dimension, key, score, at, because });
    }
    Ok(affinities)
}

fn strings(out: &mut JsonWriter, ids: &[String]) {
    out.open_array();
    for id in ids {
        out.string(id);
    }
    out.close_array();
}

fn encode_outbox(out: &mut JsonWriter, meta: &OutboxMeta) {
    out.key("pending");
    match &meta.pending {
        Some(pending) => {
            out.open_object();
            out.string_field("key", &pending.key);
            out.key("ids");
            strings(out, &pending.ids);
            out.close_object();
        }
        None => out.null(),
    }
    out.number_field("dropped", f64::from(meta.dropped));
    out.number_field("attempts", f64::from(meta.attempts));
    out.optional_integer_field("next", meta.next_attempt_at);
    out.optional_integer_field("sent", meta.last_sent_at);
    out.key("acked");
    strings(out, &meta.acked);
}

// ---- decoding ----

/// What reading one entry found: the record, and the cart lines dropped on the way.
#[derive(Clone, Debug, PartialEq)]
pub struct Read {
    pub record: Record,
    pub dropped: Vec<DroppedLine>,
}

fn version(stored: &Value, known: f64) -> Result<(), StoredError> {
    if !stored.is_object() {
        return Err(StoredError::NotAnObject(stored.kind()));
    }
    match stored.field("v").map(|v| v.as_f64()) {
        None => Err(StoredError::MissingVersion),
        Some(Some(v)) if v == known => Ok(()),
        Some(Some(v)) => Err(StoredError::UnknownVersion(v)),
        Some(None) => Err(field("v", "must be a number")),
    }
}

/// The field `key` of the object at `path` (empty at the top) is wrong. Built only when it is:
/// decoding passes the path and the key, not a joined name for every field it reads.
#[inline(never)]
fn field_at(path: &str, key: &str, problem: &str) -> StoredError {
    StoredError::Field { field: join(path, key), problem: problem.to_owned() }
}

fn field(name: &str, problem: &str) -> StoredError {
    field_at("", name, problem)
}

/// `problem`, and the kind of value found instead: "must be an array, got an object".
#[inline(never)]
fn field_got(path: &str, key: &str, problem: &str, found: &Value) -> StoredError {
    field_at(path, key, &text!(problem, ", got ", found.kind()))
}

/// Reads the entry stored under `key` (never [`Key::Legacy`]; see [`decode_legacy`]).
pub fn decode(key: &Key, stored: &Value) -> Result<Read, StoredError> {
    if *key == Key::Section(Section::Consent) {
        // Format 1 is migrated as it is read; the next write is format 2.
        let consent = match version(stored, CONSENT_VERSION) {
            Err(StoredError::UnknownVersion(v)) if v == VERSION => decode_consent_v1(stored, "")?,
            Err(error) => return Err(error),
            Ok(()) => decode_consent(stored)?,
        };
        return Ok(Read { record: Record::Consent(consent), dropped: Vec::new() });
    }
    version(stored, VERSION)?;
    let mut dropped = Vec::new();
    let record = match key {
        Key::Section(Section::Consent) => unreachable_consent()?,
        Key::Section(Section::Cart) => Record::Cart(decode_recovery(stored, "", &mut dropped)?),
        Key::Section(Section::Identity) => Record::Identity(
            decode_identity(stored).ok_or_else(|| field("identity", "is incomplete"))?,
        ),
        Key::Section(Section::Outbox) => Record::Outbox(decode_outbox(stored)),
        Key::Section(Section::Config) => Record::Config(decode_config(stored)?),
        Key::Section(Section::Campaigns) => Record::Campaigns(decode_history(stored)?),
        Key::Section(Section::Interests) => Record::Interests(decode_interests(stored)?),
        Key::Event(id) => {
            let event = stored.field("event").ok_or_else(|| field("event", "is missing"))?;
            let event = batch::decode_event(event, "event").map_err(|problem| {
                StoredError::Field { field: problem.path, problem: problem.message }
            })?;
            if &event.id != id {
                return Err(field("event.id", "differs from the key it is stored under"));
            }
            Record::Event(event)
        }
        Key::Receipt(id) => {
            let receipt = decode_receipt(stored)?;
            if &receipt.receipt != id {
                return Err(field("receipt.receipt", "differs from the key it is stored under"));
            }
            Record::Receipt(receipt)
        }
        Key::Legacy => {
            return Err(field("v", "is the whole-state format; read with decode_legacy"))
        }
    };
    Ok(Read { record, dropped })
}

/// A receipt kept until the backend acknowledged it: the body `POST /v1/consent/receipts` takes.
fn decode_receipt(stored: &Value) -> Result<Receipt, StoredError> {
    const PATH: &str = "receipt";
    let body = stored.field(PATH).ok_or_else(|| field(PATH, "is missing"))?;
    let text = |key: &str| body.field(key).and_then(Value::as_str).map(str::to_owned);
    let required = |key: &str| text(key).ok_or_else(|| field_at(PATH, key, "must be a text"));
    let policy = body.field("policy").and_then(Value::as_f64);
    let policy = policy.filter(|p| p.fract() == 0.0 && (0.0..=4_294_967_295.0).contains(p));
    let source = body.field("source").and_then(Value::as_str).and_then(Source::from_name);
    let mut choices = Vec::new();
    let Some(Value::Object(entries)) = body.field("choices") else {
        return Err(field_at(PATH, "choices", "must be an object of decisions by purpose"));
    };
    let listed = body.field("choices").unwrap_or(body);
    for (id, _) in entries {
        choices.push((id.clone(), decision(listed, "receipt.choices", id)?));
    }
    Ok(Receipt {
        site: required("site")?,
        receipt: required("receipt")?,
        visitor: text("visitor"),
        policy: policy.ok_or_else(|| field_at(PATH, "policy", "must be a policy version"))? as u32,
        at: time(body, PATH, "at")?.ok_or_else(|| field_at(PATH, "at", "is missing"))?,
        region: text("region"),
        source: source.ok_or_else(|| field_at(PATH, "source", "is not a consent source"))?,
        choices,
    })
}

/// The consent section is read above, by its own format version.
fn unreachable_consent() -> Result<Record, StoredError> {
    Err(field("v", "is not a section format"))
}

/// Format 1 (`storage`, `analytics`), as the released agents wrote it: `storage` kept the cart
/// (now `personalization`), `analytics` sent the visit (now `measurement`). The scope is the
/// built-in policy's version 1, which had neither `marketing` nor what `personalization` now
/// adds, so a policy that has them asks again.
fn decode_consent_v1(stored: &Value, path: &str) -> Result<Consent, StoredError> {
    let storage = decision(stored, path, "storage")?;
    let analytics = decision(stored, path, "analytics")?;
    let decided_at = time(stored, path, "at")?;
    Ok(Consent {
        choices: Choices::from_legacy(storage, analytics),
        policy: 1,
        source: Source::Dialog,
        decided_at,
        scope: Scope { policy: 1, purposes: Vec::new() },
        receipt: None,
    })
}

fn decode_consent(stored: &Value) -> Result<Consent, StoredError> {
    let mut choices = Choices::default();
    match stored.field("purposes") {
        Some(Value::Object(entries)) => {
            for (id, _) in entries {
                choices
                    .set(id, decision(stored.field("purposes").unwrap_or(stored), "purposes", id)?);
            }
        }
        _ => return Err(field("purposes", "must be an object of decisions by purpose")),
    }
    let mut scope = Scope::default();
    if let Some(Value::Object(entries)) = stored.field("scope") {
        for (id, bits) in entries {
            let bits = bits.as_f64().filter(|b| (0.0..=65535.0).contains(b) && b.fract() == 0.0);
            let bits = bits.ok_or_else(|| field_at("scope", id, "must be a whole number"))?;
            scope.purposes.push((id.clone(), Unlocked::from_bits(bits as u16)));
        }
    }
    let policy = stored.field("policy").and_then(Value::as_f64).filter(|p| p.fract() == 0.0);
    let policy = policy.filter(|p| (0.0..=4_294_967_295.0).contains(p)).map(|p| p as u32);
    let policy = policy.ok_or_else(|| field("policy", "must be a policy version"))?;
    scope.policy = policy;
    let source = stored.field("source").and_then(Value::as_str).and_then(Source::from_name);
    Ok(Consent {
        choices,
        policy,
        source: source.ok_or_else(|| field("source", "is not a consent source"))?,
        decided_at: time(stored, "", "at")?,
        scope,
        receipt: stored.field("receipt").and_then(Value::as_str).map(str::to_owned),
    })
}

/// The cart and the recovery state around it; in the legacy document the cart fields sit in a
/// `cart` object and the rest at the top, in a section all at the top.
fn decode_recovery(
    stored: &Value,
    cart_path: &str,
    dropped: &mut Vec<DroppedLine>,
) -> Result<Recovery, StoredError> {
    let cart_value = if cart_path.is_empty() {
        stored
    } else {
        stored.field(cart_path).ok_or_else(|| field(cart_path, "is missing"))?
    };
    let cart = decode_cart(cart_value, cart_path, dropped)?;
    Ok(Recovery {
        cart,
        last_seen: time(stored, "", "seen")?,
        abandoned_at: time(stored, "", "abandoned")?,
        dismissed_until: time(stored, "", "dismissed")?,
        last_purchase_at: time(stored, "", "purchased")?,
    })
}

fn decode_cart(
    cart: &Value,
    path: &str,
    dropped: &mut Vec<DroppedLine>,
) -> Result<Cart, StoredError> {
    let currency = cart
        .field("currency")
        .and_then(Value::as_str)
        .and_then(Currency::parse)
        .ok_or_else(|| field_at(path, "currency", "is not a currency code"))?;
    let updated_at = time(cart, path, "updated")?;
    let raw_lines = match cart.field("lines") {
        Some(Value::Array(lines)) => lines.as_slice(),
        None => &[],
        Some(other) => return Err(field_got(path, "lines", "must be an array", other)),
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
    let price = whole("price")
        .filter(|p| *p >= 0.0 && *p <= MAX_PRICE_MINOR as f64)
        .ok_or("has an invalid price")?;
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

fn decode_identity(value: &Value) -> Option<Identity> {
    let text =
        |key| value.field(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    Some(Identity {
        visitor_id: text("visitor")?,
        secret: text("secret")?,
        cart_code: text("code")?,
    })
}

/// The strings of an array, passing over anything else.
fn decode_strings(value: Option<&Value>) -> Vec<String> {
    let mut strings = Vec::new();
    if let Some(Value::Array(items)) = value {
        for item in items {
            if let Value::String(text) = item {
                strings.push(text.clone());
            }
        }
    }
    strings
}

/// The outbox's bookkeeping, keeping what can be read: it only ever delays or repeats a send.
fn decode_outbox(value: &Value) -> OutboxMeta {
    let number =
        |key| value.field(key).and_then(Value::as_f64).filter(|n| n.is_finite() && *n >= 0.0);
    let pending = value.field("pending").and_then(|pending| {
        Some(Pending {
            key: pending.field("key")?.as_str()?.to_owned(),
            ids: decode_strings(pending.field("ids")),
        })
    });
    OutboxMeta {
        pending,
        dropped: number("dropped").map_or(0, |n| n.min(f64::from(u32::MAX)) as u32),
        attempts: number("attempts").map_or(0, |n| n.min(64.0) as u32),
        next_attempt_at: number("next").map(|n| n as i64),
        last_sent_at: number("sent").map(|n| n as i64),
        acked: decode_strings(value.field("acked")),
    }
}

/// The campaigns' contact history; a wrong field discards it whole (the caps then start over,
/// which only ever shows a message once more).
fn decode_history(stored: &Value) -> Result<History, StoredError> {
    fn times(object: &Value, path: &str) -> Result<Vec<Millis>, StoredError> {
        let mut times = Vec::new();
        match object.field("shown") {
            None => {}
            Some(Value::Array(items)) if items.len() <= KEPT_DISPLAYS => {
                for item in items {
                    match item.as_f64() {
                        Some(n) if n.is_finite() && n >= 0.0 => times.push(n as Millis),
                        _ => return Err(field_at(path, "shown", "must hold times")),
                    }
                }
            }
            Some(other) => {
                return Err(field_got(
                    path,
                    "shown",
                    "must be an array of at most 100 times",
                    other,
                ))
            }
        }
        Ok(times)
    }
    let visits = stored.field("visits").and_then(Value::as_f64).unwrap_or(0.0);
    let mut history = History {
        visits: visits.clamp(0.0, f64::from(u32::MAX)) as u32,
        visit_started: time(stored, "", "visit")?,
        last_seen: time(stored, "", "seen")?,
        shown: times(stored, "")?,
        campaigns: Vec::new(),
    };
    if let Some(found) = stored.field("campaigns") {
        let Value::Array(entries) = found else {
            return Err(field_got("", "campaigns", "must be an array", found));
        };
        for (position, entry) in entries.iter().take(KEPT_CAMPAIGNS).enumerate() {
            let path = concierge_protocol::problem::index("campaigns", position);
            let id = entry.field("id").and_then(Value::as_str);
            let id = id.ok_or_else(|| field_at(&path, "id", "must be a campaign id"))?;
            let variant = entry.field("variant").and_then(Value::as_str).map(str::to_owned);
            history.campaigns.push(Contact {
                id: id.to_owned(),
                shown: times(entry, &path)?,
                dismissed_at: time(entry, &path, "dismissed")?,
                converted_at: time(entry, &path, "converted")?,
                exposed_at: time(entry, &path, "exposed")?,
                variant,
                holdout: matches!(entry.field("holdout"), Some(Value::Bool(true))),
            });
        }
    }
    Ok(history)
}

fn decode_config(stored: &Value) -> Result<KeptConfig, StoredError> {
    let etag = stored
        .field("etag")
        .and_then(Value::as_str)
        .ok_or_else(|| field("etag", "is missing"))?
        .to_owned();
    let fetched_at = time(stored, "", "fetched")?.unwrap_or(0);
    let config = stored.field("config").ok_or_else(|| field("config", "is missing"))?;
    documents::read_config(config).map_err(|problem| {
        field("config", &text!("is not a valid config (", problem.describe(), ")"))
    })?;
    Ok(KeptConfig { etag, fetched_at, source: config.clone() })
}

#[inline(never)]
fn decision(object: &Value, path: &str, key: &str) -> Result<Decision, StoredError> {
    match object.field(key) {
        None => Ok(Decision::Unset),
        Some(found) => found
            .as_str()
            .and_then(Decision::from_name)
            .ok_or_else(|| field_at(path, key, "is not granted, denied or unset")),
    }
}

#[inline(never)]
fn time(object: &Value, path: &str, key: &str) -> Result<Option<Millis>, StoredError> {
    match object.field(key) {
        None => Ok(None),
        Some(Value::Number(n)) if n.is_finite() && n.fract() == 0.0 && *n >= 0.0 => {
            Ok(Some(*n as Millis))
        }
        Some(other) => Err(field_got(path, key, "must be a time in milliseconds", other)),
    }
}

/// Reads the whole-state document agents wrote before sections (version 1), as sections.
pub fn decode_legacy(stored: &Value) -> Result<(Stored, Vec<DroppedLine>), StoredError> {
    version(stored, LEGACY_VERSION)?;
    let consent = match stored.field("consent") {
        Some(consent) => decode_consent_v1(consent, "consent")?,
        None => Consent::default(),
    };
    let mut dropped = Vec::new();
    let recovery = decode_recovery(stored, "cart", &mut dropped)?;
    let currency = recovery.cart.currency;
    let outbox = stored.field("outbox");
    let mut events = Vec::new();
    if let Some(Value::Array(raw_events)) = outbox.and_then(|outbox| outbox.field("events")) {
        for event in raw_events {
            events.extend(decode_legacy_event(event, currency));
        }
    }
    Ok((
        Stored {
            consent: Slot::Present(consent),
            cart: Slot::Present(recovery),
            identity: slot(stored.field("identity").and_then(decode_identity)),
            outbox: slot(outbox.map(decode_outbox)),
            events,
            config: Slot::Absent,
            campaigns: Slot::Absent,
            receipts: Vec::new(),
            legacy: true,
            discarded: Vec::new(),
            interests: Slot::Absent,
        },
        dropped,
    ))
}

fn slot<T>(present: Option<T>) -> Slot<T> {
    present.map_or(Slot::Absent, Slot::Present)
}

/// The legacy outbox kept events in the wire format, but carts without their currency field
/// checked; the protocol's decoder reads them once the currency is the stored cart's.
fn decode_legacy_event(event: &Value, currency: Currency) -> Option<OutEvent> {
    let mut event = event.clone();
    if let Value::Object(fields) = &mut event {
        for (name, value) in fields.iter_mut() {
            if let (true, Value::Object(cart)) = (name == "cart", value) {
                if !cart.iter().any(|(key, _)| key == "currency") {
                    cart.push(("currency".to_owned(), currency.code().into()));
                }
            }
        }
    }
    batch::decode_event(&event, "").ok()
}

/// Puts entries read from storage together: what the agent starts from, and every problem
/// to report. `entries` are this site's keys with their parsed JSON (`None`: not JSON).
pub fn assemble(entries: Vec<(Key, Option<Value>)>) -> (Stored, Vec<String>) {
    let mut stored = Stored::default();
    let mut warnings = Vec::new();
    let mut legacy = None;
    let mut sections_found = false;
    for (key, value) in entries {
        let error = match value {
            None => StoredError::NotJson("JSON.parse failed".into()),
            Some(value) if key == Key::Legacy => {
                legacy = Some(value);
                continue;
            }
            Some(value) => {
                sections_found |= matches!(key, Key::Section(_));
                match decode(&key, &value) {
                    Ok(Read { record, dropped }) => {
                        report_dropped(&mut warnings, &dropped);
                        place(&mut stored, record);
                        continue;
                    }
                    Err(error) => error,
                }
            }
        };
        if report(&mut warnings, &describe(&key), &error) {
            if let Key::Section(section) = key {
                mark_foreign(&mut stored, section);
            }
        } else {
            damaged(&mut stored, key);
        }
    }
    if legacy.is_some() && sections_found {
        // Migrated by an earlier page whose erasure did not go through: sections win.
        stored.discarded.push(Key::Legacy);
    } else if let Some(value) = legacy {
        match decode_legacy(&value) {
            Ok((mut migrated, dropped)) => {
                report_dropped(&mut warnings, &dropped);
                migrated.events.extend(std::mem::take(&mut stored.events));
                migrated.discarded = std::mem::take(&mut stored.discarded);
                stored = migrated;
            }
            Err(error) => {
                if !report(&mut warnings, "the stored state", &error) {
                    stored.discarded.push(Key::Legacy);
                }
            }
        }
    }
    (stored, warnings)
}

/// Warns that the entry `subject` cannot be read, and whether it is left alone (an entry in a
/// newer format: true) or discarded.
fn report(warnings: &mut Vec<String>, subject: &str, error: &StoredError) -> bool {
    let foreign = error.is_foreign();
    let fate = if foreign { "; left as it is" } else { "; it was discarded" };
    warnings.push(text!(subject, ": ", error.describe(), fate));
    foreign
}

fn report_dropped(warnings: &mut Vec<String>, dropped: &[DroppedLine]) {
    for line in dropped {
        warnings.push(line.describe());
    }
}

/// An entry that cannot be read is erased once storage is allowed, except the consent: that
/// one says nothing either way, and is replaced by the visitor's next choice.
fn damaged(stored: &mut Stored, key: Key) {
    if key == Key::Section(Section::Consent) {
        stored.consent = Slot::Damaged;
    } else {
        stored.discarded.push(key);
    }
}

fn describe(key: &Key) -> String {
    match key {
        Key::Section(section) => text!("the stored ", section.name()),
        Key::Event(id) => text!("the stored event ", id),
        Key::Receipt(id) => text!("the stored receipt ", id),
        Key::Legacy => "the stored state".to_owned(),
    }
}

fn place(stored: &mut Stored, record: Record) {
    match record {
        Record::Consent(consent) => stored.consent = Slot::Present(consent),
        Record::Cart(recovery) => stored.cart = Slot::Present(recovery),
        Record::Identity(identity) => stored.identity = Slot::Present(identity),
        Record::Outbox(meta) => stored.outbox = Slot::Present(meta),
        Record::Event(event) => stored.events.push(event),
        Record::Config(kept) => stored.config = Slot::Present(kept),
        Record::Campaigns(history) => stored.campaigns = Slot::Present(history),
        Record::Receipt(receipt) => stored.receipts.push(receipt),
        Record::Interests(affinities) => stored.interests = Slot::Present(affinities),
    }
}

fn mark_foreign(stored: &mut Stored, section: Section) {
    match section {
        Section::Consent => stored.consent = Slot::Foreign,
        Section::Cart => stored.cart = Slot::Foreign,
        Section::Identity => stored.identity = Slot::Foreign,
        Section::Outbox => stored.outbox = Slot::Foreign,
        Section::Config => stored.config = Slot::Foreign,
        Section::Campaigns => stored.campaigns = Slot::Foreign,
        Section::Interests => stored.interests = Slot::Foreign,
    }
}
