// Concierge staff console: look up a visitor's cart by code, follow it live, record their purchase intent; the site's live queue of open handoff requests, each marked handled by staff.
(function () {
  "use strict";

  var TOKEN_KEY = "concierge-staff:token";
  var ADVISOR_KEY = "concierge-staff:advisor";
  var ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679";
  var POLL_MS = 1000;

  var $ = function (id) { return document.getElementById(id); };
  var state = { code: null, cart: null, polling: false, timer: null, pausedUntil: 0 };

  function token() {
    try { return sessionStorage.getItem(TOKEN_KEY) || ""; } catch (error) { return state.token || ""; }
  }

  function setToken(value) {
    state.token = value;
    try {
      if (value) sessionStorage.setItem(TOKEN_KEY, value); else sessionStorage.removeItem(TOKEN_KEY);
    } catch (error) {
      // Private mode: the token lives in memory for this page.
    }
    renderSignedIn();
  }

  function renderSignedIn() {
    var signedIn = Boolean(token());
    $("sign-in").hidden = signedIn;
    $("lookup-section").hidden = !signedIn;
    $("queue-section").hidden = !signedIn;
    if (signedIn) pollQueue(); else stopQueue();
    $("sign-out").hidden = !signedIn;
    if (!signedIn) stopPolling();
  }

  function say(message) {
    $("staff-status").textContent = message;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** "k7m4qp", "K7M 4QP" and "K7M-4QP" all become "K7M-4QP"; anything else null. */
  function normaliseCode(text) {
    var compact = String(text).toUpperCase().replace(/[\s-]/g, "");
    if (compact.length !== 6) return null;
    for (var i = 0; i < 6; i++) if (ALPHABET.indexOf(compact[i]) < 0) return null;
    return compact.slice(0, 3) + "-" + compact.slice(3);
  }

  function money(minor, currency) {
    try {
      return new Intl.NumberFormat("en-GB", { style: "currency", currency: currency || "EUR" }).format(minor / 100);
    } catch (error) {
      return (minor / 100).toFixed(2) + " " + currency;
    }
  }

  // The consent table's texts, in the staff's language (the browser's first of en, es, nl, de).
  var CONSENT_TEXTS = {
    en: { caption: "Consent per purpose", purpose: "Purpose", decision: "Decision", source: "How", time: "When", policy: "Policy",
      granted: "granted", denied: "denied", unset: "not answered", alwaysOn: "always on", unknown: "—",
      sources: { dialog: "consent dialog", panel: "preferences panel", gpc: "Global Privacy Control", tcf: "the shop's consent manager (TCF)", api: "the shop's page", "default": "the region's default" },
      version: "version {v}" },
    es: { caption: "Consentimiento por finalidad", purpose: "Finalidad", decision: "Decisión", source: "Cómo", time: "Cuándo", policy: "Política",
      granted: "aceptado", denied: "rechazado", unset: "sin respuesta", alwaysOn: "siempre activo", unknown: "—",
      sources: { dialog: "diálogo de consentimiento", panel: "panel de preferencias", gpc: "Global Privacy Control", tcf: "el gestor de consentimiento de la tienda (TCF)", api: "la página de la tienda", "default": "lo predeterminado en la región" },
      version: "versión {v}" },
    nl: { caption: "Toestemming per doel", purpose: "Doel", decision: "Besluit", source: "Hoe", time: "Wanneer", policy: "Beleid",
      granted: "toegestaan", denied: "geweigerd", unset: "niet beantwoord", alwaysOn: "altijd aan", unknown: "—",
      sources: { dialog: "toestemmingsdialoog", panel: "voorkeurenpaneel", gpc: "Global Privacy Control", tcf: "de toestemmingsbeheerder van de winkel (TCF)", api: "de pagina van de winkel", "default": "de standaard van de regio" },
      version: "versie {v}" },
    de: { caption: "Einwilligung je Zweck", purpose: "Zweck", decision: "Entscheidung", source: "Wie", time: "Wann", policy: "Richtlinie",
      granted: "erlaubt", denied: "abgelehnt", unset: "nicht beantwortet", alwaysOn: "immer aktiv", unknown: "—",
      sources: { dialog: "Einwilligungsdialog", panel: "Einstellungsbereich", gpc: "Global Privacy Control", tcf: "der Einwilligungsmanager des Shops (TCF)", api: "die Seite des Shops", "default": "die Voreinstellung der Region" },
      version: "Version {v}" },
  };

  function staffLanguage() {
    var wanted = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"]);
    for (var i = 0; i < wanted.length; i++) {
      var primary = String(wanted[i]).toLowerCase().split("-")[0];
      if (CONSENT_TEXTS[primary]) return primary;
    }
    return "en";
  }

  /** The visitor's consent for each purpose of the policy: its name, decision, source, time, version. */
  function renderConsent(purposes) {
    var language = staffLanguage();
    var texts = CONSENT_TEXTS[language];
    var table = $("cart-consent");
    table.replaceChildren();
    table.lang = language;
    table.append(el("caption", "", texts.caption));
    var head = el("tr");
    [texts.purpose, texts.decision, texts.source, texts.time, texts.policy].forEach(function (text) {
      var cell = el("th", "", text);
      cell.scope = "col";
      head.append(cell);
    });
    var thead = el("thead");
    thead.append(head);
    var tbody = el("tbody");
    var when = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" });
    (purposes || []).forEach(function (purpose) {
      var row = el("tr");
      row.dataset.purpose = purpose.purpose;
      var names = purpose.names || {};
      var name = el("th", "", names[language] || names.en || purpose.purpose);
      name.scope = "row";
      var decision = purpose.always_on ? texts.alwaysOn : (texts[purpose.decision] || purpose.decision);
      var time = purpose.decided_at ? when.format(new Date(purpose.decided_at)) : texts.unknown;
      row.append(
        name,
        el("td", "decision " + purpose.decision, decision),
        el("td", "source", purpose.source ? (texts.sources[purpose.source] || purpose.source) : texts.unknown),
        el("td", "time", time),
        el("td", "policy", purpose.policy == null ? texts.unknown : texts.version.replace("{v}", String(purpose.policy))),
      );
      tbody.append(row);
    });
    table.append(thead, tbody);
  }

  function ago(ms) {
    if (!ms) return "no activity yet";
    var seconds = Math.max(0, Math.round((Date.now() - ms) / 1000));
    var format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
    if (seconds < 60) return format.format(-seconds, "second");
    if (seconds < 3600) return format.format(-Math.round(seconds / 60), "minute");
    if (seconds < 86400) return format.format(-Math.round(seconds / 3600), "hour");
    return format.format(-Math.round(seconds / 86400), "day");
  }

  /** Calls the API; resolves { status, body } and handles the answers every call shares. */
  function api(method, path, body) {
    var headers = { authorization: "Bearer " + token() };
    if (body) headers["content-type"] = "application/json";
    return fetch(path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined, cache: "no-store" })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) {
          if (response.status === 401) {
            setToken("");
            say("That staff token was not accepted. Please sign in again.");
            $("staff-token").focus();
          } else if (response.status === 429) {
            var wait = parseInt(response.headers.get("retry-after") || "60", 10);
            state.pausedUntil = Date.now() + wait * 1000;
            say("Too many failed attempts. Try again in " + wait + " seconds.");
          }
          return { status: response.status, body: json };
        });
      })
      .catch(function () {
        say("The server cannot be reached. Retrying…");
        return { status: 0, body: {} };
      });
  }

  // --- lookup and live view -------------------------------------------------------------

  function lookUp(code) {
    stopPolling();
    state.code = code;
    state.cart = null;
    say("Looking up " + code + "…");
    poll(true);
  }

  function poll(first) {
    if (!state.code || state.polling) return;
    if (document.hidden || Date.now() < state.pausedUntil) return schedule();
    state.polling = true;
    var code = state.code;
    api("GET", "/v1/carts/" + encodeURIComponent(code)).then(function (reply) {
      state.polling = false;
      if (code !== state.code) return;
      if (reply.status === 200) {
        if (first) say("");
        render(reply.body, first);
        schedule();
      } else if (reply.status === 404) {
        $("cart-view").hidden = true;
        say("No cart has the code " + code + ". Check it with the visitor: the codes never use 0, O, 1, I, L, 2, Z, 5, S, 8 or B.");
        state.code = null;
      } else if (reply.status === 422) {
        say(reply.body.message || "That is not a cart code.");
        state.code = null;
      } else if (reply.status !== 401) {
        schedule();
      }
    });
  }

  function schedule() {
    clearTimeout(state.timer);
    if (state.code) state.timer = setTimeout(poll, POLL_MS);
  }

  function stopPolling() {
    clearTimeout(state.timer);
    state.code = null;
    state.polling = false;
  }

  function render(live, first) {
    var previous = state.cart;
    state.cart = live;
    var cart = live.cart || { currency: "EUR", lines: [] };
    $("cart-view").hidden = false;
    $("cart-view-code").textContent = live.cart_code;
    $("cart-meta").textContent = live.item_count + (live.item_count === 1 ? " item" : " items") + " · last activity " + ago(live.last_activity);
    renderConsent(live.consent_purposes);

    var list = $("live-cart");
    list.replaceChildren();
    cart.lines.forEach(function (line) {
      var item = el("li", "line");
      item.dataset.itemId = line.item_id;
      item.append(
        el("span", "line-name", line.item_name),
        el("span", "line-qty", "× " + line.quantity),
        el("span", "line-amount", money(line.price * line.quantity, cart.currency)),
      );
      list.append(item);
    });
    if (!cart.lines.length) list.append(el("li", "empty", "The cart is empty."));
    $("live-total").textContent = money(live.total, cart.currency);

    var interests = $("interests");
    interests.replaceChildren();
    // The agent's own interest model, as it last sent it under the personalization purpose:
    // dimension · key · score (normalised within its dimension).
    var dimensions = { category: "Category", brand: "Brand", price_band: "Price band" };
    (live.interests || []).forEach(function (interest) {
      var dimension = dimensions[interest.dimension] || String(interest.dimension);
      var score = Math.round(Number(interest.score) * 100) / 100;
      interests.append(el("li", "chip", dimension + " · " + interest.key + " · " + score));
    });
    if (!interests.children.length) interests.append(el("li", "empty", "None recorded."));

    renderIntents(live.intents || []);
    renderHandoffs(live.handoffs || []);
    renderProductChoices(cart.lines, previous);

    var changed = previous && (previous.total !== live.total || previous.item_count !== live.item_count);
    if (first || changed) {
      $("cart-announcer").textContent = "Cart " + live.cart_code + ": " + live.item_count + " items, " + money(live.total, cart.currency);
    }
  }

  /** One checkbox per cart line; keeps what the advisor ticked when the cart updates. */
  function renderProductChoices(lines, previous) {
    var box = $("intent-products");
    var ticked = {};
    var known = {};
    box.querySelectorAll("input").forEach(function (input) {
      known[input.value] = true;
      ticked[input.value] = input.checked;
    });
    var ids = lines.map(function (line) { return line.item_id; });
    var same = previous && Object.keys(known).join() === ids.join();
    if (same) return;
    var focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.value : null;
    box.replaceChildren();
    lines.forEach(function (line, index) {
      var id = "intent-product-" + index;
      var input = el("input");
      input.type = "checkbox";
      input.id = id;
      input.value = line.item_id;
      input.checked = known[line.item_id] ? ticked[line.item_id] : true;
      var label = el("label", "check", line.item_name);
      label.htmlFor = id;
      var row = el("div", "check-row");
      row.append(input, label);
      box.append(row);
      if (focused === line.item_id) input.focus();
    });
    if (!lines.length) box.append(el("p", "empty", "No products in the cart; name them below."));
  }

  /** The visitor's handoff requests from the assistant, newest first (polled with the cart):
   * what they asked for, when, the phone, the cart code and the conversation when kept. */
  function renderHandoffs(handoffs) {
    var list = $("handoffs");
    list.replaceChildren();
    handoffs.forEach(function (handoff) {
      var item = el("li", "intent handoff");
      var when = new Date(handoff.at).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
      var kind = handoff.kind === "call" ? "Call me back" : "Continue in store";
      item.append(el("p", "intent-products", kind + (handoff.phone ? " · " + handoff.phone : "")));
      item.append(el("p", "intent-meta", (handoff.cart_code ? "Cart " + handoff.cart_code + " · " : "") + when));
      (handoff.transcript || []).forEach(function (line) {
        item.append(el("p", "intent-note", (line.from === "visitor" ? "Visitor: " : "Assistant: ") + line.text));
      });
      list.append(item);
    });
    if (!handoffs.length) list.append(el("li", "empty", "None yet."));
  }

  function renderIntents(intents) {
    var list = $("intents");
    list.replaceChildren();
    intents.forEach(function (intent) {
      var item = el("li", "intent");
      var when = new Date(intent.created_at).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
      var channel = intent.channel === "call_centre" ? "Call centre" : intent.channel === "store" ? "In store" : intent.channel;
      item.append(
        el("p", "intent-products", intent.products.join(", ")),
        el("p", "intent-note", intent.note || "No note."),
        el("p", "intent-meta", channel + " · " + intent.advisor_id + " · " + when),
      );
      list.append(item);
    });
    if (!intents.length) list.append(el("li", "empty", "None yet."));
  }

  function recordIntent(event) {
    event.preventDefault();
    if (!state.code) return;
    var products = [];
    $("intent-products").querySelectorAll("input:checked").forEach(function (input) { products.push(input.value); });
    $("intent-extra").value.split(",").map(function (p) { return p.trim(); }).filter(Boolean).forEach(function (p) { products.push(p); });
    var advisor = $("advisor-id").value.trim();
    try { localStorage.setItem(ADVISOR_KEY, advisor); } catch (error) { /* remembered for this page only */ }
    var body = { products: products, note: $("intent-note").value.trim(), channel: $("intent-channel").value, advisor_id: advisor };
    $("intent-error").textContent = "";
    $("record-intent").disabled = true;
    api("POST", "/v1/carts/" + encodeURIComponent(state.code) + "/intent", body).then(function (reply) {
      $("record-intent").disabled = false;
      if (reply.status === 201) {
        $("intent-note").value = "";
        $("intent-extra").value = "";
        $("intent-status").textContent = "Intent recorded. The visitor's next page will know it.";
        if (state.cart) {
          state.cart.intents = [reply.body].concat(state.cart.intents || []);
          renderIntents(state.cart.intents);
        }
      } else if (reply.status === 422) {
        var fields = { products: "intent-extra", note: "intent-note", channel: "intent-channel", advisor_id: "advisor-id" };
        $("intent-error").textContent = reply.body.message || "Please check the form.";
        var target = $(fields[reply.body.field] || "intent-note");
        target.setAttribute("aria-invalid", "true");
        target.focus();
      } else if (reply.status === 404) {
        $("intent-error").textContent = "That cart code no longer exists (the visitor may have withdrawn consent).";
      }
    });
  }

  // --- the site's queue of open handoff requests --------------------------------------------

  // The queue's texts, in the staff's language (as the consent table's).
  var QUEUE_TEXTS = {
    en: { title: "Open handoff requests", site: "Site", show: "Show", none: "No open requests.", call: "Call me back", store: "Continue in store",
      cart: "Cart", handled: "Mark handled", done: "Marked handled.", arrived: "New handoff request: ", gone: "That request was already handled or no longer exists.",
      badSite: "A site id has 1 to 64 letters, digits, - or _." },
    es: { title: "Solicitudes de atención abiertas", site: "Sitio", show: "Mostrar", none: "No hay solicitudes abiertas.", call: "Llamar al cliente", store: "Continuar en tienda",
      cart: "Carrito", handled: "Marcar como atendida", done: "Marcada como atendida.", arrived: "Nueva solicitud de atención: ", gone: "Esa solicitud ya fue atendida o ya no existe.",
      badSite: "El id de un sitio tiene de 1 a 64 letras, dígitos, - o _." },
    nl: { title: "Open verzoeken om contact", site: "Site", show: "Tonen", none: "Geen open verzoeken.", call: "Terugbellen", store: "Verder in de winkel",
      cart: "Winkelwagen", handled: "Markeren als afgehandeld", done: "Gemarkeerd als afgehandeld.", arrived: "Nieuw verzoek om contact: ", gone: "Dat verzoek is al afgehandeld of bestaat niet meer.",
      badSite: "Een site-id heeft 1 tot 64 letters, cijfers, - of _." },
    de: { title: "Offene Kontaktanfragen", site: "Website", show: "Anzeigen", none: "Keine offenen Anfragen.", call: "Zurückrufen", store: "Im Laden fortsetzen",
      cart: "Warenkorb", handled: "Als erledigt markieren", done: "Als erledigt markiert.", arrived: "Neue Kontaktanfrage: ", gone: "Diese Anfrage ist schon erledigt oder existiert nicht mehr.",
      badSite: "Eine Website-ID hat 1 bis 64 Buchstaben, Ziffern, - oder _." },
  };
  var SITE_KEY = "concierge-staff:site";
  var queue = { site: "demo", timer: null, polling: false, shown: null, seen: null };

  function queueTexts() { return QUEUE_TEXTS[staffLanguage()] || QUEUE_TEXTS.en; }

  function validSite(site) { return /^[A-Za-z0-9_-]{1,64}$/.test(site); }

  /** The kind and the visitor's phone, as one line: "Call me back · +31 6 1234 5678". */
  function handoffSummary(handoff, texts) {
    return (handoff.kind === "call" ? texts.call : texts.store) + (handoff.phone ? " · " + handoff.phone : "");
  }

  function pollQueue() {
    clearTimeout(queue.timer);
    if (!token() || queue.polling) return;
    if (document.hidden || Date.now() < state.pausedUntil) return scheduleQueue();
    queue.polling = true;
    var site = queue.site;
    api("GET", "/v1/handoffs?site=" + encodeURIComponent(site) + "&open=true").then(function (reply) {
      queue.polling = false;
      if (site !== queue.site) return pollQueue();
      if (reply.status === 200 && Array.isArray(reply.body)) renderQueue(reply.body);
      if (reply.status !== 401) scheduleQueue();
    });
  }

  function scheduleQueue() {
    clearTimeout(queue.timer);
    if (token()) queue.timer = setTimeout(pollQueue, POLL_MS);
  }

  function stopQueue() {
    clearTimeout(queue.timer);
    queue.shown = null;
    queue.seen = null;
  }

  /** The open requests, newest first; drawn again only when they change, so that the focus
   * stays where staff left it. A request that arrives after the first poll is announced. */
  function renderQueue(handoffs) {
    var texts = queueTexts();
    var key = handoffs.map(function (handoff) { return handoff.id; }).join(" ");
    if (key === queue.shown) return;
    var fresh = queue.seen ? handoffs.filter(function (handoff) { return !queue.seen[handoff.id]; }) : [];
    queue.shown = key;
    queue.seen = {};
    var list = $("queue");
    list.replaceChildren();
    handoffs.forEach(function (handoff, index) {
      queue.seen[handoff.id] = true;
      var item = el("li", "intent handoff");
      item.dataset.handoffId = handoff.id;
      var summary = el("p", "intent-products", handoffSummary(handoff, texts));
      summary.id = "queue-item-" + index;
      var when = new Date(handoff.at).toLocaleString(staffLanguage(), { dateStyle: "medium", timeStyle: "short" });
      var meta = el("p", "intent-meta", (handoff.cart_code ? texts.cart + " " + handoff.cart_code + " · " : "") + when);
      var button = el("button", "quiet", texts.handled);
      button.type = "button";
      button.setAttribute("aria-describedby", summary.id);
      button.addEventListener("click", function () { markHandled(handoff.id, button); });
      item.append(summary, meta, button);
      list.append(item);
    });
    if (!handoffs.length) list.append(el("li", "empty", texts.none));
    if (fresh.length) $("queue-announcer").textContent = texts.arrived + fresh.map(function (handoff) { return handoffSummary(handoff, texts); }).join("; ");
  }

  function markHandled(id, button) {
    var texts = queueTexts();
    button.disabled = true;
    var path = "/v1/handoffs/" + encodeURIComponent(id) + "/handled?site=" + encodeURIComponent(queue.site);
    api("POST", path).then(function (reply) {
      if (reply.status === 204 || reply.status === 404) {
        $("queue-announcer").textContent = reply.status === 204 ? texts.done : texts.gone;
        // The focus goes to the queue's heading, not to the page's top, as the item leaves.
        $("queue-title").focus();
        queue.shown = null;
        return pollQueue();
      }
      button.disabled = false;
    });
  }

  function startQueue() {
    var texts = queueTexts();
    $("queue-title").textContent = texts.title;
    $("queue-site-label").textContent = texts.site;
    $("queue-site-apply").textContent = texts.show;
    var fromUrl = new URLSearchParams(location.search).get("site");
    var remembered = null;
    try { remembered = localStorage.getItem(SITE_KEY); } catch (error) { /* none remembered */ }
    queue.site = [fromUrl, remembered, "demo"].filter(function (site) { return site && validSite(site); })[0];
    $("queue-site").value = queue.site;
    $("queue-site-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var site = $("queue-site").value.trim();
      if (!validSite(site)) {
        $("queue-site").setAttribute("aria-invalid", "true");
        say(texts.badSite);
        return;
      }
      $("queue-site").removeAttribute("aria-invalid");
      try { localStorage.setItem(SITE_KEY, site); } catch (error) { /* kept for this page */ }
      queue.site = site;
      stopQueue();
      pollQueue();
    });
  }

  function start() {
    startQueue();
    renderSignedIn();
    try { $("advisor-id").value = localStorage.getItem(ADVISOR_KEY) || ""; } catch (error) { /* none remembered */ }
    $("sign-in-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var value = $("staff-token").value.trim();
      if (!value) return;
      $("staff-token").value = "";
      setToken(value);
      say("Signed in.");
      $("cart-code-input").focus();
    });
    $("sign-out").addEventListener("click", function () {
      setToken("");
      $("cart-view").hidden = true;
      say("Signed out.");
      $("staff-token").focus();
    });
    $("lookup-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var code = normaliseCode($("cart-code-input").value);
      if (!code) {
        say("A cart code has six characters, like K7M-4QP.");
        $("cart-code-input").setAttribute("aria-invalid", "true");
        return;
      }
      $("cart-code-input").removeAttribute("aria-invalid");
      $("cart-code-input").value = code;
      lookUp(code);
    });
    $("intent-form").addEventListener("submit", recordIntent);
    document.querySelectorAll("#intent-form input, #intent-form textarea").forEach(function (input) {
      input.addEventListener("input", function () { input.removeAttribute("aria-invalid"); });
    });
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { poll(false); pollQueue(); } });
    (token() ? $("cart-code-input") : $("staff-token")).focus();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
