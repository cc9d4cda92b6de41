//! Money in integer minor units, so cart totals never suffer floating-point drift.

use std::fmt;

/// An ISO 4217 currency code, upper-case, exactly three ASCII letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const EUR: Currency = Currency(*b"EUR");

    /// Parses a code case-insensitively; `None` when it is not three ASCII letters.
    pub fn parse(code: &str) -> Option<Currency> {
        let bytes = code.trim().as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return None;
        }
        Some(Currency([
            bytes[0].to_ascii_uppercase(),
            bytes[1].to_ascii_uppercase(),
            bytes[2].to_ascii_uppercase(),
        ]))
    }

    pub fn code(&self) -> &str {
        // The constructor admits ASCII letters only, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point, as ISO 4217 lists them for the currencies in use.
    pub fn minor_digits(&self) -> u32 {
        match &self.0 {
            b"BIF" | b"CLP" | b"DJF" | b"GNF" | b"ISK" | b"JPY" | b"KMF" | b"KRW" | b"PYG"
            | b"RWF" | b"UGX" | b"UYI" | b"VND" | b"VUV" | b"XAF" | b"XOF" | b"XPF" => 0,
            b"BHD" | b"IQD" | b"JOD" | b"KWD" | b"LYD" | b"OMR" | b"TND" => 3,
            _ => 2,
        }
    }

    /// Converts a decimal amount in major units (as GA4 sends prices) to minor units.
    /// `None` for amounts that are not finite or too large to hold.
    pub fn to_minor(&self, major: f64) -> Option<i64> {
        let scaled = major * 10f64.powi(self.minor_digits() as i32);
        // 2^53: beyond it f64 no longer holds every integer, so the amount cannot be exact.
        if !scaled.is_finite() || scaled.abs() > 9_007_199_254_740_992.0 {
            return None;
        }
        Some(scaled.round() as i64)
    }

    /// The amount in major units, for `Intl.NumberFormat` and GA4 `value` fields.
    pub fn to_major(&self, minor: i64) -> f64 {
        minor as f64 / 10f64.powi(self.minor_digits() as i32)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount of one currency in minor units (cents for EUR).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub fn major(&self) -> f64 {
        self.currency.to_major(self.minor)
    }
}
