//! JSON written as it is described, without building a [`Value`] tree first.
//!
//! The agent's messages, stored sections and batches exist only to become JSON text: building
//! them as `Value`s first allocated a `String` per key and a `Vec` per object, and the Wasm
//! carried that code once per message shape. A [`JsonSink`] takes the same description as a
//! stream (`open_object`, `key`, `string`, ..., `close_object`); [`JsonWriter`] turns it into
//! the text [`Value::to_json`] would write, byte for byte, and [`ValueBuilder`] into a `Value`
//! for native callers (the server serialises through serde), so each format is written once.

use crate::value::{format_decimal, Value};

/// Where a JSON document is described to, one piece at a time, in document order.
pub trait JsonSink {
    fn open_object(&mut self);
    fn close_object(&mut self);
    fn open_array(&mut self);
    fn close_array(&mut self);
    /// The key of the next value; only inside an object.
    fn key(&mut self, key: &str);
    fn string(&mut self, text: &str);
    fn number(&mut self, number: f64);
    fn bool(&mut self, flag: bool);
    fn null(&mut self);
    fn value(&mut self, value: &Value);

    // Key and value in one call: objects are most of what is written, and one call per field
    // instead of two keeps every writer of a format smaller.

    #[inline(never)]
    fn string_field(&mut self, key: &str, text: &str) {
        self.key(key);
        self.string(text);
    }

    #[inline(never)]
    fn number_field(&mut self, key: &str, number: f64) {
        self.key(key);
        self.number(number);
    }

    #[inline(never)]
    fn optional_string_field(&mut self, key: &str, text: Option<&str>) {
        self.key(key);
        self.optional_string(text);
    }

    #[inline(never)]
    fn optional_integer_field(&mut self, key: &str, number: Option<i64>) {
        self.key(key);
        self.optional_integer(number);
    }

    fn optional_string(&mut self, text: Option<&str>) {
        match text {
            Some(text) => self.string(text),
            None => self.null(),
        }
    }

    /// A whole number (a time, a price in minor units, a count), or `null`.
    fn optional_integer(&mut self, number: Option<i64>) {
        match number {
            Some(number) => self.number(number as f64),
            None => self.null(),
        }
    }
}

/// Compact JSON text, written as `JSON.stringify` writes it (see [`Value::to_json`]).
#[derive(Default)]
pub struct JsonWriter {
    out: String,
    /// A value was just completed at this level, so the next one needs a comma first.
    after_value: bool,
}

impl JsonWriter {
    pub fn new() -> JsonWriter {
        JsonWriter::default()
    }

    /// A writer whose text starts with room for `bytes`: a document of about that size is
    /// written without the text being moved as it grows (in the agent's Wasm, each move is an
    /// allocation and a free through its free-list allocator).
    pub fn with_capacity(bytes: usize) -> JsonWriter {
        JsonWriter { out: String::with_capacity(bytes), after_value: false }
    }

    /// A writer that goes on after `text` (a document of its own, not a value after it).
    pub fn continuing(text: String) -> JsonWriter {
        JsonWriter { out: text, after_value: false }
    }

    /// The text so far (what the caller has closed is complete JSON).
    pub fn as_str(&self) -> &str {
        &self.out
    }

    pub fn finish(self) -> String {
        self.out
    }

    /// Starts a value: the comma that separates it from the one before, if any.
    #[inline(never)]
    fn begin(&mut self) -> &mut String {
        if self.after_value {
            self.out.push(',');
        }
        self.after_value = true;
        &mut self.out
    }

    #[inline(never)]
    fn open(&mut self, bracket: char) {
        self.begin().push(bracket);
        self.after_value = false;
    }

    #[inline(never)]
    fn close(&mut self, bracket: char) {
        self.out.push(bracket);
        self.after_value = true;
    }
}

impl JsonSink for JsonWriter {
    fn open_object(&mut self) {
        self.open('{');
    }

    fn close_object(&mut self) {
        self.close('}');
    }

    fn open_array(&mut self) {
        self.open('[');
    }

    fn close_array(&mut self) {
        self.close(']');
    }

