//! The one door between the JavaScript shell and the engine: JSON messages in, JSON effects out.
//!
//! The shell (`src/web/*.js`) turns page happenings into small JSON arrays (`["call", name,
//! first, second]`, `["tick"]`, `["sent", key, status, retry_ms, code_taken]`, ...) and hands
//! them over in one string per call, with the time. The bridge decodes them at this edge
//! (through [`wire`] and [`stored`], which name every bad field), runs the engine, and writes
//! its effects back as one JSON array of arrays (`["store", key]`, `["render", view]`,
//! `["send", url, key, body, beacon]`, ...) for the shell to carry out in order.
//!
//! One string each way per call, instead of a binding per Web API: the page's values are read
//! once by `JSON.stringify` (native and fast), and the Wasm carries no browser bindings at all.
//! Everything here is plain Rust, so the whole message format is tested natively.
//!
//! Architecture invariant: the bridge holds no business rule. It translates; what to store,
//! send or show is the engine's decision, and every wording for the console is built here
//! without `core::fmt` (the Wasm does not carry it).

use crate::engine::cart::Cart;
use crate::engine::config::ConsentModeUse;
use crate::engine::consent::{Consent, ConsentUpdate, Decision};
use crate::engine::handoff;
use crate::engine::persist::{Key, Record, StorageChange};
use crate::engine::sync::SendOutcome;
use crate::engine::tcf::Module;
use crate::engine::view::{Action, Emphasis, View, ViewKind};
use crate::engine::{
    Agent, BannerChange, Commerce, Effect, Event, Fetched, Intent, Millis, Notice,
};
use crate::stored;
use crate::value::Value;
use crate::wire::{self, ConsentCommand, Decoded};
use concierge_protocol::documents::Policy;
use concierge_protocol::json;
use concierge_protocol::text;
use concierge_protocol::writer::{JsonSink, JsonWriter};

/// A running agent behind the bridge.
pub struct Bridge {
    agent: Agent,
    /// `concierge('interests')` calls to answer once this call's events are handled.
    answers: usize,
    /// The records stored whose documents the shell has not asked for yet, in order, each
    /// with whether the shell wrote storage once already without asking for it.
    unwritten: Vec<(String, Record, bool)>,
}

/// Effects as the shell reads them: a JSON array of arrays, written as they come. A
/// `["store", key]` effect's document is not written with it: the shell writes storage in a
/// task of its own after the call, and asks for the documents then ([`Bridge::documents`]), so
/// a tracked event is not slowed by encoding what storage gets later, and a burst of calls
/// that change the cart each time encodes it once.
struct Out {
    json: JsonWriter,
    /// This call's records to store, for [`Bridge::documents`] (none asked for yet).
    records: Vec<(String, Record, bool)>,
}

impl Default for Out {
    fn default() -> Out {
        // Room for a tracked event's effects (about 1.3 KB) from the start.
        let mut json = JsonWriter::with_capacity(4096);
        json.open_array();
        Out { json, records: Vec::new() }
    }
}

/// The length of `text` in UTF-16 code units, as JavaScript counts it.
fn utf16_len(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.chars().map(char::len_utf16).sum()
    }
}

impl Out {
    /// Opens the effect `[verb, ...]`; its arguments are written next, then [`Out::end`].
    fn begin(&mut self, verb: &str) -> &mut JsonWriter {
        self.json.open_array();
        self.json.string(verb);
        &mut self.json
    }

    fn end(&mut self) {
        self.json.close_array();
    }

    /// An effect whose arguments are all strings, the most common kind.
    #[inline(never)]
    fn push(&mut self, verb: &str, args: &[&str]) {
        let json = self.begin(verb);
        for arg in args {
            json.string(arg);
        }
        self.end();
    }

    fn warn(&mut self, message: String) {
        self.push("warn", &[&message]);
    }

    fn finish(mut self) -> String {
        self.json.close_array();
        self.json.finish()
    }

    /// `["store", key]`; the record is kept for [`Bridge::documents`].
    fn store(&mut self, key: String, record: Record) {
        self.push("store", &[&key]);
        self.records.push((key, record, false));
    }
}

