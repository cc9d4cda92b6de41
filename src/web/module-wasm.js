//! A lazy module's own Wasm: fetched from beside the module's file, compiled while it streams in
//! (when the server names it `application/wasm`, else from its bytes), instantiated with no
//! imports. Bundled into each module that brings a Wasm (`tcf`, `assistant`): modules share no
//! code at run time, with the core or with each other.

/** The exports of the Wasm at `url` (a `URL` beside the module: `new URL("x.wasm", import.meta.url)`). */
export function instantiateWasm(url) {
  return fetch(url)
    .then((response) => {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return /^application\/wasm/.test(response.headers.get("content-type")) && WebAssembly.compileStreaming
        ? WebAssembly.compileStreaming(response)
        : response.arrayBuffer().then((bytes) => WebAssembly.compile(bytes));
    })
    .then((compiled) => WebAssembly.instantiate(compiled, {}))
    .then((instance) => instance.exports);
}
