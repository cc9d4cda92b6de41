//! Deterministic, sticky bucketing of visitors into a campaign's holdout and variants.
//!
//! The hashing is GrowthBook's, as its SDK specification ("Build your own SDK") defines it and
//! its JavaScript SDK implements it (`packages/sdk-js/src/util.ts`): [`hash`], [`equal_weights`],
//! [`bucket_ranges`] (`getBucketRanges`), [`in_range`], [`choose_variation`] and
//! [`in_namespace`], checked against the SDK's published `cases.json`
//! (`protocol/tests/bucket.rs`). Strings are hashed as JavaScript sees them, one UTF-16 code
//! unit at a time (`charCodeAt`), so a visitor id with accents or emoji lands in the same bucket
//! in the agent, on the backend and in any GrowthBook SDK.
//!
//! Concierge's own mapping is [`bucket`]:
//!
//! - `n = hash(seed = campaign id, value = visitor id, version 2)`, a number in `[0, 1)` in steps
//!   of 1/10,000. The same visitor and campaign always give the same `n` (every tab, every
//!   reload, the server); another campaign id gives an independent one.
//! - The first `holdout_share` of the range, `[0, h)`, is the holdout.
//! - The rest, `[h, 1)`, is shared by the variants in proportion to their weights, in order:
//!   variant `i` gets `(1 - h) * w[i] / sum(w)`. This is exactly GrowthBook's
//!   `chooseVariation(n, getBucketRanges(k + 1, 1, [h, (1 - h) * w[0] / sum, ...]))` with the
//!   holdout as variation 0.
//!
//! A running campaign keeps its buckets only while its id, holdout share and weights stay as
//! they are: changing a share moves the boundaries, and with them some visitors.
//!
//! Nothing here uses `core::fmt` (the agent's Wasm does not carry it): the decimal text hash
//! version 2 needs is written by [`crate::text::push_integer`].

use crate::text::push_integer;

/// A bucket's range of hash values, `[start, end)`, as GrowthBook's `VariationRange`.
pub type Range = [f64; 2];

/// Where [`bucket`] puts a visitor in a campaign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assignment {
    /// Sees nothing, but is tracked as if the campaign had been shown.
    Holdout,
    /// Sees the variant with this index in the campaign's list.
    Variant(usize),
}

/// 32-bit FNV-1a over the UTF-16 code units of `parts`, one after the other, as GrowthBook's
/// `hashFnv32a` over their concatenation (its shifts and adds are the multiplication by the FNV
/// prime 16777619, modulo 2^32).
fn fnv32a(parts: &[&str]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for part in parts {
        for unit in part.encode_utf16() {
            hash ^= u32::from(unit);
            hash = hash.wrapping_mul(0x0100_0193);
        }
    }
    hash
}

/// GrowthBook's `hash(seed, value, version)`: a number in `[0, 1)`, or `None` for a version
/// other than 1 and 2.
///
/// - Version 1: `(fnv32a(value + seed) % 1000) / 1000` (GrowthBook's original, biased).
/// - Version 2: `(fnv32a(decimal(fnv32a(seed + value))) % 10000) / 10000`.
pub fn hash(seed: &str, value: &str, version: u32) -> Option<f64> {
    match version {
        1 => Some(f64::from(fnv32a(&[value, seed]) % 1000) / 1000.0),
        2 => Some(f64::from(hash_v2_units(seed, value)) / 10000.0),
        _ => None,
    }
}

/// Version 2 in whole units of 1/10,000.
fn hash_v2_units(seed: &str, value: &str) -> u32 {
    let mut decimal = String::new();
    push_integer(&mut decimal, i128::from(fnv32a(&[seed, value])));
    fnv32a(&[&decimal]) % 10000
}

/// GrowthBook's `getEqualWeights(n)`: `n` weights of `1 / n` (none for 0).
pub fn equal_weights(n: usize) -> Vec<f64> {
    vec![1.0 / n as f64; n]
}

