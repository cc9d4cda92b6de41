//! The `campaigns` document: the messages a shop shows, when, to whom, where, how often, and
//! how each is measured. The marketer's contract; the engine that runs it reads these types.
//!
//! ```json
//! { "kind": "campaigns", "version": 4,
//!   "contact": { "per_session": 2, "per_day": 3, "per_week": 6, "interruptive_at_once": 1 },
//!   "campaigns": [
//!     { "id": "cart-recovery", "status": "active",
//!       "schedule": { "start": "2026-12-01T00:00:00Z" },
//!       "trigger": { "type": "cart_abandoned" },
//!       "targeting": { ">=": [{ "var": "cart.total" }, 20] },
//!       "placement": { "type": "corner_toast" },
//!       "content": { "en": { "title": "You left something in your cart",
//!                            "body": "Your {{cart.count}} items are still here.",
//!                            "action": { "label": "Resume checkout", "href": "/checkout/" } },
//!                    "es": { … }, "nl": { … }, "de": { … } },
//!       "priority": 80, "value": 25,
//!       "contact": { "per_day": 1, "cooldown_hours": 24, "stop_after_conversion": true },
//!       "holdout": 0.1,
//!       "variants": [ { "id": "plain", "weight": 1 }, { "id": "code", "weight": 1, "content": { … } } ],
//!       "goal": { "event": "purchase", "attribution_days": 7 } } ] }
//! ```
//!
//! The field tables below are the whole schema: the validator checks them and the agent's
//! reader reads types and ranges from them. The cross-field rules (a schedule's time zone and
//! its end, a modal only on an explicit trigger, caps that agree with each other, at least one
//! variant) are in [`cross_check`]; links to other hosts are checked against the settings'
//! `link_hosts` by [`links_outside`].

use super::rules::{
    bool_field, https_host, number_field, shape_of, text_field, Field, Rule, Shape, Walk,
};
use super::settings::MAX_PATH;
use crate::names::CommerceKind;
use crate::problem::{index, join};
use crate::{logic, text, Problem, Value};

/// The most campaigns a document holds.
pub const MAX_CAMPAIGNS: usize = 100;
/// The most variants of one campaign.
pub const MAX_VARIANTS: usize = 10;
/// The longest campaign id, slot name or custom trigger name.
pub const MAX_CAMPAIGN_ID: usize = 64;
/// The longest variant id.
pub const MAX_VARIANT_ID: usize = 32;
/// The longest title of a message, per language.
pub const MAX_TITLE: usize = 80;
/// The longest body of a message, per language.
pub const MAX_BODY: usize = 300;
/// The longest label of a message's action, per language.
pub const MAX_LABEL: usize = 40;
/// The largest holdout share: at least half of the visitors see the campaign.
pub const MAX_HOLDOUT: f64 = 0.5;
/// The largest business value of one conversion.
pub const MAX_VALUE: f64 = 1_000_000.0;

/// What `{{...}}` may name in a message: the cart's total (formatted in the shop's currency
/// and the visitor's locale), its number of items, the visitor's cart code, and the name of
/// the cart's first item.
pub const TEMPLATE_VARIABLES: &[&str] = &["cart.total", "cart.count", "cart.code", "item.name"];
/// The states of a campaign; only an `active` one is ever shown.
pub const STATUSES: &[&str] = &["draft", "active", "paused", "ended"];
/// The kinds of page a shop declares for its pages, which a `page_view` trigger may name.
pub const PAGE_TYPES: &[&str] = &[
    "home",
    "category",
    "product",
    "search",
    "cart",
    "checkout",
    "confirmation",
    "account",
    "content",
];
/// The GA4 events a goal may name: the ecommerce events the agent sees.
pub const GOAL_EVENTS: &[&str] = &[
    "view_item_list",
    "view_item",
    "add_to_cart",
    "remove_from_cart",
    "view_cart",
    "begin_checkout",
    "purchase",
];

/// The triggers a modal may open on: those the visitor or the shop sets off on purpose.
pub const MODAL_TRIGGERS: &[&str] = &["exit_intent", "custom"];

const SCHEDULE_FIELDS: &[Field] = &[
    Field::required("start", Rule::Timestamp),
    Field::optional("end", Rule::Timestamp),
    Field::optional("time_zone", Rule::TimeZone),
];

const SECONDS: Rule = Rule::WholeNumber { min: 1, max: 3_600, unit: "seconds" };

