//! Consent receipts: after every choice, its proof goes to the backend (`POST
//! /v1/consent/receipts`), retried with backoff like batches until the backend answers.
//!
//! A receipt names the visitor only while the `identifiers` category is granted; otherwise it
//! is anonymous, known by its own id (`r_` and 22 base64url characters), which the consent
//! section keeps so the visitor can quote it. A receipt not yet acknowledged is also kept on
//! the device, beside the choice it records (docs/decisions.md: the record of a choice is kept
//! once there is one), so a page closed before it went sends it on the next page; the backend
//! stores the same (`receipt`, `at`) once, so a retry never counts twice.

use super::sync::{Rng, BACKOFF_BASE, BACKOFF_MAX};
use super::Millis;
pub use concierge_protocol::consent::Receipt;

/// Receipts beyond this many unsent give up the oldest: a page that cannot reach its backend
/// must not grow without bound.
pub const MAX_WAITING: usize = 8;
/// A receipt is given up after this many failed attempts on one page.
pub const MAX_ATTEMPTS: u32 = 8;
/// A receipt kept on the device is given up when it is older than this (30 days): a backend
/// that refuses it with a 5xx for that long will not take it.
pub const MAX_AGE: Millis = 30 * 86_400_000;

#[derive(Clone, Debug, PartialEq)]
pub struct Waiting {
    pub receipt: Receipt,
    pub attempts: u32,
    pub next_attempt_at: Millis,
    pub in_flight: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Receipts {
    pub waiting: Vec<Waiting>,
}

/// `r_` and 22 base64url characters (132 random bits).
pub fn new_id(rng: &mut Rng) -> String {
    const BASE64URL: &[u8; 64] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let (mut high, mut low) = (rng.next_u64(), rng.next_u64());
    let mut id = String::with_capacity(24);
    id.push_str("r_");
    for i in 0..22 {
        let word = if i < 11 { &mut high } else { &mut low };
        id.push(char::from(BASE64URL[(*word & 63) as usize]));
        *word >>= 6;
    }
    id
}

impl Receipts {
    pub fn push(&mut self, receipt: Receipt, now: Millis) {
        if self.waiting.len() == MAX_WAITING {
            self.waiting.remove(0);
        }
        self.waiting.push(Waiting { receipt, attempts: 0, next_attempt_at: now, in_flight: false });
    }

    /// The receipts to send now; each is marked as on its way.
    pub fn due(&mut self, now: Millis) -> Vec<Receipt> {
        let mut due = Vec::new();
        for waiting in &mut self.waiting {
            if !waiting.in_flight && waiting.next_attempt_at <= now {
                waiting.in_flight = true;
                due.push(waiting.receipt.clone());
            }
        }
        due
    }

    /// The backend's answer for receipt `id` (`status` 0: no answer): done on a 2xx, and on a
    /// 4xx other than 408 and 429 (the backend refused it; a retry would be refused too);
    /// otherwise tried again after a jittered backoff.
    pub fn answered(&mut self, id: &str, status: u16, now: Millis, rng: &mut Rng) {
        let Some(at) = self.waiting.iter().position(|w| w.receipt.receipt == id) else { return };
        let final_answer = (200..300).contains(&status)
            || ((400..500).contains(&status) && status != 408 && status != 429);
        let waiting = &mut self.waiting[at];
        waiting.in_flight = false;
        waiting.attempts += 1;
        if final_answer || waiting.attempts >= MAX_ATTEMPTS {
            self.waiting.remove(at);
            return;
        }
        let backoff = BACKOFF_BASE.saturating_mul(1 << waiting.attempts.min(10)).min(BACKOFF_MAX);
        waiting.next_attempt_at = now + (backoff as f64 * rng.jitter()) as Millis;
    }

    /// The receipts a page before this one left on the device, to send again; too old ones are
    /// given up.
    pub fn resume(&mut self, kept: Vec<Receipt>, now: Millis) {
        for receipt in kept {
            let known = self.waiting.iter().any(|w| w.receipt.receipt == receipt.receipt);
            if !known && now.saturating_sub(receipt.at) <= MAX_AGE {
                self.push(receipt, now);
            }
        }
    }

    /// Another tab had receipt `id` acknowledged.
    pub fn forget(&mut self, id: &str) {
        self.waiting.retain(|w| w.receipt.receipt != id);
    }

    /// The receipts waiting, as storage keeps them.
    pub fn kept(&self) -> Vec<Receipt> {
        self.waiting.iter().map(|w| w.receipt.clone()).collect()
    }

    /// When the next waiting receipt may go.
    pub fn deadline(&self) -> Option<Millis> {
        self.waiting.iter().filter(|w| !w.in_flight).map(|w| w.next_attempt_at).min()
    }
}
