// Benchmark, browser side: opens the demo shop in headless Chromium as one of three variants (no agent, Concierge, Adobe's alloy) with the page rewritten by Playwright routing, and collects what the page itself observed.

import { readFileSync, existsSync } from "node:fs";
import { join, normalize } from "node:path";
import { launchBrowser } from "../../tests/e2e/harness.mjs";


export const VARIANTS = {
  none: "the demo page without any agent",
  concierge: "the demo page as shipped, with Concierge's loader",
  alloy: "the demo page with Adobe's alloy in Concierge's place",
};

/** The loader tag of www/index.html; the variants replace exactly this. */
const LOADER_TAG = /<script async src="\/concierge\/loader\.js"[^>]*><\/script>/;

/** A dummy Adobe organisation and datastream: configure needs them, nothing is ever sent. */
const ALLOY_SETUP = `/* Benchmark: Adobe's base code (the queue alloy reads on load) and a minimal configure call. */
document.addEventListener("error", function (event) {
  // A bundle that fails to load fails the page view at once instead of at the timeout.
  if (event.target && /alloy\.min\.js$/.test(event.target.src || "")) {
    window.__benchAlloyError = "alloy.min.js did not load";
    performance.mark("bench:alloy:failed");
  }
}, true);
!function (n, o) { o.forEach(function (o) { n[o] || ((n.__alloyNS = n.__alloyNS || []).push(o), n[o] = function () { var u = arguments; return new Promise(function (i, l) { n[o].q.push([i, l, u]); }); }, n[o].q = []); }); }(window, ["alloy"]);
alloy("configure", {
  datastreamId: "00000000-0000-0000-0000-000000000000",
  orgId: "000000000000000000000000@AdobeOrg",
  debugEnabled: false
}).then(function () {
  performance.mark("bench:alloy:ready");
}, function (error) {
  window.__benchAlloyError = String(error && error.message || error);
  performance.mark("bench:alloy:failed");
});
`;

/** The CSP a shop running alloy publishes: Adobe's edge domains added to connect-src. */
const ALLOY_CONNECT = "https://*.adobedc.net https://*.demdex.net";

/**
 * Observers installed before any script of the page runs: long tasks, long animation frames
 * (with the scripts they ran, to tell whose code blocked), layout shifts (with whether the
 * shifted node is the agent's) and slow events (Event Timing, 16 ms being its minimum).
 */
function installObservers() {
  const bench = (window.__bench = { longtasks: [], frames: [], shifts: [], events: [], observers: [] });
  const agentNode = (node) => {
    if (!node) return false;
    const root = node.getRootNode && node.getRootNode();
    return node.id === "concierge-root" || Boolean(root && root.host && root.host.id === "concierge-root");
  };
  const observe = (type, options, record) => {
    try {
      new PerformanceObserver((list) => list.getEntries().forEach(record)).observe({ type, buffered: true, ...options });
      bench.observers.push(type);
    } catch {
      // An entry type this browser lacks: its figures are reported as unavailable.
    }
  };
  observe("longtask", {}, (entry) => bench.longtasks.push({ start: entry.startTime, duration: entry.duration }));
  observe("long-animation-frame", {}, (entry) =>
    bench.frames.push({
      start: entry.startTime,
      duration: entry.duration,
      blocking: entry.blockingDuration,
      scripts: (entry.scripts || []).map((script) => ({ source: script.sourceURL, duration: script.duration, invoker: script.invoker })),
    }),
  );
  // Chrome names no node inside a shadow tree (a source's node is null there): a nameless source
  // over the agent's host box is the agent's too (else only the host itself would count).
  const agentSource = (source) => {
    if (source.node) return agentNode(source.node);
    const host = document.getElementById("concierge-root");
    const box = host && host.getBoundingClientRect();
    const rect = source.currentRect.height ? source.currentRect : source.previousRect;
    return Boolean(box && rect.left < box.right && rect.right > box.left && rect.top < box.bottom && rect.bottom > box.top);
  };
  observe("layout-shift", {}, (entry) =>
    bench.shifts.push({
      start: entry.startTime,
      value: entry.value,
      recentInput: entry.hadRecentInput,
      agent: (entry.sources || []).some(agentSource),
    }),
  );
  observe("event", { durationThreshold: 16 }, (entry) =>
    bench.events.push({
      name: entry.name,
      start: entry.startTime,
      duration: entry.duration,
      interaction: entry.interactionId,
      agent: agentNode(entry.target),
    }),
  );
}

/** Seeds a visitor who accepted every purpose of the built-in policy two hours ago and left a
 * cart then, in the stored format of today (as tests/browser/page.mjs `abandonedCart` does): the
 * released whole-state document's `storage`/`analytics` words no longer grant the purpose the
 * recovery banner needs, so a seed in that format showed no banner. */
