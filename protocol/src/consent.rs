//! Consent under a policy, the same at both ends: which purposes a visitor's choices grant,
//! what data and features that unlocks, how a visitor starts (region, GPC), when to ask again,
//! and how the words of the page's API (GA4 consent mode, the released agent's `storage` and
//! `analytics`) name the policy's purposes.
//!
//! The agent gates what it stores, sends and shows on [`Unlocked`]; the backend judges each
//! event by the same [`Policy::unlocked`], so the two ends cannot disagree about what a choice
//! allows.

use crate::documents::{Mode, OnNewVersion, Policy, PolicyPurpose};
use crate::names::{DataCategory, Decision, Feature};
use crate::writer::{JsonSink, JsonWriter};

/// Milliseconds in a day, for `reprompt_days`.
const DAY: i64 = 86_400_000;

/// Who or what made a choice (the receipt's and the batch's `source`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Source {
    /// The consent dialog's accept all or reject all.
    Dialog,
    /// The preferences panel.
    Panel,
    /// Global Privacy Control, before any choice of the visitor's.
    Gpc,
    /// The page's IAB TCF consent manager.
    Tcf,
    /// The page's `concierge('consent', ...)` call.
    Api,
    /// The policy's starting state: granted in opt-out regions, unset in opt-in ones.
    #[default]
    Default,
}

/// The names of [`Source::ALL`], in its order.
pub const SOURCE_NAMES: &[&str] = &["dialog", "panel", "gpc", "tcf", "api", "default"];

impl Source {
    pub const ALL: [Source; 6] =
        [Source::Dialog, Source::Panel, Source::Gpc, Source::Tcf, Source::Api, Source::Default];

    pub fn name(self) -> &'static str {
        SOURCE_NAMES[self as usize]
    }

    pub fn from_name(name: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|source| source.name() == name)
    }

    /// Whether the visitor chose (as opposed to a signal or the policy's default deciding).
    pub fn is_explicit(self) -> bool {
        matches!(self, Source::Dialog | Source::Panel | Source::Api | Source::Tcf)
    }
}

/// Decisions by purpose id, in the order they were first set. A purpose not listed is unset.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Choices {
    pub decisions: Vec<(String, Decision)>,
}

impl Choices {
    pub fn get(&self, id: &str) -> Decision {
        self.decisions.iter().find(|(known, _)| known == id).map_or(Decision::Unset, |(_, d)| *d)
    }

    pub fn set(&mut self, id: &str, decision: Decision) {
        match self.decisions.iter_mut().find(|(known, _)| known == id) {
            Some((_, slot)) => *slot = decision,
            None => self.decisions.push((id.to_owned(), decision)),
        }
    }

    /// The released agent's two purposes: `storage` kept the cart on the device and for staff
    /// (now `personalization`), `analytics` sent the visit (now `measurement`).
    pub fn from_legacy(storage: Decision, analytics: Decision) -> Choices {
        let mut choices = Choices::default();
        choices.set("measurement", analytics);
        choices.set("personalization", storage);
        choices
    }
}

/// What a consent unlocks under a policy: data categories and features, as small sets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Unlocked {
    data: u8,
    features: u8,
}

impl Unlocked {
    pub fn has(self, category: DataCategory) -> bool {
        self.data & (1 << category as u8) != 0
    }

    pub fn enables(self, feature: Feature) -> bool {
        self.features & (1 << feature as u8) != 0
    }

    /// Nothing unlocked: no data of the visitor may be kept or sent.
    pub fn is_empty(self) -> bool {
        self.data == 0 && self.features == 0
    }

    /// Both sets in one number, as the stored consent section keeps them.
    pub fn bits(self) -> u16 {
        u16::from(self.data) | u16::from(self.features) << 8
    }

    pub fn from_bits(bits: u16) -> Unlocked {
        Unlocked { data: bits as u8, features: (bits >> 8) as u8 }
    }

    /// Whether this unlocks something `other` does not.
    pub fn exceeds(self, other: Unlocked) -> bool {
        self.data & !other.data != 0 || self.features & !other.features != 0
    }

    fn of(purpose: &PolicyPurpose) -> Unlocked {
        let mut unlocked = Unlocked::default();
        for category in &purpose.data {
            unlocked.data |= 1 << *category as u8;
        }
        for feature in &purpose.features {
            unlocked.features |= 1 << *feature as u8;
        }
        unlocked
    }
}

