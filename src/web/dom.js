//! Draws engine views inside a Shadow DOM root: text set as text, links checked, no layout shift.
//!
//! A view arrives as data (`src/bridge.rs` writes it): its kind, texts, lines, amounts with
//! their currency, actions, and the link hosts in force. Every text is set with `textContent`
//! and every attribute with `setAttribute`; nothing is ever parsed as HTML.

import { warn } from "./console.js";
import * as modules from "./modules.js";
import STYLES from "./view.css";

/** The host's id, for shops that want to find it; its look is set with CSS custom properties. */
export const HOST_ID = "concierge-root";

let root = null;
/** The root could not be made (Shadow DOM or constructed sheets missing or replaced by the
 * page); said once, then views are skipped. */
let unavailable = false;
let onAction = null;
const formatters = new Map();
/** The consent dialog and panel are modal: focus moves in, is kept in, and goes back here. */
const MODAL = ".consent,.panel";
let opener = null;
/** The persistent "Privacy choices" control, in the shop's `[data-concierge-consent]` or ours. */
let privacyControl = null;
/** The preferences panel's drawing, a lazy module (`panel.js`), once it has arrived; the root
 * its styles were adopted by. */
let panel = null;
let panelStyled = null;
/** The latest view waiting for the panel module, drawn when it arrives. */
let waiting = null;

/** Views call `act(name, switches)` when one of their controls is used (`switches`: the
 * panel's, on save). */
export function init(act) {
  onAction = act;
}

export function render(view) {
  if (view.rows.length && !panel) return renderWithPanel(view);
  if (waiting && waiting.kind == view.kind) waiting = null;
  const shadow = ensureRoot();
  if (!shadow) return;
  if (panel && panelStyled !== shadow) {
    shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, sheet(panel.STYLES)];
    panelStyled = shadow;
  }
  // A visitor shown the choice is likely to open the panel: its module is fetched at idle.
  if (view.actions.some((action) => action.action == "choose")) modules.prefetch("panel");
  let built;
  try {
    built = build(view);
  } catch (error) {
    return warn("a view could not be drawn");
  }
  const old = shadow.querySelector('[data-view="' + view.kind + '"]');
  const modal = built.matches(MODAL);
  if (modal && !shadow.querySelector(MODAL)) {
    opener = document.activeElement;
    if (opener && opener.shadowRoot === shadow) opener = shadow.activeElement;
  }
  if (old) old.replaceWith(built);
  else shadow.append(built);
  if (modal) {
    // Modal for the pointer too: a backdrop keeps clicks from the page behind; a click on it
    // closes the view unanswered, as Escape does.
    if (!shadow.querySelector(".backdrop")) {
      const backdrop = element("div", "backdrop");
      backdrop.addEventListener("click", () => onAction("later"));
      shadow.prepend(backdrop);
    }
    focusable(built)[0].focus();
  }
}

/** Draws `view` once the panel module has arrived. If it cannot be fetched, the view is
 * closed unanswered, as Escape would close it, so that the engine does not believe it shown
 * and the next time the visitor asks for it the module is fetched again. */
function renderWithPanel(view) {
  waiting = view;
  modules.load("panel").then(
    (module) => {
      panel = module;
      if (waiting) render(waiting);
    },
    () => {
      if (waiting) onAction("later");
      waiting = null;
    },
  );
}

export function remove(kind) {
  if (waiting && waiting.kind == kind) waiting = null;
  const old = root && root.querySelector('[data-view="' + kind + '"]');
  if (!old) return;
  old.remove();
  if (!old.matches(MODAL) || root.querySelector(MODAL)) return;
  const backdrop = root.querySelector(".backdrop");
  if (backdrop) backdrop.remove();
  if (opener && opener.isConnected) opener.focus();
}

/** Draws the persistent control with `label`, or removes it when there is none. */
export function control(label) {
  if (privacyControl) privacyControl.remove();
  privacyControl = null;
  const slot = label && document.querySelector("[data-concierge-consent]");
  const shadow = label && !slot && ensureRoot();
  if (!slot && !shadow) return;
  privacyControl = element("button", "concierge-control", label);
  privacyControl.type = "button";
  privacyControl.addEventListener("click", () => onAction("choose"));
  // A pointer on its way or focus on it: the panel module starts loading before the click.
  const warm = () => modules.load("panel").catch(() => {});
  privacyControl.addEventListener("pointerenter", warm, { once: true });
  privacyControl.addEventListener("focus", warm, { once: true });
  (slot || shadow).append(privacyControl);
}

function focusable(view) {
  return view.querySelectorAll("button,a[href],input:not(:disabled)");
}

/** Removes the host and everything in it (`stop()`). */
export function destroy() {
  try {
    const host = document.getElementById(HOST_ID);
    if (host) host.remove();
    if (privacyControl) privacyControl.remove();
  } catch (error) {}
  root = null;
  privacyControl = null;
  unavailable = false;
  waiting = null;
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
    shadow.adoptedStyleSheets = [sheet(STYLES)];
    shadow.addEventListener("click", (event) => {
      const control = event.target instanceof Element && event.target.closest("[data-action]");
      if (!control) return;
      const name = control.getAttribute("data-action");
      const switches = {};
      if (name == "save") for (const input of focusable(control.closest(".view"))) if (input.name) switches[input.name] = input.checked;
      onAction(name, switches);
    });
    shadow.addEventListener("keydown", (event) => {
      const view = event.target instanceof Element && event.target.closest(".view");
      if (!view) return;
      const modal = view.matches(MODAL);
      if (event.key === "Escape") onAction(modal ? "later" : "dismiss");
      if (event.key !== "Tab" || !modal) return;
      // Tab and Shift+Tab cycle inside the modal view.
      const items = focusable(view);
      const edge = items[event.shiftKey ? 0 : items.length - 1];
      if (shadow.activeElement === edge) {
        event.preventDefault();
        items[event.shiftKey ? items.length - 1 : 0].focus();
      }
    });
    document.body.append(host);
    root = shadow;
  } catch (error) {
    unavailable = true;
    warn("views cannot be shown on this page (Shadow DOM or constructed style sheets are unavailable); the agent keeps working without them");
  }
  return root;
}

function sheet(text) {
  const styles = new CSSStyleSheet();
  styles.replaceSync(text);
  return styles;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function build(view) {
  const id = HOST_ID + "-" + view.kind;
  const titleId = id + "-title";
  const section = element("section", "view " + view.kind);
  section.setAttribute("data-view", view.kind);
  section.setAttribute("aria-labelledby", titleId);
  section.setAttribute("lang", view.lang);
  if (view.kind == "recovery") section.setAttribute("role", "region");
  else {
    section.setAttribute("role", "dialog");
    section.setAttribute("aria-modal", "true");
    section.setAttribute("aria-describedby", id + "-body");
  }

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
  const body = element("p", "body", view.body);
  body.id = id + "-body";
  section.append(header, body);

  if (view.rows.length) section.append(panel.rows(view, id, element));

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
  const link = view.link && safeHref(view.link[1], view.hosts);
  if (link) {
    const anchor = element("a", "link", view.link[0]);
    anchor.setAttribute("href", link);
    section.append(element("p", "", "").appendChild(anchor).parentNode);
  }
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
