//! How an agent reads a config: what the validator accepts reads the same; a newer server's
//! kinds and fields are passed over; a field the agent uses with the wrong type or range
//! refuses the whole config, named by its path.

use super::value;
use concierge_protocol::documents::{check_config, read_config};
use serde_json::json;

fn envelope(documents: serde_json::Value) -> serde_json::Value {
    json!({ "format": 1, "site": "demo", "documents": documents })
}

fn demo_documents() -> serde_json::Value {
    let read = |name: &str| {
        let path = format!("{}/../documents/demo/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str::<serde_json::Value>(&text).unwrap()
    };
    json!([read("policy"), read("settings")])
}

#[test]
fn what_the_validator_accepts_an_agent_reads_the_same() {
    let policy = super::policy::base();
    for documents in [
        json!([]),
        demo_documents(),
        json!([policy]),
        json!([{ "kind": "settings", "version": 7, "idle_minutes": 2, "link_hosts": ["pay.example"],
                 "resume_url": "https://pay.example/resume", "checkout_path": "/checkout/" }]),
    ] {
        let config = value(envelope(documents));
        let checked = check_config(&config).expect("valid");
        assert_eq!(read_config(&config), Ok(checked));
    }
}

#[test]
fn a_newer_servers_kinds_and_fields_are_passed_over() {
    let config = value(envelope(json!([
        { "kind": "campaigns", "version": 1, "campaigns": [] },
        { "kind": "settings", "version": 2, "idle_minutes": 5, "new_setting": { "any": "thing" } },
    ])));
    assert!(check_config(&config).is_err(), "the validator refuses what it does not know");
    let read = read_config(&config).expect("an agent reads what it knows");
    assert_eq!(read.settings.expect("settings").idle_minutes, Some(5));
    assert!(read.policy.is_none());
}

#[test]
fn a_field_the_agent_cannot_use_refuses_the_whole_config_by_its_path() {
    let settings = |field: &str, to: serde_json::Value| {
        let mut document = json!({ "kind": "settings", "version": 1, "idle_minutes": 30 });
        document[field] = to;
        envelope(json!([super::policy::base(), document]))
    };
    let cases = [
        (
            settings("idle_minutes", json!("soon")),
            "documents[1].idle_minutes",
            "must be a whole number from 1 to 525600",
        ),
        (
            settings("idle_minutes", json!(0)),
            "documents[1].idle_minutes",
            "must be a whole number from 1 to 525600",
        ),
        (
            settings("dismiss_hours", json!(1.5)),
            "documents[1].dismiss_hours",
            "must be a whole number from 1 to 8760",
        ),
        (
            settings("checkout_path", json!("checkout")),
            "documents[1].checkout_path",
            "must be a path starting with /",
        ),
        (
            settings("resume_url", json!("javascript:alert(1)")),
            "documents[1].resume_url",
            "must be a path starting with / or an https:// URL",
        ),
        (
            settings("link_hosts", json!(["bad host!"])),
            "documents[1].link_hosts",
            "must be a list of host names",
        ),
        (settings("version", json!(0)), "documents[1].version", "must be a whole number from 1"),
        (
            envelope(json!([{ "kind": "policy", "version": 1, "prompt": "yes", "purposes": [] }])),
            "documents[0].prompt",
            "must be true or false",
        ),
        (
            envelope(
                json!([{ "kind": "policy", "version": 1, "purposes": [{ "id": "everything", "names": {}, "descriptions": {} }] }]),
            ),
            "documents[0].purposes",
            "must be a list of objects as documented",
        ),
        (
            envelope(json!([{ "kind": "policy", "version": 1 }])),
            "documents[0].purposes",
            "must be a list of objects as documented",
        ),
        (
            envelope(
                json!([{ "kind": "settings", "version": 1 }, { "kind": "settings", "version": 2 }]),
            ),
            "documents[1].kind",
            "is a second document of this kind",
        ),
        (
            json!({ "format": 2, "site": "demo", "documents": [] }),
            "format",
            "must be 1, the config format this agent reads",
        ),
        (
            json!({ "format": 1, "site": "no spaces", "documents": [] }),
            "site",
            "must be the site's id",
        ),
        (
            json!({ "format": 1, "site": "demo", "documents": {} }),
            "documents",
            "must be a list of documents",
        ),
        (json!([]), "", "the config must be an object"),
    ];
    for (input, path, message) in cases {
        let problem = read_config(&value(input.clone())).expect_err(&input.to_string());
        assert_eq!((problem.path.as_str(), problem.message.as_str()), (path, message), "{input}");
    }
}