impl Policy {
    pub fn purpose(&self, id: &str) -> Option<&PolicyPurpose> {
        self.purposes.iter().find(|purpose| purpose.id == id)
    }

    /// Whether `purpose` is granted: always when its basis is not consent.
    pub fn grants(&self, purpose: &PolicyPurpose, choices: &Choices) -> bool {
        !purpose.needs_consent() || choices.get(&purpose.id) == Decision::Granted
    }

    /// The data the granted purposes unlock, and the features they enable whose data is all
    /// unlocked (a feature of a granted purpose still needs every category it uses).
    pub fn unlocked(&self, choices: &Choices) -> Unlocked {
        let mut granted = Unlocked::default();
        for purpose in self.purposes.iter().filter(|purpose| self.grants(purpose, choices)) {
            let one = Unlocked::of(purpose);
            granted.data |= one.data;
            granted.features |= one.features;
        }
        let mut unlocked = Unlocked { data: granted.data, features: 0 };
        for feature in Feature::ALL {
            let usable = feature.needs().iter().all(|category| granted.has(*category));
            if granted.enables(feature) && usable {
                unlocked.features |= 1 << feature as u8;
            }
        }
        unlocked
    }

    /// The mode for a visitor in `region` (`DE`, `US-CA`; `None` when unknown): the region
    /// listing it exactly, else one listing its country (`US` for `US-CA`), else the default.
    pub fn mode_for(&self, region: Option<&str>) -> Mode {
        let Some(region) = region else { return self.default_mode };
        // A byte scan rather than `split`, whose pattern machinery costs the agent's Wasm more.
        let cut = region.bytes().position(|b| b == b'-').unwrap_or(region.len());
        let country = &region[..cut];
        let listing = |code: &str| {
            self.regions.iter().find(|r| r.countries.iter().any(|listed| listed == code))
        };
        listing(region).or_else(|| listing(country)).map_or(self.default_mode, |r| r.mode)
    }

    /// Where a visitor with no choice of their own starts: consent purposes granted in an
    /// opt-out mode and unset in an opt-in one, then Global Privacy Control's denials. The
    /// source says which decided last.
    pub fn starting_choices(&self, mode: Mode, gpc: bool) -> (Choices, Source) {
        let mut choices = Choices::default();
        if mode == Mode::OptOut {
            for purpose in self.purposes.iter().filter(|purpose| purpose.needs_consent()) {
                choices.set(&purpose.id, Decision::Granted);
            }
        }
        let mut source = Source::Default;
        if gpc {
            for id in &self.gpc_denies {
                choices.set(id, Decision::Denied);
                source = Source::Gpc;
            }
        }
        (choices, source)
    }

    /// Every consent purpose has an answer.
    pub fn is_settled(&self, choices: &Choices) -> bool {
        self.purposes
            .iter()
            .filter(|purpose| purpose.needs_consent())
            .all(|purpose| choices.get(&purpose.id) != Decision::Unset)
    }

    /// What each purpose of this policy unlocks, as the consent section keeps it so a later
    /// version can say whether it widened what was granted.
    pub fn scope(&self) -> Scope {
        Scope {
            policy: self.version,
            purposes: self.purposes.iter().map(|p| (p.id.clone(), Unlocked::of(p))).collect(),
        }
    }

    /// Whether a choice made at `decided_at` under `scope` must be asked again at `now`:
    /// it is older than `reprompt_days`, or this version of the policy asks again
    /// (`on_new_version`). Choices the visitor did not make (GPC, the default) are not
    /// re-asked here; an unsettled choice is, by [`Policy::is_settled`].
    pub fn asks_again(&self, choices: &Choices, decided_at: i64, scope: &Scope, now: i64) -> bool {
        let age = now.saturating_sub(decided_at);
        if age > i64::from(self.reprompt_days).saturating_mul(DAY) {
            return true;
        }
        if scope.policy == self.version {
            return false;
        }
        match self.on_new_version {
            OnNewVersion::Keep => false,
            OnNewVersion::AskAgain => true,
            OnNewVersion::AskIfWidened => self.purposes.iter().any(|purpose| {
                let before = scope.purposes.iter().find(|(id, _)| *id == purpose.id);
                match before {
                    // A purpose added since: the visitor never saw it.
                    None => purpose.needs_consent(),
                    Some((_, before)) => {
                        choices.get(&purpose.id) == Decision::Granted
                            && Unlocked::of(purpose).exceeds(*before)
                    }
                }
            }),
        }
    }

