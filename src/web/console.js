//! Console messages, prefixed so a shop developer can tell the agent's from the page's own.

/** A page may wrap `console.warn` (error trackers do); if its wrapper throws, the message is
 * lost rather than the agent. */
export function warn(message) {
  try {
    console.warn("[concierge] " + message);
  } catch (error) {}
}
