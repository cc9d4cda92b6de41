// Browser tests: the `assistant` lazy module (www/concierge/modules/assistant.js and .wasm) on a test page under the strict CSP with Trusted Types, opened as the core's shell opens it (`open(ctx)`), no engine: a labelled dialog with the focus inside that Escape closes, a question asked and answered in Spanish with the keyboard alone, weak and unanswered questions, quick replies, the handoff requests with and without the personalization purpose, the conversation stored only with consent and cleared, hostile knowledge documents and network failures, and axe-core with no violations.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { after, before, test } from "node:test";
import { ORIGIN, closeClean, eventually, newTab, useBrowser } from "./page.mjs";

const shared = useBrowser({ before, after });
const KNOWLEDGE = await readFile(resolve(import.meta.dirname, "../../documents/demo/knowledge.json"), "utf8");
const AXE = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const KNOWLEDGE_PATH = "/v1/config/knowledge";
const STORAGE_KEY = "concierge:test:assistant";

/** The page's own script (/test/setup.js): a launcher that opens the module with the context
 * `window.__context` describes, recording what the module hands back to the core. */
function shellStandIn() {
  window.__calls = { closed: 0, handoffs: [] };
  window.__answers = [];
  window.__openAssistant = async (options) => {
    const module = await import("/concierge/modules/assistant.js");
    await module.ready;
    window.__module = module;
    const launcher = document.getElementById("launcher");
    window.__panel = module.open({
      lang: "en",
      knowledgeUrl: "/v1/config/knowledge?site=test",
      cartCode: "K7Q2M",
      consent: { personalization: false, storage: false },
      storageKey: "concierge:test:assistant",
      prompt: null,
      interests: [],
      theme: {},
      ...options,
      handoff(request) {
        window.__calls.handoffs.push(request);
        const answer = window.__answers.shift() ?? "sent";
        return answer === "throw" ? Promise.reject(new Error("offline")) : Promise.resolve(answer);
      },
      onClose() {
        window.__calls.closed++;
        launcher.focus();
      },
    });
  };
  document.addEventListener("DOMContentLoaded", () => {
    document.getElementById("launcher").addEventListener("click", () => window.__openAssistant(window.__context || {}));
  });
}

/** A visitor on the test page; `knowledge` is what the knowledge URL answers (a string as
 * JSON text, `null` HTTP 404, `"abort"` a network failure). */