/// The documents the shell asks for, newest first (the first of a key is its latest):
/// `[["store", key, length]...]`, a line break, then the documents one after the other, each
/// `length` UTF-16 code units long. Written as they are,
/// not escaped again as JSON strings (the shell reads them back with `slice`, not its JSON
/// parser); the effects hold no line break of their own (JSON escapes them), so the first one
/// ends them.
fn documents(records: &[(String, Record)]) -> String {
    let mut json = JsonWriter::with_capacity(64 * records.len() + 2);
    json.open_array();
    let mut documents = String::with_capacity(512 * records.len());
    // The last record of each section only, the state after the last call (a burst of calls
    // that change the cart each time encodes one); events and receipts each have a key of
    // their own (one stored again comes twice, the newest first). The shell writes in its own
    // order.
    let mut sections: Vec<&str> = Vec::new();
    for (key, record) in records.iter().rev() {
        if !matches!(record, Record::Event(_) | Record::Receipt(_)) {
            if sections.contains(&key.as_str()) {
                continue;
            }
            sections.push(key);
        }
        let start = documents.len();
        documents = stored::encode_after(documents, record);
        json.open_array();
        json.string("store");
        json.string(key);
        json.number(utf16_len(&documents[start..]) as f64);
        json.close_array();
    }
    json.close_array();
    let mut text = json.finish();
    text.push('\n');
    text.push_str(&documents);
    text
}

impl Bridge {
    /// Starts an agent from the shell's start request:
    /// `{ now, settings, locale, path, seed: [hi, lo], stored: [[key, text]...],
    ///    calls: [[name, first, second]...], layer: [entry...] }`.
    /// Returns the agent (unless the request is unreadable) and the effects to carry out.
    /// With `prepare: true`, it stops once the agent is built, before it starts, and returns no
    /// agent: the shell's warm-up, which has the Wasm's code compiled in two tasks rather than
    /// one (V8 compiles a function on its first call; src/web/main.js `warmUp`).
    pub fn start(request: &str) -> (Option<Bridge>, String) {
        let mut out = Out::default();
        let request = match json::parse(request) {
            Ok(request) => request,
            Err(error) => {
                out.warn(text!("the agent could not start: its start request ", error.describe()));
                return (None, out.finish());
            }
        };
        let now = time(&request);
        let settings = request.field("settings").cloned().unwrap_or(Value::Null);
        let locale = request.field("locale").and_then(Value::as_str).unwrap_or("en");
        let tags_off = settings
            .field("consentMode")
            .and_then(Value::as_str)
            .is_some_and(|v| matches!(v.trim(), "off" | "false" | "0" | "no"));
        let Decoded { value: mut settings, problems } = wire::decode_settings(&settings, locale);
        settings.gpc = matches!(request.field("gpc"), Some(Value::Bool(true)));
        // A consent manager that set Consent Mode's default first owns it; otherwise the agent
        // does, wherever the page has Google's tags (`gtag` or a `dataLayer`).
        let cmp =
            items(request.field("layer")).iter().any(|entry| consent_command(entry).0 == "default");
        settings.consent_mode =
            match (cmp, matches!(request.field("tags"), Some(Value::Bool(true)))) {
                (true, _) => ConsentModeUse::Cmp,
                (false, true) if !tags_off => ConsentModeUse::Own,
                (false, _) => ConsentModeUse::Off,
            };
        for problem in &problems {
            out.warn(problem.describe());
        }
        let site = settings.site.clone();
        let stored = load(&site, request.field("stored"), &mut out);
        let path = request.field("path").and_then(Value::as_str).unwrap_or("/").to_owned();
        let Decoded { value: page, problems } = wire::decode_page(&request, path);
        for problem in &problems {
            out.warn(text!("start: ", problem.describe()));
        }
        let mut bridge =
            Bridge { agent: Agent::for_page(settings), answers: 0, unwritten: Vec::new() };
        if matches!(request.field("prepare"), Some(Value::Bool(true))) {
            return (None, out.finish());
        }

        let start = Event::Start { stored: Box::new(stored), page, seed: seed(&request) };
        let effects = bridge.agent.handle_all([start], now);
        bridge.apply(effects, &mut out);
        // What a listener registered before the agent ran hears first: the state it starts from.
        bridge.report_state(&mut out);

        let mut events = Vec::new();
        for call in items(request.field("calls")) {
            let arg = |index: usize| match call {
                Value::Array(args) => args.get(index).unwrap_or(&Value::Null),
                _ => &Value::Null,
            };
            events.extend(bridge.command(arg(0), arg(1), arg(2), &mut out));
        }
        for entry in items(request.field("layer")) {
            events.extend(bridge.layer(entry, &mut out));
        }
        let effects = bridge.agent.handle_all(events, now);
        bridge.apply(effects, &mut out);
        bridge.answer(now, &mut out);
        let effects = bridge.finish(out);
        (Some(bridge), effects)
    }

