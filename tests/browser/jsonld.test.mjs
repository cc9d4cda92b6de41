// The JSON-LD reader on its own (no browser): the products of real-looking pages' blocks, broken
// JSON, several products, @graph, prices as text, and the search terms of a URL.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { products, searchTerms } from "../../src/web/jsonld.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/interests");

/** The JSON-LD blocks of an HTML page, as the browser's `textContent` gives them. */
async function blocks(name) {
  const html = await readFile(join(FIXTURES, name), "utf8");
  return [...html.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)].map((match) => match[1]);
}

test("a product page's blocks: a broken one read, the organisation and breadcrumbs passed over, the @graph's product found", async () => {
  assert.deepEqual(products(await blocks("product-page.html")), [
    { category: "Phones", brand: "Aurora", price: "1.299,00" },
    { category: "Cases", brand: "Aurora", price: "€ 19,90" },
  ]);
});

test("a listing's several products, offers as arrays, prices as numbers, a manufacturer for a brand", async () => {
  assert.deepEqual(products(await blocks("listing-page.html")), [
    { category: "Cameras", brand: "Lumo", price: 349 },
    { brand: "Nordwind", price: "89.00" },
    { category: "Tripods", price: "24,50 €" },
  ]);
});

test("what is not JSON, not a product or too deep gives nothing and throws nothing", () => {
  const deep = JSON.stringify(Array.from({ length: 12 }).reduce((inner) => [inner], { "@type": "Product", brand: "Deep" }));
  const texts = ["not json at all", "{", "null", "42", '{"@type":"Product"}', '{"@type":"Thing","brand":"X"}', deep, undefined, 7];
  assert.deepEqual(products(texts), []);
});

test("the search terms of a URL: q, s, search, query, in that order; blank ones passed over", () => {
  assert.equal(searchTerms("?q=wireless+charger"), "wireless charger");
  assert.equal(searchTerms("?s=&search=tripod&query=lens"), "tripod");
  assert.equal(searchTerms("?query=%20lens%20"), "lens");
  assert.equal(searchTerms("?page=2"), null);
  assert.equal(searchTerms(""), null);
});
