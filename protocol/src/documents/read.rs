//! How an agent reads a `/v1/config` answer: the fields it uses must have the right type and
//! range, or the whole config is refused with that field's path; what it does not know is
//! passed over.
//!
//! The validator (`check_config`) is for authors: the server runs it on publish and
//! `concierge-cli check` before, so what `/v1/config` serves has passed it. An agent needs less
//! and must tolerate more. Less, because the rules that keep a document well written (every
//! translation there, no duplicate purposes, resume links on a listed host) change nothing an
//! agent could do wrong; more, because a server newer than the agent may publish a kind or a
//! field it has never heard of, and an agent that refused the whole config for it would fall
//! back to its defaults on every shop that upgraded first. Reading also costs the agent's Wasm
//! a fraction of the validator (docs/decisions.md).
//!
//! The checks are the validator's own field tables, read as types and ranges; nothing about a
//! field's bounds is written twice.

#[cfg(feature = "campaigns")]
use super::campaigns::parse_timestamp;
use super::rules::{https_host, is_country, is_host, is_id, is_token, whole_number, Field, Rule};
#[cfg(feature = "campaigns")]
use super::rules::{is_time_zone, shape_of, LANGUAGES};
use super::{Config, Kind, CONFIG_FORMAT, MAX_SITE};
use crate::problem::{index, join};
use crate::{text, Problem, Value};

/// Reads a config for an agent; the first field it cannot use refuses all of it.
pub fn read_config(value: &Value) -> Result<Config, Problem> {
    if !value.is_object() {
        return Err(Problem::new("", "the config must be an object"));
    }
    let format = value.get("format").and_then(|f| whole_number(f, 0, u32::MAX));
    if format != Some(CONFIG_FORMAT) {
        return Err(Problem::new(
            "format",
            text!("must be ", CONFIG_FORMAT, ", the config format this agent reads"),
        ));
    }
    let site = match value.get("site").and_then(Value::as_str) {
        Some(site) if is_token(site, MAX_SITE) => site.to_owned(),
        _ => return Err(Problem::new("site", "must be the site's id")),
    };
    let Some(Value::Array(documents)) = value.get("documents") else {
        return Err(Problem::new("documents", "must be a list of documents"));
    };
    // A hint, not a rule: a region the agent cannot read is taken as unknown.
    let region = value.get("region").and_then(Value::as_str).filter(|r| is_country(r));
    let mut config = Config { site, region: region.map(str::to_owned), ..Config::default() };
    config.assistant = super::KnowledgePointer::read(value).map(Box::new);
    let mut seen = [false; Kind::ALL.len()];
    for (position, document) in documents.iter().enumerate() {
        let path = index("documents", position);
        let kind = document.get("kind").and_then(Value::as_str).and_then(Kind::from_name);
        // A kind this agent does not know belongs to a newer server: passed over, not refused.
        let Some(kind) = kind else { continue };
        if std::mem::replace(&mut seen[kind as usize], true) {
            return Err(Problem::new(join(&path, "kind"), "is a second document of this kind"));
        }
        if document.get("version").and_then(|v| whole_number(v, 1, u32::MAX)).is_none() {
            return Err(Problem::new(join(&path, "version"), "must be a whole number from 1"));
        }
        check_fields(document, kind.spec().fields, &path)?;
        config.set(kind.decode(document));
    }
    Ok(config)
}

/// Each field of `table` that `object` has (and each required one) must fit its rule; the
/// problem names the innermost field that does not.
fn check_fields(object: &Value, table: &[Field], path: &str) -> Result<(), Problem> {
    for field in table {
        let at = join(path, field.name);
        match object.get(field.name) {
            Some(value) => check_value(&field.rule, value, &at)?,
            None if !field.required => {}
            None => return Err(Problem::new(at, expected(&field.rule))),
        }
    }
    Ok(())
}

/// Whether `value` at `path` fits `rule`, looking inside the objects and lists it holds.
fn check_value(rule: &Rule, value: &Value, path: &str) -> Result<(), Problem> {
    let refuse = || Err(Problem::new(path, expected(rule)));
    match (rule, value) {
        (Rule::Records { fields, max, .. }, Value::Array(records)) if records.len() <= *max => {
            for (position, record) in records.iter().enumerate() {
                check_object(record, fields, &index(path, position))?;
            }
            Ok(())
        }
        (Rule::Object { fields, .. }, _) if value.is_object() => check_fields(value, fields, path),
        (Rule::Map { item, .. }, Value::Object(entries)) => {
            for (name, entry) in entries {
                check_value(item, entry, &join(path, name))?;
            }
            Ok(())
        }
        (Rule::List { item, max, .. }, Value::Array(items)) if items.len() <= *max => {
            for (position, element) in items.iter().enumerate() {
                check_value(item, element, &index(path, position))?;
            }
            Ok(())
        }
        #[cfg(feature = "campaigns")]
        (Rule::Tagged { shapes, .. }, _) if value.is_object() => match shape_of(shapes, value) {
            Some(shape) => check_fields(value, shape.fields, path),
            None => Err(Problem::new(join(path, "type"), expected(&Rule::OneOf(&[])))),
        },
        // A language this agent does not speak (from a newer server) is passed over.
        #[cfg(feature = "campaigns")]
        (Rule::PerLanguage { fields, .. }, Value::Object(entries)) => {
            for (language, entry) in entries {
                if LANGUAGES.contains(&language.as_str()) {
                    check_object(entry, fields, &join(path, language))?;
                }
            }
            Ok(())
        }
        #[cfg(feature = "campaigns")]
        (Rule::Logic, Value::Bool(_)) => Ok(()),
        #[cfg(feature = "campaigns")]
        (Rule::Logic, Value::Object(_)) => match crate::logic::Rule::compile(value) {
            Ok(_) => Ok(()),
            Err(problem) => Err(Problem::new(join(path, &problem.path), problem.message)),
        },
        _ if fits(rule, value) => Ok(()),
        _ => refuse(),
    }
}

