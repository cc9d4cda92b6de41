//! Picks up GA4 ecommerce events from `window.dataLayer`: those pushed before the agent loaded
//! and every push after, without changing what the dataLayer does for its other readers.
//!
//! The dataLayer is usually an array, but some tag managers make it an object with their own
//! `push`. Either way the agent keeps the page's object and wraps its `push`: the page's push
//! runs first with the same `this` and arguments, its return value (or exception) is the
//! caller's, and only then does the agent read the entries. Entries already in a non-array
//! dataLayer cannot be listed, so the agent sees only what is pushed after it started.

import { warn } from "./console.js";

/** Entries already in the dataLayer, each reduced to what the agent reads; empty unless the
 * dataLayer is an array. */
export function existing() {
  let layer, indices;
  try {
    layer = window.dataLayer;
    if (!Array.isArray(layer)) return [];
  } catch (error) {
    return [];
  }
  try {
    indices = Object.keys(layer);
  } catch (error) {
    warn("the dataLayer's entries could not be listed; only later pushes are read");
    return [];
  }
  const entries = [];
  for (const index of indices) {
    if (!/^\d+$/.test(index)) continue;
    try {
      entries.push(reduce(layer[index]));
    } catch (error) {
      warn("dataLayer[" + index + "] threw when read; skipped");
    }
  }
  return entries;
}

/** Wraps `dataLayer.push` so that `onEntry` sees each entry after the page's push ran, and
 * returns the function that puts the page's own push back. A missing dataLayer is created as
 * an array; one that cannot take pushes is left alone. */
export function watch(onEntry) {
  let layer;
  try {
    layer = window.dataLayer;
    if (layer === undefined || layer === null) layer = window.dataLayer = [];
  } catch (error) {
    warn("reading window.dataLayer threw; its events are not picked up");
    return null;
  }
  let original, hadOwnPush;
  try {
    original = layer !== null && typeof layer == "object" ? layer.push : undefined;
    hadOwnPush = typeof original == "function" && Object.prototype.hasOwnProperty.call(layer, "push");
  } catch (error) {}
  if (typeof original != "function") {
    warn("window.dataLayer has no push function; its events are not picked up");
    return null;
  }
  let active = true;
  // A Proxy rather than a new function: it is called with the caller's `this` and every
  // argument, and it keeps the page's push's name and length for code that inspects them.
  // Never undone by a tag manager that kept it: after stop it only passes pushes through.
  const wrapper = new Proxy(original, {
    apply(target, self, args) {
      const result = Reflect.apply(target, self, args);
      if (active) {
        for (const entry of args) onEntry(reduce(entry));
      }
      return result;
    },
  });
  try {
    layer.push = wrapper;
    if (layer.push !== wrapper) throw new Error();
  } catch (error) {
    warn("window.dataLayer.push cannot be wrapped; its events are not picked up");
    return null;
  }
  return () => {
    active = false;
    // A tag manager that wrapped the agent's push since keeps its wrapper, which now passes
    // straight through to the page's push.
    try {
      if (layer.push === wrapper) {
        if (hadOwnPush) layer.push = original;
        else delete layer.push;
      }
    } catch (error) {}
  };
}

/** Whether the page has Google's tags: a `gtag` function or a `dataLayer` (read before the
 * agent creates one). */
export function hasTags() {
  try {
    return typeof window.gtag == "function" || (window.dataLayer !== undefined && window.dataLayer !== null);
  } catch (error) {
    return false;
  }
}

/** Tells the page's Google tags a Consent Mode command, as `gtag('consent', command, state)`
 * does: through the page's `gtag`, else as the `arguments` object gtag would push. */
export function consent(command, state) {
  try {
    if (typeof window.gtag == "function") window.gtag("consent", command, state);
    else pushArguments("consent", command, state);
  } catch (error) {
    warn("the page's gtag or dataLayer threw on a consent " + command + "; its tags may not follow the choice");
  }
}

function pushArguments() {
  window.dataLayer.push(arguments);
}

/** `gtag()` pushes its `arguments` object, which is list-like but not an array; it becomes one.
 * Objects pass as they are: the conversion to data skips what is not data, such as callbacks,
 * and reports what throws when read. */
function reduce(entry) {
  try {
    if (entry !== null && typeof entry == "object" && !Array.isArray(entry) &&
      entry.event === undefined && typeof entry.length == "number") {
      return Array.from(entry);
    }
  } catch (error) {}
  return entry;
}
