// Browser tests: the `concierge(...)` command function: the queue, listeners, bad input, and a page whose globals turn hostile.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CART_KEY, addToCart, call, closeClean, newTab, open, stored, useBrowser, view, warningsDuring } from "./page.mjs";

const shared = useBrowser({ before, after });

test("queued calls replay in order and listeners hear the cart", async () => {
  const tab = await newTab(shared.browser);
  await open(tab, {
    setup: (calls) => {
      window.heard = [];
      window.concierge = function () {
        (window.concierge.q = window.concierge.q || []).push(arguments);
      };
      window.concierge("on", "cart", (cart) => window.heard.push(cart));
      for (const args of calls) window.concierge(...args);
    },
    arg: [
      ["track", "add_to_cart", { items: [{ item_id: "a", item_name: "Phone", price: 10, quantity: 1 }] }],
      ["track", "remove_from_cart", { items: [{ item_id: "a", quantity: 1 }] }],
      ["track", "add_to_cart", { items: [{ item_id: "b", item_name: "Case", price: 2.5, quantity: 4 }] }],
    ],
  });
  const heard = await tab.page.evaluate(() => window.heard);
  const last = heard.at(-1);
  assert.deepEqual(last.items.map((item) => item.item_id), ["b"], "a was added, then removed, then b added");
  assert.equal(last.value, 10);
  assert.equal(last.item_count, 4);
  assert.equal(last.currency, "EUR");
  assert.deepEqual(await tab.page.evaluate(() => window.concierge.q), undefined, "the real function took the stub's place");
  await closeClean(tab);
});

test("bad input is reported field by field on the console, and never thrown", async () => {
  const tab = await newTab(shared.browser);
  await open(tab, { setup: (key) => localStorage.setItem(key, "{not json"), arg: CART_KEY });
  assert.deepEqual(tab.warnings, ["[concierge] the stored cart: stored state is not JSON (JSON.parse failed); it was discarded"]);

  // Each malformed call is reported and ignored; a throw would fail `call`, and so the test.
  const badItems = { items: [{ item_id: "a", price: "abc" }, { item_id: "b", price: "2.50", quantity: -1 }] };
  const malformed = [
    [[42], 'concierge() needs a command name such as "track" as its first argument'],
    [
      ["track", "add_to_basket", null],
      'track: unknown event "add_to_basket" ignored; expected one of view_item_list, view_item, add_to_cart, remove_from_cart, view_cart, begin_checkout, purchase',
    ],
    [
      ["track", "add_to_cart", badItems],
      'track: add_to_cart: no valid item left; event ignored; items[0].price must be a non-negative number, got "abc"; item skipped; items[1].price should be a number, got the string "2.50"; read as a number; items[1].quantity must be a whole number from 1 to 9999, got -1; item skipped',
    ],
    [["consent", "maybe"], 'consent: consent takes "accept", "reject", "prompt", "open" or an object such as { measurement: "granted" }; got "maybe"'],
    [["on", "cart", "not a function"], 'on: expected a topic ("ready", "cart", "consent", "banner", "campaign" or "intent") and a function'],
    [["on", "weather", null], 'on: expected a topic ("ready", "cart", "consent", "banner", "campaign" or "intent") and a function'],
    [["fly"], 'unknown command "fly"; expected "track", "consent", "trigger", "on" or "off"'],
  ];
  for (const [args, expected] of malformed) {
    assert.deepEqual(await warningsDuring(tab, () => call(tab, ...args)), [`[concierge] ${expected}`], JSON.stringify(args));
  }
  // What cannot be data at all is refused by the shell before the engine sees it.
  const unreadable = [
    ["a function as the parameters", () => window.concierge("track", "add_to_cart", () => 1), "it is a function, not data"],
    ["a getter that throws", () => window.concierge("track", "add_to_cart", { get items() { throw new Error("no"); } }), 'reading its field "items" threw'],
    ["a bigint", () => window.concierge("track", 1n), "it is a symbol or a bigint, not data"],
    ["a cycle", () => { const loop = {}; loop.self = loop; window.concierge("track", "add_to_cart", loop); }, "it is nested more than 16 levels deep"],
  ];
  for (const [what, body, reason] of unreadable) {
    assert.deepEqual(await warningsDuring(tab, () => tab.page.evaluate(body)), [`[concierge] an argument was ignored: ${reason}`], what);
  }

  // The valid part of a half-bad call still applies.
  await call(tab, "consent", "accept");
  const halfBad = { items: [{ item_id: "ok", price: 3 }, { item_id: "bad", price: -3 }] };
  assert.deepEqual(await warningsDuring(tab, () => call(tab, "track", "add_to_cart", halfBad)), [
    "[concierge] track: items[1].price must be a non-negative number, got -3; item skipped",
  ]);
  // A callback riding along (GTM's eventCallback) is not data, and not a problem either.
  const withCallback = () => window.concierge("track", "add_to_cart", { items: [{ item_id: "cb", price: 1 }], eventCallback() {} });
  assert.deepEqual(await warningsDuring(tab, () => tab.page.evaluate(withCallback)), []);
  const cart = await stored(tab, "cart");
  assert.deepEqual(cart.lines.map((line) => line.id), ["ok", "cb"], "the corrupt value was replaced by a valid one");
  await closeClean(tab);
});

