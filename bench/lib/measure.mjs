// Benchmark, measurements in the browser: page cost of each variant at 4x CPU throttling, Concierge's start-up, per-event cost, one campaign decision with 50 campaigns, targeting beside json-logic-js, memory, and the Web Vitals of the recovery banner.

import { firstMark, openShop, pageRecord } from "./browser.mjs";
import { TRACE_CATEGORIES, agentTasks, untilMark } from "./trace.mjs";
import { summary } from "./stats.mjs";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { benchCampaigns, DECISION_INPUTS } from "./campaigns.mjs";
import { DATA, EXPECTED, RULE } from "./targeting.mjs";

/** After the agent is ready and the load event fired: time for late long tasks to show up. */
const SETTLE_MS = 1_000;
const READY_TIMEOUT_MS = 15_000;
const GIVE_UP_AFTER = 3;

/** Which scripts are whose, by URL: long-animation-frame entries name the script that ran. */
const AGENT_SCRIPTS = { none: null, concierge: "/concierge/", alloy: "/bench-peers/" };
const READY_MARKS = { none: [], concierge: ["concierge:ready"], alloy: ["bench:alloy:ready", "bench:alloy:failed"] };

/**
 * Cumulative Layout Shift as the Web Vitals define it: shifts without recent input, grouped in
 * session windows (gaps under 1 s, windows at most 5 s), the largest window's sum.
 */
export function cumulativeLayoutShift(shifts) {
  let largest = 0;
  let current = 0;
  let windowStart = -Infinity;
  let previous = -Infinity;
  for (const shift of shifts.filter((entry) => !entry.recentInput).sort((a, b) => a.start - b.start)) {
    if (shift.start - previous >= 1_000 || shift.start - windowStart >= 5_000) {
      current = 0;
      windowStart = shift.start;
    }
    current += shift.value;
    previous = shift.start;
    largest = Math.max(largest, current);
  }
  return largest;
}

/** One page view's figures from what the page observed. */
function loadFigures(variant, record) {
  const readyAt = variant === "concierge" ? record.marks.conciergeReady : variant === "alloy" ? record.marks.alloyReady : null;
  const afterPaint = record.longtasks.filter((task) => record.fcp === null || task.start >= record.fcp);
  const agentSource = AGENT_SCRIPTS[variant];
  const agentRuns = agentSource
    ? record.frames.flatMap((frame) => frame.scripts).filter((script) => String(script.source).includes(agentSource))
    : [];
  return {
    ready: readyAt,
    readyAfterDomContentLoaded: readyAt === null ? null : readyAt - record.domContentLoaded,
    configAfterDomContentLoaded: record.marks.conciergeConfig === null ? null : record.marks.conciergeConfig - record.domContentLoaded,
    domContentLoaded: record.domContentLoaded,
    loadEvent: record.loadEvent,
    firstContentfulPaint: record.fcp,
    longTasks: record.longtasks.length,
    longTaskTime: record.longtasks.reduce((sum, task) => sum + task.duration, 0),
    longestTask: record.longtasks.reduce((longest, task) => Math.max(longest, task.duration), 0),
    totalBlockingTime: afterPaint.reduce((sum, task) => sum + Math.max(0, task.duration - 50), 0),
    agentLongestScript: agentSource ? agentRuns.reduce((longest, run) => Math.max(longest, run.duration), 0) : null,
    agentScriptsOver50: agentSource ? agentRuns.filter((run) => run.duration > 50).length : null,
    // What the long ones were, for whoever shortens them: "invoker (file)".
    agentScriptsOver50Named: agentRuns
      .filter((run) => run.duration > 50)
      .map((run) => `${/^https?:/.test(run.invoker) ? "script evaluation" : run.invoker} (${String(run.source).split("/").pop()})`),
    cls: cumulativeLayoutShift(record.shifts),
    agentShifts: record.shifts.filter((shift) => shift.agent).length,
  };
}

