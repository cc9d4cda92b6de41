// End to end: the privacy officer signs in to /admin/, sees a problem at its line, publishes a new policy version, reads its diff, sees the consent chart and downloads the receipts.

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { adminPage, agentReady, caretLine, refusedSignIn, trustedTypesEnforced, unlabelledControls, useShop, visitor } from "./harness.mjs";

const ADMIN_TOKEN = "e2e-privacy-token";
// The harness passes its environment on to the server it starts.
process.env.CONCIERGE_PRIVACY_TOKEN_HASHES = createHash("sha256").update(ADMIN_TOKEN).digest("hex");

const shop = useShop({ before, after });
// axe-core comes with the consent dialog's tests (package.json of the agent's branch); until
// then the accessibility audit below is skipped, saying so.
const axe = await import("axe-core").then((module) => module.default ?? module).catch(() => null);
const DAY = 24 * 60 * 60 * 1000;

function receiptId() {
  return "r_" + randomBytes(16).toString("base64url").slice(0, 22);
}

/** Receipts as agents send them: today and yesterday, with known choices. */
async function sendReceipts() {
  const sent = [];
  const now = Date.now();
  const choices = [
    [now, { necessary: "granted", marketing: "granted", measurement: "granted" }],
    [now, { necessary: "granted", marketing: "denied", measurement: "granted" }],
    [now - DAY, { necessary: "granted", marketing: "denied", measurement: "denied" }],
  ];
  for (const [at, choice] of choices) {
    const receipt = { site: "demo", receipt: receiptId(), visitor: null, policy: 1, at, region: "DE", source: "dialog", choices: choice };
    const response = await fetch(`${shop.url}/v1/consent/receipts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(receipt),
    });
    assert.equal(response.status, 202, await response.text());
    sent.push(receipt);
  }
  return sent;
}

function officerPage() {
  return adminPage(shop.browser, `${shop.url}/admin/`, { acceptDownloads: true });
}

async function signIn(page) {
  await page.fill("#admin-token", ADMIN_TOKEN);
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("policy-editor").value.includes('"purposes"'));
}

test("the officer sees a problem at its line, publishes, reads the diff, the chart and the exports", async () => {
  const receipts = await sendReceipts();
  const { context, page, errors } = await officerPage();
  await signIn(page);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("concierge-admin:token")), ADMIN_TOKEN);
  assert.equal(await page.evaluate(() => localStorage.length), 0, "nothing in localStorage");

  // A missing translation: named with its path, its object's line marked in the editor.
  const published = JSON.parse(await page.inputValue("#policy-editor"));
  const broken = structuredClone(published);
  delete broken.purposes[1].descriptions.de;
  await page.fill("#policy-editor", JSON.stringify(broken, null, 2));
  const problem = page.locator('#problems li[data-path="purposes[1].descriptions.de"]');
  await problem.waitFor({ timeout: 5_000 });
  const line = Number(await problem.getAttribute("data-line"));
  const marked = page.locator("#editor-lines .problem-line");
  assert.equal(await marked.count(), 1);
  assert.equal(Number(await marked.getAttribute("data-line")), line);
  assert.match(await marked.textContent(), /"descriptions"/);
  const brokenLines = JSON.stringify(broken, null, 2).split("\n");
  // Each purpose has one "descriptions"; the second after "purposes" is purposes[1]'s.
  const purposesLine = brokenLines.findIndex((text) => text.includes('"purposes"'));
  const descriptionLines = brokenLines
    .map((text, index) => (index > purposesLine && text.includes('"descriptions"') ? index + 1 : 0))
    .filter(Boolean);
  const expectedLine = descriptionLines[1];
  assert.equal(line, expectedLine, "the line of purposes[1].descriptions");
  assert.equal(await page.getAttribute("#policy-editor", "aria-invalid"), "true");
  // The problem's button puts the caret on that line.
  await problem.locator("button").click();
  assert.equal(await caretLine(page, "policy-editor"), line);

  // Fixed, renamed and raised: valid, then published.
  const next = structuredClone(published);
  next.version = published.version + 1;
  next.purposes[0].names.en = "Keep your cart, safely";
  await page.fill("#policy-editor", JSON.stringify(next, null, 2));
  await page.waitForFunction(() => document.querySelectorAll("#problems li").length === 0
    && /No problems/.test(document.getElementById("check-summary").textContent));
  await page.locator("#publish").click();
  const entry = page.locator(`#history li.history-entry[data-version="${next.version}"]`);
  await entry.waitFor({ timeout: 5_000 });
  assert.equal(await page.locator("#history li.history-entry").first().getAttribute("data-version"), String(next.version));
  const fingerprint = createHash("sha256").update(ADMIN_TOKEN).digest("hex").slice(0, 8);
  assert.match(await entry.locator(".history-meta").textContent(), new RegExp(`privacy officer \\(${fingerprint}\\)`));
  const renamed = entry.locator('tr[data-path="purposes[0].names.en"]');
  assert.equal(await renamed.locator(".diff-before").textContent(), JSON.stringify(published.purposes[0].names.en));
  assert.equal(await renamed.locator(".diff-after").textContent(), '"Keep your cart, safely"');
  assert.equal(await entry.locator('tr[data-path="version"] .diff-after').textContent(), String(next.version));
  assert.match(await page.textContent("#publish-status"), new RegExp(`Version ${next.version} published`));
  // The agent's config serves the new version.
  const config = await (await fetch(`${shop.url}/v1/config?site=demo`)).json();
  assert.equal(config.documents.find((document) => document.kind === "policy").version, next.version);
  // A visitor's next page view follows it: the preferences panel names the purpose anew.
  const shopper = await visitor(shop.browser);
  await shopper.page.goto(`${shop.url}/`);
  await agentReady(shopper.page);
  await shopper.page.evaluate(() => window.concierge("consent", "open"));
  await shopper.page.locator("[data-view=panel] .purpose", { hasText: "Keep your cart, safely" }).waitFor({ timeout: 5_000 });
  assert.deepEqual(shopper.errors, []);
  await shopper.context.close();

  // The dialog preview, in German: the agent's own dialog and panel, drawn by dom.js.
  await page.selectOption("#preview-language", "de");
  await page.locator("#preview [data-view=panel] .purpose", { hasText: next.purposes[0].names.de }).waitFor();
  const dialogActions = await page.locator("#preview [data-view=consent] .actions [data-action]").allTextContents();
  assert.deepEqual(dialogActions, ["Alle akzeptieren", "Alle ablehnen", "Auswählen"]);
  assert.equal(await page.getAttribute("#preview [data-view=consent]", "lang"), "de");
  // The panel's switches as the visitor gets them: the necessary purpose fixed on.
  assert.equal(await page.locator('#preview [data-view=panel] input[name="necessary"]').isDisabled(), true);
  assert.equal(await page.locator('#preview [data-view=panel] input[name="marketing"]').isChecked(), false);

  // The chart: an SVG image with a title, a line per purpose, axes, a legend, and the table.
  const chart = page.locator("#chart svg[role=img]");
  await chart.waitFor();
  assert.match(await chart.locator("title#chart-svg-title").textContent(), /Consent rates per purpose/);
  assert.match(await chart.locator("desc").textContent(), /marketing|Marketing/);
  const series = await page.$$eval("#chart svg g[data-purpose] path.series", (paths) =>
    paths.map((path) => [path.parentElement.dataset.purpose, path.getAttribute("d")]));
  assert.deepEqual(series.map(([id]) => id), ["marketing", "measurement", "necessary"]);
  // Two days of data: each line has a point for yesterday and one for today.
  for (const [id, d] of series) assert.match(d, /^M[\d.]+ [\d.]+ L[\d.]+ [\d.]+$/, id);
  const marketingToday = await page.$eval('#chart svg g[data-purpose="marketing"] circle:last-of-type title', (node) => node.textContent);
  assert.match(marketingToday, /50%/);
  assert.equal(await page.locator("#chart svg .legend-item").count(), 3);
  assert.ok((await page.locator("#chart svg text.tick").allTextContents()).includes("100%"));
  assert.equal(await page.locator("#chart-table-wrap tbody tr").count(), 30);

  // Both exports download, holding the receipts sent.
  const [csv] = await Promise.all([page.waitForEvent("download"), page.locator("#export-csv").click()]);
  assert.equal(csv.suggestedFilename(), "consent-receipts-demo.csv");
  const csvText = readFileSync(await csv.path(), "utf8");
  const csvLines = csvText.trimEnd().split("\r\n");
  assert.equal(csvLines[0], "receipt,at,time,site,visitor,policy,region,source,purpose,decision");
  assert.equal(csvLines.length, 1 + 9);
  for (const receipt of receipts) assert.ok(csvText.includes(receipt.receipt), receipt.receipt);
  const [jsonl] = await Promise.all([page.waitForEvent("download"), page.locator("#export-jsonl").click()]);
  assert.equal(jsonl.suggestedFilename(), "consent-receipts-demo.jsonl");
  const lines = readFileSync(await jsonl.path(), "utf8").trim().split("\n").map((text) => JSON.parse(text));
  assert.deepEqual(lines.map((line) => line.receipt).sort(), receipts.map((receipt) => receipt.receipt).sort());

  assert.deepEqual(await page.evaluate(() => window.__violations), [], "no CSP violation");
  assert.deepEqual(errors, []);
  await context.close();
});

test("the admin page runs under Trusted Types, sets text only, and labels every control in each language", async () => {
  const { context, page, errors } = await officerPage();
  // Trusted Types are enforced: an HTML string cannot reach the DOM.
  assert.equal(await trustedTypesEnforced(page), true);
  await page.evaluate(() => { window.__violations = []; });
  await signIn(page);
  // Markup in the policy stays text in the preview and the history.
  const policy = JSON.parse(await page.inputValue("#policy-editor"));
  policy.purposes[0].names.en = "<img src=x onerror=alert(1)>";
  await page.fill("#policy-editor", JSON.stringify(policy, null, 2));
  await page.selectOption("#preview-language", "en");
  await page.locator("#preview [data-view=panel] .purpose", { hasText: "<img src=x onerror=alert(1)>" }).waitFor();
  assert.equal(await page.locator("#preview img").count(), 0);

  for (const [language, heading, accept] of [
    ["en", "Consent policy", "Accept all"],
    ["es", "Política de consentimiento", "Aceptar todo"],
    ["nl", "Toestemmingsbeleid", "Alles accepteren"],
    ["de", "Einwilligungsrichtlinie", "Alle akzeptieren"],
  ]) {
    await page.selectOption("#ui-language", language);
    await page.selectOption("#preview-language", language);
    assert.equal(await page.getAttribute("html", "lang"), language);
    assert.equal(await page.textContent("#editor-title"), heading);
    assert.equal(await page.textContent("#preview [data-view=consent] [data-action=accept]"), accept);
    assert.deepEqual(await unlabelledControls(page), [], `${language}: every control has a name`);
  }
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a wrong token is refused and keeps the workspace closed", async () => {
  const { context, page } = await officerPage();
  await refusedSignIn(page, "not-the-token", /not accepted/);
  await context.close();
});

test("axe-core finds no accessibility violation on the admin page in any language", { skip: axe ? false : "axe-core is not installed" }, async () => {
  const { context, page } = await officerPage();
  await signIn(page);
  await page.locator("#chart svg").waitFor();
  await page.locator("#chart-data summary").click();
  const policy = JSON.parse(await page.inputValue("#policy-editor"));
  delete policy.purposes[0].names.de;
  await page.fill("#policy-editor", JSON.stringify(policy, null, 2));
  await page.locator("#problems li").first().waitFor();
  // Evaluated through the DevTools protocol: no script element, so the page's CSP stays whole.
  await page.evaluate(axe.source);
  for (const language of ["en", "es", "nl", "de"]) {
    await page.selectOption("#ui-language", language);
    await page.selectOption("#preview-language", language);
    const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
    const violations = result.violations.map((v) => `${v.id}: ${v.nodes.map((node) => node.target.join(" ")).join(", ")}`);
    assert.deepEqual(violations, [], language);
  }
  await context.close();
});

test("what this policy does: the audit table and the dialog preview follow the policy being edited, in the page's language", async () => {
  const { context, page, errors } = await officerPage();
  await signIn(page);
  const row = (state) => page.locator(`#audit table[data-mode=opt_in] tr[data-state="${state}"]`);
  await row("only:measurement").waitFor();
  // The demo policy: measurement keeps the visitor id and queued events, no cart, no documents.
  assert.equal(await row("only:measurement").locator(".audit-kept").textContent(), "the choice, its receipt (until the backend has it), the visitor id, events waiting to be sent, how often each message was shown");
  assert.equal(await row("only:measurement").locator(".audit-sent").textContent(), "the consent receipt; events: what the messages did, the shopping visit, the choice; may ask for staff notes");
  assert.equal(await row("gpc").locator(".audit-kept").textContent(), "nothing");
  assert.equal(await row("gpc").locator(".audit-sent").textContent(), "nothing");
  // The choices in the policy's order, by the purposes' names (an earlier test may have renamed one).
  const loaded = JSON.parse(await page.inputValue("#policy-editor"));
  const gpcWords = { necessary: "yes", measurement: "not asked yet", personalization: "not asked yet", marketing: "no" };
  assert.equal(
    await row("gpc").locator("td").first().textContent(),
    loaded.purposes.map((purpose) => `${purpose.names.en}: ${gpcWords[purpose.id]}`).join("; "),
  );
  assert.equal(await row("accept_then_withdraw:withdrawn").locator(".audit-kept").textContent(), "the choice, its receipt (until the backend has it)");
  assert.equal(await page.locator("#audit table[data-mode=opt_out]").count(), 1, "the opt-out region has its own table");

  // Measurement now also keeps the cart: the table says so as soon as the check answers.
  const policy = JSON.parse(await page.inputValue("#policy-editor"));
  policy.purposes.find((purpose) => purpose.id === "measurement").data.push("cart");
  await page.fill("#policy-editor", JSON.stringify(policy, null, 2));
  await page.waitForFunction(() => document.querySelector('#audit tr[data-state="only:measurement"] .audit-kept')?.textContent.includes("the cart"));
  assert.equal(await row("only:measurement").locator(".audit-kept").textContent(), "the choice, its receipt (until the backend has it), the cart, the visitor id, events waiting to be sent, how often each message was shown, a copy of the shop's documents");

  // The dialog preview follows the same edits: the agent's panel names the purpose anew.
  policy.purposes.find((purpose) => purpose.id === "marketing").names.en = "Reminders by email";
  await page.fill("#policy-editor", JSON.stringify(policy, null, 2));
  await page.selectOption("#preview-language", "en");
  await page.locator("#preview [data-view=panel] .purpose", { hasText: "Reminders by email" }).waitFor({ timeout: 5_000 });

  // A policy with a problem has no table; in German the table speaks German.
  policy.purposes[1].data.push("nonsense");
  await page.fill("#policy-editor", JSON.stringify(policy, null, 2));
  await page.waitForFunction(() => !document.querySelector("#audit table"));
  assert.equal(await page.textContent("#audit"), "The table appears once the policy has no problems.");
  policy.purposes[1].data.pop();
  await page.fill("#policy-editor", JSON.stringify(policy, null, 2));
  await row("gpc").waitFor();
  await page.selectOption("#ui-language", "de");
  assert.equal(await row("gpc").locator("th").textContent(), "Global Privacy Control an, Dialog geschlossen");
  assert.equal(await row("reject_all").locator(".audit-sent").textContent(), "der Einwilligungsbeleg");
  assert.deepEqual(errors, []);
  await context.close();
});
