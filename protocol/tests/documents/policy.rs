//! The `policy` document (format 2): one case per rule, each with the path and sentence it
//! must give, and a valid policy decoded whole.

use super::{check, value, with, Expected};
use concierge_protocol::documents::{
    encode_document, Document, Mode, OnNewVersion, Policy, PolicyPurpose, Region,
};
use concierge_protocol::names::{DataCategory, Feature, LegalBasis};
use serde_json::json;

pub fn texts(prefix: &str) -> serde_json::Value {
    json!({ "de": format!("{prefix} de"), "en": format!("{prefix} en"), "es": format!("{prefix} es"), "nl": format!("{prefix} nl") })
}

fn purpose(
    id: &str,
    basis: &str,
    data: serde_json::Value,
    features: serde_json::Value,
    days: u32,
) -> serde_json::Value {
    json!({ "id": id, "legal_basis": basis, "names": texts(id), "descriptions": texts(id),
            "data": data, "features": features, "retention_days": days })
}

/// The demo's four purposes with short texts.
pub fn base() -> serde_json::Value {
    json!({
        "kind": "policy", "version": 3, "prompt": true, "privacy_url": "/privacy/",
        "reprompt_days": 365, "on_new_version": "ask_if_widened", "default_mode": "opt_in",
        "regions": [
            { "id": "eea_uk", "mode": "opt_in", "countries": ["DE", "NL", "ES", "GB"] },
            { "id": "us_ca", "mode": "opt_out", "countries": ["US-CA"] },
        ],
        "gpc": { "denies": ["marketing"] },
        "purposes": [
            purpose("necessary", "legitimate_interests", json!([]), json!([]), 365),
            purpose("measurement", "consent", json!(["activity", "identifiers"]), json!(["sync"]), 395),
            purpose("personalization", "consent", json!(["cart", "interests", "identifiers"]),
                json!(["recovery_banner", "staff_view", "assistant_memory"]), 90),
            purpose("marketing", "consent", json!(["contact", "cart", "identifiers"]),
                json!(["email_recovery", "sms_recovery"]), 30),
        ],
    })
}

/// The base policy changed at a JSON pointer, and the problems that must give.
fn changed(pointer: &str, to: Option<serde_json::Value>, expected: &[(&str, &str)]) {
    check(with(&base(), pointer, to), expected);
}

fn cases(cases: &[(&str, Option<serde_json::Value>, Expected)]) {
    for (pointer, to, expected) in cases {
        changed(pointer, to.clone(), expected);
    }
}

#[test]
fn the_demo_policy_in_the_repository_passes() {
    let text = include_str!("../../../documents/demo/policy.json");
    let demo: serde_json::Value = serde_json::from_str(text).unwrap();
    let Some(Document::Policy(policy)) = check(value(demo), &[]) else { panic!("demo policy") };
    let ids: Vec<&str> = policy.purposes.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["necessary", "measurement", "personalization", "marketing"]);
}

#[test]
fn the_top_level_settings_have_their_types_and_ranges() {
    cases(&[
        ("/prompt", Some(json!("yes")), &[("prompt", "must be true or false, got \"yes\"")]),
        ("/reprompt_days", Some(json!(3650)), &[]),
        (
            "/reprompt_days",
            Some(json!(0)),
            &[("reprompt_days", "must be a whole number of days from 1 to 3650, got 0")],
        ),
        (
            "/on_new_version",
            Some(json!("ask")),
            &[("on_new_version", "must be one of ask_if_widened, ask_again, keep, got \"ask\"")],
        ),
        (
            "/default_mode",
            Some(json!("optin")),
            &[("default_mode", "must be one of opt_in, opt_out, got \"optin\"")],
        ),
        ("/privacy_url", Some(json!("https://shop.example/privacy")), &[]),
        (
            "/privacy_url",
            Some(json!("javascript:alert(1)")),
            &[(
                "privacy_url",
                "must be a path starting with / or an https:// URL, got \"javascript:alert(1)\"",
            )],
        ),
        (
            "/gpc/denied",
            Some(json!([])),
            &[("gpc.denied", "is not a field of the gpc settings; did you mean \"denies\"?")],
        ),
    ]);
    // Every top-level setting may be left out; the agent's defaults apply.
    let mut minimal = base();
    for field in [
        "prompt",
        "privacy_url",
        "reprompt_days",
        "on_new_version",
        "default_mode",
        "regions",
        "gpc",
    ] {
        minimal.as_object_mut().unwrap().remove(field);
    }
    let Some(Document::Policy(policy)) = check(value(minimal), &[]) else { panic!("minimal") };
    assert!(policy.prompt && policy.privacy_url.is_none() && policy.regions.is_empty());
    assert_eq!((policy.reprompt_days, policy.on_new_version), (365, OnNewVersion::AskIfWidened));
    assert_eq!(policy.default_mode, Mode::OptIn);
}

