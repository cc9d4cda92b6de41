//! The network: batches by `fetch` (or `sendBeacon` as the page goes), one tab at a time.
//!
//! Only engine effects reach here, so only what consent allowed is ever sent. Answers go back
//! to the engine as inputs; how to retry is the engine's decision.
//!
//! The page owns `fetch` and `navigator.locks` and may have replaced them: whatever they throw,
//! return or never settle becomes a failed attempt (a retry), never an exception in the page
//! or an agent that waits forever.

import { warn } from "./console.js";
import { describeThrown } from "./data.js";

/** Bodies above this are not sent with `keepalive`, whose budget browsers cap at 64 KiB. */
const KEEPALIVE_LIMIT = 60000;
const REQUEST_TIMEOUT_MS = 15000;
/** A `fetch` that ignores its abort signal is given up on this much later. */
const GIVE_UP_GRACE_MS = 1000;

/** How long a lock request may go unanswered before this tab sends without the lock. */
const LOCK_WAIT_MS = 5000;

/** The request under way, so the flush lock is held until it is answered. */
let inFlight = null;
/** A throwing `fetch` is reported once per page, not at every retry. */
let fetchThrew = false;

/** Takes the cross-tab flush lock (Web Locks) if free, then answers `granted(true|false)`. */
export function lock(name, granted) {
  let answered = false;
  const answer = (value) => {
    if (!answered) {
      answered = true;
      granted(value);
    }
  };
  try {
    const locks = navigator.locks;
    if (!locks || typeof locks.request != "function") return answer(true);
    const returned = locks.request(name, { ifAvailable: true }, (held) => {
      answer(held !== null);
      const request = inFlight;
      inFlight = null;
      // The lock is held until the request this tab just started is answered.
      return held && request ? request.then(nothing, nothing) : undefined;
    });
    // A lock manager that fails without ever calling back is as good as none, and so is one
    // that never answers at all: with `ifAvailable` a working one answers at once, even when
    // another tab holds the lock. The server counts a batch sent twice once.
    Promise.resolve(returned).catch(() => answer(true));
    setTimeout(() => answer(true), LOCK_WAIT_MS);
  } catch (error) {
    answer(true);
  }
}

function nothing() {}

/** Sends a batch; `answered(status, retryAfterMs, cartCodeTaken)` hears the outcome (status 0:
 * no answer), except for beacons, which get none. */
export function send(url, body, beacon, answered) {
  if (beacon) {
    // Too big for a beacon, or refused: a keepalive fetch is the last resort.
    if (!sendBeacon(url, body)) post(url, body).catch(nothing);
    return;
  }
  // Two arguments to `then`, not `then().catch()`: a failure inside `answered` must not make
  // the engine hear a second answer for the same batch.
  inFlight = post(url, body).then((response) => outcome(response, answered), () => answered(0, null, false));
}

function post(url, body) {
  const init = {
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
    keepalive: body.length <= KEEPALIVE_LIMIT,
  };
  return settledFetch(url, init);
}

/** `fetch` as a promise that settles: a throw becomes a rejection (reported once), and a
 * request that outlives its timeout is given up on. */
function settledFetch(url, init) {
  let answer;
  try {
    if (typeof AbortSignal == "function" && typeof AbortSignal.timeout == "function") {
      init.signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    }
    answer = Promise.resolve(fetch(url, init));
  } catch (thrown) {
    if (!fetchThrew) {
      fetchThrew = true;
      warn("window.fetch threw (" + describeThrown(thrown) + "); the agent's requests are retried later");
    }
    return Promise.reject(thrown);
  }
  const giveUp = new Promise((resolve, reject) => {
    try {
      setTimeout(reject, REQUEST_TIMEOUT_MS + GIVE_UP_GRACE_MS);
    } catch (error) {}
  });
  return Promise.race([answer, giveUp]);
}

/** `text/plain` keeps a cross-origin beacon a simple request (no preflight it could not make). */
function sendBeacon(url, body) {
  try {
    return navigator.sendBeacon(url, new Blob([body], { type: "text/plain;charset=UTF-8" })) === true;
  } catch (error) {
    return false;
  }
}

/** The answer as the engine reads it: status, `Retry-After` in milliseconds, and for a 2xx
 * whether the backend said the cart code was taken. */
function outcome(response, answered) {
  const status = Number(response && response.status) || 0;
  if (status > 199 && status < 300) {
    return Promise.resolve()
      .then(() => response.json())
      .then((body) => answered(status, null, !!(body && body.cart_code_taken === true)), () => answered(status, null, false));
  }
  let retry = null;
  try {
    retry = retryAfter(response.headers.get("retry-after"));
  } catch (error) {}
  answered(status, retry, false);
}

/** `Retry-After` as seconds or as an HTTP date, in milliseconds from now. */
function retryAfter(header) {
  if (!header) return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** Sends a consent receipt; `answered(status)` hears the outcome (0: no answer). How to retry
 * is the engine's decision, as for batches; receipts take no part in the flush lock. */
export function receipt(url, body, answered) {
  post(url, body).then((response) => answered(Number(response && response.status) || 0), () => answered(0));
}

/** Asks the backend what staff recorded for this visitor; `loaded(body)` hears the JSON. */
export function fetchIntents(url, secret, loaded) {
  settledFetch(url, { method: "GET", headers: { "x-concierge-secret": secret } })
    .then((response) => {
      // 404: the backend has not heard of this visitor yet; nothing to pick up.
      if (response && response.ok) return response.json().then(loaded, () => loaded(null));
    })
    .catch(nothing);
}
