// End to end: the shopping assistant on the demo shop with the real backend and the real lazy module: never downloaded on a page view where it is not opened; opened and used with the keyboard alone in Spanish, answered from the published knowledge document; axe-core finds nothing on the panel; "continue in store" reaches the staff console beside the cart; a product page's prompt, whose quick reply is answered by the module.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { acceptConsent, cartOf, staffHandoff, useShop, visitor } from "./harness.mjs";

const shop = useShop({ before, after });
const AXE = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const KNOWLEDGE = JSON.parse(await readFile(new URL("../../documents/demo/knowledge.json", import.meta.url), "utf8"));
const answerOf = (id, lang) => KNOWLEDGE.entries.find((entry) => entry.id === id && entry.lang === lang).answer;

const isModule = (url) => new URL(url).pathname.startsWith("/concierge/modules/assistant.");
const isKnowledge = (url) => new URL(url).pathname === "/v1/config/knowledge";

/** The demo shop's pages as a Spanish shop serves them: the page's language and the loader's locale. */
async function inSpanish(context) {
  await context.route(
    (url) => url.pathname === "/" || url.pathname.endsWith("/") && !url.pathname.startsWith("/v1/") && !url.pathname.startsWith("/concierge/"),
    async (route) => {
      const response = await route.fetch();
      const headers = { ...response.headers() };
      delete headers["content-length"];
      delete headers["content-encoding"];
      const body = (await response.text()).replace('<html lang="en">', '<html lang="es">').replace('data-locale="en-GB"', 'data-locale="es-ES"');
      await route.fulfill({ status: response.status(), headers, body });
    },
  );
}

/** The element focused on the page, looking into open shadow roots: `{ host, tag, name }`. */
function focused(page) {
  return page.evaluate(() => {
    let active = document.activeElement;
    let host = null;
    while (active && active.shadowRoot && active.shadowRoot.activeElement) {
      host = active.id || host;
      active = active.shadowRoot.activeElement;
    }
    return { host, tag: active ? active.tagName.toLowerCase() : null, name: active ? active.getAttribute("aria-label") || active.textContent.trim() : null };
  });
}

/** Presses Tab until the launcher has focus (at most `limit` times); how many it took. */
async function tabToLauncher(page, limit = 80) {
  for (let presses = 1; presses <= limit; presses++) {
    await page.keyboard.press("Tab");
    const isLauncher = await page.evaluate(() => {
      const root = document.getElementById("concierge-root")?.shadowRoot;
      return !!root && root.activeElement !== null && root.activeElement.classList.contains("concierge-launcher");
    });
    if (isLauncher) return presses;
  }
  throw new Error(`the launcher took no focus in ${limit} Tab presses`);
}

test("the assistant module and the knowledge are not downloaded on a page view where the assistant is never opened", async () => {
  const { context, page, requests, errors } = await visitor(shop.browser);
  await acceptConsent(page, `${shop.url}/product/?id=aurora-x1`);
  await page.locator("#concierge-root .concierge-launcher").waitFor();
  await page.goto(`${shop.url}/cart/`);
  await page.locator("#concierge-root .concierge-launcher").waitFor();
  await page.waitForTimeout(500);
  assert.deepEqual(requests.filter(isModule), [], "no module file fetched");
  assert.deepEqual(requests.filter(isKnowledge), [], "no knowledge fetched");
  assert.deepEqual(errors, []);

  // The positive control: the same page fetches both once the launcher is used.
  await page.locator("#concierge-root .concierge-launcher").click();
  await page.getByRole("dialog", { name: "Shop assistant" }).waitFor();
  assert.ok(requests.some(isModule), "the module fetched when opened");
  assert.ok(requests.some(isKnowledge), "the knowledge fetched when opened");
  await context.close();
});

