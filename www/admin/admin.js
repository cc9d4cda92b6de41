// Concierge privacy admin: edit and publish the consent policy with live checks, see what it does (the audit table), preview its dialog, read its history, chart consent rates, export receipts.

import { build as drawView, STYLES } from "/concierge/pkg/preview.js";
import { $, api, createEditor, dataTable, el, heading, publish, renderHistory, say, siteQuery, startPage, svg, t, ui } from "./shared.js";

// --- the catalogue: the texts of this page, in each language (the common ones are shared.js's) --

const MESSAGES = {
  en: {
    subtitle: "privacy admin", editorTitle: "Consent policy",
    editorLabel: "Policy document (JSON)",
    editorHint: "Edit the policy as JSON. It is checked as you type, with the same checks as on publish.",
    previewTitle: "Consent dialog preview",
    previewHint: "The agent's own dialog and preferences panel for the policy being edited, drawn as on a visitor's page (updated when the policy has no problems).",
    chartTitle: "Consent rates per purpose", reportDays: "Days", refresh: "Refresh",
    chartTable: "The figures as a table", exportTitle: "Export consent receipts", exportFrom: "From (UTC day)",
    exportTo: "To (UTC day)", exportCsv: "Download CSV", exportJsonl: "Download JSON Lines",
    valid: "No problems: the policy can be published.", noPolicy: "No policy is published for this site yet.",
    chartLabel: "Consent rates per purpose, {from} to {to}",
    chartDesc: "Share of receipts granting each purpose per day. {summary}",
    chartSummary: "{purpose}: {granted} granted, {denied} denied ({rate})", noReceipts: "No receipts in this period.",
    axisDay: "Day (UTC)", axisRate: "Share granted", day: "Day", granted: "granted", denied: "denied",
    tableCaption: "Receipts per day and purpose: granted, denied and the share granted",
    exporting: "Preparing the export…", exported: "Downloaded {file}.", exportFailed: "The export failed: {message}",
    previewInvalid: "The preview shows the last version of the policy that could be read.",
    auditTitle: "What this policy does",
    auditHint: "For the policy being edited: in each state, what the agent may keep on the visitor's device and what it sends. The end-to-end audit test holds the agent to this same table.",
    auditUnavailable: "The table appears once the policy has no problems.",
    auditOptIn: "Visitors asked first (opt-in): {regions}", auditOptOut: "Visitors who may object (opt-out): {regions}",
    auditElsewhere: "everywhere else and where the region is unknown",
    auditCaption: "What the agent keeps and sends in each consent state",
    auditState: "State", auditChoices: "Choices", auditKept: "Kept on the device", auditSent: "Sent to the backend",
    stateNoChoice: "No choice yet", stateRejectAll: "Reject all", stateAcceptAll: "Accept all", stateOnly: "{purpose} only",
    stateGpc: "Global Privacy Control on, dialog closed", stateWithdraw: "Accept all", stateWithdrawn: "… then withdraw everything",
    keyConsent: "the choice", keyReceipt: "its receipt (until the backend has it)", keyCart: "the cart", keyIdentity: "the visitor id", keyOutbox: "events waiting to be sent", keyCampaigns: "how often each message was shown",
    keyConfig: "a copy of the shop's documents", sentReceipt: "the consent receipt", sentEvents: "events: {kinds}",
    eventConsent: "the choice", eventCart: "the cart", eventCommerce: "the shopping visit", eventCampaign: "what the messages did",
    sentIntents: "may ask for staff notes", nothing: "nothing", undecided: "nothing decided",
    decisionGranted: "yes", decisionDenied: "no", decisionUnset: "not asked yet",
  },
  es: {
    subtitle: "administración de privacidad",
    editorTitle: "Política de consentimiento", editorLabel: "Documento de la política (JSON)",
    editorHint: "Edita la política en JSON. Se comprueba mientras escribes, igual que al publicar.",
    previewTitle: "Vista previa del diálogo de consentimiento",
    previewHint: "El diálogo y el panel de preferencias del propio agente para la política que editas, dibujados como en la página del visitante (se actualizan cuando la política no tiene problemas).",
    chartTitle: "Tasas de consentimiento por finalidad", reportDays: "Días", refresh: "Actualizar",
    chartTable: "Las cifras en una tabla", exportTitle: "Exportar recibos de consentimiento",
    exportFrom: "Desde (día UTC)", exportTo: "Hasta (día UTC)", exportCsv: "Descargar CSV",
    exportJsonl: "Descargar JSON Lines", valid: "Sin problemas: la política se puede publicar.",
    noPolicy: "Este sitio aún no tiene una política publicada.",
    chartLabel: "Tasas de consentimiento por finalidad, del {from} al {to}",
    chartDesc: "Proporción de recibos que aceptan cada finalidad por día. {summary}",
    chartSummary: "{purpose}: {granted} aceptados, {denied} rechazados ({rate})",
    noReceipts: "No hay recibos en este periodo.", axisDay: "Día (UTC)", axisRate: "Proporción aceptada", day: "Día",
    granted: "aceptados", denied: "rechazados",
    tableCaption: "Recibos por día y finalidad: aceptados, rechazados y la proporción aceptada",
    exporting: "Preparando la exportación…", exported: "Descargado {file}.",
    exportFailed: "La exportación falló: {message}",
    previewInvalid: "La vista previa muestra la última versión de la política que se pudo leer.",
    auditTitle: "Qué hace esta política",
    auditHint: "Para la política que editas: en cada estado, qué puede guardar el agente en el dispositivo del visitante y qué envía. La prueba de auditoría de extremo a extremo exige al agente esta misma tabla.",
    auditUnavailable: "La tabla aparece cuando la política no tiene problemas.",
    auditOptIn: "Visitantes a los que se pregunta primero (opt-in): {regions}", auditOptOut: "Visitantes que pueden oponerse (opt-out): {regions}",
    auditElsewhere: "en el resto del mundo y donde no se conoce la región",
    auditCaption: "Qué guarda y envía el agente en cada estado de consentimiento",
    auditState: "Estado", auditChoices: "Opciones", auditKept: "Guardado en el dispositivo", auditSent: "Enviado al servidor",
    stateNoChoice: "Aún sin elegir", stateRejectAll: "Rechazar todo", stateAcceptAll: "Aceptar todo", stateOnly: "Solo {purpose}",
    stateGpc: "Global Privacy Control activo, diálogo cerrado", stateWithdraw: "Aceptar todo", stateWithdrawn: "… y después retirarlo todo",
    keyConsent: "la elección", keyReceipt: "su recibo (hasta que el servidor lo tenga)", keyCart: "el carrito", keyIdentity: "el id del visitante", keyOutbox: "eventos pendientes de envío", keyCampaigns: "cuántas veces se mostró cada mensaje",
    keyConfig: "una copia de los documentos de la tienda", sentReceipt: "el recibo de consentimiento", sentEvents: "eventos: {kinds}",
    eventConsent: "la elección", eventCart: "el carrito", eventCommerce: "la visita de compra", eventCampaign: "lo que hicieron los mensajes",
    sentIntents: "puede pedir notas del personal", nothing: "nada", undecided: "nada decidido",
    decisionGranted: "sí", decisionDenied: "no", decisionUnset: "aún sin preguntar",
  },
  nl: {
    subtitle: "privacybeheer", editorTitle: "Toestemmingsbeleid",
    editorLabel: "Beleidsdocument (JSON)",
    editorHint: "Bewerk het beleid als JSON. Het wordt gecontroleerd terwijl je typt, net als bij publiceren.",
    previewTitle: "Voorbeeld van de toestemmingsdialoog",
    previewHint: "De eigen dialoog en het voorkeurenpaneel van de agent voor het beleid dat je bewerkt, getekend zoals op de pagina van de bezoeker (bijgewerkt zodra het beleid geen problemen heeft).",
    chartTitle: "Toestemming per doel", reportDays: "Dagen", refresh: "Vernieuwen", chartTable: "De cijfers als tabel",
    exportTitle: "Toestemmingsbewijzen exporteren", exportFrom: "Van (UTC-dag)", exportTo: "Tot (UTC-dag)",
    exportCsv: "CSV downloaden", exportJsonl: "JSON Lines downloaden",
    valid: "Geen problemen: het beleid kan gepubliceerd worden.",
    noPolicy: "Voor deze site is nog geen beleid gepubliceerd.", chartLabel: "Toestemming per doel, {from} tot {to}",
    chartDesc: "Aandeel bewijzen dat elk doel toestaat, per dag. {summary}",
    chartSummary: "{purpose}: {granted} toegestaan, {denied} geweigerd ({rate})",
    noReceipts: "Geen bewijzen in deze periode.", axisDay: "Dag (UTC)", axisRate: "Aandeel toegestaan", day: "Dag",
    granted: "toegestaan", denied: "geweigerd",
    tableCaption: "Bewijzen per dag en doel: toegestaan, geweigerd en het aandeel toegestaan",
    exporting: "Export voorbereiden…", exported: "{file} gedownload.", exportFailed: "De export is mislukt: {message}",
    previewInvalid: "Het voorbeeld toont de laatste versie van het beleid die gelezen kon worden.",
    auditTitle: "Wat dit beleid doet",
    auditHint: "Voor het beleid dat je bewerkt: per toestand wat de agent op het apparaat van de bezoeker mag bewaren en wat hij verstuurt. De end-to-end-audittest houdt de agent aan deze zelfde tabel.",
    auditUnavailable: "De tabel verschijnt zodra het beleid geen problemen heeft.",
    auditOptIn: "Bezoekers die eerst gevraagd worden (opt-in): {regions}", auditOptOut: "Bezoekers die bezwaar kunnen maken (opt-out): {regions}",
    auditElsewhere: "overal elders en waar de regio onbekend is",
    auditCaption: "Wat de agent in elke toestemmingstoestand bewaart en verstuurt",
    auditState: "Toestand", auditChoices: "Keuzes", auditKept: "Bewaard op het apparaat", auditSent: "Verstuurd naar de server",
    stateNoChoice: "Nog geen keuze", stateRejectAll: "Alles weigeren", stateAcceptAll: "Alles accepteren", stateOnly: "Alleen {purpose}",
    stateGpc: "Global Privacy Control aan, dialoog gesloten", stateWithdraw: "Alles accepteren", stateWithdrawn: "… en daarna alles intrekken",
    keyConsent: "de keuze", keyReceipt: "het bewijs ervan (tot de server het heeft)", keyCart: "het winkelmandje", keyIdentity: "de bezoekers-id", keyOutbox: "gebeurtenissen die nog verstuurd worden", keyCampaigns: "hoe vaak elk bericht werd getoond",
    keyConfig: "een kopie van de documenten van de winkel", sentReceipt: "het toestemmingsbewijs", sentEvents: "gebeurtenissen: {kinds}",
    eventConsent: "de keuze", eventCart: "het winkelmandje", eventCommerce: "het winkelbezoek", eventCampaign: "wat de berichten deden",
    sentIntents: "kan notities van medewerkers opvragen", nothing: "niets", undecided: "niets besloten",
    decisionGranted: "ja", decisionDenied: "nee", decisionUnset: "nog niet gevraagd",
  },
  de: {
    subtitle: "Datenschutzverwaltung",
    editorTitle: "Einwilligungsrichtlinie", editorLabel: "Richtliniendokument (JSON)",
    editorHint: "Bearbeiten Sie die Richtlinie als JSON. Sie wird beim Tippen geprüft, wie beim Veröffentlichen.",
    previewTitle: "Vorschau des Einwilligungsdialogs",
    previewHint: "Der Dialog und der Einstellungsbereich des Agenten selbst für die bearbeitete Richtlinie, gezeichnet wie auf der Seite der Besucher (aktualisiert, sobald die Richtlinie keine Probleme hat).",
    chartTitle: "Einwilligungsquoten je Zweck", reportDays: "Tage", refresh: "Aktualisieren",
    chartTable: "Die Zahlen als Tabelle", exportTitle: "Einwilligungsbelege exportieren", exportFrom: "Von (UTC-Tag)",
    exportTo: "Bis (UTC-Tag)", exportCsv: "CSV herunterladen", exportJsonl: "JSON Lines herunterladen",
    valid: "Keine Probleme: Die Richtlinie kann veröffentlicht werden.",
    noPolicy: "Für diese Website ist noch keine Richtlinie veröffentlicht.",
    chartLabel: "Einwilligungsquoten je Zweck, {from} bis {to}",
    chartDesc: "Anteil der Belege, die jeden Zweck erlauben, pro Tag. {summary}",
    chartSummary: "{purpose}: {granted} erlaubt, {denied} abgelehnt ({rate})",
    noReceipts: "Keine Belege in diesem Zeitraum.", axisDay: "Tag (UTC)", axisRate: "Anteil erlaubt", day: "Tag",
    granted: "erlaubt", denied: "abgelehnt",
    tableCaption: "Belege pro Tag und Zweck: erlaubt, abgelehnt und der erlaubte Anteil",
    exporting: "Export wird vorbereitet…", exported: "{file} heruntergeladen.",
    exportFailed: "Der Export ist fehlgeschlagen: {message}",
    previewInvalid: "Die Vorschau zeigt die letzte lesbare Version der Richtlinie.",
    auditTitle: "Was diese Richtlinie bewirkt",
    auditHint: "Für die bearbeitete Richtlinie: in jedem Zustand, was der Agent auf dem Gerät der Besucher speichern darf und was er sendet. Der End-to-End-Audittest hält den Agenten an genau diese Tabelle.",
    auditUnavailable: "Die Tabelle erscheint, sobald die Richtlinie keine Probleme hat.",
    auditOptIn: "Besucher, die zuerst gefragt werden (Opt-in): {regions}", auditOptOut: "Besucher, die widersprechen können (Opt-out): {regions}",
    auditElsewhere: "überall sonst und wo die Region unbekannt ist",
    auditCaption: "Was der Agent in jedem Einwilligungszustand speichert und sendet",
    auditState: "Zustand", auditChoices: "Entscheidungen", auditKept: "Auf dem Gerät gespeichert", auditSent: "An den Server gesendet",
    stateNoChoice: "Noch keine Wahl", stateRejectAll: "Alle ablehnen", stateAcceptAll: "Alle akzeptieren", stateOnly: "Nur {purpose}",
    stateGpc: "Global Privacy Control an, Dialog geschlossen", stateWithdraw: "Alle akzeptieren", stateWithdrawn: "… dann alles widerrufen",
    keyConsent: "die Wahl", keyReceipt: "ihr Beleg (bis der Server ihn hat)", keyCart: "der Warenkorb", keyIdentity: "die Besucher-ID", keyOutbox: "noch zu sendende Ereignisse", keyCampaigns: "wie oft jede Nachricht gezeigt wurde",
    keyConfig: "eine Kopie der Dokumente des Shops", sentReceipt: "der Einwilligungsbeleg", sentEvents: "Ereignisse: {kinds}",
    eventConsent: "die Wahl", eventCart: "der Warenkorb", eventCommerce: "der Einkaufsbesuch", eventCampaign: "was die Nachrichten bewirkten",
    sentIntents: "darf Notizen der Mitarbeiter abfragen", nothing: "nichts", undecided: "nichts entschieden",
    decisionGranted: "ja", decisionDenied: "nein", decisionUnset: "noch nicht gefragt",
  },
};

