// End to end: stopping the agent under the shop's own Content-Security-Policy, and starting it again.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { agentReady, audit, cartOf, useShop, visitor } from "./harness.mjs";

const shop = useShop({ before, after });

test("stop() works under the CSP and leaves a stub whose calls a new start replays", async () => {
  const { context, page, errors } = await visitor(shop.browser);
  await page.goto(`${shop.url}/`);
  await agentReady(page);

  // A single-page app tearing the page down: the same module the loader started.
  const stopped = await page.evaluate(async () => {
    const agent = await import("/concierge/pkg/concierge.js");
    try {
      agent.stop();
      return "stopped";
    } catch (error) {
      return `threw ${error}`;
    }
  });
  assert.equal(stopped, "stopped");
  assert.equal(await page.locator("#concierge-root").count(), 0, "the views are gone");

  await page.evaluate(() => {
    window.concierge("track", "add_to_cart", { currency: "EUR", items: [{ item_id: "after-stop", item_name: "After stop", price: 5 }] });
    window.concierge("consent", "reject");
  });
  const queued = await page.evaluate(() => window.concierge.q.map((call) => [call[0], call[1]]));
  assert.deepEqual(queued, [["track", "add_to_cart"], ["consent", "reject"]]);

  // The loader included again starts the agent again, which replays the queue in order.
  await page.evaluate(() => {
    const loader = document.createElement("script");
    loader.src = "/concierge/loader.js";
    Object.assign(loader.dataset, { site: "demo", currency: "EUR", locale: "en-GB" });
    document.head.append(loader);
  });
  await agentReady(page);
  assert.deepEqual((await cartOf(page)).items.map((item) => item.item_id), ["after-stop"]);
  const consent = await page.evaluate(() => new Promise((resolve) => window.concierge("on", "consent", resolve)));
  assert.deepEqual(
    [consent.purposes, consent.source, consent.storage, consent.analytics],
    [{ necessary: "granted", measurement: "denied", personalization: "denied", marketing: "denied" }, "api", "denied", "denied"],
  );

  assert.deepEqual((await audit(page)).violations, [], "no CSP violation");
  assert.deepEqual(errors, []);
  await context.close();
});
