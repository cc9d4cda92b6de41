// Browser tests: consent gates storage and sending, and the prompt speaks the shop's language.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { addToCart, call, closeClean, eventually, newTab, open, stored, storedKeys, texts, useBrowser, view, writes } from "./page.mjs";

const shared = useBrowser({ before, after });

/** Queues calls on the documented stub, as a shop page does before the agent loads. */
function queueCalls(calls) {
  window.concierge = function () {
    (window.concierge.q = window.concierge.q || []).push(arguments);
  };
  for (const args of calls) window.concierge(...args);
}

/** What the agent sent: the names of the events in every batch POSTed to /v1/events. */
const sentEvents = (tab) => tab.batches.flatMap((batch) => batch.events.map((event) => event.name));

/** Sending happens on the agent's timers, so these tests run the page clock. */
const CLOCK = "2026-11-23T10:00:00Z";

/** `queueCalls`, and the page's fetch wrapped to count the batches' answers as it settles them. */
function queueCallsCountingBatches(calls) {
  window.concierge = function () {
    (window.concierge.q = window.concierge.q || []).push(arguments);
  };
  for (const args of calls) window.concierge(...args);
  const realFetch = window.fetch;
  window.__batchesAnswered = 0;
  window.fetch = function (url, init) {
    const answer = realFetch.call(this, url, init);
    if (String(url).includes("/v1/events")) answer.then(() => window.__batchesAnswered++, () => {});
    return answer;
  };
}

test("nothing is stored or sent until consent, and everything is after", async () => {
  const tab = await newTab(shared.browser, { clock: CLOCK });
  await open(tab, { setup: queueCallsCountingBatches, arg: [addToCart("a", "Phone", 799, 1)] });
  const prompt = view(tab, "consent");
  assert.equal(await prompt.getAttribute("role"), "dialog");
  assert.deepEqual(await texts(prompt, "button"), ["Accept all", "Reject all", "Choose"]);
  // Accept grants every purpose of the built-in policy, marketing too: the prompt says so.
  assert.match(await prompt.locator(".body").textContent(), /measure your visit.*remind you by email or text message/);
  await tab.page.clock.runFor("05:00");
  assert.deepEqual(await writes(tab), [], "no storage write before a choice");
  assert.deepEqual(await storedKeys(tab), []);
  assert.deepEqual(tab.batches, [], "nothing sent before a choice");

  await prompt.locator("[data-action=accept]").click();
  assert.equal(await prompt.count(), 0, "the prompt closes");
  const cart = await stored(tab, "cart");
  assert.equal(cart.lines[0].id, "a");
  assert.equal(cart.lines[0].price, 79900, "in minor units");
  assert.deepEqual((await stored(tab, "consent")).purposes, {
    measurement: "granted",
    personalization: "granted",
    marketing: "granted",
  });
  // The page clock runs a second at a time until the batch is sent, then on only once the
  // page has its answer: run on at once, the agent gives a request still on its way up after
  // its timeout and sends it again.
  for (let second = 0; second < 300 && sentEvents(tab).length < 2; second++) await tab.page.clock.runFor(1000);
  assert.ok(await eventually(() => tab.page.evaluate(() => window.__batchesAnswered === 1)), "the batch's answer reached the page");
  await tab.page.clock.runFor("05:00");
  assert.deepEqual(sentEvents(tab), ["consent", "cart"], "the consent and the cart it allowed were sent, once");
  await closeClean(tab);
});

