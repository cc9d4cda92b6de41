//! The `settings` document: the agent's shop-wide settings, each optional (what a document
//! leaves out keeps the agent's default).
//!
//! ```json
//! { "kind": "settings", "version": 1, "idle_minutes": 30, "dismiss_hours": 24,
//!   "checkout_path": "/checkout/", "resume_url": "/checkout/", "link_hosts": ["shop.example"],
//!   "interests": { "half_life_days": 7 } }
//! ```

use super::rules::{https_host, number_field, text_field, texts_field, Field, Rule, Walk};
use super::Settings;
use crate::Value;

/// The longest path or link a settings document may hold.
pub const MAX_PATH: usize = 200;
/// The most hosts views may link to besides the page's own.
pub const MAX_LINK_HOSTS: usize = 20;

pub(super) const FIELDS: &[Field] = &[
    Field::optional("idle_minutes", Rule::WholeNumber { min: 1, max: 525_600, unit: "minutes" }),
    Field::optional("dismiss_hours", Rule::WholeNumber { min: 1, max: 8_760, unit: "hours" }),
    Field::optional("checkout_path", Rule::Path { max: MAX_PATH }),
    Field::optional("resume_url", Rule::Link { max: MAX_PATH }),
    Field::optional("link_hosts", Rule::Hosts { max: MAX_LINK_HOSTS }),
    Field::optional(
        "interests",
        Rule::Object { fields: INTEREST_FIELDS, what: "the interest settings" },
    ),
];

/// The interest model's settings: how fast an interest fades (a score halves every
/// `half_life_days`; a year at most, since older interests say little).
const INTEREST_FIELDS: &[Field] =
    &[Field::optional("half_life_days", Rule::WholeNumber { min: 1, max: 365, unit: "days" })];

/// An `https://` resume link must lead to a host the views may link to.
pub(super) fn cross_check(walk: &mut Walk, document: &Value) {
    let Some(host) = document.get("resume_url").and_then(Value::as_str).and_then(https_host) else {
        return;
    };
    let back = walk.enter("resume_url");
    // A link that is malformed already has its problem; one about its host would be noise.
    let listed = match document.get("link_hosts") {
        Some(Value::Array(hosts)) => hosts.iter().any(|allowed| allowed.as_str() == Some(host)),
        _ => false,
    };
    if !listed && !walk.reported_here() {
        walk.report_pieces(&[
            "links to ",
            host,
            ", which is not in link_hosts; add it there or use a path",
        ]);
    }
    walk.leave(back);
}

pub(super) fn decode(document: &Value, version: u32) -> Settings {
    Settings {
        version,
        idle_minutes: number_field(document, "idle_minutes"),
        dismiss_hours: number_field(document, "dismiss_hours"),
        checkout_path: text_field(document, "checkout_path"),
        resume_url: text_field(document, "resume_url"),
        link_hosts: texts_field(document, "link_hosts"),
        interests_half_life_days: document
            .get("interests")
            .and_then(|interests| number_field(interests, "half_life_days")),
    }
}

pub(super) fn encode(settings: &Settings, fields: &mut Vec<(String, Value)>) {
    let mut put = |name: &str, value: Value| fields.push((name.to_owned(), value));
    if let Some(minutes) = settings.idle_minutes {
        put("idle_minutes", Value::Number(f64::from(minutes)));
    }
    if let Some(hours) = settings.dismiss_hours {
        put("dismiss_hours", Value::Number(f64::from(hours)));
    }
    if let Some(path) = &settings.checkout_path {
        put("checkout_path", Value::from(path.as_str()));
    }
    if let Some(url) = &settings.resume_url {
        put("resume_url", Value::from(url.as_str()));
    }
    if let Some(hosts) = &settings.link_hosts {
        put("link_hosts", Value::Array(hosts.iter().map(|h| Value::from(h.as_str())).collect()));
    }
    if let Some(days) = settings.interests_half_life_days {
        let interests = vec![("half_life_days".to_owned(), Value::Number(f64::from(days)))];
        put("interests", Value::Object(interests));
    }
}
