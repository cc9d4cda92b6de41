// Concierge admin pages' shared parts (privacy admin and campaigns): the common texts of the catalogue, sign-in and the API, the JSON editor whose problems are placed on their line, publishing, and the history with its diffs.

export const LANGUAGES = ["en", "es", "nl", "de"];
const CHECK_DELAY_MS = 400;
const LANGUAGE_KEY = "concierge-admin:language";

// --- the catalogue: the texts both pages show, in each language; each page adds its own -------

const SHARED_MESSAGES = {
  en: {
    tokenLabel: "Your token (privacy officer or marketer)", noRole: "This token opens neither the privacy admin nor the campaigns.",
    navPrivacy: "Privacy admin", navCampaigns: "Campaigns",
    skip: "Skip to the content", language: "Language", signOut: "Sign out", signInTitle: "Sign in", signIn: "Sign in",
    tokenHint: "The token is kept in this tab only, until you sign out or close it.", siteTitle: "Site",
    siteLabel: "Site", load: "Load", publish: "Publish this version", previewLanguage: "Visitor's language",
    historyTitle: "Published versions", signedIn: "Signed in.", signedOut: "Signed out.",
    badToken: "That token was not accepted. Please sign in again.",
    tooMany: "Too many failed attempts. Try again in {seconds} seconds.", offline: "The server cannot be reached.",
    loading: "Loading {site}…", loaded: "Site {site} loaded.",
    badSite: "A site id is 1 to 64 letters, digits, - or _.", checking: "Checking…",
    problemCount: "{count} problem(s): fix them before publishing.", line: "line {line}", whole: "the document",
    goTo: "Go to {where}", publishing: "Publishing…", published: "Version {version} published.",
    stale: "Version {version} is not newer than the published one ({current}). Raise the version.",
    notPublished: "Not published: fix the problems listed above.", noHistory: "No version published yet.",
    version: "Version {version}", publishedBy: "Published {when} by {who}",
    changes: "{count} change(s) from the version before", firstVersion: "First version: {count} value(s)",
    path: "Path", before: "Before", after: "After", absent: "(absent)", diffCaption: "Changes in version {version}",
    roleOfficer: "privacy officer", roleStaff: "staff", roleMarketer: "marketer", roleFile: "the documents folder",
  },
  es: {
    tokenLabel: "Tu token (responsable de privacidad o marketing)", noRole: "Este token no abre ni la administración de privacidad ni las campañas.",
    navPrivacy: "Administración de privacidad", navCampaigns: "Campañas",
    skip: "Ir al contenido", language: "Idioma", signOut: "Cerrar sesión", signInTitle: "Iniciar sesión",
    signIn: "Entrar", tokenHint: "El token se guarda solo en esta pestaña, hasta que cierres la sesión o la pestaña.",
    siteTitle: "Sitio", siteLabel: "Sitio", load: "Cargar", publish: "Publicar esta versión",
    previewLanguage: "Idioma del visitante", historyTitle: "Versiones publicadas", signedIn: "Sesión iniciada.",
    signedOut: "Sesión cerrada.", badToken: "El token no fue aceptado. Vuelve a iniciar sesión.",
    tooMany: "Demasiados intentos fallidos. Vuelve a intentarlo en {seconds} segundos.",
    offline: "No se puede contactar con el servidor.", loading: "Cargando {site}…", loaded: "Sitio {site} cargado.",
    badSite: "Un sitio tiene de 1 a 64 letras, cifras, - o _.", checking: "Comprobando…",
    problemCount: "{count} problema(s): corrígelos antes de publicar.", line: "línea {line}", whole: "el documento",
    goTo: "Ir a {where}", publishing: "Publicando…", published: "Versión {version} publicada.",
    stale: "La versión {version} no es más nueva que la publicada ({current}). Sube la versión.",
    notPublished: "No publicada: corrige los problemas de arriba.", noHistory: "Aún no hay versiones publicadas.",
    version: "Versión {version}", publishedBy: "Publicada {when} por {who}",
    changes: "{count} cambio(s) respecto a la versión anterior", firstVersion: "Primera versión: {count} valor(es)",
    path: "Ruta", before: "Antes", after: "Después", absent: "(ausente)",
    diffCaption: "Cambios en la versión {version}", roleOfficer: "responsable de privacidad", roleStaff: "personal",
    roleMarketer: "marketing", roleFile: "la carpeta de documentos",
  },
  nl: {
    tokenLabel: "Je token (privacyfunctionaris of marketeer)", noRole: "Dit token opent noch het privacybeheer noch de campagnes.",
    navPrivacy: "Privacybeheer", navCampaigns: "Campagnes",
    skip: "Naar de inhoud", language: "Taal", signOut: "Afmelden", signInTitle: "Aanmelden", signIn: "Aanmelden",
    tokenHint: "Het token blijft alleen in dit tabblad, tot je je afmeldt of het sluit.", siteTitle: "Site",
    siteLabel: "Site", load: "Laden", publish: "Deze versie publiceren", previewLanguage: "Taal van de bezoeker",
    historyTitle: "Gepubliceerde versies", signedIn: "Aangemeld.", signedOut: "Afgemeld.",
    badToken: "Dat token werd niet geaccepteerd. Meld je opnieuw aan.",
    tooMany: "Te veel mislukte pogingen. Probeer het over {seconds} seconden opnieuw.",
    offline: "De server is niet bereikbaar.", loading: "{site} laden…", loaded: "Site {site} geladen.",
    badSite: "Een site-id is 1 tot 64 letters, cijfers, - of _.", checking: "Controleren…",
    problemCount: "{count} probleem/problemen: los ze op voor je publiceert.", line: "regel {line}",
    whole: "het document", goTo: "Ga naar {where}", publishing: "Publiceren…",
    published: "Versie {version} gepubliceerd.",
    stale: "Versie {version} is niet nieuwer dan de gepubliceerde ({current}). Verhoog de versie.",
    notPublished: "Niet gepubliceerd: los de problemen hierboven op.", noHistory: "Nog geen versie gepubliceerd.",
    version: "Versie {version}", publishedBy: "Gepubliceerd {when} door {who}",
    changes: "{count} wijziging(en) ten opzichte van de vorige versie",
    firstVersion: "Eerste versie: {count} waarde(n)", path: "Pad", before: "Voor", after: "Na", absent: "(afwezig)",
    diffCaption: "Wijzigingen in versie {version}", roleOfficer: "privacyfunctionaris", roleStaff: "medewerker",
    roleMarketer: "marketeer", roleFile: "de documentenmap",
  },
  de: {
    tokenLabel: "Ihr Token (Datenschutzbeauftragte oder Marketing)", noRole: "Dieses Token öffnet weder die Datenschutzverwaltung noch die Kampagnen.",
    navPrivacy: "Datenschutzverwaltung", navCampaigns: "Kampagnen",
    skip: "Zum Inhalt", language: "Sprache", signOut: "Abmelden", signInTitle: "Anmelden", signIn: "Anmelden",
    tokenHint: "Das Token bleibt nur in diesem Tab, bis Sie sich abmelden oder ihn schließen.", siteTitle: "Website",
    siteLabel: "Website", load: "Laden", publish: "Diese Version veröffentlichen",
    previewLanguage: "Sprache der Besucher", historyTitle: "Veröffentlichte Versionen", signedIn: "Angemeldet.",
    signedOut: "Abgemeldet.", badToken: "Dieses Token wurde nicht akzeptiert. Bitte melden Sie sich erneut an.",
    tooMany: "Zu viele Fehlversuche. Versuchen Sie es in {seconds} Sekunden erneut.",
    offline: "Der Server ist nicht erreichbar.", loading: "{site} wird geladen…", loaded: "Website {site} geladen.",
    badSite: "Eine Website-ID hat 1 bis 64 Buchstaben, Ziffern, - oder _.", checking: "Wird geprüft…",
    problemCount: "{count} Problem(e): Beheben Sie sie vor dem Veröffentlichen.", line: "Zeile {line}",
    whole: "das Dokument", goTo: "Zu {where}", publishing: "Wird veröffentlicht…",
    published: "Version {version} veröffentlicht.",
    stale: "Version {version} ist nicht neuer als die veröffentlichte ({current}). Erhöhen Sie die Version.",
    notPublished: "Nicht veröffentlicht: Beheben Sie die oben genannten Probleme.",
    noHistory: "Noch keine Version veröffentlicht.", version: "Version {version}",
    publishedBy: "Veröffentlicht {when} von {who}", changes: "{count} Änderung(en) gegenüber der vorigen Version",
    firstVersion: "Erste Version: {count} Wert(e)", path: "Pfad", before: "Vorher", after: "Nachher",
    absent: "(fehlt)", diffCaption: "Änderungen in Version {version}", roleOfficer: "Datenschutzbeauftragte",
    roleStaff: "Mitarbeitende", roleMarketer: "Marketing", roleFile: "dem Dokumentenordner",
  },
};

