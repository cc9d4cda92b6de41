//! Following the page's IAB TCF consent manager, through the bridge as `src/web/main.js` and
//! `src/web/cmp.js` speak it: the module asked for when the page has a CMP, each decoded signal
//! mapped through the demo policy's `tcf` section into the visitor's consent (source `tcf`,
//! with a receipt), the agent's own dialog kept closed, and the fallbacks to it.

use super::bridge::with_documents;
use super::support::{json, T0};
use concierge::bridge::Bridge;
use concierge::value::Value;

/// An agent on a page with (or without) a consent manager, under the built-in (demo) policy.
fn start(cmp: bool) -> (Bridge, Vec<Value>) {
    let request = format!(
        r#"{{"now":{T0},"settings":{{"site":"test","currency":"EUR"}},"locale":"en-GB","path":"/","seed":[1,2],"cmp":{cmp}}}"#
    );
    let (bridge, effects) = Bridge::start(&request);
    let mut bridge = bridge.expect("the agent starts");
    let effects = with_documents(&mut bridge, &effects);
    (bridge, effects)
}

fn handle(bridge: &mut Bridge, at: i64, inputs: &str) -> Vec<Value> {
    let effects = bridge.handle(&format!(r#"{{"now":{at},"in":{inputs}}}"#));
    with_documents(bridge, &effects)
}

fn part(effect: &Value, index: usize) -> &Value {
    match effect {
        Value::Array(parts) => &parts[index],
        _ => panic!("an effect is an array: {effect:?}"),
    }
}

fn of<'a>(effects: &'a [Value], verb: &str) -> Vec<&'a Value> {
    effects.iter().filter(|effect| part(effect, 0).as_str() == Some(verb)).collect()
}

/// Whether the consent dialog is drawn.
fn dialog(effects: &[Value]) -> bool {
    of(effects, "render")
        .iter()
        .any(|r| part(r, 1).field("kind").and_then(Value::as_str) == Some("consent"))
}

/// The consent notified last: its source and the decision for each consent purpose.
fn consent(effects: &[Value]) -> Option<(String, Vec<String>)> {
    let notice =
        of(effects, "notify").into_iter().rev().find(|n| part(n, 1).as_str() == Some("consent"))?;
    let payload = part(notice, 2);
    let decision =
        |id| payload.field("purposes").unwrap().field(id).unwrap().as_str().unwrap().to_owned();
    Some((
        payload.field("source").unwrap().as_str().unwrap().to_owned(),
        ["measurement", "personalization", "marketing"].map(decision).to_vec(),
    ))
}

/// The receipts' bodies sent, as JSON.
fn receipts(effects: &[Value]) -> Vec<Value> {
    of(effects, "receipt").into_iter().map(|r| json(part(r, 3).as_str().unwrap())).collect()
}

/// The module's answer for a TC string with consent for `purposes` (and the vendor's).
fn decoded(purposes: &[u8]) -> String {
    let bits = purposes.iter().fold(0u32, |bits, p| bits | 1 << p);
    format!(
        r#"{{"purpose_consents":{bits},"purpose_legitimate_interests":4,"vendor_consent":true,"vendor_legitimate_interest":true,"restrictions":[0,0,0]}}"#
    )
}

const ALL: &[u8] = &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

