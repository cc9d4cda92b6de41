//! `concierge-cli logic`: evaluates JSON Logic rules, one `{"rule": ..., "data": ...}` per line
//! of standard input, with the protocol crate's evaluator (the one the agent runs in the page).

use concierge_protocol::logic::Rule;
use concierge_protocol::problem::join;
use concierge_protocol::Value;
use std::io::{BufRead, Write};

/// Reads `input` to its end and writes one answer line per line that is not blank:
/// `{"result": ...}` or `{"error": "..."}`. A bad line costs only its own answer; the only
/// failure is `input` that cannot be read.
pub fn lines(input: &mut impl BufRead, out: &mut impl Write) -> std::io::Result<()> {
    let mut line = Vec::new();
    let mut first = true;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let mut text = line.strip_suffix(b"\n").unwrap_or(&line);
        text = text.strip_suffix(b"\r").unwrap_or(text);
        if first {
            // Editors on Windows may save a byte-order mark; JSON parsers refuse it.
            text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
            first = false;
        }
        // Blank lines (a trailing one, one between groups of cases) are not cases.
        if text.trim_ascii().is_empty() {
            continue;
        }
        let answer = match answer(text) {
            Ok(result) => format!("{{\"result\":{}}}", serde_json::to_string(&result).unwrap()),
            Err(message) => format!("{{\"error\":{}}}", serde_json::to_string(&message).unwrap()),
        };
        // A closed pipe (`| head`) ends the run: nobody reads the answers any more.
        if writeln!(out, "{answer}").is_err() {
            return Ok(());
        }
    }
}

/// The rule's result for the data, or what is wrong: with the line, the rule or the evaluation.
fn answer(line: &[u8]) -> Result<Value, String> {
    let value: Value = serde_json::from_slice(line).map_err(|error| {
        // The line is the input's line, so only the column says more than the line itself.
        let message = error.to_string();
        let position = format!(" at line {} column {}", error.line(), error.column());
        let message = message.strip_suffix(&position).unwrap_or(&message);
        format!("not valid JSON: {message} at column {}", error.column())
    })?;
    let Value::Object(fields) = value else {
        return Err(format!(
            "expected an object {{\"rule\": ..., \"data\": ...}}, got {}",
            value.kind()
        ));
    };
    let (mut rule, mut data) = (None, Value::Null);
    for (key, value) in fields {
        match key.as_str() {
            "rule" => rule = Some(value),
            "data" => data = value,
            other => {
                return Err(format!(
                    "{other:?} is not a field of a line; use \"rule\" and \"data\""
                ))
            }
        }
    }
    let rule = rule.ok_or("rule: is missing")?;
    let rule = Rule::compile(&rule)
        .map_err(|problem| format!("{}: {}", join("rule", &problem.path), problem.message))?;
    rule.evaluate(&data).map_err(|error| error.message().to_owned())
}
