// End to end: the cart is one across the tabs of a shop.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { agentReady, cartOf, useShop, visitor } from "./harness.mjs";

const shop = useShop({ before, after });

test("a second tab sees the cart of the first, and live changes", async () => {
  const { context, page: first } = await visitor(shop.browser);
  await first.goto(`${shop.url}/`);
  await agentReady(first);
  await first.locator("[data-view=consent] [data-action=accept]").click();
  await first.locator('[data-product-id="aurora-x1"] button.add-to-cart').click();

  const second = await context.newPage();
  await second.goto(`${shop.url}/`);
  await agentReady(second);
  assert.equal(await second.locator("[data-view=consent]").count(), 0, "the choice is remembered");
  assert.deepEqual((await cartOf(second)).items.map((item) => item.item_id), ["aurora-x1"]);

  await second.evaluate(() => {
    window.__carts = [];
    window.concierge("on", "cart", (cart) => window.__carts.push(cart));
  });
  await first.locator('[data-product-id="buds-pro"] button.add-to-cart').click();
  await second.waitForFunction(() => window.__carts.some((cart) => cart.items.length === 2));
  const cart = await cartOf(second);
  assert.deepEqual(cart.items.map((item) => item.item_id), ["aurora-x1", "buds-pro"]);
  assert.equal(cart.value, 928);
  await context.close();
});
