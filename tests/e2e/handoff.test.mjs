// End to end: on the demo shop (its knowledge document published), the agent draws the assistant's launcher after consent; opening it loads the assistant module (a stub served by this test: the real module is another slice's) with ctx; a "call me" through ctx.handoff is acknowledged by the real backend ("sent") and the staff console lists it beside the visitor's cart.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { STAFF_TOKEN, acceptConsent, cartOf, staffHandoff, useShop, visitor } from "./harness.mjs";

const shop = useShop({ before, after });

const STUB = `
export const ready = Promise.resolve();
export function open(ctx) {
  window.__ctx = ctx;
  return { close() {} };
}`;

/** A visitor who accepted, put a phone in the cart and opened the assistant (the stub module,
 * which keeps its `ctx` as `window.__ctx`): their context, page and cart code. */
async function visitorWithTheAssistantOpen() {
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
  return { context, page, code };
}

test("a handoff from the assistant reaches the staff console beside the cart", async () => {
  const { context, page, code } = await visitorWithTheAssistantOpen();
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

test("the staff console's queue lists every open handoff of the site, newest first, and marking one handled removes it", async () => {
  const { context, page, code } = await visitorWithTheAssistantOpen();
  assert.equal(await page.evaluate(() => window.__ctx.handoff({ kind: "store" })), "sent");

  // The console, signed in and not looking up any cart: the site's queue comes by itself.
  const staff = await shop.browser.newContext({ locale: "en-GB" });
  const desk = await staff.newPage();
  await desk.goto(`${shop.url}/staff/`);
  await desk.fill("#staff-token", STAFF_TOKEN);
  await desk.keyboard.press("Enter");
  const queue = desk.locator("#queue");
  assert.equal(await desk.locator("#queue-title").textContent(), "Open handoff requests");
  const mine = queue.locator("li.handoff", { hasText: "Cart " + code });
  await mine.waitFor({ timeout: 10_000 });
  assert.match(await mine.locator(".intent-products").textContent(), /^Continue in store$/);

  // A second request, made while the console is open, arrives on top (newest first).
  const called = await page.evaluate(() => window.__ctx.handoff({ kind: "call", phone: "+34 699 000 111" }));
  assert.equal(called, "sent");
  const newest = queue.locator("li.handoff").first();
  await desk.waitForFunction(() => document.querySelector("#queue li.handoff")?.textContent.includes("+34 699 000 111"), null, { timeout: 10_000 });
  assert.match(await newest.textContent(), new RegExp("Call me back · \\+34 699 000 111.*Cart " + code));
  assert.match(await desk.locator("#queue-announcer").textContent(), /New handoff request: Call me back · \+34 699 000 111/);

  // Marked handled with the keyboard: it leaves the queue (and stays gone on the next polls).
  await newest.getByRole("button", { name: "Mark handled" }).focus();
  await desk.keyboard.press("Enter");
  await queue.locator("li.handoff", { hasText: "+34 699 000 111" }).waitFor({ state: "detached", timeout: 10_000 });
  assert.equal(await desk.locator("#queue-announcer").textContent(), "Marked handled.");
  await desk.waitForTimeout(1_500);
  assert.equal(await queue.locator("li.handoff", { hasText: "+34 699 000 111" }).count(), 0, "still gone after polling");
  assert.equal(await mine.count(), 1, "the other request stays open");
  await staff.close();
  await context.close();
});
