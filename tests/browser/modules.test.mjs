// Browser tests: lazy modules (src/web/modules.js) and the IAB TCF consent manager watcher (src/web/cmp.js) under the strict CSP with Trusted Types: the tcf module (its .js and .wasm) is fetched only on a page with a CMP, the agent follows the CMP's TC string and every later change (on the window, or in a parent frame through the __tcfapiLocator frame and postMessage) without showing its own dialog, and a hostile CMP or a module that cannot load never breaks the page: the agent asks for consent itself.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CSP, ORIGIN, SETTINGS, closeClean, eventually, newTab, open, settled, useBrowser, view } from "./page.mjs";
import { watchForDialog } from "../e2e/harness.mjs";

const shared = useBrowser({ before, after });

// TC strings made with @iabtcf/core 1.5 (modules/tcf/tests/answer.rs): consent for TCF
// purposes 1-10, and for 1, 2, 5-10 (no 3 and 4: the demo policy's marketing).
const ALL = "CQujIwAQumbsAEsACBENCWEgAP_AAEAAAAYgJpQAQJpAAAAA.YAAAAAAAAAAA";
const NO_MARKETING = "CQujIwAQumbsAEsACBENCWEgAM_AAEAAAAYgJpQAQJpAAAAA.YAAAAAAAAAAA";

function moduleRequests(tab) {
  return tab.requests.map((url) => new URL(url).pathname).filter((path) => path.startsWith("/concierge/modules/"));
}

/** A CMP on the page's window, as a CMP's stub script defines it: answers `addEventListener`
 * at once with `tcString` (`tcloaded`), and `window.__cmpChange(tcString)` reports a later
 * choice to every listener (`useractioncomplete`). */
function cmpOnWindow(tcString) {
  const listeners = [];
  window.__tcfapi = (command, version, callback, parameter) => {
    if (command === "addEventListener" && version === 2) {
      const listenerId = listeners.push(callback) - 1;
      callback({ tcString, eventStatus: "tcloaded", cmpStatus: "loaded", gdprApplies: true, listenerId }, true);
    } else if (command === "removeEventListener") {
      listeners[parameter] = null;
      callback(true, true);
    }
  };
  window.__cmpChange = (next) =>
    listeners.forEach((listener, listenerId) => listener && listener({ tcString: next, eventStatus: "useractioncomplete", gdprApplies: true, listenerId }, true));
}

/** The page's scripts: the agent's consent notices recorded, then the CMP `setup(arg)`. */
const withCmp = (setup, arg) => ({ scripts: [{ setup: recordConsents }, { setup, arg }] });

/** Queues `concierge('on', 'consent', ...)` on the documented stub: notices go to `__consents`. */
function recordConsents() {
  window.__consents = [];
  window.concierge = function () {
    (window.concierge.q = window.concierge.q || []).push(arguments);
  };
  window.concierge("on", "consent", (consent) => window.__consents.push(consent));
}

/** The last consent the agent notified: its source and the demo policy's three consent purposes. */
async function lastConsent(frame) {
  return frame.evaluate(() => {
    const consent = window.__consents[window.__consents.length - 1];
    return consent && [consent.source, consent.purposes.measurement, consent.purposes.personalization, consent.purposes.marketing];
  });
}

const GRANTED = ["tcf", "granted", "granted", "granted"];
const NO_ADS = ["tcf", "granted", "granted", "denied"];

test("a page without a consent manager fetches no module and shows the agent's own dialog", async () => {
  const tab = await newTab(shared.browser);
  await tab.context.addInitScript(watchForDialog);
  await open(tab);
  await tab.page.evaluate(() => new Promise((done) => setTimeout(done, 300)));
  assert.deepEqual(moduleRequests(tab), []);
  assert.equal(await view(tab, "consent").count(), 1);
  // The watcher the CMP tests rely on to prove "never drawn" sees a dialog that is drawn.
  assert.equal(await tab.page.evaluate(() => window.__dialogSeen), true, "the dialog watcher works");
  await closeClean(tab);
});