async function visit({ knowledge = KNOWLEDGE, context = {}, storage = null } = {}) {
  const tab = await newTab(shared.browser);
  tab.knowledgeRequests = [];
  await tab.context.route(`**${KNOWLEDGE_PATH}*`, (route) => {
    tab.knowledgeRequests.push(route.request());
    if (knowledge === "abort") return route.abort("failed");
    if (knowledge === null) return route.fulfill({ status: 404, body: "not found" });
    return route.fulfill({ status: 200, headers: { "content-type": "application/json" }, body: knowledge });
  });
  await tab.context.addCookies([{ name: "session", value: "secret", url: ORIGIN }]);
  tab.setup = `(${shellStandIn})();\nwindow.__context = ${JSON.stringify(context)};\n` + (storage === null ? "" : `localStorage.setItem(${JSON.stringify(STORAGE_KEY)}, ${JSON.stringify(storage)});\n`);
  tab.html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Test shop</title><script src="/test/setup.js"></script></head>
<body><main><h1>Test shop</h1><p>A page the assistant opens on.</p><button id="launcher" type="button">Ask us</button></main></body>
</html>`;
  await tab.page.goto(`${ORIGIN}/`);
  return tab;
}

async function openPanel(tab, options = {}) {
  await tab.page.evaluate((options) => window.__openAssistant({ ...window.__context, ...options }), options);
  await dialog(tab).waitFor();
}

const dialog = (tab) => tab.page.locator("#concierge-assistant [role=dialog]");
const log = (tab) => tab.page.locator("#concierge-assistant [role=log]");
/** The log's messages as the screen shows them. */
const messages = (tab) => log(tab).locator(".msg > p").allTextContents();
/** The id of the element focused inside the panel's shadow root, or "page:<id>" outside it. */
const focused = (tab) =>
  tab.page.evaluate(() => {
    const host = document.getElementById("concierge-assistant");
    const inner = host && host.shadowRoot.activeElement;
    return inner ? inner.id || inner.tagName.toLowerCase() + ":" + inner.textContent : "page:" + document.activeElement.id;
  });

async function askTyped(tab, question) {
  await tab.page.keyboard.type(question);
  await tab.page.keyboard.press("Enter");
}

async function lastMessage(tab, startsWith) {
  const last = log(tab).locator(".msg").last();
  try {
    await last.filter({ hasText: startsWith }).waitFor({ timeout: 5000 });
  } catch (error) {
    throw new Error(`the last message is not "${startsWith}": ${JSON.stringify(await messages(tab))}`);
  }
  return last;
}

async function axeViolations(tab) {
  await tab.page.evaluate(AXE);
  return tab.page.evaluate(async () => {
    const root = document.getElementById("concierge-assistant").shadowRoot.querySelector("[role=dialog]");
    await Promise.all(root.getAnimations().map((animation) => animation.finished));
    const result = await window.axe.run(root, { resultTypes: ["violations"] });
    return result.violations.map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", "));
  });
}

test("the panel opens as a labelled modal dialog with the focus inside; Tab stays in it; Escape closes it and calls onClose, which takes the focus back", async () => {
  const tab = await visit();
  await tab.page.focus("#launcher");
  await tab.page.keyboard.press("Enter");
  await dialog(tab).waitFor();
  assert.equal(await dialog(tab).getAttribute("aria-modal"), "true");
  const title = await dialog(tab).getAttribute("aria-labelledby");
  assert.equal(await tab.page.locator(`#concierge-assistant [id="${title}"]`).textContent(), "Shop assistant");
  assert.equal(await log(tab).getAttribute("aria-live"), "polite");
  assert.equal(await focused(tab), "concierge-assistant-question", "the question field has the focus");
  for (let step = 0; step < 12; step++) {
    await tab.page.keyboard.press(step % 3 ? "Tab" : "Shift+Tab");
    assert.ok(!(await focused(tab)).startsWith("page:"), "the focus stays in the dialog");
  }
  await tab.page.keyboard.press("Escape");
  await dialog(tab).waitFor({ state: "detached" });
  assert.equal(await tab.page.evaluate(() => window.__calls.closed), 1);
  assert.equal(await focused(tab), "page:launcher");
  // The knowledge came without the page's cookie.
  assert.equal(tab.knowledgeRequests.length, 1);
  assert.equal((await tab.knowledgeRequests[0].allHeaders()).cookie, undefined, "fetched with credentials omitted");
  await closeClean(tab);
});

test("keyboard alone, in Spanish: a question typed and sent is answered from the knowledge with its source link", async () => {
  const tab = await visit({ context: { lang: "es" } });
  await tab.page.focus("#launcher");
  await tab.page.keyboard.press("Enter");
  await dialog(tab).waitFor();
  assert.equal(await dialog(tab).getAttribute("lang"), "es");
  assert.equal(await tab.page.locator("#concierge-assistant .title").textContent(), "Asistente de la tienda");
  await askTyped(tab, "¿cuanto cuesta el envio?");
  const answer = await lastMessage(tab, "El envío estándar es gratis");
  const link = answer.locator("a");
  assert.equal(await link.textContent(), "Más información");
  assert.equal(await link.getAttribute("href"), `${ORIGIN}/help/delivery/`);
  assert.equal(await link.getAttribute("target"), null, "a normal link");
  assert.deepEqual((await messages(tab)).slice(-2, -1), ["Tú: ¿cuanto cuesta el envio?"]);
  // The link is reached by Tab from the field (backwards through the dialog), and Enter follows it.
  let steps = 0;
  while ((await focused(tab)) !== "a:Más información" && steps++ < 10) await tab.page.keyboard.press("Shift+Tab");
  assert.equal(await focused(tab), "a:Más información");
  await closeClean(tab);
});

test("a weak match offers its best entries as buttons, one answers when chosen; no match apologises and offers the handoff", async () => {
  const tab = await visit();
  await openPanel(tab);
  await askTyped(tab, "delivery");
  const weak = await lastMessage(tab, "Did you mean one of these?");
  const choices = await weak.locator("button").allTextContents();
  assert.ok(choices.length >= 2 && choices.length <= 3, String(choices));
  assert.ok(choices.includes("How long does delivery take?"), String(choices));
  await weak.locator("button", { hasText: "How long does delivery take?" }).focus();
  await tab.page.keyboard.press("Enter");
  await lastMessage(tab, "Orders placed before 18:00");

  await tab.page.locator("#concierge-assistant input").first().focus();
  await askTyped(tab, "xyzzy");
  const none = await lastMessage(tab, "Sorry, I have no answer to that.");
  assert.deepEqual(await none.locator("button").allTextContents(), ["Call me", "Continue in store"]);
  await none.locator("button", { hasText: "Continue in store" }).click();
  await tab.page.locator("#concierge-assistant .handoff h3").filter({ hasText: "Continue in store" }).waitFor();
  await closeClean(tab);
});

