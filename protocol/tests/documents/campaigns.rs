//! The `campaigns` document: each field's rule with the exact path and message it reports, the
//! checks across fields, the typed form it decodes to, and the demo's document.

use super::{check, value, with};
use concierge_protocol::documents::{
    check_config, check_document, encode_document, Campaigns, Caps, ContactLimits, ContactPolicy,
    Document, Placement, Status, Trigger,
};
use concierge_protocol::names::CommerceKind;
use concierge_protocol::Value;
use serde_json::json;

pub fn message(title: &str) -> serde_json::Value {
    json!({ "title": title, "body": format!("{title}, body"), "action": { "label": "Go", "href": "/cart/" } })
}

pub fn content(title: &str) -> serde_json::Value {
    json!({ "de": message(title), "en": message(title), "es": message(title), "nl": message(title) })
}

/// A valid campaign with only its required fields.
pub fn campaign(id: &str) -> serde_json::Value {
    json!({
        "id": id, "status": "active",
        "trigger": { "type": "cart_abandoned" },
        "placement": { "type": "corner_toast" },
        "content": content("Hello"),
        "priority": 50, "value": 20,
        "goal": { "event": "purchase", "attribution_days": 7 },
    })
}

pub fn base() -> serde_json::Value {
    json!({ "kind": "campaigns", "version": 1, "campaigns": [campaign("a")] })
}

/// The base document changed at a JSON pointer, and the problems that must give.
fn changed(pointer: &str, to: Option<serde_json::Value>, expected: &[(&str, &str)]) {
    check(with(&base(), pointer, to), expected);
}

/// A field's pointer under the first campaign, its value, and the problems that must give.
type Case<'a> = (&'a str, serde_json::Value, &'a [(&'a str, &'a str)]);

/// Each case sets one field of the base document's campaign (pointer under `/campaigns/0`).
fn cases(cases: &[Case]) {
    for (pointer, to, expected) in cases {
        changed(&format!("/campaigns/0{pointer}"), Some(to.clone()), expected);
    }
}

