// Browser tests: the campaign triggers the shell watches (src/web/triggers.js): exit intent on desktop only, idle time, scroll depth, visible time, SPA routes through a page's history functions (hostile ones too), and that every listener goes on stop.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { closeClean, newTab, openModules, useBrowser } from "./page.mjs";

const shared = useBrowser({ before, after });
const CLOCK = "2026-12-05T10:00:00Z";

function watch(tab, request) {
  return tab.page.evaluate((request) => window.__shell.triggers.watch(request, window.__shell.signal), request);
}

/** Stops the page clock's natural flow: from now on only the test moves it. */
function pauseClock(tab) {
  return tab.page.clock.pauseAt(new Date(CLOCK).getTime() + 60_000);
}

function heard(tab) {
  return tab.page.evaluate(() => window.__heard.slice());
}

/** Sends the page the `mouseout` a pointer leaving the window makes: no element it goes to. */
function pointerLeaves(tab, clientY) {
  return tab.page.evaluate((clientY) => {
    document.body.dispatchEvent(new MouseEvent("mouseout", { bubbles: true, clientX: 200, clientY, relatedTarget: null }));
  }, clientY);
}

test("exit intent: the pointer leaving through the top of the window, not the sides or into the page", async () => {
  const tab = await newTab(shared.browser);
  await openModules(tab, { body: "<main><h1>Test shop</h1><p id=p>Text</p></main>" });
  await watch(tab, { exit_intent: true });
  await tab.page.mouse.move(200, 200);
  await tab.page.mouse.move(200, 300);
  await pointerLeaves(tab, 300);
  assert.deepEqual(await heard(tab), [], "leaving through the side or moving within the page is no exit");
  await pointerLeaves(tab, 0);
  assert.deepEqual(await heard(tab), [["signal", "exit_intent", undefined]]);

  // Removed when no longer asked for, and on stop.
  await watch(tab, {});
  await pointerLeaves(tab, -4);
  await tab.page.evaluate(() => window.__shell.triggers.watch({ exit_intent: true }, window.__shell.signal));
  await tab.page.evaluate(() => window.__shell.triggers.stop());
  await pointerLeaves(tab, -4);
  assert.equal((await heard(tab)).length, 1);
  await closeClean(tab);
});

test("exit intent is not watched on a touch device", async () => {
  const tab = await newTab(shared.browser, { device: { hasTouch: true, isMobile: true, viewport: { width: 390, height: 800 } } });
  await openModules(tab);
  assert.equal(await tab.page.evaluate(() => matchMedia("(pointer: fine)").matches), false, "the context has no fine pointer");
  await watch(tab, { exit_intent: true });
  await pointerLeaves(tab, 0);
  assert.deepEqual(await heard(tab), []);
  await closeClean(tab);
});

test("idle: each threshold once per quiet stretch, input starts a new one", async () => {
  const tab = await newTab(shared.browser, { clock: CLOCK });
  await openModules(tab);
  await pauseClock(tab);
  await watch(tab, { idle: [30, 5] });
  await tab.page.clock.runFor(4000);
  await tab.page.mouse.move(10, 10);
  await tab.page.clock.runFor(4000);
  assert.deepEqual(await heard(tab), [], "4 s of quiet after the input");
  await tab.page.clock.runFor(1100);
  assert.deepEqual(await heard(tab), [["signal", "idle", 5]]);
  await tab.page.clock.runFor(30_000);
  assert.deepEqual(await heard(tab), [["signal", "idle", 5], ["signal", "idle", 30]], "each once");
  await tab.page.clock.runFor(60_000);
  assert.equal((await heard(tab)).length, 2);

  await tab.page.keyboard.press("Shift");
  await tab.page.clock.runFor(5100);
  assert.deepEqual((await heard(tab)).slice(2), [["signal", "idle", 5]], "quiet again after a key");

  await tab.page.evaluate(() => window.__shell.triggers.stop());
  await tab.page.mouse.move(20, 20);
  await tab.page.clock.runFor(60_000);
  assert.equal((await heard(tab)).length, 3, "nothing after stop");
  await closeClean(tab);
});

