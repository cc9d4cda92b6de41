//! The `assistant` lazy module, loaded when the visitor opens the launcher or a prompt is due:
//! its Wasm (`modules/assistant.wasm`, from the `modules/assistant` crate) reads the shop's
//! knowledge document and answers questions from it on the device; this file is that Wasm's
//! glue (`index`) and the panel (`open`): a labelled dialog in its own Shadow DOM root, answers,
//! quick replies, the "Call me" and "Continue in store" handoff screens, the conversation kept on
//! the device. It imports nothing of the core (bundle.mjs checks); the core passes what the panel
//! needs in `ctx` (docs/architecture.md, "The assistant's module"). Every text is set as text.

import { instantiateWasm } from "./module-wasm.js";
import STYLES from "./assistant.css";

// Taken now: a page that replaces JSON later does not reach the module's answers.
const { parse, stringify } = JSON;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

let exports;

/** Settled once the Wasm is compiled and instantiated (the loader's same streaming path). */
export const ready = instantiateWasm(new URL("assistant.wasm", import.meta.url)).then((own) => {
  exports = own;
});

/** `text` written into the Wasm's memory, then `call(at, length)`'s answer read back. */
function request(call, text) {
  const bytes = encoder.encode(text);
  const at = exports.assistant_alloc(bytes.length);
  // The view is made after the allocation, which may have grown (and moved) the memory.
  new Uint8Array(exports.memory.buffer, at, bytes.length).set(bytes);
  return output(call(at, bytes.length));
}

function output(length) {
  return decoder.decode(new Uint8Array(exports.memory.buffer, exports.assistant_output(), length));
}

/** Frees an index's Wasm memory once the page drops it. */
const unused = typeof FinalizationRegistry == "function" ? new FinalizationRegistry((handle) => exports.assistant_free(handle)) : null;

/** Parses a knowledge document (JSON text) and indexes it; throws an Error whose message names
 * the field at fault (`entries[2].lang: ...`). */
export function index(knowledgeJsonText) {
  let handle = 0;
  const reason = request((at, length) => {
    handle = exports.assistant_index(at, length);
    return handle ? 0 : exports.assistant_output_len();
  }, String(knowledgeJsonText));
  if (!handle) throw new Error(reason);
  const made = {
    /** `{ outcome: "confident"|"weak"|"none", hits: [{ id, score, question, answer, link }] }`,
     * the best three entries first. */
    ask: (question, lang) => parse(request((at, length) => exports.assistant_ask(handle, at, length), String(lang) + "\n" + String(question))),
    /** The document's opening hours in `lang` (else English), or null. */
    openingHours: (lang) => request((at, length) => exports.assistant_hours(handle, at, length), String(lang)) || null,
  };
  if (unused) unused.register(made, handle);
  return made;
}

// ---------------------------------------------------------------------------------------------
// The panel.

