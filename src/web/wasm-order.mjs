//! Orders an optimised Wasm's functions so that similar bodies sit side by side, for gzip:
//! `node src/web/wasm-order.mjs IN.wasm OUT.wasm` writes IN with a name section whose names sort
//! in that order; `wasm-opt --reorder-functions-by-name` then lays the code out by them (build.sh).
//!
//! gzip finds repeats only within its last 32 KB, and the Wasm's code is about 200 KB: which
//! functions are neighbours decides how many of their common byte runs it can reuse. By name,
//! a module's functions and a generic's copies are neighbours (−638 B against ordering by
//! calls); here each next function is the one whose 4-byte runs overlap most (Jaccard) with the
//! one before it, a greedy walk from the first: −1,736 B gzipped on the same code, the tcf
//! module −175 B (docs/decisions.md, 2026-12-06). Nothing changes but the order (and the names,
//! which wasm-opt strips after using them). Deterministic: ties go to the earlier function.

import { readFile, writeFile } from "node:fs/promises";
import { leb, uleb } from "./wasm-leb.mjs";

const [input, output] = process.argv.slice(2);
const wasm = new Uint8Array(await readFile(input));

/** How many functions the import section brings: they come first in the function index space. */
function importedFunctions(bytes, at) {
  let [count, pos] = leb(bytes, at);
  let functions = 0;
  const skipName = () => {
    const [length, after] = leb(bytes, pos);
    pos = after + length;
  };
  const skipLimits = () => {
    const flags = bytes[pos++];
    pos = leb(bytes, pos)[1];
    if (flags & 1) pos = leb(bytes, pos)[1];
  };
  while (count--) {
    skipName();
    skipName();
    const kind = bytes[pos++];
    if (kind === 0) {
      functions++;
      pos = leb(bytes, pos)[1];
    } else if (kind === 1) {
      pos++;
      skipLimits();
    } else if (kind === 2) skipLimits();
    else if (kind === 3) pos += 2;
    else if (kind === 4) pos = leb(bytes, pos + 1)[1];
    else throw new Error("wasm-order: an import of unknown kind " + kind);
  }
  return functions;
}

/** The bodies of the code section, in index order, and the index of the first. */
function functionBodies(bytes) {
  let at = 8;
  let first = 0;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = leb(bytes, at + 1);
    if (id === 2) first = importedFunctions(bytes, start);
    if (id === 10) {
      let [count, pos] = leb(bytes, start);
      const bodies = [];
      while (count--) {
        const [length, body] = leb(bytes, pos);
        bodies.push(bytes.subarray(body, body + length));
        pos = body + length;
      }
      return { bodies, first };
    }
    at = start + size;
  }
  throw new Error("wasm-order: no code section");
}

/** The distinct 4-byte runs of a body, sorted, as 32-bit numbers. */
function runs(body) {
  const values = new Uint32Array(Math.max(body.length - 3, 0));
  for (let i = 0; i + 3 < body.length; i++) {
    values[i] = ((body[i] << 24) | (body[i + 1] << 16) | (body[i + 2] << 8) | body[i + 3]) >>> 0;
  }
  values.sort();
  let distinct = 0;
  for (let i = 0; i < values.length; i++) {
    if (i === 0 || values[i] !== values[i - 1]) values[distinct++] = values[i];
  }
  return values.subarray(0, distinct);
}

/** |a ∩ b| / |a ∪ b| of two sorted sets. */
function jaccard(a, b) {
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      common++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  const union = a.length + b.length - common;
  return union ? common / union : 0;
}

const { bodies, first } = functionBodies(wasm);
const sets = bodies.map(runs);
const order = [0];
const left = new Set(bodies.keys());
left.delete(0);
while (left.size) {
  const last = sets[order[order.length - 1]];
  let best = -1;
  let bestScore = -1;
  for (const candidate of left) {
    const score = jaccard(last, sets[candidate]);
    if (score > bestScore) {
      bestScore = score;
      best = candidate;
    }
  }
  order.push(best);
  left.delete(best);
}

// A name section (custom section "name", subsection 1: function names) whose names sort in
// `order`: f00000, f00001, ... (imported functions keep their place and get no name).
const rank = new Array(bodies.length);
order.forEach((index, position) => (rank[index] = position));
const names = [...uleb(bodies.length)];
for (let index = 0; index < bodies.length; index++) {
  const name = [...Buffer.from("f" + String(rank[index]).padStart(5, "0"))];
  names.push(...uleb(first + index), ...uleb(name.length), ...name);
}
const content = [...uleb(4), ...Buffer.from("name"), 1, ...uleb(names.length), ...names];
await writeFile(output, Buffer.concat([wasm, Buffer.from([0, ...uleb(content.length), ...content])]));
