//! The command queue: calls the page made on the stub (`concierge.q`) before the agent ran,
//! and the stub `stop()` leaves behind so later calls wait for the next start.

use super::js;
use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;

/// One queued `concierge(name, first, second)` call.
pub type Call = (JsValue, JsValue, JsValue);

/// The calls queued on `window.concierge.q`, oldest first. The queue is the page's: a list, an
/// `arguments` object or anything else; what cannot be read as a list is skipped.
pub fn take() -> Vec<Call> {
    let Some(window) = web_sys::window() else {
        return Vec::new();
    };
    let stub = Reflect::get(&window, &"concierge".into()).unwrap_or(JsValue::UNDEFINED);
    // Only the stub's own `q`: a `q` on a polluted prototype is not a queue.
    let queue = js::own_property(&stub, "q").ok().flatten().filter(JsValue::is_object);
    let Some(calls) = queue.and_then(|queue| js::array_from(&queue).ok()) else {
        return Vec::new();
    };
    calls
        .iter()
        .filter_map(|call| js::array_from(&call).ok())
        .map(|args| (args.get(0), args.get(1), args.get(2)))
        .collect()
}

/// A stand-in for `window.concierge` that queues each call on `window.concierge.q`, as the
/// loader's stub does. It is a closure rather than a function built from source text, so a
/// Content-Security-Policy without 'unsafe-eval' allows it; it is never freed, since the page
/// may hold on to it for as long as it lives.
pub fn stub() -> JsValue {
    Closure::<dyn Fn(JsValue, JsValue, JsValue)>::new(|name, first, second| {
        let _ = enqueue(&Array::of3(&name, &first, &second));
    })
    .into_js_value()
}

fn enqueue(call: &Array) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or(JsValue::UNDEFINED)?;
    let current = Reflect::get(&window, &"concierge".into())?;
    let queue = match js::own_property(&current, "q")? {
        Some(queue) if js::is_array(&queue)? => queue,
        _ => {
            let queue = Array::new().into();
            Reflect::set(&current, &"q".into(), &queue)?;
            queue
        }
    };
    let length = Reflect::get(&queue, &"length".into())?.as_f64().unwrap_or(0.0);
    Reflect::set_u32(&queue, length as u32, call)?;
    Ok(())
}
