//! The config documents a shop publishes for its agents, each with a `kind` and a `version`,
//! the one validator the backend (on publish), the admin pages and `concierge-cli check` run,
//! and the reader agents run on what `/v1/config` serves ([`read_config`], from the same tables).
//!
//! A document is checked whole: every problem is reported with its JSON path, and a document
//! with any problem is refused whole, so an agent never applies half of one.
//!
//! Each kind is a module with a table of field rules ([`rules::Field`]), a cross-field check,
//! a decoder and an encoder; [`Kind::spec`] ties them together, and one walker
//! (`rules::Walk`) applies every table. A new kind adds a module and an arm there.
//!
//! ```json
//! { "format": 1, "site": "demo", "documents": [ { "kind": "policy", "version": 3, ... },
//!                                                { "kind": "settings", "version": 1, ... },
//!                                                { "kind": "campaigns", "version": 4, ... } ] }
//! ```

// Behind a feature, on for the server, the CLI and the agent (whose engine runs campaigns); a
// build without it passes the kind over as unknown.
#[cfg(feature = "campaigns")]
mod campaigns;
// Behind a feature, on for the server, the CLI and the agent (whose "you may also like" slot
// ranks it); a build without it passes the kind over as unknown.
#[cfg(feature = "catalogue")]
mod catalogue;
// Behind a feature, on for the server, the CLI and the assistant's module, never the core agent,
// whose reader passes the kind over as unknown.
#[cfg(feature = "knowledge")]
mod knowledge;
mod policy;
mod read;
pub mod rules;
mod settings;

pub use read::read_config;

#[cfg(feature = "campaigns")]
pub use campaigns::{
    links_outside, parse_timestamp, Action, Campaign, Campaigns, Caps, ContactLimits,
    ContactPolicy, DateTime, Goal, Message, Placement, Schedule, Status, Targeting, Trigger,
    Variant, GOAL_EVENTS, MAX_BODY, MAX_CAMPAIGNS, MAX_CAMPAIGN_ID, MAX_HOLDOUT, MAX_LABEL,
    MAX_TITLE, MAX_VALUE, MAX_VARIANTS, MAX_VARIANT_ID, MODAL_TRIGGERS, PAGE_TYPES, STATUSES,
    TEMPLATE_VARIABLES,
};
#[cfg(feature = "catalogue")]
pub use catalogue::{
    catalogue_links_outside, read_feed, Catalogue, Feed, Product, AVAILABILITY, MAX_PRICE,
    MAX_PRODUCTS, MAX_PRODUCT_ID, MAX_PRODUCT_TEXT,
};
#[cfg(feature = "knowledge")]
pub use knowledge::{
    entry_links_outside, Entry, Knowledge, MAX_ANSWER, MAX_ENTRIES, MAX_ENTRY_ID, MAX_LINK,
    MAX_QUESTION, MAX_TERM, MAX_TERMS,
};
pub use policy::{
    MAX_COUNTRIES, MAX_DESCRIPTION, MAX_NAME, MAX_PURPOSES, MAX_PURPOSE_ID, MAX_REGIONS,
    MAX_RETENTION_DAYS, MAX_TCF_PURPOSE, MODES, ON_NEW_VERSION,
};
pub use rules::LANGUAGES;
pub use settings::{MAX_LINK_HOSTS, MAX_PATH};

use crate::names::{DataCategory, Feature, LegalBasis};
use crate::{Problem, Value};
use rules::{number_field, text_field, Field, Rule, Walk};

/// The format of the `/v1/config` answer that carries the documents.
pub const CONFIG_FORMAT: u32 = 1;

/// The kinds of document there are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Policy,
    Settings,
    #[cfg(feature = "campaigns")]
    Campaigns,
    #[cfg(feature = "knowledge")]
    Knowledge,
    #[cfg(feature = "catalogue")]
    Catalogue,
}

/// How many kinds this build knows.
const KIND_COUNT: usize = 2
    + cfg!(feature = "campaigns") as usize
    + cfg!(feature = "knowledge") as usize
    + cfg!(feature = "catalogue") as usize;

