//! The event batch an agent posts to `POST /v1/events` (format version 1): its types, its JSON
//! codec and its validation, used by the agent to write batches and keep its outbox, and by the
//! backend to read them. One codec, so the two ends cannot drift apart.
//!
//! Decoding is strict: an unknown field, a missing one or a value outside the [`limits`] is a
//! [`Problem`] naming the field (`events[3].items[0].price`). The agent drops a stored event
//! that fails; the backend refuses the batch.
//!
//! [`limits`]: crate::limits

use crate::consent::{Choices, Source};
use crate::limits::{MAX_EVENTS, MAX_ITEMS, MAX_LINES, MAX_PRICE_MINOR, MAX_QUANTITY, MAX_TEXT};
use crate::money::{self, Currency, Money};
use crate::names::{normalise_cart_code, CommerceKind, Decision, Purpose};
use crate::problem::{index, join};
use crate::text;
use crate::writer::{JsonSink, ValueBuilder};
use crate::{Problem, Value};

pub const BATCH_VERSION: u32 = 1;

/// One product as GA4 `items` describe it, with its price in minor units.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// `item_id`, or `item_name` when the shop sends no id: GA4 requires one of the two.
    pub id: String,
    pub name: String,
    pub category: Option<String>,
    /// Unit price in the cart's currency, minor units, `0..=MAX_PRICE_MINOR`.
    pub price: i64,
    pub quantity: u32,
}

/// A cart: lines keyed by product, in one currency.
#[derive(Clone, Debug, PartialEq)]
pub struct Cart {
    pub currency: Currency,
    pub lines: Vec<Item>,
    /// When the visitor last changed or looked at the cart; `None` for a cart never touched.
    pub updated_at: Option<i64>,
}

impl Cart {
    pub fn new(currency: Currency) -> Cart {
        Cart { currency, lines: Vec::new(), updated_at: None }
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn item_count(&self) -> u32 {
        self.lines.iter().fold(0u32, |count, line| count.saturating_add(line.quantity))
    }

    /// The total; within the limits it is exact, beyond them it saturates, never wraps.
    pub fn total(&self) -> Money {
        let minor = money::sum(self.lines.iter().map(|l| money::line_total(l.price, l.quantity)));
        Money::new(minor, self.currency)
    }
}

/// The visitor's consent as the wire carries it:
/// `{ "policy": 2, "purposes": { "measurement": "granted", ... }, "source": "dialog" }`.
/// The released agents' `{ "storage", "analytics" }` (queued in their outboxes) is read as
/// `personalization` and `measurement` under policy 1.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsentState {
    /// The policy version the choices were made under.
    pub policy: u32,
    pub purposes: Vec<(String, Decision)>,
    pub source: Source,
}

impl ConsentState {
    /// The released agents' two purposes, as the policy's purposes they became.
    pub fn from_legacy(storage: Decision, analytics: Decision) -> ConsentState {
        let purposes = Choices::from_legacy(storage, analytics).decisions;
        ConsentState { policy: 1, purposes, source: Source::Dialog }
    }

    pub fn decision(&self, id: &str) -> Decision {
        self.purposes.iter().find(|(known, _)| known == id).map_or(Decision::Unset, |(_, d)| *d)
    }

    /// What the legacy purpose's successor decided: `storage` is `personalization`,
    /// `analytics` is `measurement`.
    pub fn get(&self, purpose: Purpose) -> Decision {
        self.decision(match purpose {
            Purpose::Storage => "personalization",
            Purpose::Analytics => "measurement",
        })
    }

    pub fn allows(&self, purpose: Purpose) -> bool {
        self.get(purpose) == Decision::Granted
    }

