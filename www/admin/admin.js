// Concierge privacy admin: edit and publish the consent policy with live checks, preview its dialog, read its history, chart consent rates, export receipts.
(function () {
  "use strict";

  const TOKEN_KEY = "concierge-admin:token";
  const LANGUAGES = ["en", "es", "nl", "de"];
  const CHECK_DELAY_MS = 400;
  const SVG = "http://www.w3.org/2000/svg";

  // --- the catalogue: every text the page shows, in each language ----------------------------

  const MESSAGES = {
    en: {
      skip: "Skip to the content", subtitle: "privacy admin", language: "Language", signOut: "Sign out",
      signInTitle: "Sign in", tokenLabel: "Privacy officer token", signIn: "Sign in",
      tokenHint: "The token is kept in this tab only, until you sign out or close it.",
      siteTitle: "Site", siteLabel: "Site", load: "Load",
      editorTitle: "Consent policy", editorLabel: "Policy document (JSON)",
      editorHint: "Edit the policy as JSON. It is checked as you type, with the same checks as on publish.",
      publish: "Publish this version", previewTitle: "Consent dialog preview", previewLanguage: "Visitor's language",
      previewHint: "A static rendering from the policy being edited; the agent draws the real dialog.",
      historyTitle: "Published versions", chartTitle: "Consent rates per purpose", reportDays: "Days", refresh: "Refresh",
      chartTable: "The figures as a table", exportTitle: "Export consent receipts", exportFrom: "From (UTC day)",
      exportTo: "To (UTC day)", exportCsv: "Download CSV", exportJsonl: "Download JSON Lines",
      signedIn: "Signed in.", signedOut: "Signed out.", badToken: "That token was not accepted. Please sign in again.",
      tooMany: "Too many failed attempts. Try again in {seconds} seconds.", offline: "The server cannot be reached.",
      loading: "Loading {site}…", loaded: "Site {site} loaded.", badSite: "A site id is 1 to 64 letters, digits, - or _.",
      checking: "Checking…", valid: "No problems: the policy can be published.",
      problemCount: "{count} problem(s): fix them before publishing.", line: "line {line}", whole: "the document",
      goTo: "Go to {where}", publishing: "Publishing…", published: "Version {version} published.",
      stale: "Version {version} is not newer than the published one ({current}). Raise the version.",
      notPublished: "Not published: fix the problems listed above.", noPolicy: "No policy is published for this site yet.",
      noHistory: "No version published yet.", version: "Version {version}",
      publishedBy: "Published {when} by {who}", changes: "{count} change(s) from the version before",
      firstVersion: "First version: {count} value(s)", path: "Path", before: "Before", after: "After", absent: "(absent)",
      diffCaption: "Changes in version {version}",
      roleOfficer: "privacy officer", roleStaff: "staff", roleMarketer: "marketer", roleFile: "the documents folder",
      chartLabel: "Consent rates per purpose, {from} to {to}", chartDesc: "Share of receipts granting each purpose per day. {summary}",
      chartSummary: "{purpose}: {granted} granted, {denied} denied ({rate})", noReceipts: "No receipts in this period.",
      axisDay: "Day (UTC)", axisRate: "Share granted", day: "Day", granted: "granted", denied: "denied",
      tableCaption: "Receipts per day and purpose: granted, denied and the share granted",
      exporting: "Preparing the export…", exported: "Downloaded {file}.", exportFailed: "The export failed: {message}",
      previewInvalid: "The preview shows the last version of the policy that could be read.",
      dialogTitle: "Your privacy choices", dialogIntro: "We ask before keeping or using anything about your visit. Choose per purpose; you can change your mind at any time.",
      acceptAll: "Accept all", rejectAll: "Reject all", alwaysOn: "Always on", choiceOff: "Off", privacyLink: "Privacy notice",
    },
    es: {
      skip: "Ir al contenido", subtitle: "administración de privacidad", language: "Idioma", signOut: "Cerrar sesión",
      signInTitle: "Iniciar sesión", tokenLabel: "Token del responsable de privacidad", signIn: "Entrar",
      tokenHint: "El token se guarda solo en esta pestaña, hasta que cierres la sesión o la pestaña.",
      siteTitle: "Sitio", siteLabel: "Sitio", load: "Cargar",
      editorTitle: "Política de consentimiento", editorLabel: "Documento de la política (JSON)",
      editorHint: "Edita la política en JSON. Se comprueba mientras escribes, igual que al publicar.",
      publish: "Publicar esta versión", previewTitle: "Vista previa del diálogo de consentimiento", previewLanguage: "Idioma del visitante",
      previewHint: "Una representación estática de la política que editas; el agente dibuja el diálogo real.",
      historyTitle: "Versiones publicadas", chartTitle: "Tasas de consentimiento por finalidad", reportDays: "Días", refresh: "Actualizar",
      chartTable: "Las cifras en una tabla", exportTitle: "Exportar recibos de consentimiento", exportFrom: "Desde (día UTC)",
      exportTo: "Hasta (día UTC)", exportCsv: "Descargar CSV", exportJsonl: "Descargar JSON Lines",
      signedIn: "Sesión iniciada.", signedOut: "Sesión cerrada.", badToken: "El token no fue aceptado. Vuelve a iniciar sesión.",
      tooMany: "Demasiados intentos fallidos. Vuelve a intentarlo en {seconds} segundos.", offline: "No se puede contactar con el servidor.",
      loading: "Cargando {site}…", loaded: "Sitio {site} cargado.", badSite: "Un sitio tiene de 1 a 64 letras, cifras, - o _.",
      checking: "Comprobando…", valid: "Sin problemas: la política se puede publicar.",
      problemCount: "{count} problema(s): corrígelos antes de publicar.", line: "línea {line}", whole: "el documento",
      goTo: "Ir a {where}", publishing: "Publicando…", published: "Versión {version} publicada.",
      stale: "La versión {version} no es más nueva que la publicada ({current}). Sube la versión.",
      notPublished: "No publicada: corrige los problemas de arriba.", noPolicy: "Este sitio aún no tiene una política publicada.",
      noHistory: "Aún no hay versiones publicadas.", version: "Versión {version}",
      publishedBy: "Publicada {when} por {who}", changes: "{count} cambio(s) respecto a la versión anterior",
      firstVersion: "Primera versión: {count} valor(es)", path: "Ruta", before: "Antes", after: "Después", absent: "(ausente)",
      diffCaption: "Cambios en la versión {version}",
      roleOfficer: "responsable de privacidad", roleStaff: "personal", roleMarketer: "marketing", roleFile: "la carpeta de documentos",
      chartLabel: "Tasas de consentimiento por finalidad, del {from} al {to}", chartDesc: "Proporción de recibos que aceptan cada finalidad por día. {summary}",
      chartSummary: "{purpose}: {granted} aceptados, {denied} rechazados ({rate})", noReceipts: "No hay recibos en este periodo.",
      axisDay: "Día (UTC)", axisRate: "Proporción aceptada", day: "Día", granted: "aceptados", denied: "rechazados",
      tableCaption: "Recibos por día y finalidad: aceptados, rechazados y la proporción aceptada",
      exporting: "Preparando la exportación…", exported: "Descargado {file}.", exportFailed: "La exportación falló: {message}",
      previewInvalid: "La vista previa muestra la última versión de la política que se pudo leer.",
      dialogTitle: "Tus opciones de privacidad", dialogIntro: "Preguntamos antes de guardar o usar nada de tu visita. Elige por finalidad; puedes cambiar de opinión cuando quieras.",
      acceptAll: "Aceptar todo", rejectAll: "Rechazar todo", alwaysOn: "Siempre activo", choiceOff: "Desactivado", privacyLink: "Aviso de privacidad",
    },
    nl: {
      skip: "Naar de inhoud", subtitle: "privacybeheer", language: "Taal", signOut: "Afmelden",
      signInTitle: "Aanmelden", tokenLabel: "Token van de privacyfunctionaris", signIn: "Aanmelden",
      tokenHint: "Het token blijft alleen in dit tabblad, tot je je afmeldt of het sluit.",
      siteTitle: "Site", siteLabel: "Site", load: "Laden",
      editorTitle: "Toestemmingsbeleid", editorLabel: "Beleidsdocument (JSON)",
      editorHint: "Bewerk het beleid als JSON. Het wordt gecontroleerd terwijl je typt, net als bij publiceren.",
      publish: "Deze versie publiceren", previewTitle: "Voorbeeld van de toestemmingsdialoog", previewLanguage: "Taal van de bezoeker",
      previewHint: "Een statische weergave van het beleid dat je bewerkt; de agent tekent de echte dialoog.",
      historyTitle: "Gepubliceerde versies", chartTitle: "Toestemming per doel", reportDays: "Dagen", refresh: "Vernieuwen",
      chartTable: "De cijfers als tabel", exportTitle: "Toestemmingsbewijzen exporteren", exportFrom: "Van (UTC-dag)",
      exportTo: "Tot (UTC-dag)", exportCsv: "CSV downloaden", exportJsonl: "JSON Lines downloaden",
      signedIn: "Aangemeld.", signedOut: "Afgemeld.", badToken: "Dat token werd niet geaccepteerd. Meld je opnieuw aan.",
      tooMany: "Te veel mislukte pogingen. Probeer het over {seconds} seconden opnieuw.", offline: "De server is niet bereikbaar.",
      loading: "{site} laden…", loaded: "Site {site} geladen.", badSite: "Een site-id is 1 tot 64 letters, cijfers, - of _.",
      checking: "Controleren…", valid: "Geen problemen: het beleid kan gepubliceerd worden.",
      problemCount: "{count} probleem/problemen: los ze op voor je publiceert.", line: "regel {line}", whole: "het document",
      goTo: "Ga naar {where}", publishing: "Publiceren…", published: "Versie {version} gepubliceerd.",
      stale: "Versie {version} is niet nieuwer dan de gepubliceerde ({current}). Verhoog de versie.",
      notPublished: "Niet gepubliceerd: los de problemen hierboven op.", noPolicy: "Voor deze site is nog geen beleid gepubliceerd.",
      noHistory: "Nog geen versie gepubliceerd.", version: "Versie {version}",
      publishedBy: "Gepubliceerd {when} door {who}", changes: "{count} wijziging(en) ten opzichte van de vorige versie",
      firstVersion: "Eerste versie: {count} waarde(n)", path: "Pad", before: "Voor", after: "Na", absent: "(afwezig)",
      diffCaption: "Wijzigingen in versie {version}",
      roleOfficer: "privacyfunctionaris", roleStaff: "medewerker", roleMarketer: "marketeer", roleFile: "de documentenmap",
      chartLabel: "Toestemming per doel, {from} tot {to}", chartDesc: "Aandeel bewijzen dat elk doel toestaat, per dag. {summary}",
      chartSummary: "{purpose}: {granted} toegestaan, {denied} geweigerd ({rate})", noReceipts: "Geen bewijzen in deze periode.",
      axisDay: "Dag (UTC)", axisRate: "Aandeel toegestaan", day: "Dag", granted: "toegestaan", denied: "geweigerd",
      tableCaption: "Bewijzen per dag en doel: toegestaan, geweigerd en het aandeel toegestaan",
      exporting: "Export voorbereiden…", exported: "{file} gedownload.", exportFailed: "De export is mislukt: {message}",
      previewInvalid: "Het voorbeeld toont de laatste versie van het beleid die gelezen kon worden.",
      dialogTitle: "Jouw privacykeuzes", dialogIntro: "We vragen het voordat we iets van je bezoek bewaren of gebruiken. Kies per doel; je kunt je keuze altijd wijzigen.",
      acceptAll: "Alles accepteren", rejectAll: "Alles weigeren", alwaysOn: "Altijd aan", choiceOff: "Uit", privacyLink: "Privacyverklaring",
    },
    de: {
      skip: "Zum Inhalt", subtitle: "Datenschutzverwaltung", language: "Sprache", signOut: "Abmelden",
      signInTitle: "Anmelden", tokenLabel: "Token der Datenschutzbeauftragten", signIn: "Anmelden",
      tokenHint: "Das Token bleibt nur in diesem Tab, bis Sie sich abmelden oder ihn schließen.",
      siteTitle: "Website", siteLabel: "Website", load: "Laden",
      editorTitle: "Einwilligungsrichtlinie", editorLabel: "Richtliniendokument (JSON)",
      editorHint: "Bearbeiten Sie die Richtlinie als JSON. Sie wird beim Tippen geprüft, wie beim Veröffentlichen.",
      publish: "Diese Version veröffentlichen", previewTitle: "Vorschau des Einwilligungsdialogs", previewLanguage: "Sprache der Besucher",
      previewHint: "Eine statische Darstellung der bearbeiteten Richtlinie; den echten Dialog zeichnet der Agent.",
      historyTitle: "Veröffentlichte Versionen", chartTitle: "Einwilligungsquoten je Zweck", reportDays: "Tage", refresh: "Aktualisieren",
      chartTable: "Die Zahlen als Tabelle", exportTitle: "Einwilligungsbelege exportieren", exportFrom: "Von (UTC-Tag)",
      exportTo: "Bis (UTC-Tag)", exportCsv: "CSV herunterladen", exportJsonl: "JSON Lines herunterladen",
      signedIn: "Angemeldet.", signedOut: "Abgemeldet.", badToken: "Dieses Token wurde nicht akzeptiert. Bitte melden Sie sich erneut an.",
      tooMany: "Zu viele Fehlversuche. Versuchen Sie es in {seconds} Sekunden erneut.", offline: "Der Server ist nicht erreichbar.",
      loading: "{site} wird geladen…", loaded: "Website {site} geladen.", badSite: "Eine Website-ID hat 1 bis 64 Buchstaben, Ziffern, - oder _.",
      checking: "Wird geprüft…", valid: "Keine Probleme: Die Richtlinie kann veröffentlicht werden.",
      problemCount: "{count} Problem(e): Beheben Sie sie vor dem Veröffentlichen.", line: "Zeile {line}", whole: "das Dokument",
      goTo: "Zu {where}", publishing: "Wird veröffentlicht…", published: "Version {version} veröffentlicht.",
      stale: "Version {version} ist nicht neuer als die veröffentlichte ({current}). Erhöhen Sie die Version.",
      notPublished: "Nicht veröffentlicht: Beheben Sie die oben genannten Probleme.", noPolicy: "Für diese Website ist noch keine Richtlinie veröffentlicht.",
      noHistory: "Noch keine Version veröffentlicht.", version: "Version {version}",
      publishedBy: "Veröffentlicht {when} von {who}", changes: "{count} Änderung(en) gegenüber der vorigen Version",
      firstVersion: "Erste Version: {count} Wert(e)", path: "Pfad", before: "Vorher", after: "Nachher", absent: "(fehlt)",
      diffCaption: "Änderungen in Version {version}",
      roleOfficer: "Datenschutzbeauftragte", roleStaff: "Mitarbeitende", roleMarketer: "Marketing", roleFile: "dem Dokumentenordner",
      chartLabel: "Einwilligungsquoten je Zweck, {from} bis {to}", chartDesc: "Anteil der Belege, die jeden Zweck erlauben, pro Tag. {summary}",
      chartSummary: "{purpose}: {granted} erlaubt, {denied} abgelehnt ({rate})", noReceipts: "Keine Belege in diesem Zeitraum.",
      axisDay: "Tag (UTC)", axisRate: "Anteil erlaubt", day: "Tag", granted: "erlaubt", denied: "abgelehnt",
      tableCaption: "Belege pro Tag und Zweck: erlaubt, abgelehnt und der erlaubte Anteil",
      exporting: "Export wird vorbereitet…", exported: "{file} heruntergeladen.", exportFailed: "Der Export ist fehlgeschlagen: {message}",
      previewInvalid: "Die Vorschau zeigt die letzte lesbare Version der Richtlinie.",
      dialogTitle: "Ihre Datenschutzeinstellungen", dialogIntro: "Wir fragen, bevor wir etwas über Ihren Besuch speichern oder nutzen. Wählen Sie je Zweck; Sie können Ihre Wahl jederzeit ändern.",
      acceptAll: "Alle akzeptieren", rejectAll: "Alle ablehnen", alwaysOn: "Immer aktiv", choiceOff: "Aus", privacyLink: "Datenschutzhinweis",
    },
  };

  const $ = (id) => document.getElementById(id);
  const state = {
    language: "en", site: "demo", policy: null, lastGood: null, checkSeq: 0, checkTimer: null,
    problems: [], pausedUntil: 0, token: "", report: null, history: [],
  };

  function pick(language) {
    const short = String(language || "").slice(0, 2).toLowerCase();
    return LANGUAGES.includes(short) ? short : "en";
  }

  /** A text of the catalogue in `language` (the page's by default), with its {names} filled in. */
  function t(key, vars, language) {
    const table = MESSAGES[language || state.language] || MESSAGES.en;
    const text = key in table ? table[key] : MESSAGES.en[key] || key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (vars && name in vars ? String(vars[name]) : whole));
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svg(tag, attributes, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function applyLanguage() {
    document.documentElement.lang = state.language;
    $("ui-language").value = state.language;
    document.querySelectorAll("[data-i18n]").forEach((node) => { node.textContent = t(node.dataset.i18n); });
    document.querySelectorAll("[data-i18n-label]").forEach((node) => node.setAttribute("aria-label", t(node.dataset.i18nLabel)));
    document.title = t("subtitle") + " · Concierge";
  }

  // --- the token and the API -----------------------------------------------------------------

  function token() {
    try { return sessionStorage.getItem(TOKEN_KEY) || ""; } catch (error) { return state.token; }
  }

  function setToken(value) {
    state.token = value;
    try {
      if (value) sessionStorage.setItem(TOKEN_KEY, value); else sessionStorage.removeItem(TOKEN_KEY);
    } catch (error) {
      // Storage refused (private mode): the token lives in this page's memory only.
    }
    const signedIn = Boolean(value);
    $("sign-in").hidden = signedIn;
    $("workspace").hidden = !signedIn;
    $("sign-out").hidden = !signedIn;
  }

  function say(message) {
    $("admin-status").textContent = message;
  }

  /** Calls the API with the token; resolves { status, json, text, response } and handles 401 and 429. */
  async function api(method, path, body) {
    if (Date.now() < state.pausedUntil) {
      say(t("tooMany", { seconds: Math.ceil((state.pausedUntil - Date.now()) / 1000) }));
      return { status: 429, json: {}, text: "" };
    }
    const headers = { authorization: "Bearer " + token() };
    if (body !== undefined) headers["content-type"] = "application/json";
    let response;
    try {
      response = await fetch(path, { method, headers, body, cache: "no-store", credentials: "same-origin" });
    } catch (error) {
      say(t("offline"));
      return { status: 0, json: {}, text: "" };
    }
    const text = await response.text().catch(() => "");
    let json = {};
    try { json = JSON.parse(text); } catch (error) { /* an export or an empty body */ }
    if (response.status === 401) {
      setToken("");
      say(t("badToken"));
      $("admin-token").focus();
    } else if (response.status === 429) {
      const wait = parseInt(response.headers.get("retry-after") || "60", 10) || 60;
      state.pausedUntil = Date.now() + wait * 1000;
      say(t("tooMany", { seconds: wait }));
    }
    return { status: response.status, json, text, response };
  }

  const siteQuery = () => "site=" + encodeURIComponent(state.site);

  // --- loading a site ------------------------------------------------------------------------

  async function loadSite() {
    say(t("loading", { site: state.site }));
    const reply = await api("GET", "/v1/config/policy/history?" + siteQuery());
    if (reply.status !== 200) {
      if (reply.status === 422 || reply.status === 400) say(reply.json.message || t("badSite"));
      return;
    }
    state.history = reply.json.versions || [];
    renderHistory();
    const latest = state.history[0];
    setEditorText(latest ? JSON.stringify(latest.document, null, 2) : "");
    say(latest ? t("loaded", { site: state.site }) : t("noPolicy"));
    loadReport();
  }

  // --- the editor: live checks, problems at their line ---------------------------------------

  function setEditorText(text) {
    $("policy-editor").value = text;
    editorChanged();
  }

  function editorChanged() {
    const text = $("policy-editor").value;
    renderLines(text, []);
    try {
      state.lastGood = JSON.parse(text);
      state.previewStale = false;
    } catch (error) {
      state.previewStale = true;
    }
    renderPreview();
    clearTimeout(state.checkTimer);
    $("check-summary").textContent = t("checking");
    state.checkTimer = setTimeout(checkNow, CHECK_DELAY_MS);
  }

  async function checkNow() {
    const sequence = ++state.checkSeq;
    const text = $("policy-editor").value;
    const reply = await api("POST", "/v1/config/check?" + siteQuery(), text);
    if (sequence !== state.checkSeq || reply.status !== 200) return;
    showProblems(text, reply.json.problems || []);
  }

  /**
   * Where each JSON path starts in the text: { "": 1, "purposes": 5, "purposes[1].names.en": 30 }
   * (1-based lines), in the validator's path syntax. Reads as far as the text is valid.
   */
  function locate(text) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
    const lineOf = (position) => {
      let low = 0;
      let high = starts.length - 1;
      while (low < high) {
        const middle = (low + high + 1) >> 1;
        if (starts[middle] <= position) low = middle; else high = middle - 1;
      }
      return low + 1;
    };
    const lines = {};
    let i = 0;
    const space = () => { while (i < text.length && /\s/.test(text[i])) i++; };
    const string = () => {
      const start = i;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i++;
      return JSON.parse(text.slice(start, i));
    };
    const value = (path) => {
      space();
      lines[path] = lineOf(i);
      const c = text[i];
      if (c === "{") {
        i++;
        space();
        if (text[i] === "}") { i++; return; }
        for (;;) {
          space();
          const keyLine = lineOf(i);
          const key = string();
          space();
          if (text[i] !== ":") throw new SyntaxError("expected :");
          i++;
          const member = path ? path + "." + key : key;
          value(member);
          lines[member] = keyLine;
          space();
          if (text[i] === ",") { i++; continue; }
          if (text[i] === "}") { i++; return; }
          throw new SyntaxError("expected , or }");
        }
      } else if (c === "[") {
        i++;
        space();
        if (text[i] === "]") { i++; return; }
        for (let index = 0; ; index++) {
          value(path + "[" + index + "]");
          space();
          if (text[i] === ",") { i++; continue; }
          if (text[i] === "]") { i++; return; }
          throw new SyntaxError("expected , or ]");
        }
      } else if (c === '"') {
        string();
      } else {
        while (i < text.length && /[^,\]}\s]/.test(text[i])) i++;
      }
    };
    try { value(""); } catch (error) { /* what was read so far is still placed */ }
    return lines;
  }

  /** The line of a path, or of its nearest ancestor in the text (a missing member: its object). */
  function lineOfPath(lines, path) {
    let current = path;
    for (;;) {
      if (current in lines) return lines[current];
      if (!current) return null;
      const parent = current.replace(/(\.[^.[\]]*|\[\d+\])$/, "");
      current = parent === current ? "" : parent;
    }
  }

  function renderLines(text, marked) {
    const box = $("editor-lines");
    box.replaceChildren();
    text.split("\n").forEach((content, index) => {
      const line = el("div", marked.includes(index + 1) ? "problem-line" : "", content || " ");
      line.dataset.line = String(index + 1);
      box.append(line);
    });
    box.scrollTop = $("policy-editor").scrollTop;
    box.scrollLeft = $("policy-editor").scrollLeft;
  }

  function showProblems(text, problems) {
    const lines = locate(text);
    const placed = problems.map((problem) => ({
      path: problem.path || "",
      message: problem.message || "",
      line: problem.line || lineOfPath(lines, problem.path || ""),
    }));
    state.problems = placed;
    renderLines(text, placed.map((problem) => problem.line).filter(Boolean));
    const list = $("problems");
    list.replaceChildren();
    placed.forEach((problem) => {
      const item = el("li", "problem");
      item.dataset.path = problem.path;
      if (problem.line) item.dataset.line = String(problem.line);
      const where = problem.line ? t("line", { line: problem.line }) : t("whole");
      item.append(el("span", "problem-path", problem.path || t("whole")), document.createTextNode(": " + problem.message + " "));
      if (problem.line) {
        const go = el("button", "link", "(" + t("goTo", { where }) + ")");
        go.type = "button";
        go.addEventListener("click", () => goToLine(problem.line));
        item.append(go);
      }
      list.append(item);
    });
    const editor = $("policy-editor");
    if (placed.length) editor.setAttribute("aria-invalid", "true"); else editor.removeAttribute("aria-invalid");
    $("check-summary").textContent = placed.length ? t("problemCount", { count: placed.length }) : t("valid");
  }

  function goToLine(line) {
    const editor = $("policy-editor");
    const lines = editor.value.split("\n");
    let offset = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
    editor.focus();
    editor.setSelectionRange(offset, offset + (lines[line - 1] || "").length);
    const lineHeight = parseFloat(getComputedStyle(editor).lineHeight) || 20;
    editor.scrollTop = Math.max(0, (line - 3) * lineHeight);
  }

  // --- publishing and the history ------------------------------------------------------------

  async function publish() {
    const text = $("policy-editor").value;
    const status = $("publish-status");
    status.textContent = t("publishing");
    $("publish").disabled = true;
    const reply = await api("PUT", "/v1/config/policy?" + siteQuery(), text);
    $("publish").disabled = false;
    if (reply.status === 201) {
      status.textContent = t("published", { version: reply.json.version });
      await loadSite();
      status.textContent = t("published", { version: reply.json.version });
    } else if (reply.status === 422 && Array.isArray(reply.json.problems)) {
      showProblems(text, reply.json.problems);
      status.textContent = t("notPublished");
    } else if (reply.status === 409) {
      let version = "?";
      try { version = JSON.parse(text).version; } catch (error) { /* shown as ? */ }
      status.textContent = t("stale", { version, current: reply.json.current_version });
    } else if (reply.status !== 401 && reply.status !== 429) {
      status.textContent = reply.json.message || t("offline");
    }
  }

  function role(publisher) {
    const names = { "privacy officer": "roleOfficer", staff: "roleStaff", marketer: "roleMarketer", file: "roleFile" };
    const name = publisher && names[publisher.role] ? t(names[publisher.role]) : (publisher && publisher.role) || "?";
    const detail = publisher && (publisher.fingerprint || publisher.file);
    return detail ? name + " (" + detail + ")" : name;
  }

  function shown(value) {
    if (value === null || value === undefined) return t("absent");
    const text = JSON.stringify(value);
    return text.length > 240 ? text.slice(0, 239) + "…" : text;
  }

  function renderHistory() {
    const list = $("history");
    list.replaceChildren();
    const when = new Intl.DateTimeFormat(state.language, { dateStyle: "medium", timeStyle: "short" });
    state.history.forEach((entry, index) => {
      const item = el("li", "history-entry");
      item.dataset.version = String(entry.version);
      item.append(el("h3", "", t("version", { version: entry.version })));
      const published = entry.published_at ? when.format(new Date(entry.published_at)) : "—";
      item.append(el("p", "history-meta", t("publishedBy", { when: published, who: role(entry.publisher) })));
      const diff = entry.diff || [];
      const details = el("details", "history-diff");
      details.open = index === 0;
      const summary = entry.previous_version == null ? "firstVersion" : "changes";
      details.append(el("summary", "", t(summary, { count: diff.length })));
      const wrap = el("div", "table-wrap");
      const table = el("table");
      table.append(el("caption", "visually-hidden", t("diffCaption", { version: entry.version })));
      const head = el("tr");
      ["path", "before", "after"].forEach((key) => {
        const cell = el("th", "", t(key));
        cell.scope = "col";
        head.append(cell);
      });
      const thead = el("thead");
      thead.append(head);
      const tbody = el("tbody");
      diff.forEach((change) => {
        const row = el("tr");
        row.dataset.path = change.path;
        const path = el("th", "");
        path.scope = "row";
        path.append(el("code", "", change.path));
        row.append(path, el("td", "diff-value diff-before", shown(change.before)), el("td", "diff-value diff-after", shown(change.after)));
        tbody.append(row);
      });
      table.append(thead, tbody);
      wrap.append(table);
      details.append(wrap);
      item.append(details);
      list.append(item);
    });
    if (!state.history.length) list.append(el("li", "empty", t("noHistory")));
  }

  // --- the dialog preview --------------------------------------------------------------------

  function textIn(map, language) {
    if (!map || typeof map !== "object") return "";
    return String(map[language] || map.en || Object.values(map)[0] || "");
  }

  function renderPreview() {
    const box = $("preview");
    box.replaceChildren();
    const language = $("preview-language").value;
    const policy = state.lastGood;
    if (state.previewStale && policy) box.append(el("p", "hint", t("previewInvalid")));
    if (!policy || !Array.isArray(policy.purposes)) return;
    const dialog = el("div", "preview-dialog");
    dialog.lang = language;
    dialog.setAttribute("role", "group");
    dialog.setAttribute("aria-label", t("dialogTitle", null, language));
    dialog.append(el("h3", "", t("dialogTitle", null, language)), el("p", "", t("dialogIntro", null, language)));
    policy.purposes.forEach((purpose) => {
      if (!purpose || typeof purpose !== "object") return;
      const row = el("div", "preview-purpose");
      row.dataset.purpose = String(purpose.id || "");
      const head = el("div", "preview-purpose-head");
      const always = purpose.legal_basis && purpose.legal_basis !== "consent";
      head.append(
        el("strong", "", textIn(purpose.names, language) || String(purpose.id || "")),
        el("span", "preview-toggle", always ? t("alwaysOn", null, language) : t("choiceOff", null, language)),
      );
      row.append(head, el("p", "", textIn(purpose.descriptions, language)));
      dialog.append(row);
    });
    const actions = el("div", "preview-actions");
    actions.append(el("span", "", t("acceptAll", null, language)), el("span", "", t("rejectAll", null, language)));
    dialog.append(actions);
    if (typeof policy.privacy_url === "string" && policy.privacy_url) {
      const link = el("p", "preview-link", t("privacyLink", null, language) + ": " + policy.privacy_url);
      dialog.append(link);
    }
    box.append(dialog);
  }

  // --- the consent chart ---------------------------------------------------------------------

  const COLOURS = ["#0b5cd5", "#b42318", "#0f766e", "#7c3aed", "#b45309", "#374151"];
  const DASHES = ["", "8 4", "2 4", "10 4 2 4", "4 4", "1 3"];

  async function loadReport() {
    const days = $("report-days").value;
    const reply = await api("GET", "/v1/reports/consent?" + siteQuery() + "&days=" + encodeURIComponent(days));
    if (reply.status !== 200) return;
    state.report = reply.json;
    renderReport();
  }

  function purposeName(id) {
    const policy = state.lastGood;
    const purpose = policy && Array.isArray(policy.purposes) ? policy.purposes.find((p) => p && p.id === id) : null;
    return (purpose && textIn(purpose.names, state.language)) || id;
  }

  function renderReport() {
    const report = state.report;
    const box = $("chart");
    box.replaceChildren();
    $("chart-table-wrap").replaceChildren();
    if (!report) return;
    const days = report.days || [];
    const purposes = report.purposes || [];
    const percent = new Intl.NumberFormat(state.language, { style: "percent", maximumFractionDigits: 1 });
    const dayFormat = new Intl.DateTimeFormat(state.language, { month: "short", day: "numeric", timeZone: "UTC" });
    const dayLabel = (day) => dayFormat.format(new Date(day + "T00:00:00Z"));
    const totals = purposes.map((id) => {
      let granted = 0;
      let denied = 0;
      days.forEach((day) => {
        const counts = day.purposes[id];
        if (counts) { granted += counts.granted; denied += counts.denied; }
      });
      return { id, granted, denied, rate: granted + denied ? granted / (granted + denied) : 0 };
    });

    const width = 760;
    const legendRows = Math.ceil(purposes.length / 3);
    const height = 300 + legendRows * 22;
    const left = 64;
    const right = 20;
    const top = 16;
    const plotHeight = 220;
    const plotWidth = width - left - right;
    const x = (index) => left + (days.length > 1 ? (index * plotWidth) / (days.length - 1) : plotWidth / 2);
    const y = (rate) => top + (1 - rate) * plotHeight;

    const chart = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "aria-labelledby": "chart-svg-title chart-svg-desc" });
    const from = days.length ? dayLabel(days[0].day) : "";
    const to = days.length ? dayLabel(days[days.length - 1].day) : "";
    const summary = totals.length
      ? totals.map((total) => t("chartSummary", { purpose: purposeName(total.id), granted: total.granted, denied: total.denied, rate: percent.format(total.rate) })).join("; ") + "."
      : t("noReceipts");
    chart.append(
      svg("title", { id: "chart-svg-title" }, t("chartLabel", { from, to })),
      svg("desc", { id: "chart-svg-desc" }, t("chartDesc", { summary })),
    );
    // The rate axis: gridlines every 25 %.
    [0, 0.25, 0.5, 0.75, 1].forEach((rate) => {
      chart.append(svg("line", { class: "grid", x1: left, x2: width - right, y1: y(rate), y2: y(rate) }));
      chart.append(svg("text", { class: "tick", x: left - 8, y: y(rate) + 4, "text-anchor": "end" }, percent.format(rate)));
    });
    chart.append(svg("line", { class: "axis", x1: left, x2: left, y1: top, y2: top + plotHeight }));
    chart.append(svg("line", { class: "axis", x1: left, x2: width - right, y1: top + plotHeight, y2: top + plotHeight }));
    // The day axis: about six labels, first and last included.
    const step = Math.max(1, Math.ceil(days.length / 6));
    days.forEach((day, index) => {
      if (index % step !== 0 && index !== days.length - 1) return;
      chart.append(svg("line", { class: "axis", x1: x(index), x2: x(index), y1: top + plotHeight, y2: top + plotHeight + 5 }));
      chart.append(svg("text", { class: "tick", x: x(index), y: top + plotHeight + 20, "text-anchor": "middle" }, dayLabel(day.day)));
    });
    chart.append(svg("text", { class: "tick", x: left + plotWidth / 2, y: top + plotHeight + 42, "text-anchor": "middle" }, t("axisDay")));
    chart.append(svg("text", { class: "tick", x: 14, y: top + plotHeight / 2, "text-anchor": "middle", transform: "rotate(-90 14 " + (top + plotHeight / 2) + ")" }, t("axisRate")));

    // One line per purpose, broken where a day had no receipt for it.
    purposes.forEach((id, index) => {
      const colour = COLOURS[index % COLOURS.length];
      const dash = DASHES[index % DASHES.length];
      let d = "";
      let pen = "M";
      const group = svg("g", { "data-purpose": id });
      days.forEach((day, dayIndex) => {
        const counts = day.purposes[id];
        if (!counts || counts.rate === null || counts.rate === undefined) { pen = "M"; return; }
        d += pen + x(dayIndex).toFixed(1) + " " + y(counts.rate).toFixed(1) + " ";
        pen = "L";
        const point = svg("circle", { cx: x(dayIndex).toFixed(1), cy: y(counts.rate).toFixed(1), r: 3.5, fill: colour });
        point.append(svg("title", {}, purposeName(id) + ", " + dayLabel(day.day) + ": " + percent.format(counts.rate)));
        group.append(point);
      });
      const line = svg("path", { class: "series", d: d.trim(), stroke: colour });
      if (dash) line.setAttribute("stroke-dasharray", dash);
      group.prepend(line);
      chart.append(group);
    });

    // The legend, inside the figure.
    const legendTop = top + plotHeight + 62;
    purposes.forEach((id, index) => {
      const column = index % 3;
      const row = Math.floor(index / 3);
      const lx = left + column * 220;
      const ly = legendTop + row * 22;
      const item = svg("g", { class: "legend-item", "data-purpose": id });
      const swatch = svg("line", { x1: lx, x2: lx + 28, y1: ly, y2: ly, stroke: COLOURS[index % COLOURS.length], "stroke-width": 3 });
      if (DASHES[index % DASHES.length]) swatch.setAttribute("stroke-dasharray", DASHES[index % DASHES.length]);
      item.append(swatch, svg("text", { class: "tick", x: lx + 36, y: ly + 4 }, purposeName(id)));
      chart.append(item);
    });
    if (!purposes.length) {
      chart.append(svg("text", { class: "tick", x: left + plotWidth / 2, y: top + plotHeight / 2, "text-anchor": "middle" }, t("noReceipts")));
    }
    box.append(chart);
    renderReportTable(days, purposes, percent, dayLabel);
  }

  function renderReportTable(days, purposes, percent, dayLabel) {
    const table = el("table", "report-table");
    table.append(el("caption", "", t("tableCaption")));
    const head = el("tr");
    const corner = el("th", "", t("day"));
    corner.scope = "col";
    head.append(corner);
    purposes.forEach((id) => {
      const cell = el("th", "", purposeName(id));
      cell.scope = "col";
      head.append(cell);
    });
    const thead = el("thead");
    thead.append(head);
    const tbody = el("tbody");
    days.forEach((day) => {
      const row = el("tr");
      const label = el("th", "", dayLabel(day.day));
      label.scope = "row";
      row.append(label);
      purposes.forEach((id) => {
        const counts = day.purposes[id];
        const text = counts
          ? counts.granted + " " + t("granted") + ", " + counts.denied + " " + t("denied") + (counts.rate == null ? "" : " (" + percent.format(counts.rate) + ")")
          : "—";
        row.append(el("td", "", text));
      });
      tbody.append(row);
    });
    table.append(thead, tbody);
    $("chart-table-wrap").append(table);
  }

  // --- exports -------------------------------------------------------------------------------

  async function download(format) {
    const status = $("export-status");
    status.textContent = t("exporting");
    let query = siteQuery() + "&format=" + format;
    if ($("export-from").value) query += "&from=" + encodeURIComponent($("export-from").value);
    if ($("export-to").value) query += "&to=" + encodeURIComponent($("export-to").value);
    const reply = await api("GET", "/v1/consent/receipts?" + query);
    if (reply.status !== 200) {
      if (reply.status !== 401 && reply.status !== 429) status.textContent = t("exportFailed", { message: reply.json.message || reply.status });
      return;
    }
    const file = "consent-receipts-" + state.site + "." + format;
    const type = format === "csv" ? "text/csv" : "application/x-ndjson";
    const url = URL.createObjectURL(new Blob([reply.text], { type }));
    const link = el("a");
    link.href = url;
    link.download = file;
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    status.textContent = t("exported", { file });
  }

  // --- start ---------------------------------------------------------------------------------

  function start() {
    let saved = "";
    try { saved = sessionStorage.getItem("concierge-admin:language") || ""; } catch (error) { /* the browser's language then */ }
    state.language = pick(saved || navigator.language);
    $("preview-language").value = state.language;
    applyLanguage();
    setToken(token());

    $("ui-language").addEventListener("change", () => {
      state.language = pick($("ui-language").value);
      try { sessionStorage.setItem("concierge-admin:language", state.language); } catch (error) { /* for this page only */ }
      applyLanguage();
      renderHistory();
      renderReport();
      showProblems($("policy-editor").value, state.problems);
    });
    $("sign-in-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const value = $("admin-token").value.trim();
      if (!value) return;
      $("admin-token").value = "";
      setToken(value);
      say(t("signedIn"));
      $("site-id").focus();
      loadSite();
    });
    $("sign-out").addEventListener("click", () => {
      setToken("");
      say(t("signedOut"));
      $("admin-token").focus();
    });
    $("site-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const site = $("site-id").value.trim();
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(site)) {
        $("site-id").setAttribute("aria-invalid", "true");
        say(t("badSite"));
        return;
      }
      $("site-id").removeAttribute("aria-invalid");
      state.site = site;
      loadSite();
    });
    const editor = $("policy-editor");
    editor.addEventListener("input", editorChanged);
    editor.addEventListener("scroll", () => {
      $("editor-lines").scrollTop = editor.scrollTop;
      $("editor-lines").scrollLeft = editor.scrollLeft;
    });
    $("preview-language").addEventListener("change", renderPreview);
    $("publish").addEventListener("click", publish);
    $("report-form").addEventListener("submit", (event) => {
      event.preventDefault();
      loadReport();
    });
    $("export-csv").addEventListener("click", () => download("csv"));
    $("export-jsonl").addEventListener("click", () => download("jsonl"));

    if (token()) {
      $("site-id").focus();
      loadSite();
    } else {
      $("admin-token").focus();
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
