//! The browser shell: `start` and `stop`, the `concierge(...)` command function, and the loop
//! that hands page happenings to the engine and carries its effects out on the page.
//!
//! Architecture invariant: no business rule lives here. Storage is written, requests are sent
//! and views are drawn only as engine effects say; this module translates and nothing more.
//! Every call into the page (listeners, `fetch`, storage) is guarded: nothing the page throws
//! escapes into it, and nothing leaves the agent stuck.

import * as capture from "./capture.js";
import * as clock from "./clock.js";
import * as cmp from "./cmp.js";
import { warn } from "./console.js";
import { describeThrown, readData } from "./data.js";
import * as dom from "./dom.js";
import * as modules from "./modules.js";
import * as net from "./net.js";
import * as pageview from "./pageview.js";
import * as placements from "./placements.js";
import * as storage from "./storage.js";
import * as triggers from "./triggers.js";
import { instantiate } from "./wasm.js";

/** The agent's version, from Cargo.toml (build.sh defines it when it bundles the shell). */
export const VERSION = typeof __VERSION__ == "string" ? __VERSION__ : "dev";

// Taken now, as in wasm.js: a page that replaces JSON later does not reach the listeners' copies.
const { stringify, parse } = JSON;

/** The topics `concierge('on', topic, fn)` accepts; the first three describe a state, so a
 * new listener hears the current one at once. */
const TOPICS = ["cart", "consent", "intent", "ready", "banner", "campaign"];
const STATES = ["cart", "consent", "intent"];

/** The Wasm module, instantiated once per page and kept across `stop()` and a new `start`. */
let loading = null;
/** The running agent: its engine, the page's listeners and what the shell holds for it. */
let agent = null;

/** Starts the agent with the loader's `data-*` settings, the page's language, the loader's
 * config request (a promise of `{ status, etag, body }` or `null`) and its Wasm download. A
 * second call on the same page does nothing. */
export function start(settings, locale, config, wasm) {
  if (agent) return Promise.resolve();
  agent = { pending: [], busy: false, listeners: [], state: Object.create(null), undo: [], answers: [] };
  const running = agent;
  loading = loading || instantiate(wasm);
  return loading
    .then((engine) =>
      // Each in a task of its own (issue 8: together over 50 ms at 4× CPU throttling): the
      // warm-up, as soon as the engine is instantiated, often before `DOMContentLoaded`; then,
      // once the document is ready, the engine's start.
      inNextTask()
        .then(() => running === agent && warmUp(engine, settings, locale, running))
        .then(whenDocumentReady)
        .then(inNextTask)
        .then(() => running === agent && boot(engine, settings, locale, config)),
    )
    .catch((error) => {
      if (running === agent) agent = null;
      loading = null;
      throw error;
    });
}

/** Settles in a task of its own, soon (`clock.nextTask`). */
function inNextTask() {
  return new Promise((resolve) => clock.nextTask(resolve));
}

function whenDocumentReady() {
  // The body must exist before a view can be drawn.
  if (document.readyState !== "loading") return Promise.resolve();
  return new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, { once: true }));
}

/** Stops the agent and removes everything it added to the page (used by tests and by
 * single-page apps that tear the page down). Calls made after it queue up again. */
export function stop() {
  const stopping = agent;
  if (!stopping) return;
  // The visitor's last choice, not yet told (`dom.js`, `act`), is the stopping agent's to keep;
  // a listener that stopped the agent (or started another) while it was told has done the rest.
  if (stopping.ready && !stopping.busy) guard(dom.tell);
  if (agent !== stopping) return;
  agent = null;
  stopping.undo.forEach((undo) => guard(undo));
  stopping.spare = null;
  // A question the stopped agent can no longer answer is answered empty.
  stopping.answers.splice(0).forEach((resolve) => resolve([]));
  storage.flush();
  clock.cancel();
  guard(triggers.stop);
  guard(placements.destroy);
  dom.destroy();
  // An engine that trapped may trap again here; it is dropped either way (see `run`).
  if (stopping.engine) guard(stopping.engine.stop);
  // Before boot the page still holds the loader's stub and the calls queued on it: kept.
  if (stopping.ready) window.concierge = stub();
}

/** Runs `action`, and keeps whatever it throws from reaching the page. */
function guard(action) {
  try {
    action();
  } catch (error) {}
}