impl Kind {
    pub const ALL: [Kind; KIND_COUNT] = [
        Kind::Policy,
        Kind::Settings,
        #[cfg(feature = "campaigns")]
        Kind::Campaigns,
        #[cfg(feature = "knowledge")]
        Kind::Knowledge,
        #[cfg(feature = "catalogue")]
        Kind::Catalogue,
    ];

    pub fn name(self) -> &'static str {
        KIND_NAMES[self as usize]
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Where each kind keeps its rules: the one place a new kind is added.
    fn spec(self) -> Spec {
        match self {
            Kind::Policy => Spec {
                what: "a policy document",
                fields: policy::FIELDS,
                cross_check: policy::cross_check,
            },
            Kind::Settings => Spec {
                what: "a settings document",
                fields: settings::FIELDS,
                cross_check: settings::cross_check,
            },
            #[cfg(feature = "campaigns")]
            Kind::Campaigns => Spec {
                what: "a campaigns document",
                fields: campaigns::FIELDS,
                cross_check: campaigns::cross_check,
            },
            #[cfg(feature = "knowledge")]
            Kind::Knowledge => Spec {
                what: "a knowledge document",
                fields: knowledge::FIELDS,
                cross_check: knowledge::cross_check,
            },
            #[cfg(feature = "catalogue")]
            Kind::Catalogue => Spec {
                what: "a catalogue document",
                fields: catalogue::FIELDS,
                cross_check: catalogue::cross_check,
            },
        }
    }

    fn decode(self, document: &Value) -> Document {
        let version = number_field(document, "version").unwrap_or(1);
        match self {
            Kind::Policy => Document::Policy(policy::decode(document, version)),
            Kind::Settings => Document::Settings(settings::decode(document, version)),
            #[cfg(feature = "campaigns")]
            Kind::Campaigns => Document::Campaigns(campaigns::decode(document, version)),
            #[cfg(feature = "knowledge")]
            Kind::Knowledge => Document::Knowledge(Box::new(knowledge::decode(document, version))),
            #[cfg(feature = "catalogue")]
            Kind::Catalogue => Document::Catalogue(Box::new(catalogue::decode(document, version))),
        }
    }
}

/// The names of [`Kind::ALL`], as the field table needs them at compile time.
pub const KIND_NAMES: &[&str] = &[
    "policy",
    "settings",
    #[cfg(feature = "campaigns")]
    "campaigns",
    #[cfg(feature = "knowledge")]
    "knowledge",
    #[cfg(feature = "catalogue")]
    "catalogue",
];

struct Spec {
    /// The document in messages: "is not a field of a policy document".
    what: &'static str,
    fields: &'static [Field],
    cross_check: fn(&mut Walk, &Value),
}

/// The fields every document has, whatever its kind.
const COMMON_FIELDS: &[Field] = &[
    Field::required("kind", Rule::OneOf(KIND_NAMES)),
    // The document's revision: each one published must be greater than the last.
    Field::required("version", Rule::WholeNumber { min: 1, max: u32::MAX, unit: "" }),
];

/// The fields of the `/v1/config` envelope.
const CONFIG_FIELDS: &[Field] = &[
    Field::required(
        "format",
        Rule::WholeNumber { min: CONFIG_FORMAT, max: CONFIG_FORMAT, unit: "" },
    ),
    Field::required("site", Rule::Token { max: MAX_SITE }),
    Field::optional("region", Rule::Country),
    Field::required("documents", Rule::Documents),
    Field::optional("assistant", Rule::Object { fields: ASSISTANT_FIELDS, what: "the assistant" }),
];

/// The envelope's pointer to the knowledge document, served apart from `/v1/config` (issue
/// 12): `"assistant": {"knowledge": "/v1/config/knowledge?site=demo", "version": 3}`, present
/// only when the site published one. No pointer: no assistant (and no launcher).
const ASSISTANT_FIELDS: &[Field] = &[
    Field::required("knowledge", Rule::Path { max: MAX_KNOWLEDGE_PATH }),
    Field::required("version", Rule::WholeNumber { min: 1, max: u32::MAX, unit: "" }),
];

