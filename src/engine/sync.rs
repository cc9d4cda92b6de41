//! The sync feature: what leaves the browser, and when: identity, the outbox, batches, retries.
//!
//! Architecture invariant: an event enters the outbox only for a purpose the visitor granted
//! ([`allows`]), and a batch carries only what the outbox holds. The shell sends batches and
//! reports back; every decision (what, when, how often to retry) is made here. The feature owns
//! the stored sections `identity`, `outbox` and one `event:{id}` entry per queued event.

use super::consent::Unlocked;
use super::Millis;
pub use concierge_protocol::batch::{Event as OutEvent, Interest, Payload};
use concierge_protocol::limits::MAX_BATCH_BYTES;
pub use concierge_protocol::names::CART_CODE_ALPHABET;
use concierge_protocol::names::{DataCategory, Feature};
use concierge_protocol::writer::JsonWriter;

/// Events the outbox holds at most; beyond it the oldest measurement goes first.
pub const OUTBOX_LIMIT: usize = 200;
/// Events in one batch.
pub const BATCH_LIMIT: usize = 100;
/// A batch's JSON stays under this many bytes (the backend reads at most four times as much).
pub const BATCH_BYTES: usize = MAX_BATCH_BYTES;
/// Batches go at most this often, unless the page is being left.
pub const FLUSH_INTERVAL: Millis = 5_000;
pub const BACKOFF_BASE: Millis = 2_000;
pub const BACKOFF_MAX: Millis = 5 * 60_000;
/// The longest `Retry-After` the agent honours: a day.
pub const MAX_RETRY_AFTER: Millis = 24 * 60 * 60_000;
/// Acknowledged event ids remembered, so another tab's copy of the outbox does not resend them.
pub const ACKED_MEMORY: usize = 400;
/// The envelope of a batch around its events (ids, secret, key, version), rounded up.
const BATCH_OVERHEAD: usize = 512;

/// A deterministic generator seeded by the shell from `crypto.getRandomValues`, so ids are
/// unpredictable in the browser and reproducible in tests. SplitMix64.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `prefix_` and 26 base-32 characters (128 bits).
    pub fn id(&mut self, prefix: &str) -> String {
        const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
        let (mut high, mut low) = (self.next_u64(), self.next_u64());
        let mut id = String::with_capacity(prefix.len() + 27);
        id.push_str(prefix);
        id.push('_');
        for i in 0..26 {
            let word = if i < 13 { &mut high } else { &mut low };
            id.push(BASE32[(*word & 31) as usize] as char);
            *word >>= 5;
        }
        id
    }

    /// A cart code such as `K7M-4QP`: six characters, about 309 million possibilities.
    pub fn cart_code(&mut self) -> String {
        let mut n = self.next_u64();
        let mut code = String::with_capacity(7);
        for i in 0..6 {
            if i == 3 {
                code.push('-');
            }
            code.push(CART_CODE_ALPHABET[(n % 26) as usize] as char);
            n /= 26;
        }
        code
    }

    /// A factor in [0.5, 1.5), to spread retries of many visitors after an outage.
    pub fn jitter(&mut self) -> f64 {
        0.5 + (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Who the visitor is to the backend: made only once consent allows something to be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub visitor_id: String,
    /// Proves to the backend that export and erasure requests come from this visitor's agent.
    pub secret: String,
    pub cart_code: String,
}

impl Identity {
    pub fn new(rng: &mut Rng) -> Identity {
        Identity { visitor_id: rng.id("vis"), secret: rng.id("sec"), cart_code: rng.cart_code() }
    }
}

/// Whether what the visitor's choices unlock lets an event leave (contract of `POST
/// /v1/events`): the record of a choice while a sending feature is on (or as a withdrawal's
/// last word; see [`Sync::retire`]), the cart with `staff_view`, the visit's events with `sync`
/// and `activity`, the interest model's top with `interests` and a sending feature.
pub fn allows(unlocked: Unlocked, payload: &Payload) -> bool {
    match payload {
        Payload::Consent(_) => {
            unlocked.enables(Feature::Sync) || unlocked.enables(Feature::StaffView)
        }
        Payload::Cart(_) => unlocked.enables(Feature::StaffView),
        Payload::Commerce { .. } | Payload::Campaign { .. } => {
            unlocked.enables(Feature::Sync) && unlocked.has(DataCategory::Activity)
        }
        // The interest model leaves with its own data category and someone to send as.
        Payload::Interests { .. } => {
            unlocked.has(DataCategory::Interests)
                && (unlocked.enables(Feature::Sync) || unlocked.enables(Feature::StaffView))
        }
        // The visitor's own explicit ask, under the identity a sending feature made.
        Payload::Handoff(_) => {
            unlocked.enables(Feature::Sync) || unlocked.enables(Feature::StaffView)
        }
    }
}

fn is_measurement(event: &OutEvent) -> bool {
    matches!(event.payload, Payload::Commerce { .. } | Payload::Campaign { .. })
}

/// A batch on its way; retried with the same key and events until answered.
#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    pub key: String,
    pub ids: Vec<String>,
}

