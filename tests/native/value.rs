//! The edge value type's number helpers, which stand in for core's float parsing and printing.

use concierge::value::{format_decimal, parse_decimal};

#[test]
fn decimals_parse_exactly_as_shops_write_them() {
    let cases = [
        ("19.99", Some(19.99)),
        ("  799 ", Some(799.0)),
        ("+0.5", Some(0.5)),
        ("-3", Some(-3.0)),
        (".25", Some(0.25)),
        ("7.", Some(7.0)),
        ("0.1", Some(0.1)),
        ("123456789012345", Some(123_456_789_012_345.0)),
        ("1234567890123456", None),
        ("1e3", None),
        ("12,50", None),
        ("", None),
        ("-", None),
        (".", None),
        ("abc", None),
        ("NaN", None),
        ("1.2.3", None),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_decimal(text), expected, "{text:?}");
    }
}

#[test]
fn numbers_print_plainly_for_messages() {
    let cases = [
        (2.0, "2"),
        (-3.0, "-3"),
        (19.99, "19.99"),
        (0.1 + 0.2, "0.3"),
        (-0.5, "-0.5"),
        (1.0 / 3.0, "0.333333"),
        (0.05, "0.05"),
        (-12.000304, "-12.000304"),
        (1234.5, "1234.5"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "Infinity"),
        (1e300, "a very large number"),
    ];
    for (number, expected) in cases {
        assert_eq!(format_decimal(number), expected, "{number}");
    }
}

#[test]
fn fractions_print_as_zero_padded_formatting_printed_them() {
    // The hand-written padding against the `{:06}` it replaced, over fractions of every width.
    let reference = |n: f64| {
        let scaled = (n.abs() * 1e6).round() as i64;
        let fraction = format!("{:06}", scaled % 1_000_000);
        let sign = if n < 0.0 { "-" } else { "" };
        format!("{sign}{}.{}", scaled / 1_000_000, fraction.trim_end_matches('0'))
    };
    for step in 1..2_000 {
        let n = f64::from(step) * 0.000_731 - 0.7;
        if n.fract() != 0.0 {
            assert_eq!(format_decimal(n), reference(n), "{n}");
        }
    }
}