fn check_object(value: &Value, fields: &[Field], path: &str) -> Result<(), Problem> {
    if value.is_object() {
        check_fields(value, fields, path)
    } else {
        Err(Problem::new(path, "must be an object as documented"))
    }
}

/// Whether `value` has the type and range `rule` asks for (rules without fields inside).
fn fits(rule: &Rule, value: &Value) -> bool {
    let text = value.as_str();
    match *rule {
        Rule::WholeNumber { min, max, .. } => whole_number(value, min, max).is_some(),
        Rule::Bool => matches!(value, Value::Bool(_)),
        Rule::OneOf(names) => text.is_some_and(|text| names.contains(&text)),
        Rule::Token { max } => text.is_some_and(|text| is_token(text, max)),
        Rule::Path { max } => text.is_some_and(|text| text.starts_with('/') && text.len() <= max),
        Rule::Link { max } => text.is_some_and(|text| {
            text.len() <= max && (text.starts_with('/') || https_host(text).is_some())
        }),
        Rule::Hosts { max } => match value {
            Value::Array(hosts) => {
                hosts.len() <= max && hosts.iter().all(|h| h.as_str().is_some_and(is_host))
            }
            _ => false,
        },
        Rule::Id { max } => text.is_some_and(|text| is_id(text, max)),
        // A name from a newer server's closed set is passed over by the decoder.
        Rule::Named { .. } => text.is_some(),
        Rule::Country => text.is_some_and(is_country),
        Rule::Translations { .. } => match value {
            Value::Object(texts) => texts.iter().all(|(_, text)| text.as_str().is_some()),
            _ => false,
        },
        #[cfg(any(feature = "knowledge", feature = "catalogue"))]
        Rule::Text { max } => {
            text.is_some_and(|text| !text.trim().is_empty() && text.chars().count() <= max)
        }
        #[cfg(feature = "campaigns")]
        Rule::Number { min, max } => value.as_f64().is_some_and(|n| n >= min && n <= max),
        #[cfg(feature = "campaigns")]
        Rule::Timestamp => text.and_then(parse_timestamp).is_some(),
        #[cfg(feature = "campaigns")]
        Rule::TimeZone => text.is_some_and(is_time_zone),
        #[cfg(feature = "campaigns")]
        Rule::Template { max, .. } => text.is_some_and(|text| text.len() <= max * 4),
        // Checked with what they hold, in `check_value`.
        Rule::Records { .. }
        | Rule::Documents
        | Rule::List { .. }
        | Rule::Object { .. }
        | Rule::Map { .. } => false,
        #[cfg(feature = "campaigns")]
        Rule::Logic | Rule::Tagged { .. } | Rule::PerLanguage { .. } => false,
    }
}

/// What a field that does not fit should have been.
fn expected(rule: &Rule) -> String {
    match *rule {
        Rule::WholeNumber { min, max, .. } => {
            text!("must be a whole number from ", min, " to ", max)
        }
        Rule::Bool => "must be true or false".into(),
        Rule::OneOf(_) => "must be one of the values this agent knows".into(),
        Rule::Token { .. } => "must be an id of letters, digits, - and _".into(),
        Rule::Path { .. } => "must be a path starting with /".into(),
        Rule::Link { .. } => "must be a path starting with / or an https:// URL".into(),
        Rule::Hosts { .. } => "must be a list of host names".into(),
        Rule::Translations { .. } => "must be an object of texts by language".into(),
        Rule::Id { .. } => "must be an id of lowercase letters, digits and _".into(),
        Rule::Named { .. } => "must be a name".into(),
        Rule::Country => "must be a country code such as DE or US-CA".into(),
        Rule::List { .. } => "must be a list as documented".into(),
        Rule::Object { .. } | Rule::Map { .. } => "must be an object as documented".into(),
        #[cfg(any(feature = "knowledge", feature = "catalogue"))]
        Rule::Text { .. } => "must be a text that is not empty".into(),
        #[cfg(feature = "campaigns")]
        Rule::Number { .. } => "must be a number in its range".into(),
        #[cfg(feature = "campaigns")]
        Rule::Timestamp => "must be a date and time such as 2026-12-01T09:00:00Z".into(),
        #[cfg(feature = "campaigns")]
        Rule::TimeZone => "must be an IANA time zone".into(),
        #[cfg(feature = "campaigns")]
        Rule::Template { .. } => "must be a text".into(),
        #[cfg(feature = "campaigns")]
        Rule::Logic => "must be a JSON Logic rule".into(),
        Rule::Records { .. } | Rule::Documents => "must be a list of objects as documented".into(),
        #[cfg(feature = "campaigns")]
        Rule::Tagged { .. } | Rule::PerLanguage { .. } => "must be an object as documented".into(),
    }
}