// The choice itself is kept (strictly necessary: without it the dialog asks on every page),
// with its receipt until the backend has it; nothing else is.
test("rejecting keeps only the choice on the device and sends nothing", async () => {
  const tab = await newTab(shared.browser, { clock: CLOCK });
  await open(tab);
  // The receipt's answer is awaited before the page clock runs: run first, the request's
  // give-up timer fires before the answer lands and the receipt is sent again (seen under load).
  const answered = tab.page.waitForResponse("**/v1/consent/receipts");
  await view(tab, "consent").locator("[data-action=reject]").click();
  await answered;
  assert.equal(await view(tab, "consent").count(), 0, "the prompt closes");
  await call(tab, ...addToCart("a", "Phone", 799, 2));
  await tab.page.clock.runFor("05:00");
  // The receipt waits on the device beside the choice until the backend has it, then goes. (An
  // answer that comes before storage is written, as under load, leaves only its removal: the
  // shell writes an entry's last state, and the receipt's is gone.)
  const receiptKey = (key) => key.replace(/^concierge:test:receipt:r_.*$/, "concierge:test:receipt:*");
  const written = (await writes(tab)).map(([op, key]) => [op, receiptKey(key)]);
  const receiptWrites = written.filter(([, key]) => key == "concierge:test:receipt:*").map(([op]) => op);
  assert.deepEqual(written.filter(([, key]) => key != "concierge:test:receipt:*"), [["setItem", "concierge:test:consent"]], "the choice, once");
  assert.ok(["setItem,removeItem", "removeItem"].includes(receiptWrites.join()), `the receipt kept until the backend had it: ${receiptWrites}`);
  assert.deepEqual(await storedKeys(tab), ["concierge:test:consent"]);
  const consent = await stored(tab, "consent");
  assert.deepEqual(consent.purposes, { measurement: "denied", personalization: "denied", marketing: "denied" });
  assert.equal(consent.source, "dialog");
  assert.deepEqual(tab.batches, []);
  const api = tab.requests.map((url) => new URL(url)).filter((url) => url.pathname.startsWith("/v1/"));
  assert.deepEqual(api.map((url) => url.pathname), ["/v1/config", "/v1/consent/receipts"], "the config GET and the receipt");
  assert.equal(tab.receipts.length, 1);
  const { receipt, at, ...rest } = tab.receipts[0];
  assert.match(receipt, /^r_[A-Za-z0-9_-]{22}$/);
  assert.equal(typeof at, "number");
  assert.deepEqual(rest, {
    site: "test",
    visitor: null,
    policy: 2,
    region: null,
    source: "dialog",
    choices: { necessary: "granted", measurement: "denied", personalization: "denied", marketing: "denied" },
  }, "anonymous: identifiers were not granted");
  assert.equal(consent.receipt, receipt, "the visitor can quote it");
  await closeClean(tab);
});

const LOCALES = [
  { how: "data-locale es-ES", settings: { locale: "es-ES" }, lang: "en", expect: ["es", "¿Guardamos tu carrito para más tarde?", "Aceptar todo", "Rechazar todo", "Elegir"] },
  { how: "the page's lang nl, no data-locale", settings: {}, lang: "nl", expect: ["nl", "Je winkelwagen bewaren voor later?", "Alles accepteren", "Alles weigeren", "Kiezen"] },
  { how: "data-locale de-DE on an English page", settings: { locale: "de-DE" }, lang: "en", expect: ["de", "Warenkorb für später speichern?", "Alle akzeptieren", "Alle ablehnen", "Auswählen"] },
];

for (const { how, settings, lang, expect } of LOCALES) {
  test(`texts follow the shop's locale: ${how}`, async () => {
    const tab = await newTab(shared.browser);
    await open(tab, { settings: { site: "test", currency: "EUR", ...settings }, lang });
    const prompt = view(tab, "consent");
    const [language, title, ...buttons] = expect;
    assert.equal(await prompt.getAttribute("lang"), language);
    assert.equal(await prompt.locator(".title").textContent(), title);
    assert.deepEqual(await texts(prompt, "button"), buttons);
    assert.deepEqual(tab.warnings, []);
    await closeClean(tab);
  });
}

