//! The rules a document's fields follow, written as data, and the one walker that applies them.
//!
//! A kind of document is a table of [`Field`]s (name, required or not, [`Rule`]) plus a few
//! checks across fields; the walker reports every problem with its JSON path and a message a
//! shop's staff understand. Adding a kind means adding a table, not another walker.

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
    /// A lowercase id: a letter `a`-`z`, then up to `max - 1` letters `a`-`z`, digits or `_`
    /// (a purpose, a region).
    Id {
        max: usize,
    },
    /// A name from a closed set the agent knows (a data category, a feature); `noun` names one
    /// in messages ("data category"). The agent's reader passes over names it does not know.
    Named {
        choices: &'static [&'static str],
        noun: &'static str,
    },
    /// An ISO 3166-1 alpha-2 country code (`DE`), or one with an ISO 3166-2 subdivision (`US-CA`).
    Country,
    /// A list of at most `max` distinct values, each following `item`; `plural` names them in
    /// messages ("countries").
    List {
        item: &'static Rule,
        max: usize,
        plural: &'static str,
    },
    /// An object of at most `max` entries under names of the kind's choosing, each value
    /// following `item` (the names are checked by the kind's cross-field check); `noun`
    /// names one entry in messages.
    Map {
        item: &'static Rule,
        max: usize,
        noun: &'static str,
    },
    /// An object with the fields of `fields`; `what` names it in messages ("a schedule").
    Object {
        fields: &'static [Field],
        what: &'static str,
    },
    #[cfg(any(feature = "knowledge", feature = "catalogue"))]
    /// A text that is not blank, of at most `max` characters; line breaks allowed (an answer).
    Text {
        max: usize,
    },
    #[cfg(feature = "campaigns")]
    /// A number, whole or not, in `min..=max` (a share, a business value).
    Number {
        min: f64,
        max: f64,
    },
    #[cfg(feature = "campaigns")]
    /// A date and time, to the minute or the second: `2026-12-01T09:00:00Z` in UTC, or
    /// `2026-12-01T09:00:00` without the `Z`, a local time in the time zone named beside it
    /// (the kind's cross-field check holds the two together).
    Timestamp,
    #[cfg(feature = "campaigns")]
    /// An IANA time zone name such as `Europe/Amsterdam`, or `UTC`.
    TimeZone,
    #[cfg(feature = "campaigns")]
    /// A visitor-facing text of at most `max` characters in which `{{name}}` may name one of
    /// `variables`, and nothing else.
    Template {
        max: usize,
        variables: &'static [&'static str],
    },
    #[cfg(feature = "campaigns")]
    /// A JSON Logic rule (an object with one operator, or `true`/`false`), compiled as the agent
    /// compiles it: an operator the evaluator does not know is refused with its path in the rule.
    Logic,
    #[cfg(feature = "campaigns")]
    /// An object whose `type` names one of `shapes`, each with its own fields (a trigger, a
    /// placement). `noun` names it in messages.
    Tagged {
        shapes: &'static [Shape],
        noun: &'static str,
    },
    #[cfg(feature = "campaigns")]
    /// An object with one object for each of [`LANGUAGES`], each with `fields`; `what` names
    /// one in messages ("a message").
    PerLanguage {
        fields: &'static [Field],
        what: &'static str,
    },
}

#[cfg(feature = "campaigns")]
/// One shape of a [`Rule::Tagged`] object: the `type` that selects it, its name in messages
/// ("an idle trigger") and its fields besides `type`.
pub struct Shape {
    pub name: &'static str,
    pub what: &'static str,
    pub fields: &'static [Field],
}

#[cfg(feature = "campaigns")]
impl Shape {
    pub const fn new(name: &'static str, what: &'static str, fields: &'static [Field]) -> Shape {
        Shape { name, what, fields }
    }
}

#[cfg(feature = "campaigns")]
/// The field that selects a [`Shape`], checked by the walker before the shape's own fields.
const TYPE_FIELD: &[Field] = &[Field::required("type", Rule::Token { max: 64 })];

#[cfg(feature = "campaigns")]
/// The shape `value`'s `type` names, if it names one of `shapes`.
pub fn shape_of<'s>(shapes: &'s [Shape], value: &Value) -> Option<&'s Shape> {
    let name = value.get("type")?.as_str()?;
    shapes.iter().find(|shape| shape.name == name)
}

