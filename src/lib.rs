//! Concierge: a privacy-first personalization agent that runs inside the visitor's browser.
//!
//! The crate has three layers, each with one job:
//! - [`engine`]: the pure core. Events and the current time in, effects out; no I/O, no clock.
//! - [`value`], [`wire`] and [`stored`]: the edges, where loosely typed input from the page and
//!   from storage becomes engine types (or a typed error naming what was wrong).
//! - [`bridge`]: the one door to the JavaScript shell (`src/web/*.js`): page happenings in as
//!   JSON messages, effects out as JSON, one string each way per call; `exports` (wasm32 only)
//!   puts it on the Wasm module's exports.

pub mod bridge;
pub mod engine;
pub mod stored;
pub mod wire;

/// The JSON-shaped value the edges decode from, shared with the backend.
pub use concierge_protocol::value;

#[cfg(target_arch = "wasm32")]
mod exports;

pub mod alloc;

/// The agent is single-threaded (no Wasm threads), which is what makes this allocator sound:
/// small blocks by class (`alloc`), the rest from `lol_alloc`'s free list.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<
    alloc::SizeClasses<lol_alloc::FreeListAllocator>,
> =
    // SAFETY: the agent's Wasm module never runs on more than one thread.
    unsafe {
        lol_alloc::AssumeSingleThreaded::new(alloc::SizeClasses::new(
            lol_alloc::FreeListAllocator::new(),
        ))
    };