/// The longest knowledge path the envelope's pointer may name.
pub const MAX_KNOWLEDGE_PATH: usize = 200;

/// Where the assistant finds the knowledge document: its path on the backend's origin and the
/// version published (which changes the moment a new one is).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnowledgePointer {
    pub path: String,
    pub version: u32,
}

impl KnowledgePointer {
    /// Reads the envelope's `assistant`; anything it cannot use is no pointer (a hint from the
    /// server, never a reason to refuse the config).
    pub fn read(envelope: &Value) -> Option<KnowledgePointer> {
        let pointer = envelope.get("assistant")?;
        let path = pointer.get("knowledge")?.as_str()?;
        let version = pointer.get("version")?.as_f64()?;
        let usable = path.starts_with('/')
            && !path.starts_with("//")
            && path.len() <= MAX_KNOWLEDGE_PATH
            && version.fract() == 0.0
            && (1.0..=f64::from(u32::MAX)).contains(&version);
        usable.then(|| KnowledgePointer { path: path.to_owned(), version: version as u32 })
    }
}

/// The longest site id (letters, digits, `-`, `_`), as for the event batch's `site`.
pub const MAX_SITE: usize = 64;

/// The agent settings that belong to the shop rather than to one page. Each is optional: what
/// a document leaves out keeps the agent's default, and a page's `data-*` attribute overrides.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    pub version: u32,
    /// A cart untouched this long is abandoned.
    pub idle_minutes: Option<u32>,
    /// How long a dismissed banner stays away.
    pub dismiss_hours: Option<u32>,
    /// The checkout's path: no recovery message shows there or below.
    pub checkout_path: Option<String>,
    /// Where "resume checkout" leads (a path or an https URL on a link host).
    pub resume_url: Option<String>,
    /// Hosts besides the page's own that views may link to (https only).
    pub link_hosts: Option<Vec<String>>,
    /// How fast interests fade: a score halves in this many days (`interests.half_life_days`).
    pub interests_half_life_days: Option<u32>,
}

/// The privacy officer's consent policy: which purposes there are, what data and features
/// each unlocks, and how the agent asks (regions, GPC, when to ask again).
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub version: u32,
    /// Whether the agent shows its own consent dialog; `false` when the shop's CMP decides and
    /// calls `concierge('consent', ...)`.
    pub prompt: bool,
    /// The shop's privacy page, linked from the dialog (a path or an https URL).
    pub privacy_url: Option<String>,
    /// A choice older than this many days is asked again.
    pub reprompt_days: u32,
    pub on_new_version: OnNewVersion,
    /// The mode for visitors in no listed region, and when the region is unknown.
    pub default_mode: Mode,
    pub regions: Vec<Region>,
    /// Purpose ids that Global Privacy Control turns to denied.
    pub gpc_denies: Vec<String>,
    pub purposes: Vec<PolicyPurpose>,
    /// How the signal of the page's IAB TCF consent manager maps to these purposes; `None`:
    /// the agent does not follow a consent manager.
    pub tcf: Option<TcfMapping>,
}

/// The policy's `tcf` section: `{ "vendor_id": 1234, "purposes": { "measurement": [1, 7] } }`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TcfMapping {
    /// The shop's own IAB vendor id: when set, the vendor's consent is needed too.
    pub vendor_id: Option<u16>,
    /// Policy purpose id and the TCF purposes (1 to 11) that must all be granted for it.
    pub purposes: Vec<(String, Vec<u8>)>,
}

/// Whether consent purposes start unset and the dialog asks (`OptIn`), or start granted and
/// the visitor may object (`OptOut`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    OptIn,
    OptOut,
}

/// What a newer policy version does to a choice made under an older one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnNewVersion {
    /// Ask again when a purpose was added or a granted purpose gained data or features.
    #[default]
    AskIfWidened,
    AskAgain,
    Keep,
}

/// A group of countries with one mode.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    pub id: String,
    pub mode: Mode,
    /// `DE`, `US-CA`: ISO 3166-1 alpha-2, optionally with a subdivision.
    pub countries: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PolicyPurpose {
    pub id: String,
    pub legal_basis: LegalBasis,
    /// Language code (`en`, `es`, `nl`, `de`) and the purpose's name in it.
    pub names: Vec<(String, String)>,
    /// Language code and a sentence saying what the purpose allows.
    pub descriptions: Vec<(String, String)>,
    pub data: Vec<DataCategory>,
    pub features: Vec<Feature>,
    pub retention_days: u32,
}

