// Benchmark, what a feature adds to the core's Wasm: `node bench/lib/stub-wasm.mjs IN.wasm OUT.wasm LIST.json` writes IN with the body of each of the interest model's own functions (picked by its demangled name in IN's name section) replaced by one that returns zeros, and lists them in LIST.json; build.sh then optimises OUT as it optimises the shipped Wasm, so whatever only those functions reached goes as dead code, and the gzip difference is what the model adds.
//
// Why bodies that return zeros rather than `unreachable`: binaryen inlines a one-instruction
// body, and after an inlined `unreachable` it deletes the rest of the caller's block as dead,
// which would take the core's own code that follows a call (the commerce event after its
// interests in the dataLayer reader, the cart after an observation) with it. A body that returns
// zeros leaves every caller whole: only the functions themselves and what they alone reach go.
// The Wasm is read section by section as src/web/wasm-order.mjs reads it; every byte outside the
// replaced bodies (and the code section's sizes) is kept as it was.

import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { demangle } from "./demangle.mjs";
import { leb, uleb } from "../../src/web/wasm-leb.mjs";

/**
 * The interest model's own code in the core (issue 12): functions whose path, or whose impl's
 * type, lies in one of `modules`, or that are one of `functions` (with their closures), or whose
 * impl's type is one of `types`. Generic library code instantiated for them (sorting affinities,
 * their vectors' growth, drop glue) is not named: it goes when nothing else calls it.
 */
export const INTEREST_MODEL = {
  modules: [
    "concierge::engine::interests", // the model: observations, decay, bound, top, explanations
    "concierge::engine::recommend", // "you may also like": the catalogue ranked by affinities
    "concierge_protocol::documents::catalogue", // the `catalogue` document, read only for that slot
  ],
  functions: [
    "concierge::wire::decode_interest", // what a GA4 event or track call tells the model
    "concierge::wire::decode_layer_interest",
    "concierge::wire::decode_page_interest", // the shell's JSON-LD products, search terms, dwell
    "concierge::wire::interest_product",
    "concierge::stored::encode_interests", // the stored `interests` section
    "concierge::stored::decode_interests",
    "concierge::bridge::interests_payload", // concierge('interests')
    "concierge::engine::targeting::interests_context", // the JSON Logic context's `interests`
    "concierge::engine::campaigns::recommendations", // the built-in recommendations slot
    "<concierge::engine::Agent>::interests_top", // the model's top as the server receives it
    "<concierge::engine::Agent>::record_interests",
  ],
  types: ["concierge_protocol::batch::Interest"], // the wire's `interests` payload entries
};

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\<>]/g, "\\$&");

/** A test of demangled names for a selection shaped like `INTEREST_MODEL`. */
export function selector({ modules = [], functions = [], types = [] }) {
  const own = modules.map((module) => new RegExp(`^<*${escape(module)}::`));
  const named = functions.map((name) => new RegExp(`^${escape(name)}(?:$|::)`));
  const typed = types.map((type) => new RegExp(`^<${escape(type)}(?:>| as )`));
  return (name) => [...own, ...named, ...typed].some((pattern) => pattern.test(name));
}

/** The sections: { id, at (its id byte), start (its content), end }. */
export function sections(bytes) {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error("stub-wasm: not a Wasm module");
  }
  const out = [];
  let at = 8;
  while (at < bytes.length) {
    const [size, start] = leb(bytes, at + 1);
    out.push({ id: bytes[at], at, start, end: start + size });
    at = start + size;
  }
  return out;
}

const text = (bytes, at) => {
  const [length, start] = leb(bytes, at);
  return [Buffer.from(bytes.subarray(start, start + length)).toString("utf8"), start + length];
};

/** How many functions the import section brings (they come first in the index space). */
function importedFunctions(bytes, section) {
  let [count, at] = leb(bytes, section.start);
  let functions = 0;
  const skipLimits = () => {
    const flags = bytes[at++];
    at = leb(bytes, at)[1];
    if (flags & 1) at = leb(bytes, at)[1];
  };
  while (count--) {
    at = text(bytes, at)[1];
    at = text(bytes, at)[1];
    const kind = bytes[at++];
    if (kind === 0) {
      functions++;
      at = leb(bytes, at)[1];
    } else if (kind === 1) {
      at++;
      skipLimits();
    } else if (kind === 2) skipLimits();
    else if (kind === 3) at += 2;
    else if (kind === 4) at = leb(bytes, at + 1)[1];
    else throw new Error(`stub-wasm: an import of unknown kind ${kind}`);
  }
  return functions;
}

