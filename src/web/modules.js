//! Lazy modules: parts of the agent most visitors never use, fetched only when needed (or
//! prefetched when the browser is idle) instead of with the core (docs/architecture.md).
//!
//! A module is an ES module of its own, `www/concierge/modules/<name>.js` beside `pkg/` (built
//! by `bundle.mjs`, held to its own budget by `build.sh`), imported with `import()` of a URL on
//! the agent's own origin: a strict CSP needs nothing beyond `'self'` (and `'wasm-unsafe-eval'`
//! for a module that brings Wasm), and `import()` is no Trusted Types sink. A module imports
//! nothing of the core; what it needs is passed to its functions. A failed import is one
//! warning and is forgotten, so the next need tries again; nothing else waits for it.

import { describeThrown } from "./data.js";
import { warn } from "./console.js";

/** Where modules live: `../modules/` from the shell's own URL (`pkg/concierge.js`). */
const BASE = new URL("../modules/", import.meta.url);
/** Each module's import, by name, while it is loading or loaded. */
const imports = new Map();
/** Failed imports so far: a retry asks for a URL of its own, because a browser may keep a
 * failed module import for the page's life and answer the same URL with the same failure. */
let failures = 0;

/** The module `name`, imported once per page; rejects (after one warning) when it cannot be
 * fetched or run, and the next call tries again. */
export function load(name) {
  let loading = imports.get(name);
  if (!loading) {
    loading = import(new URL(name + ".js" + (failures ? "?retry=" + failures : ""), BASE).href);
    loading.catch((error) => {
      imports.delete(name);
      failures++;
      warn("the " + name + " module could not be loaded (" + describeThrown(error) + "); tried again when next needed");
    });
    imports.set(name, loading);
  }
  return loading;
}

/** Loads `name` when the browser is next idle: warm for a visitor who is likely to need it. */
export function prefetch(name) {
  if (imports.has(name)) return;
  const idle = window.requestIdleCallback || ((run) => setTimeout(run, 1));
  try {
    idle(() => load(name).catch(() => {}));
  } catch (error) {}
}
