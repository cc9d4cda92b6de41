//! What the engine keeps on the device, section by section, and how it writes only what
//! changed. The format of each section lives at the edge (`crate::stored`); here are the
//! engine's terms for it.
//!
//! Architecture invariant: nothing is written before a choice, then each section only while
//! the choice unlocks its data (the choice itself is kept once made, with the receipts of
//! choices not yet acknowledged by the backend: they are the record of the choice), and a section
//! written by another tab in a format this agent cannot read is left alone for the page's life
//! (never overwritten, never read as a withdrawal); only a withdrawal erases it.

use super::config::KeptConfig;
use super::consent::Consent;
use super::contact::History;
use super::interests::{Affinity, Interests};
use super::receipts::Receipt;
use super::recovery::Recovery;
use super::sync::{Change, Identity, OutEvent, Outbox, OutboxMeta};

/// The stored sections, each with its own key and format version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Section {
    Consent,
    Cart,
    Identity,
    Outbox,
    Config,
    /// The campaigns' contact history.
    Campaigns,
    /// The interest model.
    Interests,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::Consent,
        Section::Cart,
        Section::Identity,
        Section::Outbox,
        Section::Config,
        Section::Campaigns,
        Section::Interests,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Section::Consent => "consent",
            Section::Cart => "cart",
            Section::Identity => "identity",
            Section::Outbox => "outbox",
            Section::Config => "config",
            Section::Campaigns => "campaigns",
            Section::Interests => "interests",
        }
    }
}

/// One stored entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Key {
    Section(Section),
    /// One queued event, stored on its own so that queuing it writes only itself.
    Event(String),
    /// The receipt of a choice not yet acknowledged by the backend, by its id, so that a page
    /// closed before it went sends it on the next page.
    Receipt(String),
    /// The whole-state document of agents before sections (format 1), migrated at load.
    Legacy,
}

/// What a write puts under a key.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    Consent(Consent),
    Cart(Recovery),
    Identity(Identity),
    Outbox(OutboxMeta),
    Event(OutEvent),
    Config(KeptConfig),
    Campaigns(History),
    Receipt(Receipt),
    /// The interest model's affinities.
    Interests(Vec<Affinity>),
}

impl Record {
    pub fn key(&self) -> Key {
        match self {
            Record::Consent(_) => Key::Section(Section::Consent),
            Record::Cart(_) => Key::Section(Section::Cart),
            Record::Identity(_) => Key::Section(Section::Identity),
            Record::Outbox(_) => Key::Section(Section::Outbox),
            Record::Event(event) => Key::Event(event.id.clone()),
            Record::Config(_) => Key::Section(Section::Config),
            Record::Campaigns(_) => Key::Section(Section::Campaigns),
            Record::Receipt(receipt) => Key::Receipt(receipt.receipt.clone()),
            Record::Interests(_) => Key::Section(Section::Interests),
        }
    }
}

/// A stored section as loaded.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Slot<T> {
    #[default]
    Absent,
    Present(T),
    /// Written in a newer format: left alone, never overwritten.
    Foreign,
    /// Unreadable (not JSON, or not what its version says): says nothing, and is replaced by
    /// the next write.
    Damaged,
}

impl<T> Slot<T> {
    pub fn present(self) -> Option<T> {
        match self {
            Slot::Present(value) => Some(value),
            _ => None,
        }
    }
}

/// Everything storage held for this site when the page started.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stored {
    pub consent: Slot<Consent>,
    pub cart: Slot<Recovery>,
    pub identity: Slot<Identity>,
    pub outbox: Slot<OutboxMeta>,
    /// The queued events that could be read (an unreadable one is dropped at the edge).
    pub events: Vec<OutEvent>,
    pub config: Slot<KeptConfig>,
    pub campaigns: Slot<History>,
    /// Receipts a page before this one issued and did not see acknowledged.
    pub receipts: Vec<Receipt>,
    /// The state came from the pre-section document, which is replaced by sections.
    pub legacy: bool,
    /// Entries too damaged to read: erased once storage is allowed.
    pub discarded: Vec<Key>,
    pub interests: Slot<Vec<Affinity>>,
}

