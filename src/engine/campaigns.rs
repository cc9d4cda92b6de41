//! The campaigns feature (issue 10): which of the shop's campaigns are candidates on this page
//! (triggers), and, in the decide step, which of them the visitor sees: status, schedule,
//! targeting, contact policy, arbitration, holdout and variant. Also what a campaign's view
//! says (its template filled), what is measured (display, impression, click, dismissal,
//! conversion), and which page signals the shell must watch for.
//!
//! Every message goes this way, the cart-recovery banner included: it is the built-in
//! campaign `cart-recovery` (trigger `cart_abandoned`), in force until a shop publishes its own
//! `campaigns` document. The cart and when it counts as abandoned stay with `recovery`.
//!
//! State: the contact history (`contact::History`, stored section `campaigns`) and, for this
//! page only, the page's facts, the candidacies triggers fired, and the displays on screen.

use super::cart::Cart;
use super::config::Config;
use super::contact::{History, Refusal};
use super::i18n::{self, texts_for};
use super::interests::Interests;
use super::sync::Rng;
use super::targeting::{self, Device, Facts};
use super::template::{self, Values};
use super::view::{
    self, Action, CampaignTag, Emphasis, Reply, View, ViewAction, ViewKind, ViewLine,
};
use super::{CommerceKind, Millis};
use concierge_protocol::batch::{CampaignBucket, CampaignEvent};
use concierge_protocol::bucket::{self, Assignment};
use concierge_protocol::documents::{
    Campaign, Campaigns as Document, Caps, ContactLimits, ContactPolicy, Goal, Message, Placement,
    Status, Targeting, Trigger,
};
use concierge_protocol::Value;

/// The built-in campaign's id: the foundation's recovery banner.
pub const CART_RECOVERY: &str = "cart-recovery";

/// The campaigns in force when the shop has published none: the recovery banner as a
/// campaign, its texts from the catalogue (`content` empty), its link `config.resume_url`,
/// its dismissal `config.dismiss_for` (kept by `recovery`), no caps.
pub fn builtin() -> Document {
    Document {
        version: 0,
        contact: ContactLimits::default(),
        campaigns: vec![Campaign {
            id: CART_RECOVERY.to_owned(),
            status: Status::Active,
            schedule: None,
            trigger: Trigger::CartAbandoned,
            targeting: None,
            placement: Placement::CornerToast,
            content: Vec::new(),
            priority: 90,
            value: 45.0,
            contact: ContactPolicy {
                cooldown_hours: 0,
                stop_after_conversion: false,
                ..ContactPolicy::default()
            },
            holdout: 0.0,
            variants: Vec::new(),
            goal: Goal { event: CommerceKind::Purchase, attribution_days: 7 },
        }],
    }
}

/// The built-in "you may also like" campaign's id, and the shop's slot it fills.
pub const RECOMMENDATIONS: &str = "recommendations";

/// No limits across campaigns (for the recommendations, which they do not govern).
const NO_CAPS: Caps = Caps { per_session: None, per_day: None, per_week: None };

/// The "you may also like" slot as a campaign, added to the campaigns in force when the shop
/// publishes a catalogue (unless its own campaigns have one of this id, which then stands
/// instead: its trigger, targeting, caps and holdout): inline in
/// `[data-concierge-slot="recommendations"]`, its heading from the catalogue and its lines the
/// products `recommend` ranks (on product and cart pages: `Agent::wanted_views`). Shown only
/// when there are some (`Inputs::recommended`), so contact policy, holdout and the clicks'
/// measures are the campaigns' own.
pub fn recommendations() -> Campaign {
    Campaign {
        id: RECOMMENDATIONS.to_owned(),
        status: Status::Active,
        schedule: None,
        trigger: Trigger::PageView { path: None, page_type: None },
        targeting: None,
        placement: Placement::Inline { slot: RECOMMENDATIONS.to_owned() },
        content: Vec::new(),
        priority: 50,
        value: 10.0,
        contact: ContactPolicy::default(),
        holdout: 0.0,
        variants: Vec::new(),
        goal: Goal { event: CommerceKind::Purchase, attribution_days: 7 },
    }
}

