//! The engine's Wasm module: instantiated from the loader's download, called with one JSON
//! string per call (see `src/bridge.rs` for the messages and `src/exports.rs` for the exports).

// Taken now: a page that replaces JSON later does not reach the agent's messages.
const { stringify, parse } = JSON;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Compiles the module while it streams in (when served as `application/wasm`). */
export async function instantiate(download) {
  const response = await download;
  if (!response || !response.ok) throw new Error("the agent's Wasm could not be downloaded");
  const streams = typeof WebAssembly.instantiateStreaming == "function" &&
    /^application\/wasm\b/.test(response.headers.get("content-type") || "");
  const { instance } = streams
    ? await WebAssembly.instantiateStreaming(response, {})
    : await WebAssembly.instantiate(await response.arrayBuffer(), {});
  return engine(instance.exports);
}

/** The engine's calls over the module's exports: messages in, effects out. */
function engine(exports) {
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
  };
}