/// A change another tab made to storage, as the `storage` event reports it.
#[derive(Clone, Debug, PartialEq)]
pub enum StorageChange {
    Put(Record),
    Removed(Key),
    /// A section was written in a format this agent cannot read.
    Foreign(Section),
    /// The whole storage was cleared.
    Cleared,
}

/// What this tab believes storage holds, so that it writes only what differs and never echoes
/// another tab's write back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Written {
    pub consent: Option<Consent>,
    pub cart: Option<Recovery>,
    pub identity: Option<Identity>,
    /// The outbox's bookkeeping storage holds. Private: each change to it outside
    /// [`Written::update`] also forgets `meta_mark`.
    outbox: Option<OutboxMeta>,
    /// The mark at which `outbox` was last the outbox's bookkeeping but for its count of
    /// dropped events (0: not known to be): while the outbox notes no other change since it
    /// ([`Changes::meta`](super::sync::Changes)), the two are not compared again.
    meta_mark: u64,
    /// The ids of the event entries storage holds. Private: each change to it outside
    /// [`Written::update`] also forgets `events_mark`.
    events: Vec<String>,
    /// The mark (see [`Outbox::stored_as`]) at which `events` was last in line with the
    /// outbox's events (0: not known to be): while the outbox's changes are logged since it,
    /// replaying them brings storage in line without comparing the ids.
    events_mark: u64,
    /// The last mark given, so that no two are alike in a page (kept by [`Written::forget`]).
    marks: u64,
    pub config_etag: Option<String>,
    pub campaigns: Option<History>,
    /// The ids of the receipts storage holds.
    pub receipts: Vec<String>,
    /// Sections in a format this agent cannot read, left alone.
    pub foreign: Vec<Section>,
    /// Damaged entries still to erase.
    pub discarded: Vec<Key>,
    /// The stored consent could not be read: until the visitor decides again, nothing is
    /// known about it, so nothing is erased on its account.
    pub consent_unknown: bool,
    pub interests: Option<Vec<Affinity>>,
    /// The last [`Written::update`] held back a write it was allowed to put off.
    pub held: bool,
    /// The last [`Written::update`] brought the event entries in line by replaying the
    /// outbox's changes, not by comparing the ids.
    pub replayed: bool,
}

/// How long a write [`Written::update`] held back may wait for the next one.
pub const HOLD_AT_MOST: super::Millis = 2_000;

/// Whether two outbox bookkeepings are the same but for their count of dropped events (which
/// may be the same too): the numbers first, then the pending batch's and the acknowledged ids.
fn same_but_dropped(stored: &OutboxMeta, meta: &OutboxMeta) -> bool {
    stored.attempts == meta.attempts
        && stored.next_attempt_at == meta.next_attempt_at
        && stored.last_sent_at == meta.last_sent_at
        && stored.pending == meta.pending
        && stored.acked == meta.acked
}

/// The ids of `events`, in their order: what storage holds one entry for each of.
pub fn event_ids(events: &[OutEvent]) -> Vec<String> {
    let mut ids = Vec::with_capacity(events.len());
    for event in events {
        ids.push(event.id.clone());
    }
    ids
}

/// Which sections the visitor's choices let storage keep; one not allowed is erased.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Allowed {
    pub consent: bool,
    pub cart: bool,
    pub identity: bool,
    pub outbox: bool,
    pub config: bool,
    /// The campaigns' contact history, with `activity`.
    pub campaigns: bool,
    /// The receipts of choices on their way: kept with the choice itself.
    pub receipts: bool,
    /// The interest model, with `interests`.
    pub interests: bool,
}

/// The parts of the state that storage keeps.
pub struct Current<'a> {
    pub consent: &'a Consent,
    pub cart: &'a Recovery,
    pub identity: Option<&'a Identity>,
    pub outbox: &'a Outbox,
    pub config: Option<&'a KeptConfig>,
    pub campaigns: &'a History,
    /// The receipts not yet acknowledged.
    pub receipts: &'a [Receipt],
    pub interests: &'a Interests,
}