    /// Whether anything at all is granted (then a record of the choice may be kept).
    pub fn any_granted(&self) -> bool {
        self.purposes.iter().any(|(_, decision)| *decision == Decision::Granted)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    /// The visitor's choice, stamped with the event's time.
    Consent(ConsentState),
    /// The whole cart as it now is.
    Cart(Cart),
    Commerce {
        kind: CommerceKind,
        items: Vec<Item>,
        transaction_id: Option<String>,
    },
    /// A campaign's measurement: what happened to one campaign, in which variant and bucket:
    /// `{"campaign": "cart-recovery", "variant": "code" | null, "bucket": "treatment" |
    /// "holdout", "event": "impression" | ..., "value": 45}`.
    Campaign {
        event: CampaignEvent,
        /// The campaign's id (a token of at most 64 characters).
        campaign: String,
        /// The variant's id; `None` for a campaign without variants and for the holdout.
        variant: Option<String>,
        bucket: CampaignBucket,
        /// The campaign's business value, on a conversion only.
        value: Option<f64>,
    },
    /// The agent's interest model, its top as it now is: `{"top": [{"dimension": "category",
    /// "key": "phones", "score": 0.82}...]}` (issue 12), sent when it changed, at most once
    /// per page.
    Interests {
        top: Vec<Interest>,
    },
    /// The visitor asked to be called back or to continue in a store (issue 12): `{"kind":
    /// "call" | "store", "phone": "+31 6 1234 5678"?, "cart_code": "K7M-4QP"?, "transcript":
    /// [{"from": "visitor" | "assistant", "text": ...}]?}`. A call needs a phone.
    Handoff(Handoff),
}

/// A handoff request as it travels: what the visitor asked for and what they chose to attach.
#[derive(Clone, Debug, PartialEq)]
pub struct Handoff {
    pub kind: HandoffKind,
    /// As the visitor typed it, trimmed; validated by [`is_phone`].
    pub phone: Option<String>,
    /// The cart's code, so staff find the cart the visitor means.
    pub cart_code: Option<String>,
    /// The conversation with the assistant; empty when none was attached.
    pub transcript: Vec<TranscriptLine>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandoffKind {
    /// "Call me": staff phone the visitor.
    Call,
    /// "Continue in store": the visitor brings the cart code to a store.
    Store,
}

impl HandoffKind {
    pub fn name(self) -> &'static str {
        match self {
            HandoffKind::Call => "call",
            HandoffKind::Store => "store",
        }
    }

    pub fn from_name(name: &str) -> Option<HandoffKind> {
        match name {
            "call" => Some(HandoffKind::Call),
            "store" => Some(HandoffKind::Store),
            _ => None,
        }
    }
}

/// One message of an assistant conversation attached to a handoff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscriptLine {
    /// `true`: the visitor wrote it; `false`: the assistant.
    pub visitor: bool,
    pub text: String,
}

/// The most messages a handoff's transcript carries.
pub const MAX_TRANSCRIPT_LINES: usize = 40;
/// The longest message of a transcript, in characters.
pub const MAX_TRANSCRIPT_TEXT: usize = 1_000;

/// A phone number a person could dial: an optional leading `+`, then 6 to 15 digits (E.164's
/// most) with spaces, `-`, `.`, `(` and `)` between them, at most 32 characters in all.
pub fn is_phone(text: &str) -> bool {
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    let body = text.strip_prefix('+').unwrap_or(text);
    text.len() <= 32
        && (6..=15).contains(&digits)
        && body.starts_with(|c: char| c.is_ascii_digit() || c == '(')
        && body.bytes().all(|b| b.is_ascii_digit() || b" -.()".contains(&b))
}

/// One interest of the agent's model: a dimension (`category`, `brand`, `price_band`), its key
/// and its score normalised within the dimension (0..=1).
#[derive(Clone, Debug, PartialEq)]
pub struct Interest {
    pub dimension: String,
    pub key: String,
    pub score: f64,
}

/// The dimensions an interest may have.
pub const INTEREST_DIMENSIONS: [&str; 3] = ["category", "brand", "price_band"];
/// Interests an `interests` event carries at most.
pub const MAX_INTERESTS: usize = 10;
/// The longest interest key, in characters.
pub const MAX_INTEREST_KEY: usize = 64;

/// What happened to a campaign for one visitor (issue 10): shown and seen, used, closed,
/// converted, or withheld from a holdout visitor as if shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CampaignEvent {
    /// The view was at least half visible for one second.
    Impression,
    /// Its action link was used.
    Click,
    /// The visitor closed it.
    Dismiss,
    /// The campaign's goal event within its attribution window.
    Conversion,
    /// A holdout visitor would have been shown it now.
    Holdout,
}

impl CampaignEvent {
    pub const ALL: [CampaignEvent; 5] = [
        CampaignEvent::Impression,
        CampaignEvent::Click,
        CampaignEvent::Dismiss,
        CampaignEvent::Conversion,
        CampaignEvent::Holdout,
    ];

    pub fn name(self) -> &'static str {
        ["impression", "click", "dismiss", "conversion", "holdout"][self as usize]
    }

    pub fn from_name(name: &str) -> Option<CampaignEvent> {
        CampaignEvent::ALL.into_iter().find(|event| event.name() == name)
    }
}

