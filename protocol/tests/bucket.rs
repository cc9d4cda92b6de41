//! Bucketing: GrowthBook's published cases for its hashing, the hash's uniformity over 100 bins,
//! the shares of holdouts and weights of several shapes, the independence
//! of buckets over 100,000 ids (chi-square), stickiness, and agreement with a JavaScript
//! reference built from GrowthBook's SDK on 100,000 ids.

use concierge_protocol::bucket::{
    bucket, bucket_ranges, choose_variation, equal_weights, hash, in_namespace, Assignment, Range,
};
use serde_json::Value;

#[path = "support/visitor_ids.rs"]
mod ids;
use ids::visitor_ids;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// A fixture as JSON; a missing file fails the test, so a green run means the cases ran.
fn fixture(name: &str) -> Value {
    let path = format!("{FIXTURES}/{name}");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {path}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// The cases of one function in GrowthBook's `cases.json`, never none.
fn cases<'a>(all: &'a Value, function: &str) -> &'a [Value] {
    let cases = all[function].as_array().unwrap_or_else(|| panic!("no section {function}"));
    assert!(!cases.is_empty(), "no cases for {function}");
    cases
}

fn number(value: &Value) -> f64 {
    value.as_f64().unwrap_or_else(|| panic!("not a number: {value}"))
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_else(|| panic!("not a string: {value}"))
}

fn numbers(value: &Value) -> Vec<f64> {
    value.as_array().unwrap_or_else(|| panic!("not an array: {value}")).iter().map(number).collect()
}

fn ranges(value: &Value) -> Vec<Range> {
    let rows = value.as_array().unwrap_or_else(|| panic!("not an array: {value}"));
    rows.iter()
        .map(|row| match numbers(row).as_slice() {
            &[start, end] => [start, end],
            _ => panic!("not a range: {row}"),
        })
        .collect()
}

/// The cases print weights and ranges rounded (`0.33333333`), so these compare within 1e-6.
fn close(actual: &[f64], expected: &[f64]) -> bool {
    actual.len() == expected.len() && actual.iter().zip(expected).all(|(a, e)| (a - e).abs() < 1e-6)
}

#[test]
fn growthbooks_published_cases_pass() {
    let all = fixture("growthbook-cases.json");
    let mut ran = 0;

    for case in cases(&all, "hash") {
        let [seed, value, version, expected] = case.as_array().unwrap().as_slice() else {
            panic!("not [seed, value, version, expected]: {case}")
        };
        let version = version.as_u64().unwrap() as u32;
        // Versions 1 and 2 give whole thousandths and ten-thousandths: exactly as JSON has them.
        let expected = expected.as_f64();
        assert_eq!(hash(text(seed), text(value), version), expected, "hash {case}");
        ran += 1;
    }

    for case in cases(&all, "getBucketRange") {
        let [name, args, expected] = case.as_array().unwrap().as_slice() else {
            panic!("not [name, args, expected]: {case}")
        };
        let [variations, coverage, weights] = args.as_array().unwrap().as_slice() else {
            panic!("not [numVariations, coverage, weights]: {args}")
        };
        let weights = (!weights.is_null()).then(|| numbers(weights));
        let actual = bucket_ranges(
            variations.as_u64().unwrap() as usize,
            coverage.as_f64(),
            weights.as_deref(),
        );
        let expected = ranges(expected);
        assert!(
            close(actual.as_flattened(), expected.as_flattened()),
            "getBucketRange {name}: {actual:?}, expected {expected:?}"
        );
        ran += 1;
    }

    for case in cases(&all, "chooseVariation") {
        let [name, n, given, expected] = case.as_array().unwrap().as_slice() else {
            panic!("not [name, n, ranges, expected]: {case}")
        };
        let expected = expected.as_i64().unwrap();
        let expected = (expected >= 0).then_some(expected as usize);
        assert_eq!(choose_variation(number(n), &ranges(given)), expected, "chooseVariation {name}");
        ran += 1;
    }

    for case in cases(&all, "inNamespace") {
        let [name, id, namespace, expected] = case.as_array().unwrap().as_slice() else {
            panic!("not [name, id, namespace, expected]: {case}")
        };
        let [namespace, start, end] = namespace.as_array().unwrap().as_slice() else {
            panic!("not [id, start, end]: {namespace}")
        };
        let actual = in_namespace(text(id), text(namespace), number(start), number(end));
        assert_eq!(Some(actual), expected.as_bool(), "inNamespace {name}");
        ran += 1;
    }

    for case in cases(&all, "getEqualWeights") {
        let [n, expected] = case.as_array().unwrap().as_slice() else {
            panic!("not [n, expected]: {case}")
        };
        // GrowthBook gives none for any n <= 0; the Rust count cannot be negative.
        let n = n.as_i64().unwrap().max(0) as usize;
        let (actual, expected) = (equal_weights(n), numbers(expected));
        assert!(close(&actual, &expected), "getEqualWeights {case}: {actual:?}");
        ran += 1;
    }

    println!("{ran} of GrowthBook's published cases passed");
    assert_eq!(ran, 63, "the fixture's five sections hold 63 cases");
}