/** The engine's Wasm linear memory in bytes, for the benchmark (0 before it is instantiated). */
export function wasmMemoryBytes() {
  return loading ? loading.then((engine) => engine.memoryBytes(), () => 0) : Promise.resolve(0);
}

function boot(engine, settings, locale, config) {
  agent.engine = engine;
  // An engine that trapped answers nothing more: what it had not yet written is lost with it.
  storage.documentsFrom((keys) => {
    try {
      return engine.documents(keys);
    } catch (error) {
      return [];
    }
  });
  // A campaign view's action names its campaign: `["action", "dismiss", null, id]`.
  dom.init((name, switches, campaign) => dispatch([campaign ? ["action", name, null, campaign] : ["action", name, switches]]));
  placements.init(
    (campaign) => dispatch([["seen", campaign]]),
    (view, index) => {
      // `[label, "ask"|"call"|"store"|"resume"]` as the module reads a reply.
      const replies = view.replies.map(([label, kind]) => (kind == "ask" ? { label, ask: label } : { label, action: kind }));
      openAssistant({ id: view.campaign, text: view.title, replies }, replies[index]);
    },
    warmAssistant,
  );
  const stubbed = window.concierge;
  const early = queued(stubbed);
  const calls = [];
  for (const call of early) {
    const input = command(call[0], call[1], call[2]);
    if (input) calls.push(input.slice(1));
  }
  const seed = new Uint32Array(2);
  try {
    crypto.getRandomValues(seed);
  } catch (error) {
    // No Web Crypto (very old browsers): time and Math.random, weaker but still unique enough.
    seed[0] = Date.now() % 4294967296;
    seed[1] = Math.random() * 4294967296;
  }
  // Found before the engine starts, so a page with a consent manager never flashes the dialog.
  const consentManager = (agent.cmp = cmp.find());
  if (consentManager && consentManager.close) agent.undo.push(consentManager.close);
  const running = agent;
  run(() => engine.start(startRequest(settings, locale, !!consentManager, seed, calls, existingLayer())), true);
  if (agent !== running) return;

  const concierge = (name, first, second) => {
    if (!agent || !agent.ready) {
      // A page that kept this function after `stop()`: the call waits for the next start.
      const current = window.concierge;
      if (current !== concierge && typeof current == "function") current(name, first, second);
      return;
    }
    const input = command(name, first, second);
    // `concierge('interests')` answers through the engine, in the order of the calls.
    if (name === "interests") {
      const running = agent;
      return new Promise((resolve) => {
        running.answers.push(resolve);
        dispatch([input]);
      });
    }
    if (input) dispatch([input]);
  };
  concierge.loading = concierge.loaded = true;
  concierge.version = VERSION;
  window.concierge = concierge;
  const unwatch = capture.watch((entry) => {
    const data = asData(entry);
    if (data !== undefined) dispatch([["layer", data]]);
  });
  if (unwatch) agent.undo.push(unwatch);
  agent.undo.push(storage.watch((key, text) => dispatch([["storage", key, text]])));
  agent.undo.push(
    pageHide(() => {
      dispatch([pageview.dwell(), ["hide"]]);
      storage.flush();
    }),
  );
  agent.ready = true;
  // The page's products (JSON-LD), its search and its SPA navigations, for the interest model.
  guard(() => pageview.start((inputs) => dispatch(inputs)));
  agent.undo.push(pageview.stop);
  // Once the start's views are drawn too (in a task of their own, see `run`): the calls that
  // listeners made on the stub during start, in order, then ready.
  const announce = () => {
    for (const call of queued(stubbed).slice(early.length)) concierge(...call);
    agent.announced = true;
    mark("concierge:ready");
    notify("ready", { version: VERSION });
  };
  running.held ? running.held.push(announce) : announce();

  // The loader's fetch of the published documents: their answer applies whole, as one input,
  // in a task of its own after the start's parts (issue 8: an answer already in was applied at
  // the end of the start's task, which drew every view the start held at once, over 50 ms at
  // 4× CPU throttling), its views drawn again in tasks of their own; marked once they are drawn.
  // The warm-up's spare runs it first, in a task of its own, so the engine's task finds its
  // code compiled; after ready, which it delayed by a task when it ran before the start.
  Promise.resolve(config)
    .catch(() => null)
    .then((answer) => {
      // Read once, for the spare and the engine alike (a problem in it is said once).
      const data = asData(answer) || null;
      const applied = () => mark("concierge:config");
      const apply = () => {
        if (agent !== running) return applied();
        dispatch([["config", data]], true) ? running.held.push(applied) : applied();
      };
      const warm = () => {
        const spare = running.spare;
        running.spare = null;
        if (!spare || agent !== running) return apply();
        guard(() => spare.handle({ now: clock.now(), in: [["config", data]] }));
        clock.nextTask(apply);
      };
      running.held ? running.held.push(() => clock.nextTask(warm)) : clock.nextTask(warm);
    });
}

