//! The `settings` document: each field's rule, valid and invalid, and the cross-field check.

use super::{check, value, with};
use concierge_protocol::documents::{Document, Settings};
use serde_json::json;

fn base() -> serde_json::Value {
    json!({ "kind": "settings", "version": 1 })
}

/// A settings document with one field set, and the problems it must give.
fn field(name: &str, to: serde_json::Value, expected: &[(&str, &str)]) {
    check(with(&base(), &format!("/{name}"), Some(to)), expected);
}

#[test]
fn whole_numbers_in_their_range() {
    let minutes = "must be a whole number of minutes from 1 to 525600";
    let hours = "must be a whole number of hours from 1 to 8760";
    let cases: &[(&str, serde_json::Value, Option<String>)] = &[
        ("idle_minutes", json!(1), None),
        ("idle_minutes", json!(525_600), None),
        ("idle_minutes", json!(30.0), None),
        ("idle_minutes", json!("thirty"), Some(format!("{minutes}, got \"thirty\""))),
        ("idle_minutes", json!("30"), Some(format!("{minutes}, got \"30\""))),
        ("idle_minutes", json!(0), Some(format!("{minutes}, got 0"))),
        ("idle_minutes", json!(525_601), Some(format!("{minutes}, got 525601"))),
        ("idle_minutes", json!(2.5), Some(format!("{minutes}, got 2.5"))),
        ("idle_minutes", json!(-5), Some(format!("{minutes}, got -5"))),
        ("idle_minutes", json!(true), Some(format!("{minutes}, got true"))),
        ("idle_minutes", json!([30]), Some(format!("{minutes}, got an array"))),
        ("dismiss_hours", json!(8_760), None),
        ("dismiss_hours", json!(8_761), Some(format!("{hours}, got 8761"))),
        ("dismiss_hours", json!({ "hours": 2 }), Some(format!("{hours}, got an object"))),
    ];
    for (name, to, message) in cases {
        let expected: Vec<(&str, &str)> = message.iter().map(|m| (*name, m.as_str())).collect();
        field(name, to.clone(), &expected);
    }
}

#[test]
fn the_interests_half_life_is_a_whole_number_of_days_up_to_a_year() {
    let days = "must be a whole number of days from 1 to 365";
    let cases: &[(serde_json::Value, Option<String>)] = &[
        (json!({}), None),
        (json!({ "half_life_days": 1 }), None),
        (json!({ "half_life_days": 365 }), None),
        (json!({ "half_life_days": 0 }), Some(format!("{days}, got 0"))),
        (json!({ "half_life_days": 366 }), Some(format!("{days}, got 366"))),
        (json!({ "half_life_days": 2.5 }), Some(format!("{days}, got 2.5"))),
        (json!({ "half_life_days": "7" }), Some(format!("{days}, got \"7\""))),
    ];
    for (to, message) in cases {
        let expected: Vec<(&str, &str)> =
            message.iter().map(|m| ("interests.half_life_days", m.as_str())).collect();
        field("interests", to.clone(), &expected);
    }
    field(
        "interests",
        json!({ "half_life_day": 7 }),
        &[(
            "interests.half_life_day",
            "is not a field of the interest settings; did you mean \"half_life_days\"?",
        )],
    );
    field(
        "interests",
        json!(7),
        &[("interests", "the interest settings must be an object, got 7")],
    );
    // Read by the decoder.
    let document = with(&base(), "/interests", Some(json!({ "half_life_days": 14 })));
    let expected =
        Settings { version: 1, interests_half_life_days: Some(14), ..Settings::default() };
    assert_eq!(check(document, &[]), Some(Document::Settings(expected)));
}

#[test]
fn checkout_paths_stay_on_the_shop() {
    let long = format!("/{}", "a".repeat(200));
    let cases: &[(serde_json::Value, Option<&str>)] = &[
        (json!("/checkout/"), None),
        (json!("/"), None),
        (json!("/kasse?step=1"), None),
        (json!("checkout/"), Some("must be a path starting with /, got \"checkout/\"")),
        (json!(""), Some("must be a path starting with /, got \"\"")),
        (
            json!("//evil.example/"),
            Some("must not contain // (a browser reads //name as another site), got \"//evil.example/\""),
        ),
        (json!("/\\evil.example"), Some("must not contain \\ (a browser reads it as /), got \"/\\\\evil.example\"")),
        (json!("/check out/"), Some("must not contain spaces or control characters, got \"/check out/\"")),
        (json!("/check\nout"), Some("must not contain spaces or control characters, got \"/check\\nout\"")),
        (json!(long), Some("must be at most 200 characters, got 201")),
        (json!(3), Some("must be a path such as /checkout/, got 3")),
    ];
    for (to, message) in cases {
        let expected: Vec<(&str, &str)> = message.iter().map(|m| ("checkout_path", *m)).collect();
        field("checkout_path", to.clone(), &expected);
    }
}

