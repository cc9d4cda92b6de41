//! `localStorage`, reached only through engine effects, and its `storage` event across tabs.

use super::console;
use crate::engine::Snapshot;
use crate::stored;
use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{Storage, StorageEvent};

/// `localStorage` can be missing or throw (disabled cookies, sandboxed frames): then the
/// agent works from memory for this page, as if storage had been refused.
fn local_storage() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Reads this site's stored snapshot. A damaged document is reported and ignored.
pub fn load(key: &str) -> Option<Snapshot> {
    let text = local_storage()?.get_item(key).ok().flatten()?;
    decode_text(&text)
}

fn decode_text(text: &str) -> Option<Snapshot> {
    let parsed = match js_sys::JSON::parse(text) {
        Ok(parsed) => parsed,
        Err(_) => {
            console::warn(stored::StoredError::NotJson("JSON.parse failed".into()));
            return None;
        }
    };
    let value = match super::convert::from_js(&parsed) {
        Ok(value) => value,
        Err(problem) => {
            console::warn(stored::StoredError::NotJson(problem.to_string()));
            return None;
        }
    };
    match stored::decode(&value) {
        Ok((snapshot, dropped)) => {
            dropped.iter().for_each(console::warn);
            Some(snapshot)
        }
        Err(error) => {
            console::warn(format_args!("{error}; it was discarded"));
            None
        }
    }
}

pub fn save(key: &str, snapshot: &Snapshot) {
    let Some(storage) = local_storage() else {
        return;
    };
    let text = js_sys::JSON::stringify(&super::convert::to_js(&stored::encode(snapshot)))
        .ok()
        .and_then(|text| text.as_string());
    let Some(text) = text else {
        console::warn("the cart could not be serialised; not saved");
        return;
    };
    if storage.set_item(key, &text).is_err() {
        console::warn(
            "local storage refused the write (quota or privacy settings); kept in memory",
        );
    }
}

pub fn wipe(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
    }
}

/// Calls `on_change` when another tab writes or erases this key (`None`: erased).
pub fn watch(key: String, on_change: impl Fn(Option<Snapshot>) + 'static) -> Option<EventListener> {
    let window = web_sys::window()?;
    Some(EventListener::new(&window, "storage", move |event| {
        let Some(event) = event.dyn_ref::<StorageEvent>() else {
            return;
        };
        // A `null` key means the whole storage was cleared.
        if event.key().is_some_and(|changed| changed != key) {
            return;
        }
        on_change(event.new_value().as_deref().and_then(decode_text));
    }))
}
