//! Native test layer: the engine and the edge formats, driven by events and an explicit `now`.
//!
//! One test binary with modules (as ripgrep does), so adding a case costs no extra link.
#![cfg(not(target_arch = "wasm32"))]

mod native {
    pub mod agent;
    pub mod alloc;
    pub mod bridge;
    pub mod campaigns;
    pub mod cart;
    pub mod config;
    pub mod consent;
    pub mod handoff;
    pub mod interests;
    pub mod prompts;
    pub mod recommend;
    pub mod stored;
    pub mod support;
    pub mod sync;
    pub mod tcf;
    pub mod texts;
    pub mod tidy;
    pub mod value;
    pub mod warnings;
    pub mod wire;
}
