// End to end: a marketer signs in to /admin/campaigns.html (one sign-in routes marketers and privacy officers to their page), reads the campaigns' status now, sees a problem at its line, previews placements in two languages with a hostile product name shown as text, publishes, reads the diff, and reads the campaigns' results from events agents sent.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, test } from "node:test";
import { STAFF_TOKEN, adminPage, caretLine, refusedSignIn, trustedTypesEnforced, unlabelledControls, useShop } from "./harness.mjs";

const MARKETER_TOKEN = "e2e-marketer-token";
const OFFICER_TOKEN = "e2e-privacy-token";
// The harness passes its environment on to the server it starts.
process.env.CONCIERGE_MARKETER_TOKEN_HASHES = createHash("sha256").update(MARKETER_TOKEN).digest("hex");
process.env.CONCIERGE_PRIVACY_TOKEN_HASHES = createHash("sha256").update(OFFICER_TOKEN).digest("hex");

const shop = useShop({ before, after });
const HOSTILE = "<img src=x onerror=alert(1)>";
// Before phone-trade-in's schedule (from 1 December 2026, Amsterdam time) starts.
const NOW = new Date("2026-11-20T12:00:00Z");

function marketerPage(time = NOW) {
  return adminPage(shop.browser, `${shop.url}/admin/campaigns.html`, { time });
}

async function signIn(page) {
  await page.fill("#admin-token", MARKETER_TOKEN);
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("campaigns-editor").value.includes('"campaigns"'));
  await page.locator("#campaign-list tbody tr").first().waitFor();
}

/** The 1-based line of the first line at or after `from` that contains `text`. */
function lineOf(text, needle, from = 0) {
  const lines = text.split("\n");
  const index = lines.findIndex((line, number) => number >= from && line.includes(needle));
  assert.ok(index >= 0, needle);
  return index + 1;
}

async function waitForValid(page) {
  await page.waitForFunction(() => document.querySelectorAll("#problems li").length === 0
    && /No problems/.test(document.getElementById("check-summary").textContent));
}