    /// Handles the shell's inputs: `{ now, in: [[kind, ...args]...] }`; `{ in: [["documents",
    /// keys]] }` answers with [`Bridge::documents`] instead.
    pub fn handle(&mut self, request: &str) -> String {
        let mut out = Out::default();
        let request = match json::parse(request) {
            Ok(request) => request,
            Err(error) => {
                out.warn(text!("an input was ignored: ", error.describe()));
                return out.finish();
            }
        };
        let now = time(&request);
        let mut events = Vec::new();
        for input in items(request.field("in")) {
            let part = |index: usize| match input {
                Value::Array(parts) => parts.get(index).unwrap_or(&Value::Null),
                _ => &Value::Null,
            };
            match part(0).as_str() {
                // Sent alone, when the shell writes storage: the answer is the documents.
                Some("documents") => return self.documents(part(1)),
                Some("layer") => events.extend(self.layer(part(1), &mut out)),
                Some("call") => events.extend(self.command(part(1), part(2), part(3), &mut out)),
                _ => events.extend(self.input(input, &mut out)),
            }
        }
        let effects = self.agent.handle_all(events, now);
        self.apply(effects, &mut out);
        self.answer(now, &mut out);
        self.finish(out)
    }

    /// The call's effects; the records it stored are kept for [`Bridge::documents`].
    fn finish(&mut self, mut out: Out) -> String {
        self.unwritten.append(&mut out.records);
        out.finish()
    }

    /// The documents of `keys` (the keys the shell has waiting for one), for the shell to write:
    /// `[["store", key, length]...]`, then a line break and the documents (see [`documents`]).
    /// A record of another key is kept once: its `store` may still be on its way to the shell
    /// (held for a later task, whose store makes the shell write again). Not asked for a second
    /// time, it is let go: its key was erased, wiped or written by another tab meanwhile.
    fn documents(&mut self, keys: &Value) -> String {
        let (mut asked, mut kept) = (Vec::new(), Vec::new());
        for (key, record, skipped) in std::mem::take(&mut self.unwritten) {
            if items(Some(keys)).iter().any(|asked| asked.as_str() == Some(&key)) {
                asked.push((key, record));
            } else if !skipped {
                kept.push((key, record, true));
            }
        }
        self.unwritten = kept;
        documents(&asked)
    }

    /// Answers each `concierge('interests')` of this call, in order: `["answer", "interests",
    /// [{ dimension, key, score, because: [{ event, at (ISO), weight }] }...]]`.
    fn answer(&mut self, now: Millis, out: &mut Out) {
        for _ in 0..std::mem::take(&mut self.answers) {
            let json = out.begin("answer");
            json.string("interests");
            interests_payload(json, &self.agent.interests().top(TOP_INTERESTS, now));
            out.end();
        }
    }

    pub fn agent(&self) -> &Agent {
        &self.agent
    }

    fn input(&mut self, input: &Value, out: &mut Out) -> Option<Event> {
        let Value::Array(parts) = input else { return None };
        let part = |index: usize| parts.get(index).unwrap_or(&Value::Null);
        let flag = |index: usize| matches!(part(index), Value::Bool(true));
        match part(0).as_str()? {
            "interest" => {
                let currency = self.agent.config().currency;
                match wire::decode_page_interest(part(1), part(2), currency) {
                    Ok(observation) => Some(Event::Interest(observation)),
                    Err(problem) => {
                        out.warn(problem.describe());
                        None
                    }
                }
            }
            // The panel's save carries its switches, `{ purpose id: on }`.
            "action" => match (part(1).as_str().and_then(Action::from_name)?, part(2)) {
                (Action::SavePanel, Value::Object(switches)) => {
                    Some(Event::PanelChoice(ConsentUpdate {
                        all: None,
                        set: switches
                            .iter()
                            .map(|(id, on)| (id.clone(), matches!(on, Value::Bool(true))))
                            .collect(),
                    }))
                }
                // A campaign's control names its campaign.
                (action @ (Action::Follow | Action::Dismiss), _) => match part(3).as_str() {
                    Some(id) => Some(Event::CampaignAction(action, id.to_owned())),
                    None => Some(Event::Action(action)),
                },
                (action, _) => Some(Event::Action(action)),
            },
            "signal" => match wire::decode_signal(part(1), part(2)) {
                Ok(signal) => Some(Event::Signal(signal)),
                Err(problem) => {
                    out.warn(problem.describe());
                    None
                }
            },
            "seen" => Some(Event::Seen(part(1).as_str()?.to_owned())),
            "loaded" => Some(Event::ModuleLoaded(Module::from_name(part(1).as_str()?)?, flag(2))),
            "tcf" => Some(Event::Tcf(wire::decode_tcf(part(1), part(2)))),
            "tick" => Some(Event::Tick),
            "flush" if flag(1) => Some(Event::FlushGranted),
            "flush" => Some(Event::FlushBusy),
            "hide" => Some(Event::PageHide),
            "sent" => {
                let key = part(1).as_str()?.to_owned();
                let status = part(2).as_f64().unwrap_or(0.0);
                let retry_after = part(3).as_f64().map(|ms| ms.max(0.0) as Millis);
                Some(Event::Sent { key, outcome: outcome(status, retry_after, flag(4)) })
            }
            "intents" => match wire::decode_intents(part(1)) {
                Some(intents) => Some(Event::IntentsLoaded(intents)),
                None => {
                    out.warn("the backend's intents could not be read; ignored".into());
                    None
                }
            },
            "storage" => self.storage_change(part(1), part(2), out),
            "config" => Some(Event::ConfigFetched(fetched(part(1)))),
            // The assistant's `ctx.handoff(request)`: a request that cannot be read is answered
            // `failed` at once, with the field named in the console.
            "handoff" => {
                let id = part(1).as_str()?.to_owned();
                match wire::decode_handoff(part(2)) {
                    Ok(request) => Some(Event::Handoff { id, request }),
                    Err(problem) => {
                        out.warn(text!("handoff: ", problem.describe()));
                        out.push("handoff", &[&id, handoff::Answer::Failed.name()]);
                        None
                    }
                }
            }
            "receipt" => {
                let id = part(1).as_str()?.to_owned();
                let status = part(2).as_f64().filter(|s| (0.0..1000.0).contains(s)).unwrap_or(0.0);
                Some(Event::ReceiptAnswered { id, status: status as u16 })
            }
            _ => None,
        }
    }