/// The walk over one document: the JSON path of the value being checked, kept in one buffer
/// that grows and shrinks as the walk goes in and out, and the problems found so far.
///
/// A path is copied into a [`Problem`] only when one is found, and every message is built by
/// the few helpers below, so the agent's Wasm holds one copy of each way of reporting.
pub(super) struct Walk<'a> {
    path: String,
    problems: &'a mut Vec<Problem>,
}

impl<'a> Walk<'a> {
    pub(super) fn new(problems: &'a mut Vec<Problem>) -> Walk<'a> {
        Walk { path: String::new(), problems }
    }

    /// The path of the value being checked.
    pub(super) fn path(&self) -> &str {
        &self.path
    }

    /// Whether a problem has been reported at the current path.
    pub(super) fn reported_here(&self) -> bool {
        self.problems.iter().any(|problem| problem.path == self.path)
    }

    /// Steps into field `name`; returns where to [`leave`](Walk::leave) back to.
    #[inline(never)]
    pub(super) fn enter(&mut self, name: &str) -> usize {
        let back = self.path.len();
        if back != 0 {
            self.path.push('.');
        }
        self.path.push_str(name);
        back
    }

    /// Steps into element `position` of a list.
    #[inline(never)]
    pub(super) fn enter_index(&mut self, position: usize) -> usize {
        let back = self.path.len();
        push_index(&mut self.path, position);
        back
    }

    pub(super) fn leave(&mut self, back: usize) {
        self.path.truncate(back);
    }

    #[inline(never)]
    pub(super) fn report(&mut self, message: String) {
        self.problems.push(Problem { path: self.path.clone(), message });
    }

    #[inline(never)]
    fn report_static(&mut self, message: &'static str) {
        self.report(message.to_owned());
    }

    /// Reports the pieces of a message.
    #[inline(never)]
    pub(super) fn report_pieces(&mut self, pieces: &[&str]) {
        self.report(concat(pieces));
    }

    /// Reports `head` followed by ", got " and what `value` is.
    #[inline(never)]
    pub(super) fn got(&mut self, head: &[&str], value: &Value) {
        let mut message = concat(head);
        message.push_str(", got ");
        push_described(&mut message, value);
        self.report(message);
    }

    /// Reports a text longer than `max` characters.
    #[inline(never)]
    fn too_long(&mut self, max: usize, length: usize) {
        self.report_pieces(&[
            "must be at most ",
            &number(max),
            " characters, got ",
            &number(length),
        ]);
    }

    /// Reports a list longer than `max` items (`noun` names one).
    #[inline(never)]
    fn too_many(&mut self, max: usize, noun: &str, length: usize) {
        self.report_pieces(&[
            "must list at most ",
            &number(max),
            " ",
            noun,
            "s, got ",
            &number(length),
        ]);
    }

    /// Reports `name` listed again in the list at `list` (a length of the path), first at `first`.
    #[inline(never)]
    fn listed_twice(&mut self, name: &str, list: usize, first: usize) {
        let mut message = quote(name);
        message.push_str(" is listed twice (first at ");
        message.push_str(&self.path[..list]);
        push_index(&mut message, first);
        message.push(')');
        self.report(message);
    }

    /// Checks that `value` is an object with exactly the fields of `tables`, each by its rule.
    /// `what` names the object in messages ("a settings document", "a purpose").
    pub(super) fn check_object(&mut self, value: &Value, tables: &[&[Field]], what: &str) {
        let Value::Object(entries) = value else {
            self.got(&[what, " must be an object"], value);
            return;
        };
        for (position, (name, _)) in entries.iter().enumerate() {
            let back = self.enter(name);
            if entries[..position].iter().any(|(earlier, _)| earlier == name) {
                self.report_static("appears twice; keep one");
            } else if let Some(near) = unknown_field(tables, name) {
                let mut message = concat(&["is not a field of ", what]);
                if !near.is_empty() {
                    message.push_str(&concat(&["; did you mean \"", near, "\"?"]));
                }
                self.report(message);
            }
            self.leave(back);
        }
        for table in tables {
            self.check_fields(value, table);
        }
    }

    /// Checks the fields of `table` that `value` has or lacks, leaving other fields alone.
    pub(super) fn check_fields(&mut self, value: &Value, table: &[Field]) {
        for field in table {
            let back = self.enter(field.name);
            match value.get(field.name) {
                None if field.required => self.report_static("is required"),
                None => {}
                Some(Value::Null) if !field.required => {
                    self.report_static("is null; leave the field out to keep the agent's default")
                }
                Some(found) => self.check_rule(&field.rule, found),
            }
            self.leave(back);
        }
    }

    fn check_rule(&mut self, rule: &Rule, value: &Value) {
        match *rule {
            Rule::WholeNumber { min, max, unit } => {
                if whole_number(value, min, max).is_none() {
                    let (min, max) = (number(min as usize), number(max as usize));
                    if min == max {
                        self.got(&["must be ", &min], value);
                    } else if unit.is_empty() {
                        self.got(&["must be a whole number from ", &min, " to ", &max], value);
                    } else {
                        let head =
                            ["must be a whole number of ", unit, " from ", &min, " to ", &max];
                        self.got(&head, value);
                    }
                }
            }
            Rule::Bool => {
                if !matches!(value, Value::Bool(_)) {
                    self.got(&["must be true or false"], value);
                }
            }
            Rule::OneOf(choices) => {
                if !value.as_str().is_some_and(|text| choices.contains(&text)) {
                    self.got(&["must be one of ", &choices.join(", ")], value);
                }
            }
            Rule::Token { max } => {
                if !value.as_str().is_some_and(|text| is_token(text, max)) {
                    self.got(&["must be 1 to ", &number(max), " letters, digits, - or _"], value);
                }
            }
            Rule::Path { max } => match value.as_str() {
                Some(text) => self.check_path(text, value, max),
                None => self.got(&["must be a path such as /checkout/"], value),
            },
            Rule::Link { max } => match value.as_str() {
                Some(text) => self.check_link(text, value, max),
                None => self.got(&["must be a path such as /checkout/ or an https:// URL"], value),
            },
            Rule::Hosts { max } => self.check_hosts(value, max),
            Rule::Translations { max } => self.check_translations(value, max),
            Rule::Records { fields, key, expected, max, noun } => {
                self.check_records(value, fields, key, expected, max, noun)
            }
            Rule::Documents => self.check_documents(value),
            Rule::Id { max } => {
                if !value.as_str().is_some_and(|text| is_id(text, max)) {
                    let head = [
                        "must be an id of a lowercase letter, then up to ",
                        &number(max - 1),
                        " lowercase letters, digits or _",
                    ];
                    self.got(&head, value);
                }
            }
            Rule::Named { choices, noun } => match value.as_str() {
                Some(text) if choices.contains(&text) => {}
                Some(text) => {
                    let mut message = quote(text);
                    message.push_str(&concat(&[
                        " is not a ",
                        noun,
                        " the agent knows; the choices are ",
                        &choices.join(", "),
                    ]));
                    self.report(message);
                }
                None => self.got(&["must be the name of a ", noun], value),
            },
            Rule::Country => {
                if !value.as_str().is_some_and(is_country) {
                    let head = "must be a country code such as DE (ISO 3166-1 alpha-2) or a subdivision such as US-CA";
                    self.got(&[head], value);
                }
            }
            Rule::List { item, max, plural } => self.check_list(value, item, max, plural),
            Rule::Object { fields, what } => self.check_object(value, &[fields], what),
            #[cfg(any(feature = "knowledge", feature = "catalogue"))]
            Rule::Text { max } => match value.as_str() {
                Some(text) if text.trim().is_empty() => self.report_static("must not be empty"),
                Some(text) if text.chars().count() > max => {
                    self.too_long(max, text.chars().count())
                }
                Some(_) => {}
                None => self.got(&["must be a text"], value),
            },
            Rule::Map { item, max, noun } => self.check_map(value, item, max, noun),
            #[cfg(feature = "campaigns")]
            Rule::Number { min, max } => {
                let fits = value.as_f64().is_some_and(|n| n >= min && n <= max);
                if !fits {
                    let (min, max) = (format_decimal(min), format_decimal(max));
                    self.got(&["must be a number from ", &min, " to ", &max], value);
                }
            }
            #[cfg(feature = "campaigns")]
            Rule::Timestamp => {
                if value.as_str().and_then(super::campaigns::parse_timestamp).is_none() {
                    let head = "must be a date and time such as 2026-12-01T09:00:00Z (UTC), or 2026-12-01T09:00:00 with a time_zone";
                    self.got(&[head], value);
                }
            }
            #[cfg(feature = "campaigns")]
            Rule::TimeZone => {
                if !value.as_str().is_some_and(is_time_zone) {
                    self.got(
                        &["must be an IANA time zone such as Europe/Amsterdam, or UTC"],
                        value,
                    );
                }
            }
            #[cfg(feature = "campaigns")]
            Rule::Template { max, variables } => match value.as_str() {
                Some(text) => self.check_template(text, max, variables),
                None => self.got(&["must be a text"], value),
            },
            #[cfg(feature = "campaigns")]
            Rule::Logic => self.check_logic(value),
            #[cfg(feature = "campaigns")]
            Rule::Tagged { shapes, noun } => self.check_tagged(value, shapes, noun),
            #[cfg(feature = "campaigns")]
            Rule::PerLanguage { fields, what } => self.check_per_language(value, fields, what),
        }
    }

    #[cfg(feature = "campaigns")]
    /// A text with `{{variables}}`: not blank, not too long, one line, and only known names.
    fn check_template(&mut self, text: &str, max: usize, variables: &[&str]) {
        let length = text.chars().count();
        if text.trim().is_empty() {
            return self.report_static("must not be empty");
        }
        if length > max {
            return self.too_long(max, length);
        }
        if text.chars().any(char::is_control) {
            return self
                .report_static("must not contain control characters such as line breaks or tabs");
        }
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                return self.report_static("opens {{ without closing it with }}");
            };
            let name = after[..close].trim();
            if !variables.contains(&name) {
                let mut list = String::new();
                for (position, variable) in variables.iter().enumerate() {
                    if position > 0 {
                        list.push_str(", ");
                    }
                    list.push_str("{{");
                    list.push_str(variable);
                    list.push_str("}}");
                }
                let shown = ["{{", name, "}}"];
                return self.report_pieces(&[
                    "uses ",
                    &concat(&shown),
                    ", which is not a variable; the variables are ",
                    &list,
                ]);
            }
            rest = &after[close + 2..];
        }
    }

    #[cfg(feature = "campaigns")]
    /// A targeting rule: compiled here as the agent compiles it, so an operator it does not
    /// know is refused now, with its path inside the rule.
    fn check_logic(&mut self, value: &Value) {
        let is_rule = match value {
            Value::Bool(_) => true,
            Value::Object(fields) => fields.len() == 1,
            _ => false,
        };
        if !is_rule {
            let head = "must be a JSON Logic rule with one operator, such as {\">=\": [{\"var\": \"cart.total\"}, 50]}, or true for every visitor";
            return self.got(&[head], value);
        }
        if let Err(problem) = crate::logic::Rule::compile(value) {
            let back = self.enter(&problem.path);
            self.report(problem.message);
            self.leave(back);
        }
    }

    #[cfg(feature = "campaigns")]
    /// An object of one of `shapes`, chosen by its `type`.
    fn check_tagged(&mut self, value: &Value, shapes: &[Shape], noun: &str) {
        let mut names = String::new();
        for (position, shape) in shapes.iter().enumerate() {
            if position > 0 {
                names.push_str(", ");
            }
            names.push_str(shape.name);
        }
        if !value.is_object() {
            return self.got(&["must be ", noun, " object with a type (", &names, ")"], value);
        }
        if let Some(shape) = shape_of(shapes, value) {
            return self.check_object(value, &[TYPE_FIELD, shape.fields], shape.what);
        }
        let back = self.enter("type");
        match value.get("type") {
            None => self.report_pieces(&["is required: one of ", &names]),
            Some(found) => self.got(&["must be one of ", &names], found),
        }
        self.leave(back);
    }

    #[cfg(feature = "campaigns")]
    /// An object with one object per language the agent speaks, each checked by `fields`.
    fn check_per_language(&mut self, value: &Value, fields: &[Field], what: &str) {
        let Value::Object(entries) = value else {
            let head =
                ["must be an object with ", what, " for each language (", LANGUAGE_LIST, ")"];
            return self.got(&head, value);
        };
        for (position, (language, entry)) in entries.iter().enumerate() {
            let back = self.enter(language);
            if entries[..position].iter().any(|(earlier, _)| earlier == language) {
                self.report_static("appears twice; keep one");
            } else if !LANGUAGES.contains(&language.as_str()) {
                self.report_pieces(&["is not a language the agent speaks (", LANGUAGE_LIST, ")"]);
            } else {
                self.check_object(entry, &[fields], what);
            }
            self.leave(back);
        }
        self.missing_languages(value, what);
    }

    /// Names each language of [`LANGUAGES`] that `value` has no entry for: `what` is what each
    /// language needs ("a text", "the message").
    fn missing_languages(&mut self, value: &Value, what: &str) {
        for language in LANGUAGES {
            if value.get(language).is_none() {
                let back = self.enter(language);
                self.report_pieces(&[
                    "is missing; the agent needs ",
                    what,
                    " in each of ",
                    LANGUAGE_LIST,
                ]);
                self.leave(back);
            }
        }
    }

    /// A safe same-site path: `text` is the string `value`.
    fn check_path(&mut self, text: &str, value: &Value, max: usize) {
        if !text.starts_with('/') {
            self.got(&["must be a path starting with /"], value);
        } else {
            self.check_rest_of_url(text, text, value, max);
        }
    }

    /// What both a path and the part of a URL after its host (`rest` of `text`) must avoid.
    fn check_rest_of_url(&mut self, rest: &str, text: &str, value: &Value, max: usize) {
        let length = text.chars().count();
        if length > max {
            self.too_long(max, length);
        } else if contains(rest, b"//") {
            self.got(&["must not contain // (a browser reads //name as another site)"], value);
        } else if rest.contains('\\') {
            self.got(&["must not contain \\ (a browser reads it as /)"], value);
        } else if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
            self.got(&["must not contain spaces or control characters"], value);
        }
    }

    fn check_link(&mut self, text: &str, value: &Value, max: usize) {
        if text.starts_with('/') {
            return self.check_path(text, value, max);
        }
        if text.starts_with("http://") {
            return self.got(&["must use https://"], value);
        }
        let Some(host) = https_host(text) else {
            return self.got(&["must be a path starting with / or an https:// URL"], value);
        };
        let length = text.chars().count();
        if length > max {
            return self.too_long(max, length);
        }
        if !is_host(host) {
            let head = "must name a host in lowercase letters, digits, dots and hyphens";
            return self.got(&[head], value);
        }
        self.check_rest_of_url(&text["https://".len() + host.len()..], text, value, max);
    }

    fn check_hosts(&mut self, value: &Value, max: usize) {
        let Value::Array(hosts) = value else {
            self.got(&["must be a list of host names such as [\"shop.example\"]"], value);
            return;
        };
        if hosts.len() > max {
            self.too_many(max, "host", hosts.len());
        }
        let list = self.path.len();
        for (position, host) in hosts.iter().enumerate() {
            self.enter_index(position);
            match host.as_str() {
                None => self.got(&["must be a host name such as shop.example"], host),
                Some(text) if contains(text, b"://") => self.got(
                    &["must be a host name without a scheme (shop.example, not https://shop.example)"],
                    host,
                ),
                Some(text) if !is_host(text) => self.got(
                    &["must be a host name in lowercase letters, digits, dots and hyphens, with an optional :port"],
                    host,
                ),
                Some(text) => {
                    if let Some(first) = hosts[..position].iter().position(|h| h.as_str() == Some(text)) {
                        self.listed_twice(text, list, first);
                    }
                }
            }
            self.leave(list);
        }
    }

    fn check_translations(&mut self, value: &Value, max: usize) {
        let Value::Object(entries) = value else {
            let head = ["must be an object with a text for each language (", LANGUAGE_LIST, ")"];
            self.got(&head, value);
            return;
        };
        for (position, (language, text)) in entries.iter().enumerate() {
            let back = self.enter(language);
            if entries[..position].iter().any(|(earlier, _)| earlier == language) {
                self.report_static("appears twice; keep one");
            } else if !LANGUAGES.contains(&language.as_str()) {
                self.report_pieces(&["is not a language the agent speaks (", LANGUAGE_LIST, ")"]);
            } else if let Some(text) = text.as_str() {
                let length = text.chars().count();
                if text.trim().is_empty() {
                    self.report_static("must not be empty");
                } else if length > max {
                    self.too_long(max, length);
                } else if text.chars().any(char::is_control) {
                    self.report_static(
                        "must not contain control characters such as line breaks or tabs",
                    );
                }
            } else {
                self.got(&["must be a text"], text);
            }
            self.leave(back);
        }
        self.missing_languages(value, "a text");
    }

    /// A list of distinct values, each by `item`'s rule.
    fn check_map(&mut self, value: &Value, item: &Rule, max: usize, noun: &str) {
        let Value::Object(entries) = value else {
            return self.got(&["must be an object of ", noun, "s"], value);
        };
        if entries.len() > max {
            self.too_many(max, noun, entries.len());
        }
        for (position, (name, entry)) in entries.iter().enumerate() {
            let back = self.enter(name);
            if entries[..position].iter().any(|(earlier, _)| earlier == name) {
                self.report_static("appears twice; keep one");
            } else {
                self.check_rule(item, entry);
            }
            self.leave(back);
        }
    }

    fn check_list(&mut self, value: &Value, item: &Rule, max: usize, plural: &str) {
        let Value::Array(items) = value else {
            self.got(&["must be a list of ", plural], value);
            return;
        };
        if items.len() > max {
            let (max, length) = (number(max), number(items.len()));
            self.report_pieces(&["must list at most ", &max, " ", plural, ", got ", &length]);
        }
        let list = self.path.len();
        for (position, element) in items.iter().enumerate() {
            self.enter_index(position);
            self.check_rule(item, element);
            if !self.reported_here() {
                if let Some(first) = items[..position].iter().position(|earlier| earlier == element)
                {
                    self.listed_twice(element.as_str().unwrap_or_default(), list, first);
                }
            }
            self.leave(list);
        }
    }

    fn check_records(
        &mut self,
        value: &Value,
        fields: &[Field],
        key: &str,
        expected: &[&str],
        max: usize,
        noun: &str,
    ) {
        let Value::Array(records) = value else {
            self.got(&["must be a list of ", noun, "s"], value);
            return;
        };
        if records.len() > max {
            self.too_many(max, noun, records.len());
        }
        let what = concat(&["a ", noun]);
        let list = self.path.len();
        for (position, record) in records.iter().enumerate() {
            self.enter_index(position);
            self.check_object(record, &[fields], &what);
            if let Some(name) = text_at(record, key) {
                if let Some(first) = records[..position]
                    .iter()
                    .position(|earlier| text_at(earlier, key) == Some(name))
                {
                    self.enter(key);
                    self.listed_twice(name, list, first);
                }
            }
            self.leave(list);
        }
        for name in expected {
            if !records.iter().any(|record| text_at(record, key) == Some(name)) {
                let list = expected.join(", ");
                self.report_pieces(&[
                    "the ",
                    noun,
                    " \"",
                    name,
                    "\" is missing; list each of ",
                    &list,
                ]);
            }
        }
    }
}

