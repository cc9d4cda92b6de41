//! The bridge's messages: what the shell sends in (JSON inputs) and what it must carry out
//! (JSON effects), through the real engine, as `src/web/main.js` uses them.

use super::support::{json, T0};
use concierge::bridge::Bridge;
use concierge::value::Value;

/// Starts an agent for site `test` with the given start-request fields added.
fn start(extra: &str) -> (Bridge, Vec<Value>) {
    let request = format!(
        r#"{{"now":{T0},"settings":{{"site":"test","currency":"EUR"}},"locale":"en-GB","path":"/","seed":[1,2]{extra}}}"#
    );
    let (bridge, effects) = Bridge::start(&request);
    let mut bridge = bridge.expect("the agent starts");
    let effects = with_documents(&mut bridge, &effects);
    (bridge, effects)
}

/// A call's effects with each `store` given the text `src/web/storage.js` writes for it: the
/// engine's document of its key, asked for after the call (`["documents"]`).
pub(super) fn with_documents(bridge: &mut Bridge, text: &str) -> Vec<Value> {
    let mut effects = effects_of(text);
    let keys: Vec<String> = of(&effects, "store").iter().map(|s| key_of(s)).collect();
    let documents = effects_of(&asked_documents(bridge, &keys));
    for effect in &mut effects {
        if let Value::Array(parts) = effect {
            if parts[0].as_str() == Some("store") {
                assert_eq!(parts.len(), 2, "a store names its key only: {parts:?}");
                let key = &parts[1];
                // Newest first, as `storage.js` reads them: the first of a key is its latest.
                let document = documents.iter().find_map(|document| match document {
                    Value::Array(d) if d[1] == *key => Some(d[2].clone()),
                    _ => None,
                });
                parts.push(document.expect("a stored key has its document"));
            }
        }
    }
    effects
}

/// The effects as `src/web/wasm.js` reads them: the JSON array, each `store` given its text
/// from the documents after the line break (what `["documents"]` writes).
pub(super) fn effects_of(text: &str) -> Vec<Value> {
    let (list, mut stored) = text.split_once('\n').unwrap_or((text, ""));
    let Value::Array(mut effects) = json(list) else { panic!("effects are an array: {list}") };
    for effect in &mut effects {
        if let Value::Array(parts) = effect {
            // A call's `store` names its key only; the documents' list adds each length.
            if parts[0].as_str() == Some("store") && parts.len() > 2 {
                let length = parts[2].as_f64().expect("a stored text's length") as usize;
                // UTF-16 code units, as JavaScript's `slice` counts them.
                let units: Vec<u16> = stored.encode_utf16().collect();
                let text = String::from_utf16(&units[..length]).unwrap();
                stored = &stored[text.len()..];
                parts[2] = Value::String(text);
            }
        }
    }
    assert!(stored.is_empty(), "every stored document is some effect's: {stored}");
    effects
}

fn handle(bridge: &mut Bridge, at: i64, inputs: &str) -> Vec<Value> {
    let effects = bridge.handle(&format!(r#"{{"now":{at},"in":{inputs}}}"#));
    with_documents(bridge, &effects)
}

/// What the shell asks for when it writes storage: the documents of the keys it has waiting.
fn asked_documents(bridge: &mut Bridge, keys: &[String]) -> String {
    let keys = Value::Array(keys.iter().map(|key| Value::String(key.clone())).collect());
    bridge.handle(&format!(r#"{{"in":[["documents",{}]]}}"#, keys.to_json()))
}

fn key_of(effect: &Value) -> String {
    arg(effect, 1).as_str().unwrap().to_owned()
}

fn handle_text(bridge: &mut Bridge, text: &str) -> Vec<Value> {
    let effects = bridge.handle(text);
    with_documents(bridge, &effects)
}

fn verb(effect: &Value) -> &str {
    match effect {
        Value::Array(parts) => parts[0].as_str().unwrap(),
        _ => panic!("an effect is an array: {effect:?}"),
    }
}

fn arg(effect: &Value, index: usize) -> &Value {
    match effect {
        Value::Array(parts) => &parts[index],
        _ => unreachable!(),
    }
}

fn of<'a>(effects: &'a [Value], wanted: &str) -> Vec<&'a Value> {
    effects.iter().filter(|effect| verb(effect) == wanted).collect()
}

fn warnings(effects: &[Value]) -> Vec<String> {
    of(effects, "warn").into_iter().map(|w| arg(w, 1).as_str().unwrap().to_owned()).collect()
}

/// The last payload notified for `topic`.
fn notified<'a>(effects: &'a [Value], topic: &str) -> Option<&'a Value> {
    of(effects, "notify")
        .into_iter()
        .rev()
        .find(|n| arg(n, 1).as_str() == Some(topic))
        .map(|n| arg(n, 2))
}

