// Benchmark, measurements in the browser: page cost of each variant at 4x CPU throttling, Concierge's start-up, per-event cost, memory, and the Web Vitals of the recovery banner.

import { firstMark, openShop, pageRecord } from "./browser.mjs";
import { summary } from "./stats.mjs";
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

/** In the page: json-logic-js on the shared rule, timed in batches (one call is below the timer's step). */
function jsonLogicInPage({ rule, data, batches, perBatch }) {
  const apply = window.jsonLogic.apply;
  const result = apply(rule, data);
  for (let i = 0; i < perBatch * 10; i++) apply(rule, data);
  const perCall = [];
  for (let batch = 0; batch < batches; batch++) {
    const start = performance.now();
    for (let i = 0; i < perBatch; i++) apply(rule, data);
    perCall.push((performance.now() - start) / perBatch);
  }
  return { result, perCall };
}

/** One targeting evaluation: json-logic-js now; Concierge's evaluator arrives with the campaigns issue. */
export async function targeting(browser, origin, root, { batches, perBatch }) {
  let shop;
  try {
    shop = await openShop(browser, origin, root, { variant: "none", isolate: true });
    await shop.page.goto(`${origin}/`, { waitUntil: "load" });
    await shop.page.addScriptTag({ url: "/bench-peers/json-logic-js/logic.js" });
    const { result, perCall } = await shop.page.evaluate(jsonLogicInPage, { rule: RULE, data: DATA, batches, perBatch });
    if (result !== EXPECTED) throw new Error(`json-logic-js yields ${JSON.stringify(result)} on the rule, expected ${EXPECTED}`);
    return {
      rows: [
        { name: "json-logic-js", ...summary(perCall.map((ms) => ms * 1000)), unit: "µs", method: `${batches} batches of ${perBatch} calls, per-call time of each batch` },
        { name: "Concierge", pending: "Concierge's evaluator arrives with the campaigns issue" },
      ],
    };
  } catch (error) {
    return { rows: [{ name: "json-logic-js", error: String(error?.message ?? error).split("\n")[0] }, { name: "Concierge", pending: "Concierge's evaluator arrives with the campaigns issue" }] };
  } finally {
    await shop?.context.close().catch(() => {});
  }
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
 * dismiss button and that interaction's duration.
 */
export async function vitals(browser, origin, root, { loads, throttle }) {
  const samples = [];
  for (let i = 0; i < loads; i++) {
    let shop;
    try {
      shop = await openShop(browser, origin, root, { variant: "concierge", throttle, seed: true });
      await shop.page.goto(`${origin}/`, { waitUntil: "load" });
      const banner = shop.page.locator("[data-view=recovery]");
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
  const good = samples.filter((sample) => !sample.error);
  return {
    loads,
    throttle,
    measured: good.length,
    failures: samples.filter((sample) => sample.error).map((sample) => sample.error),
    cls: summary(good.map((sample) => sample.cls)),
    agentShiftValue: summary(good.map((sample) => sample.agentShiftValue)),
    agentShifts: good.reduce((sum, sample) => sum + sample.agentShifts, 0),
    dismissInteraction: interactionSummary(good.map((sample) => sample.dismissInteraction)),
    samples,
  };
}
