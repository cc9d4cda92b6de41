//! The page's IAB TCF v2.2 consent manager (CMP): found as `__tcfapi` on this window, or as the
//! `__tcfapiLocator` frame of a parent window when the CMP lives there (then spoken to with
//! `postMessage`: `__tcfapiCall` out, `__tcfapiReturn` back). The agent listens with
//! `addEventListener` (version 2) and hears every later change; the TC string itself is
//! decoded by the `tcf` lazy module, not here.
//!
//! A CMP is the page's code: every call into it and every read of what it answers is guarded,
//! so one that throws, answers garbage or never answers leaves the agent working.

/** The longest TC string read: far above any real one (a full vendor bitfield is a few KB). */
const MAX_LENGTH = 65536;

/** The page's `__tcfapi(command, version, callback, parameter)`, or one that reaches the CMP
 * of a parent frame by `postMessage`; `null` when the page has no CMP. */
export function find() {
  try {
    if (typeof window.__tcfapi == "function") return window.__tcfapi;
  } catch (error) {}
  let frame = window;
  for (let depth = 0; frame && depth < 16; depth++) {
    try {
      if (frame.frames.__tcfapiLocator) return viaFrame(frame);
    } catch (error) {}
    if (frame === window.top) break;
    try {
      frame = frame.parent;
    } catch (error) {
      break;
    }
  }
  return null;
}

/** `__tcfapi` over `postMessage` to the window holding the locator frame: each call gets an
 * id, and only answers from that window with a known id reach their callback. */
function viaFrame(target) {
  const callbacks = new Map();
  let next = 0;
  const answer = (event) => {
    try {
      if (event.source !== target) return;
      let data = event.data;
      if (typeof data == "string") data = JSON.parse(data);
      const reply = data && data.__tcfapiReturn;
      const callback = reply && callbacks.get(reply.callId);
      if (callback) callback(reply.returnValue, reply.success);
    } catch (error) {}
  };
  window.addEventListener("message", answer);
  const api = (command, version, callback, parameter) => {
    const callId = "concierge-" + ++next;
    callbacks.set(callId, callback);
    target.postMessage({ __tcfapiCall: { command, parameter, version, callId } }, "*");
  };
  api.close = () => window.removeEventListener("message", answer);
  return api;
}

/** Follows the CMP: `onSignal(gdprApplies, tcString)` once it has loaded a choice and after
 * every later one the visitor makes; `onSignal(true, null, thrown)` when `__tcfapi` throws,
 * so the agent asks for consent itself. Returns what stops following. */
export function follow(api, onSignal) {
  let listenerId;
  const heard = (data, success) => {
    try {
      if (!success || !data || typeof data != "object") return;
      if (typeof data.listenerId == "number") listenerId = data.listenerId;
      // `cmpuishown` and the like carry no settled choice.
      if (data.eventStatus !== "tcloaded" && data.eventStatus !== "useractioncomplete") return;
      const applies = data.gdprApplies !== false;
      const tcString = data.tcString;
      const readable = typeof tcString == "string" && tcString.length <= MAX_LENGTH;
      onSignal(applies, readable ? tcString : "");
    } catch (error) {}
  };
  try {
    api("addEventListener", 2, heard);
  } catch (thrown) {
    onSignal(true, null, thrown);
  }
  return () => {
    try {
      if (listenerId !== undefined) api("removeEventListener", 2, () => {}, listenerId);
    } catch (error) {}
    if (api.close) api.close();
  };
}
