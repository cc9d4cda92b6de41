// End to end: pages whose globals are hostile or broken (a polluted Object.prototype, a fetch,
// Web Locks or localStorage that throws, dataLayer entries and listeners that throw). The shop
// keeps working, nothing the agent calls throws into the page, and the agent either keeps
// tracking or says once, on the console, that it gave up.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { acceptConsent, agentReady, audit, cartOf, closeConsentUnanswered, comeBackLater, useShop, visitor } from "./harness.mjs";

const shop = useShop({ before, after });

/** The agent's console messages, in order. */
function conciergeWarnings(page) {
  const warnings = [];
  page.on("console", (message) => {
    if (message.text().startsWith("[concierge]")) warnings.push(message.text());
  });
  return warnings;
}

/** Events the backend accepted (HTTP 2xx to POST /v1/events), as the agent sent them. */
function acceptedEvents(page) {
  const accepted = [];
  page.on("response", (response) => {
    const request = response.request();
    if (request.method() === "POST" && new URL(request.url()).pathname === "/v1/events" && response.ok()) {
      accepted.push(...JSON.parse(request.postData()).events);
    }
  });
  return accepted;
}

function addedIds(events) {
  return events.filter((event) => event.name === "add_to_cart").flatMap((event) => event.items.map((item) => item.item_id));
}

/** Lets the page's clock run a minute at a time until `done()` holds (or ten minutes passed). */
async function runUntil(page, done) {
  for (let minute = 0; minute < 10 && !done(); minute++) {
    await page.clock.fastForward("01:00");
    await page.waitForTimeout(150);
  }
}

async function addToCart(page, id) {
  await page.locator(`[data-product-id="${id}"] button.add-to-cart`).click();
}

/** Listens to the agent's cart topic; returns a function giving the item ids of each call. */
async function listenToCart(page) {
  await page.evaluate(() => {
    window.__carts = [];
    window.concierge("on", "cart", (cart) => window.__carts.push(cart.items.map((item) => item.item_id)));
  });
  return () => page.evaluate(() => window.__carts);
}

test("a polluted Object.prototype does not reach the settings: the resume link stays on the shop", async () => {
  const { context, page, errors } = await visitor(shop.browser);
  await context.addInitScript(() => {
    Object.prototype.resumeUrl = "https://evil.example/";
    Object.prototype.linkHosts = "evil.example";
  });
  await acceptConsent(page, `${shop.url}/`);
  await addToCart(page, "aurora-x1");
  await comeBackLater(page, "31:00", `${shop.url}/`);
  const resume = page.locator("[data-campaign=cart-recovery] a[data-action=follow]");
  await resume.waitFor();
  const href = new URL(await resume.getAttribute("href"));
  assert.equal(href.origin, shop.url);
  assert.equal(href.pathname, "/checkout/");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a fetch that always throws: the loader warns once and the shop works, its calls queued", async () => {
  const { context, page, errors } = await visitor(shop.browser);
  const warnings = conciergeWarnings(page);
  await context.addInitScript(() => {
    const realFetch = window.fetch;
    window.fetch = function (input, init) {
      // The shop's own catalogue still loads; everything else is refused by throwing.
      if (String(input instanceof Request ? input.url : input).endsWith("/catalog.json")) return realFetch.call(this, input, init);
      throw new TypeError("fetch is disabled on this page");
    };
  });
  await page.goto(`${shop.url}/`);
  await addToCart(page, "aurora-x1");
  await page.locator("#cart-count", { hasText: "1" }).waitFor();
  await page.waitForTimeout(300);
  const queued = await page.evaluate(() => (window.concierge.q || []).map((call) => [call[0], call[1]]));
  assert.deepEqual(queued.at(-1), ["track", "add_to_cart"], "the shop's calls wait on the stub");
  assert.equal(await page.evaluate(() => window.concierge.loaded), undefined);
  assert.deepEqual(errors, [], "nothing was thrown into the page");
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0], /^\[concierge\] the agent could not load; the shop works without it: TypeError: fetch is disabled/);
  await context.close();
});

// The page's fetch fails for the API only, in each way a replaced fetch can fail, and later works.
// The configuration GET fails too, which the agent reports before falling back to its defaults.
const CONFIG_UNREACHABLE =
  "[concierge] the shop's published config could not be fetched (the request failed or timed out); using the built-in defaults and the page's data-* attributes";
const brokenFetches = [
  {
    how: "throws",
    warns: [CONFIG_UNREACHABLE, "[concierge] window.fetch threw (offline for the API); the agent's requests are retried later"],
  },
  { how: "rejects", warns: [CONFIG_UNREACHABLE] },
  { how: "returns a non-promise", warns: [CONFIG_UNREACHABLE] },
  { how: "never settles", warns: [CONFIG_UNREACHABLE] },
];

