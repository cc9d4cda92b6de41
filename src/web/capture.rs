//! Picks up GA4 ecommerce events from `window.dataLayer`: those pushed before the agent loaded
//! and every push after, without changing what the dataLayer does for its other readers.

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// The replacement `dataLayer.push`; GA4 and gtag push one entry at a time, rarely more.
pub type PushWrapper = Closure<dyn Fn(JsValue, JsValue, JsValue) -> JsValue>;

/// Entries already in the dataLayer, each reduced to what the agent reads.
pub fn existing() -> Vec<JsValue> {
    data_layer().map(|layer| layer.iter().map(|entry| reduce(&entry)).collect()).unwrap_or_default()
}

/// The wrapped `dataLayer.push`; dropping it puts the original back, so the page's own
/// pushes keep working after the agent stops.
pub struct Watch {
    layer: Array,
    original: Function,
    _wrapper: PushWrapper,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = Reflect::set(&self.layer, &"push".into(), &self.original);
    }
}

/// Wraps `dataLayer.push` so that `on_entry` sees each entry after the original push ran.
pub fn watch(on_entry: impl Fn(JsValue) + 'static) -> Option<Watch> {
    let window = web_sys::window()?;
    let layer = match data_layer() {
        Some(layer) => layer,
        None => {
            let layer = Array::new();
            Reflect::set(&window, &"dataLayer".into(), &layer).ok()?;
            layer
        }
    };
    let original: Function = Reflect::get(&layer, &"push".into()).ok()?.dyn_into().ok()?;
    let target = layer.clone();
    let kept = original.clone();
    let wrapper = PushWrapper::new(move |first: JsValue, second: JsValue, third: JsValue| {
        let entries: Vec<JsValue> =
            [first, second, third].into_iter().filter(|entry| !entry.is_undefined()).collect();
        let args = entries.iter().collect::<Array>();
        let result = kept.apply(&target, &args).unwrap_or(JsValue::UNDEFINED);
        for entry in &entries {
            on_entry(reduce(entry));
        }
        result
    });
    Reflect::set(&layer, &"push".into(), wrapper.as_ref()).ok()?;
    Some(Watch { layer, original, _wrapper: wrapper })
}

fn data_layer() -> Option<Array> {
    let window = web_sys::window()?;
    Reflect::get(&window, &"dataLayer".into()).ok()?.dyn_into().ok()
}

/// `gtag()` pushes its `arguments` object, which is list-like but not an array; it becomes one.
/// Objects pass as they are: the conversion to data skips what is not data, such as callbacks.
fn reduce(entry: &JsValue) -> JsValue {
    let is_arguments = entry.is_object()
        && !Array::is_array(entry)
        && Reflect::get(entry, &"event".into()).is_ok_and(|event| event.is_undefined())
        && Reflect::get(entry, &"length".into()).is_ok_and(|length| length.as_f64().is_some());
    if is_arguments {
        Array::from(entry).into()
    } else {
        entry.clone()
    }
}
