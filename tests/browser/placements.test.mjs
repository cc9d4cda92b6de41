// Browser tests: campaign views by placement (src/web/placements.js): bars, corner toast, modal and inline slot, with their roles, focus and keyboard; a missing slot; no layout shift; impressions (half visible for one second, once per display).

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import { campaignView, closeClean, eventually, newTab, openModules, useBrowser } from "./page.mjs";

const shared = useBrowser({ before, after });
const AXE = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const CLOCK = "2026-12-05T10:00:00Z";
const SHOP = '<main><h1>Test shop</h1><button id="buy">Buy</button><p id="after">Below the heading</p></main>';

function render(tab, view) {
  return tab.page.evaluate((view) => window.__shell.placements.render(view), view);
}

function heard(tab) {
  return tab.page.evaluate(() => window.__heard.slice());
}

/** Stops the page clock's natural flow: from now on only the test moves it. */
function pauseClock(tab) {
  return tab.page.clock.pauseAt(new Date(CLOCK).getTime() + 60_000);
}

/** Real time for the browser to render (and for the observer to answer), the page clock held. */
function frames() {
  return new Promise((done) => setTimeout(done, 150));
}

function campaign(tab, id) {
  return tab.page.locator(`[data-campaign="${id}"]`);
}

/** The element focused, through the agent's shadow root: its campaign and action. */
function focused(tab) {
  return tab.page.evaluate(() => {
    const inner = document.getElementById("concierge-root")?.shadowRoot?.activeElement;
    const active = inner || document.activeElement;
    return active.closest("[data-campaign]")?.getAttribute("data-campaign") + " " + (active.getAttribute("data-action") || active.id);
  });
}

for (const [placement, edge] of [["top_bar", "top"], ["bottom_bar", "bottom"]]) {
  test(`a ${placement} lies over the page at its ${edge} edge, labelled, moving nothing and taking no focus`, async () => {
    const tab = await newTab(shared.browser);
    await openModules(tab, { body: SHOP });
    await tab.page.locator("#buy").focus();
    const before = await tab.page.locator("#after").boundingBox();
    await render(tab, campaignView("sale", placement, { title: "<img src=x onerror=alert(1)>" }));
    const bar = campaign(tab, "sale");
    await bar.evaluate((view) => Promise.all(view.getAnimations().map((animation) => animation.finished)));
    assert.equal(await bar.getAttribute("role"), "region");
    assert.equal(await bar.getAttribute("data-placement"), placement);
    const title = await bar.getAttribute("aria-labelledby");
    assert.equal(await tab.page.locator(`[id="${title}"]`).textContent(), "<img src=x onerror=alert(1)>", "the title, as text");
    assert.equal(await tab.page.locator("img").count(), 0);
    const box = await bar.boundingBox();
    const viewport = tab.page.viewportSize();
    assert.equal(box.width, viewport.width, "the whole width");
    assert.equal(edge === "top" ? box.y : box.y + box.height, edge === "top" ? 0 : viewport.height);
    assert.deepEqual(await tab.page.locator("#after").boundingBox(), before, "the page did not move");
    assert.equal(await focused(tab), "undefined buy", "the focus stayed on the page");

    // Reachable by keyboard; Escape inside it dismisses, the link follows. A dismissal takes the
    // view away at once and is heard in the next task (the click's frame draws only that).
    assert.equal(await bar.locator(".close").getAttribute("aria-label"), "Close");
    await bar.locator("[data-action=follow]").focus();
    assert.equal(await bar.locator("[data-action=follow]").getAttribute("href"), "https://shop.test/offers/");
    await tab.page.keyboard.press("Escape");
    assert.equal(await bar.count(), 0, "taken away at once");
    await render(tab, campaignView("sale", placement));
    await bar.locator("[data-action=dismiss]").click();
    assert.equal(await bar.count(), 0);
    assert.ok(await eventually(async () => (await heard(tab)).length == 2));
    assert.deepEqual(await heard(tab), [["action", "dismiss", "sale"], ["action", "dismiss", "sale"]]);
    await tab.page.evaluate(() => window.__shell.placements.remove("sale"));
    assert.equal(await bar.count(), 0);
    await closeClean(tab);
  });
}

