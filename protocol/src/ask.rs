//! The assistant's search: a visitor's free-text question matched against a `knowledge`
//! document's entries in one language, on the device, with BM25 over a language-aware tokenizer.
//!
//! - *Tokens*: words split at anything not a letter or digit, lowercased, stop words of the
//!   language dropped, Snowball-stemmed (`rust-stemmers`: English, Spanish, Dutch, German), then
//!   accents folded (`envío` and `envio` meet), so a visitor may type with or without them.
//! - *What is searched*: an entry's question, tags and synonyms, and its answer at a lower
//!   weight ([`ANSWER_WEIGHT`]): an answer says much that is not its subject.
//! - *Typos and compounds*: a question's word the language's entries never use is matched to
//!   the entries' words one or two edits away (by its length), or that it begins or ends with
//!   (German and Dutch compounds: `Rücksendekosten` finds `Rücksendung` and `Kosten`), at a
//!   discount.
//! - *Outcome*: [`Index::answer`] says how sure it is: the share of the question's weight
//!   (its words' IDF) the best entry matches, and how far it leads the next
//!   (docs/decisions.md, "The assistant's retrieval", for the thresholds and the labelled set
//!   that chose them).
//!
//! Behind the `knowledge` feature: the server and the CLI run it, the assistant's lazy module
//! will; the core agent never carries it.

use crate::documents::{Entry, Knowledge};
use std::collections::HashMap;

/// BM25's term saturation and length normalisation, the usual values.
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// How much an answer's words count beside the question's, tags' and synonyms'.
pub const ANSWER_WEIGHT: f64 = 0.3;
/// What a word matched by a typo or a compound part counts, beside an exact one.
const FUZZY_WEIGHT: f64 = 0.7;
/// The best entry answers alone when it matches at least this share of the question's
/// weight and scores at least [`CONFIDENT_LEAD`] times the next one.
pub const CONFIDENT_COVERAGE: f64 = 0.4;
pub const CONFIDENT_LEAD: f64 = 1.7;
/// Below this share nothing answers: the assistant offers a handoff.
pub const WEAK_COVERAGE: f64 = 0.2;

/// One entry found for a question, best first.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit<'k> {
    pub entry: &'k Entry,
    /// BM25, summed over the question's words.
    pub score: f64,
    /// The share of the question's weight this entry matches, from 0 to 1.
    pub coverage: f64,
}

/// What the assistant does with a question.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer<'k> {
    /// One entry answers, with its source link.
    Confident(Hit<'k>),
    /// Up to three entries may: the visitor picks.
    Weak(Vec<Hit<'k>>),
    /// None does: the assistant offers a handoff.
    Nothing,
}

/// How the search makes terms of words. [`Terms::Grams`] of [`GRAM`] is the assistant's; the
/// others are kept to measure it against (docs/decisions.md, "The assistant's retrieval").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Terms {
    /// Each word's character n-grams of this length, the word padded with `_` at both ends
    /// (`_ret`, `retu`, `etur`, `turn`, `urn_`); a shorter word is one term.
    Grams(usize),
    /// The words themselves.
    Words,
    /// Snowball stems (`rust-stemmers`), with the `stemming` feature.
    #[cfg(feature = "stemming")]
    Stems,
}

/// The n-gram length the assistant searches with.
pub const GRAM: usize = 4;

/// The choices the search makes, for measuring one against another.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    pub terms: Terms,
    /// Whether a question's unknown word is matched by typos and compound parts.
    pub typos: bool,
    /// What an answer's words count beside the question's.
    pub answer_weight: f64,
}

impl Default for Options {
    fn default() -> Options {
        Options { terms: Terms::Grams(GRAM), typos: true, answer_weight: ANSWER_WEIGHT }
    }
}

/// The entries of one knowledge document, indexed for search in each language.
pub struct Index<'k> {
    languages: Vec<Language<'k>>,
    options: Options,
}

/// The entries in one language and what BM25 needs of them.
struct Language<'k> {
    lang: &'k str,
    tokenizer: Tokenizer,
    entries: Vec<Indexed<'k>>,
    /// How many entries hold each term.
    entries_with: HashMap<String, usize>,
    average_length: f64,
}

