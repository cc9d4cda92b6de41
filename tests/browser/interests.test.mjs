// Browser tests: the interest model fed with no code from the shop (the page's JSON-LD, the
// search in its URL, its dataLayer, its SPA navigations and the time it was visible), answered by
// `concierge('interests')`, on hostile pages (throwing getters, a weird dataLayer, history
// methods replaced) without anything reaching the page.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ORIGIN, SETTINGS, closeClean, configApplied, newTab, useBrowser } from "./page.mjs";

const shared = useBrowser({ before, after });
const FIXTURES = join(import.meta.dirname, "../fixtures/interests");

/** Opens a fixture page at `path` with the loader added and `setup` run first as the page's own
 * script (served as a file, as the CSP allows). */
async function openFixture(tab, name, path, setup = null) {
  const html = await readFile(join(FIXTURES, name), "utf8");
  const attributes = Object.entries(SETTINGS)
    .map(([key, value]) => ` data-${key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())}="${value}"`)
    .join("");
  tab.setup = setup ? `(${setup})();\n` : "";
  const scripts = `${setup ? '<script src="/test/setup.js"></script>' : ""}<script async src="/concierge/loader.js"${attributes}></script>`;
  tab.html = html.replace("</head>", `${scripts}\n</head>`);
  await tab.page.goto(`${ORIGIN}${path}`);
  await configApplied(tab, 1);
}

/** `concierge('interests')` in the page, as `dimension:key` with its score. */
function interests(tab) {
  return tab.page.evaluate(async () => (await window.concierge("interests")).map((i) => [`${i.dimension}:${i.key}`, i.score, i.because.map((b) => b.event)]));
}

const keys = (top) => top.map(([key]) => key);

/** Waits, up to five seconds, until the async `holds()` is true; whether it became true. */
async function eventually(holds, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await holds())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

