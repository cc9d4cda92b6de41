// Benchmark, the agent's main-thread tasks from a Chromium trace: each task that runs a script of the agent's, with its CPU time (the main thread's own, which neither other processes on a busy machine nor DevTools' CPU throttling stretch) and its wall-clock time.

/** The trace categories that carry tasks (with their thread time) and the script calls in them. */
export const TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8", "v8.execute", "toplevel"];

/** Script entries whose URL says whose code ran. */
const SCRIPT_EVENTS = ["FunctionCall", "EvaluateScript", "v8.callFunction", "V8.Execute", "RunMicrotasks", "TimerFire", "FireAnimationFrame"];

/**
 * The renderer main thread's outermost tasks in which a script from a URL containing `source`
 * ran: `[{ start (µs), cpu (ms), wall (ms), what }]`, longest CPU time first. `what` names up
 * to three of the functions called in it (minified names, as the page ran them).
 */
export function agentTasks(trace, source) {
  const events = trace.traceEvents ?? trace;
  const main = events.find((event) => event.name === "thread_name" && event.args?.name === "CrRendererMain");
  if (!main) return [];
  const own = events.filter((event) => event.pid === main.pid && event.tid === main.tid && event.ph === "X");
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
  const found = [];
  for (const task of tasks) {
    const inside = calls.filter((call) => call.ts >= task.ts && call.ts < task.ts + task.dur);
    if (!inside.length) continue;
    const what = [...new Set(inside.map((call) => call.args.data.functionName || call.name))].slice(0, 3).join(", ");
    found.push({ start: task.ts, cpu: (task.tdur ?? task.dur) / 1000, wall: task.dur / 1000, what });
  }
  return found.sort((a, b) => b.cpu - a.cpu);
}