/// The events waiting to be sent, with their bookkeeping ([`OutboxMeta`], reached through
/// `Deref`: `outbox.pending` is `outbox.meta.pending`).
///
/// The events are read through [`Outbox::events`] and changed only by this module's methods,
/// each of which notes what it did in [`Outbox::changes`]: storage's copy (one entry per
/// event) is then brought in line by replaying the changes, not by comparing every id again.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outbox {
    events: Vec<OutEvent>,
    /// Read through [`Outbox::meta`] (or `Deref`); changed through `DerefMut` or
    /// [`Outbox::meta_mut`], which note it in [`Changes::meta`], but for the count of dropped
    /// events, which storage's copy is compared by on every write anyway.
    bookkeeping: OutboxMeta,
    /// A request is on the wire now (not persisted: a new page starts with none).
    pub in_flight: bool,
    changes: Changes,
}

/// One change to the outbox's list of events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// An event came at the end.
    Appended,
    /// The event at this place of the list (as it stood then) went.
    Removed(usize),
}

/// The changes to the outbox's events since storage's entries were last brought in line with
/// them ([`Outbox::stored_as`]), in order: replayed on the ids storage then held, they give the
/// ids it must hold now. Bookkeeping for storage, not state: two outboxes with the same events
/// are equal whatever their changes.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    /// The mark storage's entries were in line at (0: never; see `persist::Written`).
    pub since: u64,
    pub log: Vec<Change>,
    /// A change the log does not describe (an event placed before others, or more changes
    /// than it keeps): storage's entries are compared with the events whole.
    pub lost: bool,
    /// The bookkeeping may have changed (but for its count of dropped events) since `since`.
    pub meta: bool,
}

/// Changes logged at most between two writes; beyond them the log is given up (`lost`).
const CHANGES_KEPT: usize = 64;

impl PartialEq for Changes {
    fn eq(&self, _: &Changes) -> bool {
        true
    }
}

impl Changes {
    fn note(&mut self, change: Change) {
        if self.log.len() < CHANGES_KEPT {
            self.log.push(change);
        } else {
            self.lost = true;
        }
    }
}

impl std::ops::Deref for Outbox {
    type Target = OutboxMeta;
    fn deref(&self) -> &OutboxMeta {
        &self.bookkeeping
    }
}

impl std::ops::DerefMut for Outbox {
    fn deref_mut(&mut self) -> &mut OutboxMeta {
        self.meta_mut()
    }
}

/// What of the outbox is stored besides its events (each event is stored on its own, so a
/// new event writes only itself).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutboxMeta {
    pub pending: Option<Pending>,
    /// Events dropped from a full outbox since the last batch that went through.
    pub dropped: u32,
    /// Failed attempts in a row, for the backoff.
    pub attempts: u32,
    pub next_attempt_at: Option<Millis>,
    pub last_sent_at: Option<Millis>,
    /// Acknowledged ids, so another tab's copy of an event is not sent again.
    pub acked: Vec<String>,
}

/// A batch for the shell to send, already in engine terms; `wire` turns it into JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub key: String,
    pub identity: Identity,
    pub dropped: u32,
    pub events: Vec<OutEvent>,
    /// Sent as the page goes away (`sendBeacon` / `keepalive`): no answer will come.
    pub beacon: bool,
}

/// How the backend answered a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    Accepted {
        cart_code_taken: bool,
    },
    /// A network error, 408, 429 or 5xx: try again, after `retry_after` if the server said.
    Retry {
        retry_after: Option<Millis>,
    },
    /// 413: the batch is larger than the backend reads; split it and send the halves.
    TooLarge,
    /// Any other 4xx (410 for an erased visitor among them): the batch is wrong and will stay
    /// wrong; drop it.
    Rejected {
        status: u16,
    },
}

