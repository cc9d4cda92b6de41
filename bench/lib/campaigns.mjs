// Benchmark, campaigns: a shop's worth of campaigns (50: varied triggers, targeting rules, placements, caps, schedules, holdouts and variants) and the one engine input that makes every one of them a candidate, for timing one full decision.

export const CAMPAIGN_COUNT = 50;

/** The custom trigger's name in the document and in the decision input. */
export const CUSTOM_TRIGGER = "bench_offer";

/** The page the decision happens on: a product page, reached by a single-page app's route change. */
export const DECISION_PATH = "/product/aurora-x1";

/**
 * One of each signal the shell reports (at their furthest: every idle, scroll and time threshold
 * is passed) and the shop's custom trigger, handed to the engine in one call: one decision in
 * which every campaign of the document is a candidate.
 */
export const DECISION_INPUTS = [
  ["signal", "route", DECISION_PATH],
  ["signal", "exit_intent", null],
  ["signal", "idle", 3_600],
  ["signal", "scroll", 100],
  ["signal", "time", 3_600],
  ["call", "trigger", CUSTOM_TRIGGER, { source: "bench", value: 928 }],
];

/** The triggers, in turn; a modal only ever opens on exit intent or a custom trigger. */
const TRIGGERS = [
  { type: "page_view", path: "/product/" },
  { type: "page_view", page_type: "product" },
  { type: "route_change" },
  { type: "exit_intent" },
  { type: "idle", seconds: 30 },
  { type: "scroll_depth", percent: 50 },
  { type: "time_on_page", seconds: 20 },
  { type: "custom", name: CUSTOM_TRIGGER },
  { type: "page_view" },
  { type: "idle", seconds: 120 },
];

/** Targeting rules over the targeting context (README, "The targeting context"), true and false alike. */
const RULES = [
  null,
  { ">=": [{ var: "cart.total" }, 300] },
  { and: [{ "==": [{ var: "page.type" }, "product"] }, { in: [{ var: "device" }, ["desktop", "tablet"]] }] },
  { some: [{ var: "cart.items" }, { "==": [{ var: "category" }, "Phones"] }] },
  { in: [{ var: "locale" }, ["en-GB", "nl-NL", "de-DE"]] },
  { or: [{ ">=": [{ var: "visit.count" }, 3] }, { "==": [{ var: "trigger.name" }, "custom"] }] },
  { and: [{ "<": [{ var: "time.hour" }, 24] }, { "!": { var: "consent.marketing" } }] },
  { "==": [{ var: "trigger.params.source" }, "bench"] },
  { in: ["Phones", { map: [{ var: "cart.items" }, { var: "category" }] }] },
  { "<": [{ var: "cart.count" }, 1] },
  { and: [{ "!!": { var: "visit.returning" } }, { "==": [{ var: "intents.count" }, 0] }] },
  { if: [{ ">": [{ var: "cart.total" }, 1000] }, true, { in: ["/product/", { var: "page.path" }] }] },
];

const PLACEMENTS = [{ type: "corner_toast" }, { type: "top_bar" }, { type: "bottom_bar" }, { type: "inline", slot: "product-offer" }, { type: "inline", slot: "footer-offer" }];

const LANGUAGES = { en: "Offer", es: "Oferta", nl: "Aanbieding", de: "Angebot" };

function content(number) {
  return Object.fromEntries(
    Object.entries(LANGUAGES).map(([language, word]) => [
      language,
      { title: `${word} ${number}`, body: `${word} ${number}: {{cart.count}} items, {{cart.total}}, for the {{item.name}}.`, action: { label: word, href: "/cart/" } },
    ]),
  );
}

/** Campaign `index` (0-based): its trigger, rule, placement, caps and extras taken in turn. */
function campaign(index) {
  const trigger = TRIGGERS[index % TRIGGERS.length];
  const modal = (trigger.type === "exit_intent" || trigger.type === "custom") && index % 3 === 0;
  const rule = RULES[index % RULES.length];
  const entry = {
    id: `bench-${String(index + 1).padStart(2, "0")}`,
    status: "active",
    trigger,
    ...(rule ? { targeting: rule } : {}),
    placement: modal ? { type: "modal" } : PLACEMENTS[index % PLACEMENTS.length],
    content: content(index + 1),
    priority: 1 + ((index * 37) % 100),
    value: 5 + ((index * 13) % 60),
    contact: {
      per_session: 1 + (index % 3),
      per_day: 3 + (index % 4),
      per_week: 7 + (index % 5),
      cooldown_hours: (index % 4) * 24,
      stop_after_conversion: index % 2 === 0,
    },
    holdout: index % 5 === 0 ? 0.1 : 0,
    goal: { event: index % 2 ? "add_to_cart" : "purchase", attribution_days: 7 },
  };
  if (index % 4 === 1) {
    // Half on the visitor's clock, half in UTC.
    entry.schedule = index % 8 === 1
      ? { start: "2026-01-01T00:00", end: "2030-12-31T23:59", time_zone: "Europe/Amsterdam" }
      : { start: "2026-01-01T00:00Z", end: "2030-12-31T23:59Z" };
  }
  if (index % 6 === 2) entry.variants = [{ id: "a", weight: 1 }, { id: "b", weight: 1, content: content(100 + index) }];
  return entry;
}

/** The campaigns document the decision is timed on, as a shop publishes it. */
export function benchCampaigns(count = CAMPAIGN_COUNT) {
  return {
    kind: "campaigns",
    version: 1,
    contact: { per_session: 20, per_day: 40, per_week: 100, interruptive_at_once: 1 },
    campaigns: Array.from({ length: count }, (_, index) => campaign(index)),
  };
}

/**
 * Whether one of `inputs` sets off `trigger` on a page of type `pageType`, as the engine decides
 * (src/engine/campaigns.rs, `signal` and `custom`); the tests hold the document to it.
 */
export function setsOff(trigger, inputs, pageType) {
  return inputs.some(([kind, name, value]) => {
    if (kind === "call") return name === "trigger" && trigger.type === "custom" && trigger.name === value;
    if (kind !== "signal") return false;
    switch (trigger.type) {
      case "page_view":
        return name === "route" && (trigger.path === undefined || value.startsWith(trigger.path)) && (trigger.page_type === undefined || trigger.page_type === pageType);
      case "route_change":
        return name === "route";
      case "exit_intent":
        return name === "exit_intent";
      case "idle":
        return name === "idle" && value >= trigger.seconds;
      case "scroll_depth":
        return name === "scroll" && value >= trigger.percent;
      case "time_on_page":
        return name === "time" && value >= trigger.seconds;
      default:
        return false;
    }
  });
}

/** Replaces (or adds) the campaigns document in a published config answer's body. */
export function withCampaigns(config, document) {
  const documents = (config.documents ?? []).filter((entry) => entry.kind !== "campaigns");
  return { ...config, documents: [...documents, document] };
}