#[test]
fn rule_purpose_ids_are_lowercase_and_unique() {
    cases(&[
        ("/purposes/1/id", Some(json!("stats_2026")), &[]),
        (
            "/purposes/3/id",
            Some(json!("Marketing")),
            &[
                ("purposes[3].id", "must be an id of a lowercase letter, then up to 31 lowercase letters, digits or _, got \"Marketing\""),
                ("gpc.denies[0]", "\"marketing\" is not a purpose of this policy; the purposes are necessary, measurement, personalization, Marketing"),
            ],
        ),
        (
            "/purposes/3/id",
            Some(json!("personalization")),
            &[
                ("purposes[3].id", "\"personalization\" is listed twice (first at purposes[2])"),
                ("gpc.denies[0]", "\"marketing\" is not a purpose of this policy; the purposes are necessary, measurement, personalization"),
            ],
        ),
    ]);
}

#[test]
fn rule_gpc_names_only_purposes_of_the_policy() {
    changed(
        "/gpc/denies",
        Some(json!(["marketing", "sale"])),
        &[(
            "gpc.denies[1]",
            "\"sale\" is not a purpose of this policy; the purposes are necessary, measurement, personalization, marketing",
        )],
    );
    changed(
        "/gpc/denies",
        Some(json!(["marketing", "marketing"])),
        &[("gpc.denies[1]", "\"marketing\" is listed twice (first at gpc.denies[0])")],
    );
}

#[test]
fn rule_data_categories_and_features_are_the_known_ones() {
    cases(&[
        (
            "/purposes/1/data/0",
            Some(json!("location")),
            &[(
                "purposes[1].data[0]",
                "\"location\" is not a data category the agent knows; the choices are cart, activity, interests, identifiers, contact",
            )],
        ),
        (
            "/purposes/3/features/1",
            Some(json!("push_recovery")),
            &[
                (
                    "purposes[3].features[1]",
                    "\"push_recovery\" is not a feature the agent knows; the choices are recovery_banner, sync, staff_view, assistant_memory, email_recovery, sms_recovery",
                ),
                ("purposes", "the feature \"sms_recovery\" is enabled by no purpose; list it in the features of the purpose it serves"),
            ],
        ),
        (
            "/purposes/1/data",
            Some(json!(["activity", "identifiers", "activity"])),
            &[("purposes[1].data[2]", "\"activity\" is listed twice (first at purposes[1].data[0])")],
        ),
        (
            "/purposes/1/data",
            Some(json!("activity")),
            &[
                ("purposes[1].data", "must be a list of data categories, got \"activity\""),
                ("purposes[1].features[0]", "\"sync\" needs the data identifiers, but this purpose does not unlock identifiers; add it to the purpose's data"),
            ],
        ),
    ]);
}

#[test]
fn rule_every_translation_is_there() {
    cases(&[
        (
            "/purposes/2/descriptions/nl",
            None,
            &[(
                "purposes[2].descriptions.nl",
                "is missing; the agent needs a text in each of en, es, nl, de",
            )],
        ),
        (
            "/purposes/0/names/en",
            Some(json!(" ")),
            &[("purposes[0].names.en", "must not be empty")],
        ),
        (
            "/purposes/0/names/fr",
            Some(json!("Nécessaire")),
            &[("purposes[0].names.fr", "is not a language the agent speaks (en, es, nl, de)")],
        ),
        (
            "/purposes/0/names/nl",
            Some(json!("x".repeat(201))),
            &[("purposes[0].names.nl", "must be at most 200 characters, got 201")],
        ),
    ]);
}