#[test]
fn resume_urls_are_paths_or_https_links_to_listed_hosts() {
    let listed = |url: &str| {
        let mut document = base();
        document["resume_url"] = json!(url);
        document["link_hosts"] = json!(["pay.shop.example", "shop.example:8443"]);
        value(document)
    };
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("/checkout/", &[]),
        ("https://pay.shop.example/resume?cart=1", &[]),
        ("https://pay.shop.example", &[]),
        ("https://shop.example:8443/checkout/", &[]),
        ("http://pay.shop.example/", &[("resume_url", "must use https://, got \"http://pay.shop.example/\"")]),
        (
            "pay.shop.example/resume",
            &[("resume_url", "must be a path starting with / or an https:// URL, got \"pay.shop.example/resume\"")],
        ),
        (
            "javascript:alert(1)",
            &[("resume_url", "must be a path starting with / or an https:// URL, got \"javascript:alert(1)\"")],
        ),
        (
            "https://Pay.Shop.example/",
            &[("resume_url", "must name a host in lowercase letters, digits, dots and hyphens, got \"https://Pay.Shop.example/\"")],
        ),
        (
            "https://user@pay.shop.example/",
            &[("resume_url", "must name a host in lowercase letters, digits, dots and hyphens, got \"https://user@pay.shop.example/\"")],
        ),
        (
            "https://pay.shop.example//x",
            &[("resume_url", "must not contain // (a browser reads //name as another site), got \"https://pay.shop.example//x\"")],
        ),
        (
            "https://evil.example/",
            &[("resume_url", "links to evil.example, which is not in link_hosts; add it there or use a path")],
        ),
        (
            "https://shop.example/",
            &[("resume_url", "links to shop.example, which is not in link_hosts; add it there or use a path")],
        ),
    ];
    for (url, expected) in cases {
        check(listed(url), expected);
    }
    // Without link_hosts, no https link is allowed at all.
    field(
        "resume_url",
        json!("https://pay.shop.example/"),
        &[(
            "resume_url",
            "links to pay.shop.example, which is not in link_hosts; add it there or use a path",
        )],
    );
}

#[test]
fn link_hosts_are_bare_distinct_lowercase_names() {
    let twenty_one: Vec<String> = (0..21).map(|n| format!("h{n}.example")).collect();
    let cases: &[(serde_json::Value, &[(&str, &str)])] = &[
        (json!([]), &[]),
        (json!(["shop.example", "cdn-1.shop.example:8443", "localhost"]), &[]),
        (
            json!(["https://shop.example"]),
            &[("link_hosts[0]", "must be a host name without a scheme (shop.example, not https://shop.example), got \"https://shop.example\"")],
        ),
        (
            json!(["shop.example", "Shop.Example", "-bad.example", "a..b", "shop.example:0", "shop.example:99999", "shop.example/x", 7]),
            &[
                ("link_hosts[1]", "must be a host name in lowercase letters, digits, dots and hyphens, with an optional :port, got \"Shop.Example\""),
                ("link_hosts[2]", "must be a host name in lowercase letters, digits, dots and hyphens, with an optional :port, got \"-bad.example\""),
                ("link_hosts[3]", "must be a host name in lowercase letters, digits, dots and hyphens, with an optional :port, got \"a..b\""),
                ("link_hosts[4]", "must be a host name in lowercase letters, digits, dots and hyphens, with an optional :port, got \"shop.example:0\""),
                ("link_hosts[5]", "must be a host name in lowercase letters, digits, dots and hyphens, with an optional :port, got \"shop.example:99999\""),
                ("link_hosts[6]", "must be a host name in lowercase letters, digits, dots and hyphens, with an optional :port, got \"shop.example/x\""),
                ("link_hosts[7]", "must be a host name such as shop.example, got 7"),
            ],
        ),
        (
            json!(["shop.example", "cdn.example", "shop.example"]),
            &[("link_hosts[2]", "\"shop.example\" is listed twice (first at link_hosts[0])")],
        ),
        (json!(twenty_one), &[("link_hosts", "must list at most 20 hosts, got 21")]),
        (
            json!("shop.example"),
            &[("link_hosts", "must be a list of host names such as [\"shop.example\"], got \"shop.example\"")],
        ),
    ];
    for (to, expected) in cases {
        field("link_hosts", to.clone(), expected);
    }
}

