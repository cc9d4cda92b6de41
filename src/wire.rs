//! The page-facing formats: `concierge(...)` calls, GA4 `dataLayer` entries and the loader's
//! `data-*` settings, decoded into engine types.
//!
//! Decoding keeps every valid part: a bad item is dropped, the rest of the event applies. What
//! was dropped or adjusted comes back as [`Problem`]s, each naming the field, for the console.

use crate::engine::campaigns::Signal;
use crate::engine::cart::{Item, MAX_QUANTITY};
use crate::engine::config::{PageSettings, HOUR, MINUTE};
use crate::engine::consent::ConsentUpdate;
use crate::engine::interests::{Observation, Product, Source, MAX_KEY_CHARS};
use crate::engine::money::Currency;
use crate::engine::sync::Batch;
use crate::engine::targeting::Device;
use crate::engine::{tcf, Commerce, CommerceKind, Intent, Page};
use crate::value::{format_decimal, parse_decimal, Value};
use concierge_protocol as protocol;
use concierge_protocol::consent::TcfSignal;
pub use concierge_protocol::limits::{MAX_ITEMS, MAX_PRICE_MINOR, MAX_TEXT};
use concierge_protocol::text;
use concierge_protocol::writer::JsonWriter;
use std::fmt;

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
    /// Above the largest price both ends accept, so that totals can never overflow.
    PriceTooLarge {
        index: usize,
        largest: String,
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
    /// A campaign input (a trigger, a signal, a start field) that could not be used.
    CampaignInput {
        path: &'static str,
        expected: &'static str,
        found: String,
    },
}