/// The assistant's contextual prompts, each a built-in campaign (placement `assistant`) added
/// to the campaigns in force when the site publishes a knowledge document (unless the shop's
/// campaigns have one of the same id, which then stands instead), in the order of
/// `Texts::prompt_texts`: its id, trigger, targeting (JSON Logic, if any) and quick replies
/// (an index in `Texts::prompt_replies` and what the reply does).
pub const PROMPTS: [Prompt; 5] = [
    ("assistant-product", Prompted::Page("product"), None, &[(0, "ask"), (1, "ask"), (2, "ask")]),
    ("assistant-cart", Prompted::Page("cart"), None, &[(3, "ask"), (4, "ask")]),
    (
        "assistant-checkout",
        Prompted::Idle(30),
        Some(r#"{"==":[{"var":"page.type"},"checkout"]}"#),
        &[(5, "ask"), (7, "call")],
    ),
    (
        "assistant-resume",
        Prompted::CartAbandoned,
        None,
        &[(6, "resume"), (8, "store"), (7, "call")],
    ),
    (
        "assistant-advisor",
        Prompted::Page(""),
        Some(r#"{">":[{"var":"intents.count"},0]}"#),
        &[(8, "store"), (7, "call")],
    ),
];

/// A prompt: its id, trigger, targeting and quick replies (see [`PROMPTS`]).
pub type Prompt = (&'static str, Prompted, Option<&'static str>, &'static [(usize, &'static str)]);

/// A prompt's trigger: a page view (of a page type; `""`: any), idle seconds, an abandoned cart.
#[derive(Clone, Copy, Debug)]
pub enum Prompted {
    Page(&'static str),
    Idle(u32),
    CartAbandoned,
}

/// The prompts as campaigns: each at most once a session and three times a week, 24 hours
/// away after a dismissal, below the shop's messages in rank (priority 40, value 10).
pub fn prompts() -> Vec<Campaign> {
    PROMPTS
        .iter()
        .map(|(id, prompted, targeting, _)| Campaign {
            id: (*id).to_owned(),
            status: Status::Active,
            schedule: None,
            trigger: match *prompted {
                Prompted::Page("") => Trigger::PageView { path: None, page_type: None },
                Prompted::Page(page) => {
                    Trigger::PageView { path: None, page_type: Some(page.to_owned()) }
                }
                Prompted::Idle(seconds) => Trigger::Idle { seconds },
                Prompted::CartAbandoned => Trigger::CartAbandoned,
            },
            targeting: targeting.and_then(|source| {
                let source = concierge_protocol::json::parse(source).ok()?;
                let rule = concierge_protocol::logic::Rule::compile(&source).ok()?;
                Some(Targeting { rule, source })
            }),
            placement: Placement::Assistant,
            content: Vec::new(),
            priority: 40,
            value: 10.0,
            contact: ContactPolicy {
                caps: Caps { per_session: Some(1), per_day: None, per_week: Some(3) },
                ..ContactPolicy::default()
            },
            holdout: 0.0,
            variants: Vec::new(),
            goal: Goal { event: CommerceKind::Purchase, attribution_days: 7 },
        })
        .collect()
}

/// What the shell reports about the page at start.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageFacts {
    pub page_type: Option<String>,
    pub device: Option<Device>,
    /// Minutes east of UTC (`-new Date().getTimezoneOffset()`).
    pub tz_offset: i32,
    /// The referring page's path, when it was on the shop.
    pub referrer: Option<String>,
}

/// A page signal the shell watches for when asked ([`Watch`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Signal {
    ExitIntent,
    /// No input for this many seconds.
    Idle(u32),
    /// Scrolled this far down, in percent.
    Scroll(u32),
    /// Visible this many seconds.
    Time(u32),
    /// A single-page app moved to this path.
    Route(String),
}

/// The listeners the shell is to install: only those some campaign could still fire on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Watch {
    pub exit_intent: bool,
    pub idle: Vec<u32>,
    pub scroll: Vec<u32>,
    pub time: Vec<u32>,
    pub route: bool,
}

/// A trigger that fired on this page for a campaign, with the custom trigger's params.
#[derive(Clone, Debug, PartialEq)]
struct Candidacy {
    id: String,
    /// [`id_key`] of `id`: every campaign fires on an event with 50 campaigns, and comparing
    /// numbers before texts keeps the check for an earlier candidacy from costing 50² texts.
    key: u32,
    /// Where the campaign was in the document it fired from: where `choose` looks first.
    at: usize,
    name: &'static str,
    params: Value,
}

/// Texts kept for reuse: a candidacy's id was one allocation per campaign per event, and the
/// Wasm's allocator walks a free list for each. Memory, not state: two always compare equal.
#[derive(Clone, Debug, Default)]
struct Spare(Vec<String>);

impl PartialEq for Spare {
    fn eq(&self, _: &Spare) -> bool {
        true
    }
}

/// FNV-1a over the id's bytes: equal ids give equal keys; unequal ones almost never do (and
/// then the ids are compared anyway).
fn id_key(id: &str) -> u32 {
    id.bytes().fold(0x811c_9dc5, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193))
}

