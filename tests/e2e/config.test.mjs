// End to end: the shop's published settings reach the agent, are kept with their ETag under storage
// consent, revalidated with 304, and survive a backend that is unreachable or answers nonsense.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { STAFF_TOKEN, acceptConsent, agentReady, cartOf, storedState, useShop, visitor } from "./harness.mjs";

const shop = useShop({ before, after });

/** Publishes the demo's settings with `changes`, as shop staff would. */
async function publishSettings(version, changes) {
  const document = {
    kind: "settings",
    version,
    idle_minutes: 30,
    dismiss_hours: 24,
    checkout_path: "/checkout/",
    resume_url: "/checkout/",
    link_hosts: [],
    ...changes,
  };
  const response = await fetch(`${shop.url}/v1/config/settings?site=demo`, {
    method: "PUT",
    headers: { authorization: `Bearer ${STAFF_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(document),
  });
  assert.equal(response.status, 201, await response.text());
}

/**
 * Waits until `condition` (run in Node) holds, moving the page's fake clock a little each time:
 * the clock also holds the microtasks the agent's futures are queued on. (Performance marks are
 * no use here: under the fake clock `performance` is a stand-in that records none.)
 */
async function until(page, condition, what) {
  for (let i = 0; i < 100; i++) {
    if (await condition()) return;
    await page.clock.runFor(10);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** The agent's console warnings, as the page prints them. */
function warningsOf(page) {
  const warnings = [];
  page.on("console", (message) => {
    if (message.type() === "warning" && message.text().startsWith("[concierge]")) warnings.push(message.text());
  });
  return warnings;
}

test("published settings apply, are kept with their ETag, and are revalidated with 304", async () => {
  // Staff shorten the idle time to one minute: the banner follows without any page change.
  await publishSettings(2, { idle_minutes: 1 });
  const { context, page } = await visitor(shop.browser);
  const configAnswers = [];
  page.on("response", (response) => {
    if (new URL(response.url()).pathname === "/v1/config") configAnswers.push(response);
  });
  await acceptConsent(page, `${shop.url}/`);
  await until(page, async () => (await storedState(page))?.config, "the config kept on the device");
  await page.locator('[data-product-id="aurora-x1"] button.add-to-cart').click();
  assert.equal((await cartOf(page)).item_count, 1);

  const kept = await storedState(page);
  assert.equal(kept.config.config.documents.find((d) => d.kind === "settings").idle_minutes, 1);
  assert.match(kept.config.etag, /^"[^"]+"$/, "kept with its strong ETag");

  // Idle on the open page for just over a minute: the published setting, not the default 30.
  await page.clock.fastForward("01:05");
  await page.locator("[data-campaign=cart-recovery]").waitFor();

  // The next page revalidates the kept copy: the loader sends If-None-Match, the backend says 304.
  const answers = configAnswers.length;
  await page.reload();
  await agentReady(page);
  await until(page, () => configAnswers.length > answers, "the revalidation");
  const last = configAnswers.at(-1);
  assert.equal(last.status(), 304);
  assert.equal(await last.request().headerValue("if-none-match"), kept.config.etag);
  await context.close();
});

test("an unreachable or invalid config leaves the last good copy in force and says so", async () => {
  await publishSettings(3, { idle_minutes: 2 });
  const { context, page } = await visitor(shop.browser);
  const warnings = warningsOf(page);
  await acceptConsent(page, `${shop.url}/`);
  await until(page, async () => (await storedState(page))?.config?.config.documents.some((d) => d.idle_minutes === 2), "version 3 kept");
  assert.equal(warnings.length, 0, warnings.join("\n"));

  // The backend's config endpoint goes away.
  await page.route("**/v1/config?**", (route) => route.abort("connectionfailed"));
  await page.reload();
  await agentReady(page);
  await until(page, () => warnings.length >= 1, "a warning");
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0], /published config could not be fetched .*; using the copy kept on this device from 20\d\d-/);

  // Then it answers with a document that fails validation: refused whole, the kept copy stays.
  await page.unroute("**/v1/config?**");
  await page.route("**/v1/config?**", (route) =>
    route.fulfill({
      status: 200,
      contentType: "application/json",
      headers: { etag: '"broken"' },
      body: JSON.stringify({ format: 1, site: "demo", documents: [{ kind: "settings", version: 9, idle_minutes: "soon" }] }),
    }),
  );
  await page.reload();
  await agentReady(page);
  await until(page, () => warnings.length >= 2, "a second warning");
  assert.equal(warnings.length, 2, warnings.join("\n"));
  assert.match(warnings[1], /published config is invalid \(documents\[0\]\.idle_minutes: .*\); using the copy kept on this device/);
  const kept = await storedState(page);
  assert.equal(kept.config.config.documents.find((d) => d.kind === "settings").idle_minutes, 2, "nothing of the bad one kept");

  // The copy in force still decides: two idle minutes bring the banner.
  await page.locator('[data-product-id="aurora-x1"] button.add-to-cart').click();
  await page.clock.fastForward("01:30");
  assert.equal(await page.locator("[data-campaign=cart-recovery]").count(), 0, "not after 90 s");
  await page.clock.fastForward("00:40");
  await page.locator("[data-campaign=cart-recovery]").waitFor();
  await context.close();
});

test("a visitor without storage consent gets the defaults when the config is unreachable", async () => {
  const { context, page } = await visitor(shop.browser);
  const warnings = warningsOf(page);
  await page.route("**/v1/config?**", (route) => route.abort("connectionfailed"));
  await page.goto(`${shop.url}/`);
  await agentReady(page);
  await until(page, () => warnings.length >= 1, "a warning");
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0], /could not be fetched .*; using the built-in defaults and the page's data-\* attributes/);
  await page.locator("[data-view=consent]").waitFor();
  await context.close();
});
