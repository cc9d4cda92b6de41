//! The rules a document's fields follow, written as data, and the one walker that applies them.
//!
//! A kind of document is a table of [`Field`]s (name, required or not, [`Rule`]) plus a few
//! checks across fields; the walker reports every problem with its JSON path and a message a
//! shop's staff understand. Adding a kind means adding a table, not another walker.

use crate::problem::{index, join};
use crate::text;
use crate::value::format_decimal;
use crate::{Problem, Value};

/// The languages the agent speaks: every visitor-facing text in a document needs each of them.
pub const LANGUAGES: [&str; 4] = ["en", "es", "nl", "de"];

/// One field of an object: its name, whether it must be there, and what its value must be.
pub struct Field {
    pub name: &'static str,
    pub required: bool,
    pub rule: Rule,
}

impl Field {
    pub const fn required(name: &'static str, rule: Rule) -> Field {
        Field { name, required: true, rule }
    }

    pub const fn optional(name: &'static str, rule: Rule) -> Field {
        Field { name, required: false, rule }
    }
}

/// What a field's value must be.
pub enum Rule {
    /// A whole number in `min..=max`; `unit` ("minutes") makes the message say what it counts.
    WholeNumber {
        min: u32,
        max: u32,
        unit: &'static str,
    },
    Bool,
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// An identifier of 1 to `max` ASCII letters, digits, `-` or `_` (a site id).
    Token {
        max: usize,
    },
    /// A path on the shop's own site: starts with `/`, at most `max` characters.
    Path {
        max: usize,
    },
    /// A path as for [`Rule::Path`], or an `https://` URL (whose host the kind's cross-field
    /// check compares with its allowed hosts).
    Link {
        max: usize,
    },
    /// A list of at most `max` distinct host names (`shop.example`, `cdn.shop.example:8443`).
    Hosts {
        max: usize,
    },
    /// An object with one text for each of [`LANGUAGES`], each at most `max` characters.
    Translations {
        max: usize,
    },
    /// A list of at most `max` objects, each with `fields`; the `key` field names a record and
    /// must be unique, and every name in `expected` must appear. `noun` names one in messages.
    Records {
        fields: &'static [Field],
        key: &'static str,
        expected: &'static [&'static str],
        max: usize,
        noun: &'static str,
    },
    /// The documents of a `/v1/config` envelope: each checked whole, at most one per kind.
    Documents,
}

/// Checks that `value` is an object with exactly the fields of `tables`, each by its rule.
/// `what` names the object in messages ("a settings document", "a purpose").
pub fn check_object(
    value: &Value,
    path: &str,
    tables: &[&[Field]],
    what: &str,
    problems: &mut Vec<Problem>,
) {
    let Value::Object(entries) = value else {
        problems.push(Problem::new(path, text!(what, " must be an object, got ", describe(value))));
        return;
    };
    let known = || tables.iter().flat_map(|table| table.iter());
    for (position, (name, _)) in entries.iter().enumerate() {
        if entries[..position].iter().any(|(earlier, _)| earlier == name) {
            problems.push(Problem::new(join(path, name), "appears twice; keep one"));
        } else if !known().any(|field| field.name == name) {
            let mut message = text!("is not a field of ", what);
            if let Some(near) = known().map(|field| field.name).find(|known| similar(name, known)) {
                message.push_str(&text!("; did you mean \"", near, "\"?"));
            }
            problems.push(Problem::new(join(path, name), message));
        }
    }
    for table in tables {
        check_fields(value, path, table, problems);
    }
}

/// Checks the fields of `table` that `value` has or lacks, leaving other fields alone.
pub fn check_fields(value: &Value, path: &str, table: &[Field], problems: &mut Vec<Problem>) {
    for field in table {
        let field_path = join(path, field.name);
        match value.get(field.name) {
            None if field.required => problems.push(Problem::new(field_path, "is required")),
            None => {}
            Some(Value::Null) if !field.required => problems.push(Problem::new(
                field_path,
                "is null; leave the field out to keep the agent's default",
            )),
            Some(found) => check_rule(&field.rule, found, &field_path, problems),
        }
    }
}

