// Concierge campaigns admin, for marketers: the published campaigns with their status now, the document's editor with live checks, a preview of each placement in each language, publishing and the history.

import { $, api, createEditor, dataTable, el, heading, publish, renderHistory, say, siteQuery, startPage, t, ui } from "./shared.js";

const PLACEMENTS = ["top_bar", "bottom_bar", "inline", "corner_toast", "modal"];

// --- the catalogue: the texts of this page, in each language (the common ones are shared.js's) --

const MESSAGES = {
  en: {
    subtitle: "campaigns", listTitle: "Campaigns",
    listHint: "The published campaigns and what each does now.",
    listCaption: "Published campaigns: status now, schedule, trigger, placement, rank, holdout and variants",
    noCampaigns: "No campaigns are published for this site yet.", noDocument: "No campaigns document is published for this site yet.",
    colCampaign: "Campaign", colStatus: "Status", colSchedule: "Schedule", colTrigger: "Trigger", colPlacement: "Placement",
    colRank: "Priority × value", colHoldout: "Holdout", colVariants: "Variants", colActions: "Actions",
    state_live: "Live now", state_scheduled: "Scheduled", state_ended: "Ended", state_paused: "Paused", state_draft: "Draft",
    always: "Whenever active", scheduleRange: "{start} to {end}", scheduleOpen: "From {start}, open-ended", zone: "time zone {zone}",
    trigger_page_view: "Page view", trigger_cart_abandoned: "Cart abandoned", trigger_returning_visit: "Returning visit",
    trigger_exit_intent: "Exit intent (desktop)", trigger_idle: "Idle for {seconds} s", trigger_scroll_depth: "Scrolled {percent} %",
    trigger_time_on_page: "{seconds} s on the page", trigger_route_change: "Route change", trigger_custom: "Shop event “{name}”",
    placement_top_bar: "Top bar", placement_bottom_bar: "Bottom bar", placement_inline: "Inline slot",
    placement_corner_toast: "Corner toast", placement_modal: "Modal", slot: "slot “{slot}”", ownPlacement: "{placement} (the campaign's)",
    rank: "{priority} × {value} = {score}", none: "none", edit: "Edit", editLabel: "Edit {id} in the document",
    preview: "Preview", previewLabel: "Preview {id}",
    editorTitle: "Campaigns document", editorLabel: "Campaigns document (JSON)",
    editorHint: "Edit the campaigns as JSON. It is checked as you type, with the same checks as on publish, links included.",
    valid: "No problems: the campaigns can be published.",
    previewTitle: "Placement preview", previewCampaign: "Campaign", previewVariant: "Variant", previewPlacement: "Placement",
    previewHint: "Drawn from the campaign being edited, with the sample values below, every text as text; the agent draws the real message.",
    baseContent: "Base content", sampleTitle: "Sample context", sampleTotal: "Cart total (cart.total)",
    sampleCount: "Items in the cart (cart.count)", sampleCode: "Cart code (cart.code)", sampleItem: "Product name (item.name)",
    previewInvalid: "The preview shows the last version of the document that could be read.",
    noContent: "This campaign has no message in this language.", previewFrame: "Preview: {placement}, {language}",
    shopPage: "The shop's page", close: "Close",
    linkShop: "Link {href}: allowed, a page of this shop.", linkHost: "Link {href}: allowed, {host} is in the settings' link hosts.",
    linkRefused: "Link {href}: refused. Only paths of this shop, or https links to a host in the settings' link hosts.",
  },
  es: {
    subtitle: "campañas", listTitle: "Campañas",
    listHint: "Las campañas publicadas y lo que hace cada una ahora.",
    listCaption: "Campañas publicadas: estado actual, calendario, disparador, ubicación, rango, grupo de control y variantes",
    noCampaigns: "Este sitio aún no tiene campañas publicadas.", noDocument: "Este sitio aún no tiene un documento de campañas publicado.",
    colCampaign: "Campaña", colStatus: "Estado", colSchedule: "Calendario", colTrigger: "Disparador", colPlacement: "Ubicación",
    colRank: "Prioridad × valor", colHoldout: "Grupo de control", colVariants: "Variantes", colActions: "Acciones",
    state_live: "Activa ahora", state_scheduled: "Programada", state_ended: "Terminada", state_paused: "En pausa", state_draft: "Borrador",
    always: "Siempre que esté activa", scheduleRange: "Del {start} al {end}", scheduleOpen: "Desde {start}, sin fin", zone: "zona horaria {zone}",
    trigger_page_view: "Vista de página", trigger_cart_abandoned: "Carrito abandonado", trigger_returning_visit: "Visita recurrente",
    trigger_exit_intent: "Intención de salida (escritorio)", trigger_idle: "Inactivo {seconds} s", trigger_scroll_depth: "Desplazado {percent} %",
    trigger_time_on_page: "{seconds} s en la página", trigger_route_change: "Cambio de ruta", trigger_custom: "Evento de la tienda «{name}»",
    placement_top_bar: "Barra superior", placement_bottom_bar: "Barra inferior", placement_inline: "Espacio en la página",
    placement_corner_toast: "Aviso en la esquina", placement_modal: "Ventana modal", slot: "espacio «{slot}»", ownPlacement: "{placement} (la de la campaña)",
    rank: "{priority} × {value} = {score}", none: "ninguna", edit: "Editar", editLabel: "Editar {id} en el documento",
    preview: "Vista previa", previewLabel: "Vista previa de {id}",
    editorTitle: "Documento de campañas", editorLabel: "Documento de campañas (JSON)",
    editorHint: "Edita las campañas en JSON. Se comprueban mientras escribes, igual que al publicar, enlaces incluidos.",
    valid: "Sin problemas: las campañas se pueden publicar.",
    previewTitle: "Vista previa de la ubicación", previewCampaign: "Campaña", previewVariant: "Variante", previewPlacement: "Ubicación",
    previewHint: "Dibujada desde la campaña que editas, con los valores de ejemplo de abajo, todo como texto; el agente dibuja el mensaje real.",
    baseContent: "Contenido base", sampleTitle: "Contexto de ejemplo", sampleTotal: "Total del carrito (cart.total)",
    sampleCount: "Productos en el carrito (cart.count)", sampleCode: "Código del carrito (cart.code)", sampleItem: "Nombre del producto (item.name)",
    previewInvalid: "La vista previa muestra la última versión del documento que se pudo leer.",
    noContent: "Esta campaña no tiene mensaje en este idioma.", previewFrame: "Vista previa: {placement}, {language}",
    shopPage: "La página de la tienda", close: "Cerrar",
    linkShop: "Enlace {href}: permitido, una página de esta tienda.", linkHost: "Enlace {href}: permitido, {host} está en los hosts de enlace de la configuración.",
    linkRefused: "Enlace {href}: rechazado. Solo rutas de esta tienda, o enlaces https a un host de los hosts de enlace de la configuración.",
  },
  nl: {
    subtitle: "campagnes", listTitle: "Campagnes",
    listHint: "De gepubliceerde campagnes en wat elk nu doet.",
    listCaption: "Gepubliceerde campagnes: status nu, planning, trigger, plaatsing, rang, controlegroep en varianten",
    noCampaigns: "Voor deze site zijn nog geen campagnes gepubliceerd.", noDocument: "Voor deze site is nog geen campagnedocument gepubliceerd.",
    colCampaign: "Campagne", colStatus: "Status", colSchedule: "Planning", colTrigger: "Trigger", colPlacement: "Plaatsing",
    colRank: "Prioriteit × waarde", colHoldout: "Controlegroep", colVariants: "Varianten", colActions: "Acties",
    state_live: "Nu actief", state_scheduled: "Gepland", state_ended: "Afgelopen", state_paused: "Gepauzeerd", state_draft: "Concept",
    always: "Zolang actief", scheduleRange: "{start} tot {end}", scheduleOpen: "Vanaf {start}, zonder einde", zone: "tijdzone {zone}",
    trigger_page_view: "Paginaweergave", trigger_cart_abandoned: "Verlaten winkelwagen", trigger_returning_visit: "Terugkerend bezoek",
    trigger_exit_intent: "Vertrekintentie (desktop)", trigger_idle: "{seconds} s inactief", trigger_scroll_depth: "{percent} % gescrold",
    trigger_time_on_page: "{seconds} s op de pagina", trigger_route_change: "Routewijziging", trigger_custom: "Winkelgebeurtenis „{name}”",
    placement_top_bar: "Balk bovenaan", placement_bottom_bar: "Balk onderaan", placement_inline: "Plek in de pagina",
    placement_corner_toast: "Melding in de hoek", placement_modal: "Modaal venster", slot: "plek „{slot}”", ownPlacement: "{placement} (die van de campagne)",
    rank: "{priority} × {value} = {score}", none: "geen", edit: "Bewerken", editLabel: "{id} bewerken in het document",
    preview: "Voorbeeld", previewLabel: "Voorbeeld van {id}",
    editorTitle: "Campagnedocument", editorLabel: "Campagnedocument (JSON)",
    editorHint: "Bewerk de campagnes als JSON. Ze worden gecontroleerd terwijl je typt, net als bij publiceren, links inbegrepen.",
    valid: "Geen problemen: de campagnes kunnen gepubliceerd worden.",
    previewTitle: "Voorbeeld van de plaatsing", previewCampaign: "Campagne", previewVariant: "Variant", previewPlacement: "Plaatsing",
    previewHint: "Getekend uit de campagne die je bewerkt, met de voorbeeldwaarden hieronder, alles als tekst; de agent tekent het echte bericht.",
    baseContent: "Basisinhoud", sampleTitle: "Voorbeeldcontext", sampleTotal: "Totaal van de winkelwagen (cart.total)",
    sampleCount: "Artikelen in de winkelwagen (cart.count)", sampleCode: "Winkelwagencode (cart.code)", sampleItem: "Productnaam (item.name)",
    previewInvalid: "Het voorbeeld toont de laatste versie van het document die gelezen kon worden.",
    noContent: "Deze campagne heeft geen bericht in deze taal.", previewFrame: "Voorbeeld: {placement}, {language}",
    shopPage: "De pagina van de winkel", close: "Sluiten",
    linkShop: "Link {href}: toegestaan, een pagina van deze winkel.", linkHost: "Link {href}: toegestaan, {host} staat in de linkhosts van de instellingen.",
    linkRefused: "Link {href}: geweigerd. Alleen paden van deze winkel, of https-links naar een host in de linkhosts van de instellingen.",
  },
  de: {
    subtitle: "Kampagnen", listTitle: "Kampagnen",
    listHint: "Die veröffentlichten Kampagnen und was jede gerade tut.",
    listCaption: "Veröffentlichte Kampagnen: Status jetzt, Zeitplan, Auslöser, Platzierung, Rang, Kontrollgruppe und Varianten",
    noCampaigns: "Für diese Website sind noch keine Kampagnen veröffentlicht.", noDocument: "Für diese Website ist noch kein Kampagnendokument veröffentlicht.",
    colCampaign: "Kampagne", colStatus: "Status", colSchedule: "Zeitplan", colTrigger: "Auslöser", colPlacement: "Platzierung",
    colRank: "Priorität × Wert", colHoldout: "Kontrollgruppe", colVariants: "Varianten", colActions: "Aktionen",
    state_live: "Jetzt aktiv", state_scheduled: "Geplant", state_ended: "Beendet", state_paused: "Pausiert", state_draft: "Entwurf",
    always: "Solange aktiv", scheduleRange: "{start} bis {end}", scheduleOpen: "Ab {start}, ohne Ende", zone: "Zeitzone {zone}",
    trigger_page_view: "Seitenaufruf", trigger_cart_abandoned: "Verlassener Warenkorb", trigger_returning_visit: "Wiederkehrender Besuch",
    trigger_exit_intent: "Absprungabsicht (Desktop)", trigger_idle: "{seconds} s untätig", trigger_scroll_depth: "{percent} % gescrollt",
    trigger_time_on_page: "{seconds} s auf der Seite", trigger_route_change: "Routenwechsel", trigger_custom: "Shop-Ereignis „{name}“",
    placement_top_bar: "Leiste oben", placement_bottom_bar: "Leiste unten", placement_inline: "Platz in der Seite",
    placement_corner_toast: "Hinweis in der Ecke", placement_modal: "Modales Fenster", slot: "Platz „{slot}“", ownPlacement: "{placement} (die der Kampagne)",
    rank: "{priority} × {value} = {score}", none: "keine", edit: "Bearbeiten", editLabel: "{id} im Dokument bearbeiten",
    preview: "Vorschau", previewLabel: "Vorschau von {id}",
    editorTitle: "Kampagnendokument", editorLabel: "Kampagnendokument (JSON)",
    editorHint: "Bearbeiten Sie die Kampagnen als JSON. Sie werden beim Tippen geprüft, wie beim Veröffentlichen, Links eingeschlossen.",
    valid: "Keine Probleme: Die Kampagnen können veröffentlicht werden.",
    previewTitle: "Vorschau der Platzierung", previewCampaign: "Kampagne", previewVariant: "Variante", previewPlacement: "Platzierung",
    previewHint: "Aus der bearbeiteten Kampagne mit den Beispielwerten unten gezeichnet, jeder Text als Text; die echte Nachricht zeichnet der Agent.",
    baseContent: "Grundinhalt", sampleTitle: "Beispielkontext", sampleTotal: "Warenkorbsumme (cart.total)",
    sampleCount: "Artikel im Warenkorb (cart.count)", sampleCode: "Warenkorbcode (cart.code)", sampleItem: "Produktname (item.name)",
    previewInvalid: "Die Vorschau zeigt die letzte lesbare Version des Dokuments.",
    noContent: "Diese Kampagne hat keine Nachricht in dieser Sprache.", previewFrame: "Vorschau: {placement}, {language}",
    shopPage: "Die Seite des Shops", close: "Schließen",
    linkShop: "Link {href}: erlaubt, eine Seite dieses Shops.", linkHost: "Link {href}: erlaubt, {host} steht in den Link-Hosts der Einstellungen.",
    linkRefused: "Link {href}: abgelehnt. Nur Pfade dieses Shops oder https-Links zu einem Host in den Link-Hosts der Einstellungen.",
  },
};