/// A campaign put on this page: on screen, or held back from a holdout visitor (whose turn
/// still occupies its place, so nothing else takes it on this page).
#[derive(Clone, Debug, PartialEq)]
pub struct Display {
    pub id: String,
    pub variant: Option<String>,
    pub holdout: bool,
    pub interruptive: bool,
    pub slot: Option<String>,
    /// Its impression was measured.
    pub seen: bool,
}

/// What happened to a campaign: each goes to the page's `campaign` topic, to the outbox as a
/// measurement, or both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Put on the page (a notice only: the impression is measured once it is seen).
    Shown,
    /// At least half visible for a second (a measurement only).
    Seen,
    Clicked,
    Dismissed,
    Converted,
    /// A holdout visitor's turn: nothing shown, tracked as if it had been.
    Holdout,
}

impl Outcome {
    /// The measurement on the wire, if this is one.
    pub fn measured(self) -> Option<CampaignEvent> {
        match self {
            Outcome::Shown => None,
            Outcome::Seen => Some(CampaignEvent::Impression),
            Outcome::Clicked => Some(CampaignEvent::Click),
            Outcome::Dismissed => Some(CampaignEvent::Dismiss),
            Outcome::Converted => Some(CampaignEvent::Conversion),
            Outcome::Holdout => Some(CampaignEvent::Holdout),
        }
    }

    /// The word of the page's `campaign` topic, if the page hears of this.
    pub fn notice(self) -> Option<&'static str> {
        match self {
            Outcome::Shown => Some("shown"),
            Outcome::Seen => None,
            Outcome::Clicked => Some("clicked"),
            Outcome::Dismissed => Some("dismissed"),
            Outcome::Converted => Some("converted"),
            Outcome::Holdout => Some("holdout"),
        }
    }
}

/// A measurement and a notice for the page: what happened to a campaign.
#[derive(Clone, Debug, PartialEq)]
pub struct Measure {
    pub outcome: Outcome,
    pub campaign: String,
    pub variant: Option<String>,
    pub holdout: bool,
    /// The campaign's business value, on a conversion.
    pub value: Option<f64>,
    /// The shell's `banner` notice too (the campaign's trigger is `cart_abandoned`).
    pub cart: bool,
}

impl Measure {
    pub fn bucket(&self) -> CampaignBucket {
        if self.holdout {
            CampaignBucket::Holdout
        } else {
            CampaignBucket::Treatment
        }
    }
}

/// What the decide step needs from the rest of the agent.
pub struct Inputs<'a> {
    pub config: &'a Config,
    pub cart: &'a Cart,
    pub cart_code: Option<&'a str>,
    /// The cart is abandoned and recoverable here (not checkout, not dismissed).
    pub recoverable: bool,
    /// The visitor's choices enable the recovery banner (the cart is theirs to be shown).
    pub cart_messages: bool,
    pub consent: Vec<(String, bool)>,
    /// The sync identity's id when identifiers are unlocked, else this page's own id.
    pub visitor: &'a str,
    pub intents: &'a [super::Intent],
    pub path: &'a str,
    pub now: Millis,
    /// The products the "you may also like" slot would show (`recommend`); none: it does not.
    pub recommended: Vec<ViewLine>,
    /// The interest model, for the targeting context's `interests`
    /// (`targeting::interests_context`), built only when a candidate's targeting is evaluated.
    pub interests: &'a Interests,
}

/// The campaigns feature's state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Campaigns {
    pub history: History,
    pub page: PageFacts,
    /// A random id for this page, for bucketing when identifiers are not unlocked.
    pub page_visitor: String,
    candidacies: Vec<Candidacy>,
    /// Bits of the candidacies' keys (bit `key % 1024`): a campaign whose bit is clear has not
    /// fired yet; only one whose bit is set is looked for among the candidacies (50 campaigns
    /// firing set about 50 of 1,024 bits: a sorted insert per campaign cost more).
    fired: [u64; 16],
    /// The ids of candidacies decided, for the next ones to write theirs into.
    spare_ids: Spare,
    pub displays: Vec<Display>,
    /// Campaigns dismissed or followed on this page: not shown again on it.
    closed: Vec<String>,
    /// Campaigns whose targeting failed to evaluate, warned about once per page.
    warned: Vec<String>,
    /// The listeners last asked of the shell.
    pub watching: Option<Watch>,
    /// The targeting context of the last decision that needed one.
    context: targeting::Cached,
    /// This page began a returning visit (for a document that arrives while it is open).
    returning: bool,
}

