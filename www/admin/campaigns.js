// Concierge campaigns admin, for marketers: the published campaigns with their status now, their results against the holdout, the document's editor with live checks, a preview of each placement in each language, publishing and the history.

import { $, api, createEditor, dataTable, el, heading, publish, renderHistory, say, siteQuery, startPage, svg, t, ui } from "./shared.js";

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
    resultsTitle: "Results", resultsHint: "What each campaign did, from the measurement of visitors who allowed it: each variant against the holdout, who saw nothing.",
    resultsFrom: "From (UTC day)", resultsTo: "To (UTC day)", resultsShow: "Show results", resultsLoading: "Loading the results…",
    resultsLoaded: "Campaigns with results: {count}.", resultsNone: "No campaign has measured anything in this period.", resultsFailed: "The results could not be loaded.",
    resultsCaption: "Results of {id}", colGroup: "Group", colDisplays: "Displays", colClicks: "Clicks", colDismissals: "Dismissals",
    colConversions: "Conversions", colValue: "Value", colVisitors: "Visitors", colConverted: "Converted", colRate: "Conversion rate",
    colUplift: "Uplift against the holdout (95% interval)", groupHoldout: "Holdout (saw nothing)", groupNoVariant: "Treatment",
    groupVariant: "Variant {variant}", points: "{value} points", interval: "{estimate} ({low} to {high})", notAvailable: "—",
    summary: "Treated visitors converted at {treatment} ({converted} of {visitors}), the holdout at {holdout} ({heldConverted} of {heldVisitors}).",
    summaryAbsolute: "Absolute uplift: {interval}.", summaryRelative: "Relative uplift: {interval}.",
    noHoldout: "No holdout visitors yet: nothing to compare with.", noRelative: "Relative uplift: needs a conversion in both groups.",
    verdictUp: "The interval is above 0: the campaign raises conversions.", verdictDown: "The interval is below 0: the campaign lowers conversions.",
    verdictUnclear: "The interval includes 0: the effect is not yet told apart from chance.",
    mismatched: "{count} visitors were bucketed otherwise than the campaign as published now places them (its holdout share or weights changed while it ran).",
    chartTitle: "Conversion rate by group, {id}", chartBar: "{group}: {rate}",
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
    resultsTitle: "Resultados", resultsHint: "Lo que hizo cada campaña, según la medición de los visitantes que la permitieron: cada variante frente al grupo de control, que no vio nada.",
    resultsFrom: "Desde (día UTC)", resultsTo: "Hasta (día UTC)", resultsShow: "Ver resultados", resultsLoading: "Cargando los resultados…",
    resultsLoaded: "Campañas con resultados: {count}.", resultsNone: "Ninguna campaña ha medido nada en este periodo.", resultsFailed: "No se pudieron cargar los resultados.",
    resultsCaption: "Resultados de {id}", colGroup: "Grupo", colDisplays: "Impresiones", colClicks: "Clics", colDismissals: "Cierres",
    colConversions: "Conversiones", colValue: "Valor", colVisitors: "Visitantes", colConverted: "Convirtieron", colRate: "Tasa de conversión",
    colUplift: "Mejora frente al grupo de control (intervalo del 95 %)", groupHoldout: "Grupo de control (no vio nada)", groupNoVariant: "Tratamiento",
    groupVariant: "Variante {variant}", points: "{value} puntos", interval: "{estimate} ({low} a {high})", notAvailable: "—",
    summary: "Los visitantes tratados convirtieron al {treatment} ({converted} de {visitors}); el grupo de control, al {holdout} ({heldConverted} de {heldVisitors}).",
    summaryAbsolute: "Mejora absoluta: {interval}.", summaryRelative: "Mejora relativa: {interval}.",
    noHoldout: "Aún no hay visitantes en el grupo de control: nada con que comparar.", noRelative: "Mejora relativa: necesita una conversión en ambos grupos.",
    verdictUp: "El intervalo está por encima de 0: la campaña aumenta las conversiones.", verdictDown: "El intervalo está por debajo de 0: la campaña reduce las conversiones.",
    verdictUnclear: "El intervalo incluye el 0: aún no se distingue el efecto del azar.",
    mismatched: "{count} visitantes quedaron en un grupo distinto del que les da la campaña publicada ahora (su grupo de control o sus pesos cambiaron durante la campaña).",
    chartTitle: "Tasa de conversión por grupo, {id}", chartBar: "{group}: {rate}",
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
    resultsTitle: "Resultaten", resultsHint: "Wat elke campagne deed, volgens de meting van bezoekers die dat toestonden: elke variant tegenover de controlegroep, die niets zag.",
    resultsFrom: "Van (UTC-dag)", resultsTo: "Tot en met (UTC-dag)", resultsShow: "Resultaten tonen", resultsLoading: "De resultaten worden geladen…",
    resultsLoaded: "Campagnes met resultaten: {count}.", resultsNone: "Geen enkele campagne heeft in deze periode iets gemeten.", resultsFailed: "De resultaten konden niet geladen worden.",
    resultsCaption: "Resultaten van {id}", colGroup: "Groep", colDisplays: "Vertoningen", colClicks: "Klikken", colDismissals: "Gesloten",
    colConversions: "Conversies", colValue: "Waarde", colVisitors: "Bezoekers", colConverted: "Geconverteerd", colRate: "Conversieratio",
    colUplift: "Verbetering tegenover de controlegroep (95%-interval)", groupHoldout: "Controlegroep (zag niets)", groupNoVariant: "Behandeling",
    groupVariant: "Variant {variant}", points: "{value} procentpunt", interval: "{estimate} ({low} tot {high})", notAvailable: "—",
    summary: "Behandelde bezoekers converteerden voor {treatment} ({converted} van {visitors}), de controlegroep voor {holdout} ({heldConverted} van {heldVisitors}).",
    summaryAbsolute: "Absolute verbetering: {interval}.", summaryRelative: "Relatieve verbetering: {interval}.",
    noHoldout: "Nog geen bezoekers in de controlegroep: niets om mee te vergelijken.", noRelative: "Relatieve verbetering: vraagt een conversie in beide groepen.",
    verdictUp: "Het interval ligt boven 0: de campagne verhoogt de conversies.", verdictDown: "Het interval ligt onder 0: de campagne verlaagt de conversies.",
    verdictUnclear: "Het interval bevat 0: het effect is nog niet van toeval te onderscheiden.",
    mismatched: "{count} bezoekers zaten in een andere groep dan de nu gepubliceerde campagne hen geeft (de controlegroep of de gewichten veranderden tijdens de campagne).",
    chartTitle: "Conversieratio per groep, {id}", chartBar: "{group}: {rate}",
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
    resultsTitle: "Ergebnisse", resultsHint: "Was jede Kampagne bewirkt hat, aus der Messung der Besucher, die sie erlaubt haben: jede Variante gegen die Kontrollgruppe, die nichts gesehen hat.",
    resultsFrom: "Von (UTC-Tag)", resultsTo: "Bis (UTC-Tag)", resultsShow: "Ergebnisse zeigen", resultsLoading: "Die Ergebnisse werden geladen …",
    resultsLoaded: "Kampagnen mit Ergebnissen: {count}.", resultsNone: "Keine Kampagne hat in diesem Zeitraum etwas gemessen.", resultsFailed: "Die Ergebnisse konnten nicht geladen werden.",
    resultsCaption: "Ergebnisse von {id}", colGroup: "Gruppe", colDisplays: "Einblendungen", colClicks: "Klicks", colDismissals: "Geschlossen",
    colConversions: "Conversions", colValue: "Wert", colVisitors: "Besucher", colConverted: "Konvertiert", colRate: "Conversion-Rate",
    colUplift: "Uplift gegenüber der Kontrollgruppe (95-%-Intervall)", groupHoldout: "Kontrollgruppe (sah nichts)", groupNoVariant: "Behandlung",
    groupVariant: "Variante {variant}", points: "{value} Prozentpunkte", interval: "{estimate} ({low} bis {high})", notAvailable: "—",
    summary: "Behandelte Besucher konvertierten zu {treatment} ({converted} von {visitors}), die Kontrollgruppe zu {holdout} ({heldConverted} von {heldVisitors}).",
    summaryAbsolute: "Absoluter Uplift: {interval}.", summaryRelative: "Relativer Uplift: {interval}.",
    noHoldout: "Noch keine Besucher in der Kontrollgruppe: nichts zum Vergleichen.", noRelative: "Relativer Uplift: braucht eine Conversion in beiden Gruppen.",
    verdictUp: "Das Intervall liegt über 0: Die Kampagne steigert die Conversions.", verdictDown: "Das Intervall liegt unter 0: Die Kampagne senkt die Conversions.",
    verdictUnclear: "Das Intervall enthält 0: Der Effekt ist noch nicht vom Zufall zu unterscheiden.",
    mismatched: "{count} Besucher waren anders eingeteilt, als die jetzt veröffentlichte Kampagne sie einteilt (Kontrollgruppe oder Gewichte wurden während der Laufzeit geändert).",
    chartTitle: "Conversion-Rate nach Gruppe, {id}", chartBar: "{group}: {rate}",
  },
};