/** What the engine's start is told: the page, its settings and what this site stored. */
function startRequest(settings, locale, consentManager, seed, calls, layer) {
  return {
    now: clock.now(),
    settings: asData(settings) || {},
    locale,
    gpc: globalPrivacyControl(),
    tags: capture.hasTags(),
    cmp: consentManager,
    path: location.pathname,
    ...pageFacts(settings),
    seed: Array.from(seed),
    stored: storage.entries(),
    calls,
    layer,
  };
}

/** The entries the page's `dataLayer` held before the agent, as data. */
function existingLayer() {
  const layer = [];
  for (const entry of capture.existing()) {
    const data = asData(entry);
    if (data !== undefined) layer.push(data);
  }
  return layer;
}

/** A start as `boot`'s will be, run on a spare instance of the engine whose effects are dropped
 * (`engine.spare`), kept as `running.spare` for the published documents' answer (`boot` has it
 * run that first): the Wasm code they run is compiled there rather than in the start's task and
 * the answer's (issue 8: a start of 30 to 60 ms at 4× CPU throttling was mostly V8 compiling the
 * Wasm's functions on their first call; the code is the module's, shared by its instances).
 * Nothing it does reaches the page; if it fails, the start does the compiling. */
function warmUp(engine, settings, locale, running) {
  return engine
    .spare()
    .then((spare) => {
      // Reading the request and building the agent, then, in a task of its own, starting it:
      // each a part of the compiling (in one task, 40 to 50 ms of CPU time at 4×).
      const request = startRequest(settings, locale, false, [0, 0], [], []);
      spare.start({ ...request, prepare: true });
      return inNextTask().then(() => {
        if (running !== agent) return;
        spare.start(request);
        running.spare = spare;
      });
    })
    .catch(() => {});
}

/** The calls queued on the stub's own `q` (never a `q` on a polluted prototype), oldest first. */
function queued(stubbed) {
  try {
    const queue = stubbed && Object.prototype.hasOwnProperty.call(stubbed, "q") ? stubbed.q : null;
    if (queue && typeof queue == "object") return Array.from(queue).map((call) => Array.from(call));
  } catch (error) {}
  return [];
}

/** A stand-in for `window.concierge` that queues each call on its `q`, as the loader's does. */
function stub() {
  const queue = function () {
    (queue.q = queue.q || []).push(arguments);
  };
  return queue;
}

/** One `concierge(name, first, second)` call as an engine input; `on` and `off` are kept here,
 * with the page's functions. */
function command(name, first, second) {
  if (name === "on" || name === "off") {
    const topic = TOPICS.includes(first) ? first : null;
    if (!topic || typeof second != "function") {
      warn(name + ': expected a topic ("ready", "cart", "consent", "banner", "campaign" or "intent") and a function');
    } else if (name === "on") {
      subscribe(topic, second);
    } else {
      agent.listeners = agent.listeners.filter(([t, f]) => t !== topic || f !== second);
    }
    return null;
  }
  if (typeof name != "string") return ["call", null, null, null];
  const args = [first, second].map(asData);
  return args.includes(undefined) ? null : ["call", name, args[0], args[1]];
}

/** A page value as data; what is not is reported and comes back `undefined`. */
function asData(value) {
  const { data, problem } = readData(value);
  if (problem) warn("an argument was ignored: " + problem);
  return problem ? undefined : data;
}

function subscribe(topic, listener) {
  agent.listeners.push([topic, listener]);
  if (STATES.includes(topic) && topic in agent.state) {
    call(topic, listener, copy(agent.state[topic]));
  } else if (topic === "ready" && agent.announced) {
    call(topic, listener, { version: VERSION });
  }
}

