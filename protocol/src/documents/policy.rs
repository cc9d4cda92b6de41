//! The `policy` document (format 2): the privacy officer's purposes, the data and features each
//! unlocks, its legal basis and retention, and how the agent asks (regions, GPC, re-prompts).
//!
//! ```json
//! { "kind": "policy", "version": 2, "prompt": true, "privacy_url": "/privacy/",
//!   "reprompt_days": 365, "on_new_version": "ask_if_widened", "default_mode": "opt_in",
//!   "regions": [ { "id": "us_ca", "mode": "opt_out", "countries": ["US-CA"] } ],
//!   "gpc": { "denies": ["marketing"] },
//!   "purposes": [
//!     { "id": "necessary", "legal_basis": "legitimate_interests",
//!       "names": { "en": "…", "es": "…", "nl": "…", "de": "…" }, "descriptions": { … },
//!       "data": [], "features": [], "retention_days": 365 },
//!     { "id": "personalization", "legal_basis": "consent", …,
//!       "data": ["cart", "interests", "identifiers"],
//!       "features": ["recovery_banner", "staff_view", "assistant_memory"], "retention_days": 90 } ],
//!   "tcf": { "vendor_id": 1234, "purposes": { "measurement": [1, 7], "personalization": [1, 5, 6] } } }
//! ```
//!
//! `tcf` (optional) maps the signal of the page's IAB TCF v2.2 consent manager to the policy's
//! purposes: a purpose is granted when every TCF purpose listed for it is, and, with a
//! `vendor_id`, the shop's vendor has consent too (`concierge_protocol::consent::TcfSignal`).
//!
//! Any purpose id is allowed, so a new purpose needs no code; data categories and features are
//! closed sets (`names`), because the agent must know what each one is.

use super::rules::{
    bool_field, number_field, pairs_field, pairs_value, text_field, texts_field, Field, Rule, Walk,
};
use super::{Mode, OnNewVersion, Policy, PolicyPurpose, Region, TcfMapping};
use crate::names::{
    DataCategory, Feature, LegalBasis, DATA_CATEGORY_NAMES, FEATURE_NAMES, LEGAL_BASIS_NAMES,
};
use crate::Value;

/// The longest name of a purpose, per language.
pub const MAX_NAME: usize = 200;
/// The longest description of a purpose, per language.
pub const MAX_DESCRIPTION: usize = 600;
/// The longest purpose (and region) id.
pub const MAX_PURPOSE_ID: usize = 32;
pub const MAX_PURPOSES: usize = 16;
pub const MAX_REGIONS: usize = 32;
/// The most countries one region lists (there are fewer than 250 countries, and subdivisions).
pub const MAX_COUNTRIES: usize = 400;
/// The longest retention and re-prompt interval: ten years.
pub const MAX_RETENTION_DAYS: u32 = 3650;
/// The names of [`Mode`]s, in its order.
pub const MODES: &[&str] = &["opt_in", "opt_out"];
/// The names of [`OnNewVersion`]s, in its order.
pub const ON_NEW_VERSION: &[&str] = &["ask_if_widened", "ask_again", "keep"];
/// The longest privacy link.
const MAX_PRIVACY_URL: usize = 500;
/// The purposes of IAB TCF v2.2 are numbered 1 to 11.
pub const MAX_TCF_PURPOSE: u32 = 11;

const ID: Rule = Rule::Id { max: MAX_PURPOSE_ID };
const DAYS: Rule = Rule::WholeNumber { min: 1, max: MAX_RETENTION_DAYS, unit: "days" };

const PURPOSE_FIELDS: &[Field] = &[
    Field::required("id", ID),
    Field::required("legal_basis", Rule::OneOf(LEGAL_BASIS_NAMES)),
    Field::required("names", Rule::Translations { max: MAX_NAME }),
    Field::required("descriptions", Rule::Translations { max: MAX_DESCRIPTION }),
    Field::required(
        "data",
        Rule::List {
            item: &Rule::Named { choices: DATA_CATEGORY_NAMES, noun: "data category" },
            max: DATA_CATEGORY_NAMES.len(),
            plural: "data categories",
        },
    ),
    Field::required(
        "features",
        Rule::List {
            item: &Rule::Named { choices: FEATURE_NAMES, noun: "feature" },
            max: FEATURE_NAMES.len(),
            plural: "features",
        },
    ),
    Field::required("retention_days", DAYS),
];

