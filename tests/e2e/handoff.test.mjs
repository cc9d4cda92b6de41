// End to end: on the demo shop (its knowledge document published), the agent draws the assistant's launcher after consent; opening it loads the assistant module (a stub served by this test: the real module is another slice's) with ctx; a "call me" through ctx.handoff is acknowledged by the real backend ("sent") and the staff console lists it beside the visitor's cart.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { acceptConsent, cartOf, staffHandoff, useShop, visitor } from "./harness.mjs";

const shop = useShop({ before, after });

const STUB = `
export const ready = Promise.resolve();
export function open(ctx) {
  window.__ctx = ctx;
  return { close() {} };
}`;

test("a handoff from the assistant reaches the staff console beside the cart", async () => {
  const { context, page } = await visitor(shop.browser);
  await context.route("**/concierge/modules/assistant.js*", (route) =>
    route.fulfill({ status: 200, headers: { "content-type": "text/javascript" }, body: STUB }),
  );
  await acceptConsent(page, `${shop.url}/`);
  await page.locator('[data-product-id="aurora-x1"] button.add-to-cart').click();
  const code = (await cartOf(page)).code;
  const launcher = page.locator("#concierge-root .concierge-launcher");
  await launcher.waitFor({ timeout: 5_000 });
  await launcher.click();
  await page.waitForFunction(() => window.__ctx !== undefined);
  assert.equal(await page.evaluate(() => window.__ctx.cartCode), code);
  const knowledge = await page.evaluate(() => fetch(window.__ctx.knowledgeUrl, { credentials: "omit" }).then((r) => r.json()));
  assert.equal(knowledge.kind, "knowledge", "ctx.knowledgeUrl serves the published knowledge");
  const answer = await page.evaluate(() =>
    window.__ctx.handoff({ kind: "call", phone: "+34 612 345 678", transcript: [{ from: "visitor", text: "¿Tenéis el Aurora en azul?" }] }),
  );
  assert.equal(answer, "sent");

  const { context: staffContext, handoff: text } = await staffHandoff(shop.browser, shop.url, code);
  assert.match(text, /Call me back · \+34 612 345 678/);
  assert.match(text, new RegExp("Cart " + code));
  assert.match(text, /Visitor: ¿Tenéis el Aurora en azul\?/);
  await staffContext.close();
  await context.close();
});
