// Type test for www/concierge/concierge.d.ts: what a shop writes must type-check, mistakes must not.

import type {
  ConciergeAssistantContext,
  ConciergeAssistantModule,
  ConciergeCart,
  ConciergeHandoffAnswer,
  ConciergeHandoffRequest,
} from "../../www/concierge/concierge";

window.concierge("track", "add_to_cart", {
  currency: "EUR",
  value: 799,
  items: [{ item_id: "aurora-x1", item_name: "Aurora X1", price: 799, quantity: 1, item_brand: "Nordwind" }],
});
window.concierge("track", "purchase", { transaction_id: "T-1", items: [] });
window.concierge("consent", "accept");
window.concierge("consent", { analytics_storage: "granted", functionality_storage: "denied" });
window.concierge("consent", { measurement: true, marketing: "denied", storage: false });
window.concierge("consent", "open");
window.concierge("on", "consent", (consent) => consent.purposes.marketing === "granted" && consent.policy > 1);
window.concierge("on", "cart", (cart: ConciergeCart) => cart.items.map((item) => item.quantity * item.price));
window.concierge("on", "banner", (change) => change.action === "dismissed");
window.concierge("on", "ready", ({ version }) => version.length);
window.concierge("on", "intent", (intents) => intents[0]?.note.toUpperCase());
window.concierge("on", "cart", (cart) => cart.code?.replace("-", ""));
window.concierge("trigger", "quiz-done", { score: 7, answers: ["a", "b"] });
window.concierge("trigger", "newsletter-open");
window.concierge("on", "campaign", ({ campaign, variant, event }) => event === "holdout" || `${campaign}:${variant ?? "-"}`);
window.concierge("interests")?.then((top) => top.filter((i) => i.dimension === "price_band" && i.score > 0.5).map((i) => i.because[0]?.at));
window.concierge("track", "search", { search_term: "tripod" });

// @ts-expect-error: not a dimension of the interest model
window.concierge("interests")?.then((top) => top[0]?.dimension === "colour");
// @ts-expect-error: not a GA4 ecommerce event the agent knows
window.concierge("track", "add_to_basket", {});
// @ts-expect-error: consent takes granted or denied
window.concierge("consent", { analytics_storage: "yes" });
// @ts-expect-error: not a consent command
window.concierge("consent", "maybe");
// @ts-expect-error: a custom trigger has a name
window.concierge("trigger", { score: 7 });
// @ts-expect-error: params are an object
window.concierge("trigger", "quiz-done", 7);
// @ts-expect-error: not a campaign event
window.concierge("on", "campaign", (change) => change.event === "opened");
// @ts-expect-error: the cart listener receives a cart, not a string
window.concierge("on", "cart", (cart: string) => cart);

// The assistant module's ctx, as the core passes it (issue 12).
const assistantModule: ConciergeAssistantModule = {
  ready: Promise.resolve(),
  open(ctx: ConciergeAssistantContext) {
    const request: ConciergeHandoffRequest = { kind: "call", phone: "+31 6 1234 5678", transcript: [{ from: "visitor", text: "Hi" }] };
    ctx.handoff(request).then((answer: ConciergeHandoffAnswer) => answer === "sent" && ctx.onClose());
    const lang: "en" | "es" | "nl" | "de" = ctx.lang;
    const code: string | null = ctx.cartCode;
    void [lang, code, ctx.consent.personalization, ctx.prompt?.replies[0]?.action, ctx.reply?.ask];
    if (ctx.reply?.action === "resume") ctx.resume();
    return { close() {} };
  },
};
void assistantModule;