test("a corner toast is a labelled region in the corner, as the recovery banner is", async () => {
  const tab = await newTab(shared.browser);
  // The page keeps its URL when a link is followed: what the agent heard is the point.
  await openModules(tab, { body: SHOP, setup: () => addEventListener("click", (event) => event.preventDefault()) });
  const lines = [["Aurora X1", "Qty 1", [799, "EUR"]]];
  await render(tab, campaignView("cart-recovery", "corner_toast", { lines, total: ["Total", [799, "EUR"]], code: ["Your cart code", "K7M-4QP"] }));
  const toast = campaign(tab, "cart-recovery");
  assert.equal(await toast.getAttribute("role"), "region");
  assert.deepEqual(await toast.locator(".name").allTextContents(), ["Aurora X1"]);
  assert.equal(await toast.locator(".total-amount").textContent(), "€799.00");
  assert.equal(await toast.locator(".code-value").textContent(), "K7M-4QP");
  await toast.evaluate((view) => Promise.all(view.getAnimations().map((animation) => animation.finished)));
  const box = await toast.boundingBox();
  const viewport = tab.page.viewportSize();
  // In the bottom corner, right above the launcher's and the privacy control's places (kept
  // for them, 2 × (44 px + gap) over the 1rem edge, so neither pushes it when it comes).
  assert.ok(box.x > viewport.width / 2 && Math.abs(box.y + box.height - (viewport.height - 16 - 112)) < 1, `in the bottom corner: ${JSON.stringify(box)}`);
  await toast.locator("[data-action=follow]").click();
  assert.deepEqual((await heard(tab)).filter(([kind]) => kind === "action"), [["action", "follow", "cart-recovery"]]);
  await closeClean(tab);
});

test("a modal is a labelled modal dialog: focus moved in and kept in, Escape and the backdrop dismiss, focus restored", async () => {
  const tab = await newTab(shared.browser);
  await openModules(tab, { body: SHOP });
  await tab.page.locator("#buy").focus();
  await render(tab, campaignView("exit-offer", "modal"));
  const modal = campaign(tab, "exit-offer");
  assert.equal(await modal.getAttribute("role"), "dialog");
  assert.equal(await modal.getAttribute("aria-modal"), "true");
  assert.equal(await tab.page.locator(`[id="${await modal.getAttribute("aria-labelledby")}"]`).textContent(), "Title of exit-offer");
  assert.equal(await tab.page.locator(`[id="${await modal.getAttribute("aria-describedby")}"]`).textContent(), "Body of exit-offer");
  assert.ok(await eventually(async () => (await focused(tab)) == "exit-offer dismiss"), "focus moved to its first control");
  await tab.page.keyboard.press("Tab");
  assert.equal(await focused(tab), "exit-offer follow");
  await tab.page.keyboard.press("Tab");
  assert.equal(await focused(tab), "exit-offer dismiss", "Tab cycles inside");
  await tab.page.keyboard.press("Shift+Tab");
  assert.equal(await focused(tab), "exit-offer follow", "and Shift+Tab too");

  // Escape takes it away at once, with its backdrop, and gives the focus back; the dismissal is
  // heard in the next task. Drawn again, a click on the backdrop does the same.
  await tab.page.keyboard.press("Escape");
  assert.equal(await modal.count(), 0, "taken away at once");
  assert.equal(await tab.page.locator("#concierge-root .backdrop").count(), 0, "the backdrop goes with it");
  assert.equal(await focused(tab), "undefined buy", "focus back where it was");
  await render(tab, campaignView("exit-offer", "modal"));
  assert.ok(await eventually(async () => (await focused(tab)) == "exit-offer dismiss"));
  await tab.page.locator("#concierge-root .backdrop").click({ position: { x: 5, y: 5 } });
  assert.equal(await modal.count(), 0);
  assert.ok(await eventually(async () => (await heard(tab)).length == 2));
  assert.deepEqual(await heard(tab), [["action", "dismiss", "exit-offer"], ["action", "dismiss", "exit-offer"]]);
  await tab.page.evaluate(() => window.__shell.placements.remove("exit-offer"));
  assert.equal(await tab.page.locator("#concierge-root .backdrop").count(), 0, "the engine's remove after it finds nothing left");
  assert.equal(await focused(tab), "undefined buy", "focus back where it was");
  await closeClean(tab);
});

