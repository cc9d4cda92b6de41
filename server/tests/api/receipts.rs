//! Consent receipts: recording them (checked field by field, stored once per receipt and time,
//! one row per purpose), the officer's export as CSV and JSON Lines, and the consent report.

use super::support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use concierge_server::api::AUTH_FAILURES_ALLOWED;
use serde_json::{json, Value};

const DAY: i64 = 24 * 60 * 60 * 1000;

/// A receipt id as the agent makes one: `r_` and 22 base64url characters.
fn receipt_id() -> String {
    let unique = unique("").replace('x', "");
    format!("r_{:0>22}", &unique[unique.len().saturating_sub(22)..])
}

fn receipt(site: &str, at: i64, choices: Value) -> Value {
    json!({ "site": site, "receipt": receipt_id(), "visitor": null, "policy": 2, "at": at,
            "region": "DE", "source": "dialog", "choices": choices })
}

fn all(decision: &str) -> Value {
    json!({ "necessary": "granted", "measurement": decision, "personalization": decision, "marketing": decision })
}

fn today() -> i64 {
    let now = concierge_server::api::now_ms();
    now - now.rem_euclid(DAY) + 12 * 60 * 60 * 1000
}

impl Site {
    async fn record(&self, receipt: &Value) -> Reply {
        self.post_json("/v1/consent/receipts", &[], receipt).await
    }

    async fn as_officer(&self, uri: &str) -> Reply {
        self.get(uri, &[("authorization", &officer())]).await
    }
}

fn text(reply: &Reply) -> String {
    String::from_utf8(reply.body.clone()).unwrap()
}

#[tokio::test]
async fn a_receipt_is_accepted_and_kept_as_one_row_per_purpose() {
    for site in sites().await {
        let shop = unique("shop");
        let reply = site.record(&receipt(&shop, today(), all("denied"))).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}: {}", site.backend, text(&reply));
        assert_eq!(reply.json(), json!({}));
        assert_eq!(reply.headers["cache-control"], "no-store");
        assert_eq!(site.db.receipt_rows(&shop).await.unwrap(), (1, 4), "{}", site.backend);
    }
}

#[tokio::test]
async fn the_same_receipt_and_time_sent_twice_is_stored_once() {
    for site in sites().await {
        let shop = unique("shop");
        let first = receipt(&shop, today(), all("granted"));
        assert_eq!(site.record(&first).await.status, StatusCode::ACCEPTED);
        assert_eq!(site.record(&first).await.status, StatusCode::ACCEPTED);
        assert_eq!(site.db.receipt_rows(&shop).await.unwrap(), (1, 4), "{}", site.backend);
        // The same receipt at a later time is the visitor's next choice: kept too.
        let mut later = first.clone();
        later["at"] = json!(today() + 1000);
        later["choices"] = json!({ "necessary": "granted", "marketing": "denied" });
        assert_eq!(site.record(&later).await.status, StatusCode::ACCEPTED);
        assert_eq!(site.db.receipt_rows(&shop).await.unwrap(), (2, 6), "{}", site.backend);
    }
}

