// Browser tests: the agent's life on a page: started twice, stopped (the page handed back intact), and started again.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AURORA, SETTINGS, abandonedCart, addToCart, closeClean, eventually, newTab, open, startAgent, stopAgent, useBrowser, view } from "./page.mjs";

const shared = useBrowser({ before, after });

function cartOf(tab) {
  return tab.page.evaluate(() => new Promise((resolve) => window.concierge("on", "cart", resolve)));
}

test("starting twice is harmless: the loader included twice and start() called again", async () => {
  const tab = await newTab(shared.browser);
  await open(tab, { loaderTwice: true, setup: () => (window.dataLayer = []) });
  await tab.page.evaluate(async () => {
    const agent = await import("/concierge/pkg/concierge.js");
    await agent.start(Object.create(null), "en", null, fetch("/concierge/pkg/concierge_bg.wasm"));
  });
  assert.equal(await tab.page.locator("#concierge-root").count(), 1, "one host");
  assert.equal(await tab.page.locator("#concierge-root [data-view]").count(), 1, "one view");
  assert.equal(await view(tab, "consent").count(), 1);
  const configGets = tab.requests.filter((url) => new URL(url).pathname === "/v1/config");
  assert.equal(configGets.length, 1, "one config request");
  // One agent reads each push once: two would count the item twice.
  await tab.page.evaluate(() => window.dataLayer.push({ event: "add_to_cart", ecommerce: { items: [{ item_id: "a", item_name: "A", price: 1 }] } }));
  assert.equal((await cartOf(tab)).item_count, 1);
  assert.deepEqual(tab.warnings, []);
  await closeClean(tab);
});

test("stop hands the page back intact, and its later calls wait for the next start", async () => {
  const tab = await newTab(shared.browser);
  // It counts the dataLayer's entries: the agent's Consent Mode commands are turned off.
  await open(tab, { settings: { site: "test", currency: "EUR", consentMode: "off" }, setup: () => (window.dataLayer = []) });
  const running = await tab.page.evaluate(() => {
    window.keptConcierge = window.concierge;
    return { wrapped: Object.hasOwn(window.dataLayer, "push"), loaded: window.concierge.loaded };
  });
  assert.deepEqual(running, { wrapped: true, loaded: true });
  assert.equal(await tab.page.locator("#concierge-root").count(), 1);

  await stopAgent(tab);
  assert.equal(await tab.page.locator("#concierge-root").count(), 0, "the host element is gone");
  const stopped = await tab.page.evaluate((add) => {
    const pushed = window.dataLayer.push({ event: "page_view" });
    window.concierge(...add);
    // A page that kept the agent's function: its call joins the same queue.
    window.keptConcierge("consent", "reject");
    return {
      push: window.dataLayer.push === Array.prototype.push && !Object.hasOwn(window.dataLayer, "push"),
      pushed,
      loaded: window.concierge.loaded,
      queued: Array.from(window.concierge.q, (call) => [call[0], call[1]]),
    };
  }, addToCart("after-stop", "After stop", 5, 1));
  assert.deepEqual(stopped, {
    push: true,
    pushed: 1,
    loaded: undefined,
    queued: [["track", "add_to_cart"], ["consent", "reject"]],
  });

  // Started again, the agent replays the queue in order.
  await startAgent(tab);
  assert.deepEqual((await cartOf(tab)).items.map((item) => item.item_id), ["after-stop"]);
  const consent = await tab.page.evaluate(() => new Promise((resolve) => window.concierge("on", "consent", resolve)));
  assert.deepEqual(
    { ...consent, decided_at: typeof consent.decided_at },
    {
      policy: 2,
      purposes: { necessary: "granted", measurement: "denied", personalization: "denied", marketing: "denied" },
      source: "api",
      decided_at: "number",
      storage: "denied",
      analytics: "denied",
    },
  );
  assert.equal(await view(tab, "consent").count(), 0, "the rejection closed the prompt");
  assert.deepEqual(tab.warnings, []);
  await closeClean(tab);
});

