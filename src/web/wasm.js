//! The engine's Wasm module: instantiated from the loader's download, called with one JSON
//! string per call (see `src/bridge.rs` for the messages and `src/exports.rs` for the exports).

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

/** The engine's calls over the module's exports: messages in, effects out. */
function engine(exports, module) {
  const call = (entry, message) => {
    const bytes = encoder.encode(stringify(message));
    const at = exports.concierge_alloc(bytes.length);
    // The view is made after the allocation, which may have grown (and moved) the memory.
    new Uint8Array(exports.memory.buffer, at, bytes.length).set(bytes);
    const length = entry(at, bytes.length);
    return parse(decoder.decode(new Uint8Array(exports.memory.buffer, exports.concierge_output(), length)));
  };
  return {
    start: (request) => call(exports.concierge_start, request),
    handle: (request) => call(exports.concierge_handle, request),
    stop: () => exports.concierge_stop(),
    memoryBytes: () => exports.memory.buffer.byteLength,
    /** A second instance of the module, for a warm-up: V8 compiles a Wasm function on its
     * first call, on the calling thread, and the code is the module's, shared by its instances
     * (issue 8). */
    spare: () => WebAssembly.instantiate(module, {}).then((spare) => engine(spare.exports, module)),
  };
}