    /// Google Consent Mode v2's state for `choices`: each key granted when the purpose it maps
    /// to ([`CONSENT_MODE`]) is granted; a purpose the policy lacks grants nothing.
    pub fn consent_mode(&self, choices: &Choices) -> [(&'static str, bool); 6] {
        CONSENT_MODE.map(|(key, id)| {
            (key, self.purpose(id).is_some_and(|purpose| self.grants(purpose, choices)))
        })
    }
}

/// What the page's IAB TCF consent manager says about the shop, as the `tcf` lazy module
/// reduces a decoded TC string for the engine: bit `n` of each set stands for TCF purpose `n`.
/// The purposes with consent and with legitimate interest, the shop's vendor's consent and
/// legitimate interest (both true when the policy names no vendor), and the purposes the
/// publisher restricts for that vendor, by restriction type: `[not allowed, consent required,
/// legitimate interest required]`. Legitimate interests are carried for completeness; today's
/// mapping grants on consent alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TcfSignal {
    pub purpose_consents: u32,
    pub purpose_legitimate_interests: u32,
    pub vendor_consent: bool,
    pub vendor_legitimate_interest: bool,
    pub restrictions: [u32; 3],
}

impl TcfSignal {
    /// Whether the shop may rely on consent for TCF purpose `purpose`: the purpose and the
    /// vendor have it, and no publisher restriction forbids the purpose or requires legitimate
    /// interest for it.
    fn consents(&self, purpose: u8) -> bool {
        let bit = 1u32.checked_shl(u32::from(purpose)).unwrap_or(0);
        let [not_allowed, _, interest_only] = self.restrictions;
        self.purpose_consents & bit != 0
            && self.vendor_consent
            && (not_allowed | interest_only) & bit == 0
    }
}

impl Policy {
    /// The choices a consent manager's signal makes under this policy's `tcf` mapping: a
    /// consent purpose is granted when every TCF purpose listed for it has consent, with the
    /// vendor's consent where the mapping names a vendor; one the mapping does not list is
    /// denied, since the consent manager governs and nobody else asks. (A purpose on another
    /// legal basis is always granted, so the mapping may not list it.) `None` without a
    /// mapping.
    pub fn tcf_choices(&self, signal: &TcfSignal) -> Option<Choices> {
        let mapping = self.tcf.as_ref()?;
        let mut choices = Choices::default();
        for purpose in self.purposes.iter().filter(|purpose| purpose.needs_consent()) {
            let listed = mapping.purposes.iter().find(|(id, _)| *id == purpose.id);
            let granted = listed.is_some_and(|(_, numbers)| {
                !numbers.is_empty() && numbers.iter().all(|n| signal.consents(*n))
            });
            choices.set(&purpose.id, Decision::from_granted(granted));
        }
        Some(choices)
    }
}

/// The built-in policy, in force until the shop publishes one: the demo's four purposes
/// (`documents/demo/policy.json`, which `concierge-cli check` passes), read by the same decoder
/// as a published one.
pub fn builtin_policy() -> Policy {
    crate::documents::read_policy(&crate::json::parse(BUILTIN_POLICY).unwrap_or(crate::Value::Null))
}

/// The demo policy as the agent carries it: the file without the whitespace between tokens,
/// removed at compile time, so the Wasm holds about 1 KB less of indentation and line breaks
/// (docs/decisions.md, 2026-12-05). The file stays readable for people and `concierge-cli`.
pub const BUILTIN_POLICY: &str = {
    const PRETTY: &[u8] = include_bytes!("../../documents/demo/policy.json");
    const MINIFIED: [u8; json_without_spaces(PRETTY, &mut [])] = {
        let mut out = [0; json_without_spaces(PRETTY, &mut [])];
        json_without_spaces(PRETTY, &mut out);
        out
    };
    match core::str::from_utf8(&MINIFIED) {
        Ok(text) => text,
        Err(_) => panic!("documents/demo/policy.json is not UTF-8"),
    }
};

