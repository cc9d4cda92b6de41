//! The shared value type writes JSON exactly as a JSON writer does, and measures it exactly.

use concierge_protocol::Value;

#[test]
fn json_text_and_length_match_serde_json() {
    let cases = [
        r#"null"#,
        r#"[true,false,0,-1,1795435200000,79900,9007199254740991]"#,
        r#"{"a":"plain","b":"quote \" backslash \\ slash /","c":"new\nline\ttab\rreturn"}"#,
        r#"{"control":"\u0001\u001f\b\f","unicode":"Fußball — 日本 🎉"}"#,
        r#"{"nested":{"list":[{"k":[]},{}],"n":0.5,"m":-12.25}}"#,
        r#""""#,
    ];
    for text in cases {
        let value: Value = serde_json::from_str(text).unwrap();
        let expected = serde_json::to_string(&value).unwrap();
        assert_eq!(value.to_json(), expected, "{text}");
        assert_eq!(value.json_len(), expected.len(), "{text}");
    }
}

#[test]
fn what_json_cannot_hold_is_written_as_null() {
    for n in [f64::NAN, f64::INFINITY, 1e300] {
        assert_eq!(Value::Number(n).to_json(), "null", "{n}");
    }
}

#[test]
fn a_fraction_that_rounds_away_leaves_a_whole_number_and_valid_json() {
    use concierge_protocol::value::format_decimal;
    assert_eq!(format_decimal(1.000_000_1), "1");
    assert_eq!(format_decimal(-0.000_000_1), "0");
    assert_eq!(format_decimal(-2.999_999_9), "-3");
    for n in [2.000_000_1, -0.000_000_1, 19.99] {
        let json = Value::Array(vec![Value::Number(n)]);
        let text = json.to_json();
        assert_eq!(text.len(), json.json_len(), "{text}");
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok(), "{text}");
    }
}