/** The module's own catalogue: the core's is in its Wasm, out of reach. */
const TEXTS = {
  en: {
    title: "Shop assistant",
    close: "Close",
    clear: "Clear conversation",
    greeting: "Hello! Ask me about our products, delivery, returns or payment.",
    question: "Your question",
    send: "Send",
    you: "You: ",
    assistant: "Assistant: ",
    more: "Read more",
    weak: "Did you mean one of these?",
    none: "Sorry, I have no answer to that. An advisor can help you:",
    unavailable: "Answers are not available right now. An advisor can still help you:",
    cleared: "Conversation cleared.",
    call: "Call me",
    store: "Continue in store",
    callIntro: "Leave your phone number and an advisor will call you back.",
    storeIntro: "Show your cart code in one of our stores and an advisor will pick up where you left off.",
    code: "Your cart code: ",
    hours: "Opening hours: ",
    phone: "Phone number",
    phoneError: "Enter a phone number of 6 to 15 digits, for example +31 20 123 4567.",
    sendCall: "Request a call",
    sendStore: "Send to the store",
    back: "Back",
    shared: "Your conversation is sent with your request so the advisor can read it.",
    private: "Your conversation stays on this device.",
    sending: "Sending…",
    sent: "Sent. An advisor will be in touch.",
    not_allowed: "This request cannot be sent with your current privacy choices.",
    failed: "Sending failed. Please try again later.",
    person: "Talk to a person",
  },
  es: {
    title: "Asistente de la tienda",
    close: "Cerrar",
    clear: "Borrar conversación",
    greeting: "¡Hola! Pregúntame por nuestros productos, envíos, devoluciones o pagos.",
    question: "Tu pregunta",
    send: "Enviar",
    you: "Tú: ",
    assistant: "Asistente: ",
    more: "Más información",
    weak: "¿Te refieres a alguna de estas?",
    none: "Lo siento, no tengo respuesta para eso. Un asesor puede ayudarte:",
    unavailable: "Las respuestas no están disponibles ahora mismo. Un asesor puede ayudarte:",
    cleared: "Conversación borrada.",
    call: "Llámame",
    store: "Continuar en tienda",
    callIntro: "Deja tu número de teléfono y un asesor te llamará.",
    storeIntro: "Muestra el código de tu carrito en una de nuestras tiendas y un asesor seguirá donde lo dejaste.",
    code: "Código de tu carrito: ",
    hours: "Horario: ",
    phone: "Número de teléfono",
    phoneError: "Introduce un número de teléfono de 6 a 15 dígitos, por ejemplo +34 912 345 678.",
    sendCall: "Solicitar llamada",
    sendStore: "Enviar a la tienda",
    back: "Volver",
    shared: "Tu conversación se envía con la solicitud para que el asesor pueda leerla.",
    private: "Tu conversación se queda en este dispositivo.",
    sending: "Enviando…",
    sent: "Enviado. Un asesor se pondrá en contacto contigo.",
    not_allowed: "Esta solicitud no se puede enviar con tus opciones de privacidad actuales.",
    failed: "No se pudo enviar. Inténtalo de nuevo más tarde.",
    person: "Hablar con una persona",
  },
  nl: {
    title: "Winkelassistent",
    close: "Sluiten",
    clear: "Gesprek wissen",
    greeting: "Hallo! Stel me een vraag over onze producten, bezorging, retourneren of betalen.",
    question: "Uw vraag",
    send: "Versturen",
    you: "U: ",
    assistant: "Assistent: ",
    more: "Lees meer",
    weak: "Bedoelt u een van deze?",
    none: "Sorry, daar heb ik geen antwoord op. Een adviseur kan u helpen:",
    unavailable: "Antwoorden zijn nu niet beschikbaar. Een adviseur kan u wel helpen:",
    cleared: "Gesprek gewist.",
    call: "Bel mij",
    store: "Verder in de winkel",
    callIntro: "Laat uw telefoonnummer achter en een adviseur belt u terug.",
    storeIntro: "Laat uw winkelwagencode zien in een van onze winkels en een adviseur gaat verder waar u gebleven was.",
    code: "Uw winkelwagencode: ",
    hours: "Openingstijden: ",
    phone: "Telefoonnummer",
    phoneError: "Vul een telefoonnummer in van 6 tot 15 cijfers, bijvoorbeeld +31 20 123 4567.",
    sendCall: "Terugbelverzoek versturen",
    sendStore: "Naar de winkel sturen",
    back: "Terug",
    shared: "Uw gesprek wordt met uw verzoek meegestuurd, zodat de adviseur het kan lezen.",
    private: "Uw gesprek blijft op dit apparaat.",
    sending: "Versturen…",
    sent: "Verstuurd. Een adviseur neemt contact met u op.",
    not_allowed: "Dit verzoek kan niet worden verstuurd met uw huidige privacykeuzes.",
    failed: "Versturen is mislukt. Probeer het later opnieuw.",
    person: "Met een medewerker praten",
  },
  de: {
    title: "Einkaufsassistent",
    close: "Schließen",
    clear: "Unterhaltung löschen",
    greeting: "Hallo! Fragen Sie mich zu unseren Produkten, zu Lieferung, Rückgabe oder Zahlung.",
    question: "Ihre Frage",
    send: "Senden",
    you: "Sie: ",
    assistant: "Assistent: ",
    more: "Mehr lesen",
    weak: "Meinten Sie eine dieser Fragen?",
    none: "Darauf habe ich leider keine Antwort. Unser Team hilft Ihnen gern:",
    unavailable: "Antworten sind gerade nicht verfügbar. Unser Team hilft Ihnen trotzdem gern:",
    cleared: "Unterhaltung gelöscht.",
    call: "Rufen Sie mich an",
    store: "Im Laden fortsetzen",
    callIntro: "Hinterlassen Sie Ihre Telefonnummer, und wir rufen Sie zurück.",
    storeIntro: "Zeigen Sie Ihren Warenkorb-Code in einem unserer Läden, und wir machen dort weiter, wo Sie aufgehört haben.",
    code: "Ihr Warenkorb-Code: ",
    hours: "Öffnungszeiten: ",
    phone: "Telefonnummer",
    phoneError: "Geben Sie eine Telefonnummer mit 6 bis 15 Ziffern ein, zum Beispiel +49 30 1234567.",
    sendCall: "Rückruf anfordern",
    sendStore: "An den Laden senden",
    back: "Zurück",
    shared: "Ihre Unterhaltung wird mit Ihrer Anfrage gesendet, damit wir sie lesen können.",
    private: "Ihre Unterhaltung bleibt auf diesem Gerät.",
    sending: "Wird gesendet…",
    sent: "Gesendet. Wir melden uns bei Ihnen.",
    not_allowed: "Diese Anfrage kann mit Ihren aktuellen Datenschutz-Einstellungen nicht gesendet werden.",
    failed: "Senden fehlgeschlagen. Bitte versuchen Sie es später erneut.",
    person: "Mit einer Person sprechen",
  },
};