/// GrowthBook's `getBucketRanges(numVariations, coverage, weights)`.
///
/// Coverage defaults to 1 and is clamped to `[0, 1]`; weights default to equal ones, and so
/// do weights of another length than `variations` or whose sum is outside `[0.99, 1.01]`.
/// Variation `i` gets `[c, c + coverage * w[i])`, where `c` is the sum of the weights before it.
pub fn bucket_ranges(
    variations: usize,
    coverage: Option<f64>,
    weights: Option<&[f64]>,
) -> Vec<Range> {
    // A coverage that is not a number stays so, as in JavaScript.
    let coverage = coverage.unwrap_or(1.0).clamp(0.0, 1.0);
    let equal = equal_weights(variations);
    let mut weights = weights.unwrap_or(&equal);
    if weights.len() != variations {
        weights = &equal;
    }
    let total = weights.iter().fold(0.0, |sum, w| sum + w);
    // Written as GrowthBook writes it: a sum that is not a number keeps the weights.
    #[allow(clippy::manual_range_contains)]
    if total < 0.99 || total > 1.01 {
        weights = &equal;
    }
    let mut cumulative = 0.0;
    weights
        .iter()
        .map(|w| {
            let start = cumulative;
            cumulative += w;
            [start, start + coverage * w]
        })
        .collect()
}

/// GrowthBook's `inRange(n, range)`: `start <= n < end`.
pub fn in_range(n: f64, range: Range) -> bool {
    n >= range[0] && n < range[1]
}

/// GrowthBook's `chooseVariation(n, ranges)`: the first range holding `n` (GrowthBook's -1 is
/// `None`).
pub fn choose_variation(n: f64, ranges: &[Range]) -> Option<usize> {
    ranges.iter().position(|&range| in_range(n, range))
}

/// GrowthBook's `inNamespace(hashValue, [id, start, end])`: hash version 1 with seed `__{id}`.
pub fn in_namespace(value: &str, namespace: &str, start: f64, end: f64) -> bool {
    let mut seed = String::from("__");
    seed.push_str(namespace);
    hash(&seed, value, 1).is_some_and(|n| n >= start && n < end)
}

/// The visitor's bucket in a campaign: the holdout or one of the variants (module docs).
///
/// `holdout_share` is clamped to `[0, 1]` (not a number counts as 0). `weights` are relative
/// (`[50, 30, 20]` is `[0.5, 0.3, 0.2]`); no weights is one variant, and weights that are
/// negative, not finite or all zero count as equal ones.
pub fn bucket(
    visitor_id: &str,
    campaign_id: &str,
    holdout_share: f64,
    weights: &[f64],
) -> Assignment {
    let n = f64::from(hash_v2_units(campaign_id, visitor_id)) / 10000.0;
    let holdout = if holdout_share > 0.0 { holdout_share.min(1.0) } else { 0.0 };
    if n < holdout {
        return Assignment::Holdout;
    }
    let usable = weights.iter().all(|w| w.is_finite() && *w >= 0.0);
    let sum = weights.iter().fold(0.0, |sum, w| sum + w);
    let equal = !usable || sum <= 0.0 || !sum.is_finite();
    let count = if equal { weights.len().max(1) } else { weights.len() };
    let total = if equal { count as f64 } else { sum };
    // Contiguous ranges from 0, in order: the first whose end is above `n` holds it, as
    // `chooseVariation` finds it.
    let weight = |variant: usize| if equal { 1.0 } else { weights[variant] };
    let mut end = holdout;
    for variant in 0..count {
        end += (1.0 - holdout) * weight(variant) / total;
        if n < end {
            return Assignment::Variant(variant);
        }
    }
    // Rounding can leave the top of the range (about 1e-16 wide, above any `n`) uncovered.
    Assignment::Variant(count - 1)
}