/// A `static`, not a `const`: each use of a `const` table may be a copy of it, names and texts
/// and all, in the Wasm.
static TRIGGERS: &[Shape] = &[
    Shape::new(
        "page_view",
        "a page_view trigger",
        &[
            Field::optional("path", Rule::Path { max: MAX_PATH }),
            Field::optional("page_type", Rule::OneOf(PAGE_TYPES)),
        ],
    ),
    Shape::new("cart_abandoned", "a cart_abandoned trigger", &[]),
    Shape::new("returning_visit", "a returning_visit trigger", &[]),
    Shape::new("exit_intent", "an exit_intent trigger", &[]),
    Shape::new("idle", "an idle trigger", &[Field::required("seconds", SECONDS)]),
    Shape::new(
        "scroll_depth",
        "a scroll_depth trigger",
        &[Field::required("percent", Rule::WholeNumber { min: 1, max: 100, unit: "percent" })],
    ),
    Shape::new("time_on_page", "a time_on_page trigger", &[Field::required("seconds", SECONDS)]),
    Shape::new("route_change", "a route_change trigger", &[]),
    Shape::new(
        "custom",
        "a custom trigger",
        &[Field::required("name", Rule::Token { max: MAX_CAMPAIGN_ID })],
    ),
];

static PLACEMENTS: &[Shape] = &[
    Shape::new("top_bar", "a top_bar placement", &[]),
    Shape::new("bottom_bar", "a bottom_bar placement", &[]),
    Shape::new(
        "inline",
        "an inline placement",
        &[Field::required("slot", Rule::Token { max: MAX_CAMPAIGN_ID })],
    ),
    Shape::new("corner_toast", "a corner_toast placement", &[]),
    Shape::new("modal", "a modal placement", &[]),
    Shape::new("assistant", "an assistant placement", &[]),
];

const fn template(max: usize) -> Rule {
    Rule::Template { max, variables: TEMPLATE_VARIABLES }
}

const ACTION_FIELDS: &[Field] = &[
    Field::required("label", template(MAX_LABEL)),
    Field::required("href", Rule::Link { max: MAX_PATH }),
];

const MESSAGE_FIELDS: &[Field] = &[
    Field::required("title", template(MAX_TITLE)),
    Field::required("body", template(MAX_BODY)),
    Field::optional("action", Rule::Object { fields: ACTION_FIELDS, what: "an action" }),
];

const CONTENT: Rule = Rule::PerLanguage { fields: MESSAGE_FIELDS, what: "a message" };

/// A cap: how many times in a window, at least once.
const CAP: Rule = Rule::WholeNumber { min: 1, max: 100, unit: "" };

const CONTACT_FIELDS: &[Field] = &[
    Field::optional("per_session", CAP),
    Field::optional("per_day", CAP),
    Field::optional("per_week", CAP),
    Field::optional("cooldown_hours", Rule::WholeNumber { min: 0, max: 8_760, unit: "hours" }),
    Field::optional("stop_after_conversion", Rule::Bool),
];

const VARIANT_FIELDS: &[Field] = &[
    Field::required("id", Rule::Token { max: MAX_VARIANT_ID }),
    Field::required("weight", Rule::WholeNumber { min: 1, max: 1_000, unit: "" }),
    Field::optional("content", CONTENT),
];

const GOAL_FIELDS: &[Field] = &[
    Field::required("event", Rule::OneOf(GOAL_EVENTS)),
    Field::required("attribution_days", Rule::WholeNumber { min: 1, max: 90, unit: "days" }),
];

const CAMPAIGN_FIELDS: &[Field] = &[
    Field::required("id", Rule::Token { max: MAX_CAMPAIGN_ID }),
    Field::required("status", Rule::OneOf(STATUSES)),
    Field::optional("schedule", Rule::Object { fields: SCHEDULE_FIELDS, what: "a schedule" }),
    Field::required("trigger", Rule::Tagged { shapes: TRIGGERS, noun: "a trigger" }),
    Field::optional("targeting", Rule::Logic),
    Field::required("placement", Rule::Tagged { shapes: PLACEMENTS, noun: "a placement" }),
    Field::required("content", CONTENT),
    Field::required("priority", Rule::WholeNumber { min: 1, max: 100, unit: "" }),
    Field::required("value", Rule::Number { min: 0.0, max: MAX_VALUE }),
    Field::optional("contact", Rule::Object { fields: CONTACT_FIELDS, what: "a contact policy" }),
    Field::optional("holdout", Rule::Number { min: 0.0, max: MAX_HOLDOUT }),
    Field::optional(
        "variants",
        Rule::Records {
            fields: VARIANT_FIELDS,
            key: "id",
            expected: &[],
            max: MAX_VARIANTS,
            noun: "variant",
        },
    ),
    Field::required("goal", Rule::Object { fields: GOAL_FIELDS, what: "a goal" }),
];