test("scroll depth: each threshold once, when the visitor scrolls that far", async () => {
  const tab = await newTab(shared.browser, { clock: CLOCK });
  // A long page (set from script: the page's CSP allows no inline style attribute).
  await openModules(tab, { body: "<main><h1>Long page</h1></main>", setup: () => addEventListener("DOMContentLoaded", () => (document.querySelector("main").style.height = "4000px")) });
  await pauseClock(tab);
  await watch(tab, { scroll: [50, 25, 90] });
  const scrollTo = async (fraction) => {
    // The browser fires `scroll` at its next frame; the agent then reads it in an animation
    // frame, which runs on the page clock.
    await tab.page.evaluate(
      (fraction) =>
        new Promise((done) => {
          addEventListener("scroll", done, { once: true });
          scrollTo(0, (document.documentElement.scrollHeight - innerHeight) * fraction);
        }),
      fraction,
    );
    await tab.page.clock.runFor(100);
  };
  await tab.page.clock.runFor(1000);
  assert.deepEqual(await heard(tab), [], "a page that was not scrolled");
  await scrollTo(0.5);
  assert.deepEqual(await heard(tab), [["signal", "scroll", 25], ["signal", "scroll", 50]]);
  await scrollTo(0);
  await scrollTo(0.6);
  assert.equal((await heard(tab)).length, 2, "each once per page view");
  await scrollTo(1);
  assert.deepEqual((await heard(tab)).at(-1), ["signal", "scroll", 90]);
  await closeClean(tab);
});

test("scroll depth: a page already scrolled when the watch starts counts at once", async () => {
  const tab = await newTab(shared.browser, { clock: CLOCK });
  await openModules(tab, { body: "<main><h1>Long page</h1></main>", setup: () => addEventListener("DOMContentLoaded", () => (document.querySelector("main").style.height = "4000px")) });
  await pauseClock(tab);
  // The visitor scrolled halfway before the campaign asking for scroll depth came in.
  await tab.page.evaluate(() => new Promise((done) => (addEventListener("scroll", done, { once: true }), scrollTo(0, (document.documentElement.scrollHeight - innerHeight) / 2))));
  await tab.page.clock.runFor(100);
  await watch(tab, { scroll: [25, 90] });
  await tab.page.clock.runFor(100);
  assert.deepEqual(await heard(tab), [["signal", "scroll", 25]]);
  await closeClean(tab);
});

test("time on page counts visible time only", async () => {
  const tab = await newTab(shared.browser, { clock: CLOCK });
  // The page's visibility, under the test's control.
  await openModules(tab, {
    setup: () => {
      window.__hidden = false;
      Object.defineProperty(Document.prototype, "visibilityState", { get: () => (window.__hidden ? "hidden" : "visible") });
    },
  });
  const visibility = (hidden) =>
    tab.page.evaluate((hidden) => {
      window.__hidden = hidden;
      document.dispatchEvent(new Event("visibilitychange"));
    }, hidden);
  await pauseClock(tab);
  await watch(tab, { time: [10, 20] });
  await tab.page.clock.runFor(6000);
  await visibility(true);
  await tab.page.clock.runFor(60_000);
  assert.deepEqual(await heard(tab), [], "6 s visible, a minute hidden");
  await visibility(false);
  await tab.page.clock.runFor(3900);
  assert.deepEqual(await heard(tab), []);
  await tab.page.clock.runFor(200);
  assert.deepEqual(await heard(tab), [["signal", "time", 10]]);
  // Asked again (the engine's watch after a change) it goes on counting, and never repeats.
  await watch(tab, { time: [10, 20], idle: [600] });
  await tab.page.clock.runFor(9800);
  assert.equal((await heard(tab)).length, 1);
  await tab.page.clock.runFor(300);
  assert.deepEqual(await heard(tab), [["signal", "time", 10], ["signal", "time", 20]]);
  await closeClean(tab);
});

