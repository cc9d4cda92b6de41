//! What leaves the browser, and when: identity, the outbox, batches, retries.
//!
//! Architecture invariant: an event enters the outbox only for a purpose the visitor granted
//! ([`purpose_of`]), and a batch carries only what the outbox holds. The shell sends batches
//! and reports back; every decision (what, when, how often to retry) is made here.

use super::cart::{Cart, Item};
use super::consent::{Consent, Decision};
use super::{CommerceKind, Millis};

/// Events the outbox holds at most; beyond it the oldest measurement goes first.
pub const OUTBOX_LIMIT: usize = 200;
/// Events in one batch.
pub const BATCH_LIMIT: usize = 100;
/// Batches go at most this often, unless the page is being left.
pub const FLUSH_INTERVAL: Millis = 5_000;
pub const BACKOFF_BASE: Millis = 2_000;
pub const BACKOFF_MAX: Millis = 5 * 60_000;
/// Acknowledged event ids remembered, so another tab's copy of the outbox does not resend them.
pub const ACKED_MEMORY: usize = 400;

/// Alphabet of cart codes: no 0/O, 1/I/L, 2/Z, 5/S, 8/B look-alikes, nothing offensive to spell.
pub const CART_CODE_ALPHABET: &[u8; 26] = b"ACDEFGHJKLMNPQRTUVWXY34679";

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

/// The purpose an outgoing event serves, which the visitor must have granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The record of a choice: sent whenever something was ever granted, so withdrawals count.
    Consent,
    /// The cart kept for the visitor across channels: what staff see.
    Storage,
    Analytics,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    Consent(Consent),
    Cart(Cart),
    Commerce { kind: CommerceKind, items: Vec<Item>, transaction_id: Option<String> },
}

impl Payload {
    pub fn purpose(&self) -> Purpose {
        match self {
            Payload::Consent(_) => Purpose::Consent,
            Payload::Cart(_) => Purpose::Storage,
            Payload::Commerce { .. } => Purpose::Analytics,
        }
    }
}

