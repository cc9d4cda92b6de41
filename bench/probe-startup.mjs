// Benchmark probe: the agent's start-up tasks at 4x CPU throttling on the demo's home page, builds A and B in turns.
//
// `node bench/probe-startup.mjs VIEWS DIR_A [DIR_B ...]`: each DIR is a copy of www/concierge
// (loader.js, pkg/); its files are served in the place of /concierge/ (by the browser's request
// routing), so two shells are compared on the same server, the builds taking turns view by view
// (the machine is shared and noisy). Per build: the median over the cold views of the longest
// agent script run (long-animation-frame script entries from /concierge/, as the benchmark's
// page cost counts them), the views with one over 50 ms and what those were, and ready and
// config after DOMContentLoaded, and per kind of agent script run (its invoker) the median of each
// view's longest. Needs target/release/concierge-server (or CONCIERGE_SERVER).
// `PROBE_THROTTLE` changes the throttling (default 4); `PROBE_VERBOSE=1` prints each view's agent
// script runs over 20 ms and its performance marks.

import { fileURLToPath } from "node:url";
import { firstMark, openShop, pageRecord } from "./lib/browser.mjs";
import { inTurns, serveBuild } from "./lib/probe.mjs";
import { summary } from "./lib/stats.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const [viewsArgument, ...dirs] = process.argv.slice(2);
const views = Number(viewsArgument);
if (!(views > 0) || !dirs.length) {
  console.error("usage: node bench/probe-startup.mjs VIEWS DIR_A [DIR_B ...]  (each DIR a copy of www/concierge)");
  process.exit(2);
}
const throttle = Number(process.env.PROBE_THROTTLE || 4);

async function oneView(browser, origin, dir) {
  const shop = await openShop(browser, origin, ROOT, { variant: "concierge", throttle });
  try {
    if (process.env.PROBE_VERBOSE) {
      await shop.page.addInitScript(() => {
        const scripts = (window.__probeScripts = []);
        new PerformanceObserver((list) =>
          list.getEntries().forEach((frame) => frame.scripts.forEach((script) => scripts.push(script.toJSON()))),
        ).observe({ type: "long-animation-frame", buffered: true });
      });
    }
    await serveBuild(shop.page, origin, dir);
    await shop.page.goto(`${origin}/`, { waitUntil: "load", timeout: 60_000 });
    if ((await firstMark(shop.page, ["concierge:ready"], 15_000)) === null) return { error: "not ready" };
    await firstMark(shop.page, ["concierge:config"], 5_000);
    await shop.page.waitForTimeout(1_000);
    const record = await pageRecord(shop.page);
    const runs = record.frames.flatMap((frame) => frame.scripts.map((script) => ({ ...script, frameStart: frame.start }))).filter((script) => String(script.source).includes("/concierge/"));
    const name = (run) => `${/^https?:/.test(run.invoker) ? "script evaluation" : run.invoker} (${String(run.source).split("/").pop()})`;
    if (process.env.PROBE_VERBOSE) {
      const marks = await shop.page.evaluate(() => performance.getEntriesByType("mark").map((m) => `${m.name}@${Math.round(m.startTime)}`));
      const long = runs.filter((run) => run.duration > 20).map((run) => `${name(run)} frame@${Math.round(run.frameStart)} ${Math.round(run.duration)}`);
      const scripts = await shop.page.evaluate(() => window.__probeScripts.filter((script) => script.sourceURL.includes("/concierge/") && script.duration > 20));
      for (const script of scripts) console.log(`      ${script.invokerType} ${script.invoker} ${script.sourceFunctionName} @${Math.round(script.startTime)} ${Math.round(script.duration)} ms (compile/exec start @${Math.round(script.executionStart)}, forced style ${Math.round(script.forcedStyleAndLayoutDuration)}, paused ${Math.round(script.pauseDuration)})`);
      console.log(`    ${dir}: DCL@${Math.round(record.domContentLoaded)} ${long.join("; ")} | ${marks.join(" ")}`);
    }
    const byInvoker = {};
    for (const run of runs) byInvoker[name(run)] = Math.max(byInvoker[name(run)] ?? 0, run.duration);
    return {
      byInvoker,
      longest: runs.reduce((longest, run) => Math.max(longest, run.duration), 0),
      over50: runs.filter((run) => run.duration > 50).map((run) => `${name(run)} ${Math.round(run.duration)}`),
      ready: record.marks.conciergeReady - record.domContentLoaded,
      config: record.marks.conciergeConfig === null ? null : record.marks.conciergeConfig - record.domContentLoaded,
      errors: shop.errors,
    };
  } finally {
    await shop.context.close().catch(() => {});
  }
}

const results = await inTurns(dirs, views, oneView);
for (const [index, dir] of dirs.entries()) {
  const good = results[index].filter((result) => !result.error);
  const median = (name) => summary(good.map((result) => result[name]).filter((value) => value !== null)).median;
  console.log(`${dir}: ${good.length} of ${views} views at ${throttle}x`);
  console.log(`  longest agent script run, median ${median("longest").toFixed(1)} ms; per view: ${good.map((r) => Math.round(r.longest)).join(" ")}`);
  console.log(`  views with an agent script run over 50 ms: ${good.filter((r) => r.over50.length).length}`);
  console.log(`  over 50 ms: ${good.flatMap((r) => r.over50).join("; ") || "none"}`);
  const invokers = [...new Set(good.flatMap((r) => Object.keys(r.byInvoker)))];
  for (const invoker of invokers) {
    const durations = good.map((r) => r.byInvoker[invoker]).filter((value) => value !== undefined);
    console.log(`  ${invoker}: longest per view, median ${summary(durations).median.toFixed(1)} ms over ${durations.length} views; over 50 ms in ${durations.filter((d) => d > 50).length}`);
  }
  console.log(`  ready after DOMContentLoaded, median ${median("ready").toFixed(1)} ms; config ${median("config").toFixed(1)} ms`);
  const errors = [...new Set(good.flatMap((r) => r.errors)), ...results[index].filter((r) => r.error).map((r) => r.error)];
  if (errors.length) console.log(`  errors: ${errors.join("; ")}`);
}
