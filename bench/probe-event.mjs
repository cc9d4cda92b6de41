//! The per-event probe (docs/decisions.md, 2026-12-06 "a tracked event made cheaper"): on the demo's
//! home page with consent given, 100 untimed add/remove pairs, then `PAIRS` timed ones; prints the
//! median per pair, the median time inside the Wasm's `concierge_handle` per pair (JSON in and
//! out excluded), and what one pair's calls return (effects by verb, bytes of each stored key).
//!
//!   node bench/probe-event.mjs            (needs ./build.sh build; PAIRS=500 ROUNDS=3 by default)
//!   SINGLE=1 node bench/probe-event.mjs   add_to_cart timed alone, as REPORT.md §3 times it
//!                                         (CALLS=2000), median, p95, mean; with BREAKDOWN=1 also
//!                                         the shell's JSON, text codecs and storage writes within

import { startServer } from "../tests/e2e/harness.mjs";
import { firstMark, launch, openShop } from "./lib/browser.mjs";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const PAIRS = Number(process.env.PAIRS ?? 500);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const ACCEPT = process.env.ACCEPT !== "0";
const PARAMS = {
  currency: "EUR",
  value: 799,
  items: [{ item_id: "aurora-x1", item_name: "Aurora X1", item_category: "Phones", price: 799, quantity: 1 }],
};

/** In the page, before the agent: the engine's exports seen through a wrapper that times the
 * Wasm's own `concierge_handle` and can keep what it returns. */
function wrapEngine() {
  const instantiate = WebAssembly.instantiate;
  window.__probe = { wasm: 0, outputs: null };
  WebAssembly.instantiate = async function (source, imports) {
    const result = await instantiate.call(this, source, imports);
    const instance = result.instance || result;
    const exports = instance.exports;
    if (!exports.concierge_handle) return result;
    const wrapped = Object.assign({}, exports, {
      concierge_handle(at, length) {
        const begin = performance.now();
        const out = exports.concierge_handle(at, length);
        window.__probe.wasm += performance.now() - begin;
        if (window.__probe.outputs) {
          window.__probe.outputs.push(new TextDecoder().decode(new Uint8Array(exports.memory.buffer, exports.concierge_output(), out)));
        }
        return out;
      },
    });
    Object.defineProperty(wrapped, "memory", { get: () => exports.memory });
    const fake = { exports: wrapped };
    return result.instance ? { module: result.module, instance: fake } : fake;
  };
}

/** In the page, before the agent (BREAKDOWN=1): the shell's JSON and text codecs and storage
 * writes timed too, each added to `window.__probe.parts` under its name. Wrapping costs a little
 * itself, so the total with it is above the total without. */
function wrapCodecs() {
  const parts = (window.__probe.parts = {});
  const timed = (owner, name, label) => {
    const original = owner[name];
    owner[name] = function (...args) {
      const begin = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        parts[label] = (parts[label] || 0) + performance.now() - begin;
      }
    };
  };
  timed(JSON, "stringify", "json out");
  timed(JSON, "parse", "json in");
  timed(TextEncoder.prototype, "encode", "encode");
  timed(TextDecoder.prototype, "decode", "decode");
  timed(Storage.prototype, "setItem", "setItem");
  timed(Storage.prototype, "removeItem", "removeItem");
}

/** In the page: `add_to_cart` timed alone, as the benchmark's section 3 times it (an untimed
 * `remove_from_cart` after each), with the parts `wrapCodecs` and the Wasm wrapper add up. */
function singlesInPage({ calls, warmup, params }) {
  return (async () => {
    const probe = window.__probe;
    const times = [];
    const parts = {};
    for (let i = 0; i < warmup + calls; i++) {
      probe.wasm = 0;
      if (probe.parts) for (const name in probe.parts) probe.parts[name] = 0;
      const start = performance.now();
      window.concierge("track", "add_to_cart", params);
      const end = performance.now();
      if (i >= warmup) {
        times.push(end - start);
        (parts.wasm ||= []).push(probe.wasm);
        for (const name in probe.parts || {}) (parts[name] ||= []).push(probe.parts[name]);
      }
      window.concierge("track", "remove_from_cart", params);
      if (i % 50 === 49) await new Promise((done) => setTimeout(done, 0));
    }
    const sorted = (list) => list.slice().sort((a, b) => a - b);
    const at = (list, q) => sorted(list)[Math.min(list.length - 1, Math.floor(q * list.length))] * 1000;
    const mean = (list) => (1000 * list.reduce((a, b) => a + b, 0)) / list.length;
    return {
      median: at(times, 0.5),
      p95: at(times, 0.95),
      mean: mean(times),
      // Finer than the timer's step for A/B: the mean of the fastest 90% (its rounding is
      // random in phase, so it averages out; the slowest tenth is the machine's, not ours).
      fast90: mean(sorted(times).slice(0, Math.floor(times.length * 0.9))),
      parts: Object.fromEntries(Object.entries(parts).map(([name, list]) => [name, { median: at(list, 0.5), mean: mean(list) }])),
    };
  })();
}