fn check_rule(rule: &Rule, value: &Value, path: &str, problems: &mut Vec<Problem>) {
    let mut problem = |message: String| problems.push(Problem::new(path, message));
    match rule {
        Rule::WholeNumber { min, max, unit } => {
            if whole_number(value, *min, *max).is_none() {
                problem(whole_number_message(*min, *max, unit, value));
            }
        }
        Rule::Bool => {
            if !matches!(value, Value::Bool(_)) {
                problem(text!("must be true or false, got ", describe(value)));
            }
        }
        Rule::OneOf(choices) => {
            if !value.as_str().is_some_and(|text| choices.contains(&text)) {
                problem(text!("must be one of ", choices.join(", "), ", got ", describe(value)));
            }
        }
        Rule::Token { max } => {
            if !value.as_str().is_some_and(|text| is_token(text, *max)) {
                problem(text!(
                    "must be 1 to ",
                    *max,
                    " letters, digits, - or _, got ",
                    describe(value)
                ));
            }
        }
        Rule::Path { max } => match value.as_str() {
            Some(text) => {
                if let Some(message) = path_problem(text, *max) {
                    problem(message);
                }
            }
            None => problem(text!("must be a path such as /checkout/, got ", describe(value))),
        },
        Rule::Link { max } => match value.as_str() {
            Some(text) => {
                if let Some(message) = link_problem(text, *max) {
                    problem(message);
                }
            }
            None => problem(text!(
                "must be a path such as /checkout/ or an https:// URL, got ",
                describe(value)
            )),
        },
        Rule::Hosts { max } => check_hosts(value, path, *max, problems),
        Rule::Translations { max } => check_translations(value, path, *max, problems),
        Rule::Records { fields, key, expected, max, noun } => {
            check_records(value, path, fields, key, expected, *max, noun, problems)
        }
        Rule::Documents => super::check_documents(value, path, problems),
    }
}

/// The value as a whole number in `min..=max`, if it is one.
pub fn whole_number(value: &Value, min: u32, max: u32) -> Option<u32> {
    let number = value.as_f64()?;
    let fits = number.fract() == 0.0 && number >= f64::from(min) && number <= f64::from(max);
    fits.then_some(number as u32)
}

fn whole_number_message(min: u32, max: u32, unit: &str, value: &Value) -> String {
    let got = describe(value);
    if min == max {
        text!("must be ", min, ", got ", got)
    } else if unit.is_empty() {
        text!("must be a whole number from ", min, " to ", max, ", got ", got)
    } else {
        text!("must be a whole number of ", unit, " from ", min, " to ", max, ", got ", got)
    }
}

pub fn is_token(text: &str, max: usize) -> bool {
    (1..=max).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Why `text` is not a safe same-site path, if it is not.
fn path_problem(text: &str, max: usize) -> Option<String> {
    if !text.starts_with('/') {
        Some(text!("must be a path starting with /, got ", quote(text)))
    } else {
        rest_of_url_problem(text, text, max)
    }
}

/// What both a path and the part of a URL after its host (`rest` of `text`) must avoid.
fn rest_of_url_problem(rest: &str, text: &str, max: usize) -> Option<String> {
    let got = quote(text);
    let length = text.chars().count();
    if length > max {
        Some(text!("must be at most ", max, " characters, got ", length))
    } else if rest.contains("//") {
        Some(text!("must not contain // (a browser reads //name as another site), got ", got))
    } else if rest.contains('\\') {
        Some(text!("must not contain \\ (a browser reads it as /), got ", got))
    } else if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some(text!("must not contain spaces or control characters, got ", got))
    } else {
        None
    }
}