/** The host's id, for shops that want to find it. */
const HOST_ID = "concierge-assistant";
/** The most messages kept (in memory and stored); the oldest go first. */
const MAX_MESSAGES = 60;
/** The longest message text kept from storage. */
const MAX_TEXT = 2000;
const HANDOFF_ACTIONS = ["call", "store"];

/** The conversation, in memory for the page's life: `{ from: "visitor"|"assistant", text,
 * link?, choices?: [{ question, answer, link }], offer?: true }`. */
let messages = [];
/** The open panel (null when closed): its context, texts and elements. */
let panel = null;
/** Prompts already shown, by id, so a second `open` with the same prompt adds nothing. */
const promptsShown = new Set();
/** The knowledge's index by URL, while it loads or once loaded; a failure is forgotten. */
const indexes = new Map();
let sheet = null;

function warn(message) {
  try {
    console.warn("[concierge] assistant: " + message);
  } catch (error) {}
}

/** Runs `body` so that nothing it throws reaches the page: one warning instead. */
function guarded(body) {
  return function () {
    try {
      return body.apply(this, arguments);
    } catch (error) {
      warn("the panel failed (" + describe(error) + ")");
    }
  };
}

function describe(error) {
  try {
    return String((error && error.message) || error);
  } catch (nested) {
    return "unknown error";
  }
}

/** Opens the panel (once; a second call focuses it and shows `ctx.prompt` if new); never throws. */
export function open(ctx) {
  try {
    if (panel) update(ctx);
    else build(ctx);
  } catch (error) {
    warn("the panel could not be opened (" + describe(error) + ")");
    close();
  }
  return { close: guarded(close) };
}

function textsFor(lang) {
  return TEXTS[lang] || TEXTS.en;
}