function pairsInPage({ pairs, warmup, params }) {
  return (async () => {
    const probe = window.__probe;
    const total = [];
    const wasm = [];
    for (let i = 0; i < warmup + pairs; i++) {
      probe.wasm = 0;
      const start = performance.now();
      window.concierge("track", "add_to_cart", params);
      window.concierge("track", "remove_from_cart", params);
      const end = performance.now();
      if (i >= warmup) {
        total.push(end - start);
        wasm.push(probe.wasm);
      }
      if (i % 50 === 49) await new Promise((done) => setTimeout(done, 0));
    }
    probe.outputs = [];
    window.concierge("track", "add_to_cart", params);
    window.concierge("track", "remove_from_cart", params);
    const outputs = probe.outputs;
    probe.outputs = null;
    const verbs = {};
    const stored = {};
    for (const output of outputs) {
      // The effects, then after a line break the documents their `store`s write (src/bridge.rs).
      const cut = output.indexOf("\n");
      const list = JSON.parse(cut < 0 ? output : output.slice(0, cut));
      let at = cut + 1;
      // (A call's `store` names its key only; the documents come when storage is written.)
      for (const effect of list) if (effect[0] === "store" && typeof effect[2] == "number") effect[2] = output.slice(at, (at += effect[2]));
      for (const effect of list) {
        verbs[effect[0]] = (verbs[effect[0]] || 0) + 1;
        if (effect[0] === "store") stored[effect[1]] = (stored[effect[1]] || 0) + (effect[2] || "").length;
        if (effect[0] === "store" && effect[2] && window.__dump) console.log(effect[1] + " " + effect[2].slice(0, 200) + " ... " + effect[2].replace(/"evt_[a-z0-9]+",?/g, "").slice(-300));
      }
    }
    const median = (list) => list.slice().sort((a, b) => a - b)[list.length >> 1] * 1000;
    return { pair: median(total), wasm: median(wasm), outputBytes: outputs.map((text) => text.length), verbs, stored };
  })();
}

/** Self time by function, the top 40, as shares of the samples. */
function printProfile(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  for (const id of profile.samples) {
    const frame = byId.get(id).callFrame;
    const name = (frame.functionName || "(anonymous)") + (frame.url.endsWith(".js") ? ` ${frame.url.split("/").pop()}:${frame.lineNumber}:${frame.columnNumber}` : "");
    self.set(name, (self.get(name) || 0) + 1);
  }
  const total = profile.samples.length;
  for (const [name, count] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
    console.log(`${((100 * count) / total).toFixed(1).padStart(5)}%  ${name.slice(0, 150)}`);
  }
  // INCLUSIVE=1: time with callees, as shares of the samples inside the Wasm's `concierge_handle`.
  if (!process.env.INCLUSIVE) return;
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children || []) parent.set(child, node.id);
  const inclusive = new Map();
  let inside = 0;
  for (const id of profile.samples) {
    const names = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) names.add(byId.get(at).callFrame.functionName || "(anonymous)");
    if (!names.has("concierge_handle")) continue;
    inside++;
    for (const name of names) inclusive.set(name, (inclusive.get(name) || 0) + 1);
  }
  console.log(`inclusive, of ${inside} samples inside concierge_handle:`);
  for (const [name, count] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 70)) {
    console.log(`${((100 * count) / inside).toFixed(1).padStart(5)}%  ${name.slice(0, 160)}`);
  }
}

