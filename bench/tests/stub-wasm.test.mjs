// Benchmark self-tests of what the interest model adds to the core (node --test bench/tests/): the demangler, the choice of the model's functions by name, and the stubbing of their bodies in a hand-made Wasm whose other bytes must stay as they were.

import assert from "node:assert/strict";
import test from "node:test";
import { demangle } from "../lib/demangle.mjs";
import { INTEREST_MODEL, sections, selector, stubFunctions } from "../lib/stub-wasm.mjs";

test("v0 names demangle as rustc-demangle writes them, without crate hashes", () => {
  const check = (mangled, expect) => assert.equal(demangle(mangled), expect, mangled);
  check("_RNvMs1_NtNtCscZ6qEmAMDwR_9concierge6engine9interestsNtB5_9Interests3top", "<concierge::engine::interests::Interests>::top");
  check("_RNCNvNtCscZ6qEmAMDwR_9concierge4wire20decode_page_interest0B5_", "concierge::wire::decode_page_interest::{closure#0}");
  check(
    "_RNvXsD_NtCs9O2OHJXW3Y8_18concierge_protocol5batchNtB5_8InterestNtNtCslba2XNV9pZq_4core5clone5Clone5clone",
    "<concierge_protocol::batch::Interest as core::clone::Clone>::clone",
  );
  check(
    "_RINvMNtCslba2XNV9pZq_4core4boolb9then_someNtNtNtCscZ6qEmAMDwR_9concierge6engine9interests11ObservationEBK_",
    "<bool>::then_some::<concierge::engine::interests::Observation>",
  );
  // Nested closures: each "0" is an empty identifier of its own, not the number 00.
  // A disambiguator "s_" is 1: the second closure.
  check(
    "_RINvMNtCslba2XNV9pZq_4core3stre12trim_matchesNCNvNtCscZ6qEmAMDwR_9concierge4wire16parse_price_texts_0EBN_",
    "<str>::trim_matches::<concierge::wire::parse_price_text::{closure#1}>",
  );
  check("_RNCNCNvNtCs1_9concierge4wire4read00", "concierge::wire::read::{closure#0}::{closure#0}");
  check("memcpy", "memcpy");
});

test("the interest model's own functions are picked by path, named function or impl type; library code made for them is not", () => {
  const pick = selector(INTEREST_MODEL);
  for (const name of [
    "concierge::engine::interests::normalise",
    "<concierge::engine::interests::Interests>::top",
    "<concierge::engine::interests::Interests as concierge::engine::recommend::Affinities>::affinity",
    "concierge::engine::recommend::rank",
    "concierge::wire::decode_page_interest::{closure#0}",
    "<concierge::engine::Agent>::interests_top",
    "<concierge_protocol::batch::Interest as core::clone::Clone>::clone",
    "<concierge_protocol::documents::catalogue::Product>::available",
  ]) {
    assert.ok(pick(name), name);
  }
  for (const name of [
    "concierge::wire::decode_interests_elsewhere",
    "concierge::engine::interests_summary::count",
    "<concierge::engine::Agent>::handle",
    "<[(f64, f64, &concierge::engine::interests::Affinity)]>::sort_by::<<concierge::engine::interests::Interests>::top::{closure#2}>",
    "core::ptr::drop_in_place::<concierge::engine::interests::Interests>",
    "<concierge_protocol::batch::Interests as core::clone::Clone>::clone",
  ]) {
    assert.ok(!pick(name), name);
  }
});

const leb = (value) => {
  const out = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return out;
};
const vec = (items) => [...leb(items.length), ...items.flat()];
const section = (id, content) => [id, ...leb(content.length), ...content];
const name = (text) => vec([...Buffer.from(text)]);

/** The bodies of the hand-made Wasm's three functions (after one imported function). */
const BODIES = {
  normalise: [0x01, 0x01, 0x7f, 0x41, 0x2a, 0x21, 0x00, 0x20, 0x00, 0x0b], // () -> i32: a local set to 42, returned
  decodeTcf: [0x00, 0x20, 0x00, 0x10, 0x00, 0x0b], // (i32) -> (): calls the import with its argument
  top: [0x00, 0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x42, 0x07, 0x0b], // () -> (f64, i64): 1.0 and 7
};

