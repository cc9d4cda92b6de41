//! The handoff feature: the visitor asks a person to take over ("call me", "continue in
//! store"), through the assistant module's `ctx.handoff(request)`. The request becomes a
//! `handoff` event sent at once, and the shell's promise is answered only once the backend
//! acknowledged it.
//!
//! Consent rule (docs/architecture.md, "Handoff"): the request is the visitor's own explicit
//! ask, so it needs no purpose of its own, but it leaves only under the identity a sending
//! feature (`sync` or `staff_view`) made; the cart code goes with it only when `staff_view` is
//! enabled (as for the cart itself), the transcript only when `assistant_memory` is. Otherwise
//! the answer is `not_allowed` and nothing leaves.

use concierge_protocol::batch::{Handoff, HandoffKind, TranscriptLine};

/// What the visitor asked for, as the shell read it from `ctx.handoff(request)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub kind: HandoffKind,
    pub phone: Option<String>,
    pub transcript: Vec<TranscriptLine>,
}

impl Request {
    /// The event's payload, with what consent lets go along.
    pub fn payload(self, cart_code: Option<&str>, transcript: bool) -> Handoff {
        Handoff {
            kind: self.kind,
            phone: self.phone,
            cart_code: cart_code.map(str::to_owned),
            transcript: if transcript { self.transcript } else { Vec::new() },
        }
    }
}

/// The answer the shell's promise resolves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The backend acknowledged the batch that carried it.
    Sent,
    /// Consent does not let it leave; nothing was sent.
    NotAllowed,
    /// It could not be delivered now (network, refusal); it is not retried later.
    Failed,
}

impl Answer {
    pub fn name(self) -> &'static str {
        match self {
            Answer::Sent => "sent",
            Answer::NotAllowed => "not_allowed",
            Answer::Failed => "failed",
        }
    }
}

/// Requests on their way: the shell's request id and the id of the event that carries it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Handoffs {
    pub waiting: Vec<(String, String)>,
}
