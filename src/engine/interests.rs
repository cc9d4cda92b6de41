//! The local interest model (issue 12): decayed affinities per product category, brand and price
//! band, learnt on the device from what the visitor views (weighted by the time the page was
//! visible), lists, searches, adds to and removes from the cart, and buys.
//!
//! Each key's score halves every `half_life` (settings `interests.half_life_days`, default 7):
//! it is kept as a value at a time and decayed to `now` when read, so nothing ticks. A dimension
//! keeps at most [`KEYS_PER_DIMENSION`] keys (the weakest goes), and each key remembers the last
//! [`REASONS_PER_KEY`] events that fed it, so `concierge('interests')` can say why.
//!
//! Architecture invariant: the model is fed only by observations the engine is handed and read
//! with an explicit `now`; whether it is kept (section `interests`, data category `interests`)
//! or sent (`Payload::Interests`) is the agent's decision, never this module's.

use super::Millis;

/// Keys a dimension keeps at most; beyond it the weakest (decayed to now) is forgotten.
pub const KEYS_PER_DIMENSION: usize = 32;
/// The events a key remembers for its explanation, newest last.
pub const REASONS_PER_KEY: usize = 3;
/// The longest key kept, in characters (longer ones are cut).
pub const MAX_KEY_CHARS: usize = 64;
/// The default half-life: a week.
pub const DEFAULT_HALF_LIFE: Millis = 7 * DAY;
const DAY: Millis = 86_400_000;
/// Products of one list view that count; a long listing says little about each product.
const LIST_PRODUCTS: usize = 10;
/// A product page visible this long earns its full dwell bonus.
const FULL_DWELL_SECONDS: f64 = 60.0;

/// What an interest is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    Category,
    Brand,
    PriceBand,
}

impl Dimension {
    pub const ALL: [Dimension; 3] = [Dimension::Category, Dimension::Brand, Dimension::PriceBand];

    pub fn name(self) -> &'static str {
        match self {
            Dimension::Category => "category",
            Dimension::Brand => "brand",
            Dimension::PriceBand => "price_band",
        }
    }

    pub fn from_name(name: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|dimension| dimension.name() == name)
    }
}

/// The bands prices fall in, in major units.
pub const PRICE_BANDS: [&str; 5] = ["0-25", "25-100", "100-300", "300-1000", "1000+"];

/// The band of a price in minor units (cents: 100 to the major unit): "0-25", "25-100",
/// "100-300", "300-1000", "1000+" (major units; a bound belongs to the band above it).
pub fn price_band(minor: i64) -> &'static str {
    let index = match minor {
        i64::MIN..=2_499 => 0,
        2_500..=9_999 => 1,
        10_000..=29_999 => 2,
        30_000..=99_999 => 3,
        _ => 4,
    };
    PRICE_BANDS[index]
}

/// What fed the model, for the explanation (GA4's event names, and `dwell` for the time a
/// product page was visible).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    ViewItem,
    ViewItemList,
    Search,
    AddToCart,
    RemoveFromCart,
    Purchase,
    Dwell,
}

impl Source {
    pub const ALL: [Source; 7] = [
        Source::ViewItem,
        Source::ViewItemList,
        Source::Search,
        Source::AddToCart,
        Source::RemoveFromCart,
        Source::Purchase,
        Source::Dwell,
    ];

    pub fn name(self) -> &'static str {
        [
            "view_item",
            "view_item_list",
            "search",
            "add_to_cart",
            "remove_from_cart",
            "purchase",
            "dwell",
        ][self as usize]
    }

    pub fn from_name(name: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|source| source.name() == name)
    }

    /// What one product of this event adds to each of its keys (a removal takes away).
    pub fn weight(self) -> f64 {
        match self {
            Source::ViewItem => 1.0,
            Source::ViewItemList => 0.2,
            Source::Search => 0.8,
            Source::AddToCart => 3.0,
            Source::RemoveFromCart => -1.5,
            Source::Purchase => 5.0,
            Source::Dwell => 1.0,
        }
    }
}

/// A product as an observation describes it; each part is optional.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Product {
    pub category: Option<String>,
    pub brand: Option<String>,
    /// Unit price in minor units.
    pub price: Option<i64>,
}