#[test]
fn rule_retention_is_one_day_to_ten_years() {
    cases(&[
        ("/purposes/3/retention_days", Some(json!(1)), &[]),
        ("/purposes/3/retention_days", Some(json!(3650)), &[]),
        (
            "/purposes/3/retention_days",
            Some(json!(0)),
            &[(
                "purposes[3].retention_days",
                "must be a whole number of days from 1 to 3650, got 0",
            )],
        ),
        (
            "/purposes/3/retention_days",
            Some(json!(3651)),
            &[(
                "purposes[3].retention_days",
                "must be a whole number of days from 1 to 3650, got 3651",
            )],
        ),
        ("/purposes/3/retention_days", None, &[("purposes[3].retention_days", "is required")]),
    ]);
}

#[test]
fn rule_every_feature_is_enabled_by_some_purpose() {
    changed(
        "/purposes/1/features",
        Some(json!([])),
        &[(
            "purposes",
            "the feature \"sync\" is enabled by no purpose; list it in the features of the purpose it serves",
        )],
    );
}

#[test]
fn rule_a_feature_s_purpose_unlocks_the_data_it_needs() {
    cases(&[
        (
            "/purposes/2/data",
            Some(json!(["cart", "interests"])),
            &[(
                "purposes[2].features[1]",
                "\"staff_view\" needs the data cart, identifiers, but this purpose does not unlock identifiers; add it to the purpose's data",
            )],
        ),
        (
            "/purposes/3/data",
            Some(json!(["identifiers"])),
            &[
                ("purposes[3].features[0]", "\"email_recovery\" needs the data contact, cart, identifiers, but this purpose does not unlock contact, cart; add it to the purpose's data"),
                ("purposes[3].features[1]", "\"sms_recovery\" needs the data contact, cart, identifiers, but this purpose does not unlock contact, cart; add it to the purpose's data"),
            ],
        ),
    ]);
}

#[test]
fn rule_regions_have_unique_ids_and_each_country_once() {
    cases(&[
        (
            "/regions/1/id",
            Some(json!("eea_uk")),
            &[("regions[1].id", "\"eea_uk\" is listed twice (first at regions[0])")],
        ),
        (
            "/regions/1/countries",
            Some(json!(["US-CA", "NL"])),
            &[(
                "regions[1].countries[1]",
                "\"NL\" is already in region \"eea_uk\" (regions[0].countries[1]); a country belongs to one region",
            )],
        ),
        (
            "/regions/0/countries/3",
            Some(json!("DE")),
            &[("regions[0].countries[3]", "\"DE\" is listed twice (first at regions[0].countries[0])")],
        ),
        (
            "/regions/0/countries/3",
            Some(json!("uk")),
            &[(
                "regions[0].countries[3]",
                "must be a country code such as DE (ISO 3166-1 alpha-2) or a subdivision such as US-CA, got \"uk\"",
            )],
        ),
        (
            "/regions/1/mode",
            Some(json!("none")),
            &[("regions[1].mode", "must be one of opt_in, opt_out, got \"none\"")],
        ),
    ]);
}

#[test]
fn rule_one_purpose_is_always_on() {
    changed(
        "/purposes/0/legal_basis",
        Some(json!("consent")),
        &[(
            "purposes",
            "no purpose has a legal basis other than consent; list the strictly necessary purpose (such as \"necessary\" with legal_basis legitimate_interests), which is always on",
        )],
    );
    changed("/purposes/0/legal_basis", Some(json!("contract")), &[]);
    changed(
        "/purposes/0/legal_basis",
        Some(json!("vital_interests")),
        &[(
            "purposes[0].legal_basis",
            "must be one of consent, contract, legal_obligation, legitimate_interests, got \"vital_interests\"",
        )],
    );
}

