//! `localStorage`, reached only through engine effects, and its `storage` event across tabs.
//!
//! One entry per stored section and per queued event (`src/stored.rs` has the format); this
//! module only lists, reads, writes and removes keys. Every call is guarded: storage may be
//! missing or throw (disabled cookies, sandboxed frames, quota), and then the agent works from
//! memory.
//!
//! Writes are deferred to a task of their own: the engine's effects of one call (a cart
//! section, an event entry, the outbox's bookkeeping) are kept in order in `pending`, the last
//! write of a key wins, and they reach storage right after the page's own handler has finished,
//! or at once when the page is hidden or the agent stops. The engine's state is in memory, so
//! nothing waits for them; another tab hears them a few milliseconds later. The engine's
//! `store` effects name the key only: the documents are asked of it when they are written (one
//! per key however many calls changed it), not encoded on each call (issue 8).

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

/** Entries waiting to be written: key to text, `UNWRITTEN` (its text asked of the engine when
 * written), or `null` to remove it. */
const pending = new Map();
const UNWRITTEN = {};
let scheduled = false;
/** The engine's documents of the entries `keys` it stored (`["store", key, text]` each), set by
 * `main.js`. */
let documents = () => [];

/** `text`, or, without one, the engine's document for `key` at the time of writing: a burst of
 * calls that change an entry each time has its document encoded once, after the calls. */
export function store(key, text) {
  defer(key, text === undefined ? UNWRITTEN : text);
}

export function documentsFrom(source) {
  documents = source;
}

export function erase(key) {
  defer(key, null);
}

function defer(key, text) {
  pending.delete(key);
  pending.set(key, text);
  if (scheduled) return;
  scheduled = true;
  try {
    setTimeout(flush, 0);
  } catch (error) {
    flush();
  }
}

/** Writes what is pending, in the order it was asked for. */
export function flush() {
  scheduled = false;
  if (!pending.size) return;
  const writes = Array.from(pending);
  pending.clear();
  // Asked even where storage is missing: the engine keeps each record until it is.
  const texts = new Map();
  const keys = writes.filter(([, text]) => text === UNWRITTEN).map(([key]) => key);
  if (keys.length) {
    try {
      // Newest first: the first of a key is its latest.
      for (const [, key, text] of documents(keys)) if (!texts.has(key)) texts.set(key, text);
    } catch (error) {}
  }
  const storage = area();
  if (!storage) return;
  let refused = false;
  for (let [key, text] of writes) {
    if (text === UNWRITTEN && (text = texts.get(key)) === undefined) continue;
    try {
      if (text === null) storage.removeItem(key);
      else storage.setItem(key, text);
    } catch (error) {
      refused = refused || text !== null;
    }
  }
  if (refused) warn("local storage refused the write (quota or privacy settings); kept in memory");
}

/** Erases every entry of the site (`prefix`), and the whole-state entry of older agents. */
export function wipe(prefix, legacyKey) {
  const ours = (key) => key.startsWith(prefix) || key === legacyKey;
  for (const key of Array.from(pending.keys())) if (ours(key)) pending.delete(key);
  const storage = area();
  for (const [key] of entries()) {
    try {
      if (ours(key)) storage.removeItem(key);
    } catch (error) {}
  }
}

/** Calls `onChange(key, newText)` when another tab changes storage (`key` null: cleared). */
export function watch(onChange) {
  const listener = (event) => {
    if (event.storageArea && event.storageArea !== area()) return;
    if (event.key !== null && !event.key.startsWith("concierge:")) return;
    // Another tab's write (or erasure, or a cleared storage) is newer than what this tab has
    // waiting for the same key: this tab's older write must not land over it.
    if (event.key === null) pending.clear();
    else pending.delete(event.key);
    onChange(event.key, event.newValue);
  };
  try {
    window.addEventListener("storage", listener);
  } catch (error) {}
  return () => window.removeEventListener("storage", listener);
}
