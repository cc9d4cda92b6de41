//! `localStorage`, reached only through engine effects, and its `storage` event across tabs.
//!
//! One entry per stored section and per queued event (`src/stored.rs` has the format); this
//! module only lists, reads, writes and removes keys. Every call is guarded: storage may be
//! missing or throw (disabled cookies, sandboxed frames, quota), and then the agent works from
//! memory.

import { warn } from "./console.js";

function area() {
  try {
    return window.localStorage || null;
  } catch (error) {
    return null;
  }
}

/** Every `concierge:` entry as `[key, text]`; the engine picks its site's and reads them. */
export function entries() {
  const storage = area();
  const found = [];
  if (!storage) return found;
  try {
    for (let index = 0; index < storage.length; index++) {
      const key = storage.key(index);
      if (key && key.startsWith("concierge:")) found.push([key, storage.getItem(key)]);
    }
  } catch (error) {}
  return found;
}

export function store(key, text) {
  const storage = area();
  if (!storage) return;
  try {
    storage.setItem(key, text);
  } catch (error) {
    warn("local storage refused the write (quota or privacy settings); kept in memory");
  }
}

export function erase(key) {
  try {
    const storage = area();
    if (storage) storage.removeItem(key);
  } catch (error) {}
}

/** Erases every entry of the site (`prefix`), and the whole-state entry of older agents. */
export function wipe(prefix, legacyKey) {
  for (const [key] of entries()) {
    if (key.startsWith(prefix) || key === legacyKey) erase(key);
  }
}

/** Calls `onChange(key, newText)` when another tab changes storage (`key` null: cleared). */
export function watch(onChange) {
  const listener = (event) => {
    if (event.storageArea && event.storageArea !== area()) return;
    if (event.key === null || event.key.startsWith("concierge:")) onChange(event.key, event.newValue);
  };
  window.addEventListener("storage", listener);
  return () => window.removeEventListener("storage", listener);
}