/** What the page is at: its language, its site, its token (when storage is refused), a pause after 429. */
export const ui = { language: "en", site: "demo", token: "", pausedUntil: 0 };
const TOKEN_KEY = "concierge-admin:token";
let catalogue = SHARED_MESSAGES;

export const $ = (id) => document.getElementById(id);

export function pick(language) {
  const short = String(language || "").slice(0, 2).toLowerCase();
  return LANGUAGES.includes(short) ? short : "en";
}

/** A text of the catalogue in `language` (the page's by default), with its {names} filled in. */
export function t(key, vars, language) {
  const table = catalogue[language || ui.language] || catalogue.en;
  const text = key in table ? table[key] : catalogue.en[key] || key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (vars && name in vars ? String(vars[name]) : whole));
}

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** An SVG element with its attributes and, if given, its text (set as text). */
export function svg(tag, attributes, text) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  Object.entries(attributes).forEach(([name, value]) => node.setAttribute(name, String(value)));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A header cell for a `col` or a `row`. */
export function heading(text, scope) {
  const cell = el("th", "", text);
  cell.scope = scope;
  return cell;
}

/** A table with its caption and column headings; its rows go in the `tbody` returned with it. */
export function dataTable(className, caption, headings, captionClass) {
  const table = el("table", className);
  table.append(el("caption", captionClass || "", caption));
  const head = el("tr");
  headings.forEach((text) => head.append(heading(text, "col")));
  const thead = el("thead");
  thead.append(head);
  const tbody = el("tbody");
  table.append(thead, tbody);
  return { table, tbody };
}