impl PolicyPurpose {
    /// Whether the visitor is asked: a purpose on any other basis is always granted.
    pub fn needs_consent(&self) -> bool {
        self.legal_basis == LegalBasis::Consent
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Document {
    Policy(Policy),
    Settings(Settings),
    #[cfg(feature = "campaigns")]
    Campaigns(Campaigns),
    /// Boxed: large, and rare beside the others.
    #[cfg(feature = "knowledge")]
    Knowledge(Box<Knowledge>),
    /// Boxed: large, and rare beside the others.
    #[cfg(feature = "catalogue")]
    Catalogue(Box<Catalogue>),
}

impl Document {
    pub fn kind(&self) -> Kind {
        match self {
            Document::Policy(_) => Kind::Policy,
            Document::Settings(_) => Kind::Settings,
            #[cfg(feature = "campaigns")]
            Document::Campaigns(_) => Kind::Campaigns,
            #[cfg(feature = "knowledge")]
            Document::Knowledge(_) => Kind::Knowledge,
            #[cfg(feature = "catalogue")]
            Document::Catalogue(_) => Kind::Catalogue,
        }
    }

    pub fn version(&self) -> u32 {
        match self {
            Document::Policy(policy) => policy.version,
            Document::Settings(settings) => settings.version,
            #[cfg(feature = "campaigns")]
            Document::Campaigns(campaigns) => campaigns.version,
            #[cfg(feature = "knowledge")]
            Document::Knowledge(knowledge) => knowledge.version,
            #[cfg(feature = "catalogue")]
            Document::Catalogue(catalogue) => catalogue.version,
        }
    }
}

/// What `/v1/config` serves for one site: `{ "format": 1, "site": ..., "documents": [...] }`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub site: String,
    /// Where the backend saw the request come from (`DE`, `US-CA`: the header named by
    /// `CONCIERGE_REGION_HEADER`); `None` when it does not say.
    pub region: Option<String>,
    /// Boxed, as the campaigns: a config travels inside the engine's events and records.
    pub policy: Option<Box<Policy>>,
    pub settings: Option<Settings>,
    #[cfg(feature = "campaigns")]
    /// Boxed: a config travels inside the engine's events and records, kept small.
    pub campaigns: Option<Box<Campaigns>>,
    #[cfg(feature = "knowledge")]
    pub knowledge: Option<Box<Knowledge>>,
    #[cfg(feature = "catalogue")]
    pub catalogue: Option<Box<Catalogue>>,
    /// The envelope's pointer to the knowledge document served apart.
    /// Boxed: a config travels inside the engine's events, kept small.
    pub assistant: Option<Box<KnowledgePointer>>,
}

impl Config {
    /// Puts a document in its kind's place, replacing any there.
    pub fn set(&mut self, document: Document) {
        match document {
            Document::Policy(policy) => self.policy = Some(Box::new(policy)),
            Document::Settings(settings) => self.settings = Some(settings),
            #[cfg(feature = "campaigns")]
            Document::Campaigns(campaigns) => self.campaigns = Some(Box::new(campaigns)),
            #[cfg(feature = "knowledge")]
            Document::Knowledge(knowledge) => self.knowledge = Some(knowledge),
            #[cfg(feature = "catalogue")]
            Document::Catalogue(catalogue) => self.catalogue = Some(catalogue),
        }
    }