/// One thing the visitor did that says what interests them.
#[derive(Clone, Debug, PartialEq)]
pub enum Observation {
    /// A GA4 ecommerce event (or a schema.org product on the page, as `view_item`).
    Products(Source, Vec<Product>),
    /// A search, with its terms (`search_term`, or the URL's `q`, `s`, `search`, `query`).
    Search(String),
    /// The product page viewed last was visible this many seconds (reported at hide or at an
    /// SPA navigation).
    Dwell(u32),
}

/// One event that fed a key: what, when, and how much it added.
#[derive(Clone, Debug, PartialEq)]
pub struct Reason {
    pub source: Source,
    pub at: Millis,
    pub weight: f64,
}

/// One key's score as last updated, with its reasons.
#[derive(Clone, Debug, PartialEq)]
pub struct Affinity {
    pub dimension: Dimension,
    pub key: String,
    /// The score at `at`; decayed when read.
    pub score: f64,
    pub at: Millis,
    pub because: Vec<Reason>,
}

/// An interest as [`Interests::top`] reports it: its score normalised within its dimension.
#[derive(Clone, Debug, PartialEq)]
pub struct Top {
    pub dimension: Dimension,
    pub key: String,
    pub score: f64,
    pub because: Vec<Reason>,
}

/// Every key's normalised affinity at one `now` ([`Interests::at`]); what a ranking reads.
pub struct Snapshot<'a> {
    scores: Vec<(Dimension, &'a str, f64)>,
}

impl Snapshot<'_> {
    /// The same as [`Interests::affinity`] at the snapshot's `now`.
    pub fn affinity(&self, dimension: Dimension, key: &str) -> f64 {
        (self.scores.iter())
            .find(|(d, k, _)| *d == dimension && same_key(k, key))
            .map_or(0.0, |(_, _, score)| *score)
    }
}

/// The model: every key of every dimension, and the product viewed last on this page (which
/// the dwell bonus goes to).
#[derive(Clone, Debug, PartialEq)]
pub struct Interests {
    pub half_life: Millis,
    pub affinities: Vec<Affinity>,
    /// The product page this page showed last (not kept: dwell is reported on the same page,
    /// and ends it: an SPA navigation reports the dwell before its new page).
    pub viewing: Option<Product>,
}

impl Default for Interests {
    fn default() -> Interests {
        Interests { half_life: DEFAULT_HALF_LIFE, affinities: Vec::new(), viewing: None }
    }
}

impl Interests {
    /// A score at `at` decayed to `now` (a time before `at` is taken as `at`).
    fn decayed(&self, score: f64, at: Millis, now: Millis) -> f64 {
        let elapsed = (now - at).max(0) as f64;
        score * half_power(elapsed / self.half_life.max(1) as f64)
    }

    /// The raw decayed score of one key.
    fn raw(&self, dimension: Dimension, key: &str, now: Millis) -> f64 {
        (self.affinities.iter())
            .find(|a| a.dimension == dimension && a.key == key)
            .map_or(0.0, |a| self.decayed(a.score, a.at, now))
    }

    /// The strongest raw score of a dimension at `now`.
    fn strongest(&self, dimension: Dimension, now: Millis) -> f64 {
        (self.affinities.iter())
            .filter(|a| a.dimension == dimension)
            .map(|a| self.decayed(a.score, a.at, now))
            .fold(0.0, f64::max)
    }

    /// The affinity of one key, decayed to `now`, normalised to 0..=1 within its dimension
    /// (the dimension's strongest key is 1; an unknown key 0).
    pub fn affinity(&self, dimension: Dimension, key: &str, now: Millis) -> f64 {
        let strongest = self.strongest(dimension, now);
        if strongest <= 0.0 {
            return 0.0;
        }
        let key = normalise(key);
        (self.raw(dimension, &key, now) / strongest).clamp(0.0, 1.0)
    }

