//! The browser shell: the exported `start`, the `concierge(...)` command function, and the loop
//! that hands page happenings to the engine and carries its effects out on the page.
//!
//! Architecture invariant: no business rule lives here. Storage is written and views are drawn
//! only as engine effects say; this module translates and nothing more.

mod capture;
mod clock;
mod console;
mod convert;
mod dom;
mod js;
mod net;
mod queue;
mod storage;

use crate::engine::cart::Cart;
use crate::engine::config::ConfigSource;
use crate::engine::consent::Consent;
use crate::engine::{Agent, BannerChange, Commerce, Effect, Event, Fetched, Notice, Page, Warning};
use crate::value::Value;
use crate::wire::{self, ConsentCommand, Decoded};
use gloo_events::EventListener;
use js_sys::{Function, Reflect};
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

thread_local! {
    static SHELL: RefCell<Option<Shell>> = const { RefCell::new(None) };
    /// Events waiting for the engine; calls made while effects are being carried out wait here,
    /// so every event runs to completion before the next starts.
    static PENDING: RefCell<Vec<Event>> = const { RefCell::new(Vec::new()) };
    static DISPATCHING: Cell<bool> = const { Cell::new(false) };
}

/// The topics `concierge('on', topic, fn)` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Topic {
    Ready,
    Cart,
    Consent,
    Banner,
    Intent,
}

impl Topic {
    fn parse(name: &str) -> Option<Topic> {
        match name {
            "ready" => Some(Topic::Ready),
            "cart" => Some(Topic::Cart),
            "consent" => Some(Topic::Consent),
            "banner" => Some(Topic::Banner),
            "intent" => Some(Topic::Intent),
            _ => None,
        }
    }
}

type CommandFn = Closure<dyn Fn(JsValue, JsValue, JsValue)>;

struct Shell {
    agent: Agent,
    /// The site's id, which namespaces its storage entries.
    site: String,
    dom: Option<dom::Dom>,
    listeners: Vec<(Topic, Function)>,
    /// Kept so the page-facing callbacks stay valid for the page's life.
    _command: Option<CommandFn>,
    _data_layer: Option<capture::Watch>,
    _storage: Option<EventListener>,
    _deferred_start: Option<EventListener>,
    _page_hide: Vec<EventListener>,
    /// The pending `WakeAt` timer: its id and when it fires.
    timer: Option<(i32, crate::engine::Millis)>,
}

/// Starts the agent with the loader's `data-*` settings. A second call on the same page (the
/// script tag included twice) does nothing.
#[wasm_bindgen]
pub fn start(dataset: JsValue, fallback_locale: Option<String>, config: JsValue) {
    if SHELL.with(|shell| shell.borrow().is_some()) {
        return;
    }
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if document.ready_state() == "loading" {
        // The body must exist before a view can be drawn; wait for it.
        let listener = EventListener::once(&document, "DOMContentLoaded", move |_| {
            SHELL.with(|shell| shell.borrow_mut().take());
            start(dataset.clone(), fallback_locale.clone(), config.clone());
        });
        let placeholder = Shell::placeholder(listener);
        SHELL.with(|shell| *shell.borrow_mut() = Some(placeholder));
        return;
    }
    boot(&dataset, fallback_locale.as_deref().unwrap_or("en"));
    await_config(config);
}

/// The loader's fetch of the shop's published documents, started beside the Wasm download: a
/// promise of `{ status, etag, body }` or `null` that never rejects. Its answer reaches the
/// engine as one event, so new documents apply whole.
fn await_config(config: JsValue) {
    let Some(promise) = config.dyn_ref::<js_sys::Promise>().cloned() else {
        let reason = "the loader passed no config request (an older loader?)".to_owned();
        return dispatch(vec![Event::ConfigFetched(Fetched::Unreachable(reason))]);
    };
    let _ = js::when_settled(&promise, |answer| {
        dispatch(vec![Event::ConfigFetched(fetched(&answer.unwrap_or(JsValue::NULL)))]);
        // For the benchmark and for shops that watch: the published documents are in force.
        if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
            let _ = performance.mark("concierge:config");
        }
        JsValue::UNDEFINED
    });
}