/// The visitor's side of a campaign's experiment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CampaignBucket {
    Treatment,
    Holdout,
}

impl CampaignBucket {
    pub fn name(self) -> &'static str {
        match self {
            CampaignBucket::Treatment => "treatment",
            CampaignBucket::Holdout => "holdout",
        }
    }

    pub fn from_name(name: &str) -> Option<CampaignBucket> {
        match name {
            "treatment" => Some(CampaignBucket::Treatment),
            "holdout" => Some(CampaignBucket::Holdout),
            _ => None,
        }
    }
}

impl Payload {
    /// The event name on the wire.
    pub fn name(&self) -> &'static str {
        match self {
            Payload::Consent(_) => "consent",
            Payload::Cart(_) => "cart",
            Payload::Commerce { kind, .. } => kind.name(),
            Payload::Campaign { .. } => "campaign",
            Payload::Interests { .. } => "interests",
            Payload::Handoff(_) => "handoff",
        }
    }

    /// The purpose the visitor must have granted for the event to be kept; `None` for the
    /// record of a choice, which is kept whenever an identity exists so withdrawals count.
    pub fn purpose(&self) -> Option<Purpose> {
        match self {
            Payload::Consent(_) => None,
            Payload::Cart(_) => Some(Purpose::Storage),
            Payload::Commerce { .. } | Payload::Campaign { .. } => Some(Purpose::Analytics),
            Payload::Interests { .. } => Some(Purpose::Storage),
            Payload::Handoff(_) => Some(Purpose::Storage),
        }
    }
}

/// One event: unique id (a retried event is recognised by it), time on the visitor's clock.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub id: String,
    pub at: i64,
    pub payload: Payload,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub site: String,
    pub visitor_id: String,
    /// The agent's secret for this visitor; the backend keeps only its hash.
    pub secret: String,
    /// Unique per batch: a retried batch is answered as the first time and counted once.
    pub batch_key: String,
    pub cart_code: Option<String>,
    /// Events the agent's full outbox had to drop since its last batch.
    pub dropped: u32,
    pub events: Vec<Event>,
}