    /// The documents it holds, in the order of [`Kind::ALL`].
    pub fn documents(&self) -> Vec<Document> {
        let mut documents = Vec::with_capacity(Kind::ALL.len());
        documents.extend(self.policy.as_deref().cloned().map(Document::Policy));
        documents.extend(self.settings.clone().map(Document::Settings));
        #[cfg(feature = "campaigns")]
        documents.extend(self.campaigns.as_deref().cloned().map(Document::Campaigns));
        #[cfg(feature = "knowledge")]
        documents.extend(self.knowledge.clone().map(Document::Knowledge));
        #[cfg(feature = "catalogue")]
        documents.extend(self.catalogue.clone().map(Document::Catalogue));
        documents
    }
}

/// A policy document read without the validator, as the agent reads its built-in policy (a
/// file the validator passes in the tests); what it cannot read is left at its default.
pub fn read_policy(document: &Value) -> Policy {
    policy::decode(document, number_field(document, "version").unwrap_or(1))
}

/// Checks one document (`{ "kind": ..., "version": ..., ... }`), reporting every problem.
pub fn check_document(value: &Value) -> Result<Document, Vec<Problem>> {
    let mut problems = Vec::new();
    match Walk::new(&mut problems).check_one(value) {
        Some(kind) if problems.is_empty() => Ok(kind.decode(value)),
        _ => Err(problems),
    }
}

/// Checks a `/v1/config` answer and every document in it; any problem refuses all of it.
pub fn check_config(value: &Value) -> Result<Config, Vec<Problem>> {
    let mut problems = Vec::new();
    Walk::new(&mut problems).check_object(value, &[CONFIG_FIELDS], "the config");
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut config = Config {
        site: text_field(value, "site").unwrap_or_default(),
        region: text_field(value, "region"),
        assistant: KnowledgePointer::read(value).map(Box::new),
        ..Config::default()
    };
    if let Some(Value::Array(documents)) = value.get("documents") {
        for document in documents {
            let kind = document.get("kind").and_then(Value::as_str).and_then(Kind::from_name);
            if let Some(kind) = kind {
                config.set(kind.decode(document));
            }
        }
    }
    // Across documents: the campaigns' links lead only where the settings let views link.
    #[cfg(feature = "campaigns")]
    if let Some(campaigns) = &config.campaigns {
        let hosts = config.settings.as_ref().and_then(|s| s.link_hosts.as_deref()).unwrap_or(&[]);
        // Where the campaigns document is (the walk let through one of each kind at most).
        let at = match value.get("documents") {
            Some(Value::Array(documents)) => documents
                .iter()
                .position(|document| {
                    document.get("kind").and_then(Value::as_str) == Some("campaigns")
                })
                .unwrap_or(0),
            _ => 0,
        };
        let path = crate::problem::index("documents", at);
        for problem in links_outside(campaigns, hosts) {
            problems
                .push(Problem::new(crate::problem::join(&path, &problem.path), problem.message));
        }
    }
    // And the knowledge's. The same steps as the campaigns' rather than one function for both:
    // that function costs the core agent 10 B gzipped, where the knowledge never is.
    #[cfg(feature = "knowledge")]
    if let Some(knowledge) = &config.knowledge {
        let hosts = config.settings.as_ref().and_then(|s| s.link_hosts.as_deref()).unwrap_or(&[]);
        let at = match value.get("documents") {
            Some(Value::Array(documents)) => documents
                .iter()
                .position(|document| {
                    document.get("kind").and_then(Value::as_str) == Some("knowledge")
                })
                .unwrap_or(0),
            _ => 0,
        };
        let path = crate::problem::index("documents", at);
        for problem in entry_links_outside(knowledge, hosts) {
            problems
                .push(Problem::new(crate::problem::join(&path, &problem.path), problem.message));
        }
    }
    // And the catalogue's (the knowledge's reason for its own steps holds here too).
    #[cfg(feature = "catalogue")]
    if let Some(catalogue) = &config.catalogue {
        let hosts = config.settings.as_ref().and_then(|s| s.link_hosts.as_deref()).unwrap_or(&[]);
        let at = match value.get("documents") {
            Some(Value::Array(documents)) => documents
                .iter()
                .position(|document| {
                    document.get("kind").and_then(Value::as_str) == Some("catalogue")
                })
                .unwrap_or(0),
            _ => 0,
        };
        let path = crate::problem::index("documents", at);
        for problem in catalogue_links_outside(catalogue, hosts) {
            problems
                .push(Problem::new(crate::problem::join(&path, &problem.path), problem.message));
        }
    }
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(problems)
    }
}