const REGION_FIELDS: &[Field] = &[
    Field::required("id", ID),
    Field::required("mode", Rule::OneOf(MODES)),
    Field::required(
        "countries",
        Rule::List { item: &Rule::Country, max: MAX_COUNTRIES, plural: "countries" },
    ),
];

const GPC_FIELDS: &[Field] = &[Field::required(
    "denies",
    Rule::List { item: &ID, max: MAX_PURPOSES, plural: "purpose ids" },
)];

const TCF_PURPOSE: Rule = Rule::WholeNumber { min: 1, max: MAX_TCF_PURPOSE, unit: "" };

const TCF_FIELDS: &[Field] = &[
    // An IAB Global Vendor List id: 1 to 65535 (0 is no vendor).
    Field::optional("vendor_id", Rule::WholeNumber { min: 1, max: 65535, unit: "" }),
    Field::required(
        "purposes",
        Rule::Map {
            item: &Rule::List {
                item: &TCF_PURPOSE,
                max: MAX_TCF_PURPOSE as usize,
                plural: "TCF purposes",
            },
            max: MAX_PURPOSES,
            noun: "purpose",
        },
    ),
];

pub(super) const FIELDS: &[Field] = &[
    Field::optional("prompt", Rule::Bool),
    Field::optional("privacy_url", Rule::Link { max: MAX_PRIVACY_URL }),
    Field::optional("reprompt_days", DAYS),
    Field::optional("on_new_version", Rule::OneOf(ON_NEW_VERSION)),
    Field::optional("default_mode", Rule::OneOf(MODES)),
    Field::optional(
        "regions",
        Rule::Records {
            fields: REGION_FIELDS,
            key: "id",
            expected: &[],
            max: MAX_REGIONS,
            noun: "region",
        },
    ),
    Field::optional("gpc", Rule::Object { fields: GPC_FIELDS, what: "the gpc settings" }),
    Field::required(
        "purposes",
        Rule::Records {
            fields: PURPOSE_FIELDS,
            key: "id",
            expected: &[],
            max: MAX_PURPOSES,
            noun: "purpose",
        },
    ),
    Field::optional("tcf", Rule::Object { fields: TCF_FIELDS, what: "the tcf mapping" }),
];

