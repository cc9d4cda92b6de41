//! A problem found in a document or a body: where (a JSON path) and what, in plain words.

use std::fmt;

/// One thing wrong with input, named by its JSON path (`events[3].items[0].price`,
/// `purposes[1].names.de`); the path is empty when the whole input is at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl Problem {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem { path: path.into(), message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Joins a path and a field: `join("events[0]", "items")` is `events[0].items`.
pub fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_owned()
    } else {
        let mut joined = String::with_capacity(path.len() + field.len() + 1);
        joined.push_str(path);
        joined.push('.');
        joined.push_str(field);
        joined
    }
}

/// An element of an array: `index("events", 3)` is `events[3]`.
pub fn index(path: &str, index: usize) -> String {
    let mut joined = String::with_capacity(path.len() + 6);
    joined.push_str(path);
    joined.push('[');
    crate::text::push_integer(&mut joined, index as i128);
    joined.push(']');
    joined
}