const state = { lastGood: null, previewStale: false, report: null, history: [], audit: null, preview: null };

// --- loading a site ------------------------------------------------------------------------

async function loadSite() {
  say(t("loading", { site: ui.site }));
  const reply = await api("GET", "/v1/config/policy/history?" + siteQuery());
  if (reply.status !== 200) {
    if (reply.status === 422 || reply.status === 400) say(reply.json.message || t("badSite"));
    return;
  }
  state.history = reply.json.versions || [];
  renderHistory(state.history);
  const latest = state.history[0];
  editor.setText(latest ? JSON.stringify(latest.document, null, 2) : "");
  say(latest ? t("loaded", { site: ui.site }) : t("noPolicy"));
  loadReport();
}

// --- the dialog preview --------------------------------------------------------------------

function textIn(map, language) {
  if (!map || typeof map !== "object") return "";
  return String(map[language] || map.en || Object.values(map)[0] || "");
}

/** The preview's own stylesheet beside the views': it sits in the page, not in a corner. */
const PREVIEW_OVERRIDES = ":host{position:static;inset:auto;z-index:auto;max-width:26rem;padding:0;display:block}.view+.view{margin-top:.75rem}";

/** The agent's dialog and panel for the policy being edited (`POST /v1/config/check`'s
 * `preview`: the views the agent renders), drawn by dom.js's own `build` in a shadow root with
 * the views' stylesheet, as a visitor's page draws them. */
