//! The page happenings campaigns trigger on, listened to only as the engine's `watch` effect
//! asks: exit intent (desktop), idle time, scroll depth, visible time on the page and a
//! single-page app's route changes. Each becomes one signal, `signal(name, value)`, which the
//! shell hands to the engine as `["signal", name, value]`; whether anything shows is the
//! engine's decision.
//!
//! `watch` may come again with fewer triggers (caps used up): a watcher whose part of the
//! request changed is removed and, if still asked for, installed anew; what a page view has
//! already counted (visible time, scroll thresholds passed) stays until `stop()`.
//!
//! The routes come from the page's own `history.pushState` and `replaceState`, wrapped as
//! `capture` wraps `dataLayer.push`: the page's function runs first with the same `this` and
//! arguments, its result (or exception) is the caller's, and only then is the path read. A page
//! that replaced them with something that is not a function, or that cannot be replaced, is
//! left alone with one warning.

import { now } from "./clock.js";
import { warn } from "./console.js";

/** What each watcher installed, by the `watch` key it serves: `[request as JSON, undo]`. */
let installed = {};
let signal = null;
/** Per page view: scroll thresholds passed, visible time counted, the last path signalled. */
let passed = new Set();
let visible = null;
let lastPath = null;

/** Installs the watchers `request` names (`{ exit_intent, idle, scroll, time, route }`) and
 * removes the others; `emit(name, value)` hears each signal. */
export function watch(request, emit) {
  signal = emit;
  request = request || {};
  for (const key of Object.keys(WATCHERS)) {
    const wanted = request[key];
    const asked = wanted === true || (Array.isArray(wanted) && wanted.length > 0) ? JSON.stringify(wanted) : null;
    const current = installed[key];
    if (current && current[0] === asked) continue;
    if (current) guard(current[1]);
    delete installed[key];
    if (asked === null) continue;
    let undo = null;
    try {
      undo = WATCHERS[key](wanted);
    } catch (error) {}
    if (undo) installed[key] = [asked, undo];
  }
}

/** Removes every listener and timer and puts the page's history functions back. */
export function stop() {
  for (const key of Object.keys(installed)) guard(installed[key][1]);
  installed = {};
  signal = null;
  passed = new Set();
  visible = null;
  lastPath = null;
}

function guard(action) {
  try {
    action();
  } catch (error) {}
}

function emit(name, value) {
  if (signal) signal(name, value);
}

/** Adds listeners to `target` and returns the function that removes them. */
function listen(target, names, listener, options) {
  for (const name of names) target.addEventListener(name, listener, options);
  return () => names.forEach((name) => target.removeEventListener(name, listener, options));
}

/** The page's `setTimeout`, which a test clock drives; `0` when the page broke it. */
function later(action, ms) {
  try {
    return setTimeout(action, Math.max(0, ms));
  } catch (error) {
    return 0;
  }
}

function seconds(list) {
  return list.filter((value) => typeof value == "number" && value >= 0).sort((a, b) => a - b);
}

function matches(query) {
  try {
    return matchMedia(query).matches;
  } catch (error) {
    return false;
  }
}