/// The host of an `https://` link (with its port, if any); `None` when it is no such link.
pub fn https_host(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("https://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&rest[..end])
}

fn link_problem(text: &str, max: usize) -> Option<String> {
    let got = quote(text);
    if text.starts_with('/') {
        return path_problem(text, max);
    }
    if text.starts_with("http://") {
        return Some(text!("must use https://, got ", got));
    }
    let Some(host) = https_host(text) else {
        return Some(text!("must be a path starting with / or an https:// URL, got ", got));
    };
    let length = text.chars().count();
    if length > max {
        return Some(text!("must be at most ", max, " characters, got ", length));
    }
    if !is_host(host) {
        return Some(text!(
            "must name a host in lowercase letters, digits, dots and hyphens, got ",
            got
        ));
    }
    rest_of_url_problem(&text["https://".len() + host.len()..], text, max)
}

/// `shop.example` or `shop.example:8443`: lowercase DNS labels and an optional port.
pub fn is_host(text: &str) -> bool {
    let (name, port) = match text.split_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (text, None),
    };
    let port_ok = port.is_none_or(|port| {
        (1..=5).contains(&port.len())
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|number| (1..=65_535).contains(&number))
    });
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    port_ok && (1..=253).contains(&name.len()) && name.split('.').all(label_ok)
}

fn check_hosts(value: &Value, path: &str, max: usize, problems: &mut Vec<Problem>) {
    let Value::Array(hosts) = value else {
        problems.push(Problem::new(
            path,
            text!("must be a list of host names such as [\"shop.example\"], got ", describe(value)),
        ));
        return;
    };
    if hosts.len() > max {
        problems.push(Problem::new(
            path,
            text!("must list at most ", max, " hosts, got ", hosts.len()),
        ));
    }
    for (position, host) in hosts.iter().enumerate() {
        let host_path = index(path, position);
        let Some(text) = host.as_str() else {
            problems.push(Problem::new(
                host_path,
                text!("must be a host name such as shop.example, got ", describe(host)),
            ));
            continue;
        };
        if text.contains("://") {
            problems.push(Problem::new(
                host_path,
                text!(
                    "must be a host name without a scheme (shop.example, not https://shop.example), got ",
                    quote(text)
                ),
            ));
        } else if !is_host(text) {
            problems.push(Problem::new(
                host_path,
                text!(
                    "must be a host name in lowercase letters, digits, dots and hyphens, with an optional :port, got ",
                    quote(text)
                ),
            ));
        } else if let Some(first) = hosts[..position].iter().position(|h| h.as_str() == Some(text))
        {
            problems.push(Problem::new(
                host_path,
                text!(quote(text), " is listed twice (first at ", index(path, first), ")"),
            ));
        }
    }
}