    #[inline(never)]
    fn key(&mut self, key: &str) {
        let out = self.begin();
        write_string(key, out);
        out.push(':');
        self.after_value = false;
    }

    #[inline(never)]
    fn string(&mut self, text: &str) {
        write_string(text, self.begin());
    }

    #[inline(never)]
    fn number(&mut self, number: f64) {
        write_number(number, self.begin());
    }

    fn bool(&mut self, flag: bool) {
        self.begin().push_str(if flag { "true" } else { "false" });
    }

    #[inline(never)]
    fn null(&mut self) {
        self.begin().push_str("null");
    }

    fn value(&mut self, value: &Value) {
        match value {
            Value::Null => self.null(),
            Value::Bool(flag) => self.bool(*flag),
            Value::Number(number) => self.number(*number),
            Value::String(text) => self.string(text),
            Value::Array(items) => {
                self.open_array();
                for item in items {
                    self.value(item);
                }
                self.close_array();
            }
            Value::Object(fields) => {
                self.open_object();
                for (key, value) in fields {
                    self.key(key);
                    self.value(value);
                }
                self.close_object();
            }
        }
    }
}

/// A [`Value`] tree, for native callers that hand the document to serde.
#[derive(Default)]
pub struct ValueBuilder {
    /// The containers still open, each with the key it will be stored under in its parent.
    open: Vec<(Option<String>, Value)>,
    key: Option<String>,
    done: Option<Value>,
}

impl ValueBuilder {
    pub fn new() -> ValueBuilder {
        ValueBuilder::default()
    }

    /// The value described; `null` if nothing was.
    pub fn finish(self) -> Value {
        self.done.unwrap_or(Value::Null)
    }

    fn put(&mut self, key: Option<String>, value: Value) {
        match self.open.last_mut() {
            Some((_, Value::Object(fields))) => fields.push((key.unwrap_or_default(), value)),
            Some((_, Value::Array(items))) => items.push(value),
            _ => self.done = Some(value),
        }
    }

    fn scalar(&mut self, value: Value) {
        let key = self.key.take();
        self.put(key, value);
    }

    fn close(&mut self) {
        if let Some((key, value)) = self.open.pop() {
            self.put(key, value);
        }
    }
}

impl JsonSink for ValueBuilder {
    fn open_object(&mut self) {
        let key = self.key.take();
        self.open.push((key, Value::Object(Vec::new())));
    }

    fn close_object(&mut self) {
        self.close();
    }

    fn open_array(&mut self) {
        let key = self.key.take();
        self.open.push((key, Value::Array(Vec::new())));
    }

    fn close_array(&mut self) {
        self.close();
    }

    fn key(&mut self, key: &str) {
        self.key = Some(key.to_owned());
    }

    fn string(&mut self, text: &str) {
        self.scalar(Value::String(text.to_owned()));
    }

    fn number(&mut self, number: f64) {
        self.scalar(Value::Number(number));
    }

    fn bool(&mut self, flag: bool) {
        self.scalar(Value::Bool(flag));
    }

    fn null(&mut self) {
        self.scalar(Value::Null);
    }

    fn value(&mut self, value: &Value) {
        self.scalar(value.clone());
    }
}

/// Whole numbers exactly (times, prices in minor units, counts); fractions to six decimals,
/// which is all the agent ever writes; anything beyond, as JSON's `null`.
fn write_number(n: f64, out: &mut String) {
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        crate::text::push_integer(out, i128::from(n as i64))
    } else if n.is_finite() && n.abs() < 1e15 {
        out.push_str(&format_decimal(n))
    } else {
        out.push_str("null")
    }
}

/// A JSON string literal, escaped as `JSON.stringify` escapes it.
///
/// Runs of characters that need no escape are copied whole: every string the agent stores or
/// sends goes through here, and most of them need no escape at all.
#[inline(never)]
fn write_string(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // Room for the text and its quotes at once, rather than a growth per run between escapes.
    out.reserve(text.len() + 2);
    out.push('"');
    let mut run = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        // Every byte that needs an escape is ASCII, so `run..at` ends on a character boundary.
        out.push_str(&text[run..at]);
        run = at + 1;
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 15)]));
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(&text[run..]);
    out.push('"');
}