const LANGUAGE_NAMES = { en: "English", es: "Español", nl: "Nederlands", de: "Deutsch" };

const state = { published: null, history: [], linkHosts: [], edited: null, previewStale: false, previewing: null };

// --- loading a site: the campaigns' history and the settings' link hosts -----------------------

async function loadSite() {
  say(t("loading", { site: ui.site }));
  const reply = await api("GET", "/v1/config/campaigns/history?" + siteQuery());
  if (reply.status !== 200) {
    if (reply.status === 422 || reply.status === 400) say(reply.json.message || t("badSite"));
    return;
  }
  state.linkHosts = await linkHosts();
  state.history = reply.json.versions || [];
  const latest = state.history[0];
  state.published = latest ? latest.document : null;
  renderHistory(state.history);
  renderList();
  editor.setText(latest ? JSON.stringify(latest.document, null, 2) : "");
  say(latest ? t("loaded", { site: ui.site }) : t("noDocument"));
}

/** The link hosts of the site's published settings, as its agents get them (an anonymous GET). */
async function linkHosts() {
  try {
    const response = await fetch("/v1/config?" + siteQuery(), { credentials: "omit", cache: "no-store" });
    const config = await response.json();
    const settings = (config.documents || []).find((entry) => entry && entry.kind === "settings");
    return settings && Array.isArray(settings.link_hosts) ? settings.link_hosts.map((host) => String(host).toLowerCase()) : [];
  } catch (error) {
    return []; // None known: only the shop's own paths count as allowed, as the agent would do.
  }
}

