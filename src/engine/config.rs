//! The shop's settings for one page load, as the engine uses them (already validated).

use super::money::Currency;
use super::Millis;

pub const MINUTE: Millis = 60_000;
pub const HOUR: Millis = 60 * MINUTE;

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The shop's identifier; it namespaces local storage so two shops on one origin never mix.
    pub site: String,
    /// Base URL of the backend API (used by the sync layer).
    pub endpoint: String,
    pub currency: Currency,
    /// BCP 47 tag used for texts and number formats, e.g. `es-ES`.
    pub locale: String,
    /// A cart untouched this long is abandoned.
    pub idle_timeout: Millis,
    /// A page view after this long without any is a new visit (Google Analytics' definition).
    pub visit_timeout: Millis,
    /// How long a dismissed recovery banner stays away.
    pub dismiss_for: Millis,
    /// Pages under this path are checkout: the recovery banner never shows there.
    pub checkout_path: String,
    /// Where "resume checkout" leads.
    pub resume_url: String,
    /// Whether the agent asks for consent itself; off when the shop's own CMP calls `consent`.
    pub consent_prompt: bool,
    /// Hosts besides the page's own origin that links in views may point to (`https:` only).
    pub link_hosts: Vec<String>,
}

impl Config {
    pub fn new(site: impl Into<String>) -> Config {
        Config {
            site: site.into(),
            endpoint: "/v1".to_owned(),
            currency: Currency::EUR,
            locale: "en".to_owned(),
            idle_timeout: 30 * MINUTE,
            visit_timeout: 30 * MINUTE,
            dismiss_for: 24 * HOUR,
            checkout_path: "/checkout/".to_owned(),
            resume_url: "/checkout/".to_owned(),
            consent_prompt: true,
            link_hosts: Vec::new(),
        }
    }

    /// Whether `path` is the checkout or below it; `/checkout`, `/checkout/` and
    /// `/checkout/pay` all are for a checkout path of `/checkout/`.
    pub fn is_checkout(&self, path: &str) -> bool {
        let base = self.checkout_path.trim_end_matches('/');
        if base.is_empty() {
            return false;
        }
        match path.strip_prefix(base) {
            Some(rest) => rest.is_empty() || rest.starts_with('/'),
            None => false,
        }
    }
}