struct Indexed<'k> {
    entry: &'k Entry,
    /// Each term and its weighted count (question, tags and synonyms 1, answer [`ANSWER_WEIGHT`]).
    terms: HashMap<String, f64>,
    length: f64,
}

/// A question's term: the entry term it stands for, what it counts, and its weight in the
/// question (the coverage's denominator).
struct QueryTerm {
    term: String,
    factor: f64,
}

impl<'k> Index<'k> {
    pub fn new(knowledge: &'k Knowledge) -> Index<'k> {
        Index::with_options(knowledge, Options::default())
    }

    pub fn with_options(knowledge: &'k Knowledge, options: Options) -> Index<'k> {
        let mut languages: Vec<Language<'k>> = Vec::new();
        for entry in &knowledge.entries {
            let Some(tokenizer) = Tokenizer::for_language(&entry.lang) else { continue };
            let tokenizer = tokenizer.with_terms(options.terms);
            let position = match languages.iter().position(|l| l.lang == entry.lang) {
                Some(position) => position,
                None => {
                    languages.push(Language {
                        lang: &entry.lang,
                        tokenizer,
                        entries: Vec::new(),
                        entries_with: HashMap::new(),
                        average_length: 0.0,
                    });
                    languages.len() - 1
                }
            };
            let language = &mut languages[position];
            let mut terms: HashMap<String, f64> = HashMap::new();
            let mut add = |text: &str, weight: f64| {
                for token in language.tokenizer.tokens(text) {
                    *terms.entry(token).or_default() += weight;
                }
            };
            add(&entry.question, 1.0);
            for text in entry.tags.iter().chain(&entry.synonyms) {
                add(text, 1.0);
            }
            if options.answer_weight > 0.0 {
                add(&entry.answer, options.answer_weight);
            }
            let length = terms.values().sum();
            for term in terms.keys() {
                *language.entries_with.entry(term.clone()).or_default() += 1;
            }
            language.entries.push(Indexed { entry, terms, length });
        }
        for language in &mut languages {
            let total: f64 = language.entries.iter().map(|e| e.length).sum();
            language.average_length = total / language.entries.len().max(1) as f64;
        }
        Index { languages, options }
    }

    /// The entries in `lang` that share a word with `question`, best first.
    pub fn search(&self, lang: &str, question: &str) -> Vec<Hit<'k>> {
        let Some(language) = self.languages.iter().find(|l| l.lang == lang) else {
            return Vec::new();
        };
        // N-grams are their own typo tolerance; edit distances between them mean nothing.
        let typos = self.options.typos && !matches!(self.options.terms, Terms::Grams(_));
        language.search(question, typos)
    }

    /// What the assistant does with `question` in `lang` (see [`Answer`]).
    pub fn answer(&self, lang: &str, question: &str) -> Answer<'k> {
        let mut hits = self.search(lang, question);
        hits.truncate(3);
        outcome(hits)
    }
}