const server = await startServer();
const browser = await launch();
try {
  for (let round = 0; round < ROUNDS; round++) {
    const shop = await openShop(browser, server.url, ROOT, { variant: "concierge", isolate: true });
    await shop.page.addInitScript(wrapEngine);
    if (process.env.BREAKDOWN) await shop.page.addInitScript(wrapCodecs);
    // PROFILE=1: the Wasm as cargo left it (names kept, before wasm-opt), under the CPU profiler.
    const named = process.env.PROFILE ? resolve(ROOT, "target/debian/wasm32-unknown-unknown/wasm-release/concierge.wasm") : null;
    // WASM=a.wasm,b.wasm: the rounds take turns between these builds (A/B back to back).
    const builds = process.env.WASM ? process.env.WASM.split(",") : [];
    const served = named || builds[round % builds.length];
    // SHELL_JS=a.js,b.js: the rounds take turns between these bundles of the shell (A/B).
    const shells = process.env.SHELL_JS ? process.env.SHELL_JS.split(",") : [];
    const shell = shells[round % shells.length];
    if (shell) {
      await shop.page.route("**/pkg/concierge.js", (route) => route.fulfill({ status: 200, contentType: "text/javascript", body: readFileSync(shell) }));
    }
    if (served) {
      await shop.page.route("**/concierge_bg.wasm", (route) => route.fulfill({ status: 200, contentType: "application/wasm", body: readFileSync(served) }));
    }
    if (process.env.PAGE) {
      // Isolated like the home page (bench/lib/browser.mjs), for performance.now()'s fine steps.
      const path = new URL(process.env.PAGE, server.url).pathname;
      await shop.page.route(
        (url) => url.pathname === path,
        async (route) => {
          const response = await route.fetch();
          const headers = { ...response.headers(), "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" };
          delete headers["content-length"];
          delete headers["content-encoding"];
          await route.fulfill({ status: response.status(), headers, body: await response.text() });
        },
      );
    }
    await shop.page.goto(`${server.url}${process.env.PAGE ?? "/"}`, { waitUntil: "load" });
    if ((await firstMark(shop.page, ["concierge:ready"], 10_000)) === null) throw new Error("not ready");
    await firstMark(shop.page, ["concierge:config"], 5_000);
    if (ACCEPT) await shop.page.evaluate(() => window.concierge("consent", "accept"));
    await shop.page.waitForTimeout(300);
    if (process.env.DUMP) {
      shop.page.on("console", (message) => console.log("page: " + message.text()));
      await shop.page.evaluate(() => (window.__dump = true));
    }
    if (named) {
      await shop.cdp.send("Profiler.enable");
      await shop.cdp.send("Profiler.setSamplingInterval", { interval: 50 });
      await shop.cdp.send("Profiler.start");
    }
    if (process.env.SINGLE) {
      // SINGLE=1: add_to_cart timed alone, CALLS of them (2,000 by default), as in REPORT.md §3.
      const calls = Number(process.env.CALLS ?? 2000);
      const single = await shop.page.evaluate(singlesInPage, { calls, warmup: 200, params: PARAMS });
      const parts = Object.entries(single.parts).map(([name, { median, mean }]) => `${name} ${median.toFixed(1)}/${mean.toFixed(1)}`);
      console.log(
        `round ${round + 1}${served ? " " + served.split("/").pop() : ""}${shell ? " " + shell.split("/").pop() : ""}: add_to_cart median ${single.median.toFixed(1)} µs, ` +
          `p95 ${single.p95.toFixed(1)} µs, mean ${single.mean.toFixed(1)} µs, fastest 90% ${single.fast90.toFixed(1)} µs over ${calls}; ` +
          `parts (median/mean µs): ${parts.join(", ")}`,
      );
      await shop.context.close();
      continue;
    }
    const result = await shop.page.evaluate(pairsInPage, { pairs: PAIRS, warmup: 100, params: PARAMS });
    if (named) printProfile((await shop.cdp.send("Profiler.stop")).profile);
    console.log(
      `round ${round + 1}${served ? " " + served.split("/").pop() : ""}: pair ${result.pair.toFixed(0)} µs, in the Wasm ${result.wasm.toFixed(0)} µs; ` +
        `output bytes ${result.outputBytes.join("+")}; effects ${JSON.stringify(result.verbs)}; stored bytes ${JSON.stringify(result.stored)}`,
    );
    await shop.context.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
