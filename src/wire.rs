//! The page-facing formats: `concierge(...)` calls, GA4 `dataLayer` entries and the loader's
//! `data-*` settings, decoded into engine types.
//!
//! Decoding keeps every valid part: a bad item is dropped, the rest of the event applies. What
//! was dropped or adjusted comes back as [`Problem`]s, each naming the field, for the console.

use crate::engine::cart::{Item, MAX_QUANTITY};
use crate::engine::config::{Config, HOUR, MINUTE};
use crate::engine::consent::{Consent, ConsentUpdate, Decision};
use crate::engine::money::Currency;
use crate::engine::sync::{Batch, OutEvent, Payload};
use crate::engine::{Commerce, CommerceKind, Intent};
use crate::value::{format_decimal, parse_decimal, Value};
use std::fmt;

/// Text fields longer than this are cut; names that long are a bug, not a product.
pub const MAX_TEXT: usize = 200;
/// Items accepted in one event.
pub const MAX_ITEMS: usize = 200;

/// Something wrong with input from the page. Each names where it was found.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// The whole call was unusable.
    UnknownEvent(String),
    EventNameNotText(&'static str),
    NotAnObject {
        what: String,
        found: &'static str,
    },
    CurrencyInvalid {
        found: String,
    },
    CurrencyMismatch {
        found: Currency,
        expected: Currency,
    },
    /// Every item was unusable; `reasons` says why, item by item.
    NoValidItems {
        event: &'static str,
        reasons: Vec<Problem>,
    },
    UnknownCommand(String),
    ConsentInvalid {
        found: String,
    },
    /// Only a part was dropped or adjusted.
    ItemsNotArray {
        event: &'static str,
        found: &'static str,
    },
    TooManyItems {
        event: &'static str,
        kept: usize,
    },
    ItemNotObject {
        index: usize,
        found: &'static str,
    },
    ItemWithoutId {
        index: usize,
    },
    FieldWrongType {
        path: String,
        expected: &'static str,
        found: &'static str,
    },
    PriceMissing {
        index: usize,
    },
    PriceInvalid {
        index: usize,
        found: String,
    },
    NumberAsText {
        path: String,
        text: String,
    },
    QuantityInvalid {
        index: usize,
        found: String,
    },
    TextTruncated {
        path: String,
    },
    SettingInvalid {
        attribute: &'static str,
        found: String,
        using: String,
    },
    SettingMissing {
        attribute: &'static str,
        using: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Problem::*;
        match self {
            UnknownEvent(name) => write!(
                f,
                "unknown event \"{name}\" ignored; expected one of {}",
                CommerceKind::ALL.map(CommerceKind::name).join(", ")
            ),
            EventNameNotText(found) => write!(f, "the event name must be a string, got {found}"),
            NotAnObject { what, found } => write!(f, "{what} must be an object, got {found}"),
            CurrencyInvalid { found } => {
                write!(f, "currency {found} is not an ISO 4217 code such as \"EUR\"; event ignored")
            }
            CurrencyMismatch { found, expected } => write!(
                f,
                "currency {found} differs from the shop's {expected} (data-currency); event ignored"
            ),
            NoValidItems { event, reasons } => {
                write!(f, "{event}: no valid item left; event ignored")?;
                reasons.iter().try_for_each(|reason| write!(f, "; {reason}"))
            }
            UnknownCommand(name) => write!(
                f,
                "unknown command \"{name}\"; expected \"track\", \"consent\", \"on\" or \"off\""
            ),
            ConsentInvalid { found } => write!(
                f,
                "consent takes \"accept\", \"reject\", \"prompt\" or an object such as \
                 {{ analytics_storage: \"granted\" }}; got {found}"
            ),
            ItemsNotArray { event, found } => write!(f, "{event}: items must be an array, got {found}"),
            TooManyItems { event, kept } => {
                write!(f, "{event}: more than {kept} items; only the first {kept} were kept")
            }
            ItemNotObject { index, found } => {
                write!(f, "items[{index}] must be an object, got {found}; item skipped")
            }
            ItemWithoutId { index } => {
                write!(f, "items[{index}] has neither item_id nor item_name; item skipped")
            }
            FieldWrongType { path, expected, found } => {
                write!(f, "{path} must be {expected}, got {found}; field ignored")
            }
            PriceMissing { index } => write!(f, "items[{index}].price is missing; item skipped"),
            PriceInvalid { index, found } => write!(
                f,
                "items[{index}].price must be a non-negative number, got {found}; item skipped"
            ),
            NumberAsText { path, text } => {
                write!(f, "{path} should be a number, got the string \"{text}\"; read as a number")
            }
            QuantityInvalid { index, found } => write!(
                f,
                "items[{index}].quantity must be a whole number from 1 to {MAX_QUANTITY}, got {found}; item skipped"
            ),
            TextTruncated { path } => write!(f, "{path} is longer than {MAX_TEXT} characters; cut"),
            SettingInvalid { attribute, found, using } => {
                write!(f, "{attribute}=\"{found}\" is not valid; using {using}")
            }
            SettingMissing { attribute, using } => write!(f, "{attribute} is missing; using {using}"),
        }
    }
}

