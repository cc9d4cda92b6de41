//! Lazy modules: parts of the agent most visitors never use, fetched only when the engine asks
//! for one (`["load", name]`) instead of with the core (docs/architecture.md, "Lazy modules").
//!
//! A module is an ES module of its own, `www/concierge/modules/<name>.js` beside `pkg/` (built
//! by `bundle.mjs`, held to its own budget by `build.sh`), imported with `import()` of a URL on
//! the agent's own origin: a strict CSP needs nothing beyond `'self'` (and `'wasm-unsafe-eval'`
//! for a module that brings Wasm), and `import()` is no Trusted Types sink. A module imports
//! nothing of the core. One that brings a Wasm exports `ready`, a promise settled once its
//! Wasm is compiled: the module is loaded when both are. A failed load is one warning and is
//! forgotten, so the next need tries again; nothing else waits for it.

import { describeThrown } from "./data.js";
import { warn } from "./console.js";

/** Each module's load, by name, while it is loading or loaded. */
const loads = new Map();
/** Failed loads so far: a retry asks for a URL of its own, because a browser may keep a failed
 * module import for the page's life and answer the same URL with the same failure. */
let failures = 0;

/** The module `name`, loaded once per page; rejects (after one warning) when it cannot be
 * fetched or run, and the next call tries again. */
export function load(name) {
  let loading = loads.get(name);
  if (!loading) {
    // `../modules/` from the shell's own URL (`pkg/concierge.js`).
    const url = new URL("../modules/" + name + ".js" + (failures ? "?retry=" + failures : ""), import.meta.url);
    loading = import(url.href).then((module) => Promise.resolve(module.ready).then(() => module));
    loading.catch((error) => {
      loads.delete(name);
      failures++;
      warn("the " + name + " module could not be loaded (" + describeThrown(error) + "); tried again when next needed");
    });
    loads.set(name, loading);
  }
  return loading;
}