impl Walk<'_> {
    /// Checks one document; its kind when it names a known one.
    fn check_one(&mut self, value: &Value) -> Option<Kind> {
        let kind = value.get("kind").and_then(Value::as_str).and_then(Kind::from_name);
        match kind {
            Some(kind) => {
                let spec = kind.spec();
                self.check_object(value, &[COMMON_FIELDS, spec.fields], spec.what);
                (spec.cross_check)(self, value);
            }
            // Without a kind the other fields cannot be judged; only the common ones are.
            None if value.is_object() => self.check_fields(value, COMMON_FIELDS),
            None => self.got(&["a document must be an object with a kind and a version"], value),
        }
        kind
    }

    /// The `documents` of a config: each checked whole, at most one of each kind.
    pub(super) fn check_documents(&mut self, value: &Value) {
        let Value::Array(documents) = value else {
            self.got(&["must be a list of documents"], value);
            return;
        };
        // Where the first document of each kind is, by `Kind as usize`.
        let mut first_of_kind = [None; Kind::ALL.len()];
        let list = self.path().len();
        for (position, document) in documents.iter().enumerate() {
            self.enter_index(position);
            if let Some(kind) = self.check_one(document) {
                match first_of_kind[kind as usize] {
                    None => first_of_kind[kind as usize] = Some(position),
                    Some(first) => {
                        self.enter("kind");
                        let mut first_path = self.path()[..list].to_owned();
                        rules::push_index(&mut first_path, first);
                        self.report_pieces(&[
                            "is a second ",
                            kind.name(),
                            " document (the first is ",
                            &first_path,
                            "); a config has at most one of each kind",
                        ]);
                    }
                }
            }
            self.leave(list);
        }
    }
}

/// A document as JSON, the way the server stores and serves it: `kind`, `version`, then the
/// kind's fields in the order of its table.
pub fn encode_document(document: &Document) -> Value {
    match document {
        Document::Policy(policy) => encode_policy(policy),
        Document::Settings(settings) => encode_settings(settings),
        #[cfg(feature = "campaigns")]
        Document::Campaigns(campaigns) => encode_campaigns(campaigns),
        #[cfg(feature = "knowledge")]
        Document::Knowledge(knowledge) => encode_knowledge(knowledge),
        #[cfg(feature = "catalogue")]
        Document::Catalogue(catalogue) => encode_catalogue(catalogue),
    }
}

/// The fields every document starts with.
fn encode_header(kind: Kind, version: u32) -> Vec<(String, Value)> {
    vec![
        ("kind".to_owned(), Value::from(kind.name())),
        ("version".to_owned(), Value::Number(f64::from(version))),
    ]
}

fn encode_policy(policy: &Policy) -> Value {
    let mut fields = encode_header(Kind::Policy, policy.version);
    policy::encode(policy, &mut fields);
    Value::Object(fields)
}

fn encode_settings(settings: &Settings) -> Value {
    let mut fields = encode_header(Kind::Settings, settings.version);
    settings::encode(settings, &mut fields);
    Value::Object(fields)
}

#[cfg(feature = "campaigns")]
fn encode_campaigns(campaigns: &Campaigns) -> Value {
    let mut fields = encode_header(Kind::Campaigns, campaigns.version);
    campaigns::encode(campaigns, &mut fields);
    Value::Object(fields)
}

#[cfg(feature = "knowledge")]
fn encode_knowledge(knowledge: &Knowledge) -> Value {
    let mut fields = encode_header(Kind::Knowledge, knowledge.version);
    knowledge::encode(knowledge, &mut fields);
    Value::Object(fields)
}

#[cfg(feature = "catalogue")]
fn encode_catalogue(catalogue: &Catalogue) -> Value {
    let mut fields = encode_header(Kind::Catalogue, catalogue.version);
    catalogue::encode(catalogue, &mut fields);
    Value::Object(fields)
}

