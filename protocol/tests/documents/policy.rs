//! The `policy` document: the prompt switch, the two purposes and their texts in every language.

use super::{check, value, with, Expected};
use concierge_protocol::documents::{Document, Policy, PolicyPurpose};
use concierge_protocol::names::Purpose;
use serde_json::json;

pub fn texts(prefix: &str) -> serde_json::Value {
    json!({ "de": format!("{prefix} de"), "en": format!("{prefix} en"), "es": format!("{prefix} es"), "nl": format!("{prefix} nl") })
}

pub fn base() -> serde_json::Value {
    json!({
        "kind": "policy", "version": 3, "prompt": true,
        "purposes": [
            { "id": "storage", "names": texts("Keep"), "descriptions": texts("Keeps the cart") },
            { "id": "analytics", "names": texts("Improve"), "descriptions": texts("Sends visits") },
        ],
    })
}

/// The base policy changed at a JSON pointer, and the problems that must give.
fn changed(pointer: &str, to: Option<serde_json::Value>, expected: &[(&str, &str)]) {
    check(with(&base(), pointer, to), expected);
}

const MISSING_STORAGE: (&str, &str) =
    ("purposes", "the purpose \"storage\" is missing; list each of storage, analytics");
const MISSING_ANALYTICS: (&str, &str) =
    ("purposes", "the purpose \"analytics\" is missing; list each of storage, analytics");

#[test]
fn the_prompt_is_a_boolean_that_defaults_to_true() {
    changed("/prompt", Some(json!(false)), &[]);
    changed("/prompt", Some(json!("yes")), &[("prompt", "must be true or false, got \"yes\"")]);
    changed("/prompt", Some(json!(1)), &[("prompt", "must be true or false, got 1")]);
    let Some(Document::Policy(policy)) = check(with(&base(), "/prompt", None), &[]) else {
        panic!("the policy without prompt is valid");
    };
    assert!(policy.prompt);
}

#[test]
fn exactly_the_two_purposes_each_once() {
    let marketing = json!({ "id": "marketing", "names": texts("M"), "descriptions": texts("M") });
    let storage = base()["purposes"][0].clone();
    let analytics = base()["purposes"][1].clone();
    let cases: &[(serde_json::Value, &[(&str, &str)])] = &[
        (json!([analytics, storage]), &[]),
        (
            json!([storage, analytics, marketing]),
            &[
                ("purposes", "must list at most 2 purposes, got 3"),
                ("purposes[2].id", "must be one of storage, analytics, got \"marketing\""),
            ],
        ),
        (
            json!([storage, storage]),
            &[
                ("purposes[1].id", "\"storage\" is listed twice (first at purposes[0])"),
                MISSING_ANALYTICS,
            ],
        ),
        (json!([storage]), &[MISSING_ANALYTICS]),
        (json!([]), &[MISSING_STORAGE, MISSING_ANALYTICS]),
        (
            json!(["storage", analytics]),
            &[("purposes[0]", "a purpose must be an object, got \"storage\""), MISSING_STORAGE],
        ),
        (
            json!({ "storage": storage }),
            &[("purposes", "must be a list of purposes, got an object")],
        ),
    ];
    for (purposes, expected) in cases {
        changed("/purposes", Some(purposes.clone()), expected);
    }
    changed("/purposes", None, &[("purposes", "is required")]);
}

#[test]
fn each_purpose_has_an_id_names_and_descriptions_and_nothing_else() {
    changed("/purposes/0/id", None, &[("purposes[0].id", "is required"), MISSING_STORAGE]);
    changed("/purposes/1/names", None, &[("purposes[1].names", "is required")]);
    changed(
        "/purposes/0/title",
        Some(json!("Keep")),
        &[("purposes[0].title", "is not a field of a purpose")],
    );
    changed(
        "/purposes/0/description",
        Some(json!(texts("x"))),
        &[(
            "purposes[0].description",
            "is not a field of a purpose; did you mean \"descriptions\"?",
        )],
    );
}

#[test]
fn every_language_the_agent_speaks_with_a_sensible_text() {
    let cases: &[(&str, Option<serde_json::Value>, Expected)] = &[
        (
            "/purposes/1/descriptions/de",
            None,
            &[(
                "purposes[1].descriptions.de",
                "is missing; the agent needs a text in each of en, es, nl, de",
            )],
        ),
        ("/purposes/0/names/en", Some(json!("")), &[("purposes[0].names.en", "must not be empty")]),
        (
            "/purposes/0/names/en",
            Some(json!("   ")),
            &[("purposes[0].names.en", "must not be empty")],
        ),
        ("/purposes/0/names/nl", Some(json!("x".repeat(200))), &[]),
        (
            "/purposes/0/names/nl",
            Some(json!("x".repeat(201))),
            &[("purposes[0].names.nl", "must be at most 200 characters, got 201")],
        ),
        ("/purposes/0/descriptions/es", Some(json!("ñ".repeat(600))), &[]),
        (
            "/purposes/0/descriptions/es",
            Some(json!("ñ".repeat(601))),
            &[("purposes[0].descriptions.es", "must be at most 600 characters, got 601")],
        ),
        (
            "/purposes/0/names/fr",
            Some(json!("Garder")),
            &[("purposes[0].names.fr", "is not a language the agent speaks (en, es, nl, de)")],
        ),
        (
            "/purposes/0/names/es",
            Some(json!(3)),
            &[("purposes[0].names.es", "must be a text, got 3")],
        ),
        (
            "/purposes/0/names/de",
            Some(json!("Warenkorb\nspeichern")),
            &[(
                "purposes[0].names.de",
                "must not contain control characters such as line breaks or tabs",
            )],
        ),
        (
            "/purposes/0/names",
            Some(json!("Keep")),
            &[(
                "purposes[0].names",
                "must be an object with a text for each language (en, es, nl, de), got \"Keep\"",
            )],
        ),
        (
            "/purposes/0/names",
            Some(json!({ "de": "", "en": 1 })),
            &[
                ("purposes[0].names.de", "must not be empty"),
                ("purposes[0].names.en", "must be a text, got 1"),
                (
                    "purposes[0].names.es",
                    "is missing; the agent needs a text in each of en, es, nl, de",
                ),
                (
                    "purposes[0].names.nl",
                    "is missing; the agent needs a text in each of en, es, nl, de",
                ),
            ],
        ),
    ];
    for (pointer, to, expected) in cases {
        changed(pointer, to.clone(), expected);
    }
}

#[test]
fn a_valid_policy_decodes_with_its_texts() {
    let pairs = |prefix: &str| -> Vec<(String, String)> {
        ["de", "en", "es", "nl"].iter().map(|l| (l.to_string(), format!("{prefix} {l}"))).collect()
    };
    let expected = Policy {
        version: 3,
        prompt: true,
        purposes: vec![
            PolicyPurpose {
                purpose: Purpose::Storage,
                names: pairs("Keep"),
                descriptions: pairs("Keeps the cart"),
            },
            PolicyPurpose {
                purpose: Purpose::Analytics,
                names: pairs("Improve"),
                descriptions: pairs("Sends visits"),
            },
        ],
    };
    assert_eq!(check(value(base()), &[]), Some(Document::Policy(expected)));
}
