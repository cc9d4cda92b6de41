//! `localStorage`, reached only through engine effects, and its `storage` event across tabs.
//!
//! One entry per stored section and per queued event (`crate::stored` has the format); this
//! module only reads, writes and lists keys. Every call is guarded: storage may be missing or
//! throw (disabled cookies, sandboxed frames, quota), and then the agent works from memory.

use super::console;
use crate::engine::persist::{Key, Record, StorageChange, Stored};
use crate::stored;
use crate::value::Value;
use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{Storage, StorageEvent};

fn local_storage() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn parse(text: &str) -> Option<Value> {
    let parsed = js_sys::JSON::parse(text).ok()?;
    super::convert::from_js(&parsed).ok()
}

/// This site's keys as storage lists them.
fn site_keys(storage: &Storage, site: &str) -> Vec<(String, Key)> {
    let count = storage.length().unwrap_or(0);
    (0..count)
        .filter_map(|index| storage.key(index).ok().flatten())
        .filter_map(|name| stored::parse_key(site, &name).map(|key| (name, key)))
        .collect()
}

/// Reads everything this site stored. Damaged entries are reported and ignored; entries in a
/// newer format are reported and left alone.
pub fn load(site: &str) -> Stored {
    let Some(storage) = local_storage() else { return Stored::default() };
    let entries = site_keys(&storage, site)
        .into_iter()
        .map(|(name, key)| {
            let value = storage.get_item(&name).ok().flatten().and_then(|text| parse(&text));
            (key, value)
        })
        .collect();
    let (stored, warnings) = stored::assemble(entries);
    warnings.iter().for_each(console::warn);
    stored
}

pub fn store(site: &str, record: &Record) {
    let Some(storage) = local_storage() else { return };
    // Written as JSON text in Wasm: one string crosses to the page, not an object per field.
    let text = stored::encode(record).to_json();
    if storage.set_item(&stored::key(site, &record.key()), &text).is_err() {
        console::warn(
            "local storage refused the write (quota or privacy settings); kept in memory",
        );
    }
}

pub fn erase(site: &str, key: &Key) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(&stored::key(site, key));
    }
}

/// Erases every entry of the site, whatever its format.
pub fn wipe(site: &str) {
    let Some(storage) = local_storage() else { return };
    for (name, _) in site_keys(&storage, site) {
        let _ = storage.remove_item(&name);
    }
}

/// Calls `on_change` when another tab writes or erases one of this site's entries.
pub fn watch(site: String, on_change: impl Fn(StorageChange) + 'static) -> Option<EventListener> {
    let window = web_sys::window()?;
    Some(EventListener::new(&window, "storage", move |event| {
        let Some(event) = event.dyn_ref::<StorageEvent>() else { return };
        // A `null` key means the whole storage was cleared.
        let Some(name) = event.key() else {
            return on_change(StorageChange::Cleared);
        };
        let Some(key) = stored::parse_key(&site, &name) else { return };
        if key == Key::Legacy {
            return;
        }
        let Some(text) = event.new_value() else {
            return on_change(StorageChange::Removed(key));
        };
        let Some(value) = parse(&text) else {
            return console::warn(format_args!(
                "another tab stored {name} as something that is not JSON; ignored"
            ));
        };
        match stored::decode(&key, &value) {
            Ok(read) => on_change(StorageChange::Put(read.record)),
            Err(error) if error.is_foreign() => {
                if let Key::Section(section) = key {
                    on_change(StorageChange::Foreign(section));
                }
            }
            Err(error) => {
                console::warn(format_args!("another tab stored {name}: {error}; ignored"))
            }
        }
    }))
}