function build(ctx) {
  const lang = TEXTS[ctx.lang] ? ctx.lang : "en";
  const t = textsFor(lang);
  const opener = document.activeElement;
  const host = document.createElement("div");
  host.id = HOST_ID;
  const shadow = host.attachShadow({ mode: "open" });
  // A constructed sheet is not an inline style: a strict CSP without 'unsafe-inline' applies it.
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLES);
  }
  shadow.adoptedStyleSheets = [sheet];
  const accent = ctx.theme && ctx.theme.accent;
  // Through the CSSOM, which a CSP without 'unsafe-inline' allows, and only a real colour.
  if (typeof accent == "string" && CSS.supports("color", accent)) host.style.setProperty("--concierge-accent", accent);

  const backdrop = element("div", "backdrop");
  const dialog = element("section", "panel");
  dialog.setAttribute("role", "dialog");
  dialog.setAttribute("aria-modal", "true");
  dialog.setAttribute("aria-labelledby", HOST_ID + "-title");
  dialog.setAttribute("lang", lang);
  const header = element("div", "header");
  const title = element("h2", "title", t.title);
  title.id = HOST_ID + "-title";
  const clear = button(t.clear, "clear");
  const closer = button("×", "close");
  closer.setAttribute("aria-label", t.close);
  closer.title = t.close;
  header.append(title, clear, closer);

  const log = element("div", "log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", t.title);
  log.tabIndex = 0;
  const replies = element("div", "replies");
  const form = element("form", "ask");
  const input = document.createElement("input");
  input.type = "text";
  input.id = HOST_ID + "-question";
  input.autocomplete = "off";
  input.maxLength = 500;
  const label = element("label", "label", t.question);
  label.htmlFor = input.id;
  form.append(label, input, button(t.send, "primary", "submit"));
  // "Talk to a person", always in reach (not only when an answer fails): a labelled group of the
  // two handoff choices under the question field, hidden only while a handoff screen is up.
  const person = element("div", "choices person");
  person.setAttribute("role", "group");
  const personLabel = element("span", "", t.person);
  personLabel.id = HOST_ID + "-person";
  person.setAttribute("aria-labelledby", personLabel.id);
  person.append(personLabel);
  for (const action of HANDOFF_ACTIONS) {
    const control = button(t[action]);
    control.addEventListener("click", guarded(() => showHandoff(action)));
    person.append(control);
  }
  const handoff = element("div", "handoff");
  handoff.hidden = true;
  dialog.append(header, log, replies, form, person, handoff);
  shadow.append(backdrop, dialog);

  panel = { ctx, lang, t, host, shadow, dialog, log, replies, form, person, input, handoff, opener, closed: false };
  backdrop.addEventListener("click", guarded(close));
  closer.addEventListener("click", guarded(close));
  clear.addEventListener("click", guarded(clearConversation));
  form.addEventListener(
    "submit",
    guarded((event) => {
      event.preventDefault();
      const question = input.value.trim();
      if (!question) return;
      input.value = "";
      ask(question);
    }),
  );
  dialog.addEventListener("keydown", guarded(keydown));

  if (!messages.length) messages = restore(ctx);
  if (!messages.length) messages = [{ from: "assistant", text: t.greeting }];
  for (const message of messages) log.append(draw(message));
  document.body.append(host);
  log.scrollTop = log.scrollHeight;
  input.focus();
  knowledge(ctx);
  showPrompt(ctx);
}

/** A second `open`: the newest context, the focus back in, and its prompt if new. */
function update(ctx) {
  panel.ctx = ctx;
  if (!panel.dialog.contains(panel.shadow.activeElement)) (panel.handoff.hidden ? panel.input : first(panel.handoff)).focus();
  showPrompt(ctx);
}

/** The prompt the core opened the panel with: its text and its quick replies; `ctx.reply`, a
 * reply the visitor already chose in the core's bubble, is acted on at once. */
function showPrompt(ctx) {
  const prompt = ctx.prompt;
  if (prompt && typeof prompt == "object" && !promptsShown.has(prompt.id)) {
    promptsShown.add(prompt.id);
    if (typeof prompt.text == "string" && prompt.text) say({ from: "assistant", text: prompt.text });
    panel.replies.replaceChildren();
    for (const reply of Array.isArray(prompt.replies) ? prompt.replies : []) {
      if (!reply || typeof reply.label != "string" || !reply.label) continue;
      const control = button(reply.label);
      control.addEventListener("click", guarded(() => act(reply)));
      panel.replies.append(control);
    }
  }
  if (ctx.reply && typeof ctx.reply == "object") act(ctx.reply);
}