test("a burst of calls writes storage once per key, after the calls have returned", async () => {
  const tab = await newTab(shared.browser);
  await open(tab, { setup: queueCalls, arg: [["consent", "accept"]] });
  await writes(tab);
  const during = await tab.page.evaluate(() => {
    const before = window.__writes.length;
    for (let i = 0; i < 5; i++) {
      window.concierge("track", "add_to_cart", { items: [{ item_id: "a", item_name: "Phone", price: 799, quantity: 1 }] });
    }
    return window.__writes.length - before;
  });
  assert.equal(during, 0, "nothing is written inside the page's own handler");
  const cartWrites = (await writes(tab)).filter(([op, key]) => op === "setItem" && key === "concierge:test:cart");
  assert.equal(cartWrites.length, 2, "the cart once at consent, once for the burst");
  assert.equal((await stored(tab, "cart")).lines[0].qty, 5);
  await closeClean(tab);
});

test("a lock manager that never answers delays sending, it does not stop it", async () => {
  const tab = await newTab(shared.browser, { clock: CLOCK });
  await open(tab, {
    setup: () => {
      Object.defineProperty(navigator, "locks", { value: { request: () => new Promise(() => {}) } });
      window.concierge = function () {
        (window.concierge.q = window.concierge.q || []).push(arguments);
      };
      window.concierge("consent", "accept");
    },
  });
  await call(tab, ...addToCart("a", "Phone", 799, 1));
  await tab.page.clock.runFor("00:30");
  assert.ok(await eventually(() => sentEvents(tab).includes("add_to_cart")), `sent: ${sentEvents(tab)}`);
  await closeClean(tab);
});

test("accepting sends a receipt naming the visitor, retried like a batch when the backend fails", async () => {
  const tab = await newTab(shared.browser, { clock: CLOCK });
  tab.receiptAnswers.push(503);
  // The receipts' answers as the page's fetch settles them: the page clock must not be run on
  // while one is still on its way (the agent would give the request up and retry it).
  const setup = () => {
    const realFetch = window.fetch;
    window.__receiptsAnswered = 0;
    window.fetch = function (url, init) {
      const answer = realFetch.call(this, url, init);
      if (String(url).includes("/consent/receipts")) answer.then(() => window.__receiptsAnswered++, () => {});
      return answer;
    };
  };
  const answered = async (count) =>
    assert.ok(await eventually(() => tab.page.evaluate((count) => window.__receiptsAnswered === count, count)), `${count} receipts answered in the page`);
  await open(tab, { setup });
  await view(tab, "consent").locator("[data-action=accept]").click();
  await eventually(() => tab.receipts.length === 1);
  await answered(1);
  const identity = await stored(tab, "identity");
  assert.equal(tab.receipts[0].visitor, identity.visitor, "identifiers granted: the visitor id");
  assert.equal(tab.receipts[0].choices.marketing, "granted");
  await tab.page.clock.runFor("00:01");
  assert.equal(tab.receipts.length, 1, "not again at once after the 503");
  await tab.page.clock.runFor("00:10");
  await eventually(() => tab.receipts.length === 2);
  await answered(2);
  assert.deepEqual(tab.receipts[1], tab.receipts[0], "the same receipt, retried");
  await tab.page.clock.runFor("05:00");
  assert.equal(tab.receipts.length, 2, "answered 202: done");
  await closeClean(tab);
});

test("Global Privacy Control denies what the policy says before any dialog, which still asks", async () => {
  const tab = await newTab(shared.browser, { clock: CLOCK });
  await open(tab, { setup: () => Object.defineProperty(navigator, "globalPrivacyControl", { value: true }) });
  assert.equal(await view(tab, "consent").count(), 1, "opt-in: the dialog asks for the rest");
  const consent = await tab.page.evaluate(() => new Promise((resolve) => window.concierge("on", "consent", resolve)));
  assert.deepEqual([consent.source, consent.purposes.marketing, consent.purposes.measurement], ["gpc", "denied", "unset"]);
  // Before the visitor's choice in an opt-in region: nothing written, no receipt (the signal is
  // read again on every page, so a receipt would go on every page).
  await tab.page.clock.runFor("01:00");
  assert.equal(tab.receipts.length, 0);
  assert.deepEqual(await writes(tab), []);
  // The visitor's choice is recorded as theirs.
  const answered = tab.page.waitForResponse("**/v1/consent/receipts");
  await view(tab, "consent").locator("[data-action=reject]").click();
  await answered;
  assert.equal(tab.receipts.length, 1);
  assert.equal(tab.receipts[0].source, "dialog");
  await closeClean(tab);
});