fn check_translations(value: &Value, path: &str, max: usize, problems: &mut Vec<Problem>) {
    let Value::Object(entries) = value else {
        problems.push(Problem::new(
            path,
            text!(
                "must be an object with a text for each language (",
                LANGUAGES.join(", "),
                "), got ",
                describe(value)
            ),
        ));
        return;
    };
    for (position, (language, text)) in entries.iter().enumerate() {
        let text_path = join(path, language);
        if entries[..position].iter().any(|(earlier, _)| earlier == language) {
            problems.push(Problem::new(text_path, "appears twice; keep one"));
            continue;
        }
        if !LANGUAGES.contains(&language.as_str()) {
            problems.push(Problem::new(
                text_path,
                text!("is not a language the agent speaks (", LANGUAGES.join(", "), ")"),
            ));
            continue;
        }
        let Some(text) = text.as_str() else {
            problems.push(Problem::new(text_path, text!("must be a text, got ", describe(text))));
            continue;
        };
        let length = text.chars().count();
        if text.trim().is_empty() {
            problems.push(Problem::new(text_path, "must not be empty"));
        } else if length > max {
            problems.push(Problem::new(
                text_path,
                text!("must be at most ", max, " characters, got ", length),
            ));
        } else if text.chars().any(char::is_control) {
            problems.push(Problem::new(
                text_path,
                "must not contain control characters such as line breaks or tabs",
            ));
        }
    }
    for language in LANGUAGES {
        if value.get(language).is_none() {
            problems.push(Problem::new(
                join(path, language),
                text!("is missing; the agent needs a text in each of ", LANGUAGES.join(", ")),
            ));
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn check_records(
    value: &Value,
    path: &str,
    fields: &[Field],
    key: &str,
    expected: &[&str],
    max: usize,
    noun: &str,
    problems: &mut Vec<Problem>,
) {
    let Value::Array(records) = value else {
        problems.push(Problem::new(
            path,
            text!("must be a list of ", noun, "s, got ", describe(value)),
        ));
        return;
    };
    if records.len() > max {
        problems.push(Problem::new(
            path,
            text!("must list at most ", max, " ", noun, "s, got ", records.len()),
        ));
    }
    let what = text!("a ", noun);
    for (position, record) in records.iter().enumerate() {
        let record_path = index(path, position);
        check_object(record, &record_path, &[fields], &what, problems);
        let Some(name) = record.get(key).and_then(Value::as_str) else { continue };
        let first = records[..position]
            .iter()
            .position(|earlier| earlier.get(key).and_then(Value::as_str) == Some(name));
        if let Some(first) = first {
            problems.push(Problem::new(
                join(&record_path, key),
                text!(quote(name), " is listed twice (first at ", index(path, first), ")"),
            ));
        }
    }
    for name in expected {
        let present =
            records.iter().any(|record| record.get(key).and_then(Value::as_str) == Some(name));
        if !present {
            problems.push(Problem::new(
                path,
                text!(
                    "the ",
                    noun,
                    " \"",
                    *name,
                    "\" is missing; list each of ",
                    expected.join(", ")
                ),
            ));
        }
    }
}

/// Whether a field name someone typed is close enough to a known one to suggest it: at most
/// two letters added, removed or changed (`idle_minute`, `dismis_hours`, `checkoutpath`).
fn similar(typed: &str, known: &str) -> bool {
    let (typed, known) = (typed.as_bytes(), known.as_bytes());
    if typed.len().abs_diff(known.len()) > 2 {
        return false;
    }
    let mut previous: Vec<usize> = (0..=known.len()).collect();
    for (i, &a) in typed.iter().enumerate() {
        let mut current = Vec::with_capacity(known.len() + 1);
        current.push(i + 1);
        for (j, &b) in known.iter().enumerate() {
            let change = previous[j] + usize::from(!a.eq_ignore_ascii_case(&b));
            current.push(change.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[known.len()] <= 2
}

/// A value as a message shows it after "got": strings quoted, numbers as written, else its type.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(true) => "true".into(),
        Value::Bool(false) => "false".into(),
        Value::Number(number) => format_decimal(*number),
        Value::String(text) => quote(text),
        other => other.kind().into(),
    }
}

/// A text in double quotes as JSON would write it, cut after 60 characters.
pub fn quote(text: &str) -> String {
    const SHOWN: usize = 60;
    let mut quoted = String::with_capacity(text.len().min(SHOWN * 2) + 2);
    quoted.push('"');
    for (position, c) in text.chars().enumerate() {
        if position == SHOWN {
            quoted.push('…');
            break;
        }
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            c if c.is_control() => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let code = c as u32;
                quoted.push_str("\\u00");
                quoted.push(char::from(HEX[(code >> 4 & 0xf) as usize]));
                quoted.push(char::from(HEX[(code & 0xf) as usize]));
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// Readers for a document the walker found valid; they never fail, they only skip.
pub fn number_field(document: &Value, name: &str) -> Option<u32> {
    whole_number(document.get(name)?, 0, u32::MAX)
}

pub fn text_field(document: &Value, name: &str) -> Option<String> {
    document.get(name)?.as_str().map(str::to_owned)
}

pub fn bool_field(document: &Value, name: &str) -> Option<bool> {
    match document.get(name)? {
        Value::Bool(flag) => Some(*flag),
        _ => None,
    }
}

pub fn texts_field(document: &Value, name: &str) -> Option<Vec<String>> {
    match document.get(name)? {
        Value::Array(items) => {
            Some(items.iter().filter_map(|item| item.as_str().map(str::to_owned)).collect())
        }
        _ => None,
    }
}

/// An object of texts as (key, text) pairs in the order written.
pub fn pairs_field(document: &Value, name: &str) -> Vec<(String, String)> {
    match document.get(name) {
        Some(Value::Object(entries)) => entries
            .iter()
            .filter_map(|(key, text)| Some((key.clone(), text.as_str()?.to_owned())))
            .collect(),
        _ => Vec::new(),
    }
}

/// (key, text) pairs as a JSON object.
pub fn pairs_value(pairs: &[(String, String)]) -> Value {
    Value::Object(
        pairs.iter().map(|(key, text)| (key.clone(), Value::from(text.as_str()))).collect(),
    )
}
