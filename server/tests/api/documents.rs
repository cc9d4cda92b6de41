//! Config documents: `GET /v1/config` (ETag, 304, CORS, no cookies), publishing with its
//! checks, versions and tokens, the history, and publishing a directory at start.

use super::support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use concierge_server::api::AUTH_FAILURES_ALLOWED;
use concierge_server::documents::{config_body, publish_dir};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

fn privacy() -> String {
    format!("Bearer {PRIVACY_TOKEN}")
}

fn marketer() -> String {
    format!("Bearer {MARKETER_TOKEN}")
}

fn texts(prefix: &str) -> Value {
    json!({ "en": format!("{prefix} en"), "es": format!("{prefix} es"), "nl": format!("{prefix} nl"), "de": format!("{prefix} de") })
}

/// A policy of format 2 with every feature on one consent purpose, beside the necessary one.
fn policy(version: u32) -> Value {
    json!({ "kind": "policy", "version": version, "purposes": [
        { "id": "necessary", "legal_basis": "legitimate_interests", "names": texts("Needed"),
          "descriptions": texts("Remembers choices"), "data": [], "features": [], "retention_days": 365 },
        { "id": "everything", "legal_basis": "consent", "names": texts("All"),
          "descriptions": texts("Uses visits"),
          "data": ["cart", "activity", "interests", "identifiers", "contact"],
          "features": ["recovery_banner", "sync", "staff_view", "assistant_memory", "email_recovery", "sms_recovery"],
          "retention_days": 90 },
    ] })
}

fn settings(version: u32) -> Value {
    json!({ "version": version, "idle_minutes": 45, "kind": "settings" })
}

fn message(title: &str, href: &str) -> Value {
    json!({ "title": title, "body": format!("{title}: {{{{cart.count}}}} items"), "action": { "label": "Go", "href": href } })
}

fn campaigns(version: u32) -> Value {
    let content = json!({ "en": message("Hi", "/cart/"), "es": message("Hola", "/cart/"),
                          "nl": message("Hoi", "/cart/"), "de": message("Hallo", "/cart/") });
    json!({ "kind": "campaigns", "version": version, "campaigns": [{
        "id": "welcome-back", "status": "active",
        "trigger": { "type": "returning_visit" },
        "targeting": { ">": [{ "var": "cart.count" }, 0] },
        "placement": { "type": "top_bar" },
        "content": content, "priority": 40, "value": 30, "holdout": 0.1,
        "goal": { "event": "purchase", "attribution_days": 14 },
    }] })
}

impl Site {
    async fn put(&self, uri: &str, token: &str, body: &str) -> Reply {
        let headers = [("authorization", token), ("content-type", "application/json")];
        self.request(Method::PUT, uri, &headers, Body::from(body.to_owned())).await
    }

    async fn publish(&self, site: &str, document: &Value) -> Reply {
        let kind = document["kind"].as_str().unwrap();
        let token = match kind {
            "policy" => privacy(),
            "campaigns" => marketer(),
            _ => staff(),
        };
        self.put(&format!("/v1/config/{kind}?site={site}"), &token, &document.to_string()).await
    }

    async fn agent_config(&self, site: &str, headers: &[(&str, &str)]) -> Reply {
        self.get(&format!("/v1/config?site={site}"), headers).await
    }
}

fn etag(reply: &Reply) -> String {
    reply.headers["etag"].to_str().unwrap().to_owned()
}

fn text(reply: &Reply) -> String {
    String::from_utf8(reply.body.clone()).unwrap()
}