    /// The model read at `now` for one ranking: every key's normalised affinity, each
    /// dimension's strongest score found once rather than again for every product and
    /// dimension the ranking asks about.
    pub fn at(&self, now: Millis) -> Snapshot<'_> {
        let strongest = Dimension::ALL.map(|d| self.strongest(d, now));
        let mut scores = Vec::with_capacity(self.affinities.len());
        for a in &self.affinities {
            let top = strongest[a.dimension as usize];
            let raw = self.decayed(a.score, a.at, now);
            let score = if top <= 0.0 { 0.0 } else { (raw / top).clamp(0.0, 1.0) };
            scores.push((a.dimension, a.key.as_str(), score));
        }
        Snapshot { scores }
    }

    /// The top `n` interests across dimensions, decayed to `now`, best first: by normalised
    /// score, then by raw score (a dimension's leader with more behind it first), then by
    /// dimension and key, so the order is stable.
    pub fn top(&self, n: usize, now: Millis) -> Vec<Top> {
        let strongest = Dimension::ALL.map(|d| self.strongest(d, now));
        let mut ranked: Vec<(f64, f64, &Affinity)> = (self.affinities.iter())
            .filter_map(|a| {
                let raw = self.decayed(a.score, a.at, now);
                let top = strongest[a.dimension as usize];
                (raw > 0.0 && top > 0.0).then(|| (raw / top, raw, a))
            })
            .collect();
        ranked.sort_by(|x, y| {
            (y.0.total_cmp(&x.0))
                .then(y.1.total_cmp(&x.1))
                .then(x.2.dimension.cmp(&y.2.dimension))
                .then(x.2.key.cmp(&y.2.key))
        });
        (ranked.into_iter().take(n))
            .map(|(score, _, a)| Top {
                dimension: a.dimension,
                key: a.key.clone(),
                score,
                because: a.because.clone(),
            })
            .collect()
    }

    /// The best key of a dimension at `now`, if any has a score.
    pub fn leader(&self, dimension: Dimension, now: Millis) -> Option<&str> {
        let mut best: Option<(f64, &Affinity)> = None;
        for a in self.affinities.iter().filter(|a| a.dimension == dimension) {
            let raw = self.decayed(a.score, a.at, now);
            let better =
                best.is_none_or(|(score, b)| raw > score || (raw == score && a.key < b.key));
            if raw > 0.0 && better {
                best = Some((raw, a));
            }
        }
        best.map(|(_, a)| a.key.as_str())
    }

    /// Every key of a dimension with its normalised score at `now`, in the order they were
    /// first met.
    pub fn scores(&self, dimension: Dimension, now: Millis) -> Vec<(&str, f64)> {
        let strongest = self.strongest(dimension, now);
        let mut scores = Vec::new();
        for a in self.affinities.iter().filter(|a| a.dimension == dimension) {
            let score = self.decayed(a.score, a.at, now) / strongest;
            if score > 0.0 {
                scores.push((a.key.as_str(), score));
            }
        }
        scores
    }

    /// Learns from one observation at `now`. Returns whether the model changed.
    pub fn observe(&mut self, observation: &Observation, now: Millis) -> bool {
        match observation {
            Observation::Products(source, products) => {
                let count =
                    if *source == Source::ViewItemList { LIST_PRODUCTS } else { usize::MAX };
                // The same product page told twice (its dataLayer and its JSON-LD) counts once.
                let told = *source == Source::ViewItem && products.first() == self.viewing.as_ref();
                let mut changed = false;
                for product in products.iter().take(count).skip(usize::from(told)) {
                    changed |= self.feed(product, *source, source.weight(), now);
                }
                if *source == Source::ViewItem {
                    if let Some(product) = products.first() {
                        self.viewing = Some(product.clone());
                    }
                }
                changed
            }
            Observation::Search(terms) => {
                let key = normalise(terms);
                if key.is_empty() {
                    return false;
                }
                // A search for a brand the visitor has met is about the brand.
                let known_brand = self.raw(Dimension::Brand, &key, now) > 0.0;
                let dimension = if known_brand { Dimension::Brand } else { Dimension::Category };
                self.add(dimension, key, Source::Search, Source::Search.weight(), now)
            }
            Observation::Dwell(seconds) => {
                let Some(product) = self.viewing.take() else { return false };
                let share = (f64::from(*seconds) / FULL_DWELL_SECONDS).min(1.0);
                let weight = (Source::Dwell.weight() * share * 100.0).round() / 100.0;
                weight > 0.0 && self.feed(&product, Source::Dwell, weight, now)
            }
        }
    }

    /// Adds `weight` to each key a product names.
    fn feed(&mut self, product: &Product, source: Source, weight: f64, now: Millis) -> bool {
        let mut changed = false;
        if let Some(category) = product.category.as_deref().map(normalise) {
            changed |= self.add(Dimension::Category, category, source, weight, now);
        }
        if let Some(brand) = product.brand.as_deref().map(normalise) {
            changed |= self.add(Dimension::Brand, brand, source, weight, now);
        }
        if let Some(price) = product.price.filter(|price| *price >= 0) {
            changed |=
                self.add(Dimension::PriceBand, price_band(price).to_owned(), source, weight, now);
        }
        changed
    }

    fn add(
        &mut self,
        dimension: Dimension,
        key: String,
        source: Source,
        weight: f64,
        now: Millis,
    ) -> bool {
        if key.is_empty() || weight == 0.0 {
            return false;
        }
        let reason = Reason { source, at: now, weight };
        let found = self.affinities.iter().position(|a| a.dimension == dimension && a.key == key);
        match found {
            Some(index) => {
                let current = &self.affinities[index];
                let score = (self.decayed(current.score, current.at, now) + weight).max(0.0);
                let affinity = &mut self.affinities[index];
                affinity.score = score;
                affinity.at = now;
                affinity.because.push(reason);
                if affinity.because.len() > REASONS_PER_KEY {
                    affinity.because.remove(0);
                }
            }
            // Taking away from what was never there says nothing.
            None if weight < 0.0 => return false,
            None => {
                let affinity =
                    Affinity { dimension, key, score: weight, at: now, because: vec![reason] };
                self.affinities.push(affinity);
                self.bound(dimension, now);
            }
        }
        true
    }

    /// Forgets the weakest keys of a dimension beyond [`KEYS_PER_DIMENSION`].
    fn bound(&mut self, dimension: Dimension, now: Millis) {
        while self.affinities.iter().filter(|a| a.dimension == dimension).count()
            > KEYS_PER_DIMENSION
        {
            let weakest = (self.affinities.iter().enumerate())
                .filter(|(_, a)| a.dimension == dimension)
                .min_by(|(_, x), (_, y)| {
                    let (sx, sy) =
                        (self.decayed(x.score, x.at, now), self.decayed(y.score, y.at, now));
                    sx.total_cmp(&sy).then(x.at.cmp(&y.at))
                })
                .map(|(index, _)| index);
            match weakest {
                Some(index) => {
                    self.affinities.remove(index);
                }
                None => return,
            }
        }
    }

    /// Whether the model holds nothing to keep.
    pub fn is_empty(&self) -> bool {
        self.affinities.is_empty()
    }
}