function notify(topic, payload) {
  if (!agent) return;
  if (STATES.includes(topic)) agent.state[topic] = payload;
  for (const [t, listener] of agent.listeners.slice()) {
    if (t === topic) call(topic, listener, payload);
  }
}

function call(topic, listener, payload) {
  try {
    listener.call(null, payload);
  } catch (thrown) {
    warn('a "' + topic[0].toUpperCase() + topic.slice(1) + '" listener threw: ' + describeThrown(thrown));
  }
}

function copy(payload) {
  return parse(stringify(payload));
}

/** Runs inputs through the engine and carries out the effects, one batch at a time; inputs
 * that arrive while effects are carried out wait, so each runs to completion first. With
 * `split` (the config's answer), the effects from the first visible one on are held for the
 * tasks that follow, as the start's are (see `run`). Returns whether effects are still held. */
function dispatch(inputs, split) {
  if (!agent || !agent.engine) return false;
  const running = agent;
  // A choice the visitor made, not yet told (`dom.js`, `act`), comes before what follows it;
  // if telling it stopped the agent (a listener's `stop()`, a trap), the inputs are its.
  dom.tell();
  if (agent !== running) return false;
  if (running.busy) {
    running.pending.push(...inputs);
    return false;
  }
  running.busy = true;
  try {
    // Effects still held come first, before each engine call (and what the page calls
    // meanwhile waits): the order of effects is the engine's.
    release(running);
    running.pending.push(...inputs);
    while (agent === running && running.pending.length) {
      const batch = running.pending.splice(0);
      run(() => running.engine.handle({ now: clock.now(), in: batch }), split);
      split = false;
      if (running.pending.length) release(running);
    }
  } finally {
    running.busy = false;
  }
  return agent === running && !!running.held;
}

/** The effects that draw or tell the page something: with `split`, the first of them waits for
 * a task of its own, with all that follows it. */
const VISIBLE = ["render", "remove", "control", "notify"];
/** The effects that change storage: asked for as soon as the engine returns them (`run`). */
const WRITES = ["store", "erase", "wipe"];

/** Carries out the effects an engine call returns. An engine that fails (a trap) is stopped
 * with one warning rather than left half-way. With `split` (the start), the effects from the
 * first visible one on are held for the tasks that follow (`releaseInTasks`): starting the engine and drawing the first
 * view (the consent dialog, most often) were one task of 60 to 100 ms at 4× CPU throttling,
 * over the 50 ms of a long task (issue 8); as two, each stays under it. The order of effects
 * is kept: whatever runs the engine again first carries out what is held (`release`). */
function run(call, split) {
  let effects;
  try {
    effects = call();
  } catch (error) {
    warn("the agent stopped after an internal error (" + describeThrown(error) + "); the shop works without it");
    // A trapped module's memory is in an unknown state: a later start loads a fresh one.
    loading = null;
    return stop();
  }
  const running = agent;
  // What the call changes in storage comes first, in order, and is never held: a store or an
  // erasure waits for a task of its own anyway (`storage.js`), and a listener told below that
  // stops the agent flushes it, where it would otherwise be dropped with the rest (a consent
  // choice not kept, a withdrawal's wipe not done).
  const writes = effects.filter((effect) => WRITES.includes(effect[0]));
  carryOut(running, writes);
  effects = effects.filter((effect) => !writes.includes(effect));
  const cut = split ? effects.findIndex((effect) => VISIBLE.includes(effect[0])) : -1;
  carryOut(running, cut < 0 ? effects : effects.slice(0, cut));
  if (cut >= 0 && agent === running) {
    running.held = effects.slice(cut);
    releaseInTasks(running);
  }
}

/** Carries out the start's held effects in posted tasks, a part at a time: each visible effect
 * (and `boot`'s ready) begins a part of its own, and a task takes parts while it has run under
 * `PARTS_PER_TASK_MS`. Drawn in one task, the consent dialog, the privacy control, the
 * listeners told and the calls they queued made a task of 50 to 100 ms at 4× CPU throttling
 * (issue 8); a part per task, though, left a frame of the page's rendering between parts of a
 * few milliseconds each, and ready came 40 to 50 ms later at 4×. Calls the page makes meanwhile
 * wait in `pending`, and then everything still held is carried out first, through `dispatch`:
 * the order of effects stays the engine's. */
