//! What a document's history shows beside each version: who published it (role and token
//! fingerprint, read from `published_by`) and what changed from the version before, as a list
//! of `{path, before, after}` in the validator's path syntax (`purposes[1].descriptions.de`).

use concierge_protocol::Value;
use serde_json::json;

/// One changed value: `before` is null where the path was added, `after` null where removed.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub path: String,
    pub before: Value,
    pub after: Value,
}

impl Change {
    pub fn to_json(&self) -> serde_json::Value {
        json!({ "path": self.path, "before": self.before, "after": self.after })
    }
}

/// Every leaf that differs between two documents, in the order of their members (the
/// protocol's `Value` keeps it, where `serde_json`'s map would sort them). Objects are compared
/// member by member and arrays element by element, so a changed description is one entry, not
/// the whole purpose; a value whose type changed is one entry.
pub fn diff(before: &Value, after: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    walk(before, after, String::new(), &mut changes);
    changes
}

fn member_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn get<'v>(fields: &'v [(String, Value)], key: &str) -> Option<&'v Value> {
    fields.iter().find(|(name, _)| name == key).map(|(_, value)| value)
}

fn walk(before: &Value, after: &Value, path: String, changes: &mut Vec<Change>) {
    match (before, after) {
        (Value::Object(old), Value::Object(new)) => {
            for (key, old_value) in old {
                let path = member_path(&path, key);
                match get(new, key) {
                    Some(new_value) => walk(old_value, new_value, path, changes),
                    None => {
                        changes.push(Change { path, before: old_value.clone(), after: Value::Null })
                    }
                }
            }
            for (key, new_value) in new.iter().filter(|(key, _)| get(old, key).is_none()) {
                changes.push(Change {
                    path: member_path(&path, key),
                    before: Value::Null,
                    after: new_value.clone(),
                });
            }
        }
        (Value::Array(old), Value::Array(new)) => {
            for index in 0..old.len().max(new.len()) {
                let path = format!("{path}[{index}]");
                match (old.get(index), new.get(index)) {
                    (Some(old_value), Some(new_value)) => walk(old_value, new_value, path, changes),
                    (Some(old_value), None) => {
                        changes.push(Change { path, before: old_value.clone(), after: Value::Null })
                    }
                    (None, Some(new_value)) => {
                        changes.push(Change { path, before: Value::Null, after: new_value.clone() })
                    }
                    (None, None) => {}
                }
            }
        }
        (old, new) if old != new => {
            changes.push(Change { path, before: old.clone(), after: new.clone() })
        }
        _ => {}
    }
}

/// `published_by` as parts: `privacy officer 1a2b3c4d` is a role and the first 8 hex digits of
/// its token's SHA-256 (never the token); `file demo/policy.json` a document published from
/// the documents directory at start.
pub fn publisher(published_by: &str) -> serde_json::Value {
    if let Some(file) = published_by.strip_prefix("file ") {
        return json!({ "role": "file", "file": file });
    }
    match published_by.rsplit_once(' ') {
        Some((role, fingerprint))
            if fingerprint.len() == 8 && fingerprint.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            json!({ "role": role, "fingerprint": fingerprint })
        }
        _ => json!({ "role": published_by }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;

    /// From text: `json!` would sort the members before the diff saw them.
    fn value(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    fn paths(before: &str, after: &str) -> Vec<(String, Json, Json)> {
        diff(&value(before), &value(after))
            .into_iter()
            .map(|c| {
                let json = c.to_json();
                (c.path, json["before"].clone(), json["after"].clone())
            })
            .collect()
    }

    #[test]
    fn a_diff_names_each_changed_leaf_by_its_path() {
        let before = r#"{ "version": 1, "prompt": true, "purposes": [
            { "id": "a", "names": { "en": "A", "de": "A" } }, { "id": "b" } ] }"#;
        let after = r#"{ "version": 2, "prompt": true, "reprompt_days": 30, "purposes": [
            { "id": "a", "names": { "en": "A!", "de": "A" } } ] }"#;
        assert_eq!(
            paths(before, after),
            vec![
                ("version".into(), json!(1), json!(2)),
                ("purposes[0].names.en".into(), json!("A"), json!("A!")),
                ("purposes[1]".into(), json!({ "id": "b" }), Json::Null),
                ("reprompt_days".into(), Json::Null, json!(30)),
            ]
        );
    }

    #[test]
    fn the_first_version_is_all_added_and_an_equal_one_is_no_change() {
        let document = value(r#"{ "kind": "policy", "version": 1 }"#);
        assert_eq!(diff(&value("{}"), &document).len(), 2);
        assert!(diff(&document, &document).is_empty());
        assert_eq!(
            paths(r#"{ "a": [1] }"#, r#"{ "a": "1" }"#),
            vec![("a".into(), json!([1]), json!("1"))]
        );
    }

    #[test]
    fn the_publisher_is_a_role_and_a_fingerprint_or_a_file() {
        assert_eq!(
            publisher("privacy officer 1a2b3c4d"),
            json!({ "role": "privacy officer", "fingerprint": "1a2b3c4d" })
        );
        assert_eq!(
            publisher("file demo/policy.json"),
            json!({ "role": "file", "file": "demo/policy.json" })
        );
        assert_eq!(publisher("someone"), json!({ "role": "someone" }));
    }
}
