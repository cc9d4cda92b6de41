// Benchmark self-tests (node --test bench/tests/, run first by ./build.sh bench): the statistics, page rewriting, parsing and reporting the figures depend on, and that a missing peer is reported rather than crashing the run.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import test from "node:test";
import { KNOWLEDGE_ENTRIES, knowledge500, LANGUAGES } from "../lib/assistant.mjs";
import { rewriteDocument } from "../lib/browser.mjs";
import { parseIngestReport } from "../lib/ingest.mjs";
import { benchCampaigns, CAMPAIGN_COUNT, DECISION_INPUTS, setsOff, withCampaigns } from "../lib/campaigns.mjs";
import { cumulativeLayoutShift, interactionSummary, shownOutcomes, speedup } from "../lib/measure.mjs";
import { charts, tables } from "../lib/report.mjs";
import { measureSizes, PEERS } from "../lib/sizes.mjs";
import { median, percentile, summary } from "../lib/stats.mjs";
import { barChart } from "../lib/svg.mjs";
import { agentTasks, untilMark } from "../lib/trace.mjs";

test("median and nearest-rank percentiles, ignoring what is not a number", () => {
  const check = (values, expect) => assert.deepEqual({ median: median(values), p95: percentile(values, 95) }, expect, JSON.stringify(values));
  check([3, 1, 2], { median: 2, p95: 3 });
  check([4, 1, 3, 2], { median: 2.5, p95: 4 });
  check([null, 5, undefined, Number.NaN, 1], { median: 3, p95: 5 });
  check([], { median: null, p95: null });
  check(Array.from({ length: 20 }, (_, i) => i + 1), { median: 10.5, p95: 19 });
  assert.deepEqual(summary([2, 9, 4]), { median: 4, p95: 9, min: 2, max: 9, samples: 3 });
});

test("CLS is the largest session window of shifts without recent input", () => {
  const shift = (start, value, recentInput = false) => ({ start, value, recentInput });
  const check = (shifts, expect) => assert.equal(Number(cumulativeLayoutShift(shifts).toFixed(6)), expect, JSON.stringify(shifts));
  check([], 0);
  check([shift(100, 0.1), shift(600, 0.05)], 0.15);
  // A gap of a second or more starts a new window; the larger window counts.
  check([shift(100, 0.1), shift(1200, 0.02), shift(1300, 0.03)], 0.1);
  check([shift(100, 0.01), shift(1200, 0.2), shift(1300, 0.03)], 0.23);
  // A window lasts at most five seconds even without gaps.
  check([0, 900, 1800, 2700, 3600, 4500, 5400].map((start) => shift(start, 0.1)), 0.6);
  check([shift(100, 0.3, true), shift(200, 0.01)], 0.01);
});

test("interaction summaries treat 'no Event Timing entry' as faster than any entry", () => {
  assert.deepEqual(interactionSummary([null, null, 24]), { median: null, p95: 24, max: 24, underThreshold: 2, threshold: 16, samples: 3 });
  assert.deepEqual(interactionSummary([16, 24, null]), { median: 16, p95: 24, max: 24, underThreshold: 1, threshold: 16, samples: 3 });
  assert.deepEqual(interactionSummary([16, 32]), { median: 24, p95: 32, max: 32, underThreshold: 0, threshold: 16, samples: 2 });
  assert.equal(interactionSummary([null, 40]).median, null, "a median between a null and a figure is not a figure");
  assert.equal(interactionSummary([null, null]).max, null);
});

const PAGE = `<head>\n<script async src="/concierge/loader.js" data-site="demo" data-endpoint="/v1"></script>\n<script defer src="/shop.js"></script>\n</head>`;

