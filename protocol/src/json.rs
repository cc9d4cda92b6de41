//! JSON text to [`Value`], for the agent's Wasm (the server and the CLI read JSON with serde).
//!
//! Everything the page hands the agent crosses the Wasm boundary as one JSON string per call,
//! so this parser is on every event's path: one pass over the bytes, no copies of unescaped
//! strings, nesting bounded so hostile input cannot exhaust the stack.
//!
//! Numbers are read without `str::parse::<f64>`, whose tables would add about 10 KB to the
//! Wasm: up to 19 significant digits are gathered in a `u64` and scaled by a power of ten.
//! With at most 15 significant digits and an exponent within ±22 (every price, count and
//! timestamp the agent sees) that is exact; beyond, it is within a few units in the last place.

use crate::value::Value;

/// Deeper nesting than this is refused rather than followed.
pub const MAX_DEPTH: usize = 64;

/// Why a text is not JSON, and the byte offset where that became clear.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonError {
    pub at: usize,
    pub reason: &'static str,
}

impl JsonError {
    /// `"expected a value at byte 12"`.
    pub fn describe(&self) -> String {
        crate::text!(self.reason, " at byte ", self.at)
    }
}

/// Parses one JSON value; whitespace around it is allowed, anything else after it is not.
pub fn parse(text: &str) -> Result<Value, JsonError> {
    let mut parser = Parser { bytes: text.as_bytes(), text, at: 0 };
    let value = parser.value(0)?;
    parser.skip_space();
    if parser.at != parser.bytes.len() {
        return Err(parser.error("unexpected text after the value"));
    }
    Ok(value)
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn error(&self, reason: &'static str) -> JsonError {
        JsonError { at: self.at, reason }
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn literal(&mut self, word: &'static str, value: Value) -> Result<Value, JsonError> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.skip_space();
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected a value")),
            None => Err(self.error("unexpected end of text")),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.at += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.at += 1;
        let mut fields: Vec<(String, Value)> = Vec::new();
        self.skip_space();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Value::Object(fields));
        }
        loop {
            self.skip_space();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a quoted key"));
            }
            let key = self.string()?;
            self.skip_space();
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':'"));
            }
            self.at += 1;
            let value = self.value(depth + 1)?;
            // As JSON.parse does: a repeated key keeps its last value.
            match fields.iter_mut().find(|(k, _)| *k == key) {
                Some(field) => field.1 = value,
                None => fields.push((key, value)),
            }
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Value::Object(fields));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.at += 1;
        let mut out = String::new();
        let mut run = self.at;
        loop {
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    out.push_str(&self.text[run..self.at]);
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(&self.text[run..self.at]);
                    self.at += 1;
                    self.escape(&mut out)?;
                    run = self.at;
                }
                Some(0..=0x1f) => return Err(self.error("control character in a string")),
                // The text is valid UTF-8, and '"' and '\\' never occur inside a multi-byte
                // character, so byte steps keep `run..at` on character boundaries.
                Some(_) => self.at += 1,
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        let byte = self.peek().ok_or(self.error("unterminated string"))?;
        self.at += 1;
        let plain = match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                let c = match unit {
                    0xD800..=0xDBFF if self.bytes[self.at..].starts_with(b"\\u") => {
                        let save = self.at;
                        self.at += 2;
                        let low = self.hex4()?;
                        if (0xDC00..=0xDFFF).contains(&low) {
                            let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                            char::from_u32(code).unwrap_or('\u{FFFD}')
                        } else {
                            // A high surrogate followed by something else: as JSON.parse and
                            // then UTF-8 would, the lone half becomes U+FFFD.
                            self.at = save;
                            '\u{FFFD}'
                        }
                    }
                    unit => char::from_u32(unit).unwrap_or('\u{FFFD}'),
                };
                out.push(c);
                return Ok(());
            }
            _ => {
                self.at -= 1;
                return Err(self.error("unknown escape in a string"));
            }
        };
        out.push(plain);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self.bytes.get(self.at..self.at + 4).ok_or(self.error("short \\u escape"))?;
        let mut unit = 0;
        for &digit in digits {
            let value = match digit {
                b'0'..=b'9' => digit - b'0',
                b'a'..=b'f' => digit - b'a' + 10,
                b'A'..=b'F' => digit - b'A' + 10,
                _ => return Err(self.error("bad \\u escape")),
            };
            unit = unit * 16 + u32::from(value);
        }
        self.at += 4;
        Ok(unit)
    }

    fn digits(&mut self) -> (u64, i32, usize) {
        // (mantissa, decimal places dropped beyond 19 digits, how many digits were read)
        let (mut mantissa, mut dropped, mut count) = (0u64, 0i32, 0usize);
        while let Some(digit @ b'0'..=b'9') = self.peek() {
            if mantissa < 1_000_000_000_000_000_000 {
                mantissa = mantissa * 10 + u64::from(digit - b'0');
            } else {
                dropped += 1;
            }
            count += 1;
            self.at += 1;
        }
        (mantissa, dropped, count)
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        if self.peek() == Some(b'0') && matches!(self.bytes.get(self.at + 1), Some(b'0'..=b'9')) {
            return Err(self.error("leading zero in a number"));
        }
        let (mut mantissa, dropped, count) = self.digits();
        if count == 0 {
            return Err(self.error("expected digits"));
        }
        let mut exponent = dropped;
        if self.peek() == Some(b'.') {
            self.at += 1;
            let start = self.at;
            while let Some(digit @ b'0'..=b'9') = self.peek() {
                if mantissa < 1_000_000_000_000_000_000 {
                    mantissa = mantissa * 10 + u64::from(digit - b'0');
                    exponent -= 1;
                }
                self.at += 1;
            }
            if self.at == start {
                return Err(self.error("expected digits after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            let sign = match self.peek() {
                Some(b'-') => {
                    self.at += 1;
                    -1
                }
                Some(b'+') => {
                    self.at += 1;
                    1
                }
                _ => 1,
            };
            let start = self.at;
            let mut power: i32 = 0;
            while let Some(digit @ b'0'..=b'9') = self.peek() {
                power = power.saturating_mul(10).saturating_add(i32::from(digit - b'0'));
                self.at += 1;
            }
            if self.at == start {
                return Err(self.error("expected digits in the exponent"));
            }
            exponent = exponent.saturating_add(sign * power);
        }
        let magnitude = scale(mantissa as f64, exponent);
        Ok(Value::Number(if negative { -magnitude } else { magnitude }))
    }
}

/// `value × 10^exponent`, exact when both factors are (|exponent| ≤ 22).
pub(crate) fn scale(value: f64, exponent: i32) -> f64 {
    if value == 0.0 {
        return 0.0;
    }
    match exponent {
        0 => value,
        1..=22 => value * 10f64.powi(exponent),
        -22..=-1 => value / 10f64.powi(-exponent),
        e if e > 308 + 19 => f64::INFINITY,
        e if e < -324 - 19 => 0.0,
        e if e > 0 => value * 10f64.powi(22) * 10f64.powi(e - 22),
        e => value / 10f64.powi(22) / 10f64.powi(-e - 22),
    }
}
