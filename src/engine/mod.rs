//! The pure core: given the state, an [`Event`] and the current time, it updates the state and
//! returns the [`Effect`]s the shell must carry out.
//!
//! The [`Agent`] routes each event to the feature modules that own its part of the state
//! ([`consent`], [`recovery`], [`sync`], [`campaigns`]; the config in force in [`config`]),
//! then, once per
//! batch of events, records what changed for the backend, writes what changed to storage
//! ([`persist`]), runs the one [`decide`] step for what the visitor sees, and asks the shell
//! for one timer: the earliest deadline of all features.
//!
//! Architecture invariant: nothing in this module touches the browser, the clock, randomness,
//! storage or the network. Time arrives as `now`; everything that leaves goes out as an effect,
//! and the consent rules are applied here, before any `Store` or `Send` is emitted.

pub mod assistant;
pub mod campaigns;
pub mod cart;
pub mod config;
pub mod consent;
pub mod contact;
pub mod decide;
pub mod handoff;
pub mod i18n;
pub mod interests;
pub mod money;
pub mod persist;
pub mod receipts;
pub mod recommend;
pub mod recovery;
pub mod sync;
pub mod targeting;
pub mod tcf;
pub mod template;
pub mod view;

use campaigns::{Campaigns, Measure, Signal, Watch};
use cart::{Cart, CartRefusal, Item};
use concierge_protocol::names::{DataCategory, Feature};
use concierge_protocol::Value;
use concierge_protocol::{audit, documents};
use concierge_protocol::{text, Problem};
use config::{Config, ConfigSource, KeptConfig, PageSettings};
use consent::{Consent, ConsentUpdate, Decision, Source, Unlocked};
use decide::{Priority, Proposal};
use i18n::texts_for;
use persist::{Allowed, Current, Key, Record, Section, Slot, StorageChange, Stored, Written};
use receipts::{Receipt, Receipts};
use recovery::Recovery;
use sync::{Batch, Identity, OutEvent, Payload, Rng, SendOutcome, Sync};
use view::{Action, View, ViewKind};

pub use concierge_protocol::names::CommerceKind;

/// Milliseconds since the Unix epoch, as `Date.now()` gives them.
pub type Millis = i64;

/// A page the visitor is on, as the shell describes it at start.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    pub path: String,
    /// The shop's kind of page (`<body data-page-type>` or the loader's `data-page-type`).
    pub page_type: Option<String>,
    pub device: Option<targeting::Device>,
    /// Minutes east of UTC on the visitor's clock.
    pub tz_offset: i32,
    /// The referring page's path, when it was on the shop.
    pub referrer: Option<String>,
    /// The page has an IAB TCF consent manager (`__tcfapi`, or its locator frame above).
    pub cmp: bool,
}

