//! The shell's behaviour in a real browser: consent gating, views, escaping, queue and tabs.

use super::page::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const FORTY_MINUTES: f64 = 40.0 * 60_000.0;

#[wasm_bindgen_test]
fn nothing_is_stored_until_consent_and_everything_after() {
    reset();
    queue(&[&add_to_cart("a", "Phone", 799.0, 1)]);
    start();
    assert_eq!(stored_keys(), Vec::<String>::new(), "no write before a choice");
    let prompt = view("consent").expect("the consent prompt shows");
    assert_eq!(prompt.get_attribute("role").as_deref(), Some("region"));
    let buttons = texts(&prompt, "button");
    assert_eq!(buttons, ["Accept", "Reject"]);

    click(&prompt, "[data-action=accept]");
    assert!(view("consent").is_none(), "the prompt closes");
    let saved = stored().expect("stored after accepting");
    assert_eq!(get(&saved, "lines.0.id").as_string().as_deref(), Some("a"));
    assert_eq!(get(&saved, "lines.0.price").as_f64(), Some(79900.0));
    reset();
}

#[wasm_bindgen_test]
fn rejecting_writes_nothing_at_all() {
    reset();
    start();
    click(&view("consent").unwrap(), "[data-action=reject]");
    concierge(&add_to_cart("a", "Phone", 799.0, 2));
    assert_eq!(storage().length().unwrap(), 0);
    reset();
}

#[wasm_bindgen_test]
fn an_abandoned_cart_shows_the_banner_with_names_as_text() {
    reset();
    let hostile = r#"<img src=x onerror=alert(1)>"#;
    seed_abandoned_cart(
        &format!(
            r#"[{{"id":"x","name":"{}","price":1999,"qty":2}},{{"id":"p","name":"Aurora X1","price":79900,"qty":1}}]"#,
            hostile.replace('"', "\\\"")
        ),
        FORTY_MINUTES,
    );
    start();
    let banner = view("recovery").expect("the recovery banner shows");
    assert_eq!(texts(&banner, ".name"), [hostile, "Aurora X1"]);
    assert!(
        shadow().unwrap().query_selector("img").unwrap().is_none(),
        "no element was parsed from a name"
    );
    assert_eq!(texts(&banner, ".qty"), ["Qty 2", "Qty 1"]);
    assert_eq!(texts(&banner, ".total-amount"), ["€838.98"]);
    let title_id = banner.get_attribute("aria-labelledby").unwrap();
    assert_eq!(
        banner.query_selector(&format!("#{title_id}")).unwrap().unwrap().text_content().unwrap(),
        "You left something in your cart"
    );
    let resume = banner.query_selector("a[data-action=resume]").unwrap().unwrap();
    assert!(resume.get_attribute("href").unwrap().ends_with("/checkout/"));
    // The host is fixed in place: it takes no room in the page's layout.
    let host = window().document().unwrap().get_element_by_id("concierge-root").unwrap();
    let style = window().get_computed_style(&host).unwrap().unwrap();
    assert_eq!(style.get_property_value("position").unwrap(), "fixed");
    reset();
}

