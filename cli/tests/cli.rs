//! `concierge-cli` as a user runs it: the built binary over fixture files, its exact output
//! and exit status.

use std::path::Path;
use std::process::{Command, Output, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_concierge-cli");

/// Runs the binary from the fixtures directory, so file names print as given.
fn run(args: &[&str]) -> Output {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    Command::new(BINARY).args(args).current_dir(fixtures).stdin(Stdio::null()).output().unwrap()
}

fn lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes).lines().map(str::to_owned).collect()
}

/// Runs `args` and compares stdout's lines, stderr's first line (if given) and the exit code.
fn check(args: &[&str], stdout: &[&str], stderr: Option<&str>, code: i32) {
    let output = run(args);
    assert_eq!(lines(&output.stdout), stdout, "stdout of {args:?}");
    if let Some(expected) = stderr {
        assert_eq!(lines(&output.stderr).first().map(String::as_str), Some(expected), "{args:?}");
    } else {
        assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    assert_eq!(output.status.code(), Some(code), "exit status of {args:?}");
}

#[test]
fn good_documents_and_configs_pass_with_a_summary() {
    check(
        &["check", "good-policy.json", "good-config.json"],
        &[
            "good-policy.json: ok (policy version 3)",
            "good-config.json: ok (config for site demo: settings version 2)",
        ],
        None,
        0,
    );
}

#[test]
fn every_problem_is_printed_with_its_path() {
    check(
        &["check", "bad-settings.json", "bad-policy.json"],
        &[
            "bad-settings.json: dismis_hours: is not a field of a settings document; did you mean \"dismiss_hours\"?",
            "bad-settings.json: version: must be a whole number from 1 to 4294967295, got 0",
            "bad-settings.json: idle_minutes: must be a whole number of minutes from 1 to 525600, got \"thirty\"",
            "bad-settings.json: checkout_path: must not contain // (a browser reads //name as another site), got \"//evil.example/\"",
            "bad-settings.json: link_hosts[0]: must be a host name without a scheme (shop.example, not https://shop.example), got \"https://shop.example\"",
            "bad-settings.json: interests.half_life_days: must be a whole number of days from 1 to 365, got 0",
            "bad-policy.json: regions[1].id: \"eu\" is listed twice (first at regions[0])",
            "bad-policy.json: purposes[0].names.de: is missing; the agent needs a text in each of en, es, nl, de",
            "bad-policy.json: purposes[1].data[1]: \"location\" is not a data category the agent knows; the choices are cart, activity, interests, identifiers, contact",
            "bad-policy.json: purposes[1].retention_days: must be a whole number of days from 1 to 3650, got 0",
            "bad-policy.json: purposes[3].features[1]: \"fax_recovery\" is not a feature the agent knows; the choices are recovery_banner, sync, staff_view, assistant_memory, email_recovery, sms_recovery",
            "bad-policy.json: purposes[4].id: \"marketing\" is listed twice (first at purposes[3])",
            "bad-policy.json: gpc.denies[0]: \"sale\" is not a purpose of this policy; the purposes are necessary, measurement, personalization, marketing",
            "bad-policy.json: purposes[1].features[0]: \"sync\" needs the data identifiers, but this purpose does not unlock identifiers; add it to the purpose's data",
            "bad-policy.json: purposes[2].features[1]: \"staff_view\" needs the data cart, identifiers, but this purpose does not unlock identifiers; add it to the purpose's data",
            "bad-policy.json: purposes: the feature \"sms_recovery\" is enabled by no purpose; list it in the features of the purpose it serves",
            "bad-policy.json: purposes: no purpose has a legal basis other than consent; list the strictly necessary purpose (such as \"necessary\" with legal_basis legitimate_interests), which is always on",
            "bad-policy.json: regions[1].countries[0]: \"NL\" is already in region \"eu\" (regions[0].countries[1]); a country belongs to one region",
        ],
        None,
        1,
    );
}

#[test]
fn a_policy_s_tcf_mapping_is_checked_with_its_paths() {
    check(
        &["check", "bad-tcf-policy.json"],
        &[
            "bad-tcf-policy.json: tcf.vendor_id: must be a whole number from 1 to 65535, got 0",
            "bad-tcf-policy.json: tcf.purposes.marketing[1]: must be a whole number from 1 to 11, got 12",
            "bad-tcf-policy.json: tcf.purposes.measurment: is not a purpose of this policy; the purposes are necessary, measurement, personalization, marketing",
        ],
        None,
        1,
    );
}

#[test]
fn campaign_problems_are_printed_with_their_paths_and_the_demos_campaigns_pass() {
    let variables =
        "the variables are {{cart.total}}, {{cart.count}}, {{cart.code}}, {{item.name}}";
    check(
        &["check", "bad-campaigns.json", "../../../documents/demo/campaigns.json"],
        &[
            "bad-campaigns.json: campaigns[1].targeting.and[1].regex: unsupported operator \"regex\"",
            &format!("bad-campaigns.json: campaigns[1].content.en.title: uses {{{{cart.totl}}}}, which is not a variable; {variables}"),
            "bad-campaigns.json: campaigns[1].content.de: is missing; the agent needs a message in each of en, es, nl, de",
            "bad-campaigns.json: campaigns[1].variants[1].weight: must be a whole number from 1 to 1000, got 0",
            "bad-campaigns.json: campaigns[1].variants[1].id: \"a\" is listed twice (first at campaigns[1].variants[0])",
            "bad-campaigns.json: campaigns[1].goal.attribution_days: must be a whole number of days from 1 to 90, got 120",
            "bad-campaigns.json: campaigns[1].schedule.end: must be after start (2026-12-24T18:00:00)",
            "bad-campaigns.json: campaigns[1].placement.type: is modal, which interrupts the visitor, so it opens only on an exit_intent or custom trigger; this campaign's trigger is page_view",
            "../../../documents/demo/campaigns.json: ok (campaigns version 1)",
        ],
        None,
        1,
    );
}

#[test]
fn a_file_that_is_not_json_gets_its_line_and_column() {
    check(
        &["check", "not-json.json", "good-policy.json"],
        &[
            "not-json.json:4:3: not valid JSON: expected `,` or `}`",
            "good-policy.json: ok (policy version 3)",
        ],
        None,
        1,
    );
}

#[test]
fn a_missing_file_is_exit_status_2_and_the_others_are_still_checked() {
    check(
        &["check", "missing.json", "bad-settings.json"],
        &[
            "bad-settings.json: dismis_hours: is not a field of a settings document; did you mean \"dismiss_hours\"?",
            "bad-settings.json: version: must be a whole number from 1 to 4294967295, got 0",
            "bad-settings.json: idle_minutes: must be a whole number of minutes from 1 to 525600, got \"thirty\"",
            "bad-settings.json: checkout_path: must not contain // (a browser reads //name as another site), got \"//evil.example/\"",
            "bad-settings.json: link_hosts[0]: must be a host name without a scheme (shop.example, not https://shop.example), got \"https://shop.example\"",
            "bad-settings.json: interests.half_life_days: must be a whole number of days from 1 to 365, got 0",
        ],
        Some("missing.json: cannot read: No such file or directory (os error 2)"),
        2,
    );
}

#[test]
fn usage_errors_are_exit_status_2_and_help_explains() {
    check(&["check"], &[], Some("concierge-cli check: name at least one file to check"), 2);
    check(&["lint", "x.json"], &[], Some("concierge-cli: unknown command \"lint\""), 2);
    let usage = run(&[]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("concierge-cli check FILE..."));
    for help in ["help", "--help", "-h"] {
        let output = run(&[help]);
        assert_eq!(output.status.code(), Some(0), "{help}");
        let text = String::from_utf8_lossy(&output.stdout);
        for needle in
            ["concierge-cli check FILE...", "FILE: PATH: MESSAGE", "Exit status: 0", "/v1/config"]
        {
            assert!(text.contains(needle), "{help} mentions {needle}");
        }
    }
}

#[test]
fn standard_input_is_read_for_a_dash() {
    let mut child = Command::new(BINARY)
        .args(["check", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        child.stdin.as_mut().unwrap(),
        b"\xEF\xBB\xBF{\"kind\":\"settings\",\"version\":5}",
    )
    .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(lines(&output.stdout), ["<stdin>: ok (settings version 5)"]);
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn the_demo_shops_published_documents_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = Command::new(BINARY)
        .args(["check", "documents/demo/policy.json", "documents/demo/settings.json"])
        .current_dir(root)
        .output()
        .unwrap();
    assert_eq!(
        lines(&output.stdout),
        [
            "documents/demo/policy.json: ok (policy version 2)",
            "documents/demo/settings.json: ok (settings version 1)"
        ]
    );
    assert_eq!(output.status.code(), Some(0));
}

/// Runs `concierge-cli logic` with `input` on standard input.
fn logic(input: &[u8]) -> Output {
    let mut child = Command::new(BINARY)
        .arg("logic")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), input).unwrap();
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

#[test]
fn logic_answers_each_line_in_order_and_a_bad_line_costs_only_its_answer() {
    let input = concat!(
        "\u{feff}{\"rule\": {\"and\": [{\">=\": [{\"var\": \"cart.total\"}, 50]}, {\"in\": [{\"var\": \"country\"}, [\"NL\", \"DE\"]]}]}, \"data\": {\"cart\": {\"total\": 80}, \"country\": \"NL\"}}\n",
        "{\"rule\": {\"cat\": [\"total \", {\"var\": \"total\"}]}, \"data\": {\"total\": 19.5}}\r\n",
        "\n",
        "   \n",
        "{\"rule\": {\"missing\": [\"a\", \"b\"]}}\n",
        "{\"rule\": {\"and\": [true, {\"foo\": 1}]}, \"data\": null}\n",
        "{\"rule\": {\"if\": [true, \"unclosed\"]\n",
        "[1, 2]\n",
        "{\"rule\": true, \"date\": {}}\n",
        "{\"data\": {}}\n",
        "{\"rule\": {\"reduce\": [{\"var\": \"n\"}, {\"merge\": [{\"var\": \"accumulator\"}, {\"var\": \"accumulator\"}]}, [0]]}, \"data\": {\"n\": [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]}}\n",
        "{\"rule\": {\"/\": [1, 0]}}\n",
        "{\"rule\": {\"map\": [{\"var\": \"\"}, {\"*\": [{\"var\": \"\"}, 0.5]}]}, \"data\": [1, 2, 3]}",
    );
    let output = logic(input.as_bytes());
    assert_eq!(
        lines(&output.stdout),
        [
            r#"{"result":true}"#,
            r#"{"result":"total 19.5"}"#,
            r#"{"result":["a","b"]}"#,
            r#"{"error":"rule.and[1].foo: unsupported operator \"foo\""}"#,
            r#"{"error":"not valid JSON: EOF while parsing an object at column 34"}"#,
            r#"{"error":"expected an object {\"rule\": ..., \"data\": ...}, got an array"}"#,
            r#"{"error":"\"date\" is not a field of a line; use \"rule\" and \"data\""}"#,
            r#"{"error":"rule: is missing"}"#,
            r#"{"error":"the rule needs more than 10000 steps for this data"}"#,
            r#"{"result":null}"#,
            r#"{"result":[0.5,1,1.5]}"#,
        ]
    );
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn logic_with_no_input_answers_nothing_and_unreadable_input_is_exit_status_2() {
    let output = logic(b"");
    assert!(output.stdout.is_empty());
    assert_eq!(output.status.code(), Some(0));

    // A directory opens but cannot be read.
    let directory = std::fs::File::open(env!("CARGO_MANIFEST_DIR")).unwrap();
    let output = Command::new(BINARY).arg("logic").stdin(directory).output().unwrap();
    assert!(output.stdout.is_empty());
    assert_eq!(
        lines(&output.stderr),
        ["concierge-cli logic: cannot read standard input: Is a directory (os error 21)"]
    );
    assert_eq!(output.status.code(), Some(2));

    check(
        &["logic", "rules.jsonl"],
        &[],
        Some("concierge-cli logic: takes no arguments; it reads rules from standard input"),
        2,
    );
    let help = String::from_utf8_lossy(&run(&["help"]).stdout).into_owned();
    assert!(help.contains("concierge-cli logic") && help.contains(r#"{"error": "MESSAGE"}"#));
}

/// The vectors of tests/tcf/vectors.json (made with `@iabtcf/core`), by name.
fn tcf_vectors(list: &str) -> Vec<(String, String, serde_json::Value)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/tcf/vectors.json");
    let vectors: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let entry = |vector: &serde_json::Value| {
        let name = vector["name"].as_str().unwrap().to_owned();
        let tc_string = vector["tcString"].as_str().unwrap().to_owned();
        let expected = if list == "valid" { &vector["decoded"] } else { &vector["error"] };
        (name, tc_string, expected.clone())
    };
    vectors[list].as_array().unwrap().iter().map(entry).collect()
}

#[test]
fn tcf_prints_what_iabtcf_core_decodes_as_one_line_of_json() {
    let chosen = [
        "core only, vendors in range entries (runs and single ids)",
        "publisher restrictions of each type, service-specific, with the publisher TC segment",
        "all three segments: core, disclosed vendors, publisher TC",
        "TCF v2.0 policy, French, times to the decisecond, every flag and count at its widest",
    ];
    let vectors = tcf_vectors("valid");
    for name in chosen {
        let (_, tc_string, reference) = vectors.iter().find(|(n, ..)| n == name).unwrap();
        let output = run(&["tcf", tc_string]);
        assert_eq!(output.status.code(), Some(0), "{name}");
        assert!(output.stderr.is_empty(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert_eq!(stdout.lines().count(), 1, "{name}: one line");
        let printed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(&printed, reference, "{name}");
    }
}

#[test]
fn tcf_refuses_an_invalid_string_with_the_reason_and_exit_status_1() {
    let vectors = tcf_vectors("invalid");
    let tc_string = |name: &str| vectors.iter().find(|(n, ..)| n == name).unwrap().1.clone();
    let vendor_zero = tc_string("vendor id 0 as a single id in the vendor consents");
    let backwards = tc_string("a vendor range 9-3");
    let truncated = tc_string("truncated inside the vendor consents bit field");
    let unknown = tc_string("unknown segment type 5");
    let prefix = "concierge-cli tcf: not a valid TC string: ";
    let cases = [
        (vendor_zero, "vendorConsents: vendor id 0 in a range entry; vendor ids start at 1"),
        (backwards, "vendorConsents: the range 9-3 ends before it starts"),
        (truncated, "the TC string ends inside vendorConsents"),
        (unknown, "segment type 5 is unknown; the types after the core are 1 (disclosed vendors) and 3 (publisher TC)"),
        ("CPx+".to_owned(), "segment 1 of the TC string is not base64url (only A-Z a-z 0-9 - _, no padding)"),
    ];
    for (tc_string, reason) in cases {
        check(&["tcf", &tc_string], &[], Some(&format!("{prefix}{reason}")), 1);
    }
}

#[test]
fn tcf_reads_standard_input_for_a_dash_and_wants_one_string() {
    let (_, tc_string, reference) = tcf_vectors("valid").swap_remove(0);
    let mut child = Command::new(BINARY)
        .args(["tcf", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), format!("{tc_string}\n").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap(), reference);
    let usage = "concierge-cli tcf: give one TC string (or - to read it from standard input)";
    check(&["tcf"], &[], Some(usage), 2);
    check(&["tcf", &tc_string, &tc_string], &[], Some(usage), 2);
}

#[test]
fn ask_prints_the_best_three_entries_as_json() {
    fn ask<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        ["ask", "--knowledge", "knowledge.json"].iter().chain(extra).copied().collect()
    }
    check(&ask(&["postage", "costs"]), &[r#"[{"id":"shipping-cost","score":9.561}]"#], None, 0);
    // A typo, and the question's words after the options or before them.
    let output = run(&ask(&["what", "does", "shiping", "cost"]));
    let hits: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(hits[0]["id"], "shipping-cost");
    assert_eq!(hits.as_array().map(Vec::len), Some(3), "at most three, best first: {hits}");
    assert!(hits[0]["score"].as_f64() > hits[1]["score"].as_f64());
    check(
        &["ask", "envio", "gratis?", "--lang", "es", "--knowledge", "knowledge.json"],
        &[r#"[{"id":"shipping-cost","score":4.642},{"id":"returns","score":0.427}]"#],
        None,
        0,
    );
    check(&ask(&["do", "you", "sell", "cars"]), &["[]"], None, 0);
}

#[test]
fn ask_names_the_file_and_the_field_at_fault() {
    let cases: &[(&[&str], &str, i32)] = &[
        (
            &["ask", "--knowledge", "bad-knowledge.json", "when"],
            "bad-knowledge.json: entries[0].lang: must be one of en, es, nl, de, got \"fr\"",
            1,
        ),
        (
            &["ask", "--knowledge", "good-policy.json", "when"],
            "good-policy.json: kind: must be knowledge for ask, got \"policy\"",
            1,
        ),
        (
            &["ask", "--knowledge", "good-config.json", "when"],
            "good-config.json: documents: holds no knowledge document",
            1,
        ),
        (
            &["ask", "--knowledge", "not-json.json", "when"],
            "not-json.json:4:3: not valid JSON: expected `,` or `}`",
            1,
        ),
        (
            &["ask", "--knowledge", "missing.json", "when"],
            "missing.json: cannot read: No such file or directory (os error 2)",
            2,
        ),
        (
            &["ask", "--knowledge", "knowledge.json", "--lang", "fr", "quand"],
            "concierge-cli ask: --lang: must be one of en, es, nl, de, got \"fr\"",
            2,
        ),
        (
            &["ask", "when"],
            "concierge-cli ask: --knowledge: is required (the knowledge document to search)",
            2,
        ),
    ];
    for (args, stderr, code) in cases {
        check(args, &[], Some(stderr), *code);
    }
    let output = run(&["ask", "--knowledge", "bad-knowledge.json", "when"]);
    assert_eq!(
        lines(&output.stderr),
        [
            "bad-knowledge.json: entries[0].lang: must be one of en, es, nl, de, got \"fr\"",
            "bad-knowledge.json: entries[0].question: must not be empty",
            "bad-knowledge.json: entries[1].link: must use https://, got \"http://shop.example/returns\"",
        ]
    );
}

#[test]
fn check_passes_a_knowledge_document_and_names_each_problem() {
    check(
        &["check", "knowledge.json", "bad-knowledge.json"],
        &[
            "knowledge.json: ok (knowledge version 2)",
            "bad-knowledge.json: entries[0].lang: must be one of en, es, nl, de, got \"fr\"",
            "bad-knowledge.json: entries[0].question: must not be empty",
            "bad-knowledge.json: entries[1].link: must use https://, got \"http://shop.example/returns\"",
        ],
        None,
        1,
    );
}

#[test]
fn catalogue_problems_are_printed_with_their_paths_and_the_demos_catalogue_passes() {
    check(
        &["check", "bad-catalogue.json", "../../../documents/demo/catalogue.json"],
        &[
            "bad-catalogue.json: products[0].name: must not be empty",
            "bad-catalogue.json: products[0].url: must use https://, got \"http://shop.example/aurora\"",
            "bad-catalogue.json: products[0].price: must be a number from 0 to 10000000000, got -1",
            "bad-catalogue.json: products[1].availability: must be one of in_stock, out_of_stock, preorder, backorder, got \"sold\"",
            "bad-catalogue.json: products[1].id: \"aurora-x1\" is listed twice (first at products[0])",
            "bad-catalogue.json: products[0].currency: must be an ISO 4217 code of three capital letters such as EUR, got \"eur\"",
            "../../../documents/demo/catalogue.json: ok (catalogue version 1)",
        ],
        None,
        1,
    );
}
