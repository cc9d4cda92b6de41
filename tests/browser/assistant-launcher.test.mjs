// Browser tests: the assistant's launcher drawn by the core (src/web/dom.js, src/web/main.js) under the strict CSP with Trusted Types: none without a knowledge pointer in the config, none while the consent dialog blocks, a corner button that shifts nothing, used by keyboard; opening it loads the `assistant` lazy module (a stub served by this test) and calls open(ctx) with the contract's ctx; ctx.handoff's promise resolves "sent" once the backend acknowledged the batch and "not_allowed" when consent forbids; a module that cannot load is one warning and the launcher stays usable; the pointer or the focus on the launcher fetches the module ahead of the click.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { call, closeClean, eventually, newTab, open, serveAssistantStub, useBrowser, view, WITH_KNOWLEDGE } from "./page.mjs";

const shared = useBrowser({ before, after });

function launcher(tab) {
  return tab.page.locator("#concierge-root .concierge-launcher");
}

test("without a knowledge pointer in the config there is no launcher", async () => {
  const tab = await newTab(shared.browser);
  await open(tab);
  await call(tab, "consent", "accept");
  await tab.page.waitForTimeout(100);
  assert.equal(await launcher(tab).count(), 0);
  await closeClean(tab);
});

test("the launcher waits for the consent dialog, shifts nothing, and opens the module with the contract's ctx by keyboard", async () => {
  const tab = await newTab(shared.browser, { config: WITH_KNOWLEDGE });
  await serveAssistantStub(tab);
  await open(tab);
  assert.equal(await view(tab, "consent").count(), 1, "the dialog is up");
  assert.equal(await launcher(tab).count(), 0, "no launcher while the dialog blocks");
  const before = await tab.page.evaluate(() => JSON.stringify(document.querySelector("h1").getBoundingClientRect()));
  await call(tab, "consent", "accept");
  await launcher(tab).waitFor();
  assert.equal(await launcher(tab).textContent(), "Ask us");
  const after = await tab.page.evaluate(() => JSON.stringify(document.querySelector("h1").getBoundingClientRect()));
  assert.equal(after, before, "drawing the launcher moved nothing on the page");
  assert.equal(await tab.page.evaluate(() => getComputedStyle(document.getElementById("concierge-root")).position), "fixed");
  // Beside the privacy control, not over it: both can be clicked.
  const [control, button] = await tab.page.evaluate(() => {
    const root = document.getElementById("concierge-root").shadowRoot;
    return [".concierge-control", ".concierge-launcher"].map((selector) => JSON.parse(JSON.stringify(root.querySelector(selector).getBoundingClientRect())));
  });
  assert.ok(control.bottom <= button.top || button.bottom <= control.top, `no overlap: ${JSON.stringify([control, button])}`);
  assert.ok(!tab.requests.some((url) => url.includes("/modules/assistant")), "not fetched before it is opened");

  await launcher(tab).focus();
  await tab.page.keyboard.press("Enter");
  assert.ok(await eventually(() => tab.page.evaluate(() => window.__opened === 1)), "opened");
  const ctx = await tab.page.evaluate(() => {
    const { handoff, onClose, ...data } = window.__ctx;
    return { ...data, functions: [typeof handoff, typeof onClose] };
  });
  assert.equal(ctx.lang, "en");
  assert.equal(ctx.knowledgeUrl, "https://shop.test/v1/config/knowledge?site=test");
  assert.match(ctx.cartCode, /^[A-Z0-9]{3}-[A-Z0-9]{3}$/);
  assert.deepEqual(ctx.consent, { personalization: true, storage: true });
  assert.equal(ctx.storageKey, "concierge:test:assistant");
  assert.equal(ctx.prompt, null);
  assert.deepEqual(ctx.interests, []);
  assert.deepEqual(ctx.theme, {});
  assert.deepEqual(ctx.functions, ["function", "function"]);
  // Closing the panel puts focus back on the launcher.
  await tab.page.evaluate(() => document.body.focus());
  await tab.page.evaluate(() => window.__ctx.onClose());
  assert.equal(await launcher(tab).evaluate((button) => button.getRootNode().activeElement === button), true);
  await closeClean(tab);
});

