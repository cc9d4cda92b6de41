// Concierge privacy admin: edit and publish the consent policy with live checks, preview its dialog, read its history, chart consent rates, export receipts.

import { $, api, createEditor, dataTable, el, heading, publish, renderHistory, say, siteQuery, startPage, t, ui } from "./shared.js";

const SVG = "http://www.w3.org/2000/svg";

// --- the catalogue: the texts of this page, in each language (the common ones are shared.js's) --

const MESSAGES = {
  en: {
    subtitle: "privacy admin", editorTitle: "Consent policy",
    editorLabel: "Policy document (JSON)",
    editorHint: "Edit the policy as JSON. It is checked as you type, with the same checks as on publish.",
    previewTitle: "Consent dialog preview",
    previewHint: "A static rendering from the policy being edited; the agent draws the real dialog.",
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
    dialogTitle: "Your privacy choices",
    dialogIntro: "We ask before keeping or using anything about your visit. Choose per purpose; you can change your mind at any time.",
    acceptAll: "Accept all", rejectAll: "Reject all", alwaysOn: "Always on", choiceOff: "Off",
    privacyLink: "Privacy notice",
  },
  es: {
    subtitle: "administración de privacidad",
    editorTitle: "Política de consentimiento", editorLabel: "Documento de la política (JSON)",
    editorHint: "Edita la política en JSON. Se comprueba mientras escribes, igual que al publicar.",
    previewTitle: "Vista previa del diálogo de consentimiento",
    previewHint: "Una representación estática de la política que editas; el agente dibuja el diálogo real.",
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
    dialogTitle: "Tus opciones de privacidad",
    dialogIntro: "Preguntamos antes de guardar o usar nada de tu visita. Elige por finalidad; puedes cambiar de opinión cuando quieras.",
    acceptAll: "Aceptar todo", rejectAll: "Rechazar todo", alwaysOn: "Siempre activo", choiceOff: "Desactivado",
    privacyLink: "Aviso de privacidad",
  },
  nl: {
    subtitle: "privacybeheer", editorTitle: "Toestemmingsbeleid",
    editorLabel: "Beleidsdocument (JSON)",
    editorHint: "Bewerk het beleid als JSON. Het wordt gecontroleerd terwijl je typt, net als bij publiceren.",
    previewTitle: "Voorbeeld van de toestemmingsdialoog",
    previewHint: "Een statische weergave van het beleid dat je bewerkt; de agent tekent de echte dialoog.",
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
    dialogTitle: "Jouw privacykeuzes",
    dialogIntro: "We vragen het voordat we iets van je bezoek bewaren of gebruiken. Kies per doel; je kunt je keuze altijd wijzigen.",
    acceptAll: "Alles accepteren", rejectAll: "Alles weigeren", alwaysOn: "Altijd aan", choiceOff: "Uit",
    privacyLink: "Privacyverklaring",
  },
  de: {
    subtitle: "Datenschutzverwaltung",
    editorTitle: "Einwilligungsrichtlinie", editorLabel: "Richtliniendokument (JSON)",
    editorHint: "Bearbeiten Sie die Richtlinie als JSON. Sie wird beim Tippen geprüft, wie beim Veröffentlichen.",
    previewTitle: "Vorschau des Einwilligungsdialogs",
    previewHint: "Eine statische Darstellung der bearbeiteten Richtlinie; den echten Dialog zeichnet der Agent.",
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
    dialogTitle: "Ihre Datenschutzeinstellungen",
    dialogIntro: "Wir fragen, bevor wir etwas über Ihren Besuch speichern oder nutzen. Wählen Sie je Zweck; Sie können Ihre Wahl jederzeit ändern.",
    acceptAll: "Alle akzeptieren", rejectAll: "Alle ablehnen", alwaysOn: "Immer aktiv", choiceOff: "Aus",
    privacyLink: "Datenschutzhinweis",
  },
};

const state = { lastGood: null, previewStale: false, report: null, history: [] };

function svg(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

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
    editor.relabel();
  },
});
$("preview-language").value = ui.language;