/// Reads the loader's answer into what the engine needs, validating documents at this edge.
fn fetched(answer: &JsValue) -> Fetched {
    let Some(answer) = to_value(answer).filter(Value::is_object) else {
        return Fetched::Unreachable("the request failed or timed out".to_owned());
    };
    let status = answer.field("status").and_then(Value::as_f64).unwrap_or(0.0) as u16;
    let etag = answer.field("etag").and_then(Value::as_str).map(str::to_owned);
    match (status, answer.field("body")) {
        (304, _) => Fetched::NotModified,
        (200..=299, Some(body)) => match concierge_protocol::documents::check_config(body) {
            Ok(documents) => Fetched::Fresh { etag, documents },
            Err(problems) => Fetched::Invalid(problems),
        },
        (200..=299, None) => {
            Fetched::Invalid(vec![concierge_protocol::Problem::new("", "the answer is not JSON")])
        }
        (status, _) => Fetched::Unreachable(format!("the backend answered HTTP {status}")),
    }
}

/// Stops the agent and removes everything it added to the page (used by tests and by
/// single-page apps that tear the page down).
#[wasm_bindgen]
pub fn stop() {
    if let Some(shell) = SHELL.with(|shell| shell.borrow_mut().take()) {
        drop(shell);
        if let Some(host) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(dom::HOST_ID))
        {
            host.remove();
        }
        // Calls the page makes after this queue up again instead of throwing.
        if let Some(window) = web_sys::window() {
            let _ = Reflect::set(&window, &"concierge".into(), &queue::stub());
        }
    }
    PENDING.with(|pending| pending.borrow_mut().clear());
}

fn boot(dataset: &JsValue, fallback_locale: &str) {
    let settings = to_value(dataset).unwrap_or(Value::Null);
    let Decoded { value: settings, problems } = wire::decode_settings(&settings, fallback_locale);
    problems.iter().for_each(console::warn);

    let site = settings.site.clone();
    let stored = storage::load(&site);
    let page = Page { path: current_path() };
    let agent = Agent::for_page(settings);
    let config = agent.config();
    let dom = dom::Dom::new(
        &config.locale,
        config.currency.code(),
        config.link_hosts.clone(),
        |action| dispatch(vec![Event::Action(action)]),
    );
    let shell = Shell {
        agent,
        site: site.clone(),
        dom,
        listeners: Vec::new(),
        _command: None,
        _data_layer: None,
        _storage: None,
        _deferred_start: None,
        _page_hide: Vec::new(),
        timer: None,
    };
    SHELL.with(|cell| *cell.borrow_mut() = Some(shell));

    // What the page asked for before the agent loaded, in the order it asked.
    let queued = queue::take();
    let mut events = vec![Event::Start { stored: Box::new(stored), page, seed: random_seed() }];
    for args in queued {
        events.extend(command_event(&args.0, &args.1, &args.2));
    }
    events.extend(capture::existing().iter().filter_map(data_layer_event));

    let command = Closure::<dyn Fn(JsValue, JsValue, JsValue)>::new(|name, first, second| {
        if let Some(event) = command_event(&name, &first, &second) {
            dispatch(vec![event]);
        }
    });
    install_command(&command);
    let data_layer =
        capture::watch(|entry| dispatch(data_layer_event(&entry).into_iter().collect()));
    let watcher = storage::watch(site, |change| dispatch(vec![Event::StorageChanged(change)]));
    let page_hide = page_hide_listeners();
    with_shell(|shell| {
        shell._command = Some(command);
        shell._data_layer = data_layer;
        shell._storage = watcher;
        shell._page_hide = page_hide;
    });

    dispatch(events);
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark("concierge:ready");
    }
    notify(Topic::Ready, &ready_payload());
}

impl Shell {
    fn placeholder(listener: EventListener) -> Shell {
        Shell {
            agent: Agent::new(crate::engine::config::Config::new("default")),
            site: String::new(),
            dom: None,
            listeners: Vec::new(),
            _command: None,
            _data_layer: None,
            _storage: None,
            _deferred_start: Some(listener),
            _page_hide: Vec::new(),
            timer: None,
        }
    }
}

fn with_shell<T>(f: impl FnOnce(&mut Shell) -> T) -> Option<T> {
    SHELL.with(|cell| {
        let mut shell = cell.try_borrow_mut().ok()?;
        shell.as_mut().map(f)
    })
}