/// 0 for the holdout, 1 + i for variant i.
fn cell(assignment: Assignment) -> usize {
    match assignment {
        Assignment::Holdout => 0,
        Assignment::Variant(i) => i + 1,
    }
}

/// Pearson's statistic: the sum of (observed - expected)² / expected.
fn chi_square(observed: &[f64], expected: &[f64]) -> f64 {
    observed.iter().zip(expected).map(|(o, e)| (o - e) * (o - e) / e).sum()
}

/// The 99.9% points of the chi-square distribution (standard tables, e.g. NIST/SEMATECH
/// e-Handbook of Statistical Methods, 1.3.6.7.4), by degrees of freedom.
const CRITICAL_999_DF3: f64 = 16.266;
const CRITICAL_999_DF9: f64 = 27.877;
/// By degrees of freedom from 1 to 4 (same tables), and for 99 (the 0.999 quantile of
/// chi-square with 99 degrees of freedom, 148.230, computed from the regularized incomplete
/// gamma function; Wilson–Hilferty's approximation gives 148.28).
const CRITICAL_999: [f64; 4] = [10.828, 13.816, 16.266, 18.467];
const CRITICAL_999_DF99: f64 = 148.230;

const IDS: usize = 100_000;
const WEIGHTS: [f64; 3] = [0.5, 0.3, 0.2];

#[test]
fn a_tenth_held_out_and_three_weighted_variants_fit_their_shares() {
    let mut observed = [0.0; 4];
    for id in visitor_ids(IDS, 1) {
        observed[cell(bucket(&id, "spring-sale", 0.1, &WEIGHTS))] += 1.0;
    }
    // 10% holdout; the variants share the other 90% as 0.5, 0.3, 0.2.
    let shares = [0.1, 0.9 * 0.5, 0.9 * 0.3, 0.9 * 0.2];
    let expected = shares.map(|share| share * IDS as f64);
    let statistic = chi_square(&observed, &expected);
    println!(
        "goodness of fit: observed {observed:?}, expected {expected:?}, chi-square {statistic:.3} \
         (df 3, 99.9% critical value {CRITICAL_999_DF3})"
    );
    assert!(statistic < CRITICAL_999_DF3, "chi-square {statistic} for {observed:?}");
}

/// The hash's 10,000 steps in 100 bins of 100, each bin expecting 1% of the ids: a goodness of
/// fit with 99 degrees of freedom, at 99.9% significance.
fn uniformity(ids: &[String], seed: &str) -> f64 {
    let mut observed = [0.0; 100];
    for id in ids {
        let n = hash(seed, id, 2).unwrap();
        observed[(n * 100.0) as usize] += 1.0;
    }
    let expected = [ids.len() as f64 / 100.0; 100];
    chi_square(&observed, &expected)
}

#[test]
fn the_hash_spreads_ids_evenly_over_100_bins() {
    // Ids as agents make them, and ids a shop numbers in order (where GrowthBook's first hash
    // was biased), under two campaign ids each.
    let numbered: Vec<String> = (1..=IDS).map(|n| format!("user-{n}")).collect();
    for (ids, kind) in [(visitor_ids(IDS, 4), "agent ids"), (numbered, "numbered ids")] {
        for seed in ["spring-sale", "bench-07"] {
            let statistic = uniformity(&ids, seed);
            println!(
                "{kind}, seed {seed}: chi-square {statistic:.1} over 100 bins \
                 (df 99, 99.9% critical value {CRITICAL_999_DF99})"
            );
            assert!(statistic < CRITICAL_999_DF99, "{kind}, seed {seed}: chi-square {statistic}");
        }
    }
}

