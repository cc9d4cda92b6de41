//! Console messages, prefixed so a shop developer can tell the agent's from the page's own.

use std::fmt::Display;

/// A page may wrap `console.warn` (error trackers do); if its wrapper throws, the message is
/// lost rather than the agent.
pub fn warn(message: impl Display) {
    let _ = super::js::console_warn(&format!("[concierge] {message}"));
}
