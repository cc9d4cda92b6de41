// End to end: campaigns on the demo shop with the real backend: an exit-intent modal on a desktop that keeps to its caps across reloads and visits, a holdout visitor who sees nothing while a treatment visitor sees the bar, an inline slot that shifts nothing, and axe-core on the modal and both bars.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import { acceptConsent, agentReady, comeBackLater, useShop, visitor } from "./harness.mjs";

const MARKETER_TOKEN = "e2e-campaigns-marketer";
process.env.CONCIERGE_MARKETER_TOKEN_HASHES = createHash("sha256").update(MARKETER_TOKEN).digest("hex");
const AXE = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const shop = useShop({ before, after });

/** The same message in the four languages a campaign must have. */
function content(title, body, label, href) {
  return Object.fromEntries(["en", "es", "nl", "de"].map((lang) => [lang, { title: `${title} (${lang})`, body, action: { label, href } }]));
}

/** The campaigns this file's tests run against, published by a marketer before they start. */
const CAMPAIGNS = {
  kind: "campaigns",
  version: 50,
  contact: { per_session: 10, per_day: 20, per_week: 50, interruptive_at_once: 1 },
  campaigns: [
    {
      id: "exit-offer",
      status: "active",
      trigger: { type: "exit_intent" },
      placement: { type: "modal" },
      content: content("Before you go", "Our advisors are one call away.", "Compare plans", "/?category=plans"),
      priority: 50,
      value: 10,
      contact: { per_session: 1, per_week: 2, cooldown_hours: 0, stop_after_conversion: true },
      holdout: 0,
      goal: { event: "begin_checkout", attribution_days: 3 },
    },
    {
      id: "held-banner",
      status: "active",
      trigger: { type: "page_view", page_type: "product" },
      placement: { type: "top_bar" },
      content: content("Trade in your old phone", "Up to €150 off in a Nordwind store.", "See phones", "/?category=phones"),
      priority: 40,
      value: 10,
      contact: { per_session: 5, per_week: 20, cooldown_hours: 0, stop_after_conversion: true },
      holdout: 0.5,
      goal: { event: "add_to_cart", attribution_days: 7 },
    },
    {
      id: "scroll-bar",
      status: "active",
      trigger: { type: "scroll_depth", percent: 50 },
      targeting: { "==": [{ var: "page.type" }, "home"] },
      placement: { type: "bottom_bar" },
      content: content("Free delivery tomorrow", "Order before 22:00.", "Shop phones", "/?category=phones"),
      priority: 10,
      value: 10,
      contact: { per_session: 5, per_week: 20, cooldown_hours: 0, stop_after_conversion: true },
      holdout: 0,
      goal: { event: "add_to_cart", attribution_days: 3 },
    },
    {
      id: "cart-slot",
      status: "active",
      trigger: { type: "page_view", page_type: "cart" },
      placement: { type: "inline", slot: "cart-offer" },
      content: content("Add fiber at home", "€10 a month less with a mobile plan.", "See fiber", "/?category=internet"),
      priority: 20,
      value: 10,
      contact: { per_session: 5, per_week: 20, cooldown_hours: 0, stop_after_conversion: true },
      holdout: 0,
      goal: { event: "add_to_cart", attribution_days: 7 },
    },
  ],
};

/** Publishes CAMPAIGNS once, before the first test's visitor arrives (the server starts in
 * `useShop`'s hook). */
