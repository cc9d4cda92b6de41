//! Console messages, prefixed so a shop developer can tell the agent's from the page's own.

use std::fmt::Display;

pub fn warn(message: impl Display) {
    web_sys::console::warn_1(&format!("[concierge] {message}").into());
}