/// Whether consent covers a purpose: the one mapping from purposes to the data they unlock.
pub fn allows(consent: &Consent, purpose: Purpose) -> bool {
    match purpose {
        Purpose::Consent => {
            consent.storage == Decision::Granted || consent.analytics == Decision::Granted
        }
        Purpose::Storage => consent.storage == Decision::Granted,
        Purpose::Analytics => consent.analytics == Decision::Granted,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct OutEvent {
    pub id: String,
    pub at: Millis,
    pub payload: Payload,
}

/// A batch on its way; retried with the same key and events until answered.
#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    pub key: String,
    pub ids: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outbox {
    pub events: Vec<OutEvent>,
    pub pending: Option<Pending>,
    /// Events dropped from a full outbox since the last batch that went through.
    pub dropped: u32,
    /// Failed attempts in a row, for the backoff.
    pub attempts: u32,
    pub next_attempt_at: Option<Millis>,
    pub last_sent_at: Option<Millis>,
    pub acked: Vec<String>,
    /// A request is on the wire now (not persisted: a new page starts with none).
    pub in_flight: bool,
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
    /// Any other 4xx: the batch is wrong and will stay wrong; drop it.
    Rejected {
        status: u16,
    },
}

impl Outbox {
    /// Adds an event; a full outbox gives up its oldest measurement, never a consent or cart.
    pub fn push(&mut self, event: OutEvent) {
        if let Payload::Cart(_) = event.payload {
            // Only the newest cart matters; older unsent snapshots are superseded.
            let pending = self.pending.as_ref();
            self.events.retain(|old| {
                !matches!(old.payload, Payload::Cart(_))
                    || pending.is_some_and(|p| p.ids.contains(&old.id))
            });
        }
        self.events.push(event);
        while self.events.len() > OUTBOX_LIMIT {
            let oldest_measure =
                self.events.iter().position(|e| e.payload.purpose() == Purpose::Analytics);
            match oldest_measure {
                Some(index) => {
                    self.events.remove(index);
                    self.dropped = self.dropped.saturating_add(1);
                }
                None => break,
            }
        }
    }

    /// When the next batch may go: cart and consent changes at once (staff watch the cart live,
    /// and a withdrawal must take effect), measurement a batch interval after the last send;
    /// backoff binds both. `None` when there is nothing to send or a request is on the wire.
    pub fn due_at(&self, now: Millis) -> Option<Millis> {
        if self.events.is_empty() || self.in_flight {
            return None;
        }
        let urgent = self.pending.is_some()
            || self.events.iter().any(|e| e.payload.purpose() != Purpose::Analytics);
        let by_interval = match self.last_sent_at {
            Some(at) if !urgent => at + FLUSH_INTERVAL,
            _ => now,
        };
        Some(self.next_attempt_at.map_or(by_interval, |at| at.max(by_interval)))
    }

    pub fn is_due(&self, now: Millis) -> bool {
        self.due_at(now).is_some_and(|at| at <= now)
    }

    /// The batch to send now: the pending one again, or a new one of the oldest events.
    pub fn next_batch(
        &mut self,
        identity: &Identity,
        rng: &mut Rng,
        beacon: bool,
    ) -> Option<Batch> {
        if self.events.is_empty() {
            return None;
        }
        let pending = match self.pending.take() {
            Some(pending)
                if pending.ids.iter().any(|id| self.events.iter().any(|e| &e.id == id)) =>
            {
                pending
            }
            _ => Pending {
                key: rng.id("batch"),
                ids: self.events.iter().take(BATCH_LIMIT).map(|e| e.id.clone()).collect(),
            },
        };
        let events = self.events.iter().filter(|e| pending.ids.contains(&e.id)).cloned().collect();
        let batch = Batch {
            key: pending.key.clone(),
            identity: identity.clone(),
            dropped: self.dropped,
            events,
            beacon,
        };
        self.pending = Some(pending);
        Some(batch)
    }

    /// Applies the backend's answer to the pending batch.
    pub fn settle(&mut self, key: &str, outcome: SendOutcome, now: Millis, rng: &mut Rng) {
        self.in_flight = false;
        let Some(pending) = self.pending.as_ref().filter(|p| p.key == key) else { return };
        match outcome {
            SendOutcome::Accepted { .. } | SendOutcome::Rejected { .. } => {
                let ids = pending.ids.clone();
                self.events.retain(|e| !ids.contains(&e.id));
                self.acked.extend(ids);
                let excess = self.acked.len().saturating_sub(ACKED_MEMORY);
                self.acked.drain(..excess);
                self.pending = None;
                self.dropped = 0;
                self.attempts = 0;
                self.next_attempt_at = None;
                self.last_sent_at = Some(now);
            }
            SendOutcome::Retry { retry_after } => {
                self.attempts = self.attempts.saturating_add(1);
                let exponential =
                    BACKOFF_BASE.saturating_mul(1 << self.attempts.min(10)).min(BACKOFF_MAX);
                let delay = (exponential as f64 * rng.jitter()) as Millis;
                self.next_attempt_at =
                    Some(now + retry_after.map_or(delay, |after| after.max(delay / 2)));
            }
        }
    }

    /// Joins another tab's outbox with this one: the union, less what either saw acknowledged.
    pub fn merge(&mut self, other: &Outbox) {
        for id in &other.acked {
            if !self.acked.contains(id) {
                self.acked.push(id.clone());
            }
        }
        let acked = &self.acked;
        self.events.retain(|e| !acked.contains(&e.id));
        for event in &other.events {
            if !acked.contains(&event.id) && !self.events.iter().any(|e| e.id == event.id) {
                self.events.push(event.clone());
            }
        }
        // By time, and on a tie a consent record first: the backend applies events in order,
        // and what a consent allows must come after it.
        self.events.sort_unstable_by_key(|e| {
            (e.at, e.payload.purpose() != Purpose::Consent, e.id.clone())
        });
        if self.pending.is_none() {
            self.pending.clone_from(&other.pending);
        }
        self.dropped = self.dropped.max(other.dropped);
    }
}