    /// One `concierge(name, first, second)` call (`on` and `off` stay in the shell, which
    /// holds the page's functions). Problems go to the console, never to the page.
    fn command(
        &mut self,
        name: &Value,
        first: &Value,
        second: &Value,
        out: &mut Out,
    ) -> Vec<Event> {
        let Some(name) = name.as_str() else {
            out.warn(
                "concierge() needs a command name such as \"track\" as its first argument".into(),
            );
            return Vec::new();
        };
        let event = match name {
            "track" => {
                let currency = self.agent.config().currency;
                let learnt = wire::decode_interest(first, second, currency).map(Event::Interest);
                // GA4's `search` is no commerce event: it only feeds the interest model.
                let commerce = match first.as_str() {
                    Some("search") if learnt.is_some() => None,
                    _ => commerce_event("track", wire::decode_track(first, second, currency), out),
                };
                return commerce.into_iter().chain(learnt).collect();
            }
            "consent" => match wire::decode_consent(first) {
                Ok(ConsentCommand::Update(update)) => Some(Event::Consent(update)),
                Ok(ConsentCommand::ShowPrompt) => Some(Event::ShowConsentPrompt),
                Ok(ConsentCommand::OpenPanel) => Some(Event::OpenConsentPanel),
                Err(problem) => {
                    out.warn(text!("consent: ", problem.describe()));
                    None
                }
            },
            "interests" => {
                self.answers += 1;
                None
            }
            "trigger" => match wire::decode_trigger(first, second) {
                Ok((name, params)) => Some(Event::Trigger { name, params }),
                Err(problem) => {
                    out.warn(problem.describe());
                    None
                }
            },
            other => {
                out.warn(
                    wire::Problem::UnknownCommand(other.chars().take(40).collect()).describe(),
                );
                None
            }
        };
        event.into_iter().collect()
    }

    /// One `dataLayer` entry: its commerce event and what it tells the interest model.
    fn layer(&self, entry: &Value, out: &mut Out) -> Vec<Event> {
        let currency = self.agent.config().currency;
        let mut events: Vec<Event> = self.layer_commerce(entry, out).into_iter().collect();
        if let Some(observation) = wire::decode_layer_interest(entry, currency) {
            events.push(Event::Interest(observation));
        }
        events
    }

    fn layer_commerce(&self, entry: &Value, out: &mut Out) -> Option<Event> {
        // The consent manager's `gtag('consent', 'update', {...})`: the visitor's choice, in
        // Consent Mode's words. The agent's own updates (it owns Consent Mode) pass by.
        if let ("update", Some(state)) = consent_command(entry) {
            if self.agent.config().consent_mode != ConsentModeUse::Cmp {
                return None;
            }
            return match wire::decode_consent(state) {
                Ok(wire::ConsentCommand::Update(update)) => Some(Event::Consent(update)),
                _ => {
                    out.warn(
                        "the consent manager's consent update could not be read; ignored".into(),
                    );
                    None
                }
            };
        }
        let decoded = wire::decode_data_layer(entry, self.agent.config().currency)?;
        commerce_event("dataLayer", decoded, out)
    }