/** Page setup: `WebAssembly.instantiate` numbers each instance it makes (1, 2, ...) and records
 * `[instance, request]` for each engine start (`concierge_start`); with `failSpare`, the second
 * instantiation (the warm-up's spare) throws at once, as a page's broken wrapper might. */
function recordStarts(failSpare) {
  const starts = (window.__starts = []);
  const instantiate = WebAssembly.instantiate;
  let made = 0;
  WebAssembly.instantiate = function (...args) {
    if (failSpare && made === 1) throw new RangeError("no memory for a spare instance");
    return instantiate.apply(this, args).then((result) => {
      const instance = result instanceof WebAssembly.Instance ? result : result.instance;
      const number = ++made;
      const exports = Object.assign({}, instance.exports);
      const start = exports.concierge_start;
      exports.concierge_start = (at, length) => {
        const request = new TextDecoder().decode(new Uint8Array(exports.memory.buffer, at, length));
        starts.push([number, JSON.parse(request)]);
        // Until the next task runs, an engine call is in the start's task (posted at the
        // priority of the agent's own tasks, which run before a default one).
        window.__inStartTask = true;
        scheduler.postTask(() => (window.__inStartTask = false), { priority: "user-blocking" });
        return start(at, length);
      };
      const handle = exports.concierge_handle;
      exports.concierge_handle = (at, length) => {
        const request = JSON.parse(new TextDecoder().decode(new Uint8Array(exports.memory.buffer, at, length)));
        const kinds = request.in.map((input) => input[0]);
        const ready = performance.getEntriesByName("concierge:ready").length > 0;
        if (kinds.includes("config")) (window.__configCalls = window.__configCalls || []).push([number, window.__inStartTask, ready]);
        return handle(at, length);
      };
      return result instanceof WebAssembly.Instance ? { exports } : { module: result.module, instance: { exports } };
    });
  };
}

test("the loader starts the engine's download before it reads storage and asks for the config", async () => {
  const tab = await newTab(shared.browser);
  await open(tab, {
    setup: () => {
      const order = (window.__order = []);
      const realFetch = window.fetch;
      window.fetch = function (url, init) {
        // While the loader's own script runs, it is the document's current script.
        order.push("fetch " + new URL(String(url), location.href).pathname + (document.currentScript ? "" : " later"));
        return realFetch.call(this, url, init);
      };
      const getItem = Storage.prototype.getItem;
      Storage.prototype.getItem = function (key) {
        if (order.length < 4) order.push("storage");
        return getItem.call(this, key);
      };
    },
  });
  const order = await tab.page.evaluate(() => window.__order);
  // The config's request in a task after the loader's own: reading storage and a first fetch
  // are costly, and the loader's task was the agent's longest.
  assert.deepEqual(order.slice(0, 3), ["fetch /concierge/pkg/concierge_bg.wasm", "storage", "fetch /v1/config later"]);
  await closeClean(tab);
});

test("a page without a scheduler whose timers throw still gets the config asked for", async () => {
  const tab = await newTab(shared.browser);
  await open(tab, {
    setup: () => {
      const configs = (window.__configs = []);
      const realFetch = window.fetch;
      window.fetch = function (url, init) {
        if (String(url).includes("/config")) configs.push(document.currentScript ? "in the loader's run" : "later");
        return realFetch.call(this, url, init);
      };
      Object.defineProperty(window, "scheduler", { value: undefined, configurable: true });
      const timer = window.setTimeout;
      // Broken for the loader's own script only: the shell's tasks need timers.
      window.setTimeout = function (...args) {
        if (String(document.currentScript?.src).includes("loader.js")) throw new Error("no timers here");
        return timer.apply(this, args);
      };
    },
  });
  // Nothing to put it off with: asked for at once.
  assert.deepEqual(await tab.page.evaluate(() => window.__configs), ["in the loader's run"]);
  await closeClean(tab);
});