/// Runs events through the engine and carries out the effects, one batch at a time.
fn dispatch(events: Vec<Event>) {
    PENDING.with(|pending| pending.borrow_mut().extend(events));
    if DISPATCHING.with(|busy| busy.replace(true)) {
        return;
    }
    loop {
        let batch = PENDING.with(|pending| std::mem::take(&mut *pending.borrow_mut()));
        if batch.is_empty() {
            break;
        }
        let effects = with_shell(|shell| shell.agent.handle_all(batch, clock::now()));
        effects.into_iter().flatten().for_each(apply);
    }
    DISPATCHING.with(|busy| busy.set(false));
}

fn apply(effect: Effect) {
    match effect {
        Effect::Store(record) => {
            with_shell(|shell| storage::store(&shell.site, &record));
        }
        Effect::Erase(key) => {
            with_shell(|shell| storage::erase(&shell.site, &key));
        }
        Effect::Wipe => {
            with_shell(|shell| storage::wipe(&shell.site));
        }
        Effect::Render(view) => {
            with_shell(|shell| {
                let hosts = &shell.agent.config().link_hosts;
                shell.dom.as_mut().map(|dom| dom.render(&view, hosts))
            });
        }
        Effect::Remove(kind) => {
            with_shell(|shell| shell.dom.as_mut().map(|dom| dom.remove(kind)));
        }
        Effect::Notify(Notice::Cart(cart, code)) => {
            notify(Topic::Cart, &cart_payload(&cart, code.as_deref()))
        }
        Effect::Notify(Notice::Intents(intents)) => {
            notify(Topic::Intent, &intents_payload(&intents))
        }
        Effect::RequestFlush => {
            if let Some(site) = with_shell(|shell| shell.agent.config().site.clone()) {
                net::request_flush(&site);
            }
        }
        Effect::Send(batch) => {
            let target = with_shell(|shell| {
                (shell.agent.config().endpoint.clone(), shell.agent.config().site.clone())
            });
            if let Some((endpoint, site)) = target {
                net::send(&endpoint, &site, batch);
            }
        }
        Effect::FetchIntents(identity) => {
            if let Some(endpoint) = with_shell(|shell| shell.agent.config().endpoint.clone()) {
                net::fetch_intents(&endpoint, identity);
            }
        }
        Effect::WakeAt(at) => wake_at(at),
        Effect::Notify(Notice::Consent(consent)) => {
            notify(Topic::Consent, &consent_payload(&consent))
        }
        Effect::Notify(Notice::Banner(change)) => notify(Topic::Banner, &banner_payload(change)),
        Effect::Warn(warning) => console::warn(describe_warning(&warning)),
    }
}

fn describe_warning(warning: &Warning) -> String {
    match warning {
        Warning::CartRefused(crate::engine::cart::CartRefusal::TooManyLines { id }) => {
            format!("the cart is full ({} lines); \"{id}\" was not added", crate::engine::cart::MAX_LINES)
        }
        Warning::StoredCurrencyChanged { stored, configured } => format!(
            "the stored cart is in {stored} but data-currency is {configured}; the stored cart was discarded"
        ),
        Warning::BatchRejected { status, events } => format!(
            "the backend refused a batch of {events} events with HTTP {status}; they were dropped (see its answer in the network panel)"
        ),
        Warning::EventTooLarge => {
            "an event is larger than the backend accepts; it was dropped".to_owned()
        }
        Warning::VisitorErased => {
            "the backend has erased this visitor; the agent forgets its identity and asks for consent again".to_owned()
        }
        Warning::SectionForeign(section) => format!(
            "the stored {} is in a newer format than this agent reads; it is left as it is",
            section.name()
        ),
        Warning::ConfigInvalid { problems, using } => {
            let listed: Vec<String> = problems.iter().map(ToString::to_string).collect();
            format!(
                "the shop's published config is invalid ({}); using {}",
                listed.join("; "),
                describe_source(using)
            )
        }
        Warning::ConfigUnreachable { reason, using } => format!(
            "the shop's published config could not be fetched ({reason}); using {}",
            describe_source(using)
        ),
    }
}

fn describe_source(source: &ConfigSource) -> String {
    match source {
        ConfigSource::Defaults => {
            "the built-in defaults and the page's data-* attributes".to_owned()
        }
        ConfigSource::Kept { fetched_at } => {
            let date = js_sys::Date::new(&JsValue::from_f64(*fetched_at as f64));
            format!("the copy kept on this device from {}", String::from(date.to_iso_string()))
        }
        ConfigSource::Fetched => "the config fetched on this page".to_owned(),
    }
}

