//! The engine's Wasm module: instantiated from the loader's download, called with one JSON
//! string per call (see `src/bridge.rs` for the messages and `src/exports.rs` for the exports),
//! answering with its effects and the documents they store.

// Taken now: a page that replaces JSON later does not reach the agent's messages.
const { stringify, parse } = JSON;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Instantiates the engine the loader compiled while it streamed in. */
export async function instantiate(compiled) {
  const module = await compiled;
  const instance = await WebAssembly.instantiate(module, {});
  return engine(instance.exports, module);
}

/** The effects of one call: a JSON array, then, from `documents`, after a line break, the
 * documents one after the other: `["store", key, length]` gets the next `length` characters of
 * them as its text (src/bridge.rs, `documents`). */
function effects(text) {
  const cut = text.indexOf("\n");
  if (cut < 0) return parse(text);
  const list = parse(text.slice(0, cut));
  let at = cut + 1;
  for (const effect of list) if (effect[0] == "store") effect[2] = text.slice(at, (at += effect[2]));
  return list;
}

/** The engine's calls over the module's exports: messages in, effects out. */
function engine(exports, module) {
  const call = (entry, message) => {
    const bytes = encoder.encode(stringify(message));
    const at = exports.concierge_alloc(bytes.length);
    // The view is made after the allocation, which may have grown (and moved) the memory.
    new Uint8Array(exports.memory.buffer, at, bytes.length).set(bytes);
    const length = entry(at, bytes.length);
    return effects(decoder.decode(new Uint8Array(exports.memory.buffer, exports.concierge_output(), length)));
  };
  return {
    start: (request) => call(exports.concierge_start, request),
    handle: (request) => call(exports.concierge_handle, request),
    /** The documents of the entries `keys` the engine stored: `["store", key, text]` each (its
     * `store` effects name only the key; storage is written later, `storage.js`). */
    documents: (keys) => call(exports.concierge_handle, { in: [["documents", keys]] }),
    stop: () => exports.concierge_stop(),
    memoryBytes: () => exports.memory.buffer.byteLength,
    /** A second instance of the module, for a warm-up: V8 compiles a Wasm function on its
     * first call, on the calling thread, and the code is the module's, shared by its instances
     * (issue 8). Never throws: an instantiation that does (a page's own `WebAssembly`) rejects. */
    spare: () =>
      Promise.resolve()
        .then(() => WebAssembly.instantiate(module, {}))
        .then((spare) => engine(spare.exports, module)),
  };
}