#[test]
fn holdouts_and_weights_of_every_shape_fit_their_shares() {
    // (holdout, weights, the shares of the holdout and of each variant).
    let cases: [(f64, &[f64], &[f64]); 5] = [
        (0.0, &[1.0, 1.0], &[0.0, 0.5, 0.5]),
        (0.0, &[70.0, 20.0, 10.0], &[0.0, 0.7, 0.2, 0.1]),
        (0.25, &[1.0, 2.0, 3.0, 4.0], &[0.25, 0.075, 0.15, 0.225, 0.3]),
        (0.5, &[], &[0.5, 0.5]),
        (0.05, &[0.2, 0.8], &[0.05, 0.19, 0.76]),
    ];
    let ids = visitor_ids(IDS, 5);
    for (holdout, weights, shares) in cases {
        let mut observed = vec![0.0; shares.len()];
        for id in &ids {
            observed[cell(bucket(id, "autumn-sale", holdout, weights))] += 1.0;
        }
        // A holdout of 0 is a cell nobody may land in, not a degree of freedom.
        let cells: Vec<usize> = (0..shares.len()).filter(|&i| shares[i] > 0.0).collect();
        assert!(cells.len() == shares.len() || observed[0] == 0.0, "{holdout}: {observed:?}");
        let observed: Vec<f64> = cells.iter().map(|&i| observed[i]).collect();
        let expected: Vec<f64> = cells.iter().map(|&i| shares[i] * IDS as f64).collect();
        let statistic = chi_square(&observed, &expected);
        let critical = CRITICAL_999[cells.len() - 2];
        println!(
            "holdout {holdout}, weights {weights:?}: observed {observed:?}, expected \
             {expected:?}, chi-square {statistic:.3} (df {}, critical {critical})",
            cells.len() - 1
        );
        assert!(statistic < critical, "holdout {holdout}, weights {weights:?}: {statistic}");
    }
}

#[test]
fn two_campaigns_bucket_a_visitor_independently() {
    let mut table = [[0.0; 4]; 4];
    for id in visitor_ids(IDS, 2) {
        let first = cell(bucket(&id, "spring-sale", 0.1, &WEIGHTS));
        let second = cell(bucket(&id, "summer-sale", 0.1, &WEIGHTS));
        table[first][second] += 1.0;
    }
    let rows: Vec<f64> = table.iter().map(|row| row.iter().sum()).collect();
    let columns: Vec<f64> = (0..4).map(|j| table.iter().map(|row| row[j]).sum()).collect();
    let (mut observed, mut expected) = (Vec::new(), Vec::new());
    for i in 0..4 {
        for j in 0..4 {
            observed.push(table[i][j]);
            expected.push(rows[i] * columns[j] / IDS as f64);
        }
    }
    let statistic = chi_square(&observed, &expected);
    println!(
        "independence of two campaigns: {table:?}, chi-square {statistic:.3} \
         (df 9, 99.9% critical value {CRITICAL_999_DF9})"
    );
    assert!(statistic < CRITICAL_999_DF9, "chi-square {statistic} for {table:?}");
}

#[test]
fn a_visitor_keeps_their_bucket() {
    for id in visitor_ids(1000, 3) {
        let first = bucket(&id, "spring-sale", 0.1, &WEIGHTS);
        for _ in 0..3 {
            assert_eq!(bucket(&id, "spring-sale", 0.1, &WEIGHTS), first, "{id}");
            assert_eq!(bucket(&id.clone(), &String::from("spring-sale"), 0.1, &WEIGHTS), first);
        }
    }
    // Pinned, as the JavaScript reference gives them: a change of hashing would move the
    // visitors of every running campaign.
    assert_eq!(hash("spring-sale", "vis_abc", 2), Some(0.6134));
    assert_eq!(bucket("vis_abc", "spring-sale", 0.1, &WEIGHTS), Assignment::Variant(1));
}

