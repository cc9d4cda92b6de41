// Concierge agent: TypeScript declarations for the page-facing API (window.concierge).

/** A product as GA4's ecommerce `items` describe it. `item_id` or `item_name` is required. */
export interface ConciergeItem {
  item_id?: string | number;
  item_name?: string;
  item_category?: string;
  /** The brand, which the interest model learns from. */
  item_brand?: string;
  /** Unit price in major units of the shop's currency (19.99 for €19.99). */
  price?: number;
  /** A whole number from 1; defaults to 1. */
  quantity?: number;
  [otherGa4Field: string]: unknown;
}

/** GA4 ecommerce event parameters. */
export interface ConciergeEcommerceParams {
  /** ISO 4217 code; must equal the loader's `data-currency` when given. */
  currency?: string;
  value?: number;
  items?: ConciergeItem[];
  transaction_id?: string;
  item_list_id?: string;
  item_list_name?: string;
  /** What a `search` event searched for. */
  search_term?: string;
  [otherGa4Field: string]: unknown;
}

/** The GA4 ecommerce events the agent understands. */
export type ConciergeEventName =
  | "view_item_list"
  | "view_item"
  | "add_to_cart"
  | "remove_from_cart"
  | "view_cart"
  | "begin_checkout"
  | "purchase"
  /** GA4's search, `{ search_term }`: it only feeds the interest model. */
  | "search";

export type ConciergeDecision = "granted" | "denied" | "unset";

/** A consent choice: `true`/`"granted"` or `false`/`"denied"`. */
export type ConciergeChoice = boolean | "granted" | "denied";

/**
 * A consent change, keyed by the policy's purpose ids (`measurement`, `personalization`,
 * `marketing` in the demo policy; any id the shop's policy has), by GA4 consent mode's words
 * (`analytics_storage` → measurement, `functionality_storage` and `personalization_storage` →
 * personalization, `ad_storage`, `ad_user_data` and `ad_personalization` → marketing), or by the
 * released agent's `storage` (→ personalization) and `analytics` (→ measurement). A key that
 * names no purpose of the policy is named in a console warning; the rest is applied.
 */
export type ConciergeConsentUpdate = { [purposeOrWord: string]: ConciergeChoice };

export interface ConciergeCart {
  currency: string;
  /** The cart total in major units. */
  value: number;
  item_count: number;
  items: Array<Required<Pick<ConciergeItem, "item_id" | "item_name" | "price" | "quantity">> & { item_category: string | null }>;
  /** Milliseconds since the epoch of the last change, or null for an untouched cart. */
  updated_at: number | null;
  /** The code staff find this cart by (e.g. "K7M-4QP"), once the visitor allowed the cart to be kept. */
  code: string | null;
}

/** A purchase intent a store or call-centre advisor recorded for this visitor. */
export interface ConciergeIntent {
  products: string[];
  note: string;
  channel: "store" | "call_centre" | "web" | string;
  created_at: number;
}

export interface ConciergeConsentState {
  /** The version of the policy in force. */
  policy: number;
  /** Every purpose of the policy; one not on consent (`necessary`) is always "granted". */
  purposes: { [purpose: string]: ConciergeDecision };
  /** What made the choice in force. */
  source: "dialog" | "panel" | "gpc" | "tcf" | "api" | "default";
  /** Milliseconds since the epoch of the choice, or null before any. */
  decided_at: number | null;
  /** The released agent's words, kept for pages written against it: `personalization`. */
  storage: ConciergeDecision;
  /** The released agent's words: `measurement`. */
  analytics: ConciergeDecision;
}

export interface ConciergeBannerChange {
  action: "shown" | "dismissed" | "resumed";
}

/** What happened to a campaign, for the shop's analytics. */
export interface ConciergeCampaignEvent {
  /** The campaign's id in the published `campaigns` document (`cart-recovery` for the banner). */
  campaign: string;
  /** The variant shown, or null for a campaign without variants. */
  variant: string | null;
  /** `holdout`: the visitor is in the control group and saw nothing. */
  event: "shown" | "clicked" | "dismissed" | "converted" | "holdout";
}

/** A custom trigger's params: the targeting context's `trigger.params`. */
export type ConciergeTriggerParams = { [name: string]: unknown };

/** One interest of the visitor's local model (`concierge('interests')`), with the events that made
 * it. Scores are normalised within their dimension: its strongest key is 1. */