/// A decoded event and what was dropped or adjusted on the way.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded<T> {
    pub value: T,
    pub problems: Vec<Problem>,
}

/// Decodes `concierge('track', name, params)`.
pub fn decode_track(
    name: &Value,
    params: &Value,
    currency: Currency,
) -> Result<Decoded<Commerce>, Problem> {
    let name = name.as_str().ok_or(Problem::EventNameNotText(name.kind()))?;
    let kind =
        CommerceKind::from_name(name).ok_or_else(|| Problem::UnknownEvent(truncate(name)))?;
    let event = kind.name();
    let params = match params {
        Value::Null => &Value::Object(Vec::new()),
        Value::Object(_) => params,
        other => {
            return Err(Problem::NotAnObject {
                what: format!("{event} params"),
                found: other.kind(),
            })
        }
    };
    if let Some(found) = params.field("currency") {
        let code = found.as_str().and_then(Currency::parse);
        match code {
            Some(code) if code == currency => {}
            Some(code) => {
                return Err(Problem::CurrencyMismatch { found: code, expected: currency })
            }
            None => return Err(Problem::CurrencyInvalid { found: describe(found) }),
        }
    }
    let mut problems = Vec::new();
    let needs_price = kind != CommerceKind::RemoveFromCart;
    let items = match params.field("items") {
        None => None,
        Some(Value::Array(raw)) => {
            if raw.len() > MAX_ITEMS {
                problems.push(Problem::TooManyItems { event, kept: MAX_ITEMS });
            }
            let items: Vec<Item> = raw
                .iter()
                .take(MAX_ITEMS)
                .enumerate()
                .filter_map(|(index, raw)| {
                    decode_item(index, raw, currency, needs_price, &mut problems)
                })
                .collect();
            if items.is_empty() && !raw.is_empty() && changes_cart(kind) {
                return Err(Problem::NoValidItems { event, reasons: problems });
            }
            Some(items)
        }
        Some(other) => {
            let problem = Problem::ItemsNotArray { event, found: other.kind() };
            if changes_cart(kind) && kind != CommerceKind::Purchase {
                return Err(Problem::NoValidItems { event, reasons: vec![problem] });
            }
            problems.push(problem);
            None
        }
    };
    let transaction_id = optional_text(params, "transaction_id", "transaction_id", &mut problems);
    Ok(Decoded { value: Commerce { kind, items, transaction_id }, problems })
}

fn changes_cart(kind: CommerceKind) -> bool {
    !matches!(kind, CommerceKind::ViewItem | CommerceKind::ViewItemList)
}