export function applyLanguage() {
  document.documentElement.lang = ui.language;
  $("ui-language").value = ui.language;
  document.querySelectorAll("[data-i18n]").forEach((node) => { node.textContent = t(node.dataset.i18n); });
  document.querySelectorAll("[data-i18n-label]").forEach((node) => node.setAttribute("aria-label", t(node.dataset.i18nLabel)));
  document.title = t("subtitle") + " · Concierge";
}

export function say(message) {
  $("admin-status").textContent = message;
}

// --- the token and the API -----------------------------------------------------------------

export function token() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ""; } catch (error) { return ui.token; }
}

function setToken(value) {
  ui.token = value;
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

/** Calls the API with the token; resolves { status, json, text, response } and handles 401 and 429. */
export async function api(method, path, body) {
  if (Date.now() < ui.pausedUntil) {
    say(t("tooMany", { seconds: Math.ceil((ui.pausedUntil - Date.now()) / 1000) }));
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
    ui.pausedUntil = Date.now() + wait * 1000;
    say(t("tooMany", { seconds: wait }));
  }
  return { status: response.status, json, text, response };
}

export const siteQuery = () => "site=" + encodeURIComponent(ui.site);

/**
 * Opens the page the token's holder may use: this one when `GET /v1/session` lists `role`,
 * the `other` page ({ role, href }) when it lists that one instead (the token goes along in this
 * tab's `sessionStorage`), or neither.
 */
async function route(role, other, load, fromForm) {
  const reply = await api("GET", "/v1/session");
  if (reply.status !== 200) return; // 401 and 429 are said by api().
  const roles = Array.isArray(reply.json.roles) ? reply.json.roles : [];
  if (roles.includes(role)) {
    if (fromForm) say(t("signedIn"));
    $("site-id").focus();
    load();
  } else if (roles.includes(other.role)) {
    window.location.assign(other.href);
  } else {
    setToken("");
    say(t("noRole"));
    $("admin-token").focus();
  }
}

/**
 * Starts a page: its texts (`messages`, on top of the shared ones), the sign-in shared by both
 * pages (the token kept in this tab; a token of the `other` page's role goes there), and the
 * controls both pages have: the language, sign-out and the site. `role` is the role this page is
 * for, `load` (re)loads the site, `relabel` redraws what is drawn in the page's language.
 */
export function startPage({ messages, role, other, load, relabel }) {
  catalogue = Object.fromEntries(LANGUAGES.map((language) => [language, { ...SHARED_MESSAGES[language], ...messages[language] }]));
  let saved = "";
  try { saved = sessionStorage.getItem(LANGUAGE_KEY) || ""; } catch (error) { /* the browser's language then */ }
  ui.language = pick(saved || navigator.language);
  applyLanguage();
  setToken(token());

  $("ui-language").addEventListener("change", () => {
    ui.language = pick($("ui-language").value);
    try { sessionStorage.setItem(LANGUAGE_KEY, ui.language); } catch (error) { /* for this page only */ }
    applyLanguage();
    relabel();
  });
  $("sign-in-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("admin-token").value.trim();
    if (!value) return;
    $("admin-token").value = "";
    setToken(value);
    route(role, other, load, true);
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
    ui.site = site;
    load();
  });
  if (token()) route(role, other, load, false);
  else $("admin-token").focus();
}

// --- the editor: live checks, problems at their line ---------------------------------------

/**
 * Where each JSON path starts in the text: { "": 1, "purposes": 5, "purposes[1].names.en": 30 }
 * (1-based lines), in the validator's path syntax. Reads as far as the text is valid.
 */