export interface ConciergeInterest {
  dimension: "category" | "brand" | "price_band";
  /** A category or brand as the shop names it, lower case; a price band in major units:
   * "0-25", "25-100", "100-300", "300-1000" or "1000+". */
  key: string;
  score: number;
  /** The last few events that fed it, oldest first; `at` is an ISO time. */
  because: { event: "view_item" | "view_item_list" | "search" | "add_to_cart" | "remove_from_cart" | "purchase" | "dwell"; at: string; weight: number }[];
}

export interface ConciergeTopics {
  ready: { version: string };
  cart: ConciergeCart;
  consent: ConciergeConsentState;
  banner: ConciergeBannerChange;
  campaign: ConciergeCampaignEvent;
  /** Newest first; empty until staff record one. */
  intent: ConciergeIntent[];
}

export interface Concierge {
  (command: "track", event: ConciergeEventName, params?: ConciergeEcommerceParams): void;
  /** "prompt": the consent dialog again; "open": the preferences panel (a switch per purpose). */
  (command: "consent", choice: "accept" | "reject" | "prompt" | "open" | ConciergeConsentUpdate): void;
  /** Sets off the campaigns whose trigger is `{ type: "custom", name }`; `name`: 1 to 64 letters,
   * digits, `-` or `_`. */
  (command: "trigger", name: string, params?: ConciergeTriggerParams): void;
  /** The visitor's top interests, best first (at most 10), learnt on this device. Resolves with
   * an empty list once the agent stops; before the agent is ready the call returns nothing. */
  (command: "interests"): Promise<ConciergeInterest[]> | undefined;
  /** `ready`, `cart`, `consent` and `intent` call a new listener at once with the current state. */
  <T extends keyof ConciergeTopics>(command: "on", topic: T, listener: (payload: ConciergeTopics[T]) => void): void;
  <T extends keyof ConciergeTopics>(command: "off", topic: T, listener: (payload: ConciergeTopics[T]) => void): void;
  /** Calls queued by the stub before the agent loaded, or after it stopped: each call's arguments. */
  q?: ArrayLike<unknown>[];
  loaded?: boolean;
  version?: string;
}

/** A handoff the assistant module asks for through `ctx.handoff` (issue 12). `phone`: an
 * optional `+`, then 6-15 digits with spaces, `-`, `.`, `(` `)`; required for a call. The cart
 * code is added by the agent, never by the module. */
export interface ConciergeHandoffRequest {
  kind: "call" | "store";
  phone?: string;
  /** At most 40 messages of at most 1000 characters; sent only with `assistant_memory`. */
  transcript?: { from: "visitor" | "assistant"; text: string }[];
}

/** `sent`: the backend acknowledged it; `not_allowed`: consent lets nothing leave; `failed`:
 * unreadable, refused or unreachable (not retried later). */
export type ConciergeHandoffAnswer = "sent" | "not_allowed" | "failed";

/** A prompt's quick reply, as `ctx.prompt` carries it. */
export interface ConciergeQuickReply {
  label: string;
  ask?: string;
  action?: "call" | "store" | "resume";
}

/** What the core passes to the `assistant` lazy module's `open(ctx)`. */
export interface ConciergeAssistantContext {
  lang: "en" | "es" | "nl" | "de";
  /** The published knowledge document, on the backend's origin (GET it with credentials "omit"). */
  knowledgeUrl: string;
  /** The cart's code for the phone or the store, when the policy lets staff look it up. */
  cartCode: string | null;
  /** `personalization`: the `assistant_memory` feature; `storage`: the `interests` data kept on
   * the device (the conversation may be kept under `storageKey`). */
  consent: { personalization: boolean; storage: boolean };
  storageKey: string;
  prompt: null | { id: string; text: string; replies: ConciergeQuickReply[] };
  /** The quick reply chosen in the prompt's bubble (one of `prompt.replies`), else null. */
  reply: null | ConciergeQuickReply;
  /** For a "resume" reply: takes the visitor to the cart's resume page. */
  resume(): void;
  interests: { dimension: "category" | "brand" | "price_band"; key: string; score: number }[];
  theme: { accent?: string };
  handoff(request: ConciergeHandoffRequest): Promise<ConciergeHandoffAnswer>;
  /** The core puts focus back on the launcher. */
  onClose(): void;
}

/** The `assistant` lazy module's exports (`www/concierge/modules/assistant.js`). */
export interface ConciergeAssistantModule {
  ready: Promise<unknown>;
  open(ctx: ConciergeAssistantContext): { close(): void };
}

declare global {
  interface Window {
    concierge: Concierge;
    dataLayer: unknown[];
  }
}
