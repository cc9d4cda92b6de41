//! The `policy` document: the consent policy in its current two-purpose form.
//!
//! ```json
//! { "kind": "policy", "version": 3, "prompt": true, "purposes": [
//!   { "id": "storage",
//!     "names": { "en": "…", "es": "…", "nl": "…", "de": "…" },
//!     "descriptions": { "en": "…", "es": "…", "nl": "…", "de": "…" } },
//!   { "id": "analytics", "names": { … }, "descriptions": { … } } ] }
//! ```

use super::rules::{bool_field, pairs_field, pairs_value, Field, Rule, Walk};
use super::{Policy, PolicyPurpose};
use crate::names::Purpose;
use crate::Value;

/// The ids of [`Purpose::ALL`], as the table below needs them at compile time.
pub const PURPOSE_IDS: &[&str] = &["storage", "analytics"];
/// The longest name of a purpose, per language.
pub const MAX_NAME: usize = 200;
/// The longest description of a purpose, per language.
pub const MAX_DESCRIPTION: usize = 600;

const PURPOSE_FIELDS: &[Field] = &[
    Field::required("id", Rule::OneOf(PURPOSE_IDS)),
    Field::required("names", Rule::Translations { max: MAX_NAME }),
    Field::required("descriptions", Rule::Translations { max: MAX_DESCRIPTION }),
];

pub(super) const FIELDS: &[Field] = &[
    Field::optional("prompt", Rule::Bool),
    Field::required(
        "purposes",
        Rule::Records {
            fields: PURPOSE_FIELDS,
            key: "id",
            expected: PURPOSE_IDS,
            max: PURPOSE_IDS.len(),
            noun: "purpose",
        },
    ),
];

pub(super) fn cross_check(_walk: &mut Walk, _document: &Value) {}

pub(super) fn decode(document: &Value, version: u32) -> Policy {
    let mut purposes = Vec::new();
    if let Some(Value::Array(records)) = document.get("purposes") {
        for record in records {
            let Some(purpose) = record.get("id").and_then(Value::as_str).and_then(Purpose::from_id)
            else {
                continue;
            };
            purposes.push(PolicyPurpose {
                purpose,
                names: pairs_field(record, "names"),
                descriptions: pairs_field(record, "descriptions"),
            });
        }
    }
    Policy { version, prompt: bool_field(document, "prompt").unwrap_or(true), purposes }
}

pub(super) fn encode(policy: &Policy, fields: &mut Vec<(String, Value)>) {
    fields.push(("prompt".to_owned(), Value::Bool(policy.prompt)));
    let purposes = policy
        .purposes
        .iter()
        .map(|purpose| {
            Value::object([
                ("id", Value::from(purpose.purpose.id())),
                ("names", pairs_value(&purpose.names)),
                ("descriptions", pairs_value(&purpose.descriptions)),
            ])
        })
        .collect();
    fields.push(("purposes".to_owned(), Value::Array(purposes)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purpose_table_lists_every_purpose_the_agent_knows() {
        let ids: Vec<&str> = Purpose::ALL.iter().map(|purpose| purpose.id()).collect();
        assert_eq!(ids, PURPOSE_IDS);
    }
}
