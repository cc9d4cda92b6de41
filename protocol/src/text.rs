//! Messages built without `core::fmt`: the agent's Wasm must not carry the formatting machinery.
//!
//! `format!` and `to_string()` on a number pull `core::fmt` (its `Formatter`, padding, the
//! integer and float printers) into the Wasm, about 10 KB of code the agent needs for nothing
//! but console messages and problem paths. [`text!`](crate::text!) builds the same strings by
//! pushing pieces: `text!("the cart is full (", MAX_LINES, " lines)")`.
//!
//! Native code (the server, the CLI) may keep `format!`; code the agent reaches uses this.

/// A piece of a message: text as it is, integers in decimal.
pub trait Piece {
    fn push_to(&self, out: &mut String);
}

impl Piece for str {
    #[inline(always)]
    fn push_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for String {
    #[inline(always)]
    fn push_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for char {
    fn push_to(&self, out: &mut String) {
        out.push(*self);
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    #[inline(always)]
    fn push_to(&self, out: &mut String) {
        (**self).push_to(out);
    }
}

/// Every integer goes through one `i128` printer, so the Wasm holds one copy of it.
macro_rules! integer_piece {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            fn push_to(&self, out: &mut String) {
                push_integer(out, *self as i128);
            }
        }
    )*};
}
integer_piece!(u8, u16, u32, u64, usize, i8, i16, i32, i64);

/// Writes `n` in decimal.
///
/// The division by ten runs on 64-bit words: `u128` arithmetic in Wasm is a chain of helper
/// calls (about 0.5 KB of code for this one printer), and every number the agent prints fits in
/// the low word anyway. The high word keeps any `i128` exact.
pub fn push_integer(out: &mut String, n: i128) {
    let mut digits = [0u8; 40];
    let mut at = digits.len();
    let magnitude = n.unsigned_abs();
    let (mut high, mut low) = ((magnitude >> 64) as u64, magnitude as u64);
    loop {
        // (high, low) / 10 in 32-bit steps, so no step divides more than 64 bits.
        let mut remainder = high % 10;
        high /= 10;
        let upper = (remainder << 32) | (low >> 32);
        remainder = upper % 10;
        let lower = (remainder << 32) | (low & 0xFFFF_FFFF);
        low = ((upper / 10) << 32) | (lower / 10);
        at -= 1;
        digits[at] = b'0' + (lower % 10) as u8;
        if high == 0 && low == 0 {
            break;
        }
    }
    if n < 0 {
        out.push('-');
    }
    for &digit in &digits[at..] {
        out.push(char::from(digit));
    }
}

/// `n` in decimal, as a new string.
pub fn integer(n: impl Into<i128>) -> String {
    let mut out = String::new();
    push_integer(&mut out, n.into());
    out
}

/// Builds a `String` from pieces (`&str`, `String`, `char`, integers), without `core::fmt`.
#[macro_export]
macro_rules! text {
    ($($piece:expr),* $(,)?) => {{
        let mut out = ::std::string::String::new();
        $( $crate::text::Piece::push_to(&$piece, &mut out); )*
        out
    }};
}

#[cfg(test)]
mod tests {
    #[test]
    fn pieces_join_as_format_would_write_them() {
        let name = String::from("K7M");
        assert_eq!(text!("a ", 3u8, " b ", -42i64, ' ', &name, " ", 0usize), "a 3 b -42 K7M 0");
        assert_eq!(text!(i64::MIN, "/", u64::MAX), format!("{}/{}", i64::MIN, u64::MAX));
        assert_eq!(super::integer(1_000_000i64), "1000000");
    }

    #[test]
    fn integers_beyond_the_low_word_print_exactly() {
        for n in [0, 9, 10, i128::from(u64::MAX), i128::from(u64::MAX) + 1, i128::MIN, i128::MAX] {
            assert_eq!(super::integer(n), format!("{n}"));
        }
    }
}