const LANGUAGE_NAMES = { en: "English", es: "Español", nl: "Nederlands", de: "Deutsch" };

const state = { published: null, history: [], linkHosts: [], edited: null, previewStale: false, previewing: null, results: null };

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
  await loadResults();
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

// --- results: GET /v1/reports/campaigns, a table, a summary and a chart per campaign ------------

/** Loads the report for the site and the period chosen (UTC days, both optional). */
async function loadResults() {
  const status = $("results-status");
  status.textContent = t("resultsLoading");
  let query = siteQuery();
  const from = $("results-from").value;
  const to = $("results-to").value;
  if (from) query += "&from=" + encodeURIComponent(from);
  if (to) query += "&to=" + encodeURIComponent(to);
  const reply = await api("GET", "/v1/reports/campaigns?" + query);
  if (reply.status !== 200) {
    state.results = null;
    renderResults();
    // A bad day is named by the server; 401 and 429 are said by api().
    status.textContent = reply.json && reply.json.message ? (reply.json.field ? reply.json.field + ": " : "") + reply.json.message : t("resultsFailed");
    return;
  }
  state.results = reply.json;
  renderResults();
  const count = Array.isArray(reply.json.campaigns) ? reply.json.campaigns.length : 0;
  status.textContent = count ? t("resultsLoaded", { count }) : t("resultsNone");
}

