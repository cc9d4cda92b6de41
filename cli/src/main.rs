//! `concierge-cli`: checks config documents (`check FILE...`) before they are published, tries
//! JSON Logic rules (`logic`) against data, and decodes IAB TCF TC strings (`tcf STRING`).
//!
//! The checking and the evaluating are the protocol crate's, the same the backend runs on
//! publish and the agent in the page; this binary only reads input and prints what it found.

mod check;
mod logic;
mod tcf;

use std::io::Write;
use std::process::ExitCode;

const HELP: &str = "\
concierge-cli: tools for a Concierge shop's config documents

Usage:
  concierge-cli check FILE...   check documents before publishing them
  concierge-cli logic           evaluate JSON Logic rules, one per line of standard input
  concierge-cli tcf STRING      decode an IAB TCF v2.2 TC string (`-` reads standard input)
  concierge-cli help            show this help (also --help, -h)

check reads each FILE (`-` reads standard input) as JSON: either one document
({ \"kind\": \"policy\", \"version\": 3, ... }) or a whole /v1/config answer
({ \"format\": 1, \"site\": \"demo\", \"documents\": [...] }). It runs the same checks
as the backend does on publish and the agent on load, and prints

  FILE: ok (policy version 3)           for a good document
  FILE: PATH: MESSAGE                   for each problem, e.g.
  policy.json: purposes[1].descriptions.de: is missing; ...
  FILE:LINE:COLUMN: not valid JSON: ... when the file is not JSON

Exit status: 0 when every file is valid, 1 when any has a problem,
2 on a usage error or a file that cannot be read.

logic reads JSON Lines from standard input, each {\"rule\": RULE, \"data\": DATA}
(without \"data\", the data is null), evaluates each rule against its data as the
agent does, and writes one line for each, in order:

  {\"result\": VALUE}                  what the rule gave
  {\"error\": \"MESSAGE\"}               a line that is not such an object, a rule
                                     that does not compile, an evaluation that fails

Blank lines are skipped. logic exits 0 once standard input is read to its end,
whatever the rules gave; 2 when standard input cannot be read.

tcf decodes a TC string (what a shop's consent platform stores in the euconsent-v2
cookie) as the agent does, and prints it as one line of JSON with the field names of
the IAB's reference library @iabtcf/core: cmpId, vendorListVersion, purposeConsents,
vendorConsents, publisherRestrictions, ... (id sets as sorted arrays, dates as
milliseconds since the epoch). It exits 0 for a valid string, 1 with the reason for
an invalid one (concierge-cli tcf: not a valid TC string: ...), 2 on a usage error.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    // Writes to a closed pipe (`| head`) are not worth a panic; the exit code still tells.
    match args.first().map(String::as_str) {
        Some("check") if args.len() > 1 => {
            let outcome = check::files(&args[1..], &mut out, &mut err);
            ExitCode::from(outcome.exit_code())
        }
        Some("check") => {
            let _ = writeln!(err, "concierge-cli check: name at least one file to check");
            ExitCode::from(2)
        }
        Some("logic") if args.len() == 1 => {
            match logic::lines(&mut std::io::stdin().lock(), &mut out) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    let _ =
                        writeln!(err, "concierge-cli logic: cannot read standard input: {error}");
                    ExitCode::from(2)
                }
            }
        }
        Some("logic") => {
            let _ = writeln!(
                err,
                "concierge-cli logic: takes no arguments; it reads rules from standard input"
            );
            ExitCode::from(2)
        }
        Some("tcf") if args.len() == 2 => match tcf::read_argument(&args[1]) {
            Ok(tc_string) => ExitCode::from(tcf::decode(&tc_string, &mut out, &mut err)),
            Err(error) => {
                let _ = writeln!(err, "concierge-cli tcf: cannot read standard input: {error}");
                ExitCode::from(2)
            }
        },
        Some("tcf") => {
            let _ = writeln!(
                err,
                "concierge-cli tcf: give one TC string (or - to read it from standard input)"
            );
            ExitCode::from(2)
        }
        Some("help" | "--help" | "-h") => {
            let _ = out.write_all(HELP.as_bytes());
            ExitCode::SUCCESS
        }
        Some(other) => {
            let _ = writeln!(err, "concierge-cli: unknown command {other:?}\n\n{HELP}");
            ExitCode::from(2)
        }
        None => {
            let _ = err.write_all(HELP.as_bytes());
            ExitCode::from(2)
        }
    }
}