function renderPreview() {
  const box = $("preview");
  box.replaceChildren();
  const language = $("preview-language").value;
  const views = state.preview && state.preview[language];
  if (state.previewStale && views) box.append(el("p", "hint", t("previewInvalid")));
  if (!views) return;
  for (const kind of ["consent", "panel"]) {
    const view = views[kind];
    if (!view) continue;
    const host = el("div", "preview-view");
    host.dataset.kind = kind;
    const shadow = host.attachShadow({ mode: "open" });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLES + PREVIEW_OVERRIDES);
    shadow.adoptedStyleSheets = [sheet];
    const drawn = drawView(view);
    // A picture of the dialog: not a second modal dialog on this page, and nothing in it acts.
    drawn.removeAttribute("aria-modal");
    drawn.setAttribute("role", "group");
    drawn.setAttribute("inert", "");
    shadow.append(drawn);
    box.append(host);
  }
}

// --- what this policy does: the audit table -----------------------------------------------

const STATE_LABELS = { no_choice: "stateNoChoice", reject_all: "stateRejectAll", accept_all: "stateAcceptAll", gpc: "stateGpc" };
const KEY_LABELS = { consent: "keyConsent", "receipt:*": "keyReceipt", cart: "keyCart", identity: "keyIdentity", outbox: "keyOutbox", campaigns: "keyCampaigns", config: "keyConfig" };
const EVENT_LABELS = { consent: "eventConsent", cart: "eventCart", commerce: "eventCommerce", campaign: "eventCampaign" };