/// [`LANGUAGES`] as messages list them.
pub const LANGUAGE_LIST: &str = "en, es, nl, de";

/// The pieces of a message joined, with no separator.
#[inline(never)]
fn concat(pieces: &[&str]) -> String {
    let mut out = String::new();
    for piece in pieces {
        out.push_str(piece);
    }
    out
}

/// `n` in decimal.
#[inline(never)]
fn number(n: usize) -> String {
    crate::text::integer(n as i64)
}

/// Appends `[position]`.
#[inline(never)]
pub(super) fn push_index(out: &mut String, position: usize) {
    out.push('[');
    crate::text::push_integer(out, position as i128);
    out.push(']');
}

/// The text of field `key`, if it is a text.
#[inline(never)]
fn text_at<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key)?.as_str()
}

/// Whether `text` holds `needle` (`//`, `://`), without the substring searcher that a `&str`
/// pattern brings.
fn contains(text: &str, needle: &[u8]) -> bool {
    text.as_bytes().windows(needle.len()).any(|window| window == needle)
}

/// `None` when `name` is a field of `tables`; otherwise the field it may be a typo of, or "".
fn unknown_field(tables: &[&[Field]], name: &str) -> Option<&'static str> {
    let mut near = "";
    for table in tables {
        for field in *table {
            if field.name == name {
                return None;
            }
            if near.is_empty() && similar(name, field.name) {
                near = field.name;
            }
        }
    }
    Some(near)
}

