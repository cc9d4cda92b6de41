//! The assistant's launcher: whether the core offers the assistant on this page, and what the
//! shell hands the `assistant` lazy module when the visitor opens it (`module.open(ctx)`).
//!
//! The launcher shows when the site published a knowledge document (the config's pointer)
//! and no blocking view (the consent dialog or panel) is up. The consent flags in it are the
//! engine's reading of the policy, so the module needs no policy of its own: `personalization`
//! is the `assistant_memory` feature (a transcript may leave with a handoff), `storage` is the
//! `interests` data category kept on the device (the conversation may be kept there).

/// What the shell draws and passes on; `None` in the effect: no launcher.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Launcher {
    /// The button's label, from the catalogue.
    pub label: &'static str,
    /// The language of the texts (`en`, `es`, `nl`, `de`).
    pub lang: &'static str,
    /// The knowledge document's path on the backend's origin, and its version.
    pub knowledge: String,
    pub version: u32,
    /// The cart's code, when the policy lets staff look it up.
    pub cart_code: Option<String>,
    pub personalization: bool,
    pub storage: bool,
}