fn decode_item(
    index: usize,
    raw: &Value,
    currency: Currency,
    needs_price: bool,
    problems: &mut Vec<Problem>,
) -> Option<Item> {
    if !raw.is_object() {
        problems.push(Problem::ItemNotObject { index, found: raw.kind() });
        return None;
    }
    let path = |field: &str| format!("items[{index}].{field}");
    let id = optional_text(raw, "item_id", &path("item_id"), problems);
    let name = optional_text(raw, "item_name", &path("item_name"), problems);
    let (id, name) = match (id, name) {
        (Some(id), Some(name)) => (id, name),
        (Some(id), None) => (id.clone(), id),
        (None, Some(name)) => (name.clone(), name),
        (None, None) => {
            problems.push(Problem::ItemWithoutId { index });
            return None;
        }
    };
    let category = optional_text(raw, "item_category", &path("item_category"), problems);

    let price = match raw.field("price") {
        None if needs_price => {
            problems.push(Problem::PriceMissing { index });
            return None;
        }
        None => 0,
        Some(found) => {
            let major = number(found, &path("price"), problems);
            let minor = major.filter(|v| *v >= 0.0).and_then(|v| currency.to_minor(v));
            match minor {
                Some(minor) => minor,
                None => {
                    problems.push(Problem::PriceInvalid { index, found: describe(found) });
                    return None;
                }
            }
        }
    };

    let quantity = match raw.field("quantity") {
        None => 1,
        Some(found) => {
            let whole = number(found, &path("quantity"), problems)
                .filter(|v| v.fract() == 0.0 && *v >= 1.0 && *v <= f64::from(MAX_QUANTITY));
            match whole {
                Some(v) => v as u32,
                None => {
                    problems.push(Problem::QuantityInvalid { index, found: describe(found) });
                    return None;
                }
            }
        }
    };
    Some(Item { id, name, category, price, quantity })
}

/// A text field; numbers are taken as text too, since shops often send numeric SKUs.
fn optional_text(
    raw: &Value,
    key: &str,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    match raw.field(key)? {
        Value::String(text) if text.trim().is_empty() => None,
        Value::String(text) => Some(cut(text.trim(), path, problems)),
        Value::Number(n) if n.is_finite() => Some(format_decimal(*n)),
        other => {
            problems.push(Problem::FieldWrongType {
                path: path.to_owned(),
                expected: "a string",
                found: other.kind(),
            });
            None
        }
    }
}

/// A number, or a string holding one (accepted, with a problem noted so the shop fixes it).
fn number(found: &Value, path: &str, problems: &mut Vec<Problem>) -> Option<f64> {
    match found {
        Value::Number(n) if n.is_finite() => Some(*n),
        Value::String(text) => {
            let parsed = parse_decimal(text)?;
            problems.push(Problem::NumberAsText { path: path.to_owned(), text: truncate(text) });
            Some(parsed)
        }
        _ => None,
    }
}

fn cut(text: &str, path: &str, problems: &mut Vec<Problem>) -> String {
    if text.chars().count() <= MAX_TEXT {
        return text.to_owned();
    }
    problems.push(Problem::TextTruncated { path: path.to_owned() });
    text.chars().take(MAX_TEXT).collect()
}

fn truncate(text: &str) -> String {
    text.chars().take(60).collect()
}

/// A short rendering of a bad value for a message.
fn describe(found: &Value) -> String {
    match found {
        Value::String(text) => format!("\"{}\"", truncate(text)),
        Value::Number(n) => format_decimal(*n),
        Value::Bool(b) => b.to_string(),
        other => other.kind().to_owned(),
    }
}

/// What `concierge('consent', arg)` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentCommand {
    Update(ConsentUpdate),
    ShowPrompt,
}