#[tokio::test]
async fn an_unknown_site_gets_the_envelope_without_documents_and_no_cookie() {
    for site in sites().await {
        let name = unique("nowhere");
        let reply = site.agent_config(&name, &[("cookie", "visitor=abc")]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", site.backend);
        assert_eq!(text(&reply), format!(r#"{{"format":1,"site":"{name}","documents":[]}}"#));
        assert_eq!(reply.headers["content-type"], "application/json");
        assert_eq!(reply.headers["cache-control"], "no-cache");
        let tag = etag(&reply);
        assert!(tag.len() == 34 && tag.starts_with('"') && tag.ends_with('"'), "{tag}");
        assert!(reply.headers.get("set-cookie").is_none());
    }
}

#[tokio::test]
async fn publishing_changes_the_config_and_its_etag_which_is_otherwise_stable() {
    for site in sites().await {
        let name = unique("shop");
        let before = etag(&site.agent_config(&name, &[]).await);

        // Sent with spaces and in another order; stored and served in the encoder's form.
        let reply = site
            .put(
                &format!("/v1/config/settings?site={name}"),
                &staff(),
                r#"{ "idle_minutes": 45, "version": 1, "kind": "settings", "link_hosts": [] }"#,
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}: {}", site.backend, text(&reply));
        let published = reply.json();
        assert_eq!(published["version"], 1);
        assert_eq!(published["kind"], "settings");
        let by = concierge_server::db::sha256_hex(STAFF_TOKEN);
        assert_eq!(published["published_by"], format!("staff {}", &by[..8]));

        let first = site.agent_config(&name, &[]).await;
        assert_eq!(
            text(&first),
            format!(
                r#"{{"format":1,"site":"{name}","documents":[{{"kind":"settings","version":1,"idle_minutes":45,"link_hosts":[]}}]}}"#
            )
        );
        assert_ne!(etag(&first), before, "a publish changes the ETag");
        let again = site.agent_config(&name, &[]).await;
        assert_eq!(etag(&again), etag(&first), "the same documents give the same ETag");
        assert_eq!(again.body, first.body);

        assert_eq!(site.publish(&name, &policy(1)).await.status, StatusCode::CREATED);
        let both = site.agent_config(&name, &[]).await.json();
        assert_eq!(both["documents"][0]["kind"], "policy");
        assert_eq!(both["documents"][0]["prompt"], true, "the default is written out");
        assert_eq!(both["documents"][1]["kind"], "settings");
    }
}

#[tokio::test]
async fn if_none_match_gets_304_without_a_body() {
    for site in sites().await {
        let name = unique("shop");
        assert_eq!(site.publish(&name, &settings(1)).await.status, StatusCode::CREATED);
        let tag = etag(&site.agent_config(&name, &[]).await);
        let weak = format!("W/{tag}");
        let list = format!("\"0123\", {tag}");
        let cases = [
            (tag.as_str(), StatusCode::NOT_MODIFIED),
            (weak.as_str(), StatusCode::NOT_MODIFIED),
            (list.as_str(), StatusCode::NOT_MODIFIED),
            ("*", StatusCode::NOT_MODIFIED),
            ("\"0123\"", StatusCode::OK),
            ("", StatusCode::OK),
        ];
        for (header, status) in cases {
            let reply = site.agent_config(&name, &[("if-none-match", header)]).await;
            assert_eq!(reply.status, status, "{}: If-None-Match: {header}", site.backend);
            assert_eq!(etag(&reply), tag);
            assert_eq!(reply.headers["cache-control"], "no-cache");
            assert_eq!(reply.body.is_empty(), status == StatusCode::NOT_MODIFIED);
        }
        // Once something is published, the old tag no longer matches.
        assert_eq!(site.publish(&name, &settings(2)).await.status, StatusCode::CREATED);
        let reply = site.agent_config(&name, &[("if-none-match", &tag)]).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_ne!(etag(&reply), tag);
    }
}

#[tokio::test]
async fn another_connection_to_the_database_serves_the_same_bytes() {
    for site in sites().await {
        let name = unique("shop");
        site.publish(&name, &policy(2)).await;
        site.publish(&name, &settings(3)).await;
        let url = match site.backend {
            "sqlite" => concierge_server::Db::sqlite_url(site.dir.path()),
            _ => std::env::var("CONCIERGE_TEST_DATABASE_URL").unwrap(),
        };
        let other = concierge_server::Db::connect(&url).await.unwrap();
        let served = site.agent_config(&name, &[]).await;
        assert_eq!(config_body(&other, &name).await.unwrap().into_bytes(), served.body);
    }
}

#[tokio::test]
async fn every_problem_is_answered_at_once_with_422() {
    for site in sites().await {
        let name = unique("shop");
        let uri = format!("/v1/config/settings?site={name}");
        let bad = json!({ "kind": "settings", "version": 1, "idle_minutes": "thirty", "checkout_path": "checkout", "colour": "red" });
        let reply = site.put(&uri, &staff(), &bad.to_string()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", site.backend);
        assert_eq!(
            reply.json(),
            json!({
                "error": "invalid_document",
                "message": "the document has 3 problems; nothing was published",
                "problems": [
                    { "path": "colour", "message": "is not a field of a settings document" },
                    { "path": "idle_minutes", "message": "must be a whole number of minutes from 1 to 525600, got \"thirty\"" },
                    { "path": "checkout_path", "message": "must be a path starting with /, got \"checkout\"" },
                ],
            })
        );

        let reply = site.put(&uri, &staff(), "{\"kind\": ").await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let problems = reply.json()["problems"].clone();
        assert_eq!(problems[0]["path"], "");
        let message = problems[0]["message"].as_str().unwrap();
        assert!(message.starts_with("not valid JSON: EOF while parsing"), "{message}");

        let reply = site.put(&uri, &staff(), &policy(1).to_string()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            reply.json()["problems"],
            json!([{ "path": "kind", "message": "is \"policy\", but the document was sent to /v1/config/settings; send it to /v1/config/policy" }])
        );
        // Nothing of it was published.
        assert_eq!(site.agent_config(&name, &[]).await.json()["documents"], json!([]));
    }
}

#[tokio::test]
async fn a_version_not_above_the_current_one_gets_409() {
    for site in sites().await {
        let name = unique("shop");
        assert_eq!(site.publish(&name, &policy(2)).await.status, StatusCode::CREATED);
        for stale in [2, 1] {
            let reply = site.publish(&name, &policy(stale)).await;
            assert_eq!(reply.status, StatusCode::CONFLICT, "{}: version {stale}", site.backend);
            assert_eq!(
                reply.json(),
                json!({
                    "error": "stale_version",
                    "message": format!("version {stale} is not newer than the published version 2; publish version 3 or higher"),
                    "current_version": 2,
                })
            );
        }
        // Versions are counted per kind and per site.
        assert_eq!(site.publish(&name, &settings(1)).await.status, StatusCode::CREATED);
        assert_eq!(site.publish(&unique("other"), &policy(1)).await.status, StatusCode::CREATED);
        assert_eq!(site.publish(&name, &policy(7)).await.status, StatusCode::CREATED);
        assert_eq!(site.agent_config(&name, &[]).await.json()["documents"][0]["version"], 7);
    }
}

#[tokio::test]
async fn each_kind_has_its_publisher_and_wrong_tokens_get_401_then_429() {
    for site in sites().await {
        let name = unique("shop");
        let policy_uri = format!("/v1/config/policy?site={name}");
        let settings_uri = format!("/v1/config/settings?site={name}");
        let policy_body = policy(1).to_string();
        let settings_body = settings(1).to_string();
        let cases = [
            (&policy_uri, staff(), &policy_body),
            (&settings_uri, privacy(), &settings_body),
            (&policy_uri, "Bearer guess".to_owned(), &policy_body),
            (&settings_uri, String::new(), &settings_body),
        ];
        for (uri, token, body) in &cases {
            let reply = site.put(uri, token, body).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}: {uri} {token}", site.backend);
            assert_eq!(reply.json()["error"], "unauthorized");
        }
        let history = format!("/v1/config/policy/history?site={name}");
        assert_eq!(
            site.get(&history, &[("authorization", &staff())]).await.status,
            StatusCode::UNAUTHORIZED
        );
        for _ in cases.len() + 1..AUTH_FAILURES_ALLOWED as usize {
            site.put(&policy_uri, "Bearer guess", &policy_body).await;
        }
        // The limit is reached: even the right token waits now.
        let reply = site.put(&policy_uri, &privacy(), &policy_body).await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{}", site.backend);
        assert_eq!(reply.headers["retry-after"], "60");
        assert_eq!(site.agent_config(&name, &[]).await.json()["documents"], json!([]));
    }
}

#[tokio::test]
async fn the_privacy_officer_reads_the_history_newest_first() {
    for site in sites().await {
        let name = unique("shop");
        site.publish(&name, &policy(1)).await;
        let mut changed = policy(4);
        changed["prompt"] = json!(false);
        site.publish(&name, &changed).await;
        let reply = site
            .get(
                &format!("/v1/config/policy/history?site={name}"),
                &[("authorization", &privacy())],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", site.backend);
        assert_eq!(reply.headers["cache-control"], "no-store");
        let history = reply.json();
        assert_eq!(history["site"], name.as_str());
        assert_eq!(history["kind"], "policy");
        let versions = history["versions"].as_array().unwrap();
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[0]["version"], 4);
        assert_eq!(versions[0]["document"]["prompt"], false);
        assert_eq!(versions[1]["version"], 1);
        assert_eq!(versions[1]["document"]["prompt"], true);
        let by = concierge_server::db::sha256_hex(PRIVACY_TOKEN);
        assert_eq!(versions[0]["published_by"], format!("privacy officer {}", &by[..8]));
        assert!(
            versions[0]["published_at"].as_i64().unwrap()
                >= versions[1]["published_at"].as_i64().unwrap()
        );
    }
}

#[tokio::test]
async fn bad_site_ids_extra_parameters_and_unknown_kinds_are_refused() {
    let site = Site::new("sqlite", None).await;
    let cases = [
        ("/v1/config?site=my%20shop", "site", "must be 1-64 letters, digits, - or _"),
        ("/v1/config?site=", "site", "must be 1-64 letters, digits, - or _"),
        ("/v1/config", "site", "is required: ?site=ID"),
        ("/v1/config?site=a&site=b", "site", "must be given once"),
        (
            "/v1/config?site=demo&visitor=vis_1",
            "visitor",
            "is not accepted; the only query parameter is site",
        ),
    ];
    for (uri, field, message) in cases {
        let reply = site.get(uri, &[]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
        assert_eq!(reply.json()["field"], field, "{uri}");
        assert_eq!(reply.json()["message"], message, "{uri}");
    }
    let long = format!("/v1/config?site={}", "x".repeat(65));
    assert_eq!(site.get(&long, &[]).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    let reply =
        site.put("/v1/config/settings?site=my%20shop", &staff(), &settings(1).to_string()).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["field"], "site");

    let reply = site.put("/v1/config/campaign?site=demo", &staff(), "{}").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        reply.json()["message"],
        "there is no document kind \"campaign\"; the kinds are policy, settings, campaigns, knowledge, catalogue"
    );
}

#[tokio::test]
async fn cors_lets_the_shops_revalidate_and_read_the_etag() {
    let site = Site::new("sqlite", None).await;
    let mut config = site.config();
    config.allowed_origins = vec!["https://shop.example".into()];
    let router = concierge_server::app(&config, site.db.clone()).unwrap();
    let send = |request: axum::http::Request<Body>| {
        let router = router.clone();
        async move { tower::ServiceExt::oneshot(router, request).await.unwrap() }
    };
    let header = |response: &axum::http::Response<Body>, name: &str| {
        response
            .headers()
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };

    let preflight = axum::http::Request::builder()
        .method(Method::OPTIONS)
        .uri("/v1/config?site=demo")
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "if-none-match")
        .body(Body::empty())
        .unwrap();
    let response = send(preflight).await;
    assert_eq!(header(&response, "access-control-allow-origin"), "https://shop.example");
    assert!(header(&response, "access-control-allow-headers").contains("if-none-match"));

    for (origin, allowed) in [("https://shop.example", true), ("https://evil.example", false)] {
        let request = axum::http::Request::builder()
            .uri("/v1/config?site=demo")
            .header("origin", origin)
            .body(Body::empty())
            .unwrap();
        let response = send(request).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, "access-control-allow-origin") == origin, allowed, "{origin}");
        assert!(header(&response, "vary").to_lowercase().contains("origin"), "{origin}");
        if allowed {
            assert!(header(&response, "access-control-expose-headers").contains("etag"));
        }
        assert!(response.headers().get("set-cookie").is_none());
    }
}

