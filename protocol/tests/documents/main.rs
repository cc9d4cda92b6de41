//! Tests of the config documents' validator: one test binary, a module per document kind.
//!
//! Each case is data: an input and the exact problems (path, message) it must produce.

mod campaigns;
mod catalogue;
mod config;
mod knowledge;
mod policy;
mod read;
mod settings;

use concierge_protocol::documents::{check_document, Document};
use concierge_protocol::{Problem, Value};

/// The protocol's own value from JSON text (the tests read JSON the way the CLI does).
pub fn value(json: serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(flag) => Value::Bool(flag),
        serde_json::Value::Number(number) => Value::Number(number.as_f64().unwrap()),
        serde_json::Value::String(text) => Value::String(text),
        serde_json::Value::Array(items) => Value::Array(items.into_iter().map(value).collect()),
        serde_json::Value::Object(fields) => {
            Value::Object(fields.into_iter().map(|(key, item)| (key, value(item))).collect())
        }
    }
}

/// The problems a case expects, as (path, message) pairs.
pub type Expected<'a> = &'a [(&'a str, &'a str)];

/// The problems as (path, message) pairs, for comparing with a case's expectation.
pub fn pairs(problems: &[Problem]) -> Vec<(&str, &str)> {
    problems.iter().map(|p| (p.path.as_str(), p.message.as_str())).collect()
}

/// Checks a document and compares its problems with `expected` (empty: it must be valid).
pub fn check(input: Value, expected: &[(&str, &str)]) -> Option<Document> {
    match check_document(&input) {
        Ok(document) => {
            assert!(expected.is_empty(), "accepted, expected {expected:#?}\n{input:?}");
            Some(document)
        }
        Err(problems) => {
            assert_eq!(pairs(&problems), expected, "for {input:?}");
            None
        }
    }
}

/// `base` with `field` set to `to` (or removed when `to` is `None`), at a JSON pointer.
pub fn with(base: &serde_json::Value, pointer: &str, to: Option<serde_json::Value>) -> Value {
    let mut changed = base.clone();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let parent = if parent.is_empty() {
        &mut changed
    } else {
        changed.pointer_mut(parent).unwrap_or_else(|| panic!("{parent} in {base}"))
    };
    match (parent, to) {
        (serde_json::Value::Object(fields), Some(to)) => {
            fields.insert(key.to_owned(), to);
        }
        (serde_json::Value::Object(fields), None) => {
            fields.remove(key);
        }
        (serde_json::Value::Array(items), Some(to)) => items[key.parse::<usize>().unwrap()] = to,
        (serde_json::Value::Array(items), None) => {
            items.remove(key.parse::<usize>().unwrap());
        }
        (other, _) => panic!("cannot change {pointer} in {other}"),
    }
    value(changed)
}