function stateLabel(row, phase) {
  if (row.state === "only") return t("stateOnly", { purpose: purposeName(row.purpose) });
  if (row.state === "accept_then_withdraw") return t(phase.phase === "withdrawn" ? "stateWithdrawn" : "stateWithdraw");
  return t(STATE_LABELS[row.state] || row.state);
}

function choicesText(choices) {
  if (!choices) return t("undecided");
  const words = { granted: "decisionGranted", denied: "decisionDenied", unset: "decisionUnset" };
  // In the policy's order (the answer's object comes sorted by id).
  const policy = state.lastGood && Array.isArray(state.lastGood.purposes) ? state.lastGood.purposes : [];
  const place = (id) => {
    const index = policy.findIndex((purpose) => purpose && purpose.id === id);
    return index < 0 ? policy.length : index;
  };
  const entries = Object.entries(choices).sort(([a], [b]) => place(a) - place(b));
  return entries.map(([id, decision]) => purposeName(id) + ": " + t(words[decision] || decision)).join("; ");
}

function keptText(keys) {
  // The outbox and its queued events (`event:*`) are one thing to the reader.
  const order = Object.keys(KEY_LABELS);
  const shown = keys.filter((key) => key !== "event:*").sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const named = shown.map((key) => t(KEY_LABELS[key] || key));
  return named.length ? named.join(", ") : t("nothing");
}