impl Problem {
    /// The console message. Built without `core::fmt`, which the agent's Wasm does not carry;
    /// `Display` writes the same text for native callers.
    pub fn describe(&self) -> String {
        use Problem::*;
        match self {
            UnknownEvent(name) => text!(
                "unknown event \"",
                name,
                "\" ignored; expected one of ",
                CommerceKind::ALL.map(CommerceKind::name).join(", ")
            ),
            EventNameNotText(found) => text!("the event name must be a string, got ", *found),
            NotAnObject { what, found } => text!(what, " must be an object, got ", *found),
            CurrencyInvalid { found } => {
                text!("currency ", found, " is not an ISO 4217 code such as \"EUR\"; event ignored")
            }
            CurrencyMismatch { found, expected } => text!(
                "currency ",
                found.code(),
                " differs from the shop's ",
                expected.code(),
                " (data-currency); event ignored"
            ),
            NoValidItems { event, reasons } => {
                let mut message = text!(*event, ": no valid item left; event ignored");
                for reason in reasons {
                    message.push_str("; ");
                    message.push_str(&reason.describe());
                }
                message
            }
            UnknownCommand(name) => text!(
                "unknown command \"",
                name,
                "\"; expected \"track\", \"consent\", \"trigger\", \"on\" or \"off\""
            ),
            ConsentInvalid { found } => text!(
                "consent takes \"accept\", \"reject\", \"prompt\", \"open\" or an object \
                 such as { measurement: \"granted\" }; got ",
                found
            ),
            ItemsNotArray { event, found } => {
                text!(*event, ": items must be an array, got ", *found)
            }
            TooManyItems { event, kept } => {
                text!(*event, ": more than ", *kept, " items; only the first ", *kept, " were kept")
            }
            ItemNotObject { index, found } => {
                text!("items[", *index, "] must be an object, got ", *found, "; item skipped")
            }
            ItemWithoutId { index } => {
                text!("items[", *index, "] has neither item_id nor item_name; item skipped")
            }
            FieldWrongType { path, expected, found } => {
                text!(path, " must be ", *expected, ", got ", *found, "; field ignored")
            }
            PriceMissing { index } => text!("items[", *index, "].price is missing; item skipped"),
            PriceInvalid { index, found } => text!(
                "items[",
                *index,
                "].price must be a non-negative number, got ",
                found,
                "; item skipped"
            ),
            PriceTooLarge { index, largest } => text!(
                "items[",
                *index,
                "].price is above the largest price accepted (",
                largest,
                "); item skipped"
            ),
            NumberAsText { path, text } => {
                text!(path, " should be a number, got the string \"", text, "\"; read as a number")
            }
            QuantityInvalid { index, found } => text!(
                "items[",
                *index,
                "].quantity must be a whole number from 1 to ",
                MAX_QUANTITY,
                ", got ",
                found,
                "; item skipped"
            ),
            TextTruncated { path } => text!(path, " is longer than ", MAX_TEXT, " characters; cut"),
            SettingInvalid { attribute, found, using } => {
                text!(*attribute, "=\"", found, "\" is not valid; using ", using)
            }
            SettingMissing { attribute, using } => text!(*attribute, " is missing; using ", using),
            CampaignInput { path, expected, found } => {
                text!(*path, " must be ", *expected, ", got ", found, "; ignored")
            }
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
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
            return Err(Problem::NotAnObject { what: text!(event, " params"), found: other.kind() })
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
            let mut items = Vec::new();
            for (index, raw) in raw.iter().take(MAX_ITEMS).enumerate() {
                if let Some(item) = decode_item(index, raw, currency, needs_price, &mut problems) {
                    items.push(item);
                }
            }
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
    let transaction_id = optional_text(params, Field::top("transaction_id"), &mut problems);
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
    let field = |key| Field { item: Some(index), key };
    let id = optional_text(raw, field("item_id"), problems);
    let name = optional_text(raw, field("item_name"), problems);
    let (id, name) = match (id, name) {
        (Some(id), Some(name)) => (id, name),
        (Some(id), None) => (id.clone(), id),
        (None, Some(name)) => (name.clone(), name),
        (None, None) => {
            problems.push(Problem::ItemWithoutId { index });
            return None;
        }
    };
    let category = optional_text(raw, field("item_category"), problems);

    let price = match raw.field("price") {
        None if needs_price => {
            problems.push(Problem::PriceMissing { index });
            return None;
        }
        None => 0,
        Some(found) => {
            let major = number(found, field("price"), problems);
            let minor = major.filter(|v| *v >= 0.0).and_then(|v| currency.to_minor(v));
            match minor {
                Some(minor) if minor > MAX_PRICE_MINOR => {
                    let largest = format_decimal(currency.to_major(MAX_PRICE_MINOR));
                    problems.push(Problem::PriceTooLarge { index, largest });
                    return None;
                }
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
            let whole = number(found, field("quantity"), problems)
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

/// A field of the event's parameters or of one of its items. Its path (`items[2].price`) is
/// written only for a problem's message, not for every field read.
#[derive(Clone, Copy)]
struct Field<'a> {
    item: Option<usize>,
    key: &'a str,
}

impl<'a> Field<'a> {
    fn top(key: &'a str) -> Field<'a> {
        Field { item: None, key }
    }

    fn path(self) -> String {
        match self.item {
            Some(index) => text!("items[", index, "].", self.key),
            None => self.key.to_owned(),
        }
    }
}

/// A text field; numbers are taken as text too, since shops often send numeric SKUs.
fn optional_text(raw: &Value, field: Field<'_>, problems: &mut Vec<Problem>) -> Option<String> {
    match raw.field(field.key)? {
        Value::String(text) if text.trim().is_empty() => None,
        Value::String(text) => Some(cut(text.trim(), field, problems)),
        Value::Number(n) if n.is_finite() => Some(format_decimal(*n)),
        other => {
            problems.push(Problem::FieldWrongType {
                path: field.path(),
                expected: "a string",
                found: other.kind(),
            });
            None
        }
    }
}

/// A number, or a string holding one (accepted, with a problem noted so the shop fixes it).
fn number(found: &Value, field: Field<'_>, problems: &mut Vec<Problem>) -> Option<f64> {
    match found {
        Value::Number(n) if n.is_finite() => Some(*n),
        Value::String(text) => {
            let parsed = parse_decimal(text)?;
            problems.push(Problem::NumberAsText { path: field.path(), text: truncate(text) });
            Some(parsed)
        }
        _ => None,
    }
}

fn cut(text: &str, field: Field<'_>, problems: &mut Vec<Problem>) -> String {
    if text.chars().count() <= MAX_TEXT {
        return text.to_owned();
    }
    problems.push(Problem::TextTruncated { path: field.path() });
    text.chars().take(MAX_TEXT).collect()
}

fn truncate(text: &str) -> String {
    text.chars().take(60).collect()
}

/// A short rendering of a bad value for a message.
fn describe(found: &Value) -> String {
    match found {
        Value::String(text) => text!('"', truncate(text), '"'),
        Value::Number(n) => format_decimal(*n),
        Value::Bool(true) => "true".to_owned(),
        Value::Bool(false) => "false".to_owned(),
        other => other.kind().to_owned(),
    }
}

/// What `concierge('consent', arg)` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsentCommand {
    Update(ConsentUpdate),
    ShowPrompt,
    /// `"open"`: the preferences panel.
    OpenPanel,
}

/// Decodes `concierge('consent', arg)`: `"accept"`, `"reject"`, `"prompt"` or `"open"`, or an
/// object whose keys are the policy's purpose ids, GA4 consent mode's words
/// (`analytics_storage`, `ad_storage`, ...) or the released agent's `storage` and `analytics`,
/// each `true`/`false` or `"granted"`/`"denied"`. Which purpose a key names is the engine's
/// to say, under the policy in force.
pub fn decode_consent(arg: &Value) -> Result<ConsentCommand, Problem> {
    let invalid = || Problem::ConsentInvalid { found: describe(arg) };
    match arg {
        Value::String(word) => match word.as_str() {
            "accept" | "granted" => Ok(ConsentCommand::Update(ConsentUpdate::all(true))),
            "reject" | "denied" => Ok(ConsentCommand::Update(ConsentUpdate::all(false))),
            "prompt" => Ok(ConsentCommand::ShowPrompt),
            "open" => Ok(ConsentCommand::OpenPanel),
            _ => Err(invalid()),
        },
        Value::Object(entries) if !entries.is_empty() => {
            let mut update = ConsentUpdate::default();
            for (key, value) in entries {
                let granted = match value {
                    Value::Bool(b) => *b,
                    Value::String(s) if s == "granted" => true,
                    Value::String(s) if s == "denied" => false,
                    _ => return Err(invalid()),
                };
                update.set.push((key.clone(), granted));
            }
            Ok(ConsentCommand::Update(update))
        }
        _ => Err(invalid()),
    }
}

/// Decodes `concierge('trigger', name, params)`: a name of 1 to 64 letters, digits, `-` or `_`,
/// and params that are an object or absent (`null` counts as absent).
pub fn decode_trigger(name: &Value, params: &Value) -> Result<(String, Value), Problem> {
    let token = name.as_str().filter(|n| protocol::batch::is_token(n, 1, 64));
    let Some(token) = token else {
        return Err(Problem::CampaignInput {
            path: "trigger: name",
            expected: "1-64 letters, digits, - or _",
            found: describe(name),
        });
    };
    match params {
        Value::Null | Value::Object(_) => Ok((token.to_owned(), params.clone())),
        other => Err(Problem::CampaignInput {
            path: "trigger: params",
            expected: "an object",
            found: describe(other),
        }),
    }
}

/// Decodes the shell's `["signal", kind, value]`: `exit_intent`, `idle` (seconds), `scroll`
/// (percent), `time` (seconds), `route` (the new path).
pub fn decode_signal(kind: &Value, value: &Value) -> Result<Signal, Problem> {
    let whole = |max: f64| value.as_f64().filter(|n| n.fract() == 0.0 && (0.0..=max).contains(n));
    let signal = match kind.as_str() {
        Some("exit_intent") => Some(Signal::ExitIntent),
        Some("idle") => whole(86_400.0).map(|n| Signal::Idle(n as u32)),
        Some("scroll") => whole(100.0).map(|n| Signal::Scroll(n as u32)),
        Some("time") => whole(86_400.0).map(|n| Signal::Time(n as u32)),
        Some("route") => value.as_str().filter(|p| is_path(p)).map(|p| Signal::Route(p.to_owned())),
        _ => {
            return Err(Problem::CampaignInput {
                path: "signal",
                expected: "exit_intent, idle, scroll, time or route",
                found: describe(kind),
            })
        }
    };
    signal.ok_or_else(|| Problem::CampaignInput {
        path: "signal value",
        expected: "a whole number in range, or a path for route",
        found: describe(value),
    })
}

/// A path on the shop: `/` and at most [`MAX_TEXT`] characters.
fn is_path(path: &str) -> bool {
    path.starts_with('/') && path.len() <= MAX_TEXT
}

/// The start request's page fields: `page_type` (a token), `device` (`desktop`, `tablet`,
/// `mobile`), `tz_offset` (minutes east of UTC) and `referrer` (a path, or empty). What is
/// missing stays unknown; what is wrong is a problem naming the field and is left unknown.
pub fn decode_page(request: &Value, path: String) -> Decoded<Page> {
    let mut problems = Vec::new();
    let mut page = Page::at(&path);
    let mut wrong = |path: &'static str, expected: &'static str, found: &Value| {
        problems.push(Problem::CampaignInput { path, expected, found: describe(found) })
    };
    if let Some(found) = request.field("page_type") {
        match found.as_str().filter(|t| protocol::batch::is_token(t, 1, 32)) {
            Some(page_type) => page.page_type = Some(page_type.to_owned()),
            None => wrong("page_type", "a page type such as \"product\"", found),
        }
    }
    if let Some(found) = request.field("device") {
        match found.as_str().and_then(Device::from_name) {
            Some(device) => page.device = Some(device),
            None => wrong("device", "desktop, tablet or mobile", found),
        }
    }
    if let Some(found) = request.field("tz_offset") {
        match found.as_f64().filter(|n| n.fract() == 0.0 && (-840.0..=840.0).contains(n)) {
            Some(minutes) => page.tz_offset = minutes as i32,
            None => wrong("tz_offset", "minutes east of UTC, -840 to 840", found),
        }
    }
    page.cmp = matches!(request.field("cmp"), Some(Value::Bool(true)));
    if let Some(found) = request.field("referrer") {
        match found.as_str() {
            Some("") => {}
            Some(path) if is_path(path) => page.referrer = Some(path.to_owned()),
            _ => wrong("referrer", "a path on the shop or empty", found),
        }
    }
    Decoded { value: page, problems }
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
/// values). Anything missing or invalid falls back to a default, with a problem to report;
/// what is given overrides the shop's published settings.
pub fn decode_settings(dataset: &Value, fallback_locale: &str) -> Decoded<PageSettings> {
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
    let mut settings = PageSettings::new(site);

    match text("currency") {
        Some(code) => match Currency::parse(code) {
            Some(currency) => settings.currency = currency,
            None => problems.push(Problem::SettingInvalid {
                attribute: "data-currency",
                found: truncate(code),
                using: settings.currency.code().to_owned(),
            }),
        },
        None => problems.push(Problem::SettingMissing {
            attribute: "data-currency",
            using: settings.currency.code().to_owned(),
        }),
    }
    settings.locale = match text("locale").filter(|l| is_language_tag(l)) {
        Some(locale) => locale.to_owned(),
        None => {
            if let Some(found) = text("locale") {
                problems.push(Problem::SettingInvalid {
                    attribute: "data-locale",
                    found: truncate(found),
                    using: text!('"', fallback_locale, '"'),
                });
            }
            fallback_locale.to_owned()
        }
    };
    if let Some(found) = text("region") {
        match concierge_protocol::documents::rules::is_country(found) {
            true => settings.region = Some(found.to_owned()),
            false => problems.push(Problem::SettingInvalid {
                attribute: "data-region",
                found: truncate(found),
                using: "the backend's word, or none".to_owned(),
            }),
        }
    }
    if let Some(endpoint) = text("endpoint").filter(|e| !e.is_empty()) {
        settings.endpoint = endpoint.trim_end_matches('/').to_owned();
    }
    let overrides = &mut settings.overrides;
    let mut duration = |key: &'static str, attribute: &'static str, unit: i64| -> Option<i64> {
        let found = text(key)?;
        match parse_decimal(found) {
            Some(n) if n > 0.0 && n <= 525_600.0 => Some((n * unit as f64).round() as i64),
            _ => {
                problems.push(Problem::SettingInvalid {
                    attribute,
                    found: truncate(found),
                    using: "the shop's setting".to_owned(),
                });
                None
            }
        }
    };
    overrides.idle_timeout = duration("idleMinutes", "data-idle-minutes", MINUTE);
    overrides.dismiss_for = duration("dismissHours", "data-dismiss-hours", HOUR);
    overrides.checkout_path =
        text("checkoutPath").filter(|p| p.starts_with('/')).map(str::to_owned);
    overrides.resume_url = text("resumeUrl").filter(|u| !u.is_empty()).map(str::to_owned);
    overrides.consent_prompt =
        text("consentPrompt").map(|prompt| !matches!(prompt, "off" | "false" | "0" | "no"));
    overrides.consent_control =
        text("consentControl").map(|control| !matches!(control, "off" | "false" | "0" | "no"));
    overrides.link_hosts = text("linkHosts").map(|hosts| {
        hosts.split([',', ' ']).filter(|h| !h.is_empty()).map(str::to_owned).collect()
    });
    Decoded { value: settings, problems }
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

/// The batch as `POST /v1/events` takes it, written by the protocol's one codec.
pub fn encode_batch(batch: Batch, site: &str) -> Value {
    protocol::batch::encode_batch(&wire_batch(batch, site))
}

/// The body of `POST /v1/events`: [`encode_batch`]'s value as JSON text, written directly.
pub fn batch_json(batch: Batch, site: &str) -> String {
    let mut out = JsonWriter::new();
    protocol::batch::write_batch(&mut out, &wire_batch(batch, site));
    out.finish()
}

fn wire_batch(batch: Batch, site: &str) -> protocol::batch::Batch {
    let Batch { key, identity, dropped, events, .. } = batch;
    protocol::batch::Batch {
        site: site.to_owned(),
        visitor_id: identity.visitor_id,
        secret: identity.secret,
        batch_key: key,
        cart_code: Some(identity.cart_code),
        dropped,
        events,
    }
}

/// Reads the shell's `["tcf", gdprApplies, decoded]`: what the page's consent manager reported
/// (`gdprApplies` false: not applicable) and the `tcf` module's answer for its TC string, sets
/// of TCF purposes as bits (bit n: purpose n), `{ purpose_consents, purpose_legitimate_interests,
/// vendor_consent, vendor_legitimate_interest, restrictions: [not allowed, consent required,
/// legitimate interest required] }`, or `{ error: "..." }`.
pub fn decode_tcf(gdpr_applies: &Value, decoded: &Value) -> tcf::Report {
    if matches!(gdpr_applies, Value::Bool(false)) {
        return tcf::Report::NotApplicable;
    }
    if let Some(reason) = decoded.field("error").and_then(Value::as_str) {
        return tcf::Report::Unreadable(reason.to_owned());
    }
    let bits = |value: Option<&Value>| {
        let n = value?.as_f64()?;
        (n.fract() == 0.0 && (0.0..4_294_967_296.0).contains(&n)).then_some(n as u32)
    };
    let flag = |name| match decoded.field(name) {
        Some(Value::Bool(flag)) => Some(*flag),
        _ => None,
    };
    let restricted = |kind: usize| match decoded.field("restrictions") {
        Some(Value::Array(sets)) => bits(sets.get(kind)),
        _ => None,
    };
    let signal = (|| {
        Some(TcfSignal {
            purpose_consents: bits(decoded.field("purpose_consents"))?,
            purpose_legitimate_interests: bits(decoded.field("purpose_legitimate_interests"))?,
            vendor_consent: flag("vendor_consent")?,
            vendor_legitimate_interest: flag("vendor_legitimate_interest")?,
            restrictions: [restricted(0)?, restricted(1)?, restricted(2)?],
        })
    })();
    match signal {
        Some(signal) => tcf::Report::Signal(signal),
        None => {
            tcf::Report::Unreadable("the tcf module's answer is not one this agent reads".into())
        }
    }
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

/// What a `dataLayer` entry or a `track` call tells the interest model: the products of a GA4
/// ecommerce event (`item_category`, `item_brand`, `price`), or a GA4 `search`'s
/// `search_term`. Read after the commerce decoder, which reports the bad fields: here a bad
/// field is simply not learnt from.
pub fn decode_interest(name: &Value, params: &Value, currency: Currency) -> Option<Observation> {
    let name = name.as_str()?;
    if name == "search" {
        let term = params.field("search_term")?.as_str()?;
        let term: String = term.trim().chars().take(MAX_KEY_CHARS).collect();
        return (!term.is_empty()).then_some(Observation::Search(term));
    }
    let source = Source::from_name(name).filter(|source| *source != Source::Dwell)?;
    let Some(Value::Array(items)) = params.field("items") else { return None };
    let products: Vec<Product> =
        items.iter().take(MAX_ITEMS).filter_map(|item| interest_product(item, currency)).collect();
    (!products.is_empty()).then_some(Observation::Products(source, products))
}

/// The same for a `dataLayer` entry (`{ event, ecommerce }`, or gtag's `["event", name, params]`).
pub fn decode_layer_interest(entry: &Value, currency: Currency) -> Option<Observation> {
    let (name, params) = match entry {
        Value::Array(args) if args.first().and_then(Value::as_str) == Some("event") => {
            (args.get(1)?, args.get(2).unwrap_or(&Value::Null))
        }
        // GA4's `search` carries `search_term` beside `event`, not in `ecommerce`.
        Value::Object(_) => {
            let name = entry.field("event")?;
            let params = entry.field("ecommerce").filter(|e| e.is_object()).unwrap_or(entry);
            (name, params)
        }
        _ => return None,
    };
    decode_interest(name, params, currency)
}

/// What the shell found on the page: `["interest", "view_item" | "view_item_list", [product
/// ...]]` (schema.org products: `{ category, brand, price }`, a price a number or a text such as
/// "1.299,00 €"), `["interest", "search", terms]` (the URL's query) or `["interest", "dwell",
/// seconds]`. Each problem names the field; what is valid is kept.
pub fn decode_page_interest(
    kind: &Value,
    payload: &Value,
    currency: Currency,
) -> Result<Observation, Problem> {
    let wrong = |path: &str, expected: &'static str, found: &Value| Problem::FieldWrongType {
        path: text!("interest ", path),
        expected,
        found: found.kind(),
    };
    match kind.as_str() {
        Some("search") => match payload.as_str().map(str::trim) {
            Some(term) if !term.is_empty() => {
                Ok(Observation::Search(term.chars().take(MAX_KEY_CHARS).collect()))
            }
            _ => Err(wrong("search", "a non-empty string", payload)),
        },
        Some("dwell") => match payload.as_f64() {
            Some(seconds) if seconds.is_finite() && seconds >= 0.0 => {
                Ok(Observation::Dwell(seconds.min(86_400.0) as u32))
            }
            _ => Err(wrong("dwell", "a number of seconds", payload)),
        },
        Some(name @ ("view_item" | "view_item_list")) => {
            let Value::Array(raw) = payload else {
                return Err(wrong(name, "an array of products", payload));
            };
            let products: Vec<Product> = (raw.iter().take(MAX_ITEMS))
                .filter(|raw| raw.is_object())
                .map(|raw| Product {
                    category: short_text(raw.field("category")),
                    brand: short_text(raw.field("brand")),
                    price: raw.field("price").and_then(|p| price_minor(p, currency)),
                })
                .filter(|p| p.category.is_some() || p.brand.is_some() || p.price.is_some())
                .collect();
            if products.is_empty() {
                return Err(wrong(name, "products with a category, brand or price", payload));
            }
            let source = if name == "view_item" { Source::ViewItem } else { Source::ViewItemList };
            Ok(Observation::Products(source, products))
        }
        _ => Err(wrong("kind", "view_item, view_item_list, search or dwell", kind)),
    }
}

fn interest_product(item: &Value, currency: Currency) -> Option<Product> {
    let product = Product {
        category: short_text(item.field("item_category")),
        brand: short_text(item.field("item_brand")),
        price: item.field("price").and_then(|p| price_minor(p, currency)),
    };
    (product.category.is_some() || product.brand.is_some() || product.price.is_some())
        .then_some(product)
}

fn short_text(found: Option<&Value>) -> Option<String> {
    let text = found?.as_str()?.trim();
    (!text.is_empty()).then(|| text.chars().take(MAX_KEY_CHARS).collect())
}

/// A price as a number, or as the text pages write (`"1299.00"`, `"1.299,00 €"`, `"$1,299"`), in
/// minor units; `None` when it is no price.
fn price_minor(found: &Value, currency: Currency) -> Option<i64> {
    let major = match found {
        Value::Number(n) => Some(*n),
        Value::String(text) => parse_price_text(text),
        _ => None,
    }?;
    let minor = currency.to_minor(major).filter(|minor| (0..=MAX_PRICE_MINOR).contains(minor));
    if major.is_finite() && major >= 0.0 {
        minor
    } else {
        None
    }
}

/// Reads a price written for people: digits with `.` or `,` as the decimal or thousands mark
/// (the last mark followed by one or two digits is the decimal one), any currency sign or code
/// around them.
pub fn parse_price_text(text: &str) -> Option<f64> {
    let kept: String =
        text.chars().filter(|c| c.is_ascii_digit() || *c == '.' || *c == ',').collect();
    let kept = kept.trim_matches(|c| c == '.' || c == ',');
    if !kept.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let last_mark = kept.rfind(['.', ',']);
    let normal: String = match last_mark {
        Some(at) if kept.len() - at - 1 <= 2 => {
            let (whole, fraction) = kept.split_at(at);
            let whole: String = whole.chars().filter(char::is_ascii_digit).collect();
            text!(whole, ".", &fraction[1..])
        }
        _ => kept.chars().filter(char::is_ascii_digit).collect(),
    };
    parse_decimal(&normal)
}
/// Reads the assistant's `ctx.handoff(request)`: `{ kind: "call" | "store", phone?, transcript?:
/// [{ from, text }] }`, checked by the protocol's own `handoff` event decoder, so a bad field is
/// named as the backend would name it (`handoff.phone: must be a phone number ...`). The cart
/// code is the engine's to add, never the page's.
pub fn decode_handoff(
    request: &Value,
) -> Result<crate::engine::handoff::Request, protocol::Problem> {
    use protocol::batch::{decode_event, Payload};
    let Value::Object(fields) = request else {
        return Err(protocol::Problem::new("handoff", "must be an object".to_owned()));
    };
    let mut event = vec![
        ("id".to_owned(), Value::String("evt_handoff".to_owned())),
        ("at".to_owned(), Value::Number(0.0)),
        ("name".to_owned(), Value::String("handoff".to_owned())),
    ];
    for (key, value) in fields {
        if !matches!(key.as_str(), "kind" | "phone" | "transcript") {
            let message = "is not a known field (kind, phone, transcript)".to_owned();
            return Err(protocol::Problem::new(text!("handoff.", key), message));
        }
        event.push((key.clone(), value.clone()));
    }
    match decode_event(&Value::Object(event), "handoff")?.payload {
        Payload::Handoff(handoff) => Ok(crate::engine::handoff::Request {
            kind: handoff.kind,
            phone: handoff.phone,
            transcript: handoff.transcript,
        }),
        _ => Err(protocol::Problem::new("handoff", "is not a handoff".to_owned())),
    }
}
