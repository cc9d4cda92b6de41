//! The bounds both ends enforce, so the agent never sends what the backend will refuse and a
//! hostile client cannot make either end wrap, allocate without bound or wait forever.

/// Text fields (ids, names, categories) longer than this are cut by the agent, refused by the
/// backend.
pub const MAX_TEXT: usize = 200;
/// Items in one event.
pub const MAX_ITEMS: usize = 200;
/// Lines in a cart.
pub const MAX_LINES: usize = 100;
/// The largest quantity of one line.
pub const MAX_QUANTITY: u32 = 9_999;
/// The largest unit price, in minor units: 10^12 (ten billion euros). Beyond it a price is a
/// bug or an attack, and with it a line total (price x 9,999) and a cart total (100 lines) stay
/// far below `i64::MAX`, so money arithmetic never wraps.
pub const MAX_PRICE_MINOR: i64 = 1_000_000_000_000;
/// The largest cart total in minor units that the limits above allow.
pub const MAX_TOTAL_MINOR: i64 = MAX_PRICE_MINOR * MAX_QUANTITY as i64 * MAX_LINES as i64;
/// Bodies the backend reads at most.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// The agent keeps each batch's JSON below this, well under [`MAX_BODY_BYTES`].
pub const MAX_BATCH_BYTES: usize = 64 * 1024;
/// Events in one batch.
pub const MAX_EVENTS: usize = 500;
/// An advisor's note.
pub const MAX_NOTE: usize = 2_000;