test("the module is fetched when the pointer comes over the launcher or the focus onto it, before any click, and opened only by the click", async () => {
  for (const intent of ["hover", "focus"]) {
    const tab = await newTab(shared.browser, { config: WITH_KNOWLEDGE });
    await serveAssistantStub(tab);
    await open(tab);
    await call(tab, "consent", "accept");
    await launcher(tab).waitFor();
    await tab.page.waitForTimeout(100);
    const fetched = () => tab.requests.some((url) => url.includes("/modules/assistant"));
    assert.ok(!fetched(), `${intent}: not fetched before any intent`);
    await launcher(tab)[intent]();
    assert.ok(await eventually(fetched), `${intent}: fetched on the intent`);
    assert.equal(await tab.page.evaluate(() => window.__opened), undefined, `${intent}: not opened by it`);
    await launcher(tab).click();
    assert.ok(await eventually(() => tab.page.evaluate(() => window.__opened === 1)), `${intent}: opened by the click`);
    await closeClean(tab);
  }
});

test("a handoff resolves sent once the backend acknowledged it, and not_allowed when consent forbids", async () => {
  const tab = await newTab(shared.browser, { config: WITH_KNOWLEDGE });
  await serveAssistantStub(tab);
  await open(tab);
  await call(tab, "consent", "accept");
  await launcher(tab).click();
  assert.ok(await eventually(() => tab.page.evaluate(() => window.__opened === 1)));
  const answer = await tab.page.evaluate(() =>
    window.__ctx.handoff({ kind: "call", phone: "+31 6 1234 5678", transcript: [{ from: "visitor", text: "Is it waterproof?" }] }),
  );
  assert.equal(answer, "sent");
  const sent = tab.batches.flatMap((batch) => batch.events).find((event) => event.name === "handoff");
  assert.equal(sent.kind, "call");
  assert.equal(sent.phone, "+31 6 1234 5678");
  assert.match(sent.cart_code, /^[A-Z0-9]{3}-[A-Z0-9]{3}$/);
  assert.deepEqual(sent.transcript, [{ from: "visitor", text: "Is it waterproof?" }]);

  // A bad phone is refused in the agent, named, and nothing more is sent.
  const count = tab.batches.length;
  const bad = await tab.page.evaluate(() => window.__ctx.handoff({ kind: "call", phone: "call me" }));
  assert.equal(bad, "failed");
  assert.ok(tab.warnings.some((text) => text.includes("handoff.phone")), tab.warnings.join("\n"));

  // Everything withdrawn: the launcher stays (the assistant answers locally) but nothing leaves.
  await call(tab, "consent", "reject");
  await tab.page.waitForTimeout(100);
  const forbidden = await tab.page.evaluate(() => window.__ctx.handoff({ kind: "store" }));
  assert.equal(forbidden, "not_allowed");
  assert.ok(!tab.batches.slice(count).some((batch) => batch.events.some((event) => event.name === "handoff")));
  await closeClean(tab);
});

test("a module that cannot load is one warning and the launcher stays usable", async () => {
  const tab = await newTab(shared.browser, { config: WITH_KNOWLEDGE });
  await serveAssistantStub(tab, 404);
  await open(tab);
  await call(tab, "consent", "accept");
  await launcher(tab).click();
  assert.ok(await eventually(() => tab.warnings.some((text) => text.includes("assistant module could not be loaded"))));
  assert.equal(tab.warnings.filter((text) => text.includes("assistant module")).length, 1, "one warning");
  assert.equal(await launcher(tab).count(), 1, "the launcher stays");
  tab.stubStatus = 200;
  await launcher(tab).click();
  assert.ok(await eventually(() => tab.page.evaluate(() => window.__opened === 1)), "the next click tries again");
  await closeClean(tab);
});
