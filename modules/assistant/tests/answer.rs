//! The `assistant` module's answers over the demo's knowledge document: a refused document
//! names the field at fault, each outcome has its shape, the opening hours follow the language,
//! and a long question is cut safely. Its speed over 500 entries is `./build.sh bench`'s (beside
//! MiniSearch, in the page), not a test's.

use concierge_assistant::{answer, opening_hours, read, MAX_QUESTION};
use concierge_protocol::ask::Index;

const DEMO: &str = include_str!("../../../documents/demo/knowledge.json");

/// `answer` parsed back, as the glue reads it.
fn ask(index: &Index<'_>, question: &str, lang: &str) -> serde_json::Value {
    serde_json::from_str(&answer(index, question, lang)).expect("the answer is JSON")
}

fn ids(answer: &serde_json::Value) -> Vec<&str> {
    answer["hits"].as_array().unwrap().iter().map(|hit| hit["id"].as_str().unwrap()).collect()
}

#[test]
fn a_refused_document_names_the_field_at_fault() {
    let cases: &[(&str, &str)] = &[
        ("{\"kind\": \"knowledge\", \"version\": 1,", "not JSON: "),
        ("[]", "refused: a knowledge document is an object"),
        ("{}", "refused: kind: "),
        (r#"{"kind": "policy", "version": 1}"#, "refused: kind: must be \"knowledge\""),
        (r#"{"kind": "knowledge", "version": 0, "entries": []}"#, "refused: version: "),
        (r#"{"kind": "knowledge", "version": 1}"#, "entries"),
        (
            r#"{"kind": "knowledge", "version": 1, "entries": [
              {"id": "a", "lang": "en", "question": "Q?", "answer": "A."},
              {"id": "b", "lang": "fr", "question": "Q?", "answer": "A."}]}"#,
            "entries[1].lang",
        ),
        (
            r#"{"kind": "knowledge", "version": 1, "entries": [
              {"id": "a", "lang": "en", "question": "Q?", "answer": "A.", "link": "javascript:alert(1)"}]}"#,
            "entries[0].link",
        ),
        (
            r#"{"kind": "knowledge", "version": 1, "entries": [
              {"id": "a", "lang": "en", "question": 7, "answer": "A."}]}"#,
            "entries[0].question",
        ),
    ];
    for (text, field) in cases {
        let reason = read(text).expect_err(text);
        assert!(reason.contains(field), "{text}: {reason:?} names {field}");
    }
    // A document of another kind, valid as such, is refused by its kind.
    let settings = r#"{"kind": "settings", "version": 1}"#;
    let reason = read(settings).expect_err("settings");
    assert!(reason.ends_with("kind: must be \"knowledge\", got \"settings\""), "{reason}");
}

#[test]
fn many_problems_are_listed_three_at_a_time() {
    let entries: Vec<String> = (0..5)
        .map(|n| format!(r#"{{"id": "e{n}", "lang": "xx", "question": "Q", "answer": "A"}}"#))
        .collect();
    let text =
        format!(r#"{{"kind": "knowledge", "version": 1, "entries": [{}]}}"#, entries.join(","));
    let reason = read(&text).unwrap_err();
    assert!(reason.contains("entries[0].lang") && reason.contains("entries[2].lang"), "{reason}");
    assert!(!reason.contains("entries[3]"), "{reason}");
    assert!(reason.ends_with("(and 2 more)"), "{reason}");
}

#[test]
fn a_confident_answer_comes_first_with_its_link() {
    let knowledge = read(DEMO).unwrap();
    let index = Index::new(&knowledge);
    let answer = ask(&index, "¿Cuánto cuesta el envío?", "es");
    assert_eq!(answer["outcome"], "confident");
    let best = &answer["hits"][0];
    assert_eq!(best["id"], "shipping-cost");
    assert_eq!(best["question"], "¿Cuánto cuesta el envío?");
    assert!(best["answer"].as_str().unwrap().starts_with("El envío estándar es gratis"));
    assert_eq!(best["link"], "/help/delivery/");
    assert!(best["score"].as_f64().unwrap() > 0.0);
    // Typed without accents, in another word order: the same entry.
    assert_eq!(ids(&ask(&index, "envio cuesta cuanto", "es"))[0], "shipping-cost");
}

#[test]
fn a_weak_answer_offers_up_to_three_and_none_offers_nothing_to_read() {
    let knowledge = read(DEMO).unwrap();
    let index = Index::new(&knowledge);
    let weak = ask(&index, "delivery", "en");
    assert_eq!(weak["outcome"], "weak");
    let hits = ids(&weak);
    assert!((2..=3).contains(&hits.len()), "{hits:?}");
    let scores: Vec<f64> =
        weak["hits"].as_array().unwrap().iter().map(|h| h["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|pair| pair[0] >= pair[1]), "best first: {scores:?}");

    // Sharing a few grams with some entries is not enough: none, with those entries listed.
    let thin = ask(&index, "zebra quantum violin", "en");
    assert_eq!(thin["outcome"], "none");
    assert!(!ids(&thin).is_empty());
    let none = ask(&index, "xyzzy", "en");
    assert_eq!(none["outcome"], "none");
    assert_eq!(none["hits"], serde_json::json!([]));
    // A language the document does not have, or nothing asked: none.
    assert_eq!(ask(&index, "delivery", "fr")["outcome"], "none");
    assert_eq!(ask(&index, "", "en")["outcome"], "none");
}

#[test]
fn a_long_question_is_cut_at_a_character_boundary() {
    let knowledge = read(DEMO).unwrap();
    let index = Index::new(&knowledge);
    // "é" is two bytes: the cut falls inside one unless it steps back.
    let long = format!("envío {}", "é".repeat(MAX_QUESTION));
    assert_eq!(ids(&ask(&index, &long, "es"))[0..1], ["shipping-cost"]);
}

#[test]
fn an_entry_without_a_link_answers_null() {
    let text = r#"{"kind": "knowledge", "version": 1, "entries": [
      {"id": "gift", "lang": "en", "question": "Do you wrap gifts?", "answer": "Yes, for free."}]}"#;
    let knowledge = read(text).unwrap();
    let index = Index::new(&knowledge);
    let answer = ask(&index, "gift wrapping", "en");
    assert_eq!(answer["hits"][0]["link"], serde_json::Value::Null);
}

#[test]
fn opening_hours_in_the_language_else_english_else_none() {
    let knowledge = read(DEMO).unwrap();
    assert!(opening_hours(&knowledge, "es").unwrap().starts_with("Tiendas:"));
    assert!(opening_hours(&knowledge, "de").unwrap().starts_with("Läden:"));
    assert!(opening_hours(&knowledge, "fr").unwrap().starts_with("Stores:"));
    let bare = read(r#"{"kind": "knowledge", "version": 1, "entries": []}"#).unwrap();
    assert_eq!(opening_hours(&bare, "en"), None);
}
