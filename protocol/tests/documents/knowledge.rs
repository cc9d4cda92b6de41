//! The `knowledge` document: each field's rule with the exact path and message it reports, ids
//! unique per language, links held to the settings' hosts, what it decodes to, and the demo's
//! document.

use super::{check, value, with};
use concierge_protocol::documents::{check_config, Document, Entry, Knowledge};
use serde_json::json;

fn entry(id: &str, lang: &str) -> serde_json::Value {
    json!({ "id": id, "lang": lang, "question": "How long does delivery take?",
            "answer": "Two to four working days." })
}

pub fn base() -> serde_json::Value {
    json!({ "kind": "knowledge", "version": 1, "entries": [entry("delivery", "en")] })
}

/// A document with every field, for the encoder's round trip.
pub fn full() -> serde_json::Value {
    json!({
        "kind": "knowledge", "version": 7,
        "opening_hours": { "en": "Mon-Sat 10-19", "es": "lun-sáb 10-19", "nl": "ma-za 10-19", "de": "Mo-Sa 10-19" },
        "entries": [
            { "id": "delivery", "lang": "en", "question": "How long does delivery take?",
              "answer": "Two to four\nworking days.", "link": "https://cdn.example/help",
              "tags": ["delivery", "shipping"], "synonyms": ["dispatch"] },
            entry("delivery", "de"),
        ]
    })
}

fn changed(pointer: &str, to: Option<serde_json::Value>, expected: &[(&str, &str)]) {
    check(with(&base(), pointer, to), expected);
}

#[test]
fn an_entry_needs_an_id_a_known_language_a_question_and_an_answer() {
    let cases: &[(&str, Option<serde_json::Value>, super::Expected)] = &[
        ("/entries/0/id", None, &[("entries[0].id", "is required")]),
        (
            "/entries/0/id",
            Some(json!("a b")),
            &[("entries[0].id", "must be 1 to 64 letters, digits, - or _, got \"a b\"")],
        ),
        (
            "/entries/0/lang",
            Some(json!("fr")),
            &[("entries[0].lang", "must be one of en, es, nl, de, got \"fr\"")],
        ),
        ("/entries/0/question", Some(json!("  ")), &[("entries[0].question", "must not be empty")]),
        ("/entries/0/question", None, &[("entries[0].question", "is required")]),
        (
            "/entries/0/question",
            Some(json!("x".repeat(201))),
            &[("entries[0].question", "must be at most 200 characters, got 201")],
        ),
        ("/entries/0/answer", Some(json!(3)), &[("entries[0].answer", "must be a text, got 3")]),
        (
            "/entries/0/link",
            Some(json!("http://shop.example/help")),
            &[("entries[0].link", "must use https://, got \"http://shop.example/help\"")],
        ),
        (
            "/entries/0/link",
            Some(json!("//evil.example/x")),
            &[(
                "entries[0].link",
                "must not contain // (a browser reads //name as another site), got \"//evil.example/x\"",
            )],
        ),
        (
            "/entries/0/tags",
            Some(json!(["a", "a"])),
            &[("entries[0].tags[1]", "\"a\" is listed twice (first at entries[0].tags[0])")],
        ),
        ("/entries/0/synonyms", Some(json!([""])), &[("entries[0].synonyms[0]", "must not be empty")]),
        (
            "/entries/0/colour",
            Some(json!("red")),
            &[("entries[0].colour", "is not a field of a question")],
        ),
        (
            "/opening_hours",
            Some(json!({ "en": "9-5" })),
            &[
                ("opening_hours.es", "is missing; the agent needs a text in each of en, es, nl, de"),
                ("opening_hours.nl", "is missing; the agent needs a text in each of en, es, nl, de"),
                ("opening_hours.de", "is missing; the agent needs a text in each of en, es, nl, de"),
            ],
        ),
        ("/entries", Some(json!({})), &[("entries", "must be a list of questions, got an object")]),
    ];
    for (pointer, to, expected) in cases {
        changed(pointer, to.clone(), expected);
    }
}

