//! The pure core: given the state, an [`Event`] and the current time, it updates the state and
//! returns the [`Effect`]s the shell must carry out.
//!
//! Architecture invariant: nothing in this module touches the browser, the clock, randomness,
//! storage or the network. Time arrives as `now`; everything that leaves goes out as an effect,
//! and the consent rules are applied here, before any `Persist` is emitted.

pub mod cart;
pub mod config;
pub mod consent;
pub mod i18n;
pub mod links;
pub mod money;
pub mod sync;
pub mod view;

use cart::{Cart, CartRefusal, Item};
use config::Config;
use consent::{Consent, ConsentUpdate};
use sync::{Batch, Identity, OutEvent, Outbox, Payload, Purpose, Rng, SendOutcome};
use view::{Action, View, ViewKind};

/// Milliseconds since the Unix epoch, as `Date.now()` gives them.
pub type Millis = i64;

/// The part of the state that outlives the page, when consent allows it to be stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub consent: Consent,
    pub cart: Cart,
    /// The last page view, to tell a new visit from a continuing one.
    pub last_seen: Option<Millis>,
    /// Set when the cart was found abandoned; cleared by cart activity, resuming or a purchase.
    pub abandoned_at: Option<Millis>,
    pub dismissed_until: Option<Millis>,
    pub last_purchase_at: Option<Millis>,
    /// Made once consent allows anything to be sent.
    pub identity: Option<Identity>,
    pub outbox: Outbox,
}

impl Snapshot {
    pub fn new(config: &Config) -> Snapshot {
        Snapshot {
            consent: Consent::default(),
            cart: Cart::new(config.currency),
            last_seen: None,
            abandoned_at: None,
            dismissed_until: None,
            last_purchase_at: None,
            identity: None,
            outbox: Outbox::default(),
        }
    }

    /// The snapshot as storage keeps it: a request on the wire is this page's business only.
    pub fn storable(&self) -> Snapshot {
        let mut kept = self.clone();
        kept.outbox.in_flight = false;
        kept
    }
}

/// A page the visitor is on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Page {
    pub path: String,
}

/// The GA4 ecommerce events the engine understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommerceKind {
    ViewItemList,
    ViewItem,
    AddToCart,
    RemoveFromCart,
    ViewCart,
    BeginCheckout,
    Purchase,
}

impl CommerceKind {
    pub const ALL: [CommerceKind; 7] = [
        CommerceKind::ViewItemList,
        CommerceKind::ViewItem,
        CommerceKind::AddToCart,
        CommerceKind::RemoveFromCart,
        CommerceKind::ViewCart,
        CommerceKind::BeginCheckout,
        CommerceKind::Purchase,
    ];

    /// The GA4 event name.
    pub fn name(self) -> &'static str {
        match self {
            CommerceKind::ViewItemList => "view_item_list",
            CommerceKind::ViewItem => "view_item",
            CommerceKind::AddToCart => "add_to_cart",
            CommerceKind::RemoveFromCart => "remove_from_cart",
            CommerceKind::ViewCart => "view_cart",
            CommerceKind::BeginCheckout => "begin_checkout",
            CommerceKind::Purchase => "purchase",
        }
    }

    pub fn from_name(name: &str) -> Option<CommerceKind> {
        CommerceKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Commerce {
    pub kind: CommerceKind,
    /// `None` when the event carried no `items` at all (as opposed to an empty list).
    pub items: Option<Vec<Item>>,
    pub transaction_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The agent starts on a page, with what storage held (if anything could be read) and a
    /// random seed from `crypto.getRandomValues` for the ids it will make.
    Start {
        stored: Option<Snapshot>,
        page: Page,
        seed: u64,
    },
    Commerce(Commerce),
    Consent(ConsentUpdate),
    /// The visitor asked to see the consent choices again.
    ShowConsentPrompt,
    /// A control in a view was used.
    Action(Action),
    /// Another tab of the shop changed the stored state (`None`: it was erased).
    StoredChanged(Option<Snapshot>),
    /// A timer the engine asked for (`Effect::WakeAt`) went off.
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
}

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Write the snapshot to local storage. Only ever emitted when consent allows storage.
    Persist(Snapshot),
    /// Erase everything this agent stored.
    Wipe,
    Render(View),
    Remove(ViewKind),
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
}

