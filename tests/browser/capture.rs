//! The dataLayer as tag managers leave it: an object with its own `push`, a push wrapped again
//! over the agent's, and a polluted `Object.prototype` that page data must not inherit from.

use super::page::*;
use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const ADD: &str = r#"{"event":"add_to_cart","ecommerce":{"items":[{"item_id":"a","price":2}]}}"#;

/// A tag manager's dataLayer: not an array, with a push that records `this` and answers.
fn tag_manager_layer() -> (Object, Function) {
    let layer = Object::new();
    Reflect::set(&layer, &"seen".into(), &Array::new()).unwrap();
    let push =
        Function::new_with_args("entry", "this.seen.push(entry); return 'kept by the page';");
    Reflect::set(&layer, &"push".into(), &push).unwrap();
    (layer, push)
}

fn push_of(layer: &JsValue) -> Function {
    Reflect::get(layer, &"push".into()).unwrap().into()
}

fn own_push(layer: &JsValue) -> bool {
    Reflect::get_own_property_descriptor(&Object::from(layer.clone()), &"push".into())
        .is_ok_and(|descriptor| !descriptor.is_undefined())
}

#[wasm_bindgen_test]
fn a_data_layer_object_with_its_own_push_is_wrapped_not_replaced() {
    reset();
    let (layer, page_push) = tag_manager_layer();
    Reflect::set(&window(), &"dataLayer".into(), &layer).unwrap();
    start();
    concierge(&["consent".into(), "accept".into()]);
    assert_eq!(Reflect::get(&window(), &"dataLayer".into()).unwrap(), JsValue::from(&layer));
    assert_ne!(push_of(&layer), page_push, "wrapped while running");

    let answer = push_of(&layer).call1(&layer, &json(ADD)).unwrap();
    assert_eq!(answer.as_string().as_deref(), Some("kept by the page"), "the page's return value");
    let seen = get(&layer.clone().into(), "seen");
    assert_eq!(Array::from(&seen).length(), 1, "the page's push ran with the layer as `this`");
    assert_eq!(get(&stored().unwrap(), "lines.0.id").as_string().as_deref(), Some("a"));

    // Called on another object, the page's push sees that object, as it would unwrapped.
    let other = json(r#"{"seen":[]}"#);
    push_of(&layer).call1(&other, &json(r#"{"event":"page_view"}"#)).unwrap();
    assert_eq!(get(&other, "seen.length").as_f64(), Some(1.0));

    concierge::web::stop();
    assert_eq!(push_of(&layer), page_push, "the page's own push is back");
    reset();
}

#[wasm_bindgen_test]
fn an_exception_from_the_pages_push_reaches_its_caller_untouched() {
    reset();
    let layer = Object::new();
    let push = Function::new_with_args("entry", "throw new RangeError('the page says no');");
    Reflect::set(&layer, &"push".into(), &push).unwrap();
    Reflect::set(&window(), &"dataLayer".into(), &layer).unwrap();
    start();
    let thrown = push_of(&layer).call1(&layer, &json(ADD)).unwrap_err();
    assert_eq!(get(&thrown, "message").as_string().as_deref(), Some("the page says no"));
    assert_eq!(get(&thrown, "name").as_string().as_deref(), Some("RangeError"));
    reset();
}

#[wasm_bindgen_test]
fn an_array_gets_its_inherited_push_back_and_a_later_wrapper_keeps_working() {
    reset();
    let layer = Array::new();
    Reflect::set(&window(), &"dataLayer".into(), &layer).unwrap();
    start();
    assert!(own_push(&layer), "the agent's push is the array's own while running");
    concierge::web::stop();
    assert!(!own_push(&layer), "and gone after stop: push is Array.prototype's again");

    // A tag manager that wrapped the agent's push keeps its wrapper; calling it after the agent
    // stopped passes straight through instead of calling freed code.
    start();
    let agents = push_of(&layer);
    let wrapper = Function::new_with_args("entry", "return this.agents.call(this, entry);");
    Reflect::set(&layer, &"agents".into(), &agents).unwrap();
    Reflect::set(&layer, &"push".into(), &wrapper).unwrap();
    concierge::web::stop();
    assert_eq!(push_of(&layer), wrapper, "the tag manager's wrapper stays");
    let length = wrapper.call1(&layer, &json(ADD)).expect("the stale wrapper still works");
    assert_eq!(length.as_f64(), Some(1.0));
    assert_eq!(layer.length(), 1);
    reset();
}

#[wasm_bindgen_test]
fn page_data_is_read_from_own_properties_only() {
    reset();
    let prototype = Reflect::get(&window(), &"Object".into()).unwrap();
    let prototype = get(&prototype, "prototype");
    Reflect::set(&prototype, &"resumeUrl".into(), &"https://evil.example/".into()).unwrap();
    Reflect::set(&prototype, &"linkHosts".into(), &"evil.example".into()).unwrap();
    seed_abandoned_cart(
        r#"[{"id":"p","name":"Aurora X1","price":79900,"qty":1}]"#,
        40.0 * 60_000.0,
    );
    start();
    for key in ["resumeUrl", "linkHosts"] {
        Reflect::delete_property(&prototype.clone().into(), &key.into()).unwrap();
    }
    let banner = view("recovery").expect("the recovery banner shows");
    let resume = banner.query_selector("a[data-action=resume]").unwrap().unwrap();
    let href = resume.get_attribute("href").unwrap();
    let origin = window().location().origin().unwrap();
    assert_eq!(href, format!("{origin}/checkout/"));
    reset();
}
