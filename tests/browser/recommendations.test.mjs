// Browser tests: the "you may also like" slot (src/engine/recommend.rs, drawn by placements.js and dom.js): the built agent, a published catalogue and a product page; text only, links through the allowlist, a click measured as the campaign's, nothing without the interests unlocked or without an interest, and a page without the slot warned about once.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CONFIG, SETTINGS, call, closeClean, newTab, open, useBrowser } from "./page.mjs";

const shared = useBrowser({ before, after });
const PRODUCT_PAGE = { ...SETTINGS, pageType: "product", linkHosts: "cdn.shop.test" };
/** A whole choice (a partial one leaves the dialog up, which hides every campaign). */
const PERSONALIZATION = { personalization: true, measurement: false, marketing: false };
const NO_PERSONALIZATION = { personalization: false, measurement: false, marketing: false };

function product(id, fields = {}) {
  return { id, name: "Name " + id, url: "/product/?id=" + id, price: 329, currency: "EUR", category: "Phones", ...fields };
}

/** The config the backend serves: a catalogue, one product named with markup, one linking to an
 * allowed host, one to a host that is not. */
const CATALOGUE = {
  ...CONFIG,
  documents: [
    {
      kind: "catalogue",
      version: 1,
      products: [
        product("aurora", { price: 799 }),
        product("pebble", { name: "<img src=x onerror=alert(1)>", price: 899.5 }),
        product("kestrel", { url: "https://cdn.shop.test/p/kestrel" }),
        product("elsewhere", { url: "https://evil.test/p" }),
        product("case", { category: "Accessories", price: 24.99 }),
      ],
    },
  ],
};

/** The shop's slot, its height reserved (from script: the CSP allows no inline style). */
function addSlot() {
  addEventListener("DOMContentLoaded", () => {
    const slot = document.createElement("div");
    slot.setAttribute("data-concierge-slot", "recommendations");
    slot.style.height = "18rem";
    const after = document.createElement("p");
    after.id = "after";
    after.textContent = "Below the slot";
    document.querySelector("main").append(slot, after);
    window.__campaigns = [];
  });
}

function viewItem(tab, id, category) {
  return tab.page.evaluate(([id, category]) => {
    window.dataLayer = window.dataLayer || [];
    window.dataLayer.push({ event: "view_item", ecommerce: { currency: "EUR", items: [{ item_id: id, item_name: id, item_category: category, price: 799 }] } });
  }, [id, category]);
}

/** The slot's view as the visitor sees it: title, and each line's name, link and price. */
function slotView(tab) {
  return tab.page.evaluate(() => {
    const host = document.querySelector('[data-concierge-slot="recommendations"]').firstElementChild;
    const view = host && host.shadowRoot.querySelector("[data-campaign]");
    if (!view) return null;
    const lines = Array.from(view.querySelectorAll(".line"), (line) => {
      const name = line.querySelector(".name");
      return [name.textContent, name.getAttribute("href"), line.querySelector(".amount").textContent];
    });
    return { campaign: view.getAttribute("data-campaign"), title: view.querySelector(".title").textContent, lines };
  });
}

test("a product page draws the visitor's liked products in the slot, as text, links held to the allowlist, a click measured", async () => {
  const tab = await newTab(shared.browser, { config: CATALOGUE });
  await open(tab, { settings: PRODUCT_PAGE, setup: addSlot });
  await call(tab, "consent", PERSONALIZATION);
  const before = await tab.page.locator("#after").boundingBox();
  await viewItem(tab, "aurora", "Phones");
  await tab.page.waitForFunction(() => document.querySelector('[data-concierge-slot="recommendations"]').firstElementChild);
  const drawn = await slotView(tab);
  assert.deepEqual(drawn, {
    campaign: "recommendations",
    title: "You may also like",
    lines: [
      ["<img src=x onerror=alert(1)>", "https://shop.test/product/?id=pebble", "€899.50"],
      ["Name kestrel", "https://cdn.shop.test/p/kestrel", "€329.00"],
    ],
  });
  assert.equal(await tab.page.locator("img").count(), 0, "a name is text");
  assert.deepEqual(tab.warnings, ["[concierge] link to https://evil.test/p is not allowed (data-link-hosts); not shown"]);
  assert.deepEqual(await tab.page.locator("#after").boundingBox(), before, "nothing moved");

  // A click on a product is the campaign's click (the navigation itself is the test's to stop).
  await tab.page.evaluate(() => {
    window.concierge("on", "campaign", (change) => window.__campaigns.push([change.campaign, change.event]));
    const root = document.querySelector('[data-concierge-slot="recommendations"]').firstElementChild.shadowRoot;
    root.addEventListener("click", (event) => event.preventDefault());
    root.querySelector("a.name").click();
  });
  assert.ok(await tab.page.waitForFunction(() => window.__campaigns.some(([id, event]) => id == "recommendations" && event == "clicked")));
  await closeClean(tab);
});

