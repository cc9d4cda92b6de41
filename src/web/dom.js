//! Draws engine views inside a Shadow DOM root: text set as text, links checked, no layout shift.
//!
//! A view arrives as data (`src/bridge.rs` writes it): its kind, texts, lines, amounts with
//! their currency, actions, and the link hosts in force. Every text is set with `textContent`
//! and every attribute with `setAttribute`; nothing is ever parsed as HTML.

import { afterPaint, nextTask, now } from "./clock.js";
import { warn } from "./console.js";
import STYLES from "./view.css";

/** The host's id, for shops that want to find it; its look is set with CSS custom properties. */
export const HOST_ID = "concierge-root";

let root = null;
/** The root could not be made (Shadow DOM or constructed sheets missing or replaced by the
 * page); said once, then views are skipped. */
let unavailable = false;
let onAction = null;
let sheet = null;
const formatters = new Map();
/** Modal views (the consent dialog and panel, a campaign's modal): focus moves in, is kept in,
 * and goes back here. */
const MODAL = "[aria-modal]";
let opener = null;
/** The persistent "Privacy choices" control, in the shop's `[data-concierge-consent]` or ours. */
let privacyControl = null;

/** Views call `act(name, switches, campaign)` when one of their controls is used (`switches`:
 * the panel's, on save; `campaign`: the id of the campaign view it is in). */
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
  place(built, shadow.querySelector('[data-view="' + view.kind + '"]'));
}

/** Puts `built` in the agent's root in place of `old` (if drawn), else above the views drawn;
 * a modal view takes the focus, which goes back where it was once the last modal view is removed. */
export function place(built, old) {
  const shadow = ensureRoot();
  if (!shadow) return;
  const focusedBefore = document.activeElement;
  const modal = built.matches(MODAL);
  if (modal && !shadow.querySelector(MODAL)) {
    opener = document.activeElement;
    if (opener && opener.shadowRoot === shadow) opener = shadow.activeElement;
  }
  // A new view goes first, on top of the corner's column (view.css): there it pushes no view
  // already drawn (issue 8: one drawn below the others moved them, a layout shift). One drawn
  // again in place keeps the height it had on screen, its content scrolling inside it if it
  // grew, so a change of its content moves no other view.
  // The control that has the focus in a view drawn again in place: its twin in the new one
  // takes it at once, so a keyboard's place is kept and never lost for a frame.
  let focusedIn = null;
  if (old && old.parentNode === shadow) {
    if (old.contains(shadow.activeElement)) focusedIn = shadow.activeElement;
    const height = heights.get(old);
    if (height) {
      built.style.height = height + "px";
      built.style.overflowY = "auto";
    }
    unwatch(old);
    old.replaceWith(built);
  } else shadow.prepend(built);
  watch(built);
  if (focusedIn) {
    const controls = Array.from(focusable(built));
    const twin = controls.find((control) => ["data-action", "name"].every((name) => control.getAttribute(name) == focusedIn.getAttribute(name)));
    const target = twin || controls[0];
    if (target) target.focus();
  }
  if (modal) {
    // Modal for the pointer too: a backdrop keeps clicks from the page behind; a click on it
    // closes the view unanswered, as Escape does.
    if (!shadow.querySelector(".backdrop")) {
      const backdrop = element("div", "backdrop");
      backdrop.addEventListener("click", () => cancel(shadow.querySelector(MODAL)));
      shadow.prepend(backdrop);
    }
    // The focus moves in once the next frame is drawn: focusing at once made the browser
    // compute the page's style and layout there and then (20 to 30 ms at 4× CPU throttling, in
    // the start's task), work the frame does anyway. Not if the focus was put somewhere else on
    // the page meanwhile (by the visitor or the page): it is theirs then.
    const first = !focusedIn && focusable(built)[0];
    if (first) afterPaint(() => built.isConnected && !movedFrom(focusedBefore) && first.focus());
  }
}

/** Whether the focus is now on an element of the page other than `before` (the body, or the
 * agent's own root, is none). */
function movedFrom(before) {
  const now = document.activeElement;
  return !!now && now !== before && now !== document.body && now.id !== HOST_ID;
}

/** Each drawn view's height as last laid out, told by a ResizeObserver (read without forcing a
 * layout); none where there is no ResizeObserver. */
const heights = new WeakMap();
let sizes = null;
function watch(view) {
  try {
    sizes = sizes || new ResizeObserver((entries) => entries.forEach((entry) => heights.set(entry.target, entry.borderBoxSize[0].blockSize)));
    sizes.observe(view);
  } catch (error) {}
}
function unwatch(view) {
  if (sizes) sizes.unobserve(view);
}

export function remove(kind) {
  unplace(root && root.querySelector('[data-view="' + kind + '"]'));
}

/** Takes a drawn view away, with its backdrop and focus when it was the last modal one. A view
 * of the corner's column with another drawn above it, taken away with no input from the visitor
 * (a schedule's end, a cart emptied in another tab), leaves an empty place of its height, so the
 * views above it do not drop into its place (a layout shift the visitor did not cause); the
 * places close after the visitor's next click or key press, whose layout shifts the browser
 * does not count. */