for (const { how, warns } of brokenFetches) {
  test(`a fetch that ${how} for the API: the events wait in the outbox and go once it works`, async () => {
    const { context, page, errors } = await visitor(shop.browser);
    const warnings = conciergeWarnings(page);
    const accepted = acceptedEvents(page);
    await context.addInitScript((how) => {
      const realFetch = window.fetch;
      const failures = {
        throws: () => {
          throw new TypeError("offline for the API");
        },
        rejects: () => Promise.reject(new TypeError("offline for the API")),
        "returns a non-promise": () => "no answer",
        "never settles": () => new Promise(() => {}),
      };
      window.__apiDown = true;
      window.fetch = function (input, init) {
        const url = String(input instanceof Request ? input.url : input);
        if (window.__apiDown && url.includes("/v1/")) return failures[how]();
        return realFetch.call(this, input, init);
      };
    }, how);
    await acceptConsent(page, `${shop.url}/`);
    const carts = await listenToCart(page);
    await addToCart(page, "aurora-x1");
    await runUntil(page, () => false);
    assert.deepEqual(addedIds(accepted), [], "nothing could be sent");

    await addToCart(page, "buds-pro");
    assert.deepEqual((await carts()).at(-1), ["aurora-x1", "buds-pro"], "the agent still tracks");
    await page.evaluate(() => (window.__apiDown = false));
    await runUntil(page, () => addedIds(accepted).length >= 2);
    assert.deepEqual(addedIds(accepted).sort(), ["aurora-x1", "buds-pro"], "each event arrived once");
    assert.deepEqual(errors, []);
    assert.deepEqual(warnings, warns);
    await context.close();
  });
}

test("Web Locks that throw: the agent sends without the cross-tab lock", async () => {
  const { context, page, errors } = await visitor(shop.browser);
  const warnings = conciergeWarnings(page);
  const accepted = acceptedEvents(page);
  await context.addInitScript(() => {
    LockManager.prototype.request = function () {
      throw new DOMException("locks are disabled", "SecurityError");
    };
  });
  await acceptConsent(page, `${shop.url}/`);
  await addToCart(page, "aurora-x1");
  await runUntil(page, () => addedIds(accepted).length > 0);
  assert.deepEqual(addedIds(accepted), ["aurora-x1"]);
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings, []);
  await context.close();
});

test("a localStorage that throws: the agent keeps the cart in memory, silently", async () => {
  const { context, page, errors } = await visitor(shop.browser);
  const warnings = conciergeWarnings(page);
  await context.addInitScript(() => {
    Object.defineProperty(window, "localStorage", {
      get() {
        throw new DOMException("storage is disabled", "SecurityError");
      },
    });
  });
  await acceptConsent(page, `${shop.url}/`);
  const carts = await listenToCart(page);
  await addToCart(page, "aurora-x1");
  await addToCart(page, "buds-pro");
  assert.deepEqual((await carts()).at(-1), ["aurora-x1", "buds-pro"]);
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings, []);
  await context.close();
});

test("dataLayer entries that throw when read are skipped with a warning each", async () => {
  const { context, page, errors } = await visitor(shop.browser);
  const warnings = conciergeWarnings(page);
  await context.addInitScript(() => {
    const hostile = (where) => ({
      length: 1,
      get 0() {
        throw new Error(`hostile entry ${where}`);
      },
    });
    window.__hostile = hostile;
    window.dataLayer = [hostile("before")];
  });
  await page.goto(`${shop.url}/`);
  await agentReady(page);
  const carts = await listenToCart(page);
  const pushed = await page.evaluate(() => {
    const outcomes = [];
    const pushes = [
      window.__hostile("after"),
      new Proxy({}, { ownKeys() { throw new Error("hostile keys"); } }),
      { event: "add_to_cart", get ecommerce() { throw new Error("hostile getter"); } },
      { event: "add_to_cart", ecommerce: { currency: "EUR", items: [{ item_id: "ok", item_name: "OK", price: 1 }] } },
    ];
    for (const entry of pushes) {
      try {
        outcomes.push(window.dataLayer.push(entry));
      } catch (error) {
        outcomes.push(`threw ${error}`);
      }
    }
    return outcomes;
  });
  const length = await page.evaluate(() => window.dataLayer.length);
  assert.deepEqual(pushed, [length - 3, length - 2, length - 1, length], "each push returned the array's length");
  assert.deepEqual((await carts()).at(-1), ["ok"], "the agent kept tracking");
  await page.waitForTimeout(200);
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings, [
    '[concierge] an argument was ignored: reading its field "0" threw',
    '[concierge] an argument was ignored: reading its field "0" threw',
    "[concierge] an argument was ignored: listing its fields threw",
    '[concierge] an argument was ignored: reading its field "ecommerce" threw',
  ]);
  await context.close();
});

test("a cart listener that throws null is reported and the others still hear every change", async () => {
  const { context, page, errors } = await visitor(shop.browser);
  const warnings = conciergeWarnings(page);
  await page.goto(`${shop.url}/`);
  await agentReady(page);
  await closeConsentUnanswered(page);
  await page.evaluate(() => {
    window.concierge("on", "cart", () => {
      throw null;
    });
  });
  const carts = await listenToCart(page);
  await addToCart(page, "aurora-x1");
  assert.deepEqual((await carts()).at(-1), ["aurora-x1"]);
  await page.waitForTimeout(200);
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings, [
    '[concierge] a "Cart" listener threw: null',
    '[concierge] a "Cart" listener threw: null',
  ]);
  const log = await audit(page);
  assert.deepEqual(log.violations, []);
  await context.close();
});