/// The elements of the list at `name`, or none.
fn list<'v>(value: &'v Value, name: &str) -> &'v [Value] {
    match value.get(name) {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// The checks across fields: what GPC denies exists, each feature's purpose unlocks the data
/// the feature needs, every feature is enabled by some purpose, something is always on, and
/// a country belongs to one region.
pub(super) fn cross_check(walk: &mut Walk, document: &Value) {
    let purposes = list(document, "purposes");
    let mut ids: Vec<&str> = Vec::new();
    for id in purposes.iter().filter_map(|p| p.get("id")?.as_str()) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if let Some(gpc) = document.get("gpc") {
        let back = walk.enter("gpc");
        walk.enter("denies");
        let list_at = walk.path().len();
        for (position, denied) in list(gpc, "denies").iter().enumerate() {
            let id = text(denied);
            if denied.as_str().is_some() && !ids.contains(&id) {
                walk.enter_index(position);
                let known = ids.join(", ");
                walk.report_pieces(&[
                    "\"",
                    id,
                    "\" is not a purpose of this policy; the purposes are ",
                    &known,
                ]);
                walk.leave(list_at);
            }
        }
        walk.leave(back);
    }

    // The TCF mapping names purposes of this policy, each one needing consent.
    if let Some(Value::Object(mapped)) = document.get("tcf").and_then(|tcf| tcf.get("purposes")) {
        let back = walk.enter("tcf");
        walk.enter("purposes");
        let map_at = walk.path().len();
        for (id, _) in mapped {
            walk.enter(id);
            let basis = purposes
                .iter()
                .find(|p| p.get("id").and_then(Value::as_str) == Some(id))
                .and_then(|p| p.get("legal_basis")?.as_str());
            match basis {
                None => {
                    walk.report_pieces(&[
                        "is not a purpose of this policy; the purposes are ",
                        &ids.join(", "),
                    ]);
                }
                Some("consent") => {}
                Some(_) => walk.report_pieces(&[
                    "is always on (its legal basis is not consent): a consent manager cannot ",
                    "grant or deny it; leave it out",
                ]),
            }
            walk.leave(map_at);
        }
        walk.leave(back);
    }

    let back = walk.enter("purposes");
    let list_at = walk.path().len();
    for (position, purpose) in purposes.iter().enumerate() {
        let data = list(purpose, "data");
        walk.enter_index(position);
        walk.enter("features");
        let features_at = walk.path().len();
        for (at, feature) in list(purpose, "features").iter().enumerate() {
            let Some(feature) = feature.as_str().and_then(Feature::from_name) else { continue };
            let missing: Vec<&str> = feature
                .needs()
                .iter()
                .map(|category| category.name())
                .filter(|name| !data.iter().any(|d| d.as_str() == Some(name)))
                .collect();
            if !missing.is_empty() {
                walk.enter_index(at);
                let needs: Vec<&str> = feature.needs().iter().map(|c| c.name()).collect();
                walk.report_pieces(&[
                    "\"",
                    feature.name(),
                    "\" needs the data ",
                    &needs.join(", "),
                    ", but this purpose does not unlock ",
                    &missing.join(", "),
                    "; add it to the purpose's data",
                ]);
                walk.leave(features_at);
            }
        }
        walk.leave(list_at);
    }
    if matches!(document.get("purposes"), Some(Value::Array(_))) {
        for feature in Feature::ALL {
            let enabled = purposes
                .iter()
                .any(|p| list(p, "features").iter().any(|f| f.as_str() == Some(feature.name())));
            if !enabled {
                walk.report_pieces(&[
                    "the feature \"",
                    feature.name(),
                    "\" is enabled by no purpose; list it in the features of the purpose it serves",
                ]);
            }
        }
        let always_on = purposes.iter().any(|p| {
            p.get("legal_basis").and_then(Value::as_str).is_some_and(|basis| basis != "consent")
        });
        if !always_on {
            walk.report_pieces(&[
                "no purpose has a legal basis other than consent; list the strictly necessary ",
                "purpose (such as \"necessary\" with legal_basis legitimate_interests), which is ",
                "always on",
            ]);
        }
    }
    walk.leave(back);

    // A country in two regions would leave its mode to the order of the list.
    let regions = list(document, "regions");
    let back = walk.enter("regions");
    let list_at = walk.path().len();
    for (position, region) in regions.iter().enumerate() {
        walk.enter_index(position);
        walk.enter("countries");
        let countries_at = walk.path().len();
        for (at, country) in list(region, "countries").iter().enumerate() {
            let earlier = regions[..position].iter().enumerate().find_map(|(r, other)| {
                let found = list(other, "countries").iter().position(|c| c == country)?;
                Some((r, found))
            });
            if let (Some((r, found)), Some(code)) = (earlier, country.as_str()) {
                walk.enter_index(at);
                let mut first = String::from("regions");
                super::rules::push_index(&mut first, r);
                first.push_str(".countries");
                super::rules::push_index(&mut first, found);
                walk.report_pieces(&[
                    "\"",
                    code,
                    "\" is already in region \"",
                    text_field(&regions[r], "id").as_deref().unwrap_or_default(),
                    "\" (",
                    &first,
                    "); a country belongs to one region",
                ]);
                walk.leave(countries_at);
            }
        }
        walk.leave(list_at);
    }
    walk.leave(back);
}

fn mode(name: Option<String>) -> Mode {
    match name.as_deref() {
        Some("opt_out") => Mode::OptOut,
        _ => Mode::OptIn,
    }
}

fn mode_name(mode: Mode) -> &'static str {
    MODES[mode as usize]
}

pub(super) fn decode(document: &Value, version: u32) -> Policy {
    let mut purposes = Vec::new();
    for record in list(document, "purposes") {
        let Some(id) = text_field(record, "id") else { continue };
        let names_in = |field| texts_field(record, field).unwrap_or_default();
        purposes.push(PolicyPurpose {
            id,
            legal_basis: text_field(record, "legal_basis")
                .and_then(|name| LegalBasis::from_name(&name))
                .unwrap_or(LegalBasis::Consent),
            names: pairs_field(record, "names"),
            descriptions: pairs_field(record, "descriptions"),
            // Names a newer server added are passed over: the agent cannot unlock what it
            // does not know.
            data: names_in("data").iter().filter_map(|n| DataCategory::from_name(n)).collect(),
            features: names_in("features").iter().filter_map(|n| Feature::from_name(n)).collect(),
            retention_days: number_field(record, "retention_days").unwrap_or(MAX_RETENTION_DAYS),
        });
    }
    let regions = list(document, "regions")
        .iter()
        .map(|region| Region {
            id: text_field(region, "id").unwrap_or_default(),
            mode: mode(text_field(region, "mode")),
            countries: texts_field(region, "countries").unwrap_or_default(),
        })
        .collect();
    let on_new_version = match text_field(document, "on_new_version").as_deref() {
        Some("ask_again") => OnNewVersion::AskAgain,
        Some("keep") => OnNewVersion::Keep,
        _ => OnNewVersion::AskIfWidened,
    };
    Policy {
        version,
        prompt: bool_field(document, "prompt").unwrap_or(true),
        privacy_url: text_field(document, "privacy_url"),
        reprompt_days: number_field(document, "reprompt_days").unwrap_or(365),
        on_new_version,
        default_mode: mode(text_field(document, "default_mode")),
        regions,
        gpc_denies: document
            .get("gpc")
            .and_then(|gpc| texts_field(gpc, "denies"))
            .unwrap_or_default(),
        purposes,
        tcf: document.get("tcf").map(tcf_mapping),
    }
}