const LIMIT_FIELDS: &[Field] = &[
    Field::optional("per_session", CAP),
    Field::optional("per_day", CAP),
    Field::optional("per_week", CAP),
    Field::optional("interruptive_at_once", Rule::WholeNumber { min: 1, max: 1, unit: "" }),
];

pub(super) const FIELDS: &[Field] = &[
    Field::optional("contact", Rule::Object { fields: LIMIT_FIELDS, what: "the contact limits" }),
    Field::required(
        "campaigns",
        Rule::Records {
            fields: CAMPAIGN_FIELDS,
            key: "id",
            expected: &[],
            max: MAX_CAMPAIGNS,
            noun: "campaign",
        },
    ),
];

/// The shop's campaigns and the limits that hold across all of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Campaigns {
    pub version: u32,
    pub contact: ContactLimits,
    pub campaigns: Vec<Campaign>,
}

/// How many displays a window allows (rolling windows; none: no cap), for one campaign or for
/// all of them: the one shape [`ContactLimits`] and [`ContactPolicy`] share.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Caps {
    /// At most this many in a visit.
    pub per_session: Option<u32>,
    /// ... in any 24 hours.
    pub per_day: Option<u32>,
    /// ... in any 7 days.
    pub per_week: Option<u32>,
}

impl Caps {
    fn decode(contact: Option<&Value>) -> Caps {
        let cap = |name| contact.and_then(|c| number_field(c, name));
        Caps { per_session: cap("per_session"), per_day: cap("per_day"), per_week: cap("per_week") }
    }
}

/// Limits across every campaign, for one visitor (holdout visitors count as if shown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactLimits {
    /// Campaign displays across all campaigns.
    pub caps: Caps,
    /// Interruptive placements (bars, corner toast, modal) shown at the same time: 1.
    pub interruptive_at_once: u32,
}

impl Default for ContactLimits {
    fn default() -> ContactLimits {
        ContactLimits { caps: Caps::default(), interruptive_at_once: 1 }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Campaign {
    pub id: String,
    pub status: Status,
    /// When it may show; none: whenever it is active.
    pub schedule: Option<Schedule>,
    pub trigger: Trigger,
    /// Who may see it; none: every visitor.
    pub targeting: Option<Targeting>,
    pub placement: Placement,
    /// One message per language, in the order written.
    pub content: Vec<Message>,
    /// 1 to 100; among eligible campaigns the highest priority × value wins.
    pub priority: u32,
    /// What one conversion is worth to the shop, in its currency.
    pub value: f64,
    pub contact: ContactPolicy,
    /// The share of visitors (0 to 0.5) who see nothing and are measured as a control.
    pub holdout: f64,
    /// Empty: one variant, the campaign's own content.
    pub variants: Vec<Variant>,
    pub goal: Goal,
}

impl Campaign {
    /// The weights of its variants in order, as `bucket::bucket` takes them (one variant of
    /// weight 1 when it lists none).
    pub fn weights(&self) -> Vec<f64> {
        if self.variants.is_empty() {
            vec![1.0]
        } else {
            self.variants.iter().map(|variant| f64::from(variant.weight)).collect()
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Draft,
    Active,
    Paused,
    Ended,
}

impl Status {
    const ALL: [Status; 4] = [Status::Draft, Status::Active, Status::Paused, Status::Ended];

    pub fn name(self) -> &'static str {
        STATUSES[self as usize]
    }

    pub fn from_name(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|status| status.name() == name)
    }
}

/// `start` to `end` (exclusive), in UTC, or as local times in `time_zone` when it is named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub start: DateTime,
    pub end: Option<DateTime>,
    pub time_zone: Option<String>,
}

/// A calendar date and time of day, to the second, on the schedule's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl DateTime {
    /// Seconds since 1970-01-01T00:00:00 on the same clock: Unix time for a UTC schedule.
    pub fn epoch_seconds(&self) -> i64 {
        let days = crate::calendar::days_from_civil(
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        );
        days * 86_400
            + i64::from(self.hour) * 3_600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// `2026-12-01T09:00:00`, without a zone.
    pub fn describe(&self) -> String {
        let mut out = String::with_capacity(20);
        let pad = |out: &mut String, n: u32, width: usize| {
            let digits = crate::text::integer(n);
            for _ in digits.len()..width {
                out.push('0');
            }
            out.push_str(&digits);
        };
        pad(&mut out, u32::from(self.year), 4);
        for (separator, part) in [
            ('-', self.month),
            ('-', self.day),
            ('T', self.hour),
            (':', self.minute),
            (':', self.second),
        ] {
            out.push(separator);
            pad(&mut out, u32::from(part), 2);
        }
        out
    }
}

/// `YYYY-MM-DDTHH:MM[:SS]` with an optional `Z`: the date and time, and whether it is UTC.
pub fn parse_timestamp(text: &str) -> Option<(DateTime, bool)> {
    let (text, utc) = match text.strip_suffix('Z') {
        Some(rest) => (rest, true),
        None => (text, false),
    };
    let bytes = text.as_bytes();
    if !matches!(bytes.len(), 16 | 19) {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<u32> {
        let digits = &bytes[from..to];
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0, |n, &digit| n * 10 + u32::from(digit - b'0')))
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':')];
    if separators.iter().any(|&(at, byte)| bytes[at] != byte) {
        return None;
    }
    let second = if bytes.len() == 19 {
        if bytes[16] != b':' {
            return None;
        }
        number(17, 19)?
    } else {
        0
    };
    let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
    let (hour, minute) = (number(11, 13)?, number(14, 16)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    let fits = (1970..=9999).contains(&year)
        && (1..=days).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60;
    fits.then_some((
        DateTime {
            year: year as u16,
            month: month as u8,
            day: day as u8,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
        },
        utc,
    ))
}

