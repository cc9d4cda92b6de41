//! Builders shared by the native tests: items, configs, events and effect filters.

use concierge::engine::cart::Item;
use concierge::engine::config::{Config, MINUTE};
use concierge::engine::consent::ConsentUpdate;
use concierge::engine::view::{Action, View, ViewKind};
use concierge::engine::{Agent, Commerce, CommerceKind, Effect, Event, Millis, Page, Snapshot};
use concierge::value::Value;

/// 2026-11-23 12:00 UTC, a plain weekday noon.
pub const T0: Millis = 1_795_435_200_000;

pub fn item(id: &str, price_cents: i64, quantity: u32) -> Item {
    Item {
        id: id.into(),
        name: format!("Product {id}"),
        category: None,
        price: price_cents,
        quantity,
    }
}

pub fn config() -> Config {
    Config::new("test")
}

pub fn page(path: &str) -> Page {
    Page { path: path.into() }
}

pub fn commerce(kind: CommerceKind, items: Vec<Item>) -> Event {
    Event::Commerce(Commerce { kind, items: Some(items), transaction_id: None })
}

pub fn add(items: Vec<Item>) -> Event {
    commerce(CommerceKind::AddToCart, items)
}

pub fn start(stored: Option<Snapshot>, path: &str) -> Event {
    Event::Start { stored, page: page(path), seed: 42 }
}

/// An agent that started on `/` and whose visitor accepted the consent prompt.
pub fn consenting_agent(now: Millis) -> Agent {
    let mut agent = Agent::new(config());
    agent.handle(start(None, "/"), now);
    agent.handle(Event::Consent(ConsentUpdate::ACCEPT_ALL), now);
    agent
}

/// What the last `Persist` effect stored, as the next page load would read it.
pub fn persisted(effects: &[Effect]) -> Option<Snapshot> {
    effects.iter().rev().find_map(|effect| match effect {
        Effect::Persist(snapshot) => Some(snapshot.clone()),
        _ => None,
    })
}

/// The agent a new page load creates, from what the previous page persisted.
pub fn next_page(stored: Option<Snapshot>, path: &str, now: Millis) -> (Agent, Vec<Effect>) {
    let mut agent = Agent::new(config());
    let effects = agent.handle(start(stored, path), now);
    (agent, effects)
}

pub fn rendered(effects: &[Effect], kind: ViewKind) -> Option<&View> {
    effects.iter().find_map(|effect| match effect {
        Effect::Render(view) if view.kind == kind => Some(view),
        _ => None,
    })
}

pub fn removed(effects: &[Effect], kind: ViewKind) -> bool {
    effects.contains(&Effect::Remove(kind))
}

pub fn stores_or_wipes(effects: &[Effect]) -> bool {
    effects.iter().any(|effect| matches!(effect, Effect::Persist(_) | Effect::Wipe))
}

pub fn minutes(n: i64) -> Millis {
    n * MINUTE
}

pub fn action(action: Action) -> Event {
    Event::Action(action)
}

/// Parses JSON text into the edge value type, as the shell does with `JSON.parse` results.
pub fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("test JSON is valid")
}
