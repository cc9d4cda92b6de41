//! Helpers that set up and inspect the test page the way a shop's page would be.

use js_sys::{Array, Function, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, ShadowRoot, Storage, Window};

/// The stored cart section of the test site.
pub const CART_KEY: &str = "concierge:test:cart";
/// Where agents before sections kept the whole state: seeding it also exercises the migration.
pub const LEGACY_KEY: &str = "concierge:v1:test";

pub fn window() -> Window {
    web_sys::window().expect("a window")
}

pub fn storage() -> Storage {
    window().local_storage().unwrap().unwrap()
}

pub fn json(text: &str) -> JsValue {
    JSON::parse(text).expect("test JSON is valid")
}

/// Stops any agent and clears what the previous test left.
pub fn reset() {
    concierge::web::stop();
    storage().clear().unwrap();
    for name in ["concierge", "dataLayer"] {
        Reflect::delete_property(&window(), &name.into()).unwrap();
    }
}

/// Installs the documented stub and queues calls on it, as a page does before the agent loads.
pub fn queue(calls: &[&[JsValue]]) {
    let queue = Array::new();
    for call in calls {
        queue.push(&call.iter().collect::<Array>());
    }
    let stub = Function::new_no_args("");
    Reflect::set(&stub, &"q".into(), &queue).unwrap();
    Reflect::set(&window(), &"concierge".into(), &stub).unwrap();
}

pub fn settings() -> JsValue {
    json(r#"{"site":"test","currency":"EUR","locale":"en-GB","checkoutPath":"/checkout/"}"#)
}

pub fn start() {
    concierge::web::start(settings(), Some("en".into()), JsValue::UNDEFINED);
}

/// What the agent says on `console.warn` while `body` runs, each message as one string.
pub fn warnings_during(body: impl FnOnce()) -> Vec<String> {
    let console = Reflect::get(&window(), &"console".into()).unwrap();
    let original = Reflect::get(&console, &"warn".into()).unwrap();
    let heard = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = heard.clone();
    let capture =
        wasm_bindgen::closure::Closure::<dyn Fn(JsValue)>::new(move |message: JsValue| {
            sink.borrow_mut().push(message.as_string().unwrap_or_else(|| format!("{message:?}")));
        });
    Reflect::set(&console, &"warn".into(), capture.as_ref()).unwrap();
    body();
    Reflect::set(&console, &"warn".into(), &original).unwrap();
    heard.take()
}

/// Calls `window.concierge(...)` as the page would.
pub fn concierge(args: &[JsValue]) {
    let function: Function =
        Reflect::get(&window(), &"concierge".into()).unwrap().dyn_into().unwrap();
    function.apply(&JsValue::NULL, &args.iter().collect::<Array>()).unwrap();
}

pub fn shadow() -> Option<ShadowRoot> {
    window().document()?.get_element_by_id("concierge-root")?.shadow_root()
}

pub fn view(kind: &str) -> Option<Element> {
    shadow()?.query_selector(&format!("[data-view={kind}]")).ok().flatten()
}

pub fn texts(root: &Element, selector: &str) -> Vec<String> {
    let nodes = root.query_selector_all(selector).unwrap();
    (0..nodes.length()).filter_map(|i| nodes.item(i)?.text_content()).collect()
}

pub fn click(root: &Element, selector: &str) {
    let control: web_sys::HtmlElement =
        root.query_selector(selector).unwrap().expect(selector).dyn_into().unwrap();
    control.click();
}

/// The stored cart section (cart lines, dismissal and visit times).
pub fn stored() -> Option<JsValue> {
    storage().get_item(CART_KEY).unwrap().map(|text| json(&text))
}

/// Every key the agent stored for the test site.
pub fn stored_keys() -> Vec<String> {
    let storage = storage();
    (0..storage.length().unwrap())
        .filter_map(|i| storage.key(i).unwrap())
        .filter(|key| key.starts_with("concierge:test:") || key == LEGACY_KEY)
        .collect()
}

pub fn get(value: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(value.clone(), |value, key| match key.parse::<u32>() {
        Ok(index) => Reflect::get_u32(&value, index).unwrap(),
        Err(_) => Reflect::get(&value, &key.into()).unwrap(),
    })
}

pub fn add_to_cart(id: &str, name: &str, price: f64, quantity: u32) -> [JsValue; 3] {
    let params = js_sys::Object::new();
    let item = js_sys::Object::new();
    Reflect::set(&item, &"item_id".into(), &id.into()).unwrap();
    Reflect::set(&item, &"item_name".into(), &name.into()).unwrap();
    Reflect::set(&item, &"price".into(), &price.into()).unwrap();
    Reflect::set(&item, &"quantity".into(), &quantity.into()).unwrap();
    Reflect::set(&params, &"items".into(), &Array::of1(&item)).unwrap();
    ["track".into(), "add_to_cart".into(), params.into()]
}

/// A stored state as an earlier visit left it: consent given, the cart untouched for `idle_ms`.
pub fn seed_abandoned_cart(lines: &str, idle_ms: f64) {
    let then = js_sys::Date::now() - idle_ms;
    let text = format!(
        r#"{{"v":1,"consent":{{"storage":"granted","analytics":"granted","at":{then}}},
            "cart":{{"currency":"EUR","updated":{then},"lines":{lines}}},"seen":{then}}}"#
    );
    storage().set_item(LEGACY_KEY, &text).unwrap();
}