/// What sets a campaign off; the engine evaluates each in the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// A page view, on pages under `path` and of `page_type` when they are named.
    PageView { path: Option<String>, page_type: Option<String> },
    /// The cart was abandoned (the recovery banner's moment).
    CartAbandoned,
    /// The first page view of a visit after an earlier one.
    ReturningVisit,
    /// On desktop, the pointer leaves through the top of the viewport.
    ExitIntent,
    /// No input for this long on an open page.
    Idle { seconds: u32 },
    /// The visitor scrolled this far down the page.
    ScrollDepth { percent: u32 },
    /// The page has been open and visible this long.
    TimeOnPage { seconds: u32 },
    /// A single-page app changed its route (history API).
    RouteChange,
    /// The shop called `concierge('trigger', name, params)`.
    Custom { name: String },
}

impl Trigger {
    pub fn name(&self) -> &'static str {
        let position = match self {
            Trigger::PageView { .. } => 0,
            Trigger::CartAbandoned => 1,
            Trigger::ReturningVisit => 2,
            Trigger::ExitIntent => 3,
            Trigger::Idle { .. } => 4,
            Trigger::ScrollDepth { .. } => 5,
            Trigger::TimeOnPage { .. } => 6,
            Trigger::RouteChange => 7,
            Trigger::Custom { .. } => 8,
        };
        TRIGGERS[position].name
    }

    fn decode(value: &Value) -> Option<Trigger> {
        let seconds = || number_field(value, "seconds");
        Some(match shape_of(TRIGGERS, value)?.name {
            "page_view" => Trigger::PageView {
                path: text_field(value, "path"),
                page_type: text_field(value, "page_type"),
            },
            "cart_abandoned" => Trigger::CartAbandoned,
            "returning_visit" => Trigger::ReturningVisit,
            "exit_intent" => Trigger::ExitIntent,
            "idle" => Trigger::Idle { seconds: seconds()? },
            "scroll_depth" => Trigger::ScrollDepth { percent: number_field(value, "percent")? },
            "time_on_page" => Trigger::TimeOnPage { seconds: seconds()? },
            "route_change" => Trigger::RouteChange,
            _ => Trigger::Custom { name: text_field(value, "name")? },
        })
    }

    fn encode(&self) -> Value {
        let mut fields = vec![("type".to_owned(), Value::from(self.name()))];
        let mut put = |name: &str, value: Value| fields.push((name.to_owned(), value));
        match self {
            Trigger::PageView { path, page_type } => {
                if let Some(path) = path {
                    put("path", Value::from(path.as_str()));
                }
                if let Some(page_type) = page_type {
                    put("page_type", Value::from(page_type.as_str()));
                }
            }
            Trigger::Idle { seconds } | Trigger::TimeOnPage { seconds } => {
                put("seconds", Value::Number(f64::from(*seconds)))
            }
            Trigger::ScrollDepth { percent } => put("percent", Value::Number(f64::from(*percent))),
            Trigger::Custom { name } => put("name", Value::from(name.as_str())),
            _ => {}
        }
        Value::Object(fields)
    }
}

