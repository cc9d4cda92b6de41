//! The time and the agent's one timer, through `Date.now()` and `setTimeout` so that test
//! clocks (Playwright's `page.clock`) drive them.

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