impl Campaigns {
    /// A page load: the visit is counted, and `page_view` and `returning_visit` fire.
    pub fn start(
        &mut self,
        document: &Document,
        config: &Config,
        path: &str,
        seed: u64,
        now: Millis,
    ) {
        self.page_visitor = Rng::new(seed ^ 0x5EED_CA4D_1D47_E5A1).id("page");
        let new_visit = self.history.page_view(config.visit_timeout, now);
        self.returning = new_visit && self.history.visits >= 2;
        self.page_loaded(document, path);
    }

    /// Fires the page-load triggers (`page_view`, `returning_visit`) of `document` for this
    /// page: at start, and again when a new document arrives while the page is open (a first
    /// visit has no copy kept, so the published campaigns come after the page started), for the
    /// campaigns not already on screen or closed here.
    pub fn page_loaded(&mut self, document: &Document, path: &str) {
        for (at, campaign) in document.campaigns.iter().enumerate() {
            let fires = match &campaign.trigger {
                Trigger::PageView { .. } => self.page_matches(&campaign.trigger, path),
                Trigger::ReturningVisit => self.returning,
                _ => false,
            };
            let here = self.displays.iter().any(|display| display.id == campaign.id)
                || self.closed.contains(&campaign.id);
            if fires && !here {
                self.fire(at, campaign, Value::Null);
            }
        }
    }

    fn page_matches(&self, trigger: &Trigger, path: &str) -> bool {
        let Trigger::PageView { path: prefix, page_type } = trigger else { return false };
        prefix.as_deref().is_none_or(|prefix| path.starts_with(prefix))
            && page_type.as_deref().is_none_or(|t| self.page.page_type.as_deref() == Some(t))
    }

    /// `campaign` (at `at` in its document) becomes a candidate, unless it already is.
    fn fire(&mut self, at: usize, campaign: &Campaign, params: Value) {
        let key = id_key(&campaign.id);
        let (word, bit) = ((key / 64 % 16) as usize, 1 << (key % 64));
        if self.fired[word] & bit != 0
            && self.candidacies.iter().any(|c| c.key == key && c.id == campaign.id)
        {
            return;
        }
        self.fired[word] |= bit;
        let mut id = self.spare_ids.0.pop().unwrap_or_default();
        id.clear();
        id.push_str(&campaign.id);
        let name = campaign.trigger.name();
        self.candidacies.push(Candidacy { id, key, at, name, params });
    }

    /// A signal from the page: the campaigns it sets off become candidates.
    pub fn signal(&mut self, document: &Document, signal: &Signal) {
        for (at, campaign) in document.campaigns.iter().enumerate() {
            let fires = match (&campaign.trigger, signal) {
                (Trigger::ExitIntent, Signal::ExitIntent) => true,
                (Trigger::Idle { seconds }, Signal::Idle(s)) => s >= seconds,
                (Trigger::ScrollDepth { percent }, Signal::Scroll(p)) => p >= percent,
                (Trigger::TimeOnPage { seconds }, Signal::Time(s)) => s >= seconds,
                (Trigger::RouteChange, Signal::Route(_)) => true,
                (trigger @ Trigger::PageView { .. }, Signal::Route(path)) => {
                    self.page_matches(trigger, path)
                }
                _ => false,
            };
            if fires {
                self.fire(at, campaign, Value::Null);
            }
        }
    }

    /// `concierge('trigger', name, params)`: the custom campaigns of that name.
    pub fn custom(&mut self, document: &Document, name: &str, params: &Value) {
        for (at, campaign) in document.campaigns.iter().enumerate() {
            if matches!(&campaign.trigger, Trigger::Custom { name: n } if n == name) {
                self.fire(at, campaign, params.clone());
            }
        }
    }

    /// The view of `id` was seen (half visible for a second): its impression, once.
    pub fn seen(&mut self, id: &str, document: &Document) -> Option<Measure> {
        let display = self.displays.iter_mut().find(|d| d.id == id && !d.holdout && !d.seen)?;
        display.seen = true;
        Some(measure(Outcome::Seen, display, is_cart(document, id), None))
    }

    /// The view's link was used or the view closed: it leaves the page, and a dismissal starts
    /// the campaign's cooldown. `id` `None`: the interruptive campaign on screen (the shell of
    /// released agents sent `resume`/`dismiss` without an id).
    pub fn act(
        &mut self,
        action: Action,
        id: Option<&str>,
        document: &Document,
        now: Millis,
    ) -> Option<Measure> {
        let position = self
            .displays
            .iter()
            .position(|d| !d.holdout && id.map_or(d.interruptive, |id| d.id == id))?;
        let display = self.displays.remove(position);
        self.closed.push(display.id.clone());
        let event = match action {
            Action::Follow => Outcome::Clicked,
            _ => {
                self.history.dismissed(&display.id, now);
                Outcome::Dismissed
            }
        };
        Some(measure(event, &display, is_cart(document, &display.id), None))
    }