impl Written {
    /// Storage holds none of this agent's entries any more (erased, or never written as
    /// sections); what it leaves alone, it still leaves alone.
    pub fn forget(&mut self) {
        *self = Written {
            foreign: std::mem::take(&mut self.foreign),
            marks: self.marks,
            ..Written::default()
        };
    }

    /// The outbox's bookkeeping storage holds.
    pub fn outbox(&self) -> Option<&OutboxMeta> {
        self.outbox.as_ref()
    }

    /// Storage holds this bookkeeping of the outbox (read at start, or another tab's).
    pub fn set_outbox(&mut self, meta: Option<OutboxMeta>) {
        self.outbox = meta;
        self.meta_mark = 0;
    }

    /// What storage holds when it holds the event entries `ids` (and nothing else known).
    pub fn with_events(ids: Vec<String>) -> Written {
        Written { events: ids, ..Written::default() }
    }

    /// The ids of the event entries storage holds.
    pub fn events(&self) -> &[String] {
        &self.events
    }

    /// Storage holds the event entries `ids` (read at start).
    pub fn set_events(&mut self, ids: Vec<String>) {
        self.events = ids;
        self.events_mark = 0;
    }

    /// Another tab stored the event entry `id`.
    pub fn push_event(&mut self, id: String) {
        self.events.push(id);
        self.events_mark = 0;
    }

    /// Another tab erased the event entry `id`.
    pub fn remove_event(&mut self, id: &str) {
        self.events.retain(|known| known != id);
        self.events_mark = 0;
    }

    /// The mark the event entries are in line with the outbox at, after the last
    /// [`Written::update`] (0: none), for [`Outbox::stored_as`].
    pub fn events_mark(&self) -> u64 {
        self.events_mark
    }

    /// Whether storage holds anything of this agent's beyond the choice and its receipts.
    pub fn holds_beyond_consent(&self) -> bool {
        self.cart.is_some()
            || self.identity.is_some()
            || self.outbox.is_some()
            || !self.events.is_empty()
            || self.config_etag.is_some()
            || self.campaigns.is_some()
            || self.interests.is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.consent.is_none()
            && self.cart.is_none()
            && self.identity.is_none()
            && self.outbox.is_none()
            && self.events.is_empty()
            && self.config_etag.is_none()
            && self.campaigns.is_none()
            && self.receipts.is_empty()
            && self.interests.is_none()
    }

    /// Puts the event entries storage holds into the outbox's order (what the diff in
    /// [`Written::update`] walks), entries the outbox no longer has after them, still to erase.
    pub fn align_events(&mut self, outbox: &Outbox) {
        let mut aligned = Vec::new();
        for event in outbox.events() {
            if self.events.contains(&event.id) {
                aligned.push(event.id.clone());
            }
        }
        for id in &self.events {
            if !outbox.events().iter().any(|event| &event.id == id) {
                aligned.push(id.clone());
            }
        }
        self.set_events(aligned);
    }

    fn writable(&self, section: Section) -> bool {
        !self.foreign.contains(&section)
    }

