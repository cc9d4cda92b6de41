//! What a page says about its products and searches without any code from the shop: the
//! schema.org `Product`s in its JSON-LD blocks (several per page, inside `@graph` or arrays, a
//! block that is not quite JSON read as well as it can be, prices as text) and the search terms
//! in its URL (`q`, `s`, `search`, `query`). Each product is reduced to what the interest model
//! learns from, `{ category, brand, price }`; the engine reads the price text and names any
//! bad field. Nothing here throws into the page: a block that cannot be read is passed over.

/** The URL parameters a search is found under, in order. */
const SEARCH_KEYS = ["q", "s", "search", "query"];
/** Products read from one page at most. */
const MAX_PRODUCTS = 20;
/** A block longer than this is not a product description. */
const MAX_BLOCK = 200_000;

/** The products of the page's JSON-LD blocks. */
export function scan() {
  const texts = [];
  try {
    const blocks = document.querySelectorAll('script[type="application/ld+json"]');
    for (let i = 0; i < blocks.length; i++) texts.push(String(blocks[i].textContent));
  } catch (error) {}
  return products(texts);
}

/** The products described by JSON-LD texts (pure, for tests). */
export function products(texts) {
  const found = [];
  for (const text of texts) {
    if (typeof text != "string" || text.length > MAX_BLOCK) continue;
    const data = parse(text);
    if (data !== undefined) collect(data, found, 0);
  }
  return found.slice(0, MAX_PRODUCTS);
}

/** JSON, or JSON as templates break it (trailing commas, HTML comments, a stray `;`). */
function parse(text) {
  try {
    return JSON.parse(text);
  } catch (error) {}
  try {
    const repaired = text
      .replace(/^\s*<!--|-->\s*$/g, "")
      .replace(/,\s*([}\]])/g, "$1")
      .replace(/;\s*$/, "");
    return JSON.parse(repaired);
  } catch (error) {
    return undefined;
  }
}

function collect(node, found, depth) {
  if (depth > 8 || node === null || typeof node != "object" || found.length >= MAX_PRODUCTS) return;
  if (Array.isArray(node)) {
    for (const entry of node) collect(entry, found, depth + 1);
    return;
  }
  if (isProduct(node)) {
    const product = reduce(node);
    if (product) found.push(product);
  }
  if (Array.isArray(node["@graph"])) collect(node["@graph"], found, depth + 1);
}

function isProduct(node) {
  const type = node["@type"];
  const types = Array.isArray(type) ? type : [type];
  return types.some((t) => typeof t == "string" && /(^|\/|:)(Product|IndividualProduct|ProductModel)$/.test(t));
}

/** `{ category, brand, price }` of a Product, or `null` when it says none of them. */
function reduce(node) {
  const product = {};
  const category = text(node.category);
  // "Electronics > Phones": the most specific part.
  if (category) product.category = category.split(/\s*[>/|]\s*/).filter(Boolean).pop() || category;
  const brand = text(node.brand) || text(node.manufacturer);
  if (brand) product.brand = brand;
  const price = priceOf(node.offers);
  if (price !== undefined) product.price = price;
  return Object.keys(product).length ? product : null;
}

/** A string, or the `name` of an object (`{ "@type": "Brand", "name": ... }`). */
function text(value) {
  if (Array.isArray(value)) value = value[0];
  if (value && typeof value == "object") value = value.name;
  if (typeof value == "number") value = String(value);
  return typeof value == "string" && value.trim() ? value.trim().slice(0, 64) : undefined;
}

/** The first offer's price (an AggregateOffer's `lowPrice`), a number or its text as written. */
function priceOf(offers) {
  const offer = Array.isArray(offers) ? offers[0] : offers;
  if (!offer || typeof offer != "object") return undefined;
  let price = offer.price;
  if (price === undefined) price = offer.lowPrice;
  if (price === undefined && offer.priceSpecification && typeof offer.priceSpecification == "object") {
    price = offer.priceSpecification.price;
  }
  if (typeof price == "number" && isFinite(price)) return price;
  return typeof price == "string" && price.trim() ? price.trim().slice(0, 40) : undefined;
}

/** The search terms in a URL's query (`location.search`), or `null`. */
export function searchTerms(search) {
  try {
    const params = new URLSearchParams(search);
    for (const key of SEARCH_KEYS) {
      const value = params.get(key);
      if (value && value.trim()) return value.trim().slice(0, 64);
    }
  } catch (error) {}
  return null;
}