test("a marketer reads the campaigns' status, sees a problem at its line, previews placements, publishes and reads the diff", async () => {
  const { context, page, errors } = await marketerPage();
  await signIn(page);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("concierge-admin:token")), MARKETER_TOKEN);
  assert.equal(await page.evaluate(() => localStorage.length), 0, "nothing in localStorage");

  // The list: every published campaign with its status now, schedule, trigger, placement, rank, holdout and variants.
  const rows = page.locator("#campaign-list tbody tr");
  assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.campaign)),
    ["cart-recovery", "welcome-back", "cart-help", "phone-trade-in", "cart-fiber", "order-help"]);
  const states = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector(".campaign-state").dataset.state));
  assert.deepEqual(states, ["live", "live", "live", "scheduled", "live", "live"]);
  const tradeIn = page.locator('#campaign-list tr[data-campaign="phone-trade-in"]');
  assert.equal(await tradeIn.locator(".campaign-state").textContent(), "Scheduled");
  const schedule = await tradeIn.locator(".campaign-schedule").textContent();
  assert.match(schedule, /^Dec 1, 2026, 12:00\sAM to Jan 31, 2027, 11:59\sPM/);
  assert.match(schedule, /Europe\/Amsterdam/);
  assert.equal(await tradeIn.locator(".campaign-trigger").textContent(), "Page view (/product/, product)");
  assert.equal(await tradeIn.locator(".campaign-placement").textContent(), "Inline slot, slot “product-offer”");
  assert.equal(await tradeIn.locator(".campaign-rank").textContent(), "30 × 60 = 1,800");
  assert.equal(await tradeIn.locator(".campaign-holdout").textContent(), "10%");
  assert.equal(await tradeIn.locator(".campaign-variants").textContent(), "trade-in (75%), item-name (25%)");
  assert.equal(await page.locator('#campaign-list tr[data-campaign="cart-recovery"] .campaign-state').textContent(), "Live now");

  // A priority out of range: named with its path, its line marked in the editor.
  const published = JSON.parse(await page.inputValue("#campaigns-editor"));
  const broken = structuredClone(published);
  broken.campaigns[2].priority = 500;
  const brokenText = JSON.stringify(broken, null, 2);
  await page.fill("#campaigns-editor", brokenText);
  const priority = page.locator('#problems li[data-path="campaigns[2].priority"]');
  await priority.waitFor({ timeout: 5_000 });
  const priorityLine = lineOf(brokenText, '"priority": 500');
  assert.equal(Number(await priority.getAttribute("data-line")), priorityLine);
  const marked = page.locator("#editor-lines .problem-line");
  assert.equal(await marked.count(), 1);
  assert.equal(Number(await marked.getAttribute("data-line")), priorityLine);
  assert.equal(await page.getAttribute("#campaigns-editor", "aria-invalid"), "true");
  // The problem's button puts the caret on its line.
  await priority.locator("button").click();
  assert.equal(await caretLine(page, "campaigns-editor"), priorityLine);

  // A link to a host the settings do not list: refused at its line, and so in the preview.
  const offList = structuredClone(published);
  offList.campaigns[3].content.en.action.href = "https://evil.example/phones";
  const offListText = JSON.stringify(offList, null, 2);
  await page.fill("#campaigns-editor", offListText);
  const link = page.locator('#problems li[data-path="campaigns[3].content.en.action.href"]');
  await link.waitFor({ timeout: 5_000 });
  assert.equal(Number(await link.getAttribute("data-line")), lineOf(offListText, '"href": "https://evil.example/phones"'));

  // The preview of the edited campaign says which link the allowlist refuses.
  await page.selectOption("#preview-campaign", { label: "phone-trade-in" });
  assert.equal(await page.inputValue("#preview-placement"), "inline", "the campaign's own placement first");
  await page.selectOption("#preview-language", "en");
  const verdict = page.locator("#preview .preview-link-verdict");
  assert.equal(await verdict.getAttribute("data-allowed"), "false");
  assert.match(await verdict.textContent(), /https:\/\/evil\.example\/phones: refused/);

  // Mended: the preview in English and in German, the product name filled in and shown as text.
  await page.fill("#campaigns-editor", JSON.stringify(published, null, 2));
  await waitForValid(page);
  await page.selectOption("#preview-campaign", { label: "phone-trade-in" });
  await page.selectOption("#preview-variant", { label: "item-name" });
  await page.fill("#sample-item", HOSTILE);
  await page.selectOption("#preview-language", "en");
  const preview = page.locator("#preview .preview-page");
  assert.equal(await preview.getAttribute("data-placement"), "inline");
  assert.equal(await page.locator("#preview .preview-slot").getAttribute("data-slot"), "product-offer");
  assert.equal(await page.textContent("#preview .preview-message-title"), `Upgrading to the ${HOSTILE}?`);
  assert.equal(await verdict.getAttribute("data-allowed"), "true");
  assert.match(await verdict.textContent(), /\/\?category=phones: allowed/);
  await page.selectOption("#preview-placement", "modal");
  await page.selectOption("#preview-language", "de");
  assert.equal(await preview.getAttribute("data-placement"), "modal");
  assert.equal(await page.getAttribute("#preview .preview-message", "lang"), "de");
  assert.equal(await page.textContent("#preview .preview-message-title"), `Umstieg auf das ${HOSTILE}?`);
  assert.equal(await page.textContent("#preview .preview-message-action"), "Handys ansehen");
  assert.equal(await page.textContent("#preview .preview-message-close"), "Schließen");
  assert.equal(await page.locator("#preview img").count(), 0, "the product name stays text");
  // The cart's total in the visitor's own format, in a top bar, in Spanish.
  await page.selectOption("#preview-campaign", { label: "welcome-back" });
  assert.equal(await page.inputValue("#preview-placement"), "top_bar");
  await page.selectOption("#preview-variant", { label: "total" });
  await page.selectOption("#preview-language", "es");
  assert.match(await page.textContent("#preview .preview-message-body"), /Tu carrito de 249,90\s€ está guardado\. Indica K7M-4QP/);
  assert.equal(await page.textContent("#preview .preview-message-title"), "Hola de nuevo: te esperan 2 productos");

  // Publish a new version with welcome-back paused; the history names the marketer and the change.
  const next = structuredClone(published);
  next.version = published.version + 1;
  next.campaigns[1].status = "paused";
  await page.fill("#campaigns-editor", JSON.stringify(next, null, 2));
  await waitForValid(page);
  await page.locator("#publish").click();
  const entry = page.locator(`#history li.history-entry[data-version="${next.version}"]`);
  await entry.waitFor({ timeout: 5_000 });
  assert.match(await page.textContent("#publish-status"), new RegExp(`Version ${next.version} published`));
  const fingerprint = createHash("sha256").update(MARKETER_TOKEN).digest("hex").slice(0, 8);
  assert.match(await entry.locator(".history-meta").textContent(), new RegExp(`marketer \\(${fingerprint}\\)`));
  const change = entry.locator('tr[data-path="campaigns[1].status"]');
  assert.equal(await change.locator(".diff-before").textContent(), '"active"');
  assert.equal(await change.locator(".diff-after").textContent(), '"paused"');
  assert.equal(await entry.locator('tr[data-path="version"] .diff-after').textContent(), String(next.version));
  await page.waitForFunction(() =>
    document.querySelector('#campaign-list tr[data-campaign="welcome-back"] .campaign-state')?.dataset.state === "paused");
  assert.equal(await page.textContent('#campaign-list tr[data-campaign="welcome-back"] .campaign-state'), "Paused");
  const config = await (await fetch(`${shop.url}/v1/config?site=demo`)).json();
  assert.equal(config.documents.find((document) => document.kind === "campaigns").version, next.version);

  assert.equal(await page.evaluate(() => window.__alerts), 0);
  assert.deepEqual(await page.evaluate(() => window.__violations), [], "no CSP violation");
  assert.deepEqual(errors, []);
  await context.close();
});

