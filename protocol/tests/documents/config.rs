//! The `/v1/config` envelope: its own fields, at most one document per kind, all-or-nothing,
//! and the encoder that the checker reads back unchanged.

use super::{pairs, value};
use concierge_protocol::documents::{
    check_config, check_document, encode_config, encode_document, Config, Document, Mode,
    OnNewVersion, Policy, PolicyPurpose, Region, Settings, TcfMapping,
};
use concierge_protocol::names::{DataCategory, Feature, LegalBasis};
use concierge_protocol::Value;
use serde_json::json;

fn settings() -> serde_json::Value {
    json!({ "kind": "settings", "version": 1, "idle_minutes": 30 })
}

fn envelope(documents: serde_json::Value) -> serde_json::Value {
    json!({ "documents": documents, "format": 1, "site": "demo" })
}

fn check(input: serde_json::Value, expected: &[(&str, &str)]) -> Option<Config> {
    match check_config(&value(input.clone())) {
        Ok(config) => {
            assert!(expected.is_empty(), "accepted, expected {expected:#?}\n{input}");
            Some(config)
        }
        Err(problems) => {
            assert_eq!(pairs(&problems), expected, "for {input}");
            None
        }
    }
}

#[test]
fn the_envelope_and_its_documents() {
    let policy = super::policy::base();
    let cases: &[(serde_json::Value, &[(&str, &str)])] = &[
        (envelope(json!([])), &[]),
        (envelope(json!([policy, settings()])), &[]),
        (
            json!({ "documents": [], "format": 2, "site": "demo" }),
            &[("format", "must be 1, got 2")],
        ),
        (
            json!({ "documents": [], "format": 1, "site": "my shop" }),
            &[("site", "must be 1 to 64 letters, digits, - or _, got \"my shop\"")],
        ),
        (
            json!({ "documents": [], "format": 1, "site": "x".repeat(65) }),
            &[("site", &format!("must be 1 to 64 letters, digits, - or _, got \"{}…\"", "x".repeat(60)))],
        ),
        (
            json!({ "format": 1, "site": "demo" }),
            &[("documents", "is required")],
        ),
        (
            json!({ "documents": {}, "etag": "x", "format": 1, "site": "demo" }),
            &[
                ("etag", "is not a field of the config"),
                ("documents", "must be a list of documents, got an object"),
            ],
        ),
        (json!("demo"), &[("", "the config must be an object, got \"demo\"")]),
        (
            envelope(json!([policy, settings(), policy])),
            &[(
                "documents[2].kind",
                "is a second policy document (the first is documents[0]); a config has at most one of each kind",
            )],
        ),
        (
            envelope(json!([{ "kind": "campaign", "version": 1 }, settings()])),
            &[("documents[0].kind", "must be one of policy, settings, campaigns, knowledge, catalogue, got \"campaign\"")],
        ),
        (
            envelope(json!([7])),
            &[("documents[0]", "a document must be an object with a kind and a version, got 7")],
        ),
    ];
    for (input, expected) in cases {
        check(input.clone(), expected);
    }
}

#[test]
fn one_bad_document_refuses_the_whole_config() {
    let mut bad = settings();
    bad["idle_minutes"] = json!("thirty");
    let mut policy = super::policy::base();
    policy["purposes"][0]["names"]["de"] = json!("");
    check(
        envelope(json!([policy, bad])),
        &[
            ("documents[0].purposes[0].names.de", "must not be empty"),
            (
                "documents[1].idle_minutes",
                "must be a whole number of minutes from 1 to 525600, got \"thirty\"",
            ),
        ],
    );
}

#[test]
fn a_valid_config_holds_each_document() {
    let config = check(envelope(json!([settings()])), &[]).unwrap();
    assert_eq!(
        config,
        Config {
            assistant: None,
            site: "demo".into(),
            region: None,
            policy: None,
            settings: Some(Settings { version: 1, idle_minutes: Some(30), ..Settings::default() }),
            campaigns: None,
            knowledge: None,
            catalogue: None,
        }
    );
}

fn texts(prefix: &str) -> Vec<(String, String)> {
    ["en", "es", "nl", "de"].iter().map(|l| (l.to_string(), format!("{prefix} ({l})"))).collect()
}