/// The outcome class of a question's hits (best first).
pub fn outcome(mut hits: Vec<Hit<'_>>) -> Answer<'_> {
    let Some(best) = hits.first() else { return Answer::Nothing };
    let next = hits.get(1).map_or(0.0, |hit| hit.score);
    if best.coverage >= CONFIDENT_COVERAGE && best.score >= CONFIDENT_LEAD * next {
        Answer::Confident(hits.swap_remove(0))
    } else if best.coverage >= WEAK_COVERAGE {
        hits.truncate(3);
        Answer::Weak(hits)
    } else {
        Answer::Nothing
    }
}

impl<'k> Language<'k> {
    fn idf(&self, term: &str) -> f64 {
        let n = self.entries.len() as f64;
        let with = self.entries_with.get(term).copied().unwrap_or(0) as f64;
        (1.0 + (n - with + 0.5) / (with + 0.5)).ln()
    }

    fn search(&self, question: &str, typos: bool) -> Vec<Hit<'k>> {
        let mut words = self.tokenizer.tokens(question);
        words.sort();
        words.dedup();
        // Each word's weight in the question: its IDF, or a rare word's when no entry has it.
        let rare = self.idf("");
        let mut total_weight = 0.0;
        // Each term with the question's word it stands for.
        let mut query: Vec<(usize, QueryTerm)> = Vec::new();
        for (word_index, word) in words.iter().enumerate() {
            let matched = self.match_word(word, typos);
            let weight = matched.iter().map(|m| self.idf(&m.term) * m.factor).fold(0.0, f64::max);
            total_weight += if matched.is_empty() { rare } else { weight.max(rare * 0.5) };
            query.extend(matched.into_iter().map(|m| (word_index, m)));
        }
        let mut hits = Vec::new();
        for indexed in &self.entries {
            let mut score = 0.0;
            let mut matched_weight = 0.0;
            // A word matched through several terms counts once, by its best.
            let mut best_per_word: HashMap<usize, (f64, f64)> = HashMap::new();
            for (word, term) in &query {
                let Some(&count) = indexed.terms.get(&term.term) else { continue };
                let idf = self.idf(&term.term);
                let normalised = count * (K1 + 1.0)
                    / (count + K1 * (1.0 - B + B * indexed.length / self.average_length));
                let term_score = idf * normalised * term.factor;
                let best = best_per_word.entry(*word).or_insert((0.0, 0.0));
                if term_score > best.0 {
                    *best = (term_score, idf * term.factor);
                }
            }
            for (term_score, weight) in best_per_word.values() {
                score += term_score;
                matched_weight += weight;
            }
            if score > 0.0 {
                let coverage = (matched_weight / total_weight.max(f64::MIN_POSITIVE)).min(1.0);
                hits.push(Hit { entry: indexed.entry, score, coverage });
            }
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.entry.id.cmp(&b.entry.id)));
        hits
    }

    /// The entry terms a question's word stands for: itself when an entry has it, else the
    /// terms a typo or two away, or the parts of a compound.
    fn match_word(&self, word: &str, typos: bool) -> Vec<QueryTerm> {
        if self.entries_with.contains_key(word) {
            return vec![QueryTerm { term: word.to_owned(), factor: 1.0 }];
        }
        if !typos {
            return Vec::new();
        }
        let length = word.chars().count();
        let allowed = match length {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        };
        let mut found = Vec::new();
        if allowed > 0 {
            let mut nearest = usize::MAX;
            for term in self.entries_with.keys() {
                let distance = edit_distance(word, term, allowed);
                if distance <= allowed && distance < nearest {
                    nearest = distance;
                    found.clear();
                }
                if distance <= allowed && distance == nearest {
                    found.push(QueryTerm { term: term.clone(), factor: FUZZY_WEIGHT });
                }
            }
        }
        if found.is_empty() && length >= 6 {
            // A compound's parts: an entry term of 4 or more letters it begins or ends with.
            for term in self.entries_with.keys() {
                let part = term.chars().count();
                if part >= 4
                    && part + 2 <= length
                    && (word.starts_with(term.as_str()) || word.ends_with(term.as_str()))
                {
                    found.push(QueryTerm { term: term.clone(), factor: FUZZY_WEIGHT });
                }
            }
        }
        found.sort_by(|a, b| a.term.cmp(&b.term));
        found
    }
}

