//! Export and erasure: by the visitor's own secret or a privacy officer's token.

use super::support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::json;

const T: i64 = 1_795_435_200_000;

#[tokio::test]
async fn a_visitor_exports_everything_kept_about_them() {
    for site in sites().await {
        let visitor = Visitor::new();
        site.send(&visitor.batch(vec![
            consent_event("granted", "granted", T),
            cart_event(
                json!([{ "item_id": "a", "item_name": "A", "price": 500, "quantity": 1 }]),
                T + 1,
            ),
            add_event("a", "Phones", T + 1),
        ]))
        .await;
        let reply = site
            .get(
                &format!("/v1/profiles/{}/export", visitor.id),
                &[("x-concierge-secret", &visitor.secret)],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", site.backend);
        assert!(reply.headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
        let export = reply.json();
        assert_eq!(export["visitor_id"], visitor.id.as_str());
        assert_eq!(export["cart_code"], visitor.code.as_str());
        assert_eq!(export["cart"]["lines"][0]["item_id"], "a");
        assert_eq!(export["events"].as_array().unwrap().len(), 3);
        assert!(export.get("secret_hash").is_none(), "the secret's hash is not the visitor's data");
    }
}

#[tokio::test]
async fn erasure_leaves_no_row_about_the_visitor() {
    for site in sites().await {
        let visitor = Visitor::new();
        let bystander = Visitor::new();
        for someone in [&visitor, &bystander] {
            site.send(
                &someone.batch(vec![
                    consent_event("granted", "granted", T),
                    add_event("a", "Phones", T),
                ]),
            )
            .await;
        }
        let intent = json!({ "products": ["a"], "channel": "call_centre", "advisor_id": "cc-1" });
        site.post_json(
            &format!("/v1/carts/{}/intent", visitor.code),
            &[("authorization", &staff())],
            &intent,
        )
        .await;
        assert!(site.db.rows_about(&visitor.id).await.unwrap() >= 5, "{}", site.backend);

        let uri = format!("/v1/profiles/{}", visitor.id);
        let reply = site
            .request(
                Method::DELETE,
                &uri,
                &[("x-concierge-secret", &visitor.secret)],
                Body::empty(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", site.backend);
        assert_eq!(site.db.rows_about(&visitor.id).await.unwrap(), 0, "{}", site.backend);
        assert!(site.db.rows_about(&bystander.id).await.unwrap() > 0, "others are untouched");
        let again = site
            .request(
                Method::DELETE,
                &uri,
                &[("x-concierge-secret", &visitor.secret)],
                Body::empty(),
            )
            .await;
        assert_eq!(again.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn only_the_owner_or_a_privacy_officer_may_export_or_erase() {
    for site in sites().await {
        let visitor = Visitor::new();
        site.send(&visitor.batch(vec![consent_event("granted", "granted", T)])).await;
        let export = format!("/v1/profiles/{}/export", visitor.id);
        assert_eq!(site.get(&export, &[]).await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            site.get(&export, &[("x-concierge-secret", "not-the-secret-at-all")]).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            site.get(&export, &[("authorization", &staff())]).await.status,
            StatusCode::FORBIDDEN,
            "staff may not"
        );
        let officer = format!("Bearer {PRIVACY_TOKEN}");
        assert_eq!(site.get(&export, &[("authorization", &officer)]).await.status, StatusCode::OK);
        let reply = site
            .request(
                Method::DELETE,
                &format!("/v1/profiles/{}", visitor.id),
                &[("authorization", &officer)],
                Body::empty(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", site.backend);
    }
}

#[tokio::test]
async fn the_api_documents_itself_and_reports_metrics() {
    let site = Site::new("sqlite", None).await;
    let doc = site.get("/v1/openapi.json", &[]).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/v1/events",
        "/v1/carts/{code}",
        "/v1/carts/{code}/intent",
        "/v1/profiles/{visitor}",
        "/v1/profiles/{visitor}/export",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
}

/// The value of one counter in a Prometheus text page.
fn counter(page: &str, name: &str) -> u64 {
    page.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} in {page}"))
}

#[tokio::test]
async fn metrics_count_the_batches_events_and_failures_seen() {
    let site = Site::new("sqlite", None).await;
    let read = || async { String::from_utf8(site.get("/metrics", &[]).await.body).unwrap() };
    let names = [
        "concierge_batches_total",
        "concierge_batches_replayed_total",
        "concierge_events_accepted_total",
        "concierge_events_refused_total",
        "concierge_events_duplicate_total",
        "concierge_auth_failures_total",
    ];
    let before = read().await;
    assert!(before.contains("# TYPE concierge_events_accepted_total counter"), "{before}");

    let visitor = Visitor::new();
    let batch = visitor.batch(vec![
        consent_event("granted", "denied", T),
        cart_event(json!([{ "item_id": "a", "item_name": "A", "price": 5, "quantity": 1 }]), T + 1),
        add_event("a", "Phones", T + 1),
    ]);
    assert_eq!(site.send(&batch).await.json()["accepted"], 2);
    assert_eq!(site.send(&batch).await.json()["replayed"], true);
    let guess = site.get("/v1/carts/AAA-AAA", &[("authorization", "Bearer guess")]).await;
    assert_eq!(guess.status, StatusCode::UNAUTHORIZED);

    let after = read().await;
    let grown: Vec<u64> =
        names.iter().map(|name| counter(&after, name) - counter(&before, name)).collect();
    // Two batches (one a replay), two events kept, one refused, none repeated, one bad token.
    assert_eq!(grown, [2, 1, 2, 1, 0, 1], "{names:?}\n{after}");
}