test("a warm-up start runs first on a spare instance of the engine, and nothing it does reaches the page", async () => {
  const tab = await newTab(shared.browser);
  // A bad setting: the start warns once about it.
  await open(tab, {
    settings: { ...SETTINGS, region: "Narnia" },
    scripts: [abandonedCart([AURORA]), { setup: recordStarts, arg: false }],
  });
  const starts = await tab.page.evaluate(() => window.__starts);
  assert.deepEqual(
    starts.map(([instance, request]) => [instance, request.prepare ?? false]),
    [[2, true], [2, false], [1, false]],
    "the spare (instantiated second) is prepared, then started, before the agent's own engine (instantiated first) starts",
  );
  const [, spare, own] = starts.map(([, request]) => request);
  assert.deepEqual(spare.stored, own.stored, "the warm-up starts from what the start reads");
  assert.ok(own.stored.some(([key]) => key.endsWith(":cart")), "the stored cart is read");
  assert.equal(own.calls.length + spare.calls.length, own.calls.length);
  // Its effects are dropped: one warning, one banner, one dialog-free page (consent given).
  assert.deepEqual(tab.warnings, ['[concierge] data-region="Narnia" is not valid; using the backend\'s word, or none']);
  await eventually(async () => assert.equal(await tab.page.locator("#concierge-root [data-view=campaign]").count(), 1, "one recovery banner"));
  await closeClean(tab);
});

test("a config answer already in when the agent starts is applied in a task after the start's, and warmed up with it after ready", async () => {
  const tab = await newTab(shared.browser);
  await open(tab, {
    scripts: [
      { setup: recordStarts, arg: false },
      {
        // The answer is in before the engine is instantiated: the download of the Wasm waits for it.
        setup: () => {
          const realFetch = window.fetch;
          let configIn;
          const answered = new Promise((resolve) => (configIn = resolve));
          window.fetch = function (url, init) {
            const response = realFetch.call(this, url, init);
            if (String(url).includes("/config")) response.then((r) => r.clone().json()).then(() => setTimeout(configIn, 20));
            return String(url).includes(".wasm") ? answered.then(() => response) : response;
          };
        },
      },
    ],
  });
  const configCalls = await tab.page.evaluate(() => window.__configCalls);
  // [instance, in its start's task, after ready]: the spare (2) runs the answer first, and
  // after ready, which it does not delay; the engine (1) in a task after its start.
  assert.deepEqual(configCalls, [[2, false, true], [1, false, true]], "the spare runs the answer first, after ready; each engine in a task after its start");
  assert.equal(await view(tab, "consent").count(), 1);
  await closeClean(tab);
});

test("a warm-up whose spare instance cannot be made leaves the start as it was", async () => {
  const tab = await newTab(shared.browser);
  await open(tab, { setup: recordStarts, arg: true });
  const starts = await tab.page.evaluate(() => window.__starts);
  assert.deepEqual(starts.map(([instance]) => instance), [1], "only the agent's own engine starts");
  assert.equal(await view(tab, "consent").count(), 1, "the consent dialog is drawn");
  assert.deepEqual(tab.warnings, []);
  assert.deepEqual(tab.errors, []);
  await closeClean(tab);
});

/** The start's parts as a posted-task-by-task stepping sees them (below); with `slow`, every
 * `Date.now()` is 10 ms after the one before, as on a device where each part takes longer than a
 * task's share (`PARTS_PER_TASK_MS` in src/web/main.js); without, `Date.now()` stands still, as
 * on a device where every part is quick (a loaded test machine would otherwise decide). */
