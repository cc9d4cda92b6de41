//! The Wasm module's exports: the shell writes a UTF-8 request into memory the module lends it,
//! calls `start` or `handle`, and reads the JSON effects back from `output`.
//!
//! Plain `extern "C"` functions over linear memory instead of wasm-bindgen: with one string in
//! and one string out per call, the shell's own few lines of glue replace wasm-bindgen's
//! generated module and its runtime (docs/decisions.md). The module imports nothing.

use crate::bridge::Bridge;
use std::cell::RefCell;

thread_local! {
    static BRIDGE: RefCell<Option<Bridge>> = const { RefCell::new(None) };
    /// The last call's effects, kept until the next call so the shell can read them.
    static OUTPUT: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Lends the shell `len` bytes for a request; the next `start` or `handle` takes them back.
#[no_mangle]
pub extern "C" fn concierge_alloc(len: usize) -> *mut u8 {
    Box::into_raw(vec![0u8; len].into_boxed_slice()).cast()
}

/// Takes back a request lent by `concierge_alloc`.
///
/// # Safety
/// `ptr` and `len` must come from one `concierge_alloc(len)` call, filled with UTF-8 (the shell
/// writes it with `TextEncoder`, which never produces anything else).
unsafe fn take_request(ptr: *mut u8, len: usize) -> String {
    // SAFETY: the caller hands back exactly the boxed slice `concierge_alloc` leaked.
    let bytes = unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) };
    // SAFETY: TextEncoder output is UTF-8; validating it again would only cost code size.
    unsafe { String::from_utf8_unchecked(bytes.into_vec()) }
}

fn set_output(effects: String) -> usize {
    OUTPUT.with(|output| {
        let len = effects.len();
        *output.borrow_mut() = effects;
        len
    })
}

/// Where the last call's effects start; `start` and `handle` return their length in bytes.
#[no_mangle]
pub extern "C" fn concierge_output() -> *const u8 {
    OUTPUT.with(|output| output.borrow().as_ptr())
}

/// Starts the agent (replacing one already running) and returns the effects' length.
///
/// # Safety
/// See [`take_request`].
#[no_mangle]
pub unsafe extern "C" fn concierge_start(ptr: *mut u8, len: usize) -> usize {
    // SAFETY: forwarded from the caller.
    let request = unsafe { take_request(ptr, len) };
    let (bridge, effects) = Bridge::start(&request);
    BRIDGE.with(|cell| *cell.borrow_mut() = bridge);
    set_output(effects)
}

/// Hands inputs to the running agent and returns the effects' length (none when it is stopped).
///
/// # Safety
/// See [`take_request`].
#[no_mangle]
pub unsafe extern "C" fn concierge_handle(ptr: *mut u8, len: usize) -> usize {
    // SAFETY: forwarded from the caller.
    let request = unsafe { take_request(ptr, len) };
    let effects = BRIDGE.with(|cell| match cell.borrow_mut().as_mut() {
        Some(bridge) => bridge.handle(&request),
        None => "[]".to_owned(),
    });
    set_output(effects)
}

/// Drops the running agent; its memory is free for the next start.
#[no_mangle]
pub extern "C" fn concierge_stop() {
    BRIDGE.with(|cell| cell.borrow_mut().take());
}

/// The benchmark's build only (`--features bench`, never in `www/concierge/pkg`): compiles the
/// rule of the request `{"rule": ..., "data": ...}` once and evaluates it `times` times on its
/// data, so the page can time the agent's JSON Logic evaluator beside json-logic-js. Returns the
/// length of the last result as JSON, or of `{"error": "..."}` when the request, the rule or
/// an evaluation fails.
///
/// # Safety
/// See [`take_request`].
#[cfg(feature = "bench")]
#[no_mangle]
pub unsafe extern "C" fn concierge_bench_logic(ptr: *mut u8, len: usize, times: usize) -> usize {
    use concierge_protocol::logic::Rule;
    use concierge_protocol::{json, text, Value};
    // SAFETY: forwarded from the caller.
    let request = unsafe { take_request(ptr, len) };
    let failed = |why: String| Value::object([("error", Value::from(why.as_str()))]).to_json();
    let answer = match json::parse(&request) {
        Err(error) => failed(text!("the request ", error.describe())),
        Ok(request) => {
            let data = request.field("data").cloned().unwrap_or(Value::Null);
            match Rule::compile(request.field("rule").unwrap_or(&Value::Null)) {
                Err(problem) => failed(text!("the rule: ", problem.describe())),
                Ok(rule) => {
                    let mut last = Ok(Value::Null);
                    for _ in 0..times {
                        // Opaque to the optimiser, so no evaluation is folded away.
                        last = std::hint::black_box(&rule).evaluate(std::hint::black_box(&data));
                    }
                    match last {
                        Ok(result) => result.to_json(),
                        Err(error) => failed(error.message().to_owned()),
                    }
                }
            }
        }
    };
    set_output(answer)
}