impl Page {
    pub fn at(path: &str) -> Page {
        Page { path: path.to_owned(), ..Page::default() }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Commerce {
    pub kind: CommerceKind,
    /// `None` when the event carried no `items` at all (as opposed to an empty list).
    pub items: Option<Vec<Item>>,
    pub transaction_id: Option<String>,
}

/// What the shop's published documents fetch came to.
#[derive(Clone, Debug, PartialEq)]
pub enum Fetched {
    /// `304`: the copy kept on this device is current.
    NotModified,
    /// New documents, already validated whole at the edge, and the answer they were read from
    /// (what the device keeps).
    /// (Boxed: the documents are large beside the other answers.)
    Fresh { etag: Option<String>, documents: Box<documents::Config>, source: Value },
    /// The answer was not a valid config; nothing of it is used.
    Invalid(Vec<Problem>),
    /// No answer (network error, timeout, an HTTP error status); the reason for the console.
    Unreachable(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The agent starts on a page, with what storage held and a random seed from
    /// `crypto.getRandomValues` for the ids it will make.
    Start {
        /// Boxed: it is large, and there is one per page.
        stored: Box<Stored>,
        page: Page,
        seed: u64,
    },
    Commerce(Commerce),
    /// The page's `concierge('consent', ...)`.
    Consent(ConsentUpdate),
    /// The visitor asked to see the consent choices again.
    ShowConsentPrompt,
    /// `concierge('consent', 'open')`: the preferences panel.
    OpenConsentPanel,
    /// The panel's switches, saved as one choice (source `panel`).
    PanelChoice(ConsentUpdate),
    /// A control in a view was used.
    Action(Action),
    /// Another tab of the shop changed the stored state.
    StorageChanged(StorageChange),
    /// The timer the engine asked for (`Effect::WakeAt`) went off.
    Tick,
    /// This tab holds the flush lock (no other tab is sending) and may send now.
    FlushGranted,
    /// Another tab is sending; try later.
    FlushBusy,
    /// The page is being hidden or left: the last chance to send.
    PageHide,
    /// The backend answered a batch.
    Sent {
        key: String,
        outcome: SendOutcome,
    },
    /// What staff recorded for this visitor, newest first.
    IntentsLoaded(Vec<Intent>),
    /// The backend answered a consent receipt (`status` 0: no answer).
    ReceiptAnswered {
        id: String,
        status: u16,
    },
    /// The shop's published documents arrived (or could not).
    ConfigFetched(Fetched),
    /// Something the shell was asked to watch for happened on the page.
    Signal(Signal),
    /// `concierge('trigger', name, params)`.
    Trigger {
        name: String,
        params: Value,
    },
    /// A campaign's view was at least half visible for a second.
    Seen(String),
    /// A control of a campaign's view was used (`follow` or `dismiss`).
    CampaignAction(Action, String),
    /// The shell's answer to `Effect::Load`: the module is there (`true`) or failed.
    ModuleLoaded(tcf::Module, bool),
    /// What the page's consent manager reported, decoded by the `tcf` module.
    Tcf(tcf::Report),
    /// Something the visitor did that feeds the interest model (a GA4 ecommerce event, a
    /// product described on the page, a search, the time a product page was visible).
    Interest(interests::Observation),
    /// The assistant's `ctx.handoff(request)`, with the shell's id for its promise.
    Handoff {
        id: String,
        request: handoff::Request,
    },
}

/// A Google Consent Mode command: `gtag('consent', 'default' | 'update', state)`.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsentModeCommand {
    /// `default` (before any choice, one per region of the policy and one for the rest), else
    /// `update`.
    pub default: bool,
    pub state: [(&'static str, bool); 6],
    /// The countries a default applies to; empty: everywhere else.
    pub region: Vec<String>,
}

/// A purchase intent a store or call-centre advisor recorded for this visitor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Intent {
    pub products: Vec<String>,
    pub note: String,
    pub channel: String,
    pub created_at: Millis,
}

/// What the page is told through `concierge('on', ...)`.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// The cart, with the code staff can look it up by (when storage consent allows one).
    Cart(Cart, Option<String>),
    Consent(Consent),
    Banner(BannerChange),
    Intents(Vec<Intent>),
    /// What happened to a campaign (`shown`, `clicked`, `dismissed`, `converted`, `holdout`).
    Campaign {
        campaign: String,
        variant: Option<String>,
        event: &'static str,
    },
}

/// What happened to the recovery banner, for the shop's own analytics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BannerChange {
    Shown,
    Dismissed,
    Resumed,
}

impl BannerChange {
    pub fn name(self) -> &'static str {
        match self {
            BannerChange::Shown => "shown",
            BannerChange::Dismissed => "dismissed",
            BannerChange::Resumed => "resumed",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Warning {
    CartRefused(CartRefusal),
    StoredCurrencyChanged {
        stored: money::Currency,
        configured: money::Currency,
    },
    /// The backend refused a batch as malformed; it is dropped, not retried.
    BatchRejected {
        status: u16,
        events: usize,
    },
    /// One event is larger than the backend reads; it is dropped.
    EventTooLarge,
    /// The backend no longer knows this visitor (erased): the agent forgets the identity and
    /// asks for consent again.
    VisitorErased,
    /// A stored section is in a format this agent cannot read; it is left alone.
    SectionForeign(Section),
    /// `concierge('consent', ...)` named purposes the policy in force does not have; the
    /// rest of the call was applied.
    UnknownPurposes {
        names: Vec<String>,
        known: Vec<String>,
    },
    /// The published documents could not be used; the agent runs on `using`.
    ConfigInvalid {
        problems: Vec<Problem>,
        using: ConfigSource,
    },
    ConfigUnreachable {
        reason: String,
        using: ConfigSource,
    },
    /// A campaign could not be judged (its targeting failed to evaluate); it is not shown.
    Campaign(String),
    /// The consent manager's TC string could not be decoded (the module's reason).
    TcfUnreadable(String),
}

impl Warning {
    /// The console message, built without `core::fmt` (which the agent's Wasm does not carry).
    pub fn describe(&self) -> String {
        match self {
            Warning::CartRefused(refusal) => refusal.describe(),
            Warning::StoredCurrencyChanged { stored, configured } => text!(
                "the stored cart is in ",
                stored.code(),
                " but data-currency is ",
                configured.code(),
                "; the stored cart was discarded"
            ),
            Warning::BatchRejected { status, events } => text!(
                "the backend refused a batch of ",
                *events,
                " events with HTTP ",
                *status,
                "; they were dropped (see its answer in the network panel)"
            ),
            Warning::EventTooLarge => {
                "an event is larger than the backend accepts; it was dropped".to_owned()
            }
            Warning::VisitorErased => "the backend has erased this visitor; the agent forgets \
                                       its identity and asks for consent again"
                .to_owned(),
            Warning::SectionForeign(section) => text!(
                "the stored ",
                section.name(),
                " is in a newer format than this agent reads; it is left as it is"
            ),
            Warning::UnknownPurposes { names, known } => text!(
                "consent: ",
                names.join(", "),
                " names no purpose of the shop's policy (its purposes are ",
                known.join(", "),
                "); the rest was applied"
            ),
            Warning::ConfigInvalid { problems, using } => {
                let listed: Vec<String> = problems.iter().map(Problem::describe).collect();
                text!(
                    "the shop's published config is invalid (",
                    listed.join("; "),
                    "); using ",
                    using.describe()
                )
            }
            Warning::ConfigUnreachable { reason, using } => text!(
                "the shop's published config could not be fetched (",
                reason,
                "); using ",
                using.describe()
            ),
            Warning::Campaign(message) => message.clone(),
            Warning::TcfUnreadable(reason) => text!(
                "the consent manager's TC string could not be read (",
                reason,
                "); the agent asks for consent itself"
            ),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Write one stored entry. Only ever emitted when consent allows storage.
    Store(Record),
    /// Erase one stored entry.
    Erase(Key),
    /// Erase everything this agent stored for the site.
    Wipe,
    Render(View),
    Remove(ViewKind),
    /// Remove one campaign's view.
    RemoveCampaign(String),
    /// Listen for these page signals (and no others).
    Watch(Watch),
    Notify(Notice),
    Warn(Warning),
    /// Take the cross-tab flush lock, then answer `FlushGranted` or `FlushBusy`.
    RequestFlush,
    /// Send a batch and answer `Sent` (unless it is a beacon, which gets no answer).
    Send(Batch),
    /// Send `Tick` at this time (replacing any earlier request).
    WakeAt(Millis),
    /// Fetch the intents staff recorded, and answer `IntentsLoaded`.
    FetchIntents(Identity),
    /// Send a consent receipt and answer `ReceiptAnswered`.
    SendReceipt(Receipt),
    /// Tell the page's Google tags (Consent Mode v2).
    ConsentMode(ConsentModeCommand),
    /// Draw the persistent control that opens the panel, with this label; `None`: remove it.
    Control(Option<&'static str>),
    /// Fetch a lazy module and answer `ModuleLoaded`.
    Load(tcf::Module),
    /// Resolve the promise of the handoff request with this id.
    HandoffAnswered(String, handoff::Answer),
    /// Draw the assistant's launcher with what opening it needs; `None`: remove it.
    Launcher(Option<assistant::Launcher>),
}

/// Whether a feature that sends to the backend is on: then there is someone to send as.
fn sends(unlocked: Unlocked) -> bool {
    unlocked.enables(Feature::Sync) || unlocked.enables(Feature::StaffView)
}

/// The engine's whole state for one page.
#[derive(Clone, Debug, PartialEq)]
pub struct Agent {
    page_settings: PageSettings,
    /// Where the documents in force came from, and the copy to keep on the device (the answer
    /// as it came). The typed documents are not kept apart: they are read into `config`.
    config_source: ConfigSource,
    kept_config: Option<KeptConfig>,
    /// `page_settings` over the documents in force over the defaults.
    config: Config,
    consent: Consent,
    recovery: Recovery,
    campaigns: Campaigns,
    sync: Sync,
    rng: Rng,
    page: Page,
    /// The views on screen, to render only what changed.
    shown: Vec<View>,
    /// The visitor asked to see the consent prompt although consent is settled.
    prompt_requested: bool,
    /// The preferences panel is open.
    panel_open: bool,
    /// The visitor closed the dialog without choosing (Escape): not asked again on this page.
    consent_closed: bool,
    /// The persistent control's label as drawn.
    control: Option<&'static str>,
    /// Receipts of the visitor's choices on their way to the backend.
    receipts: Receipts,
    /// A choice was made in this batch of events: its receipt is issued once the identity it
    /// may name is settled.
    receipt_due: bool,
    /// The Consent Mode defaults went to the page's tags.
    consent_mode_started: bool,
    intents: Vec<Intent>,
    written: Written,
    /// Since when a write [`Written::update`] may put off has waited (`persist`).
    held_since: Option<Millis>,
    /// The page is being hidden or left: nothing waits.
    hiding: bool,
    /// The page's IAB TCF consent manager, when it has one.
    tcf: tcf::Tcf,
    /// The "you may also like" slot's page state.
    recommend: recommend::Recommend,
    /// The local interest model (kept with the data category `interests`, else for the page).
    interests: interests::Interests,
    /// The model's top as the page started or as last sent: sent again only when it changed.
    interests_sent: Vec<sync::Interest>,
    /// Handoff requests waiting for the backend's answer.
    handoffs: handoff::Handoffs,
    /// The assistant's launcher as drawn.
    launcher: Option<assistant::Launcher>,
}

/// What the notices and the outbox compare against: the state before a batch of events.
struct Baseline {
    consent: Consent,
    unlocked: Unlocked,
    lines: Vec<Item>,
    code: Option<String>,
}

impl Agent {
    /// An agent whose settings are fixed: documents from the backend do not change them.
    pub fn new(config: Config) -> Agent {
        let mut agent = Agent::for_page(PageSettings::fixed(&config));
        agent.config = config;
        agent
    }

    /// An agent for a page: its `data-*` settings over what the shop publishes.
    pub fn for_page(page_settings: PageSettings) -> Agent {
        let config = Config::resolve(&page_settings, documents::Config::default());
        Agent {
            recovery: Recovery::new(config.currency),
            page_settings,
            config_source: ConfigSource::Defaults,
            kept_config: None,
            config,
            consent: Consent::default(),
            campaigns: Campaigns::default(),
            sync: Sync::default(),
            rng: Rng::new(0),
            page: Page::default(),
            shown: Vec::new(),
            prompt_requested: false,
            panel_open: false,
            consent_closed: false,
            control: None,
            receipts: Receipts::default(),
            receipt_due: false,
            consent_mode_started: false,
            intents: Vec::new(),
            written: Written::default(),
            held_since: None,
            hiding: false,
            tcf: tcf::Tcf::default(),
            recommend: recommend::Recommend::default(),
            interests: interests::Interests::default(),
            interests_sent: Vec::new(),
            handoffs: handoff::Handoffs::default(),
            launcher: None,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn config_source(&self) -> &ConfigSource {
        &self.config_source
    }

    pub fn cart(&self) -> &Cart {
        &self.recovery.cart
    }

    pub fn recovery(&self) -> &Recovery {
        &self.recovery
    }

    pub fn consent(&self) -> &Consent {
        &self.consent
    }

    pub fn sync(&self) -> &Sync {
        &self.sync
    }

    /// The first view on screen (the consent dialog hides every other).
    pub fn shown(&self) -> Option<&View> {
        self.shown.first()
    }

    /// Every view on screen.
    pub fn views(&self) -> &[View] {
        &self.shown
    }

    pub fn campaigns(&self) -> &Campaigns {
        &self.campaigns
    }

    pub fn intents(&self) -> &[Intent] {
        &self.intents
    }

    pub fn tcf(&self) -> &tcf::Tcf {
        &self.tcf
    }

    /// The local interest model.
    pub fn interests(&self) -> &interests::Interests {
        &self.interests
    }

    /// What the visitor's choices unlock under the policy in force.
    pub fn unlocked(&self) -> Unlocked {
        self.config.policy.unlocked(&self.consent.choices)
    }

    /// The code staff can find this cart by, when the policy's `staff_view` is enabled.
    pub fn cart_code(&self) -> Option<&str> {
        let identity = self.sync.identity.as_ref()?;
        self.unlocked().enables(Feature::StaffView).then_some(identity.cart_code.as_str())
    }

    /// Applies one event at time `now` and returns what the shell must do, in order.
    pub fn handle(&mut self, event: Event, now: Millis) -> Vec<Effect> {
        self.handle_all([event], now)
    }

    /// Applies events that happened together (start-up and the calls queued before it) and
    /// reports their combined outcome once, so the page never sees a view flash and vanish.
    pub fn handle_all(
        &mut self,
        events: impl IntoIterator<Item = Event>,
        now: Millis,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        let before = self.baseline();
        // What another tab (or storage) already holds is not news to record again.
        let mut adopted = None;
        for event in events {
            let adopting = matches!(event, Event::StorageChanged(_) | Event::Start { .. });
            self.route(event, now, &mut effects);
            if adopting {
                adopted = Some(self.baseline());
            }
        }
        // Time has passed for every input, not only for the wake-up: an input that comes after
        // the cart's idle deadline (an idle signal fired by the same jump of the clock) would
        // otherwise pass it, and `schedule` drops deadlines already past.
        self.recovery.tick(&self.config, now);
        let mapped = self.config.policy.tcf.is_some();
        if let Some(module) = self.tcf.wants_module(mapped) {
            effects.push(Effect::Load(module));
        }
        // After the loop, so a starting state is news to record, not state adopted at start.
        self.apply_starting_state(now);
        self.record_changes(adopted.as_ref().unwrap_or(&before), now);
        self.issue_receipt(now);
        self.report_changes(&before, &mut effects);
        self.tell_tags(&before, &mut effects);
        let wanted = self.wanted_views(now, &mut effects);
        self.persist(now, &mut effects);
        self.refresh_view(wanted, &mut effects);
        self.schedule(now, &mut effects);
        effects
    }

    fn baseline(&self) -> Baseline {
        Baseline {
            consent: self.consent.clone(),
            unlocked: self.unlocked(),
            lines: self.recovery.cart.lines.clone(),
            code: self.cart_code().map(str::to_owned),
        }
    }

    fn route(&mut self, event: Event, now: Millis, out: &mut Vec<Effect>) {
        match event {
            Event::Start { stored, page, seed } => {
                self.rng = Rng::new(seed);
                self.start(*stored, page, seed, now, out)
            }
            Event::Commerce(commerce) => {
                let refusals = self.recovery.commerce(&commerce, now);
                for refusal in refusals {
                    out.push(Effect::Warn(Warning::CartRefused(refusal)));
                }
                let Commerce { kind, items, transaction_id } = commerce;
                let items = items.unwrap_or_default();
                self.recommend.commerce(kind, &items);
                self.record(Payload::Commerce { kind, items, transaction_id }, now);
                let conversions = self.campaigns.commerce(kind, &self.config.campaigns, now);
                self.measured(conversions, now, out);
            }
            Event::Signal(signal) => {
                if let Signal::Route(path) = &signal {
                    self.page.path.clone_from(path);
                }
                self.campaigns.signal(&self.config.campaigns, &signal);
            }
            Event::Trigger { name, params } => {
                self.campaigns.custom(&self.config.campaigns, &name, &params)
            }
            Event::Seen(id) => {
                let seen = self.campaigns.seen(&id, &self.config.campaigns);
                self.measured(seen.into_iter().collect(), now, out);
            }
            Event::CampaignAction(action, id) => self.act_on_campaign(action, Some(&id), now, out),
            Event::Consent(update) => self.update_consent(&update, Source::Api, now, out),
            Event::ShowConsentPrompt => self.prompt_requested = true,
            Event::OpenConsentPanel => self.panel_open = true,
            Event::PanelChoice(update) => self.update_consent(&update, Source::Panel, now, out),
            Event::Action(action) => self.act(action, now, out),
            Event::StorageChanged(change) => self.adopt(change, out),
            // Time passing on an open page: noticed after every batch (`handle`).
            Event::Tick => {}
            Event::FlushGranted => self.flush(false, out),
            Event::FlushBusy => {
                self.sync.flush_requested = false;
                self.sync.outbox.next_attempt_at = Some(now + sync::BACKOFF_BASE);
            }
            Event::PageHide => {
                self.hiding = true;
                self.record_interests(now);
                self.flush(true, out)
            }
            Event::Sent { key, outcome } => self.settle(&key, outcome, now, out),
            Event::IntentsLoaded(intents) => {
                if intents != self.intents {
                    self.intents = intents;
                    out.push(Effect::Notify(Notice::Intents(self.intents.clone())));
                }
            }
            Event::ConfigFetched(fetched) => self.apply_config(fetched, now, out),
            Event::ReceiptAnswered { id, status } => {
                self.receipts.answered(&id, status, now, &mut self.rng)
            }
            Event::ModuleLoaded(tcf::Module::Tcf, ok) => self.tcf.loaded(ok),
            Event::Tcf(report) => self.follow_cmp(report, now, out),
            Event::Interest(observation) => {
                self.interests.half_life = self.config.interests_half_life;
                self.interests.observe(&observation, now);
            }
            Event::Handoff { id, request } => self.request_handoff(id, request, now, out),
        }
    }

    /// Queues a handoff request to go at once (it is not a measurement, so the outbox is due
    /// now), under the consent rule of [`handoff`]; `not_allowed` at once otherwise.
    fn request_handoff(
        &mut self,
        id: String,
        request: handoff::Request,
        now: Millis,
        out: &mut Vec<Effect>,
    ) {
        let unlocked = self.unlocked();
        if !sends(unlocked) || self.sync.identity.is_none() {
            out.push(Effect::HandoffAnswered(id, handoff::Answer::NotAllowed));
            return;
        }
        let transcript = unlocked.enables(Feature::AssistantMemory);
        let payload = request.payload(self.cart_code(), transcript);
        let event = self.rng.id("evt");
        self.handoffs.waiting.push((id, event.clone()));
        self.sync.outbox.push(OutEvent { id: event, at: now, payload: Payload::Handoff(payload) });
    }

    /// Answers the handoffs the batch `ids` carried: `sent` when the backend acknowledged it,
    /// `failed` when it refused it or could not be reached (the request then leaves the outbox:
    /// the visitor was told it failed and may ask again), and those the outbox no longer holds
    /// (a withdrawal or an erasure emptied it).
    fn answer_handoffs(&mut self, ids: &[String], outcome: SendOutcome, out: &mut Vec<Effect>) {
        let outbox = &mut self.sync.outbox;
        self.handoffs.waiting.retain(|(request, event)| {
            let carried = ids.contains(event);
            let answer = match outcome {
                SendOutcome::Accepted { .. } if carried => handoff::Answer::Sent,
                SendOutcome::Retry { .. } if carried => {
                    outbox.remove(event);
                    handoff::Answer::Failed
                }
                _ if !outbox.events().iter().any(|queued| &queued.id == event) => {
                    handoff::Answer::Failed
                }
                _ => return true,
            };
            out.push(Effect::HandoffAnswered(request.clone(), answer));
            false
        });
    }

    /// Takes what the page's consent manager reported as the visitor's consent (source `tcf`),
    /// through the policy's mapping; a signal that changes nothing makes no new choice (the
    /// manager reports the same string on every page). An unreadable string, or GDPR not
    /// applying, hands consent back to the agent's own dialog.
    fn follow_cmp(&mut self, report: tcf::Report, now: Millis, out: &mut Vec<Effect>) {
        if self.tcf.state == tcf::Cmp::Absent {
            return;
        }
        let policy = &self.config.policy;
        let choices = match report {
            tcf::Report::Signal(signal) => policy.tcf_choices(&signal),
            tcf::Report::NotApplicable => None,
            tcf::Report::Unreadable(reason) => {
                out.push(Effect::Warn(Warning::TcfUnreadable(reason)));
                None
            }
        };
        let Some(choices) = choices else {
            self.tcf.state = tcf::Cmp::Off;
            return;
        };
        self.tcf.state = tcf::Cmp::Governing;
        let same = self.consent.source == Source::Tcf
            && self.consent.policy == policy.version
            && choices.decisions.iter().all(|(id, d)| self.consent.decision(id) == *d);
        if !same {
            let set = choices.decisions.iter();
            let set = set.map(|(id, d)| (id.clone(), *d == Decision::Granted)).collect();
            self.update_consent(&ConsentUpdate { all: None, set }, Source::Tcf, now, out);
        }
    }

    pub fn receipts(&self) -> &Receipts {
        &self.receipts
    }

    /// The receipt of a choice made in this batch of events: its id kept with the consent, the
    /// visitor named only while `identifiers` is granted.
    fn issue_receipt(&mut self, now: Millis) {
        if !std::mem::take(&mut self.receipt_due) {
            return;
        }
        let id = receipts::new_id(&mut self.rng);
        self.consent.receipt = Some(id.clone());
        let identified = self.unlocked().has(DataCategory::Identifiers);
        let policy = &self.config.policy;
        let receipt = Receipt {
            site: self.config.site.clone(),
            receipt: id,
            visitor: self
                .sync
                .identity
                .as_ref()
                .filter(|_| identified)
                .map(|i| i.visitor_id.clone()),
            policy: policy.version,
            at: self.consent.decided_at.unwrap_or(now),
            region: self.config.region.clone(),
            source: self.consent.source,
            choices: Receipt::choices_of(policy, &self.consent.choices),
        };
        self.receipts.push(receipt, now);
    }

    fn start(&mut self, stored: Stored, page: Page, seed: u64, now: Millis, out: &mut Vec<Effect>) {
        let Stored {
            consent,
            cart,
            identity,
            outbox,
            events,
            config,
            campaigns,
            receipts,
            legacy,
            discarded,
            interests,
        } = stored;
        let mut foreign = Vec::new();
        let mut check = |section, is_foreign: bool| {
            if is_foreign {
                foreign.push(section);
            }
        };
        check(Section::Consent, matches!(consent, Slot::Foreign));
        check(Section::Cart, matches!(cart, Slot::Foreign));
        check(Section::Identity, matches!(identity, Slot::Foreign));
        check(Section::Outbox, matches!(outbox, Slot::Foreign));
        check(Section::Config, matches!(config, Slot::Foreign));
        check(Section::Campaigns, matches!(campaigns, Slot::Foreign));
        check(Section::Interests, matches!(interests, Slot::Foreign));
        for section in &foreign {
            out.push(Effect::Warn(Warning::SectionForeign(*section)));
        }

        if let Some(kept) = config.present() {
            self.use_kept_config(kept);
        }
        self.written.consent_unknown = matches!(consent, Slot::Damaged);
        if let Some(consent) = consent.present() {
            self.written.consent = Some(consent.clone());
            self.consent = consent;
        }
        if let Some(recovery) = cart.present() {
            self.written.cart = Some(recovery.clone());
            if recovery.cart.currency == self.config.currency {
                self.recovery = recovery;
            } else {
                out.push(Effect::Warn(Warning::StoredCurrencyChanged {
                    stored: recovery.cart.currency,
                    configured: self.config.currency,
                }));
            }
        }
        if let Some(identity) = identity.present() {
            self.written.identity = Some(identity.clone());
            self.sync.identity = Some(identity);
        }
        if let Some(history) = campaigns.present() {
            self.written.campaigns = Some(history.clone());
            self.campaigns.history = history;
        }
        if let Some(affinities) = interests.present() {
            self.written.interests = Some(affinities.clone());
            self.interests.affinities = affinities;
        }
        self.interests.half_life = self.config.interests_half_life;
        self.interests_sent = self.interests_top(now);
        let meta = outbox.present();
        self.written.set_outbox(meta.clone());
        self.written.set_events(persist::event_ids(&events));
        self.sync.outbox = sync::Outbox::from_stored(meta.unwrap_or_default(), events);
        self.written.align_events(&self.sync.outbox);
        self.written.foreign = foreign;
        if legacy {
            // Everything is written anew as sections, then the old document goes.
            self.written.forget();
            out.push(Effect::Erase(Key::Legacy));
        }
        self.written.discarded = discarded;
        // Receipts an earlier page could not send go now (those too old are erased).
        self.written.receipts = receipts.iter().map(|r| r.receipt.clone()).collect();
        self.receipts.resume(receipts, now);

        self.recovery.page_view(&self.config, now);
        self.campaigns.page = campaigns::PageFacts {
            page_type: page.page_type.clone(),
            device: page.device,
            tz_offset: page.tz_offset,
            referrer: page.referrer.clone(),
        };
        self.campaigns.start(&self.config.campaigns, &self.config, &page.path, seed, now);
        self.tcf.present = page.cmp;
        self.page = page;
        // The previous page's last request is usually cut off by the navigation itself; its
        // backoff must not delay this page. Failures here back off again from `attempts`.
        self.sync.outbox.next_attempt_at = None;
        // Only an identity the backend has heard of (a batch went through) asks for intents: an
        // unknown id counts as a failed attempt there, rate-limited per client address.
        let known = self.sync.outbox.last_sent_at.is_some();
        if let Some(identity) = self.sync.identity.as_ref().filter(|_| known) {
            if sends(self.unlocked()) {
                out.push(Effect::FetchIntents(identity.clone()));
            }
        }
    }

    /// Where a visitor who has not chosen starts, under the policy in force and in their
    /// region: consent purposes granted in an opt-out mode (source `default`), then Global
    /// Privacy Control's denials (source `gpc`), before any dialog. Worked out again as the
    /// published policy or the backend's word on the region arrive, until the visitor chooses;
    /// an explicit choice is never overridden.
    fn apply_starting_state(&mut self, now: Millis) {
        if self.consent.source.is_explicit() && self.consent.decided_at.is_some() {
            return;
        }
        let policy = &self.config.policy;
        let mode = policy.mode_for(self.config.region.as_deref());
        let (choices, source) = policy.starting_choices(mode, self.config.gpc);
        let unchanged = choices == self.consent.choices && source == self.consent.source;
        if choices.decisions.is_empty() || unchanged {
            return;
        }
        self.consent.choices = choices;
        self.consent.source = source;
        self.consent.policy = policy.version;
        self.consent.scope = policy.scope();
        self.consent.decided_at = Some(now);
        // Only a state the device records has a receipt: one derived again on every page
        // would send a new receipt on every page.
        self.receipt_due = audit::is_recorded(source, policy.unlocked(&self.consent.choices));
    }

    fn update_consent(
        &mut self,
        update: &ConsentUpdate,
        source: Source,
        now: Millis,
        out: &mut Vec<Effect>,
    ) {
        let policy = &self.config.policy;
        let names = self.consent.apply(update, policy, source, now);
        if !names.is_empty() {
            let known = policy.purposes.iter().map(|purpose| purpose.id.clone()).collect();
            out.push(Effect::Warn(Warning::UnknownPurposes { names, known }));
        }
        self.prompt_requested = false;
        self.panel_open = false;
        self.receipt_due = true;
    }

    fn act(&mut self, action: Action, now: Millis, out: &mut Vec<Effect>) {
        // Accept all and reject all are on the dialog and on the panel, each its own source.
        let source = match self.shown.first().map(|view| view.kind) {
            Some(ViewKind::ConsentPanel) => Source::Panel,
            _ => Source::Dialog,
        };
        match action {
            Action::AcceptConsent => {
                self.update_consent(&ConsentUpdate::all(true), source, now, out)
            }
            Action::RejectConsent => {
                self.update_consent(&ConsentUpdate::all(false), source, now, out)
            }
            Action::OpenPanel => self.panel_open = true,
            // Saved without switches (the shell always sends them): the choices as they are.
            Action::SavePanel => {
                self.update_consent(&ConsentUpdate::default(), Source::Panel, now, out)
            }
            Action::CloseConsent => {
                self.panel_open = false;
                self.prompt_requested = false;
                self.consent_closed = true;
            }
            Action::Follow | Action::Dismiss => self.act_on_campaign(action, None, now, out),
        }
    }

    /// A campaign's link used or its view closed; for a `cart_abandoned` campaign, the cart's
    /// recovery is resumed or dismissed too, as the banner's always was.
    fn act_on_campaign(
        &mut self,
        action: Action,
        id: Option<&str>,
        now: Millis,
        out: &mut Vec<Effect>,
    ) {
        let Some(measure) = self.campaigns.act(action, id, &self.config.campaigns, now) else {
            return;
        };
        if measure.cart {
            if action == Action::Follow {
                self.recovery.resume(now);
            } else {
                self.recovery.dismiss(&self.config, now);
            }
        }
        self.measured(vec![measure], now, out);
    }

    /// Tells the page what happened to campaigns, and records the measurements consent lets
    /// leave (`sync` and `activity`, as the visit's events).
    fn measured(&mut self, measures: Vec<Measure>, now: Millis, out: &mut Vec<Effect>) {
        for measure in measures {
            if measure.cart {
                let change = match measure.outcome {
                    campaigns::Outcome::Shown => Some(BannerChange::Shown),
                    campaigns::Outcome::Clicked => Some(BannerChange::Resumed),
                    campaigns::Outcome::Dismissed => Some(BannerChange::Dismissed),
                    _ => None,
                };
                if let Some(change) = change {
                    out.push(Effect::Notify(Notice::Banner(change)));
                }
            }
            if let Some(event) = measure.outcome.notice() {
                out.push(Effect::Notify(Notice::Campaign {
                    campaign: measure.campaign.clone(),
                    variant: measure.variant.clone(),
                    event,
                }));
            }
            if let Some(event) = measure.outcome.measured() {
                let bucket = measure.bucket();
                let Measure { campaign, variant, value, .. } = measure;
                self.record(Payload::Campaign { event, campaign, variant, bucket, value }, now);
            }
        }
    }

    /// Takes what another tab stored as the truth: the visitor is one person across tabs.
    fn adopt(&mut self, change: StorageChange, out: &mut Vec<Effect>) {
        match change {
            StorageChange::Put(Record::Consent(consent)) => {
                self.written.consent = Some(consent.clone());
                self.consent = consent;
            }
            StorageChange::Put(Record::Cart(recovery)) => {
                if recovery.cart.currency == self.config.currency {
                    let last_seen = self.recovery.last_seen.max(recovery.last_seen);
                    self.recovery = Recovery { last_seen, ..recovery };
                    // Taken as stored: the later page view is written with the next change.
                    self.written.cart = Some(self.recovery.clone());
                } else {
                    self.written.cart = Some(recovery);
                }
            }
            StorageChange::Put(Record::Identity(identity)) => {
                self.written.identity = Some(identity.clone());
                self.sync.identity = Some(identity);
            }
            StorageChange::Put(Record::Outbox(meta)) => {
                let other = sync::Outbox::from_stored(meta.clone(), Vec::new());
                self.sync.outbox.merge(&other);
                self.written.set_outbox(Some(meta));
            }
            StorageChange::Put(Record::Event(event)) => {
                self.written.push_event(event.id.clone());
                self.sync.outbox.adopt(event);
                self.written.align_events(&self.sync.outbox);
            }
            StorageChange::Put(Record::Config(kept)) => self.use_kept_config(kept),
            StorageChange::Put(Record::Campaigns(history)) => {
                self.written.campaigns = Some(history.clone());
                self.campaigns.history = history;
            }
            StorageChange::Put(Record::Interests(affinities)) => {
                self.written.interests = Some(affinities.clone());
                self.interests.affinities = affinities;
            }
            // Another tab's receipt is that tab's to send; one it had acknowledged is done here.
            StorageChange::Put(Record::Receipt(_)) => {}
            StorageChange::Removed(Key::Receipt(id)) => {
                self.written.receipts.retain(|known| known != &id);
                self.receipts.forget(&id);
            }
            StorageChange::Removed(Key::Event(id)) => {
                // Another tab had it acknowledged.
                self.written.remove_event(&id);
                self.sync.outbox.forget(&[id]);
            }
            StorageChange::Removed(Key::Section(Section::Consent)) | StorageChange::Cleared => {
                // Only a withdrawal erases the stored consent.
                self.written.forget();
                if !self.unlocked().is_empty() {
                    let at = self.consent.decided_at.unwrap_or(0);
                    let reject = ConsentUpdate::all(false);
                    self.consent.apply(&reject, &self.config.policy, self.consent.source, at);
                }
            }
            StorageChange::Removed(_) => {}
            StorageChange::Foreign(section) => {
                if !self.written.foreign.contains(&section) {
                    self.written.foreign.push(section);
                    out.push(Effect::Warn(Warning::SectionForeign(section)));
                }
            }
        }
    }

    /// Puts the documents kept on the device (by this page's start or another tab) in force.
    /// The kept copy was validated when it was read from storage (a copy that fails is refused
    /// there, with its field named), so reading it again here cannot fail; if it ever did, the
    /// settings in force stay.
    fn use_kept_config(&mut self, kept: KeptConfig) {
        let Ok(documents) = documents::read_config(&kept.source) else { return };
        self.written.config_etag = Some(kept.etag.clone());
        self.config = Config::resolve(&self.page_settings, documents);
        self.config_source = ConfigSource::Kept { fetched_at: kept.fetched_at };
        self.kept_config = Some(kept);
    }

    fn apply_config(&mut self, fetched: Fetched, now: Millis, out: &mut Vec<Effect>) {
        let using = match &self.kept_config {
            Some(kept) => ConfigSource::Kept { fetched_at: kept.fetched_at },
            None => ConfigSource::Defaults,
        };
        match fetched {
            Fetched::NotModified => {
                if self.kept_config.is_some() {
                    self.config_source = ConfigSource::Fetched;
                } else {
                    let reason = "the backend answered 304 but no copy is kept".to_owned();
                    out.push(Effect::Warn(Warning::ConfigUnreachable { reason, using }));
                }
            }
            Fetched::Fresh { etag, documents, source } => {
                // The same answer: compared as JSON, which the typed documents need no
                // `PartialEq` for.
                let same = self
                    .kept_config
                    .as_ref()
                    .is_some_and(|kept| Some(&kept.etag) == etag.as_ref() && kept.source == source);
                self.config_source = ConfigSource::Fetched;
                if same {
                    return;
                }
                // Applied whole: the documents replace the old ones in one step.
                self.config = Config::resolve(&self.page_settings, *documents);
                self.interests.half_life = self.config.interests_half_life;
                self.kept_config = etag.map(|etag| KeptConfig { etag, fetched_at: now, source });
                // The page started under the documents it had: the new ones' page-load triggers
                // fire for it now.
                self.campaigns.page_loaded(&self.config.campaigns, &self.page.path);
            }
            Fetched::Invalid(problems) => {
                out.push(Effect::Warn(Warning::ConfigInvalid { problems, using }))
            }
            Fetched::Unreachable(reason) => {
                out.push(Effect::Warn(Warning::ConfigUnreachable { reason, using }))
            }
        }
    }

    /// Google Consent Mode v2, when the agent owns it on this page: the defaults once, from the
    /// policy's regions (an opt-in region denied, an opt-out one granted but for what GPC
    /// denies), then an update for the choice in force and after every change.
    fn tell_tags(&mut self, before: &Baseline, out: &mut Vec<Effect>) {
        if self.config.consent_mode != config::ConsentModeUse::Own {
            return;
        }
        let policy = &self.config.policy;
        let changed = self.consent.choices != before.consent.choices;
        if !self.consent_mode_started {
            self.consent_mode_started = true;
            let regions = policy.regions.iter().map(|r| (r.mode, r.countries.clone()));
            for (mode, region) in regions.chain([(policy.default_mode, Vec::new())]) {
                let (choices, _) = policy.starting_choices(mode, self.config.gpc);
                let state = policy.consent_mode(&choices);
                out.push(Effect::ConsentMode(ConsentModeCommand { default: true, state, region }));
            }
        } else if !changed {
            return;
        }
        if self.consent.decided_at.is_some() {
            let state = policy.consent_mode(&self.consent.choices);
            out.push(Effect::ConsentMode(ConsentModeCommand {
                default: false,
                state,
                region: Vec::new(),
            }));
        }
    }

    /// Emits the notices for what changed since `before`.
    fn report_changes(&self, before: &Baseline, out: &mut Vec<Effect>) {
        let code = self.cart_code();
        if self.recovery.cart.lines != before.lines || code != before.code.as_deref() {
            out.push(Effect::Notify(Notice::Cart(
                self.recovery.cart.clone(),
                code.map(str::to_owned),
            )));
        }
        if self.consent != before.consent {
            out.push(Effect::Notify(Notice::Consent(self.consent.clone())));
        }
    }

    /// Writes what changed to storage, each section only as far as what the visitor's choices
    /// unlock allows: the choice itself once made (strictly necessary: it stops the asking),
    /// the cart with `cart`, the identity with `identifiers`, the outbox with a sending
    /// feature, the shop's documents with anything unlocked. With nothing unlocked, everything
    /// else this agent stored goes at once.
    fn persist(&mut self, now: Millis, out: &mut Vec<Effect>) {
        // A burst of events writes the interest model (and the outbox's count of dropped events)
        // once, not on every event: held up to `HOLD_AT_MOST` (the schedule wakes the agent
        // for it), and written at once as the page is hidden or left (the shell then writes
        // storage synchronously).
        let hold = !std::mem::take(&mut self.hiding)
            && self.held_since.is_none_or(|since| now < since + persist::HOLD_AT_MOST);
        let unlocked = self.unlocked();
        // A starting state that unlocks nothing (GPC in an opt-in region) is derived again on
        // every page: it is not written (`audit::is_recorded`).
        let chosen =
            self.consent.decided_at.is_some() && audit::is_recorded(self.consent.source, unlocked);
        if unlocked.is_empty() {
            // A consent section this agent cannot read says nothing about withdrawal: only a
            // decision made here (or adopted from another tab) erases what is stored.
            let unreadable =
                self.written.foreign.contains(&Section::Consent) || self.written.consent_unknown;
            let unknown = unreadable && !chosen;
            // The receipts of choices go with the choice, not with what it unlocked.
            if self.written.holds_beyond_consent() && !unknown {
                out.push(Effect::Wipe);
                self.written.forget();
            }
            if !chosen {
                return;
            }
        }
        // The same rule the admin page's audit table and the audit test read.
        let keeps = audit::Keeps::of(unlocked, chosen);
        let allowed = Allowed {
            consent: keeps.consent,
            cart: keeps.cart,
            identity: keeps.identity,
            outbox: keeps.outbox,
            config: keeps.config,
            campaigns: keeps.campaigns,
            receipts: keeps.consent,
            interests: keeps.interests,
        };
        let receipts = self.receipts.kept();
        let current = Current {
            consent: &self.consent,
            cart: &self.recovery,
            identity: self.sync.identity.as_ref(),
            outbox: &self.sync.outbox,
            config: self.kept_config.as_ref(),
            campaigns: &self.campaigns.history,
            receipts: &receipts,
            interests: &self.interests,
        };
        let (writes, erasures) = self.written.update(&current, allowed, hold);
        // Storage's event entries are in line with the outbox now (at this mark, or not known
        // to be): its log of changes starts again.
        self.sync.outbox.stored_as(self.written.events_mark());
        self.held_since = if self.written.held { self.held_since.or(Some(now)) } else { None };
        if writes.iter().any(|record| matches!(record, Record::Consent(_))) {
            self.written.consent_unknown = false;
        }
        for record in writes {
            out.push(Effect::Store(record));
        }
        for key in erasures {
            out.push(Effect::Erase(key));
        }
    }

    /// Puts into the outbox what changed in this batch of events that consent lets leave: a
    /// consent change (while a sending feature is on, or as the last word of a withdrawal),
    /// the cart with `staff_view`, the visit's events with `sync` and `activity`.
    fn record_changes(&mut self, before: &Baseline, now: Millis) {
        let unlocked = self.unlocked();
        let consent_changed = self.consent.state() != before.consent.state()
            || self.consent.choices != before.consent.choices;
        if consent_changed && sends(unlocked) && self.sync.identity.is_none() {
            self.sync.identity = Some(Identity::new(&mut self.rng));
        }
        if consent_changed {
            let withdrawn = sends(before.unlocked) && !sends(unlocked);
            if withdrawn {
                let id = self.rng.id("evt");
                let withdrawal =
                    OutEvent { id, at: now, payload: Payload::Consent(self.consent.state()) };
                self.sync.retire(withdrawal);
            } else {
                // What a withdrawn purpose unlocked leaves the queue too, unsent.
                let disallowed: Vec<String> = (self.sync.outbox.events().iter())
                    .filter(|event| !sync::allows(unlocked, &event.payload))
                    .map(|event| event.id.clone())
                    .collect();
                self.sync.outbox.forget(&disallowed);
                self.record(Payload::Consent(self.consent.state()), now);
            }
        }
        let cart_changed = self.recovery.cart.lines != before.lines;
        let staff_view_now =
            unlocked.enables(Feature::StaffView) && !before.unlocked.enables(Feature::StaffView);
        if cart_changed || staff_view_now {
            self.record(Payload::Cart(self.recovery.cart.clone()), now);
        }
    }

    /// The interest model's top as it is sent: at most ten, scores to two decimals.
    fn interests_top(&self, now: Millis) -> Vec<sync::Interest> {
        let top = self.interests.top(concierge_protocol::batch::MAX_INTERESTS, now);
        top.into_iter()
            .map(|t| sync::Interest {
                dimension: t.dimension.name().to_owned(),
                key: t.key,
                score: (t.score * 100.0).round() / 100.0,
            })
            .collect()
    }

    /// Queues the interest model's top when it changed since the page started (or since it was
    /// last sent): at the page's last moment, so at most once per page view.
    fn record_interests(&mut self, now: Millis) {
        let top = self.interests_top(now);
        if top.is_empty() || top == self.interests_sent {
            return;
        }
        let unlocked = self.unlocked();
        if self.sync.identity.is_some()
            && sync::allows(unlocked, &Payload::Interests { top: Vec::new() })
        {
            self.interests_sent.clone_from(&top);
            self.record(Payload::Interests { top }, now);
        }
    }

    /// Queues one event if there is someone to send it as and what it carries is unlocked.
    fn record(&mut self, payload: Payload, now: Millis) {
        if self.sync.identity.is_none() || !sync::allows(self.unlocked(), &payload) {
            return;
        }
        let id = self.rng.id("evt");
        self.sync.outbox.push(OutEvent { id, at: now, payload });
    }

    fn flush(&mut self, beacon: bool, out: &mut Vec<Effect>) {
        self.sync.flush_requested = false;
        if self.sync.outbox.in_flight && !beacon {
            return;
        }
        if let Some(batch) = self.sync.next_batch(&mut self.rng, beacon) {
            self.sync.outbox.in_flight |= !beacon;
            out.push(Effect::Send(batch));
        }
    }

    fn settle(&mut self, key: &str, outcome: SendOutcome, now: Millis, out: &mut Vec<Effect>) {
        if self.sync.settle_retiring(key, outcome) {
            return;
        }
        let outbox = &mut self.sync.outbox;
        let carried = outbox.pending.as_ref().filter(|p| p.key == key).map(|p| p.ids.clone());
        let carried = carried.unwrap_or_default();
        let events = carried.len();
        let given_up = outbox.settle(key, outcome, now, &mut self.rng);
        match outcome {
            SendOutcome::Rejected { status: 410 } => {
                // The backend erased this visitor: forget the identity, ask again.
                out.push(Effect::Warn(Warning::VisitorErased));
                self.sync = Sync::default();
                self.consent = Consent::default();
            }
            SendOutcome::Rejected { status } => {
                out.push(Effect::Warn(Warning::BatchRejected { status, events }))
            }
            SendOutcome::TooLarge if given_up > 0 => out.push(Effect::Warn(Warning::EventTooLarge)),
            SendOutcome::Accepted { cart_code_taken: true } => {
                if let Some(identity) = &mut self.sync.identity {
                    identity.cart_code = self.rng.cart_code();
                }
                self.record(Payload::Cart(self.recovery.cart.clone()), now);
            }
            _ => {}
        }
        if !self.handoffs.waiting.is_empty() {
            self.answer_handoffs(&carried, outcome, out);
        }
    }

    /// Asks for the flush lock when a batch is due, and for one wake-up at the earliest
    /// deadline of every feature.
    fn schedule(&mut self, now: Millis, out: &mut Vec<Effect>) {
        // Deadlines already past are dropped: what was due has been handled by now.
        let future = |deadline: Option<Millis>| deadline.filter(|at| *at > now);
        for receipt in self.receipts.due(now) {
            out.push(Effect::SendReceipt(receipt));
        }
        let mut wake = future(self.recovery.deadline(&self.config, now));
        let held = self.held_since.map(|since| since + persist::HOLD_AT_MOST);
        let others =
            [self.receipts.deadline(), self.campaigns.deadline(&self.config.campaigns, now), held];
        for at in others.into_iter().filter_map(future) {
            wake = Some(wake.map_or(at, |earlier| earlier.min(at)));
        }
        if !self.sync.flush_requested {
            match self.sync.deadline(now) {
                Some(at) if at <= now => {
                    self.sync.flush_requested = true;
                    out.push(Effect::RequestFlush);
                }
                due => {
                    if let Some(at) = future(due) {
                        wake = Some(wake.map_or(at, |earlier| earlier.min(at)));
                    }
                }
            }
        }
        if let Some(at) = wake {
            out.push(Effect::WakeAt(at));
        }
    }

    /// The one decide step: the consent dialog (which hides everything else while open), then
    /// the campaigns' contact policy, arbitration and buckets ([`campaigns::Campaigns::decide`]);
    /// what it newly displays is counted and measured here, before the state is persisted.
    fn wanted_views(&mut self, now: Millis, out: &mut Vec<Effect>) -> Vec<View> {
        let mut proposals = Vec::new();
        let consent_open = self.prompt_requested || (!self.consent_closed && self.asks(now));
        if self.own_prompt() && (self.panel_open || consent_open) {
            let panel = self.panel_open.then_some(&self.consent);
            proposals
                .push(Proposal::new(view::consent_view(&self.config, panel), Priority::Blocking));
        }
        let blocked = !proposals.is_empty();
        let unlocked = self.unlocked();
        let identity =
            self.sync.identity.as_ref().filter(|_| unlocked.has(DataCategory::Identifiers));
        let visitor =
            identity.map_or(self.campaigns.page_visitor.clone(), |i| i.visitor_id.clone());
        let policy = &self.config.policy;
        let consent = (policy.purposes.iter())
            .map(|p| {
                (
                    p.id.clone(),
                    !p.needs_consent() || self.consent.decision(&p.id) == Decision::Granted,
                )
            })
            .collect();
        let code = self.cart_code().map(str::to_owned);
        // Ranked by the visitor's interests only while the policy unlocks them, on the pages
        // where a shop shows what else there is: a product's and the cart.
        let shelf = matches!(self.campaigns.page.page_type.as_deref(), Some("product" | "cart"));
        let recommended = match &self.config.catalogue {
            Some(catalogue) if shelf && unlocked.has(DataCategory::Interests) => {
                self.recommend.lines(catalogue, &self.interests.at(now), &self.recovery.cart, now)
            }
            _ => Vec::new(),
        };
        let inputs = campaigns::Inputs {
            config: &self.config,
            cart: &self.recovery.cart,
            cart_code: code.as_deref(),
            recoverable: self.recovery.recoverable(&self.config, &self.page.path, now),
            cart_messages: unlocked.enables(Feature::RecoveryBanner),
            consent,
            visitor: &visitor,
            intents: &self.intents,
            path: &self.page.path,
            now,
            recommended,
            interests: &self.interests,
        };
        let mut warnings = Vec::new();
        let (views, measures) =
            self.campaigns.decide(&self.config.campaigns, &inputs, blocked, &mut warnings);
        for warning in warnings {
            out.push(Effect::Warn(Warning::Campaign(warning)));
        }
        self.measured(measures, now, out);
        let watch = self.campaigns.watch(&self.config.campaigns, now);
        if self.campaigns.watching.as_ref() != Some(&watch) {
            self.campaigns.watching = Some(watch.clone());
            out.push(Effect::Watch(watch));
        }
        for view in views {
            proposals.push(Proposal::new(view, Priority::Message));
        }
        decide::decide(proposals)
    }

    /// Whether the agent shows its own consent dialog and control: the shop wants them, and no
    /// consent manager governs (or is about to).
    fn own_prompt(&self) -> bool {
        self.config.consent_prompt && !self.tcf.holds_dialog()
    }

    /// Whether the visitor is to be asked: a consent purpose has no answer, or the choice is
    /// older than the policy's `reprompt_days`, or a new version asks again.
    fn asks(&self, now: Millis) -> bool {
        let policy = &self.config.policy;
        if !policy.is_settled(&self.consent.choices) {
            return true;
        }
        match self.consent.decided_at {
            Some(at) if self.consent.source.is_explicit() => {
                policy.asks_again(&self.consent.choices, at, &self.consent.scope, now)
            }
            _ => false,
        }
    }

    fn refresh_view(&mut self, wanted: Vec<View>, out: &mut Vec<Effect>) {
        let control = (self.own_prompt() && self.config.consent_control)
            .then(|| texts_for(&self.config.locale).consent_label);
        if control != self.control {
            self.control = control;
            out.push(Effect::Control(control));
        }
        let launcher = self.launcher_for(&wanted);
        if launcher != self.launcher {
            self.launcher.clone_from(&launcher);
            out.push(Effect::Launcher(launcher));
        }
        if wanted == self.shown {
            return;
        }
        let same = |a: &View, b: &View| a.kind == b.kind && campaign_id(a) == campaign_id(b);
        for old in &self.shown {
            if !wanted.iter().any(|view| same(view, old)) {
                out.push(match campaign_id(old) {
                    Some(id) => Effect::RemoveCampaign(id.to_owned()),
                    None => Effect::Remove(old.kind),
                });
            }
        }
        for view in &wanted {
            if !self.shown.contains(view) {
                out.push(Effect::Render(view.clone()));
            }
        }
        self.shown = wanted;
    }
}

impl Agent {
    /// The launcher while the site has an assistant and no blocking view is up.
    fn launcher_for(&self, wanted: &[View]) -> Option<assistant::Launcher> {
        let pointer = self.config.assistant.as_ref()?;
        if wanted.iter().any(|view| view.kind != ViewKind::Campaign) {
            return None;
        }
        let texts = texts_for(&self.config.locale);
        let unlocked = self.unlocked();
        Some(assistant::Launcher {
            label: texts.assistant_label,
            lang: texts.lang,
            knowledge: pointer.path.clone(),
            version: pointer.version,
            cart_code: self.cart_code().map(str::to_owned),
            personalization: unlocked.enables(Feature::AssistantMemory),
            storage: unlocked.has(DataCategory::Interests),
        })
    }
}

/// The campaign a view shows, if it shows one.
fn campaign_id(view: &View) -> Option<&str> {
    view.campaign.as_deref().map(|tag| tag.id.as_str())
}