/// The engine's whole state for one page.
#[derive(Clone, Debug, PartialEq)]
pub struct Agent {
    config: Config,
    saved: Snapshot,
    page: Page,
    /// The view on screen, to render only what changed.
    shown: Option<View>,
    /// The visitor asked to see the consent prompt although consent is settled.
    prompt_requested: bool,
    rng: Rng,
    intents: Vec<Intent>,
    /// A `RequestFlush` is out and not yet answered.
    flush_requested: bool,
}

impl Agent {
    pub fn new(config: Config) -> Agent {
        let saved = Snapshot::new(&config);
        Agent {
            config,
            saved,
            page: Page::default(),
            shown: None,
            prompt_requested: false,
            rng: Rng::new(0),
            intents: Vec::new(),
            flush_requested: false,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.saved
    }

    pub fn cart(&self) -> &Cart {
        &self.saved.cart
    }

    pub fn consent(&self) -> &Consent {
        &self.saved.consent
    }

    pub fn shown(&self) -> Option<&View> {
        self.shown.as_ref()
    }

    pub fn intents(&self) -> &[Intent] {
        &self.intents
    }

    /// The code staff can find this cart by, when storage consent allows one.
    pub fn cart_code(&self) -> Option<&str> {
        let identity = self.saved.identity.as_ref()?;
        self.saved.consent.allows_storage().then_some(identity.cart_code.as_str())
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
        let before = self.saved.clone();
        // What storage holds: another tab's write is already there and must not be echoed.
        let mut stored = self.saved.clone();
        for event in events {
            let adopting = matches!(event, Event::StoredChanged(_));
            match event {
                Event::Start { stored: loaded, page, seed } => {
                    self.rng = Rng::new(seed);
                    // What storage held is what later changes are measured against.
                    if let Some(loaded) = &loaded {
                        stored = loaded.clone();
                    }
                    self.start(loaded, page, now, &mut effects)
                }
                Event::Commerce(commerce) => self.commerce(commerce, now, &mut effects),
                Event::Consent(update) => self.update_consent(update, now),
                Event::ShowConsentPrompt => self.prompt_requested = true,
                Event::Action(action) => self.act(action, now, &mut effects),
                Event::StoredChanged(stored) => self.adopt(stored),
                Event::Tick => {}
                Event::FlushGranted => self.flush(false, &mut effects),
                Event::FlushBusy => {
                    self.flush_requested = false;
                    self.saved.outbox.next_attempt_at = Some(now + sync::BACKOFF_BASE);
                }
                Event::PageHide => self.flush(true, &mut effects),
                Event::Sent { key, outcome } => self.settle(&key, outcome, now, &mut effects),
                Event::IntentsLoaded(intents) => {
                    if intents != self.intents {
                        self.intents = intents;
                        effects.push(Effect::Notify(Notice::Intents(self.intents.clone())));
                    }
                }
            }
            if adopting {
                stored = self.saved.clone();
            }
        }
        self.record_changes(&stored, now);
        self.report_changes(&before, &stored, &mut effects);
        self.refresh_view(now, &mut effects);
        self.schedule_flush(now, &mut effects);
        effects
    }

    fn start(&mut self, stored: Option<Snapshot>, page: Page, now: Millis, out: &mut Vec<Effect>) {
        if let Some(mut stored) = stored {
            if stored.cart.currency != self.config.currency {
                out.push(Effect::Warn(Warning::StoredCurrencyChanged {
                    stored: stored.cart.currency,
                    configured: self.config.currency,
                }));
                stored.cart = Cart::new(self.config.currency);
                stored.abandoned_at = None;
            }
            self.saved = stored;
        }
        self.page = page;
        let saved = &mut self.saved;
        let new_visit = saved.last_seen.is_some_and(|seen| now - seen >= self.config.visit_timeout);
        let idle = saved.cart.updated_at.is_some_and(|at| now - at >= self.config.idle_timeout);
        if !saved.cart.is_empty() && saved.abandoned_at.is_none() && (new_visit || idle) {
            saved.abandoned_at = Some(now);
        }
        saved.last_seen = Some(now);
        // The previous page's last request is usually cut off by the navigation itself; its
        // backoff must not delay this page. Failures here back off again from `attempts`.
        saved.outbox.next_attempt_at = None;
        if let Some(identity) = &saved.identity {
            if sync::allows(&saved.consent, Purpose::Consent) {
                out.push(Effect::FetchIntents(identity.clone()));
            }
        }
    }

    fn commerce(&mut self, commerce: Commerce, now: Millis, out: &mut Vec<Effect>) {
        let cart = &mut self.saved.cart;
        let refusals = match (commerce.kind, &commerce.items) {
            (CommerceKind::ViewItemList | CommerceKind::ViewItem, _) => {
                self.record_commerce(commerce, now);
                return;
            }
            (CommerceKind::AddToCart, Some(items)) => cart.add(items, now),
            (CommerceKind::RemoveFromCart, Some(items)) => {
                cart.remove(items, now);
                Vec::new()
            }
            (CommerceKind::ViewCart | CommerceKind::BeginCheckout, Some(items)) => {
                cart.replace(items, now)
            }
            (CommerceKind::Purchase, _) => {
                cart.clear(now);
                self.saved.last_purchase_at = Some(now);
                Vec::new()
            }
            // Activity without a listing still shows the visitor is at their cart.
            (_, None) => {
                cart.updated_at = Some(now);
                Vec::new()
            }
        };
        out.extend(refusals.into_iter().map(|refusal| Effect::Warn(Warning::CartRefused(refusal))));
        self.saved.abandoned_at = None;
        self.record_commerce(commerce, now);
    }

    fn update_consent(&mut self, update: ConsentUpdate, now: Millis) {
        self.saved.consent.apply(update, now);
        self.prompt_requested = false;
    }

    fn act(&mut self, action: Action, now: Millis, out: &mut Vec<Effect>) {
        match action {
            Action::AcceptConsent => self.update_consent(ConsentUpdate::ACCEPT_ALL, now),
            Action::RejectConsent => self.update_consent(ConsentUpdate::REJECT_ALL, now),
            Action::DismissBanner => {
                self.saved.dismissed_until = Some(now.saturating_add(self.config.dismiss_for));
                out.push(Effect::Notify(Notice::Banner(BannerChange::Dismissed)));
            }
            Action::ResumeCheckout => {
                self.saved.abandoned_at = None;
                out.push(Effect::Notify(Notice::Banner(BannerChange::Resumed)));
            }
        }
    }

    /// Takes what another tab stored as the truth: the visitor is one person across tabs.
    fn adopt(&mut self, other: Option<Snapshot>) {
        match other {
            Some(other) if other.cart.currency == self.config.currency => {
                let last_seen = self.saved.last_seen.max(other.last_seen);
                let mut outbox = self.saved.outbox.clone();
                outbox.merge(&other.outbox);
                let identity = other.identity.clone().or_else(|| self.saved.identity.clone());
                self.saved = Snapshot { last_seen, outbox, identity, ..other };
            }
            Some(_) => {}
            // Only a withdrawal of consent erases the stored state.
            None if self.saved.consent.allows_storage() => self
                .saved
                .consent
                .apply(ConsentUpdate::REJECT_ALL, self.saved.last_seen.unwrap_or(0)),
            None => {}
        }
    }

    /// Emits the notices for what changed since `before`, then stores or erases what differs
    /// from what storage holds, as consent now says.
    fn report_changes(&self, before: &Snapshot, stored: &Snapshot, out: &mut Vec<Effect>) {
        let after = &self.saved;
        let code_changed = after.identity.as_ref().map(|i| &i.cart_code)
            != before.identity.as_ref().map(|i| &i.cart_code);
        if after.cart.lines != before.cart.lines || code_changed {
            out.push(Effect::Notify(Notice::Cart(
                after.cart.clone(),
                self.cart_code().map(str::to_owned),
            )));
        }
        if after.consent != before.consent {
            out.push(Effect::Notify(Notice::Consent(after.consent)));
        }
        if after.storable() == stored.storable() {
            return;
        }
        // Only storage consent lets anything onto the device: with analytics alone the identity
        // and the outbox live in memory, for this page.
        if after.consent.allows_storage() {
            out.push(Effect::Persist(after.storable()));
        } else if stored.consent.allows_storage() {
            out.push(Effect::Wipe);
        }
    }

    /// Puts into the outbox what changed in this batch of events that consent lets leave:
    /// a consent change always (once anything was granted), the cart with storage consent.
    fn record_changes(&mut self, stored: &Snapshot, now: Millis) {
        let before = stored;
        let consent = self.saved.consent;
        let consent_changed = (consent.storage, consent.analytics)
            != (before.consent.storage, before.consent.analytics);
        if consent_changed
            && sync::allows(&consent, Purpose::Consent)
            && self.saved.identity.is_none()
        {
            self.saved.identity = Some(Identity {
                visitor_id: self.rng.id("vis"),
                secret: self.rng.id("sec"),
                cart_code: self.rng.cart_code(),
            });
        }
        if consent_changed {
            self.record(Payload::Consent(consent), now);
        }
        let cart_changed = self.saved.cart.lines != before.cart.lines;
        let storage_granted_now = consent.allows_storage() && !before.consent.allows_storage();
        if cart_changed || storage_granted_now {
            self.record(Payload::Cart(self.saved.cart.clone()), now);
        }
    }

    fn record_commerce(&mut self, commerce: Commerce, now: Millis) {
        let Commerce { kind, items, transaction_id } = commerce;
        let items = items.unwrap_or_default();
        self.record(Payload::Commerce { kind, items, transaction_id }, now);
    }

    /// Queues one event if there is someone to send it as and its purpose is granted. A
    /// consent record goes whenever an identity exists (something was granted once), so that
    /// the backend also learns of a withdrawal.
    fn record(&mut self, payload: Payload, now: Millis) {
        let purpose = payload.purpose();
        let granted = purpose == Purpose::Consent || sync::allows(&self.saved.consent, purpose);
        if self.saved.identity.is_none() || !granted {
            return;
        }
        let id = self.rng.id("evt");
        self.saved.outbox.push(OutEvent { id, at: now, payload });
    }

    fn flush(&mut self, beacon: bool, out: &mut Vec<Effect>) {
        self.flush_requested = false;
        let Some(identity) = self.saved.identity.clone() else { return };
        let outbox = &mut self.saved.outbox;
        if outbox.in_flight && !beacon {
            return;
        }
        if let Some(batch) = outbox.next_batch(&identity, &mut self.rng, beacon) {
            outbox.in_flight |= !beacon;
            out.push(Effect::Send(batch));
        }
    }

    fn settle(&mut self, key: &str, outcome: SendOutcome, now: Millis, out: &mut Vec<Effect>) {
        let events =
            self.saved.outbox.pending.as_ref().filter(|p| p.key == key).map_or(0, |p| p.ids.len());
        self.saved.outbox.settle(key, outcome, now, &mut self.rng);
        match outcome {
            SendOutcome::Rejected { status } => {
                out.push(Effect::Warn(Warning::BatchRejected { status, events }))
            }
            SendOutcome::Accepted { cart_code_taken: true } => {
                if let Some(identity) = &mut self.saved.identity {
                    identity.cart_code = self.rng.cart_code();
                }
                self.record(Payload::Cart(self.saved.cart.clone()), now);
            }
            _ => {}
        }
    }

    /// Asks for the flush lock when a batch is due, or for a wake-up when one will be.
    fn schedule_flush(&mut self, now: Millis, out: &mut Vec<Effect>) {
        if self.saved.identity.is_none() || self.flush_requested {
            return;
        }
        match self.saved.outbox.due_at(now) {
            Some(at) if at <= now => {
                self.flush_requested = true;
                out.push(Effect::RequestFlush);
            }
            Some(at) => out.push(Effect::WakeAt(at)),
            None => {}
        }
    }

    /// The view the page should show now: consent comes first, then recovery.
    fn wanted_view(&self, now: Millis) -> Option<View> {
        let saved = &self.saved;
        let consent_open = self.prompt_requested || !saved.consent.is_settled();
        if self.config.consent_prompt && consent_open {
            return Some(view::consent_prompt(&self.config));
        }
        let recoverable = !saved.cart.is_empty()
            && saved.abandoned_at.is_some()
            && !self.config.is_checkout(&self.page.path)
            && saved.dismissed_until.is_none_or(|until| now >= until);
        recoverable.then(|| view::recovery_banner(&self.config, &saved.cart, self.cart_code()))
    }

    fn refresh_view(&mut self, now: Millis, out: &mut Vec<Effect>) {
        let wanted = self.wanted_view(now);
        if wanted == self.shown {
            return;
        }
        if let Some(old) = &self.shown {
            if wanted.as_ref().is_none_or(|view| view.kind != old.kind) {
                out.push(Effect::Remove(old.kind));
            }
        }
        if let Some(view) = &wanted {
            out.push(Effect::Render(view.clone()));
            let newly_shown = self.shown.as_ref().is_none_or(|old| old.kind != view.kind);
            if view.kind == ViewKind::RecoveryBanner && newly_shown {
                out.push(Effect::Notify(Notice::Banner(BannerChange::Shown)));
            }
        }
        self.shown = wanted;
    }
}
