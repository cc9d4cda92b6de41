// Browser tests: the consent dialog, the preferences panel and the "Privacy choices" control,
// by keyboard and pointer, in every language, checked by axe-core, under the strict CSP.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { SETTINGS, call, closeClean, eventually, newTab, open, startAgent, stopAgent, stored, storedKeys, texts, useBrowser, view } from "./page.mjs";

const shared = useBrowser({ before, after });
const AXE = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** What has focus: inside the agent's shadow root, the control's text (or its switch's name),
 * else the page element's id or tag. */
function focused(tab) {
  return tab.page.evaluate(() => {
    const active = document.activeElement;
    if (active && active.id === "concierge-root") {
      const inner = active.shadowRoot.activeElement;
      return inner ? (inner.name ? "switch " + inner.name : inner.textContent) : "root";
    }
    return active ? active.id || active.tagName.toLowerCase() : null;
  });
}

/** Waits until the focus is on `expected` (as `focused` names it): a modal view takes it once
 * its first frame is drawn. */
async function focusOn(tab, expected, message) {
  if (!(await eventually(async () => (await focused(tab)) === expected))) assert.equal(await focused(tab), expected, message);
}

async function pressTimes(tab, key, times) {
  const seen = [];
  for (let i = 0; i < times; i++) {
    await tab.page.keyboard.press(key);
    seen.push(await focused(tab));
  }
  return seen;
}

/** The outline of what has focus inside the agent's shadow root: visible focus. */
function focusOutline(tab) {
  return tab.page.evaluate(() => {
    const style = getComputedStyle(document.getElementById("concierge-root").shadowRoot.activeElement);
    return style.outlineStyle + " " + style.outlineWidth;
  });
}

/** A button of the shop's own, focused, for focus to come back to. */
async function focusPageButton(tab) {
  await tab.page.evaluate(() => {
    const button = document.createElement("button");
    button.id = "shop-button";
    button.textContent = "Shop";
    document.querySelector("main").append(button);
    button.focus();
  });
}

const GPC = () => Object.defineProperty(navigator, "globalPrivacyControl", { value: true });

test("the dialog by keyboard: focus moves in, Tab and Shift+Tab cycle, Escape closes it unanswered", async () => {
  const tab = await newTab(shared.browser);
  await open(tab);
  const dialog = view(tab, "consent");
  assert.equal(await dialog.getAttribute("role"), "dialog");
  assert.equal(await dialog.getAttribute("aria-modal"), "true");
  const title = await dialog.locator(".title").getAttribute("id");
  const body = await dialog.locator(".body").getAttribute("id");
  assert.equal(await dialog.getAttribute("aria-labelledby"), title);
  assert.equal(await dialog.getAttribute("aria-describedby"), body);
  assert.deepEqual(await texts(dialog, "button"), ["Accept all", "Reject all", "Choose"]);
  // Accepting and rejecting look the same: same class, same size.
  const boxes = await Promise.all(["accept", "reject"].map((name) => dialog.locator(`[data-action=${name}]`).evaluate((b) => [b.className, b.offsetWidth, b.offsetHeight])));
  assert.deepEqual(boxes[0], boxes[1]);
  assert.equal(await dialog.locator("a.link").getAttribute("href"), "https://shop.test/privacy/");

  await focusOn(tab, "Accept all", "focus moved into the dialog");
  assert.deepEqual(await pressTimes(tab, "Tab", 4), ["Reject all", "Choose", "Privacy policy", "Accept all"]);
  assert.equal(await focusOutline(tab), "solid 3px", "visible focus");
  assert.deepEqual(await pressTimes(tab, "Shift+Tab", 2), ["Privacy policy", "Choose"]);

  await tab.page.keyboard.press("Escape");
  assert.equal(await dialog.count(), 0, "closed");
  assert.deepEqual(await storedKeys(tab), [], "no choice stored");
  assert.deepEqual(tab.receipts, [], "no receipt");
  assert.equal(await focused(tab), "body", "focus back where it was");

  // With reduced motion asked for, the dialog appears without its entrance animation.
  await tab.page.emulateMedia({ reducedMotion: "reduce" });

  await open(tab);
  assert.equal(await view(tab, "consent").count(), 1, "asked again on the next page");
  assert.equal(await view(tab, "consent").evaluate((dialog) => dialog.getAnimations().length), 0);
  await closeClean(tab);
});

test("the dialog is modal for the pointer too: a click beside it reaches not the page but closes it unanswered", async () => {
  const tab = await newTab(shared.browser);
  await open(tab);
  await tab.page.evaluate(() => {
    window.__pageClicks = 0;
    document.addEventListener("click", (event) => {
      if (event.target.id !== "concierge-root") window.__pageClicks++;
    });
  });
  const dialog = view(tab, "consent");
  assert.equal(await dialog.count(), 1);
  const control = tab.page.locator("#concierge-root .concierge-control");
  assert.equal(await control.isVisible(), false, "the control waits under the backdrop");
  // The page's heading, top left, far from the dialog in the corner.
  await tab.page.mouse.click(12, 12);
  assert.equal(await tab.page.evaluate(() => window.__pageClicks), 0, "the page behind got no click");
  assert.equal(await dialog.count(), 0, "closed");
  assert.deepEqual(await storedKeys(tab), [], "no choice stored");
  assert.deepEqual(tab.receipts, [], "no receipt");
  assert.equal(await control.isVisible(), true, "the control is back");
  // With the dialog gone, the page has its clicks back.
  await tab.page.mouse.click(12, 12);
  assert.equal(await tab.page.evaluate(() => window.__pageClicks), 1);
  await closeClean(tab);
});

test("the panel by keyboard: Choose, switches with Space, Save as one choice from the panel, focus restored", async () => {
  const tab = await newTab(shared.browser);
  await open(tab);
  await focusOn(tab, "Accept all");
  await tab.page.keyboard.press("Tab");
  await tab.page.keyboard.press("Tab");
  assert.equal(await focused(tab), "Choose");
  await tab.page.keyboard.press("Enter");
  assert.equal(await view(tab, "consent").count(), 0);
  const panel = view(tab, "panel");
  assert.equal(await panel.getAttribute("role"), "dialog");
  assert.equal(await panel.getAttribute("aria-modal"), "true");
  assert.deepEqual(await texts(panel, ".purpose"), ["Strictly necessary", "Measurement", "Personalization", "Marketing"]);
  assert.deepEqual(await texts(panel, "button"), ["Accept all", "Reject all", "Save choices"]);
  const necessary = panel.locator("input[name=necessary]");
  assert.equal(await necessary.getAttribute("role"), "switch");
  assert.ok((await necessary.isChecked()) && (await necessary.isDisabled()), "always on, disabled");
  assert.match(await panel.locator(".row").first().textContent(), /Always on/);
  // Focus starts on the first switch that can change; the disabled one is skipped.
  await focusOn(tab, "switch measurement");
  await tab.page.keyboard.press("Space");
  assert.equal(await focusOutline(tab), "solid 3px", "visible focus on a switch");
  assert.deepEqual(await pressTimes(tab, "Tab", 3), ["switch personalization", "switch marketing", "Accept all"]);
  assert.deepEqual(await pressTimes(tab, "Shift+Tab", 4), ["switch marketing", "switch personalization", "switch measurement", "Privacy policy"]);
  await tab.page.keyboard.press("Shift+Tab");
  assert.equal(await focused(tab), "Save choices", "Shift+Tab from the first control wraps to the last");
  await tab.page.keyboard.press("Enter");

  assert.equal(await panel.count(), 0, "closed on save");
  const consent = await stored(tab, "consent");
  assert.deepEqual(consent.purposes, { measurement: "granted", personalization: "denied", marketing: "denied" });
  assert.equal(consent.source, "panel");
  await eventually(() => tab.receipts.length === 1);
  assert.equal(tab.receipts[0].source, "panel");
  assert.deepEqual(tab.receipts[0].choices, { necessary: "granted", measurement: "granted", personalization: "denied", marketing: "denied" });

  // Opened again from the page: it shows the choice in force, and Escape gives focus back.
  await focusPageButton(tab);
  await call(tab, "consent", "open");
  assert.deepEqual(await panel.locator("input").evaluateAll((inputs) => inputs.map((i) => i.checked)), [true, true, false, false]);
  await focusOn(tab, "switch measurement");
  await tab.page.keyboard.press("Escape");
  assert.equal(await panel.count(), 0);
  assert.equal(await focused(tab), "shop-button", "focus restored to where it was");
  assert.equal(tab.receipts.length, 1, "Escape is no choice");
  await closeClean(tab);
});

/** In the page: every `consent` and `cart` listener call from now on, in order, as
 * `["consent", source]` or `["cart", item count]` (the calls made at once, on listening, left out). */
function listenInOrder(tab) {
  return tab.page.evaluate(() => {
    window.__told = [];
    for (const topic of ["consent", "cart"]) {
      let first = true;
      window.concierge("on", topic, (state) => {
        if (!first) window.__told.push(topic == "consent" ? [topic, state.source] : [topic, state.item_count]);
      });
      first = false;
    }
  });
}

test('"Accept all" takes the dialog away in the click\'s own task; the agent has the choice after the next frame, and a call the page makes before that comes after it', async () => {
  const tab = await newTab(shared.browser);
  await open(tab);
  await listenInOrder(tab);
  const seen = await tab.page.evaluate(
    () =>
      new Promise((done) => {
        const shadow = document.getElementById("concierge-root").shadowRoot;
        shadow.querySelector("[data-view=consent] [data-action=accept]").click();
        const inTheClicksTask = { dialogs: shadow.querySelectorAll("[data-view=consent]").length, told: window.__told.slice() };
        requestAnimationFrame(() => {
          const inTheNextFrame = window.__told.slice();
          setTimeout(() => done({ inTheClicksTask, inTheNextFrame, after: window.__told.slice() }), 50);
        });
      }),
  );
  assert.deepEqual(seen.inTheClicksTask, { dialogs: 0, told: [] }, "gone at once, the agent not yet told");
  assert.deepEqual(seen.inTheNextFrame, [], "not before the next frame is drawn");
  assert.deepEqual(seen.after.filter(([topic]) => topic == "consent"), [["consent", "dialog"]], "told after it");
  assert.equal((await stored(tab, "consent")).source, "dialog");
  await eventually(() => tab.receipts.length === 1);

  // A page call in the click's task: the choice is made first, so the cart it fills is kept.
  await open(tab);
  await call(tab, "consent", "open");
  await listenInOrder(tab);
  await tab.page.evaluate(
    ({ item }) => {
      document.getElementById("concierge-root").shadowRoot.querySelector("[data-view=panel] [data-action=reject]").click();
      window.concierge("track", "add_to_cart", { currency: "EUR", value: 10, items: [item] });
    },
    { item: { item_id: "p", item_name: "Aurora X1", price: 10, quantity: 1 } },
  );
  // (A choice also tells the cart's listeners, its code changing with what consent allows.)
  const told = await tab.page.evaluate(() => window.__told);
  assert.deepEqual(told.filter(([topic, value]) => topic == "consent" || value == 1), [["consent", "panel"], ["cart", 1]], "the choice, then the call");
  assert.equal((await stored(tab, "consent")).source, "panel");
  await closeClean(tab);
});

test("a consent listener that stops the agent when told of the choice, told by a page call in the click's task: nothing reaches the page", async () => {
  const tab = await newTab(shared.browser);
  await open(tab);
  const thrown = await tab.page.evaluate(async () => {
    const agent = await import("/concierge/pkg/concierge.js");
    let first = true;
    window.concierge("on", "consent", () => first || agent.stop());
    first = false;
    document.getElementById("concierge-root").shadowRoot.querySelector("[data-view=consent] [data-action=accept]").click();
    try {
      window.concierge("track", "add_to_cart", { currency: "EUR", value: 10, items: [{ item_id: "p", item_name: "Aurora X1", price: 10, quantity: 1 }] });
      return null;
    } catch (error) {
      return String(error);
    }
  });
  assert.equal(thrown, null, "the page's call returned");
  assert.equal(await tab.page.evaluate(() => document.getElementById("concierge-root")), null, "the agent stopped");
  assert.deepEqual(tab.errors, []);
  await closeClean(tab);
});

test("a consent listener that stops the agent when told of the choice: the choice is still stored, with its receipt", async () => {
  const tab = await newTab(shared.browser);
  await open(tab);
  const kept = await tab.page.evaluate(async () => {
    const agent = await import("/concierge/pkg/concierge.js");
    const stopped = new Promise((resolve) => {
      let first = true;
      window.concierge("on", "consent", () => {
        if (first) return;
        agent.stop();
        resolve();
      });
      first = false;
    });
    document.getElementById("concierge-root").shadowRoot.querySelector("[data-view=consent] [data-action=accept]").click();
    await stopped;
    // Read in the listener's own task: what the stop wrote, not a later write.
    const receipts = Object.keys(localStorage).filter((key) => key.startsWith("concierge:test:receipt:"));
    return { consent: JSON.parse(localStorage.getItem("concierge:test:consent")), receipts };
  });
  assert.equal(kept.consent && kept.consent.source, "dialog", "the choice is stored");
  assert.deepEqual(Object.values(kept.consent.purposes), ["granted", "granted", "granted"], "as accepted");
  // A stopped agent sends nothing more: the receipt waits on the device for the next start.
  assert.deepEqual(kept.receipts, [`concierge:test:receipt:${kept.consent.receipt}`], "its receipt kept to be sent");
  assert.deepEqual(tab.errors, []);
  await closeClean(tab);
});

test("a consent choice the page is left or the agent stopped right after is still kept, with its receipt", async () => {
  for (const leave of ["pagehide", "stop"]) {
    const tab = await newTab(shared.browser);
    await open(tab);
    // Read in the same task: the choice would otherwise be told after the next frame anyway.
    const consent = JSON.parse(
      await tab.page.evaluate(async (leave) => {
        const agent = await import("/concierge/pkg/concierge.js");
        document.getElementById("concierge-root").shadowRoot.querySelector("[data-view=consent] [data-action=reject]").click();
        if (leave == "stop") agent.stop();
        else dispatchEvent(new PageTransitionEvent("pagehide", { persisted: false }));
        return localStorage.getItem("concierge:test:consent");
      }, leave),
    );
    assert.equal(consent && consent.source, "dialog", `${leave}: the choice is stored at once`);
    assert.deepEqual(Object.values(consent.purposes), ["denied", "denied", "denied"], `${leave}: as rejected`);
    assert.ok(await eventually(() => tab.receipts.length === 1), `${leave}: its receipt sent`);
    await closeClean(tab);
  }
});

test("a denial by the browser's Global Privacy Control is shown as such", async () => {
  const tab = await newTab(shared.browser);
  await open(tab, { setup: GPC });
  await call(tab, "consent", "open");
  const rows = view(tab, "panel").locator(".row");
  // The first panel of a page may wait for its lazy module (src/web/modules.js).
  await rows.first().waitFor();
  assert.equal(await rows.count(), 4);
  assert.equal(await rows.nth(3).locator("input").isChecked(), false);
  assert.match(await rows.nth(3).textContent(), /Set by your browser's Global Privacy Control/);
  assert.doesNotMatch(await rows.nth(1).textContent(), /Global Privacy Control/);
  await closeClean(tab);
});

test("the Privacy choices control: a corner button, the shop's slot, or none with data-consent-control=off", async () => {
  const tab = await newTab(shared.browser);
  await open(tab);
  const corner = tab.page.locator("#concierge-root button.concierge-control");
  assert.equal(await corner.textContent(), "Privacy choices");
  await view(tab, "consent").locator("[data-action=reject]").click();
  await corner.click();
  assert.equal(await view(tab, "panel").count(), 1, "it opens the panel");
  await focusOn(tab, "switch measurement");
  await tab.page.keyboard.press("Escape");
  assert.equal(await focused(tab), "Privacy choices", "focus back on the control");

  // The shop's slot takes it instead of the corner.
  await stopAgent(tab);
  await tab.page.evaluate(() => {
    const slot = document.createElement("footer");
    slot.setAttribute("data-concierge-consent", "");
    document.body.append(slot);
  });
  await startAgent(tab);
  const slotted = tab.page.locator("[data-concierge-consent] button");
  assert.equal(await slotted.textContent(), "Privacy choices");
  assert.equal(await corner.count(), 0);
  await slotted.click();
  assert.equal(await view(tab, "panel").count(), 1);

  await stopAgent(tab);
  assert.equal(await slotted.count(), 0, "stop() removes it from the slot");
  await startAgent(tab, { ...SETTINGS, consentControl: "off" });
  assert.equal(await slotted.count(), 0);
  assert.equal(await corner.count(), 0);
  await closeClean(tab);
});

const LANGUAGES = [
  { lang: "en", choose: "Choose", purposes: ["Strictly necessary", "Measurement", "Personalization", "Marketing"], save: "Save choices", always: "Always on", gpc: "Set by your browser's Global Privacy Control", link: "Privacy policy", control: "Privacy choices" },
  { lang: "es", choose: "Elegir", purposes: ["Estrictamente necesarias", "Medición", "Personalización", "Marketing"], save: "Guardar opciones", always: "Siempre activo", gpc: "Lo ha fijado el Global Privacy Control de tu navegador", link: "Política de privacidad", control: "Opciones de privacidad" },
  { lang: "nl", choose: "Kiezen", purposes: ["Strikt noodzakelijk", "Meting", "Personalisatie", "Marketing"], save: "Keuzes opslaan", always: "Altijd aan", gpc: "Ingesteld door Global Privacy Control van je browser", link: "Privacybeleid", control: "Privacykeuzes" },
  { lang: "de", choose: "Auswählen", purposes: ["Unbedingt erforderlich", "Messung", "Personalisierung", "Marketing"], save: "Auswahl speichern", always: "Immer aktiv", gpc: "Von der Global Privacy Control Ihres Browsers gesetzt", link: "Datenschutzerklärung", control: "Datenschutzeinstellungen" },
];

/** axe-core's violations for the agent's view of `kind`, injected by evaluate: the page's CSP
 * governs the page's own scripts, not the test driver's evaluation. */
async function violations(tab, kind) {
  await tab.page.evaluate(AXE);
  return tab.page.evaluate(async (kind) => {
    const root = document.getElementById("concierge-root").shadowRoot.querySelector(`[data-view=${kind}]`);
    // Measured once the entrance has faded in, as the visitor reads it.
    await Promise.all(root.getAnimations().map((animation) => animation.finished));
    const result = await window.axe.run(root, { resultTypes: ["violations"] });
    return result.violations.map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", "));
  }, kind);
}