/// Decodes `concierge('consent', arg)`: `"accept"`, `"reject"`, `"prompt"`, or an object in
/// GA4 consent mode's words (`analytics_storage`, `functionality_storage`,
/// `personalization_storage`: `"granted"`/`"denied"`) or plain booleans (`analytics`, `storage`).
pub fn decode_consent(arg: &Value) -> Result<ConsentCommand, Problem> {
    let invalid = || Problem::ConsentInvalid { found: describe(arg) };
    match arg {
        Value::String(word) => match word.as_str() {
            "accept" | "granted" => Ok(ConsentCommand::Update(ConsentUpdate::ACCEPT_ALL)),
            "reject" | "denied" => Ok(ConsentCommand::Update(ConsentUpdate::REJECT_ALL)),
            "prompt" => Ok(ConsentCommand::ShowPrompt),
            _ => Err(invalid()),
        },
        Value::Object(_) => {
            let decision = |keys: &[&str]| -> Result<Option<bool>, Problem> {
                let mut result = None;
                for key in keys {
                    let granted = match arg.field(key) {
                        None => continue,
                        Some(Value::Bool(b)) => *b,
                        Some(Value::String(s)) if s == "granted" => true,
                        Some(Value::String(s)) if s == "denied" => false,
                        Some(_) => return Err(invalid()),
                    };
                    // Where several keys map to one purpose, any denial wins.
                    result = Some(result.unwrap_or(true) && granted);
                }
                Ok(result)
            };
            let update = ConsentUpdate {
                storage: decision(&[
                    "storage",
                    "functionality_storage",
                    "personalization_storage",
                ])?,
                analytics: decision(&["analytics", "analytics_storage"])?,
            };
            if update == ConsentUpdate::default() {
                return Err(invalid());
            }
            Ok(ConsentCommand::Update(update))
        }
        _ => Err(invalid()),
    }
}

/// Reads a `dataLayer` entry: a GA4 push `{ event, ecommerce }` or a `gtag('event', name,
/// params)` call (an arguments list). `None` for entries that are not ecommerce events, which
/// the dataLayer carries plenty of and which are no concern of the agent.
pub fn decode_data_layer(
    entry: &Value,
    currency: Currency,
) -> Option<Result<Decoded<Commerce>, Problem>> {
    let (name, params) = match entry {
        Value::Array(args) if args.first().and_then(Value::as_str) == Some("event") => {
            (args.get(1)?, args.get(2).unwrap_or(&Value::Null))
        }
        Value::Object(_) => (entry.field("event")?, entry.field("ecommerce")?),
        _ => return None,
    };
    CommerceKind::from_name(name.as_str()?)?;
    Some(decode_track(name, params, currency))
}

/// Reads the loader's `data-*` attributes (as `dataset` gives them: camelCase keys, string
/// values). Anything missing or invalid falls back to a default, with a problem to report.
pub fn decode_settings(dataset: &Value, fallback_locale: &str) -> Decoded<Config> {
    let mut problems = Vec::new();
    let text = |key: &str| dataset.field(key).and_then(Value::as_str).map(str::trim);

    let site = match text("site").filter(|s| is_site_name(s)) {
        Some(site) => site.to_owned(),
        None => {
            let using = "\"default\"".to_owned();
            problems.push(match text("site") {
                Some(found) => Problem::SettingInvalid {
                    attribute: "data-site",
                    found: truncate(found),
                    using,
                },
                None => Problem::SettingMissing { attribute: "data-site", using },
            });
            "default".to_owned()
        }
    };
    let mut config = Config::new(site);

    match text("currency") {
        Some(code) => match Currency::parse(code) {
            Some(currency) => config.currency = currency,
            None => problems.push(Problem::SettingInvalid {
                attribute: "data-currency",
                found: truncate(code),
                using: config.currency.to_string(),
            }),
        },
        None => problems.push(Problem::SettingMissing {
            attribute: "data-currency",
            using: config.currency.to_string(),
        }),
    }
    config.locale = match text("locale").filter(|l| is_language_tag(l)) {
        Some(locale) => locale.to_owned(),
        None => {
            if let Some(found) = text("locale") {
                problems.push(Problem::SettingInvalid {
                    attribute: "data-locale",
                    found: truncate(found),
                    using: format!("\"{fallback_locale}\""),
                });
            }
            fallback_locale.to_owned()
        }
    };
    if let Some(endpoint) = text("endpoint").filter(|e| !e.is_empty()) {
        config.endpoint = endpoint.trim_end_matches('/').to_owned();
    }
    let mut duration = |key: &'static str, attribute: &'static str, unit: i64, target: &mut i64| {
        if let Some(found) = text(key) {
            match parse_decimal(found) {
                Some(n) if n > 0.0 && n <= 525_600.0 => *target = (n * unit as f64).round() as i64,
                _ => problems.push(Problem::SettingInvalid {
                    attribute,
                    found: truncate(found),
                    using: format_decimal(*target as f64 / unit as f64),
                }),
            }
        }
    };
    duration("idleMinutes", "data-idle-minutes", MINUTE, &mut config.idle_timeout);
    duration("dismissHours", "data-dismiss-hours", HOUR, &mut config.dismiss_for);
    if let Some(path) = text("checkoutPath").filter(|p| p.starts_with('/')) {
        config.checkout_path = path.to_owned();
        config.resume_url = path.to_owned();
    }
    if let Some(url) = text("resumeUrl").filter(|u| !u.is_empty()) {
        config.resume_url = url.to_owned();
    }
    if let Some(prompt) = text("consentPrompt") {
        config.consent_prompt = !matches!(prompt, "off" | "false" | "0" | "no");
    }
    if let Some(hosts) = text("linkHosts") {
        config.link_hosts =
            hosts.split([',', ' ']).filter(|h| !h.is_empty()).map(str::to_owned).collect();
    }
    Decoded { value: config, problems }
}