test("a product page's JSON-LD and the search in its URL are learnt with no code from the shop, and explained", async () => {
  const tab = await newTab(shared.browser);
  await openFixture(tab, "product-page.html", "/?q=wireless+charger");
  const top = await eventually(async () => keys(await interests(tab)).length >= 6) && (await interests(tab));
  assert.deepEqual(keys(top).sort(), [
    "brand:aurora",
    "category:cases",
    "category:phones",
    "category:wireless charger",
    "price_band:0-25",
    "price_band:1000+",
  ]);
  const phones = top.find(([key]) => key === "category:phones");
  assert.deepEqual([phones[1], phones[2]], [1, ["view_item"]], "the page's main product is its view");
  const cases = top.find(([key]) => key === "category:cases");
  assert.deepEqual(cases[2], ["view_item_list"], "the other product is a list's");
  const answer = await tab.page.evaluate(async () => (await window.concierge("interests"))[0].because[0].at);
  assert.match(answer, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  await closeClean(tab);
});

test("an SPA navigation through the page's own replaced pushState ends the view with its dwell and reads the new page", async () => {
  const tab = await newTab(shared.browser);
  await openFixture(tab, "product-page.html", "/", () => {
    // A router's own history wrapper, as frameworks install; and one method that is no function.
    const push = history.pushState;
    window.routed = [];
    history.pushState = function (state, title, url) {
      window.routed.push(String(url));
      return push.call(this, state, title, url);
    };
    history.replaceState = "not a function";
  });
  await tab.page.waitForTimeout(1200);
  await tab.page.evaluate(() => {
    // The app draws the next product's JSON-LD (Trusted Types: through a policy, as apps must).
    const policy = trustedTypes.createPolicy("test-app", { createScript: (text) => text });
    for (const old of document.querySelectorAll('script[type="application/ld+json"]')) old.remove();
    const block = document.createElement("script");
    block.type = "application/ld+json";
    block.text = policy.createScript(JSON.stringify({ "@type": "Product", brand: "Lumo", category: "Cameras", offers: { price: 349 } }));
    document.head.append(block);
    history.pushState({}, "", "/product/lumo?query=tripod");
  });
  const learnt = await eventually(async () => keys(await interests(tab)).includes("category:cameras"));
  assert.ok(learnt, "the new page's product is learnt");
  const top = await interests(tab);
  const phones = top.find(([key]) => key === "category:phones");
  assert.deepEqual(phones[2], ["view_item", "dwell"], "the page left reported its visible time to its product");
  assert.ok(keys(top).includes("category:tripod"), "the new URL's search");
  assert.deepEqual(await tab.page.evaluate(() => window.routed), ["/product/lumo?query=tripod"], "the page's own pushState ran");
  assert.equal(await tab.page.evaluate(() => location.pathname), "/product/lumo");
  assert.ok(tab.warnings.some((w) => w.includes("history.replaceState cannot be wrapped")), tab.warnings.join("\n"));
  await closeClean(tab);
});

test("a hostile page: throwing getters, a weird dataLayer and a throwing querySelectorAll reach nothing, and what is valid is learnt", async () => {
  const tab = await newTab(shared.browser);
  await openFixture(tab, "product-page.html", "/", () => {
    window.dataLayer = [
      { event: "view_item", ecommerce: { items: [{ item_id: "a", item_brand: "Nordwind", item_category: "Bags", price: "89.00" }] } },
      { event: "search", get search_term() { throw new Error("gotcha"); } },
      { event: "view_item", ecommerce: { items: [{ item_id: "b", get item_brand() { throw new Error("gotcha"); } }] } },
      ["event", "search", { search_term: 42 }],
      { event: "view_item_list", ecommerce: { items: "everything" } },
      null,
      7,
    ];
    const original = Document.prototype.querySelectorAll;
    Document.prototype.querySelectorAll = function (selector) {
      if (String(selector).includes("ld+json")) throw new Error("no JSON-LD for you");
      return original.call(this, selector);
    };
  });
  const top = await eventually(async () => keys(await interests(tab)).includes("brand:nordwind")) && (await interests(tab));
  assert.deepEqual(keys(top).sort(), ["brand:nordwind", "category:bags", "price_band:25-100"], "a search_term that is no text teaches nothing");
  assert.ok(tab.warnings.some((w) => w.includes("search_term")), tab.warnings.join("\n"));
  await closeClean(tab);
});

test("nothing is stored before a choice, and the model is kept once personalization is granted", async () => {
  const tab = await newTab(shared.browser);
  await openFixture(tab, "product-page.html", "/");
  await tab.page.waitForTimeout(600);
  const before = await tab.page.evaluate(() => Object.keys(localStorage));
  assert.deepEqual(before, [], "held for the page only");
  await tab.page.evaluate(() => window.concierge("consent", { personalization: true }));
  const kept = await eventually(async () => (await tab.page.evaluate(() => localStorage.getItem("concierge:test:interests"))) !== null);
  assert.ok(kept, "written with the data category interests");
  const stored = JSON.parse(await tab.page.evaluate(() => localStorage.getItem("concierge:test:interests")));
  assert.ok(stored.keys.some((key) => key.d === "brand" && key.k === "aurora"));
  await closeClean(tab);
});

test("a burst of events writes the model once, and what waited is written as the page is hidden", async () => {
  const tab = await newTab(shared.browser);
  await openFixture(tab, "product-page.html", "/");
  await tab.page.evaluate(() => window.concierge("consent", { personalization: true }));
  const stored = () => tab.page.evaluate(() => localStorage.getItem("concierge:test:interests") || "");
  assert.ok(await eventually(async () => (await stored()).includes("aurora")), "the first model is written at once");
  const tablets = { currency: "EUR", items: [{ item_id: "slate-9", item_name: "Slate 9", item_category: "Tablets", price: 399, quantity: 1 }] };
  await tab.page.evaluate((params) => window.concierge("track", "add_to_cart", params), tablets);
  await tab.page.waitForTimeout(300);
  assert.ok(!(await stored()).includes("tablets"), "held: the model is not written again on every event");
  const written = await tab.page.evaluate(() => {
    window.dispatchEvent(new PageTransitionEvent("pagehide", { persisted: false }));
    return localStorage.getItem("concierge:test:interests");
  });
  assert.ok(written.includes("tablets"), "written at once (synchronously) as the page goes");
  await closeClean(tab);
});