test("a modal takes the focus once the next frame is drawn, not in the task that draws it, and not when the focus was put elsewhere meanwhile", async () => {
  const tab = await newTab(shared.browser);
  await openModules(tab, { body: SHOP });
  await tab.page.locator("#buy").focus();
  const inTheTask = await tab.page.evaluate((view) => {
    window.__shell.placements.render(view);
    return document.activeElement.id;
  }, campaignView("exit-offer", "modal"));
  assert.equal(inTheTask, "buy", "not in the drawing task (focusing there forced the page's style and layout)");
  assert.ok(await eventually(async () => (await focused(tab)) == "exit-offer dismiss"), "moved in after the frame");
  await tab.page.keyboard.press("Escape");
  assert.equal(await focused(tab), "undefined buy");

  // The focus put on the page's button between the drawing and the frame stays there.
  await tab.page.evaluate(() => document.activeElement.blur());
  await tab.page.evaluate((view) => {
    window.__shell.placements.render(view);
    document.getElementById("buy").focus();
  }, campaignView("exit-offer", "modal"));
  await tab.page.evaluate(() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 100))));
  assert.equal(await focused(tab), "undefined buy", "left where it was put");
  assert.equal(await campaign(tab, "exit-offer").count(), 1, "the modal is drawn all the same");
  await closeClean(tab);
});

test("a view drawn again in place while a control of it has the focus gives it to the same control at once", async () => {
  const tab = await newTab(shared.browser);
  await openModules(tab, { body: SHOP });
  await render(tab, campaignView("exit-offer", "modal"));
  assert.ok(await eventually(async () => (await focused(tab)) == "exit-offer dismiss"));
  await tab.page.keyboard.press("Tab");
  assert.equal(await focused(tab), "exit-offer follow");
  const inTheTask = await tab.page.evaluate((view) => {
    window.__shell.placements.render(view);
    return document.getElementById("concierge-root").shadowRoot.activeElement?.getAttribute("data-action");
  }, campaignView("exit-offer", "modal", { title: "Title again" }));
  assert.equal(inTheTask, "follow", "the same control, in the drawing task");
  assert.equal(await campaign(tab, "exit-offer").locator(".title").textContent(), "Title again", "drawn again");
  await tab.page.evaluate(() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 100))));
  assert.equal(await focused(tab), "exit-offer follow", "and kept after the frame");
  await closeClean(tab);
});

test("an inline view fills the shop's slot in a shadow root of its own, and nothing on the page shifts", async () => {
  const tab = await newTab(shared.browser);
  await openModules(tab, {
    body: `<main><h1>Test shop</h1><div data-concierge-slot="home-offer"></div><p id="after">Below the slot</p></main>`,
    setup: () => {
      window.__shifts = [];
      new PerformanceObserver((list) => window.__shifts.push(...list.getEntries().map((entry) => entry.value))).observe({ type: "layout-shift", buffered: true });
      // The shop reserves the slot's height (set from script: the CSP allows no inline style).
      addEventListener("DOMContentLoaded", () => (document.querySelector("[data-concierge-slot]").style.height = "12rem"));
    },
  });
  const before = await tab.page.locator("#after").boundingBox();
  await tab.page.evaluate(() => (window.__shifts.length = 0));
  await render(tab, campaignView("home", "inline", { slot: "home-offer" }));
  const inline = campaign(tab, "home");
  assert.equal(await inline.getAttribute("role"), "region");
  const inSlot = await tab.page.evaluate(() => {
    const host = document.querySelector("[data-concierge-slot=home-offer]").firstElementChild;
    return [host.className, host.shadowRoot.querySelector("[data-campaign]")?.getAttribute("data-placement")];
  });
  assert.deepEqual(inSlot, ["concierge-inline", "inline"]);
  assert.equal(await tab.page.locator("#concierge-root").count(), 0, "nothing drawn over the page");
  await inline.evaluate((view) => Promise.all(view.getAnimations().map((animation) => animation.finished)));
  const [view, slot] = [await inline.boundingBox(), await tab.page.locator("[data-concierge-slot]").boundingBox()];
  assert.deepEqual([view.x, view.y, view.width, Math.round(view.height)], [slot.x, slot.y, slot.width, slot.height], "it fills the slot, in the page's flow");
  await inline.locator(".close").press("Escape");
  assert.ok(await eventually(async () => (await heard(tab)).length == 1));
  assert.deepEqual(await heard(tab), [["action", "dismiss", "home"]], "its controls work in its own root");
  await tab.page.waitForTimeout(100);
  assert.deepEqual(await tab.page.locator("#after").boundingBox(), before);
  assert.deepEqual(await tab.page.evaluate(() => window.__shifts), [], "no layout shift");
  await tab.page.evaluate(() => window.__shell.placements.remove("home"));
  assert.equal(await tab.page.locator("[data-concierge-slot] > *").count(), 0, "removed from the slot");
  await closeClean(tab);
});

