//! Architecture invariants checked on the source text, in the manner of rust-analyzer's tidy
//! tests: the engine is pure, and every file says what it is for.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_engine_touches_no_browser_clock_randomness_or_io() {
    let forbidden = [
        "web_sys",
        "js_sys",
        "wasm_bindgen",
        "crate::web",
        "std::time",
        "SystemTime",
        "Instant",
        "std::fs",
        "std::net",
        "getrandom",
        "thread_rng",
    ];
    let files = rust_files(&root().join("src/engine"));
    assert!(files.len() >= 10, "the engine's files are found: {files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for word in forbidden {
            assert!(!text.contains(word), "{} mentions {word}", file.display());
        }
    }
}

#[test]
fn every_source_file_opens_with_a_line_saying_what_it_is_for() {
    let mut files = Vec::new();
    for dir in [
        "src",
        "protocol/src",
        "server/src",
        "cli/src",
        "tests",
        "protocol/tests",
        "server/tests",
        "cli/tests",
    ] {
        files.extend(rust_files(&root().join(dir)));
    }
    assert!(files.len() > 60, "the tree is read: {} files", files.len());
    let missing: Vec<_> = files
        .iter()
        .filter(|file| !std::fs::read_to_string(file).unwrap().starts_with("//!"))
        .map(|file| file.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    assert!(missing.is_empty(), "files without a //! opening line: {missing:?}");
}

#[test]
fn code_the_agent_reaches_builds_text_without_core_fmt() {
    // `format!`, `write!` and `to_string()` pull the formatting machinery (~10 KB) into the
    // agent's Wasm; `concierge_protocol::text!` and the `describe` methods build the same
    // text. `Display` impls may stay for native callers, written with `write_str` over
    // `describe`. Comments and the test modules at the end of files are not agent code.
    let forbidden =
        ["format!(", "format_args!(", "write!(", "writeln!(", "to_string()", "ToString"];
    let mut files = rust_files(&root().join("protocol/src"));
    files.extend(rust_files(&root().join("src/engine")));
    files.extend(
        ["src/stored.rs", "src/wire.rs", "src/bridge.rs", "src/exports.rs"].map(|f| root().join(f)),
    );
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let agent_code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (number, line) in agent_code.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            if let Some(word) = forbidden.iter().find(|word| line.contains(*word)) {
                let name = file.strip_prefix(root()).unwrap().display().to_string();
                found.push(format!("{name}:{}: {word}", number + 1));
            }
        }
    }
    assert!(found.is_empty(), "core::fmt in code the agent reaches: {found:#?}");
}