/** A quick reply: its question asked at once, or its action taken. A quick reply is the shop's
 * own question, not the visitor's words: its best entry answers it even when the match is only
 * close (the knowledge's question says it in other words), rather than asking "did you mean". */
function act(reply) {
  if (typeof reply.ask == "string" && reply.ask) return ask(reply.ask, true);
  if (HANDOFF_ACTIONS.includes(reply.action)) return showHandoff(reply.action);
  if (reply.action == "resume") {
    // The cart is the core's: it resumes it when told (if it says how), and the panel closes.
    if (typeof panel.ctx.resume == "function") panel.ctx.resume();
    close();
  }
}

function keydown(event) {
  if (event.key === "Escape") {
    event.preventDefault();
    return close();
  }
  if (event.key !== "Tab") return;
  // Tab and Shift+Tab cycle inside the dialog.
  const items = focusables();
  const edge = items[event.shiftKey ? 0 : items.length - 1];
  if (!items.includes(panel.shadow.activeElement) || panel.shadow.activeElement === edge) {
    event.preventDefault();
    items[event.shiftKey ? items.length - 1 : 0].focus();
  }
}

function focusables() {
  return [...panel.dialog.querySelectorAll("button,a[href],input,[tabindex='0']")].filter((item) => item.getClientRects().length);
}

function first(container) {
  return container.querySelector("input,button") || panel.input;
}

/** Closes the panel: its elements go, the conversation stays; the core gets the focus back. */
function close() {
  if (!panel || panel.closed) return;
  const { host, ctx, opener } = panel;
  panel.closed = true;
  panel = null;
  try {
    host.remove();
  } catch (error) {}
  try {
    if (typeof ctx.onClose == "function") return ctx.onClose();
  } catch (error) {
    warn("onClose failed (" + describe(error) + ")");
  }
  if (opener && opener.isConnected && typeof opener.focus == "function") opener.focus();
}

// ---------------------------------------------------------------------------------------------
// Questions and answers.

/** The knowledge's index for the panel's URL: fetched once, without credentials; a failure is
 * one warning naming the cause and is forgotten, so the next question tries again. */
function knowledge(ctx) {
  const url = String(ctx.knowledgeUrl);
  let loading = indexes.get(url);
  if (!loading) {
    loading = fetch(url, { credentials: "omit" })
      .then(
        (response) => {
          if (!response.ok) throw new Error("the knowledge (" + url + ") answered HTTP " + response.status);
          return response.text();
        },
        (error) => {
          throw new Error("the knowledge (" + url + ") could not be fetched (" + describe(error) + ")");
        },
      )
      .then((text) => {
        try {
          return index(text);
        } catch (error) {
          throw new Error("the knowledge (" + url + ") cannot be used: " + describe(error));
        }
      });
    loading.catch((error) => {
      indexes.delete(url);
      warn(describe(error));
    });
    indexes.set(url, loading);
  }
  return loading;
}

function ask(question, guided) {
  const current = panel;
  say({ from: "visitor", text: question });
  knowledge(current.ctx).then(
    guarded((found) => {
      if (panel !== current) return;
      const { outcome, hits } = found.ask(question, current.lang);
      if (outcome == "confident" || (guided && outcome == "weak")) answerWith(hits[0]);
      else if (outcome == "weak") say({ from: "assistant", text: current.t.weak, choices: hits.map(({ question, answer, link }) => ({ question, answer, link })) });
      else say({ from: "assistant", text: current.t.none, offer: true });
    }),
    guarded(() => {
      if (panel === current) say({ from: "assistant", text: current.t.unavailable, offer: true });
    }),
  );
}

function answerWith(hit) {
  say({ from: "assistant", text: hit.answer, link: typeof hit.link == "string" ? hit.link : undefined });
}

/** Adds a message to the conversation and the log (announced by its live region). */
function say(message) {
  messages.push(message);
  if (messages.length > MAX_MESSAGES) messages = messages.slice(-MAX_MESSAGES);
  save();
  if (!panel) return;
  panel.log.append(draw(message));
  panel.log.scrollTop = panel.log.scrollHeight;
}