    /// Another tab wrote (`text`) or erased (`null`) an entry; a `null` key: storage cleared.
    fn storage_change(&self, key: &Value, text: &Value, out: &mut Out) -> Option<Event> {
        let Some(name) = key.as_str() else {
            return Some(Event::StorageChanged(StorageChange::Cleared));
        };
        let key = stored::parse_key(&self.agent.config().site, name)?;
        if key == Key::Legacy {
            return None;
        }
        let Some(text) = text.as_str() else {
            return Some(Event::StorageChanged(StorageChange::Removed(key)));
        };
        let Ok(value) = json::parse(text) else {
            out.warn(text!("another tab stored ", name, " as something that is not JSON; ignored"));
            return None;
        };
        match stored::decode(&key, &value) {
            Ok(read) => Some(Event::StorageChanged(StorageChange::Put(read.record))),
            Err(error) if error.is_foreign() => match key {
                Key::Section(section) => {
                    Some(Event::StorageChanged(StorageChange::Foreign(section)))
                }
                _ => None,
            },
            Err(error) => {
                out.warn(text!("another tab stored ", name, ": ", error.describe(), "; ignored"));
                None
            }
        }
    }

    /// The states a new listener hears at once: `cart`, `consent` and `intent`.
    fn report_state(&self, out: &mut Out) {
        let agent = &self.agent;
        cart_payload(out.begin("notify"), agent.cart(), agent.cart_code());
        out.end();
        consent_payload(out.begin("notify"), agent.consent(), &agent.config().policy);
        out.end();
        intents_payload(out.begin("notify"), agent.intents());
        out.end();
    }

    fn apply(&self, effects: Vec<Effect>, out: &mut Out) {
        let config = self.agent.config();
        let site = config.site.as_str();
        for effect in effects {
            match effect {
                Effect::Store(record) => out.store(stored::key(site, &record.key()), record),
                Effect::Erase(key) => out.push("erase", &[&stored::key(site, &key)]),
                Effect::Wipe => {
                    out.push("wipe", &[&stored::prefix(site), &stored::legacy_key(site)])
                }
                Effect::Render(view) => {
                    view_value(out.begin("render"), &view, config);
                    out.end();
                }
                Effect::Remove(kind) => out.push("remove", &[kind_name(kind)]),
                Effect::RemoveCampaign(id) => out.push("remove", &["campaign", &id]),
                Effect::Watch(watch) => {
                    let json = out.begin("watch");
                    json.open_object();
                    json.key("exit_intent");
                    json.bool(watch.exit_intent);
                    for (key, list) in
                        [("idle", &watch.idle), ("scroll", &watch.scroll), ("time", &watch.time)]
                    {
                        json.key(key);
                        json.open_array();
                        for n in list {
                            json.number(f64::from(*n));
                        }
                        json.close_array();
                    }
                    json.key("route");
                    json.bool(watch.route);
                    json.close_object();
                    out.end();
                }
                Effect::Control(label) => out.push("control", label.as_slice()),
                Effect::Notify(notice) => {
                    let json = out.begin("notify");
                    match notice {
                        Notice::Cart(cart, code) => cart_payload(json, &cart, code.as_deref()),
                        Notice::Consent(consent) => consent_payload(json, &consent, &config.policy),
                        Notice::Banner(change) => banner_payload(json, change),
                        Notice::Intents(intents) => intents_payload(json, &intents),
                        Notice::Campaign { campaign, variant, event } => {
                            json.string("campaign");
                            json.open_object();
                            json.string_field("campaign", &campaign);
                            json.optional_string_field("variant", variant.as_deref());
                            json.string_field("event", event);
                            json.close_object();
                        }
                    }
                    out.end();
                }
                Effect::Warn(warning) => out.warn(warning.describe()),
                Effect::RequestFlush => out.push("lock", &[&text!("concierge-flush:", site)]),
                Effect::Send(batch) => {
                    let beacon = batch.beacon;
                    let key = batch.key.clone();
                    let body = wire::batch_json(batch, site);
                    let json = out.begin("send");
                    json.string(&text!(&config.endpoint, "/events"));
                    json.string(&key);
                    json.string(&body);
                    json.bool(beacon);
                    out.end();
                }
                // The vendor id goes with the module: its decoder reports that vendor's consent.
                Effect::Load(module) => {
                    let json = out.begin("load");
                    json.string(module.name());
                    let mapping = self.agent.config().policy.tcf.as_ref();
                    match mapping.and_then(|tcf| tcf.vendor_id) {
                        Some(id) => json.number(f64::from(id)),
                        None => json.null(),
                    }
                    out.end();
                }
                Effect::HandoffAnswered(id, answer) => out.push("handoff", &[&id, answer.name()]),
                // What the shell draws, and the module's `ctx` but for the shell's own parts.
                Effect::Launcher(launcher) => {
                    let json = out.begin("launcher");
                    match launcher {
                        Some(launcher) => {
                            json.open_object();
                            json.string_field("label", launcher.label);
                            json.string_field("lang", launcher.lang);
                            // A path on the backend's origin: the shell resolves it against
                            // the endpoint (a string search here would cost the Wasm 0.5 KB).
                            json.string_field("knowledge", &launcher.knowledge);
                            json.string_field("endpoint", &config.endpoint);
                            json.number_field("version", f64::from(launcher.version));
                            json.optional_string_field("cartCode", launcher.cart_code.as_deref());
                            // Where a prompt's "resume" reply takes the visitor (`ctx.resume`).
                            json.string_field("resumeUrl", &config.resume_url);
                            json.key("consent");
                            json.open_object();
                            json.key("personalization");
                            json.bool(launcher.personalization);
                            json.key("storage");
                            json.bool(launcher.storage);
                            json.close_object();
                            let key = text!(stored::prefix(site), "assistant");
                            json.string_field("storageKey", &key);
                            json.close_object();
                        }
                        None => json.null(),
                    }
                    out.end();
                }
                Effect::WakeAt(at) => {
                    out.begin("wake").number(at as f64);
                    out.end();
                }
                Effect::SendReceipt(receipt) => out.push(
                    "receipt",
                    &[
                        &text!(&config.endpoint, "/consent/receipts"),
                        &receipt.receipt,
                        &receipt.encode(),
                    ],
                ),
                Effect::ConsentMode(command) => {
                    let json = out.begin("gtag");
                    json.string(if command.default { "default" } else { "update" });
                    json.open_object();
                    for (key, granted) in command.state {
                        json.string_field(key, if granted { "granted" } else { "denied" });
                    }
                    if command.default {
                        // Google's tags wait this long for the update the agent sends.
                        json.number_field("wait_for_update", 500.0);
                        if !command.region.is_empty() {
                            json.key("region");
                            json.open_array();
                            for country in &command.region {
                                json.string(country);
                            }
                            json.close_array();
                        }
                    }
                    json.close_object();
                    out.end();
                }
                Effect::FetchIntents(identity) => out.push(
                    "intents",
                    &[
                        &text!(&config.endpoint, "/profiles/", &identity.visitor_id, "/intents"),
                        &identity.secret,
                    ],
                ),
            }
        }
    }
}