/// Where a campaign shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    TopBar,
    BottomBar,
    /// In the element the shop marked `data-concierge-slot="{slot}"`, so nothing shifts.
    Inline {
        slot: String,
    },
    CornerToast,
    /// Over the page, holding focus until closed; only on an explicit trigger.
    Modal,
    /// A prompt bubble beside the assistant's launcher: its own place (one bubble at a time),
    /// not the interruptive one, so a banner and a prompt may share a page.
    Assistant,
}

impl Placement {
    pub fn name(&self) -> &'static str {
        match self {
            Placement::TopBar => "top_bar",
            Placement::BottomBar => "bottom_bar",
            Placement::Inline { .. } => "inline",
            Placement::CornerToast => "corner_toast",
            Placement::Modal => "modal",
            Placement::Assistant => "assistant",
        }
    }

    /// Whether it lies over the page (at most one such at a time); an inline slot does not.
    pub fn is_interruptive(&self) -> bool {
        !matches!(self, Placement::Inline { .. } | Placement::Assistant)
    }

    fn decode(value: &Value) -> Option<Placement> {
        Some(match shape_of(PLACEMENTS, value)?.name {
            "top_bar" => Placement::TopBar,
            "bottom_bar" => Placement::BottomBar,
            "inline" => Placement::Inline { slot: text_field(value, "slot")? },
            "corner_toast" => Placement::CornerToast,
            "assistant" => Placement::Assistant,
            _ => Placement::Modal,
        })
    }

    fn encode(&self) -> Value {
        let mut fields = vec![("type".to_owned(), Value::from(self.name()))];
        if let Placement::Inline { slot } = self {
            fields.push(("slot".to_owned(), Value::from(slot.as_str())));
        }
        Value::Object(fields)
    }
}

/// A targeting rule: compiled for evaluation, and as written, to publish it again.
#[derive(Clone, Debug, PartialEq)]
pub struct Targeting {
    pub rule: logic::Rule,
    pub source: Value,
}

/// What a campaign says in one language; `{{variables}}` are filled in when it shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub language: String,
    pub title: String,
    pub body: String,
    pub action: Option<Action>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub label: String,
    /// A path on the shop, or an https link to one of the settings' link hosts.
    pub href: String,
}

/// How often one campaign may show to one visitor (rolling windows).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactPolicy {
    pub caps: Caps,
    /// After a dismissal, it stays away this long (default 24).
    pub cooldown_hours: u32,
    /// Once its goal is reached, it never shows again to that visitor (default true).
    pub stop_after_conversion: bool,
}

impl Default for ContactPolicy {
    fn default() -> ContactPolicy {
        ContactPolicy { caps: Caps::default(), cooldown_hours: 24, stop_after_conversion: true }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    pub id: String,
    /// Its share of the visitors outside the holdout, against the other weights.
    pub weight: u32,
    /// Replaces the campaign's content whole; none: the campaign's content.
    pub content: Option<Vec<Message>>,
}

/// What counts as a conversion: `event` within `attribution_days` of an impression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Goal {
    pub event: CommerceKind,
    pub attribution_days: u32,
}

/// The rules across fields: a schedule's clock and order, a modal's trigger, caps that agree,
/// variants listed when the field is there.
pub(super) fn cross_check(walk: &mut Walk, document: &Value) {
    if let Some(limits) = document.get("contact") {
        let back = walk.enter("contact");
        check_caps(walk, limits);
        walk.leave(back);
    }
    let Some(Value::Array(campaigns)) = document.get("campaigns") else { return };
    let root = walk.enter("campaigns");
    let list = walk.path().len();
    for (position, campaign) in campaigns.iter().enumerate() {
        walk.enter_index(position);
        let here = walk.path().len();
        if let Some(schedule) = campaign.get("schedule") {
            walk.enter("schedule");
            check_schedule(walk, schedule);
            walk.leave(here);
        }
        check_modal(walk, campaign);
        walk.leave(here);
        if let Some(contact) = campaign.get("contact") {
            walk.enter("contact");
            check_caps(walk, contact);
            walk.leave(here);
        }
        if let Some(Value::Array(variants)) = campaign.get("variants") {
            if variants.is_empty() {
                walk.enter("variants");
                walk.report_pieces(&[
                    "must list at least one variant; leave the field out for a campaign with one message",
                ]);
            }
        }
        walk.leave(list);
    }
    walk.leave(root);
}

