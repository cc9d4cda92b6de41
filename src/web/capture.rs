//! Picks up GA4 ecommerce events from `window.dataLayer`: those pushed before the agent loaded
//! and every push after, without changing what the dataLayer does for its other readers.
//!
//! The dataLayer is usually an array, but some tag managers make it an object with their own
//! `push`. Either way the agent keeps the page's object and wraps its `push`: the page's push
//! runs first with the same `this` and arguments, its return value (or exception) is the
//! caller's, and only then does the agent read the entries. Entries already in a non-array
//! dataLayer cannot be listed, so the agent sees only what is pushed after it started.

use super::{console, js};
use js_sys::{Array, Function, Object, Proxy, Reflect};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// The Proxy `apply` trap: (the page's push, `this`, the arguments as an array).
type ApplyTrap = dyn Fn(JsValue, JsValue, JsValue) -> Result<JsValue, JsValue>;

/// Entries already in the dataLayer, each reduced to what the agent reads; empty unless the
/// dataLayer is an array.
pub fn existing() -> Vec<JsValue> {
    let Some(Ok(layer)) = web_sys::window().map(|w| Reflect::get(&w, &"dataLayer".into())) else {
        return Vec::new();
    };
    if js::is_array(&layer) != Ok(true) {
        return Vec::new();
    }
    let Ok(indices) = js::own_keys(&layer) else {
        console::warn("the dataLayer's entries could not be listed; only later pushes are read");
        return Vec::new();
    };
    let mut entries = Vec::new();
    for index in indices.iter() {
        let Some(position) = index.as_string().filter(|i| i.parse::<u32>().is_ok()) else {
            continue;
        };
        match Reflect::get(&layer, &index) {
            Ok(entry) => entries.push(reduce(&entry)),
            Err(_) => console::warn(format_args!("dataLayer[{position}] threw when read; skipped")),
        }
    }
    entries
}

/// The wrapped `dataLayer.push`; dropping it puts the page's own push back, so the page's
/// pushes keep working after the agent stops.
pub struct Watch {
    layer: JsValue,
    original: Function,
    /// An array inherits `push`; then restoring means removing the agent's own property.
    had_own_push: bool,
    wrapper: JsValue,
    active: Rc<Cell<bool>>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.active.set(false);
        let push = JsValue::from_str("push");
        // A tag manager that wrapped the agent's push since keeps its wrapper, which now
        // passes straight through to the page's push.
        if Reflect::get(&self.layer, &push).is_ok_and(|current| current == self.wrapper) {
            let _ = if self.had_own_push {
                Reflect::set(&self.layer, &push, &self.original)
            } else {
                Reflect::delete_property(self.layer.unchecked_ref::<Object>(), &push)
            };
        }
    }
}

/// Wraps `dataLayer.push` so that `on_entry` sees each entry after the page's push ran. A
/// missing dataLayer is created as an array; one that cannot take pushes is left alone.
pub fn watch(on_entry: impl Fn(JsValue) + 'static) -> Option<Watch> {
    let window = web_sys::window()?;
    let layer = match Reflect::get(&window, &"dataLayer".into()) {
        Ok(layer) if layer.is_undefined() || layer.is_null() => {
            let layer: JsValue = Array::new().into();
            Reflect::set(&window, &"dataLayer".into(), &layer).ok()?;
            layer
        }
        Ok(layer) => layer,
        Err(_) => {
            console::warn("reading window.dataLayer threw; its events are not picked up");
            return None;
        }
    };
    let push = JsValue::from_str("push");
    let original = layer
        .is_object()
        .then(|| Reflect::get(&layer, &push).ok())
        .flatten()
        .and_then(|push| push.dyn_into::<Function>().ok());
    let Some(original) = original else {
        console::warn("window.dataLayer has no push function; its events are not picked up");
        return None;
    };
    let had_own_push = js::own_property(&layer, "push").is_ok_and(|own| own.is_some());

    let active = Rc::new(Cell::new(true));
    let reading = active.clone();
    let apply = move |target: JsValue, this: JsValue, args: JsValue| {
        let args: Array = args.unchecked_into();
        let result = Reflect::apply(target.unchecked_ref::<Function>(), &this, &args)?;
        if reading.get() {
            args.iter().for_each(|entry| on_entry(reduce(&entry)));
        }
        Ok(result)
    };
    // Never freed: a tag manager may keep the wrapper after the agent stopped, and calling a
    // freed closure would throw into the page. After `stop()` it only passes pushes through.
    let trap = Closure::<ApplyTrap>::new(apply).into_js_value();
    let handler = Object::new();
    Reflect::set(&handler, &"apply".into(), &trap).ok()?;
    // A Proxy rather than a new function: it is called with the caller's `this` and every
    // argument, and it keeps the page's push's name and length for code that inspects them.
    let wrapper: JsValue = Proxy::new(&original, &handler).into();
    if Reflect::set(&layer, &push, &wrapper) != Ok(true) {
        console::warn("window.dataLayer.push cannot be wrapped; its events are not picked up");
        return None;
    }
    Some(Watch { layer, original, had_own_push, wrapper, active })
}

/// `gtag()` pushes its `arguments` object, which is list-like but not an array; it becomes one.
/// Objects pass as they are: the conversion to data skips what is not data, such as callbacks,
/// and reports what throws when read.
fn reduce(entry: &JsValue) -> JsValue {
    let is_arguments = entry.is_object()
        && js::is_array(entry) == Ok(false)
        && Reflect::get(entry, &"event".into()).is_ok_and(|event| event.is_undefined())
        && Reflect::get(entry, &"length".into()).is_ok_and(|length| length.as_f64().is_some());
    let list = if is_arguments { js::array_from(entry).ok() } else { None };
    list.map_or_else(|| entry.clone(), JsValue::from)
}
