//! The network: batches by `fetch` (or `sendBeacon` as the page goes), one tab at a time.
//!
//! Only engine effects reach here, so only what consent allowed is ever sent. Answers go back
//! to the engine as events; how to retry is the engine's decision.
//!
//! The page owns `fetch` and `navigator.locks` and may have replaced them: whatever they throw,
//! return or never settle becomes a failed attempt (a retry), never an exception in the page
//! or an agent that waits forever.

use super::{console, convert, dispatch, js};
use crate::engine::sync::{Batch, Identity, SendOutcome};
use crate::engine::{Event, Millis};
use crate::wire;
use js_sys::{Array, Function, Object, Promise, Reflect};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Request, RequestInit, Response};

/// Bodies above this are not sent with `keepalive`, whose budget browsers cap at 64 KiB.
const KEEPALIVE_LIMIT: usize = 60_000;
const REQUEST_TIMEOUT_MS: u32 = 15_000;
/// A `fetch` that ignores its abort signal is given up on this much later.
const GIVE_UP_GRACE_MS: i32 = 1_000;

thread_local! {
    /// The request under way, so the flush lock is held until it is answered.
    static IN_FLIGHT: RefCell<Option<Promise>> = const { RefCell::new(None) };
    /// A throwing `fetch` is reported once per page, not at every retry.
    static FETCH_THREW: Cell<bool> = const { Cell::new(false) };
}

/// Takes the cross-tab flush lock (Web Locks) if free, then lets the engine send.
pub fn request_flush(site: &str) {
    let locks = web_sys::window()
        .and_then(|w| Reflect::get(&w.navigator(), &"locks".into()).ok())
        .filter(|locks| locks.is_object());
    let request = locks.and_then(|locks| {
        let request = Reflect::get(&locks, &"request".into()).ok()?.dyn_into::<Function>().ok()?;
        Some((locks, request))
    });
    let Some((locks, request)) = request else {
        // Without Web Locks (old browsers) tabs may overlap; the server still counts once.
        dispatch(vec![Event::FlushGranted]);
        return;
    };
    let answered = Rc::new(Cell::new(false));
    let heard = answered.clone();
    let callback = Closure::once_into_js(move |lock: JsValue| -> Promise {
        heard.set(true);
        if lock.is_null() {
            dispatch(vec![Event::FlushBusy]);
            return Promise::resolve(&JsValue::UNDEFINED);
        }
        dispatch(vec![Event::FlushGranted]);
        // The lock is held until the request this tab just started is answered.
        match IN_FLIGHT.with(|cell| cell.borrow_mut().take()) {
            Some(request) => js::when_settled(&request, |_| JsValue::UNDEFINED),
            None => Promise::resolve(&JsValue::UNDEFINED),
        }
    });
    let options = Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    let name = JsValue::from_str(&format!("concierge-flush:{site}"));
    // A lock manager that throws, or fails without ever calling back, is as good as none.
    let returned = request.call3(&locks, &name, &options, &callback);
    let Ok(returned) = returned.and_then(|returned| js::promise_resolve(&returned)) else {
        dispatch(vec![Event::FlushGranted]);
        return;
    };
    let _ = js::when_settled(&returned, move |result| {
        if result.is_err() && !answered.get() {
            dispatch(vec![Event::FlushGranted]);
        }
        JsValue::UNDEFINED
    });
}

/// Sends a batch; its answer comes back as `Event::Sent`, except for beacons.
pub fn send(endpoint: &str, site: &str, batch: Batch) {
    let url = format!("{endpoint}/events");
    let (key, beacon_wanted) = (batch.key.clone(), batch.beacon);
    let body = wire::encode_batch(batch, site).to_json();
    if beacon_wanted {
        if !beacon(&url, &body) {
            // Too big for a beacon, or refused: a keepalive fetch is the last resort.
            if let Some(request) = post(&url, &body, body.len() <= KEEPALIVE_LIMIT) {
                // Nobody is left to hear the answer; a failure must not show as unhandled.
                let _ = js::when_settled(&request, |_| JsValue::UNDEFINED);
            }
        }
        return;
    }
    let request = post(&url, &body, body.len() <= KEEPALIVE_LIMIT)
        .unwrap_or_else(|| Promise::reject(&JsValue::UNDEFINED));
    let answered = js::when_settled(&request, move |result| {
        let answer = move |outcome| dispatch(vec![Event::Sent { key, outcome }]);
        match result.map(JsCast::dyn_into::<Response>) {
            Ok(Ok(response)) => outcome_of(response, answer),
            // A rejection, a timeout, or a replaced fetch that answered something else.
            Ok(Err(_)) | Err(_) => {
                answer(SendOutcome::Retry { retry_after: None });
                JsValue::UNDEFINED
            }
        }
    });
    IN_FLIGHT.with(|cell| *cell.borrow_mut() = Some(answered));
}

fn post(url: &str, body: &str, keepalive: bool) -> Option<Promise> {
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    // web-sys does not expose `keepalive` on RequestInit, so it is set as a plain property.
    let _ = Reflect::set(&init, &"keepalive".into(), &JsValue::from_bool(keepalive));
    if let Some(signal) = timeout_signal(REQUEST_TIMEOUT_MS) {
        let _ = Reflect::set(&init, &"signal".into(), &signal);
    }
    let request = Request::new_with_str_and_init(url, &init).ok()?;
    request.headers().set("content-type", "application/json").ok()?;
    Some(settled_fetch(&request))
}