#[test]
fn a_page_with_a_cmp_loads_the_module_follows_each_signal_and_never_shows_the_agents_dialog() {
    let (mut bridge, effects) = start(true);
    // The module, with no vendor id (the demo policy names none); no dialog, no control.
    let loads = of(&effects, "load");
    assert_eq!(loads.len(), 1, "{effects:?}");
    assert_eq!((part(loads[0], 1).as_str(), part(loads[0], 2)), (Some("tcf"), &Value::Null));
    assert!(!dialog(&effects), "{effects:?}");
    assert!(of(&effects, "control").is_empty(), "{effects:?}");

    let effects = handle(&mut bridge, T0 + 10, r#"[["loaded","tcf",true]]"#);
    assert!(!dialog(&effects) && consent(&effects).is_none(), "{effects:?}");

    // The consent manager's signal: every purpose. The visitor's consent, source tcf, with a receipt.
    let effects = handle(&mut bridge, T0 + 20, &format!(r#"[["tcf",true,{}]]"#, decoded(ALL)));
    assert_eq!(consent(&effects), Some(("tcf".into(), vec!["granted".into(); 3])), "{effects:?}");
    let sent = receipts(&effects);
    assert_eq!(sent.len(), 1, "{effects:?}");
    assert_eq!(sent[0].field("source").and_then(Value::as_str), Some("tcf"));
    assert_eq!(
        sent[0].field("choices").unwrap().field("marketing").and_then(Value::as_str),
        Some("granted")
    );
    assert!(!dialog(&effects));

    // The same signal again (the CMP reports it on every page and event): no new choice.
    let effects = handle(&mut bridge, T0 + 30, &format!(r#"[["tcf",true,{}]]"#, decoded(ALL)));
    assert_eq!(consent(&effects), None, "{effects:?}");
    assert!(receipts(&effects).is_empty());

    // A later change in the CMP: purposes 3 and 4 withdrawn, so marketing is denied.
    let effects =
        handle(&mut bridge, T0 + 40, &format!(r#"[["tcf",true,{}]]"#, decoded(&[1, 2, 5, 6, 7])));
    assert_eq!(
        consent(&effects),
        Some(("tcf".into(), vec!["granted".into(), "granted".into(), "denied".into()])),
        "{effects:?}"
    );
    assert_eq!(receipts(&effects).len(), 1);
    // The publisher forbids purpose 7 for the vendor (bit 7 of the first restriction set):
    // measurement, which needs it, is denied.
    let restricted =
        decoded(ALL).replace(r#""restrictions":[0,0,0]"#, r#""restrictions":[128,0,0]"#);
    let effects = handle(&mut bridge, T0 + 45, &format!(r#"[["tcf",true,{restricted}]]"#));
    assert_eq!(
        consent(&effects),
        Some(("tcf".into(), vec!["denied".into(), "granted".into(), "granted".into()])),
        "{effects:?}"
    );
    // Asking for the dialog while the CMP governs shows nothing: the CMP is where to choose.
    let effects = handle(&mut bridge, T0 + 50, r#"[["call","consent","show",null]]"#);
    assert!(!dialog(&effects), "{effects:?}");
}

#[test]
fn the_agent_asks_itself_when_the_module_fails_the_string_is_unreadable_or_gdpr_does_not_apply() {
    // The module could not be loaded: the agent's own dialog, as without a CMP.
    let (mut bridge, _) = start(true);
    let effects = handle(&mut bridge, T0 + 10, r#"[["loaded","tcf",false]]"#);
    assert!(dialog(&effects), "{effects:?}");

    // A TC string the module refused: one warning naming its reason, then the dialog.
    let (mut bridge, _) = start(true);
    handle(&mut bridge, T0 + 10, r#"[["loaded","tcf",true]]"#);
    let effects =
        handle(&mut bridge, T0 + 20, r#"[["tcf",true,{"error":"segment 1 is not base64url"}]]"#);
    assert!(dialog(&effects), "{effects:?}");
    let warnings: Vec<&str> =
        of(&effects, "warn").iter().filter_map(|w| part(w, 1).as_str()).collect();
    assert_eq!(
        warnings,
        ["the consent manager's TC string could not be read (segment 1 is not base64url); the agent asks for consent itself"]
    );
    assert!(consent(&effects).is_none());

    // GDPR does not apply to this visitor (the CMP says so): the policy's own regions decide.
    let (mut bridge, _) = start(true);
    handle(&mut bridge, T0 + 10, r#"[["loaded","tcf",true]]"#);
    let effects = handle(&mut bridge, T0 + 20, r#"[["tcf",false,null]]"#);
    assert!(dialog(&effects), "{effects:?}");

    // A later valid signal governs again, and the dialog goes.
    let effects = handle(&mut bridge, T0 + 30, &format!(r#"[["tcf",true,{}]]"#, decoded(ALL)));
    assert_eq!(consent(&effects).map(|c| c.0), Some("tcf".into()));
    assert!(
        of(&effects, "remove").iter().any(|r| part(r, 1).as_str() == Some("consent")),
        "{effects:?}"
    );
}

#[test]
fn a_page_without_a_cmp_loads_nothing_and_signals_without_one_are_ignored() {
    let (mut bridge, effects) = start(false);
    assert!(of(&effects, "load").is_empty());
    assert!(dialog(&effects));
    let effects = handle(&mut bridge, T0 + 10, &format!(r#"[["tcf",true,{}]]"#, decoded(ALL)));
    assert_eq!(consent(&effects), None, "{effects:?}");
}

#[test]
fn a_module_answer_the_agent_cannot_read_is_named_and_falls_back() {
    let (mut bridge, _) = start(true);
    handle(&mut bridge, T0 + 10, r#"[["loaded","tcf",true]]"#);
    let effects = handle(&mut bridge, T0 + 20, r#"[["tcf",true,{"purpose_consents":"x"}]]"#);
    assert!(dialog(&effects), "{effects:?}");
    assert_eq!(of(&effects, "warn").len(), 1, "{effects:?}");
}