test("the page variants replace exactly the loader tag", () => {
  assert.equal(rewriteDocument(PAGE, "concierge"), PAGE);
  assert.equal(rewriteDocument(PAGE, "none"), `<head>\n\n<script defer src="/shop.js"></script>\n</head>`);
  const alloy = rewriteDocument(PAGE, "alloy");
  assert.ok(!alloy.includes("loader.js"), alloy);
  assert.ok(alloy.includes('<script src="/bench-peers/alloy-setup.js"></script><script async src="/bench-peers/@adobe/alloy/dist/alloy.min.js"></script>'), alloy);
  assert.ok(alloy.includes('<script defer src="/shop.js"></script>'), alloy);
  assert.throws(() => rewriteDocument("<head></head>", "none"), /no Concierge loader tag/);
});

test("the ingest example's Markdown table is read row by row", () => {
  const printed = [
    "",
    "## Backend ingest (SQLite, WAL), 20 events per batch",
    "",
    "| measure | result |",
    "| --- | ---: |",
    "| plain batched inserts, same statements, no HTTP | 22629 events/s |",
    "| ratio HTTP / plain (target ≥ 0.5) | 0.96 |",
    "| latency p50 / p99 / max at that load (target p99 < 50 ms) | 2.5 / 19.8 / 122.9 ms |",
  ].join("\n");
  assert.deepEqual(parseIngestReport(printed), [
    { table: "Backend ingest (SQLite, WAL), 20 events per batch", measure: "plain batched inserts, same statements, no HTTP", result: "22629 events/s" },
    { table: "Backend ingest (SQLite, WAL), 20 events per batch", measure: "ratio HTTP / plain (target ≥ 0.5)", result: "0.96" },
    { table: "Backend ingest (SQLite, WAL), 20 events per batch", measure: "latency p50 / p99 / max at that load (target p99 < 50 ms)", result: "2.5 / 19.8 / 122.9 ms" },
  ]);
  assert.deepEqual(parseIngestReport("thread 'main' panicked"), []);
});

test("charts label every bar with its value, say what was not measured, and escape text", () => {
  const svg = barChart({
    title: "Sizes <&>",
    series: [{ name: "gzip" }, { name: "brotli" }],
    rows: [
      { label: "a <b>", values: [2048, 1024] },
      { label: "missing", note: "not installed" },
      { label: "half", values: [512, null] },
    ],
    markers: [{ value: 1500, label: "budget" }],
    format: (value) => `${value} B`,
  });
  for (const text of ["Sizes &lt;&amp;&gt;", "a &lt;b&gt;", "2048 B gzip", "1024 B brotli", "512 B gzip", "brotli: not measured", "not installed", "budget"]) {
    assert.ok(svg.includes(`>${text}<`), `the chart shows "${text}"`);
  }
  assert.ok(!svg.includes("<b>"), "no markup from labels");
  assert.equal((svg.match(/<rect [^>]*><title>/g) ?? []).length, 3, "one bar per measured value");
});

function fakeRoot() {
  const root = mkdtempSync(join(tmpdir(), "concierge-bench-test-"));
  const write = (path, text) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write("www/concierge/loader.js", "loader ".repeat(50));
  write("www/concierge/pkg/concierge.js", "glue ".repeat(500));
  write("www/concierge/pkg/concierge_bg.wasm", Buffer.alloc(4000, 7));
  const peer = PEERS.find((entry) => entry.package === "json-logic-js");
  write(`bench/peers/node_modules/${peer.package}/package.json`, JSON.stringify({ version: "9.9.9" }));
  write(`bench/peers/node_modules/${peer.package}/${peer.files[0]}`, "logic ".repeat(100));
  return root;
}