function renderResults() {
  const box = $("campaign-results");
  box.replaceChildren();
  const campaigns = state.results && Array.isArray(state.results.campaigns) ? state.results.campaigns : [];
  if (!campaigns.length) {
    if (state.results) box.append(el("p", "empty", t("resultsNone")));
    return;
  }
  campaigns.forEach((campaign) => box.append(campaignResults(campaign)));
}

const figure = (value) => (typeof value === "number" && Number.isFinite(value) ? value : null);

/** Formats of the page's language: counts, values, rates, signed rates and signed points. */
function formats() {
  const language = ui.language;
  const count = new Intl.NumberFormat(language);
  const rate = new Intl.NumberFormat(language, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const signed = new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 1, signDisplay: "exceptZero" });
  const pointNumber = new Intl.NumberFormat(language, { maximumFractionDigits: 1, signDisplay: "exceptZero" });
  return {
    count: (n) => (figure(n) === null ? t("notAvailable") : count.format(n)),
    value: (n) => (figure(n) === null ? t("notAvailable") : count.format(n)),
    rate: (n) => (figure(n) === null ? t("notAvailable") : rate.format(n)),
    relative: (n) => signed.format(n),
    points: (n) => t("points", { value: pointNumber.format(n * 100) }),
  };
}

/** "+25 points (−29.8 points to +79.8 points)", or null when the report has no interval. */
function intervalText(interval, format) {
  if (!interval || figure(interval.estimate) === null) return null;
  return t("interval", { estimate: format(interval.estimate), low: format(interval.low), high: format(interval.high) });
}