    /// A commerce event: a conversion for every campaign whose goal it is, within the goal's
    /// window of its last exposure.
    pub fn commerce(
        &mut self,
        kind: CommerceKind,
        document: &Document,
        now: Millis,
    ) -> Vec<Measure> {
        let mut measures = Vec::new();
        for campaign in &document.campaigns {
            if campaign.goal.event != kind {
                continue;
            }
            let window = Millis::from(campaign.goal.attribution_days) * super::contact::DAY;
            let Some(contact) = self.history.contact(&campaign.id) else { continue };
            if contact.exposed_at.is_none_or(|at| now - at > window) {
                continue;
            }
            let display = Display {
                id: campaign.id.clone(),
                variant: contact.variant.clone(),
                holdout: contact.holdout,
                interruptive: false,
                slot: None,
                seen: false,
            };
            let cart = recovers(campaign);
            measures.push(measure(Outcome::Converted, &display, cart, Some(campaign.value)));
            self.history.converted(&campaign.id, now);
        }
        measures
    }

    /// The decide step for campaigns: the displays that stay, the new ones chosen, and the
    /// views to draw; what was newly displayed is counted and measured. `blocked`: the consent
    /// dialog is open, which hides every campaign and starts none.
    pub fn decide(
        &mut self,
        document: &Document,
        inputs: &Inputs<'_>,
        blocked: bool,
        warnings: &mut Vec<String>,
    ) -> (Vec<View>, Vec<Measure>) {
        // Displays leave when their campaign went (a new document) or stopped standing.
        self.displays.retain(|display| {
            find(document, &display.id).is_some_and(|campaign| {
                campaign.status == Status::Active
                    && (campaign.trigger != Trigger::CartAbandoned
                        || (inputs.recoverable && inputs.cart_messages))
                    && (campaign.id != RECOMMENDATIONS || !inputs.recommended.is_empty())
            })
        });
        let mut measures = Vec::new();
        if !blocked {
            measures = self.choose(document, inputs, warnings);
        }
        let mut views = Vec::new();
        if !blocked {
            for display in self.displays.iter().filter(|d| !d.holdout) {
                if let Some(campaign) = find(document, &display.id) {
                    views.push(campaign_view(campaign, display, inputs));
                }
            }
        }
        (views, measures)
    }

