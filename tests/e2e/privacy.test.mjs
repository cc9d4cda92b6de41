// End to end: a visitor who rejects consent leaves no trace beyond the record of that choice: no
// other agent storage, no requests to the API beyond the anonymous configuration GET
// (see config-privacy.test.mjs).

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { agentReady, agentWrites, audit, cartOf, choose, closeConsentUnanswered, useShop, visitor } from "./harness.mjs";

const shop = useShop({ before, after });

/** Requests to the API other than the configuration GET every page makes. */
const apiCalls = (requests) =>
  requests.filter((url) => new URL(url).pathname.startsWith("/v1/") && new URL(url).pathname !== "/v1/config");
/** The receipt of a choice, sent after any choice (anonymous without identifiers). */
const RECEIPTS = "/v1/consent/receipts";

// The choice itself is the one thing kept (strictly necessary: without it the dialog would ask
// on every page), with its receipt until the backend has it; since issue 9 the agent writes it
// after any choice, a rejection included.
test("rejecting consent keeps only the choice on the device and makes zero requests to /v1/", async () => {
  const { context, page, requests } = await visitor(shop.browser);
  await page.goto(`${shop.url}/`);
  await agentReady(page);
  await choose(page, page.locator("[data-view=consent] [data-action=reject]"), "dialog");
  await page.locator("[data-view=consent]").waitFor({ state: "detached" });

  await page.locator('[data-product-id="aurora-x1"] button.add-to-cart').click();
  const writes = agentWrites(await audit(page));
  await page.goto(`${shop.url}/product/?id=buds-pro`);
  await agentReady(page);
  await page.goto(`${shop.url}/cart/`);
  await agentReady(page);
  writes.push(...agentWrites(await audit(page)));
  assert.equal(await page.locator("[data-view=consent]").count(), 0, "the choice is remembered");

  // The receipt waits beside the choice until the backend has it (kept across a page close). An
  // answer that comes before storage is written (the page clock runs the write's zero timer
  // when it ticks) leaves only its removal: the shell writes an entry's last state.
  const receiptKey = (key) => String(key).replace(/^concierge:demo:receipt:r_.*$/, "concierge:demo:receipt:*");
  const written = writes.map(({ op, key, area }) => [op, receiptKey(key), area]);
  const receipt = ["concierge:demo:receipt:*", "local"];
  assert.ok(
    [
      [["setItem", ...receipt], ["setItem", "concierge:demo:consent", "local"], ["removeItem", ...receipt]],
      [["setItem", "concierge:demo:consent", "local"], ["removeItem", ...receipt]],
    ].some((expected) => JSON.stringify(expected) == JSON.stringify(written)),
    `the agent wrote its record of the choice, once, its receipt until it was sent, and nothing else: ${JSON.stringify(written)}`,
  );
  const keys = await page.evaluate(() => Object.keys(localStorage));
  assert.deepEqual(keys.filter((key) => key.startsWith("concierge")), ["concierge:demo:consent"]);
  const paths = apiCalls(requests).map((url) => new URL(url).pathname);
  assert.ok(paths.length >= 1 && paths.every((path) => path === RECEIPTS), `the receipt alone: ${paths}`);
  await context.close();
});

test("before any choice nothing is stored, yet the cart works in memory", async () => {
  const { context, page, requests } = await visitor(shop.browser);
  await page.goto(`${shop.url}/`);
  await agentReady(page);
  await closeConsentUnanswered(page);
  await page.locator('[data-product-id="plan-unlimited"] button.add-to-cart').click();
  const cart = await cartOf(page);
  assert.equal(cart.items[0].item_id, "plan-unlimited");
  assert.deepEqual(agentWrites(await audit(page)), []);
  assert.deepEqual(apiCalls(requests), []);
  await context.close();
});

test("calls made before the agent loaded are replayed in order", async () => {
  const { context, page } = await visitor(shop.browser);
  // Hold the agent back so the page's calls queue up on the stub.
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await page.route("**/concierge/pkg/concierge_bg.wasm", async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(`${shop.url}/`);
  await page.evaluate(() => {
    window.concierge("track", "add_to_cart", { items: [{ item_id: "a", item_name: "A", price: 1, quantity: 3 }] });
    window.concierge("track", "remove_from_cart", { items: [{ item_id: "a", quantity: 1 }] });
    window.concierge("track", "add_to_cart", { items: [{ item_id: "b", item_name: "B", price: 2 }] });
  });
  assert.equal(await page.evaluate(() => window.concierge.loaded), undefined, "still queued");
  release();
  await agentReady(page);
  const cart = await cartOf(page);
  const ids = cart.items.map((item) => [item.item_id, item.quantity]);
  assert.deepEqual(ids.filter(([id]) => id === "a" || id === "b"), [["a", 2], ["b", 1]]);
  await context.close();
});

test("the agent included twice on a page starts once", async () => {
  const { context, page } = await visitor(shop.browser);
  await page.goto(`${shop.url}/`);
  await agentReady(page);
  await page.evaluate(() => {
    const again = document.createElement("script");
    again.src = "/concierge/loader.js";
    again.dataset.site = "demo";
    document.head.append(again);
  });
  await page.waitForTimeout(300);
  assert.equal(await page.locator("#concierge-root").count(), 1);
  assert.equal(await page.locator("[data-view=consent]").count(), 1);
  await context.close();
});
