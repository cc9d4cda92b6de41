//! The assistant's search on the demo's knowledge document, measured with the labelled set in
//! `tests/fixtures/knowledge/labelled.json` (visitors' questions, written apart from the
//! document: paraphrases, typos, other word orders, and questions it cannot answer).
//!
//! Reports precision at 1 and recall at 3 per language over the questions that have an answer,
//! and how the outcome classes fall (confident, weak, none); requires precision at 1 of at
//! least 0.8 in every language. `cargo test -p concierge-protocol --test ask -- --nocapture`
//! prints the table.

use concierge_protocol::ask::{Answer, Index, Options, Terms, Tokenizer};
use concierge_protocol::documents::{check_document, Document, Knowledge};
use concierge_protocol::Value;

fn demo() -> Knowledge {
    let text = include_str!("../../documents/demo/knowledge.json");
    let value: Value = serde_json::from_str(text).expect("JSON");
    match check_document(&value) {
        Ok(Document::Knowledge(knowledge)) => *knowledge,
        other => panic!("{other:?}"),
    }
}

struct Labelled {
    lang: String,
    question: String,
    expect: Option<String>,
}

fn labelled() -> Vec<Labelled> {
    let text = include_str!("../../tests/fixtures/knowledge/labelled.json");
    let rows: Vec<serde_json::Value> = serde_json::from_str(text).expect("JSON");
    rows.iter()
        .map(|row| Labelled {
            lang: row["lang"].as_str().expect("lang").to_owned(),
            question: row["question"].as_str().expect("question").to_owned(),
            expect: row["expect"].as_str().map(str::to_owned),
        })
        .collect()
}

/// Counts of one language.
#[derive(Default)]
struct Tally {
    answerable: usize,
    first: usize,
    in_three: usize,
    unanswerable: usize,
    /// Answerable questions by outcome: confident and right, confident and wrong, weak with the
    /// answer among the three, weak without, none.
    confident_right: usize,
    confident_wrong: usize,
    weak_with: usize,
    weak_without: usize,
    none: usize,
    /// Unanswerable questions the assistant hands off (outcome none).
    handed_off: usize,
}

/// No labelled question is a document's question again (the same words, stop words aside, in
/// any order), and on average they share little with their entry's question: the mean overlap
/// of their words (Jaccard, stop words left out) stays under 0.3.
#[test]
fn the_labelled_questions_are_not_the_documents_own() {
    let knowledge = demo();
    let mut overlaps = Vec::new();
    for row in labelled() {
        let words = Tokenizer::for_language(&row.lang).expect("language").with_terms(Terms::Words);
        let set = |text: &str| {
            let mut terms = words.tokens(text);
            terms.sort();
            terms.dedup();
            terms
        };
        let asked = set(&row.question);
        for entry in knowledge.entries.iter().filter(|entry| entry.lang == row.lang) {
            let own = set(&entry.question);
            assert_ne!(asked, own, "{:?} is entry {:?}'s own question", row.question, entry.id);
            if row.expect.as_deref() == Some(entry.id.as_str()) {
                let shared = asked.iter().filter(|term| own.contains(term)).count();
                overlaps.push(ratio(shared, asked.len() + own.len() - shared));
            }
        }
    }
    let mean = overlaps.iter().sum::<f64>() / overlaps.len() as f64;
    let disjoint = overlaps.iter().filter(|overlap| **overlap == 0.0).count();
    println!(
        "labelled against their entry's question: mean word overlap {mean:.3}, {disjoint} of {} share no word",
        overlaps.len()
    );
    assert_eq!(overlaps.len(), 226);
    assert!(mean < 0.3, "the labelled questions copy their entries' words: {mean:.3}");
}

/// The tallies of every language for one index.
fn measure(index: &Index, misses: &mut Vec<String>) -> Vec<(&'static str, Tally)> {
    let mut tallies: Vec<(&str, Tally)> =
        ["en", "es", "nl", "de"].iter().map(|lang| (*lang, Tally::default())).collect();
    for row in labelled() {
        let Some((_, tally)) = tallies.iter_mut().find(|(lang, _)| *lang == row.lang) else {
            panic!("labelled question in {}", row.lang)
        };
        let hits = index.search(&row.lang, &row.question);
        let ids: Vec<&str> = hits.iter().take(3).map(|hit| hit.entry.id.as_str()).collect();
        let answer = index.answer(&row.lang, &row.question);
        let Some(expect) = row.expect.as_deref() else {
            tally.unanswerable += 1;
            if answer == Answer::Nothing {
                tally.handed_off += 1;
            } else {
                misses.push(format!("{} {:?}: expected none, got {ids:?}", row.lang, row.question));
            }
            continue;
        };
        tally.answerable += 1;
        tally.first += usize::from(ids.first() == Some(&expect));
        tally.in_three += usize::from(ids.contains(&expect));
        if ids.first() != Some(&expect) {
            misses.push(format!("{} {:?}: expected {expect}, got {ids:?}", row.lang, row.question));
        }
        match answer {
            Answer::Confident(hit) if hit.entry.id == expect => tally.confident_right += 1,
            Answer::Confident(_) => tally.confident_wrong += 1,
            Answer::Weak(hits) if hits.iter().any(|hit| hit.entry.id == expect) => {
                tally.weak_with += 1
            }
            Answer::Weak(_) => tally.weak_without += 1,
            Answer::Nothing => tally.none += 1,
        }
    }
    tallies
}

