// Benchmark probe: the CPU time of each main-thread task that runs the agent's code on the demo's home page, builds A and B in turns, from Chromium's trace; for a machine too busy for wall-clock timings.
//
// `node bench/probe-tasks.mjs VIEWS DIR_A [DIR_B ...]`: each DIR is a copy of www/concierge
// served in the place of /concierge/, as bench/probe-startup.mjs does, the builds taking turns
// view by view. Each cold view is traced (`devtools.timeline` and V8's categories); a task is
// the agent's when a script call inside it is from `/concierge/`. Per build: the median over
// the views of the longest such task's CPU time (`tdur`: the main thread's own time, which
// neither the machine's other work nor DevTools' CPU throttling stretches; throttled 4× it
// would take about four times as long), of the second longest, and of their sum, and the
// longest tasks of one view. `PROBE_SEED=1` seeds a returning visitor with an abandoned cart.

import { fileURLToPath } from "node:url";
import { firstMark, openShop } from "./lib/browser.mjs";
import { inTurns, serveBuild } from "./lib/probe.mjs";
import { summary } from "./lib/stats.mjs";
import { TRACE_CATEGORIES, agentTasks } from "./lib/trace.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const [viewsArgument, ...dirs] = process.argv.slice(2);
const views = Number(viewsArgument);
if (!(views > 0) || !dirs.length) {
  console.error("usage: node bench/probe-tasks.mjs VIEWS DIR_A [DIR_B ...]  (each DIR a copy of www/concierge)");
  process.exit(2);
}
const throttle = Number(process.env.PROBE_THROTTLE || 1);

async function oneView(browser, origin, dir) {
  const shop = await openShop(browser, origin, ROOT, { variant: "concierge", throttle, seed: !!process.env.PROBE_SEED });
  try {
    await serveBuild(shop.page, origin, dir);
    await browser.startTracing(shop.page, { categories: TRACE_CATEGORIES });
    await shop.page.goto(`${origin}/`, { waitUntil: "load", timeout: 60_000 });
    if ((await firstMark(shop.page, ["concierge:ready"], 15_000)) === null) return { error: "not ready" };
    await firstMark(shop.page, ["concierge:config"], 5_000);
    await shop.page.waitForTimeout(500);
    const trace = JSON.parse((await browser.stopTracing()).toString("utf8"));
    return { tasks: agentTasks(trace, "/concierge/") };
  } finally {
    await shop.context.close().catch(() => {});
  }
}

const results = await inTurns(dirs, views, oneView);
for (const [index, dir] of dirs.entries()) {
  const good = results[index].filter((result) => !result.error);
  const nth = (n) => summary(good.map((result) => result.tasks[n]?.cpu ?? 0)).median;
  const total = summary(good.map((result) => result.tasks.reduce((sum, task) => sum + task.cpu, 0))).median;
  console.log(`${dir}: ${good.length} of ${views} views; CPU time of the agent's tasks at ${throttle}x (median over views)`);
  console.log(`  longest ${nth(0).toFixed(1)} ms, second ${nth(1).toFixed(1)} ms, third ${nth(2).toFixed(1)} ms; all the agent's tasks ${total.toFixed(1)} ms`);
  console.log(`  per view, longest: ${good.map((result) => (result.tasks[0]?.cpu ?? 0).toFixed(1)).join(" ")}`);
  const last = good.at(-1);
  if (last) console.log(`  last view, longest first: ${last.tasks.slice(0, 5).map((task) => `${task.cpu.toFixed(1)} ms (${task.what})`).join("; ")}`);
  if (last && process.env.PROBE_VERBOSE) {
    const first = Math.min(...last.tasks.map((task) => task.start));
    const inOrder = [...last.tasks].sort((a, b) => a.start - b.start);
    console.log(`  last view, in order: ${inOrder.map((task) => `@${((task.start - first) / 1000).toFixed(0)} ${task.cpu.toFixed(1)}/${task.wall.toFixed(1)} ms (${task.what})`).join("; ")}`);
  }
  const failed = results[index].filter((result) => result.error);
  if (failed.length) console.log(`  errors: ${failed.map((result) => result.error).join("; ")}`);
}
