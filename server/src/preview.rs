//! The consent dialog and preferences panel of a policy being edited, as the agent itself draws
//! them: the agent crate runs here natively, started on the policy as a page would be (the
//! policy kept on the device), and asked to show the dialog (`concierge('consent', 'prompt')`)
//! and the panel (`concierge('consent', 'open')`) in each language. What it answers is the view
//! data the shell's `dom.js` draws on a shop page, catalogue texts included, so the admin page's
//! preview is the real rendering, not a copy of it.

use concierge::engine::config::KeptConfig;
use concierge::engine::persist::{Key, Record, Section};
use concierge::stored;
use concierge_protocol::documents::{self, Config, Policy};
use serde_json::{json, Value};

/// The languages of the catalogue, each previewed.
pub const LANGUAGES: [&str; 4] = ["en", "es", "nl", "de"];
const SITE: &str = "preview";

/// The views the agent renders for `call` (`prompt` or `open`) in `language` under `policy`.
fn rendered(policy: &Policy, language: &str, call: &str, now: i64) -> Vec<Value> {
    let kept = KeptConfig {
        etag: "\"preview\"".to_owned(),
        fetched_at: now,
        source: documents::encode_config(&Config {
            site: SITE.to_owned(),
            policy: Some(Box::new(policy.clone())),
            ..Config::default()
        }),
    };
    let request = json!({
        "now": now,
        "settings": { "site": SITE, "locale": language, "consentControl": "off" },
        "locale": language,
        "path": "/",
        "seed": [1, 2],
        "stored": [[stored::key(SITE, &Key::Section(Section::Config)), stored::encode(&Record::Config(kept))]],
        "calls": [["consent", call]],
    });
    let (_, effects) = concierge::bridge::Bridge::start(&request.to_string());
    let effects: Value = serde_json::from_str(&effects).unwrap_or(Value::Null);
    let mut views = Vec::new();
    for effect in effects.as_array().into_iter().flatten() {
        if effect.get(0).and_then(Value::as_str) == Some("render") {
            views.extend(effect.get(1).cloned());
        }
    }
    views
}

/// `{ "en": { "consent": view, "panel": view }, "es": … }`: each language's dialog and panel.
pub fn preview_json(policy: &Policy, now: i64) -> Value {
    let mut languages = serde_json::Map::new();
    for language in LANGUAGES {
        let mut views = serde_json::Map::new();
        for call in ["prompt", "open"] {
            for view in rendered(policy, language, call, now) {
                if let Some(kind) = view.get("kind").and_then(Value::as_str) {
                    views.insert(kind.to_owned(), view.clone());
                }
            }
        }
        languages.insert(language.to_owned(), Value::Object(views));
    }
    Value::Object(languages)
}