function draw(message) {
  const t = panel.t;
  const item = element("div", "msg " + message.from);
  const text = element("p", "", undefined);
  text.append(element("span", "who", message.from == "visitor" ? t.you : t.assistant), message.text);
  item.append(text);
  const href = message.link && safeHref(message.link);
  if (href) {
    const link = element("a", "", t.more);
    link.href = href;
    link.rel = "noopener";
    item.append(link);
  }
  if (message.choices || message.offer) {
    const row = element("div", "choices");
    for (const choice of message.choices || []) {
      const control = button(choice.question);
      control.addEventListener(
        "click",
        guarded(() => {
          say({ from: "visitor", text: choice.question });
          answerWith(choice);
        }),
      );
      row.append(control);
    }
    if (message.offer) {
      for (const action of HANDOFF_ACTIONS) {
        const control = button(t[action]);
        control.addEventListener("click", guarded(() => showHandoff(action)));
        row.append(control);
      }
    }
    item.append(row);
  }
  return item;
}

/** A link of the knowledge as the browser resolves it: https, or the page's own origin; else none. */
function safeHref(link) {
  try {
    const url = new URL(link, location.href);
    if (url.protocol === "https:" || (url.origin === location.origin && url.protocol === "http:")) return url.href;
  } catch (error) {}
  warn("the link " + link + " is not https; not shown");
  return null;
}

// ---------------------------------------------------------------------------------------------
// Handoff: "Call me" and "Continue in store".

function showHandoff(kind) {
  const { t, ctx, handoff, lang } = panel;
  const screen = element("div", "");
  const heading = element("h3", "", t[kind]);
  heading.id = HOST_ID + "-handoff";
  screen.setAttribute("role", "group");
  screen.setAttribute("aria-labelledby", heading.id);
  screen.append(heading, element("p", "", t[kind + "Intro"]));
  if (typeof ctx.cartCode == "string" && ctx.cartCode) {
    const line = element("p", "", t.code);
    line.append(element("strong", "code-value", ctx.cartCode));
    screen.append(line);
  }
  const hoursLine = element("p", "", t.hours);
  hoursLine.hidden = true;
  screen.append(hoursLine);
  knowledge(ctx).then(
    guarded((found) => {
      const hours = found.openingHours(lang);
      if (hours) {
        hoursLine.append(hours);
        hoursLine.hidden = false;
      }
    }),
    () => {},
  );
  let phone = null;
  const error = element("p", "error");
  error.id = HOST_ID + "-phone-error";
  error.hidden = true;
  if (kind == "call") {
    const field = element("div", "field");
    phone = document.createElement("input");
    phone.type = "tel";
    phone.id = HOST_ID + "-phone";
    phone.autocomplete = "tel";
    phone.maxLength = 30;
    const label = element("label", "", t.phone);
    label.htmlFor = phone.id;
    field.append(label, phone, error);
    screen.append(field);
  }
  screen.append(element("p", "", personal(ctx) ? t.shared : t.private));
  const status = element("p", "status");
  status.setAttribute("role", "status");
  const buttons = element("div", "buttons");
  const send = button(kind == "call" ? t.sendCall : t.sendStore, "primary");
  const back = button(t.back);
  buttons.append(send, back);
  screen.append(buttons, status);

  let sending = false;
  send.addEventListener(
    "click",
    guarded(() => {
      if (sending) return;
      const current = panel.ctx;
      const request = { kind };
      if (phone) {
        const number = validPhone(phone.value);
        phone.setAttribute("aria-invalid", number ? "false" : "true");
        if (!number) {
          error.textContent = t.phoneError;
          error.hidden = false;
          phone.setAttribute("aria-describedby", error.id);
          return phone.focus();
        }
        error.hidden = true;
        phone.removeAttribute("aria-describedby");
        request.phone = number;
      }
      // The conversation leaves the device only under the personalization purpose.
      if (personal(current)) request.transcript = messages.map(({ from, text }) => ({ from, text }));
      sending = true;
      send.setAttribute("aria-disabled", "true");
      status.textContent = t.sending;
      Promise.resolve()
        .then(() => current.handoff(request))
        .then(
          (result) => (result === "sent" || result === "not_allowed" ? result : "failed"),
          (thrown) => {
            warn("the handoff failed (" + describe(thrown) + ")");
            return "failed";
          },
        )
        .then(
          guarded((result) => {
            sending = false;
            send.removeAttribute("aria-disabled");
            status.textContent = t[result];
          }),
        );
    }),
  );
  back.addEventListener("click", guarded(hideHandoff));
  handoff.replaceChildren(screen);
  handoff.hidden = false;
  panel.log.hidden = panel.replies.hidden = panel.form.hidden = panel.person.hidden = true;
  (phone || send).focus();
}