#[test]
fn an_id_is_unique_in_its_language_and_shared_across_languages() {
    let document = json!({ "kind": "knowledge", "version": 1, "entries": [
        entry("delivery", "en"), entry("delivery", "es"), entry("returns", "en"), entry("delivery", "en"),
    ] });
    check(
        value(document),
        &[(
            "entries[3].id",
            "\"delivery\" is a second en entry with this id (the first is entries[0]); an id names one entry in each language",
        )],
    );
}

#[test]
fn a_link_to_another_host_must_be_listed_in_the_settings() {
    let mut knowledge = base();
    knowledge["entries"][0]["link"] = json!("https://help.example/delivery");
    let envelope = |hosts: serde_json::Value| {
        value(json!({ "format": 1, "site": "demo", "documents": [
            { "kind": "settings", "version": 1, "link_hosts": hosts }, knowledge.clone() ] }))
    };
    assert!(check_config(&envelope(json!(["help.example"]))).is_ok());
    let problems = check_config(&envelope(json!([]))).unwrap_err();
    assert_eq!(
        super::pairs(&problems),
        [(
            "documents[1].entries[0].link",
            "links to help.example, which is not in the settings' link_hosts; add it there or use a path"
        )]
    );
}

#[test]
fn a_valid_document_decodes_to_its_entries() {
    let Some(Document::Knowledge(knowledge)) = check(value(full()), &[]) else { panic!() };
    assert_eq!(knowledge.version, 7);
    assert!(knowledge.opening_hours.contains(&("de".to_owned(), "Mo-Sa 10-19".to_owned())));
    assert_eq!(
        knowledge.entries[0],
        Entry {
            id: "delivery".into(),
            lang: "en".into(),
            question: "How long does delivery take?".into(),
            answer: "Two to four\nworking days.".into(),
            link: Some("https://cdn.example/help".into()),
            tags: vec!["delivery".into(), "shipping".into()],
            synonyms: vec!["dispatch".into()],
        }
    );
    assert_eq!(knowledge.entries.len(), 2);
}

/// The demo's document, as `documents/demo/` publishes it.
pub fn demo() -> Knowledge {
    let text = include_str!("../../../documents/demo/knowledge.json");
    let json: serde_json::Value = serde_json::from_str(text).unwrap();
    match check(value(json), &[]) {
        Some(Document::Knowledge(knowledge)) => *knowledge,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_demo_document_is_valid_and_answers_in_every_language() {
    let knowledge = demo();
    for lang in ["en", "es", "nl", "de"] {
        let count = knowledge.entries.iter().filter(|entry| entry.lang == lang).count();
        assert!(count >= 25, "{lang}: {count} entries");
    }
}

/// `check_knowledge`, the assistant module's reader, reports what `check_document` reports for
/// a knowledge document and decodes the same; another kind is refused by its `kind`.
#[test]
fn check_knowledge_agrees_with_check_document() {
    use concierge_protocol::documents::{check_document, check_knowledge};
    let broken = with(&full(), "/entries/1/lang", Some(json!("fr")));
    let duplicate = with(&full(), "/entries/1/lang", Some(json!("en")));
    for document in
        [value(full()), value(base()), broken, duplicate, with(&base(), "/version", None)]
    {
        let expected = match check_document(&document) {
            Ok(Document::Knowledge(knowledge)) => Ok(*knowledge),
            Ok(_) => unreachable!(),
            Err(problems) => Err(problems),
        };
        assert_eq!(check_knowledge(&document), expected);
    }
    let policy = value(json!({ "kind": "policy", "version": 1 }));
    let problems = check_knowledge(&policy).unwrap_err();
    assert_eq!(super::pairs(&problems), [("kind", "must be \"knowledge\", got \"policy\"")]);
    assert_eq!(super::pairs(&check_knowledge(&value(json!([]))).unwrap_err())[0].0, "");
}