/// A documents directory with the given files (`site/kind.json`, text).
fn documents_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[tokio::test]
async fn a_documents_directory_is_published_when_newer_than_what_is_stored() {
    for site in sites().await {
        let name = unique("shop");
        let (policy_path, settings_path) =
            (format!("{name}/policy.json"), format!("{name}/settings.json"));
        let dir = documents_dir(&[
            (&policy_path, &policy(2).to_string()),
            (&settings_path, &settings(1).to_string()),
            (&format!("{name}/README.md"), "not a document"),
        ]);
        publish_dir(&site.db, dir.path()).await.unwrap();
        let config = site.agent_config(&name, &[]).await.json();
        assert_eq!(config["documents"][0]["version"], 2, "{}", site.backend);
        assert_eq!(config["documents"][1]["version"], 1);

        // Starting again publishes nothing new; a newer stored version is kept.
        publish_dir(&site.db, dir.path()).await.unwrap();
        assert_eq!(site.publish(&name, &settings(5)).await.status, StatusCode::CREATED);
        publish_dir(&site.db, dir.path()).await.unwrap();
        let history = site
            .get(
                &format!("/v1/config/policy/history?site={name}"),
                &[("authorization", &privacy())],
            )
            .await
            .json();
        assert_eq!(history["versions"].as_array().unwrap().len(), 1);
        assert_eq!(history["versions"][0]["published_by"], format!("file {name}/policy.json"));
        assert_eq!(site.agent_config(&name, &[]).await.json()["documents"][1]["version"], 5);

        // A newer file is published over the stored one.
        std::fs::write(dir.path().join(&policy_path), policy(3).to_string()).unwrap();
        publish_dir(&site.db, dir.path()).await.unwrap();
        assert_eq!(site.agent_config(&name, &[]).await.json()["documents"][0]["version"], 3);
    }
}