fn tcf_mapping(tcf: &Value) -> TcfMapping {
    let purposes = match tcf.get("purposes") {
        Some(Value::Object(entries)) => entries
            .iter()
            .map(|(id, numbers)| {
                let numbers = match numbers {
                    Value::Array(items) => items
                        .iter()
                        .filter_map(|n| super::rules::whole_number(n, 1, MAX_TCF_PURPOSE))
                        .map(|n| n as u8)
                        .collect(),
                    _ => Vec::new(),
                };
                (id.clone(), numbers)
            })
            .collect(),
        _ => Vec::new(),
    };
    let vendor_id = number_field(tcf, "vendor_id").filter(|id| (1..=65535).contains(id));
    TcfMapping { vendor_id: vendor_id.map(|id| id as u16), purposes }
}

fn names_value<T: Copy>(items: &[T], name: fn(T) -> &'static str) -> Value {
    Value::Array(items.iter().map(|item| Value::from(name(*item))).collect())
}

fn texts_value(texts: &[String]) -> Value {
    Value::Array(texts.iter().map(|text| Value::from(text.as_str())).collect())
}

pub(super) fn encode(policy: &Policy, fields: &mut Vec<(String, Value)>) {
    let mut push = |name: &str, value: Value| fields.push((name.to_owned(), value));
    push("prompt", Value::Bool(policy.prompt));
    if let Some(url) = &policy.privacy_url {
        push("privacy_url", Value::from(url.as_str()));
    }
    push("reprompt_days", Value::Number(f64::from(policy.reprompt_days)));
    push("on_new_version", Value::from(ON_NEW_VERSION[policy.on_new_version as usize]));
    push("default_mode", Value::from(mode_name(policy.default_mode)));
    let regions = policy
        .regions
        .iter()
        .map(|region| {
            Value::object([
                ("id", Value::from(region.id.as_str())),
                ("mode", Value::from(mode_name(region.mode))),
                ("countries", texts_value(&region.countries)),
            ])
        })
        .collect();
    push("regions", Value::Array(regions));
    push("gpc", Value::object([("denies", texts_value(&policy.gpc_denies))]));
    let purposes = policy
        .purposes
        .iter()
        .map(|purpose| {
            Value::object([
                ("id", Value::from(purpose.id.as_str())),
                ("legal_basis", Value::from(purpose.legal_basis.name())),
                ("names", pairs_value(&purpose.names)),
                ("descriptions", pairs_value(&purpose.descriptions)),
                ("data", names_value(&purpose.data, DataCategory::name)),
                ("features", names_value(&purpose.features, Feature::name)),
                ("retention_days", Value::Number(f64::from(purpose.retention_days))),
            ])
        })
        .collect();
    push("purposes", Value::Array(purposes));
    if let Some(tcf) = &policy.tcf {
        let mapped = tcf.purposes.iter().map(|(id, numbers)| {
            let numbers = numbers.iter().map(|n| Value::Number(f64::from(*n))).collect();
            (id.clone(), Value::Array(numbers))
        });
        let mut fields = Vec::new();
        if let Some(id) = tcf.vendor_id {
            fields.push(("vendor_id".to_owned(), Value::Number(f64::from(id))));
        }
        fields.push(("purposes".to_owned(), Value::Object(mapped.collect())));
        push("tcf", Value::Object(fields));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_tables_follow_their_enums() {
        assert_eq!(MODES[Mode::OptOut as usize], "opt_out");
        assert_eq!(ON_NEW_VERSION[OnNewVersion::Keep as usize], "keep");
        assert_eq!(ON_NEW_VERSION[OnNewVersion::AskAgain as usize], "ask_again");
    }
}