fn is_site_name(site: &str) -> bool {
    !site.is_empty()
        && site.len() <= 64
        && site.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn is_language_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.len() <= 35
        && tag.split('-').all(|part| {
            (1..=8).contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphanumeric())
        })
}

/// The backend's event format, version 1: what `POST /v1/events` takes, and also how the
/// outbox is kept in storage, so a stored event goes out exactly as it was recorded.
pub const BATCH_VERSION: f64 = 1.0;

pub fn decision_name(decision: Decision) -> &'static str {
    match decision {
        Decision::Unset => "unset",
        Decision::Granted => "granted",
        Decision::Denied => "denied",
    }
}

pub fn encode_consent(consent: &Consent) -> Value {
    Value::object([
        ("storage", decision_name(consent.storage).into()),
        ("analytics", decision_name(consent.analytics).into()),
    ])
}

/// GA4 `items`, with prices in minor units.
pub fn encode_items(items: &[Item]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|item| {
                let mut fields = vec![
                    ("item_id".to_owned(), Value::from(item.id.as_str())),
                    ("item_name".to_owned(), Value::from(item.name.as_str())),
                ];
                if let Some(category) = &item.category {
                    fields.push(("item_category".to_owned(), Value::from(category.as_str())));
                }
                fields.push(("price".to_owned(), Value::from(item.price)));
                fields.push(("quantity".to_owned(), Value::from(i64::from(item.quantity))));
                Value::Object(fields)
            })
            .collect(),
    )
}

pub fn encode_event(event: &OutEvent) -> Value {
    let mut fields = vec![("id".to_owned(), Value::from(event.id.as_str()))];
    let name = match &event.payload {
        Payload::Consent(_) => "consent",
        Payload::Cart(_) => "cart",
        Payload::Commerce { kind, .. } => kind.name(),
    };
    fields.push(("name".to_owned(), name.into()));
    fields.push(("at".to_owned(), event.at.into()));
    match &event.payload {
        Payload::Consent(consent) => fields.push(("consent".to_owned(), encode_consent(consent))),
        Payload::Cart(cart) => fields.push((
            "cart".to_owned(),
            Value::object([
                ("currency", cart.currency.code().into()),
                ("lines", encode_items(&cart.lines)),
                ("updated_at", cart.updated_at.into()),
            ]),
        )),
        Payload::Commerce { items, transaction_id, .. } => {
            if !items.is_empty() {
                fields.push(("items".to_owned(), encode_items(items)));
            }
            if let Some(id) = transaction_id {
                fields.push(("transaction_id".to_owned(), id.as_str().into()));
            }
        }
    }
    Value::Object(fields)
}