/** A Wasm with an imported function, three of its own (two of them the interest model's, by their v0 names), exports and a name section. */
function handMadeWasm() {
  const types = section(1, vec([[0x60, 0x00, 0x01, 0x7f], [0x60, 0x01, 0x7f, 0x00], [0x60, 0x00, 0x02, 0x7c, 0x7e]]));
  const imports = section(2, vec([[...name("env"), ...name("log"), 0x00, 0x01]]));
  const functions = section(3, vec([[0x00], [0x01], [0x02]]));
  const exports = section(7, vec([[...name("normalise"), 0x00, 0x01], [...name("decode_tcf"), 0x00, 0x02], [...name("top"), 0x00, 0x03]]));
  const code = section(10, vec(Object.values(BODIES).map((body) => [...leb(body.length), ...body])));
  const names = vec([
    [...leb(0), ...name("env_log")],
    [...leb(1), ...name("_RNvNtNtCs1_9concierge6engine9interests9normalise")],
    [...leb(2), ...name("_RNvNtCs1_9concierge4wire10decode_tcf")],
    [...leb(3), ...name("_RNvMNtNtCs1_9concierge6engine9interestsNtB2_9Interests3top")],
  ]);
  const nameSection = section(0, [...name("name"), 0x01, ...leb(names.length), ...names]);
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...functions, ...exports, ...code, ...nameSection]);
}

/** The body bytes of each function the code section holds, in order. */
function bodies(bytes) {
  const code = sections(bytes).find((entry) => entry.id === 10);
  const out = [];
  let at = code.start + 1; // fewer than 128 functions: a one-byte count
  while (at < code.end) {
    const length = bytes[at];
    out.push([...bytes.subarray(at + 1, at + 1 + length)]);
    at += 1 + length;
  }
  return out;
}

test("a named function's body is replaced by one returning zeros; every other byte stays", async () => {
  const original = handMadeWasm();
  assert.ok(WebAssembly.validate(original), "the hand-made Wasm is valid");
  const { bytes, stubbed } = stubFunctions(original, selector(INTEREST_MODEL));
  assert.deepEqual(
    stubbed.map((entry) => [entry.index, entry.name, entry.size]),
    [
      [1, "concierge::engine::interests::normalise", BODIES.normalise.length],
      [3, "<concierge::engine::interests::Interests>::top", BODIES.top.length],
    ],
  );
  assert.ok(WebAssembly.validate(bytes), "the stubbed Wasm is valid");
  assert.deepEqual(bodies(bytes), [[0x00, 0x41, 0x00, 0x0b], BODIES.decodeTcf, [0x00, 0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0x42, 0x00, 0x0b]]);
  // Every section but the code section is byte for byte the original's.
  const others = (wasm) => sections(wasm).filter((entry) => entry.id !== 10).map((entry) => Buffer.from(wasm.subarray(entry.at, entry.end)).toString("hex"));
  assert.deepEqual(others(bytes), others(original));

  const logged = [];
  const run = async (wasm) => (await WebAssembly.instantiate(wasm, { env: { log: (value) => logged.push(value) } })).instance.exports;
  const before = await run(original);
  const after = await run(bytes);
  assert.equal(before.normalise(), 42);
  assert.equal(after.normalise(), 0);
  assert.deepEqual(before.top(), [1, 7n]);
  assert.deepEqual(after.top(), [0, 0n]);
  after.decode_tcf(5);
  assert.deepEqual(logged, [5], "the function not picked still calls the import with its argument");
});

test("nothing is stubbed when nothing matches, and a Wasm without names is refused", () => {
  const original = handMadeWasm();
  const { bytes, stubbed } = stubFunctions(original, () => false);
  assert.deepEqual(stubbed, []);
  assert.deepEqual([...bytes], [...original]);
  const nameless = original.subarray(0, sections(original).find((entry) => entry.id === 0).at);
  assert.throws(() => stubFunctions(nameless, () => true), /no function names/);
});