/// Ids made by agents and staff: `min..=max` letters, digits, `-` and `_`.
pub fn is_token(text: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

// ---- encoding ----
//
// Each format is described once, to a [`JsonSink`]: the agent writes the text directly
// (`write_*` with a `JsonWriter`), the server builds `Value`s for serde (`encode_*`).

pub fn write_items(out: &mut impl JsonSink, items: &[Item]) {
    out.open_array();
    for item in items {
        out.open_object();
        out.string_field("item_id", &item.id);
        out.string_field("item_name", &item.name);
        if let Some(category) = &item.category {
            out.string_field("item_category", category);
        }
        out.number_field("price", item.price as f64);
        out.number_field("quantity", f64::from(item.quantity));
        out.close_object();
    }
    out.close_array();
}

pub fn write_consent(out: &mut impl JsonSink, consent: &ConsentState) {
    out.open_object();
    out.number_field("policy", f64::from(consent.policy));
    out.key("purposes");
    out.open_object();
    for (id, decision) in &consent.purposes {
        out.string_field(id, decision.name());
    }
    out.close_object();
    out.string_field("source", consent.source.name());
    out.close_object();
}

pub fn write_cart(out: &mut impl JsonSink, cart: &Cart) {
    out.open_object();
    out.string_field("currency", cart.currency.code());
    out.key("lines");
    write_items(out, &cart.lines);
    out.optional_integer_field("updated_at", cart.updated_at);
    out.close_object();
}

pub fn write_event(out: &mut impl JsonSink, event: &Event) {
    out.open_object();
    out.string_field("id", &event.id);
    out.string_field("name", event.payload.name());
    out.number_field("at", event.at as f64);
    match &event.payload {
        Payload::Consent(consent) => {
            out.key("consent");
            write_consent(out, consent);
        }
        Payload::Cart(cart) => {
            out.key("cart");
            write_cart(out, cart);
        }
        Payload::Commerce { items, transaction_id, .. } => {
            if !items.is_empty() {
                out.key("items");
                write_items(out, items);
            }
            if let Some(id) = transaction_id {
                out.string_field("transaction_id", id);
            }
        }
        Payload::Campaign { event, campaign, variant, bucket, value } => {
            out.string_field("campaign", campaign);
            out.optional_string_field("variant", variant.as_deref());
            out.string_field("bucket", bucket.name());
            out.string_field("event", event.name());
            if let Some(value) = *value {
                out.number_field("value", value);
            }
        }
        Payload::Interests { top } => {
            out.key("top");
            out.open_array();
            for interest in top {
                out.open_object();
                out.string_field("dimension", &interest.dimension);
                out.string_field("key", &interest.key);
                out.number_field("score", interest.score);
                out.close_object();
            }
            out.close_array();
        }
        Payload::Handoff(handoff) => {
            out.string_field("kind", handoff.kind.name());
            out.optional_string_field("phone", handoff.phone.as_deref());
            out.optional_string_field("cart_code", handoff.cart_code.as_deref());
            if !handoff.transcript.is_empty() {
                out.key("transcript");
                out.open_array();
                for line in &handoff.transcript {
                    out.open_object();
                    out.string_field("from", if line.visitor { "visitor" } else { "assistant" });
                    out.string_field("text", &line.text);
                    out.close_object();
                }
                out.close_array();
            }
        }
    }
    out.close_object();
}

pub fn write_batch(out: &mut impl JsonSink, batch: &Batch) {
    out.open_object();
    out.number_field("v", f64::from(BATCH_VERSION));
    out.string_field("site", &batch.site);
    out.string_field("visitor_id", &batch.visitor_id);
    out.string_field("secret", &batch.secret);
    out.string_field("batch_key", &batch.batch_key);
    out.optional_string_field("cart_code", batch.cart_code.as_deref());
    out.number_field("dropped", f64::from(batch.dropped));
    out.key("events");
    out.open_array();
    for event in &batch.events {
        write_event(out, event);
    }
    out.close_array();
    out.close_object();
}

/// The value a `write_*` function describes.
fn build(write: impl FnOnce(&mut ValueBuilder)) -> Value {
    let mut builder = ValueBuilder::new();
    write(&mut builder);
    builder.finish()
}

pub fn encode_items(items: &[Item]) -> Value {
    build(|out| write_items(out, items))
}

pub fn encode_consent(consent: &ConsentState) -> Value {
    build(|out| write_consent(out, consent))
}

pub fn encode_cart(cart: &Cart) -> Value {
    build(|out| write_cart(out, cart))
}

pub fn encode_event(event: &Event) -> Value {
    build(|out| write_event(out, event))
}

pub fn encode_batch(batch: &Batch) -> Value {
    build(|out| write_batch(out, batch))
}

// ---- decoding ----

/// An object being decoded, with the path that names its fields in problems
/// (`events[3].items[0]`). A field's path is joined only when there is a problem to name, and
/// each check is one shared function rather than a copy inlined at every field it reads.
#[derive(Clone, Copy)]
struct Fields<'a> {
    value: &'a Value,
    path: &'a str,
}

