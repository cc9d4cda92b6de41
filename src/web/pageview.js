//! Page views for the interest model, with no code from the shop: at start and after each
//! single-page-app navigation (the page's `history.pushState` and `replaceState`, wrapped as
//! `triggers` wraps them, and `popstate`), what the page says about its products (JSON-LD) and
//! the search in its URL, and how long the page was visible before it was hidden or left (the
//! product view's dwell). Each becomes an engine input `["interest", kind, value]`; what is
//! learnt, and whether it is kept, is the engine's decision.

import * as jsonld from "./jsonld.js";
import { wrap } from "./triggers.js";

/** An SPA draws its new page after the URL changed: read it a moment later. */
const SETTLE_MS = 400;

let report = null;
let undo = [];
let lastUrl = null;
let timer = null;
/** Visible milliseconds of this page view, and since when it is visible (`null`: hidden). */
let visibleMs = 0;
let visibleSince = null;

/** Starts following page views; `onInputs(inputs)` hears each page's findings. */
export function start(onInputs) {
  stop();
  report = onInputs;
  lastUrl = href();
  begin();
  read();
  const navigated = () => {
    const url = href();
    if (url === null || url === lastUrl) return;
    lastUrl = url;
    // The page view that ends is reported first: its dwell goes to its product.
    report([dwell()]);
    begin();
    clearTimeout(timer);
    timer = setTimeout(read, SETTLE_MS);
  };
  undo = ["pushState", "replaceState"].map((name) => wrap(name, navigated)).filter(Boolean);
  const onVisibility = () => {
    try {
      if (document.visibilityState === "visible") visibleSince = visibleSince === null ? Date.now() : visibleSince;
      else pause();
    } catch (error) {}
  };
  try {
    window.addEventListener("popstate", navigated);
    document.addEventListener("visibilitychange", onVisibility);
    undo.push(() => {
      window.removeEventListener("popstate", navigated);
      document.removeEventListener("visibilitychange", onVisibility);
    });
  } catch (error) {}
}

/** Stops following and puts the page's history functions back. */
export function stop() {
  undo.forEach((restore) => {
    try {
      restore();
    } catch (error) {}
  });
  undo = [];
  clearTimeout(timer);
  report = null;
}

/** The input for the time this page view was visible so far (ending it as a product view). */
export function dwell() {
  pause();
  const seconds = Math.round(visibleMs / 1000);
  if (visible()) visibleSince = Date.now();
  visibleMs = 0;
  return ["interest", "dwell", seconds];
}

function begin() {
  visibleMs = 0;
  visibleSince = visible() ? Date.now() : null;
}

function pause() {
  if (visibleSince !== null) visibleMs += Math.max(0, Date.now() - visibleSince);
  visibleSince = null;
}

/** The page's products and search, as inputs. */
function read() {
  if (!report) return;
  const inputs = [];
  const products = jsonld.scan();
  if (products.length) {
    // A product page's first product is the one shown; the rest (related, accessories) and
    // every product of another page are a list.
    const main = products.length == 1 || pageType() === "product";
    if (main) inputs.push(["interest", "view_item", products.slice(0, 1)]);
    const rest = main ? products.slice(1) : products;
    if (rest.length) inputs.push(["interest", "view_item_list", rest]);
  }
  let search = null;
  try {
    search = jsonld.searchTerms(location.search);
  } catch (error) {}
  if (search) inputs.push(["interest", "search", search]);
  if (inputs.length) report(inputs);
}

function visible() {
  try {
    return document.visibilityState !== "hidden";
  } catch (error) {
    return true;
  }
}

/** Where the page is; a change of the fragment alone (`#reviews`) is no new page. */
function href() {
  try {
    return location.pathname + location.search;
  } catch (error) {
    return null;
  }
}

function pageType() {
  try {
    return document.body.getAttribute("data-page-type");
  } catch (error) {
    return null;
  }
}