/// Copies the JSON text `pretty` into `out` without the whitespace outside its strings, and
/// returns the length of the result; with an empty `out` it only counts. A `const fn`, so the
/// work is the compiler's: nothing of it is in the Wasm.
const fn json_without_spaces(pretty: &[u8], out: &mut [u8]) -> usize {
    let (mut read, mut written) = (0, 0);
    let (mut in_string, mut escaped) = (false, false);
    while read < pretty.len() {
        let byte = pretty[read];
        read += 1;
        if in_string {
            in_string = escaped || byte != b'"';
            escaped = !escaped && byte == b'\\';
        } else if matches!(byte, b' ' | b'\n' | b'\r' | b'\t') {
            continue;
        } else {
            in_string = byte == b'"';
        }
        if !out.is_empty() {
            out[written] = byte;
        }
        written += 1;
    }
    written
}

/// What a policy version's purposes unlocked when the visitor chose.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub policy: u32,
    pub purposes: Vec<(String, Unlocked)>,
}

/// Google Consent Mode v2's keys and the purpose each follows.
pub const CONSENT_MODE: [(&str, &str); 6] = [
    ("ad_storage", "marketing"),
    ("ad_user_data", "marketing"),
    ("ad_personalization", "marketing"),
    ("analytics_storage", "measurement"),
    ("functionality_storage", "personalization"),
    ("personalization_storage", "personalization"),
];

/// The purpose id a word of the page's API names when it is not a purpose id itself: GA4
/// consent mode's keys, and the released agent's `storage` and `analytics`.
pub fn purpose_for_word(word: &str) -> Option<&'static str> {
    match word {
        "storage" => Some("personalization"),
        "analytics" => Some("measurement"),
        _ => CONSENT_MODE.iter().find(|(key, _)| *key == word).map(|(_, id)| *id),
    }
}

/// The proof of one choice, as `POST /v1/consent/receipts` takes it:
/// `{ "site", "receipt", "visitor", "policy", "at", "region", "source", "choices" }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Receipt {
    pub site: String,
    /// `r_` and 22 base64url characters.
    pub receipt: String,
    /// Only while the `identifiers` category is granted.
    pub visitor: Option<String>,
    pub policy: u32,
    pub at: i64,
    /// `DE`, `US-CA`; `None` when unknown.
    pub region: Option<String>,
    pub source: Source,
    /// Every purpose of the policy: one not on consent is granted.
    pub choices: Vec<(String, Decision)>,
}

impl Receipt {
    /// The choices as a receipt lists them, for every purpose of `policy`.
    pub fn choices_of(policy: &Policy, choices: &Choices) -> Vec<(String, Decision)> {
        let decision = |purpose: &PolicyPurpose| match purpose.needs_consent() {
            true => choices.get(&purpose.id),
            false => Decision::Granted,
        };
        policy.purposes.iter().map(|purpose| (purpose.id.clone(), decision(purpose))).collect()
    }

    /// The request body.
    pub fn encode(&self) -> String {
        let mut out = JsonWriter::new();
        self.write(&mut out);
        out.finish()
    }

    /// The request body into `out` (the agent also keeps it on the device until it is sent).
    pub fn write<S: JsonSink>(&self, out: &mut S) {
        out.open_object();
        out.string_field("site", &self.site);
        out.string_field("receipt", &self.receipt);
        out.optional_string_field("visitor", self.visitor.as_deref());
        out.number_field("policy", f64::from(self.policy));
        out.number_field("at", self.at as f64);
        out.optional_string_field("region", self.region.as_deref());
        out.string_field("source", self.source.name());
        out.key("choices");
        out.open_object();
        for (id, decision) in &self.choices {
            out.string_field(id, decision.name());
        }
        out.close_object();
        out.close_object();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn spaces_go_between_tokens_and_stay_in_strings_escaped_quotes_included() {
        let pretty = b"{ \"a \\\" b\" :\n\t[ 1 , \"c\\\\\" , \" d \" ] }";
        let mut out = [0; 64];
        let length = super::json_without_spaces(pretty, &mut out);
        assert_eq!(super::json_without_spaces(pretty, &mut []), length);
        assert_eq!(&out[..length], b"{\"a \\\" b\":[1,\"c\\\\\",\" d \"]}");
    }
}
