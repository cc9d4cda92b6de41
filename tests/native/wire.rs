//! Decoding what the page sends: good calls, bad calls, and the valid part of half-bad ones.

use super::support::*;
use concierge::engine::consent::ConsentUpdate;
use concierge::engine::money::Currency;
use concierge::engine::CommerceKind;
use concierge::value::Value;
use concierge::wire::{self, ConsentCommand, Problem};

fn track(name: &str, params: &str) -> Result<wire::Decoded<concierge::engine::Commerce>, Problem> {
    wire::decode_track(&Value::from(name), &json(params), Currency::EUR)
}

#[test]
fn a_ga4_add_to_cart_decodes_to_minor_units() {
    let decoded = track(
        "add_to_cart",
        r#"{"currency":"EUR","value":1598,"items":[{"item_id":"aurora-x1","item_name":"Aurora X1",
            "item_category":"Phones","price":799,"quantity":2,"item_brand":"Nordwind","index":0}]}"#,
    )
    .unwrap();
    assert!(decoded.problems.is_empty(), "{:?}", decoded.problems);
    assert_eq!(decoded.value.kind, CommerceKind::AddToCart);
    let item = &decoded.value.items.as_ref().unwrap()[0];
    assert_eq!(
        (item.id.as_str(), item.name.as_str(), item.price, item.quantity),
        ("aurora-x1", "Aurora X1", 79900, 2)
    );
    assert_eq!(item.category.as_deref(), Some("Phones"));
}