fn item_ids(cart: &Value) -> Vec<&str> {
    match cart.field("items") {
        Some(Value::Array(items)) => {
            items.iter().map(|i| i.field("item_id").unwrap().as_str().unwrap()).collect()
        }
        _ => panic!("a cart payload has items: {cart:?}"),
    }
}

const ADD_PHONE: &str = r#"["call","track","add_to_cart",{"currency":"EUR","items":[{"item_id":"aurora-x1","item_name":"Aurora <b>X1</b>","price":799,"quantity":1}]}]"#;

#[test]
fn a_listener_registered_before_start_hears_the_state_then_the_queued_calls() {
    let queued = ADD_PHONE.replacen(r#"["call","#, "[", 1);
    let (_, effects) = start(&format!(r#","calls":[{queued}]"#));
    let carts: Vec<_> =
        of(&effects, "notify").into_iter().filter(|n| arg(n, 1).as_str() == Some("cart")).collect();
    assert_eq!(carts.len(), 2, "the starting state, then the change: {effects:?}");
    assert!(item_ids(arg(carts[0], 2)).is_empty());
    assert_eq!(item_ids(arg(carts[1], 2)), ["aurora-x1"]);
    assert_eq!(
        notified(&effects, "consent").unwrap().field("storage").unwrap().as_str(),
        Some("unset")
    );
    assert!(of(&effects, "store").is_empty(), "nothing is stored before the visitor chooses");
}

#[test]
fn accepting_stores_sections_under_the_sites_keys_and_asks_for_the_lock() {
    let (mut bridge, _) = start("");
    let effects =
        handle(&mut bridge, T0 + 1000, &format!(r#"[["call","consent","accept"],{ADD_PHONE}]"#));
    let keys: Vec<_> =
        of(&effects, "store").iter().map(|s| arg(s, 1).as_str().unwrap().to_owned()).collect();
    assert!(keys.contains(&"concierge:test:consent".to_owned()), "{keys:?}");
    assert!(keys.contains(&"concierge:test:cart".to_owned()), "{keys:?}");
    for store in of(&effects, "store") {
        assert!(
            concierge_protocol::json::parse(arg(store, 2).as_str().unwrap()).is_ok(),
            "stored as JSON text"
        );
    }
    assert_eq!(arg(of(&effects, "lock")[0], 1).as_str(), Some("concierge-flush:test"));
}

/// A call's `store` effects name their keys only; the documents come when the shell asks
/// (`["documents"]`), after the effects unescaped, each named with its length in UTF-16
/// code units (what the shell's `slice` counts): a name with accents, an emoji outside the
/// Basic Multilingual Plane (two units, four bytes) and quotes comes back whole, in order.
#[test]
fn stored_documents_come_when_asked_measured_as_the_shell_slices_them() {
    let (mut bridge, _) = start("");
    let add = ADD_PHONE.replace("Aurora <b>X1</b>", r#"Café \"Crème\" 🎧 Ünïcode"#);
    let output = bridge
        .handle(&format!(r#"{{"now":{},"in":[["call","consent","accept"],{add}]}}"#, T0 + 1000));
    assert!(!output.contains('\n'), "no document after the effects: {output}");
    assert!(
        of(&effects_of(&output), "store")
            .iter()
            .all(|s| matches!(s, Value::Array(p) if p.len() == 2)),
        "a store names its key only: {output}"
    );
    let keys: Vec<String> = of(&effects_of(&output), "store").iter().map(|s| key_of(s)).collect();
    let documents = asked_documents(&mut bridge, &keys);
    let (list, stored) = documents.split_once('\n').expect("the documents after their list");
    assert!(!stored.contains('\n') && !list.contains('\n'));
    assert!(stored.contains(r#"Café \"Crème\" 🎧 Ünïcode"#), "written once, as stored: {stored}");
    let effects = effects_of(&documents);
    let stores = of(&effects, "store");
    let mut named: Vec<String> =
        stores.iter().map(|s| arg(s, 1).as_str().unwrap().to_owned()).collect();
    let mut stored_keys = keys.clone();
    // The shell writes in its own order, by key: the documents' order is the bridge's.
    named.sort();
    stored_keys.sort();
    stored_keys.dedup();
    assert_eq!(named, stored_keys, "one document per key stored");
    assert_eq!(
        effects_of(&asked_documents(&mut bridge, &keys)),
        Vec::<Value>::new(),
        "each asked for once"
    );
    let cart = stores.iter().find(|s| arg(s, 1).as_str() == Some("concierge:test:cart")).unwrap();
    let cart = concierge_protocol::json::parse(arg(cart, 2).as_str().unwrap()).unwrap();
    let line = match cart.field("lines") {
        Some(Value::Array(lines)) => &lines[0],
        other => panic!("{other:?}"),
    };
    assert_eq!(line.field("name").and_then(Value::as_str), Some("Café \"Crème\" 🎧 Ünïcode"));
    let texts: Vec<&str> = stores.iter().map(|s| arg(s, 2).as_str().unwrap()).collect();
    assert_eq!(texts.concat(), stored, "the documents in the order of their effects");
}

#[test]
fn a_granted_lock_sends_one_batch_and_the_answer_decides_what_follows() {
    let (mut bridge, _) = start("");
    handle(&mut bridge, T0 + 1000, &format!(r#"[["call","consent","accept"],{ADD_PHONE}]"#));
    let effects = handle(&mut bridge, T0 + 1100, r#"[["flush",true]]"#);
    let sends = of(&effects, "send");
    assert_eq!(sends.len(), 1, "{effects:?}");
    assert_eq!(arg(sends[0], 1).as_str(), Some("/v1/events"));
    let key = arg(sends[0], 2).as_str().unwrap().to_owned();
    let body = concierge_protocol::json::parse(arg(sends[0], 3).as_str().unwrap()).unwrap();
    assert_eq!(body.field("site").and_then(Value::as_str), Some("test"));
    assert_eq!(arg(sends[0], 4), &Value::Bool(false));

    // 503 with Retry-After: nothing is sent now; the engine wakes when the server said.
    let effects = handle(&mut bridge, T0 + 1200, &format!(r#"[["sent","{key}",503,60000,false]]"#));
    assert!(of(&effects, "send").is_empty() && of(&effects, "lock").is_empty(), "{effects:?}");
    let wake = of(&effects, "wake");
    assert!(
        wake.iter().any(|w| arg(w, 1).as_f64() >= Some((T0 + 1200 + 60_000) as f64)),
        "{effects:?}"
    );

    // A 400 drops the batch, with one warning naming the status.
    let effects = handle(&mut bridge, T0 + 70_000, r#"[["tick"],["flush",true]]"#);
    let key = arg(of(&effects, "send")[0], 2).as_str().unwrap().to_owned();
    let effects =
        handle(&mut bridge, T0 + 70_100, &format!(r#"[["sent","{key}",400,null,false]]"#));
    assert!(warnings(&effects).iter().any(|w| w.contains("HTTP 400")), "{effects:?}");
}

#[test]
fn a_recovery_banner_renders_as_data_with_amounts_and_the_link_hosts() {
    let (mut bridge, _) = start(r#","stored":[]"#);
    handle(&mut bridge, T0, &format!(r#"[["call","consent","accept"],{ADD_PHONE}]"#));
    let effects = handle(&mut bridge, T0 + 31 * 60_000, r#"[["tick"]]"#);
    let render = of(&effects, "render");
    assert_eq!(render.len(), 1, "{effects:?}");
    let view = arg(render[0], 1);
    // The banner is the built-in campaign's view (issue 10).
    assert_eq!(view.field("kind").and_then(Value::as_str), Some("campaign"));
    assert_eq!(view.field("campaign").and_then(Value::as_str), Some("cart-recovery"));
    assert_eq!(view.field("placement").and_then(Value::as_str), Some("corner_toast"));
    assert_eq!(view.get("variant"), Some(&Value::Null));
    assert_eq!(view.field("locale").and_then(Value::as_str), Some("en-GB"));
    assert_eq!(view, &json(&view.to_json()), "plain JSON");
    let Some(Value::Array(lines)) = view.field("lines") else { panic!("{view:?}") };
    assert_eq!(lines[0], json(r#"["Aurora <b>X1</b>", "Qty 1", [799, "EUR"]]"#));
    assert_eq!(view.field("hosts"), Some(&json("[]")));
    let Some(Value::Array(actions)) = view.field("actions") else { panic!("{view:?}") };
    assert_eq!(actions[0].field("href").and_then(Value::as_str), Some("/checkout/"));
    assert_eq!(actions[0].field("action").and_then(Value::as_str), Some("follow"));
    assert_eq!(actions[1].field("action").and_then(Value::as_str), Some("dismiss"));
}

#[test]
fn bad_input_is_named_on_the_console_and_never_stops_the_agent() {
    let (mut bridge, effects) = start(r#","settings":{"site":"bad site!","currency":"EURO"}"#);
    let said = warnings(&effects);
    assert!(said.iter().any(|w| w.contains("data-site")), "{said:?}");
    assert!(said.iter().any(|w| w.contains("data-currency")), "{said:?}");

    let effects = handle(
        &mut bridge,
        T0,
        r#"[["call",null],["call","nonsense"],["call","track","add_to_cart",{"items":[{"item_id":"x","price":"cheap"}]}],["call","consent",42],["intents",{"not":"a list"}],"junk",["unknown"]]"#,
    );
    let said = warnings(&effects);
    assert!(said.iter().any(|w| w.contains("needs a command name")), "{said:?}");
    assert!(said.iter().any(|w| w.contains("nonsense")), "{said:?}");
    assert!(
        said.iter().any(|w| w.starts_with("track: ") && w.contains("items[0].price")),
        "{said:?}"
    );
    assert!(said.iter().any(|w| w.starts_with("consent: ")), "{said:?}");
    assert!(said.iter().any(|w| w.contains("intents could not be read")), "{said:?}");

    for text in ["", "{", "[1,2"] {
        let effects = effects_of(&bridge.handle(text));
        assert!(
            !effects.is_empty() && effects.iter().all(|e| verb(e) == "warn"),
            "{text}: {effects:?}"
        );
    }
    for text in [r#"{"now":"soon","in":"all"}"#, "[1,2]"] {
        let effects = handle_text(&mut bridge, text);
        assert!(
            effects.iter().all(|e| verb(e) != "store" && verb(e) != "send"),
            "{text}: {effects:?}"
        );
    }
    let (none, effects) = Bridge::start("not json");
    assert!(none.is_none());
    assert!(warnings(&effects_of(&effects))[0].contains("could not start"));
}

#[test]
fn stored_entries_of_other_sites_are_not_read_and_damaged_ones_are_named() {
    let consent = r#"{"v":1,"storage":"granted","analytics":"denied","decided_at":1}"#;
    let (_, effects) = start(&format!(
        r#","stored":[["concierge:other:consent",{consent:?}],["concierge:test:consent",{consent:?}],["concierge:test:cart","{{broken"],["unrelated","x"]]"#
    ));
    assert_eq!(
        notified(&effects, "consent").unwrap().field("storage").unwrap().as_str(),
        Some("granted")
    );
    let said = warnings(&effects);
    assert!(said.iter().any(|w| w.starts_with("the stored cart:")), "{said:?}");
}

#[test]
fn another_tabs_writes_reach_this_tab_and_foreign_formats_are_left_alone() {
    let (mut bridge, _) = start("");
    let consent = r#"{"v":1,"storage":"granted","analytics":"granted","decided_at":5}"#;
    let effects =
        handle(&mut bridge, T0, &format!(r#"[["storage","concierge:test:consent",{consent:?}]]"#));
    assert_eq!(
        notified(&effects, "consent").unwrap().field("analytics").unwrap().as_str(),
        Some("granted")
    );
    let effects = handle(&mut bridge, T0, r#"[["storage","concierge:test:cart","not json"]]"#);
    assert!(warnings(&effects)[0].contains("not JSON"), "{effects:?}");
    let effects = handle(&mut bridge, T0, r#"[["storage","concierge:other:consent","{}"]]"#);
    assert!(of(&effects, "notify").is_empty() && of(&effects, "warn").is_empty(), "{effects:?}");
}

/// Consent, one cart change, the lock granted: the batch's key.
fn one_batch_sent(bridge: &mut Bridge) -> String {
    handle(bridge, T0 + 1000, &format!(r#"[["call","consent","accept"],{ADD_PHONE}]"#));
    let effects = handle(bridge, T0 + 1100, r#"[["flush",true]]"#);
    arg(of(&effects, "send")[0], 2).as_str().unwrap().to_owned()
}

fn wake_at(effects: &[Value]) -> i64 {
    let wakes = of(effects, "wake");
    assert!(!wakes.is_empty(), "a wake-up is asked for: {effects:?}");
    wakes.iter().map(|w| arg(w, 1).as_f64().unwrap() as i64).min().unwrap()
}

#[test]
fn a_server_that_asks_for_a_huge_wait_gets_a_day_not_an_overflow() {
    let (mut bridge, _) = start("");
    let key = one_batch_sent(&mut bridge);
    let at = T0 + 2000;
    let effects = handle(&mut bridge, at, &format!(r#"[["sent","{key}",429,1e300,false]]"#));
    assert!(of(&effects, "send").is_empty(), "{effects:?}");
    let wake = wake_at(&effects);
    assert!(wake > at + 60_000 && wake <= at + 24 * 3_600_000, "wakes at {wake}, now {at}");
}

#[test]
fn no_answer_a_timeout_and_a_server_error_are_all_retried_later() {
    for status in [0, 408, 500, 503] {
        let (mut bridge, _) = start("");
        let key = one_batch_sent(&mut bridge);
        let effects =
            handle(&mut bridge, T0 + 2000, &format!(r#"[["sent","{key}",{status},null,false]]"#));
        assert!(
            of(&effects, "send").is_empty() && warnings(&effects).is_empty(),
            "{status}: {effects:?}"
        );
        let wake = wake_at(&effects);
        let effects = handle(&mut bridge, wake, r#"[["tick"]]"#);
        assert!(
            !of(&effects, "lock").is_empty(),
            "{status}: asks for the lock again at {wake}: {effects:?}"
        );
        let effects = handle(&mut bridge, wake + 1, r#"[["flush",true]]"#);
        assert_eq!(
            arg(of(&effects, "send")[0], 2).as_str(),
            Some(key.as_str()),
            "{status}: the same batch again"
        );
    }
}

#[test]
fn config_answers_apply_whole_or_not_at_all() {
    let (mut bridge, _) = start("");
    let published = r#"{"status":200,"etag":"\"v2\"","body":{"format":1,"site":"test","documents":[{"kind":"settings","version":2,"idle_minutes":2}]}}"#;
    handle(&mut bridge, T0, &format!(r#"[["config",{published}]]"#));
    assert_eq!(bridge.agent().config().idle_timeout, 2 * 60_000);
    for answer in [r#"{"status":200,"etag":"x"}"#, r#"{"status":500}"#, "null"] {
        let effects = handle(&mut bridge, T0, &format!(r#"[["config",{answer}]]"#));
        assert_eq!(warnings(&effects).len(), 1, "{answer}: {effects:?}");
        assert_eq!(
            bridge.agent().config().idle_timeout,
            2 * 60_000,
            "{answer}: the fetched config stays"
        );
    }
    let effects = handle(&mut bridge, T0, r#"[["config",{"status":304}]]"#);
    assert!(warnings(&effects).is_empty(), "{effects:?}");
}

/// The Consent Mode commands among `effects`, as (command, state) the page's gtag receives.
fn gtag(effects: &[Value]) -> Vec<(String, Value)> {
    of(effects, "gtag")
        .into_iter()
        .map(|e| (arg(e, 1).as_str().unwrap().to_owned(), arg(e, 2).clone()))
        .collect()
}

#[test]
fn with_google_tags_the_agent_sets_consent_mode_defaults_by_region_then_updates() {
    let (mut bridge, effects) = start(r#","tags":true"#);
    let commands = gtag(&effects);
    let denied = r#""ad_storage":"denied","ad_user_data":"denied","ad_personalization":"denied","analytics_storage":"denied","functionality_storage":"denied","personalization_storage":"denied""#;
    let granted = denied.replace("denied", "granted");
    assert_eq!(commands.len(), 3, "{commands:?}");
    assert_eq!(commands[0].0, "default");
    assert_eq!(commands[0].1.field("ad_storage").and_then(Value::as_str), Some("denied"));
    assert_eq!(
        commands[0].1.field("region").map(|r| matches!(r, Value::Array(c) if c.len() == 31)),
        Some(true)
    );
    assert_eq!(
        commands[1].1,
        json(&format!(r#"{{{granted},"wait_for_update":500,"region":["US-CA"]}}"#))
    );
    assert_eq!(
        commands[2].1,
        json(&format!(r#"{{{denied},"wait_for_update":500}}"#)),
        "the rest of the world"
    );

    let effects = handle(
        &mut bridge,
        T0 + 1,
        r#"[["call","consent",{"personalization":true,"measurement":true,"marketing":false}]]"#,
    );
    let update = r#"{"ad_storage":"denied","ad_user_data":"denied","ad_personalization":"denied","analytics_storage":"granted","functionality_storage":"granted","personalization_storage":"granted"}"#;
    assert_eq!(gtag(&effects), [("update".to_owned(), json(update))]);
    let effects = handle(&mut bridge, T0 + 2, r#"[["tick"]]"#);
    assert!(gtag(&effects).is_empty(), "nothing new, nothing told");
    // Its own update comes back through the dataLayer: not read as anyone's choice.
    let echo =
        format!(r#"[["layer",["consent","update",{}]]]"#, update.replace("denied", "granted"));
    handle(&mut bridge, T0 + 3, &echo);
    assert_eq!(
        bridge.agent().consent().decision("marketing"),
        concierge::engine::consent::Decision::Denied
    );

    let (_, effects) = start("");
    assert!(gtag(&effects).is_empty(), "no gtag, no dataLayer: no Consent Mode");
}

#[test]
fn a_consent_managers_consent_mode_is_read_never_overwritten() {
    let layer = r#","tags":true,"layer":[["consent","default",{"ad_storage":"denied","analytics_storage":"denied"}]]"#;
    let (mut bridge, effects) = start(layer);
    assert!(gtag(&effects).is_empty(), "its default stands");
    let effects = handle(
        &mut bridge,
        T0 + 1,
        r#"[["layer",["consent","update",{"analytics_storage":"granted","ad_storage":"denied","functionality_storage":"denied"}]]]"#,
    );
    assert!(gtag(&effects).is_empty(), "{effects:?}");
    let consent = bridge.agent().consent();
    use concierge::engine::consent::{Decision, Source};
    assert_eq!(consent.decision("measurement"), Decision::Granted);
    assert_eq!(consent.decision("marketing"), Decision::Denied);
    assert_eq!(consent.decision("personalization"), Decision::Denied);
    assert_eq!(consent.source, Source::Api);
}

/// Issue 10's wire (contract, "Engine"): the start request's page facts, the `config` answer
/// with campaigns, `["call","trigger",name,params]`, `["signal",...]`, `["seen",id]`,
/// `["action","dismiss",null,id]` in; `render` of a campaign view, `["remove","campaign",id]`,
/// `watch` and the `campaign` notice out; every bad input named on the console.
#[test]
fn campaigns_speak_the_contracts_wire() {
    let facts = r#","page_type":"product","device":"mobile","tz_offset":60,"referrer":"/home""#;
    let (_, effects) = start(facts);
    assert_eq!(warnings(&effects), Vec::<String>::new(), "good page facts say nothing");
    let bad = r#","page_type":"<p>","device":"watch","tz_offset":1000,"referrer":"http://x""#;
    let (_, effects) = start(bad);
    let said = warnings(&effects);
    for field in ["page_type", "device", "tz_offset", "referrer"] {
        assert!(said.iter().any(|w| w.starts_with(&format!("start: {field} must be"))), "{said:?}");
    }

    let (mut bridge, _) = start(facts);
    let campaign = |id: &str, trigger: &str, placement: &str| {
        format!(
            r#"{{"id":"{id}","status":"active","trigger":{trigger},"placement":{placement},
                "content":{{"en":{{"title":"Hi {id}","body":"{{{{cart.count}}}} items","action":{{"label":"Go","href":"/go/"}}}}}},
                "priority":50,"value":10,"goal":{{"event":"purchase","attribution_days":7}}}}"#
        )
    };
    let body = format!(
        r#"{{"format":1,"site":"test","documents":[{{"kind":"campaigns","version":2,"campaigns":[{},{}]}}]}}"#,
        campaign("quiz", r#"{"type":"custom","name":"quiz"}"#, r#"{"type":"top_bar"}"#),
        campaign("leave", r#"{"type":"exit_intent"}"#, r#"{"type":"modal"}"#),
    );
    let answer = format!(r#"[["config",{{"status":200,"etag":"\"c2\"","body":{body}}}]]"#);
    let effects = handle(&mut bridge, T0, &answer);
    let watch = of(&effects, "watch");
    assert_eq!(
        arg(watch[0], 1),
        &json(r#"{"exit_intent":true,"idle":[],"scroll":[],"time":[],"route":false}"#)
    );
    handle(&mut bridge, T0, r#"[["call","consent","accept"]]"#);

    let effects = handle(&mut bridge, T0 + 1, r#"[["call","trigger","quiz",{"level":3}]]"#);
    let render = of(&effects, "render");
    assert_eq!(render.len(), 1, "{effects:?}");
    let view = arg(render[0], 1);
    for (key, value) in [("kind", "campaign"), ("campaign", "quiz"), ("placement", "top_bar")] {
        assert_eq!(view.field(key).and_then(Value::as_str), Some(value), "{key}");
    }
    assert_eq!(view.get("variant"), Some(&Value::Null));
    assert_eq!(view.field("title").and_then(Value::as_str), Some("Hi quiz"));
    assert_eq!(view.field("body").and_then(Value::as_str), Some("0 items"));
    assert_eq!(
        notified(&effects, "campaign"),
        Some(&json(r#"{"campaign":"quiz","variant":null,"event":"shown"}"#))
    );
    assert!(handle(&mut bridge, T0 + 2, r#"[["seen","quiz"]]"#)
        .iter()
        .all(|e| verb(e) != "render"));

    let effects = handle(&mut bridge, T0 + 3, r#"[["action","dismiss",null,"quiz"]]"#);
    assert!(effects.contains(&json(r#"["remove","campaign","quiz"]"#)), "{effects:?}");
    assert_eq!(
        notified(&effects, "campaign"),
        Some(&json(r#"{"campaign":"quiz","variant":null,"event":"dismissed"}"#))
    );

    let effects = handle(&mut bridge, T0 + 4, r#"[["signal","exit_intent"]]"#);
    let render = of(&effects, "render");
    assert_eq!(arg(render[0], 1).field("placement").and_then(Value::as_str), Some("modal"));

    let effects = handle(
        &mut bridge,
        T0 + 5,
        r#"[["call","trigger","bad name!"],["call","trigger","quiz",7],["signal","scroll",150],["signal","wave"]]"#,
    );
    let said = warnings(&effects);
    assert!(said.iter().any(|w| w.starts_with("trigger: name must be 1-64 letters")), "{said:?}");
    assert!(
        said.iter().any(|w| w.starts_with("trigger: params must be an object, got 7")),
        "{said:?}"
    );
    assert!(said.iter().any(|w| w.starts_with("signal value must be")), "{said:?}");
    assert!(said.iter().any(|w| w.starts_with("signal must be exit_intent")), "{said:?}");
}

#[test]
fn a_prepare_only_start_reads_the_request_and_builds_nothing_the_shell_would_carry_out() {
    // The shell's warm-up: a start that stops once the agent is built. A bad setting is still
    // read (and warned about, in effects the warm-up drops); nothing is drawn, stored or sent.
    let request = format!(
        r#"{{"now":{T0},"settings":{{"site":"test","currency":"EUR","region":"Narnia"}},"locale":"en-GB","path":"/","seed":[1,2],"prepare":true}}"#
    );
    let (bridge, effects) = Bridge::start(&request);
    assert!(bridge.is_none(), "no agent is kept");
    let effects = effects_of(&effects);
    assert!(effects.iter().all(|effect| verb(effect) == "warn"), "{effects:?}");
    assert!(warnings(&effects)[0].contains("data-region"), "{effects:?}");
    // Without the flag, or with it other than `true`, the same request starts the agent.
    let started = request.replace(r#""prepare":true"#, r#""prepare":"yes""#);
    let (bridge, effects) = Bridge::start(&started);
    assert!(bridge.is_some());
    assert!(effects_of(&effects).iter().any(|effect| verb(effect) == "render"), "{effects}");
}

/// Calls that change the same entry before the shell writes storage: one document for it, of
/// its state after the last call; an entry written is not written again unless stored again.
#[test]
fn documents_asked_after_a_burst_hold_each_key_once_in_its_latest_state() {
    let (mut bridge, _) = start("");
    handle(&mut bridge, T0 + 1000, r#"[["call","consent","accept"]]"#);
    // The keys the shell has waiting, as `storage.js` keeps them.
    let mut waiting: Vec<String> = Vec::new();
    for at in [T0 + 2000, T0 + 3000] {
        let output = bridge.handle(&format!(r#"{{"now":{at},"in":[{ADD_PHONE}]}}"#));
        for effect in effects_of(&output) {
            match verb(&effect) {
                "store" if !waiting.contains(&key_of(&effect)) => waiting.push(key_of(&effect)),
                // An event the next call's replaced: the shell erases it instead.
                "erase" => waiting.retain(|key| *key != key_of(&effect)),
                _ => {}
            }
        }
    }
    let documents = effects_of(&asked_documents(&mut bridge, &waiting));
    let keys: Vec<String> = documents.iter().map(key_of).collect();
    let carts: Vec<&Value> =
        documents.iter().filter(|d| arg(d, 1).as_str() == Some("concierge:test:cart")).collect();
    assert_eq!(carts.len(), 1, "the cart once: {keys:?}");
    let cart = concierge_protocol::json::parse(arg(carts[0], 2).as_str().unwrap()).unwrap();
    let quantity = match cart.field("lines") {
        Some(Value::Array(lines)) => lines[0].field("qty").and_then(Value::as_f64),
        _ => None,
    };
    assert_eq!(quantity, Some(2.0), "after the second call: {cart:?}");
    let (mut asked, mut answered) = (waiting.clone(), keys.clone());
    asked.sort();
    answered.sort();
    assert_eq!(answered, asked, "one document for each key waiting");
    assert!(waiting.iter().filter(|key| key.contains(":event:")).count() >= 2, "{waiting:?}");
    handle(&mut bridge, T0 + 4000, r#"[["tick"]]"#);
    let again = effects_of(&asked_documents(&mut bridge, &waiting));
    assert!(
        again.iter().all(|d| arg(d, 1).as_str() != Some("concierge:test:cart")),
        "the cart is not written again: {again:?}"
    );
}

/// The shell asks for the keys it has waiting, and a `store` may still be on its way to it (held
/// for a later task, whose store makes the shell write again): a document not asked for is kept
/// for the next time the shell writes. Not asked for then either (its key was wiped, erased or
/// written by another tab meanwhile), it is let go.
#[test]
fn documents_not_asked_for_are_kept_once_then_let_go() {
    let (mut bridge, _) = start("");
    handle(&mut bridge, T0 + 1000, r#"[["call","consent","accept"]]"#);
    let output = bridge.handle(&format!(r#"{{"now":{},"in":[{ADD_PHONE}]}}"#, T0 + 2000));
    let stored: Vec<String> = of(&effects_of(&output), "store").iter().map(|s| key_of(s)).collect();
    let cart = "concierge:test:cart".to_owned();
    assert!(stored.contains(&cart), "{stored:?}");
    let others: Vec<String> = stored.iter().filter(|key| **key != cart).cloned().collect();
    let first = effects_of(&asked_documents(&mut bridge, &others));
    assert_eq!(first.iter().map(key_of).filter(|key| *key == cart).count(), 0, "{first:?}");
    let later = effects_of(&asked_documents(&mut bridge, std::slice::from_ref(&cart)));
    assert_eq!(
        later.iter().map(key_of).collect::<Vec<_>>(),
        std::slice::from_ref(&cart),
        "kept until asked"
    );

    bridge.handle(&format!(r#"{{"now":{},"in":[{ADD_PHONE}]}}"#, T0 + 3000));
    let output =
        bridge.handle(&format!(r#"{{"now":{},"in":[["call","consent","reject"]]}}"#, T0 + 4000));
    let effects = effects_of(&output);
    let wipe = effects.iter().position(|e| verb(e) == "wipe").expect("rejecting wipes storage");
    // What the shell has waiting after the wipe: what was stored after it, not the cart.
    let waiting: Vec<String> =
        effects[wipe..].iter().filter(|e| verb(e) == "store").map(key_of).collect();
    assert!(!waiting.is_empty() && !waiting.contains(&cart), "{waiting:?}");
    asked_documents(&mut bridge, &waiting);
    handle(&mut bridge, T0 + 5000, r#"[["call","consent","reject"]]"#);
    let after = effects_of(&asked_documents(&mut bridge, std::slice::from_ref(&cart)));
    assert_eq!(after, Vec::<Value>::new(), "the wiped cart's record was let go");
}
