//! Money in integer minor units; the types are the protocol's, so both ends count alike.

pub use concierge_protocol::money::{line_total, sum, Currency, Money};