test("with a CMP on the window, the tcf module is fetched once and the agent follows the TC string and a later change, never showing its dialog", async () => {
  const tab = await newTab(shared.browser);
  await tab.context.addInitScript(watchForDialog);
  await open(tab, withCmp(cmpOnWindow, ALL));
  assert.ok(await eventually(() => tab.receipts.length === 1), "a receipt for the CMP's choice");
  assert.deepEqual(await lastConsent(tab.page), GRANTED);
  assert.equal(tab.receipts[0].source, "tcf");
  assert.deepEqual(tab.receipts[0].choices, { necessary: "granted", measurement: "granted", personalization: "granted", marketing: "granted" });
  assert.deepEqual(moduleRequests(tab), ["/concierge/modules/tcf.js", "/concierge/modules/tcf.wasm"]);
  assert.equal(await view(tab, "consent").count(), 0, "no dialog of the agent's own");
  assert.equal(await tab.page.evaluate(() => window.__dialogSeen), undefined, "not even for a moment");
  assert.equal(await tab.page.locator("#concierge-root .concierge-control").count(), 0, "nor its control");

  // The visitor changes their mind in the CMP: marketing's TCF purposes 3 and 4 withdrawn.
  await tab.page.evaluate((next) => window.__cmpChange(next), NO_MARKETING);
  assert.deepEqual(await lastConsent(tab.page), NO_ADS);
  assert.ok(await eventually(() => tab.receipts.length === 2));
  assert.equal(tab.receipts[1].choices.marketing, "denied");
  // The same string again (a CMP repeats itself): no new choice, no receipt.
  await tab.page.evaluate((next) => window.__cmpChange(next), NO_MARKETING);
  await settled(tab);
  assert.equal(await tab.page.evaluate(() => window.__consents.length), 3, "the starting state, then two choices");
  assert.equal(await view(tab, "consent").count(), 0);
  assert.deepEqual(moduleRequests(tab).length, 2, "fetched once");
  await closeClean(tab);
});

