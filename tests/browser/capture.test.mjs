// Browser tests: the dataLayer as pages and tag managers leave it (arrays, gtag's arguments, objects with their own push, pushes that throw), and page data read from own properties only.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AURORA, abandonedCart, call, closeClean, newTab, open, startAgent, stopAgent, stored, useBrowser, view } from "./page.mjs";

const shared = useBrowser({ before, after });

const ADD = { event: "add_to_cart", ecommerce: { items: [{ item_id: "a", item_name: "A", price: 2 }] } };

/** The agent's cart as a new `cart` listener hears it. */
function cartOf(tab) {
  return tab.page.evaluate(() => new Promise((resolve) => window.concierge("on", "cart", resolve)));
}

/** These tests count what the dataLayer holds: the agent's own Consent Mode commands (issue 9),
 * which it pushes wherever the page has a dataLayer, are turned off with `data-consent-mode`. */
const QUIET_TAGS = { site: "test", currency: "EUR", consentMode: "off" };

test("dataLayer pushes before and after loading are picked up: GA4 objects and gtag's arguments", async () => {
  const tab = await newTab(shared.browser);
  await open(tab, {
    settings: QUIET_TAGS,
    setup: () => {
      window.dataLayer = [
        { event: "gtm.js" },
        { event: "add_to_cart", ecommerce: { currency: "EUR", items: [{ item_id: "a", item_name: "A", price: 5 }] } },
      ];
      window.gtag = function () {
        window.dataLayer.push(arguments);
      };
      window.gtag("event", "add_to_cart", { currency: "EUR", items: [{ item_id: "g1", item_name: "G1", price: 1 }] });
    },
  });
  await call(tab, "consent", "accept");
  const kept = await tab.page.evaluate(() => {
    const entry = { event: "add_to_cart", ecommerce: { items: [{ item_id: "b", item_name: "B", price: 1.5, quantity: 2 }] } };
    window.dataLayer.push(entry);
    window.gtag("event", "add_to_cart", { items: [{ item_id: "g2", item_name: "G2", price: 3 }] });
    return { length: window.dataLayer.length, same: window.dataLayer[3] === entry, gtag: Object.prototype.toString.call(window.dataLayer[4]) };
  });
  assert.deepEqual(kept, { length: 5, same: true, gtag: "[object Arguments]" }, "the dataLayer still records every push as it was");
  const { lines } = await stored(tab, "cart");
  assert.deepEqual(lines.map((line) => [line.id, line.price, line.qty]), [["a", 500, 1], ["g1", 100, 1], ["b", 150, 2], ["g2", 300, 1]]);
  await closeClean(tab);
});

test("a dataLayer object with its own push is wrapped, not replaced", async () => {
  const tab = await newTab(shared.browser);
  await open(tab, {
    settings: QUIET_TAGS,
    setup: () => {
      window.pagePush = function push(entry) {
        this.seen.push(entry);
        return "kept by the page";
      };
      window.dataLayer = window.pageLayer = { seen: [], push: window.pagePush };
    },
  });
  await call(tab, "consent", "accept");
  const running = await tab.page.evaluate((add) => {
    const layer = window.dataLayer;
    const answer = layer.push(add);
    // Called on another object, the page's push sees that object, as it would unwrapped.
    const other = { seen: [] };
    layer.push.call(other, { event: "page_view" });
    return {
      sameLayer: layer === window.pageLayer,
      wrapped: layer.push !== window.pagePush,
      nameAndLength: [layer.push.name, layer.push.length],
      answer,
      seen: layer.seen.length,
      other: other.seen.length,
    };
  }, ADD);
  assert.deepEqual(running, { sameLayer: true, wrapped: true, nameAndLength: ["push", 1], answer: "kept by the page", seen: 1, other: 1 });
  assert.deepEqual((await stored(tab, "cart")).lines.map((line) => line.id), ["a"], "the agent read the entry");

  await stopAgent(tab);
  const own = await tab.page.evaluate(() => window.dataLayer.push === window.pagePush && Object.hasOwn(window.dataLayer, "push"));
  assert.equal(own, true, "the page's own push is back");
  await closeClean(tab);
});

test("an exception from the page's push reaches its caller untouched", async () => {
  const tab = await newTab(shared.browser);
  await open(tab, {
    settings: QUIET_TAGS,
    setup: () => {
      window.pageError = new RangeError("the page says no");
      window.dataLayer = {
        push() {
          throw window.pageError;
        },
      };
    },
  });
  const caught = await tab.page.evaluate((add) => {
    try {
      window.dataLayer.push(add);
      return "nothing thrown";
    } catch (error) {
      return { same: error === window.pageError, name: error.name, message: error.message };
    }
  }, ADD);
  assert.deepEqual(caught, { same: true, name: "RangeError", message: "the page says no" });
  assert.equal((await cartOf(tab)).item_count, 0, "an entry the page refused is not read");
  assert.deepEqual(tab.warnings, []);
  await closeClean(tab);
});

test("an array gets its inherited push back after stop, and a later wrapper keeps working", async () => {
  const tab = await newTab(shared.browser);
  await open(tab, { settings: QUIET_TAGS, setup: () => (window.dataLayer = []) });
  const ownPush = () => tab.page.evaluate(() => Object.hasOwn(window.dataLayer, "push"));
  assert.equal(await ownPush(), true, "the agent's push is the array's own while running");
  await stopAgent(tab);
  assert.equal(await ownPush(), false, "and gone after stop");
  assert.equal(await tab.page.evaluate(() => window.dataLayer.push === Array.prototype.push), true);

  // A tag manager that wrapped the agent's push keeps its wrapper, which still works after stop.
  await startAgent(tab, QUIET_TAGS);
  await tab.page.evaluate(() => {
    const agents = window.dataLayer.push;
    window.tagManagerPush = window.dataLayer.push = function (entry) {
      return agents.call(this, entry);
    };
  });
  await stopAgent(tab);
  const after = await tab.page.evaluate((add) => {
    const kept = window.dataLayer.push === window.tagManagerPush;
    const returned = window.dataLayer.push(add);
    return { kept, returned, length: window.dataLayer.length, same: window.dataLayer[0] === add };
  }, ADD);
  assert.deepEqual(after, { kept: true, returned: 1, length: 1, same: true });
  await closeClean(tab);
});

test("page data is read from own properties only: a polluted Object.prototype or Array.prototype adds nothing", async () => {
  const tab = await newTab(shared.browser);
  const pollute = () => {
    Object.prototype.resumeUrl = "https://evil.example/";
    Object.prototype.linkHosts = "evil.example";
    Object.prototype.quantity = 50;
    Array.prototype[0] = { item_id: "evil", item_name: "Evil", price: 1 };
    window.dataLayer = [];
  };
  await open(tab, { scripts: [abandonedCart([AURORA]), { setup: pollute }] });
  const resume = view(tab, "campaign").locator("a[data-action=follow]");
  assert.equal(await resume.getAttribute("href"), "https://shop.test/checkout/", "the settings did not inherit a resume URL");

  // An item list with a hole where Array.prototype[0] shows through, items without quantity.
  await tab.page.evaluate(() => {
    window.dataLayer.push({ event: "add_to_cart", ecommerce: { items: [, { item_id: "b", item_name: "B", price: 2 }] } });
  });
  const cart = await cartOf(tab);
  assert.deepEqual(cart.items.map((item) => [item.item_id, item.quantity]), [["p", 1], ["b", 1]]);
  assert.deepEqual(tab.warnings, []);
  await closeClean(tab);
});