#[test]
fn the_holdout_is_the_start_of_the_range_and_the_variants_share_the_rest() {
    let ids = visitor_ids(2000, 4);
    for id in &ids {
        let n = hash("c", id, 2).unwrap();
        let expected = if n < 0.2 {
            Assignment::Holdout
        } else if n < 0.2 + 0.8 * 0.25 {
            Assignment::Variant(0)
        } else {
            Assignment::Variant(1)
        };
        assert_eq!(bucket(id, "c", 0.2, &[1.0, 3.0]), expected, "{id} at {n}");
        // As GrowthBook's own functions compose it: the holdout is variation 0.
        let ranges = bucket_ranges(3, Some(1.0), Some(&[0.2, 0.8 * 0.25, 0.8 * 0.75]));
        let chosen = choose_variation(n, &ranges).unwrap();
        assert_eq!(cell(bucket(id, "c", 0.2, &[0.25, 0.75])), chosen, "{id} at {n}");
    }
    // The edges: all or nothing held out, no variants, unusable weights.
    for id in &ids {
        assert_eq!(bucket(id, "c", 1.0, &WEIGHTS), Assignment::Holdout);
        assert_eq!(bucket(id, "c", 7.0, &WEIGHTS), Assignment::Holdout);
        assert_ne!(bucket(id, "c", 0.0, &WEIGHTS), Assignment::Holdout);
        assert_ne!(bucket(id, "c", f64::NAN, &WEIGHTS), Assignment::Holdout);
        assert_ne!(bucket(id, "c", -1.0, &WEIGHTS), Assignment::Holdout);
        assert_eq!(bucket(id, "c", 0.0, &[]), Assignment::Variant(0));
        assert_ne!(bucket(id, "c", 0.0, &[1.0, 0.0, 1.0]), Assignment::Variant(1));
        assert_eq!(bucket(id, "c", 0.5, &[1.0, -1.0]), bucket(id, "c", 0.5, &[1.0, 1.0]));
        assert_eq!(bucket(id, "c", 0.5, &[0.0, 0.0]), bucket(id, "c", 0.5, &[1.0, 1.0]));
        let infinite = [f64::INFINITY, 1.0];
        assert_eq!(bucket(id, "c", 0.5, &infinite), bucket(id, "c", 0.5, &[1.0, 1.0]));
    }
}

#[test]
fn utf16_code_units_are_hashed_as_javascript_sees_them() {
    // A character outside the Basic Multilingual Plane is two code units (a surrogate pair)
    // for JavaScript's charCodeAt; its UTF-8 bytes would give another hash.
    assert_ne!(hash("", "😀", 1), hash("", "\u{f0}\u{9f}\u{98}\u{80}", 1));
    // Seed and value are hashed as one string: only the concatenation matters.
    assert_eq!(hash("ab", "c", 2), hash("a", "bc", 2));
    assert_eq!(hash("é", "😀1", 2), hash("é😀", "1", 2));
}

/// FNV-1a (32 bits) over one more byte.
fn fnv_byte(hash: u32, byte: u8) -> u32 {
    (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
}

#[test]
fn the_buckets_agree_with_growthbooks_javascript_on_100000_ids() {
    // bucket-reference.json was written once by bucket-reference.mjs (GrowthBook's SDK
    // functions and Concierge's mapping composed from them, run by node): see README.md.
    let reference = fixture("bucket-reference.json");
    let count = reference["ids"].as_u64().unwrap() as usize;
    assert_eq!(count, IDS);
    let prefixes: Vec<&str> = reference["prefixes"].as_array().unwrap().iter().map(text).collect();
    let multiplier = reference["multiplier"].as_u64().unwrap();
    let ids: Vec<String> = (0..count as u64)
        .map(|i| {
            let prefix = prefixes[i as usize % prefixes.len()];
            let scrambled = i * multiplier % (1 << 32);
            concierge_protocol::text!(prefix, scrambled)
        })
        .collect();
    let campaigns = reference["campaigns"].as_array().unwrap();
    assert!(!campaigns.is_empty(), "no campaigns in bucket-reference.json");

    let mut checksum = 0x811c_9dc5;
    for campaign in campaigns {
        let id = text(&campaign["campaign"]);
        let holdout = number(&campaign["holdout"]);
        let weights = numbers(&campaign["weights"]);
        let mut counts = vec![0u64; weights.len().max(1) + 1];
        let mut fnv = 0x811c_9dc5;
        for visitor in &ids {
            let byte = cell(bucket(visitor, id, holdout, &weights));
            counts[byte] += 1;
            fnv = fnv_byte(fnv, byte as u8);
            checksum = fnv_byte(checksum, byte as u8);
        }
        let expected: Vec<u64> =
            campaign["counts"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect();
        assert_eq!(counts, expected, "counts of {id}");
        assert_eq!(u64::from(fnv), campaign["fnv"].as_u64().unwrap(), "checksum of {id}");
    }
    assert_eq!(u64::from(checksum), reference["checksum"].as_u64().unwrap());
    println!(
        "{} campaigns x {count} ids agree with the JavaScript reference (FNV-1a {checksum})",
        campaigns.len()
    );
}