test("sizes: every file measured, and a peer that is not installed is reported, not thrown", () => {
  const root = fakeRoot();
  try {
    const sizes = measureSizes(root);
    assert.equal(sizes.core.files.length, 3);
    assert.equal(sizes.core.raw, 350 + 2500 + 4000);
    assert.equal(sizes.core.gzip, sizes.core.files.reduce((sum, file) => sum + file.gzip, 0));
    assert.ok(sizes.core.brotli > 0 && sizes.core.brotli < sizes.core.raw);
    const logic = sizes.peers.find((peer) => peer.package === "json-logic-js");
    assert.equal(logic.version, "9.9.9");
    assert.equal(logic.raw, 600);
    const alloy = sizes.peers.find((peer) => peer.package === "@adobe/alloy");
    assert.match(alloy.error, /@adobe\/alloy is not installed/);
    rmSync(join(root, "www/concierge/pkg/concierge_bg.wasm"));
    assert.match(measureSizes(root).core.error, /concierge_bg\.wasm is missing/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** Results as run.mjs assembles them, with alloy failing every page view. */
function fakeResults(sizes) {
  const figure = (median) => ({ median, p95: median, min: median, max: median, samples: 2 });
  const figures = (ready) =>
    Object.fromEntries(
      ["ready", "readyAfterDomContentLoaded", "configAfterDomContentLoaded", "domContentLoaded", "loadEvent", "firstContentfulPaint", "longTasks", "longTaskTime", "longestTask", "totalBlockingTime", "agentLongestScript", "agentScriptsOver50", "cls", "agentShifts"].map(
        (name) => [name, figure(name.startsWith("ready") ? ready : 7)],
      ),
    );
  const variant = (ready) => ({ loads: 2, measured: 2, failures: [], pageErrors: [], agentScriptsOver50Named: ["import.then (loader.js)"], viewsWithAgentScriptOver50: 1, figures: figures(ready) });
  return {
    date: "2026-11-24",
    machine: { cpus: 2, cpuModel: "Test CPU", memory: 2 ** 30, os: "Linux", node: "v20", loadBefore: [1, 1, 1], loadAfter: [2, 2, 2] },
    chromium: "156",
    settings: { pageCost: { loads: 2, throttle: 4 } },
    sizes,
    pageCost: {
      none: variant(null),
      concierge: variant(123.4),
      alloy: { loads: 3, measured: 0, failures: ["alloy did not load", "alloy did not load", "alloy did not load"], pageErrors: [], figures: figures(null) },
    },
    startup: { concierge: variant(45.6) },
    perEvent: { timer: { resolution: 0.005, isolated: true }, rows: [{ name: "add_to_cart, consent given", event: "add_to_cart", ...figure(61.5), cartListenerCalledDuringCommand: "2 of 2" }, { name: "view_item, consent given", event: "view_item", error: "page crashed" }] },
    decision: { timer: { resolution: 0.005, isolated: true }, campaigns: 50, triggers: ["page_view", "custom"], inputs: ["signal route", "call trigger"], firstDecision: { shown: 3, holdout: 1, views: 3 }, warmup: 200, batch: 10, ...figure(42.5) },
    targeting: { rows: [{ name: "json-logic-js", ...figure(1.2), method: "batches" }, { name: "Concierge", ...figure(0.8), method: "batches" }], speedup: 1.5 },
    memory: { events: 1000, noneHeap: 1000, alloyHeap: { error: "alloy did not become ready" }, conciergeHeapReady: 2000, wasmMemoryReady: 65536, conciergeHeapAfterEvents: 2100, wasmMemoryAfterEvents: 65536 },
    agentTasks: { loads: 2, throttle: 4, measured: 2, failures: [], longest: figure(52), longestWall: figure(60), total: figure(140), tasks: figure(20), viewsOver50: 1, untilReady: { views: 2, total: figure(300), agent: figure(90), page: figure(150), rendering: figure(50), idle: figure(10), loaderRan: figure(120) } },
    vitals: { loads: 2, throttle: 4, measured: 2, failures: [], cls: figure(0), agentShiftValue: figure(0), agentShifts: 0, dismissInteraction: interactionSummary([null, 24]) },
    ingest: { error: "ingest_bench printed no table" },
  };
}

test("the report states budgets met or missed and names what failed instead of a figure", () => {
  const root = fakeRoot();
  try {
    const results = fakeResults(measureSizes(root));
    const text = tables(results);
    const line = (start) => text.split("\n").find((row) => row.startsWith(start)) ?? assert.fail(`no row starting ${start}`);
    assert.match(line("| **core agent**"), /40\.0 KB: \*\*met\*\*/);
    assert.match(line("| @adobe/alloy"), /not measured: @adobe\/alloy is not installed/);
    assert.match(line("| json-logic-js 9.9.9"), /600 \|/);
    assert.equal(line("| agent ready, from navigation start"), "| agent ready, from navigation start |  | 123.4 ms | failed |");
    assert.match(text, /alloy: 3 of 3 page views failed: alloy did not load\./);
    assert.equal(line("| page views with an agent script run over 50 ms"), "| page views with an agent script run over 50 ms (budget: none) |  | 1 of 2: **missed** | failed |");
    assert.match(text, /Concierge's script runs over 50 ms, over all 2 views: import\.then \(loader\.js\) 1×\./);
    assert.match(line("| ready (`concierge:ready`)"), /\| 45\.6 ms \(p95 45\.6 ms\) \| 123\.4 ms \(p95 123\.4 ms\) \| 100 ms at 4×: \*\*missed\*\* \|/);
    assert.match(line("| `concierge('track', 'add_to_cart')`"), /61\.5 µs \| 61\.5 µs \| 2 \| 2 of 2 \| 50 µs median: \*\*missed\*\*/);
    assert.match(text, /\| `view_item, consent given` \| not measured: page crashed/);
    assert.match(line("| one decision, 50 campaigns"), /\| 42\.5 µs \| 42\.5 µs \| 20 \| 50 µs median: \*\*met\*\* \|/, "2 samples of 10 calls");
    assert.match(text, /10 consecutive calls per sample, each sample's time divided by 10 \(one call is a few timer steps of 5\.0 µs/);
    assert.match(text, /the first decision showed 3 campaigns \(1 held back as holdout\)/);
    assert.match(line("| Concierge |"), /\| 0\.80 µs \| 0\.80 µs \| batches \|/);
    assert.match(text, /Concierge ÷ json-logic-js: 1\.5× as fast at the median \(goal: not slower: \*\*met\*\*\)/);
    assert.match(line("| alloy, configured"), /not measured: alloy did not become ready/);
    assert.match(line("| interaction: a click"), /\| under 16 ms \| 24 ms \| under 100 ms: \*\*met\*\* \|/);
    assert.match(text, /The ingest benchmark was not measured: ingest_bench printed no table\./);
    assert.equal(line("| the agent's longest task, CPU time"), "| the agent's longest task, CPU time | 52.0 ms (p95 52.0 ms) | no long task (50 ms) at 4×: 1 of 2 views over: **missed** |");
    assert.match(line("| tasks running other scripts"), /\| 150\.0 ms \(p95 150\.0 ms\) \|$/);
    assert.match(text, /The loader \(the `async` script tag\) began to run 120\.0 ms after `DOMContentLoaded`/);
    const drawn = charts(results);
    assert.deepEqual(Object.keys(drawn).sort(), ["page-cost.svg", "per-event.svg", "sizes.svg", "startup.svg"]);
    assert.match(drawn["page-cost.svg"], />failed</, "a variant without figures is drawn as failed");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("the report's Download section gives what the interest model adds, or why it was not measured", () => {
  const root = fakeRoot();
  try {
    const sizes = measureSizes(root);
    const pair = (raw, gzip) => ({ raw, gzip });
    sizes.interestModel = {
      wasm: { shipped: pair(2000, 900), without: pair(1500, 700), added: pair(500, 200), stubbed: ["concierge::engine::interests::normalise", "concierge::engine::recommend::rank"], stubbedBodies: 1234 },
      shell: { shipped: pair(3000, 1200), without: pair(2600, 1100), added: pair(400, 100), modules: ["src/web/pageview.js", "src/web/jsonld.js"] },
      total: pair(900, 300),
    };
    const text = tables(fakeResults(sizes));
    const line = (start) => text.split("\n").find((row) => row.startsWith(start)) ?? assert.fail(`no row starting ${start}`);
    assert.equal(line("| **what the interest model adds to the core's Wasm**"), "| **what the interest model adds to the core's Wasm** | **500** | **200** |");
    assert.match(line("| the same Wasm without the model"), /2 of its own functions stubbed/);
    assert.match(line("| the same shell without"), /`pageview\.js` and `jsonld\.js`.* \| 2,600 \| 1,100 \|$/);
    assert.match(line("| **the interest model in the core agent**"), /\| \*\*900\*\* \| \*\*300\*\* \(0\.3 KB, \d+\.\d% of the core\) \|$/);
    assert.match(text, /2 functions, 1,234 bytes of bodies before optimisation/);
    sizes.interestModel = { error: "target/bench/core-without-interests.wasm is missing" };
    assert.match(tables(fakeResults(sizes)), /The interest model's share was not measured: target\/bench\/core-without-interests\.wasm is missing\./);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("the 50-campaign document: unique ids, every trigger kind the page can set off, modals only where allowed, and every campaign a candidate under the decision's input", () => {
  const document = benchCampaigns();
  assert.equal(document.campaigns.length, CAMPAIGN_COUNT);
  assert.equal(new Set(document.campaigns.map((campaign) => campaign.id)).size, CAMPAIGN_COUNT);
  const kinds = new Set(document.campaigns.map((campaign) => campaign.trigger.type));
  assert.deepEqual([...kinds].sort(), ["custom", "exit_intent", "idle", "page_view", "route_change", "scroll_depth", "time_on_page"]);
  for (const campaign of document.campaigns) {
    assert.ok(setsOff(campaign.trigger, DECISION_INPUTS, "product"), `${campaign.id} (${JSON.stringify(campaign.trigger)}) is not a candidate`);
    if (campaign.placement.type === "modal") assert.ok(["exit_intent", "custom"].includes(campaign.trigger.type), `${campaign.id}: a modal on ${campaign.trigger.type}`);
  }
  assert.ok(document.campaigns.some((campaign) => campaign.targeting) && document.campaigns.some((campaign) => !campaign.targeting));
  assert.ok(new Set(document.campaigns.map((campaign) => campaign.placement.type)).size >= 4);
});

test("setsOff follows the engine's triggers: thresholds, page paths and types, the custom trigger's name", () => {
  const route = (path) => [["signal", "route", path]];
  assert.ok(setsOff({ type: "page_view", path: "/product/" }, route("/product/x"), "product"));
  assert.ok(!setsOff({ type: "page_view", path: "/product/" }, route("/cart/"), "product"));
  assert.ok(!setsOff({ type: "page_view", page_type: "cart" }, route("/product/x"), "product"));
  assert.ok(setsOff({ type: "route_change" }, route("/"), null));
  assert.ok(setsOff({ type: "idle", seconds: 30 }, [["signal", "idle", 30]], null));
  assert.ok(!setsOff({ type: "idle", seconds: 30 }, [["signal", "idle", 29]], null));
  assert.ok(!setsOff({ type: "scroll_depth", percent: 50 }, [["signal", "time", 90]], null));
  assert.ok(setsOff({ type: "custom", name: "a" }, [["call", "trigger", "a", {}]], null));
  assert.ok(!setsOff({ type: "custom", name: "a" }, [["call", "trigger", "b", {}]], null));
  assert.ok(!setsOff({ type: "cart_abandoned" }, DECISION_INPUTS, "product"));
});

test("the campaigns document replaces the published one in the config answer, other documents kept", () => {
  const config = { format: 1, site: "demo", documents: [{ kind: "policy", version: 2 }, { kind: "campaigns", version: 1, campaigns: [] }] };
  const document = benchCampaigns(2);
  assert.deepEqual(withCampaigns(config, document).documents, [{ kind: "policy", version: 2 }, document]);
});

test("a decision's outcomes are read from its effects; the speed-up is theirs over ours", () => {
  const effects = [
    ["notify", "campaign", { campaign: "a", event: "shown" }],
    ["notify", "campaign", { campaign: "b", event: "holdout" }],
    ["notify", "campaign", { campaign: "a", event: "clicked" }],
    ["notify", "cart", { count: 1 }],
    ["render", { kind: "campaign" }],
  ];
  assert.deepEqual(shownOutcomes(effects), { shown: 1, holdout: 1, views: 1 });
  assert.equal(speedup(2, 1), 2);
  assert.equal(speedup(1, 3), 0.33);
  assert.equal(speedup(null, 1), null);
  assert.equal(speedup(1, 0), null);
});

test("the assistant's timed document: 500 entries, as many in each language, the demo's all kept, ids unique per language", () => {
  const root = join(import.meta.dirname, "../..");
  const document = knowledge500(root);
  assert.equal(document.entries.length, KNOWLEDGE_ENTRIES);
  for (const lang of LANGUAGES) {
    const ids = document.entries.filter((entry) => entry.lang === lang).map((entry) => entry.id);
    assert.equal(ids.length, KNOWLEDGE_ENTRIES / LANGUAGES.length, lang);
    assert.equal(new Set(ids).size, ids.length, `${lang}: an id twice`);
  }
  for (const id of ["delivery-time", "return-policy"]) assert.ok(document.entries.some((entry) => entry.id === id), `the demo's ${id} kept`);
  assert.deepEqual(knowledge500(root), document, "the same document on every run");
});

test("the agent's tasks from a trace: outermost tasks on the main thread in which its scripts ran, by CPU time", () => {
  const main = { pid: 1, tid: 7 };
  const task = (ts, dur, tdur) => ({ ...main, ph: "X", name: "ThreadControllerImpl::RunTask", ts, dur, tdur });
  const call = (ts, url, functionName = "once") => ({ ...main, ph: "X", name: "FunctionCall", ts, dur: 10, args: { data: { url, functionName } } });
  const trace = {
    traceEvents: [
      { pid: 1, tid: 7, ph: "M", name: "thread_name", args: { name: "CrRendererMain" } },
      { pid: 1, tid: 9, ph: "M", name: "thread_name", args: { name: "Compositor" } },
      // A task with the scheduler's entry nested inside it: counted once, as the outer one.
      task(1_000, 9_000, 4_000),
      { ...task(1_100, 8_000, 3_900), name: "RunTask" },
      call(1_200, "https://shop.test/concierge/pkg/concierge.js", "boot"),
      // The page's own task, and an agent call on another thread: not the agent's.
      task(20_000, 30_000, 29_000),
      call(20_100, "https://shop.test/shop.js"),
      { ...call(20_200, "https://shop.test/concierge/pkg/concierge.js"), tid: 9 },
      // A later, longer one of the agent's.
      task(60_000, 12_000, 6_000),
      call(60_500, "https://shop.test/concierge/loader.js", "start"),
    ],
  };
  const tasks = agentTasks(trace, "/concierge/");
  assert.deepEqual(tasks.map((entry) => [entry.cpu, entry.wall, entry.what]), [[6, 12, "start"], [4, 9, "boot"]]);
  assert.deepEqual(agentTasks({ traceEvents: [] }, "/concierge/"), [], "no main thread, no tasks");
  // DOMContentLoaded inside the first task, ready inside the last: each counts from or until there.
  // A task without a script (style, layout, paint) between them.
  trace.traceEvents.push({ ...main, ph: "I", name: "MarkDOMContent", ts: 5_000 }, { pid: 1, tid: 3, ph: "R", name: "concierge:ready", ts: 65_000 }, task(52_000, 4_000, 3_000));
  assert.deepEqual(untilMark(trace, "/concierge/", "concierge:ready"), { total: 60, agent: 10, page: 30, rendering: 4, idle: 16, loaderRan: null });
  // The loader's evaluation, 3 ms before DOMContentLoaded.
  trace.traceEvents.push({ ...main, ph: "X", name: "EvaluateScript", ts: 2_000, dur: 500, args: { data: { url: "https://shop.test/concierge/loader.js" } } });
  assert.equal(untilMark(trace, "/concierge/", "concierge:ready").loaderRan, -3);
  assert.equal(untilMark(trace, "/concierge/", "concierge:config"), null, "a mark that never came");
});