#[wasm_bindgen_test]
fn dismissing_hides_the_banner_and_remembers_for_how_long() {
    reset();
    seed_abandoned_cart(r#"[{"id":"p","name":"Aurora X1","price":79900,"qty":1}]"#, FORTY_MINUTES);
    start();
    click(&view("recovery").unwrap(), "[data-action=dismiss]");
    assert!(view("recovery").is_none());
    let until = get(&stored().unwrap(), "dismissed").as_f64().unwrap();
    assert!(until > js_sys::Date::now() + 23.0 * 3_600_000.0);
    // The next page honours it.
    concierge::web::stop();
    start();
    assert!(view("recovery").is_none());
    reset();
}

#[wasm_bindgen_test]
fn escape_dismisses_the_banner_from_the_keyboard() {
    reset();
    seed_abandoned_cart(r#"[{"id":"p","name":"Aurora X1","price":79900,"qty":1}]"#, FORTY_MINUTES);
    start();
    let close = view("recovery").unwrap().query_selector(".close").unwrap().unwrap();
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    init.set_composed(true);
    let event =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    close.dispatch_event(&event).unwrap();
    assert!(view("recovery").is_none());
    reset();
}

#[wasm_bindgen_test]
fn queued_calls_replay_in_order_and_listeners_hear_the_cart() {
    reset();
    let heard = std::rc::Rc::new(std::cell::RefCell::new(Vec::<JsValue>::new()));
    let sink = heard.clone();
    let listener = Closure::<dyn Fn(JsValue)>::new(move |cart| sink.borrow_mut().push(cart));
    let remove = json(r#"{"items":[{"item_id":"a","quantity":1}]}"#);
    queue(&[
        &["on".into(), "cart".into(), listener.as_ref().clone()],
        &add_to_cart("a", "Phone", 10.0, 1),
        &["track".into(), "remove_from_cart".into(), remove],
        &add_to_cart("b", "Case", 2.5, 4),
    ]);
    start();
    let last = heard.borrow().last().cloned().expect("the listener was called");
    assert_eq!(get(&last, "items.length").as_f64(), Some(1.0));
    assert_eq!(get(&last, "items.0.item_id").as_string().as_deref(), Some("b"));
    assert_eq!(get(&last, "value").as_f64(), Some(10.0));
    assert_eq!(get(&last, "item_count").as_f64(), Some(4.0));
    reset();
}

#[wasm_bindgen_test]
fn data_layer_pushes_before_and_after_loading_are_picked_up() {
    reset();
    let layer = json(
        r#"[{"event":"gtm.js"},{"event":"add_to_cart","ecommerce":{"currency":"EUR","items":[{"item_id":"a","price":5}]}}]"#,
    );
    js_sys::Reflect::set(&window(), &"dataLayer".into(), &layer).unwrap();
    start();
    click(&view("consent").unwrap(), "[data-action=accept]");
    let push: js_sys::Function = js_sys::Reflect::get(&layer, &"push".into()).unwrap().into();
    push.call1(&layer, &json(r#"{"event":"add_to_cart","ecommerce":{"items":[{"item_id":"b","price":1.5,"quantity":2}]}}"#)).unwrap();
    assert_eq!(js_sys::Array::from(&layer).length(), 3, "the dataLayer still records every push");
    let saved = stored().unwrap();
    assert_eq!(get(&saved, "lines.length").as_f64(), Some(2.0));
    assert_eq!(get(&saved, "lines.1.price").as_f64(), Some(150.0));
    reset();
}

#[wasm_bindgen_test]
fn bad_input_is_reported_field_by_field_and_never_thrown() {
    reset();
    storage().set_item(CART_KEY, "{not json").unwrap();
    assert_eq!(
        warnings_during(start),
        [
            "[concierge] the stored cart: stored state is not JSON (JSON.parse failed); it was discarded",
            "[concierge] the shop's published config could not be fetched (the loader passed no config request (an older loader?)); using the built-in defaults and the page's data-* attributes",
        ],
        "the corrupt stored cart is reported once, as is the missing config request"
    );
    // Each malformed call is reported and ignored; `concierge()` unwraps what the call
    // returns, so a throw would fail the test too.
    let bad_items = json(
        r#"{"items":[{"item_id":"a","price":"abc"},{"item_id":"b","price":"2.50","quantity":-1}]}"#,
    );
    let malformed: [(&[JsValue], &str); 6] = [
        (
            &[JsValue::from(42)],
            r#"concierge() needs a command name such as "track" as its first argument"#,
        ),
        (
            &["track".into(), "add_to_basket".into(), JsValue::NULL],
            r#"track: unknown event "add_to_basket" ignored; expected one of view_item_list, view_item, add_to_cart, remove_from_cart, view_cart, begin_checkout, purchase"#,
        ),
        (
            &["track".into(), "add_to_cart".into(), bad_items],
            r#"track: add_to_cart: no valid item left; event ignored; items[0].price must be a non-negative number, got "abc"; item skipped; items[1].price should be a number, got the string "2.50"; read as a number; items[1].quantity must be a whole number from 1 to 9999, got -1; item skipped"#,
        ),
        (
            &["consent".into(), "maybe".into()],
            r#"consent: consent takes "accept", "reject", "prompt" or an object such as { analytics_storage: "granted" }; got "maybe""#,
        ),
        (
            &["on".into(), "cart".into(), JsValue::from("not a function")],
            r#"on: expected a topic ("ready", "cart", "consent", "banner" or "intent") and a function"#,
        ),
        (&["fly".into()], r#"unknown command "fly"; expected "track", "consent", "on" or "off""#),
    ];
    for (call, expected) in malformed {
        assert_eq!(warnings_during(|| concierge(call)), [format!("[concierge] {expected}")]);
    }
    // The valid part of a half-bad call still applies.
    concierge(&["consent".into(), "accept".into()]);
    let half_bad = json(r#"{"items":[{"item_id":"ok","price":3},{"item_id":"bad","price":-3}]}"#);
    assert_eq!(
        warnings_during(|| concierge(&["track".into(), "add_to_cart".into(), half_bad])),
        ["[concierge] track: items[1].price must be a non-negative number, got -3; item skipped"]
    );
    let saved = stored().expect("the corrupt value was replaced by a valid one");
    assert_eq!(get(&saved, "lines.length").as_f64(), Some(1.0));
    assert_eq!(get(&saved, "lines.0.id").as_string().as_deref(), Some("ok"));
    reset();
}

#[wasm_bindgen_test]
fn starting_twice_is_harmless() {
    reset();
    start();
    start();
    let shadow = shadow().unwrap();
    assert_eq!(shadow.query_selector_all("[data-view]").unwrap().length(), 1);
    let hosts = window().document().unwrap().query_selector_all("#concierge-root").unwrap();
    assert_eq!(hosts.length(), 1);
    reset();
}

#[wasm_bindgen_test]
fn texts_follow_the_shops_locale() {
    reset();
    concierge::web::start(
        json(r#"{"site":"test","currency":"EUR","locale":"de-DE"}"#),
        None,
        JsValue::UNDEFINED,
    );
    let prompt = view("consent").unwrap();
    assert_eq!(prompt.get_attribute("lang").as_deref(), Some("de"));
    assert_eq!(texts(&prompt, "button"), ["Akzeptieren", "Ablehnen"]);
    reset();
}

#[wasm_bindgen_test]
fn stopping_hands_the_page_back_intact() {
    reset();
    let layer = js_sys::Array::new();
    let original = js_sys::Reflect::get(&layer, &"push".into()).unwrap();
    js_sys::Reflect::set(&window(), &"dataLayer".into(), &layer).unwrap();
    start();
    assert_ne!(
        js_sys::Reflect::get(&layer, &"push".into()).unwrap(),
        original,
        "wrapped while running"
    );
    concierge::web::stop();
    assert_eq!(
        js_sys::Reflect::get(&layer, &"push".into()).unwrap(),
        original,
        "the page's own push is back"
    );
    let push: js_sys::Function = original.into();
    push.call1(&layer, &json(r#"{"event":"page_view"}"#)).unwrap();
    // The page may still call the agent: the calls wait for the next start.
    concierge(&add_to_cart("a", "A", 1.0, 1));
    let queued = get(&wasm_bindgen::JsValue::from(window()), "concierge.q");
    assert_eq!(js_sys::Array::from(&queued).length(), 1);
    assert!(shadow().is_none(), "the views are gone");
    reset();
}
