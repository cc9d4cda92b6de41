//! Money in integer minor units, so totals never drift, and currencies as ISO 4217 codes.

use crate::limits::MAX_PRICE_MINOR;
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

    /// Parses a code exactly as the wire carries it: three upper-case ASCII letters.
    pub fn parse_canonical(code: &str) -> Option<Currency> {
        let bytes = code.as_bytes();
        (bytes.len() == 3 && bytes.iter().all(u8::is_ascii_uppercase))
            .then(|| Currency([bytes[0], bytes[1], bytes[2]]))
    }

    pub fn code(&self) -> &str {
        // SAFETY: the field is private and every constructor admits three ASCII letters only,
        // which are UTF-8; skipping the general validator keeps it out of the agent's Wasm.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }

    /// Digits after the decimal point, as ISO 4217 lists them for the currencies in use.
    pub fn minor_digits(&self) -> u32 {
        // Searched in one string rather than matched arm by arm: a fraction of the code.
        const NONE: &[u8] = b"BIFCLPDJFGNFISKJPYKMFKRWPYGRWFUGXUYIVNDVUVXAFXOFXPF";
        const THREE: &[u8] = b"BHDIQDJODKWDLYDOMRTND";
        let listed = |list: &[u8]| list.chunks_exact(3).any(|code| code == self.0);
        if listed(NONE) {
            0
        } else if listed(THREE) {
            3
        } else {
            2
        }
    }

    /// Converts a decimal amount in major units (as GA4 sends prices) to minor units.
    /// `None` for amounts that are not finite or too large to hold exactly.
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

/// The code alone (`EUR`); the agent calls [`Currency::code`] instead.
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

/// Whether a unit price in minor units is one both ends accept: `0..=MAX_PRICE_MINOR`.
pub fn is_valid_price(minor: i64) -> bool {
    (0..=MAX_PRICE_MINOR).contains(&minor)
}

/// A line's total. Within the limits it cannot overflow; beyond them it saturates rather than
/// wraps, so a damaged record can never show a negative total.
pub fn line_total(price_minor: i64, quantity: u32) -> i64 {
    price_minor.saturating_mul(i64::from(quantity))
}

/// The sum of line totals, saturating (see [`line_total`]).
pub fn sum(totals: impl IntoIterator<Item = i64>) -> i64 {
    totals.into_iter().fold(0i64, i64::saturating_add)
}
