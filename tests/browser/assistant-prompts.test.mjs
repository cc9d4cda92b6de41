// Browser tests: the assistant's contextual prompts (built-in campaigns of placement `assistant`) drawn by the core as a bubble above the launcher: labelled, shifting nothing, its quick replies reachable by keyboard; a reply is the campaign's click and opens the `assistant` module (a stub served by this test) with ctx.prompt and ctx.reply; Escape dismisses it and counts a dismissal.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { SETTINGS, call, closeClean, eventually, newTab, open, serveAssistantStub, useBrowser, WITH_KNOWLEDGE } from "./page.mjs";

const shared = useBrowser({ before, after });

async function productPage() {
  const tab = await newTab(shared.browser, { config: WITH_KNOWLEDGE });
  await serveAssistantStub(tab);
  await open(tab, { settings: { ...SETTINGS, pageType: "product" } });
  return tab;
}

function bubble(tab) {
  return tab.page.locator('#concierge-root [data-placement="assistant"]');
}

/** The campaign notices the page hears from now on. */
async function listen(tab) {
  await tab.page.evaluate(() => {
    window.__campaigns = [];
    window.concierge("on", "campaign", (change) => window.__campaigns.push([change.campaign, change.event]));
  });
}

/** The text of what has focus in the agent's root. */
function focused(tab) {
  return tab.page.evaluate(() => {
    const active = document.getElementById("concierge-root").shadowRoot.activeElement;
    return active && active.textContent;
  });
}

test("a product page's prompt: a labelled bubble that shifts nothing, a reply by keyboard opens the module with ctx.prompt and ctx.reply", async () => {
  const tab = await productPage();
  assert.equal(await bubble(tab).count(), 0, "not while the consent dialog blocks");
  const before = await tab.page.evaluate(() => JSON.stringify(document.querySelector("h1").getBoundingClientRect()));
  await call(tab, "consent", "accept");
  await bubble(tab).waitFor();
  await listen(tab);
  const after = await tab.page.evaluate(() => JSON.stringify(document.querySelector("h1").getBoundingClientRect()));
  assert.equal(after, before, "drawing the bubble moved nothing on the page");
  assert.equal(await bubble(tab).getAttribute("role"), "region");
  const labelledBy = await bubble(tab).getAttribute("aria-labelledby");
  assert.equal(await bubble(tab).locator(`[id="${labelledBy}"]`).textContent(), "Questions about this product?");
  const replies = bubble(tab).locator("[data-reply]");
  assert.deepEqual(await replies.allTextContents(), ["What's in the box?", "How long is delivery?", "Compare with similar products"]);
  assert.ok(!tab.requests.some((url) => url.includes("/modules/assistant")), "the module waits for the visitor's intent");

  // From the close button, Tab reaches the replies; Enter on the second chooses it. The focus
  // coming into the bubble fetches the module ahead of the choice, and opens nothing.
  await bubble(tab).locator(".close").focus();
  assert.ok(await eventually(() => tab.requests.some((url) => url.includes("/modules/assistant"))), "fetched on the focus");
  assert.equal(await tab.page.evaluate(() => window.__opened), undefined, "not opened by the focus");
  await tab.page.keyboard.press("Tab");
  assert.equal(await focused(tab), "What's in the box?");
  await tab.page.keyboard.press("Tab");
  assert.equal(await focused(tab), "How long is delivery?");
  await tab.page.keyboard.press("Enter");
  assert.ok(await eventually(() => tab.page.evaluate(() => window.__opened === 1)), "opened");
  const ctx = await tab.page.evaluate(() => ({ prompt: window.__ctx.prompt, reply: window.__ctx.reply, resume: typeof window.__ctx.resume }));
  assert.deepEqual(ctx.prompt, {
    id: "assistant-product",
    text: "Questions about this product?",
    replies: [
      { label: "What's in the box?", ask: "What's in the box?" },
      { label: "How long is delivery?", ask: "How long is delivery?" },
      { label: "Compare with similar products", ask: "Compare with similar products" },
    ],
  });
  assert.deepEqual(ctx.reply, { label: "How long is delivery?", ask: "How long is delivery?" });
  assert.equal(ctx.resume, "function");
  assert.ok(await eventually(() => tab.page.evaluate(() => window.__campaigns.some(([id, event]) => id == "assistant-product" && event == "clicked"))));
  assert.equal(await bubble(tab).count(), 0, "the bubble leaves once answered");
  await closeClean(tab);
});

test("Escape dismisses the bubble, counts a dismissal and opens nothing", async () => {
  const tab = await productPage();
  await call(tab, "consent", "accept");
  await bubble(tab).waitFor();
  await listen(tab);
  await bubble(tab).locator("[data-reply]").first().focus();
  await tab.page.keyboard.press("Escape");
  assert.ok(await eventually(() => tab.page.evaluate(() => window.__campaigns.some(([id, event]) => id == "assistant-product" && event == "dismissed"))));
  assert.equal(await bubble(tab).count(), 0);
  assert.equal(await tab.page.evaluate(() => window.__opened), undefined);
  await closeClean(tab);
});