/// The JSON size of one event in a batch.
pub fn event_bytes(event: &OutEvent) -> usize {
    let mut json = JsonWriter::new();
    concierge_protocol::batch::write_event(&mut json, event);
    json.as_str().len() + 1
}

impl Outbox {
    /// The outbox storage held: its bookkeeping and its events, held to the limit.
    pub fn from_stored(meta: OutboxMeta, events: Vec<OutEvent>) -> Outbox {
        let mut outbox = Outbox { bookkeeping: meta, ..Outbox::default() };
        for event in events {
            outbox.adopt(event);
        }
        outbox
    }

    /// An outbox holding `events` as they are (in this order, not held to the limit), for tests.
    pub fn of_events(events: Vec<OutEvent>) -> Outbox {
        Outbox { events, ..Outbox::default() }
    }

    /// The bookkeeping.
    pub fn meta(&self) -> &OutboxMeta {
        &self.bookkeeping
    }

    /// The bookkeeping, to change (noted in [`Changes::meta`]).
    pub fn meta_mut(&mut self) -> &mut OutboxMeta {
        self.changes.meta = true;
        &mut self.bookkeeping
    }

    /// The events waiting, oldest first.
    pub fn events(&self) -> &[OutEvent] {
        &self.events
    }

    /// What changed in the events since storage was last in line with them.
    pub fn changes(&self) -> &Changes {
        &self.changes
    }

    /// Storage's entries are now in line with the events, at `mark` (0: they are not known to
    /// be): the log starts again.
    pub fn stored_as(&mut self, mark: u64) {
        self.changes.since = mark;
        self.changes.log.clear();
        self.changes.lost = false;
        self.changes.meta = false;
    }

    fn append(&mut self, event: OutEvent) {
        self.events.push(event);
        self.changes.note(Change::Appended);
    }

    /// Removes the events `gone` picks (asked once each, in order), noting each removal.
    fn remove_where(&mut self, gone: impl FnMut(&OutEvent) -> bool) {
        remove_noted(&mut self.events, &mut self.changes, gone);
    }

    /// Takes one event out, unsent (a handoff the visitor was told failed).
    pub fn remove(&mut self, id: &str) {
        self.remove_where(|event| event.id == id);
    }

    /// Adds an event; a full outbox gives up its oldest measurement, never a consent or cart.
    pub fn push(&mut self, event: OutEvent) {
        if let Payload::Cart(_) = event.payload {
            // Only the newest cart matters; older unsent snapshots are superseded.
            let pending = self.bookkeeping.pending.as_ref();
            remove_noted(&mut self.events, &mut self.changes, |old| {
                matches!(old.payload, Payload::Cart(_))
                    && !pending.is_some_and(|p| p.ids.contains(&old.id))
            });
        }
        self.append(event);
        self.enforce_limit();
    }

    /// Holds the outbox to [`OUTBOX_LIMIT`] by dropping the oldest measurements, wherever the
    /// events came from: a push, another tab's outbox, or storage.
    pub fn enforce_limit(&mut self) {
        let excess = self.events.len().saturating_sub(OUTBOX_LIMIT);
        if excess == 0 {
            return;
        }
        let mut to_drop = excess;
        self.remove_where(|event| {
            let drop = to_drop > 0 && is_measurement(event);
            to_drop -= usize::from(drop);
            drop
        });
        let dropped = (excess - to_drop) as u32;
        // Not noted: the count is compared on every write (see `bookkeeping`).
        self.bookkeeping.dropped = self.bookkeeping.dropped.saturating_add(dropped);
    }

    /// When the next batch may go: cart and consent changes at once (staff watch the cart live,
    /// and a withdrawal must take effect), measurement a batch interval after the last send;
    /// backoff binds both. `None` when there is nothing to send or a request is on the wire.
    pub fn due_at(&self, now: Millis) -> Option<Millis> {
        if self.events.is_empty() || self.in_flight {
            return None;
        }
        let urgent =
            self.bookkeeping.pending.is_some() || self.events.iter().any(|e| !is_measurement(e));
        let by_interval = match self.bookkeeping.last_sent_at {
            Some(at) if !urgent => at + FLUSH_INTERVAL,
            _ => now,
        };
        Some(self.bookkeeping.next_attempt_at.map_or(by_interval, |at| at.max(by_interval)))
    }