/// Levenshtein distance with adjacent transpositions (optimal string alignment) over
/// characters, giving up once it must exceed `limit` (then any value above it).
pub fn edit_distance(a: &str, b: &str, limit: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    let width = b.len() + 1;
    let mut before: Vec<usize> = vec![0; width];
    let mut previous: Vec<usize> = (0..width).collect();
    let mut current: Vec<usize> = vec![0; width];
    for i in 1..=a.len() {
        current[0] = i;
        let mut row_best = current[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut value = (previous[j] + 1).min(current[j - 1] + 1).min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(before[j - 2] + 1);
            }
            current[j] = value;
            row_best = row_best.min(value);
        }
        if row_best > limit {
            return limit + 1;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// Words to terms in one language.
pub struct Tokenizer {
    stop_words: &'static [&'static str],
    terms: Terms,
    #[cfg(feature = "stemming")]
    stemmer: rust_stemmers::Stemmer,
}

impl Tokenizer {
    /// The tokenizer of `lang` (`en`, `es`, `nl`, `de`), making [`GRAM`]-grams; `None` for
    /// another language.
    pub fn for_language(lang: &str) -> Option<Tokenizer> {
        let stop_words = match lang {
            "en" => STOP_EN,
            "es" => STOP_ES,
            "nl" => STOP_NL,
            "de" => STOP_DE,
            _ => return None,
        };
        #[cfg(feature = "stemming")]
        let stemmer = {
            use rust_stemmers::{Algorithm, Stemmer};
            Stemmer::create(match lang {
                "en" => Algorithm::English,
                "es" => Algorithm::Spanish,
                "nl" => Algorithm::Dutch,
                _ => Algorithm::German,
            })
        };
        Some(Tokenizer {
            stop_words,
            terms: Terms::Grams(GRAM),
            #[cfg(feature = "stemming")]
            stemmer,
        })
    }

    /// The same language's tokenizer making other terms.
    pub fn with_terms(self, terms: Terms) -> Tokenizer {
        Tokenizer { terms, ..self }
    }

    /// The terms of `text`, in order, stop words left out.
    pub fn tokens(&self, text: &str) -> Vec<String> {
        let mut tokens = Vec::new();
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            if word.is_empty() {
                continue;
            }
            let folded = fold(&word.to_lowercase());
            if self.stop_words.contains(&folded.as_str()) {
                continue;
            }
            match self.terms {
                Terms::Grams(n) => {
                    let padded: Vec<char> =
                        ['_'].into_iter().chain(folded.chars()).chain(['_']).collect();
                    if padded.len() <= n {
                        tokens.push(padded.iter().collect());
                    } else {
                        tokens.extend(padded.windows(n).map(|gram| gram.iter().collect()));
                    }
                }
                Terms::Words => tokens.push(folded),
                // Folded first: visitors often type without accents, and the stemmers then
                // agree with what the document wrote with them.
                #[cfg(feature = "stemming")]
                Terms::Stems => tokens.push(fold(&self.stemmer.stem(&folded))),
            }
        }
        tokens
    }
}

/// `text` with the accents of the four languages taken off (`é` is `e`, `ß` is `ss`).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'í' | 'ì' | 'î' | 'ï' => out.push('i'),
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => out.push('o'),
            'ú' | 'ù' | 'û' | 'ü' => out.push('u'),
            'ñ' => out.push('n'),
            'ç' => out.push('c'),
            'ý' | 'ÿ' => out.push('y'),
            'ß' => out.push_str("ss"),
            c => out.push(c),
        }
    }
    out
}