let publishing = null;
function published() {
  publishing ??= publish();
  return publishing;
}
async function publish() {
  const response = await fetch(`${shop.url}/v1/config/campaigns?site=demo`, {
    method: "PUT",
    headers: { authorization: `Bearer ${MARKETER_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(CAMPAIGNS),
  });
  assert.equal(response.status, 201, await response.text());
}

/** GrowthBook's hash, version 2 (protocol/src/bucket.rs): a number in [0, 1) from the campaign
 * id (the seed) and the visitor id, FNV-1a over UTF-16 code units. */
function fnv32a(text) {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
function bucketPoint(campaign, visitorId) {
  return (fnv32a(String(fnv32a(campaign + visitorId))) % 10000) / 10000;
}
/** The first `v-<n>` visitor id whose point in `campaign` satisfies `wanted`. */
function visitorIdWhere(campaign, wanted) {
  for (let n = 0; ; n++) if (wanted(bucketPoint(campaign, `v-${n}`))) return `v-${n}`;
}

/** The campaign view `id`, found through the agent's (or a slot's) open shadow root. */
function campaignView(page, id) {
  return page.locator(`[data-campaign="${id}"]`);
}

/** What the browser sends when the pointer leaves the window through its top edge, towards the
 * tabs: a `mouseout` with no element to go to. (Playwright's mouse cannot leave the viewport.) */
function leaveThroughTheTop(page) {
  return page.evaluate(() => document.body.dispatchEvent(new MouseEvent("mouseout", { bubbles: true, clientX: 400, clientY: -2, relatedTarget: null })));
}

/** The campaign notices the page heard (`concierge('on', 'campaign', ...)`), collected from the
 * start of each page. */
async function hearCampaigns(context) {
  await context.addInitScript(() => {
    window.__campaigns = [];
    const listen = () => window.concierge("on", "campaign", (change) => window.__campaigns.push([change.campaign, change.event]));
    window.concierge = window.concierge || function () {
      (window.concierge.q = window.concierge.q || []).push(arguments);
    };
    listen();
  });
}

async function axeViolations(page, id) {
  await page.evaluate(AXE);
  return page.evaluate(async (id) => {
    const root = document.getElementById("concierge-root").shadowRoot.querySelector(`[data-campaign="${id}"]`);
    await Promise.all(root.getAnimations().map((animation) => animation.finished));
    const result = await window.axe.run(root, { resultTypes: ["violations"] });
    return result.violations.map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", "));
  }, id);
}

test("an exit-intent modal on a desktop: focus in, Escape dismisses, and its caps hold across reloads and visits", async () => {
  await published();
  const { context, page, errors } = await visitor(shop.browser);
  await acceptConsent(page, `${shop.url}/`);
  await page.locator("[data-view=consent]").waitFor({ state: "detached" });
  const modal = campaignView(page, "exit-offer");

  await leaveThroughTheTop(page);
  await modal.waitFor();
  assert.equal(await modal.getAttribute("role"), "dialog");
  assert.equal(await modal.getAttribute("aria-modal"), "true");
  const title = await modal.getAttribute("aria-labelledby");
  assert.equal(await page.locator(`[id="${title}"]`).textContent(), "Before you go (en)");
  // The focus moves in once the modal's first frame is drawn.
  await page.waitForFunction(() => document.getElementById("concierge-root").shadowRoot.activeElement?.getAttribute("data-action") === "dismiss");
  assert.deepEqual(await axeViolations(page, "exit-offer"), []);
  await page.keyboard.press("Escape");
  await modal.waitFor({ state: "detached" });

  // One per visit: not again on this page, nor after a reload.
  await leaveThroughTheTop(page);
  await page.reload();
  await agentReady(page);
  await leaveThroughTheTop(page);
  await page.waitForTimeout(300);
  assert.equal(await modal.count(), 0, "per_session 1 holds across the reload");

  // A new visit: the second of the week.
  await comeBackLater(page, "40:00", `${shop.url}/`);
  await leaveThroughTheTop(page);
  await modal.waitFor();
  await modal.locator("[data-action=dismiss]").click();
  await modal.waitFor({ state: "detached" });

  // A third visit the same week: per_week 2 holds.
  await comeBackLater(page, "40:00", `${shop.url}/`);
  await leaveThroughTheTop(page);
  await page.waitForTimeout(300);
  assert.equal(await modal.count(), 0, "per_week 2 holds across visits");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a holdout visitor sees nothing where a treatment visitor sees the bar; both are counted", async () => {
  await published();
  const treated = visitorIdWhere("held-banner", (point) => point >= 0.5);
  const heldOut = visitorIdWhere("held-banner", (point) => point < 0.5);
  const seen = {};
  for (const [visitorId, group] of [[treated, "treatment"], [heldOut, "holdout"]]) {
    const { context, page, errors } = await visitor(shop.browser);
    await hearCampaigns(context);
    await acceptConsent(page, `${shop.url}/`);
    // The visitor's id decides the bucket: the one this test chose, before any product page.
    await page.evaluate((visitorId) => {
      const key = "concierge:demo:identity";
      const identity = JSON.parse(localStorage.getItem(key));
      localStorage.setItem(key, JSON.stringify({ ...identity, visitor: visitorId }));
    }, visitorId);
    await page.goto(`${shop.url}/product/?id=aurora-x1`);
    await agentReady(page);
    await page.waitForFunction(() => window.__campaigns.some(([campaign]) => campaign === "held-banner"));
    seen[group] = {
      bars: await campaignView(page, "held-banner").count(),
      heard: await page.evaluate(() => window.__campaigns.filter(([campaign]) => campaign === "held-banner").map(([, event]) => event)),
    };
    if (group === "treatment") {
      assert.deepEqual(await axeViolations(page, "held-banner"), [], "axe on the top bar");
      assert.equal(await page.evaluate(() => document.activeElement === document.body), true, "the bar took no focus");
    }
    assert.deepEqual(errors, []);
    await context.close();
  }
  assert.deepEqual(seen, {
    treatment: { bars: 1, heard: ["shown"] },
    holdout: { bars: 0, heard: ["holdout"] },
  });
});

test("an inline campaign fills the cart page's slot with no layout shift; a bottom bar on scrolling passes axe", async () => {
  await published();
  const { context, page, errors } = await visitor(shop.browser);
  await context.addInitScript(() => {
    window.__shifts = [];
    new PerformanceObserver((list) => window.__shifts.push(...list.getEntries().map((entry) => entry.value))).observe({ type: "layout-shift", buffered: true });
  });
  await acceptConsent(page, `${shop.url}/`);
  await page.locator('[data-product-id="aurora-x1"] button.add-to-cart').click();
  await page.goto(`${shop.url}/cart/`);
  await agentReady(page);
  const inline = campaignView(page, "cart-slot");
  await inline.waitFor();
  assert.equal(await inline.getAttribute("role"), "region");
  const inSlot = await page.evaluate(() => Boolean(document.querySelector('[data-concierge-slot="cart-offer"] .concierge-inline')?.shadowRoot?.querySelector("[data-campaign=cart-slot]")));
  assert.equal(inSlot, true, "in the shop's slot, in a shadow root of its own");
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  await page.waitForTimeout(300);
  const shifts = await page.evaluate(() => window.__shifts);
  assert.equal(shifts.reduce((sum, value) => sum + value, 0), 0, `layout shifts: ${JSON.stringify(shifts)}`);

  await page.goto(`${shop.url}/`);
  await agentReady(page);
  await page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight));
  const bar = campaignView(page, "scroll-bar");
  await bar.waitFor();
  assert.equal(await bar.getAttribute("data-placement"), "bottom_bar");
  assert.deepEqual(await axeViolations(page, "scroll-bar"), []);
  assert.deepEqual(errors, []);
  await context.close();
});
