// Browser tests: the agent's corner (src/web/view.css, src/web/dom.js): views that come later, and a view drawn again with more content, move no agent node (no layout-shift entry has one among its sources), the views stack above the privacy control and the launcher without overlapping, and the page under the corner's box stays usable; a dismissal takes its view away in the click's task and tells the engine after the next frame.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { campaignView, closeClean, eventually, newTab, openModules, useBrowser } from "./page.mjs";

const shared = useBrowser({ before, after });

/** A page with a button of its own at the top right, under the agent's box once drawn. */
const SHOP = '<main><h1>Test shop</h1><p>A page the agent runs on.</p></main><button id="corner">Account</button>';

/** In the page before the shell: every layout-shift entry, each source marked when it is the
 * agent's. Chrome names no node inside a shadow tree (the source's node is null there), so an
 * agent source is the host itself or a nameless one over the host's box (nothing else on this
 * page is nameless or there). */
function recordShifts() {
  window.__shifts = [];
  new PerformanceObserver((list) => {
    const host = document.getElementById("concierge-root");
    const box = host && host.getBoundingClientRect();
    // Its visual rect counts its shadow's blur, so it may stand out of the host's box a little.
    const inHost = (rect) => box && rect.left < box.right && rect.right > box.left && rect.top < box.bottom && rect.bottom > box.top;
    for (const entry of list.getEntries()) {
      window.__shifts.push({
        value: entry.value,
        recent: entry.hadRecentInput,
        sources: entry.sources.map((source) => ({
          node: source.node ? source.node.id || source.node.nodeName : null,
          agent: source.node ? source.node === host : inHost(source.currentRect.height ? source.currentRect : source.previousRect),
          from: [source.previousRect.y, source.previousRect.height],
          to: [source.currentRect.y, source.currentRect.height],
        })),
      });
    }
  }).observe({ type: "layout-shift", buffered: true });
  addEventListener("DOMContentLoaded", () => {
    // Set from script: the CSP allows no inline style.
    Object.assign(document.getElementById("corner").style, { position: "absolute", top: "1.5rem", right: "1.5rem" });
  });
}

/** Waits until the agent's views have finished their entry animation and two frames were drawn,
 * so every shift of that change has been reported. */
function settled(tab) {
  return tab.page.evaluate(async () => {
    const shadow = document.getElementById("concierge-root").shadowRoot;
    await Promise.all(shadow.getAnimations().map((animation) => animation.finished));
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 100))));
  });
}

function render(tab, view) {
  return tab.page.evaluate((view) => window.__shell.placements.render(view), view);
}

const LINE = ["Aurora X1", "Qty 1", [799, "EUR"]];