// Stop words, folded: the words of a question that say nothing about its subject. Short
// lists on purpose: a word such as "how" or "when" is left out, but "not" is kept elsewhere.
const STOP_EN: &[&str] = &[
    "a", "an", "the", "i", "me", "my", "we", "our", "you", "your", "it", "its", "is", "are", "am",
    "was", "be", "been", "do", "does", "did", "can", "could", "will", "would", "should", "to",
    "of", "in", "on", "at", "for", "with", "and", "or", "if", "what", "how", "when", "where",
    "which", "who", "there", "this", "that", "these", "those", "have", "has", "get", "any",
    "about", "from", "by", "so", "please", "hi", "hello", "much", "many", "too", "also",
];
const STOP_ES: &[&str] = &[
    "el", "la", "los", "las", "un", "una", "unos", "unas", "de", "del", "al", "a", "en", "y", "o",
    "que", "me", "mi", "mis", "tu", "su", "sus", "se", "lo", "le", "les", "es", "son", "esta",
    "estan", "hay", "con", "por", "para", "como", "cual", "cuales", "cuando", "donde", "puedo",
    "puede", "pueden", "quiero", "hola", "mas", "muy", "ya", "este", "esto", "eso", "ese", "tengo",
    "tiene", "hacer", "si", "nos", "vosotros", "usted", "ustedes", "favor",
];
const STOP_NL: &[&str] = &[
    "de", "het", "een", "ik", "mij", "me", "mijn", "je", "jij", "jullie", "u", "uw", "we", "wij",
    "ons", "onze", "is", "zijn", "ben", "was", "wordt", "worden", "kan", "kun", "kunt", "kunnen",
    "wil", "moet", "van", "in", "op", "aan", "voor", "met", "en", "of", "dat", "die", "dit",
    "deze", "er", "hoe", "wat", "wanneer", "waar", "welke", "hallo", "hoi", "graag", "ook", "bij",
    "te", "om", "al", "nog", "heb", "hebt", "heeft", "mag",
];
const STOP_DE: &[&str] = &[
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer", "ich",
    "mich", "mir", "mein", "meine", "meinen", "du", "sie", "ihr", "ihre", "ihren", "wir", "uns",
    "unser", "es", "ist", "sind", "bin", "war", "wird", "werden", "kann", "kannst", "konnen",
    "mochte", "will", "muss", "von", "in", "im", "auf", "an", "am", "fur", "mit", "und", "oder",
    "dass", "wie", "was", "wann", "wo", "welche", "welcher", "hallo", "bitte", "auch", "bei", "zu",
    "zum", "zur", "es", "gibt", "man", "habe", "hat", "haben", "noch", "schon",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, question: &str) -> Entry {
        Entry {
            id: id.into(),
            lang: "es".into(),
            question: question.into(),
            answer: "…".into(),
            ..Entry::default()
        }
    }

    #[test]
    fn accents_fold_and_case_lowers() {
        assert_eq!(fold("envío Größe ñandú Rückgabe"), "envio Grosse nandu Ruckgabe");
        let tokenizer = Tokenizer::for_language("es").unwrap().with_terms(Terms::Words);
        assert_eq!(tokenizer.tokens("¿Cuánto cuesta el ENVÍO?"), ["cuanto", "cuesta", "envio"]);
    }

    #[test]
    fn stop_words_are_dropped_and_words_become_padded_grams() {
        let tokenizer = Tokenizer::for_language("en").unwrap();
        assert_eq!(tokenizer.tokens("Is the 5G fast?"), ["_5g_", "_fas", "fast", "ast_"]);
        assert!(Tokenizer::for_language("fr").is_none());
    }

    #[test]
    fn edit_distance_counts_transpositions_once_and_stops_at_its_limit() {
        assert_eq!(edit_distance("shipping", "shiping", 2), 1);
        assert_eq!(edit_distance("garantie", "garnatie", 2), 1);
        assert_eq!(edit_distance("abc", "xyz", 1), 2);
        assert_eq!(edit_distance("a", "abcdef", 2), 3);
    }

    #[test]
    fn typos_and_compounds_find_words_when_n_grams_are_not_used() {
        let knowledge = Knowledge {
            entries: vec![
                entry("a", "devolución gratis"),
                entry("b", "kosten zending"),
                entry("c", "otra cosa"),
            ],
            ..Knowledge::default()
        };
        let words = Options { terms: Terms::Words, ..Options::default() };
        let index = Index::with_options(&knowledge, words);
        let first =
            |question: &str| index.search("es", question).first().map(|h| h.entry.id.clone());
        assert_eq!(first("devolucoin"), Some("a".into()), "a transposition");
        assert_eq!(first("zendingkosten"), Some("b".into()), "a compound's parts");
        let exact = Index::with_options(&knowledge, Options { typos: false, ..words });
        assert!(exact.search("es", "devolucoin").is_empty());
    }

    #[test]
    fn the_outcome_follows_coverage_and_lead() {
        let (a, b) = (entry("a", "x"), entry("b", "y"));
        let hit = |entry, score, coverage| Hit { entry, score, coverage };
        let confident = vec![hit(&a, 3.4, 0.4), hit(&b, 2.0, 0.4)];
        assert!(matches!(outcome(confident), Answer::Confident(h) if h.entry.id == "a"));
        let close = vec![hit(&a, 3.3, 0.9), hit(&b, 2.0, 0.4)];
        assert!(matches!(outcome(close), Answer::Weak(hits) if hits.len() == 2));
        let thin = vec![hit(&a, 9.0, 0.39)];
        assert!(matches!(outcome(thin), Answer::Weak(_)));
        assert_eq!(outcome(vec![hit(&a, 9.0, 0.19)]), Answer::Nothing);
        assert_eq!(outcome(Vec::new()), Answer::Nothing);
    }
}
