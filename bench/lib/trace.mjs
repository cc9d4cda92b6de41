// Benchmark, the agent's main-thread tasks from a Chromium trace: each task that runs a script of the agent's, with its CPU time (the main thread's own, which other processes on a busy machine do not stretch) and its wall-clock time; and what the main thread did from DOMContentLoaded to the agent's ready.

/** The trace categories that carry tasks (with their thread time) and the script calls in them. */
export const TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8", "v8.execute", "toplevel", "loading", "blink.user_timing"];

/** Script entries whose URL says whose code ran. */
const SCRIPT_EVENTS = ["FunctionCall", "EvaluateScript", "v8.callFunction", "V8.Execute", "RunMicrotasks", "TimerFire", "FireAnimationFrame"];

/** The renderer main thread's events (`own`: its complete events). */
function mainThread(trace) {
  const events = trace.traceEvents ?? trace;
  const main = events.find((event) => event.name === "thread_name" && event.args?.name === "CrRendererMain");
  if (!main) return null;
  const all = events.filter((event) => event.pid === main.pid && event.tid === main.tid);
  return { events, all, own: all.filter((event) => event.ph === "X") };
}

/**
 * The renderer main thread's outermost tasks in which a script from a URL containing `source`
 * ran: `[{ start (µs), cpu (ms), wall (ms), what }]`, longest CPU time first. `what` names up
 * to three of the functions called in it (minified names, as the page ran them).
 */
export function agentTasks(trace, source) {
  return mainTasks(trace, source)
    .filter((task) => task.agent)
    .map(({ start, cpu, wall, what }) => ({ start, cpu, wall, what }))
    .sort((a, b) => b.cpu - a.cpu);
}

/**
 * From `DOMContentLoaded` (the main thread's `MarkDOMContent`) to the performance mark `mark`:
 * how long (ms), and how much of it the main thread spent in tasks that ran `source`'s scripts
 * (`agent`), in tasks that ran only other scripts (`page`: the page's, and promise callbacks
 * the trace names no script for, some of them the agent's), in tasks without a script
 * (`rendering`: style, layout and paint, the agent's views' included, and parsing), and in none
 * (`idle`: waiting for the network or another thread); and when the loader (`source`loader.js)
 * began to run, from `DOMContentLoaded` (`loaderRan`, negative when before; `null` if not seen).
 * `null` when either moment is missing.
 */
export function untilMark(trace, source, mark) {
  const thread = mainThread(trace);
  if (!thread) return null;
  const loaded = thread.all.find((event) => event.name === "MarkDOMContent");
  const marked = thread.events.find((event) => event.name === mark && event.ph !== "e");
  if (!loaded || !marked) return null;
  const [from, to] = [loaded.ts, marked.ts];
  const spent = { agent: 0, page: 0, rendering: 0 };
  for (const task of mainTasks(trace, source)) {
    const overlap = Math.min(task.start + task.wall * 1000, to) - Math.max(task.start, from);
    if (overlap > 0) spent[task.agent ? "agent" : task.script ? "page" : "rendering"] += overlap / 1000;
  }
  const total = (to - from) / 1000;
  // When the loader (the script tag) began to run: an async script runs when the page lets it.
  const loader = thread.own.find((event) => event.name === "EvaluateScript" && String(event.args?.data?.url ?? "").includes(`${source}loader.js`));
  const loaderRan = loader ? (loader.ts - from) / 1000 : null;
  return { total, ...spent, idle: Math.max(0, total - spent.agent - spent.page - spent.rendering), loaderRan };
}

/** Every outermost task of the main thread, `agent` when a script of `source` ran in it. */
function mainTasks(trace, source) {
  const thread = mainThread(trace);
  if (!thread) return [];
  const { own } = thread;
  // A task's run nests inside the scheduler's own entry for it: only the outermost counts.
  const runs = own.filter((event) => event.name === "RunTask" || event.name === "ThreadControllerImpl::RunTask").sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const tasks = [];
  let end = -Infinity;
  for (const run of runs) {
    if (run.ts < end) continue;
    tasks.push(run);
    end = run.ts + run.dur;
  }
  const calls = own.filter((event) => {
    const data = event.args?.data;
    const url = data?.url ?? data?.stackTrace?.[0]?.url ?? "";
    return SCRIPT_EVENTS.includes(event.name) && String(url).includes(source);
  });
  const scripts = own.filter((event) => SCRIPT_EVENTS.includes(event.name));
  return tasks.map((task) => {
    const within = (event) => event.ts >= task.ts && event.ts < task.ts + task.dur;
    const inside = calls.filter(within);
    const what = [...new Set(inside.map((call) => call.args.data.functionName || call.name))].slice(0, 3).join(", ");
    // `script`: some script ran in it (the page's, when not the agent's); else rendering or parsing.
    return { start: task.ts, cpu: (task.tdur ?? task.dur) / 1000, wall: task.dur / 1000, what, agent: inside.length > 0, script: scripts.some(within) };
  });
}