test("views that come later and a banner drawn again with more lines move no agent node; the corner's order holds and the page under it stays usable", async () => {
  const tab = await newTab(shared.browser);
  await openModules(tab, { body: SHOP, setup: recordShifts });
  // What a returning visitor's start draws: the privacy control and the recovery banner.
  await tab.page.evaluate(() => window.__shell.dom.control("Privacy choices"));
  await render(tab, campaignView("cart-recovery", "corner_toast", { lines: [LINE], total: ["Total", [799, "EUR"]] }));
  await settled(tab);
  await tab.page.evaluate(() => (window.__shifts.length = 0));

  // The published config's answer, each in a frame of its own: the launcher, then a prompt.
  await tab.page.evaluate(() => window.__shell.dom.launcher("Ask us", () => {}, null));
  await settled(tab);
  await render(tab, campaignView("assistant-resume", "assistant", { title: "Pick up where you left off?" }));
  await settled(tab);
  // The banner drawn again in place, its cart grown by two lines.
  const lines = [LINE, ["Nimbus Buds", "Qty 2", [258, "EUR"]], ["Terra Case", "Qty 1", [39, "EUR"]]];
  await render(tab, campaignView("cart-recovery", "corner_toast", { lines, total: ["Total", [1096, "EUR"]] }));
  await settled(tab);

  const shifts = await tab.page.evaluate(() => window.__shifts);
  const agents = shifts.filter((shift) => shift.sources.some((source) => source.agent));
  assert.deepEqual(agents, [], `layout shifts with an agent node among their sources: ${JSON.stringify(agents)}`);
  assert.equal(await tab.page.locator("[data-campaign=cart-recovery] .line").count(), 3, "the banner was drawn again, with its new lines");

  // Top to bottom: the newest view, the banner, the privacy control, the launcher; no overlaps.
  const boxes = await tab.page.evaluate(() => {
    const shadow = document.getElementById("concierge-root").shadowRoot;
    return ["[data-campaign=assistant-resume]", "[data-campaign=cart-recovery]", ".concierge-control", ".concierge-launcher"].map((selector) => {
      const { top, bottom, right } = shadow.querySelector(selector).getBoundingClientRect();
      return { selector, top, bottom, right };
    });
  });
  for (let i = 1; i < boxes.length; i++) assert.ok(boxes[i - 1].bottom <= boxes[i].top, `${boxes[i - 1].selector} above ${boxes[i].selector}: ${JSON.stringify(boxes)}`);
  const viewport = tab.page.viewportSize();
  assert.ok(boxes.every((box) => Math.abs(box.right - (viewport.width - 16)) < 1), `all at the right edge: ${JSON.stringify(boxes)}`);
  assert.ok(Math.abs(boxes[3].bottom - (viewport.height - 16)) < 1, "the launcher in the corner");

  // The corner's box spans the viewport's height, but lets the pointer through to the page.
  await tab.page.evaluate(() => document.getElementById("corner").addEventListener("click", () => (window.__clicked = true)));
  await tab.page.locator("#corner").click({ timeout: 2000 });
  assert.equal(await tab.page.evaluate(() => window.__clicked), true, "the page's own button under the agent's box");
  await closeClean(tab);
});

test("a view taken away without the visitor's input leaves its place until the next input: the views above it do not drop", async () => {
  const tab = await newTab(shared.browser);
  await openModules(tab, { body: SHOP, setup: recordShifts });
  await render(tab, campaignView("cart-recovery", "corner_toast", { lines: [LINE] }));
  await settled(tab);
  await render(tab, campaignView("assistant-resume", "assistant", { title: "Pick up where you left off?" }));
  await settled(tab);
  const promptTop = () =>
    tab.page.evaluate(() => document.getElementById("concierge-root").shadowRoot.querySelector("[data-campaign=assistant-resume]").getBoundingClientRect().top);
  const before = await promptTop();
  await tab.page.evaluate(() => (window.__shifts.length = 0));
  const agentShifts = () => tab.page.evaluate(() => window.__shifts).then((shifts) => shifts.filter((shift) => shift.sources.some((source) => source.agent)));

  // The engine takes the banner, below the prompt, away (its cart emptied in another tab).
  await tab.page.evaluate(() => window.__shell.placements.remove("cart-recovery"));
  await settled(tab);
  assert.equal(await tab.page.locator("[data-campaign=cart-recovery]").count(), 0, "the banner is gone");
  assert.equal(await promptTop(), before, "the prompt above it stays where it was");
  assert.deepEqual(await agentShifts(), [], "no agent node moved");

  // The visitor's next input closes the place: the prompt drops, a shift the browser takes for
  // the visitor's (Chrome names no sources for those, so every shift is checked).
  await tab.page.locator("h1").click();
  await settled(tab);
  assert.ok((await promptTop()) > before, "the place closed");
  const shifts = await tab.page.evaluate(() => window.__shifts);
  assert.ok(shifts.length > 0 && shifts.every((shift) => shift.recent), `shifts since the banner went, each after an input: ${JSON.stringify(shifts)}`);
  await closeClean(tab);
});