/// Turns one `concierge(name, first, second)` call into an engine event, registering
/// listeners on the way. Problems are reported on the console, never thrown at the page.
fn command_event(name: &JsValue, first: &JsValue, second: &JsValue) -> Option<Event> {
    let Some(name) = name.as_string() else {
        console::warn("concierge() needs a command name such as \"track\" as its first argument");
        return None;
    };
    match name.as_str() {
        "track" => {
            let currency = with_shell(|shell| shell.agent.config().currency)?;
            let (event_name, params) = (to_value(first)?, to_value(second)?);
            commerce_event("track", wire::decode_track(&event_name, &params, currency))
        }
        "consent" => match wire::decode_consent(&to_value(first)?) {
            Ok(ConsentCommand::Update(update)) => Some(Event::Consent(update)),
            Ok(ConsentCommand::ShowPrompt) => Some(Event::ShowConsentPrompt),
            Err(problem) => {
                console::warn(format_args!("consent: {problem}"));
                None
            }
        },
        "on" | "off" => {
            let topic = first.as_string().and_then(|t| Topic::parse(&t));
            let function = second.dyn_ref::<Function>().cloned();
            match (topic, function) {
                (Some(topic), Some(function)) if name == "on" => subscribe(topic, function),
                (Some(topic), Some(function)) => {
                    with_shell(|shell| shell.listeners.retain(|(t, f)| !(*t == topic && f == &function)));
                }
                _ => console::warn(format_args!(
                    "{name}: expected a topic (\"ready\", \"cart\", \"consent\", \"banner\" or \"intent\") and a function"
                )),
            }
            None
        }
        other => {
            console::warn(wire::Problem::UnknownCommand(other.chars().take(40).collect()));
            None
        }
    }
}

fn data_layer_event(entry: &JsValue) -> Option<Event> {
    let entry = to_value(entry)?;
    let currency = with_shell(|shell| shell.agent.config().currency)?;
    commerce_event("dataLayer", wire::decode_data_layer(&entry, currency)?)
}

/// Reports what decoding dropped, naming where the input came from, and keeps what was valid.
fn commerce_event(
    source: &str,
    decoded: Result<Decoded<Commerce>, wire::Problem>,
) -> Option<Event> {
    match decoded {
        Ok(Decoded { value, problems }) => {
            problems.iter().for_each(|p| console::warn(format_args!("{source}: {p}")));
            Some(Event::Commerce(value))
        }
        Err(problem) => {
            console::warn(format_args!("{source}: {problem}"));
            None
        }
    }
}

/// Adds a listener. `ready`, `cart` and `consent` describe a state, so a new listener hears
/// the current one at once; `banner` reports happenings and waits for the next.
fn subscribe(topic: Topic, function: Function) {
    let current = with_shell(|shell| {
        shell.listeners.push((topic, function.clone()));
        let agent = &shell.agent;
        match topic {
            Topic::Cart => Some(cart_payload(agent.cart(), agent.cart_code())),
            Topic::Intent => Some(intents_payload(agent.intents())),
            Topic::Consent => Some(consent_payload(agent.consent())),
            Topic::Ready if shell._command.is_some() => Some(ready_payload()),
            Topic::Ready | Topic::Banner => None,
        }
    });
    if let Some(Some(payload)) = current {
        call_listener(topic, &function, &payload);
    }
}

fn notify(topic: Topic, payload: &JsValue) {
    let listeners = with_shell(|shell| {
        shell
            .listeners
            .iter()
            .filter(|(t, _)| *t == topic)
            .map(|(_, f)| f.clone())
            .collect::<Vec<_>>()
    });
    for function in listeners.unwrap_or_default() {
        call_listener(topic, &function, payload);
    }
}

fn call_listener(topic: Topic, function: &Function, payload: &JsValue) {
    if let Err(thrown) = function.call1(&JsValue::NULL, payload) {
        let message = js::describe_thrown(&thrown);
        console::warn(format_args!("a \"{topic:?}\" listener threw: {message}"));
    }
}