const WATCHERS = {
  // The pointer leaving through the top edge of the viewport, towards the tabs or the address
  // bar; only where there is a pointer that hovers (a desktop), since touch has no such moment.
  exit_intent() {
    if (!matches("(pointer: fine)") || !matches("(hover: hover)")) return null;
    return listen(document, ["mouseout"], (event) => {
      if (event.relatedTarget == null && event.clientY <= 0) emit("exit_intent");
    });
  },

  // No input for N seconds: one timer towards the nearest threshold not yet signalled since
  // the last input. Input only notes its time (pointermove comes often); the timer, when it
  // runs, sees whether the quiet really lasted.
  idle(list) {
    const thresholds = seconds(list);
    let last = now();
    let signalled = new Set();
    let timer = 0;
    const arm = () => {
      const next = thresholds.find((s) => !signalled.has(s));
      timer = next === undefined ? 0 : later(check, last + next * 1000 - now());
    };
    const check = () => {
      const quiet = now() - last;
      for (const s of thresholds) {
        if (!signalled.has(s) && quiet >= s * 1000) {
          signalled.add(s);
          emit("idle", s);
        }
      }
      arm();
    };
    const active = () => {
      last = now();
      signalled = new Set();
      if (!timer) arm();
    };
    const undo = listen(window, ["pointerdown", "pointermove", "keydown", "scroll", "touchstart"], active, { capture: true, passive: true });
    arm();
    return () => {
      undo();
      clearTimeout(timer);
    };
  },

  // How far down the visitor has scrolled, read at most once a frame, each threshold once per
  // page view. Read on scrolling only (a page shorter than the window was not scrolled), and
  // once when the watch starts on a page already scrolled: the visitor may have scrolled before
  // the campaign that asks came in with the published config.
  scroll(list) {
    const thresholds = seconds(list);
    let frame = 0;
    const read = () => {
      frame = 0;
      const page = document.documentElement;
      const percent = ((scrollY + innerHeight) / Math.max(1, page.scrollHeight)) * 100;
      for (const p of thresholds) {
        if (!passed.has(p) && percent >= p) {
          passed.add(p);
          emit("scroll", p);
        }
      }
    };
    const undo = listen(window, ["scroll"], () => {
      if (!frame) frame = requestAnimationFrame(read);
    }, { passive: true });
    try {
      if (scrollY > 0) frame = requestAnimationFrame(read);
    } catch (error) {}
    return () => {
      undo();
      cancelAnimationFrame(frame);
    };
  },

  // Time the page was visible, counted from the first watch of this page view: a tab in the
  // background is not being looked at.
  time(list) {
    const thresholds = seconds(list);
    if (!visible) visible = { total: 0, since: now() };
    let timer = 0;
    const shown = () => document.visibilityState !== "hidden";
    const elapsed = () => visible.total + (visible.since === null ? 0 : now() - visible.since);
    const arm = () => {
      clearTimeout(timer);
      timer = 0;
      for (const s of thresholds) {
        if (s * 1000 <= elapsed()) {
          if (!passed.has("t" + s)) emit("time", s);
          passed.add("t" + s);
        } else if (visible.since !== null) {
          timer = later(arm, s * 1000 - elapsed());
          return;
        }
      }
    };
    const change = () => {
      if (shown() === (visible.since !== null)) return;
      if (visible.since === null) visible.since = now();
      else {
        visible.total += now() - visible.since;
        visible.since = null;
      }
      arm();
    };
    if (!shown() && visible.since !== null) change();
    const undo = listen(document, ["visibilitychange"], change);
    arm();
    return () => {
      undo();
      clearTimeout(timer);
    };
  },

  route() {
    lastPath = lastPath || path();
    const changed = () => {
      const current = path();
      if (current !== null && current !== lastPath) {
        lastPath = current;
        emit("route", current);
      }
    };
    const unwrap = ["pushState", "replaceState"].map((name) => wrap(name, changed));
    const undo = listen(window, ["popstate"], changed);
    return () => {
      undo();
      unwrap.forEach((restore) => restore && restore());
    };
  },
};

function path() {
  try {
    return location.pathname;
  } catch (error) {
    return null;
  }
}

/** Wraps `history[name]` so that `after()` runs once the page's function returned, and returns
 * the function that puts the page's back (or `null` when it is no function or cannot be
 * replaced: then one warning, and the page's stays). */
export function wrap(name, after) {
  let target, original, hadOwn, wrapper;
  let active = true;
  try {
    target = history;
    original = target[name];
    hadOwn = Object.prototype.hasOwnProperty.call(target, name);
    // Something else a hostile page put there is left as it is.
    if (typeof original != "function") throw 0;
    // A Proxy, as for dataLayer.push: the caller's `this` and arguments, the function's own
    // name and length; after stop a page that kept it gets its own function's behaviour only.
    wrapper = new Proxy(original, {
      apply(fn, self, args) {
        const result = Reflect.apply(fn, self, args);
        // Nothing of the agent's may become the caller's exception.
        if (active) guard(after);
        return result;
      },
    });
    target[name] = wrapper;
    if (target[name] !== wrapper) throw 0;
  } catch (error) {
    warn("history." + name + " cannot be wrapped; route changes through it are not seen");
    return null;
  }
  return () => {
    active = false;
    try {
      if (target[name] === wrapper) {
        if (hadOwn) target[name] = original;
        else delete target[name];
      }
    } catch (error) {}
  };
}