test("the place a view left keeps a click on the view above it, and closes after it", async () => {
  const tab = await newTab(shared.browser);
  await openModules(tab, { body: SHOP, setup: recordShifts });
  await render(tab, campaignView("cart-recovery", "corner_toast", { lines: [LINE] }));
  await settled(tab);
  await render(tab, campaignView("assistant-resume", "corner_toast", { title: "Pick up where you left off?" }));
  await settled(tab);
  await tab.page.evaluate(() => window.__shell.placements.remove("cart-recovery"));
  await settled(tab);
  const places = () => tab.page.evaluate(() => document.getElementById("concierge-root").shadowRoot.querySelectorAll(".place").length);
  assert.equal(await places(), 1, "the banner left its place");
  // A pointer's down and up on the button of the view above the place (by hand: Playwright's
  // own click would follow a button that moved): the view does not move in between, so the
  // click reaches the button.
  const button = tab.page.locator("[data-campaign=assistant-resume] [data-action=dismiss]");
  const box = await button.boundingBox();
  await tab.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await tab.page.mouse.down();
  assert.deepEqual(await button.boundingBox(), box, "not moved by the pointer down");
  await tab.page.mouse.up();
  assert.ok(
    await eventually(() => tab.page.evaluate(() => window.__heard.some(([kind, name, campaign]) => kind == "action" && name == "dismiss" && campaign == "assistant-resume"))),
    "the dismissal was heard",
  );
  assert.ok(await eventually(async () => (await places()) === 0), "the place closed after the click");
  await closeClean(tab);
});

test("a bar or a modal taken away without input leaves no place: it was never in the corner's column", async () => {
  const tab = await newTab(shared.browser);
  await openModules(tab, { body: SHOP, setup: recordShifts });
  await render(tab, campaignView("offer-bar", "bottom_bar"));
  await settled(tab);
  await render(tab, campaignView("cart-recovery", "corner_toast", { lines: [LINE] }));
  await settled(tab);
  const toastTop = () =>
    tab.page.evaluate(() => document.getElementById("concierge-root").shadowRoot.querySelector("[data-campaign=cart-recovery]").getBoundingClientRect().top);
  const before = await toastTop();
  await tab.page.evaluate(() => (window.__shifts.length = 0));
  await tab.page.evaluate(() => window.__shell.placements.remove("offer-bar"));
  await settled(tab);
  assert.equal(await tab.page.locator("[data-campaign=offer-bar]").count(), 0, "the bar is gone");
  assert.equal(await toastTop(), before, "the toast stays where it was");
  const places = await tab.page.evaluate(() => document.getElementById("concierge-root").shadowRoot.querySelectorAll(".place").length);
  assert.equal(places, 0, "no place left");
  await closeClean(tab);
});

test("a dismissal takes the view away in the click's own task and tells the engine after the next frame, which then draws only the removal", async () => {
  const tab = await newTab(shared.browser);
  await openModules(tab, { body: SHOP });
  await tab.page.evaluate(() => window.__shell.dom.control("Privacy choices"));
  await render(tab, campaignView("cart-recovery", "corner_toast", { lines: [LINE] }));
  const heard = await tab.page.evaluate(
    () =>
      new Promise((done) => {
        const shadow = document.getElementById("concierge-root").shadowRoot;
        const told = () => window.__heard.filter(([kind]) => kind == "action").length;
        shadow.querySelector("[data-campaign=cart-recovery] [data-action=dismiss]").click();
        const inTheClicksTask = { drawn: shadow.querySelectorAll("[data-campaign]").length, told: told() };
        requestAnimationFrame(() => {
          const inTheNextFrame = told();
          setTimeout(() => done({ inTheClicksTask, inTheNextFrame, after: window.__heard.filter(([kind]) => kind == "action") }), 50);
        });
      }),
  );
  assert.deepEqual(heard.inTheClicksTask, { drawn: 0, told: 0 }, "gone at once, the engine not yet called");
  assert.equal(heard.inTheNextFrame, 0, "not before the next frame is drawn");
  assert.deepEqual(heard.after, [["action", "dismiss", "cart-recovery"]], "told after it");
  assert.equal(await tab.page.evaluate(() => document.getElementById("concierge-root").shadowRoot.querySelectorAll(".concierge-control").length), 1, "the rest stays");
  await closeClean(tab);
});