test("keyboard only, in Spanish: the launcher opens the panel, a question typed is answered from the knowledge document, axe finds nothing, Escape gives focus back", async () => {
  const { context, page, errors } = await visitor(shop.browser);
  await inSpanish(context);
  await page.goto(`${shop.url}/product/?id=aurora-x1`);
  await page.locator("[data-view=consent] [data-action=accept]").waitFor();
  // The consent dialog holds focus: accepted with the keyboard too.
  await page.locator("[data-view=consent] [data-action=accept]").focus();
  await page.keyboard.press("Enter");
  await page.locator("[data-view=consent]").waitFor({ state: "detached" });
  await page.locator("#concierge-root .concierge-launcher").waitFor();

  await tabToLauncher(page);
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Asistente de la tienda" });
  await dialog.waitFor();
  await page.waitForFunction(() => document.getElementById("concierge-assistant")?.shadowRoot?.activeElement?.tagName === "INPUT");
  assert.equal((await focused(page)).host, "concierge-assistant", "focus moved into the panel");

  await page.keyboard.type("¿cuánto tarda en llegar mi pedido?");
  await page.keyboard.press("Enter");
  const log = page.getByRole("log");
  await page.waitForFunction(
    (expected) => document.getElementById("concierge-assistant")?.shadowRoot?.querySelector("[role=log]")?.textContent.includes(expected),
    answerOf("delivery-time", "es"),
    { timeout: 10_000 },
  );
  assert.match(await log.textContent(), /Tú: ¿cuánto tarda en llegar mi pedido\?/);

  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const root = document.getElementById("concierge-assistant").shadowRoot.querySelector("[role=dialog]");
    const result = await window.axe.run(root, { resultTypes: ["violations"] });
    return result.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`);
  });
  assert.deepEqual(violations, []);

  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
  const back = await focused(page);
  assert.equal(back.host, "concierge-root", "focus back on the launcher");
  assert.equal(back.tag, "button");
  assert.deepEqual(errors, []);
  await context.close();
});

test("continue in store: the visitor's request, with the cart code, reaches the staff console beside the cart", async () => {
  const { context, page, errors } = await visitor(shop.browser);
  await acceptConsent(page, `${shop.url}/`);
  await page.locator('[data-product-id="aurora-x1"] button.add-to-cart').click();
  const code = (await cartOf(page)).code;
  await page.locator("#concierge-root .concierge-launcher").click();
  const dialog = page.getByRole("dialog", { name: "Shop assistant" });
  await dialog.waitFor();
  await page.getByRole("textbox", { name: "Your question" }).fill("I want to talk to someone about my order");
  await page.keyboard.press("Enter");
  // Nothing in the knowledge answers it: the assistant offers an advisor.
  await dialog.getByRole("button", { name: "Continue in store" }).first().click();
  assert.match(await dialog.textContent(), new RegExp(code), "the store screen shows the cart code");
  await dialog.getByRole("button", { name: "Send to the store" }).click();
  await dialog.getByText("Sent. An advisor will be in touch.").waitFor({ timeout: 10_000 });

  const { context: staffContext, handoff: text } = await staffHandoff(shop.browser, shop.url, code);
  assert.match(text, new RegExp("Cart " + code));
  assert.match(text, /Visitor: I want to talk to someone about my order/, "the conversation, granted personalization");
  assert.deepEqual(errors, []);
  await staffContext.close();
  await context.close();
});

test("a prompt on the product page: its quick reply opens the assistant, which answers it from the knowledge", async () => {
  const { context, page, errors } = await visitor(shop.browser);
  await acceptConsent(page, `${shop.url}/product/?id=aurora-x1`);
  const bubble = page.locator('#concierge-root [data-placement="assistant"]');
  await bubble.waitFor({ timeout: 10_000 });
  assert.match(await bubble.textContent(), /Questions about this product\?/);
  await bubble.getByRole("button", { name: "How long is delivery?" }).click();
  const dialog = page.getByRole("dialog", { name: "Shop assistant" });
  await dialog.waitFor();
  await page.waitForFunction(
    (expected) => document.getElementById("concierge-assistant")?.shadowRoot?.querySelector("[role=log]")?.textContent.includes(expected),
    answerOf("delivery-time", "en"),
    { timeout: 10_000 },
  );
  assert.deepEqual(errors, []);
  await context.close();
});