test("in an opt-out region consent purposes start granted, with no dialog", async () => {
  const tab = await newTab(shared.browser, { clock: CLOCK });
  await open(tab, { settings: { site: "test", currency: "EUR", region: "US-CA" } });
  assert.equal(await view(tab, "consent").count(), 0, "no modal dialog in an opt-out region");
  await eventually(() => tab.receipts.length === 1);
  const { source, region, choices, visitor } = tab.receipts[0];
  assert.deepEqual([source, region], ["default", "US-CA"]);
  assert.deepEqual(choices, { necessary: "granted", measurement: "granted", personalization: "granted", marketing: "granted" });
  assert.equal(visitor, (await stored(tab, "identity")).visitor);
  await closeClean(tab);
});

/** A page with Google's tags: a dataLayer and the gtag function Google's snippet defines. */
function googleTags(cmpDefault) {
  window.dataLayer = window.dataLayer || [];
  window.gtag = function () {
    window.dataLayer.push(arguments);
  };
  if (cmpDefault) window.gtag("consent", "default", { ad_storage: "denied", analytics_storage: "denied" });
}

/** The Consent Mode commands in the page's dataLayer, as [command, state]. */
const consentCommands = (tab) =>
  tab.page.evaluate(() =>
    window.dataLayer.map((entry) => Array.from(entry)).filter((args) => args[0] === "consent").map((args) => [args[1], args[2]]),
  );

test("with Google's tags on the page, Consent Mode gets the policy's defaults, then each choice", async () => {
  const tab = await newTab(shared.browser, { clock: CLOCK });
  await open(tab, { setup: googleTags, arg: false });
  const defaults = await consentCommands(tab);
  assert.deepEqual(defaults.map(([command, state]) => [command, state.ad_storage, state.wait_for_update, state.region?.length]), [
    ["default", "denied", 500, 31],
    ["default", "granted", 500, 1],
    ["default", "denied", 500, undefined],
  ]);
  await view(tab, "consent").locator("[data-action=accept]").click();
  // The agent hears the choice once the click's frame is drawn.
  await eventually(async () => (await consentCommands(tab)).at(-1)[0] === "update");
  const [, update] = (await consentCommands(tab)).at(-1);
  assert.deepEqual(update, {
    ad_storage: "granted",
    ad_user_data: "granted",
    ad_personalization: "granted",
    analytics_storage: "granted",
    functionality_storage: "granted",
    personalization_storage: "granted",
  });
  await call(tab, "consent", { marketing: false });
  const [command, after] = (await consentCommands(tab)).at(-1);
  assert.deepEqual([command, after.ad_user_data, after.analytics_storage], ["update", "denied", "granted"]);
  await closeClean(tab);
});

test("a consent manager's Consent Mode is read, never overwritten", async () => {
  const tab = await newTab(shared.browser, { clock: CLOCK });
  await open(tab, { setup: googleTags, arg: true });
  await tab.page.evaluate(() => window.gtag("consent", "update", { analytics_storage: "granted", ad_storage: "denied", functionality_storage: "denied" }));
  const commands = await consentCommands(tab);
  assert.deepEqual(commands.map(([command]) => command), ["default", "update"], "only the manager's own commands");
  const consent = await tab.page.evaluate(() => new Promise((resolve) => window.concierge("on", "consent", resolve)));
  assert.deepEqual(consent.purposes, { necessary: "granted", measurement: "granted", personalization: "denied", marketing: "denied" });
  assert.deepEqual(tab.warnings, []);
  await closeClean(tab);
});