export function unplace(old) {
  if (!old) return;
  unwatch(old);
  // Gone already (a control of its own closed it): the focus was given back then.
  if (!old.isConnected) return;
  const height = heights.get(old);
  let above = old.previousElementSibling;
  while (above && !above.matches(IN_COLUMN)) above = above.previousElementSibling;
  if (height && above && old.matches(IN_COLUMN) && now() - lastInput > INPUT_WINDOW) {
    const place = element("div", "place");
    place.style.height = height + "px";
    old.replaceWith(place);
    placed = true;
  } else old.remove();
  if (!old.matches(MODAL) || !root || root.querySelector(MODAL)) return;
  const backdrop = root.querySelector(".backdrop");
  if (backdrop) backdrop.remove();
  if (opener && opener.isConnected) opener.focus();
}

/** A layout shift within 500 ms of a discrete input is the visitor's doing (the Layout
 * Instability API's `hadRecentInput`); a removal this soon after one moves the views at once. */
const INPUT_WINDOW = 400;
let lastInput = -Infinity;
/** Whether `unplace` left a place since they were last closed: the page's every click and key
 * press posts no task otherwise. */
let placed = false;

/** The views stacked in the corner's column; bars and modals are fixed on their own. */
const IN_COLUMN = ".view:not(.modal):not(.top_bar):not(.bottom_bar)";

/** Each pointer down, click and key press on the page (listened to while the agent's root
 * exists): noted, and after a click or a key press, in a task of its own, the empty places
 * `unplace` left close (not at the pointer down: a view above a place that moved between the
 * pointer's down and up would lose its click). */
function noteInput(event) {
  // The page's own synthetic events are no visitor's input (nor are they to the browser).
  if (!event.isTrusted) return;
  lastInput = now();
  if (!placed || event.type == "pointerdown") return;
  placed = false;
  nextTask(() => root && root.querySelectorAll(".place").forEach((place) => place.remove()));
}
const INPUTS = ["pointerdown", "keydown", "click"];

/** Escape or the backdrop: a consent view closes unanswered, any other view is dismissed. */
function cancel(view) {
  if (view) act(view, view.matches(".consent,.panel") ? "later" : "dismiss", {});
}

/** Tells the engine that a control of `view` was used. A control that closes its view (a
 * dismissal, a consent choice) takes the view away at once, and the engine is told once the next
 * frame is drawn: that frame, the one the click waits for, has only the removal to draw, and the
 * engine's call and its effects (5 to 90 ms at 4× CPU throttling: the choice recorded, stored and
 * its receipt sent, the listeners told, what it unlocks drawn) come after it (issue 8: the
 * dismiss click took 56 ms at the median, 136 at worst; "Accept all", 56 and 112). Any other
 * input of the engine tells it first (`main.js`), so the order holds. The engine's own `remove`
 * follows and finds the view gone. */
function act(view, name, switches) {
  const campaign = view && view.getAttribute("data-campaign");
  if (!view || !CLOSING.includes(name)) return onAction(name, switches, campaign);
  unplace(view);
  told.push(() => onAction(name, switches, campaign));
  afterPaint(tell);
}
const CLOSING = ["dismiss", "accept", "reject", "save", "later"];

/** The closing actions not yet told the engine: told after the next frame, or at once before
 * any other input of the engine, the page's hide and `stop()` (`main.js`). */
const told = [];
export function tell() {
  for (const action of told.splice(0)) action();
}
export function untold() {
  return told.length > 0;
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
  (slot || shadow).append(privacyControl);
}

/** The assistant's launcher, a corner button over the page (fixed: it shifts nothing), with
 * `label`; removed when there is none. `warm` runs when the visitor shows intent (the pointer
 * over it, the focus on it): the module is fetched then, so the click finds it ready. */
let assistantLauncher = null;
export function launcher(label, open, warm) {
  if (assistantLauncher) assistantLauncher.remove();
  assistantLauncher = null;
  const shadow = label && ensureRoot();
  if (!shadow) return;
  assistantLauncher = element("button", "concierge-launcher", label);
  assistantLauncher.type = "button";
  assistantLauncher.addEventListener("click", open);
  warmOnIntent(assistantLauncher, warm);
  shadow.append(assistantLauncher);
}

/** Calls `warm` when the pointer moves over `element` or the focus comes into it. A move, not
 * `pointerenter`: the browser also enters an element drawn under a pointer at rest (the one
 * that just accepted the consent dialog), which is no intent. */
export function warmOnIntent(element, warm) {
  if (warm) for (const type of ["pointermove", "focusin"]) element.addEventListener(type, warm);
}

/** Focus back on the launcher when the assistant's panel closes. */
export function focusLauncher() {
  if (assistantLauncher && assistantLauncher.isConnected) assistantLauncher.focus();
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
  assistantLauncher = null;
  for (const type of INPUTS) removeEventListener(type, noteInput, { capture: true });
  placed = false;
  unavailable = false;
  // An action not yet told is the stopped agent's (`stop()` tells it first): a new start does
  // not hear it.
  told.length = 0;
}