impl<'a> Fields<'a> {
    /// `value`'s fields, with every key not in `known` refused: a typo must not pass silently.
    #[inline(never)]
    fn of(value: &'a Value, path: &'a str, known: &[&str]) -> Result<Fields<'a>, Problem> {
        let Value::Object(fields) = value else {
            return Err(Problem::new(path, must_be("an object", value)));
        };
        for (key, _) in fields {
            if !known.contains(&key.as_str()) {
                let expected = known.join(", ");
                return Err(Problem::new(
                    join(path, key),
                    text!("is not a known field (", expected, ")"),
                ));
            }
        }
        Ok(Fields { value, path })
    }

    /// The path of the field `key`, for problems and for the decoders of nested values.
    fn path(&self, key: &str) -> String {
        join(self.path, key)
    }

    #[inline(never)]
    fn problem(&self, key: &str, message: String) -> Problem {
        Problem { path: self.path(key), message }
    }

    /// A field that may be absent or `null`.
    fn optional(&self, key: &str) -> Option<&'a Value> {
        self.value.field(key)
    }

    #[inline(never)]
    fn required(&self, key: &str) -> Result<&'a Value, Problem> {
        match self.value.field(key) {
            Some(found) => Ok(found),
            None => Err(self.problem(key, "is required".to_owned())),
        }
    }

    #[inline(never)]
    fn str_of(&self, key: &str, found: &'a Value) -> Result<&'a str, Problem> {
        match found {
            Value::String(text) => Ok(text),
            _ => Err(self.problem(key, must_be("a string", found))),
        }
    }

    /// A required string of at most `max` characters.
    #[inline(never)]
    fn text(&self, key: &str, max: usize) -> Result<String, Problem> {
        self.text_of(key, self.required(key)?, max)
    }

    /// An optional string of at most `max` characters.
    #[inline(never)]
    fn optional_text(&self, key: &str, max: usize) -> Result<Option<String>, Problem> {
        match self.optional(key) {
            Some(found) => Ok(Some(self.text_of(key, found, max)?)),
            None => Ok(None),
        }
    }

    fn text_of(&self, key: &str, found: &Value, max: usize) -> Result<String, Problem> {
        let text = self.str_of(key, found)?;
        if text.chars().count() > max {
            return Err(self.problem(key, text!("is longer than ", max, " characters")));
        }
        Ok(text.to_owned())
    }

    /// A required id made by agents and staff (see [`is_token`]).
    #[inline(never)]
    fn token(&self, key: &str, min: usize, max: usize) -> Result<String, Problem> {
        let text = self.str_of(key, self.required(key)?)?;
        if !is_token(text, min, max) {
            return Err(
                self.problem(key, text!("must be ", min, "-", max, " letters, digits, - or _"))
            );
        }
        Ok(text.to_owned())
    }

    /// A required whole number in `min..=max`.
    #[inline(never)]
    fn whole(&self, key: &str, min: i64, max: i64) -> Result<i64, Problem> {
        self.whole_of(key, self.required(key)?, min, max)
    }

    #[inline(never)]
    fn whole_of(&self, key: &str, found: &Value, min: i64, max: i64) -> Result<i64, Problem> {
        match found.as_f64() {
            Some(n) if n.fract() == 0.0 && n >= min as f64 && n <= max as f64 => Ok(n as i64),
            Some(_) => {
                Err(self.problem(key, text!("must be a whole number from ", min, " to ", max)))
            }
            None => Err(self.problem(key, must_be("a number", found))),
        }
    }

    /// An optional time in milliseconds since the epoch.
    #[inline(never)]
    fn optional_time(&self, key: &str) -> Result<Option<i64>, Problem> {
        match self.optional(key) {
            Some(found) => Ok(Some(self.whole_of(key, found, 0, MAX_TIME)?)),
            None => Ok(None),
        }
    }

    /// An array of at most `max` entries; `None` when the field is absent.
    #[inline(never)]
    fn optional_array(&self, key: &str, max: usize) -> Result<Option<&'a [Value]>, Problem> {
        let Some(found) = self.optional(key) else { return Ok(None) };
        let Value::Array(entries) = found else {
            return Err(self.problem(key, must_be("an array", found)));
        };
        if entries.len() > max {
            return Err(self.problem(key, text!("has more than ", max, " entries")));
        }
        Ok(Some(entries))
    }

    /// Refuses the first of `keys` present: fields that belong to other kinds of event.
    fn absent(&self, keys: &[&str], name: &str) -> Result<(), Problem> {
        for key in keys {
            if self.optional(key).is_some() {
                return Err(self.problem(key, text!("is not allowed on ", name, " events")));
            }
        }
        Ok(())
    }
}

/// A time in milliseconds since the epoch is at most 2^53: the largest whole number every JSON
/// reader holds exactly.
const MAX_TIME: i64 = 9_007_199_254_740_991;

fn must_be(expected: &str, found: &Value) -> String {
    text!("must be ", expected, ", got ", found.kind())
}

pub fn decode_item(value: &Value, path: &str) -> Result<Item, Problem> {
    decode_item_within(value, path, MAX_PRICE_MINOR)
}

/// An item whose price may be any whole number up to `max_price` (beyond `i64` it saturates).
fn decode_item_within(value: &Value, path: &str, max_price: i64) -> Result<Item, Problem> {
    let item =
        Fields::of(value, path, &["item_id", "item_name", "item_category", "price", "quantity"])?;
    let category = item.optional_text("item_category", MAX_TEXT)?;
    Ok(Item {
        id: item.text("item_id", MAX_TEXT)?,
        name: item.text("item_name", MAX_TEXT)?,
        category,
        price: item.whole("price", 0, max_price)?,
        quantity: item.whole("quantity", 1, i64::from(MAX_QUANTITY))? as u32,
    })
}

/// The field `key` of `fields`: at most `max` items, each priced at most `max_price`.
fn decode_items(
    fields: Fields<'_>,
    key: &str,
    max: usize,
    max_price: i64,
) -> Result<Vec<Item>, Problem> {
    let Some(raw) = fields.optional_array(key, max)? else { return Ok(Vec::new()) };
    let path = fields.path(key);
    // A plain loop: `collect::<Result<Vec<_>, _>>()` compiles to several times the code.
    let mut items = Vec::with_capacity(raw.len());
    for (i, item) in raw.iter().enumerate() {
        items.push(decode_item_within(item, &index(&path, i), max_price)?);
    }
    Ok(items)
}

