//! A JSON-shaped value for input of unknown shape: what the page passes and what storage holds.
//!
//! Decoding goes through this type rather than through derived structs so that one bad field
//! costs only that field, and every problem can be named by its path (`items[1].price`).

use crate::writer::{JsonSink, JsonWriter};
#[cfg(feature = "serde")]
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
#[cfg(feature = "serde")]
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
#[cfg(feature = "serde")]
use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    /// Keys in the order they came; lookups are linear, which beats hashing at these sizes.
    Object(Vec<(String, Value)>),
}

impl Value {
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A field that is present and not `null` (GA4 senders often write `null` for "absent").
    pub fn field(&self, key: &str) -> Option<&Value> {
        self.get(key).filter(|value| !matches!(value, Value::Null))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(number) => Some(*number),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// The name of the value's type, for messages: "expected a number, got a string".
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }

    /// The length in bytes of this value written as compact JSON (`JSON.stringify`), so that
    /// the agent can keep a batch under a byte bound without writing it out first.
    pub fn json_len(&self) -> usize {
        match self {
            Value::Null => 4,
            Value::Bool(true) => 4,
            Value::Bool(false) => 5,
            Value::Number(n) => number_len(*n),
            Value::String(text) => string_len(text),
            Value::Array(items) => {
                2 + items.iter().map(Value::json_len).sum::<usize>() + items.len().saturating_sub(1)
            }
            Value::Object(fields) => {
                let inner: usize =
                    fields.iter().map(|(key, value)| string_len(key) + 1 + value.json_len()).sum();
                2 + inner + fields.len().saturating_sub(1)
            }
        }
    }

    /// The value as compact JSON text, written as `JSON.stringify` writes it (the same escapes,
    /// whole numbers without a fraction), so the agent hands storage and the network one string
    /// instead of building the value out of JS objects first.
    pub fn to_json(&self) -> String {
        let mut writer = JsonWriter::new();
        writer.value(self);
        writer.finish()
    }

    pub fn object(fields: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
        Value::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::String(text.to_owned())
    }
}

impl From<f64> for Value {
    fn from(number: f64) -> Value {
        Value::Number(number)
    }
}

impl From<i64> for Value {
    fn from(number: i64) -> Value {
        Value::Number(number as f64)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(option: Option<T>) -> Value {
        option.map_or(Value::Null, Into::into)
    }
}

#[cfg(feature = "serde")]
impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

#[cfg(feature = "serde")]
struct ValueVisitor;

#[cfg(feature = "serde")]
impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON-like value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(256));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            fields.push((key, value));
        }
        Ok(Value::Object(fields))
    }
}

#[cfg(feature = "serde")]
impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(v) => serializer.serialize_bool(*v),
            // Whole numbers go out as integers so stored JSON reads `1999`, not `1999.0`.
            Value::Number(v) if v.fract() == 0.0 && v.abs() < 9.007_199_254_740_992e15 => {
                serializer.serialize_i64(*v as i64)
            }
            Value::Number(v) => serializer.serialize_f64(*v),
            Value::String(v) => serializer.serialize_str(v),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Object(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (key, value) in fields {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

/// A quoted JSON string's length: escapes for quotes, backslashes and control characters.
fn string_len(text: &str) -> usize {
    2 + text
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf8(),
        })
        .sum::<usize>()
}

/// A number's length as [`Value::to_json`] writes it.
fn number_len(n: f64) -> usize {
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        let (mut whole, mut digits) = (n.abs() as u64, 1);
        while whole >= 10 {
            whole /= 10;
            digits += 1;
        }
        return digits + usize::from(n < 0.0);
    }
    if n.is_finite() && n.abs() < 1e15 {
        return format_decimal(n).len();
    }
    4 // null
}

/// Reads a plain decimal (`19.99`, `-3`, `+0.5`) the way a shop writes prices into strings.
///
/// Hand-written rather than `str::parse::<f64>` because that pulls about 10 KB of tables into
/// the Wasm. With at most 15 significant digits both the digits and the power of ten are exact
/// `f64`s, so the one division rounds correctly.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let significant = whole.trim_start_matches('0').len() + fraction.len();
    if significant > 15 || fraction.len() > 15 {
        return None;
    }
    let mut mantissa: i64 = 0;
    for b in whole.bytes().chain(fraction.bytes()) {
        mantissa = mantissa * 10 + i64::from(b - b'0');
    }
    let value = mantissa as f64 / 10f64.powi(fraction.len() as i32);
    Some(if negative { -value } else { value })
}

/// Writes a number for a message: whole numbers exactly, others to at most six decimals.
///
/// Avoids `f64`'s `Display`, whose shortest-representation algorithm and tables would be the
/// largest single piece of the agent's Wasm.
pub fn format_decimal(n: f64) -> String {
    if !n.is_finite() {
        return if n.is_nan() {
            "NaN".into()
        } else if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if n.fract() == 0.0 && n.abs() < 1e15 {
        return crate::text::integer(n as i64);
    }
    if n.abs() >= 1e15 {
        return "a very large number".into();
    }
    let scaled = (n.abs() * 1e6).round() as i64;
    let (whole, fraction) = (scaled / 1_000_000, scaled % 1_000_000);
    if fraction == 0 {
        // Rounded to a whole number (1.0000001): no bare "1." that JSON would refuse, no "-0".
        return crate::text::integer(if n < 0.0 { -whole } else { whole });
    }
    let mut out = String::new();
    if n < 0.0 {
        out.push('-');
    }
    crate::text::push_integer(&mut out, i128::from(whole));
    out.push('.');
    // The six fraction digits with their leading zeros (what `{:06}` would pad), less the
    // trailing zeros: 0.05 is "050000", written "05".
    let mut digits = [b'0'; 6];
    let mut rest = fraction;
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    let significant = digits.iter().rposition(|&digit| digit != b'0').map_or(0, |last| last + 1);
    out.extend(digits[..significant].iter().map(|&digit| char::from(digit)));
    out
}
