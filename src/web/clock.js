//! The time and the agent's one timer, through `Date.now()` and `setTimeout` so that test
//! clocks (Playwright's `page.clock`) drive them; and `nextTask` and `afterPaint`, work put off
//! to a task of its own, soon or after the next frame.

let timer = null;

export function now() {
  return Date.now();
}

/** Calls `tick` at `at`, replacing the earlier request (unless it is for the same time). */
export function wakeAt(at, tick) {
  if (timer && timer.at === at) return;
  cancel();
  try {
    const id = setTimeout(() => {
      timer = null;
      tick();
    }, Math.max(0, Math.min(at - now(), 2147483647)));
    timer = { id, at };
  } catch (error) {}
}

export function cancel() {
  if (!timer) return;
  try {
    clearTimeout(timer.id);
  } catch (error) {}
  timer = null;
}

/** Runs `action` once, in a task of its own, soon: `scheduler.postTask` where the browser has
 * it, and a zero timer beside it in case the page replaced either (or a test's clock holds the
 * timers); whichever comes second does nothing. */
export function nextTask(action) {
  let done = false;
  const once = () => done || ((done = true), action());
  try {
    if (typeof scheduler == "object" && scheduler && typeof scheduler.postTask == "function") {
      Promise.resolve(scheduler.postTask(once, { priority: "user-blocking" })).catch(() => {});
    }
  } catch (error) {}
  try {
    setTimeout(once, 0);
  } catch (error) {}
}

/** Runs `action` once, soon after the next frame is drawn: in a task queued from the frame's
 * animation callbacks; on a page that draws no frame (hidden) or whose frames a test's clock
 * holds, after a quarter of a second. For work that must not delay the frame a click waits for. */
export function afterPaint(action) {
  let done = false;
  const once = () => done || ((done = true), action());
  try {
    requestAnimationFrame(() => nextTask(once));
  } catch (error) {}
  try {
    if (typeof scheduler == "object" && scheduler && typeof scheduler.postTask == "function") {
      Promise.resolve(scheduler.postTask(once, { priority: "background", delay: 250 })).catch(() => {});
    } else setTimeout(once, 250);
  } catch (error) {}
}