pub fn decode_consent(value: &Value, path: &str) -> Result<ConsentState, Problem> {
    let decision = |found: &Value, path: String| {
        found.as_str().and_then(Decision::from_name).ok_or_else(|| {
            Problem::new(path, "must be \"granted\", \"denied\" or \"unset\"".to_owned())
        })
    };
    if value.get("purposes").is_none() && value.get("storage").is_some() {
        let consent = Fields::of(value, path, &["storage", "analytics"])?;
        let storage = decision(consent.required("storage")?, consent.path("storage"))?;
        let analytics = decision(consent.required("analytics")?, consent.path("analytics"))?;
        return Ok(ConsentState::from_legacy(storage, analytics));
    }
    let consent = Fields::of(value, path, &["policy", "purposes", "source"])?;
    let policy = consent.required("policy")?;
    let policy = (policy.as_f64())
        .filter(|p| p.fract() == 0.0 && (1.0..=4_294_967_295.0).contains(p))
        .ok_or_else(|| consent.problem("policy", "must be a policy version (1 or more)".into()))?;
    let Value::Object(entries) = consent.required("purposes")? else {
        return Err(consent.problem("purposes", "must be an object of decisions by purpose".into()));
    };
    let mut purposes = Vec::with_capacity(entries.len());
    let at = consent.path("purposes");
    for (id, found) in entries {
        if !crate::documents::rules::is_id(id, 32) {
            return Err(Problem::new(join(&at, id), "is not a purpose id".to_owned()));
        }
        purposes.push((id.clone(), decision(found, join(&at, id))?));
    }
    let source = consent.required("source")?.as_str().and_then(Source::from_name);
    let source = source.ok_or_else(|| {
        consent.problem("source", "must be dialog, panel, gpc, tcf, api or default".into())
    })?;
    Ok(ConsentState { policy: policy as u32, purposes, source })
}

pub fn decode_cart(value: &Value, path: &str) -> Result<Cart, Problem> {
    decode_cart_within(value, path, MAX_PRICE_MINOR)
}

/// A cart as a database kept it, perhaps from before today's limits: any whole, non-negative
/// price is read (saturating at `i64::MAX`), so such a cart can still be shown, its total
/// saturated rather than wrapped. Never for input from the network.
pub fn decode_stored_cart(value: &Value, path: &str) -> Result<Cart, Problem> {
    decode_cart_within(value, path, i64::MAX)
}

fn decode_cart_within(value: &Value, path: &str, max_price: i64) -> Result<Cart, Problem> {
    let cart = Fields::of(value, path, &["currency", "lines", "updated_at"])?;
    let currency =
        cart.required("currency")?.as_str().and_then(Currency::parse_canonical).ok_or_else(
            || cart.problem("currency", "must be an ISO 4217 code such as \"EUR\"".into()),
        )?;
    let lines = decode_items(cart, "lines", MAX_LINES, max_price)?;
    let updated_at = cart.optional_time("updated_at")?;
    Ok(Cart { currency, lines, updated_at })
}

pub fn decode_event(value: &Value, path: &str) -> Result<Event, Problem> {
    let event = Fields::of(
        value,
        path,
        &[
            "id",
            "name",
            "at",
            "items",
            "transaction_id",
            "consent",
            "cart",
            "campaign",
            "variant",
            "bucket",
            "event",
            "value",
            "top",
            "kind",
            "phone",
            "cart_code",
            "transcript",
        ],
    )?;
    let id = event.token("id", 8, 64)?;
    let at = event.whole("at", 0, MAX_TIME)?;
    let name = event.str_of("name", event.required("name")?)?;
    let payload = match name {
        "consent" | "cart" => {
            event.absent(&CAMPAIGN_FIELDS, name)?;
            event.absent(&HANDOFF_FIELDS, name)?;
            event.absent(&["top"], name)?;
            decode_record(event, name)?
        }
        "campaign" => {
            event.absent(&["items", "transaction_id", "consent", "cart", "top"], name)?;
            event.absent(&HANDOFF_FIELDS, name)?;
            decode_campaign_measure(event)?
        }
        "interests" => {
            event.absent(&["items", "transaction_id", "consent", "cart"], name)?;
            event.absent(&CAMPAIGN_FIELDS, name)?;
            event.absent(&HANDOFF_FIELDS, name)?;
            decode_interests(event)?
        }
        "handoff" => {
            event.absent(&["items", "transaction_id", "consent", "cart", "top"], name)?;
            event.absent(&CAMPAIGN_FIELDS, name)?;
            Payload::Handoff(decode_handoff(event)?)
        }
        other => {
            let kind = CommerceKind::from_name(other).ok_or_else(|| {
                let known = CommerceKind::ALL.map(CommerceKind::name).join(", ");
                let expected = "must be consent, cart, campaign, interests, handoff or one of ";
                event.problem("name", text!(expected, known))
            })?;
            event.absent(&["consent", "cart", "top"], name)?;
            event.absent(&CAMPAIGN_FIELDS, name)?;
            event.absent(&HANDOFF_FIELDS, name)?;
            let items = decode_items(event, "items", MAX_ITEMS, MAX_PRICE_MINOR)?;
            let transaction_id = event.optional_text("transaction_id", MAX_TEXT)?;
            Payload::Commerce { kind, items, transaction_id }
        }
    };
    Ok(Event { id, at, payload })
}

