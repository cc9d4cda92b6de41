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
