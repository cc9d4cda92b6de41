//! "What this policy does": the audit table of a consent policy, state by state, as the admin
//! page shows it and the end-to-end audit test expects it (`GET /v1/policy/audit?site=ID` for
//! the published policy, and the `audit` member of `POST /v1/config/check`'s answer for the
//! policy being edited). Computed by the protocol crate's [`audit`], the rule the agent itself
//! keeps its sections by, so the table, the agent and the test have one source.

use concierge_protocol::audit::{audit, AuditPhase, AuditState};
use concierge_protocol::documents::{Mode, Policy};
use serde_json::{json, Map, Value};

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::OptIn => "opt_in",
        Mode::OptOut => "opt_out",
    }
}

fn phase_json(phase: &AuditPhase) -> Value {
    let choices = phase.choices.as_ref().map(|choices| {
        let decisions = choices.iter().map(|(id, d)| (id.clone(), Value::from(d.name())));
        Value::Object(decisions.collect::<Map<_, _>>())
    });
    json!({
        "phase": phase.phase,
        "choices": choices,
        "source": phase.source.name(),
        "keys": phase.keys,
        "requests": phase.requests,
        "events": phase.events,
        "optional": phase.optional,
    })
}

/// One table per mode the policy's visitors can be in: the default mode first (visitors in no
/// listed region, and whose region is unknown, as on the demo shop), then the other mode if a
/// region uses it, each with the ids of the regions in that mode.
pub fn audit_json(policy: &Policy) -> Value {
    let mut modes = vec![policy.default_mode];
    for region in &policy.regions {
        if !modes.contains(&region.mode) {
            modes.push(region.mode);
        }
    }
    let tables: Vec<Value> = modes
        .into_iter()
        .map(|mode| {
            let regions: Vec<&str> = (policy.regions.iter())
                .filter(|region| region.mode == mode)
                .map(|region| region.id.as_str())
                .collect();
            let states: Vec<Value> = audit(policy, mode)
                .iter()
                .map(|row| {
                    let purpose = match &row.state {
                        AuditState::Only(id) => Some(id.as_str()),
                        _ => None,
                    };
                    let phases: Vec<Value> = row.phases.iter().map(phase_json).collect();
                    json!({ "state": row.state.id(), "purpose": purpose, "phases": phases })
                })
                .collect();
            json!({
                "mode": mode_name(mode),
                "default": mode == policy.default_mode,
                "regions": regions,
                "states": states,
            })
        })
        .collect();
    json!({ "policy": policy.version, "tables": tables })
}
