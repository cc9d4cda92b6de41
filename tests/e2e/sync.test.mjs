// End to end: events made while the backend is down arrive once it is back, each exactly once.

import assert from "node:assert/strict";
import { after, test } from "node:test";
import { acceptConsent, agentReady, cartOf, freePort, launchBrowser, startServer, storedState, visitor } from "./harness.mjs";

let browser;
after(async () => {
  await browser?.close();
});

/** Everything the backend keeps about the visitor, read with the agent's own secret. */
async function exportOf(url, state) {
  const response = await fetch(`${url}/v1/profiles/${state.identity.visitor}/export`, {
    headers: { "x-concierge-secret": state.identity.secret },
  });
  assert.equal(response.status, 200);
  return response.json();
}

test("a visitor shopping through a backend outage loses nothing and duplicates nothing", async () => {
  browser = await launchBrowser();
  const port = await freePort();
  let server = await startServer({ port });
  const { context, page } = await visitor(browser);
  await acceptConsent(page, `${server.url}/`);
  await page.locator('[data-product-id="aurora-x1"] button.add-to-cart').click();
  await page.waitForFunction(() => !Object.keys(localStorage).some((key) => key.startsWith("concierge:demo:event:")));

  // The backend goes down; the visitor keeps shopping on the same page.
  await server.stop({ keepData: true });
  for (const id of ["buds-pro", "charger-65w", "case-clear"]) {
    await page.locator(`[data-product-id="${id}"] button.add-to-cart`).click();
  }
  await page.clock.fastForward("00:30");
  const waiting = await storedState(page);
  assert.ok(waiting.outbox.events.length > 0, "the events wait in the outbox");
  assert.ok(waiting.outbox.attempts >= 1, "and were retried");

  // Back on the same port and data; retries (with backoff) deliver what waited.
  server = await startServer({ port, dataDir: server.dataDir });
  for (let i = 0; i < 20; i++) {
    await page.clock.fastForward("01:00");
    const state = await storedState(page);
    if (state.outbox.events.length === 0) break;
    await page.waitForTimeout(100);
  }
  const state = await storedState(page);
  assert.equal(state.outbox.events.length, 0, "the outbox drained");

  const exported = await exportOf(server.url, state);
  const ids = exported.events.map((event) => event.id);
  assert.equal(new Set(ids).size, ids.length, "no event stored twice");
  const added = exported.events.filter((event) => event.name === "add_to_cart").map((event) => event.items[0].item_id);
  assert.deepEqual(added.sort(), ["aurora-x1", "buds-pro", "case-clear", "charger-65w"]);
  const cart = await cartOf(page);
  assert.deepEqual(
    exported.cart.lines.map((line) => [line.item_id, line.quantity]),
    cart.items.map((item) => [item.item_id, item.quantity]),
    "the backend's cart is the visitor's cart",
  );
  await context.close();
  await server.stop();
});
