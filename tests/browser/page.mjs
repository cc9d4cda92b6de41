// Browser-test helpers: a test shop page on a fake origin, served from the repository by Playwright's routing (no backend), and ways to set it up and inspect it.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { launchBrowser } from "../e2e/harness.mjs";

const ROOT = resolve(import.meta.dirname, "../..");
const WWW = join(ROOT, "www");

/** The fake shop every test page lives on; nothing leaves the browser. */
export const ORIGIN = "https://shop.test";
export const SITE = "test";
/** The stored cart section of the test site (cart lines, dismissal and visit times). */
export const CART_KEY = `concierge:${SITE}:cart`;
/** Where agents before sections kept the whole state: seeding it also exercises the migration. */
export const LEGACY_KEY = `concierge:v1:${SITE}`;
export const FORTY_MINUTES = 40 * 60_000;

/** The demo server's policy (server/src/config.rs DEFAULT_CSP) plus Trusted Types. */
export const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; " +
  "require-trusted-types-for 'script'";

/** The loader's data-* settings a shop page would carry, unless a test says otherwise. */
export const SETTINGS = { site: SITE, currency: "EUR", locale: "en-GB", checkoutPath: "/checkout/" };

/** The published config `/v1/config` answers with by default: valid, and adding nothing. */
export const CONFIG = { format: 1, site: SITE, documents: [] };

const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
};

/** One Chromium for the whole file: `useBrowser({ before, after }).browser` once `before` ran. */
export function useBrowser({ before, after }) {
  const shared = { browser: null };
  before(async () => {
    shared.browser = await launchBrowser();
  });
  after(async () => {
    await shared.browser?.close();
  });
  return shared;
}

/**
 * A new visitor (its own browser context) on the test shop. The returned tab records what the
 * tests look at: the agent's console messages, exceptions that reached the page, CSP
 * violations and what the agent sent to `/v1/events` (storage writes: `writes`).
 * `config` is the body `/v1/config` answers with (`null`: HTTP 404). `clock` installs the page
 * clock at that time, for tests where time matters: `tab.page.clock.runFor(...)` then runs the
 * agent's timers (and rejects if one throws). Without it, timers run for real, and an exception
 * in one reaches `errors` (the page clock would swallow it). `device`: more context options
 * (a phone: `{ hasTouch: true, isMobile: true, viewport }`).
 */
export async function newTab(browser, { clock = null, config = CONFIG, device = {} } = {}) {
  const context = await browser.newContext({ locale: "en-GB", ...device });
  const tab = {
    context,
    page: null,
    /** Every `[concierge] ` console message, in order. */
    warnings: [],
    /** Exceptions that reached the page (none ever should). */
    errors: [],
    /** `securitypolicyviolation` events, as "directive blocked-uri". */
    violations: [],
    /** The JSON bodies POSTed to `/v1/events`. */
    batches: [],
    /** The JSON bodies POSTed to `/v1/consent/receipts`, and the statuses to answer them with
     * in turn (202 once these run out). */
    receipts: [],
    receiptAnswers: [],
    /** Every request the page made, as a URL. */
    requests: [],
    /** What the next navigation serves; see `open`. */
    html: null,
    setup: "",
  };
  await context.exposeBinding("__recordViolation", (_source, text) => tab.violations.push(text));
  await context.addInitScript(() => {
    const report = window.__recordViolation;
    document.addEventListener("securitypolicyviolation", (event) => report(`${event.violatedDirective} ${event.blockedURI}`), true);
    // Kept in the page (read by `writes`): a binding would go through the page's JSON.
    const writes = [];
    Object.defineProperty(window, "__writes", { value: writes });
    for (const op of ["setItem", "removeItem", "clear"]) {
      const original = Storage.prototype[op];
      Storage.prototype[op] = function (key, ...rest) {
        if (this === window.localStorage) writes.push([op, op === "clear" ? null : String(key)]);
        return original.call(this, key, ...rest);
      };
    }
  });
  await context.route("**/*", (route) => serve(tab, route, config));
  if (clock !== null) await context.clock.install({ time: new Date(clock) });
  // The agent marks "concierge:config" once the published config applied; the page clock's
  // stand-in for `performance` keeps no marks, so they are noted here as well.
  await context.addInitScript(() => {
    const marks = [];
    Object.defineProperty(window, "__marks", { value: marks });
    const mark = performance.mark;
    performance.mark = function (name) {
      marks.push(name);
      return mark.apply(this, arguments);
    };
  });

  const page = (tab.page = await context.newPage());
  page.on("console", (message) => {
    if (message.text().startsWith("[concierge] ")) tab.warnings.push(message.text());
  });
  page.on("pageerror", (error) => tab.errors.push(String(error)));
  page.on("request", (request) => tab.requests.push(request.url()));
  return tab;
}

