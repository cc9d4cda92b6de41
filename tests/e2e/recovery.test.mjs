// End to end: a visitor leaves a cart, comes back 31 minutes later, sees the banner, resumes and buys.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { acceptConsent, agentReady, audit, cartOf, comeBackLater, useShop, visitor } from "./harness.mjs";

const shop = useShop({ before, after });

test("an abandoned cart is recovered through the banner and cleared by the purchase", async () => {
  const { context, page, errors } = await visitor(shop.browser);
  await page.goto(`${shop.url}/`);
  await agentReady(page);

  const prompt = page.locator("[data-view=consent]");
  await prompt.waitFor();
  assert.equal(await prompt.getAttribute("role"), "dialog", "a modal dialog (the consent UI)");
  await prompt.locator("[data-action=accept]").click();
  await prompt.waitFor({ state: "detached" });

  await page.locator('[data-product-id="aurora-x1"] button.add-to-cart').click();
  await page.locator('[data-product-id="buds-pro"] button.add-to-cart').click();
  const cart = await cartOf(page);
  assert.deepEqual(cart.items.map((item) => [item.item_id, item.quantity, item.price]), [
    ["aurora-x1", 1, 799],
    ["buds-pro", 1, 129],
  ]);
  assert.equal(cart.value, 928);

  // The visitor leaves, and comes back 31 minutes later.
  await comeBackLater(page, "31:00", `${shop.url}/`);

  const banner = page.locator("[data-campaign=cart-recovery]");
  await banner.waitFor();
  assert.deepEqual(await banner.locator(".name").allTextContents(), ["Aurora X1", "Buds Pro"]);
  assert.deepEqual(await banner.locator(".qty").allTextContents(), ["Qty 1", "Qty 1"]);
  assert.equal(await banner.locator(".total-amount").textContent(), "€928.00");
  assert.equal(await banner.locator(".code-value").textContent(), cart.code, "the code to quote to staff");
  assert.equal(await banner.getAttribute("role"), "region");
  const labelledBy = await banner.getAttribute("aria-labelledby");
  assert.equal(await page.locator(`#concierge-root >> [id="${labelledBy}"]`).textContent(), "You left something in your cart");
  // The banner never took the visitor's focus.
  assert.equal(await page.evaluate(() => document.activeElement === document.body), true);

  await banner.locator("[data-action=follow]").click();
  await page.waitForURL(/\/checkout\/$/);
  await agentReady(page);
  assert.equal(await page.locator("[data-campaign=cart-recovery]").count(), 0, "never on the checkout page");

  await page.fill("#name", "Ana García");
  await page.fill("#email", "ana@example.com");
  await page.fill("#address", "Calle Mayor 1, Madrid");
  await page.locator("#place-order").click();
  await page.waitForURL(/\/order\//);

  await page.clock.fastForward("45:00");
  await page.goto(`${shop.url}/`);
  await agentReady(page);
  assert.equal((await cartOf(page)).items.length, 0);
  await page.waitForTimeout(200);
  assert.equal(await page.locator("[data-campaign=cart-recovery]").count(), 0, "the purchase cleared the banner");

  const log = await audit(page);
  assert.deepEqual(log.violations, [], "no CSP violation");
  assert.deepEqual(errors, []);
  await context.close();
});

test("the banner can be dismissed by keyboard and stays away", async () => {
  const { context, page } = await visitor(shop.browser);
  await acceptConsent(page, `${shop.url}/`);
  await page.locator('[data-product-id="charger-65w"] button.add-to-cart').click();

  await comeBackLater(page, "40:00", `${shop.url}/`);
  const banner = page.locator("[data-campaign=cart-recovery]");
  await banner.waitFor();

  // Tab reaches the banner's controls; Escape dismisses it.
  let reached = false;
  for (let presses = 0; presses < 60 && !reached; presses++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => {
      const active = document.getElementById("concierge-root")?.shadowRoot?.activeElement;
      return Boolean(active && active.closest("[data-campaign=cart-recovery]"));
    });
  }
  assert.ok(reached, "the banner is reachable by keyboard");
  await page.keyboard.press("Escape");
  await banner.waitFor({ state: "detached" });

  await page.goto(`${shop.url}/cart/`);
  await page.goto(`${shop.url}/`);
  await agentReady(page);
  await page.waitForTimeout(200);
  assert.equal(await page.locator("[data-campaign=cart-recovery]").count(), 0, "dismissed for a day");
  await context.close();
});

test("a product name that looks like markup is shown as text", async () => {
  const { context, page } = await visitor(shop.browser);
  await acceptConsent(page, `${shop.url}/`);
  const hostile = "<img src=x onerror=alert(1)>";
  await page.evaluate((name) => {
    window.concierge("track", "add_to_cart", { currency: "EUR", items: [{ item_id: "xss", item_name: name, price: 1 }] });
  }, hostile);

  await comeBackLater(page, "31:00", `${shop.url}/`);
  const banner = page.locator("[data-campaign=cart-recovery]");
  await banner.waitFor();
  assert.equal(await banner.locator(".name").first().textContent(), hostile);
  assert.equal(await page.locator("#concierge-root >> img").count(), 0);
  const log = await audit(page);
  assert.equal(log.dialogs, 0);
  await context.close();
});
