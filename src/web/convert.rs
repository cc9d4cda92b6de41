//! Page values to [`Value`] and back, by walking them with `Reflect`.
//!
//! A direct walk rather than serde-wasm-bindgen: it is a fraction of the code size, and it can
//! skip what is not data (functions such as GTM's `eventCallback`) instead of failing whole.
//!
//! Only own enumerable properties are read (`Object.keys`), for arrays too: a polluted
//! `Object.prototype` or `Array.prototype` adds nothing. Every read is a catching call, so a
//! Proxy trap or getter that throws makes the value unreadable instead of escaping.

use super::js;
use crate::value::Value;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

/// Deeper nesting than this is not GA4 data; it also stops a cyclic object from recursing.
const MAX_DEPTH: usize = 16;

/// Why a page value could not be read as data.
#[derive(Debug, PartialEq, Eq)]
pub enum Unreadable {
    TooDeep,
    NotData(&'static str),
    /// Listing the keys (`None`) or reading the named field threw.
    Threw(Option<String>),
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreadable::TooDeep => write!(f, "it is nested more than {MAX_DEPTH} levels deep"),
            Unreadable::NotData(kind) => write!(f, "it is {kind}, not data"),
            Unreadable::Threw(None) => write!(f, "listing its fields threw"),
            Unreadable::Threw(Some(field)) => write!(f, "reading its field \"{field}\" threw"),
        }
    }
}

pub fn from_js(value: &JsValue) -> Result<Value, Unreadable> {
    read(value, 0)
}

fn read(value: &JsValue, depth: usize) -> Result<Value, Unreadable> {
    if depth > MAX_DEPTH {
        return Err(Unreadable::TooDeep);
    }
    if value.is_null() || value.is_undefined() {
        return Ok(Value::Null);
    }
    if let Some(flag) = value.as_bool() {
        return Ok(Value::Bool(flag));
    }
    if let Some(number) = value.as_f64() {
        return Ok(Value::Number(number));
    }
    if let Some(text) = value.as_string() {
        return Ok(Value::String(text));
    }
    if value.is_function() {
        return Err(Unreadable::NotData("a function"));
    }
    if !value.is_object() {
        return Err(Unreadable::NotData("a symbol or a bigint"));
    }
    let keys = js::own_keys(value).map_err(|_| Unreadable::Threw(None))?;
    let is_array = js::is_array(value).map_err(|_| Unreadable::Threw(None))?;
    let mut items = Vec::new();
    let mut fields = Vec::new();
    for key in keys.iter() {
        let Some(name) = key.as_string() else { continue };
        // An array's own keys list its indices first, in order; holes are skipped, and other
        // own properties (a regex match's `index`) are not items.
        if is_array && name.parse::<u32>().is_err() {
            continue;
        }
        let field = Reflect::get(value, &key).map_err(|_| Unreadable::Threw(Some(name.clone())))?;
        match read(&field, depth + 1) {
            Ok(field) if is_array => items.push(field),
            Ok(field) => fields.push((name, field)),
            // Callbacks ride along in GA4 pushes; they are not the agent's business.
            Err(Unreadable::NotData(_)) if !is_array => {}
            Err(problem) => return Err(problem),
        }
    }
    if is_array {
        return Ok(Value::Array(items));
    }
    Ok(Value::Object(fields))
}

/// Engine data out to the page as plain objects and arrays, ready for `JSON.stringify`.
pub fn to_js(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(flag) => JsValue::from_bool(*flag),
        Value::Number(number) => JsValue::from_f64(*number),
        Value::String(text) => JsValue::from_str(text),
        Value::Array(items) => items.iter().map(to_js).collect::<Array>().into(),
        Value::Object(fields) => {
            let object = Object::new();
            for (key, field) in fields {
                let _ = Reflect::set(&object, &JsValue::from_str(key), &to_js(field));
            }
            object.into()
        }
    }
}