test("Talk to a person is in reach at any time, before any question: a labelled group of Call me and Continue in store, reached by Tab, in each language; hidden while a handoff screen is up and back after", async () => {
  const tab = await visit();
  await openPanel(tab);
  const group = tab.page.locator("#concierge-assistant [role=group].person");
  const label = await group.getAttribute("aria-labelledby");
  assert.equal(await tab.page.locator(`#concierge-assistant [id="${label}"]`).textContent(), "Talk to a person");
  assert.deepEqual(await group.locator("button").allTextContents(), ["Call me", "Continue in store"]);
  assert.ok(await group.isVisible(), "shown with nothing asked yet");
  // Keyboard alone: from the question field, Tab reaches "Call me"; Enter opens its screen.
  let steps = 0;
  while ((await focused(tab)) !== "button:Call me" && steps++ < 6) await tab.page.keyboard.press("Tab");
  assert.equal(await focused(tab), "button:Call me");
  await tab.page.keyboard.press("Enter");
  await tab.page.locator("#concierge-assistant .handoff h3").filter({ hasText: "Call me" }).waitFor();
  assert.equal(await focused(tab), "concierge-assistant-phone");
  assert.ok(!(await group.isVisible()), "hidden while the handoff screen is up");
  await tab.page.locator("#concierge-assistant .handoff button", { hasText: "Back" }).click();
  assert.ok(await group.isVisible(), "back with the chat");
  await group.locator("button", { hasText: "Continue in store" }).click();
  await tab.page.locator("#concierge-assistant .handoff h3").filter({ hasText: "Continue in store" }).waitFor();
  await tab.page.locator("#concierge-assistant .handoff button", { hasText: "Send to the store" }).click();
  await eventually(async () => (await tab.page.evaluate(() => window.__calls.handoffs)).length === 1);
  assert.deepEqual(await tab.page.evaluate(() => window.__calls.handoffs), [{ kind: "store" }]);
  await tab.page.keyboard.press("Escape");
  await dialog(tab).waitFor({ state: "detached" });
  await closeClean(tab);

  const expected = { es: ["Hablar con una persona", "Llámame", "Continuar en tienda"], nl: ["Met een medewerker praten", "Bel mij", "Verder in de winkel"], de: ["Mit einer Person sprechen", "Rufen Sie mich an", "Im Laden fortsetzen"] };
  for (const [lang, [name, call, store]] of Object.entries(expected)) {
    const other = await visit({ context: { lang } });
    await openPanel(other);
    const person = other.page.locator("#concierge-assistant [role=group].person");
    assert.equal(await person.locator("span").textContent(), name, lang);
    assert.deepEqual(await person.locator("button").allTextContents(), [call, store], lang);
    await closeClean(other);
  }
});

test("a prompt's quick replies: an ask is asked at once, an action opens its handoff screen; the same prompt is not shown twice", async () => {
  const tab = await visit();
  const prompt = {
    id: "cart-page",
    text: "Questions before you buy?",
    replies: [
      { label: "Delivery", ask: "how long does delivery take" },
      { label: "Call me", action: "call" },
    ],
  };
  await openPanel(tab, { prompt });
  await lastMessage(tab, "Questions before you buy?");
  const replies = tab.page.locator("#concierge-assistant .replies button");
  assert.deepEqual(await replies.allTextContents(), ["Delivery", "Call me"]);
  await replies.first().click();
  await lastMessage(tab, "Orders placed before 18:00");
  assert.ok((await messages(tab)).includes("You: how long does delivery take"));
  const before = (await messages(tab)).length;
  await openPanel(tab, { prompt });
  assert.equal((await messages(tab)).length, before, "a prompt already shown adds nothing");
  await replies.last().click();
  assert.equal(await focused(tab), "concierge-assistant-phone");
  // A reply chosen in the core's bubble is acted on at once.
  await tab.page.locator("#concierge-assistant .handoff button", { hasText: "Back" }).click();
  await openPanel(tab, { prompt: { id: "product", text: "Need help?", replies: [] }, reply: { label: "Shipping", ask: "how much does shipping cost" } });
  await lastMessage(tab, "Standard delivery is free for orders over 50 euros");
  await closeClean(tab);
});

