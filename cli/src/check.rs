//! `concierge-cli check`: reads each file, checks it as a document or a whole config, and
//! prints one line per problem.

use concierge_protocol::documents::{check_config, check_document, Config, Document};
use concierge_protocol::{Problem, Value};
use std::io::{Read, Write};

/// What checking a set of files came to.
#[derive(Default)]
pub struct Outcome {
    problems: bool,
    unreadable: bool,
}

impl Outcome {
    pub fn exit_code(&self) -> u8 {
        if self.unreadable {
            2
        } else {
            u8::from(self.problems)
        }
    }
}

pub fn files(names: &[String], out: &mut impl Write, err: &mut impl Write) -> Outcome {
    let mut outcome = Outcome::default();
    for name in names {
        let read = read(name);
        let name = if name == "-" { "<stdin>" } else { name.as_str() };
        let bytes = match read {
            Ok(bytes) => bytes,
            Err(error) => {
                let _ = writeln!(err, "{name}: cannot read: {error}");
                outcome.unreadable = true;
                continue;
            }
        };
        let lines = match check_bytes(&bytes) {
            Ok(summary) => vec![format!("{name}: ok ({summary})")],
            Err(problems) => {
                outcome.problems = true;
                problems.iter().map(|line| format!("{name}{line}")).collect()
            }
        };
        for line in lines {
            let _ = writeln!(out, "{line}");
        }
    }
    outcome
}

fn read(name: &str) -> std::io::Result<Vec<u8>> {
    if name == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes)?;
        Ok(bytes)
    } else {
        std::fs::read(name)
    }
}

/// A file read as JSON, or the line naming the file and what is wrong with it.
pub fn read_json(name: &str) -> Result<Value, Vec<String>> {
    let bytes = read(name).map_err(|error| vec![format!("{name}: cannot read: {error}")])?;
    parse(&bytes).map_err(|lines| lines.into_iter().map(|line| format!("{name}{line}")).collect())
}

/// A file's JSON, or the text after its name saying where it is not JSON.
fn parse(bytes: &[u8]) -> Result<Value, Vec<String>> {
    // Editors on Windows may save a byte-order mark; JSON parsers refuse it, people cannot see it.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::from_slice(bytes).map_err(|error| {
        let message = error.to_string();
        let position = format!(" at line {} column {}", error.line(), error.column());
        let message = message.strip_suffix(&position).unwrap_or(&message);
        vec![format!(":{}:{}: not valid JSON: {message}", error.line(), error.column())]
    })
}

/// A summary of what the file holds, or its problems as the text after the file name
/// (`: path: message`, or `:line:column: not valid JSON: ...`).
fn check_bytes(bytes: &[u8]) -> Result<String, Vec<String>> {
    let value = parse(bytes)?;
    let lines = |problems: Vec<Problem>| -> Vec<String> {
        problems
            .iter()
            .map(|problem| match problem.path.as_str() {
                "" => format!(": {}", problem.message),
                path => format!(": {path}: {}", problem.message),
            })
            .collect()
    };
    if is_envelope(&value) {
        check_config(&value).map(|config| config_summary(&config)).map_err(lines)
    } else {
        check_document(&value).map(|document| document_summary(&document)).map_err(lines)
    }
}

/// A `/v1/config` answer rather than one document: it has the envelope's fields.
fn is_envelope(value: &Value) -> bool {
    value.get("documents").is_some() || value.get("format").is_some()
}

fn document_summary(document: &Document) -> String {
    format!("{} version {}", document.kind().name(), document.version())
}

fn config_summary(config: &Config) -> String {
    let documents: Vec<String> = config.documents().iter().map(document_summary).collect();
    if documents.is_empty() {
        format!("config for site {}: no documents", config.site)
    } else {
        format!("config for site {}: {}", config.site, documents.join(", "))
    }
}