/// A UTC schedule writes `Z`; a local one names its time zone and writes none; end after start.
fn check_schedule(walk: &mut Walk, schedule: &Value) {
    let zoned = schedule.get("time_zone").is_some();
    let here = walk.path().len();
    let read = |walk: &mut Walk, name: &str| -> Option<DateTime> {
        let (time, utc) = schedule.get(name)?.as_str().and_then(parse_timestamp)?;
        walk.enter(name);
        if zoned && utc {
            walk.report_pieces(&[
                "ends in Z (UTC) but the schedule names a time_zone; write the local time without Z, or leave time_zone out",
            ]);
        } else if !zoned && !utc {
            walk.report_pieces(&[
                "is a local time but the schedule names no time_zone; add Z for UTC, or add a time_zone such as Europe/Amsterdam",
            ]);
        }
        walk.leave(here);
        Some(time)
    };
    let start = read(walk, "start");
    let end = read(walk, "end");
    if let (Some(start), Some(end)) = (start, end) {
        if end <= start {
            walk.enter("end");
            walk.report_pieces(&["must be after start (", &start.describe(), ")"]);
            walk.leave(here);
        }
    }
}

/// A modal takes the page over, so only a trigger the visitor or the shop sets off on purpose
/// may open one.
fn check_modal(walk: &mut Walk, campaign: &Value) {
    let placement = campaign.get("placement").and_then(|p| p.get("type")).and_then(Value::as_str);
    let trigger = campaign.get("trigger").and_then(|t| t.get("type")).and_then(Value::as_str);
    let (Some("modal"), Some(trigger)) = (placement, trigger) else { return };
    // An unknown trigger has its own problem already.
    let known = TRIGGERS.iter().any(|shape| shape.name == trigger);
    if MODAL_TRIGGERS.contains(&trigger) || !known {
        return;
    }
    walk.enter("placement");
    walk.enter("type");
    walk.report_pieces(&[
        "is modal, which interrupts the visitor, so it opens only on an exit_intent or custom trigger; this campaign's trigger is ",
        trigger,
    ]);
}

/// A cap for a shorter window above the one for a longer window never applies.
fn check_caps(walk: &mut Walk, caps: &Value) {
    let here = walk.path().len();
    let cap = |name| number_field(caps, name);
    let windows =
        [("per_session", "per_day"), ("per_day", "per_week"), ("per_session", "per_week")];
    for (shorter, longer) in windows {
        if let (Some(short), Some(long)) = (cap(shorter), cap(longer)) {
            if short > long {
                walk.enter(shorter);
                walk.report(text!(
                    "is ",
                    short,
                    " but ",
                    longer,
                    " is ",
                    long,
                    "; a cap above ",
                    longer,
                    " never applies, lower it or raise ",
                    longer
                ));
                walk.leave(here);
                return;
            }
        }
    }
}

/// Every action whose https link leads to a host not in `hosts` (the settings' link hosts),
/// with its path in the document.
pub fn links_outside(campaigns: &Campaigns, hosts: &[String]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut check = |path: &str, content: &[Message]| {
        for message in content {
            let Some(action) = &message.action else { continue };
            let Some(host) = https_host(&action.href) else { continue };
            if !hosts.iter().any(|allowed| allowed == host) {
                let at = join(&join(&join(path, &message.language), "action"), "href");
                problems.push(Problem::new(
                    at,
                    text!(
                        "links to ",
                        host,
                        ", which is not in the settings' link_hosts; add it there or use a path"
                    ),
                ));
            }
        }
    };
    for (position, campaign) in campaigns.campaigns.iter().enumerate() {
        let path = index("campaigns", position);
        check(&join(&path, "content"), &campaign.content);
        for (number, variant) in campaign.variants.iter().enumerate() {
            if let Some(content) = &variant.content {
                check(&join(&index(&join(&path, "variants"), number), "content"), content);
            }
        }
    }
    problems
}

pub(super) fn decode(document: &Value, version: u32) -> Campaigns {
    let contact = document.get("contact");
    let limits = ContactLimits {
        caps: Caps::decode(contact),
        interruptive_at_once: contact
            .and_then(|c| number_field(c, "interruptive_at_once"))
            .unwrap_or(1),
    };
    let mut campaigns = Vec::new();
    if let Some(Value::Array(records)) = document.get("campaigns") {
        campaigns.extend(records.iter().filter_map(decode_campaign));
    }
    Campaigns { version, contact: limits, campaigns }
}