    /// The writes and erasures that bring storage from what it holds to `current`. With
    /// `hold`, two writes that a burst of events would repeat on every event are put off (and
    /// [`Written::held`] says so): the interest model once storage holds a copy of it (its
    /// reasons and scores, about a kilobyte, moved by every product event), and the outbox's
    /// bookkeeping when only its count of dropped events moved (up to 500 ids rewritten for one
    /// number, on every event while the outbox is full). Nothing else waits: the agent writes
    /// what was held within [`HOLD_AT_MOST`] or as the page is hidden.
    pub fn update(
        &mut self,
        current: &Current<'_>,
        allowed: Allowed,
        hold: bool,
    ) -> (Vec<Record>, Vec<Key>) {
        self.held = false;
        self.replayed = false;
        // Taken: the event entries are in line at a new mark only once this update says so.
        let mark = std::mem::take(&mut self.events_mark);
        let meta_mark = std::mem::take(&mut self.meta_mark);
        let mut writes = Vec::new();
        let mut erasures = std::mem::take(&mut self.discarded);
        let section = |s| Key::Section(s);
        if !allowed.consent && self.consent.take().is_some() {
            erasures.push(section(Section::Consent));
        }
        if !allowed.cart && self.cart.take().is_some() {
            erasures.push(section(Section::Cart));
        }
        if !allowed.identity && self.identity.take().is_some() {
            erasures.push(section(Section::Identity));
        }
        if !allowed.config && self.config_etag.take().is_some() {
            erasures.push(section(Section::Config));
        }
        if !allowed.campaigns && self.campaigns.take().is_some() {
            erasures.push(section(Section::Campaigns));
        }
        if !allowed.interests && self.interests.take().is_some() {
            erasures.push(section(Section::Interests));
        }
        // Before the outbox, whose diff may end this walk early.
        let receipts = if allowed.receipts { current.receipts } else { &[] };
        for id in &self.receipts {
            if !receipts.iter().any(|receipt| &receipt.receipt == id) {
                erasures.push(Key::Receipt(id.clone()));
            }
        }
        for receipt in receipts {
            if !self.receipts.contains(&receipt.receipt) {
                writes.push(Record::Receipt(receipt.clone()));
            }
        }
        self.receipts = receipts.iter().map(|receipt| receipt.receipt.clone()).collect();
        if !allowed.outbox {
            if self.outbox.take().is_some() {
                erasures.push(section(Section::Outbox));
            }
            for id in std::mem::take(&mut self.events) {
                erasures.push(Key::Event(id));
            }
        }
        if allowed.consent
            && self.writable(Section::Consent)
            && self.consent.as_ref() != Some(current.consent)
        {
            self.consent = Some(current.consent.clone());
            writes.push(Record::Consent(current.consent.clone()));
        }
        if allowed.cart && self.writable(Section::Cart) && self.cart.as_ref() != Some(current.cart)
        {
            self.cart = Some(current.cart.clone());
            writes.push(Record::Cart(current.cart.clone()));
        }
        if allowed.identity
            && self.writable(Section::Identity)
            && self.identity.as_ref() != current.identity
        {
            match current.identity {
                Some(identity) => writes.push(Record::Identity(identity.clone())),
                None => erasures.push(Key::Section(Section::Identity)),
            }
            self.identity = current.identity.cloned();
        }
        if allowed.campaigns
            && self.writable(Section::Campaigns)
            && self.campaigns.as_ref() != Some(current.campaigns)
        {
            self.campaigns = Some(current.campaigns.clone());
            writes.push(Record::Campaigns(current.campaigns.clone()));
        }
        let affinities = &current.interests.affinities;
        if allowed.interests
            && self.writable(Section::Interests)
            && !affinities.is_empty()
            && self.interests.as_ref() != Some(affinities)
        {
            if hold && self.interests.is_some() {
                self.held = true;
            } else {
                self.interests = Some(affinities.clone());
                writes.push(Record::Interests(affinities.clone()));
            }
        }
        if allowed.config && self.writable(Section::Config) {
            if let Some(kept) = current.config {
                if self.config_etag.as_ref() != Some(&kept.etag) {
                    self.config_etag = Some(kept.etag.clone());
                    writes.push(Record::Config(kept.clone()));
                }
            }
        }
        if allowed.outbox && self.writable(Section::Outbox) {
            // Compared in place: the bookkeeping holds up to 400 acknowledged ids.
            let meta = current.outbox.meta();
            let changes = current.outbox.changes();
            // Its ids compared once: a derived `==` compared the pending batch's before the
            // count of dropped events, which moves on every event while the outbox is full.
            // Not at all while the outbox notes no change but that count since storage last
            // held the rest of it (the acknowledged ids are up to 400).
            let unchanged = meta_mark != 0 && changes.since == meta_mark && !changes.meta;
            let same = match self.outbox.as_ref() {
                Some(stored) if unchanged => Some(stored),
                stored => stored.filter(|stored| same_but_dropped(stored, meta)),
            };
            match same {
                Some(stored) if stored.dropped == meta.dropped => {}
                Some(_) if hold => self.held = true,
                _ => {
                    self.outbox = Some(meta.clone());
                    writes.push(Record::Outbox(meta.clone()));
                }
            }
            let events = current.outbox.events();
            self.marks += 1;
            self.events_mark = self.marks;
            // Written, held (the same but for the count) or the same: the rest is in line.
            self.meta_mark = self.marks;
            self.replayed = self.replay(current.outbox, mark, &mut writes, &mut erasures);
            if self.replayed {
                return (writes, erasures);
            }
            // Both lists keep the events' order, so one walk finds what went and what came: the
            // acknowledged leave the front, a full outbox drops a measurement from the middle,
            // new ones come at the end. Only a mismatch looks ahead.
            // The same walk lists what storage then holds, taking each id this tab knew rather
            // than a copy: while the outbox is full every event drops one from its middle, and
            // copying all 200 ids again each time was a fifth of an event's allocations. An id
            // taken (matched, or erased) is never one the walk looks for again.
            let mut old = std::mem::take(&mut self.events);
            let mut ids = Vec::with_capacity(events.len());
            let (mut o, mut n) = (0, 0);
            while o < old.len() {
                if n < events.len() && old[o] == events[n].id {
                    ids.push(std::mem::take(&mut old[o]));
                    (o, n) = (o + 1, n + 1);
                } else if n < events.len()
                    && old.get(o + 1).is_some_and(|next| *next == events[n].id)
                {
                    // Gone from between two entries (a full outbox drops its oldest measurement
                    // on every event): the next known entry is where the outbox goes on, so, the
                    // order being the same, this one is not further on. Without this, each event
                    // looked for it through the whole outbox.
                    erasures.push(Key::Event(std::mem::take(&mut old[o])));
                    o += 1;
                } else if events[n..].iter().any(|event| event.id == old[o]) {
                    // Came in before an entry this tab knew (another tab's, in time order).
                    // Those before `o` were taken, and none of them is this one.
                    if !old[o..].contains(&events[n].id) {
                        writes.push(Record::Event(events[n].clone()));
                    }
                    ids.push(events[n].id.clone());
                    n += 1;
                } else {
                    erasures.push(Key::Event(std::mem::take(&mut old[o])));
                    o += 1;
                }
            }
            // Every entry this tab knew was taken by now (matched or erased): the rest is new.
            for event in &events[n..] {
                writes.push(Record::Event(event.clone()));
                ids.push(event.id.clone());
            }
            self.events = ids;
        }
        (writes, erasures)
    }