async function startParts(slow) {
  const tab = await newTab(shared.browser);
  await open(tab, {
    arg: slow,
    setup: (slow) => {
      const realNow = Date.now;
      const at = realNow();
      let skew = 0;
      Date.now = slow ? () => realNow() + (skew += 10) : () => at;
      const root = () => document.getElementById("concierge-root")?.shadowRoot;
      const state = () => ({
        control: !!(root()?.querySelector(".concierge-control") || document.querySelector("[data-concierge-consent] button")),
        dialog: !!root()?.querySelector("[data-view=consent]"),
        ready: seen.ready,
        booted: seen.booted,
      });
      const seen = (window.__parts = { ready: false, booted: false, states: [] });
      // The config's answer waits until every task the agent posted has run, one at a time
      // (an engine input would carry out all that is held at once).
      const realFetch = window.fetch;
      let answer;
      const gate = new Promise((resolve) => (answer = resolve));
      window.fetch = function (url, init) {
        const response = realFetch.call(this, url, init);
        return String(url).includes("/config") ? gate.then(() => response) : response;
      };
      const held = [];
      const timer = window.setTimeout;
      const postTask = scheduler.postTask;
      const step = () => {
        if (held.length) {
          held.shift()();
          seen.states.push(state());
          return timer(step, 5);
        }
        // Until ready, more of the agent's tasks are to come (after a download, a compile or
        // an instantiation): the queue being empty for a moment is not the end.
        if (!seen.ready) return timer(step, 5);
        scheduler.postTask = postTask;
        answer();
      };
      const hold = (action) => {
        if (!held.length && !seen.states.length) (seen.states.push(state()), timer(step, 5));
        held.push(action);
      };
      scheduler.postTask = (action) => (hold(action), new Promise(() => {}));
      window.setTimeout = function (action, delay, ...rest) {
        if (!delay && scheduler.postTask !== postTask) return hold(action), 0;
        return timer.call(this, action, delay, ...rest);
      };
      const stub = (window.concierge = function () {
        (stub.q = stub.q || []).push(arguments);
      });
      window.concierge("on", "ready", () => (seen.ready = true));
      // The start reads the stub's queue first thing.
      const queue = stub.q;
      Object.defineProperty(stub, "q", { get: () => ((seen.booted = true), queue) });
    },
  });
  const { states } = await tab.page.evaluate(() => window.__parts);
  const key = ({ control, dialog, ready }) => `${control ? "control" : "-"} ${dialog ? "dialog" : "-"} ${ready ? "ready" : "-"}`;
  const distinct = [...new Set(states.map(key))];
  // The engine's start call waits for a task after the instantiation's.
  assert.equal(states[0].booted, false, "the agent starts in a posted task, not in the loader's");
  // Before any posted task: nothing drawn; then the parts, the config unanswered.
  assert.equal(distinct[0], "- - -", "nothing is drawn in the start's own task");
  assert.equal(distinct.at(-1), "control dialog ready", "every part is carried out by the posted tasks alone");
  assert.equal(await view(tab, "consent").count(), 1, "one dialog, drawn once");
  await closeClean(tab);
  return distinct;
}

test("on a slow device the start's engine call and views are drawn a part per task: the start, the privacy control, the dialog and ready each in a task of their own", async () => {
  const distinct = await startParts(true);
  assert.ok(distinct.length >= 4, `the control, the dialog and ready come in tasks of their own: ${distinct.join(" | ")}`);
});

test("on a fast device a task takes the start's parts while it has time: the control and the dialog in one, after the start's own", async () => {
  const distinct = await startParts(false);
  assert.ok(distinct.length <= 3 && !distinct.includes("control - -"), `the control and the dialog in one task: ${distinct.join(" | ")}`);
});

