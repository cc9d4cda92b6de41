//! The agent's JSON reader agrees with serde_json on valid text and refuses what is not JSON.

use concierge_protocol::json::{parse, MAX_DEPTH};
use concierge_protocol::Value;

fn same_as_serde(text: &str) {
    let ours = parse(text).unwrap_or_else(|e| panic!("{text}: {}", e.describe()));
    let theirs: Value = serde_json::from_str(text).unwrap();
    assert_eq!(ours, theirs, "{text}");
}

#[test]
fn valid_text_reads_as_serde_reads_it() {
    for text in [
        "null",
        " true ",
        "false",
        "0",
        "-0.5",
        "19.99",
        "1e3",
        "2.5E-3",
        "1700000000123",
        "123456789012345",
        r#""plain""#,
        r#""esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00""#,
        r#""ünïcödé 😀 中文""#,
        "[]",
        "{}",
        r#"[1, [2, [3]], {"a": {"b": null}}]"#,
        r#"{"item_id":"p1","price":"799.00","quantity":2,"items":[{"x":-1.25e2}]}"#,
    ] {
        same_as_serde(text);
    }
}

#[test]
fn a_repeated_key_keeps_its_last_value_as_json_parse_does() {
    assert_eq!(
        parse(r#"{"a":1,"b":2,"a":3}"#).unwrap(),
        Value::Object(vec![("a".into(), Value::Number(3.0)), ("b".into(), Value::Number(2.0))])
    );
}

#[test]
fn long_and_extreme_numbers_stay_close() {
    let close = |text: &str, expected: f64| {
        let Value::Number(n) = parse(text).unwrap() else { panic!("{text}") };
        assert!((n - expected).abs() <= expected.abs() * 1e-15, "{text}: {n} vs {expected}");
    };
    close("0.30000000000000004", 0.30000000000000004);
    close("12345678901234567890123", 1.2345678901234568e22);
    close("1e300", 1e300);
    close("1e-300", 1e-300);
    assert_eq!(parse("1e999").unwrap(), Value::Number(f64::INFINITY));
    assert_eq!(parse("1e-999").unwrap(), Value::Number(0.0));
}

#[test]
fn text_that_is_not_json_is_refused_with_where() {
    for (text, at) in [
        ("", 0),
        ("{", 1),
        ("[1,]", 3),
        (r#"{"a" 1}"#, 5),
        (r#"{a:1}"#, 1),
        ("01", 0),
        ("1.", 2),
        ("1e", 2),
        ("-", 1),
        ("tru", 0),
        (r#""open"#, 5),
        ("\"tab\there\"", 4),
        (r#""\x""#, 2),
        (r#""\u12""#, 3),
        ("[1] 2", 4),
        ("NaN", 0),
    ] {
        let error = parse(text).expect_err(text);
        assert_eq!(error.at, at, "{text}: {}", error.describe());
        assert!(serde_json::from_str::<Value>(text).is_err(), "serde reads {text}");
    }
}

#[test]
fn nesting_is_bounded_instead_of_exhausting_the_stack() {
    let deep = "[".repeat(100_000);
    assert_eq!(parse(&deep).unwrap_err().reason, "nested too deeply");
    let fits = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert!(parse(&fits).is_ok());
}

#[test]
fn a_lone_surrogate_becomes_the_replacement_character() {
    assert_eq!(parse(r#""a\ud800b""#).unwrap(), Value::String("a\u{FFFD}b".into()));
}