export function locate(text) {
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
export function lineOfPath(lines, path) {
  let current = path;
  for (;;) {
    if (current in lines) return lines[current];
    if (!current) return null;
    const parent = current.replace(/(\.[^.[\]]*|\[\d+\])$/, "");
    current = parent === current ? "" : parent;
  }
}

/**
 * The JSON editor of the textarea `#{id}`: a backdrop of its lines (`#editor-lines`) where
 * problem lines are marked, checked as one types by `POST /v1/config/check`, its problems
 * listed in `#problems` (each with a button to its line) and summed up in `#check-summary`.
 * `changed(document, readable)` is told of every edit: the parsed document (or the last that
 * parsed) and whether the text parses now. `validKey` names the text for "no problems".
 */
export function createEditor({ id, validKey, changed, checked }) {
  const textarea = $(id);
  const state = { problems: [], timer: null, sequence: 0, lastGood: null };

  function renderLines(text, marked) {
    const box = $("editor-lines");
    box.replaceChildren();
    text.split("\n").forEach((content, index) => {
      const line = el("div", marked.includes(index + 1) ? "problem-line" : "", content || " ");
      line.dataset.line = String(index + 1);
      box.append(line);
    });
    box.scrollTop = textarea.scrollTop;
    box.scrollLeft = textarea.scrollLeft;
  }

  function goToLine(line) {
    const lines = textarea.value.split("\n");
    let offset = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
    textarea.focus();
    textarea.setSelectionRange(offset, offset + (lines[line - 1] || "").length);
    const lineHeight = parseFloat(getComputedStyle(textarea).lineHeight) || 20;
    textarea.scrollTop = Math.max(0, (line - 3) * lineHeight);
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
    if (placed.length) textarea.setAttribute("aria-invalid", "true"); else textarea.removeAttribute("aria-invalid");
    $("check-summary").textContent = placed.length ? t("problemCount", { count: placed.length }) : t(validKey);
  }

  async function checkNow() {
    const sequence = ++state.sequence;
    const text = textarea.value;
    const reply = await api("POST", "/v1/config/check?" + siteQuery(), text);
    if (sequence !== state.sequence || reply.status !== 200) return;
    showProblems(text, reply.json.problems || []);
    if (checked) checked(reply.json);
  }

  function edited() {
    const text = textarea.value;
    renderLines(text, []);
    let readable = true;
    try { state.lastGood = JSON.parse(text); } catch (error) { readable = false; }
    changed(state.lastGood, readable);
    clearTimeout(state.timer);
    $("check-summary").textContent = t("checking");
    state.timer = setTimeout(checkNow, CHECK_DELAY_MS);
  }

  textarea.addEventListener("input", edited);
  textarea.addEventListener("scroll", () => {
    $("editor-lines").scrollTop = textarea.scrollTop;
    $("editor-lines").scrollLeft = textarea.scrollLeft;
  });

  return {
    get text() { return textarea.value; },
    get document() { return state.lastGood; },
    setText(text) { textarea.value = text; edited(); },
    showProblems,
    goToLine,
    /** The line where `path` starts in the text as it is now. */
    lineOf: (path) => lineOfPath(locate(textarea.value), path),
    /** Redraws the problems in the page's new language. */
    relabel() { showProblems(textarea.value, state.problems); },
  };
}

// --- publishing and the history ------------------------------------------------------------

/** Publishes the editor's text as the site's new `kind` document; `reload` when it was published. */
export async function publish(kind, editor, reload) {
  const text = editor.text;
  const status = $("publish-status");
  status.textContent = t("publishing");
  $("publish").disabled = true;
  const reply = await api("PUT", "/v1/config/" + kind + "?" + siteQuery(), text);
  $("publish").disabled = false;
  if (reply.status === 201) {
    status.textContent = t("published", { version: reply.json.version });
    await reload();
    status.textContent = t("published", { version: reply.json.version });
  } else if (reply.status === 422 && Array.isArray(reply.json.problems)) {
    editor.showProblems(text, reply.json.problems);
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

/** Draws `versions` (newest first, as `GET /v1/config/{kind}/history` gives them) in `#history`. */
export function renderHistory(versions) {
  const list = $("history");
  list.replaceChildren();
  const when = new Intl.DateTimeFormat(ui.language, { dateStyle: "medium", timeStyle: "short" });
  versions.forEach((entry, index) => {
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
    const { table, tbody } = dataTable("", t("diffCaption", { version: entry.version }), ["path", "before", "after"].map((key) => t(key)), "visually-hidden");
    diff.forEach((change) => {
      const row = el("tr");
      row.dataset.path = change.path;
      const path = heading("", "row");
      path.append(el("code", "", change.path));
      row.append(path, el("td", "diff-value diff-before", shown(change.before)), el("td", "diff-value diff-after", shown(change.after)));
      tbody.append(row);
    });
    wrap.append(table);
    details.append(wrap);
    item.append(details);
    list.append(item);
  });
  if (!versions.length) list.append(el("li", "empty", t("noHistory")));
}