fn decode_campaign(value: &Value) -> Option<Campaign> {
    // What may fail and allocates nothing comes first, then what may fail, then the rest: each
    // way out past something built cost the Wasm its own clean-up code.
    let status = Status::from_name(value.get("status")?.as_str()?)?;
    let priority = number_field(value, "priority")?;
    let worth = value.get("value")?.as_f64()?;
    let goal = value.get("goal")?;
    let goal = Goal {
        event: CommerceKind::from_name(goal.get("event")?.as_str()?)?,
        attribution_days: number_field(goal, "attribution_days")?,
    };
    let id = value.get("id")?.as_str()?;
    let content = value.get("content")?;
    let (trigger, placement) = (value.get("trigger")?, value.get("placement")?);
    let mut variants = Vec::new();
    if let Some(Value::Array(records)) = value.get("variants") {
        for record in records {
            variants.push(Variant {
                id: text_field(record, "id")?,
                weight: number_field(record, "weight")?,
                content: record.get("content").map(decode_content),
            });
        }
    }
    let targeting = match value.get("targeting") {
        Some(source) => {
            Some(Targeting { rule: logic::Rule::compile(source).ok()?, source: source.clone() })
        }
        None => None,
    };
    let trigger = Trigger::decode(trigger)?;
    let placement = Placement::decode(placement)?;
    let schedule = value.get("schedule").and_then(|schedule| {
        let time = |name| schedule.get(name)?.as_str().and_then(parse_timestamp).map(|(t, _)| t);
        Some(Schedule {
            start: time("start")?,
            end: time("end"),
            time_zone: text_field(schedule, "time_zone"),
        })
    });
    let contact = value.get("contact");
    let defaults = ContactPolicy::default();
    let contact = ContactPolicy {
        caps: Caps::decode(contact),
        cooldown_hours: contact
            .and_then(|c| number_field(c, "cooldown_hours"))
            .unwrap_or(defaults.cooldown_hours),
        stop_after_conversion: contact
            .and_then(|c| bool_field(c, "stop_after_conversion"))
            .unwrap_or(defaults.stop_after_conversion),
    };
    Some(Campaign {
        id: id.to_owned(),
        status,
        schedule,
        trigger,
        targeting,
        placement,
        content: decode_content(content),
        priority,
        value: worth,
        contact,
        holdout: value.get("holdout").and_then(Value::as_f64).unwrap_or(0.0),
        variants,
        goal,
    })
}

/// The messages of a `content` object, in the languages the agent speaks, in the order written.
fn decode_content(value: &Value) -> Vec<Message> {
    let mut messages = Vec::new();
    let Value::Object(entries) = value else { return messages };
    for (language, entry) in entries {
        if !super::LANGUAGES.contains(&language.as_str()) {
            continue;
        }
        let (Some(title), Some(body)) = (text_field(entry, "title"), text_field(entry, "body"))
        else {
            continue;
        };
        let action = entry.get("action").and_then(|action| {
            Some(Action { label: text_field(action, "label")?, href: text_field(action, "href")? })
        });
        messages.push(Message { language: language.clone(), title, body, action });
    }
    messages
}

pub(super) fn encode(campaigns: &Campaigns, fields: &mut Vec<(String, Value)>) {
    let limits = &campaigns.contact;
    let mut contact = caps(&limits.caps);
    contact.push(field("interruptive_at_once", number(limits.interruptive_at_once)));
    fields.push(field("contact", Value::Object(contact)));
    let list = campaigns.campaigns.iter().map(encode_campaign).collect();
    fields.push(field("campaigns", Value::Array(list)));
}