#[tokio::test]
async fn a_bad_documents_directory_publishes_nothing_and_lists_every_problem() {
    let site = Site::new("sqlite", None).await;
    let dir = documents_dir(&[
        ("demo/settings.json", r#"{ "kind": "settings", "version": 1, "idle_minutes": 0 }"#),
        ("demo/polcy.json", "{}"),
        ("demo/policy.json", "{ not json"),
        ("good/settings.json", &settings(1).to_string()),
        ("my shop/settings.json", &settings(1).to_string()),
    ]);
    let error = publish_dir(&site.db, dir.path()).await.unwrap_err().to_string();
    let root = dir.path().display();
    assert_eq!(
        error.lines().collect::<Vec<_>>(),
        [
            format!("the documents in {root} have problems; nothing was published:"),
            format!("{root}/demo/polcy.json: polcy is not a document kind; name files policy.json, settings.json, campaigns.json, knowledge.json, catalogue.json"),
            format!("{root}/demo/policy.json: not valid JSON: key must be a string at line 1 column 3"),
            format!("{root}/demo/settings.json: idle_minutes: must be a whole number of minutes from 1 to 525600, got 0"),
            format!("{root}/my shop: a site's folder name must be 1-64 letters, digits, - or _"),
        ]
    );
    assert_eq!(site.agent_config("good", &[]).await.json()["documents"], json!([]));
}

/// A GET over a plain socket: (status, ETag, body).
fn http_get(address: &str, path: &str) -> (String, String, String) {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.lines().next().unwrap().to_owned();
    let etag = head
        .lines()
        .find_map(|line| {
            line.to_ascii_lowercase().starts_with("etag:").then(|| line[5..].trim().to_owned())
        })
        .unwrap_or_default();
    (status, etag, body.to_owned())
}

/// Runs the server binary on `data`, publishing the repository's `documents/`, and GETs the
/// demo's config.
fn serve_demo_config(data: &std::path::Path) -> (String, String, String) {
    let documents = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../documents");
    std::fs::create_dir_all(data.join("www")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_concierge-server"))
        .args(["--port", "0", "--www"])
        .arg(data.join("www"))
        .arg("--data-dir")
        .arg(data)
        .arg("--documents")
        .arg(documents)
        .env_remove("DATABASE_URL")
        .env_remove("CONCIERGE_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line
        .trim()
        .trim_start_matches("Concierge demo running at http://")
        .trim_end_matches('/')
        .to_owned();
    let answer = if address.is_empty() {
        (line, String::new(), String::new())
    } else {
        http_get(&address, "/v1/config?site=demo")
    };
    child.kill().unwrap();
    child.wait().unwrap();
    answer
}

#[test]
fn the_demo_documents_are_served_with_the_same_etag_by_each_process() {
    let data = tempfile::tempdir().unwrap();
    let (status, first_tag, first_body) = serve_demo_config(data.path());
    assert_eq!(status, "HTTP/1.1 200 OK", "{first_body}");
    let config: Value = serde_json::from_str(&first_body).unwrap();
    assert_eq!(config["site"], "demo");
    assert_eq!(config["documents"][0]["kind"], "policy");
    assert_eq!(config["documents"][1]["kind"], "settings");
    assert_eq!(config["documents"][1]["idle_minutes"], 30);
    assert_eq!(config["documents"][1]["dismiss_hours"], 24);
    assert_eq!(config["documents"][1]["checkout_path"], "/checkout/");
    assert_eq!(config["documents"][2]["kind"], "campaigns");
    assert_eq!(config["documents"][2]["campaigns"][0]["id"], "cart-recovery");

    let (_, second_tag, second_body) = serve_demo_config(data.path());
    assert_eq!(second_body, first_body);
    assert_eq!(second_tag, first_tag);
    assert_eq!(first_tag.len(), 34, "{first_tag}");
}

#[test]
fn a_bad_documents_directory_stops_the_server_with_its_problems() {
    let dir = documents_dir(&[(
        "demo/settings.json",
        r#"{ "kind": "settings", "version": 1, "idle_minutes": 0 }"#,
    )]);
    let data = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(data.path().join("www")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_concierge-server"))
        .args(["--port", "0", "--www"])
        .arg(data.path().join("www"))
        .arg("--data-dir")
        .arg(data.path())
        .env("CONCIERGE_DOCUMENTS_DIR", dir.path())
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A server that starts anyway would never exit: give it ten seconds, then fail.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("the server started with a bad documents directory");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "no URL is announced");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "demo/settings.json: idle_minutes: must be a whole number of minutes from 1 to 525600, got 0"
        ),
        "{stderr}"
    );
}

#[test]
fn help_documents_the_documents_directory() {
    let output =
        Command::new(env!("CARGO_BIN_EXE_concierge-server")).arg("--help").output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(help.contains("--documents") && help.contains("CONCIERGE_DOCUMENTS_DIR"), "{help}");
}

#[tokio::test]
async fn the_openapi_description_lists_the_config_endpoints() {
    let site = Site::new("sqlite", None).await;
    let description = site.get("/v1/openapi.json", &[]).await.json();
    for path in ["/v1/config", "/v1/config/{kind}", "/v1/config/{kind}/history", "/v1/session"] {
        assert!(description["paths"][path].is_object(), "{path}");
    }
    assert_eq!(
        description["components"]["schemas"]["SettingsDocument"]["properties"]["idle_minutes"]
            ["maximum"],
        525_600
    );
    let schemas = &description["components"]["schemas"];
    let campaign = &schemas["Campaign"]["properties"];
    assert_eq!(campaign["holdout"]["maximum"], 0.5);
    assert_eq!(campaign["priority"]["maximum"], 100);
    assert!(schemas["CampaignsDocument"]["properties"]["campaigns"].is_object());
    let kinds = &description["components"]["parameters"]["Kind"]["schema"]["enum"];
    assert_eq!(kinds, &json!(["policy", "settings", "campaigns", "knowledge", "catalogue"]));
    assert_eq!(schemas["CatalogueProduct"]["properties"]["price"]["maximum"], 10_000_000_000u64);
    let entry = &schemas["KnowledgeEntry"]["properties"];
    assert_eq!(entry["question"]["maxLength"], 200);
    assert_eq!(entry["lang"]["enum"], json!(["en", "es", "nl", "de"]));
}

#[tokio::test]
async fn marketers_publish_the_campaigns_and_agents_get_them() {
    for site in sites().await {
        let name = unique("shop");
        let uri = format!("/v1/config/campaigns?site={name}");
        let reply = site.put(&uri, &marketer(), &campaigns(1).to_string()).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}: {}", site.backend, text(&reply));
        let by = concierge_server::db::sha256_hex(MARKETER_TOKEN);
        assert_eq!(reply.json()["published_by"], format!("marketer {}", &by[..8]));
        assert_eq!(reply.json()["kind"], "campaigns");

        let config = site.agent_config(&name, &[]).await.json();
        let served = &config["documents"][0];
        assert_eq!(served["kind"], "campaigns");
        assert_eq!(served["version"], 1);
        assert_eq!(
            served["campaigns"][0]["targeting"],
            json!({ ">": [{ "var": "cart.count" }, 0] })
        );
        // Stored in the encoder's form: the defaults written out.
        assert_eq!(served["contact"], json!({ "interruptive_at_once": 1 }));
        assert_eq!(
            served["campaigns"][0]["contact"],
            json!({ "cooldown_hours": 24, "stop_after_conversion": true })
        );

        // Versions as for every kind; no one else publishes them, and marketers nothing else.
        let reply = site.put(&uri, &marketer(), &campaigns(1).to_string()).await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert_eq!(reply.json()["current_version"], 1);
        for token in [staff(), privacy(), "Bearer guess".to_owned()] {
            let reply = site.put(&uri, &token, &campaigns(2).to_string()).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}: {token}", site.backend);
        }
        let settings_uri = format!("/v1/config/settings?site={name}");
        let reply = site.put(&settings_uri, &marketer(), &settings(1).to_string()).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        let policy_uri = format!("/v1/config/policy?site={name}");
        let reply = site.put(&policy_uri, &marketer(), &policy(1).to_string()).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_campaigns_document_with_problems_gets_422_with_every_one() {
    for site in sites().await {
        let name = unique("shop");
        let uri = format!("/v1/config/campaigns?site={name}");
        let mut bad = campaigns(1);
        let campaign = &mut bad["campaigns"][0];
        campaign["placement"] = json!({ "type": "modal" });
        campaign["targeting"] = json!({ "and": [true, { "foo": 1 }] });
        campaign["content"]["en"]["title"] = json!("Only {{cart.totl}}");
        campaign["holdout"] = json!(0.7);
        let reply = site.put(&uri, &marketer(), &bad.to_string()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", site.backend);
        assert_eq!(
            reply.json(),
            json!({
                "error": "invalid_document",
                "message": "the document has 4 problems; nothing was published",
                "problems": [
                    { "path": "campaigns[0].targeting.and[1].foo", "message": "unsupported operator \"foo\"" },
                    { "path": "campaigns[0].content.en.title", "message": "uses {{cart.totl}}, which is not a variable; the variables are {{cart.total}}, {{cart.count}}, {{cart.code}}, {{item.name}}" },
                    { "path": "campaigns[0].holdout", "message": "must be a number from 0 to 0.5, got 0.7" },
                    { "path": "campaigns[0].placement.type", "message": "is modal, which interrupts the visitor, so it opens only on an exit_intent or custom trigger; this campaign's trigger is returning_visit" },
                ],
            })
        );
        assert_eq!(site.agent_config(&name, &[]).await.json()["documents"], json!([]));
    }
}

#[tokio::test]
async fn campaign_links_to_other_hosts_need_the_published_settings_to_list_them() {
    for site in sites().await {
        let name = unique("shop");
        let uri = format!("/v1/config/campaigns?site={name}");
        let mut linked = campaigns(1);
        linked["campaigns"][0]["content"]["de"]["action"]["href"] = json!("https://pay.example/de");
        let reply = site.put(&uri, &marketer(), &linked.to_string()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", site.backend);
        assert_eq!(
            reply.json()["problems"],
            json!([{ "path": "campaigns[0].content.de.action.href", "message": "links to pay.example, which is not in the settings' link_hosts; add it there or use a path" }])
        );
        let mut hosts = settings(1);
        hosts["link_hosts"] = json!(["pay.example"]);
        assert_eq!(site.publish(&name, &hosts).await.status, StatusCode::CREATED);
        let reply = site.put(&uri, &marketer(), &linked.to_string()).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", text(&reply));
    }
}

#[tokio::test]
async fn marketers_and_the_privacy_officer_read_the_campaigns_history() {
    for site in sites().await {
        let name = unique("shop");
        site.publish(&name, &campaigns(1)).await;
        let mut paused = campaigns(2);
        paused["campaigns"][0]["status"] = json!("paused");
        assert_eq!(site.publish(&name, &paused).await.status, StatusCode::CREATED);
        let uri = format!("/v1/config/campaigns/history?site={name}");
        for token in [marketer(), privacy()] {
            let reply = site.get(&uri, &[("authorization", &token)]).await;
            assert_eq!(reply.status, StatusCode::OK, "{}: {token}", site.backend);
            let versions = reply.json()["versions"].clone();
            assert_eq!(versions.as_array().unwrap().len(), 2);
            assert_eq!(versions[0]["version"], 2);
            assert_eq!(versions[0]["document"]["campaigns"][0]["status"], "paused");
            assert_eq!(versions[1]["document"]["campaigns"][0]["status"], "active");
        }
        assert_eq!(
            site.get(&uri, &[("authorization", &staff())]).await.status,
            StatusCode::UNAUTHORIZED
        );
        // A marketer reads the history of the campaigns only.
        let policy_history = format!("/v1/config/policy/history?site={name}");
        let reply = site.get(&policy_history, &[("authorization", &marketer())]).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
}

fn knowledge(version: u32, link: &str) -> Value {
    json!({ "kind": "knowledge", "version": version,
            "opening_hours": texts("Mon-Sat 10-19"),
            "entries": [
                { "id": "delivery-time", "lang": "en", "question": "How long does delivery take?",
                  "answer": "One to two working days.", "link": link, "tags": ["delivery"] },
                { "id": "delivery-time", "lang": "es", "question": "¿Cuánto tarda la entrega?",
                  "answer": "Uno o dos días laborables.", "synonyms": ["plazo"] },
            ] })
}

#[tokio::test]
async fn staff_publish_the_knowledge_checked_as_the_cli_checks_it_and_the_assistant_fetches_it_apart(
) {
    for site in sites().await {
        let name = unique("shop");
        let uri = format!("/v1/config/knowledge?site={name}");
        let good = knowledge(1, "/help/delivery/");
        for token in [marketer(), privacy()] {
            let reply = site.put(&uri, &token, &good.to_string()).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}: {token}", site.backend);
        }
        let reply = site.put(&uri, &staff(), &good.to_string()).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}: {}", site.backend, text(&reply));
        assert_eq!(reply.json()["kind"], "knowledge");
        // Every agent's config leaves it out: only the assistant, when opened, reads it.
        let config = site.agent_config(&name, &[]).await.json();
        assert_eq!(config["documents"], json!([]), "{}: not in /v1/config", site.backend);
        // Only a pointer to it, which the agent's reader and the strict check both take.
        assert_eq!(
            config["assistant"],
            json!({ "knowledge": uri, "version": 1 }),
            "{}",
            site.backend
        );
        let strict = concierge_protocol::documents::check_config(
            &serde_json::from_value(config.clone()).unwrap(),
        );
        assert!(strict.is_ok(), "{strict:?}");
        let served = site.get(&uri, &[]).await;
        assert_eq!(served.status, StatusCode::OK, "{}", site.backend);
        assert_eq!(served.json(), good, "{}: served as published", site.backend);
        assert_eq!(served.headers["cache-control"], "no-cache");
        let tag = etag(&served);
        let again = site.get(&uri, &[("if-none-match", &tag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{}", site.backend);

        // The validator's problems, with their paths; nothing is published.
        let mut bad = knowledge(2, "http://help.example/");
        bad["entries"][1]["id"] = json!("delivery-time");
        bad["entries"][1]["lang"] = json!("en");
        bad["entries"][0]["question"] = json!(" ");
        let reply = site.put(&uri, &staff(), &bad.to_string()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", site.backend);
        assert_eq!(
            reply.json()["problems"],
            json!([
                { "path": "entries[0].question", "message": "must not be empty" },
                { "path": "entries[0].link", "message": "must use https://, got \"http://help.example/\"" },
                { "path": "entries[1].id", "message": "\"delivery-time\" is a second en entry with this id (the first is entries[0]); an id names one entry in each language" },
            ])
        );

        // An https link needs its host in the published settings, as a campaign's does.
        let elsewhere = knowledge(2, "https://help.example/delivery");
        let reply = site.put(&uri, &staff(), &elsewhere.to_string()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", site.backend);
        assert_eq!(reply.json()["problems"][0]["path"], "entries[0].link");
        let settings = json!({ "kind": "settings", "version": 1, "link_hosts": ["help.example"] });
        assert_eq!(site.publish(&name, &settings).await.status, StatusCode::CREATED);
        let reply = site.put(&uri, &staff(), &elsewhere.to_string()).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}: {}", site.backend, text(&reply));
        assert_eq!(site.get(&uri, &[]).await.json()["version"], 2);
        let config = site.agent_config(&name, &[]).await.json();
        assert_eq!(config["assistant"]["version"], 2, "{}: the pointer follows", site.backend);
        assert_eq!(
            config["documents"].as_array().map(Vec::len),
            Some(1),
            "{}: settings only",
            site.backend
        );
        assert_eq!(config["documents"][0]["kind"], "settings");
    }
}

#[tokio::test]
async fn a_kind_in_the_config_or_never_published_is_not_served_on_its_own_url() {
    for site in sites().await {
        let name = unique("shop");
        let reply = site.get(&format!("/v1/config/knowledge?site={name}"), &[]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", site.backend);
        assert_eq!(reply.json()["message"], "this site has published no knowledge document");
        let settings = json!({ "kind": "settings", "version": 1 });
        assert_eq!(site.publish(&name, &settings).await.status, StatusCode::CREATED);
        let reply = site.get(&format!("/v1/config/settings?site={name}"), &[]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", site.backend);
        assert_eq!(
            reply.json()["message"],
            "the settings document is served in /v1/config, not on its own URL"
        );
        let reply = site.get(&format!("/v1/config/knowledge?site={name}&visitor=1"), &[]).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}: only the site",
            site.backend
        );
    }
}

fn catalogue(version: u32, image: &str) -> Value {
    json!({ "kind": "catalogue", "version": version, "products": [
        { "id": "aurora-x1", "name": "Aurora X1", "url": "/product/?id=aurora-x1", "image": image,
          "price": 799, "currency": "EUR", "category": "Phones", "availability": "in_stock" },
        { "id": "case-clear", "name": "Clear case", "url": "/product/?id=case-clear",
          "price": 24.99, "currency": "EUR", "category": "Accessories" },
    ] })
}

#[tokio::test]
async fn staff_publish_the_catalogue_checked_as_the_cli_checks_it_and_agents_get_it_in_the_config()
{
    for site in sites().await {
        let name = unique("shop");
        let uri = format!("/v1/config/catalogue?site={name}");
        let good = catalogue(1, "/img/phones.svg");
        for token in [marketer(), privacy()] {
            let reply = site.put(&uri, &token, &good.to_string()).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}: {token}", site.backend);
        }
        let reply = site.put(&uri, &staff(), &good.to_string()).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}: {}", site.backend, text(&reply));
        assert_eq!(reply.json()["kind"], "catalogue");
        // In every agent's config (the slot is drawn on a first page view), as published.
        let config = site.agent_config(&name, &[]).await.json();
        assert_eq!(config["documents"], json!([good]), "{}: in /v1/config", site.backend);
        let reply = site.get(&uri, &[]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}: not apart", site.backend);

        // The validator's problems, with their paths; nothing is published.
        let mut bad = catalogue(2, "http://cdn.example/x.png");
        bad["products"][1]["id"] = json!("aurora-x1");
        bad["products"][1]["currency"] = json!("euro");
        bad["products"][0]["price"] = json!(-5);
        let reply = site.put(&uri, &staff(), &bad.to_string()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", site.backend);
        assert_eq!(
            reply.json()["problems"],
            json!([
                { "path": "products[0].image", "message": "must use https://, got \"http://cdn.example/x.png\"" },
                { "path": "products[0].price", "message": "must be a number from 0 to 10000000000, got -5" },
                { "path": "products[1].id", "message": "\"aurora-x1\" is listed twice (first at products[0])" },
                { "path": "products[1].currency", "message": "must be an ISO 4217 code of three capital letters such as EUR, got \"euro\"" },
            ])
        );

        // An https image or page needs its host in the published settings, as a campaign's link.
        let elsewhere = catalogue(2, "https://cdn.example/x.png");
        let reply = site.put(&uri, &staff(), &elsewhere.to_string()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", site.backend);
        assert_eq!(reply.json()["problems"][0]["path"], "products[0].image");
        let settings = json!({ "kind": "settings", "version": 1, "link_hosts": ["cdn.example"] });
        assert_eq!(site.publish(&name, &settings).await.status, StatusCode::CREATED);
        let reply = site.put(&uri, &staff(), &elsewhere.to_string()).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}: {}", site.backend, text(&reply));
        let config = site.agent_config(&name, &[]).await.json();
        assert_eq!(config["documents"][1], elsewhere, "{}: the new version", site.backend);
    }
}

/// Catalogue feeds as a shop's servers would answer them: by URL, a body or a failure.
struct Feeds(Vec<(&'static str, Result<String, String>)>);

impl concierge_server::feeds::FetchFeed for Feeds {
    fn fetch(&self, url: &str) -> Result<Vec<u8>, String> {
        match self.0.iter().find(|(known, _)| *known == url) {
            Some((_, answer)) => answer.clone().map(String::into_bytes),
            None => Err("HTTP 404".into()),
        }
    }
}

#[tokio::test]
async fn a_catalogue_naming_a_feed_is_published_with_the_feeds_valid_products_and_the_rest_named() {
    let feed = json!({ "generated": "2026-12-06", "products": [
        { "id": "aurora-x1", "name": "Aurora X1", "url": "/product/?id=aurora-x1",
          "image": "https://feeds.shop.example/img/aurora.png", "price": 799, "currency": "EUR",
          "category": "Phones", "gtin": "04012345678901" },
        { "id": "pebble", "name": "Pebble", "url": "/product/?id=pebble", "price": "899", "currency": "EUR" },
        { "id": "kestrel", "name": "Kestrel 5G", "url": "https://elsewhere.example/kestrel",
          "price": 329, "currency": "EUR" },
    ] });
    for mut site in sites().await {
        site.with_feeds(std::sync::Arc::new(Feeds(vec![
            ("https://feeds.shop.example/products.json", Ok(feed.to_string())),
            ("https://feeds.shop.example/broken.json", Ok("{\"products\": [".into())),
            ("https://feeds.shop.example/slow.json", Err("timed out".into())),
        ])));
        let name = unique("shop");
        let uri = format!("/v1/config/catalogue?site={name}");
        let named = |version: u32, url: &str| json!({ "kind": "catalogue", "version": version, "feed_url": url });

        // A feed on a host the settings do not list is refused before anything is fetched.
        let reply = site
            .put(&uri, &staff(), &named(1, "https://feeds.shop.example/products.json").to_string())
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", site.backend);
        assert_eq!(reply.json()["problems"][0]["path"], "feed_url");
        let settings =
            json!({ "kind": "settings", "version": 1, "link_hosts": ["feeds.shop.example"] });
        assert_eq!(site.publish(&name, &settings).await.status, StatusCode::CREATED);

        // Fetched at publish: the valid products are served in every agent's config, as listed;
        // the answer names each product left out by its field.
        let reply = site
            .put(&uri, &staff(), &named(1, "https://feeds.shop.example/products.json").to_string())
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}: {}", site.backend, text(&reply));
        assert_eq!(
            reply.json()["feed"],
            json!({ "url": "https://feeds.shop.example/products.json", "products": 1, "left_out": [
                { "path": "products[1].price", "message": "must be a number from 0 to 10000000000, got \"899\"; left out" },
                { "path": "products[id=kestrel].url", "message": "links to elsewhere.example, which is not in the settings' link_hosts; add it there or use a path; left out" },
            ] }),
            "{}",
            site.backend
        );
        let config = site.agent_config(&name, &[]).await.json();
        let served = &config["documents"][1];
        assert_eq!(served["kind"], "catalogue");
        assert_eq!(served["feed_url"], Value::Null, "{}: products, not the feed", site.backend);
        assert_eq!(served["products"].as_array().unwrap().len(), 1);
        assert_eq!(served["products"][0]["id"], "aurora-x1");
        assert_eq!(served["products"][0]["image"], "https://feeds.shop.example/img/aurora.png");
        assert_eq!(served["products"][0].get("gtin"), None, "only the catalogue's fields");

        // A feed that cannot be fetched or read publishes nothing and says why; the products
        // published before stay in force.
        for (url, message) in [
            (
                "https://feeds.shop.example/slow.json",
                "the feed https://feeds.shop.example/slow.json could not be fetched: timed out",
            ),
            (
                "https://feeds.shop.example/missing.json",
                "the feed https://feeds.shop.example/missing.json could not be fetched: HTTP 404",
            ),
        ] {
            let reply = site.put(&uri, &staff(), &named(2, url).to_string()).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", site.backend);
            assert_eq!(
                reply.json()["problems"],
                json!([{ "path": "feed_url", "message": message }])
            );
        }
        let reply = site
            .put(&uri, &staff(), &named(2, "https://feeds.shop.example/broken.json").to_string())
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", site.backend);
        let message = reply.json()["problems"][0]["message"].as_str().unwrap().to_owned();
        assert!(
            message
                .starts_with("the feed https://feeds.shop.example/broken.json is not valid JSON"),
            "{message}"
        );
        // A path cannot be fetched by the server: it says what to name instead.
        let reply = site.put(&uri, &staff(), &named(2, "/feeds/products.json").to_string()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", site.backend);
        assert_eq!(reply.json()["problems"][0]["path"], "feed_url");
        let config = site.agent_config(&name, &[]).await.json();
        assert_eq!(config["documents"][1]["products"][0]["id"], "aurora-x1", "{}", site.backend);
    }
}

#[tokio::test]
async fn a_catalogues_feed_is_read_again_and_a_changed_one_publishes_a_new_version() {
    use concierge_server::feeds::{refresh_all, REFRESHED_BY};
    let product = |id: &str, price: f64| json!({ "id": id, "name": id, "url": format!("/product/?id={id}"), "price": price, "currency": "EUR" });
    // Its own feed: on PostgreSQL's shared database every site's feed is read again, and
    // another test's feed answers 404 here, which leaves its products in force.
    let url = "https://feeds.shop.example/refreshed.json";
    let answering =
        |feed: Result<String, String>| -> std::sync::Arc<dyn concierge_server::feeds::FetchFeed> {
            std::sync::Arc::new(Feeds(vec![(url, feed)]))
        };
    for mut site in sites().await {
        let name = unique("shop");
        let settings =
            json!({ "kind": "settings", "version": 1, "link_hosts": ["feeds.shop.example"] });
        assert_eq!(site.publish(&name, &settings).await.status, StatusCode::CREATED);
        let first = json!({ "products": [product("a", 10.0)] });
        site.with_feeds(answering(Ok(first.to_string())));
        let named = json!({ "kind": "catalogue", "version": 4, "feed_url": url });
        assert_eq!(
            site.publish(&name, &named).await.status,
            StatusCode::CREATED,
            "{}",
            site.backend
        );
        let served = |config: &Value| config["documents"][1].clone();
        let mine = |config: &Value| {
            served(config)["products"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };

        // Unchanged: no new version. Refreshes of other tests' sites may run at once on the
        // database PostgreSQL's tests share, so this site's documents are what is looked at.
        refresh_all(&site.db, answering(Ok(first.to_string())), LATER_MS).await.unwrap();
        let config = site.agent_config(&name, &[]).await.json();
        assert_eq!(served(&config)["version"], 4, "{}", site.backend);

        // Changed: a new version with the feed's products, published by the refresh.
        let second =
            json!({ "products": [product("b", 20.0), product("a", 12.0), { "id": "bad" }] });
        refresh_all(&site.db, answering(Ok(second.to_string())), LATER_MS).await.unwrap();
        let config = site.agent_config(&name, &[]).await.json();
        assert_eq!(served(&config)["version"], 5, "{}", site.backend);
        assert_eq!(mine(&config), ["b", "a"], "{}", site.backend);
        assert_eq!(served(&config)["products"][1]["price"], 12.0);
        let history = site
            .db
            .document_history(&name, concierge_protocol::documents::Kind::Catalogue)
            .await
            .unwrap();
        assert_eq!(history[0].published_by, REFRESHED_BY);

        // A feed that fails: the products in force stay.
        refresh_all(&site.db, answering(Err("timed out".into())), LATER_MS).await.unwrap();
        let config = site.agent_config(&name, &[]).await.json();
        assert_eq!(
            (served(&config)["version"].clone(), mine(&config)),
            (json!(5), vec!["b".to_owned(), "a".to_owned()])
        );

        // A catalogue published with its own products: its feed is no longer read.
        let listed = json!({ "kind": "catalogue", "version": 6, "products": [product("c", 1.0)] });
        assert_eq!(site.publish(&name, &listed).await.status, StatusCode::CREATED);
        refresh_all(&site.db, answering(Ok(second.to_string())), LATER_MS).await.unwrap();
        let config = site.agent_config(&name, &[]).await.json();
        assert_eq!(
            (served(&config)["version"].clone(), mine(&config)),
            (json!(6), vec!["c".to_owned()])
        );
    }
}

const LATER_MS: i64 = 1_795_435_200_000;
