//! The `knowledge` document: the shop's questions and answers, in each language, that the
//! assistant searches on the device ([`crate::ask`]), and the opening hours its handoff shows.
//!
//! ```json
//! { "kind": "knowledge", "version": 1,
//!   "opening_hours": { "en": "Mon-Sat 10:00-19:00", "es": "...", "nl": "...", "de": "..." },
//!   "entries": [ { "id": "delivery-time", "lang": "en", "question": "How long does delivery take?",
//!                  "answer": "Two to four working days...", "link": "/help/delivery/",
//!                  "tags": ["delivery", "shipping"], "synonyms": ["dispatch", "arrive"] } ] }
//! ```
//!
//! An entry's `id` names its subject, so the same id appears once in each language that has
//! it; a second entry with the same id and language is refused.

use super::rules::LANGUAGES;
use super::rules::{pairs_field, pairs_value, text_field, texts_field, Field, Rule, Walk};
use crate::problem::{index, join};
use crate::{text, Problem, Value};

/// The most entries a document holds (the issue's benchmark searches 500).
pub const MAX_ENTRIES: usize = 2_000;
/// The longest entry id.
pub const MAX_ENTRY_ID: usize = 64;
/// The longest question, tag or synonym.
pub const MAX_QUESTION: usize = 200;
/// The longest answer.
pub const MAX_ANSWER: usize = 2_000;
/// The longest tag or synonym.
pub const MAX_TERM: usize = 60;
/// The most tags, and the most synonyms, of one entry.
pub const MAX_TERMS: usize = 30;
/// The longest link and the longest opening hours text.
pub const MAX_LINK: usize = 200;

const ENTRY_FIELDS: &[Field] = &[
    Field::required("id", Rule::Token { max: MAX_ENTRY_ID }),
    Field::required("lang", Rule::OneOf(&LANGUAGES)),
    Field::required("question", Rule::Text { max: MAX_QUESTION }),
    Field::required("answer", Rule::Text { max: MAX_ANSWER }),
    Field::optional("link", Rule::Link { max: MAX_LINK }),
    Field::optional(
        "tags",
        Rule::List { item: &Rule::Text { max: MAX_TERM }, max: MAX_TERMS, plural: "tags" },
    ),
    Field::optional(
        "synonyms",
        Rule::List { item: &Rule::Text { max: MAX_TERM }, max: MAX_TERMS, plural: "synonyms" },
    ),
];

pub(super) const FIELDS: &[Field] = &[
    Field::optional("opening_hours", Rule::Translations { max: MAX_LINK }),
    // No key: ids repeat across languages; the cross-field check holds them unique in each.
    Field::required(
        "entries",
        Rule::Records {
            fields: ENTRY_FIELDS,
            key: "",
            expected: &[],
            max: MAX_ENTRIES,
            noun: "question",
        },
    ),
];

/// The shop's knowledge, as the assistant searches it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Knowledge {
    pub version: u32,
    /// Language code and the opening hours in it, as the handoff shows them.
    pub opening_hours: Vec<(String, String)>,
    pub entries: Vec<Entry>,
}

/// One question and its answer, in one language.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Entry {
    pub id: String,
    pub lang: String,
    pub question: String,
    pub answer: String,
    /// Where the answer comes from (a path or an https URL), shown beside a confident answer.
    pub link: Option<String>,
    /// Words that name the subject, searched as the question is.
    pub tags: Vec<String>,
    /// Other words visitors use for it ("couch" for "sofa"), searched as the question is.
    pub synonyms: Vec<String>,
}

/// An id is unique in its language: the same id in another language is the same subject.
pub(super) fn cross_check(walk: &mut Walk, document: &Value) {
    let Some(Value::Array(entries)) = document.get("entries") else { return };
    let key = |entry: &Value| -> Option<(String, String)> {
        let id = entry.get("id")?.as_str()?;
        let lang = entry.get("lang")?.as_str()?;
        Some((id.to_owned(), lang.to_owned()))
    };
    let keys: Vec<Option<(String, String)>> = entries.iter().map(key).collect();
    let back = walk.enter("entries");
    let list = walk.path().len();
    for (position, this) in keys.iter().enumerate() {
        let Some((id, lang)) = this else { continue };
        let Some(first) = keys[..position].iter().position(|earlier| earlier == this) else {
            continue;
        };
        walk.enter_index(position);
        walk.enter("id");
        let first_path = index("entries", first);
        walk.report_pieces(&[
            "\"",
            id,
            "\" is a second ",
            lang,
            " entry with this id (the first is ",
            &first_path,
            "); an id names one entry in each language",
        ]);
        walk.leave(list);
    }
    walk.leave(back);
}

/// The entries' `https://` links that lead to a host views may not link to (the settings'
/// `link_hosts`), each with its path in the document.
pub fn entry_links_outside(knowledge: &Knowledge, hosts: &[String]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (position, entry) in knowledge.entries.iter().enumerate() {
        let Some(host) = entry.link.as_deref().and_then(super::rules::https_host) else {
            continue;
        };
        if !hosts.iter().any(|allowed| allowed == host) {
            problems.push(Problem::new(
                join(&index("entries", position), "link"),
                text!(
                    "links to ",
                    host,
                    ", which is not in the settings' link_hosts; add it there or use a path"
                ),
            ));
        }
    }
    problems
}

pub(super) fn decode(document: &Value, version: u32) -> Knowledge {
    let mut entries = Vec::new();
    if let Some(Value::Array(records)) = document.get("entries") {
        for record in records {
            entries.push(Entry {
                id: text_field(record, "id").unwrap_or_default(),
                lang: text_field(record, "lang").unwrap_or_default(),
                question: text_field(record, "question").unwrap_or_default(),
                answer: text_field(record, "answer").unwrap_or_default(),
                link: text_field(record, "link"),
                tags: texts_field(record, "tags").unwrap_or_default(),
                synonyms: texts_field(record, "synonyms").unwrap_or_default(),
            });
        }
    }
    Knowledge { version, opening_hours: pairs_field(document, "opening_hours"), entries }
}

pub(super) fn encode(knowledge: &Knowledge, fields: &mut Vec<(String, Value)>) {
    let texts =
        |texts: &[String]| Value::Array(texts.iter().map(|t| Value::from(t.as_str())).collect());
    if !knowledge.opening_hours.is_empty() {
        fields.push(("opening_hours".to_owned(), pairs_value(&knowledge.opening_hours)));
    }
    let entries = knowledge
        .entries
        .iter()
        .map(|entry| {
            let mut record = vec![
                ("id".to_owned(), Value::from(entry.id.as_str())),
                ("lang".to_owned(), Value::from(entry.lang.as_str())),
                ("question".to_owned(), Value::from(entry.question.as_str())),
                ("answer".to_owned(), Value::from(entry.answer.as_str())),
            ];
            if let Some(link) = &entry.link {
                record.push(("link".to_owned(), Value::from(link.as_str())));
            }
            if !entry.tags.is_empty() {
                record.push(("tags".to_owned(), texts(&entry.tags)));
            }
            if !entry.synonyms.is_empty() {
                record.push(("synonyms".to_owned(), texts(&entry.synonyms)));
            }
            Value::Object(record)
        })
        .collect();
    fields.push(("entries".to_owned(), Value::Array(entries)));
}
