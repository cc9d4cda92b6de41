//! The page's globals as bindings that hand a thrown exception back as `Err`.
//!
//! web-sys and js-sys declare these without `catch`, but the page can replace them (`fetch`,
//! `clearTimeout`, `console.warn`) or hand the agent values whose traps and getters throw
//! (`Object.keys` on a Proxy, `Array.from` on a list with a throwing index getter). An exception
//! thrown through Wasm skips every destructor and `Cell` reset on the way, which leaves the agent
//! stuck for the rest of the page; caught here, it becomes an ordinary error to handle.

use js_sys::{Array, Promise, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The page's current `fetch`, whatever it was replaced with.
    #[wasm_bindgen(catch, js_name = fetch)]
    pub fn fetch(request: &web_sys::Request) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_name = clearTimeout)]
    pub fn clear_timeout(handle: i32) -> Result<(), JsValue>;

    /// `Promise.resolve`: a thenable is adopted, anything else becomes a fulfilled promise.
    #[wasm_bindgen(catch, js_namespace = Promise, js_name = resolve)]
    pub fn promise_resolve(value: &JsValue) -> Result<js_sys::Promise, JsValue>;

    /// The own enumerable string keys: never what an object inherits.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    pub fn own_keys(object: &JsValue) -> Result<Array, JsValue>;

    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    pub fn is_array(value: &JsValue) -> Result<bool, JsValue>;

    #[wasm_bindgen(catch, js_namespace = Array, js_name = from)]
    pub fn array_from(value: &JsValue) -> Result<Array, JsValue>;

    #[wasm_bindgen(catch, js_namespace = console, js_name = warn)]
    pub fn console_warn(message: &str) -> Result<(), JsValue>;

    /// A promise seen through its `then`, so both callbacks can be plain functions.
    type Thenable;

    #[wasm_bindgen(method, js_name = then)]
    fn then_both(this: &Thenable, on_fulfilled: &JsValue, on_rejected: &JsValue) -> Promise;
}

/// Runs `handle` with the promise's value (`Ok`) or its rejection (`Err`) once it settles, and
/// returns a promise that settles when `handle` has run (and when the promise `handle` returns,
/// if it returns one, has settled: a chain waits for its last step).
///
/// This is the agent's whole asynchrony: a few hundred bytes of Wasm where an executor for
/// futures cost several kilobytes (docs/decisions.md). Of the two callbacks only one ever runs;
/// the other is freed with the promise that holds it.
pub fn when_settled(
    promise: &Promise,
    handle: impl FnOnce(Result<JsValue, JsValue>) -> JsValue + 'static,
) -> Promise {
    let on_fulfilled = Rc::new(RefCell::new(Some(handle)));
    let on_rejected = on_fulfilled.clone();
    let fulfilled = Closure::once_into_js(move |value: JsValue| -> JsValue {
        let handle = on_fulfilled.borrow_mut().take();
        handle.map_or(JsValue::UNDEFINED, |handle| handle(Ok(value)))
    });
    let rejected = Closure::once_into_js(move |reason: JsValue| -> JsValue {
        let handle = on_rejected.borrow_mut().take();
        handle.map_or(JsValue::UNDEFINED, |handle| handle(Err(reason)))
    });
    promise.unchecked_ref::<Thenable>().then_both(&fulfilled, &rejected)
}

/// An own property's value, `None` when the object does not have it itself (it may inherit it).
pub fn own_property(object: &JsValue, key: &str) -> Result<Option<JsValue>, JsValue> {
    let key = JsValue::from_str(key);
    let descriptor =
        Reflect::get_own_property_descriptor(object.unchecked_ref::<js_sys::Object>(), &key)?;
    if descriptor.is_undefined() {
        return Ok(None);
    }
    Reflect::get(object, &key).map(Some)
}

/// What a thrown value says about itself, for a console message; reading it cannot throw.
pub fn describe_thrown(thrown: &JsValue) -> String {
    if let Some(text) = thrown.as_string() {
        return text;
    }
    if thrown.is_object() {
        let message = Reflect::get(thrown, &"message".into()).ok().and_then(|m| m.as_string());
        if let Some(message) = message {
            return message;
        }
    }
    match thrown.as_f64() {
        Some(number) => crate::value::format_decimal(number),
        None if thrown.is_null() => "null".into(),
        None if thrown.is_undefined() => "undefined".into(),
        None => "a value that is not an Error".into(),
    }
}