/// An `interests` event's `top`: each entry's fields refused by name
/// (`events[2].top[1].score`).
fn decode_interests(event: Fields<'_>) -> Result<Payload, Problem> {
    event.required("top")?;
    let entries = event.optional_array("top", MAX_INTERESTS)?.unwrap_or_default();
    let mut top = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let path = index(&event.path("top"), i);
        let entry = Fields::of(entry, &path, &["dimension", "key", "score"])?;
        let dimension = entry.str_of("dimension", entry.required("dimension")?)?;
        if !INTEREST_DIMENSIONS.contains(&dimension) {
            return Err(entry.problem("dimension", "must be category, brand or price_band".into()));
        }
        let key = entry.text("key", MAX_INTEREST_KEY)?;
        if key.trim().is_empty() {
            return Err(entry.problem("key", "must not be empty".into()));
        }
        let score = match entry.required("score")?.as_f64() {
            Some(score) if (0.0..=1.0).contains(&score) => score,
            _ => return Err(entry.problem("score", "must be a number from 0 to 1".into())),
        };
        top.push(Interest { dimension: dimension.to_owned(), key, score });
    }
    Ok(Payload::Interests { top })
}

/// The fields only a `campaign` event has.
const CAMPAIGN_FIELDS: [&str; 5] = ["campaign", "variant", "bucket", "event", "value"];

/// A `campaign` event's own fields, each refused by name.
fn decode_campaign_measure(event: Fields<'_>) -> Result<Payload, Problem> {
    let campaign = event.token("campaign", 1, 64)?;
    let variant = match event.optional("variant") {
        Some(found) => {
            let text = event.str_of("variant", found)?;
            if !is_token(text, 1, 32) {
                return Err(event.problem("variant", "must be 1-32 letters, digits, - or _".into()));
            }
            Some(text.to_owned())
        }
        None => None,
    };
    let bucket = event.str_of("bucket", event.required("bucket")?)?;
    let bucket = CampaignBucket::from_name(bucket)
        .ok_or_else(|| event.problem("bucket", "must be \"treatment\" or \"holdout\"".into()))?;
    let name = event.str_of("event", event.required("event")?)?;
    let kind = CampaignEvent::from_name(name).ok_or_else(|| {
        event.problem("event", "must be impression, click, dismiss, conversion or holdout".into())
    })?;
    let value = match event.optional("value") {
        Some(_) if kind != CampaignEvent::Conversion => {
            return Err(event.problem("value", "is allowed on conversion events only".into()));
        }
        Some(found) => match found.as_f64() {
            Some(n) if (0.0..=MAX_CAMPAIGN_VALUE).contains(&n) => Some(n),
            _ => {
                return Err(event.problem("value", "must be a number from 0 to 1000000".into()));
            }
        },
        None => None,
    };
    if (bucket == CampaignBucket::Holdout) != (kind == CampaignEvent::Holdout)
        && kind != CampaignEvent::Conversion
    {
        return Err(event.problem(
            "bucket",
            text!("is ", bucket.name(), ", which a ", kind.name(), " event cannot have"),
        ));
    }
    Ok(Payload::Campaign { event: kind, campaign, variant, bucket, value })
}

/// The fields only a `handoff` event has.
const HANDOFF_FIELDS: [&str; 4] = ["kind", "phone", "cart_code", "transcript"];