test("the config's answer draws its views in a task after the engine's, and is marked applied once they are drawn", async () => {
  const settings = { kind: "settings", version: 1, resume_url: "https://pay.test/resume", link_hosts: ["pay.test"] };
  const tab = await newTab(shared.browser, { config: { format: 1, site: "test", documents: [settings] } });
  await open(tab, {
    scripts: [abandonedCart([AURORA])],
    settings: { site: "test", currency: "EUR" },
    setup: () => {
      const link = () => document.getElementById("concierge-root")?.shadowRoot?.querySelector("a[data-action=follow]")?.getAttribute("href") ?? null;
      const seen = (window.__configSplit = { posted: null, after: null });
      const snapshot = () => ({ href: link(), marked: window.__marks.includes("concierge:config") });
      // Once ready is heard, the tasks the agent posts wait, so what the config's answer drew
      // in its own task can be seen.
      let holding = false;
      const held = [];
      const timer = window.setTimeout;
      const postTask = scheduler.postTask;
      const hold = (action) => {
        if (!held.length) {
          seen.posted = snapshot();
          timer(() => {
            holding = false;
            scheduler.postTask = postTask;
            held.splice(0).forEach((action) => action());
            // The released parts may post further tasks of their own (the mark is the last
            // part): the first state with the config marked applied, which must have its views.
            const settle = (tries) => {
              const now = snapshot();
              if (now.marked || !tries) seen.after = now;
              else timer(() => settle(tries - 1), 10);
            };
            settle(200);
          }, 50);
        }
        held.push(action);
      };
      window.setTimeout = function (action, delay, ...rest) {
        if (holding && !delay) return hold(action), 0;
        return timer.call(this, action, delay, ...rest);
      };
      const stub = (window.concierge = function () {
        (stub.q = stub.q || []).push(arguments);
      });
      window.concierge("on", "ready", () => {
        holding = true;
        scheduler.postTask = (action) => (hold(action), new Promise(() => {}));
      });
    },
  });
  assert.ok(await eventually(() => tab.page.evaluate(() => window.__configSplit.after !== null)), "the held tasks ran");
  const seen = await tab.page.evaluate(() => window.__configSplit);
  assert.ok(seen.posted, "the config's answer posted a task");
  assert.notEqual(seen.posted.href, "https://pay.test/resume", "the config's views wait for a task of their own");
  assert.equal(seen.posted.marked, false, "the config is not marked applied before its views are drawn");
  assert.deepEqual(seen.after, { href: "https://pay.test/resume", marked: true });
  assert.equal(await view(tab, "campaign").count(), 1, "one banner, drawn once");
  await closeClean(tab);
});

test("the start draws its first view in a task of its own, and the order of effects and calls is the engine's", async () => {
  const tab = await newTab(shared.browser);
  await open(tab, {
    setup: () => {
      const dialogDrawn = () => !!document.getElementById("concierge-root")?.shadowRoot?.querySelector("[data-view=consent]");
      const seen = (window.__split = { posted: [], readyWithDialog: null });
      // Tasks the agent posts are held (as a busy page would delay them) until ready is heard,
      // so only an engine input can carry out what the start held back.
      // Held from the start's own task on (boot reads the stub's queue first); the task the
      // start waits for after instantiation runs.
      let booting = false;
      const held = [];
      const timer = window.setTimeout;
      const hold = (action) => {
        seen.posted.push(dialogDrawn());
        // The page's next call is an engine input: it carries out what the start held first.
        if (!held.length) timer(() => window.concierge("track", "view_item", { items: [{ item_id: "p", item_name: "Aurora X1", price: 799 }] }), 1);
        held.push(action);
      };
      const postTask = scheduler.postTask;
      scheduler.postTask = function (action, options) {
        return booting ? (hold(action), new Promise(() => {})) : postTask.call(this, action, options);
      };
      window.setTimeout = function (action, delay, ...rest) {
        if (booting && !delay && seen.readyWithDialog === null) return hold(action), 0;
        return timer.call(this, action, delay, ...rest);
      };
      const stub = (window.concierge = function () {
        (stub.q = stub.q || []).push(arguments);
      });
      window.concierge("on", "ready", () => {
        seen.readyWithDialog = dialogDrawn();
        held.splice(0).forEach((action) => action());
      });
      const queue = stub.q;
      Object.defineProperty(stub, "q", {
        get: () => ((booting = true), queue),
      });
    },
  });
  const seen = await tab.page.evaluate(() => window.__split);
  // The task was posted before the dialog was drawn; the page's call (an engine input) drew it
  // first, then ready was told, with the dialog there.
  assert.equal(seen.posted[0], false, "the first view waits for a task of its own");
  assert.equal(seen.readyWithDialog, true, "ready is told once the start's views are drawn");
  assert.equal(await view(tab, "consent").count(), 1, "one dialog, drawn once");
  await closeClean(tab);
});
