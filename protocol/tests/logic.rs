//! JSON Logic: every case of json-logic-js's official test file, then the bounds that keep a
//! hostile rule from freezing the page, the compile-time refusals and JavaScript's coercions.

use concierge_protocol::logic::{truthy, LogicError, Rule, MAX_DEPTH};
use concierge_protocol::Value;
use std::time::{Duration, Instant};

/// json-logic-js's `tests/tests.json`, kept beside the repository in `shared/vectors`.
const OFFICIAL_TESTS: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors/jsonlogic/tests.json");

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("{text}: {error}"))
}

fn evaluate(rule: &str, data: &str) -> Result<Value, LogicError> {
    Rule::compile(&json(rule))
        .unwrap_or_else(|problem| panic!("{rule}: {problem}"))
        .evaluate(&json(data))
}

/// Asserts `rule` over `data` gives `expected` (JSON text).
fn check(rule: &str, data: &str, expected: &str) {
    assert_eq!(evaluate(rule, data), Ok(json(expected)), "{rule} over {data}");
}

#[test]
fn every_official_case_passes() {
    // A missing file fails the test: a green run must mean the cases ran.
    let text = std::fs::read_to_string(OFFICIAL_TESTS)
        .unwrap_or_else(|error| panic!("cannot read {OFFICIAL_TESTS}: {error}"));
    let Value::Array(rows) = json(&text) else { panic!("{OFFICIAL_TESTS} is not an array") };
    let (mut cases, mut failures) = (0, Vec::new());
    for row in &rows {
        // Strings between the cases name sections ("# Missing").
        let Value::Array(case) = row else { continue };
        let [rule, data, expected] = case.as_slice() else {
            panic!("not [rule, data, expected]: {row:?}")
        };
        cases += 1;
        let outcome = Rule::compile(rule)
            .map_err(|problem| problem.to_string())
            .and_then(|rule| rule.evaluate(data).map_err(|error| error.message().to_owned()));
        if outcome.as_ref() != Ok(expected) {
            failures.push(format!(
                "{} over {}: {outcome:?}, expected {}",
                rule.to_json(),
                data.to_json(),
                expected.to_json()
            ));
        }
    }
    println!("{cases} official JSON Logic cases, {} failed", failures.len());
    assert!(cases > 0, "no cases in {OFFICIAL_TESTS}");
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_rule_compiles_once_and_evaluates_against_many_data() {
    let rule = Rule::compile(&json(
        r#"{"and": [{">=": [{"var": "cart.total"}, 50]}, {"in": [{"var": "country"}, ["NL", "DE"]]}]}"#,
    ))
    .unwrap();
    let visitors = [
        (r#"{"cart": {"total": 80}, "country": "NL"}"#, true),
        (r#"{"cart": {"total": 20}, "country": "NL"}"#, false),
        (r#"{"cart": {"total": 99.5}, "country": "ES"}"#, false),
        (r#"{"cart": {"total": "50"}, "country": "DE"}"#, true),
        (r#"{"country": "DE"}"#, false),
        ("null", false),
    ];
    for (data, expected) in visitors {
        let result = rule.evaluate(&json(data)).unwrap();
        assert_eq!(truthy(&result), expected, "{data}");
    }
}

#[test]
fn an_unsupported_operator_is_refused_at_compile_time_with_its_path() {
    let problem = |rule: &str| Rule::compile(&json(rule)).unwrap_err();
    let refused = problem(r#"{"and": [true, {"foo": [1]}]}"#);
    assert_eq!(refused.path, "and[1].foo");
    assert_eq!(refused.message, "unsupported operator \"foo\"");
    // Even in a branch no data would reach, and behind a one-operand shorthand.
    assert_eq!(problem(r#"{"if": [false, {"!": {"method": ["a", "b"]}}]}"#).path, "if[1].!.method");
    assert_eq!(problem(r#"{"Var": "a"}"#).path, "Var");
    // An object with other than one key is data, not an operator, as in json-logic-js.
    check(r#"{"if": [true, {"a": 1, "b": 2}]}"#, "null", r#"{"a": 1, "b": 2}"#);
    check(r#"[{}, {"==": [1, 1]}]"#, "null", "[{}, true]");
}

/// `{"!": {"!": ... true ...}}`, `depth` operators deep.
fn nested_not(depth: usize) -> Value {
    let mut rule = Value::Bool(true);
    for _ in 0..depth {
        rule = Value::Object(vec![("!".into(), rule)]);
    }
    rule
}

#[test]
fn a_rule_nested_too_deeply_is_refused_at_compile_time() {
    let fine = Rule::compile(&nested_not(MAX_DEPTH)).unwrap();
    assert_eq!(fine.evaluate(&Value::Null), Ok(Value::Bool(true)));

    let hostile = nested_not(10_000);
    let problem = Rule::compile(&hostile).unwrap_err();
    assert_eq!(problem.message, "nests deeper than 64 levels");
    assert!(problem.path.starts_with("!.!.!."), "{}", problem.path);
    // Taken apart from the inside out: dropping 10,000 nested levels would recurse as deep.
    let mut rule = hostile;
    while let Value::Object(mut fields) = rule {
        rule = fields.pop().map_or(Value::Null, |(_, inner)| inner);
    }

    let deep_literal = (0..MAX_DEPTH + 1).fold(Value::Null, |inner, _| Value::Array(vec![inner]));
    let rule = Value::Object(vec![(
        "reduce".into(),
        Value::Array(vec![Value::Null, Value::Null, deep_literal]),
    )]);
    assert_eq!(Rule::compile(&rule).unwrap_err().path, "reduce[2]");
}

#[test]
fn a_long_reduce_stops_at_the_step_budget_quickly() {
    let numbers = |count: u32| {
        let items = Value::Array((0..count).map(|n| Value::Number(f64::from(n))).collect());
        Value::Object(vec![("items".into(), items)])
    };
    let rule = Rule::compile(&json(
        r#"{"reduce": [{"var": "items"}, {"+": [{"var": "current"}, {"var": "accumulator"}]}, 0]}"#,
    ))
    .unwrap();
    // 5,000 elements: reading them fits the budget, adding them up does not.
    // A million: reading them already does not, and nothing is copied before that is known.
    for count in [5_000, 1_000_000] {
        let data = numbers(count);
        let started = Instant::now();
        assert_eq!(rule.evaluate(&data), Err(LogicError::TooManySteps), "{count}");
        assert!(started.elapsed() < Duration::from_millis(100), "{count}: {:?}", started.elapsed());
    }
    // The same rule over a cart-sized list is well within the budget.
    assert_eq!(rule.evaluate(&numbers(100)), Ok(Value::Number(4950.0)));
}

#[test]
fn reading_a_value_costs_its_size_though_nothing_is_copied() {
    // `var` and literals hand back what the data and the rule hold, borrowed; each is charged
    // a step per element as the copy it once was, so the budget bounds the same rules.
    let items: Vec<String> = (0..2_480).map(|n| n.to_string()).collect();
    let data = format!(r#"{{"a": [{}]}}"#, items.join(","));
    let reads = |count: usize| {
        let reads = vec![r#"{"var": "a"}"#; count].join(", ");
        evaluate(&format!(r#"{{"and": [{reads}]}}"#), &data)
    };
    assert!(reads(4).is_ok(), "four reads of 2,481 steps fit in 10,000");
    assert_eq!(reads(5), Err(LogicError::TooManySteps), "five do not");
    let literal =
        format!(r#"{{"and": [{}]}}"#, vec![format!("[{}]", items.join(",")); 5].join(", "));
    assert_eq!(evaluate(&literal, "null"), Err(LogicError::TooManySteps), "nor five literals");
}

#[test]
fn values_that_grow_each_round_stop_at_the_bounds() {
    let ten = r#"{"n": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]}"#;
    // Doubling an array 30 times would be a billion elements: copies are paid for by size.
    let doubling = r#"{"reduce": [{"var": "n"}, {"merge": [{"var": "accumulator"}, {"var": "accumulator"}]}, [1]]}"#;
    assert_eq!(evaluate(doubling, ten), Err(LogicError::TooManySteps));
    // As is text.
    let text = r#"{"reduce": [{"var": "n"}, {"cat": [{"var": "accumulator"}, {"var": "accumulator"}]}, "abcdefgh"]}"#;
    assert_eq!(evaluate(text, ten), Err(LogicError::TooManySteps));
    // Wrapping the accumulator once per element nests it deeper each round.
    let items: Vec<String> = (0..300).map(|n| n.to_string()).collect();
    let many = format!(r#"{{"n": [{}]}}"#, items.join(","));
    let wrapping = r#"{"reduce": [{"var": "n"}, [{"var": "accumulator"}], 0]}"#;
    assert_eq!(evaluate(wrapping, &many), Err(LogicError::TooDeep));
}

#[test]
fn javascript_coercions_beyond_the_official_cases() {
    let cases = [
        // Loose equality.
        (r#"{"==": [null, 0]}"#, "false"),
        (r#"{"==": [null, null]}"#, "true"),
        (r#"{"==": [[], false]}"#, "true"),
        (r#"{"==": [[1, 2], "1,2"]}"#, "true"),
        (r#"{"==": [true, "1"]}"#, "true"),
        (r#"{"==": [" 1 ", 1]}"#, "true"),
        (r#"{"==": ["", 0]}"#, "true"),
        (r#"{"==": [[1], [1]]}"#, "false"),
        (r#"{"===": [1, 1.0]}"#, "true"),
        (r#"{"!=": ["a", "b"]}"#, "true"),
        // Comparisons: two strings by code units, anything else as numbers.
        (r#"{"<": ["10", "9"]}"#, "true"),
        (r#"{"<": ["10", 9]}"#, "false"),
        (r#"{"<": ["abc", 1]}"#, "false"),
        (r#"{">=": ["abc", 1]}"#, "false"),
        (r#"{"<": [null, 1]}"#, "true"),
        (r#"{"<=": [1, 1, "1"]}"#, "true"),
        // Arithmetic: + and * read with parseFloat, the others with Number.
        (r#"{"+": ["3px", 1]}"#, "4"),
        (r#"{"+": []}"#, "0"),
        (r#"{"*": ["2"]}"#, r#""2""#),
        (r#"{"-": ["0x10", 1]}"#, "15"),
        (r#"{"-": [[5]]}"#, "-5"),
        (r#"{"%": [-7, 2]}"#, "-1"),
        (r#"{"/": [1, 8]}"#, "0.125"),
        (r#"{"min": ["3", 2, true]}"#, "1"),
        // Text.
        (
            r#"{"cat": [1.5, " ", 0.1, " ", null, [1, [2, null]], " ", {"var": ""}]}"#,
            r#""1.5 0.1 1,2, [object Object]""#,
        ),
        (
            r#"{"cat": [1e21, " ", 123456789012345000000, " ", 2e-7]}"#,
            r#""1e+21 123456789012345000000 2e-7""#,
        ),
        (r#"{"substr": ["héllo wörld", -5]}"#, r#""wörld""#),
        (r#"{"substr": ["abc", 1, "-1"]}"#, r#""""#),
        // UTF-16 code units, as JavaScript counts: half an emoji is U+FFFD once in the Wasm.
        (r#"{"substr": ["a😀b", 1, 2]}"#, r#""😀""#),
        (r#"{"substr": ["a😀b", 1, 1]}"#, r#""\ufffd""#),
        (r#"{"substr": ["a😀b", -2]}"#, r#""\ufffdb""#),
        (r#"{"var": "emoji.length"}"#, "4"),
        (r#"{"<": ["\uffff", "😀"]}"#, "false"),
        (r#"{"substr": []}"#, r#""undefined""#),
        (r#"{"in": [1, "a1"]}"#, "true"),
        (r#"{"in": ["1", [1]]}"#, "false"),
        (r#"{"in": ["", ""]}"#, "false"),
        // Data paths.
        (r#"{"var": "items.length"}"#, "2"),
        (r#"{"var": "items.1.sku"}"#, r#""b""#),
        (r#"{"var": "items.01"}"#, "null"),
        (r#"{"var": "name.0"}"#, r#""K""#),
        (r#"{"var": ["missing.deeper", "fallback"]}"#, r#""fallback""#),
        (r#"{"var": ["nothing", "fallback"]}"#, "null"),
        (r#"{"missing": ["name", "nothing", "empty", "items.0.sku"]}"#, r#"["nothing", "empty"]"#),
        (r#"{"missing_some": [1, "name"]}"#, "[]"),
        // Truthiness and the operators that short-circuit.
        (r#"{"!": []}"#, "true"),
        (r#"{"!!": [{}]}"#, "true"),
        (r#"{"or": []}"#, "null"),
        (r#"{"if": {"var": "name"}}"#, r#""K7M""#),
        (r#"{"log": {"var": "name"}}"#, r#""K7M""#),
        (r#"{"map": [{"var": "items"}, {"var": "sku"}]}"#, r#"["a", "b"]"#),
        // json-logic-js takes reduce's initial value as written.
        (r#"{"reduce": [[1], {"var": "accumulator"}, {"var": "x"}]}"#, r#"{"var": "x"}"#),
    ];
    let data = r#"{"emoji": "a😀b", "name": "K7M", "nothing": null, "empty": "", "items": [{"sku": "a"}, {"sku": "b"}]}"#;
    for (rule, expected) in cases {
        check(rule, data, expected);
    }
    assert_eq!(evaluate(r#"{"max": []}"#, "null"), Ok(Value::Number(f64::NEG_INFINITY)));
    assert!(matches!(evaluate(r#"{"/": [0, 0]}"#, "null"), Ok(Value::Number(n)) if n.is_nan()));
    assert_eq!(evaluate(r#"{"*": []}"#, "null"), Err(LogicError::NothingToMultiply));
    assert_eq!(evaluate(r#"{"missing_some": [1, null]}"#, "null"), Err(LogicError::NoKeys));
}
