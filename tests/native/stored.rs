//! The storage format: round trips, versions, and damaged documents.

use super::support::*;
use concierge::engine::Agent;
use concierge::stored::{self, StoredError};
use concierge::value::Value;

fn sample() -> concierge::engine::Snapshot {
    let mut agent = consenting_agent(T0);
    let mut phone = item("aurora-x1", 79900, 1);
    phone.category = Some("Phones".into());
    persisted(&agent.handle(add(vec![phone, item("case", 1999, 2)]), T0 + 5)).unwrap()
}

#[test]
fn a_snapshot_survives_the_round_trip_through_json_text() {
    let snapshot = sample();
    let text = serde_json::to_string(&stored::encode(&snapshot)).unwrap();
    assert!(text.starts_with(r#"{"v":1,"consent":{"storage":"granted""#), "{text}");
    assert!(text.contains(r#""price":79900,"qty":1"#), "{text}");
    let (decoded, dropped) = stored::decode(&json(&text)).unwrap();
    assert_eq!(decoded, snapshot);
    assert!(dropped.is_empty());
}

#[test]
fn documents_that_are_not_ours_are_refused_by_name() {
    let cases = [
        ("[]", StoredError::NotAnObject("an array")),
        ("{}", StoredError::MissingVersion),
        (r#"{"v":2,"cart":{}}"#, StoredError::UnknownVersion(2.0)),
        (r#"{"v":"1"}"#, StoredError::Field { field: "v", problem: "must be a number".into() }),
        (r#"{"v":1}"#, StoredError::Field { field: "cart", problem: "is missing".into() }),
        (
            r#"{"v":1,"cart":{"currency":"??"}}"#,
            StoredError::Field { field: "cart.currency", problem: "is not a currency code".into() },
        ),
        (
            r#"{"v":1,"cart":{"currency":"EUR","lines":{}}}"#,
            StoredError::Field {
                field: "cart.lines",
                problem: "must be an array, got an object".into(),
            },
        ),
        (
            r#"{"v":1,"seen":"yesterday","cart":{"currency":"EUR"}}"#,
            StoredError::Field {
                field: "seen",
                problem: "must be a time in milliseconds, got a string".into(),
            },
        ),
        (
            r#"{"v":1,"consent":{"storage":"yes"},"cart":{"currency":"EUR"}}"#,
            StoredError::Field {
                field: "consent.storage",
                problem: "is not granted, denied or unset".into(),
            },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(stored::decode(&json(text)).unwrap_err(), expected, "{text}");
    }
    assert_eq!(
        StoredError::UnknownVersion(2.0).to_string(),
        "stored state has version 2; this agent reads version 1"
    );
}

#[test]
fn damaged_lines_are_dropped_and_the_rest_of_the_cart_kept() {
    let text = r#"{"v":1,"consent":{"storage":"granted","analytics":"granted"},
        "cart":{"currency":"EUR","updated":1,"lines":[
          {"id":"ok","name":"Fine","price":500,"qty":2},
          {"id":"neg","name":"Negative","price":-5,"qty":1},
          {"id":"frac","name":"Fraction","price":5,"qty":0.5},
          "garbage",
          {"name":"No id","price":5,"qty":1},
          {"id":"ok","name":"Repeat","price":1,"qty":1},
          {"id":"ok2","name":"Also fine","price":100,"qty":1}]}}"#;
    let (snapshot, dropped) = stored::decode(&json(text)).unwrap();
    let ids: Vec<_> = snapshot.cart.lines.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["ok", "ok2"]);
    assert_eq!(snapshot.cart.total().minor, 1100);
    let reasons: Vec<_> = dropped.iter().map(ToString::to_string).collect();
    assert_eq!(
        reasons,
        [
            "stored cart line 1 has an invalid price; line dropped",
            "stored cart line 2 has an invalid quantity; line dropped",
            "stored cart line 3 has no id; line dropped",
            "stored cart line 4 has no id; line dropped",
            "stored cart line 5 repeats a product or exceeds the line limit; line dropped",
        ]
    );
}

#[test]
fn the_engine_starts_cleanly_from_a_decoded_damaged_document() {
    let text = r#"{"v":1,"consent":{"storage":"granted","analytics":"granted"},"seen":0,
        "cart":{"currency":"EUR","updated":0,"lines":[{"id":"a","name":"A","price":100,"qty":1},null]}}"#;
    let (snapshot, _) = stored::decode(&json(text)).unwrap();
    let mut agent = Agent::new(config());
    agent.handle(start(Some(snapshot), "/"), T0);
    assert_eq!(agent.cart().total().minor, 100);
}

#[test]
fn keys_are_per_site() {
    assert_eq!(stored::key("demo"), "concierge:v1:demo");
    assert_ne!(stored::key("a"), stored::key("b"));
    assert_eq!(Value::Null.kind(), "null");
}
