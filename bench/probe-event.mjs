//! The per-event probe (docs/decisions.md, 2026-12-06 "a tracked event made cheaper"): on the demo's
//! home page with consent given, 100 untimed add/remove pairs, then `PAIRS` timed ones; prints the
//! median per pair, the median time inside the Wasm's `concierge_handle` per pair (JSON in and
//! out excluded), and what one pair's calls return (effects by verb, bytes of each stored key).
//!
//!   node bench/probe-event.mjs            (needs ./build.sh build; PAIRS=500 ROUNDS=3 by default)

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
    for (const text of outputs) {
      for (const effect of JSON.parse(text)) {
        verbs[effect[0]] = (verbs[effect[0]] || 0) + 1;
        if (effect[0] === "store") stored[effect[1]] = (stored[effect[1]] || 0) + effect[2].length;
        if (effect[0] === "store" && window.__dump) console.log(effect[1] + " " + effect[2].slice(0, 200) + " ... " + effect[2].replace(/"evt_[a-z0-9]+",?/g, "").slice(-300));
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
}

const server = await startServer();
const browser = await launch();
try {
  for (let round = 0; round < ROUNDS; round++) {
    const shop = await openShop(browser, server.url, ROOT, { variant: "concierge", isolate: true });
    await shop.page.addInitScript(wrapEngine);
    // PROFILE=1: the Wasm as cargo left it (names kept, before wasm-opt), under the CPU profiler.
    const named = process.env.PROFILE ? resolve(ROOT, "target/debian/wasm32-unknown-unknown/wasm-release/concierge.wasm") : null;
    // WASM=a.wasm,b.wasm: the rounds take turns between these builds (A/B back to back).
    const builds = process.env.WASM ? process.env.WASM.split(",") : [];
    const served = named || builds[round % builds.length];
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