fn full_config() -> Config {
    Config {
        assistant: None,
        site: "shop_1".into(),
        region: Some("US-CA".into()),
        policy: Some(Box::new(Policy {
            version: 12,
            prompt: false,
            privacy_url: Some("https://legal.example/privacy?x=1".into()),
            reprompt_days: 3650,
            on_new_version: OnNewVersion::Keep,
            default_mode: Mode::OptOut,
            regions: vec![Region {
                id: "eu".into(),
                mode: Mode::OptIn,
                countries: vec!["DE".into(), "FR-75".into()],
            }],
            gpc_denies: vec!["measure".into()],
            purposes: vec![
                PolicyPurpose {
                    id: "measure".into(),
                    legal_basis: LegalBasis::Consent,
                    names: texts("Measure"),
                    descriptions: texts("Sends \"visits\"\\ ñ"),
                    data: DataCategory::ALL.to_vec(),
                    features: Feature::ALL.to_vec(),
                    retention_days: 1,
                },
                PolicyPurpose {
                    id: "keep".into(),
                    legal_basis: LegalBasis::LegalObligation,
                    names: texts("Keep"),
                    descriptions: texts("Keeps"),
                    data: vec![],
                    features: vec![],
                    retention_days: 3650,
                },
            ],
            tcf: Some(TcfMapping {
                vendor_id: Some(65535),
                purposes: vec![("measure".into(), vec![1, 11])],
            }),
        })),
        settings: Some(Settings {
            version: 4_294_967_295,
            idle_minutes: Some(525_600),
            dismiss_hours: Some(1),
            checkout_path: Some("/kasse/".into()),
            resume_url: Some("https://pay.example:8443/r?x=1#y".into()),
            link_hosts: Some(vec!["pay.example:8443".into(), "cdn.example".into()]),
            interests_half_life_days: Some(365),
        }),
        campaigns: match check_document(&value(super::campaigns::full())) {
            Ok(Document::Campaigns(campaigns)) => Some(Box::new(campaigns)),
            other => panic!("{other:?}"),
        },
        knowledge: match check_document(&value(super::knowledge::full())) {
            Ok(Document::Knowledge(knowledge)) => Some(knowledge),
            other => panic!("{other:?}"),
        },
        catalogue: match check_document(&value(super::catalogue::full())) {
            Ok(Document::Catalogue(catalogue)) => Some(catalogue),
            other => panic!("{other:?}"),
        },
    }
}

#[test]
fn what_is_encoded_checks_back_to_the_same_config() {
    let configs = [
        full_config(),
        Config { site: "demo".into(), ..Config::default() },
        Config {
            assistant: None,
            site: "demo".into(),
            region: None,
            policy: None,
            settings: Some(Settings {
                version: 2,
                link_hosts: Some(vec![]),
                ..Settings::default()
            }),
            campaigns: None,
            knowledge: None,
            catalogue: None,
        },
    ];
    for config in configs {
        assert_eq!(check_config(&encode_config(&config)), Ok(config.clone()));
        for document in config.documents() {
            assert_eq!(check_document(&encode_document(&document)), Ok(document));
        }
    }
}

fn keys(value: &Value) -> Vec<&str> {
    match value {
        Value::Object(fields) => fields.iter().map(|(key, _)| key.as_str()).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn documents_are_written_in_one_order_kinds_first() {
    let config = full_config();
    let encoded = encode_config(&config);
    assert_eq!(keys(&encoded), ["format", "site", "region", "documents"]);
    assert_eq!(encoded.get("format"), Some(&Value::Number(1.0)));
    let Some(Value::Array(documents)) = encoded.get("documents") else { panic!("{encoded:?}") };
    assert_eq!(
        keys(&documents[0]),
        [
            "kind",
            "version",
            "prompt",
            "privacy_url",
            "reprompt_days",
            "on_new_version",
            "default_mode",
            "regions",
            "gpc",
            "purposes",
            "tcf"
        ],
        "policy first, as in Kind::ALL"
    );
    assert_eq!(
        keys(&documents[1]),
        [
            "kind",
            "version",
            "idle_minutes",
            "dismiss_hours",
            "checkout_path",
            "resume_url",
            "link_hosts",
            "interests"
        ]
    );
    assert_eq!(keys(&documents[2])[..4], ["kind", "version", "contact", "campaigns"]);
    let Some(Value::Array(purposes)) = documents[0].get("purposes") else { panic!() };
    assert_eq!(
        keys(&purposes[0]),
        ["id", "legal_basis", "names", "descriptions", "data", "features", "retention_days"]
    );
    assert_eq!(keys(purposes[0].get("names").unwrap()), ["en", "es", "nl", "de"]);
    // Settings left out are left out, not written as null.
    let sparse = Document::Settings(Settings { version: 1, ..Settings::default() });
    assert_eq!(keys(&encode_document(&sparse)), ["kind", "version"]);
}

#[test]
fn the_backends_word_on_the_region_is_a_country_code() {
    let mut with = envelope(json!([]));
    with["region"] = json!("US-CA");
    assert_eq!(check(with.clone(), &[]).unwrap().region.as_deref(), Some("US-CA"));
    with["region"] = json!("California");
    check(
        with,
        &[(
            "region",
            "must be a country code such as DE (ISO 3166-1 alpha-2) or a subdivision such as US-CA, got \"California\"",
        )],
    );
}