test("Call me: the phone is validated with a clear error; the request carries no transcript without personalization; sent, not allowed and failed are shown", async () => {
  const tab = await visit();
  await openPanel(tab);
  await askTyped(tab, "xyzzy");
  await (await lastMessage(tab, "Sorry")).locator("button", { hasText: "Call me" }).click();
  const screen = tab.page.locator("#concierge-assistant .handoff");
  assert.match(await screen.innerText(), /Your cart code: K7Q2M/);
  await screen.getByText("Opening hours: Stores: Monday to Saturday 10:00-19:00").waitFor();
  assert.match(await screen.innerText(), /Your conversation stays on this device\./);
  const phone = screen.locator("input[type=tel]");
  await phone.fill("12ab");
  await screen.locator("button", { hasText: "Request a call" }).click();
  assert.equal(await phone.getAttribute("aria-invalid"), "true");
  const error = await phone.getAttribute("aria-describedby");
  assert.equal(await screen.locator(`[id="${error}"]`).textContent(), "Enter a phone number of 6 to 15 digits, for example +31 20 123 4567.");
  assert.equal(await focused(tab), "concierge-assistant-phone");
  assert.deepEqual(await tab.page.evaluate(() => window.__calls.handoffs), [], "nothing sent while invalid");

  await phone.fill("+31 (20) 123-4567");
  await tab.page.evaluate(() => window.__answers.push("sent", "not_allowed", "throw", "weird"));
  const send = screen.locator("button", { hasText: "Request a call" });
  const status = screen.locator("[role=status]");
  for (const shown of ["Sent. An advisor will be in touch.", "This request cannot be sent with your current privacy choices.", "Sending failed. Please try again later.", "Sending failed. Please try again later."]) {
    await send.click();
    await status.filter({ hasText: shown }).waitFor();
  }
  const handoffs = await tab.page.evaluate(() => window.__calls.handoffs);
  assert.equal(handoffs.length, 4);
  assert.deepEqual(handoffs[0], { kind: "call", phone: "+31201234567" });
  assert.deepEqual(tab.warnings.filter((w) => w.includes("handoff")), ["[concierge] assistant: the handoff failed (offline)"]);
  await closeClean(tab);
});

test("Continue in store with the personalization purpose sends the conversation as the transcript", async () => {
  const tab = await visit({ context: { consent: { personalization: true, storage: false }, lang: "de" } });
  await openPanel(tab);
  await askTyped(tab, "Wie lange dauert die Lieferung?");
  await lastMessage(tab, "Bestellungen");
  await askTyped(tab, "xyzzy");
  await (await lastMessage(tab, "Darauf habe ich leider keine Antwort")).locator("button", { hasText: "Im Laden fortsetzen" }).click();
  const screen = tab.page.locator("#concierge-assistant .handoff");
  assert.match(await screen.innerText(), /Ihr Warenkorb-Code: K7Q2M/);
  await screen.getByText("Öffnungszeiten: Läden: Montag bis Samstag").waitFor();
  assert.match(await screen.innerText(), /Ihre Unterhaltung wird mit Ihrer Anfrage gesendet/);
  await screen.locator("button", { hasText: "An den Laden senden" }).click();
  await screen.locator("[role=status]").filter({ hasText: "Gesendet." }).waitFor();
  const [request] = await tab.page.evaluate(() => window.__calls.handoffs);
  assert.equal(request.kind, "store");
  assert.equal(request.phone, undefined);
  assert.deepEqual(
    request.transcript.map(({ from }) => from),
    ["assistant", "visitor", "assistant", "visitor", "assistant"],
  );
  assert.deepEqual(request.transcript[1], { from: "visitor", text: "Wie lange dauert die Lieferung?" });
  assert.match(request.transcript[2].text, /^Bestellungen/);
  await closeClean(tab);
});