function sentText(phase) {
  const parts = [];
  if (phase.requests.includes("/v1/consent/receipts")) parts.push(t("sentReceipt"));
  if (phase.events.length) parts.push(t("sentEvents", { kinds: phase.events.map((kind) => t(EVENT_LABELS[kind] || kind)).join(", ") }));
  if (phase.optional.length) parts.push(t("sentIntents"));
  return parts.length ? parts.join("; ") : t("nothing");
}

/** Draws the audit of the policy being edited (`POST /v1/config/check`'s `audit`), one table per mode. */
function renderAudit() {
  const box = $("audit");
  box.replaceChildren();
  const audit = state.audit;
  if (!audit || !Array.isArray(audit.tables)) {
    box.append(el("p", "hint", t("auditUnavailable")));
    return;
  }
  audit.tables.forEach((table) => {
    const regions = [...table.regions, ...(table.default ? [t("auditElsewhere")] : [])].join(", ");
    box.append(el("h3", "audit-mode", t(table.mode === "opt_out" ? "auditOptOut" : "auditOptIn", { regions })));
    const { table: grid, tbody } = dataTable("audit-table", t("auditCaption"), [t("auditState"), t("auditChoices"), t("auditKept"), t("auditSent")]);
    grid.dataset.mode = table.mode;
    table.states.forEach((row) => {
      row.phases.forEach((phase) => {
        const line = el("tr");
        line.dataset.state = row.state + (row.purpose ? ":" + row.purpose : "") + (phase.phase === "withdrawn" ? ":withdrawn" : "");
        line.append(heading(stateLabel(row, phase), "row"), el("td", "", choicesText(phase.choices)), el("td", "audit-kept", keptText(phase.keys)), el("td", "audit-sent", sentText(phase)));
        tbody.append(line);
      });
    });
    box.append(grid);
  });
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
  return (purpose && textIn(purpose.names, ui.language)) || id;
}