test("the campaigns page runs under Trusted Types, and labels every control in each language", async () => {
  const { context, page, errors } = await marketerPage();
  assert.equal(await trustedTypesEnforced(page), true, "Trusted Types are enforced");
  await page.evaluate(() => { window.__violations = []; });
  await signIn(page);
  for (const [language, heading, live, placement] of [
    ["en", "Campaigns document", "Live now", "Corner toast (the campaign's)"],
    ["es", "Documento de campañas", "Activa ahora", "Aviso en la esquina (la de la campaña)"],
    ["nl", "Campagnedocument", "Nu actief", "Melding in de hoek (die van de campagne)"],
    ["de", "Kampagnendokument", "Jetzt aktiv", "Hinweis in der Ecke (die der Kampagne)"],
  ]) {
    await page.selectOption("#ui-language", language);
    assert.equal(await page.getAttribute("html", "lang"), language);
    assert.equal(await page.textContent("#editor-title"), heading);
    assert.equal(await page.textContent('#campaign-list tr[data-campaign="cart-recovery"] .campaign-state'), live);
    assert.equal(await page.textContent("#preview-placement option:checked"), placement);
    assert.deepEqual(await unlabelledControls(page), [], `${language}: every control has a name`);
  }
  // Keyboard: a campaign's Edit button puts the caret on the campaign in the document.
  await page.focus('#campaign-list tr[data-campaign="cart-help"] button:nth-of-type(1)');
  await page.keyboard.press("Enter");
  const edited = await page.evaluate(() => {
    const editor = document.getElementById("campaigns-editor");
    const before = editor.value.slice(0, editor.selectionStart);
    const rest = editor.value.slice(editor.selectionStart);
    return { focused: document.activeElement === editor, line: before.split("\n").length, campaign: rest.slice(0, rest.indexOf("\n    }")) };
  });
  assert.equal(edited.focused, true);
  assert.match(edited.campaign, /^\s*\{\n[\s\S]*"id": "cart-help"/);
  assert.doesNotMatch(edited.campaign, /"id": "welcome-back"/, "the caret is on cart-help's own object");
  // Keyboard: a campaign's Preview button is reached and pressed without a pointer.
  await page.focus('#campaign-list tr[data-campaign="cart-help"] button:nth-of-type(2)');
  await page.keyboard.press("Enter");
  assert.equal(await page.textContent("#preview-campaign option:checked"), "cart-help");
  assert.equal(await page.evaluate(() => document.activeElement.id), "preview-panel");
  assert.equal(await page.inputValue("#preview-placement"), "modal");
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test("one sign-in opens the page the token's role may use", async () => {
  // A marketer signing in on the privacy admin lands on the campaigns.
  const { context, page, errors } = await adminPage(shop.browser, `${shop.url}/admin/`, { time: NOW });
  await page.fill("#admin-token", MARKETER_TOKEN);
  await page.keyboard.press("Enter");
  await page.waitForURL(`${shop.url}/admin/campaigns.html`);
  await page.locator('#campaign-list tr[data-campaign="cart-help"]').waitFor();
  assert.equal(await page.isVisible("#sign-in"), false);
  // Signed out, a privacy officer signing in here lands on the privacy admin.
  await page.locator("#sign-out").click();
  await page.fill("#admin-token", OFFICER_TOKEN);
  await page.keyboard.press("Enter");
  await page.waitForURL(`${shop.url}/admin/`);
  await page.waitForFunction(() => document.getElementById("policy-editor").value.includes('"purposes"'));
  assert.equal(await page.evaluate(() => sessionStorage.getItem("concierge-admin:token")), OFFICER_TOKEN);
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a staff token opens neither admin page", async () => {
  const { context, page } = await marketerPage();
  await refusedSignIn(page, STAFF_TOKEN, /neither/);
  await context.close();
});

test("a wrong token keeps the campaigns closed", async () => {
  const { context, page } = await marketerPage();
  await refusedSignIn(page, "not-the-token", /not accepted/);
  await context.close();
});

test("a schedule's local times are read in its time zone: phone-trade-in runs from midnight to 23:59 in Amsterdam", async () => {
  // 2026-12-01T00:00 in Amsterdam (UTC+1 in winter) is 23:00 UTC the day before; 2027-01-31T23:59 is 22:59 UTC.
  for (const [time, expected] of [
    ["2026-11-30T22:59:59Z", "scheduled"],
    ["2026-11-30T23:00:00Z", "live"],
    ["2027-01-31T22:58:59Z", "live"],
    ["2027-01-31T22:59:00Z", "ended"],
  ]) {
    const { context, page } = await marketerPage(new Date(time));
    await signIn(page);
    const state = await page.getAttribute('#campaign-list tr[data-campaign="phone-trade-in"] .campaign-state', "data-state");
    assert.equal(state, expected, time);
    await context.close();
  }
});

// --- results: campaign events sent as an agent sends them, then read on the page -----------------

const RESULTS_SITE = "results-shop";
const axe = await import("axe-core").then((module) => module.default ?? module).catch(() => null);
const AT = Date.parse("2026-11-18T10:00:00Z");
let sent = 0;

/** One visitor's batch as the agent writes it: measurement granted, then `events` (`[variant, bucket, event]`). */
async function sendVisitor(events) {
  sent += 1;
  const id = (prefix) => `${prefix}_${String(sent).padStart(4, "0")}_${Math.random().toString(36).slice(2, 12)}`;
  const measures = events.map(([variant, bucket, event], index) => {
    const measure = { id: id("evt"), name: "campaign", at: AT + index + 1, campaign: "welcome-back", bucket, event };
    if (variant) measure.variant = variant;
    if (event === "conversion") measure.value = 30;
    return measure;
  });
  const batch = {
    v: 1, site: RESULTS_SITE, visitor_id: id("vis"), secret: id("secret_for"), batch_key: id("batch"),
    events: [{ id: id("evt"), name: "consent", at: AT, consent: { storage: "granted", analytics: "granted" } }, ...measures],
  };
  const response = await fetch(`${shop.url}/v1/events`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(batch) });
  assert.equal(response.status, 200, await response.clone().text());
  assert.equal((await response.json()).accepted, measures.length + 1);
}

test("a marketer reads a campaign's results against its holdout, in a table, a summary and a chart", async () => {
  // Variant code: 4 visitors, 3 converted; variant total: 4 visitors, 1 converted; holdout: 4, 1.
  await sendVisitor([["code", "treatment", "impression"], ["code", "treatment", "click"], ["code", "treatment", "conversion"]]);
  await sendVisitor([["code", "treatment", "impression"], ["code", "treatment", "click"], ["code", "treatment", "conversion"]]);
  await sendVisitor([["code", "treatment", "impression"], ["code", "treatment", "dismiss"], ["code", "treatment", "conversion"]]);
  await sendVisitor([["code", "treatment", "impression"]]);
  await sendVisitor([["total", "treatment", "impression"], ["total", "treatment", "impression"], ["total", "treatment", "click"]]);
  await sendVisitor([["total", "treatment", "impression"], ["total", "treatment", "dismiss"]]);
  await sendVisitor([["total", "treatment", "impression"], ["total", "treatment", "dismiss"]]);
  await sendVisitor([["total", "treatment", "impression"], ["total", "treatment", "conversion"], ["total", "treatment", "conversion"]]);
  await sendVisitor([[null, "holdout", "holdout"], [null, "holdout", "conversion"]]);
  for (let n = 0; n < 3; n++) await sendVisitor([[null, "holdout", "holdout"]]);

  const { context, page, errors } = await marketerPage();
  await signIn(page);
  await page.fill("#site-id", RESULTS_SITE);
  await page.locator("#site-form button").click();
  const result = page.locator('#campaign-results section[data-campaign="welcome-back"]');
  await result.waitFor({ timeout: 5_000 });
  assert.equal(await page.textContent("#results-status"), "Campaigns with results: 1.");
  assert.equal(await result.locator("caption").textContent(), "Results of welcome-back");
  const cells = await result.locator("tbody tr").evaluateAll((rows) =>
    rows.map((row) => [row.dataset.variant, ...[...row.cells].map((cell) => cell.textContent)]));
  assert.deepEqual(cells, [
    ["code", "Variant code", "4", "2", "1", "3", "90", "4", "3", "75.0%", "+50 points (-10 points to +100 points)"],
    ["total", "Variant total", "5", "1", "2", "2", "60", "4", "1", "25.0%", "0 points (-60 points to +60 points)"],
    ["holdout", "Holdout (saw nothing)", "—", "—", "—", "1", "30", "4", "1", "25.0%", "—"],
  ]);
  // Row headers for screen readers; the figures as the API computed them (hand-checked in the server's tests).
  assert.equal(await result.locator('tbody th[scope="row"]').count(), 3);
  const summary = await result.locator(".result-summary").textContent();
  assert.equal(summary, "Treated visitors converted at 50.0% (4 of 8), the holdout at 25.0% (1 of 4). "
    + "Absolute uplift: +25 points (-29.8 points to +79.8 points). "
    + "The interval includes 0: the effect is not yet told apart from chance. "
    + "Relative uplift: +100% (-68% to +1,151%).");
  // The chart: one labelled bar per group, named for assistive technology.
  const chart = result.locator(".result-chart svg");
  assert.equal(await chart.getAttribute("role"), "img");
  assert.match(await chart.locator("title").textContent(), /^Conversion rate by group, welcome-back: Variant code: 75\.0%; Variant total: 25\.0%; Holdout \(saw nothing\): 25\.0%$/);
  assert.equal(await chart.locator("rect.bar").count(), 3);
  assert.equal(await result.locator(".result-warning").count(), 0, "no published document: nothing to disagree with");

  // In German, the same figures in German words and numbers.
  await page.selectOption("#ui-language", "de");
  assert.equal(await result.locator("caption").textContent(), "Ergebnisse von welcome-back");
  assert.equal(await result.locator('tbody tr[data-variant="code"] td:nth-of-type(9)').textContent(), "+50 Prozentpunkte (-10 Prozentpunkte bis +100 Prozentpunkte)");
  assert.deepEqual(await unlabelledControls(page), [], "every control has a name");
  await page.selectOption("#ui-language", "en");

  // axe-core over the page with the results drawn, in each language (when installed).
  if (axe) {
    // Evaluated through the DevTools protocol: no script element, so the page's CSP stays whole.
    await page.evaluate(axe.source);
    for (const language of ["en", "es", "nl", "de"]) {
      await page.selectOption("#ui-language", language);
      const audit = await page.evaluate(() => window.axe.run(document.getElementById("campaign-results").closest("section"), { resultTypes: ["violations"] }));
      const violations = audit.violations.map((v) => `${v.id}: ${v.nodes.map((node) => node.target.join(" ")).join(", ")}`);
      assert.deepEqual(violations, [], language);
    }
    await page.selectOption("#ui-language", "en");
  }

  // A period after the events: nothing measured.
  await page.fill("#results-from", "2026-11-19");
  await page.locator("#results-form button").click();
  await page.waitForFunction(() => document.getElementById("results-status").textContent === "No campaign has measured anything in this period.");
  assert.equal(await page.locator("#campaign-results section").count(), 0);
  // A period that holds them: back.
  await page.fill("#results-from", "2026-11-18");
  await page.fill("#results-to", "2026-11-18");
  await page.locator("#results-form button").click();
  await result.waitFor({ timeout: 5_000 });

  assert.equal(await page.evaluate(() => window.__alerts), 0);
  assert.deepEqual(await page.evaluate(() => window.__violations), [], "no CSP or Trusted Types violation");
  assert.deepEqual(errors, []);
  await context.close();
});
