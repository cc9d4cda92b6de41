//! The settings the engine runs with, resolved from three layers: built-in defaults, the
//! documents the shop published (`/v1/config`), and the page's `data-*` attributes, each
//! overriding the one before.

use super::money::Currency;
use super::Millis;
use concierge_protocol::calendar;
use concierge_protocol::documents;
use concierge_protocol::text;
use concierge_protocol::Value;

pub const MINUTE: Millis = 60_000;
pub const HOUR: Millis = 60 * MINUTE;
pub const DAY: Millis = 24 * HOUR;

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
    /// Whether the persistent "Privacy choices" control is drawn (`data-consent-control`).
    pub consent_control: bool,
    /// Hosts besides the page's own origin that links in views may point to (`https:` only).
    pub link_hosts: Vec<String>,
    /// The consent policy in force: the shop's published one, else the built-in one (the
    /// demo's four purposes).
    pub policy: Box<documents::Policy>,
    /// Where the visitor is (`DE`, `US-CA`): the page's `data-region`, else what the backend
    /// said in `/v1/config`; `None` when unknown. It picks the policy's mode.
    pub region: Option<String>,
    /// The browser sends Global Privacy Control (`navigator.globalPrivacyControl`).
    pub gpc: bool,
    /// Whether the agent tells the page's Google tags the choice (Consent Mode v2).
    pub consent_mode: ConsentModeUse,
    /// The campaigns in force: the shop's published document, else the built-in one whose
    /// only campaign is the recovery banner (`campaigns::builtin`).
    pub campaigns: Box<documents::Campaigns>,
    /// The shop's products, as the "you may also like" slot ranks them (`recommend`).
    pub catalogue: Option<Box<documents::Catalogue>>,
    /// How fast interests fade: a score halves in this time (`interests.half_life_days`).
    pub interests_half_life: Millis,
    /// Where the assistant's knowledge is, when the site published one (no launcher without).
    pub assistant: Option<Box<documents::KnowledgePointer>>,
}

/// Google Consent Mode on the page: none (no `gtag`, no `dataLayer`), the agent's to set, or
/// the page's consent manager's, which pushed a `consent default` first: then the agent never
/// overwrites it, and reads the manager's `consent update`s as the visitor's choices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConsentModeUse {
    #[default]
    Off,
    Own,
    Cmp,
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
            consent_control: true,
            link_hosts: Vec::new(),
            policy: Box::new(concierge_protocol::consent::builtin_policy()),
            region: None,
            gpc: false,
            consent_mode: ConsentModeUse::Off,
            campaigns: Box::new(super::campaigns::builtin()),
            catalogue: None,
            interests_half_life: super::interests::DEFAULT_HALF_LIFE,
            assistant: None,
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

    /// The settings for a page: `documents` over the defaults, then `page` over both. The
    /// documents are taken, not copied: a campaigns document is the largest thing the agent
    /// holds, and cloning it cost the Wasm its whole `Clone` (docs/decisions.md).
    pub fn resolve(page: &PageSettings, documents: documents::Config) -> Config {
        let mut config = Config::new(page.site.clone());
        config.endpoint.clone_from(&page.endpoint);
        config.currency = page.currency;
        config.locale.clone_from(&page.locale);
        Overrides::published(&documents).apply(&mut config);
        let half_life = documents.settings.as_ref().and_then(|s| s.interests_half_life_days);
        if let Some(days) = half_life {
            config.interests_half_life = Millis::from(days) * DAY;
        }
        if let Some(policy) = documents.policy {
            config.policy = policy;
        }
        if let Some(campaigns) = documents.campaigns {
            config.campaigns = campaigns;
        }
        // A catalogue brings its slot, as a campaign, unless the shop's campaigns have their own.
        if let Some(catalogue) = documents.catalogue.filter(|c| !c.products.is_empty()) {
            let listed = &mut config.campaigns.campaigns;
            if !listed.iter().any(|c| c.id == super::campaigns::RECOMMENDATIONS) {
                listed.push(super::campaigns::recommendations());
            }
            config.catalogue = Some(catalogue);
        }
        // A knowledge document brings the assistant's prompts, as campaigns, each unless the
        // shop's campaigns have their own of that id.
        if documents.assistant.is_some() {
            for prompt in super::campaigns::prompts() {
                let listed = &mut config.campaigns.campaigns;
                if !listed.iter().any(|c| c.id == prompt.id) {
                    listed.push(prompt);
                }
            }
        }
        config.assistant = documents.assistant;
        config.region = page.region.clone().or(documents.region);
        config.gpc = page.gpc;
        config.consent_mode = page.consent_mode;
        page.overrides.apply(&mut config);
        config
    }
}

/// What the loader's `data-*` attributes say: the page's own settings and its overrides of
/// what the shop published.
#[derive(Clone, Debug, PartialEq)]
pub struct PageSettings {
    pub site: String,
    pub endpoint: String,
    pub currency: Currency,
    pub locale: String,
    /// `data-region`, when the page knows where the visitor is.
    pub region: Option<String>,
    pub gpc: bool,
    pub consent_mode: ConsentModeUse,
    pub overrides: Overrides,
}

/// Settings a page may set for itself, over the shop's published documents.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overrides {
    pub idle_timeout: Option<Millis>,
    pub dismiss_for: Option<Millis>,
    pub checkout_path: Option<String>,
    pub resume_url: Option<String>,
    pub consent_prompt: Option<bool>,
    pub consent_control: Option<bool>,
    pub link_hosts: Option<Vec<String>>,
}