/// A key as the model compares it: trimmed, inner whitespace single, ASCII lower case, at most
/// [`MAX_KEY_CHARS`] characters.
pub fn normalise(key: &str) -> String {
    let mut out = String::with_capacity(key.len().min(MAX_KEY_CHARS));
    for word in key.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        // ASCII case only: Unicode's case tables would add 3 KB to the agent's download, and
        // shops write a category the same way on every page.
        out.push_str(&word.to_ascii_lowercase());
    }
    out.chars().take(MAX_KEY_CHARS).collect()
}

/// Whether `raw` normalises to `normal` (a key [`normalise`] gave), without building its
/// normalised copy: a ranking asks this for every product of the catalogue and each of its
/// keys, and the copies were a fifth of a 50-campaign decision's time on a product page.
pub fn same_key(normal: &str, raw: &str) -> bool {
    let mut expected = normal.chars();
    let mut count = 0;
    for (index, word) in raw.split_whitespace().enumerate() {
        let space = (index > 0).then_some(' ');
        for c in space.into_iter().chain(word.chars()) {
            if count == MAX_KEY_CHARS {
                return expected.next().is_none();
            }
            if expected.next() != Some(c.to_ascii_lowercase()) {
                return false;
            }
            count += 1;
        }
    }
    expected.next().is_none()
}

/// `0.5^x` for `x >= 0`: the whole halvings as a power of two, the rest by its series
/// (`e^(-f ln 2)`, sixteen terms: exact to double precision for `f < 1`). `powf` would bring
/// libm's `exp2` and its 4 KB table into the agent.
fn half_power(x: f64) -> f64 {
    if x.is_nan() || x >= 1022.0 {
        return 0.0;
    }
    let whole = x.floor();
    let y = -(x - whole) * core::f64::consts::LN_2;
    let (mut term, mut sum) = (1.0, 1.0);
    for n in 1..16 {
        term *= y / f64::from(n);
        sum += term;
    }
    sum * f64::from_bits(((1023 - whole as i64) as u64) << 52)
}