pub fn encode_batch(batch: &Batch, site: &str) -> Value {
    let identity = &batch.identity;
    Value::object([
        ("v", BATCH_VERSION.into()),
        ("site", site.into()),
        ("visitor_id", identity.visitor_id.as_str().into()),
        ("secret", identity.secret.as_str().into()),
        ("batch_key", batch.key.as_str().into()),
        ("cart_code", identity.cart_code.as_str().into()),
        ("dropped", i64::from(batch.dropped).into()),
        ("events", Value::Array(batch.events.iter().map(encode_event).collect())),
    ])
}

/// Reads an event written by [`encode_event`]; `None` for anything else.
pub fn decode_event(value: &Value, currency: Currency) -> Option<OutEvent> {
    let id = value.field("id")?.as_str()?.to_owned();
    let at = value.field("at")?.as_f64().filter(|at| at.fract() == 0.0 && *at >= 0.0)? as i64;
    let name = value.field("name")?.as_str()?;
    let items = |value: &Value| -> Option<Vec<Item>> {
        match value.field("items").or_else(|| value.field("lines")) {
            None => Some(Vec::new()),
            Some(Value::Array(raw)) => raw.iter().map(decode_wire_item).collect(),
            Some(_) => None,
        }
    };
    let payload = match name {
        "consent" => {
            let consent = value.field("consent")?;
            let decision = |key| match consent.field(key).and_then(Value::as_str) {
                Some("granted") => Some(Decision::Granted),
                Some("denied") => Some(Decision::Denied),
                Some("unset") => Some(Decision::Unset),
                _ => None,
            };
            Payload::Consent(Consent {
                storage: decision("storage")?,
                analytics: decision("analytics")?,
                decided_at: Some(at),
            })
        }
        "cart" => {
            let cart = value.field("cart")?;
            let updated_at = cart.field("updated_at").and_then(Value::as_f64).map(|t| t as i64);
            Payload::Cart(crate::engine::cart::Cart { currency, lines: items(cart)?, updated_at })
        }
        other => {
            let kind = CommerceKind::from_name(other)?;
            let transaction_id =
                value.field("transaction_id").and_then(Value::as_str).map(str::to_owned);
            Payload::Commerce { kind, items: items(value)?, transaction_id }
        }
    };
    Some(OutEvent { id, at, payload })
}

fn decode_wire_item(value: &Value) -> Option<Item> {
    let text = |key| value.field(key).and_then(Value::as_str).map(str::to_owned);
    let whole =
        |key| value.field(key).and_then(Value::as_f64).filter(|n| n.fract() == 0.0 && *n >= 0.0);
    Some(Item {
        id: text("item_id")?,
        name: text("item_name")?,
        category: text("item_category"),
        price: whole("price")? as i64,
        quantity: whole("quantity").filter(|q| *q >= 1.0 && *q <= f64::from(MAX_QUANTITY))? as u32,
    })
}

/// Reads `GET /v1/profiles/{visitor}/intents`: what staff recorded, newest first.
pub fn decode_intents(value: &Value) -> Option<Vec<Intent>> {
    let Value::Array(items) = value else { return None };
    items
        .iter()
        .map(|item| {
            let products = match item.field("products")? {
                Value::Array(products) => {
                    products.iter().filter_map(Value::as_str).map(str::to_owned).collect()
                }
                _ => return None,
            };
            let text = |key| item.field(key).and_then(Value::as_str).unwrap_or_default().to_owned();
            Some(Intent {
                products,
                note: text("note"),
                channel: text("channel"),
                created_at: item.field("created_at").and_then(Value::as_f64).unwrap_or(0.0) as i64,
            })
        })
        .collect()
}