async function serve(tab, route, config) {
  const request = route.request();
  const url = new URL(request.url());
  if (url.origin !== ORIGIN) return route.abort("blockedbyclient");
  const headers = { "x-content-type-options": "nosniff", "cache-control": "no-cache" };
  if (url.pathname === "/" && tab.html !== null) {
    return route.fulfill({ status: 200, headers: { ...headers, "content-type": CONTENT_TYPES[".html"], "content-security-policy": CSP }, body: tab.html });
  }
  if (url.pathname === "/test/modules.js") {
    return route.fulfill({ status: 200, headers: { ...headers, "content-type": CONTENT_TYPES[".js"] }, body: await shellModules() });
  }
  if (url.pathname === "/test/setup.js") {
    return route.fulfill({ status: 200, headers: { ...headers, "content-type": CONTENT_TYPES[".js"] }, body: tab.setup });
  }
  if (url.pathname === "/v1/config") {
    if (config === null) return route.fulfill({ status: 404, headers, body: "" });
    return route.fulfill({ status: 200, headers: { ...headers, "content-type": "application/json", etag: '"test-1"' }, body: JSON.stringify(config) });
  }
  if (url.pathname === "/v1/consent/receipts" && request.method() === "POST") {
    tab.receipts.push(JSON.parse(request.postData()));
    const status = tab.receiptAnswers.shift() ?? 202;
    return route.fulfill({ status, headers: { ...headers, "content-type": "application/json" }, body: "{}" });
  }
  if (url.pathname === "/v1/events" && request.method() === "POST") {
    tab.batches.push(JSON.parse(request.postData()));
    return route.fulfill({ status: 200, headers: { ...headers, "content-type": "application/json" }, body: "{}" });
  }
  const file = normalize(join(WWW, decodeURIComponent(url.pathname)));
  const type = CONTENT_TYPES[extname(file)];
  if (request.method() === "GET" && file.startsWith(WWW + "/") && type) {
    try {
      return route.fulfill({ status: 200, headers: { ...headers, "content-type": type }, body: await readFile(file) });
    } catch (error) {}
  }
  return route.fulfill({ status: 404, headers: { ...headers, "content-type": "text/plain" }, body: "not found" });
}

/**
 * Opens the shop's page with the loader tag and waits until the agent has started and applied
 * the published config. `setup(arg)` runs as the page's own script before the loader does (it
 * is serialised, so it sees only `arg`); `scripts` lists more such `{ setup, arg }`, run in
 * order. `settings` become the loader's data-* attributes.
 */
export async function open(tab, { settings = SETTINGS, setup = null, arg = null, scripts = [], lang = "en", loaderTwice = false } = {}) {
  const attributes = Object.entries(settings)
    .map(([key, value]) => ` data-${key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())}="${escapeAttribute(value)}"`)
    .join("");
  const loader = `<script async src="/concierge/loader.js"${attributes}></script>`;
  if (setup) scripts = [...scripts, { setup, arg }];
  tab.setup = scripts.map(({ setup, arg }) => `(${setup})(${JSON.stringify(arg)});\n`).join("");
  tab.html = `<!doctype html>
<html lang="${escapeAttribute(lang)}">
<head>
<meta charset="utf-8">
<title>Test shop</title>
${scripts.length ? '<script src="/test/setup.js"></script>' : ""}
${loader}
${loaderTwice ? loader : ""}
</head>
<body><main><h1>Test shop</h1><p>A page the agent runs on.</p></main></body>
</html>`;
  await tab.page.goto(`${ORIGIN}/`);
  await configApplied(tab, 1);
}

/**
 * Opens a page with the shell's campaign modules alone (no loader, no engine), for what only the
 * shell decides: `window.__shell` holds `triggers`, `placements` and `dom` as src/web has them,
 * and `window.__heard` collects what they tell the engine: `["signal", name, value]`,
 * `["seen", id]` and `["action", name, campaign]`. `body` is the page's body HTML.
 */
