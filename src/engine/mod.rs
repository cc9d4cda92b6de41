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
pub mod view;

use cart::{Cart, CartRefusal, Item};
use config::Config;
use consent::{Consent, ConsentUpdate};
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
        }
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
    /// The agent starts on a page, with what storage held (if anything could be read).
    Start {
        stored: Option<Snapshot>,
        page: Page,
    },
    Commerce(Commerce),
    Consent(ConsentUpdate),
    /// The visitor asked to see the consent choices again.
    ShowConsentPrompt,
    /// A control in a view was used.
    Action(Action),
    /// Another tab of the shop changed the stored state (`None`: it was erased).
    StoredChanged(Option<Snapshot>),
}

/// What the page is told through `concierge('on', ...)`.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    Cart(Cart),
    Consent(Consent),
    Banner(BannerChange),
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
    StoredCurrencyChanged { stored: money::Currency, configured: money::Currency },
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
}

impl Agent {
    pub fn new(config: Config) -> Agent {
        let saved = Snapshot::new(&config);
        Agent { config, saved, page: Page::default(), shown: None, prompt_requested: false }
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
                Event::Start { stored, page } => self.start(stored, page, now, &mut effects),
                Event::Commerce(commerce) => self.commerce(commerce, now, &mut effects),
                Event::Consent(update) => self.update_consent(update, now),
                Event::ShowConsentPrompt => self.prompt_requested = true,
                Event::Action(action) => self.act(action, now, &mut effects),
                Event::StoredChanged(stored) => self.adopt(stored),
            }
            if adopting {
                stored = self.saved.clone();
            }
        }
        self.report_changes(&before, &stored, &mut effects);
        self.refresh_view(now, &mut effects);
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
    }

    fn commerce(&mut self, commerce: Commerce, now: Millis, out: &mut Vec<Effect>) {
        let cart = &mut self.saved.cart;
        let refusals = match (commerce.kind, &commerce.items) {
            (CommerceKind::ViewItemList | CommerceKind::ViewItem, _) => return,
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
                self.saved = Snapshot { last_seen, ..other };
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
        if after.cart.lines != before.cart.lines {
            out.push(Effect::Notify(Notice::Cart(after.cart.clone())));
        }
        if after.consent != before.consent {
            out.push(Effect::Notify(Notice::Consent(after.consent)));
        }
        if after == stored {
            return;
        }
        if after.consent.allows_storage() {
            out.push(Effect::Persist(after.clone()));
        } else if stored.consent.allows_storage() {
            out.push(Effect::Wipe);
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
        recoverable.then(|| view::recovery_banner(&self.config, &saved.cart))
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
