// Browser tests: lazy modules (src/web/modules.js) under the strict CSP with Trusted Types: the preferences panel's module is fetched only when the panel is wanted (or at idle once the dialog offers it), and a module that cannot be fetched is a warning and a retry at the next need, never a broken page.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { call, closeClean, eventually, newTab, open, texts, useBrowser, view, warningsDuring } from "./page.mjs";

const shared = useBrowser({ before, after });

const PURPOSES = ["Strictly necessary", "Measurement", "Personalization", "Marketing"];

/** The panel's purposes, once it is drawn: on first use it waits for its module. */
async function purposes(tab) {
  const panel = view(tab, "panel");
  await panel.locator(".row").first().waitFor();
  return texts(panel, ".purpose");
}

function moduleRequests(tab) {
  return tab.requests.filter((url) => new URL(url).pathname === "/concierge/modules/panel.js");
}

/** A visitor who rejected on an earlier page, now on the next one: no dialog offers the panel
 * (only the "Privacy choices" control), and what this page requested starts empty. */
async function returningVisitor(tab) {
  await open(tab);
  await view(tab, "consent").locator("[data-action=reject]").click();
  tab.requests.length = 0;
  tab.receipts.length = 0;
  await open(tab);
  assert.equal(await view(tab, "consent").count(), 0);
}

test("the panel's module is fetched only when the panel is wanted, once, and draws its switches", async () => {
  const tab = await newTab(shared.browser);
  await returningVisitor(tab);
  // Idle time passes: nothing asked for the panel, so nothing fetches it.
  await tab.page.evaluate(() => new Promise((done) => setTimeout(done, 300)));
  assert.deepEqual(moduleRequests(tab), []);
  assert.ok(tab.requests.some((url) => url.endsWith("/concierge/pkg/concierge.js")), "the core was fetched");

  await call(tab, "consent", "open");
  const panel = view(tab, "panel");
  assert.deepEqual(await purposes(tab), PURPOSES);
  assert.equal(moduleRequests(tab).length, 1);
  // Its styles came with it: the switch is sized by panel.css, not the browser's default.
  assert.equal(await panel.locator("input[name=measurement]").evaluate((input) => getComputedStyle(input).width), "24px");

  // Closed and opened again: drawn from the module already loaded, not fetched again.
  await tab.page.keyboard.press("Escape");
  assert.equal(await panel.count(), 0);
  await call(tab, "consent", "open");
  assert.deepEqual(await purposes(tab), PURPOSES);
  assert.equal(moduleRequests(tab).length, 1);
  await closeClean(tab);
});

test("the consent dialog, which offers the panel, has its module fetched while the browser is idle", async () => {
  const tab = await newTab(shared.browser);
  await open(tab);
  assert.equal(await view(tab, "consent").count(), 1);
  assert.ok(await eventually(() => moduleRequests(tab).length === 1), "prefetched at idle");
  await view(tab, "consent").locator("[data-action=choose]").click();
  assert.deepEqual(await purposes(tab), PURPOSES);
  assert.equal(moduleRequests(tab).length, 1, "Choose used the prefetched module");
  await closeClean(tab);
});

test("a module that cannot be fetched is one warning and no broken page, and is fetched again when next wanted", async () => {
  const tab = await newTab(shared.browser);
  let failing = false;
  // Registered after the test page's routes, so it answers first.
  await tab.context.route("**/concierge/modules/panel.js*", (route) =>
    failing ? route.fulfill({ status: 503, body: "" }) : route.fallback(),
  );
  await returningVisitor(tab);
  failing = true;
  const warnings = await warningsDuring(tab, async () => {
    await call(tab, "consent", "open");
    assert.ok(await eventually(() => moduleRequests(tab).length === 1));
    await tab.page.evaluate(() => new Promise((done) => setTimeout(done, 100)));
  });
  assert.equal(warnings.length, 1, String(warnings));
  assert.match(warnings[0], /panel module could not be loaded/);
  assert.equal(await view(tab, "panel").count(), 0);
  // The engine was told the panel closed unanswered: the agent keeps working, and the next
  // time the panel is wanted the module is fetched again and the panel drawn.
  failing = false;
  await call(tab, "consent", "open");
  assert.deepEqual(await purposes(tab), PURPOSES);
  assert.equal(moduleRequests(tab).length, 2);
  assert.deepEqual(tab.receipts, [], "closing unanswered made no choice");
  await closeClean(tab);
});