export async function openModules(tab, { body = "<main><h1>Test shop</h1></main>", setup = null, arg = null } = {}) {
  tab.setup = setup ? `(${setup})(${JSON.stringify(arg)});\n` : "";
  tab.html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Test shop</title>
<script src="/test/setup.js"></script>
<script src="/test/modules.js"></script>
</head>
<body>${body}</body>
</html>`;
  await tab.page.goto(`${ORIGIN}/`);
  await tab.page.waitForFunction(() => window.__shell !== undefined);
}

let modulesBundle = null;

/** The shell's campaign modules bundled as one classic script, the way bundle.mjs bundles the
 * agent (the stylesheet as text), with their engine-facing callbacks recording into `__heard`. */
function shellModules() {
  modulesBundle ??= (async () => {
    const { build, transform } = await import("esbuild");
    const web = join(ROOT, "src/web");
    const entry = `
      import * as triggers from "./triggers.js";
      import * as placements from "./placements.js";
      import * as dom from "./dom.js";
      const heard = (window.__heard = []);
      dom.init((name, switches, campaign) => heard.push(["action", name, campaign]));
      placements.init((id) => heard.push(["seen", id]));
      window.__shell = { triggers, placements, dom, signal: (name, value) => heard.push(["signal", name, value]) };`;
    const css = {
      name: "css-as-text",
      setup(bundle) {
        bundle.onLoad({ filter: /\.css$/ }, async ({ path }) => ({ contents: (await transform(await readFile(path, "utf8"), { loader: "css", minify: true })).code, loader: "text" }));
      },
    };
    const result = await build({ stdin: { contents: entry, resolveDir: web }, bundle: true, format: "iife", write: false, target: "es2020", plugins: [css], logLevel: "warning" });
    return result.outputFiles[0].text;
  })();
  return modulesBundle;
}

/** A campaign view as the engine's `["render", view]` carries it. */
export function campaignView(campaign, placement, fields = {}) {
  return {
    kind: "campaign",
    campaign,
    variant: null,
    placement,
    slot: null,
    label: "",
    lang: "en",
    locale: "en-GB",
    title: "Title of " + campaign,
    body: "Body of " + campaign,
    lines: [],
    more: null,
    total: null,
    code: null,
    link: null,
    rows: [],
    actions: [
      { action: "follow", label: "Go", href: "/offers/", close: false },
      { action: "dismiss", label: "Close", href: null, close: true },
    ],
    hosts: [],
    ...fields,
  };
}

function escapeAttribute(value) {
  return String(value).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

/** Waits until the agent is ready and has applied the config answer `count` times on this page. */
export async function configApplied(tab, count) {
  await tab.page.waitForFunction(
    (count) => window.concierge?.loaded === true && window.__marks.filter((name) => name === "concierge:config").length >= count,
    count,
  );
}

/** `stop()` on the module the loader started, as a single-page app tearing the page down does. */
export async function stopAgent(tab) {
  await tab.page.evaluate(async () => (await import("/concierge/pkg/concierge.js")).stop());
}

/** `start()` again on the same page, with the loader's arguments. */
export async function startAgent(tab, settings = SETTINGS) {
  const applied = await tab.page.evaluate(() => window.__marks.filter((name) => name === "concierge:config").length);
  await tab.page.evaluate(async (settings) => {
    const agent = await import("/concierge/pkg/concierge.js");
    const config = fetch("/v1/config?site=test")
      .then((response) => response.json().then((body) => ({ status: response.status, etag: response.headers.get("ETag"), body })))
      .catch(() => null);
    await agent.start(Object.assign(Object.create(null), settings), document.documentElement.lang, config, fetch("/concierge/pkg/concierge_bg.wasm"));
  }, settings);
  await configApplied(tab, applied + 1);
}

/** Calls `window.concierge(...args)` in the page, as the shop would; a throw fails the test. */
export function call(tab, ...args) {
  return tab.page.evaluate((args) => {
    window.concierge(...args);
  }, args);
}

/** Waits, in real time and up to five seconds, until `holds()` is true (or a promise of true:
 * a question put to the page), and returns whether it became true. A request the page sends
 * reaches the test's route handler a moment after the page clock ran the timer that sent it, so
 * what was sent is awaited, not read at once. */
export async function eventually(holds, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await holds())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** The agent's console messages while `body` runs. */
export async function warningsDuring(tab, body) {
  const from = tab.warnings.length;
  await body();
  // A console event can trail the evaluation that caused it by a moment.
  await tab.page.evaluate(() => new Promise((done) => setTimeout(done, 0)));
  return tab.warnings.slice(from);
}

/** A view of the agent by kind (`consent`, `panel`, `campaign`), found through its open shadow root. */
export function view(tab, kind) {
  return tab.page.locator(`#concierge-root [data-view=${kind}]`);
}

