//! Draws campaign views where their placement says, and reports when each was seen.
//!
//! A campaign view is a view like any other (`dom.build`: texts as text, links through the
//! allowlist), plus its campaign id and placement. The top and bottom bars, the corner toast
//! and the modal are drawn in the agent's own shadow root, fixed over the page so nothing in
//! the page moves; the modal is `dom`'s modal (focus moved in, kept in, restored; Escape and
//! the backdrop dismiss). An inline view goes into the shop's `[data-concierge-slot=NAME]`
//! element, in a shadow root of its own: the shop reserved its space, so nothing shifts. A slot
//! missing from the page draws nothing and says so once.
//!
//! Seen means at least half of the view in the viewport for one second without a break
//! (IntersectionObserver), once per display; without an observer, one second drawn on a
//! visible page. The engine hears `seen(id)` and counts the impression.

import { warn } from "./console.js";
import * as dom from "./dom.js";

const SEEN_AFTER_MS = 1000;
/** Each drawn campaign by id: `{ view, host (inline), observer, timer, seen }`. */
const drawn = new Map();
/** Slots already reported missing, so a view drawn again does not warn again. */
const missing = new Set();
let onSeen = null;

let onReply = null;
let onIntent = null;

/** `seen(campaignId)` hears each impression; `reply(view, index)` each quick reply chosen in an
 * assistant prompt's bubble; `intent()` the pointer or the focus coming to a bubble. */
export function init(seen, reply, intent) {
  onSeen = seen;
  onReply = reply;
  onIntent = intent;
}

export function render(view) {
  const id = view.campaign;
  let shown = drawn.get(id);
  // Drawn elsewhere before: a new display in its new place.
  if (shown && shown.view.getAttribute("data-placement") !== view.placement) {
    remove(id);
    shown = null;
  }
  const inline = view.placement == "inline";
  let built;
  try {
    built = dom.build(view, "campaign-" + id, view.placement == "modal");
  } catch (error) {
    return warn("a view could not be drawn");
  }
  built.classList.add("campaign", view.placement);
  built.setAttribute("data-campaign", id);
  built.setAttribute("data-placement", view.placement);
  if (view.replies) {
    built.addEventListener("click", (event) => {
      const reply = event.target instanceof Element && event.target.closest("[data-reply]");
      if (reply && onReply) onReply(view, Number(reply.getAttribute("data-reply")));
    });
    dom.warmOnIntent(built, onIntent);
  }
  if (view.variant) built.setAttribute("data-variant", view.variant);
  const entry = shown || { seen: false };
  if (inline) {
    const host = slotHost(view.slot, id, shown);
    if (!host) return;
    const shadow = host.shadowRoot;
    if (entry.view && entry.view.parentNode === shadow) entry.view.replaceWith(built);
    else shadow.append(built);
    entry.host = host;
  } else {
    dom.place(built, shown && shown.view);
    if (!built.isConnected) return;
  }
  entry.view = built;
  drawn.set(id, entry);
  if (!entry.seen) watchSeen(id, entry);
}

/** Takes campaign `id`'s view away (`["remove", "campaign", id]`). */
export function remove(id) {
  const entry = drawn.get(id);
  if (!entry) return;
  drawn.delete(id);
  stopWatching(entry);
  if (entry.host) entry.host.remove();
  else dom.unplace(entry.view);
}

/** Removes every campaign view (`stop()`); the agent's own root goes with `dom.destroy`. */
export function destroy() {
  for (const id of Array.from(drawn.keys())) {
    try {
      remove(id);
    } catch (error) {}
  }
  missing.clear();
}

/** The element inside the shop's slot `name` that holds a campaign's shadow root (the slot's
 * own children stay: a shop's placeholder is the shop's to hide). */
function slotHost(name, id, shown) {
  if (shown && shown.host && shown.host.isConnected) return shown.host;
  let slot = null;
  try {
    // Compared as text, not put into a selector: a slot name is the marketer's free text.
    for (const candidate of document.querySelectorAll("[data-concierge-slot]")) {
      if (candidate.getAttribute("data-concierge-slot") === name) {
        slot = candidate;
        break;
      }
    }
  } catch (error) {}
  if (!slot) {
    if (!missing.has(name)) warn('campaign ' + id + ': this page has no [data-concierge-slot="' + name + '"]; not shown');
    missing.add(name);
    return null;
  }
  try {
    const host = dom.element("div", "concierge-inline");
    dom.shadowOf(host);
    slot.append(host);
    return host;
  } catch (error) {
    warn("campaign " + id + ": its slot cannot hold a view (Shadow DOM unavailable); not shown");
    return null;
  }
}

function watchSeen(id, entry) {
  stopWatching(entry);
  const start = () => {
    if (!entry.timer) entry.timer = later(fire, SEEN_AFTER_MS);
  };
  const fire = () => {
    entry.timer = 0;
    // A page in the background is not being looked at: wait for it to come back.
    if (document.visibilityState === "hidden") return start();
    entry.seen = true;
    stopWatching(entry);
    onSeen(id);
  };
  try {
    entry.observer = new IntersectionObserver(
      (records) => {
        const record = records[records.length - 1];
        if (record.isIntersecting && record.intersectionRatio >= 0.5) start();
        else {
          clearTimeout(entry.timer);
          entry.timer = 0;
        }
      },
      { threshold: 0.5 },
    );
    entry.observer.observe(entry.view);
  } catch (error) {
    // No IntersectionObserver: seen once drawn for a second on a visible page.
    entry.observer = null;
    start();
  }
}

function stopWatching(entry) {
  if (entry.observer) entry.observer.disconnect();
  clearTimeout(entry.timer);
  entry.observer = null;
  entry.timer = 0;
}

function later(action, ms) {
  try {
    return setTimeout(action, ms);
  } catch (error) {
    return 0;
  }
}