/** Each function type's result types (one byte each: this project's Wasm has no typed references). */
function typeResults(bytes, section) {
  let [count, at] = leb(bytes, section.start);
  const results = [];
  while (count--) {
    if (bytes[at++] !== 0x60) throw new Error("stub-wasm: a type that is not a function type");
    let params;
    [params, at] = leb(bytes, at);
    at += params;
    let resultCount;
    [resultCount, at] = leb(bytes, at);
    results.push([...bytes.subarray(at, at + resultCount)]);
    at += resultCount;
  }
  return results;
}

/** The function names of the name section (subsection 1): Map index → name. */
export function functionNames(bytes) {
  const names = new Map();
  for (const section of sections(bytes)) {
    if (section.id !== 0) continue;
    const [title, after] = text(bytes, section.start);
    if (title !== "name") continue;
    let at = after;
    while (at < section.end) {
      const kind = bytes[at];
      const [size, start] = leb(bytes, at + 1);
      if (kind === 1) {
        let [count, entry] = leb(bytes, start);
        while (count--) {
          let index;
          let name;
          [index, entry] = leb(bytes, entry);
          [name, entry] = text(bytes, entry);
          names.set(index, name);
        }
      }
      at = start + size;
    }
  }
  return names;
}

/** The instructions that put a zero of each type on the stack. */
const ZERO = {
  0x7f: [0x41, 0x00], // i32.const 0
  0x7e: [0x42, 0x00], // i64.const 0
  0x7d: [0x43, 0, 0, 0, 0], // f32.const 0
  0x7c: [0x44, 0, 0, 0, 0, 0, 0, 0, 0], // f64.const 0
  0x70: [0xd0, 0x70], // ref.null func
  0x6f: [0xd0, 0x6f], // ref.null extern
};

/** A body with no locals that returns a zero of each result type. */
function zeroBody(results) {
  const code = [0x00];
  for (const type of results) {
    const zero = ZERO[type];
    if (!zero) throw new Error(`stub-wasm: no zero for the value type 0x${type.toString(16)}`);
    code.push(...zero);
  }
  code.push(0x0b);
  return code;
}

/**
 * `bytes` with the body of every function whose demangled name `pick` accepts replaced by one
 * that returns zeros. Returns { bytes, stubbed: [{ index, name, size (the old body's bytes) }] }.
 */
export function stubFunctions(bytes, pick) {
  const all = sections(bytes);
  const names = functionNames(bytes);
  if (!names.size) throw new Error("stub-wasm: the Wasm has no function names (name section): build it with `strip = false`");
  const imports = all.find((section) => section.id === 2);
  const first = imports ? importedFunctions(bytes, imports) : 0;
  const typeSection = all.find((section) => section.id === 1);
  const results = typeSection ? typeResults(bytes, typeSection) : [];
  const functionSection = all.find((section) => section.id === 3);
  const code = all.find((section) => section.id === 10);
  if (!functionSection || !code) throw new Error("stub-wasm: the Wasm has no functions");

  let [declared, at] = leb(bytes, functionSection.start);
  const typeOf = [];
  while (declared--) {
    let type;
    [type, at] = leb(bytes, at);
    typeOf.push(type);
  }

  let [count, position] = leb(bytes, code.start);
  const content = [...uleb(count)];
  const stubbed = [];
  for (let local = 0; local < count; local++) {
    const [length, body] = leb(bytes, position);
    const index = first + local;
    const name = names.has(index) ? demangle(names.get(index)) : null;
    if (name !== null && pick(name)) {
      const replacement = zeroBody(results[typeOf[local]]);
      content.push(...uleb(replacement.length), ...replacement);
      stubbed.push({ index, name, size: length });
    } else {
      for (let i = position; i < body + length; i++) content.push(bytes[i]);
    }
    position = body + length;
  }
  const rebuilt = Buffer.concat([
    Buffer.from(bytes.subarray(0, code.at)),
    Buffer.from([10, ...uleb(content.length)]),
    Buffer.from(content),
    Buffer.from(bytes.subarray(code.end)),
  ]);
  return { bytes: new Uint8Array(rebuilt), stubbed };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [input, output, list] = process.argv.slice(2);
  if (!input || !output || !list) {
    console.error("usage: node bench/lib/stub-wasm.mjs IN.wasm OUT.wasm LIST.json");
    process.exit(2);
  }
  const { bytes, stubbed } = stubFunctions(new Uint8Array(readFileSync(input)), selector(INTEREST_MODEL));
  if (!stubbed.length) throw new Error(`stub-wasm: no function of the interest model was found in ${input}`);
  writeFileSync(output, bytes);
  writeFileSync(list, `${JSON.stringify({ selection: INTEREST_MODEL, stubbed }, null, 1)}\n`);
  const bodies = stubbed.reduce((sum, entry) => sum + entry.size, 0);
  console.error(`stub-wasm: ${stubbed.length} functions of the interest model stubbed (${bodies} bytes of bodies before optimisation)`);
}