/// Replaces the stub with the real command function.
fn install_command(command: &CommandFn) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let function: &JsValue = command.as_ref();
    let _ = Reflect::set(function, &"loading".into(), &JsValue::TRUE);
    let _ = Reflect::set(function, &"loaded".into(), &JsValue::TRUE);
    let _ = Reflect::set(function, &"version".into(), &VERSION.into());
    let _ = Reflect::set(&window, &"concierge".into(), function);
}

fn current_path() -> String {
    web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_else(|| "/".into())
}

/// Reads a page value as data; values that are not (functions, symbols) are reported.
fn to_value(value: &JsValue) -> Option<Value> {
    match convert::from_js(value) {
        Ok(value) => Some(value),
        Err(problem) => {
            console::warn(format_args!("an argument was ignored: {problem}"));
            None
        }
    }
}

fn cart_payload(cart: &Cart, code: Option<&str>) -> JsValue {
    let items = cart
        .lines
        .iter()
        .map(|line| {
            Value::object([
                ("item_id", line.id.as_str().into()),
                ("item_name", line.name.as_str().into()),
                ("item_category", line.category.as_deref().into()),
                ("price", cart.currency.to_major(line.price).into()),
                ("quantity", i64::from(line.quantity).into()),
            ])
        })
        .collect();
    let payload = Value::object([
        ("currency", cart.currency.code().into()),
        ("value", cart.total().major().into()),
        ("item_count", i64::from(cart.item_count()).into()),
        ("items", Value::Array(items)),
        ("updated_at", cart.updated_at.into()),
        ("code", code.into()),
    ]);
    convert::to_js(&payload)
}

fn consent_payload(consent: &Consent) -> JsValue {
    let payload = Value::object([
        ("storage", consent.storage.name().into()),
        ("analytics", consent.analytics.name().into()),
    ]);
    convert::to_js(&payload)
}

fn banner_payload(change: BannerChange) -> JsValue {
    convert::to_js(&Value::object([("action", change.name().into())]))
}

fn ready_payload() -> JsValue {
    convert::to_js(&Value::object([("version", VERSION.into())]))
}

fn intents_payload(intents: &[crate::engine::Intent]) -> JsValue {
    let items = intents
        .iter()
        .map(|intent| {
            Value::object([
                (
                    "products",
                    Value::Array(intent.products.iter().map(|p| p.as_str().into()).collect()),
                ),
                ("note", intent.note.as_str().into()),
                ("channel", intent.channel.as_str().into()),
                ("created_at", intent.created_at.into()),
            ])
        })
        .collect();
    convert::to_js(&Value::Array(items))
}

/// A seed for the engine's ids, from the browser's cryptographic generator.
fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // No Web Crypto (very old browsers): time and Math.random, weaker but still unique enough.
        let mixed =
            js_sys::Date::now().to_bits() ^ js_sys::Math::random().to_bits().rotate_left(17);
        return mixed;
    }
    u64::from_le_bytes(bytes)
}

/// Sends `Tick` at `at`, replacing an earlier request.
fn wake_at(at: crate::engine::Millis) {
    let Some(window) = web_sys::window() else { return };
    if with_shell(|shell| shell.timer.is_some_and(|(_, when)| when == at)) == Some(true) {
        return;
    }
    let delay = (at - clock::now()).clamp(0, i32::MAX as i64) as i32;
    // A one-shot closure owned by the timer: the tick may schedule the next wake-up while it
    // runs, which must not free the code that is running.
    let callback = Closure::once_into_js(|| dispatch(vec![Event::Tick]));
    let Ok(id) = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), delay)
    else {
        return;
    };
    // A cleared timer never runs its one-shot closure, which then stays allocated; re-arming
    // only when the time changes keeps that to a handful per page.
    if let Some(Some((old, _))) = with_shell(|shell| shell.timer.replace((id, at))) {
        let _ = js::clear_timeout(old);
    }
}

/// The last moments of a page: hidden (tab switch, app switch on mobile) or being left.
fn page_hide_listeners() -> Vec<EventListener> {
    let Some(window) = web_sys::window() else { return Vec::new() };
    let mut listeners =
        vec![EventListener::new(&window, "pagehide", |_| dispatch(vec![Event::PageHide]))];
    if let Some(document) = window.document() {
        let watched = document.clone();
        listeners.push(EventListener::new(&document, "visibilitychange", move |_| {
            if watched.visibility_state() == web_sys::VisibilityState::Hidden {
                dispatch(vec![Event::PageHide]);
            }
        }));
    }
    listeners
}