test("nothing is drawn while the interests are not unlocked, nor before any interest", async () => {
  const tab = await newTab(shared.browser, { config: CATALOGUE });
  await open(tab, { settings: PRODUCT_PAGE, setup: addSlot });
  await call(tab, "consent", PERSONALIZATION);
  await tab.page.waitForTimeout(200);
  assert.equal(await slotView(tab), null, "no interest yet");
  await call(tab, "consent", NO_PERSONALIZATION);
  await viewItem(tab, "aurora", "Phones");
  await tab.page.waitForTimeout(200);
  assert.equal(await slotView(tab), null, "interests not unlocked");
  await call(tab, "consent", PERSONALIZATION);
  await tab.page.waitForFunction(() => document.querySelector('[data-concierge-slot="recommendations"]').firstElementChild);
  assert.equal((await slotView(tab)).lines.length, 2, "drawn once unlocked");
  await closeClean(tab);
});

test("a product page without the slot: nothing drawn and one warning", async () => {
  const tab = await newTab(shared.browser, { config: CATALOGUE });
  await open(tab, { settings: PRODUCT_PAGE });
  await call(tab, "consent", PERSONALIZATION);
  await viewItem(tab, "aurora", "Phones");
  await viewItem(tab, "case", "Accessories");
  await tab.page.waitForTimeout(200);
  const slot = tab.warnings.filter((warning) => !warning.includes("evil.test"));
  assert.deepEqual(slot, ['[concierge] campaign recommendations: this page has no [data-concierge-slot="recommendations"]; not shown']);
  await closeClean(tab);
});

test("a product's image is drawn beside it: alt text from its name, its size set before it loads (nothing shifts), lazy and async, held to the allowlist (a refused one leaves the line without it, with a warning)", async () => {
  const config = {
    ...CONFIG,
    documents: [
      {
        kind: "catalogue",
        version: 1,
        products: [
          product("aurora", { image: "/img/phones.svg" }),
          product("pebble", { name: "Pebble <b>Flip</b>", image: "/img/phones.svg", price: 899.5 }),
          product("kestrel", { image: "https://evil.test/kestrel.png" }),
          product("plain"),
        ],
      },
    ],
  };
  const tab = await newTab(shared.browser, { config });
  await open(tab, { settings: PRODUCT_PAGE, setup: addSlot });
  await call(tab, "consent", PERSONALIZATION);
  const before = await tab.page.locator("#after").boundingBox();
  await viewItem(tab, "aurora", "Phones");
  await tab.page.waitForFunction(() => document.querySelector('[data-concierge-slot="recommendations"]').firstElementChild);
  const pictures = await tab.page.evaluate(() => {
    const root = document.querySelector('[data-concierge-slot="recommendations"]').firstElementChild.shadowRoot;
    return Array.from(root.querySelectorAll(".line"), (line) => {
      const img = line.querySelector("img");
      const name = line.querySelector(".name").textContent;
      if (!img) return [name, null];
      const box = img.getBoundingClientRect();
      const attributes = ["src", "alt", "width", "height", "loading", "decoding"].map((key) => img.getAttribute(key));
      return [name, attributes, [box.width, box.height]];
    });
  });
  assert.deepEqual(pictures, [
    ["Pebble <b>Flip</b>", ["https://shop.test/img/phones.svg", "Pebble <b>Flip</b>", "40", "40", "lazy", "async"], [40, 40]],
    ["Name kestrel", null],
    ["Name plain", null],
  ]);
  assert.deepEqual(tab.warnings, ["[concierge] image https://evil.test/kestrel.png is not allowed (data-link-hosts); not shown"]);
  // The picture loads under the page's CSP (img-src 'self'), and the page below did not move.
  await tab.page.waitForFunction(() => {
    const root = document.querySelector('[data-concierge-slot="recommendations"]').firstElementChild.shadowRoot;
    const img = root.querySelector("img");
    return img.complete && img.naturalWidth > 0;
  });
  assert.deepEqual(await tab.page.locator("#after").boundingBox(), before, "nothing moved");
  await closeClean(tab);
});