function renderReport() {
  const report = state.report;
  const box = $("chart");
  box.replaceChildren();
  $("chart-table-wrap").replaceChildren();
  if (!report) return;
  const days = report.days || [];
  const purposes = report.purposes || [];
  const percent = new Intl.NumberFormat(ui.language, { style: "percent", maximumFractionDigits: 1 });
  const dayFormat = new Intl.DateTimeFormat(ui.language, { month: "short", day: "numeric", timeZone: "UTC" });
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
  const { table, tbody } = dataTable("report-table", t("tableCaption"), [t("day"), ...purposes.map(purposeName)]);
  days.forEach((day) => {
    const row = el("tr");
    row.append(heading(dayLabel(day.day), "row"));
    purposes.forEach((id) => {
      const counts = day.purposes[id];
      const text = counts
        ? counts.granted + " " + t("granted") + ", " + counts.denied + " " + t("denied") + (counts.rate == null ? "" : " (" + percent.format(counts.rate) + ")")
        : "—";
      row.append(el("td", "", text));
    });
    tbody.append(row);
  });
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
  const file = "consent-receipts-" + ui.site + "." + format;
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

const editor = createEditor({
  id: "policy-editor",
  validKey: "valid",
  changed(policy, readable) {
    state.lastGood = policy;
    state.previewStale = !readable;
    renderPreview();
  },
  checked(answer) {
    // Only a policy without problems has an audit; until then the table says so. The preview
    // keeps the last valid policy's views, marked stale, until the policy is valid again.
    state.audit = answer.audit || null;
    renderAudit();
    state.previewStale = !answer.preview;
    if (answer.preview) state.preview = answer.preview;
    renderPreview();
  },
});

$("preview-language").addEventListener("change", renderPreview);
$("publish").addEventListener("click", () => publish("policy", editor, loadSite));
$("report-form").addEventListener("submit", (event) => {
  event.preventDefault();
  loadReport();
});
$("export-csv").addEventListener("click", () => download("csv"));
$("export-jsonl").addEventListener("click", () => download("jsonl"));
startPage({
  messages: MESSAGES,
  role: "privacy officer",
  other: { role: "marketer", href: "/admin/campaigns.html" },
  load: loadSite,
  relabel() {
    renderHistory(state.history);
    renderReport();
    renderAudit();
    editor.relabel();
  },
});
$("preview-language").value = ui.language;