    pub fn is_due(&self, now: Millis) -> bool {
        self.due_at(now).is_some_and(|at| at <= now)
    }

    /// The batch to send now: the pending one again, or a new one of the oldest events, as
    /// many as fit in [`BATCH_LIMIT`] events and [`BATCH_BYTES`] bytes (at least one).
    pub fn next_batch(
        &mut self,
        identity: &Identity,
        rng: &mut Rng,
        beacon: bool,
    ) -> Option<Batch> {
        if self.events.is_empty() {
            return None;
        }
        let pending = match self.meta_mut().pending.take() {
            Some(pending)
                if pending.ids.iter().any(|id| self.events.iter().any(|e| &e.id == id)) =>
            {
                pending
            }
            _ => {
                let mut bytes = BATCH_OVERHEAD;
                let mut ids = Vec::new();
                for event in self.events.iter().take(BATCH_LIMIT) {
                    bytes += event_bytes(event);
                    if bytes > BATCH_BYTES && !ids.is_empty() {
                        break;
                    }
                    ids.push(event.id.clone());
                }
                Pending { key: rng.id("batch"), ids }
            }
        };
        let mut events = Vec::new();
        for event in &self.events {
            if pending.ids.contains(&event.id) {
                events.push(event.clone());
            }
        }
        let batch = Batch {
            key: pending.key.clone(),
            identity: identity.clone(),
            dropped: self.bookkeeping.dropped,
            events,
            beacon,
        };
        self.meta_mut().pending = Some(pending);
        Some(batch)
    }

    /// Applies the backend's answer to the pending batch. Returns the events given up for good
    /// (a rejected batch, or a single event too large to ever send).
    pub fn settle(&mut self, key: &str, outcome: SendOutcome, now: Millis, rng: &mut Rng) -> usize {
        self.in_flight = false;
        let Some(pending) = self.bookkeeping.pending.as_ref().filter(|p| p.key == key) else {
            return 0;
        };
        match outcome {
            SendOutcome::Accepted { .. } | SendOutcome::Rejected { .. } => {
                let ids = pending.ids.clone();
                let count = ids.len();
                self.forget(&ids);
                self.meta_mut().pending = None;
                self.meta_mut().dropped = 0;
                self.meta_mut().attempts = 0;
                self.meta_mut().next_attempt_at = None;
                self.meta_mut().last_sent_at = Some(now);
                if matches!(outcome, SendOutcome::Rejected { .. }) {
                    count
                } else {
                    0
                }
            }
            SendOutcome::TooLarge if pending.ids.len() > 1 => {
                // The backend read none of it: the first half goes again under a new key.
                let mut ids = pending.ids.clone();
                ids.truncate(ids.len() / 2);
                self.meta_mut().pending = Some(Pending { key: rng.id("batch"), ids });
                0
            }
            SendOutcome::TooLarge => {
                let ids = pending.ids.clone();
                self.remove_where(|e| ids.contains(&e.id));
                self.meta_mut().pending = None;
                1
            }
            SendOutcome::Retry { retry_after } => {
                let attempts = self.bookkeeping.attempts.saturating_add(1);
                self.meta_mut().attempts = attempts;
                let exponential =
                    BACKOFF_BASE.saturating_mul(1 << attempts.min(10)).min(BACKOFF_MAX);
                let delay = (exponential as f64 * rng.jitter()) as Millis;
                // A server's wait is honoured up to a day: one that asks for longer (or sends a
                // nonsense figure) gets its day, not a wait that overflows into the past.
                let wait =
                    retry_after.map_or(delay, |after| after.clamp(delay / 2, MAX_RETRY_AFTER));
                self.meta_mut().next_attempt_at = Some(now.saturating_add(wait));
                0
            }
        }
    }

    /// Drops events the backend has (acknowledged here or by another tab), remembering their
    /// ids so no copy is sent again.
    pub fn forget(&mut self, ids: &[String]) {
        self.remove_where(|e| ids.contains(&e.id));
        for id in ids {
            if !self.bookkeeping.acked.contains(id) {
                self.meta_mut().acked.push(id.clone());
            }
        }
        let excess = self.bookkeeping.acked.len().saturating_sub(ACKED_MEMORY);
        if excess > 0 {
            self.meta_mut().acked.drain(..excess);
        }
    }