function seedAbandonedCart() {
  if (localStorage.getItem("concierge:demo:cart")) return;
  const then = Date.now() - 2 * 60 * 60 * 1000;
  const purposes = { measurement: "granted", personalization: "granted", marketing: "granted" };
  localStorage.setItem("concierge:demo:consent", JSON.stringify({ v: 2, policy: 2, purposes, source: "dialog", at: then, scope: {} }));
  const lines = [{ id: "aurora-x1", name: "Aurora X1", category: "Phones", price: 79900, qty: 1 }];
  localStorage.setItem("concierge:demo:cart", JSON.stringify({ v: 1, currency: "EUR", updated: then, lines, seen: then }));
}

export async function launch() {
  // Belt and braces beside the routes below: no host name resolves, so nothing leaves the machine.
  return launchBrowser({ extraArgs: ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"] });
}

export function rewriteDocument(html, variant) {
  if (!LOADER_TAG.test(html)) throw new Error("the demo page has no Concierge loader tag to replace (www/index.html changed?)");
  if (variant === "none") return html.replace(LOADER_TAG, "");
  if (variant === "alloy") {
    return html.replace(
      LOADER_TAG,
      '<script src="/bench-peers/alloy-setup.js"></script><script async src="/bench-peers/@adobe/alloy/dist/alloy.min.js"></script>',
    );
  }
  return html;
}

function contentType(path) {
  if (path.endsWith(".css")) return "text/css";
  if (path.endsWith(".json")) return "application/json";
  return "text/javascript";
}

/**
 * A new, cold browser context with one page on the shop, `variant` of the home page, CPU
 * throttled by `throttle` (1 = none). `isolate` serves the page cross-origin isolated
 * (COOP + COEP), which gives performance.now() its fine resolution.
 */
export async function openShop(browser, origin, root, { variant = "concierge", throttle = 1, isolate = false, seed = false } = {}) {
  const context = await browser.newContext({ locale: "en-GB" });
  const errors = [];
  const page = await context.newPage();
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.addInitScript(installObservers);
  if (seed) await page.addInitScript(seedAbandonedCart);

  // Anything not on the loopback server is answered here, empty, and never reaches a network.
  const outside = [];
  await page.route(
    (url) => url.origin !== origin,
    (route) => {
      outside.push(route.request().url());
      return route.fulfill({ status: 204, body: "" });
    },
  );
  const peersRoot = join(root, "bench/peers/node_modules");
  await page.route(`${origin}/bench-peers/**`, (route) => {
    const path = decodeURIComponent(new URL(route.request().url()).pathname.slice("/bench-peers/".length));
    if (path === "alloy-setup.js") return route.fulfill({ status: 200, contentType: "text/javascript", body: ALLOY_SETUP });
    const file = normalize(join(peersRoot, path));
    if (!file.startsWith(peersRoot) || !existsSync(file)) return route.fulfill({ status: 404, body: "" });
    return route.fulfill({ status: 200, contentType: contentType(file), body: readFileSync(file) });
  });
  await page.route(`${origin}/`, async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers["content-length"];
    delete headers["content-encoding"];
    if (variant === "alloy" && headers["content-security-policy"]) {
      headers["content-security-policy"] = headers["content-security-policy"].replace("connect-src 'self'", `connect-src 'self' ${ALLOY_CONNECT}`);
    }
    if (isolate) {
      headers["cross-origin-opener-policy"] = "same-origin";
      headers["cross-origin-embedder-policy"] = "require-corp";
    }
    await route.fulfill({ status: response.status(), headers, body: rewriteDocument(await response.text(), variant) });
  });

  const cdp = await context.newCDPSession(page);
  if (throttle !== 1) await cdp.send("Emulation.setCPUThrottlingRate", { rate: throttle });
  return { context, page, cdp, errors, outside };
}

/**
 * Resolves with the first of the performance marks `names` the page has (or gets within
 * `timeout` ms), or null; event-driven, so no polling runs on the measured page.
 */
export function firstMark(page, names, timeout) {
  return page.evaluate(
    ([marks, limit]) =>
      new Promise((resolve) => {
        const found = () => marks.find((mark) => performance.getEntriesByName(mark).length > 0) ?? null;
        if (found()) return resolve(found());
        const timer = setTimeout(() => resolve(found()), limit);
        new PerformanceObserver((_list, observer) => {
          if (found()) {
            observer.disconnect();
            clearTimeout(timer);
            resolve(found());
          }
        }).observe({ type: "mark" });
      }),
    [names, timeout],
  );
}

/** What the page observed: navigation timing, the marks, first paint and the observers' records. */
export function pageRecord(page) {
  return page.evaluate(() => {
    const [navigation] = performance.getEntriesByType("navigation");
    const mark = (name) => performance.getEntriesByName(name)[0]?.startTime ?? null;
    const fcp = performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null;
    return {
      domContentLoaded: navigation.domContentLoadedEventStart,
      loadEvent: navigation.loadEventStart,
      fcp,
      marks: {
        conciergeReady: mark("concierge:ready"),
        conciergeConfig: mark("concierge:config"),
        alloyReady: mark("bench:alloy:ready"),
        alloyFailed: mark("bench:alloy:failed"),
      },
      alloyError: window.__benchAlloyError ?? null,
      ...window.__bench,
    };
  });
}
