//! Draws engine views inside a Shadow DOM root: text set as text, links checked, no layout shift.
//!
//! A view arrives as data (`src/bridge.rs` writes it): its kind, texts, lines, amounts with
//! their currency, actions, and the link hosts in force. Every text is set with `textContent`
//! and every attribute with `setAttribute`; nothing is ever parsed as HTML.

import { warn } from "./console.js";
import STYLES from "./view.css";

/** The host's id, for shops that want to find it; its look is set with CSS custom properties. */
export const HOST_ID = "concierge-root";

let root = null;
/** The root could not be made (Shadow DOM or constructed sheets missing or replaced by the
 * page); said once, then views are skipped. */
let unavailable = false;
let onAction = null;
const formatters = new Map();

/** Views call `act(name)` when one of their controls is used. */
export function init(act) {
  onAction = act;
}

export function render(view) {
  const shadow = ensureRoot();
  if (!shadow) return;
  let built;
  try {
    built = build(view);
  } catch (error) {
    return warn("a view could not be drawn");
  }
  const old = shadow.querySelector('[data-view="' + view.kind + '"]');
  if (old) old.replaceWith(built);
  else shadow.append(built);
}

export function remove(kind) {
  const old = root && root.querySelector('[data-view="' + kind + '"]');
  if (old) old.remove();
}

/** Removes the host and everything in it (`stop()`). */
export function destroy() {
  try {
    const host = document.getElementById(HOST_ID);
    if (host) host.remove();
  } catch (error) {}
  root = null;
  unavailable = false;
}

/** The shadow root, created on first use so a page with nothing to show gets no element. */
function ensureRoot() {
  if (root || unavailable) return root;
  try {
    const host = document.createElement("div");
    host.id = HOST_ID;
    const shadow = host.attachShadow({ mode: "open" });
    // A constructed sheet is not an inline style, so a strict CSP without 'unsafe-inline'
    // still applies it.
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLES);
    shadow.adoptedStyleSheets = [sheet];
    shadow.addEventListener("click", (event) => {
      const control = event.target instanceof Element && event.target.closest("[data-action]");
      if (control) onAction(control.getAttribute("data-action"));
    });
    shadow.addEventListener("keydown", (event) => {
      const inBanner = event.target instanceof Element && event.target.closest('[data-view="recovery"]');
      if (event.key === "Escape" && inBanner) onAction("dismiss");
    });
    document.body.append(host);
    root = shadow;
  } catch (error) {
    unavailable = true;
    warn("views cannot be shown on this page (Shadow DOM or constructed style sheets are unavailable); the agent keeps working without them");
  }
  return root;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function build(view) {
  const titleId = HOST_ID + "-" + view.kind + "-title";
  const section = element("section", "view " + view.kind);
  section.setAttribute("data-view", view.kind);
  section.setAttribute("role", "region");
  section.setAttribute("aria-labelledby", titleId);
  section.setAttribute("lang", view.lang);

  const header = element("div", "header");
  const title = element("h2", "title", view.title);
  title.id = titleId;
  header.append(title);
  for (const action of view.actions) {
    if (!action.close) continue;
    const close = element("button", "close", "×");
    close.type = "button";
    close.setAttribute("aria-label", action.label);
    close.setAttribute("title", action.label);
    close.setAttribute("data-action", action.action);
    header.append(close);
  }
  section.append(header, element("p", "body", view.body));

  if (view.lines.length) {
    const list = element("ul", "lines");
    for (const [name, quantity, amount] of view.lines) {
      const item = element("li", "line");
      item.append(element("span", "name", name), element("span", "qty", quantity), element("span", "amount", money(view.locale, amount)));
      list.append(item);
    }
    section.append(list);
  }
  if (view.more) section.append(element("p", "more", view.more));
  if (view.code) {
    const line = element("p", "code");
    line.append(element("span", "code-label", view.code[0]), element("strong", "code-value", view.code[1]));
    section.append(line);
  }
  if (view.total) {
    const total = element("p", "total");
    total.append(element("span", "total-label", view.total[0]), element("strong", "total-amount", money(view.locale, view.total[1])));
    section.append(total);
  }

  const actions = element("div", "actions");
  for (const action of view.actions) {
    if (action.close) continue;
    let control;
    if (action.href !== null) {
      const href = safeHref(action.href, view.hosts);
      if (href === null) {
        warn("link to " + action.href + " is not allowed (data-link-hosts); not shown");
        continue;
      }
      control = element("a", "button", action.label);
      control.setAttribute("href", href);
    } else {
      control = element("button", "button", action.label);
      control.type = "button";
    }
    control.setAttribute("data-action", action.action);
    actions.append(control);
  }
  section.append(actions);
  return section;
}

/** An amount `[major, currency]` in the page's locale, by the browser's `Intl`. */
function money(locale, [amount, currency]) {
  const key = locale + " " + currency;
  if (!formatters.has(key)) formatters.set(key, formatter(locale, currency));
  const format = formatters.get(key);
  try {
    if (format) return format(amount);
  } catch (error) {}
  return amount + " " + currency;
}

/** The locale was checked for shape, but `Intl` can still refuse it: then English. */
function formatter(locale, currency) {
  for (const tag of [locale, "en"]) {
    try {
      const format = new Intl.NumberFormat(tag, { style: "currency", currency });
      return (amount) => format.format(amount);
    } catch (error) {}
  }
  return null;
}

/** The link resolved against the page, if allowed: the page's own origin over http(s), or
 * one of `hosts` over https. Resolved by the browser's URL parser, the one that will follow it. */
export function safeHref(href, hosts) {
  try {
    const url = new URL(href, location.href);
    if (url.origin === location.origin && (url.protocol === "https:" || url.protocol === "http:")) return url.href;
    const host = url.host.toLowerCase();
    if (url.protocol === "https:" && hosts.some((allowed) => allowed.toLowerCase() === host)) return url.href;
  } catch (error) {}
  return null;
}