test("a listener that throws is reported and does not stop the others", async () => {
  const tab = await newTab(shared.browser);
  await open(tab);
  const warnings = await warningsDuring(tab, async () => {
    await tab.page.evaluate(() => {
      window.heard = { before: [], after: [] };
      window.concierge("on", "cart", (cart) => window.heard.before.push(cart.item_count));
      window.concierge("on", "cart", () => {
        throw new Error("the shop's listener has a bug");
      });
      window.concierge("on", "cart", (cart) => window.heard.after.push(cart.item_count));
    });
    await call(tab, ...addToCart("a", "Phone", 10, 2));
  });
  assert.deepEqual(await tab.page.evaluate(() => window.heard), { before: [0, 2], after: [0, 2] }, "the current cart at once, then the change");
  assert.deepEqual(warnings, [
    '[concierge] a "Cart" listener threw: the shop\'s listener has a bug',
    '[concierge] a "Cart" listener threw: the shop\'s listener has a bug',
  ]);
  await closeClean(tab);
});

test("a page that replaces JSON after the agent loaded does not break it", async () => {
  const tab = await newTab(shared.browser);
  await open(tab, { setup: () => (window.dataLayer = []) });
  const outcome = await tab.page.evaluate(() => {
    const real = { stringify: JSON.stringify, parse: JSON.parse };
    JSON.stringify = () => {
      throw new Error("JSON.stringify is disabled on this page");
    };
    JSON.parse = () => ({ items: [{ item_id: "forged" }], item_count: 99 });
    const heard = [];
    let threw = null;
    try {
      window.concierge("consent", "accept");
      window.concierge("on", "cart", (cart) => heard.push(cart.items.map((item) => item.item_id).join(",") + " x" + cart.item_count));
      window.concierge("track", "add_to_cart", { items: [{ item_id: "a", item_name: "Phone", price: 10 }] });
      window.dataLayer.push({ event: "add_to_cart", ecommerce: { items: [{ item_id: "b", item_name: "Case", price: 2 }] } });
    } catch (error) {
      threw = String(error);
    } finally {
      Object.assign(JSON, real);
    }
    return { heard, threw };
  });
  assert.equal(outcome.threw, null, "no call threw into the page");
  assert.deepEqual(outcome.heard, [" x0", "a x1", "a,b x2"], "the listener heard the agent's cart, not the page's JSON");
  assert.deepEqual((await stored(tab, "cart")).lines.map((line) => line.id), ["a", "b"], "stored in the agent's own format");
  assert.equal(await view(tab, "consent").count(), 0);
  assert.deepEqual(tab.warnings, []);
  await closeClean(tab);
});

test("a call a listener makes while the agent starts is not lost", async () => {
  const tab = await newTab(shared.browser);
  await open(tab, {
    setup: () => {
      window.concierge = function () {
        (window.concierge.q = window.concierge.q || []).push(arguments);
      };
      // Hears the starting cart during start, and answers with a call of its own.
      window.concierge("on", "cart", (cart) => {
        if (!window.answered && cart.items.length === 0) {
          window.answered = true;
          window.concierge("track", "add_to_cart", { items: [{ item_id: "late", item_name: "Late", price: 1, quantity: 1 }] });
        }
      });
    },
  });
  const cart = await tab.page.evaluate(() => new Promise((resolve) => window.concierge("on", "cart", resolve)));
  assert.deepEqual(cart.items.map((item) => item.item_id), ["late"]);
  await closeClean(tab);
});