/** The shadow root, created on first use so a page with nothing to show gets no element. */
export function ensureRoot() {
  if (root || unavailable) return root;
  try {
    const host = document.createElement("div");
    host.id = HOST_ID;
    const shadow = shadowOf(host);
    document.body.append(host);
    root = shadow;
    for (const type of INPUTS) addEventListener(type, noteInput, { capture: true, passive: true });
  } catch (error) {
    unavailable = true;
    warn("views cannot be shown on this page (Shadow DOM or constructed style sheets are unavailable); the agent keeps working without them");
  }
  return root;
}

/** A shadow root on `host` with the views' stylesheet and their controls' listeners: the
 * agent's own root, and one per inline slot. Throws where Shadow DOM or constructed sheets
 * are missing. */
export function shadowOf(host) {
  const shadow = host.attachShadow({ mode: "open" });
  // A constructed sheet is not an inline style, so a strict CSP without 'unsafe-inline'
  // still applies it; one sheet serves every root.
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLES);
  }
  shadow.adoptedStyleSheets = [sheet];
  shadow.addEventListener("click", (event) => {
    const control = event.target instanceof Element && event.target.closest("[data-action]");
    if (!control) return;
    const name = control.getAttribute("data-action");
    const view = control.closest(".view");
    const switches = {};
    if (name == "save") for (const input of focusable(view)) if (input.name) switches[input.name] = input.checked;
    act(view, name, switches);
  });
  shadow.addEventListener("keydown", (event) => {
    const view = event.target instanceof Element && event.target.closest(".view");
    if (!view) return;
    if (event.key === "Escape") cancel(view);
    if (event.key !== "Tab" || !view.matches(MODAL)) return;
    // Tab and Shift+Tab cycle inside the modal view.
    const items = focusable(view);
    const edge = items[event.shiftKey ? 0 : items.length - 1];
    if (shadow.activeElement === edge) {
      event.preventDefault();
      items[event.shiftKey ? items.length - 1 : 0].focus();
    }
  });
  return shadow;
}

export function element(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A view's element: a labelled region, or with `modal` a modal dialog; `key` makes its ids
 * unique among the views drawn at once. Also the admin page's preview
 * (src/web/preview.js). */
export function build(view, key = view.kind, modal = true) {
  const id = HOST_ID + "-" + key;
  const titleId = id + "-title";
  const section = element("section", "view " + view.kind);
  section.setAttribute("data-view", view.kind);
  section.setAttribute("aria-labelledby", titleId);
  section.setAttribute("lang", view.lang);
  if (!modal) section.setAttribute("role", "region");
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

  if (view.rows && view.rows.length) {
    const list = element("ul", "rows");
    view.rows.forEach(([name, label, description, on, fixed, note], index) => {
      const row = element("li", "row");
      const input = document.createElement("input");
      input.type = "checkbox";
      input.name = name;
      input.checked = on;
      input.disabled = fixed;
      input.setAttribute("role", "switch");
      input.setAttribute("aria-describedby", id + index);
      const switchLabel = element("label", "purpose");
      switchLabel.append(input, element("span", "name", label));
      const details = element("span", "", description);
      details.id = id + index;
      row.append(switchLabel, element("p", "description", "").appendChild(details).parentNode);
      if (note) details.append(element("span", "note", note));
      list.append(row);
    });
    section.append(list);
  }

  if (view.lines && view.lines.length) {
    const list = element("ul", "lines");
    for (const [name, quantity, amount, link, image] of view.lines) {
      const item = element("li", "line");
      let label = element("span", "name", name);
      // A line with a link of its own (a recommended product): its name leads there, through
      // the allowlist, and a click is the campaign's `follow`; a line whose link is not allowed
      // is left out.
      if (link !== undefined) {
        const href = safeHref(link, view.hosts);
        if (href === null) {
          warn("link to " + link + " is not allowed (data-link-hosts); not shown");
          continue;
        }
        label = element("a", "name", name);
        label.setAttribute("href", href);
        label.setAttribute("data-action", "follow");
        // Its picture, held to the same allowlist (a refused one is left out, the line stays);
        // its size is set before it loads, so nothing shifts.
        const src = image === undefined ? null : safeHref(image, view.hosts);
        if (src !== null) {
          const picture = element("img", "pic");
          for (const [key, value] of [["src", src], ["alt", name], ["width", "40"], ["height", "40"], ["loading", "lazy"], ["decoding", "async"]]) picture.setAttribute(key, value);
          item.append(picture);
          item.className = "line with-pic";
        } else if (image !== undefined) warn("image " + image + " is not allowed (data-link-hosts); not shown");
      }
      item.append(label, element("span", "qty", quantity), element("span", "amount", money(view.locale, amount)));
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
  // An assistant prompt's quick replies `[label, kind]`: each a click on the campaign that
  // also opens the assistant (`data-reply`, heard by `placements`).
  (view.replies || []).forEach(([label], index) => {
    const reply = element("button", "button reply", label);
    reply.type = "button";
    reply.setAttribute("data-action", "follow");
    reply.setAttribute("data-reply", String(index));
    actions.append(reply);
  });
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