// --- schedules: local times in a campaign's time zone, and what a campaign does now -------------

/** How far `zone`'s clocks are ahead of UTC at `instant` (ms). */
function zoneOffset(instant, zone) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
    hour: "numeric", minute: "numeric", second: "numeric",
  }).formatToParts(new Date(instant));
  const part = (type) => Number(parts.find((p) => p.type === type).value);
  const wall = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The instant of a schedule time: UTC with `Z`, else a wall-clock time in `zone`; null if unreadable. */
function instantOf(text, zone) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(Z?)$/.exec(String(text || ""));
  if (!match) return null;
  const [, year, month, day, hour, minute, second, utc] = match;
  const wall = Date.UTC(+year, +month - 1, +day, +hour, +minute, +(second || 0));
  if (utc || !zone) return wall;
  try {
    const guess = wall - zoneOffset(wall, zone);
    return wall - zoneOffset(guess, zone);
  } catch (error) {
    return null; // Not a time zone this browser knows; the validator names it.
  }
}

/** live, scheduled, ended, paused or draft, at `now`. */
function stateNow(campaign, now) {
  if (campaign.status !== "active") return campaign.status === "ended" || campaign.status === "paused" ? campaign.status : "draft";
  const schedule = campaign.schedule;
  if (!schedule) return "live";
  const start = instantOf(schedule.start, schedule.time_zone);
  const end = schedule.end ? instantOf(schedule.end, schedule.time_zone) : null;
  if (start !== null && now < start) return "scheduled";
  if (end !== null && now >= end) return "ended";
  return "live";
}

