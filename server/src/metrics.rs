//! Prometheus counters for this process (each process reports its own; Prometheus sums them).

use crate::model::BatchOutcome;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

#[derive(Debug, Default)]
pub struct Metrics {
    batches: AtomicU64,
    batches_replayed: AtomicU64,
    events_accepted: AtomicU64,
    events_duplicate: AtomicU64,
    events_refused: AtomicU64,
    outbox_dropped: AtomicU64,
    auth_failures: AtomicU64,
}

impl Metrics {
    pub fn record_batch(&self, outcome: &BatchOutcome, dropped: u32) {
        self.batches.fetch_add(1, Relaxed);
        if outcome.replayed {
            self.batches_replayed.fetch_add(1, Relaxed);
            return;
        }
        self.events_accepted.fetch_add(outcome.accepted, Relaxed);
        self.events_duplicate.fetch_add(outcome.duplicates, Relaxed);
        self.events_refused.fetch_add(outcome.refused, Relaxed);
        self.outbox_dropped.fetch_add(u64::from(dropped), Relaxed);
    }

    pub fn auth_failure(&self) {
        self.auth_failures.fetch_add(1, Relaxed);
    }

    pub fn render(&self) -> String {
        let rows = [
            ("concierge_batches_total", "Event batches received.", &self.batches),
            (
                "concierge_batches_replayed_total",
                "Batches received again and answered from the first delivery.",
                &self.batches_replayed,
            ),
            ("concierge_events_accepted_total", "Events stored.", &self.events_accepted),
            (
                "concierge_events_duplicate_total",
                "Events received again and counted once.",
                &self.events_duplicate,
            ),
            (
                "concierge_events_refused_total",
                "Events dropped because the recorded consent does not cover them.",
                &self.events_refused,
            ),
            (
                "concierge_outbox_dropped_total",
                "Events agents dropped from a full outbox, as they reported.",
                &self.outbox_dropped,
            ),
            (
                "concierge_auth_failures_total",
                "Staff requests with a wrong or missing token.",
                &self.auth_failures,
            ),
        ];
        rows.iter()
            .map(|(name, help, value)| {
                format!(
                    "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n",
                    value.load(Relaxed)
                )
            })
            .collect()
    }
}