function personal(ctx) {
  return !!(ctx.consent && ctx.consent.personalization);
}

function hideHandoff() {
  panel.handoff.hidden = true;
  panel.handoff.replaceChildren();
  panel.log.hidden = panel.replies.hidden = panel.form.hidden = panel.person.hidden = false;
  panel.input.focus();
}

/** The number as sent: digits with an optional leading `+`, separators (spaces, dots, dashes,
 * brackets, slashes) dropped; null unless 6 to 15 digits (E.164's most). */
export function validPhone(value) {
  const compact = String(value).trim().replace(/[\s.\-()/]/g, "");
  return /^\+?\d{6,15}$/.test(compact) ? compact : null;
}

// ---------------------------------------------------------------------------------------------
// The conversation on the device.

/** Stores the conversation under `ctx.storageKey`, only when `ctx.consent.storage`. */
function save() {
  const ctx = panel && panel.ctx;
  if (!ctx || !ctx.consent || !ctx.consent.storage || typeof ctx.storageKey != "string") return;
  try {
    localStorage.setItem(ctx.storageKey, stringify({ v: 1, messages }));
  } catch (error) {
    warn("the conversation could not be stored (" + describe(error) + ")");
  }
}

/** The stored conversation, when storage is allowed and what is stored is one; anything else
 * is passed over (with a warning when it is malformed). */
function restore(ctx) {
  if (!ctx.consent || !ctx.consent.storage || typeof ctx.storageKey != "string") return [];
  let stored;
  try {
    stored = localStorage.getItem(ctx.storageKey);
    if (stored === null) return [];
    stored = parse(stored);
  } catch (error) {
    warn("the stored conversation is not JSON; ignored");
    return [];
  }
  const list = stored && stored.v === 1 && Array.isArray(stored.messages) ? stored.messages : null;
  if (list && list.length <= MAX_MESSAGES && list.every(validMessage)) return list;
  warn("the stored conversation is not one this module wrote; ignored");
  return [];
}

function validText(text) {
  return typeof text == "string" && text.length > 0 && text.length <= MAX_TEXT;
}

function validMessage(message) {
  return (
    !!message &&
    (message.from === "visitor" || message.from === "assistant") &&
    validText(message.text) &&
    (message.link === undefined || validText(message.link)) &&
    (message.offer === undefined || message.offer === true) &&
    (message.choices === undefined ||
      (Array.isArray(message.choices) &&
        message.choices.length <= 3 &&
        message.choices.every((c) => !!c && validText(c.question) && validText(c.answer) && (c.link == null || validText(c.link)))))
  );
}

/** "Clear conversation": gone from memory, the panel and the device. */
function clearConversation() {
  const { ctx, t, log, input } = panel;
  messages = [];
  try {
    if (typeof ctx.storageKey == "string" && localStorage.getItem(ctx.storageKey) !== null) localStorage.removeItem(ctx.storageKey);
  } catch (error) {
    warn("the stored conversation could not be removed (" + describe(error) + ")");
  }
  log.replaceChildren();
  // Said, not kept: a cleared conversation starts empty.
  log.append(draw({ from: "assistant", text: t.cleared }));
  input.focus();
}

// ---------------------------------------------------------------------------------------------

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(text, className, type = "button") {
  const control = element("button", className, text);
  control.type = type;
  return control;
}