function campaignResults(campaign) {
  const id = String(campaign.campaign);
  const f = formats();
  const section = el("section", "campaign-result");
  section.dataset.campaign = id;
  const titleId = "result-" + id.replace(/[^A-Za-z0-9_-]/g, "_");
  const title = el("h3", "", id);
  title.id = titleId;
  section.setAttribute("aria-labelledby", titleId);
  section.append(title);

  const columns = ["colGroup", "colDisplays", "colClicks", "colDismissals", "colConversions", "colValue", "colVisitors", "colConverted", "colRate", "colUplift"];
  const { table, tbody } = dataTable("results", t("resultsCaption", { id }), columns.map((key) => t(key)));
  const variants = Array.isArray(campaign.variants) ? campaign.variants : [];
  const groups = [];
  variants.forEach((variant) => {
    const name = variant.variant === null || variant.variant === undefined ? t("groupNoVariant") : t("groupVariant", { variant: String(variant.variant) });
    groups.push({ name, rate: figure(variant.rate) });
    const uplift = variant.uplift && intervalText(variant.uplift.absolute, f.points);
    const row = el("tr");
    row.dataset.variant = variant.variant === null || variant.variant === undefined ? "" : String(variant.variant);
    row.append(
      heading(name, "row"),
      el("td", "", f.count(variant.displays)), el("td", "", f.count(variant.clicks)), el("td", "", f.count(variant.dismissals)),
      el("td", "", f.count(variant.conversions)), el("td", "", f.value(variant.value)),
      el("td", "", f.count(variant.visitors)), el("td", "", f.count(variant.converted)), el("td", "", f.rate(variant.rate)),
      el("td", "", uplift || t("notAvailable")),
    );
    tbody.append(row);
  });
  const held = campaign.holdout || {};
  groups.push({ name: t("groupHoldout"), rate: figure(held.rate) });
  const holdoutRow = el("tr");
  holdoutRow.dataset.variant = "holdout";
  holdoutRow.append(
    heading(t("groupHoldout"), "row"),
    el("td", "", t("notAvailable")), el("td", "", t("notAvailable")), el("td", "", t("notAvailable")),
    el("td", "", f.count(held.conversions)), el("td", "", f.value(held.value)),
    el("td", "", f.count(held.visitors)), el("td", "", f.count(held.converted)), el("td", "", f.rate(held.rate)),
    el("td", "", t("notAvailable")),
  );
  tbody.append(holdoutRow);
  // Wide on a narrow screen: the table scrolls, so the keyboard must reach it too.
  const wrap = el("div", "table-wrap");
  wrap.tabIndex = 0;
  wrap.setAttribute("role", "region");
  wrap.setAttribute("aria-label", t("resultsCaption", { id }));
  wrap.append(table);
  section.append(wrap);

  const treated = campaign.treatment || {};
  const uplift = campaign.uplift || {};
  const lines = [];
  if (!held.visitors) {
    lines.push(t("noHoldout"));
  } else {
    lines.push(t("summary", {
      treatment: f.rate(treated.rate), converted: f.count(treated.converted), visitors: f.count(treated.visitors),
      holdout: f.rate(held.rate), heldConverted: f.count(held.converted), heldVisitors: f.count(held.visitors),
    }));
    const absolute = intervalText(uplift.absolute, f.points);
    if (absolute) {
      lines.push(t("summaryAbsolute", { interval: absolute }));
      const { low, high } = uplift.absolute;
      lines.push(low > 0 ? t("verdictUp") : high < 0 ? t("verdictDown") : t("verdictUnclear"));
    }
    const relative = intervalText(uplift.relative, f.relative);
    lines.push(relative ? t("summaryRelative", { interval: relative }) : t("noRelative"));
  }
  const summary = el("p", "result-summary", lines.join(" "));
  section.append(summary);
  if (campaign.mismatched > 0) section.append(el("p", "result-warning", t("mismatched", { count: f.count(campaign.mismatched) })));
  section.append(rateChart(id, titleId, groups, f));
  return section;
}

/** Horizontal bars of each group's conversion rate, labelled; the table holds the same figures. */
function rateChart(id, titleId, groups, f) {
  const rowHeight = 28;
  const left = 190;
  const width = 560;
  const barSpace = width - left - 70;
  const height = groups.length * rowHeight + 8;
  const chart = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "aria-labelledby": titleId + "-chart" });
  const label = groups.map((group) => t("chartBar", { group: group.name, rate: f.rate(group.rate) })).join("; ");
  chart.append(svg("title", { id: titleId + "-chart" }, t("chartTitle", { id }) + ": " + label));
  groups.forEach((group, index) => {
    const y = 4 + index * rowHeight;
    const rate = group.rate === null ? 0 : Math.max(0, Math.min(1, group.rate));
    chart.append(
      svg("text", { class: "tick", x: left - 8, y: y + 17, "text-anchor": "end" }, group.name),
      svg("rect", { class: index === groups.length - 1 ? "bar bar-holdout" : "bar", x: left, y: y + 4, width: (rate * barSpace).toFixed(1), height: rowHeight - 10 }),
      svg("text", { class: "tick", x: left + rate * barSpace + 6, y: y + 17 }, f.rate(group.rate)),
    );
  });
  const box = el("div", "chart result-chart");
  box.append(chart);
  return box;
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
$("results-form").addEventListener("submit", (event) => {
  event.preventDefault();
  loadResults();
});
startPage({
  messages: MESSAGES,
  role: "marketer",
  other: { role: "privacy officer", href: "/admin/" },
  load: loadSite,
  relabel() {
    renderList();
    renderResults();
    renderHistory(state.history);
    refreshChoices();
    renderPreview();
    editor.relabel();
  },
});
$("preview-language").value = ui.language;
// What a campaign does now changes with the clock: a schedule starts or ends while the page is open.
setInterval(renderList, 60_000);