test("a CMP in a parent frame is reached through its __tcfapiLocator frame and postMessage, and followed", async () => {
  const tab = await newTab(shared.browser);
  // The shop's page framed by a page holding the CMP: the CMP answers `__tcfapiCall` messages.
  const parent = `<!doctype html><html><head><meta charset="utf-8"><script>
    (${cmpOnWindow})(${JSON.stringify(ALL)});
    window.addEventListener("message", (event) => {
      let data = event.data;
      if (typeof data == "string") { try { data = JSON.parse(data); } catch (error) { return; } }
      const call = data && data.__tcfapiCall;
      if (!call) return;
      window.__tcfapi(call.command, call.version, (returnValue, success) => {
        // Sent as a JSON string, as some CMPs do.
        event.source.postMessage(JSON.stringify({ __tcfapiReturn: { returnValue, success, callId: call.callId } }), "*");
      }, call.parameter);
    });
  </script></head><body><iframe name="__tcfapiLocator" hidden></iframe><iframe id="shop" src="/framed/"></iframe></body></html>`;
  const attributes = Object.entries(SETTINGS).map(([key, value]) => ` data-${key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())}="${value}"`).join("");
  const framed = `<!doctype html><html lang="en"><head><meta charset="utf-8"><script src="/test/setup.js"></script><script async src="/concierge/loader.js"${attributes}></script></head><body><main>Framed shop</main></body></html>`;
  tab.setup = `(${recordConsents})();\n`;
  await tab.context.route(`${ORIGIN}/cmp-parent/`, (route) => route.fulfill({ status: 200, contentType: "text/html", body: parent }));
  await tab.context.route(`${ORIGIN}/framed/`, (route) =>
    route.fulfill({ status: 200, headers: { "content-type": "text/html", "content-security-policy": CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'") }, body: framed }),
  );
  await tab.page.goto(`${ORIGIN}/cmp-parent/`);
  const frame = tab.page.frameLocator("#shop");
  const shop = tab.page.frames().find((f) => f.url().endsWith("/framed/"));
  await shop.waitForFunction(() => window.__consents && window.__consents.some((c) => c.source === "tcf"));
  assert.deepEqual(await lastConsent(shop), GRANTED);
  assert.equal(await shop.evaluate(() => typeof window.__tcfapi), "undefined", "the CMP is the parent's");
  // Another frame answering in the CMP's name, with the agent's own call id, is not heard:
  // only the window holding the locator speaks for the CMP.
  const spoofed = { __tcfapiReturn: { callId: "concierge-1", success: true, returnValue: { eventStatus: "useractioncomplete", gdprApplies: true, tcString: NO_MARKETING, listenerId: 0 } } };
  await tab.page.frame({ name: "__tcfapiLocator" }).evaluate((message) => parent.document.getElementById("shop").contentWindow.postMessage(message, "*"), spoofed);
  await shop.evaluate(() => new Promise((done) => setTimeout(done, 200)));
  assert.deepEqual(await lastConsent(shop), GRANTED, "a spoofed answer changes nothing");
  await tab.page.evaluate((next) => window.__cmpChange(next), NO_MARKETING);
  await shop.waitForFunction(() => window.__consents[window.__consents.length - 1].purposes.marketing === "denied");
  assert.deepEqual(await lastConsent(shop), NO_ADS);
  assert.equal(await frame.locator("#concierge-root [data-view=consent]").count(), 0, "no dialog of the agent's own");
  await closeClean(tab);
});

/** CMPs that misbehave: `kind` picks how. */
function hostileCmp(kind) {
  window.__tcfapi = (command, version, callback) => {
    if (kind === "throws") throw new Error("CMP broke");
    // Garbage first (no object, no success, a getter that throws), then a number for a string.
    callback(null, true);
    callback("tcloaded", true);
    callback({ eventStatus: "tcloaded", tcString: "x" }, false);
    callback(Object.defineProperty({}, "eventStatus", { get: () => { throw new Error("getter"); } }), true);
    callback({ eventStatus: "tcloaded", gdprApplies: true, tcString: kind === "garbage" ? 42 : "Not*A*TC*String" }, true);
  };
}

for (const kind of ["throws", "garbage", "unreadable"]) {
  test(`a hostile CMP (${kind}) breaks nothing: one warning, and the agent asks for consent itself`, async () => {
    const tab = await newTab(shared.browser);
    await open(tab, withCmp(hostileCmp, kind));
    await view(tab, "consent").waitFor();
    const reason = {
      throws: "__tcfapi threw: CMP broke",
      garbage: "the TC string is empty",
      unreadable: "",
    }[kind];
    const warnings = tab.warnings.filter((text) => text.includes("consent manager"));
    assert.equal(warnings.length, 1, String(tab.warnings));
    assert.match(warnings[0], /the consent manager's TC string could not be read \(.+\); the agent asks for consent itself/);
    if (reason) assert.ok(warnings[0].includes(reason), warnings[0]);
    assert.deepEqual(tab.receipts, []);
    await closeClean(tab);
  });
}

test("a tcf module that cannot be fetched is one warning, and the agent asks for consent itself", async () => {
  const tab = await newTab(shared.browser);
  await tab.context.route("**/concierge/modules/tcf.wasm*", (route) => route.fulfill({ status: 503, body: "" }));
  await open(tab, withCmp(cmpOnWindow, ALL));
  await view(tab, "consent").waitFor();
  assert.deepEqual(tab.warnings.filter((text) => text.includes("module")).length, 1, String(tab.warnings));
  assert.match(tab.warnings.find((text) => text.includes("module")), /the tcf module could not be loaded \(HTTP 503\)/);
  assert.deepEqual(await lastConsent(tab.page), ["default", "unset", "unset", "unset"]);
  await closeClean(tab);
});