fn decoded(document: serde_json::Value) -> Campaigns {
    match check(value(document), &[]) {
        Some(Document::Campaigns(campaigns)) => campaigns,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_campaign_with_only_its_required_fields_takes_the_defaults() {
    let campaigns = decoded(base());
    assert_eq!(campaigns.version, 1);
    assert_eq!(campaigns.contact, ContactLimits::default());
    assert_eq!(campaigns.contact.interruptive_at_once, 1);
    let [campaign] = campaigns.campaigns.as_slice() else { panic!("{campaigns:?}") };
    assert_eq!(campaign.id, "a");
    assert_eq!(campaign.status, Status::Active);
    assert_eq!(campaign.trigger, Trigger::CartAbandoned);
    assert_eq!(campaign.placement, Placement::CornerToast);
    assert!(campaign.placement.is_interruptive());
    assert_eq!((campaign.priority, campaign.value, campaign.holdout), (50, 20.0, 0.0));
    assert_eq!(campaign.contact, ContactPolicy::default());
    assert_eq!(
        (campaign.contact.cooldown_hours, campaign.contact.stop_after_conversion),
        (24, true)
    );
    assert!(campaign.schedule.is_none() && campaign.targeting.is_none());
    assert!(campaign.variants.is_empty());
    assert_eq!(campaign.weights(), [1.0]);
    assert_eq!(campaign.goal.event, CommerceKind::Purchase);
    assert_eq!(campaign.goal.attribution_days, 7);
    // Content in the order written (serde_json sorts keys), each language once.
    let languages: Vec<&str> = campaign.content.iter().map(|m| m.language.as_str()).collect();
    assert_eq!(languages, ["de", "en", "es", "nl"]);
    assert_eq!(campaign.content[1].action.as_ref().unwrap().href, "/cart/");
}

#[test]
fn the_document_its_list_and_campaign_ids() {
    let many: Vec<serde_json::Value> = (0..101).map(|n| campaign(&format!("c{n}"))).collect();
    let cases: &[(serde_json::Value, &[(&str, &str)])] = &[
        (json!({ "kind": "campaigns", "version": 1, "campaigns": [] }), &[]),
        (json!({ "kind": "campaigns", "version": 1 }), &[("campaigns", "is required")]),
        (
            json!({ "kind": "campaigns", "version": 1, "campaigns": {} }),
            &[("campaigns", "must be a list of campaigns, got an object")],
        ),
        (
            json!({ "kind": "campaigns", "version": 1, "campaigns": many }),
            &[("campaigns", "must list at most 100 campaigns, got 101")],
        ),
        (
            json!({ "kind": "campaigns", "version": 1, "campaigns": [campaign("a"), campaign("b"), campaign("a")] }),
            &[("campaigns[2].id", "\"a\" is listed twice (first at campaigns[0])")],
        ),
        (
            json!({ "kind": "campaigns", "version": 1, "campaigns": [7] }),
            &[("campaigns[0]", "a campaign must be an object, got 7")],
        ),
        (
            json!({ "kind": "campaigns", "version": 1, "campaigns": [], "campaings": [] }),
            &[("campaings", "is not a field of a campaigns document; did you mean \"campaigns\"?")],
        ),
    ];
    for (input, expected) in cases {
        check(value(input.clone()), expected);
    }
    cases_for_id();
}

fn cases_for_id() {
    cases(&[
        ("/id", json!("summer-sale_2026"), &[]),
        (
            "/id",
            json!("summer sale"),
            &[("campaigns[0].id", "must be 1 to 64 letters, digits, - or _, got \"summer sale\"")],
        ),
        ("/status", json!("paused"), &[]),
        (
            "/status",
            json!("live"),
            &[("campaigns[0].status", "must be one of draft, active, paused, ended, got \"live\"")],
        ),
        (
            "/priorty",
            json!(5),
            &[("campaigns[0].priorty", "is not a field of a campaign; did you mean \"priority\"?")],
        ),
        (
            "/holdout",
            json!(null),
            &[("campaigns[0].holdout", "is null; leave the field out to keep the agent's default")],
        ),
    ]);
    for required in ["id", "status", "trigger", "placement", "content", "priority", "value", "goal"]
    {
        let path = format!("campaigns[0].{required}");
        changed(&format!("/campaigns/0/{required}"), None, &[(&path, "is required")]);
    }
}

#[test]
fn schedules_in_utc_or_in_a_named_time_zone_end_after_they_start() {
    let schedule = |schedule: serde_json::Value| ("/schedule", schedule);
    let format = "must be a date and time such as 2026-12-01T09:00:00Z (UTC), or 2026-12-01T09:00:00 with a time_zone";
    type Owned<'a> = ((&'a str, serde_json::Value), Vec<(&'a str, String)>);
    let table: &[Owned] = &[
        (schedule(json!({ "start": "2026-12-01T09:00:00Z" })), vec![]),
        (schedule(json!({ "start": "2026-12-01T09:00Z", "end": "2026-12-01T09:01Z" })), vec![]),
        (
            schedule(json!({ "start": "2026-12-01T09:00", "end": "2027-01-31T23:59:59", "time_zone": "Europe/Amsterdam" })),
            vec![],
        ),
        (schedule(json!({ "start": "2028-02-29T00:00:00Z", "time_zone": "UTC" })), vec![(
            "campaigns[0].schedule.start",
            "ends in Z (UTC) but the schedule names a time_zone; write the local time without Z, or leave time_zone out".into(),
        )]),
        (schedule(json!({ "start": "2026-12-01T09:00:00" })), vec![(
            "campaigns[0].schedule.start",
            "is a local time but the schedule names no time_zone; add Z for UTC, or add a time_zone such as Europe/Amsterdam".into(),
        )]),
        (
            schedule(json!({ "start": "2026-12-01T09:00:00Z", "end": "2026-12-01T09:00:00Z" })),
            vec![("campaigns[0].schedule.end", "must be after start (2026-12-01T09:00:00)".into())],
        ),
        (
            schedule(json!({ "start": "2026-12-24T18:00", "end": "2026-12-01T00:00", "time_zone": "America/Argentina/Buenos_Aires" })),
            vec![("campaigns[0].schedule.end", "must be after start (2026-12-24T18:00:00)".into())],
        ),
        (
            schedule(json!({ "start": "2026-02-29T09:00:00Z" })),
            vec![("campaigns[0].schedule.start", format!("{format}, got \"2026-02-29T09:00:00Z\""))],
        ),
        (
            schedule(json!({ "start": "2026-12-01T09:00:00+01:00" })),
            vec![("campaigns[0].schedule.start", format!("{format}, got \"2026-12-01T09:00:00+01:00\""))],
        ),
        (
            schedule(json!({ "start": "2026-12-01" })),
            vec![("campaigns[0].schedule.start", format!("{format}, got \"2026-12-01\""))],
        ),
        (
            schedule(json!({ "start": "2026-12-01T24:00:00Z" })),
            vec![("campaigns[0].schedule.start", format!("{format}, got \"2026-12-01T24:00:00Z\""))],
        ),
        (
            schedule(json!({ "start": "2026-12-01T09:00:00.5Z" })),
            vec![("campaigns[0].schedule.start", format!("{format}, got \"2026-12-01T09:00:00.5Z\""))],
        ),
        (
            schedule(json!({ "start": 1_796_115_600 })),
            vec![("campaigns[0].schedule.start", format!("{format}, got 1796115600"))],
        ),
        (schedule(json!({ "end": "2026-12-01T09:00:00Z" })), vec![("campaigns[0].schedule.start", "is required".into())]),
        (
            schedule(json!({ "start": "2026-12-01T09:00", "time_zone": "CET" })),
            vec![("campaigns[0].schedule.time_zone", "must be an IANA time zone such as Europe/Amsterdam, or UTC, got \"CET\"".into())],
        ),
        (
            schedule(json!({ "start": "2026-12-01T09:00", "time_zone": "Amsterdam" })),
            vec![("campaigns[0].schedule.time_zone", "must be an IANA time zone such as Europe/Amsterdam, or UTC, got \"Amsterdam\"".into())],
        ),
        (
            schedule(json!({ "start": "2026-12-01T09:00:00Z", "timezone": "UTC" })),
            vec![("campaigns[0].schedule.timezone", "is not a field of a schedule; did you mean \"time_zone\"?".into())],
        ),
        (schedule(json!("always")), vec![("campaigns[0].schedule", "a schedule must be an object, got \"always\"".into())]),
    ];
    for ((pointer, to), expected) in table {
        let expected: Vec<(&str, &str)> = expected.iter().map(|(p, m)| (*p, m.as_str())).collect();
        changed(&format!("/campaigns/0{pointer}"), Some(to.clone()), &expected);
    }
}

#[test]
fn triggers_by_type_with_their_own_fields() {
    let types = "page_view, cart_abandoned, returning_visit, exit_intent, idle, scroll_depth, time_on_page, route_change, custom";
    let unknown = format!("must be one of {types}, got \"exit\"");
    let not_object = format!("must be a trigger object with a type ({types}), got \"idle\"");
    let missing = format!("is required: one of {types}");
    let page_types =
        "home, category, product, search, cart, checkout, confirmation, account, content";
    let bad_page_type = format!("must be one of {page_types}, got \"pdp\"");
    let t = "campaigns[0].trigger";
    cases(&[
        ("/trigger", json!({ "type": "page_view" }), &[]),
        (
            "/trigger",
            json!({ "type": "page_view", "path": "/product/", "page_type": "product" }),
            &[],
        ),
        ("/trigger", json!({ "type": "returning_visit" }), &[]),
        ("/trigger", json!({ "type": "route_change" }), &[]),
        ("/trigger", json!({ "type": "idle", "seconds": 30 }), &[]),
        ("/trigger", json!({ "type": "scroll_depth", "percent": 100 }), &[]),
        ("/trigger", json!({ "type": "time_on_page", "seconds": 3600 }), &[]),
        ("/trigger", json!({ "type": "custom", "name": "size-guide-opened" }), &[]),
        ("/trigger", json!({ "type": "exit" }), &[("campaigns[0].trigger.type", &unknown)]),
        ("/trigger", json!("idle"), &[(t, &not_object)]),
        ("/trigger", json!({ "seconds": 3 }), &[("campaigns[0].trigger.type", &missing)]),
        ("/trigger", json!({ "type": "idle" }), &[("campaigns[0].trigger.seconds", "is required")]),
        (
            "/trigger",
            json!({ "type": "idle", "seconds": 0 }),
            &[(
                "campaigns[0].trigger.seconds",
                "must be a whole number of seconds from 1 to 3600, got 0",
            )],
        ),
        (
            "/trigger",
            json!({ "type": "time_on_page", "seconds": 3601 }),
            &[(
                "campaigns[0].trigger.seconds",
                "must be a whole number of seconds from 1 to 3600, got 3601",
            )],
        ),
        (
            "/trigger",
            json!({ "type": "scroll_depth", "percent": 150 }),
            &[(
                "campaigns[0].trigger.percent",
                "must be a whole number of percent from 1 to 100, got 150",
            )],
        ),
        (
            "/trigger",
            json!({ "type": "cart_abandoned", "seconds": 30 }),
            &[("campaigns[0].trigger.seconds", "is not a field of a cart_abandoned trigger")],
        ),
        (
            "/trigger",
            json!({ "type": "exit_intent", "mobile": true }),
            &[("campaigns[0].trigger.mobile", "is not a field of an exit_intent trigger")],
        ),
        (
            "/trigger",
            json!({ "type": "page_view", "page_typ": "product" }),
            &[(
                "campaigns[0].trigger.page_typ",
                "is not a field of a page_view trigger; did you mean \"page_type\"?",
            )],
        ),
        (
            "/trigger",
            json!({ "type": "page_view", "page_type": "pdp" }),
            &[("campaigns[0].trigger.page_type", &bad_page_type)],
        ),
        (
            "/trigger",
            json!({ "type": "page_view", "path": "product/" }),
            &[("campaigns[0].trigger.path", "must be a path starting with /, got \"product/\"")],
        ),
        (
            "/trigger",
            json!({ "type": "custom", "name": "size guide" }),
            &[(
                "campaigns[0].trigger.name",
                "must be 1 to 64 letters, digits, - or _, got \"size guide\"",
            )],
        ),
    ]);
    let mut document = base();
    document["campaigns"][0]["trigger"] =
        json!({ "type": "page_view", "path": "/p/", "page_type": "product" });
    assert_eq!(
        decoded(document).campaigns[0].trigger,
        Trigger::PageView { path: Some("/p/".into()), page_type: Some("product".into()) }
    );
}

#[test]
fn targeting_compiles_as_the_agent_compiles_it_and_says_where_it_does_not() {
    let shape = "must be a JSON Logic rule with one operator, such as {\">=\": [{\"var\": \"cart.total\"}, 50]}, or true for every visitor";
    let mut three = base();
    three["campaigns"] = json!([campaign("a"), campaign("b"), campaign("c")]);
    three["campaigns"][2]["targeting"] = json!({ "and": [true, { "foo": 1 }] });
    check(value(three), &[("campaigns[2].targeting.and[1].foo", "unsupported operator \"foo\"")]);
    cases(&[
        ("/targeting", json!(true), &[]),
        ("/targeting", json!({ "in": ["Phones", { "var": "interests" }] }), &[]),
        (
            "/targeting",
            json!({ "or": [{ "<": [{ "var": "cart.total" }, 10] }, { "regex": ["a", "b"] }] }),
            &[("campaigns[0].targeting.or[1].regex", "unsupported operator \"regex\"")],
        ),
        (
            "/targeting",
            json!({ "nope": 1 }),
            &[("campaigns[0].targeting.nope", "unsupported operator \"nope\"")],
        ),
        (
            "/targeting",
            json!({ "and": [true], "or": [false] }),
            &[("campaigns[0].targeting", &format!("{shape}, got an object"))],
        ),
        (
            "/targeting",
            json!("yes"),
            &[("campaigns[0].targeting", &format!("{shape}, got \"yes\""))],
        ),
        (
            "/targeting",
            json!([1]),
            &[("campaigns[0].targeting", &format!("{shape}, got an array"))],
        ),
    ]);
    // The rule is kept compiled, ready to evaluate.
    let mut document = base();
    document["campaigns"][0]["targeting"] = json!({ ">=": [{ "var": "cart.total" }, 50] });
    let campaigns = decoded(document);
    let targeting = campaigns.campaigns[0].targeting.as_ref().unwrap();
    let data = |total: f64| value(json!({ "cart": { "total": total } }));
    assert_eq!(targeting.rule.evaluate(&data(80.0)), Ok(Value::Bool(true)));
    assert_eq!(targeting.rule.evaluate(&data(20.0)), Ok(Value::Bool(false)));
}

#[test]
fn placements_by_type_and_a_modal_only_on_an_explicit_trigger() {
    let types = "top_bar, bottom_bar, inline, corner_toast, modal, assistant";
    let unknown = format!("must be one of {types}, got \"popup\"");
    cases(&[
        ("/placement", json!({ "type": "top_bar" }), &[]),
        ("/placement", json!({ "type": "bottom_bar" }), &[]),
        ("/placement", json!({ "type": "inline", "slot": "product-offer" }), &[]),
        ("/placement", json!({ "type": "popup" }), &[("campaigns[0].placement.type", &unknown)]),
        ("/placement", json!({ "type": "inline" }), &[("campaigns[0].placement.slot", "is required")]),
        (
            "/placement",
            json!({ "type": "inline", "slot": "#offer" }),
            &[("campaigns[0].placement.slot", "must be 1 to 64 letters, digits, - or _, got \"#offer\"")],
        ),
        (
            "/placement",
            json!({ "type": "corner_toast", "slot": "x" }),
            &[("campaigns[0].placement.slot", "is not a field of a corner_toast placement")],
        ),
        (
            "/placement",
            json!({ "type": "modal" }),
            &[(
                "campaigns[0].placement.type",
                "is modal, which interrupts the visitor, so it opens only on an exit_intent or custom trigger; this campaign's trigger is cart_abandoned",
            )],
        ),
    ]);
    for trigger in [json!({ "type": "exit_intent" }), json!({ "type": "custom", "name": "help" })] {
        let mut document = base();
        document["campaigns"][0]["placement"] = json!({ "type": "modal" });
        document["campaigns"][0]["trigger"] = trigger;
        let campaigns = decoded(document);
        assert_eq!(campaigns.campaigns[0].placement, Placement::Modal);
    }
    // An unknown trigger has its own problem, and no second one about the modal.
    let mut document = base();
    document["campaigns"][0]["placement"] = json!({ "type": "modal" });
    document["campaigns"][0]["trigger"] = json!({ "type": "exit" });
    let types = "page_view, cart_abandoned, returning_visit, exit_intent, idle, scroll_depth, time_on_page, route_change, custom";
    check(
        value(document),
        &[("campaigns[0].trigger.type", &format!("must be one of {types}, got \"exit\""))],
    );
    let mut inline = base();
    inline["campaigns"][0]["placement"] = json!({ "type": "inline", "slot": "hero" });
    let placement = &decoded(inline).campaigns[0].placement;
    assert_eq!(placement, &Placement::Inline { slot: "hero".into() });
    assert!(!placement.is_interruptive());
}

#[test]
fn content_in_every_language_with_known_variables_only() {
    let variables =
        "the variables are {{cart.total}}, {{cart.count}}, {{cart.code}}, {{item.name}}";
    let unknown = format!("uses {{{{cart.totl}}}}, which is not a variable; {variables}");
    let unknown_empty = format!("uses {{{{}}}}, which is not a variable; {variables}");
    let en = "campaigns[0].content.en";
    cases(&[
        ("/content/en/title", json!("{{cart.count}} items, {{ cart.total }} in all"), &[]),
        ("/content/en/body", json!("Code {{cart.code}} for {{item.name}}; braces { } are text"), &[]),
        ("/content/en/title", json!("Only {{cart.totl}} left"), &[("campaigns[0].content.en.title", &unknown)]),
        ("/content/en/title", json!("Odd {{}}"), &[("campaigns[0].content.en.title", &unknown_empty)]),
        (
            "/content/en/body",
            json!("Your total is {{cart.total"),
            &[("campaigns[0].content.en.body", "opens {{ without closing it with }}")],
        ),
        ("/content/en/title", json!(" "), &[("campaigns[0].content.en.title", "must not be empty")]),
        ("/content/en/title", json!("x".repeat(81)), &[("campaigns[0].content.en.title", "must be at most 80 characters, got 81")]),
        ("/content/en/title", json!("é".repeat(80)), &[]),
        ("/content/en/body", json!("x".repeat(301)), &[("campaigns[0].content.en.body", "must be at most 300 characters, got 301")]),
        (
            "/content/en/body",
            json!("two\nlines"),
            &[("campaigns[0].content.en.body", "must not contain control characters such as line breaks or tabs")],
        ),
        ("/content/en/body", json!(7), &[("campaigns[0].content.en.body", "must be a text, got 7")]),
        (
            "/content/en/titel",
            json!("x"),
            &[("campaigns[0].content.en.titel", "is not a field of a message; did you mean \"title\"?")],
        ),
        ("/content/en/action", json!({ "label": "Go" }), &[("campaigns[0].content.en.action.href", "is required")]),
        (
            "/content/en/action",
            json!({ "label": "x".repeat(41), "href": "/" }),
            &[("campaigns[0].content.en.action.label", "must be at most 40 characters, got 41")],
        ),
        (
            "/content/en/action/href",
            json!("javascript:alert(1)"),
            &[("campaigns[0].content.en.action.href", "must be a path starting with / or an https:// URL, got \"javascript:alert(1)\"")],
        ),
        ("/content/en/action/href", json!("https://pay.example/x"), &[]),
        ("/content/en", json!("Hello"), &[(en, "a message must be an object, got \"Hello\"")]),
        (
            "/content/fr",
            message("Bonjour"),
            &[("campaigns[0].content.fr", "is not a language the agent speaks (en, es, nl, de)")],
        ),
        (
            "/content",
            json!({ "en": message("Hi") }),
            &[
                ("campaigns[0].content.es", "is missing; the agent needs a message in each of en, es, nl, de"),
                ("campaigns[0].content.nl", "is missing; the agent needs a message in each of en, es, nl, de"),
                ("campaigns[0].content.de", "is missing; the agent needs a message in each of en, es, nl, de"),
            ],
        ),
        (
            "/content",
            json!("Hello"),
            &[("campaigns[0].content", "must be an object with a message for each language (en, es, nl, de), got \"Hello\"")],
        ),
    ]);
    // The action is optional.
    changed("/campaigns/0/content/en/action", None, &[]);
}

#[test]
fn priority_value_and_holdout_in_their_ranges() {
    cases(&[
        ("/priority", json!(1), &[]),
        ("/priority", json!(100), &[]),
        (
            "/priority",
            json!(0),
            &[("campaigns[0].priority", "must be a whole number from 1 to 100, got 0")],
        ),
        (
            "/priority",
            json!(101),
            &[("campaigns[0].priority", "must be a whole number from 1 to 100, got 101")],
        ),
        ("/value", json!(0), &[]),
        ("/value", json!(12.5), &[]),
        (
            "/value",
            json!(-1),
            &[("campaigns[0].value", "must be a number from 0 to 1000000, got -1")],
        ),
        (
            "/value",
            json!("12"),
            &[("campaigns[0].value", "must be a number from 0 to 1000000, got \"12\"")],
        ),
        ("/holdout", json!(0), &[]),
        ("/holdout", json!(0.5), &[]),
        (
            "/holdout",
            json!(0.6),
            &[("campaigns[0].holdout", "must be a number from 0 to 0.5, got 0.6")],
        ),
        (
            "/holdout",
            json!(-0.1),
            &[("campaigns[0].holdout", "must be a number from 0 to 0.5, got -0.1")],
        ),
        (
            "/holdout",
            json!(10),
            &[("campaigns[0].holdout", "must be a number from 0 to 0.5, got 10")],
        ),
    ]);
}

#[test]
fn contact_policies_per_campaign_and_across_campaigns() {
    let c = "campaigns[0].contact";
    cases(&[
        (
            "/contact",
            json!({ "per_session": 1, "per_day": 2, "per_week": 5, "cooldown_hours": 0, "stop_after_conversion": false }),
            &[],
        ),
        ("/contact", json!({}), &[]),
        ("/contact", json!({ "per_day": 0 }), &[("campaigns[0].contact.per_day", "must be a whole number from 1 to 100, got 0")]),
        ("/contact", json!({ "per_week": 1.5 }), &[("campaigns[0].contact.per_week", "must be a whole number from 1 to 100, got 1.5")]),
        (
            "/contact",
            json!({ "cooldown_hours": 9000 }),
            &[("campaigns[0].contact.cooldown_hours", "must be a whole number of hours from 0 to 8760, got 9000")],
        ),
        (
            "/contact",
            json!({ "stop_after_conversion": "yes" }),
            &[("campaigns[0].contact.stop_after_conversion", "must be true or false, got \"yes\"")],
        ),
        (
            "/contact",
            json!({ "per_session": 5, "per_day": 2 }),
            &[("campaigns[0].contact.per_session", "is 5 but per_day is 2; a cap above per_day never applies, lower it or raise per_day")],
        ),
        (
            "/contact",
            json!({ "per_day": 4, "per_week": 3 }),
            &[("campaigns[0].contact.per_day", "is 4 but per_week is 3; a cap above per_week never applies, lower it or raise per_week")],
        ),
        (
            "/contact",
            json!({ "per_session": 4, "per_week": 3 }),
            &[("campaigns[0].contact.per_session", "is 4 but per_week is 3; a cap above per_week never applies, lower it or raise per_week")],
        ),
        ("/contact", json!({ "cooldown": 2 }), &[("campaigns[0].contact.cooldown", "is not a field of a contact policy")]),
        ("/contact", json!(3), &[(c, "a contact policy must be an object, got 3")]),
    ]);
    let limits = |contact: serde_json::Value, expected: &[(&str, &str)]| {
        changed("/contact", Some(contact), expected);
    };
    limits(
        json!({ "per_session": 2, "per_day": 3, "per_week": 6, "interruptive_at_once": 1 }),
        &[],
    );
    limits(
        json!({ "interruptive_at_once": 2 }),
        &[("contact.interruptive_at_once", "must be 1, got 2")],
    );
    limits(
        json!({ "per_day": 7, "per_week": 6 }),
        &[("contact.per_day", "is 7 but per_week is 6; a cap above per_week never applies, lower it or raise per_week")],
    );
    limits(
        json!({ "per_visit": 1 }),
        &[("contact.per_visit", "is not a field of the contact limits")],
    );
    let mut document = base();
    document["contact"] = json!({ "per_session": 2, "per_week": 6 });
    document["campaigns"][0]["contact"] =
        json!({ "per_day": 1, "cooldown_hours": 72, "stop_after_conversion": false });
    let campaigns = decoded(document);
    assert_eq!(
        campaigns.contact,
        ContactLimits {
            caps: Caps { per_session: Some(2), per_day: None, per_week: Some(6) },
            interruptive_at_once: 1
        }
    );
    assert_eq!(
        campaigns.campaigns[0].contact,
        ContactPolicy {
            caps: Caps { per_session: None, per_day: Some(1), per_week: None },
            cooldown_hours: 72,
            stop_after_conversion: false
        }
    );
}

#[test]
fn variants_with_unique_ids_positive_weights_and_whole_content() {
    let eleven: Vec<serde_json::Value> =
        (0..11).map(|n| json!({ "id": format!("v{n}"), "weight": 1 })).collect();
    cases(&[
        ("/variants", json!([{ "id": "a", "weight": 1 }, { "id": "b", "weight": 3, "content": content("B") }]), &[]),
        (
            "/variants",
            json!([]),
            &[("campaigns[0].variants", "must list at least one variant; leave the field out for a campaign with one message")],
        ),
        (
            "/variants",
            json!([{ "id": "a", "weight": 1 }, { "id": "a", "weight": 2 }]),
            &[("campaigns[0].variants[1].id", "\"a\" is listed twice (first at campaigns[0].variants[0])")],
        ),
        (
            "/variants",
            json!([{ "id": "a", "weight": 0 }]),
            &[("campaigns[0].variants[0].weight", "must be a whole number from 1 to 1000, got 0")],
        ),
        (
            "/variants",
            json!([{ "id": "a", "weight": -2 }]),
            &[("campaigns[0].variants[0].weight", "must be a whole number from 1 to 1000, got -2")],
        ),
        ("/variants", json!([{ "id": "a" }]), &[("campaigns[0].variants[0].weight", "is required")]),
        (
            "/variants",
            json!([{ "id": "a", "weight": 1, "content": { "en": message("A") } }]),
            &[
                ("campaigns[0].variants[0].content.es", "is missing; the agent needs a message in each of en, es, nl, de"),
                ("campaigns[0].variants[0].content.nl", "is missing; the agent needs a message in each of en, es, nl, de"),
                ("campaigns[0].variants[0].content.de", "is missing; the agent needs a message in each of en, es, nl, de"),
            ],
        ),
        ("/variants", json!(eleven), &[("campaigns[0].variants", "must list at most 10 variants, got 11")]),
        (
            "/variants",
            json!([{ "id": "a b", "weight": 1 }]),
            &[("campaigns[0].variants[0].id", "must be 1 to 32 letters, digits, - or _, got \"a b\"")],
        ),
    ]);
    let mut document = base();
    document["campaigns"][0]["variants"] =
        json!([{ "id": "a", "weight": 1 }, { "id": "b", "weight": 3, "content": content("B") }]);
    let campaigns = decoded(document);
    let campaign = &campaigns.campaigns[0];
    assert_eq!(campaign.weights(), [1.0, 3.0]);
    assert!(campaign.variants[0].content.is_none());
    assert_eq!(campaign.variants[1].content.as_ref().unwrap()[0].title, "B");
}

#[test]
fn goals_name_a_commerce_event_and_a_window() {
    let events = "view_item_list, view_item, add_to_cart, remove_from_cart, view_cart, begin_checkout, purchase";
    let unknown = format!("must be one of {events}, got \"signup\"");
    cases(&[
        ("/goal", json!({ "event": "add_to_cart", "attribution_days": 90 }), &[]),
        (
            "/goal",
            json!({ "event": "signup", "attribution_days": 7 }),
            &[("campaigns[0].goal.event", &unknown)],
        ),
        (
            "/goal",
            json!({ "event": "purchase", "attribution_days": 91 }),
            &[(
                "campaigns[0].goal.attribution_days",
                "must be a whole number of days from 1 to 90, got 91",
            )],
        ),
        (
            "/goal",
            json!({ "event": "purchase" }),
            &[("campaigns[0].goal.attribution_days", "is required")],
        ),
        (
            "/goal",
            json!("purchase"),
            &[("campaigns[0].goal", "a goal must be an object, got \"purchase\"")],
        ),
    ]);
}

#[test]
fn links_to_other_hosts_must_be_in_the_settings_link_hosts() {
    let mut campaigns = base();
    campaigns["campaigns"][0]["content"]["nl"]["action"]["href"] = json!("https://pay.example/nl");
    campaigns["campaigns"][0]["variants"] =
        json!([{ "id": "a", "weight": 1, "content": content("A") }]);
    campaigns["campaigns"][0]["variants"][0]["content"]["de"]["action"]["href"] =
        json!("https://evil.example/");
    let envelope = |hosts: serde_json::Value| {
        json!({ "format": 1, "site": "demo", "documents": [
            { "kind": "settings", "version": 1, "link_hosts": hosts }, campaigns.clone(),
        ] })
    };
    let problems = check_config(&value(envelope(json!(["pay.example"])))).unwrap_err();
    assert_eq!(
        super::pairs(&problems),
        [(
            "documents[1].campaigns[0].variants[0].content.de.action.href",
            "links to evil.example, which is not in the settings' link_hosts; add it there or use a path"
        )]
    );
    let config = check_config(&value(envelope(json!(["pay.example", "evil.example"]))));
    assert!(config.is_ok(), "{config:?}");
    // Without settings, no other host at all; one document alone cannot tell.
    let alone = json!({ "format": 1, "site": "demo", "documents": [campaigns.clone()] });
    assert_eq!(check_config(&value(alone)).unwrap_err().len(), 2);
    assert!(check_document(&value(campaigns)).is_ok());
}

/// A document with every field, as a marketer might write it.
pub fn full() -> serde_json::Value {
    let mut full = base();
    full["version"] = json!(42);
    full["contact"] =
        json!({ "per_session": 2, "per_day": 3, "per_week": 6, "interruptive_at_once": 1 });
    let mut second = campaign("b");
    second["status"] = json!("draft");
    second["schedule"] = json!({ "start": "2026-12-01T09:00", "end": "2027-01-31T23:59:59", "time_zone": "Europe/Amsterdam" });
    second["trigger"] = json!({ "type": "page_view", "path": "/product/", "page_type": "product" });
    second["targeting"] = json!({ "and": [{ ">=": [{ "var": "cart.total" }, 50.5] }, { "in": ["Phones", { "var": "interests" }] }] });
    second["placement"] = json!({ "type": "inline", "slot": "offer" });
    second["value"] = json!(12.25);
    second["contact"] = json!({ "per_session": 1, "per_day": 1, "per_week": 2, "cooldown_hours": 0, "stop_after_conversion": false });
    second["holdout"] = json!(0.125);
    second["variants"] = json!([{ "id": "a", "weight": 2 }, { "id": "b", "weight": 1, "content": content("{{item.name}}") }]);
    second["goal"] = json!({ "event": "add_to_cart", "attribution_days": 30 });
    let mut third = campaign("c");
    third["schedule"] = json!({ "start": "2026-12-01T09:00:00Z", "end": "2026-12-02T00:00:00Z" });
    third["trigger"] = json!({ "type": "custom", "name": "help" });
    third["placement"] = json!({ "type": "modal" });
    third["targeting"] = json!(false);
    third["content"]["en"].as_object_mut().unwrap().remove("action");
    full["campaigns"] = json!([campaign("a"), second, third]);
    full
}

#[test]
fn what_is_encoded_checks_back_to_the_same_campaigns() {
    let Some(document) = check(value(full()), &[]) else { panic!() };
    let encoded = encode_document(&document);
    assert_eq!(check_document(&encoded), Ok(document.clone()));
    // Written in the table's order, defaults written out, times with seconds.
    let Document::Campaigns(campaigns) = &document else { panic!() };
    assert_eq!(campaigns.campaigns.len(), 3);
    let schedule = campaigns.campaigns[1].schedule.as_ref().unwrap();
    assert_eq!(schedule.start.describe(), "2026-12-01T09:00:00");
    assert_eq!(schedule.time_zone.as_deref(), Some("Europe/Amsterdam"));
    let utc = campaigns.campaigns[2].schedule.as_ref().unwrap();
    assert_eq!(utc.start.epoch_seconds(), 1_796_115_600);
    let text = encoded.to_json();
    assert!(
        text.contains(
            r#""schedule":{"start":"2026-12-01T09:00:00Z","end":"2026-12-02T00:00:00Z"}"#
        ),
        "{text}"
    );
    assert!(text.contains(r#""start":"2026-12-01T09:00:00","end":"2027-01-31T23:59:59","time_zone":"Europe/Amsterdam""#), "{text}");
    assert!(text.starts_with(r#"{"kind":"campaigns","version":42,"contact":{"per_session":2,"per_day":3,"per_week":6,"interruptive_at_once":1},"campaigns":[{"id":"a","status":"active","trigger":{"type":"cart_abandoned"},"placement":{"type":"corner_toast"},"content":{"de":{"title":"Hello","body":"Hello, body","action":{"label":"Go","href":"/cart/"}},"#), "{text}");
    assert!(text.contains(r#""priority":50,"value":20,"contact":{"cooldown_hours":24,"stop_after_conversion":true},"holdout":0,"goal":{"event":"purchase","attribution_days":7}}"#), "{text}");
}

fn demo() -> serde_json::Value {
    let path = format!("{}/../documents/demo/campaigns.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[test]
fn the_demos_first_campaign_is_the_recovery_banner_in_the_engines_words() {
    let campaigns = decoded(demo());
    let recovery = &campaigns.campaigns[0];
    assert_eq!(recovery.id, "cart-recovery");
    assert_eq!(recovery.trigger, Trigger::CartAbandoned);
    assert_eq!(recovery.placement, Placement::CornerToast);
    assert_eq!(recovery.holdout, 0.0, "the banner's behaviour and tests stay as they are");
    assert_eq!(recovery.contact.cooldown_hours, 24, "the settings' dismiss_hours");
    // The texts are the engine's catalogue's, language by language.
    let catalogue =
        std::fs::read_to_string(format!("{}/../src/engine/i18n.rs", env!("CARGO_MANIFEST_DIR")))
            .unwrap();
    let said = |key: &str, text: &str| catalogue.contains(&format!("{key}: \"{text}\","));
    for message in &recovery.content {
        assert!(said("recovery_title", &message.title), "{message:?}");
        assert!(said("recovery_body", &message.body), "{message:?}");
        let action = message.action.as_ref().unwrap();
        assert!(said("recovery_resume", &action.label), "{message:?}");
        assert_eq!(action.href, "/checkout/");
    }
    assert_eq!(recovery.content.len(), 4);
    // The others: holdouts and variants, and a modal on exit intent.
    assert!(campaigns.campaigns[1..].iter().all(|c| c.holdout > 0.0));
    assert!(campaigns.campaigns.iter().any(|c| c.variants.len() > 1));
    assert!(campaigns
        .campaigns
        .iter()
        .any(|c| c.placement == Placement::Modal && c.trigger == Trigger::ExitIntent));
}