test("a slot missing from the page: nothing drawn and one warning, however often the view comes", async () => {
  const tab = await newTab(shared.browser);
  await openModules(tab, { body: SHOP });
  await render(tab, campaignView("home", "inline", { slot: 'home"] offer' }));
  await render(tab, campaignView("home", "inline", { slot: 'home"] offer' }));
  await tab.page.waitForTimeout(50);
  assert.equal(await campaign(tab, "home").count(), 0);
  assert.deepEqual(tab.warnings, ['[concierge] campaign home: this page has no [data-concierge-slot="home"] offer"]; not shown']);
  await closeClean(tab);
});

test("links go through the allowlist: a javascript: link is not drawn", async () => {
  const tab = await newTab(shared.browser);
  await openModules(tab, { body: SHOP });
  const actions = [
    { action: "follow", label: "Go", href: "javascript:alert(1)", close: false },
    { action: "dismiss", label: "Close", href: null, close: true },
  ];
  await render(tab, campaignView("sale", "bottom_bar", { actions }));
  assert.equal(await campaign(tab, "sale").locator("a").count(), 0);
  assert.deepEqual(tab.warnings, ["[concierge] link to javascript:alert(1) is not allowed (data-link-hosts); not shown"]);
  await closeClean(tab);
});

test("reduced motion: the views come without an entrance animation", async () => {
  const tab = await newTab(shared.browser);
  await tab.page.emulateMedia({ reducedMotion: "reduce" });
  await openModules(tab, { body: SHOP });
  await render(tab, campaignView("sale", "top_bar"));
  await render(tab, campaignView("exit-offer", "modal"));
  for (const id of ["sale", "exit-offer"]) {
    assert.equal(await campaign(tab, id).evaluate((view) => getComputedStyle(view).animationName), "none", id);
  }
  await closeClean(tab);
});

test("themeable: the shop's custom properties colour the bars", async () => {
  const tab = await newTab(shared.browser);
  await openModules(tab, { body: SHOP, setup: () => document.documentElement.style.setProperty("--concierge-bg", "rgb(1, 2, 3)") });
  await render(tab, campaignView("sale", "top_bar"));
  assert.equal(await campaign(tab, "sale").evaluate((view) => getComputedStyle(view).backgroundColor), "rgb(1, 2, 3)");
  await closeClean(tab);
});