    fn choose(
        &mut self,
        document: &Document,
        inputs: &Inputs<'_>,
        warnings: &mut Vec<String>,
    ) -> Vec<Measure> {
        let now = inputs.now;
        let mut candidates: Vec<(&Campaign, &'static str, Value)> = Vec::new();
        self.fired = [0; 16];
        for candidacy in self.candidacies.drain(..) {
            // Where it fired from, unless a new document moved it (ids are unique in a
            // document: the validator refuses one that repeats an id).
            let fired = document.campaigns.get(candidacy.at).filter(|c| c.id == candidacy.id);
            if let Some(campaign) = fired.or_else(|| find(document, &candidacy.id)) {
                candidates.push((campaign, candidacy.name, candidacy.params));
            }
            self.spare_ids.0.push(candidacy.id);
        }
        if inputs.recoverable && inputs.cart_messages {
            for campaign in &document.campaigns {
                if campaign.trigger == Trigger::CartAbandoned {
                    candidates.push((campaign, "cart_abandoned", Value::Null));
                }
            }
        }
        // Taken out while the candidates are judged (they read the rest of the state).
        let mut cached = std::mem::take(&mut self.context);
        let mut refreshed = false;
        let mut trigger_set: Option<(&str, &Value)> = None;
        let mut eligible: Vec<&Campaign> = Vec::new();
        let mut waiting: Vec<(&Campaign, &Value)> = Vec::new();
        for (campaign, trigger, params) in &candidates {
            let (campaign, trigger): (&Campaign, &str) = (campaign, trigger);
            let on_page = self.displays.iter().any(|d| d.id == campaign.id)
                || self.closed.contains(&campaign.id);
            // The same campaign twice (a cart campaign also fired by a signal): one document,
            // one id per campaign, so the same one is the same object.
            let again = eligible.iter().any(|c| std::ptr::eq(*c, campaign));
            // A place already taken stays taken through this decision (displays are only
            // added below), so its campaign cannot show: its targeting is not evaluated.
            if on_page || again || self.place_taken(campaign) || !self.live(campaign, now) {
                continue;
            }
            if let Some(targeting) = &campaign.targeting {
                if !refreshed {
                    let interests = targeting::interests_context(inputs.interests, now);
                    cached.refresh(&self.facts(inputs, &interests));
                    refreshed = true;
                }
                let context = cached.context();
                // Consecutive candidates fired by the same trigger share its `trigger` field.
                if trigger_set != Some((trigger, params)) {
                    targeting::with_trigger(context, trigger, params);
                    trigger_set = Some((trigger, params));
                }
                match targeting.rule.holds(context) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(error) => {
                        if !self.warned.contains(&campaign.id) {
                            self.warned.push(campaign.id.clone());
                            warnings.push(concierge_protocol::text!(
                                "campaign ",
                                &campaign.id,
                                ": its targeting could not be evaluated (",
                                error.message(),
                                "); not shown"
                            ));
                        }
                        continue;
                    }
                }
            }
            // Nothing to recommend yet (no interest, or interests not unlocked): not shown,
            // and still a candidate on this page, for when there is.
            if campaign.id == RECOMMENDATIONS && inputs.recommended.is_empty() {
                waiting.push((campaign, params));
                continue;
            }
            eligible.push(campaign);
        }
        self.context = cached;
        for (campaign, params) in waiting {
            if let Some(at) = document.campaigns.iter().position(|c| std::ptr::eq(c, campaign)) {
                self.fire(at, campaign, params.clone());
            }
        }
        // Highest priority × value first; ties by id, so every tab and test picks alike. A
        // selection rather than `sort_by`, whose generic machinery costs kilobytes of Wasm.
        let mut ranked = Vec::with_capacity(eligible.len());
        while !eligible.is_empty() {
            let mut best = 0;
            for (position, campaign) in eligible.iter().enumerate() {
                if ranks_before(campaign, eligible[best]) {
                    best = position;
                }
            }
            ranked.push(eligible.swap_remove(best));
        }
        let mut measures = Vec::new();
        for campaign in ranked {
            let interruptive = campaign.placement.is_interruptive();
            let slot = place(&campaign.placement);
            // Displays chosen just now take places and count against the caps of the next. The
            // recommendations are the shop's shelf, not a message to the visitor: the limits
            // across campaigns neither refuse them nor count them (their own policy does).
            let shelf = campaign.id == RECOMMENDATIONS;
            let limits = if shelf { &NO_CAPS } else { &document.contact.caps };
            if self.place_taken(campaign) || self.history.refusal(campaign, limits, now).is_some() {
                continue;
            }
            let assignment =
                bucket::bucket(inputs.visitor, &campaign.id, campaign.holdout, &campaign.weights());
            let (holdout, variant) = match assignment {
                Assignment::Holdout => (true, None),
                Assignment::Variant(index) => {
                    (false, campaign.variants.get(index).map(|v| v.id.clone()))
                }
            };
            // A prompt yields to the shop's messages: refused by the limits across campaigns
            // like any message, it does not use them up (docs/decisions.md).
            if shelf || campaign.placement == Placement::Assistant {
                self.history.displayed_apart(&campaign.id, variant.as_deref(), holdout, now);
            } else {
                self.history.displayed(&campaign.id, variant.as_deref(), holdout, now);
            }
            let display = Display {
                id: campaign.id.clone(),
                variant,
                holdout,
                interruptive,
                slot: slot.map(str::to_owned),
                seen: false,
            };
            let outcome = if holdout { Outcome::Holdout } else { Outcome::Shown };
            let cart = recovers(campaign);
            measures.push(measure(outcome, &display, cart, None));
            self.displays.push(display);
        }
        measures
    }

    /// Whether a display holds the campaign's place: the one interruptive place, or its slot.
    fn place_taken(&self, campaign: &Campaign) -> bool {
        let slot = place(&campaign.placement);
        self.displays.iter().any(|d| match slot {
            None => d.interruptive,
            Some(_) => d.slot.as_deref() == slot,
        })
    }

    /// Active, in its schedule, and not refused by a stop after conversion or a cooldown (the
    /// caps are checked as displays are chosen).
    fn live(&self, campaign: &Campaign, now: Millis) -> bool {
        campaign.status == Status::Active
            && self.in_schedule(campaign, now)
            && !matches!(
                self.history.refusal(campaign, &Default::default(), now),
                Some(Refusal::Converted | Refusal::Cooldown)
            )
    }