fn ratio(part: usize, whole: usize) -> f64 {
    part as f64 / whole.max(1) as f64
}

#[test]
fn precision_at_one_is_at_least_0_8_in_every_language() {
    let knowledge = demo();
    let mut misses = Vec::new();
    let tallies = measure(&Index::new(&knowledge), &mut misses);
    println!("lang  P@1    R@3    answerable  confident right/wrong  weak with/without  none  unanswerable handed off");
    for (lang, t) in &tallies {
        println!(
            "{lang}    {:.3}  {:.3}  {:>10}  {:>13}/{:<7}  {:>10}/{:<7}  {:>4}  {}/{}",
            ratio(t.first, t.answerable),
            ratio(t.in_three, t.answerable),
            t.answerable,
            t.confident_right,
            t.confident_wrong,
            t.weak_with,
            t.weak_without,
            t.none,
            t.handed_off,
            t.unanswerable,
        );
    }
    for miss in &misses {
        println!("miss: {miss}");
    }
    for (lang, t) in &tallies {
        assert!(t.answerable >= 50, "{lang}: only {} answerable questions", t.answerable);
        let precision = ratio(t.first, t.answerable);
        assert!(precision >= 0.8, "{lang}: precision at 1 is {precision:.3}");
    }
}

/// The choices the search made, each taken away in turn, on the same set: what each is worth.
/// Printed for docs/decisions.md; the assertion is only that the chosen one is the best at 1
/// on average, so a change that makes an alternative better is noticed.
#[test]
fn each_choice_of_the_search_against_its_alternative() {
    let knowledge = demo();
    let default = Options::default();
    let configurations = [
        ("4-grams, answers at 0.3 (chosen)", default),
        ("3-grams", Options { terms: Terms::Grams(3), ..default }),
        ("5-grams", Options { terms: Terms::Grams(5), ..default }),
        ("Snowball stems + typo/compound match", Options { terms: Terms::Stems, ..default }),
        ("Snowball stems, no typo match", Options { terms: Terms::Stems, typos: false, ..default }),
        ("words + typo/compound match", Options { terms: Terms::Words, ..default }),
        ("words, no typo match", Options { terms: Terms::Words, typos: false, ..default }),
        ("4-grams, answers not searched", Options { answer_weight: 0.0, ..default }),
        ("4-grams, answers at full weight", Options { answer_weight: 1.0, ..default }),
    ];
    println!("configuration                          P@1 en/es/nl/de          R@3 en/es/nl/de          mean P@1");
    let mut means = Vec::new();
    for (name, options) in configurations {
        let tallies = measure(&Index::with_options(&knowledge, options), &mut Vec::new());
        let at_one: Vec<f64> = tallies.iter().map(|(_, t)| ratio(t.first, t.answerable)).collect();
        let at_three: Vec<f64> =
            tallies.iter().map(|(_, t)| ratio(t.in_three, t.answerable)).collect();
        let mean = at_one.iter().sum::<f64>() / at_one.len() as f64;
        let show = |figures: &[f64]| {
            figures.iter().map(|f| format!("{f:.3}")).collect::<Vec<_>>().join("/")
        };
        println!("{name:<38} {}  {}  {mean:.3}", show(&at_one), show(&at_three));
        means.push(mean);
    }
    let best = means.iter().copied().fold(0.0, f64::max);
    assert_eq!(means[0], best, "an alternative beats the chosen search: {means:?}");
}

/// What the thresholds (`CONFIDENT_COVERAGE`, `CONFIDENT_LEAD`, `WEAK_COVERAGE`) were chosen
/// to give on the labelled set, over all four languages: a confident answer is right at least
/// 19 times in 20, no question without an answer gets a confident one, and most of those are
/// handed off while few answerable ones are.
#[test]
fn the_outcome_classes_keep_what_their_thresholds_promise() {
    let knowledge = demo();
    let tallies = measure(&Index::new(&knowledge), &mut Vec::new());
    let sum = |count: fn(&Tally) -> usize| tallies.iter().map(|(_, t)| count(t)).sum::<usize>();
    let (right, wrong) = (sum(|t| t.confident_right), sum(|t| t.confident_wrong));
    let answerable = sum(|t| t.answerable);
    let (handed_off, unanswerable) = (sum(|t| t.handed_off), sum(|t| t.unanswerable));
    let none = sum(|t| t.none);
    println!(
        "confident {right} right, {wrong} wrong of {answerable}; answerable handed off {none}; \
         unanswerable handed off {handed_off}/{unanswerable}"
    );
    assert!(
        ratio(right, right + wrong) >= 0.95,
        "confident answers right: {right}/{}",
        right + wrong
    );
    assert!(ratio(right, answerable) >= 0.6, "confident answers: {right}/{answerable}");
    assert!(ratio(handed_off, unanswerable) >= 0.7, "handed off: {handed_off}/{unanswerable}");
    assert!(ratio(none, answerable) <= 0.05, "answerable handed off: {none}/{answerable}");
}