impl Overrides {
    /// What the shop's published documents set, in the same terms as a page's attributes.
    pub fn published(documents: &documents::Config) -> Overrides {
        let settings = documents.settings.as_ref();
        Overrides {
            idle_timeout: settings.and_then(|s| s.idle_minutes).map(|m| Millis::from(m) * MINUTE),
            dismiss_for: settings.and_then(|s| s.dismiss_hours).map(|h| Millis::from(h) * HOUR),
            checkout_path: settings.and_then(|s| s.checkout_path.clone()),
            resume_url: settings.and_then(|s| s.resume_url.clone()),
            consent_prompt: documents.policy.as_ref().map(|policy| policy.prompt),
            consent_control: None,
            link_hosts: settings.and_then(|s| s.link_hosts.clone()),
        }
    }

    /// Sets what these overrides name; a checkout path is also the resume link, unless a
    /// resume URL is named too.
    pub fn apply(&self, config: &mut Config) {
        if let Some(timeout) = self.idle_timeout {
            config.idle_timeout = timeout;
        }
        if let Some(duration) = self.dismiss_for {
            config.dismiss_for = duration;
        }
        if let Some(path) = &self.checkout_path {
            config.checkout_path.clone_from(path);
            config.resume_url.clone_from(path);
        }
        if let Some(url) = &self.resume_url {
            config.resume_url.clone_from(url);
        }
        if let Some(prompt) = self.consent_prompt {
            config.consent_prompt = prompt;
        }
        if let Some(control) = self.consent_control {
            config.consent_control = control;
        }
        if let Some(hosts) = &self.link_hosts {
            config.link_hosts.clone_from(hosts);
        }
    }
}

impl PageSettings {
    /// A page with no attributes but the site: every setting at its default.
    pub fn new(site: impl Into<String>) -> PageSettings {
        let defaults = Config::new(site);
        PageSettings {
            site: defaults.site,
            endpoint: defaults.endpoint,
            currency: defaults.currency,
            locale: defaults.locale,
            region: None,
            gpc: false,
            consent_mode: ConsentModeUse::Off,
            overrides: Overrides::default(),
        }
    }
}

impl PageSettings {
    /// Settings that override every published one: an agent that runs exactly `config`.
    pub fn fixed(config: &Config) -> PageSettings {
        PageSettings {
            site: config.site.clone(),
            endpoint: config.endpoint.clone(),
            currency: config.currency,
            locale: config.locale.clone(),
            region: config.region.clone(),
            gpc: config.gpc,
            consent_mode: config.consent_mode,
            overrides: Overrides {
                idle_timeout: Some(config.idle_timeout),
                dismiss_for: Some(config.dismiss_for),
                checkout_path: Some(config.checkout_path.clone()),
                resume_url: Some(config.resume_url.clone()),
                consent_prompt: Some(config.consent_prompt),
                consent_control: Some(config.consent_control),
                link_hosts: Some(config.link_hosts.clone()),
            },
        }
    }
}

/// Where the documents in force came from, for the console and for `concierge('on', 'ready')`.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigSource {
    /// Nothing published or nothing reachable yet: the built-in defaults.
    Defaults,
    /// The copy kept on this device, fetched at that time.
    Kept { fetched_at: Millis },
    /// Fresh from the backend on this page.
    Fetched,
}

impl ConfigSource {
    /// What the agent runs on, for the console ("...; using {this}").
    pub fn describe(&self) -> String {
        match self {
            ConfigSource::Defaults => {
                "the built-in defaults and the page's data-* attributes".to_owned()
            }
            ConfigSource::Kept { fetched_at } => {
                text!("the copy kept on this device from ", iso_time(*fetched_at))
            }
            ConfigSource::Fetched => "the config fetched on this page".to_owned(),
        }
    }
}

/// A time as `Date.prototype.toISOString` writes it (`2026-11-24T12:00:00.000Z`, years beyond
/// 0-9999 as `+010000`), computed here so that the engine stays pure and the message needs no
/// call into the browser (the calendar: `concierge_protocol::calendar`).
pub fn iso_time(millis: Millis) -> String {
    let (days, in_day) = (millis.div_euclid(86_400_000), millis.rem_euclid(86_400_000));
    let (year, month, day) = calendar::civil_from_days(days);

    let mut out = String::with_capacity(24);
    if (0..=9_999).contains(&year) {
        push_padded(&mut out, year, 4);
    } else {
        out.push(if year < 0 { '-' } else { '+' });
        push_padded(&mut out, year.abs(), 6);
    }
    let parts = [
        ('-', month, 2),
        ('-', day, 2),
        ('T', in_day / 3_600_000, 2),
        (':', in_day / 60_000 % 60, 2),
        (':', in_day / 1_000 % 60, 2),
        ('.', in_day % 1_000, 3),
    ];
    for (separator, value, width) in parts {
        out.push(separator);
        push_padded(&mut out, value, width);
    }
    out.push('Z');
    out
}

/// A non-negative number with leading zeros to `width` digits.
fn push_padded(out: &mut String, value: i64, width: usize) {
    let digits = text::integer(value);
    out.extend(std::iter::repeat_n('0', width.saturating_sub(digits.len())));
    out.push_str(&digits);
}

/// The published documents as the agent keeps them: the config answer as it came (validated
/// whole when it came and again when read back), with the ETag it came with. Kept as JSON, not
/// re-encoded from the typed documents, so the Wasm carries no document encoder; the engine
/// reads the documents from it when it puts them in force.
#[derive(Clone, Debug, PartialEq)]
pub struct KeptConfig {
    pub etag: String,
    pub fetched_at: Millis,
    pub source: Value,
}