function scheduleText(schedule) {
  if (!schedule) return t("always");
  const zone = schedule.time_zone || "UTC";
  let format;
  try {
    format = new Intl.DateTimeFormat(ui.language, { dateStyle: "medium", timeStyle: "short", timeZone: zone });
  } catch (error) {
    format = new Intl.DateTimeFormat(ui.language, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
  }
  const when = (text) => {
    const instant = instantOf(text, schedule.time_zone);
    return instant === null ? String(text) : format.format(new Date(instant));
  };
  const range = schedule.end
    ? t("scheduleRange", { start: when(schedule.start), end: when(schedule.end) })
    : t("scheduleOpen", { start: when(schedule.start) });
  return range + " (" + t("zone", { zone }) + ")";
}

function triggerText(trigger) {
  if (!trigger || typeof trigger !== "object") return "—";
  const name = t("trigger_" + trigger.type, trigger);
  const details = [trigger.path, trigger.page_type].filter((detail) => typeof detail === "string");
  return details.length ? name + " (" + details.join(", ") + ")" : name;
}

function placementText(placement) {
  if (!placement || typeof placement !== "object") return "—";
  const name = t("placement_" + placement.type);
  return placement.slot ? name + ", " + t("slot", { slot: placement.slot }) : name;
}

// --- the list of published campaigns ----------------------------------------------------------

function renderList() {
  const box = $("campaign-list");
  box.replaceChildren();
  const campaigns = state.published && Array.isArray(state.published.campaigns) ? state.published.campaigns : [];
  if (!campaigns.length) {
    box.append(el("p", "empty", t("noCampaigns")));
    return;
  }
  const number = new Intl.NumberFormat(ui.language);
  const percent = new Intl.NumberFormat(ui.language, { style: "percent", maximumFractionDigits: 1 });
  const now = Date.now();
  const columns = ["colCampaign", "colStatus", "colSchedule", "colTrigger", "colPlacement", "colRank", "colHoldout", "colVariants", "colActions"];
  const { table, tbody } = dataTable("campaigns", t("listCaption"), columns.map((key) => t(key)), "visually-hidden");
  campaigns.forEach((campaign) => {
    const id = String(campaign.id);
    const row = el("tr");
    row.dataset.campaign = id;
    const name = heading("", "row");
    name.append(el("code", "", id));
    const current = stateNow(campaign, now);
    const status = el("td", "campaign-state");
    status.dataset.state = current;
    status.append(el("span", "badge badge-" + current, t("state_" + current)));
    const weights = Array.isArray(campaign.variants) ? campaign.variants : [];
    const total = weights.reduce((sum, variant) => sum + (Number(variant.weight) || 0), 0);
    const variants = weights.length
      ? weights.map((variant) => variant.id + " (" + percent.format(total ? (Number(variant.weight) || 0) / total : 0) + ")").join(", ")
      : t("none");
    const rank = t("rank", {
      priority: number.format(campaign.priority), value: number.format(campaign.value),
      score: number.format(campaign.priority * campaign.value),
    });
    row.append(
      name, status,
      el("td", "campaign-schedule", scheduleText(campaign.schedule)),
      el("td", "campaign-trigger", triggerText(campaign.trigger)),
      el("td", "campaign-placement", placementText(campaign.placement)),
      el("td", "campaign-rank", rank),
      el("td", "campaign-holdout", percent.format(Number(campaign.holdout) || 0)),
      el("td", "campaign-variants", variants),
      actionsFor(id),
    );
    tbody.append(row);
  });
  box.append(table);
}

function actionsFor(id) {
  const cell = el("td", "campaign-actions");
  const edit = el("button", "link", t("edit"));
  edit.type = "button";
  edit.setAttribute("aria-label", t("editLabel", { id }));
  edit.addEventListener("click", () => {
    const index = indexInEdited(id);
    if (index >= 0) editor.goToLine(editor.lineOf("campaigns[" + index + "]"));
  });
  const preview = el("button", "link", t("preview"));
  preview.type = "button";
  preview.setAttribute("aria-label", t("previewLabel", { id }));
  preview.addEventListener("click", () => {
    const index = indexInEdited(id);
    if (index < 0) return;
    $("preview-campaign").value = String(index);
    campaignChosen();
    $("preview-panel").focus();
  });
  cell.append(edit, document.createTextNode(" "), preview);
  return cell;
}

function editedCampaigns() {
  const edited = state.edited;
  return edited && Array.isArray(edited.campaigns) ? edited.campaigns.filter((c) => c && typeof c === "object") : [];
}

function indexInEdited(id) {
  return editedCampaigns().findIndex((campaign) => String(campaign.id) === id);
}

// --- the preview: a placement in a language, from the campaign's content and a sample context ---

function fillOptions(select, options, keep) {
  const previous = select.value;
  select.replaceChildren(...options.map(([value, label]) => {
    const option = el("option", "", label);
    option.value = value;
    return option;
  }));
  if (keep && options.some(([value]) => value === previous)) select.value = previous;
}

/** Refills the preview's choices from the edited document, keeping what was chosen where it still exists. */
function refreshChoices() {
  const campaigns = editedCampaigns();
  fillOptions($("preview-campaign"), campaigns.map((campaign, index) => [String(index), String(campaign.id)]), true);
  // The same campaign keeps the variant and placement chosen; another starts from its own placement.
  const campaign = chosenCampaign();
  const id = campaign ? String(campaign.id) : null;
  refreshVariantsAndPlacements(id === state.previewing);
  state.previewing = id;
}

function chosenCampaign() {
  return editedCampaigns()[Number($("preview-campaign").value)] || null;
}

function refreshVariantsAndPlacements(keep) {
  const campaign = chosenCampaign();
  const variants = campaign && Array.isArray(campaign.variants) ? campaign.variants : [];
  fillOptions($("preview-variant"), [["", t("baseContent")], ...variants.map((variant, index) => [String(index), String(variant && variant.id)])], keep);
  const own = campaign && campaign.placement ? campaign.placement.type : "";
  const placementChoices = PLACEMENTS.map((type) => [type, type === own ? t("ownPlacement", { placement: t("placement_" + type) }) : t("placement_" + type)]);
  fillOptions($("preview-placement"), placementChoices, keep);
  if (!keep && PLACEMENTS.includes(own)) $("preview-placement").value = own;
}

function campaignChosen() {
  const campaign = chosenCampaign();
  state.previewing = campaign ? String(campaign.id) : null;
  refreshVariantsAndPlacements(false);
  renderPreview();
}

/** The sample context's values, as the agent would put them in a message in `language`. */
function sampleValues(language) {
  const total = Number($("sample-total").value);
  const count = Number($("sample-count").value);
  return {
    "cart.total": new Intl.NumberFormat(language, { style: "currency", currency: "EUR" }).format(Number.isFinite(total) ? total : 0),
    "cart.count": new Intl.NumberFormat(language).format(Number.isFinite(count) ? count : 0),
    "cart.code": $("sample-code").value,
    "item.name": $("sample-item").value,
  };
}

/** A template with its variables filled in: plain text, to be set as text. */
function fill(template, values) {
  return String(template || "").replace(/\{\{\s*([a-z]+\.[a-z]+)\s*\}\}/g, (whole, name) => (name in values ? values[name] : whole));
}

/** Whether the agent would follow `href`: a path of the shop, or https to a link host. */
function linkVerdict(href) {
  const text = String(href);
  if (/^\/(?![/\\])/.test(text) && !/[\s\\]/.test(text)) return { allowed: true, message: t("linkShop", { href: text }) };
  try {
    const url = new URL(text);
    if (url.protocol === "https:" && !url.username && !url.password && state.linkHosts.includes(url.host.toLowerCase())) {
      return { allowed: true, message: t("linkHost", { href: text, host: url.host }) };
    }
  } catch (error) {
    // Not a URL: refused below.
  }
  return { allowed: false, message: t("linkRefused", { href: text }) };
}

function renderPreview() {
  const box = $("preview");
  box.replaceChildren();
  if (state.previewStale && state.edited) box.append(el("p", "hint", t("previewInvalid")));
  const campaign = chosenCampaign();
  if (!campaign) return;
  const language = $("preview-language").value;
  const placement = $("preview-placement").value;
  const variant = Array.isArray(campaign.variants) ? campaign.variants[Number($("preview-variant").value)] : null;
  const content = (variant && variant.content) || campaign.content || {};
  const message = content[language];

  const page = el("div", "preview-page placement-" + placement);
  page.setAttribute("role", "group");
  page.setAttribute("aria-label", t("previewFrame", { placement: t("placement_" + placement), language: LANGUAGE_NAMES[language] }));
  page.dataset.placement = placement;
  page.append(el("p", "preview-shop", t("shopPage")));
  if (!message || typeof message !== "object") {
    page.append(el("p", "empty", t("noContent")));
    box.append(page);
    return;
  }
  const values = sampleValues(language);
  const view = el("div", "preview-message");
  view.lang = language;
  view.append(el("strong", "preview-message-title", fill(message.title, values)), el("p", "preview-message-body", fill(message.body, values)));
  const action = message.action;
  if (action && typeof action === "object") {
    view.append(el("span", "preview-message-action", fill(action.label, values)));
  }
  view.append(el("span", "preview-message-close", t("close", null, language)));
  if (action && typeof action === "object") {
    const verdict = linkVerdict(action.href);
    const link = el("p", "preview-link-verdict " + (verdict.allowed ? "link-allowed" : "link-refused"), verdict.message);
    link.dataset.allowed = String(verdict.allowed);
    view.append(link);
  }
  if (placement === "inline") {
    const slot = el("div", "preview-slot");
    slot.dataset.slot = String((campaign.placement && campaign.placement.slot) || "");
    slot.append(view);
    page.append(slot, el("p", "preview-shop", "…"));
  } else {
    page.append(view);
  }
  box.append(page);
}

// --- start ---------------------------------------------------------------------------------------

const editor = createEditor({
  id: "campaigns-editor",
  validKey: "valid",
  changed(edited, readable) {
    state.edited = edited;
    state.previewStale = !readable;
    refreshChoices();
    renderPreview();
  },
});

$("preview-campaign").addEventListener("change", campaignChosen);
["preview-variant", "preview-placement", "preview-language"].forEach((id) => $(id).addEventListener("change", renderPreview));
["sample-total", "sample-count", "sample-code", "sample-item"].forEach((id) => $(id).addEventListener("input", renderPreview));
$("publish").addEventListener("click", () => publish("campaigns", editor, loadSite));
startPage({
  messages: MESSAGES,
  role: "marketer",
  other: { role: "privacy officer", href: "/admin/" },
  load: loadSite,
  relabel() {
    renderList();
    renderHistory(state.history);
    refreshChoices();
    renderPreview();
    editor.relabel();
  },
});
$("preview-language").value = ui.language;
// What a campaign does now changes with the clock: a schedule starts or ends while the page is open.
setInterval(renderList, 60_000);