/// `fetch(request)` as a promise that settles: a throw becomes a rejection (reported once), a
/// value that is not a promise is adopted, and a promise that outlives the request timeout is
/// given up on.
fn settled_fetch(request: &Request) -> Promise {
    let answer = match js::fetch(request).and_then(|answer| js::promise_resolve(&answer)) {
        Ok(answer) => answer,
        Err(thrown) => {
            if !FETCH_THREW.with(|reported| reported.replace(true)) {
                console::warn(format_args!(
                    "window.fetch threw ({}); the agent's requests are retried later",
                    js::describe_thrown(&thrown)
                ));
            }
            return Promise::reject(&thrown);
        }
    };
    let Some(window) = web_sys::window() else { return answer };
    let give_up = Promise::new(&mut |_, reject| {
        let delay = REQUEST_TIMEOUT_MS as i32 + GIVE_UP_GRACE_MS;
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&reject, delay);
    });
    Promise::race(&Array::of2(&answer, &give_up))
}

/// `AbortSignal.timeout(ms)` where the browser has it: a request that hangs becomes a failure
/// to retry, instead of holding the outbox (and the flush lock) for the rest of the page.
fn timeout_signal(ms: u32) -> Option<JsValue> {
    let class = Reflect::get(&js_sys::global(), &"AbortSignal".into()).ok()?;
    let timeout: Function = Reflect::get(&class, &"timeout".into()).ok()?.dyn_into().ok()?;
    timeout.call1(&class, &JsValue::from(ms)).ok()
}

/// `text/plain` keeps a cross-origin beacon a simple request (no preflight it could not make).
fn beacon(url: &str, body: &str) -> bool {
    let Some(window) = web_sys::window() else { return false };
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/plain;charset=UTF-8");
    let Ok(blob) =
        web_sys::Blob::new_with_str_sequence_and_options(&Array::of1(&body.into()), &options)
    else {
        return false;
    };
    window.navigator().send_beacon_with_opt_blob(url, Some(&blob)).unwrap_or(false)
}

/// 2xx: accepted. 408, 429, 5xx: retry, after `Retry-After` if given. 413: split the batch.
/// Other 4xx: rejected. `answer` hears the outcome (after the body, for a 2xx); the promise
/// returned, if any, settles once it has.
fn outcome_of(response: Response, answer: impl FnOnce(SendOutcome) + 'static) -> JsValue {
    let status = response.status();
    let outcome = match status {
        200..=299 => {
            let accepted = |body: Option<JsValue>| {
                let taken = body
                    .and_then(|body| Reflect::get(&body, &"cart_code_taken".into()).ok())
                    .and_then(|taken| taken.as_bool())
                    .unwrap_or(false);
                SendOutcome::Accepted { cart_code_taken: taken }
            };
            return match response.json() {
                Ok(json) => js::when_settled(&json, move |body| {
                    answer(accepted(body.ok()));
                    JsValue::UNDEFINED
                })
                .into(),
                Err(_) => {
                    answer(accepted(None));
                    JsValue::UNDEFINED
                }
            };
        }
        413 => SendOutcome::TooLarge,
        408 | 429 | 500..=599 => {
            let header = response.headers().get("retry-after").ok().flatten();
            SendOutcome::Retry { retry_after: header.as_deref().and_then(retry_after) }
        }
        400..=499 => SendOutcome::Rejected { status },
        _ => SendOutcome::Retry { retry_after: None },
    };
    answer(outcome);
    JsValue::UNDEFINED
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(value: &str) -> Option<Millis> {
    if let Some(seconds) = crate::value::parse_decimal(value).filter(|s| *s >= 0.0) {
        return Some((seconds * 1000.0) as Millis);
    }
    let at = js_sys::Date::parse(value);
    (!at.is_nan()).then(|| (at - js_sys::Date::now()).max(0.0) as Millis)
}

/// Asks the backend what staff recorded for this visitor.
pub fn fetch_intents(endpoint: &str, identity: Identity) {
    let url = format!("{endpoint}/profiles/{}/intents", identity.visitor_id);
    let init = RequestInit::new();
    init.set_method("GET");
    let Ok(request) = Request::new_with_str_and_init(&url, &init) else { return };
    if request.headers().set("x-concierge-secret", &identity.secret).is_err() {
        return;
    }
    let request = settled_fetch(&request);
    let _ = js::when_settled(&request, |result| {
        let Ok(Ok(response)) = result.map(JsCast::dyn_into::<Response>) else {
            return JsValue::UNDEFINED;
        };
        // 404: the backend has not heard of this visitor yet; nothing to pick up.
        let Some(json) = response.ok().then(|| response.json().ok()).flatten() else {
            return JsValue::UNDEFINED;
        };
        js::when_settled(&json, |body| {
            let intents = body.ok().and_then(|body| convert::from_js(&body).ok());
            match intents.and_then(|value| wire::decode_intents(&value)) {
                Some(intents) => dispatch(vec![Event::IntentsLoaded(intents)]),
                None => console::warn("the backend's intents could not be read; ignored"),
            }
            JsValue::UNDEFINED
        })
        .into()
    });
}