/// The value as a whole number in `min..=max`, if it is one.
pub fn whole_number(value: &Value, min: u32, max: u32) -> Option<u32> {
    let number = value.as_f64()?;
    let fits = number.fract() == 0.0 && number >= f64::from(min) && number <= f64::from(max);
    fits.then_some(number as u32)
}

/// `[a-z][a-z0-9_]*`, 1 to `max` characters.
pub fn is_id(text: &str, max: usize) -> bool {
    let bytes = text.as_bytes();
    (1..=max).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes.iter().all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// `DE`, or `US-CA`: two capital letters, then optionally `-` and 1 to 3 capitals or digits.
pub fn is_country(text: &str) -> bool {
    let bytes = text.as_bytes();
    let country = bytes.len() >= 2 && bytes[..2].iter().all(u8::is_ascii_uppercase);
    let subdivision = match bytes.get(2..) {
        Some([]) => true,
        Some([b'-', rest @ ..]) => {
            (1..=3).contains(&rest.len())
                && rest.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        }
        _ => false,
    };
    country && subdivision
}

pub fn is_token(text: &str, max: usize) -> bool {
    (1..=max).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(feature = "campaigns")]
/// An IANA time zone name as the tz database spells them: `UTC`, or an area the database
/// uses (`Europe`, `America`, ...) and one or more parts of letters, digits, `_`, `-` and `+`
/// (`Europe/Amsterdam`, `America/Argentina/Buenos_Aires`, `Etc/GMT+1`). Whether the zone
/// exists is for the browser's `Intl` to say; this catches abbreviations (`CET`), offsets
/// (`+01:00`) and cities without their area.
pub fn is_time_zone(text: &str) -> bool {
    const AREAS: [&str; 11] = [
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
        "Etc",
    ];
    if text == "UTC" {
        return true;
    }
    let mut parts = text.split('/');
    let area = parts.next().unwrap_or_default();
    let mut rest = 0;
    for part in parts {
        let fits = (1..=30).contains(&part.len())
            && part.as_bytes()[0].is_ascii_alphabetic()
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+'));
        if !fits {
            return false;
        }
        rest += 1;
    }
    AREAS.contains(&area) && (1..=2).contains(&rest)
}

/// The host of an `https://` link (with its port, if any); `None` when it is no such link.
pub fn https_host(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("https://")?;
    let end = rest.bytes().position(|b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// `shop.example` or `shop.example:8443`: lowercase DNS labels and an optional port.
pub fn is_host(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (name, port) = match bytes.iter().position(|&b| b == b':') {
        Some(colon) => (&bytes[..colon], Some(&bytes[colon + 1..])),
        None => (bytes, None),
    };
    if let Some(port) = port {
        if !(1..=5).contains(&port.len()) {
            return false;
        }
        // Five digits at most, so the number cannot overflow.
        let mut number = 0u32;
        for &b in port {
            if !b.is_ascii_digit() {
                return false;
            }
            number = number * 10 + u32::from(b - b'0');
        }
        if !(1..=65_535).contains(&number) {
            return false;
        }
    }
    (1..=253).contains(&name.len())
        && name.split(|&b| b == b'.').all(|label| {
            (1..=63).contains(&label.len())
                && label[0] != b'-'
                && label[label.len() - 1] != b'-'
                && label.iter().all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// Whether a field name someone typed is close enough to a known one to suggest it: at most
/// two letters added, removed or changed (`idle_minute`, `dismis_hours`, `checkoutpath`).
fn similar(typed: &str, known: &str) -> bool {
    let (typed, known) = (typed.as_bytes(), known.as_bytes());
    if typed.len().abs_diff(known.len()) > 2 || known.len() >= LONGEST_FIELD_NAME {
        return false;
    }
    // Two rows of the edit-distance table, on the stack: field names are short.
    let mut previous = [0usize; LONGEST_FIELD_NAME];
    for (j, cell) in previous.iter_mut().enumerate() {
        *cell = j;
    }
    let mut current = [0usize; LONGEST_FIELD_NAME];
    for (i, &a) in typed.iter().enumerate() {
        current[0] = i + 1;
        for (j, &b) in known.iter().enumerate() {
            let change = previous[j] + usize::from(!a.eq_ignore_ascii_case(&b));
            current[j + 1] = change.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[known.len()] <= 2
}

/// Longer than any field name in a table (a test in `documents` holds every table to it), so
/// the suggestion's edit distance fits in rows on the stack.
pub(super) const LONGEST_FIELD_NAME: usize = 32;

/// A value as a message shows it after "got": strings quoted, numbers as written, else its type.
pub fn describe(value: &Value) -> String {
    let mut out = String::new();
    push_described(&mut out, value);
    out
}

fn push_described(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => out.push_str(&format_decimal(*number)),
        Value::String(text) => push_quoted(out, text),
        other => out.push_str(other.kind()),
    }
}

/// A text in double quotes as JSON would write it, cut after 60 characters.
pub fn quote(text: &str) -> String {
    let mut out = String::new();
    push_quoted(&mut out, text);
    out
}

fn push_quoted(quoted: &mut String, text: &str) {
    const SHOWN: usize = 60;
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
    let Value::Array(items) = document.get(name)? else { return None };
    let mut texts = Vec::with_capacity(items.len());
    for item in items {
        if let Some(text) = item.as_str() {
            texts.push(text.to_owned());
        }
    }
    Some(texts)
}

/// An object of texts as (key, text) pairs in the order written.
pub fn pairs_field(document: &Value, name: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    if let Some(Value::Object(entries)) = document.get(name) {
        for (key, text) in entries {
            if let Some(text) = text.as_str() {
                pairs.push((key.clone(), text.to_owned()));
            }
        }
    }
    pairs
}

/// (key, text) pairs as a JSON object.
pub fn pairs_value(pairs: &[(String, String)]) -> Value {
    Value::Object(
        pairs.iter().map(|(key, text)| (key.clone(), Value::from(text.as_str()))).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::{https_host, is_country, is_host, is_id, similar};

    #[test]
    fn ids_are_lowercase_and_start_with_a_letter() {
        for id in ["necessary", "a", "ads_2", "x".repeat(32).as_str()] {
            assert!(is_id(id, 32), "{id}");
        }
        for id in ["", "2ads", "_x", "Ads", "ad-s", "ad s", "x".repeat(33).as_str()] {
            assert!(!is_id(id, 32), "{id}");
        }
    }

    #[test]
    fn countries_are_alpha_2_with_an_optional_subdivision() {
        for code in ["DE", "US-CA", "GB-ENG", "FR-75", "ES-M"] {
            assert!(is_country(code), "{code}");
        }
        for code in ["", "D", "de", "DEU", "US-", "US-CALI", "US_CA", "US-ca", "U1"] {
            assert!(!is_country(code), "{code}");
        }
    }

    #[test]
    fn a_suggestion_is_at_most_two_letters_away() {
        assert!(similar("idle_minute", "idle_minutes"));
        assert!(similar("dismis_hours", "dismiss_hours"));
        assert!(similar("checkoutpath", "checkout_path"));
        assert!(similar("Prompt", "prompt"));
        assert!(!similar("pr", "prompt") && !similar("resume", "resume_url"));
        assert!(similar("versoin", "version"));
        assert!(!similar("kinds_of", "kind"));
    }

    #[test]
    fn hosts_are_lowercase_labels_with_an_optional_port() {
        for host in ["shop.example", "a", "cdn-2.shop.example:8443", "x:1", "x:65535", "x:00080"] {
            assert!(is_host(host), "{host}");
        }
        let refused =
            ["", "Shop.example", "-a.example", "a-.example", "a..b", "x:", "x:0", "x:65536"];
        for host in refused.into_iter().chain(["x:123456", "x:8a", "x:80:81", ":80", "a b"]) {
            assert!(!is_host(host), "{host}");
        }
        assert!(is_host(&"a".repeat(63)) && !is_host(&"a".repeat(64)));
    }

    #[test]
    fn an_https_host_ends_at_its_path_query_or_fragment() {
        assert_eq!(https_host("https://a.example:8443/x?y#z"), Some("a.example:8443"));
        assert_eq!(https_host("https://a.example?y"), Some("a.example"));
        assert_eq!(https_host("https://a.example#z"), Some("a.example"));
        assert_eq!(https_host("http://a.example/"), None);
    }
}