/// (params, problem expected in the message, items kept)
#[test]
fn bad_items_are_dropped_and_named_while_good_ones_stay() {
    let cases = [
        (r#"{"items":[{"item_id":"a","price":-1}]}"#, None, 0),
        (
            r#"{"items":[{"item_id":"a","price":"19.99"},{"item_id":"b","price":1}]}"#,
            Some("items[0].price should be a number"),
            2,
        ),
        (
            r#"{"items":[{"item_id":"a","price":1,"quantity":-2},{"item_id":"b","price":1}]}"#,
            Some("items[0].quantity must be a whole number"),
            1,
        ),
        (
            r#"{"items":[{"item_id":"a","price":1,"quantity":1.5},{"item_id":"b","price":1}]}"#,
            Some("items[0].quantity"),
            1,
        ),
        (
            r#"{"items":[{"item_id":"a","price":"cheap"},{"item_id":"b","price":1}]}"#,
            Some("items[0].price must be a non-negative number, got \"cheap\""),
            1,
        ),
        (
            r#"{"items":[{"item_id":"a"},{"item_id":"b","price":1}]}"#,
            Some("items[0].price is missing"),
            1,
        ),
        (
            r#"{"items":[42,{"item_id":"b","price":1}]}"#,
            Some("items[0] must be an object, got a number"),
            1,
        ),
        (
            r#"{"items":[{"price":1},{"item_id":"b","price":1}]}"#,
            Some("items[0] has neither item_id nor item_name"),
            1,
        ),
        (r#"{"items":[{"item_id":123,"price":1}]}"#, None, 1),
        (r#"{"items":[{"item_name":"Only a name","price":1}]}"#, None, 1),
        (
            r#"{"items":[{"item_id":"a","item_category":["x"],"price":1}]}"#,
            Some("items[0].item_category must be a string, got an array"),
            1,
        ),
    ];
    for (params, expected, kept) in cases {
        match track("add_to_cart", params) {
            Ok(decoded) => {
                assert_eq!(decoded.value.items.as_ref().map_or(0, Vec::len), kept, "{params}");
                let messages: Vec<_> = decoded.problems.iter().map(Problem::describe).collect();
                match expected {
                    Some(expected) => assert!(
                        messages.iter().any(|m| m.contains(expected)),
                        "{params}: {messages:?}"
                    ),
                    None => assert!(messages.is_empty(), "{params}: {messages:?}"),
                }
            }
            Err(problem) => {
                assert_eq!(kept, 0, "{params}: {problem}");
                assert!(
                    matches!(&problem, Problem::NoValidItems { event: "add_to_cart", reasons } if reasons.len() == 1),
                    "{problem:?}"
                );
                assert_eq!(
                    problem.describe(),
                    "add_to_cart: no valid item left; event ignored; \
                     items[0].price must be a non-negative number, got -1; item skipped"
                );
            }
        }
    }
}

#[test]
fn unusable_calls_are_refused_with_a_clear_reason() {
    let cases = [
        (
            "add_to_basket",
            "{}",
            "unknown event \"add_to_basket\" ignored; expected one of view_item_list,",
        ),
        ("add_to_cart", "[]", "add_to_cart params must be an object, got an array"),
        (
            "add_to_cart",
            r#"{"currency":"USD","items":[]}"#,
            "currency USD differs from the shop's EUR",
        ),
        (
            "add_to_cart",
            r#"{"currency":"euros","items":[]}"#,
            "currency \"euros\" is not an ISO 4217 code",
        ),
        ("add_to_cart", r#"{"items":"a,b"}"#, "add_to_cart: no valid item left; event ignored; add_to_cart: items must be an array, got a string"),
    ];
    for (name, params, message) in cases {
        let problem = track(name, params).expect_err(params);
        assert!(problem.describe().starts_with(message), "{problem}");
    }
    let problem = wire::decode_track(&Value::Number(1.0), &Value::Null, Currency::EUR).unwrap_err();
    assert_eq!(problem.describe(), "the event name must be a string, got a number");
}

#[test]
fn events_without_items_still_decode() {
    let decoded = track("begin_checkout", "null").unwrap();
    assert_eq!(decoded.value.items, None);
    let decoded = track("purchase", r#"{"transaction_id":"T-1","items":[]}"#).unwrap();
    assert_eq!(decoded.value.transaction_id.as_deref(), Some("T-1"));
    assert_eq!(decoded.value.items, Some(vec![]));
}

#[test]
fn long_texts_are_cut_and_reported() {
    let long = "x".repeat(500);
    let decoded = track(
        "add_to_cart",
        &format!(r#"{{"items":[{{"item_id":"a","item_name":"{long}","price":1}}]}}"#),
    )
    .unwrap();
    assert_eq!(decoded.value.items.unwrap()[0].name.chars().count(), wire::MAX_TEXT);
    assert!(
        matches!(&decoded.problems[0], Problem::TextTruncated { path } if path == "items[0].item_name")
    );
}

#[test]
fn consent_accepts_words_objects_and_ga4_consent_mode() {
    let cases = [
        (r#""accept""#, ConsentCommand::Update(ConsentUpdate::all(true))),
        (r#""reject""#, ConsentCommand::Update(ConsentUpdate::all(false))),
        (r#""prompt""#, ConsentCommand::ShowPrompt),
        (r#""open""#, ConsentCommand::OpenPanel),
        (
            r#"{"analytics_storage":"granted","marketing":false}"#,
            ConsentCommand::Update(ConsentUpdate {
                all: None,
                set: vec![("analytics_storage".into(), true), ("marketing".into(), false)],
            }),
        ),
        (
            r#"{"functionality_storage":"granted","personalization_storage":"denied","analytics":true}"#,
            ConsentCommand::Update(ConsentUpdate {
                all: None,
                set: vec![
                    ("functionality_storage".into(), true),
                    ("personalization_storage".into(), false),
                    ("analytics".into(), true),
                ],
            }),
        ),
    ];
    for (arg, expected) in cases {
        assert_eq!(wire::decode_consent(&json(arg)), Ok(expected), "{arg}");
    }
    for bad in [r#""yes please""#, "{}", r#"{"analytics":"maybe"}"#, "3", "null"] {
        let problem = wire::decode_consent(&json(bad)).expect_err(bad);
        assert!(problem.describe().starts_with("consent takes \"accept\""), "{problem}");
    }
}

#[test]
fn data_layer_entries_in_ga4_and_gtag_form_are_read_and_others_ignored() {
    let ga4 = json(r#"{"event":"add_to_cart","ecommerce":{"items":[{"item_id":"a","price":5}]}}"#);
    let decoded = wire::decode_data_layer(&ga4, Currency::EUR).unwrap().unwrap();
    assert_eq!(decoded.value.items.unwrap()[0].price, 500);
    let gtag = json(r#"["event","view_item",{"items":[{"item_id":"a","price":5}]}]"#);
    let decoded = wire::decode_data_layer(&gtag, Currency::EUR).unwrap().unwrap();
    assert_eq!(decoded.value.kind, CommerceKind::ViewItem);
    for other in [
        r#"{"event":"gtm.js"}"#,
        r#"{"ecommerce":null}"#,
        r#"["config","G-XYZ"]"#,
        r#"{"event":"add_to_cart"}"#,
        "null",
    ] {
        assert!(wire::decode_data_layer(&json(other), Currency::EUR).is_none(), "{other}");
    }
}

#[test]
fn settings_fall_back_to_defaults_and_say_so() {
    let decoded = wire::decode_settings(
        &json(
            r#"{"site":"demo","endpoint":"/v1/","currency":"eur","locale":"es-ES","idleMinutes":"45","dismissHours":"2","checkoutPath":"/pay/"}"#,
        ),
        "en",
    );
    assert!(decoded.problems.is_empty(), "{:?}", decoded.problems);
    let page = decoded.value;
    assert_eq!(
        (page.site.as_str(), page.endpoint.as_str(), page.locale.as_str()),
        ("demo", "/v1", "es-ES")
    );
    let overrides = &page.overrides;
    assert_eq!(
        (overrides.idle_timeout, overrides.dismiss_for),
        (Some(minutes(45)), Some(minutes(120)))
    );
    assert_eq!(overrides.checkout_path.as_deref(), Some("/pay/"));
    assert_eq!(overrides.consent_prompt, None, "unset attributes leave the shop's setting");

    let decoded = wire::decode_settings(
        &json(r#"{"currency":"euro","locale":"<b>","idleMinutes":"soon"}"#),
        "nl-NL",
    );
    let messages: Vec<_> = decoded.problems.iter().map(Problem::describe).collect();
    assert_eq!(
        messages,
        [
            "data-site is missing; using \"default\"",
            "data-currency=\"euro\" is not valid; using EUR",
            "data-locale=\"<b>\" is not valid; using \"nl-NL\"",
            "data-idle-minutes=\"soon\" is not valid; using the shop's setting",
        ]
    );
    assert_eq!((decoded.value.site.as_str(), decoded.value.locale.as_str()), ("default", "nl-NL"));
}

#[test]
fn data_region_is_a_country_code_or_left_to_the_backend() {
    let region = |value: &str| {
        let dataset = json(&format!(r#"{{"site":"demo","currency":"EUR","region":{value}}}"#));
        let decoded = wire::decode_settings(&dataset, "en");
        let messages: Vec<_> = decoded.problems.iter().map(Problem::describe).collect();
        (decoded.value.region, messages)
    };
    assert_eq!(region(r#""US-CA""#), (Some("US-CA".into()), vec![]));
    assert_eq!(region(r#""DE""#), (Some("DE".into()), vec![]));
    assert_eq!(
        region(r#""germany""#),
        (
            None,
            vec!["data-region=\"germany\" is not valid; using the backend's word, or none".into()]
        )
    );
}

#[test]
fn prices_above_the_shared_limit_are_refused_so_totals_cannot_overflow() {
    let decoded = track(
        "add_to_cart",
        r#"{"items":[{"item_id":"max","price":20000000000},{"item_id":"ok","price":10}]}"#,
    )
    .unwrap();
    let ids: Vec<_> = decoded.value.items.unwrap().iter().map(|i| i.id.clone()).collect();
    assert_eq!(ids, ["ok"]);
    let messages: Vec<_> = decoded.problems.iter().map(Problem::describe).collect();
    assert_eq!(
        messages,
        ["items[0].price is above the largest price accepted (10000000000); item skipped"]
    );
}
