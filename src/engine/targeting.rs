//! The data a campaign's targeting rule (JSON Logic) reads, as documented in README
//! ("Targeting context"): the cart, the visit, the page, the device class, the locale, the
//! consent by purpose, the visitor's local time, the intents staff recorded, and the trigger.
//!
//! Built once per decision from engine state, never from the page directly, so a rule sees
//! exactly what the engine knows and nothing the page could smuggle in.

use super::cart::Cart;
use super::interests::{Dimension, Interests};
use super::{Intent, Millis};
use concierge_protocol::Value;

/// The class of device the shell reports (`desktop`, `tablet`, `mobile`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Desktop,
    Tablet,
    Mobile,
}

impl Device {
    pub fn name(self) -> &'static str {
        match self {
            Device::Desktop => "desktop",
            Device::Tablet => "tablet",
            Device::Mobile => "mobile",
        }
    }

    pub fn from_name(name: &str) -> Option<Device> {
        [Device::Desktop, Device::Tablet, Device::Mobile].into_iter().find(|d| d.name() == name)
    }
}

/// What the context is built from.
pub struct Facts<'a> {
    pub cart: &'a Cart,
    pub visits: u32,
    pub path: &'a str,
    pub page_type: Option<&'a str>,
    pub referrer: Option<&'a str>,
    pub device: Option<Device>,
    pub locale: &'a str,
    /// Each purpose of the policy in force, and whether it is granted.
    pub consent: &'a [(String, bool)],
    pub now: Millis,
    /// Minutes east of UTC, as the shell measured them.
    pub tz_offset: i32,
    pub intents: &'a [Intent],
    /// The `interests` object ([`interests_context`]).
    pub interests: &'a Value,
}

/// The targeting context's `interests`: `{ top_category, top_brand, price_band, categories:
/// { key: score }, brands: { key: score } }`, scores normalised within their dimension (0..=1,
/// two decimals), the tops `null` while nothing is known.
pub fn interests_context(interests: &Interests, now: Millis) -> Value {
    let leader = |d| interests.leader(d, now).map_or(Value::Null, Value::from);
    let scores = |d| {
        let scores = interests.scores(d, now).into_iter();
        Value::Object(
            scores
                .map(|(k, s)| (k.to_owned(), Value::Number((s * 100.0).round() / 100.0)))
                .collect(),
        )
    };
    object(vec![
        ("top_category", leader(Dimension::Category)),
        ("top_brand", leader(Dimension::Brand)),
        ("price_band", leader(Dimension::PriceBand)),
        ("categories", scores(Dimension::Category)),
        ("brands", scores(Dimension::Brand)),
    ])
}

/// The context of the module docs; `trigger` is set per campaign by [`with_trigger`].
pub fn context(facts: &Facts<'_>) -> Value {
    let cart = facts.cart;
    let items = cart
        .lines
        .iter()
        .map(|line| {
            object(vec![
                ("id", Value::from(line.id.as_str())),
                ("name", Value::from(line.name.as_str())),
                ("category", line.category.as_deref().map_or(Value::Null, Value::from)),
                ("price", Value::Number(cart.currency.to_major(line.price))),
                ("quantity", Value::Number(f64::from(line.quantity))),
            ])
        })
        .collect();
    let (hour, weekday) = clock(facts);
    let consent = facts.consent.iter().map(|(id, on)| (id.clone(), Value::Bool(*on))).collect();
    object(vec![
        (
            "cart",
            object(vec![
                ("count", Value::Number(f64::from(cart.item_count()))),
                ("total", Value::Number(cart.total().major())),
                ("currency", Value::from(cart.currency.code())),
                ("items", Value::Array(items)),
            ]),
        ),
        (
            "visit",
            object(vec![
                ("count", Value::Number(f64::from(facts.visits))),
                ("returning", Value::Bool(facts.visits >= 2)),
            ]),
        ),
        (
            "page",
            object(vec![
                ("path", Value::from(facts.path)),
                ("type", facts.page_type.map_or(Value::Null, Value::from)),
                ("referrer", facts.referrer.map_or(Value::Null, Value::from)),
            ]),
        ),
        ("device", facts.device.map_or(Value::Null, |d| Value::from(d.name()))),
        ("locale", Value::from(facts.locale)),
        ("consent", Value::Object(consent)),
        (
            "time",
            object(vec![
                ("hour", Value::Number(hour as f64)),
                ("weekday", Value::Number(weekday as f64)),
            ]),
        ),
        (
            "intents",
            object(vec![
                ("count", Value::Number(facts.intents.len() as f64)),
                (
                    "channel",
                    facts.intents.first().map_or(Value::Null, |i| Value::from(i.channel.as_str())),
                ),
            ]),
        ),
        ("trigger", Value::Null),
        ("interests", facts.interests.clone()),
    ])
}

