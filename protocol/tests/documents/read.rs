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
    json!([read("policy"), read("settings"), read("campaigns"), read("catalogue")])
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
        json!([super::campaigns::full()]),
        json!([super::knowledge::full(), { "kind": "settings", "version": 1, "link_hosts": ["cdn.example"] }]),
        json!([super::catalogue::full(), { "kind": "settings", "version": 1, "link_hosts": ["cdn.example"] }]),
    ] {
        let config = value(envelope(documents));
        let checked = check_config(&config).expect("valid");
        assert_eq!(read_config(&config), Ok(checked));
    }
}

#[test]
fn a_newer_servers_kinds_and_fields_are_passed_over() {
    let config = value(envelope(json!([
        { "kind": "loyalty", "version": 1, "tiers": [] },
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
            policy("/purposes/1/id", json!("Measurement")),
            "documents[0].purposes[1].id",
            "must be an id of lowercase letters, digits and _",
        ),
        (
            policy("/purposes/1/retention_days", json!(0)),
            "documents[0].purposes[1].retention_days",
            "must be a whole number from 1 to 3650",
        ),
        (
            policy("/purposes/1/data", json!("activity")),
            "documents[0].purposes[1].data",
            "must be a list as documented",
        ),
        (
            policy("/purposes/1/data/0", json!(7)),
            "documents[0].purposes[1].data[0]",
            "must be a name",
        ),
        (
            policy("/regions/1/countries/0", json!("California")),
            "documents[0].regions[1].countries[0]",
            "must be a country code such as DE or US-CA",
        ),
        (
            policy("/gpc", json!(["marketing"])),
            "documents[0].gpc",
            "must be an object as documented",
        ),
        (
            envelope(json!([{ "kind": "policy", "version": 1, "purposes": [7] }])),
            "documents[0].purposes[0]",
            "must be an object as documented",
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

/// A config whose policy has `to` at a JSON pointer.
fn policy(pointer: &str, to: serde_json::Value) -> serde_json::Value {
    let mut document = super::policy::base();
    *document.pointer_mut(pointer).unwrap() = to;
    envelope(json!([document]))
}

/// A config whose campaigns document has `to` at a JSON pointer under its fullest campaign.
fn campaigns(pointer: &str, to: serde_json::Value) -> serde_json::Value {
    let mut document = super::campaigns::full();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let parent = document.pointer_mut(&format!("/campaigns/1{parent}")).unwrap();
    match parent {
        serde_json::Value::Array(items) => items[key.parse::<usize>().unwrap()] = to,
        other => other[key] = to,
    }
    envelope(json!([super::policy::base(), document]))
}

#[test]
fn a_newer_servers_data_categories_and_features_are_passed_over() {
    let mut document = super::policy::base();
    document["purposes"][2]["data"] = json!(["cart", "location", "identifiers"]);
    document["purposes"][2]["features"] = json!(["staff_view", "hologram"]);
    let read = read_config(&value(envelope(json!([document])))).expect("read");
    let personalization = &read.policy.expect("policy").purposes[2];
    use concierge_protocol::names::{DataCategory, Feature};
    assert_eq!(personalization.data, [DataCategory::Cart, DataCategory::Identifiers]);
    assert_eq!(personalization.features, [Feature::StaffView]);
}

#[test]
fn campaigns_are_read_from_the_same_tables_down_to_the_field_at_fault() {
    let cases = [
        (
            campaigns("/targeting", json!({ "and": [true, { "foo": 1 }] })),
            "documents[1].campaigns[1].targeting.and[1].foo",
            "unsupported operator \"foo\"",
        ),
        (
            campaigns("/priority", json!("high")),
            "documents[1].campaigns[1].priority",
            "must be a whole number from 1 to 100",
        ),
        (
            campaigns("/holdout", json!(0.7)),
            "documents[1].campaigns[1].holdout",
            "must be a number in its range",
        ),
        (
            campaigns("/trigger", json!({ "type": "geofence" })),
            "documents[1].campaigns[1].trigger.type",
            "must be one of the values this agent knows",
        ),
        (
            campaigns("/trigger", json!({ "type": "idle", "seconds": "soon" })),
            "documents[1].campaigns[1].trigger.seconds",
            "must be a whole number from 1 to 3600",
        ),
        (
            campaigns("/placement", json!({ "type": "inline" })),
            "documents[1].campaigns[1].placement.slot",
            "must be an id of letters, digits, - and _",
        ),
        (
            campaigns("/schedule", json!({ "start": "soon" })),
            "documents[1].campaigns[1].schedule.start",
            "must be a date and time such as 2026-12-01T09:00:00Z",
        ),
        (
            campaigns("/schedule", json!({ "start": "2026-12-01T09:00", "time_zone": "CET" })),
            "documents[1].campaigns[1].schedule.time_zone",
            "must be an IANA time zone",
        ),
        (
            campaigns("/content/es/title", json!(7)),
            "documents[1].campaigns[1].content.es.title",
            "must be a text",
        ),
        (
            campaigns("/content/nl/action/href", json!("javascript:alert(1)")),
            "documents[1].campaigns[1].content.nl.action.href",
            "must be a path starting with / or an https:// URL",
        ),
        (
            campaigns("/variants/0/weight", json!(0)),
            "documents[1].campaigns[1].variants[0].weight",
            "must be a whole number from 1 to 1000",
        ),
        (
            campaigns("/goal", json!("purchase")),
            "documents[1].campaigns[1].goal",
            "must be an object as documented",
        ),
        (
            campaigns("/goal/event", json!("signup")),
            "documents[1].campaigns[1].goal.event",
            "must be one of the values this agent knows",
        ),
        (
            campaigns("/contact", json!({ "cooldown_hours": -1 })),
            "documents[1].campaigns[1].contact.cooldown_hours",
            "must be a whole number from 0 to 8760",
        ),
    ];
    for (input, path, message) in cases {
        let problem = read_config(&value(input.clone())).expect_err(&input.to_string());
        assert_eq!((problem.path.as_str(), problem.message.as_str()), (path, message), "{input}");
    }
}

#[test]
fn a_newer_servers_campaign_fields_and_languages_are_passed_over() {
    let mut document = super::campaigns::full();
    document["campaigns"][0]["frequency"] = json!({ "any": "thing" });
    document["campaigns"][0]["content"]["fr"] = json!({ "titre": "Bonjour" });
    document["campaigns"][0]["trigger"]["debounce_ms"] = json!(50);
    document["contact"]["per_month"] = json!(20);
    let config = value(envelope(json!([document])));
    assert!(check_config(&config).is_err(), "the validator refuses what it does not know");
    let read = read_config(&config).expect("an agent reads what it knows");
    let campaigns = read.campaigns.expect("campaigns");
    assert_eq!(campaigns.campaigns.len(), 3);
    let expected = check_config(&value(envelope(json!([super::campaigns::full()])))).unwrap();
    assert_eq!(Some(campaigns), expected.campaigns, "the same campaigns, the rest passed over");
}

#[test]
fn a_region_the_agent_cannot_read_is_taken_as_unknown() {
    let mut config = envelope(json!([]));
    config["region"] = json!("DE");
    assert_eq!(read_config(&value(config.clone())).unwrap().region.as_deref(), Some("DE"));
    config["region"] = json!(49);
    assert_eq!(read_config(&value(config)).unwrap().region, None, "a hint, not a reason to refuse");
}

#[test]
fn the_knowledge_pointer_reads_alike_and_an_unusable_one_is_no_pointer() {
    use concierge_protocol::documents::KnowledgePointer;
    let mut config = envelope(json!([]));
    config["assistant"] = json!({ "knowledge": "/v1/config/knowledge?site=demo", "version": 3 });
    let checked = check_config(&value(config.clone())).expect("valid");
    let pointer = KnowledgePointer { path: "/v1/config/knowledge?site=demo".into(), version: 3 };
    assert_eq!(checked.assistant, Some(Box::new(pointer)));
    assert_eq!(read_config(&value(config.clone())), Ok(checked.clone()));
    let written = concierge_protocol::documents::encode_config(&checked);
    assert_eq!(serde_json::to_value(written).unwrap(), config, "written as read");
    for unusable in [
        json!({ "knowledge": "https://elsewhere.example/k.json", "version": 3 }),
        json!({ "knowledge": "//elsewhere.example/k.json", "version": 3 }),
        json!({ "knowledge": "/v1/config/knowledge?site=demo", "version": 0 }),
        json!({ "knowledge": "/v1/config/knowledge?site=demo" }),
        json!("/v1/config/knowledge?site=demo"),
    ] {
        let mut config = envelope(json!([]));
        config["assistant"] = unusable.clone();
        let read = read_config(&value(config.clone())).expect("a hint never refuses the config");
        assert_eq!(read.assistant, None, "{unusable}");
        assert!(check_config(&value(config)).is_err(), "the validator names it: {unusable}");
    }
}