fn encode_campaign(campaign: &Campaign) -> Value {
    let mut fields = vec![
        field("id", Value::from(campaign.id.as_str())),
        field("status", Value::from(campaign.status.name())),
    ];
    if let Some(schedule) = &campaign.schedule {
        let zone = if schedule.time_zone.is_some() { "" } else { "Z" };
        let time = |time: &DateTime| Value::String(text!(time.describe(), zone));
        let mut written = vec![field("start", time(&schedule.start))];
        if let Some(end) = &schedule.end {
            written.push(field("end", time(end)));
        }
        if let Some(time_zone) = &schedule.time_zone {
            written.push(field("time_zone", Value::from(time_zone.as_str())));
        }
        fields.push(field("schedule", Value::Object(written)));
    }
    fields.push(field("trigger", campaign.trigger.encode()));
    if let Some(targeting) = &campaign.targeting {
        fields.push(field("targeting", targeting.source.clone()));
    }
    fields.push(field("placement", campaign.placement.encode()));
    fields.push(field("content", encode_content(&campaign.content)));
    fields.push(field("priority", number(campaign.priority)));
    fields.push(field("value", Value::Number(campaign.value)));
    let policy = &campaign.contact;
    let mut contact = caps(&policy.caps);
    contact.push(field("cooldown_hours", number(policy.cooldown_hours)));
    contact.push(field("stop_after_conversion", Value::Bool(policy.stop_after_conversion)));
    fields.push(field("contact", Value::Object(contact)));
    fields.push(field("holdout", Value::Number(campaign.holdout)));
    if !campaign.variants.is_empty() {
        let variants = campaign
            .variants
            .iter()
            .map(|variant| {
                let mut written = vec![
                    field("id", Value::from(variant.id.as_str())),
                    field("weight", number(variant.weight)),
                ];
                if let Some(content) = &variant.content {
                    written.push(field("content", encode_content(content)));
                }
                Value::Object(written)
            })
            .collect();
        fields.push(field("variants", Value::Array(variants)));
    }
    fields.push(field(
        "goal",
        Value::Object(vec![
            field("event", Value::from(campaign.goal.event.name())),
            field("attribution_days", number(campaign.goal.attribution_days)),
        ]),
    ));
    Value::Object(fields)
}

fn encode_content(content: &[Message]) -> Value {
    Value::Object(
        content
            .iter()
            .map(|message| {
                let mut written = vec![
                    field("title", Value::from(message.title.as_str())),
                    field("body", Value::from(message.body.as_str())),
                ];
                if let Some(action) = &message.action {
                    written.push(field(
                        "action",
                        Value::Object(vec![
                            field("label", Value::from(action.label.as_str())),
                            field("href", Value::from(action.href.as_str())),
                        ]),
                    ));
                }
                (message.language.clone(), Value::Object(written))
            })
            .collect(),
    )
}

fn caps(caps: &Caps) -> Vec<(String, Value)> {
    let windows =
        [("per_session", caps.per_session), ("per_day", caps.per_day), ("per_week", caps.per_week)];
    windows.into_iter().filter_map(|(name, cap)| Some(field(name, number(cap?)))).collect()
}

fn field(name: &str, value: Value) -> (String, Value) {
    (name.to_owned(), value)
}

fn number(n: u32) -> Value {
    Value::Number(f64::from(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_goal_events_are_the_commerce_events_the_agent_sees() {
        let names: Vec<&str> = CommerceKind::ALL.iter().map(|kind| kind.name()).collect();
        assert_eq!(names, GOAL_EVENTS);
    }

    #[test]
    fn statuses_and_shapes_name_themselves_as_their_tables_do() {
        for status in Status::ALL {
            assert_eq!(Status::from_name(status.name()), Some(status));
        }
        let triggers = [
            Trigger::PageView { path: None, page_type: None },
            Trigger::CartAbandoned,
            Trigger::ReturningVisit,
            Trigger::ExitIntent,
            Trigger::Idle { seconds: 1 },
            Trigger::ScrollDepth { percent: 1 },
            Trigger::TimeOnPage { seconds: 1 },
            Trigger::RouteChange,
            Trigger::Custom { name: "x".into() },
        ];
        for (trigger, shape) in triggers.iter().zip(TRIGGERS) {
            assert_eq!(trigger.name(), shape.name);
            assert_eq!(Trigger::decode(&trigger.encode()).as_ref(), Some(trigger));
        }
        assert_eq!(triggers.len(), TRIGGERS.len());
    }

    #[test]
    fn epoch_seconds_are_unix_time_for_utc() {
        let cases = [
            ("1970-01-01T00:00:00Z", 0),
            ("2000-03-01T00:00:00Z", 951_868_800),
            ("2026-12-01T09:30:15Z", 1_796_117_415),
            ("2028-02-29T23:59:59Z", 1_835_481_599),
        ];
        for (text, seconds) in cases {
            let (time, utc) = parse_timestamp(text).unwrap();
            assert!(utc);
            assert_eq!(time.epoch_seconds(), seconds, "{text}");
            assert_eq!(text!(time.describe(), "Z"), text);
        }
    }
}