export function texts(locator, selector) {
  return locator.locator(selector).allTextContents();
}

/** The test site's stored section `name` (`cart`, `consent`, ...), parsed, or null. */
export async function stored(tab, name = "cart") {
  await settled(tab);
  const text = await tab.page.evaluate((key) => localStorage.getItem(key), `concierge:${SITE}:${name}`);
  return text === null ? null : JSON.parse(text);
}

/**
 * Lets the agent's deferred storage writes land: they are written in a task of their own right
 * after the call that caused them, and a timer set now runs after that one. A control that
 * closes its view (a consent choice, a dismissal) is told the agent in a task after the next
 * frame (or a quarter of a second on where no frame comes), so the timer is set after that.
 */
export function settled(tab) {
  return tab.page.evaluate(
    () =>
      new Promise((resolve) => {
        let framed = false;
        const then = () => framed || ((framed = true), setTimeout(() => setTimeout(resolve, 0), 0));
        requestAnimationFrame(then);
        scheduler.postTask(then, { delay: 300 });
      }),
  );
}

/** Every localStorage write on the current page, as [operation, key]. */
export async function writes(tab) {
  await settled(tab);
  return tab.page.evaluate(() => window.__writes);
}

/** Every localStorage key on the shop's origin. */
export async function storedKeys(tab) {
  await settled(tab);
  return tab.page.evaluate(() => Object.keys(localStorage));
}

/** The GA4 `add_to_cart` call for one item, as `concierge(...)` takes it. */
export function addToCart(id, name, price, quantity) {
  return ["track", "add_to_cart", { items: [{ item_id: id, item_name: name, price, quantity }] }];
}

/**
 * A setup that stores the state an earlier visit left: every purpose of the built-in policy
 * granted, the cart `lines` (minor units) untouched for `idle` ms. Written as sections in the
 * current formats (the released whole-state format is migrated by the native tests; since issue
 * 9 it also brings the dialog back, for the purposes the released agent never asked about).
 */
export function abandonedCart(lines, idle = FORTY_MINUTES) {
  return {
    setup: ({ prefix, lines, idle }) => {
      const then = Date.now() - idle;
      const purposes = { measurement: "granted", personalization: "granted", marketing: "granted" };
      const consent = { v: 2, policy: 2, purposes, source: "dialog", at: then, scope: {} };
      localStorage.setItem(`${prefix}consent`, JSON.stringify(consent));
      const cart = { v: 1, currency: "EUR", updated: then, lines, seen: then };
      localStorage.setItem(`${prefix}cart`, JSON.stringify(cart));
    },
    arg: { prefix: `concierge:${SITE}:`, lines, idle },
  };
}

export const AURORA = { id: "p", name: "Aurora X1", price: 79900, qty: 1 };

/** Closes the visitor's context after checking the page was never hurt: no exception reached
 * it and no CSP violation happened. */
export async function closeClean(tab) {
  // Let the last console and violation events arrive.
  await tab.page.waitForTimeout(50);
  assert.deepEqual(tab.errors, [], "no exception reached the page");
  assert.deepEqual(tab.violations, [], "no CSP violation");
  await tab.context.close();
}

/** The test config with the assistant's knowledge pointer: the agent draws its launcher. */
export const WITH_KNOWLEDGE = { ...CONFIG, assistant: { knowledge: "/v1/config/knowledge?site=test", version: 3 } };

/** A stand-in for the assistant module: it keeps the ctx it was opened with (and how many times
 * it was) where the test can read it. */
const ASSISTANT_STUB = `
export const ready = Promise.resolve();
export function open(ctx) {
  window.__opened = (window.__opened || 0) + 1;
  window.__ctx = ctx;
  return { close() {} };
}`;

/** Serves the stub at the assistant module's URL; `tab.stubStatus` other than 200 (set here or
 * later): the module cannot load. */
export async function serveAssistantStub(tab, status = 200) {
  tab.stubStatus = status;
  await tab.context.route("**/concierge/modules/assistant.js*", (route) =>
    route.fulfill({ status: tab.stubStatus, headers: { "content-type": "text/javascript" }, body: tab.stubStatus === 200 ? ASSISTANT_STUB : "" }),
  );
}
