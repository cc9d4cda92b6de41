//! The `tcf` lazy module, loaded only on pages with an IAB TCF consent manager: compiles its
//! own Wasm (`modules/tcf.wasm`, from the `modules/tcf` crate) and exports `decode(tcString,
//! vendorId)`, which answers what the engine's mapping reads from the TC string, or
//! `{ error }` with the decoder's reason. It imports nothing of the core (bundle.mjs checks).

import { instantiateWasm } from "./module-wasm.js";

// Taken now: a page that replaces JSON later does not reach the module's answers.
const { parse } = JSON;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

let exports;

/** Settled once the Wasm is compiled and instantiated (the loader's same streaming path). */
export const ready = instantiateWasm(new URL("tcf.wasm", import.meta.url)).then((own) => {
  exports = own;
});

/** The TC string decoded for the policy's vendor (`null`: none), as the engine's `["tcf"]`
 * input carries it. */
export function decode(tcString, vendorId) {
  const bytes = encoder.encode(tcString);
  const at = exports.tcf_alloc(bytes.length);
  // The view is made after the allocation, which may have grown (and moved) the memory.
  new Uint8Array(exports.memory.buffer, at, bytes.length).set(bytes);
  const length = exports.tcf_decode(at, bytes.length, vendorId || 0);
  return parse(decoder.decode(new Uint8Array(exports.memory.buffer, exports.tcf_output(), length)));
}
