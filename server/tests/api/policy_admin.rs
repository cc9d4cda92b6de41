//! What the admin page needs of the documents API: the history with its publisher and a diff
//! against the version before, `POST /v1/config/check` for live validation, and the visitor's
//! `region` in `/v1/config` from the header the operator names; `GET /v1/session`, the roles a
//! token holds, which the admin pages' sign-in routes by.

use super::support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

fn settings(version: u32, idle_minutes: u32) -> Value {
    json!({ "kind": "settings", "version": version, "idle_minutes": idle_minutes })
}

impl Site {
    async fn put_settings(&self, shop: &str, document: &Value) -> Reply {
        let headers = [("authorization", staff()), ("content-type", "application/json".into())];
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        self.request(
            Method::PUT,
            &format!("/v1/config/settings?site={shop}"),
            &headers,
            Body::from(document.to_string()),
        )
        .await
    }

    async fn check(&self, token: &str, body: &str) -> Reply {
        let headers = [("authorization", token), ("content-type", "application/json")];
        self.request(Method::POST, "/v1/config/check", &headers, Body::from(body.to_owned())).await
    }
}

#[tokio::test]
async fn the_history_names_the_publisher_and_the_changes_from_the_version_before() {
    for site in sites().await {
        let shop = unique("shop");
        assert_eq!(site.put_settings(&shop, &settings(1, 30)).await.status, StatusCode::CREATED);
        let mut second = settings(3, 45);
        second["dismiss_hours"] = json!(12);
        assert_eq!(site.put_settings(&shop, &second).await.status, StatusCode::CREATED);

        let uri = format!("/v1/config/settings/history?site={shop}");
        let reply = site.get(&uri, &[("authorization", &officer())]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", site.backend);
        let versions = reply.json()["versions"].as_array().unwrap().clone();
        let fingerprint = &concierge_server::db::sha256_hex(STAFF_TOKEN)[..8];
        assert_eq!(
            versions[0]["publisher"],
            json!({ "role": "staff", "fingerprint": fingerprint })
        );
        assert!(!reply.body.windows(STAFF_TOKEN.len()).any(|w| w == STAFF_TOKEN.as_bytes()));
        assert_eq!(versions[0]["previous_version"], 1);
        assert_eq!(
            versions[0]["diff"],
            json!([
                { "path": "version", "before": 1, "after": 3 },
                { "path": "idle_minutes", "before": 30, "after": 45 },
                { "path": "dismiss_hours", "before": null, "after": 12 },
            ]),
            "{}",
            site.backend
        );
        // The first version: everything in it is new.
        assert_eq!(versions[1]["previous_version"], Value::Null);
        let first: Vec<&str> = versions[1]["diff"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["path"].as_str().unwrap())
            .collect();
        assert_eq!(first, ["kind", "version", "idle_minutes"]);
    }
}

#[tokio::test]
async fn check_answers_every_problem_with_its_path_and_publishes_nothing() {
    for site in sites().await {
        let shop = unique("shop");
        let bad =
            json!({ "kind": "settings", "version": 0, "idle_minutes": "thirty", "colour": "red" });
        for token in [officer(), staff(), format!("Bearer {MARKETER_TOKEN}")] {
            let reply = site.check(&token, &bad.to_string()).await;
            assert_eq!(reply.status, StatusCode::OK, "{}: {token}", site.backend);
            assert_eq!(reply.headers["cache-control"], "no-store");
            let problems = reply.json()["problems"].as_array().unwrap().clone();
            let paths: Vec<&str> = problems.iter().map(|p| p["path"].as_str().unwrap()).collect();
            for path in ["version", "idle_minutes", "colour"] {
                assert!(paths.contains(&path), "{path} not in {problems:?}");
            }
            assert!(problems.iter().all(|p| !p["message"].as_str().unwrap().is_empty()));
        }
        let good = site.check(&officer(), &settings(1, 30).to_string()).await;
        assert_eq!(good.json(), json!({ "problems": [] }));
        let config = site.get(&format!("/v1/config?site={shop}"), &[]).await.json();
        assert_eq!(config["documents"], json!([]), "checking publishes nothing");
    }
}

#[tokio::test]
async fn check_places_a_json_syntax_error_at_its_line_and_wants_a_token() {
    let site = Site::new("sqlite", None).await;
    let reply = site.check(&officer(), "{\n  \"kind\": \"settings\",\n  \"version\": 1,,\n}").await;
    let problem = &reply.json()["problems"][0];
    assert_eq!(problem["path"], "");
    assert_eq!(problem["line"], 3, "{problem}");
    assert!(problem["message"].as_str().unwrap().starts_with("not valid JSON"));

    let reply = site.check("Bearer wrong", &settings(1, 30).to_string()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = site.check(&operator(), &settings(1, 30).to_string()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "a metrics token publishes nothing");
}

#[tokio::test]
async fn the_config_carries_the_region_from_the_configured_header_only() {
    let mut site = Site::new("sqlite", None).await;
    let shop = unique("shop");
    let uri = format!("/v1/config?site={shop}");
    // Not configured: no region, whatever the request says.
    let plain = site.get(&uri, &[("cf-ipcountry", "DE")]).await;
    assert_eq!(plain.json().get("region"), None);
    assert!(plain.headers.get("vary").is_none_or(|v| !v.to_str().unwrap().contains("ipcountry")));

    site.reconfigure(|config| config.region_header = Some("CF-IPCountry".into()));
    let german = site.get(&uri, &[("cf-ipcountry", "DE")]).await;
    let text = String::from_utf8(german.body.clone()).unwrap();
    assert_eq!(text, format!(r#"{{"format":1,"site":"{shop}","region":"DE","documents":[]}}"#));
    assert!(german.headers["vary"].to_str().unwrap().eq_ignore_ascii_case("cf-ipcountry"));
    let californian = site.get(&uri, &[("cf-ipcountry", "us-ca")]).await;
    assert_eq!(californian.json()["region"], "US-CA");
    assert_ne!(german.headers["etag"], californian.headers["etag"], "each region its own tag");
    for unknown in ["XX", "T1", "Germany", "D"] {
        let reply = site.get(&uri, &[("cf-ipcountry", unknown)]).await;
        assert_eq!(reply.json().get("region"), None, "{unknown}");
    }
    assert_eq!(site.get(&uri, &[]).await.json().get("region"), None);
}

#[tokio::test]
async fn a_session_names_the_roles_its_token_holds_and_refuses_a_token_with_none() {
    for mut site in sites().await {
        for (token, roles) in [
            (officer(), json!(["privacy officer"])),
            (format!("Bearer {MARKETER_TOKEN}"), json!(["marketer"])),
            (staff(), json!(["staff"])),
        ] {
            let reply = site.get("/v1/session", &[("authorization", &token)]).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", site.backend);
            assert_eq!(reply.json(), json!({ "roles": roles }), "{}", site.backend);
            assert_eq!(reply.headers["cache-control"], "no-store");
        }
        // One token may hold several roles.
        site.reconfigure(|config| {
            config.marketer_token_hashes.push(concierge_server::db::sha256_hex(PRIVACY_TOKEN));
        });
        let reply = site.get("/v1/session", &[("authorization", &officer())]).await;
        assert_eq!(
            reply.json(),
            json!({ "roles": ["privacy officer", "marketer"] }),
            "{}",
            site.backend
        );

        // No role, no token: refused, and counted towards the client's limit of failed logins.
        site.move_client();
        let wrong = site.get("/v1/session", &[("authorization", "Bearer not-a-token")]).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", site.backend);
        assert_eq!(site.get("/v1/session", &[]).await.status, StatusCode::UNAUTHORIZED);
        for _ in 2..10 {
            site.get("/v1/session", &[("authorization", "Bearer not-a-token")]).await;
        }
        let limited = site.get("/v1/session", &[("authorization", &officer())]).await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{}", site.backend);
    }
}

/// The demo policy as the repository ships it, with `change` applied.
fn demo_policy(change: impl FnOnce(&mut Value)) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../documents/demo/policy.json");
    let mut policy: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    change(&mut policy);
    policy
}

/// `(state[ purpose]/phase, keys, requests, events)` of a table of the audit.
fn audit_rows(table: &Value) -> Vec<(String, Value, Value, Value)> {
    let mut rows = Vec::new();
    for state in table["states"].as_array().unwrap() {
        for phase in state["phases"].as_array().unwrap() {
            let name = match state["purpose"].as_str() {
                Some(purpose) => format!("{purpose} only/{}", phase["phase"].as_str().unwrap()),
                None => format!("{}/{}", state["state"].as_str().unwrap(), phase["phase"]),
            };
            let name = name.replace('"', "");
            rows.push((
                name,
                phase["keys"].clone(),
                phase["requests"].clone(),
                phase["events"].clone(),
            ));
        }
    }
    rows
}

#[tokio::test]
async fn the_audit_of_a_policy_follows_its_document_in_check_and_for_the_published_one() {
    for site in sites().await {
        let shop = unique("shop");
        // None published: the built-in policy, the demo's; an opt-in default, an opt-out region.
        let uri = format!("/v1/policy/audit?site={shop}");
        let reply = site.get(&uri, &[("authorization", &officer())]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", site.backend);
        assert_eq!(reply.headers["cache-control"], "no-store");
        let audit = reply.json();
        assert_eq!(audit["site"], json!(shop));
        let tables = audit["tables"].as_array().unwrap();
        assert_eq!(tables.len(), 2);
        assert_eq!((&tables[0]["mode"], &tables[0]["default"]), (&json!("opt_in"), &json!(true)));
        assert_eq!(tables[1]["regions"], json!(["us_ca"]));
        let rows = audit_rows(&tables[0]);
        let row = |name: &str| rows.iter().find(|row| row.0 == name).unwrap().clone();
        assert_eq!(row("no_choice/shopping").1, json!([]));
        assert_eq!(row("gpc/shopping").2, json!([]), "GPC in opt-in: nothing recorded or sent");
        assert_eq!(
            row("measurement only/shopping").1,
            json!(["campaigns", "consent", "event:*", "identity", "outbox", "receipt:*"]),
            "measurement keeps no copy of the documents (and the campaigns' history, with activity)"
        );
        assert_eq!(row("accept_then_withdraw/withdrawn").3, json!(["consent"]));

        // The document being edited: measurement now also keeps the cart, so its table does.
        let edited = demo_policy(|policy| {
            policy["purposes"][1]["data"] = json!(["activity", "identifiers", "cart"]);
        });
        let reply = site.check(&officer(), &edited.to_string()).await;
        assert_eq!(reply.json()["problems"], json!([]));
        let rows = audit_rows(&reply.json()["audit"]["tables"][0]);
        let measurement = rows.iter().find(|row| row.0 == "measurement only/shopping").unwrap();
        assert_eq!(
            measurement.1,
            json!([
                "campaigns",
                "cart",
                "config",
                "consent",
                "event:*",
                "identity",
                "outbox",
                "receipt:*"
            ]),
            "{}",
            site.backend
        );
        // The agent's own dialog and panel for it, in each language (the agent crate's views).
        let preview = &reply.json()["preview"];
        assert_eq!(preview["de"]["consent"]["actions"][0]["label"], "Alle akzeptieren");
        assert_eq!(
            preview["es"]["consent"]["link"],
            json!(["Política de privacidad", "/privacy/"])
        );
        let panel_rows = preview["nl"]["panel"]["rows"].as_array().unwrap();
        assert_eq!(
            (&panel_rows[1][0], &panel_rows[1][1]),
            (&json!("measurement"), &json!("Meting"))
        );
        assert_eq!(panel_rows[0][4], json!(true), "necessary: always on, no switch to turn off");
        // A purpose renamed in the editor is renamed in the preview.
        let renamed =
            demo_policy(|policy| policy["purposes"][3]["names"]["en"] = json!("Reminders"));
        let reply = site.check(&officer(), &renamed.to_string()).await;
        assert_eq!(reply.json()["preview"]["en"]["panel"]["rows"][3][1], "Reminders");
        // Published, the audit of the site follows it.
        let headers = [("authorization", officer()), ("content-type", "application/json".into())];
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let put = format!("/v1/config/policy?site={shop}");
        let reply = site.request(Method::PUT, &put, &headers, Body::from(edited.to_string())).await;
        assert_eq!(reply.status, StatusCode::CREATED);
        let audit = site.get(&uri, &[("authorization", &officer())]).await.json();
        assert_eq!(audit_rows(&audit["tables"][0]), rows);

        // A document with problems, or of another kind, has no audit; the audit wants a token.
        let broken = demo_policy(|policy| policy["purposes"][1]["data"] = json!(["nonsense"]));
        assert_eq!(site.check(&officer(), &broken.to_string()).await.json()["audit"], Value::Null);
        assert_eq!(
            site.check(&staff(), &settings(1, 30).to_string()).await.json()["audit"],
            Value::Null
        );
        let refused = site.get(&uri, &[("authorization", &staff())]).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        let bad =
            site.get("/v1/policy/audit?site=no%20such", &[("authorization", &officer())]).await;
        assert_eq!(
            (bad.status, &bad.json()["field"]),
            (StatusCode::UNPROCESSABLE_ENTITY, &json!("site"))
        );
        let description = site.get("/v1/openapi.json", &[]).await.json();
        assert!(description["paths"]["/v1/policy/audit"]["get"].is_object());
    }
}