#[tokio::test]
async fn every_bad_field_of_a_receipt_is_named_in_one_400() {
    let site = Site::new("sqlite", None).await;
    let bad = json!({ "site": "no spaces", "receipt": "r_short", "visitor": "tiny", "policy": 0,
                      "at": -5, "region": "germany", "source": "banner", "extra": 1,
                      "choices": { "Marketing": "granted", "measurement": "maybe" } });
    let reply = site.record(&bad).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", text(&reply));
    let body = reply.json();
    assert_eq!(body["error"], "invalid_request");
    let fields: Vec<&str> =
        body["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
    for field in [
        "site",
        "receipt",
        "visitor",
        "policy",
        "at",
        "region",
        "source",
        "extra",
        "choices.Marketing",
        "choices.measurement",
    ] {
        assert!(fields.contains(&field), "{field} not named in {body}");
    }
    for (body, field) in [
        (json!([1]), ""),
        (json!({ "site": "demo" }), "receipt"),
        (
            json!({ "site": "demo", "receipt": receipt_id(), "policy": 2, "at": 1, "source": "api", "choices": {} }),
            "choices",
        ),
    ] {
        let reply = site.record(&body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.json()["field"], field, "{body}");
    }
    let (receipts, _) = site.db.receipt_rows("demo").await.unwrap();
    assert_eq!(receipts, 0, "nothing of a refused receipt is kept");
}

#[tokio::test]
async fn a_receipt_over_4_kb_is_refused_with_413() {
    let site = Site::new("sqlite", None).await;
    let mut big = receipt("demo", today(), all("granted"));
    big["visitor"] = json!("v".repeat(5000));
    let reply = site.record(&big).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", text(&reply));
}

#[tokio::test]
async fn the_export_wants_an_officer_token_and_limits_wrong_ones() {
    let site = Site::new("sqlite", None).await;
    let uri = "/v1/consent/receipts?site=demo&format=csv";
    assert_eq!(site.get(uri, &[]).await.status, StatusCode::UNAUTHORIZED);
    let staff = staff();
    assert_eq!(site.get(uri, &[("authorization", &staff)]).await.status, StatusCode::UNAUTHORIZED);
    for _ in 1..AUTH_FAILURES_ALLOWED {
        site.get(uri, &[("authorization", "Bearer wrong")]).await;
    }
    let reply = site.as_officer(uri).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{}", text(&reply));
    assert!(reply.headers.contains_key("retry-after"));
    let report = site.as_officer("/v1/reports/consent?site=demo").await;
    assert_eq!(report.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_csv_export_has_a_header_one_row_per_purpose_and_no_formulas() {
    for site in sites().await {
        // A site id may start with "-", which a spreadsheet would take for a formula.
        let shop = format!("-{}", unique("shop"));
        let mut sent =
            receipt(&shop, today(), json!({ "necessary": "granted", "marketing": "denied" }));
        sent["region"] = json!("US-CA");
        sent["source"] = json!("gpc");
        sent["visitor"] = json!("vis_0123456789abcdef");
        assert_eq!(site.record(&sent).await.status, StatusCode::ACCEPTED);

        let reply = site.as_officer(&format!("/v1/consent/receipts?site={shop}&format=csv")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}: {}", site.backend, text(&reply));
        assert_eq!(reply.headers["content-type"], "text/csv; charset=utf-8");
        assert!(reply.headers["content-disposition"].to_str().unwrap().contains(".csv"));
        let csv = text(&reply);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "receipt,at,time,site,visitor,policy,region,source,purpose,decision");
        assert_eq!(lines.len(), 4, "a header, two rows and the final line break: {csv:?}");
        let at = sent["at"].as_i64().unwrap();
        let id = sent["receipt"].as_str().unwrap();
        let time = concierge_server::receipts::iso_time(at);
        assert_eq!(
            lines[1],
            format!("{id},{at},{time},'{shop},vis_0123456789abcdef,2,US-CA,gpc,marketing,denied")
        );
        assert!(lines[2].ends_with(",necessary,granted"), "{}", lines[2]);
        assert_eq!(lines[3], "");
    }
}

#[tokio::test]
async fn the_json_lines_export_keeps_the_receipts_between_from_and_to() {
    for site in sites().await {
        let shop = unique("shop");
        let day = |text: &str| concierge_server::receipts::parse_day(text).unwrap() * DAY;
        for at in [
            day("2026-11-30") + 5,
            day("2026-12-01") + 5,
            day("2026-12-02") + DAY - 1,
            day("2026-12-03"),
        ] {
            assert_eq!(
                site.record(&receipt(&shop, at, all("granted"))).await.status,
                StatusCode::ACCEPTED
            );
        }
        let uri =
            format!("/v1/consent/receipts?site={shop}&from=2026-12-01&to=2026-12-02&format=jsonl");
        let reply = site.as_officer(&uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{}: {}", site.backend, text(&reply));
        assert_eq!(reply.headers["content-type"], "application/x-ndjson");
        let lines: Vec<Value> =
            text(&reply).lines().map(|line| serde_json::from_str(line).unwrap()).collect();
        let times: Vec<i64> = lines.iter().map(|line| line["at"].as_i64().unwrap()).collect();
        assert_eq!(
            times,
            vec![day("2026-12-01") + 5, day("2026-12-02") + DAY - 1],
            "{}",
            site.backend
        );
        assert_eq!(lines[0]["choices"], all("granted"));
        assert_eq!(lines[0]["region"], "DE");
        assert_eq!(lines[0]["visitor"], Value::Null);
        assert_eq!(lines[0]["source"], "dialog");

        // Milliseconds work as bounds too.
        let uri =
            format!("/v1/consent/receipts?site={shop}&from={}&format=jsonl", day("2026-12-03"));
        assert_eq!(text(&site.as_officer(&uri).await).lines().count(), 1);
    }
}

#[tokio::test]
async fn bad_export_and_report_parameters_are_named() {
    let site = Site::new("sqlite", None).await;
    let cases = [
        ("/v1/consent/receipts?format=csv", "site"),
        ("/v1/consent/receipts?site=demo&format=xlsx", "format"),
        ("/v1/consent/receipts?site=demo&from=yesterday", "from"),
        ("/v1/consent/receipts?site=demo&from=2026-12-02&to=2026-12-01", "to"),
        ("/v1/consent/receipts?site=demo&visitor=x", "visitor"),
        ("/v1/reports/consent?site=demo&days=0", "days"),
        ("/v1/reports/consent?site=demo&days=367", "days"),
        ("/v1/reports/consent?site=a%20b", "site"),
    ];
    for (uri, field) in cases {
        let reply = site.as_officer(uri).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}: {}", text(&reply));
        assert_eq!(reply.json()["field"], field, "{uri}");
    }
}

#[tokio::test]
async fn the_report_counts_each_day_and_purpose_with_its_rate() {
    for site in sites().await {
        let shop = unique("shop");
        let today = today();
        for (at, decision) in [
            (today, "granted"),
            (today, "granted"),
            (today, "denied"),
            // Unanswered (a GPC receipt in an opt-in region): accepted, and in no rate.
            (today, "unset"),
            (today - DAY, "denied"),
            // Outside a 3-day report.
            (today - 3 * DAY, "granted"),
        ] {
            let sent =
                receipt(&shop, at, json!({ "necessary": "granted", "measurement": decision }));
            assert_eq!(site.record(&sent).await.status, StatusCode::ACCEPTED);
        }
        let reply = site.as_officer(&format!("/v1/reports/consent?site={shop}&days=3")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}: {}", site.backend, text(&reply));
        assert_eq!(reply.headers["cache-control"], "no-store");
        let report = reply.json();
        let days = report["days"].as_array().unwrap();
        assert_eq!(days.len(), 3, "every day of the range, empty ones too: {report}");
        let day = |n: i64| concierge_server::receipts::format_day(n);
        assert_eq!(days[0], json!({ "day": day(today / DAY - 2), "purposes": {} }));
        assert_eq!(days[1]["day"], day(today / DAY - 1));
        assert_eq!(
            days[1]["purposes"]["measurement"],
            json!({ "granted": 0, "denied": 1, "rate": 0.0 })
        );
        assert_eq!(days[2]["day"], day(today / DAY));
        assert_eq!(
            days[2]["purposes"]["measurement"],
            json!({ "granted": 2, "denied": 1, "rate": 0.6667 }),
            "{}",
            site.backend
        );
        assert_eq!(
            days[2]["purposes"]["necessary"],
            json!({ "granted": 4, "denied": 0, "rate": 1.0 })
        );
        assert_eq!(report["purposes"], json!(["measurement", "necessary"]));
    }
}

#[tokio::test]
async fn receipts_may_come_from_the_shops_origins() {
    let mut site = Site::new("sqlite", None).await;
    site.reconfigure(|config| config.allowed_origins = vec!["https://shop.example".into()]);
    let reply = site
        .request(
            Method::OPTIONS,
            "/v1/consent/receipts",
            &[
                ("origin", "https://shop.example"),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
            ],
            Body::empty(),
        )
        .await;
    assert_eq!(reply.headers["access-control-allow-origin"], "https://shop.example");
}

#[tokio::test]
async fn the_openapi_description_lists_the_consent_endpoints() {
    let site = Site::new("sqlite", None).await;
    let description = site.get("/v1/openapi.json", &[]).await.json();
    assert!(description["paths"]["/v1/consent/receipts"]["post"].is_object());
    assert!(description["paths"]["/v1/consent/receipts"]["get"].is_object());
    assert!(description["paths"]["/v1/reports/consent"]["get"].is_object());
    assert!(
        description["components"]["schemas"]["ConsentReceipt"]["properties"]["choices"].is_object()
    );
}

#[tokio::test]
async fn the_visitors_export_holds_their_receipts_and_an_erasure_keeps_them_without_the_id() {
    for site in sites().await {
        let shop = unique("shop");
        let visitor = Visitor::new();
        let mut batch = visitor.batch(vec![consent_event("granted", "granted", today())]);
        batch["site"] = json!(shop);
        assert_eq!(counts(&site.send(&batch).await.json()), (1, 0, 0));
        let mut sent = receipt(&shop, today(), all("granted"));
        sent["visitor"] = json!(visitor.id);
        assert_eq!(site.record(&sent).await.status, StatusCode::ACCEPTED);
        // The profile, its consent per purpose (two), its consent event, its batch and its receipt.
        assert_eq!(site.db.rows_about(&visitor.id).await.unwrap(), 6, "{}", site.backend);
        // The visitor's own export holds it.
        let export = site
            .get(
                &format!("/v1/profiles/{}/export", visitor.id),
                &[("x-concierge-secret", &visitor.secret)],
            )
            .await
            .json();
        let receipts = export["consent_receipts"].as_array().unwrap();
        assert_eq!(receipts.len(), 1, "{export}");
        assert_eq!(receipts[0]["receipt"], sent["receipt"]);
        assert_eq!(receipts[0]["choices"], all("granted"));

        let erase = site
            .request(
                Method::DELETE,
                &format!("/v1/profiles/{}", visitor.id),
                &[("authorization", &officer())],
                Body::empty(),
            )
            .await;
        assert_eq!(erase.status, StatusCode::NO_CONTENT, "{}", site.backend);
        assert_eq!(site.db.rows_about(&visitor.id).await.unwrap(), 0, "{}", site.backend);
        let uri = format!("/v1/consent/receipts?site={shop}&format=jsonl");
        let export: Value =
            serde_json::from_str(text(&site.as_officer(&uri).await).trim()).unwrap();
        assert_eq!(export["receipt"], sent["receipt"], "the proof of the choice stays");
        assert_eq!(export["visitor"], Value::Null);
    }
}