function releaseInTasks(running) {
  clock.nextTask(() => {
    // A view the visitor closed meanwhile (`dom.js`, `act`) is told first, with all that is
    // held, in this one task: a part drawn before it could bring the view back for a frame.
    if (agent === running && dom.untold()) return dispatch([]);
    const began = clock.now();
    do {
      const held = agent === running && running.held;
      if (!held) return;
      const next = held.findIndex((effect, index) => index > 0 && (typeof effect == "function" || VISIBLE.includes(effect[0])));
      if (next < 0) return dispatch([]);
      running.held = held.slice(next);
      running.busy = true;
      try {
        carryOut(running, held.slice(0, next));
      } finally {
        running.busy = false;
      }
      if (running.pending.length) return dispatch([]);
    } while (clock.now() - began < PARTS_PER_TASK_MS);
    releaseInTasks(running);
  });
}

/** How long a task carrying out held parts goes on taking more: a part is a view drawn or a
 * listener told, a few milliseconds at 4× CPU throttling; a task stays well under 50 ms. */
const PARTS_PER_TASK_MS = 8;

function carryOut(running, effects) {
  for (const effect of effects) {
    // A listener may have stopped (and even restarted) the agent: the rest is not for it.
    if (agent !== running) return;
    try {
      typeof effect == "function" ? effect() : apply(effect);
    } catch (error) {
      warn("an effect could not be carried out (" + describeThrown(error) + ")");
    }
  }
}

/** Carries out the start's held effects, if still held (a function among them is what waited
 * for them: `boot`'s ready). */
function release(running) {
  const held = running.held;
  running.held = null;
  if (held) carryOut(running, held);
}

function apply([verb, a, b, c, d]) {
  switch (verb) {
    case "store":
      return storage.store(a, b);
    case "erase":
      return storage.erase(a);
    case "wipe":
      return storage.wipe(a, b);
    case "render":
      return a.kind == "campaign" ? placements.render(a) : dom.render(a);
    case "remove":
      return a == "campaign" ? placements.remove(b) : dom.remove(a);
    case "watch":
      return triggers.watch(a, (name, value) => dispatch([value === undefined ? ["signal", name] : ["signal", name, value]]));
    case "control":
      return dom.control(a);
    case "notify":
      return notify(a, b);
    case "warn":
      return warn(a);
    case "lock":
      return net.lock(a, (granted) => dispatch([["flush", granted]]));
    case "send":
      return net.send(a, c, d, (status, retry, taken) => dispatch([["sent", b, status, retry, taken]]));
    case "wake":
      return clock.wakeAt(a, () => dispatch([["tick"]]));
    case "intents":
      return net.fetchIntents(a, b, (body) => dispatch([["intents", asData(body) || null]]));
    case "gtag":
      return capture.consent(a, b);
    case "receipt":
      return net.receipt(a, c, (status) => dispatch([["receipt", b, status]]));
    case "load":
      return load(a, b);
    case "answer": {
      const resolve = agent.answers.shift();
      return resolve && resolve(copy(b));
    }
    case "launcher":
      agent.assistant = a;
      return dom.launcher(a && a.label, () => openAssistant(null), warmAssistant);
    case "handoff":
      return answerHandoff(a, b);
  }
}

/** Fetches the `assistant` module ahead of a click the visitor is about to make (the pointer
 * or the focus on the launcher or a prompt): downloaded only with that intent, ready at the
 * click. A failure is the load's one warning; the click tries again. */
function warmAssistant() {
  if (agent && agent.assistant) modules.load("assistant").catch(() => {});
}

/** Opens the `assistant` lazy module with the `ctx` the engine's launcher describes, and
 * `prompt` (a prompt's quick reply) or null. A module that cannot load is one warning (from
 * `modules.load`) and the launcher stays for the next try. */