test("the conversation is stored only with the storage consent, comes back on the next page, and Clear conversation removes it everywhere", async () => {
  const without = await visit();
  await openPanel(without);
  await askTyped(without, "how much does shipping cost");
  await lastMessage(without, "Standard delivery");
  assert.deepEqual(await without.page.evaluate(() => window.__writes), [], "no storage write without consent");
  await closeClean(without);

  const tab = await visit({ context: { consent: { personalization: false, storage: true } } });
  await openPanel(tab);
  await askTyped(tab, "how much does shipping cost");
  await lastMessage(tab, "Standard delivery");
  const stored = JSON.parse(await tab.page.evaluate((key) => localStorage.getItem(key), STORAGE_KEY));
  assert.deepEqual(stored.messages.map((m) => m.from), ["assistant", "visitor", "assistant"]);
  assert.equal(stored.messages[2].link, "/help/delivery/");
  // The next page: the conversation is back.
  await tab.page.reload();
  await openPanel(tab);
  await lastMessage(tab, "Standard delivery");
  assert.deepEqual((await messages(tab)).slice(1, 2), ["You: how much does shipping cost"]);
  await tab.page.locator("#concierge-assistant button", { hasText: "Clear conversation" }).click();
  assert.deepEqual(await messages(tab), ["Assistant: Conversation cleared."]);
  assert.equal(await tab.page.evaluate((key) => localStorage.getItem(key), STORAGE_KEY), null);
  assert.equal(await focused(tab), "concierge-assistant-question");
  await tab.page.keyboard.press("Escape");
  await openPanel(tab);
  assert.deepEqual(await messages(tab), ["Assistant: Hello! Ask me about our products, delivery, returns or payment."], "cleared in memory too");
  await closeClean(tab);
});

test("a stored conversation the module did not write is ignored with a warning, never an exception", async () => {
  const bad = ["{not json", JSON.stringify({ v: 2, messages: [] }), JSON.stringify({ v: 1, messages: [{ from: "staff", text: "hi" }] }), JSON.stringify({ v: 1, messages: [{ from: "visitor", text: { html: "<b>" } }] }), "null"];
  for (const storage of bad) {
    const tab = await visit({ storage, context: { consent: { personalization: false, storage: true } } });
    await openPanel(tab);
    assert.deepEqual(await messages(tab), ["Assistant: Hello! Ask me about our products, delivery, returns or payment."], storage);
    assert.equal(tab.warnings.filter((w) => w.includes("stored conversation")).length, 1, storage);
    await closeClean(tab);
  }
});

test("knowledge that cannot be fetched or used: a clear message in the panel, a warning naming the cause or the field, the handoff still offered", async () => {
  const bad = [
    [null, "answered HTTP 404"],
    ["abort", "could not be fetched"],
    ["{\"kind\": \"knowledge\",", "is not JSON"],
    [JSON.stringify({ kind: "knowledge", version: 1, entries: [{ id: "a", lang: "fr", question: "Q?", answer: "A." }] }), "entries[0].lang"],
    [JSON.stringify({ kind: "knowledge", version: 1, entries: [{ id: "a", lang: "en", question: "Q?", answer: "A.", link: "javascript:alert(1)" }] }), "entries[0].link"],
    ["[1, 2]", "refused"],
  ];
  for (const [knowledge, cause] of bad) {
    const tab = await visit({ knowledge });
    await openPanel(tab);
    await askTyped(tab, "how much does shipping cost");
    const message = await lastMessage(tab, "Answers are not available right now.");
    assert.deepEqual(await message.locator("button").allTextContents(), ["Call me", "Continue in store"]);
    assert.ok(await eventually(() => tab.warnings.some((w) => w.includes(cause))), `${cause}: ${tab.warnings}`);
    // A failure is forgotten: the next question tries the knowledge again.
    const tried = tab.knowledgeRequests.length;
    await askTyped(tab, "how much does shipping cost");
    assert.ok(await eventually(() => tab.knowledgeRequests.length === tried + 1), "fetched again");
    await closeClean(tab);
  }
});

test("index() throws an Error naming the field; an Index answers and gives the opening hours in a language, else English", async () => {
  const tab = await visit();
  await openPanel(tab);
  const thrown = await tab.page.evaluate(() => {
    try {
      window.__module.index('{"kind": "knowledge", "version": 1, "entries": [{"id": "a", "lang": "en", "question": 5, "answer": "A"}]}');
    } catch (error) {
      return [error instanceof Error, error.message];
    }
  });
  assert.equal(thrown[0], true);
  assert.match(thrown[1], /entries\[0\]\.question/);
  const outcome = await tab.page.evaluate(() => {
    const found = window.__module.index('{"kind": "knowledge", "version": 1, "opening_hours": {"en": "9-5", "es": "9-5 es", "nl": "9-5 nl", "de": "9-5 de"}, "entries": [{"id": "x", "lang": "en", "question": "Do you sell <img src=x onerror=alert(1)> phones?", "answer": "<img src=x onerror=\\"window.__pwned=1\\">Yes", "link": "/p/"}]}');
    return [found.ask("img phones", "en"), found.openingHours("nl"), found.openingHours("xx"), found.ask("img phones", "es")];
  });
  assert.equal(outcome[0].outcome, "confident");
  assert.deepEqual(outcome[0].hits[0].id, "x");
  assert.deepEqual(outcome.slice(1, 3), ["9-5 nl", "9-5"]);
  assert.deepEqual(outcome[3], { outcome: "none", hits: [] });
  await closeClean(tab);
});