/// A config as `/v1/config` serves it; [`check_config`] reads it back unchanged.
pub fn encode_config(config: &Config) -> Value {
    // From the documents in place, in the order of [`Kind::ALL`], rather than from copies.
    let mut documents = Vec::with_capacity(Kind::ALL.len());
    documents.extend(config.policy.as_deref().map(encode_policy));
    documents.extend(config.settings.as_ref().map(encode_settings));
    #[cfg(feature = "campaigns")]
    documents.extend(config.campaigns.as_deref().map(encode_campaigns));
    #[cfg(feature = "knowledge")]
    documents.extend(config.knowledge.as_deref().map(encode_knowledge));
    #[cfg(feature = "catalogue")]
    documents.extend(config.catalogue.as_deref().map(encode_catalogue));
    let mut fields = vec![
        ("format".to_owned(), Value::Number(f64::from(CONFIG_FORMAT))),
        ("site".to_owned(), Value::from(config.site.as_str())),
    ];
    if let Some(region) = &config.region {
        fields.push(("region".to_owned(), Value::from(region.as_str())));
    }
    fields.push(("documents".to_owned(), Value::Array(documents)));
    if let Some(pointer) = &config.assistant {
        let pointer = vec![
            ("knowledge".to_owned(), Value::from(pointer.path.as_str())),
            ("version".to_owned(), Value::Number(f64::from(pointer.version))),
        ];
        fields.push(("assistant".to_owned(), Value::Object(pointer)));
    }
    Value::Object(fields)
}

/// Checks a knowledge document alone, with the rules and messages [`check_document`] has for
/// one: the assistant's lazy module reads no other kind, and checking this kind by name keeps
/// the other kinds' rules and decoders out of its Wasm (docs/decisions.md, "The assistant's
/// lazy module").
#[cfg(feature = "knowledge")]
pub fn check_knowledge(value: &Value) -> Result<Knowledge, Vec<Problem>> {
    match value.get("kind").and_then(Value::as_str) {
        Some("knowledge") => {}
        Some(other) => {
            let message = crate::text!("must be \"knowledge\", got \"", other, "\"");
            return Err(vec![Problem::new("kind", message)]);
        }
        None => {
            let message = "a knowledge document is an object with kind \"knowledge\" and a version";
            return Err(vec![Problem::new(if value.is_object() { "kind" } else { "" }, message)]);
        }
    }
    let mut problems = Vec::new();
    let mut walk = Walk::new(&mut problems);
    walk.check_object(value, &[COMMON_FIELDS, knowledge::FIELDS], "a knowledge document");
    knowledge::cross_check(&mut walk, value);
    if problems.is_empty() {
        Ok(knowledge::decode(value, number_field(value, "version").unwrap_or(1)))
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_list_names_every_language() {
        assert_eq!(rules::LANGUAGE_LIST, rules::LANGUAGES.join(", "));
    }

    #[test]
    fn every_field_name_is_shorter_than_the_suggestion_allows() {
        fn names(table: &[Field], out: &mut Vec<&'static str>) {
            for field in table {
                out.push(field.name);
                match field.rule {
                    Rule::Records { fields, .. } | Rule::Object { fields, .. } => {
                        names(fields, out)
                    }
                    #[cfg(feature = "campaigns")]
                    Rule::PerLanguage { fields, .. } => names(fields, out),
                    #[cfg(feature = "campaigns")]
                    Rule::Tagged { shapes, .. } => {
                        for shape in shapes {
                            names(shape.fields, out);
                        }
                    }
                    _ => {}
                }
            }
        }
        let mut all = Vec::new();
        names(COMMON_FIELDS, &mut all);
        names(CONFIG_FIELDS, &mut all);
        for kind in Kind::ALL {
            names(kind.spec().fields, &mut all);
        }
        assert!(all.len() > 10 && all.contains(&"descriptions"), "{all:?}");
        #[cfg(feature = "campaigns")]
        assert!(all.contains(&"stop_after_conversion") && all.contains(&"percent"), "{all:?}");
        assert!(all.iter().all(|name| name.len() < rules::LONGEST_FIELD_NAME), "{all:?}");
    }

    #[test]
    fn the_kind_table_lists_every_kind() {
        let names: Vec<&str> = Kind::ALL.iter().map(|kind| kind.name()).collect();
        assert_eq!(names, KIND_NAMES);
    }
}