#[test]
fn a_valid_policy_decodes_whole_and_encodes_back() {
    let Some(Document::Policy(policy)) = check(value(base()), &[]) else { panic!("valid") };
    let pairs = |prefix: &str| -> Vec<(String, String)> {
        ["de", "en", "es", "nl"].iter().map(|l| (l.to_string(), format!("{prefix} {l}"))).collect()
    };
    assert_eq!(policy.version, 3);
    assert_eq!(policy.privacy_url.as_deref(), Some("/privacy/"));
    assert_eq!(policy.gpc_denies, ["marketing"]);
    assert_eq!(
        policy.regions[1],
        Region { id: "us_ca".into(), mode: Mode::OptOut, countries: vec!["US-CA".into()] }
    );
    assert_eq!(
        policy.purposes[2],
        PolicyPurpose {
            id: "personalization".into(),
            legal_basis: LegalBasis::Consent,
            names: pairs("personalization"),
            descriptions: pairs("personalization"),
            data: vec![DataCategory::Cart, DataCategory::Interests, DataCategory::Identifiers],
            features: vec![Feature::RecoveryBanner, Feature::StaffView, Feature::AssistantMemory],
            retention_days: 90,
        }
    );
    assert!(!policy.purposes[0].needs_consent() && policy.purposes[1].needs_consent());
    let encoded = encode_document(&Document::Policy(policy.clone()));
    assert_eq!(check(encoded, &[]), Some(Document::Policy(Policy { ..policy })));
}

#[test]
fn rule_the_tcf_mapping_names_consent_purposes_tcf_purposes_1_to_11_and_a_vendor_id() {
    let mapping =
        json!({ "vendor_id": 1234, "purposes": { "measurement": [1, 7], "marketing": [1, 3, 4] } });
    let Some(Document::Policy(policy)) = check(with(&base(), "/tcf", Some(mapping)), &[]) else {
        panic!("valid")
    };
    let tcf = policy.tcf.clone().expect("the mapping");
    assert_eq!(tcf.vendor_id, Some(1234));
    assert_eq!(
        tcf.purposes,
        // In the order of the document (serde_json's here: sorted).
        [("marketing".to_owned(), vec![1, 3, 4]), ("measurement".to_owned(), vec![1, 7])]
    );
    // It encodes back as it came.
    let encoded = encode_document(&Document::Policy(policy.clone()));
    assert_eq!(check(encoded, &[]), Some(Document::Policy(policy)));

    let bad = |mapping: serde_json::Value, expected: Expected| {
        check(with(&base(), "/tcf", Some(mapping)), expected);
    };
    bad(
        json!({ "purposes": { "measurment": [1] } }),
        &[(
            "tcf.purposes.measurment",
            "is not a purpose of this policy; the purposes are necessary, measurement, personalization, marketing",
        )],
    );
    bad(
        json!({ "purposes": { "measurement": [1, 12], "marketing": [0] } }),
        &[
            ("tcf.purposes.marketing[0]", "must be a whole number from 1 to 11, got 0"),
            ("tcf.purposes.measurement[1]", "must be a whole number from 1 to 11, got 12"),
        ],
    );
    bad(
        json!({ "vendor_id": 0, "purposes": {} }),
        &[("tcf.vendor_id", "must be a whole number from 1 to 65535, got 0")],
    );
    bad(
        json!({ "purposes": { "necessary": [1] } }),
        &[(
            "tcf.purposes.necessary",
            "is always on (its legal basis is not consent): a consent manager cannot grant or deny it; leave it out",
        )],
    );
    bad(
        json!({ "purposes": { "measurement": "1" }, "vendor": 1 }),
        &[
            ("tcf.vendor", "is not a field of the tcf mapping"),
            ("tcf.purposes.measurement", "must be a list of TCF purposes, got \"1\""),
        ],
    );
    bad(json!({ "vendor_id": 5 }), &[("tcf.purposes", "is required")]);
}