    /// Takes in an event another tab queued (or storage held), unless it was sent already.
    pub fn adopt(&mut self, event: OutEvent) {
        if self.bookkeeping.acked.contains(&event.id)
            || self.events.iter().any(|e| e.id == event.id)
        {
            return;
        }
        let at = self.events.partition_point(|e| order(e) <= order(&event));
        if at == self.events.len() {
            self.append(event);
        } else {
            // Before events storage may hold: the log has no word for it.
            self.changes.lost = true;
            self.events.insert(at, event);
        }
        self.enforce_limit();
    }

    /// Joins another tab's outbox with this one: the union, less what either saw acknowledged,
    /// held to the limit.
    pub fn merge(&mut self, other: &Outbox) {
        let acked = other.acked.clone();
        self.forget(&acked);
        for event in &other.events {
            self.adopt(event.clone());
        }
        if self.bookkeeping.pending.is_none() && other.pending.is_some() {
            self.meta_mut().pending.clone_from(&other.pending);
        }
        self.bookkeeping.dropped = self.bookkeeping.dropped.max(other.dropped);
    }
}

/// Removes the events `gone` picks (asked once each, in order) from `events`, noting each
/// removal in `changes` at its place in the list as it stands after the removals before it.
fn remove_noted(
    events: &mut Vec<OutEvent>,
    changes: &mut Changes,
    mut gone: impl FnMut(&OutEvent) -> bool,
) {
    let mut at = 0;
    events.retain(|event| {
        if gone(event) {
            changes.note(Change::Removed(at));
            false
        } else {
            at += 1;
            true
        }
    });
}

/// By time, and on a tie a consent record first (the backend applies events in order, and
/// what a consent allows must come after it), then by id, so every tab orders alike.
fn order(event: &OutEvent) -> (Millis, bool, &str) {
    (event.at, event.payload.purpose().is_some(), &event.id)
}

/// The sync feature's state for one page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sync {
    /// Made once consent allows something to be sent; dropped at a full withdrawal.
    pub identity: Option<Identity>,
    pub outbox: Outbox,
    /// An identity the visitor withdrew from, with the record of the withdrawal still to
    /// deliver: sent before anything else, never reused.
    pub retiring: Option<(Identity, OutEvent)>,
    /// A `RequestFlush` is out and not yet answered.
    pub flush_requested: bool,
}

impl Sync {
    /// Ends the current identity at a full withdrawal: the record of the withdrawal still goes
    /// out under it (so the backend erases what it holds), nothing else does, and a later grant
    /// makes a new identity, which the backend cannot link to the old one.
    pub fn retire(&mut self, withdrawal: OutEvent) {
        let Some(identity) = self.identity.take() else { return };
        let acked = std::mem::take(&mut self.outbox.acked);
        self.outbox = Outbox::default();
        self.outbox.acked = acked;
        self.retiring = Some((identity, withdrawal));
    }

    /// The earliest time the feature needs to act: a batch due, or a backoff ending.
    pub fn deadline(&self, now: Millis) -> Option<Millis> {
        if self.retiring.is_some() && !self.outbox.in_flight {
            return Some(self.outbox.next_attempt_at.map_or(now, |at| at.max(now)));
        }
        self.identity.as_ref()?;
        self.outbox.due_at(now)
    }

    /// The next batch: the retiring identity's withdrawal first, then the outbox.
    pub fn next_batch(&mut self, rng: &mut Rng, beacon: bool) -> Option<Batch> {
        if let Some((identity, withdrawal)) = &self.retiring {
            let key = match &self.outbox.pending {
                Some(pending) if pending.ids == [withdrawal.id.clone()] => pending.key.clone(),
                _ => rng.id("batch"),
            };
            self.outbox.pending =
                Some(Pending { key: key.clone(), ids: vec![withdrawal.id.clone()] });
            return Some(Batch {
                key,
                identity: identity.clone(),
                dropped: 0,
                events: vec![withdrawal.clone()],
                beacon,
            });
        }
        let identity = self.identity.as_ref()?;
        self.outbox.next_batch(identity, rng, beacon)
    }

    /// Applies an answer; `true` when it settled the retiring identity's last batch.
    pub fn settle_retiring(&mut self, key: &str, outcome: SendOutcome) -> bool {
        let settles = self.retiring.is_some()
            && self.outbox.pending.as_ref().is_some_and(|p| p.key == key)
            && !matches!(outcome, SendOutcome::Retry { .. });
        if settles {
            self.retiring = None;
            self.outbox.pending = None;
            self.outbox.in_flight = false;
        }
        settles
    }
}