fn time(request: &Value) -> Millis {
    request.field("now").and_then(Value::as_f64).unwrap_or(0.0) as Millis
}

/// The elements of an array field; nothing for anything else.
fn items(value: Option<&Value>) -> &[Value] {
    match value {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

/// Two 32-bit halves from `crypto.getRandomValues` (a JSON number holds 53 bits, not 64).
fn seed(request: &Value) -> u64 {
    let half = |index: usize| match request.field("seed") {
        Some(Value::Array(halves)) => {
            halves.get(index).and_then(Value::as_f64).unwrap_or(0.0) as u32
        }
        _ => 0,
    };
    (u64::from(half(0)) << 32) | u64::from(half(1))
}

/// Reads the site's stored entries (`[[key, text]...]`, every `concierge:` key the shell found).
/// Damaged entries are reported and ignored; entries in a newer format are left alone.
fn load(site: &str, entries: Option<&Value>, out: &mut Out) -> crate::engine::persist::Stored {
    let mut found = Vec::new();
    for entry in items(entries) {
        let Value::Array(pair) = entry else { continue };
        let Some(key) = pair.first().and_then(Value::as_str) else { continue };
        let Some(key) = stored::parse_key(site, key) else { continue };
        let value = pair.get(1).and_then(Value::as_str).and_then(|text| json::parse(text).ok());
        found.push((key, value));
    }
    let (stored, warnings) = stored::assemble(found);
    for warning in warnings {
        out.warn(warning);
    }
    stored
}

/// 2xx: accepted. 408, 429, 5xx and no answer at all (status 0): retry, after `Retry-After` if
/// given. 413: split the batch. Other 4xx: rejected.
fn outcome(status: f64, retry_after: Option<Millis>, cart_code_taken: bool) -> SendOutcome {
    let status = status as u16;
    match status {
        200..=299 => SendOutcome::Accepted { cart_code_taken },
        413 => SendOutcome::TooLarge,
        408 | 429 | 500..=599 => SendOutcome::Retry { retry_after },
        400..=499 => SendOutcome::Rejected { status },
        _ => SendOutcome::Retry { retry_after: None },
    }
}

/// The loader's config answer `{ status, etag, body }` (or `null`: no answer), read whole at this
/// edge: a field the agent cannot use refuses all of it; what it does not know is passed over.
fn fetched(answer: &Value) -> Fetched {
    if !answer.is_object() {
        return Fetched::Unreachable("the request failed or timed out".to_owned());
    }
    let status = answer.field("status").and_then(Value::as_f64).unwrap_or(0.0) as u16;
    let etag = answer.field("etag").and_then(Value::as_str).map(str::to_owned);
    match (status, answer.field("body")) {
        (304, _) => Fetched::NotModified,
        (200..=299, Some(body)) => match concierge_protocol::documents::read_config(body) {
            Ok(documents) => {
                Fetched::Fresh { etag, documents: Box::new(documents), source: body.clone() }
            }
            Err(problem) => Fetched::Invalid(vec![problem]),
        },
        (200..=299, None) => {
            Fetched::Invalid(vec![concierge_protocol::Problem::new("", "the answer is not JSON")])
        }
        (status, _) => Fetched::Unreachable(text!("the backend answered HTTP ", status)),
    }
}

/// Reports what decoding dropped, naming where the input came from, and keeps what was valid.
fn commerce_event(
    source: &str,
    decoded: Result<Decoded<Commerce>, wire::Problem>,
    out: &mut Out,
) -> Option<Event> {
    match decoded {
        Ok(Decoded { value, problems }) => {
            for problem in &problems {
                out.warn(text!(source, ": ", problem.describe()));
            }
            Some(Event::Commerce(value))
        }
        Err(problem) => {
            out.warn(text!(source, ": ", problem.describe()));
            None
        }
    }
}

pub fn kind_name(kind: ViewKind) -> &'static str {
    match kind {
        ViewKind::ConsentPrompt => "consent",
        ViewKind::ConsentPanel => "panel",
        ViewKind::Campaign => "campaign",
    }
}

/// A view as the shell's `dom` draws it. Amounts go as numbers with their currency, for the
/// browser's `Intl` to format in the page's locale; `hosts` are the link allowlist in force.
fn view_value(json: &mut JsonWriter, view: &View, config: &crate::engine::config::Config) {
    fn money(json: &mut JsonWriter, amount: crate::engine::money::Money) {
        json.open_array();
        json.number(amount.major());
        json.string(amount.currency.code());
        json.close_array();
    }
    json.open_object();
    json.string_field("kind", kind_name(view.kind));
    json.string_field("label", &view.label);
    json.string_field("lang", view.lang);
    json.string_field("locale", &config.locale);
    json.string_field("title", &view.title);
    json.string_field("body", &view.body);
    // A campaign's view: which campaign, which variant, where (`slot` for an inline one).
    if let Some(tag) = &view.campaign {
        json.string_field("campaign", &tag.id);
        json.optional_string_field("variant", tag.variant.as_deref());
        json.string_field("placement", tag.placement);
        json.optional_string_field("slot", tag.slot.as_deref());
    }
    json.key("lines");
    json.open_array();
    for line in &view.lines {
        json.open_array();
        json.string(&line.name);
        json.string(&line.quantity);
        money(json, line.amount);
        // A recommended product's page; the shell checks it against the allowlist.
        if let Some(href) = &line.href {
            json.string(href);
            // Its picture, after the link it belongs to; the shell holds it to the allowlist too.
            if let Some(image) = &line.image {
                json.string(image);
            }
        }
        json.close_array();
    }
    json.close_array();
    json.optional_string_field("more", view.more.as_deref());
    json.key("total");
    match &view.total {
        Some((label, amount)) => {
            json.open_array();
            json.string(label);
            money(json, *amount);
            json.close_array();
        }
        None => json.null(),
    }
    json.key("code");
    match &view.code {
        Some((label, code)) => {
            json.open_array();
            json.string(label);
            json.string(code);
            json.close_array();
        }
        None => json.null(),
    }
    json.key("link");
    match &view.link {
        Some((label, href)) => {
            json.open_array();
            json.string(label);
            json.string(href);
            json.close_array();
        }
        None => json.null(),
    }
    // Each row `[id, name, description, on, fixed, note]`.
    json.key("rows");
    json.open_array();
    for row in &view.rows {
        json.open_array();
        json.string(&row.id);
        json.string(&row.name);
        json.string(&row.description);
        json.bool(row.on);
        json.bool(row.fixed);
        match row.note {
            Some(note) => json.string(note),
            None => json.null(),
        }
        json.close_array();
    }
    json.close_array();
    json.key("actions");
    json.open_array();
    for action in &view.actions {
        json.open_object();
        json.string_field("action", action.action.name());
        json.string_field("label", &action.label);
        json.optional_string_field("href", action.href.as_deref());
        json.key("close");
        json.bool(action.emphasis == Emphasis::Close);
        json.close_object();
    }
    json.close_array();
    // An assistant prompt's quick replies, each `[label, "ask"|"call"|"store"|"resume"]`.
    if !view.replies.is_empty() {
        json.key("replies");
        json.open_array();
        for reply in &view.replies {
            json.open_array();
            json.string(reply.label);
            json.string(reply.kind);
            json.close_array();
        }
        json.close_array();
    }
    json.key("hosts");
    json.open_array();
    for host in &config.link_hosts {
        json.string(host);
    }
    json.close_array();
    json.close_object();
}

/// `["cart", {...}]`: the cart as the page's listeners read it, GA4-shaped.
fn cart_payload(json: &mut JsonWriter, cart: &Cart, code: Option<&str>) {
    json.string("cart");
    json.open_object();
    json.string_field("currency", cart.currency.code());
    json.number_field("value", cart.total().major());
    json.number_field("item_count", f64::from(cart.item_count()));
    json.key("items");
    json.open_array();
    for line in &cart.lines {
        json.open_object();
        json.string_field("item_id", &line.id);
        json.string_field("item_name", &line.name);
        json.optional_string_field("item_category", line.category.as_deref());
        json.number_field("price", cart.currency.to_major(line.price));
        json.number_field("quantity", f64::from(line.quantity));
        json.close_object();
    }
    json.close_array();
    json.optional_integer_field("updated_at", cart.updated_at);
    json.optional_string_field("code", code);
    json.close_object();
}

/// A dataLayer entry in `gtag('consent', command, state)` form: the command (`""` when it is
/// none) and the state.
fn consent_command(entry: &Value) -> (&str, Option<&Value>) {
    match entry {
        Value::Array(args) if args.first().and_then(Value::as_str) == Some("consent") => {
            (args.get(1).and_then(Value::as_str).unwrap_or(""), args.get(2))
        }
        _ => ("", None),
    }
}

/// `{ policy, purposes: { id: decision }, source, decided_at, storage, analytics }`: every
/// purpose of the policy in force (one that is not on consent is always granted), and the
/// released agent's two words derived for pages written against it.
fn consent_payload(json: &mut JsonWriter, consent: &Consent, policy: &Policy) {
    json.string("consent");
    json.open_object();
    json.number_field("policy", f64::from(policy.version));
    json.key("purposes");
    json.open_object();
    for purpose in &policy.purposes {
        let decision =
            if purpose.needs_consent() { consent.decision(&purpose.id) } else { Decision::Granted };
        json.string_field(&purpose.id, decision.name());
    }
    json.close_object();
    json.string_field("source", consent.source.name());
    json.optional_integer_field("decided_at", consent.decided_at);
    json.string_field("storage", consent.decision("personalization").name());
    json.string_field("analytics", consent.decision("measurement").name());
    json.close_object();
}

fn banner_payload(json: &mut JsonWriter, change: BannerChange) {
    json.string("banner");
    json.open_object();
    json.string_field("action", change.name());
    json.close_object();
}

fn intents_payload(json: &mut JsonWriter, intents: &[Intent]) {
    json.string("intent");
    json.open_array();
    for intent in intents {
        json.open_object();
        json.key("products");
        json.open_array();
        for product in &intent.products {
            json.string(product);
        }
        json.close_array();
        json.string_field("note", &intent.note);
        json.string_field("channel", &intent.channel);
        json.number_field("created_at", intent.created_at as f64);
        json.close_object();
    }
    json.close_array();
}

/// The interests `concierge('interests')` answers with, at most.
const TOP_INTERESTS: usize = 10;

fn interests_payload(json: &mut JsonWriter, top: &[crate::engine::interests::Top]) {
    json.open_array();
    for interest in top {
        json.open_object();
        json.string_field("dimension", interest.dimension.name());
        json.string_field("key", &interest.key);
        json.number_field("score", rounded(interest.score));
        json.key("because");
        json.open_array();
        for reason in &interest.because {
            json.open_object();
            json.string_field("event", reason.source.name());
            json.string_field("at", &iso_time(reason.at));
            json.number_field("weight", rounded(reason.weight));
            json.close_object();
        }
        json.close_array();
        json.close_object();
    }
    json.close_array();
}

/// A score or weight to two decimals, as people read it.
fn rounded(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// A time as `Date.prototype.toISOString` writes it (UTC, milliseconds), without `core::fmt`.
pub fn iso_time(at: Millis) -> String {
    fn put(out: &mut String, n: i64, width: usize, after: char) {
        let digits = text!(n);
        for _ in digits.len()..width {
            out.push('0');
        }
        out.push_str(&digits);
        out.push(after);
    }
    let (days, ms) = (at.div_euclid(86_400_000), at.rem_euclid(86_400_000));
    let (year, month, day) = concierge_protocol::calendar::civil_from_days(days);
    let mut out = String::with_capacity(24);
    put(&mut out, year, 4, '-');
    put(&mut out, month, 2, '-');
    put(&mut out, day, 2, 'T');
    put(&mut out, ms / 3_600_000, 2, ':');
    put(&mut out, ms / 60_000 % 60, 2, ':');
    put(&mut out, ms / 1000 % 60, 2, '.');
    put(&mut out, ms % 1000, 3, 'Z');
    out
}
