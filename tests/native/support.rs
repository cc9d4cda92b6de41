//! Builders shared by the native tests: items, configs and events, and a simulated browser
//! whose storage goes through the real stored format on every write and every page load.

use concierge::engine::cart::Item;
use concierge::engine::config::{Config, MINUTE};
use concierge::engine::consent::ConsentUpdate;
use concierge::engine::persist::{Key, Record, Section, StorageChange, Stored};
use concierge::engine::recovery::Recovery;
use concierge::engine::view::{Action, View, ViewKind};
use concierge::engine::{Agent, Commerce, CommerceKind, Effect, Event, Millis, Page};
use concierge::stored;
use concierge::value::Value;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// 2026-11-23 12:00 UTC, a plain weekday noon.
pub const T0: Millis = 1_795_435_200_000;
pub const SITE: &str = "test";

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
    Config::new(SITE)
}

pub fn page(path: &str) -> Page {
    Page::at(path)
}

pub fn commerce(kind: CommerceKind, items: Vec<Item>) -> Event {
    Event::Commerce(Commerce { kind, items: Some(items), transaction_id: None })
}

pub fn add(items: Vec<Item>) -> Event {
    commerce(CommerceKind::AddToCart, items)
}

pub fn start(stored: Stored, path: &str) -> Event {
    Event::Start { stored: Box::new(stored), page: page(path), seed: 42 }
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

/// One browser's `localStorage` for the site: keys and JSON text, as the shell writes them.
#[derive(Clone, Debug, Default)]
pub struct Device {
    pub entries: BTreeMap<String, String>,
}

impl Device {
    /// Carries out the storage effects, through the real format.
    pub fn apply(&mut self, effects: &[Effect]) {
        for effect in effects {
            match effect {
                Effect::Store(record) => {
                    let text = stored::encode(record);
                    self.entries.insert(stored::key(SITE, &record.key()), text);
                }
                Effect::Erase(key) => {
                    self.entries.remove(&stored::key(SITE, key));
                }
                Effect::Wipe => self.entries.clear(),
                _ => {}
            }
        }
    }

    /// What a page load reads, and the warnings it reports.
    pub fn load(&self) -> (Stored, Vec<String>) {
        let entries = self
            .entries
            .iter()
            .filter_map(|(name, text)| {
                let key = stored::parse_key(SITE, name)?;
                Some((key, serde_json::from_str::<Value>(text).ok()))
            })
            .collect();
        stored::assemble(entries)
    }

    pub fn stored(&self) -> Stored {
        self.load().0
    }

    /// The stored cart section, decoded.
    pub fn recovery(&self) -> Option<Recovery> {
        self.stored().cart.present()
    }

    /// Rewrites the stored cart section, as time passing or an older page would have left it.
    pub fn edit_recovery(&mut self, edit: impl FnOnce(&mut Recovery)) {
        let mut recovery = self.recovery().expect("a stored cart");
        edit(&mut recovery);
        self.apply(&[Effect::Store(Record::Cart(recovery))]);
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn has(&self, section: Section) -> bool {
        self.entries.contains_key(&stored::key(SITE, &Key::Section(section)))
    }

    /// The storage event another tab would receive for the entry at `name`.
    pub fn change_of(&self, name: &str) -> StorageChange {
        let key = stored::parse_key(SITE, name).expect("a key of the site");
        match self.entries.get(name) {
            None => StorageChange::Removed(key),
            Some(text) => {
                StorageChange::Put(stored::decode(&key, &json(text)).expect("readable").record)
            }
        }
    }
}

/// One tab: an agent whose storage effects land on a shared device.
pub struct Tab {
    pub agent: Agent,
    pub device: Rc<RefCell<Device>>,
}

impl std::ops::Deref for Tab {
    type Target = Agent;
    fn deref(&self) -> &Agent {
        &self.agent
    }
}

impl Tab {
    /// A page load on `device` with `config`.
    pub fn open_with(
        config: Config,
        device: &Rc<RefCell<Device>>,
        path: &str,
        now: Millis,
    ) -> (Tab, Vec<Effect>) {
        let mut tab = Tab { agent: Agent::new(config), device: device.clone() };
        let stored = device.borrow().stored();
        let effects = tab.handle(start(stored, path), now);
        (tab, effects)
    }

    pub fn open(device: &Rc<RefCell<Device>>, path: &str, now: Millis) -> (Tab, Vec<Effect>) {
        Tab::open_with(config(), device, path, now)
    }

    pub fn handle(&mut self, event: Event, now: Millis) -> Vec<Effect> {
        self.handle_all([event], now)
    }

    pub fn handle_all(
        &mut self,
        events: impl IntoIterator<Item = Event>,
        now: Millis,
    ) -> Vec<Effect> {
        let effects = self.agent.handle_all(events, now);
        self.device.borrow_mut().apply(&effects);
        effects
    }

    /// Another page load on the same device.
    pub fn next_page(&self, path: &str, now: Millis) -> (Tab, Vec<Effect>) {
        Tab::open(&self.device, path, now)
    }
}

pub fn new_device() -> Rc<RefCell<Device>> {
    Rc::new(RefCell::new(Device::default()))
}

/// A tab on a new device that started on `/` and whose visitor accepted the consent prompt.
pub fn consenting_tab(now: Millis) -> Tab {
    let (mut tab, _) = Tab::open(&new_device(), "/", now);
    tab.handle(Event::Consent(ConsentUpdate::all(true)), now);
    tab
}

pub fn rendered(effects: &[Effect], kind: ViewKind) -> Option<&View> {
    effects.iter().find_map(|effect| match effect {
        Effect::Render(view) if view.kind == kind => Some(view),
        _ => None,
    })
}

/// Whether a view of `kind` was removed (a campaign's view by its id).
pub fn removed(effects: &[Effect], kind: ViewKind) -> bool {
    effects.iter().any(|effect| match effect {
        Effect::Remove(removed) => *removed == kind,
        Effect::RemoveCampaign(_) => kind == ViewKind::Campaign,
        _ => false,
    })
}

pub fn stores_or_wipes(effects: &[Effect]) -> bool {
    effects
        .iter()
        .any(|effect| matches!(effect, Effect::Store(_) | Effect::Erase(_) | Effect::Wipe))
}

pub fn stores(effects: &[Effect]) -> Vec<&Record> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Store(record) => Some(record),
            _ => None,
        })
        .collect()
}