    /// Brings the event entries in line with `outbox` by replaying its changes since `mark`,
    /// when they are all logged since then; `false` (nothing done) when they are not, and the
    /// ids must be compared. Events that came and went between two updates are neither written
    /// nor erased; those that came and stayed are the last of the list (each came at its end).
    fn replay(
        &mut self,
        outbox: &Outbox,
        mark: u64,
        writes: &mut Vec<Record>,
        erasures: &mut Vec<Key>,
    ) -> bool {
        let changes = outbox.changes();
        if mark == 0 || changes.since != mark || changes.lost {
            return false;
        }
        let appended = changes.log.iter().filter(|change| **change == Change::Appended).count();
        let events = outbox.events();
        // A log that does not add up is not replayed (it cannot happen; compared instead).
        if self.events.len() + appended != events.len() + (changes.log.len() - appended) {
            return false;
        }
        // The entries storage holds, then `fresh` events that came since, at the end.
        let mut fresh: usize = 0;
        for change in &changes.log {
            match *change {
                Change::Appended => fresh += 1,
                Change::Removed(at) if at < self.events.len() => {
                    erasures.push(Key::Event(self.events.remove(at)));
                }
                Change::Removed(_) => fresh = fresh.saturating_sub(1),
            }
        }
        for event in &events[events.len() - fresh..] {
            writes.push(Record::Event(event.clone()));
            self.events.push(event.id.clone());
        }
        true
    }
}