#[test]
fn kind_version_unknown_fields_and_nulls() {
    let cases: &[(serde_json::Value, &[(&str, &str)])] = &[
        (json!({ "kind": "settings", "version": 4_294_967_295_u64 }), &[]),
        (json!({ "kind": "settings" }), &[("version", "is required")]),
        (
            json!({ "kind": "settings", "version": 0 }),
            &[("version", "must be a whole number from 1 to 4294967295, got 0")],
        ),
        (
            json!({ "kind": "setting", "version": "2", "idle_minutes": "x" }),
            &[
                ("kind", "must be one of policy, settings, campaigns, knowledge, catalogue, got \"setting\""),
                ("version", "must be a whole number from 1 to 4294967295, got \"2\""),
            ],
        ),
        (json!({ "version": 1 }), &[("kind", "is required")]),
        (
            // Keys in alphabetical order: serde_json's map sorts them, `preserve_order` would not.
            // Suggestions for up to two letters off (dismis_hour), none beyond (idel_minuts).
            json!({ "colour": "red", "dismis_hour": 2, "dismisshours": 2, "idel_minuts": 3, "idle_minute": 30, "kind": "settings", "version": 1 }),
            &[
                ("colour", "is not a field of a settings document"),
                (
                    "dismis_hour",
                    "is not a field of a settings document; did you mean \"dismiss_hours\"?",
                ),
                (
                    "dismisshours",
                    "is not a field of a settings document; did you mean \"dismiss_hours\"?",
                ),
                ("idel_minuts", "is not a field of a settings document"),
                (
                    "idle_minute",
                    "is not a field of a settings document; did you mean \"idle_minutes\"?",
                ),
            ],
        ),
        (
            json!({ "kind": "settings", "version": 1, "checkout_path": null }),
            &[("checkout_path", "is null; leave the field out to keep the agent's default")],
        ),
        (
            json!({ "kind": "settings", "version": null }),
            &[("version", "must be a whole number from 1 to 4294967295, got null")],
        ),
        (
            json!(["settings"]),
            &[("", "a document must be an object with a kind and a version, got an array")],
        ),
    ];
    for (input, expected) in cases {
        check(value(input.clone()), expected);
    }
}

#[test]
fn a_key_written_twice_is_a_problem() {
    use concierge_protocol::Value;
    let twice = Value::Object(vec![
        ("kind".into(), Value::from("settings")),
        ("version".into(), Value::Number(1.0)),
        ("idle_minutes".into(), Value::Number(30.0)),
        ("idle_minutes".into(), Value::Number(45.0)),
    ]);
    check(twice, &[("idle_minutes", "appears twice; keep one")]);
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let input = json!({
        "kind": "settings", "version": 2, "idle_minutes": "thirty", "dismiss_hours": 0,
        "checkout_path": "checkout", "resume_url": "https://elsewhere.example/",
        "link_hosts": ["https://shop.example"],
    });
    check(
        value(input),
        &[
            ("idle_minutes", "must be a whole number of minutes from 1 to 525600, got \"thirty\""),
            ("dismiss_hours", "must be a whole number of hours from 1 to 8760, got 0"),
            ("checkout_path", "must be a path starting with /, got \"checkout\""),
            ("link_hosts[0]", "must be a host name without a scheme (shop.example, not https://shop.example), got \"https://shop.example\""),
            ("resume_url", "links to elsewhere.example, which is not in link_hosts; add it there or use a path"),
        ],
    );
}

#[test]
fn a_valid_document_decodes_into_settings() {
    let input = json!({
        "kind": "settings", "version": 7, "idle_minutes": 45, "dismiss_hours": 12,
        "checkout_path": "/kasse/", "resume_url": "https://pay.shop.example/r",
        "link_hosts": ["pay.shop.example"],
    });
    let expected = Settings {
        version: 7,
        idle_minutes: Some(45),
        dismiss_hours: Some(12),
        checkout_path: Some("/kasse/".into()),
        resume_url: Some("https://pay.shop.example/r".into()),
        link_hosts: Some(vec!["pay.shop.example".into()]),
        interests_half_life_days: None,
    };
    assert_eq!(check(value(input), &[]), Some(Document::Settings(expected)));
    let empty = Settings { version: 1, ..Settings::default() };
    assert_eq!(check(value(base()), &[]), Some(Document::Settings(empty)));
}
