//! What the Concierge agent, its backend and `concierge-cli` all speak, written once.
//!
//! - [`value`]: the JSON-shaped [`Value`] every edge decodes from, with field-naming errors;
//!   [`json`] reads it from JSON text without serde; [`writer`] writes JSON text without
//!   building a `Value` first.
//! - [`text`]: messages built without `core::fmt`, which the agent's Wasm does not carry.
//! - [`names`]: GA4 event names, consent decisions, purposes and the cart-code alphabet.
//! - [`money`]: currencies and amounts in minor units, never wrapping.
//! - [`limits`]: the bounds both ends enforce (text lengths, quantities, money, body sizes).
//! - [`batch`]: the event batch an agent posts to `POST /v1/events`, its codec and validation.
//! - [`consent`]: consent under a policy, alike at both ends: what choices grant and unlock,
//!   where a visitor starts (region, GPC), when to ask again, GA4 consent mode's words.
//! - [`audit`]: what a policy lets the agent keep and send, state by state (the agent's
//!   sections, the admin page's table and the audit test's expectations).
//! - [`bucket`]: sticky holdout and variant buckets of a visitor, by GrowthBook's hashing.
//! - [`documents`]: the config documents staff publish (`GET /v1/config`), and their validator.
//! - [`logic`]: JSON Logic rules (campaign targeting), compiled once, evaluated in bounded time.
//! - [`tcf`]: IAB TCF v2.2 TC strings (a shop's consent platform's record), decoded.
//!
//! Architecture invariant: nothing here knows about the browser, the database or HTTP; the
//! crate builds for wasm32 without serde (the `serde` feature is for the server and the CLI).

pub mod audit;
pub mod batch;
pub mod bucket;
pub mod calendar;
pub mod consent;
pub mod documents;
pub mod json;
pub mod limits;
pub mod logic;
pub mod money;
pub mod names;
pub mod problem;
pub mod tcf;
pub mod text;
pub mod value;
pub mod writer;

pub use problem::Problem;
pub use value::Value;