    /// Whether `now` is within the campaign's schedule: a UTC schedule as written, one with a
    /// time zone on the visitor's own clock (docs/decisions.md).
    pub fn in_schedule(&self, campaign: &Campaign, now: Millis) -> bool {
        let Some(schedule) = &campaign.schedule else { return true };
        let offset = if schedule.time_zone.is_some() { i64::from(self.page.tz_offset) } else { 0 };
        let clock = now.div_euclid(1000) + offset * 60;
        clock >= schedule.start.epoch_seconds()
            && schedule.end.is_none_or(|end| clock < end.epoch_seconds())
    }

    fn facts<'a>(&'a self, inputs: &'a Inputs<'a>, interests: &'a Value) -> Facts<'a> {
        Facts {
            cart: inputs.cart,
            visits: self.history.visits,
            path: inputs.path,
            page_type: self.page.page_type.as_deref(),
            referrer: self.page.referrer.as_deref(),
            device: self.page.device,
            locale: &inputs.config.locale,
            consent: &inputs.consent,
            now: inputs.now,
            tz_offset: self.page.tz_offset,
            intents: inputs.intents,
            interests,
        }
    }

    /// The listeners some campaign could still fire on this page.
    pub fn watch(&self, document: &Document, now: Millis) -> Watch {
        let mut watch = Watch::default();
        for campaign in &document.campaigns {
            // What the campaign would add is asked first: a listener already wanted, or a
            // trigger the page does not signal, needs no look at the campaign's state.
            let adds = match &campaign.trigger {
                Trigger::ExitIntent => !watch.exit_intent,
                Trigger::RouteChange | Trigger::PageView { .. } => !watch.route,
                Trigger::Idle { seconds } => watch.idle.binary_search(seconds).is_err(),
                Trigger::ScrollDepth { percent } => watch.scroll.binary_search(percent).is_err(),
                Trigger::TimeOnPage { seconds } => watch.time.binary_search(seconds).is_err(),
                _ => false,
            };
            // Not `live`: what its refusal would refuse (a conversion, a cooldown), the refusal
            // under the document's caps refuses too.
            let done = !adds
                || self.displays.iter().any(|d| d.id == campaign.id)
                || self.closed.contains(&campaign.id)
                || campaign.status != Status::Active
                || !self.in_schedule(campaign, now)
                || self.history.refusal(campaign, &document.contact.caps, now).is_some();
            if done {
                continue;
            }
            match &campaign.trigger {
                Trigger::ExitIntent => watch.exit_intent = true,
                Trigger::Idle { seconds } => insert(&mut watch.idle, *seconds),
                Trigger::ScrollDepth { percent } => insert(&mut watch.scroll, *percent),
                Trigger::TimeOnPage { seconds } => insert(&mut watch.time, *seconds),
                Trigger::RouteChange | Trigger::PageView { .. } => watch.route = true,
                _ => {}
            }
        }
        watch
    }

    /// When time alone changes what the campaigns may do: a schedule starting or ending, a
    /// cooldown or a window ending.
    pub fn deadline(&self, document: &Document, now: Millis) -> Option<Millis> {
        let mut earliest: Option<Millis> = None;
        let mut consider = |at: Millis| {
            if at > now {
                earliest = Some(earliest.map_or(at, |e: Millis| e.min(at)));
            }
        };
        let offset = i64::from(self.page.tz_offset) * 60_000;
        for campaign in document.campaigns.iter().filter(|c| c.status == Status::Active) {
            if let Some(schedule) = &campaign.schedule {
                let shift = if schedule.time_zone.is_some() { offset } else { 0 };
                consider(schedule.start.epoch_seconds() * 1000 - shift);
                if let Some(end) = &schedule.end {
                    consider(end.epoch_seconds() * 1000 - shift);
                }
            }
            if let Some(at) = self.history.eligible_again(campaign, now) {
                consider(at);
            }
        }
        earliest
    }
}

/// Arbitration: the higher priority × value wins; on a tie, the lower id.
pub fn ranks_before(a: &Campaign, b: &Campaign) -> bool {
    let (score_a, score_b) = (f64::from(a.priority) * a.value, f64::from(b.priority) * b.value);
    score_a > score_b || (score_a == score_b && a.id < b.id)
}

/// The place a non-interruptive placement holds: an inline slot, or the assistant's bubble
/// (a name no slot can have: slots are tokens, without spaces).
fn place(placement: &Placement) -> Option<&str> {
    match placement {
        Placement::Inline { slot } => Some(slot.as_str()),
        Placement::Assistant => Some(" assistant"),
        _ => None,
    }
}

