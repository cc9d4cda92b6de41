// Benchmark, targeting: one representative campaign rule and the visitor data it is evaluated on, shared by every evaluator the benchmark compares.

/**
 * "A phone in a cart worth at least €300, on a product or cart page, an English, Dutch or
 * German visitor who has not bought recently", in JsonLogic. When Concierge's evaluator lands
 * (the campaigns issue), it is timed on this same rule and data, written in its own format.
 */
export const RULE = {
  and: [
    { ">=": [{ var: "cart.value" }, 300] },
    { in: [{ var: "page.type" }, ["product", "cart"]] },
    { some: [{ var: "cart.items" }, { "==": [{ var: "item_category" }, "Phones"] }] },
    { in: [{ var: "visitor.locale" }, ["en-GB", "nl-NL", "de-DE"]] },
    { "!": { var: "visitor.purchased_recently" } },
  ],
};

export const DATA = {
  page: { type: "product", path: "/product/?id=aurora-x1" },
  visitor: { locale: "en-GB", purchased_recently: false, visits: 3 },
  cart: {
    currency: "EUR",
    value: 928,
    items: [
      { item_id: "aurora-x1", item_name: "Aurora X1", item_category: "Phones", price: 799, quantity: 1 },
      { item_id: "buds-pro", item_name: "Buds Pro", item_category: "Accessories", price: 129, quantity: 1 },
    ],
  },
};

/** What the rule yields on the data; a run that yields anything else is reported as wrong. */
export const EXPECTED = true;