/// The visitor's local hour and weekday (Sunday 0, as JavaScript's `getDay()`).
fn clock(facts: &Facts<'_>) -> (Millis, Millis) {
    let local = facts.now + Millis::from(facts.tz_offset) * 60_000;
    let days = local.div_euclid(86_400_000);
    // 1970-01-01 was a Thursday.
    (local.rem_euclid(86_400_000) / 3_600_000, (days + 4).rem_euclid(7))
}

/// The context last built, kept between decisions with the facts it was built from: most
/// events change none of them, and building it anew (some sixty allocations) was a tenth of a
/// 50-campaign decision in the Wasm. A cache, not state: two are always equal.
#[derive(Clone, Debug)]
pub struct Cached {
    built_from: Option<Kept>,
    context: Value,
}

impl Default for Cached {
    fn default() -> Cached {
        Cached { built_from: None, context: Value::Null }
    }
}

impl PartialEq for Cached {
    fn eq(&self, _: &Cached) -> bool {
        true
    }
}

/// What [`context`] reads from [`Facts`], owned.
#[derive(Clone, Debug)]
struct Kept {
    cart: Cart,
    visits: u32,
    path: String,
    page_type: Option<String>,
    referrer: Option<String>,
    device: Option<Device>,
    locale: String,
    consent: Vec<(String, bool)>,
    clock: (Millis, Millis),
    intents: usize,
    channel: Option<String>,
    interests: Value,
}

impl Cached {
    /// Makes the context kept that of `facts`, building it only if they are not the facts it
    /// was built from.
    pub fn refresh(&mut self, facts: &Facts<'_>) {
        let channel = facts.intents.first().map(|intent| intent.channel.as_str());
        let same = self.built_from.as_ref().is_some_and(|kept| {
            kept.cart == *facts.cart
                && kept.visits == facts.visits
                && kept.path == facts.path
                && kept.page_type.as_deref() == facts.page_type
                && kept.referrer.as_deref() == facts.referrer
                && kept.device == facts.device
                && kept.locale == facts.locale
                && kept.consent == facts.consent
                && kept.clock == clock(facts)
                && kept.intents == facts.intents.len()
                && kept.channel.as_deref() == channel
                && kept.interests == *facts.interests
        });
        if !same {
            let kept = Kept {
                cart: facts.cart.clone(),
                visits: facts.visits,
                path: facts.path.to_owned(),
                page_type: facts.page_type.map(str::to_owned),
                referrer: facts.referrer.map(str::to_owned),
                device: facts.device,
                locale: facts.locale.to_owned(),
                consent: facts.consent.to_vec(),
                clock: clock(facts),
                intents: facts.intents.len(),
                channel: channel.map(str::to_owned),
                interests: facts.interests.clone(),
            };
            self.context = context(facts);
            self.built_from = Some(kept);
        }
    }

    /// The context kept (`null` before the first [`Cached::refresh`]).
    pub fn context(&mut self) -> &mut Value {
        &mut self.context
    }
}

/// An object of `fields`. One function for every object here, where `Value::object` over
/// arrays made a copy of its collecting code per length (five of them, 2.7 KB of Wasm).
#[inline(never)]
fn object(fields: Vec<(&'static str, Value)>) -> Value {
    Value::Object(fields.into_iter().map(|(key, value)| (key.to_owned(), value)).collect())
}

/// `context` with its `trigger` set to `{ name, params }`; a trigger set before is written
/// over in place, reusing its memory (a decision sets one per candidate).
pub fn with_trigger(context: &mut Value, name: &str, params: &Value) {
    let Value::Object(fields) = context else { return };
    let Some((_, slot)) = fields.iter_mut().find(|(key, _)| key == "trigger") else { return };
    if let Value::Object(trigger) = slot {
        if let [(_, Value::String(old_name)), (_, old_params)] = trigger.as_mut_slice() {
            old_name.clear();
            old_name.push_str(name);
            old_params.clone_from(params);
            return;
        }
    }
    *slot = object(vec![("name", Value::from(name)), ("params", params.clone())]);
}