/// Whether the campaign shows the cart-recovery banner (and its `banner` notices): a
/// `cart_abandoned` campaign, unless it is an assistant prompt.
fn recovers(campaign: &Campaign) -> bool {
    campaign.trigger == Trigger::CartAbandoned && campaign.placement != Placement::Assistant
}

fn insert(list: &mut Vec<u32>, value: u32) {
    if let Err(at) = list.binary_search(&value) {
        list.insert(at, value);
    }
}

fn find<'a>(document: &'a Document, id: &str) -> Option<&'a Campaign> {
    document.campaigns.iter().find(|campaign| campaign.id == id)
}

fn is_cart(document: &Document, id: &str) -> bool {
    find(document, id).is_some_and(recovers)
}

fn measure(outcome: Outcome, display: &Display, cart: bool, value: Option<f64>) -> Measure {
    Measure {
        outcome,
        campaign: display.id.clone(),
        variant: display.variant.clone(),
        holdout: display.holdout,
        value,
        cart,
    }
}

/// The message of `campaign` (or of its variant) in the visitor's language, else English,
/// else the first written.
fn message<'a>(campaign: &'a Campaign, variant: Option<&str>, lang: &str) -> Option<&'a Message> {
    let content = variant
        .and_then(|id| campaign.variants.iter().find(|v| v.id == id))
        .and_then(|v| v.content.as_deref())
        .unwrap_or(&campaign.content);
    [lang, "en"]
        .iter()
        .find_map(|lang| content.iter().find(|m| m.language == *lang))
        .or_else(|| content.first())
}

/// The view of a displayed campaign: its message with the template filled; a `cart_abandoned`
/// campaign also shows the cart's lines, total and code, as the recovery banner did.
fn campaign_view(campaign: &Campaign, display: &Display, inputs: &Inputs<'_>) -> View {
    let config = inputs.config;
    let texts = texts_for(&config.locale);
    let cart = recovers(campaign);
    let recommendations = campaign.id == RECOMMENDATIONS;
    let prompt = PROMPTS.iter().position(|p| p.0 == campaign.id);
    let mut view = if cart {
        view::recovery_banner(config, inputs.cart, inputs.cart_code)
    } else {
        view::empty(ViewKind::Campaign, texts.lang)
    };
    if recommendations {
        view.label = texts.recommendations_title.into();
        view.title = texts.recommendations_title.into();
        view.lines = inputs.recommended.clone();
    }
    view.kind = ViewKind::Campaign;
    view.actions.clear();
    let values = Values {
        total: inputs.cart.total(),
        count: inputs.cart.item_count(),
        code: inputs.cart_code,
        item: inputs.cart.lines.first().map(|line| line.name.as_str()),
        lang: texts.lang,
    };
    let link = match message(campaign, display.variant.as_deref(), texts.lang) {
        Some(message) => {
            view.title = template::fill(&message.title, &values).into();
            view.body = template::fill(&message.body, &values).into();
            if !cart {
                view.label = view.title.clone();
            }
            let action = message.action.as_ref();
            action.map(|a| (template::fill(&a.label, &values), a.href.clone()))
        }
        // Each product is its own link.
        None if recommendations => None,
        // A built-in prompt: its text and quick replies from the catalogue; no link.
        None if prompt.is_some() => {
            let at = prompt.unwrap_or_default();
            let text = texts.prompt_texts[at];
            view.title = match inputs.cart_code {
                Some(code) => i18n::fill(text, code).into(),
                // No code to read out: the banner's own words instead.
                None if text.contains("{n}") => texts.recovery_body.into(),
                None => text.into(),
            };
            view.label = texts.assistant_label.into();
            for &(reply, kind) in PROMPTS[at].3 {
                view.replies.push(Reply { label: texts.prompt_replies[reply], kind });
            }
            None
        }
        // The built-in campaign speaks from the catalogue, as the banner always did.
        None => Some((texts.recovery_resume.to_owned(), config.resume_url.clone())),
    };
    if let Some((label, href)) = link {
        view.actions.push(ViewAction {
            action: Action::Follow,
            label,
            href: Some(href),
            emphasis: Emphasis::Primary,
        });
    }
    view.actions.push(ViewAction {
        action: Action::Dismiss,
        label: texts.recovery_dismiss.to_owned(),
        href: None,
        emphasis: Emphasis::Close,
    });
    view.campaign = Some(Box::new(CampaignTag {
        id: campaign.id.clone(),
        variant: display.variant.clone(),
        placement: campaign.placement.name(),
        slot: display.slot.clone().filter(|_| campaign.placement != Placement::Assistant),
    }));
    view
}
