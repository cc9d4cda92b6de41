// End to end: the demo shop with a stub IAB TCF consent manager on its pages. The agent fetches its tcf module, follows the CMP's TC string (consent source tcf, a receipt the backend keeps) and a later change the visitor makes in the CMP, and never shows its own dialog, on the first page and the next.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, test } from "node:test";
import { agentReady, useShop, watchForDialog } from "./harness.mjs";

const OFFICER_TOKEN = "e2e-tcf-officer";
process.env.CONCIERGE_PRIVACY_TOKEN_HASHES = createHash("sha256").update(OFFICER_TOKEN).digest("hex");

const shop = useShop({ before, after });

// TC strings made with @iabtcf/core 1.5 (modules/tcf/tests/answer.rs): consent for TCF purposes
// 1-10, then without 3 and 4 (what the demo policy's tcf section maps marketing to).
const ALL = "CQujIwAQumbsAEsACBENCWEgAP_AAEAAAAYgJpQAQJpAAAAA.YAAAAAAAAAAA";
const NO_MARKETING = "CQujIwAQumbsAEsACBENCWEgAM_AAEAAAAYgJpQAQJpAAAAA.YAAAAAAAAAAA";

/** A CMP stub, run on every page before the shop's scripts: it reports the TC string it keeps
 * (in sessionStorage, as a CMP keeps its cookie), and `__cmpChange` is the visitor choosing
 * again in the CMP's own dialog. */
function stubCmp(initial) {
  const listeners = [];
  const current = () => sessionStorage.getItem("cmp") || initial;
  window.__tcfapi = (command, version, callback, parameter) => {
    if (command === "addEventListener") {
      const listenerId = listeners.push(callback) - 1;
      setTimeout(() => callback({ tcString: current(), eventStatus: "tcloaded", gdprApplies: true, listenerId }, true), 10);
    } else if (command === "removeEventListener") {
      listeners[parameter] = null;
    }
  };
  window.__cmpChange = (next) => {
    sessionStorage.setItem("cmp", next);
    listeners.forEach((listener, listenerId) => listener && listener({ tcString: next, eventStatus: "useractioncomplete", gdprApplies: true, listenerId }, true));
  };
}

async function exported() {
  const answer = await fetch(`${shop.url}/v1/consent/receipts?site=demo&format=jsonl`, { headers: { authorization: `Bearer ${OFFICER_TOKEN}` } });
  assert.equal(answer.status, 200);
  return (await answer.text()).split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

async function expectEventually(condition, message, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(message);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const storedConsent = (page) => page.evaluate(() => JSON.parse(localStorage.getItem("concierge:demo:consent")));

test("the agent follows the shop's CMP and a later change in it, and never shows its own dialog", async () => {
  const context = await shop.browser.newContext({ locale: "en-GB" });
  await context.addInitScript(stubCmp, ALL);
  await context.addInitScript(watchForDialog);
  const modules = [];
  const errors = [];
  context.on("request", (request) => request.url().includes("/concierge/modules/") && modules.push(new URL(request.url()).pathname));
  context.on("weberror", (error) => errors.push(String(error.error())));
  const page = await context.newPage();
  await page.goto(`${shop.url}/`);
  await agentReady(page);

  // The CMP's choice is the visitor's: stored with source tcf, its receipt at the backend.
  await page.waitForFunction(() => JSON.parse(localStorage.getItem("concierge:demo:consent"))?.source === "tcf");
  const first = await storedConsent(page);
  assert.deepEqual(modules, ["/concierge/modules/tcf.js", "/concierge/modules/tcf.wasm"]);
  await expectEventually(async () => (await exported()).some((r) => r.receipt === first.receipt), "the receipt reached the backend");
  const receipt = (await exported()).find((r) => r.receipt === first.receipt);
  assert.equal(receipt.source, "tcf");
  assert.deepEqual(receipt.choices, { necessary: "granted", measurement: "granted", personalization: "granted", marketing: "granted" });
  assert.equal(await page.locator("[data-view=consent]").count(), 0, "no dialog of the agent's own");
  assert.equal(await page.evaluate(() => window.__dialogSeen), undefined, "not even for a moment");

  // The visitor withdraws the advertising purposes in the CMP.
  await page.evaluate((next) => window.__cmpChange(next), NO_MARKETING);
  await page.waitForFunction(() => JSON.parse(localStorage.getItem("concierge:demo:consent")).receipt !== null);
  await page.waitForFunction((id) => JSON.parse(localStorage.getItem("concierge:demo:consent")).receipt !== id, first.receipt);
  const second = await storedConsent(page);
  assert.equal(second.source, "tcf");
  await expectEventually(async () => (await exported()).some((r) => r.receipt === second.receipt), "the change's receipt reached the backend");
  assert.equal((await exported()).find((r) => r.receipt === second.receipt).choices.marketing, "denied");

  // The next page (the same tab, where the CMP keeps its choice): the CMP reports the same
  // choice; no dialog, no new choice.
  const next = page;
  await next.goto(`${shop.url}/product/?id=aurora-x1`);
  await agentReady(next);
  await expectEventually(() => modules.length === 4, "the module, fetched again on the new page");
  await next.waitForTimeout(300);
  assert.equal(await next.locator("[data-view=consent]").count(), 0, "no dialog on the next page either");
  assert.equal(await next.evaluate(() => window.__dialogSeen), undefined, "not even for a moment");
  assert.equal((await storedConsent(next)).receipt, second.receipt, "the same choice: no new receipt");
  assert.deepEqual(errors, []);
  await context.close();
});