test("routes: the page's pushState and replaceState run first, as the page's, then the new path is signalled; popstate too; stop puts them back", async () => {
  const tab = await newTab(shared.browser);
  await openModules(tab, {
    // A router that wrapped pushState itself: its calls are recorded with their `this`.
    setup: () => {
      const own = history.pushState;
      window.__calls = [];
      window.__routerPush = history.pushState = function (...args) {
        window.__calls.push([this === history, ...args]);
        own.apply(this, args);
        return "from the page";
      };
    },
  });
  await watch(tab, { route: true });
  const result = await tab.page.evaluate(() => history.pushState({ n: 1 }, "", "/phones/"));
  assert.equal(result, "from the page", "the page's return value is the caller's");
  assert.deepEqual(await tab.page.evaluate(() => window.__calls), [[true, { n: 1 }, "", "/phones/"]]);
  await tab.page.evaluate(() => history.replaceState({ n: 2 }, "", "/phones/"));
  assert.deepEqual(await heard(tab), [["signal", "route", "/phones/"]], "the same path again is no route change");
  await tab.page.evaluate(() => history.replaceState(null, "", "/plans/?q=1"));
  await tab.page.evaluate(() => new Promise((done) => {
    addEventListener("popstate", () => setTimeout(done), { once: true });
    history.back();
  }));
  assert.deepEqual(await heard(tab), [
    ["signal", "route", "/phones/"],
    ["signal", "route", "/plans/"],
    ["signal", "route", "/"],
  ], "the path only, never the query");

  await tab.page.evaluate(() => window.__shell.triggers.stop());
  const restored = await tab.page.evaluate(() => ({
    push: history.pushState === window.__routerPush,
    replace: !Object.hasOwn(history, "replaceState") && history.replaceState === History.prototype.replaceState,
  }));
  assert.deepEqual(restored, { push: true, replace: true });
  await tab.page.evaluate(() => history.pushState(null, "", "/after-stop/"));
  assert.equal((await heard(tab)).length, 3, "nothing after stop");
  await closeClean(tab);
});

test("a hostile history: a throwing pushState's exception is the caller's, a missing one is left alone, the agent keeps working", async () => {
  const tab = await newTab(shared.browser);
  await openModules(tab, {
    setup: () => {
      history.pushState = function () {
        throw new RangeError("router says no");
      };
      window.__notAFunction = history.replaceState = { hostile: true };
    },
  });
  const warnings = tab.warnings.length;
  await watch(tab, { route: true, exit_intent: true });
  assert.deepEqual(tab.warnings.slice(warnings), ["[concierge] history.replaceState cannot be wrapped; route changes through it are not seen"]);
  const thrown = await tab.page.evaluate(() => {
    try {
      history.pushState(null, "", "/x/");
      return null;
    } catch (error) {
      return [error instanceof RangeError, error.message];
    }
  });
  assert.deepEqual(thrown, [true, "router says no"], "the page's exception reaches the page's caller unchanged");
  assert.deepEqual(await heard(tab), [], "a push that failed changed no route");
  assert.equal(await tab.page.evaluate(() => history.replaceState === window.__notAFunction), true, "left as the page set it");
  await pointerLeaves(tab, 0);
  assert.deepEqual(await heard(tab), [["signal", "exit_intent", undefined]], "the other watchers work");

  // A history whose functions cannot be replaced.
  await tab.page.evaluate(() => {
    window.__shell.triggers.stop();
    Object.defineProperty(history, "pushState", { value: History.prototype.pushState, writable: false });
  });
  const before = tab.warnings.length;
  await watch(tab, { route: true });
  await tab.page.evaluate(() => history.pushState(null, "", "/y/"));
  assert.ok(tab.warnings.slice(before).includes("[concierge] history.pushState cannot be wrapped; route changes through it are not seen"));
  await closeClean(tab);
});

test("an agent that fails while it hears a route change does not fail the page's pushState", async () => {
  const tab = await newTab(shared.browser);
  await openModules(tab);
  const returned = await tab.page.evaluate(() => {
    window.__shell.triggers.watch({ route: true }, () => {
      throw new Error("the agent's own failure");
    });
    return [history.pushState(null, "", "/a/"), location.pathname];
  });
  assert.deepEqual(returned, [undefined, "/a/"]);
  await closeClean(tab);
});

test("a route watcher no longer asked for puts the page's functions back", async () => {
  const tab = await newTab(shared.browser);
  await openModules(tab);
  await watch(tab, { route: true, idle: [5] });
  assert.equal(await tab.page.evaluate(() => Object.hasOwn(history, "pushState")), true);
  await watch(tab, { idle: [5] });
  assert.equal(await tab.page.evaluate(() => Object.hasOwn(history, "pushState") || Object.hasOwn(history, "replaceState")), false);
  await tab.page.evaluate(() => history.pushState(null, "", "/z/"));
  assert.deepEqual(await heard(tab), []);
  await closeClean(tab);
});