/// A `handoff` event's own fields, each refused by name: a call without a valid phone, an
/// unknown kind, a cart code of another shape, a transcript line of another shape.
fn decode_handoff(event: Fields<'_>) -> Result<Handoff, Problem> {
    let kind = event.str_of("kind", event.required("kind")?)?;
    let kind = HandoffKind::from_name(kind)
        .ok_or_else(|| event.problem("kind", "must be \"call\" or \"store\"".into()))?;
    let phone = match event.optional_text("phone", 32)? {
        Some(phone) if !is_phone(phone.trim()) => {
            return Err(
                event.problem("phone", "must be a phone number such as +31 6 1234 5678".into())
            );
        }
        phone => phone.map(|p| p.trim().to_owned()),
    };
    if kind == HandoffKind::Call && phone.is_none() {
        return Err(event.problem("phone", "is required for a call".into()));
    }
    let cart_code = match event.optional("cart_code") {
        Some(found) => Some(
            found
                .as_str()
                .and_then(normalise_cart_code)
                .ok_or_else(|| event.problem("cart_code", "must look like K7M-4QP".into()))?,
        ),
        None => None,
    };
    let raw = event.optional_array("transcript", MAX_TRANSCRIPT_LINES)?.unwrap_or_default();
    let at = event.path("transcript");
    let mut transcript = Vec::with_capacity(raw.len());
    for (i, line) in raw.iter().enumerate() {
        let path = index(&at, i);
        let line = Fields::of(line, &path, &["from", "text"])?;
        let visitor = match line.str_of("from", line.required("from")?)? {
            "visitor" => true,
            "assistant" => false,
            _ => return Err(line.problem("from", "must be \"visitor\" or \"assistant\"".into())),
        };
        transcript.push(TranscriptLine { visitor, text: line.text("text", MAX_TRANSCRIPT_TEXT)? });
    }
    Ok(Handoff { kind, phone, cart_code, transcript })
}

/// A campaign's largest business value (the campaigns document's `MAX_VALUE`).
const MAX_CAMPAIGN_VALUE: f64 = 1_000_000.0;

/// The record of a choice or the cart.
fn decode_record(event: Fields<'_>, name: &str) -> Result<Payload, Problem> {
    Ok(match name {
        "consent" => {
            event.absent(&["items", "cart", "transaction_id"], name)?;
            Payload::Consent(decode_consent(event.required("consent")?, &event.path("consent"))?)
        }
        _ => {
            event.absent(&["items", "consent", "transaction_id"], name)?;
            Payload::Cart(decode_cart(event.required("cart")?, &event.path("cart"))?)
        }
    })
}

/// Reads a batch as `POST /v1/events` receives it; the first problem refuses it.
pub fn decode_batch(value: &Value) -> Result<Batch, Problem> {
    let known =
        ["v", "site", "visitor_id", "secret", "batch_key", "cart_code", "dropped", "events"];
    let batch = Fields::of(value, "", &known)?;
    let version = batch.required("v")?;
    if version.as_f64() != Some(f64::from(BATCH_VERSION)) {
        let found = match version.as_f64() {
            Some(n) => crate::value::format_decimal(n),
            None => version.kind().to_owned(),
        };
        return Err(Problem::new(
            "v",
            text!("version ", found, " is not supported; this end reads ", BATCH_VERSION),
        ));
    }
    let site = batch.token("site", 1, 64)?;
    let visitor_id = batch.token("visitor_id", 16, 64)?;
    let secret = batch.token("secret", 16, 128)?;
    let batch_key = batch.token("batch_key", 8, 64)?;
    let cart_code = match batch.optional("cart_code") {
        Some(found) => {
            let code = found.as_str().and_then(normalise_cart_code);
            Some(code.ok_or_else(|| Problem::new("cart_code", "must look like K7M-4QP"))?)
        }
        None => None,
    };
    let dropped = match batch.optional("dropped") {
        Some(found) => batch.whole_of("dropped", found, 0, i64::from(u32::MAX))? as u32,
        None => 0,
    };
    batch.required("events")?;
    let raw_events = batch.optional_array("events", MAX_EVENTS)?.unwrap_or_default();
    let mut events = Vec::with_capacity(raw_events.len());
    for (i, event) in raw_events.iter().enumerate() {
        events.push(decode_event(event, &index("events", i))?);
    }
    Ok(Batch { site, visitor_id, secret, batch_key, cart_code, dropped, events })
}
