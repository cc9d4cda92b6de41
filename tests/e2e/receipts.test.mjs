// End to end: a consent receipt survives a page close. The receipt of a choice whose POST failed
// stays on the device beside the choice, and the next page view sends it; the backend has it
// (the officer's export lists it) and the device entry goes.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, test } from "node:test";
import { agentReady, useShop } from "./harness.mjs";

const OFFICER_TOKEN = "e2e-receipts-officer";
process.env.CONCIERGE_PRIVACY_TOKEN_HASHES = createHash("sha256").update(OFFICER_TOKEN).digest("hex");

const shop = useShop({ before, after });

/** The receipt entries the agent keeps for the demo site. */
const receiptKeys = (page) => page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith("concierge:demo:receipt:")));

async function exported() {
  const answer = await fetch(`${shop.url}/v1/consent/receipts?site=demo&format=jsonl`, { headers: { authorization: `Bearer ${OFFICER_TOKEN}` } });
  assert.equal(answer.status, 200);
  return (await answer.text()).split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

test("a receipt whose first POST failed reaches the backend on the next page view", async () => {
  const context = await shop.browser.newContext({ locale: "en-GB" });
  const attempts = [];
  // The backend cannot be reached for receipts while the first page is open.
  await context.route("**/v1/consent/receipts", (route) => {
    attempts.push(JSON.parse(route.request().postData() ?? "{}").receipt);
    return route.abort("connectionrefused");
  });
  const first = await context.newPage();
  await first.goto(`${shop.url}/`);
  await agentReady(first);
  await first.locator("[data-view=consent] [data-action=reject]").click();
  await first.waitForFunction(() => Object.keys(localStorage).some((key) => key.startsWith("concierge:demo:receipt:")));
  const id = JSON.parse(await first.evaluate(() => localStorage.getItem("concierge:demo:consent"))).receipt;
  assert.match(id, /^r_[A-Za-z0-9_-]{22}$/);
  assert.deepEqual(await receiptKeys(first), [`concierge:demo:receipt:${id}`], "kept beside the choice");
  await expectEventually(() => attempts.includes(id), "the first POST was tried and failed");
  await first.close();
  assert.equal((await exported()).some((receipt) => receipt.receipt === id), false, "the backend does not have it yet");

  // The next page view, with the backend reachable again.
  await context.unroute("**/v1/consent/receipts");
  const requested = [];
  context.on("request", (request) => request.url().includes("/v1/consent/receipts") && requested.push(request.url()));
  const next = await context.newPage();
  await next.goto(`${shop.url}/product/?id=aurora-x1`);
  await agentReady(next);
  await expectEventually(async () => (await exported()).some((receipt) => receipt.receipt === id), "sent again on the next page");
  assert.equal(requested.length, 1, "one request: the kept receipt");
  const kept = (await exported()).find((receipt) => receipt.receipt === id);
  assert.ok(kept, "the backend has the receipt");
  assert.equal(kept.source, "dialog");
  assert.equal(kept.choices.personalization, "denied");
  await next.waitForFunction(() => !Object.keys(localStorage).some((key) => key.startsWith("concierge:demo:receipt:")));
  assert.deepEqual(Object.keys(await next.evaluate(() => ({ ...localStorage }))).filter((key) => key.startsWith("concierge:")), ["concierge:demo:consent"]);
  await context.close();
});

async function expectEventually(condition, message, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(message);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