function openAssistant(prompt, reply) {
  const running = agent;
  if (!running || !running.assistant) return Promise.resolve(null);
  // The visitor's top interests, as `concierge('interests')` answers them, asked beside the load.
  const interests = new Promise((resolve) => {
    running.answers.push(resolve);
    dispatch([command("interests")]);
  });
  return Promise.all([modules.load("assistant"), interests]).then(
    ([module, top]) => {
      const now = running.assistant;
      if (agent !== running || !now) return null;
      return module.open({
        lang: now.lang,
        knowledgeUrl: new URL(now.knowledge, new URL(now.endpoint, location.href)).href,
        cartCode: now.cartCode || null,
        consent: { personalization: now.consent.personalization, storage: now.consent.storage },
        storageKey: now.storageKey,
        prompt: prompt || null,
        reply: reply || null,
        // A "resume" reply: the cart's resume page (the config's `resume_url`), if allowed.
        resume: () => {
          const href = dom.safeHref(now.resumeUrl || "", []);
          if (href) location.assign(href);
        },
        interests: (Array.isArray(top) ? top : []).map(({ dimension, key, score }) => ({ dimension, key, score })),
        theme: {},
        handoff: (request) => requestHandoff(running, request),
        onClose: () => dom.focusLauncher(),
      });
    },
    () => null,
  );
}

/** `ctx.handoff(request)`: an engine input; the promise resolves with the engine's answer
 * (`sent` once the backend acknowledged it, `not_allowed`, `failed`). */
function requestHandoff(running, request) {
  return new Promise((resolve) => {
    if (agent !== running) return resolve("failed");
    const id = "handoff-" + (running.handoffs = (running.handoffs || 0) + 1);
    (running.waiting || (running.waiting = new Map())).set(id, resolve);
    const read = readData(request);
    if (read.problem) {
      running.waiting.delete(id);
      warn("handoff: the request could not be read (" + read.problem + ")");
      return resolve("failed");
    }
    dispatch([["handoff", id, read.data]]);
  });
}

function answerHandoff(id, answer) {
  const waiting = agent.waiting;
  const resolve = waiting && waiting.get(id);
  if (!resolve) return;
  waiting.delete(id);
  resolve(answer);
}

/** Loads the lazy module the engine asked for and answers `["loaded", name, ok]`. With the TCF
 * decoder (`b`: the policy's vendor id), the shell then follows the page's consent manager:
 * each TC string it reports is decoded by the module into a `["tcf", gdprApplies, decoded]`. */
function load(name, vendor) {
  const running = agent;
  modules.load(name).then(
    (module) => {
      if (agent !== running) return;
      dispatch([["loaded", name, true]]);
      if (name !== "tcf" || !running.cmp) return;
      const stop = cmp.follow(running.cmp, (applies, tcString, thrown) => {
        let decoded = null;
        try {
          if (tcString === null) throw thrown;
          if (applies) decoded = module.decode(tcString, vendor);
        } catch (error) {
          decoded = { error: (tcString === null ? "__tcfapi threw: " : "") + describeThrown(error) };
        }
        if (agent === running) dispatch([["tcf", applies, decoded]]);
      });
      running.undo.push(stop);
    },
    () => agent === running && dispatch([["loaded", name, false]]),
  );
}

/** What campaigns' triggers and targeting read about this page view: the page's type (the
 * body's `data-page-type`, else the loader's), the device class, the offset of the visitor's
 * time zone now (minutes east of UTC) and the path of a same-site referrer. */
function pageFacts(settings) {
  const facts = { tz_offset: -new Date().getTimezoneOffset(), referrer: "" };
  try {
    const type = document.body.getAttribute("data-page-type") || settings.pageType;
    if (type) facts.page_type = type;
    // Touch without a fine pointer: a phone, or a tablet when the screen is large.
    facts.device = matchMedia("(pointer: fine)").matches ? "desktop" : Math.min(screen.width, screen.height) < 600 ? "mobile" : "tablet";
    const from = new URL(document.referrer);
    if (from.origin === location.origin) facts.referrer = from.pathname;
  } catch (error) {}
  return facts;
}

/** Whether the browser sends Global Privacy Control; a page's getter that throws says no. */
function globalPrivacyControl() {
  try {
    return navigator.globalPrivacyControl === true;
  } catch (error) {
    return false;
  }
}

/** The last moments of a page: hidden (tab switch, app switch on mobile) or being left. */
function pageHide(onHide) {
  const hidden = () => document.visibilityState === "hidden" && onHide();
  guard(() => window.addEventListener("pagehide", onHide));
  guard(() => document.addEventListener("visibilitychange", hidden));
  return () => {
    window.removeEventListener("pagehide", onHide);
    document.removeEventListener("visibilitychange", hidden);
  };
}

/** For the benchmark and for shops that watch: when the agent was ready, when config applied. */
function mark(name) {
  try {
    performance.mark(name);
  } catch (error) {}
}
