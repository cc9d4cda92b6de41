//! LEB128 numbers as the Wasm binary format writes them, for the build's and the benchmark's
//! readers of a Wasm (src/web/wasm-order.mjs, bench/lib/stub-wasm.mjs). Build tools only: never
//! part of the agent.

/** An unsigned LEB128 at `at` in `bytes`: [value, position after it]. Throws when the number
 * runs past the end of the bytes (a truncated file). */
export function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    if (byte === undefined) throw new Error("a LEB128 number runs past the end of the Wasm");
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

/** `value` as an unsigned LEB128: its bytes. */
export function uleb(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return out;
}
