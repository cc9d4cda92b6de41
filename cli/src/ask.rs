//! `concierge-cli ask --knowledge FILE [--lang LANG] QUESTION`: searches a knowledge document
//! as the assistant will, and prints the best three entries as JSON, so a shop can try its
//! document before publishing it.

use crate::check::read_json;
use concierge_protocol::ask::Index;
use concierge_protocol::documents::{check_config, check_document, Document, Knowledge, LANGUAGES};
use concierge_protocol::Value;

/// The options of one `ask`.
#[derive(Debug, PartialEq)]
pub struct Request {
    pub knowledge: String,
    pub lang: String,
    pub question: String,
}

/// Reads the arguments after `ask`; the error names the option at fault.
pub fn parse(args: &[String]) -> Result<Request, String> {
    let mut knowledge = None;
    let mut lang = None;
    let mut words: Vec<&str> = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--knowledge" => {
                knowledge = Some(rest.next().ok_or("--knowledge: name the knowledge file")?)
            }
            "--lang" => lang = Some(rest.next().ok_or("--lang: name a language (en, es, nl, de)")?),
            option if option.starts_with("--") => {
                return Err(format!("{option}: not an option of ask (--knowledge, --lang)"))
            }
            word => words.push(word),
        }
    }
    let knowledge =
        knowledge.ok_or("--knowledge: is required (the knowledge document to search)")?;
    let lang = lang.map_or("en", String::as_str);
    if !LANGUAGES.contains(&lang) {
        return Err(format!("--lang: must be one of en, es, nl, de, got {lang:?}"));
    }
    let question = words.join(" ");
    if question.trim().is_empty() {
        return Err("QUESTION: is required (the visitor's question, after the options)".into());
    }
    Ok(Request { knowledge: knowledge.clone(), lang: lang.to_owned(), question })
}

/// The best three entries for the request as JSON (`[{"id": ..., "score": ...}]`), or the
/// lines of error text naming the file and each problem's path.
pub fn run(request: &Request) -> Result<String, Vec<String>> {
    let name = &request.knowledge;
    let value = read_json(name)?;
    let knowledge = knowledge_in(&value).map_err(|problems| {
        problems.into_iter().map(|line| format!("{name}{line}")).collect::<Vec<_>>()
    })?;
    let index = Index::new(&knowledge);
    let hits = index.search(&request.lang, &request.question);
    let top: Vec<serde_json::Value> = hits
        .iter()
        .take(3)
        .map(|hit| {
            // Three decimals: enough to compare, stable to read.
            let score = (hit.score * 1000.0).round() / 1000.0;
            serde_json::json!({ "id": hit.entry.id, "score": score })
        })
        .collect();
    Ok(serde_json::Value::Array(top).to_string())
}

/// The knowledge document of a file that holds one, or a whole config with one.
fn knowledge_in(value: &Value) -> Result<Knowledge, Vec<String>> {
    let lines = |problems: Vec<concierge_protocol::Problem>| -> Vec<String> {
        problems.iter().map(|problem| format!(": {}", problem.describe())).collect()
    };
    if value.get("documents").is_some() || value.get("format").is_some() {
        let config = check_config(value).map_err(lines)?;
        return config
            .knowledge
            .map(|knowledge| *knowledge)
            .ok_or_else(|| vec![": documents: holds no knowledge document".to_owned()]);
    }
    match check_document(value).map_err(lines)? {
        Document::Knowledge(knowledge) => Ok(*knowledge),
        other => {
            Err(vec![format!(": kind: must be knowledge for ask, got {:?}", other.kind().name())])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| (*arg).to_owned()).collect()
    }

    #[test]
    fn options_and_question_words_in_any_order() {
        let request = parse(&args(&["--lang", "es", "envío", "--knowledge", "k.json", "gratis"]));
        assert_eq!(
            request,
            Ok(Request {
                knowledge: "k.json".into(),
                lang: "es".into(),
                question: "envío gratis".into()
            })
        );
    }

    #[test]
    fn each_usage_error_names_its_option() {
        let cases: &[(&[&str], &str)] = &[
            (&["q"], "--knowledge: is required (the knowledge document to search)"),
            (&["--knowledge"], "--knowledge: name the knowledge file"),
            (
                &["--knowledge", "k", "--lang", "fr", "q"],
                "--lang: must be one of en, es, nl, de, got \"fr\"",
            ),
            (
                &["--knowledge", "k"],
                "QUESTION: is required (the visitor's question, after the options)",
            ),
            (
                &["--knowledge", "k", "--top", "5", "q"],
                "--top: not an option of ask (--knowledge, --lang)",
            ),
        ];
        for (list, message) in cases {
            assert_eq!(parse(&args(list)), Err((*message).to_owned()), "{list:?}");
        }
    }
}
