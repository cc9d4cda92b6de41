// End to end: the configuration GET is the one request before consent, and it says nothing about the visitor.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { agentReady, agentWrites, audit, useShop, visitor } from "./harness.mjs";

const shop = useShop({ before, after });

const AGENT_FILES = ["/concierge/loader.js", "/concierge/pkg/concierge.js", "/concierge/pkg/concierge_bg.wasm"];

/** Requests for the agent's files and the API, in the order the browser made them. */
function agentRequests(context) {
  const seen = [];
  context.on("request", (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.startsWith("/concierge/") || pathname.startsWith("/v1/")) seen.push(request);
  });
  return seen;
}

const isConfig = (request) => new URL(request.url()).pathname === "/v1/config";

test("a fresh visitor's browser fetches the agent and one anonymous configuration GET, and stores nothing", async () => {
  const { context, page } = await visitor(shop.browser);
  // A cookie of the shop's own: a request that carried credentials would show it.
  await context.addCookies([{ name: "shop_session", value: "s3cr3t", url: shop.url }]);
  const seen = agentRequests(context);
  await page.goto(`${shop.url}/?utm_source=newsletter&customer=42`);
  await agentReady(page);
  await page.locator("[data-view=consent]").waitFor();
  await page.waitForTimeout(300);

  const paths = seen.map((request) => new URL(request.url()).pathname);
  assert.equal(paths[0], "/concierge/loader.js");
  assert.deepEqual([...paths].sort(), [...AGENT_FILES, "/v1/config"].sort());

  const config = seen.find(isConfig);
  const url = new URL(config.url());
  assert.equal(url.origin, shop.url);
  assert.deepEqual([...url.searchParams], [["site", "demo"]], "nothing but the site in the URL");
  assert.equal(config.method(), "GET");
  assert.equal(config.postData(), null, "no body");
  const headers = await config.allHeaders();
  assert.equal(headers.cookie, undefined, "no cookie");
  assert.equal(headers.referer, undefined, "no referrer (which would carry the page's query)");
  assert.equal(headers["if-none-match"], undefined, "no ETag for a first visit");

  assert.deepEqual(agentWrites(await audit(page)), [], "no storage write before consent");
  assert.deepEqual(await page.evaluate(() => document.cookie), "shop_session=s3cr3t", "no cookie set");
  await context.close();
});

test("a stored configuration ETag is sent as If-None-Match, and only then", async () => {
  const { context, page } = await visitor(shop.browser);
  await context.addInitScript(() => localStorage.setItem("concierge:demo:config", JSON.stringify({ etag: '"v7"' })));
  const seen = agentRequests(context);
  await page.goto(`${shop.url}/`);
  await agentReady(page);
  const configs = seen.filter(isConfig);
  assert.equal(configs.length, 1);
  assert.equal((await configs[0].allHeaders())["if-none-match"], '"v7"');
  await context.close();
});

// Since issue 9 a choice, a rejection included, sends its receipt (anonymous: no identifiers).
test("a visitor who rejects causes no request to /v1/ but the configuration GETs and the receipt", async () => {
  const { context, page } = await visitor(shop.browser);
  const seen = agentRequests(context);
  await page.goto(`${shop.url}/`);
  await agentReady(page);
  await page.locator("[data-view=consent] [data-action=reject]").click();
  await page.locator('[data-product-id="aurora-x1"] button.add-to-cart').click();
  await page.locator('[data-product-id="buds-pro"] button.add-to-cart').click();
  await page.clock.fastForward("05:00");
  await page.goto(`${shop.url}/product/?id=buds-pro`);
  await agentReady(page);
  await page.goto(`${shop.url}/cart/`);
  await agentReady(page);
  await page.clock.fastForward("05:00");
  await page.waitForTimeout(300);

  const api = seen.filter((request) => new URL(request.url()).pathname.startsWith("/v1/"));
  assert.deepEqual(
    api.map((request) => `${request.method()} ${new URL(request.url()).pathname}${new URL(request.url()).search}`),
    ["GET /v1/config?site=demo", "POST /v1/consent/receipts", "GET /v1/config?site=demo", "GET /v1/config?site=demo"],
    "one configuration GET per page and the receipt of the choice, nothing else",
  );
  const receipt = JSON.parse(api[1].postData());
  assert.equal(receipt.visitor, null);
  assert.deepEqual(receipt.choices, { necessary: "granted", measurement: "denied", personalization: "denied", marketing: "denied" });
  assert.deepEqual(agentWrites(await audit(page)), []);
  await context.close();
});
