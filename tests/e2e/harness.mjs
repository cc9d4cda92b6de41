// End-to-end harness: starts the built backend on a free port and drives Debian's Chromium with playwright-core.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const ROOT = resolve(import.meta.dirname, "../..");
const SERVER = process.env.CONCIERGE_SERVER ?? join(ROOT, "target/release/concierge-server");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export const STAFF_TOKEN = "e2e-staff-token";

/** A port that was free a moment ago, for a server that must come back on the same one. */
export async function freePort() {
  const { createServer } = await import("node:net");
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts concierge-server (port 0 unless given) on a data directory (a new one unless given);
 * resolves once it listens. `stop({ keepData: true })` leaves the data for a restart.
 */
export async function startServer({ port = 0, dataDir = mkdtempSync(join(tmpdir(), "concierge-e2e-")) } = {}) {
  const child = spawn(SERVER, ["--port", String(port), "--www", join(ROOT, "www"), "--data-dir", dataDir, "--documents", join(ROOT, "documents")], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      RUST_LOG: "warn",
      CONCIERGE_STAFF_TOKEN_HASHES: createHash("sha256").update(STAFF_TOKEN).digest("hex"),
    },
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 15_000);
    child.stdout.on("data", (chunk) => {
      const match = /running at (http:\/\/\S+)/.exec(String(chunk));
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1].replace(/\/$/, ""));
      }
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    dataDir,
    async stop({ keepData = false } = {}) {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.on("exit", done));
        child.kill("SIGTERM");
        await exited;
      }
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Flags for Chromium on this kind of machine: no sandbox as root, and no background traffic. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchBrowser({ extraArgs = [] } = {}) {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/**
 * A visitor's browser context whose pages record what a privacy officer would ask about:
 * storage writes, cookies, IndexedDB opens, CSP violations, script errors and dialogs.
 */
export async function visitor(browser, { time = "2026-11-23T10:00:00Z" } = {}) {
  const context = await browser.newContext({ locale: "en-GB" });
  await context.addInitScript(() => {
    const log = (window.__audit = { writes: [], violations: [], dialogs: 0 });
    for (const name of ["setItem", "removeItem", "clear"]) {
      const original = Storage.prototype[name];
      Storage.prototype[name] = function (...args) {
        log.writes.push({ op: name, key: args[0] ?? null, area: this === window.sessionStorage ? "session" : "local" });
        return original.apply(this, args);
      };
    }
    const cookie = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
    Object.defineProperty(document, "cookie", {
      get: () => cookie.get.call(document),
      set: (value) => {
        log.writes.push({ op: "cookie", key: String(value).split("=")[0] });
        cookie.set.call(document, value);
      },
    });
    const open = IDBFactory.prototype.open;
    IDBFactory.prototype.open = function (...args) {
      log.writes.push({ op: "indexedDB", key: args[0] });
      return open.apply(this, args);
    };
    document.addEventListener("securitypolicyviolation", (event) => {
      log.violations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
    window.alert = () => log.dialogs++;
  });
  const requests = [];
  const errors = [];
  context.on("request", (request) => requests.push(request.url()));
  context.on("weberror", (error) => errors.push(String(error.error())));
  const page = await context.newPage();
  await page.clock.install({ time: new Date(time) });
  return { context, page, requests, errors };
}

/** Waits until the agent has started on the page. */
export async function agentReady(page) {
  await page.waitForFunction(() => window.concierge && window.concierge.loaded === true);
}

/** The agent's current cart, as `concierge('on', 'cart')` reports it. */
export function cartOf(page) {
  return page.evaluate(() => new Promise((resolveCart) => window.concierge("on", "cart", resolveCart)));
}

export async function audit(page) {
  return page.evaluate(() => window.__audit);
}

/** Storage writes other than the demo shop's own cart (which belongs to the shop, not the agent). */
export function agentWrites(log) {
  return log.writes.filter((write) => !(write.op === "setItem" && String(write.key).startsWith("demo-shop:")));
}

/**
 * Registers the file's shared fixtures: one server and one browser for all its tests.
 * Returns an object whose `url` and `browser` are set once the `before` hook has run.
 */
export function useShop({ before, after }) {
  const shop = { url: null, browser: null, server: null };
  before(async () => {
    shop.server = await startServer();
    shop.url = shop.server.url;
    shop.browser = await launchBrowser();
  });
  after(async () => {
    await shop.browser?.close();
    await shop.server?.stop();
  });
  return shop;
}

/** The visitor leaves the shop, lets `duration` pass on the page's clock, and opens `url`. */
export async function comeBackLater(page, duration, url) {
  await page.goto("about:blank");
  await page.clock.fastForward(duration);
  await page.goto(url);
  await agentReady(page);
}

/** Opens the shop and accepts the consent prompt; returns once the agent has the choice. */
export async function acceptConsent(page, url) {
  await page.goto(url);
  await agentReady(page);
  await choose(page, page.locator("[data-view=consent] [data-action=accept]"), "dialog");
}

/**
 * Clicks `control`, a consent choice on the dialog or the panel, and returns once the agent has
 * the choice (its `consent` listeners told of one made on `source`, the dialog or the panel)
 * and has written what it stores. The view goes in the click's own task; the agent hears the
 * choice after the next frame (issue 8), and any call the page makes before that comes after it.
 */
export async function choose(page, control, source) {
  const heard = page.evaluate(
    (source) =>
      new Promise((resolve, reject) => {
        // A choice made from now on: the page clock's time, which the choice's record takes.
        const since = Date.now();
        const listener = (consent) => {
          if (consent.source !== source || !(consent.decided_at >= since)) return;
          window.concierge("off", "consent", listener);
          clearTimeout(late);
          // Storage is written on a zero timer the agent's call sets (src/web/storage.js), after
          // it tells its listeners: a timer set in the next task runs after that one.
          setTimeout(() => setTimeout(resolve, 0), 0);
        };
        const late = setTimeout(() => reject(new Error(`no consent choice from the ${source} within 10 s`)), 10_000);
        window.concierge("on", "consent", listener);
      }),
    source,
  );
  heard.catch(() => {});
  await control.click();
  await heard;
}

/** Closes the consent dialog without an answer (Escape), as a visitor who wants to shop first
 * does: the dialog is modal, so the page takes no click while it is open. */
export async function closeConsentUnanswered(page) {
  const dialog = page.locator("[data-view=consent]");
  await dialog.waitFor();
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
}

/**
 * The agent's stored state for the demo site, its sections put together:
 * `{ consent, cart, identity, outbox: { ...bookkeeping, events: [...] } }`, or null when nothing is stored.
 */
export function storedState(page, site = "demo") {
  return page.evaluate((prefix) => {
    const state = {};
    const events = [];
    for (const key of Object.keys(localStorage)) {
      if (!key.startsWith(prefix)) continue;
      const value = JSON.parse(localStorage.getItem(key));
      const name = key.slice(prefix.length);
      if (name.startsWith("event:")) events.push(value.event);
      else state[name] = value;
    }
    if (Object.keys(state).length === 0 && events.length === 0) return null;
    state.outbox = { ...(state.outbox || {}), events: events.sort((a, b) => a.at - b.at) };
    return state;
  }, `concierge:${site}:`);
}

/**
 * An admin page (`/admin/`, `/admin/campaigns.html`) in a context of its own, in British English,
 * that records CSP violations (`window.__violations`) and calls to `alert` (`window.__alerts`);
 * `errors` collects the page's uncaught errors. `time` fixes the page's clock (timers still run).
 */
export async function adminPage(browser, url, { time, acceptDownloads = false } = {}) {
  const context = await browser.newContext({ locale: "en-GB", acceptDownloads });
  await context.addInitScript(() => {
    window.__violations = [];
    window.__alerts = 0;
    window.alert = () => window.__alerts++;
    document.addEventListener("securitypolicyviolation", (event) => {
      window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const page = await context.newPage();
  if (time) await page.clock.setFixedTime(time);
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(url);
  return { context, page, errors };
}

/** Whether the page refuses to turn a string into HTML (Trusted Types enforced). */
export function trustedTypesEnforced(page) {
  return page.evaluate(() => {
    try {
      document.createElement("div").innerHTML = "<b>x</b>";
      return false;
    } catch (error) {
      return error instanceof TypeError;
    }
  });
}

/** The shown controls without a name (no label with text, no aria-label, no text of their own). */
export function unlabelledControls(page) {
  return page.$$eval("input, select, textarea, button", (controls) =>
    controls
      .filter((control) => !control.closest("[hidden]"))
      .filter((control) => {
        const labelled = control.labels && [...control.labels].some((label) => label.textContent.trim());
        return !labelled && !control.getAttribute("aria-label") && !control.textContent.trim();
      })
      .map((control) => control.id || control.outerHTML.slice(0, 60)));
}

/** The 1-based line of the caret in the textarea `#{id}`. */
export function caretLine(page, id) {
  return page.$eval(`#${id}`, (editor) => editor.value.slice(0, editor.selectionStart).split("\n").length);
}

/** Signs in to an admin page with `token` and checks it is refused: the status matches
 * `status`, the workspace stays closed and the token is not kept. */
export async function refusedSignIn(page, token, status) {
  await page.fill("#admin-token", token);
  await page.keyboard.press("Enter");
  await page.waitForFunction((source) => new RegExp(source).test(document.getElementById("admin-status").textContent), status.source);
  assert.equal(await page.isVisible("#workspace"), false);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("concierge-admin:token")), null);
}

/** Notes in `window.__dialogSeen` whether the agent's consent dialog was ever drawn, however
 * briefly: every shadow root the page attaches is watched from its creation. Given to
 * `addInitScript`, which runs its text in the page, so it uses nothing of this file. */
export function watchForDialog() {
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, init);
    new MutationObserver(() => {
      if (root.querySelector("[data-view=consent]")) window.__dialogSeen = true;
    }).observe(root, { childList: true, subtree: true });
    return root;
  };
}

/**
 * An advisor's staff console signed in with the e2e token and looking up `code`: resolves with
 * `{ context, page, handoff }`, `handoff` the text of the newest handoff request listed beside
 * the cart once one is there.
 */
export async function staffHandoff(browser, url, code) {
  const context = await browser.newContext({ locale: "en-GB" });
  const page = await context.newPage();
  await page.goto(`${url}/staff/`);
  await page.fill("#staff-token", STAFF_TOKEN);
  await page.keyboard.press("Enter");
  await page.fill("#cart-code-input", code);
  await page.keyboard.press("Enter");
  const newest = page.locator("#handoffs li.handoff").first();
  await newest.waitFor({ timeout: 10_000 });
  return { context, page, handoff: await newest.textContent() };
}