test("an impression: half visible for one second without a break, once per display", async () => {
  const tab = await newTab(shared.browser, { clock: CLOCK });
  await openModules(tab, {
    body: `<main><h1>Test shop</h1><div id="spacer"></div><div data-concierge-slot="low"></div><div id="tail"></div></main>`,
    setup: () =>
      addEventListener("DOMContentLoaded", () => {
        document.getElementById("spacer").style.height = "2000px";
        document.querySelector("[data-concierge-slot]").style.height = "200px";
        document.getElementById("tail").style.height = "2000px";
      }),
  });
  await pauseClock(tab);
  const wait = async (ms) => {
    await frames();
    await tab.page.clock.runFor(ms);
  };
  await render(tab, campaignView("bar", "top_bar"));
  await wait(900);
  assert.deepEqual(await heard(tab), [], "not yet a second");
  await wait(200);
  assert.deepEqual(await heard(tab), [["seen", "bar"]]);
  await render(tab, campaignView("bar", "top_bar", { body: "New body" }));
  await wait(3000);
  assert.deepEqual(await heard(tab), [["seen", "bar"]], "drawn again, still one display");

  // An inline view below the fold: seen only once scrolled to, and only after a whole second.
  await render(tab, campaignView("low", "inline", { slot: "low" }));
  await wait(3000);
  assert.equal((await heard(tab)).length, 1, "out of view");
  const slot = tab.page.locator("[data-concierge-slot=low]");
  // The slot's top `shown` pixels at the bottom of the window: 60 of its 200 are 30%.
  const showTop = (shown) =>
    tab.page.evaluate((shown) => {
      const top = document.querySelector("[data-concierge-slot=low]").getBoundingClientRect().top + scrollY;
      scrollTo(0, top - innerHeight + shown);
    }, shown);
  await showTop(60);
  await wait(3000);
  assert.equal((await heard(tab)).length, 1, "30% visible is not seen");
  await showTop(140);
  await wait(1100);
  assert.deepEqual((await heard(tab)).at(-1), ["seen", "low"], "70% visible for a second is");
  await tab.page.evaluate(() => window.__shell.placements.remove("low"));
  await render(tab, campaignView("low", "inline", { slot: "low" }));
  await tab.page.evaluate(() => scrollTo(0, 0));
  await wait(3000);
  assert.equal((await heard(tab)).length, 2);
  await slot.scrollIntoViewIfNeeded();
  await wait(600);
  await tab.page.evaluate(() => scrollTo(0, 0));
  await wait(3000);
  assert.equal((await heard(tab)).length, 2, "scrolled away after 0.6 s: not seen");
  await slot.scrollIntoViewIfNeeded();
  await wait(1100);
  assert.deepEqual((await heard(tab)).at(-1), ["seen", "low"]);

  // Removed and drawn again: a new display.
  await tab.page.evaluate(() => window.__shell.placements.remove("bar"));
  await render(tab, campaignView("bar", "top_bar"));
  await wait(1100);
  assert.deepEqual((await heard(tab)).at(-1), ["seen", "bar"]);
  assert.equal((await heard(tab)).length, 4);
  await closeClean(tab);
});

test("without IntersectionObserver a view drawn on a visible page is seen after a second", async () => {
  const tab = await newTab(shared.browser, { clock: CLOCK });
  await openModules(tab, { body: SHOP, setup: () => delete window.IntersectionObserver });
  await pauseClock(tab);
  await render(tab, campaignView("sale", "corner_toast"));
  await tab.page.clock.runFor(900);
  assert.deepEqual(await heard(tab), []);
  await tab.page.clock.runFor(200);
  assert.deepEqual(await heard(tab), [["seen", "sale"]]);
  await closeClean(tab);
});

test("axe-core finds no violation in any placement", async () => {
  const tab = await newTab(shared.browser);
  await openModules(tab, { body: `<main><h1>Test shop</h1><div data-concierge-slot="s"></div></main>` });
  const found = {};
  for (const placement of ["top_bar", "bottom_bar", "corner_toast", "inline", "modal"]) {
    await render(tab, campaignView(placement, placement, { slot: "s" }));
    await tab.page.evaluate(AXE);
    found[placement] = await campaign(tab, placement).evaluate(async (view) => {
      await Promise.all(view.getAnimations().map((animation) => animation.finished));
      const result = await window.axe.run(view, { resultTypes: ["violations"] });
      return result.violations.map((v) => v.id);
    });
    await tab.page.evaluate((id) => window.__shell.placements.remove(id), placement);
  }
  assert.deepEqual(found, { top_bar: [], bottom_bar: [], corner_toast: [], inline: [], modal: [] });
  await closeClean(tab);
});
