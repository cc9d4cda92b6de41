//! Interim reader and writer of the `/v1/config` envelope, until the data-driven validator
//! lands; replaced by it at merge.

use super::{Config, Policy, Settings};
use crate::{Problem, Value};

pub fn check_config(value: &Value) -> Result<Config, Vec<Problem>> {
    let Some(Value::Array(documents)) = value.field("documents") else {
        return Err(vec![Problem::new("documents", "must be an array")]);
    };
    let mut config = Config {
        site: value.field("site").and_then(Value::as_str).unwrap_or_default().to_owned(),
        ..Config::default()
    };
    for document in documents {
        let version = document.field("version").and_then(Value::as_f64).unwrap_or(1.0) as u32;
        match document.field("kind").and_then(Value::as_str) {
            Some("settings") => {
                let whole = |key| document.field(key).and_then(Value::as_f64).map(|n| n as u32);
                let text = |key| document.field(key).and_then(Value::as_str).map(str::to_owned);
                config.settings = Some(Settings {
                    version,
                    idle_minutes: whole("idle_minutes"),
                    dismiss_hours: whole("dismiss_hours"),
                    checkout_path: text("checkout_path"),
                    resume_url: text("resume_url"),
                    link_hosts: match document.field("link_hosts") {
                        Some(Value::Array(hosts)) => Some(
                            hosts.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                        ),
                        _ => None,
                    },
                })
            }
            Some("policy") => {
                let prompt = !matches!(document.field("prompt"), Some(Value::Bool(false)));
                config.policy = Some(Policy { version, prompt, purposes: Vec::new() })
            }
            _ => return Err(vec![Problem::new("documents", "unknown kind")]),
        }
    }
    Ok(config)
}

pub fn encode_config(config: &Config) -> Value {
    let mut documents = Vec::new();
    if let Some(settings) = &config.settings {
        documents.push(Value::object([
            ("kind", "settings".into()),
            ("version", i64::from(settings.version).into()),
            ("idle_minutes", settings.idle_minutes.map(i64::from).into()),
            ("dismiss_hours", settings.dismiss_hours.map(i64::from).into()),
            ("checkout_path", settings.checkout_path.as_deref().into()),
            ("resume_url", settings.resume_url.as_deref().into()),
            (
                "link_hosts",
                settings.link_hosts.as_ref().map_or(Value::Null, |hosts| {
                    Value::Array(hosts.iter().map(|h| h.as_str().into()).collect())
                }),
            ),
        ]));
    }
    if let Some(policy) = &config.policy {
        documents.push(Value::object([
            ("kind", "policy".into()),
            ("version", i64::from(policy.version).into()),
            ("prompt", Value::Bool(policy.prompt)),
        ]));
    }
    Value::object([
        ("format", 1i64.into()),
        ("site", config.site.as_str().into()),
        ("documents", Value::Array(documents)),
    ])
}