/** One cold page view (a new browser context) of `variant`; a failure is returned, not thrown. */
async function onePageView(browser, origin, root, variant, throttle, settle) {
  let shop;
  try {
    shop = await openShop(browser, origin, root, { variant, throttle });
    await shop.page.goto(`${origin}/`, { waitUntil: "load", timeout: 60_000 });
    const marks = READY_MARKS[variant];
    if (marks.length) {
      const mark = await firstMark(shop.page, marks, READY_TIMEOUT_MS);
      if (mark === null) return { error: `${marks[0]} did not happen within ${READY_TIMEOUT_MS} ms`, pageErrors: shop.errors };
      if (mark === "bench:alloy:failed") return { error: `alloy's configure failed: ${(await pageRecord(shop.page)).alloyError}` };
    }
    if (variant === "concierge") await firstMark(shop.page, ["concierge:config"], 5_000);
    if (settle) await shop.page.waitForTimeout(settle);
    const figures = loadFigures(variant, await pageRecord(shop.page));
    return { ...figures, pageErrors: shop.errors, outsideRequests: shop.outside.length };
  } catch (error) {
    return { error: String(error?.message ?? error).split("\n")[0] };
  } finally {
    await shop?.context.close().catch(() => {});
  }
}

const FIGURES = [
  "ready",
  "readyAfterDomContentLoaded",
  "configAfterDomContentLoaded",
  "domContentLoaded",
  "loadEvent",
  "firstContentfulPaint",
  "longTasks",
  "longTaskTime",
  "longestTask",
  "totalBlockingTime",
  "agentLongestScript",
  "agentScriptsOver50",
  "cls",
  "agentShifts",
];

function summarise(loads) {
  const good = loads.filter((load) => !load.error);
  const figures = {};
  for (const name of FIGURES) figures[name] = summary(good.map((load) => load[name]));
  return {
    loads: loads.length,
    measured: good.length,
    failures: loads.filter((load) => load.error).map((load) => load.error),
    pageErrors: [...new Set(good.flatMap((load) => load.pageErrors))],
    agentScriptsOver50Named: good.flatMap((load) => load.agentScriptsOver50Named),
    viewsWithAgentScriptOver50: good.filter((load) => load.agentScriptsOver50 > 0).length,
    outsideRequests: good.reduce((sum, load) => sum + load.outsideRequests, 0),
    figures,
    samples: loads,
  };
}

/**
 * Cold page views of each variant, taken in turns (none, Concierge, alloy, none, ...) so that
 * noise on the shared machine falls on all three alike; one discarded round first.
 */
export async function pageCost(browser, origin, root, { loads, throttle, variants, progress, settle = SETTLE_MS }) {
  for (const variant of variants) await onePageView(browser, origin, root, variant, throttle, settle);
  const results = Object.fromEntries(variants.map((variant) => [variant, []]));
  for (let round = 0; round < loads; round++) {
    for (const variant of variants) {
      const views = results[variant];
      // A variant that failed every time so far (a peer that does not load) is not retried forever.
      if (views.length >= GIVE_UP_AFTER && views.every((view) => view.error)) continue;
      views.push(await onePageView(browser, origin, root, variant, throttle, settle));
    }
    progress?.(`page views at ${throttle}x: round ${round + 1} of ${loads}`);
  }
  return Object.fromEntries(variants.map((variant) => [variant, summarise(results[variant])]));
}