test("a hostile answer is drawn as text", async () => {
  const hostile = JSON.stringify({ kind: "knowledge", version: 1, entries: [{ id: "x", lang: "en", question: "Do you sell phones?", answer: "<img src=x onerror=\"window.__pwned=1\">Yes", link: "/p/" }] });
  const tab = await visit({ knowledge: hostile });
  await openPanel(tab);
  await askTyped(tab, "do you sell phones");
  const answer = await lastMessage(tab, "<img src=x");
  assert.equal(await answer.locator("img").count(), 0);
  assert.equal(await tab.page.evaluate(() => window.__pwned), undefined);
  await closeClean(tab);
});

test("axe-core finds no violation in the chat and on the handoff screen; the accent colour comes from the theme", async () => {
  const tab = await visit({ context: { theme: { accent: "#005a32" }, prompt: { id: "p", text: "Need help?", replies: [{ label: "Returns", ask: "returns" }] } } });
  await openPanel(tab);
  await askTyped(tab, "delivery");
  await lastMessage(tab, "Did you mean");
  await askTyped(tab, "how much does shipping cost");
  await lastMessage(tab, "Standard delivery");
  assert.deepEqual(await axeViolations(tab), []);
  assert.equal(await tab.page.evaluate(() => document.getElementById("concierge-assistant").style.getPropertyValue("--concierge-accent")), "#005a32");
  await askTyped(tab, "xyzzy");
  await (await lastMessage(tab, "Sorry")).locator("button", { hasText: "Call me" }).click();
  await tab.page.locator("#concierge-assistant .handoff button", { hasText: "Request a call" }).click();
  assert.deepEqual(await axeViolations(tab), []);
  await closeClean(tab);
});

test("reduced motion: the panel opens without its animation", async () => {
  const tab = await visit();
  await tab.page.emulateMedia({ reducedMotion: "reduce" });
  await openPanel(tab);
  assert.equal(await dialog(tab).evaluate((element) => getComputedStyle(element).animationName), "none");
  await tab.page.emulateMedia({ reducedMotion: "no-preference" });
  assert.equal(await dialog(tab).evaluate((element) => getComputedStyle(element).animationName), "concierge-in");
  await closeClean(tab);
});

test("close() from the core and a click beside the panel close it (onClose each time), the conversation kept in memory; a second open() focuses it; a missing context is a warning", async () => {
  const tab = await visit();
  await openPanel(tab);
  await askTyped(tab, "opening hours");
  await lastMessage(tab, "Our stores are open");
  await tab.page.evaluate(() => window.__panel.close());
  await dialog(tab).waitFor({ state: "detached" });
  assert.equal(await tab.page.evaluate(() => window.__calls.closed), 1);
  await openPanel(tab);
  assert.deepEqual((await messages(tab)).slice(1, 2), ["You: opening hours"], "the conversation is kept in memory while the page lives");
  assert.deepEqual(await tab.page.evaluate(() => window.__writes), [], "and not stored without consent");
  await tab.page.focus("#launcher");
  await openPanel(tab);
  assert.equal(await focused(tab), "concierge-assistant-question", "a second open() takes the focus back in");
  await tab.page.mouse.click(5, 5);
  await dialog(tab).waitFor({ state: "detached" });
  assert.equal(await tab.page.evaluate(() => window.__calls.closed), 2);
  const warnings = await tab.page.evaluate(() => {
    const closer = window.__module.open(null);
    closer.close();
    return typeof closer.close;
  });
  assert.equal(warnings, "function");
  assert.ok(await eventually(() => tab.warnings.some((w) => w.startsWith("[concierge] assistant: the panel could not be opened"))), String(tab.warnings));
  await closeClean(tab);
});