for (const { lang, choose, purposes, save, always, gpc, link, control } of LANGUAGES) {
  test(`the dialog and the panel speak ${lang} and axe-core finds no violation in them`, async () => {
    const tab = await newTab(shared.browser);
    await open(tab, { settings: { ...SETTINGS, locale: lang }, setup: GPC });
    const dialog = view(tab, "consent");
    assert.equal(await dialog.getAttribute("lang"), lang);
    assert.equal(await dialog.locator("[data-action=choose]").textContent(), choose);
    assert.equal(await dialog.locator("a.link").textContent(), link);
    assert.equal(await tab.page.locator("#concierge-root button.concierge-control").textContent(), control);
    assert.deepEqual(await violations(tab, "consent"), []);

    await dialog.locator("[data-action=choose]").click();
    const panel = view(tab, "panel");
    assert.equal(await panel.getAttribute("lang"), lang);
    assert.deepEqual(await texts(panel, ".purpose"), purposes);
    assert.equal(await panel.locator("[data-action=save]").textContent(), save);
    assert.equal(await panel.locator(".note").first().textContent(), always);
    assert.equal(await panel.locator(".note").last().textContent(), gpc);
    assert.deepEqual(await violations(tab, "panel"), []);
    assert.deepEqual(tab.errors, []);
    await closeClean(tab);
  });
}