/** In the page: times `calls` synchronous agent commands one by one, after `warmup` untimed ones. */
function timeCommandsInPage({ event, undo, calls, warmup, params }) {
  return (async () => {
    let cartCalls = 0;
    const countCart = () => cartCalls++;
    window.concierge("on", "cart", countCart);
    const times = [];
    let handledAtOnce = 0;
    for (let i = 0; i < warmup + calls; i++) {
      const cartCallsBefore = cartCalls;
      const start = performance.now();
      window.concierge("track", event, params);
      const end = performance.now();
      if (cartCalls > cartCallsBefore) handledAtOnce++;
      if (i >= warmup) times.push(end - start);
      if (undo) window.concierge("track", undo, params);
      // The page breathes now and then, as between a visitor's clicks: timers, sync, GC.
      if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    window.concierge("off", "cart", countCart);
    return { times, handledAtOnce, total: warmup + calls };
  })();
}

/** In the page: the smallest step performance.now() takes, the resolution of every timing here. */
function timerResolutionInPage() {
  let smallest = Infinity;
  let last = performance.now();
  for (let i = 0; i < 200_000; i++) {
    const now = performance.now();
    if (now > last) smallest = Math.min(smallest, now - last);
    last = now;
  }
  return { resolution: smallest, isolated: window.crossOriginIsolated === true };
}

const ITEM_PARAMS = {
  currency: "EUR",
  value: 799,
  items: [{ item_id: "aurora-x1", item_name: "Aurora X1", item_category: "Phones", price: 799, quantity: 1 }],
};

/** An isolated (fine-timer) page with Concierge ready and, if `accept`, consent given. */
async function readyConcierge(browser, origin, root, { accept, isolate = true }) {
  const shop = await openShop(browser, origin, root, { variant: "concierge", isolate });
  const consoleMessages = [];
  shop.page.on("console", (message) => consoleMessages.push(message.text()));
  await shop.page.goto(`${origin}/`, { waitUntil: "load" });
  if ((await firstMark(shop.page, ["concierge:ready"], READY_TIMEOUT_MS)) === null) throw new Error("Concierge did not become ready");
  await firstMark(shop.page, ["concierge:config"], 5_000);
  if (accept) await shop.page.evaluate(() => window.concierge("consent", "accept"));
  await shop.page.waitForTimeout(300);
  return { ...shop, consoleMessages };
}

/**
 * The agent's main-thread tasks on cold views of the demo's home page at `throttle`× CPU
 * throttling, traced (bench/lib/trace.mjs): per view, the CPU time of its longest task that ran
 * the agent's code, and of all of them, and what the main thread did from `DOMContentLoaded` to
 * the agent's ready. CPU time is the main thread's own: other processes on a busy machine do not
 * stretch it as they stretch wall-clock time, while DevTools' throttling, which keeps the thread
 * busy, counts in it.
 */
export async function agentTaskTimes(browser, origin, root, { loads, throttle }) {
  const views = [];
  for (let i = 0; i < loads; i++) {
    let shop;
    try {
      shop = await openShop(browser, origin, root, { variant: "concierge", throttle });
      await browser.startTracing(shop.page, { categories: TRACE_CATEGORIES });
      let ready;
      try {
        await shop.page.goto(`${origin}/`, { waitUntil: "load", timeout: 60_000 });
        ready = (await firstMark(shop.page, ["concierge:ready"], READY_TIMEOUT_MS)) !== null;
        if (ready) await firstMark(shop.page, ["concierge:config"], 5_000);
        await shop.page.waitForTimeout(500);
      } finally {
        // Stopped whatever happened: Chromium traces one page at a time.
        const trace = JSON.parse((await browser.stopTracing()).toString("utf8"));
        views.push(
          ready
            ? { tasks: agentTasks(trace, AGENT_SCRIPTS.concierge), untilReady: untilMark(trace, AGENT_SCRIPTS.concierge, "concierge:ready") }
            : { error: `concierge:ready did not happen within ${READY_TIMEOUT_MS} ms` },
        );
      }
    } catch (error) {
      views.push({ error: String(error?.message ?? error).split("\n")[0] });
    } finally {
      await shop?.context.close().catch(() => {});
    }
  }
  const good = views.filter((view) => !view.error && view.tasks.length);
  const until = good.map((view) => view.untilReady).filter((entry) => entry !== null);
  return {
    loads,
    throttle,
    measured: good.length,
    failures: views.filter((view) => view.error).map((view) => view.error),
    longest: summary(good.map((view) => view.tasks[0].cpu)),
    longestWall: summary(good.map((view) => view.tasks[0].wall)),
    total: summary(good.map((view) => view.tasks.reduce((sum, task) => sum + task.cpu, 0))),
    tasks: summary(good.map((view) => view.tasks.length)),
    viewsOver50: good.filter((view) => view.tasks[0].cpu > 50).length,
    untilReady: {
      views: until.length,
      total: summary(until.map((entry) => entry.total)),
      agent: summary(until.map((entry) => entry.agent)),
      page: summary(until.map((entry) => entry.page)),
      rendering: summary(until.map((entry) => entry.rendering)),
      loaderRan: summary(until.map((entry) => entry.loaderRan)),
      idle: summary(until.map((entry) => entry.idle)),
    },
  };
}

/**
 * The cost of one tracked event inside the page, unthrottled: `add_to_cart` (decision, storage,
 * cart listeners, views) and `view_item` (no cart change), each call timed on its own.
 */
export async function perEvent(browser, origin, root, { calls, warmup }) {
  const cases = [
    { name: "add_to_cart, consent given", event: "add_to_cart", undo: "remove_from_cart", accept: true },
    { name: "view_item, consent given", event: "view_item", undo: null, accept: true },
    { name: "add_to_cart, before any consent choice", event: "add_to_cart", undo: "remove_from_cart", accept: false },
  ];
  const rows = [];
  let timer = null;
  for (const row of cases) {
    let shop;
    try {
      shop = await readyConcierge(browser, origin, root, { accept: row.accept });
      timer ??= await shop.page.evaluate(timerResolutionInPage);
      const before = shop.consoleMessages.length;
      const result = await shop.page.evaluate(timeCommandsInPage, { event: row.event, undo: row.undo, calls, warmup, params: ITEM_PARAMS });
      rows.push({
        name: row.name,
        event: row.event,
        ...summary(result.times.map((ms) => ms * 1000)),
        unit: "µs",
        cartListenerCalledDuringCommand: row.event === "add_to_cart" ? `${result.handledAtOnce} of ${result.total}` : null,
        consoleMessages: shop.consoleMessages.length - before,
      });
    } catch (error) {
      rows.push({ name: row.name, event: row.event, error: String(error?.message ?? error).split("\n")[0] });
    } finally {
      await shop?.context.close().catch(() => {});
    }
  }
  return { timer, rows };
}

/**
 * In the page: json-logic-js and Concierge's evaluator (the bench build's
 * `concierge_bench_logic`, which compiles the rule once per call and evaluates it `n` times) on
 * the same rule and data, each timed in batches (one evaluation is below the timer's step), the
 * two taking turns batch by batch so the machine's noise falls on both alike.
 */
function evaluatorsInPage({ wasmUrl, rule, data, batches, perBatch }) {
  return (async () => {
    const apply = window.jsonLogic.apply;
    const { instance } = await WebAssembly.instantiate(await (await fetch(wasmUrl)).arrayBuffer(), {});
    const wasm = instance.exports;
    const request = new TextEncoder().encode(JSON.stringify({ rule, data }));
    const concierge = (times) => {
      const at = wasm.concierge_alloc(request.length);
      new Uint8Array(wasm.memory.buffer, at, request.length).set(request);
      const length = wasm.concierge_bench_logic(at, request.length, times);
      return new TextDecoder().decode(new Uint8Array(wasm.memory.buffer, wasm.concierge_output(), length));
    };
    const results = { jsonLogic: apply(rule, data), concierge: JSON.parse(concierge(1)) };
    for (let i = 0; i < perBatch * 10; i++) apply(rule, data);
    concierge(perBatch * 10);
    const jsonLogic = [];
    const ours = [];
    const setup = [];
    for (let batch = 0; batch < batches; batch++) {
      // What a batch spends besides evaluating: reading the request, compiling, writing the result.
      const begin = performance.now();
      concierge(0);
      setup.push(performance.now() - begin);
      let start = performance.now();
      for (let i = 0; i < perBatch; i++) apply(rule, data);
      jsonLogic.push((performance.now() - start) / perBatch);
      start = performance.now();
      concierge(perBatch);
      ours.push((performance.now() - start) / perBatch);
    }
    return { results, jsonLogic, concierge: ours, setup };
  })();
}

/** Where `./build.sh bench` wrote the bench build of the agent (`--features bench`). */
export function benchWasmPath(root) {
  return process.env.CONCIERGE_BENCH_WASM || join(root, "target/bench/concierge_bench.wasm");
}

/** Serves the bench build to the page at `/bench-wasm/concierge_bench.wasm`. */
async function routeBenchWasm(page, origin, root) {
  const file = benchWasmPath(root);
  if (!existsSync(file)) throw new Error(`${file} is missing: ./build.sh bench builds it (the agent with --features bench)`);
  await page.route(`${origin}/bench-wasm/concierge_bench.wasm`, (route) => route.fulfill({ status: 200, contentType: "application/wasm", body: readFileSync(file) }));
  return "/bench-wasm/concierge_bench.wasm";
}

/**
 * One targeting evaluation: json-logic-js and Concierge's own evaluator on the same rule and
 * data in the same isolated page, after checking that both give the expected result.
 */
export async function targeting(browser, origin, root, { batches, perBatch }) {
  let shop;
  const method = `${batches} batches of ${perBatch} evaluations, taking turns with the other evaluator; per-evaluation time of each batch`;
  try {
    shop = await openShop(browser, origin, root, { variant: "none", isolate: true });
    const wasmUrl = await routeBenchWasm(shop.page, origin, root);
    await shop.page.goto(`${origin}/`, { waitUntil: "load" });
    await shop.page.addScriptTag({ url: "/bench-peers/json-logic-js/logic.js" });
    const run = await shop.page.evaluate(evaluatorsInPage, { wasmUrl, rule: RULE, data: DATA, batches, perBatch });
    for (const [name, result] of [["json-logic-js", run.results.jsonLogic], ["Concierge", run.results.concierge]]) {
      if (result !== EXPECTED) throw new Error(`${name} yields ${JSON.stringify(result)} on the rule, expected ${EXPECTED}`);
    }
    const setupPerBatch = summary(run.setup.map((ms) => ms * 1000)).median;
    const jsonLogic = { name: "json-logic-js", ...summary(run.jsonLogic.map((ms) => ms * 1000)), unit: "µs", result: run.results.jsonLogic, method };
    const concierge = {
      name: "Concierge",
      ...summary(run.concierge.map((ms) => ms * 1000)),
      unit: "µs",
      result: run.results.concierge,
      method: `${method}; each batch is one call into the bench build's Wasm (\`concierge_bench_logic\`), which also reads the request, compiles the rule and writes the result once: ${setupPerBatch.toFixed(1)} µs per batch timed alone (median), included`,
    };
    return { rows: [jsonLogic, concierge], speedup: speedup(jsonLogic.median, concierge.median) };
  } catch (error) {
    return { error: String(error?.message ?? error).split("\n")[0], rows: [] };
  } finally {
    await shop?.context.close().catch(() => {});
  }
}

/** How many times faster `ours` is than `theirs` (above 1: faster), to two decimals; null without both. */
export function speedup(theirs, ours) {
  if (!(theirs > 0) || !(ours > 0)) return null;
  return Math.round((theirs / ours) * 100) / 100;
}

/**
 * Consecutive decisions timed together per sample: one decision is a few timer steps (5 µs in
 * the isolated page), so a median of single calls moves in steps of 5 µs; a batch's time over its
 * count does not. Each decision in a batch is the same call as alone.
 */
export const DECISION_BATCH = 10;

/**
 * In the page: the shipped Wasm engine (the very file the loader fetches), started as the shell
 * starts it on a product page with consent given and a phone in the cart, given the published
 * config with the campaigns document through the config input, then `DECISION_INPUTS` handed to
 * it `warmup` times untimed and `calls` times `batch` times timed, each call made as the shell
 * makes it (JSON written, engine run, effects read back), `batch` consecutive calls per sample
 * (per-call time: the batch's over `batch`); every fifth sample, untimed, the stored documents
 * asked for, as the shell does when it writes storage after the calls. The first call's effects
 * are returned for checking.
 */
function decisionInPage({ start, inputs, campaigns, calls, warmup, batch }) {
  return (async () => {
    const { instance } = await WebAssembly.instantiate(await (await fetch("/concierge/pkg/concierge_bg.wasm")).arrayBuffer(), {});
    const wasm = instance.exports;
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    const call = (entry, message) => {
      const bytes = encoder.encode(JSON.stringify(message));
      const at = wasm.concierge_alloc(bytes.length);
      new Uint8Array(wasm.memory.buffer, at, bytes.length).set(bytes);
      const length = entry(at, bytes.length);
      const output = decoder.decode(new Uint8Array(wasm.memory.buffer, wasm.concierge_output(), length));
      // The effects end at the first line break (the documents, when asked for, follow).
      const cut = output.indexOf("\n");
      return JSON.parse(cut < 0 ? output : output.slice(0, cut));
    };
    const warnings = [];
    // The keys the calls stored, as the shell keeps them until it writes storage.
    const waiting = new Set();
    const keep = (effects) => {
      for (const [verb, text] of effects) {
        if (verb === "warn") warnings.push(text);
        if (verb === "store") waiting.add(text);
      }
      return effects;
    };
    keep(call(wasm.concierge_start, { ...start, now: Date.now() }));
    const answer = await fetch("/v1/config?site=demo", { cache: "no-store" });
    const published = await answer.json();
    const documents = (published.documents ?? []).filter((entry) => entry.kind !== "campaigns");
    const body = { ...published, documents: [...documents, campaigns] };
    keep(call(wasm.concierge_handle, { now: Date.now(), in: [["config", { status: 200, etag: answer.headers.get("ETag"), body }]] }));
    const first = keep(call(wasm.concierge_handle, { now: Date.now(), in: inputs }));
    for (let i = 0; i < warmup; i++) {
      keep(call(wasm.concierge_handle, { now: Date.now(), in: inputs }));
      if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const times = [];
    let effects = 0;
    const outs = new Array(batch);
    for (let sample = 0; sample < calls; sample++) {
      const begin = performance.now();
      for (let i = 0; i < batch; i++) outs[i] = call(wasm.concierge_handle, { now: Date.now(), in: inputs });
      const end = performance.now();
      times.push((end - begin) / batch);
      for (const out of outs) effects += keep(out).length;
      if (sample % 5 === 4) {
        // Untimed, as the shell does when it writes storage in a task after the calls: the
        // documents of the keys stored asked for (src/web/storage.js), so the engine encodes
        // them and holds no more records.
        call(wasm.concierge_handle, { in: [["documents", [...waiting]]] });
        waiting.clear();
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
    return { first, times, effectsPerCall: effects / (calls * batch), warnings };
  })();
}

/** The start request the shell makes on the demo's product page (src/web/main.js, `boot`). */
const DECISION_START = {
  settings: { site: "demo", endpoint: "/v1", currency: "EUR", locale: "en-GB", checkoutPath: "/checkout/" },
  locale: "en-GB",
  gpc: false,
  tags: false,
  path: "/product/",
  page_type: "product",
  device: "desktop",
  tz_offset: 60,
  referrer: "",
  seed: [20261205, 1017],
  stored: [],
  calls: [
    ["consent", "accept", null],
    ["track", "add_to_cart", ITEM_PARAMS],
  ],
  layer: [],
};

/**
 * One full campaign decision with 50 campaigns: every trigger of the document set off in one
 * engine call (`DECISION_INPUTS`), so every campaign is a candidate and goes through schedule,
 * targeting, caps and arbitration. What the first decision showed is checked and reported.
 */
export async function decision(browser, origin, root, { calls, warmup, batch = DECISION_BATCH }) {
  let shop;
  try {
    shop = await openShop(browser, origin, root, { variant: "none", isolate: true });
    await shop.page.goto(`${origin}/`, { waitUntil: "load" });
    const timer = await shop.page.evaluate(timerResolutionInPage);
    const campaigns = benchCampaigns();
    const run = await shop.page.evaluate(decisionInPage, { start: DECISION_START, inputs: DECISION_INPUTS, campaigns, calls, warmup, batch });
    if (run.warnings.length) throw new Error(`the engine warned: ${run.warnings[0]}`);
    const outcomes = shownOutcomes(run.first);
    if (outcomes.shown + outcomes.holdout === 0) throw new Error("the first decision showed no campaign: the document did not reach the engine");
    return {
      timer,
      campaigns: campaigns.campaigns.length,
      triggers: [...new Set(campaigns.campaigns.map((entry) => entry.trigger.type))],
      inputs: DECISION_INPUTS.map(([kind, name]) => `${kind} ${name}`),
      firstDecision: outcomes,
      effectsPerCall: run.effectsPerCall,
      warmup,
      batch,
      ...summary(run.times.map((ms) => ms * 1000)),
      unit: "µs",
    };
  } catch (error) {
    return { error: String(error?.message ?? error).split("\n")[0] };
  } finally {
    await shop?.context.close().catch(() => {});
  }
}

/** From an engine call's effects: the campaigns shown, held back (holdout) and the views drawn. */
export function shownOutcomes(effects) {
  const counts = { shown: 0, holdout: 0, views: 0 };
  for (const [verb, topic, payload] of effects) {
    if (verb === "render") counts.views++;
    if (verb === "notify" && topic === "campaign" && (payload?.event === "shown" || payload?.event === "holdout")) counts[payload.event]++;
  }
  return counts;
}

/** JS heap in use after a full garbage collection, from the DevTools protocol. */
async function heapAfterGc(cdp) {
  await cdp.send("HeapProfiler.collectGarbage");
  const usage = await cdp.send("Runtime.getHeapUsage");
  return usage.usedSize;
}

/**
 * The agent's Wasm linear memory, through the shell module the loader imported: the same module
 * URL gives the same instance, whose `wasmMemoryBytes` reads the running engine's memory.
 */
function wasmMemoryInPage() {
  return import("/concierge/pkg/concierge.js").then((shell) => shell.wasmMemoryBytes());
}

function trackManyInPage({ count, params }) {
  return (async () => {
    const cycle = ["view_item", "add_to_cart", "view_item", "remove_from_cart"];
    for (let i = 0; i < count; i++) {
      window.concierge("track", cycle[i % cycle.length], params);
      if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    let stored = 0;
    for (const key of Object.keys(localStorage)) if (key.startsWith("concierge:")) stored += key.length + localStorage.getItem(key).length;
    return { storedCharacters: stored };
  })();
}

/** Memory: the page's JS heap with no agent, with alloy, and with Concierge before and after `events` events. */
export async function memory(browser, origin, root, { events }) {
  const result = { events };
  for (const variant of ["none", "alloy"]) {
    let shop;
    try {
      shop = await openShop(browser, origin, root, { variant });
      await shop.page.goto(`${origin}/`, { waitUntil: "load" });
      if (variant === "alloy" && (await firstMark(shop.page, ["bench:alloy:ready", "bench:alloy:failed"], READY_TIMEOUT_MS)) !== "bench:alloy:ready") {
        throw new Error("alloy did not become ready");
      }
      await shop.page.waitForTimeout(500);
      result[`${variant}Heap`] = await heapAfterGc(shop.cdp);
    } catch (error) {
      result[`${variant}Heap`] = { error: String(error?.message ?? error).split("\n")[0] };
    } finally {
      await shop?.context.close().catch(() => {});
    }
  }
  let shop;
  try {
    shop = await readyConcierge(browser, origin, root, { accept: true, isolate: false });
    result.conciergeHeapReady = await heapAfterGc(shop.cdp);
    result.wasmMemoryReady = await shop.page.evaluate(wasmMemoryInPage);
    const tracked = await shop.page.evaluate(trackManyInPage, { count: events, params: ITEM_PARAMS });
    await shop.page.waitForTimeout(1_500);
    result.conciergeHeapAfterEvents = await heapAfterGc(shop.cdp);
    result.wasmMemoryAfterEvents = await shop.page.evaluate(wasmMemoryInPage);
    result.storedCharactersAfterEvents = tracked.storedCharacters;
  } catch (error) {
    result.conciergeError = String(error?.message ?? error).split("\n")[0];
  } finally {
    await shop?.context.close().catch(() => {});
  }
  return result;
}

/** In the page: the slowest event of each interaction the Event Timing API reported. */
function interactionsInPage() {
  return new Promise((resolve) =>
    // Event entries are queued after the next paint; two frames later they are all in.
    requestAnimationFrame(() =>
      requestAnimationFrame(() =>
        setTimeout(() => {
          const byInteraction = {};
          for (const entry of window.__bench.events.filter((event) => event.interaction > 0)) {
            const slowest = byInteraction[entry.interaction];
            if (!slowest || entry.duration > slowest.duration) byInteraction[entry.interaction] = entry;
          }
          resolve(Object.values(byInteraction));
        }, 50),
      ),
    ),
  );
}

/**
 * Median and p95 of interaction durations where null means "under the Event Timing threshold"
 * (16 ms): such a sample sorts below every measured one and a statistic landing on it is reported
 * as null with `under: 16`.
 */
export function interactionSummary(values) {
  const sorted = [...values].sort((a, b) => (a ?? -1) - (b ?? -1));
  const at = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : null);
  const middle = sorted.length % 2 ? at(50) : sorted[sorted.length / 2 - 1] === null || sorted[sorted.length / 2] === null ? null : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return {
    median: middle,
    p95: at(95),
    max: sorted.length ? sorted[sorted.length - 1] : null,
    underThreshold: values.filter((value) => value === null).length,
    threshold: 16,
    samples: values.length,
  };
}

/**
 * The recovery banner on a returning visitor's page view: layout shift while it appears (from
 * the agent's nodes, and the page's CLS beside the page without agent), then a real click on its
 * dismiss button and that interaction's duration; and as many first visits, each with a real
 * click on the consent dialog's "Accept all" and that interaction's duration.
 */
export async function vitals(browser, origin, root, { loads, throttle }) {
  const samples = [];
  for (let i = 0; i < loads; i++) {
    let shop;
    try {
      shop = await openShop(browser, origin, root, { variant: "concierge", throttle, seed: true });
      await shop.page.goto(`${origin}/`, { waitUntil: "load" });
      // The recovery banner is the built-in campaign `cart-recovery` (issue 10).
      const banner = shop.page.locator("[data-view=campaign][data-campaign=cart-recovery]");
      await banner.waitFor({ timeout: READY_TIMEOUT_MS });
      await shop.page.waitForTimeout(SETTLE_MS);
      const shown = await pageRecord(shop.page);
      await banner.locator("[data-action=dismiss]").click();
      await banner.waitFor({ state: "detached", timeout: 5_000 });
      const interactions = await shop.page.evaluate(interactionsInPage);
      const dismiss = interactions.sort((a, b) => b.start - a.start)[0] ?? null;
      samples.push({
        cls: cumulativeLayoutShift(shown.shifts),
        agentShifts: shown.shifts.filter((shift) => shift.agent).length,
        agentShiftValue: shown.shifts.filter((shift) => shift.agent).reduce((sum, shift) => sum + shift.value, 0),
        // No entry means the interaction took less than the API's 16 ms threshold.
        dismissInteraction: dismiss ? dismiss.duration : null,
        dismissEvent: dismiss ? dismiss.name : null,
      });
    } catch (error) {
      samples.push({ error: String(error?.message ?? error).split("\n")[0] });
    } finally {
      await shop?.context.close().catch(() => {});
    }
  }
  // A first visit: the consent dialog's "Accept all", the click every new visitor who accepts
  // makes (the engine records the choice, stores, sends the receipt and closes the dialog).
  const accepts = [];
  for (let i = 0; i < loads; i++) {
    let shop;
    try {
      shop = await openShop(browser, origin, root, { variant: "concierge", throttle });
      await shop.page.goto(`${origin}/`, { waitUntil: "load" });
      const dialog = shop.page.locator("[data-view=consent]");
      await dialog.waitFor({ timeout: READY_TIMEOUT_MS });
      await shop.page.waitForTimeout(SETTLE_MS);
      await dialog.locator("[data-action=accept]").click();
      await dialog.waitFor({ state: "detached", timeout: 5_000 });
      const interactions = await shop.page.evaluate(interactionsInPage);
      const accept = interactions.sort((a, b) => b.start - a.start)[0] ?? null;
      accepts.push({ acceptInteraction: accept ? accept.duration : null });
    } catch (error) {
      accepts.push({ error: String(error?.message ?? error).split("\n")[0] });
    } finally {
      await shop?.context.close().catch(() => {});
    }
  }
  const good = samples.filter((sample) => !sample.error);
  const accepted = accepts.filter((sample) => !sample.error);
  return {
    loads,
    throttle,
    measured: good.length,
    failures: [...samples, ...accepts].filter((sample) => sample.error).map((sample) => sample.error),
    acceptInteraction: interactionSummary(accepted.map((sample) => sample.acceptInteraction)),
    acceptMeasured: accepted.length,
    cls: summary(good.map((sample) => sample.cls)),
    agentShiftValue: summary(good.map((sample) => sample.agentShiftValue)),
    agentShifts: good.reduce((sum, sample) => sum + sample.agentShifts, 0),
    dismissInteraction: interactionSummary(good.map((sample) => sample.dismissInteraction)),
    samples,
  };
}
