//! `concierge-cli tcf STRING`: decodes an IAB TCF v2.2 TC string with the protocol crate's
//! decoder (the one the agent's TCF module runs) and prints it as JSON.

use concierge_protocol::tcf;
use std::io::{Read, Write};

/// Where the TC string comes from: the argument, or standard input for `-`.
pub fn read_argument(argument: &str) -> std::io::Result<String> {
    if argument != "-" {
        return Ok(argument.to_owned());
    }
    let mut text = String::new();
    std::io::stdin().lock().read_to_string(&mut text)?;
    // A shell's `echo` or a file's last line adds a line break; nothing else is trimmed.
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}

/// Prints the decoded string as one line of JSON (exit 0), or the reason it is not a TC string
/// (exit 1).
pub fn decode(tc_string: &str, out: &mut impl Write, err: &mut impl Write) -> u8 {
    match tcf::decode(tc_string) {
        Ok(decoded) => {
            // A closed pipe (`| head`) loses nothing the exit code would tell.
            let _ = writeln!(out, "{}", decoded.to_json().to_json());
            0
        }
        Err(error) => {
            let _ = writeln!(err, "concierge-cli tcf: not a valid TC string: {}", error.describe());
            1
        }
    }
}
