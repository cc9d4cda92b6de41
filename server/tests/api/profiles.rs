//! Export and erasure: by the visitor's own secret or a privacy officer's token.

use super::support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use concierge_server::api::AUTH_FAILURES_ALLOWED;
use serde_json::{json, Value};

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
        let recorded = site
            .post_json(
                &format!("/v1/carts/{}/intent", visitor.code),
                &[("authorization", &staff())],
                &intent,
            )
            .await;
        assert_eq!(recorded.status, StatusCode::CREATED, "{}", site.backend);
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
        // Now unknown: answered as a wrong secret is, so nobody learns the id existed.
        assert_eq!(again.status, StatusCode::FORBIDDEN, "{}", site.backend);
        assert_eq!(again.json()["error"], "forbidden");
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
    for (path, method, status) in [
        ("/v1/events", "post", "410"),
        ("/v1/events", "post", "408"),
        ("/v1/profiles/{visitor}/export", "get", "429"),
        ("/metrics", "get", "401"),
    ] {
        let documented = &doc["paths"][path][method]["responses"][status];
        assert!(documented.is_object(), "{method} {path} documents {status}");
    }
    assert_eq!(doc["paths"]["/metrics"]["get"]["security"][0], json!({ "metrics": [] }));
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
    let read = || async {
        let reply = site.get("/metrics", &[("authorization", &operator())]).await;
        assert_eq!(reply.status, StatusCode::OK);
        String::from_utf8(reply.body).unwrap()
    };
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

#[tokio::test]
async fn metrics_are_for_operators_with_a_metrics_token() {
    let site = Site::new("sqlite", None).await;
    let cases = [
        (None, StatusCode::UNAUTHORIZED),
        (Some("Bearer guess".to_owned()), StatusCode::UNAUTHORIZED),
        (Some(staff()), StatusCode::UNAUTHORIZED),
        (Some(officer()), StatusCode::UNAUTHORIZED),
        (Some(operator()), StatusCode::OK),
    ];
    for (token, status) in cases {
        let headers: Vec<(&str, &str)> =
            token.iter().map(|token| ("authorization", token.as_str())).collect();
        let reply = site.get("/metrics", &headers).await;
        assert_eq!(reply.status, status, "{token:?}");
        let text = String::from_utf8_lossy(&reply.body);
        assert_eq!(text.contains("concierge_events_accepted_total"), status == StatusCode::OK);
    }
}

/// The three doors to a visitor's data, as (method, path).
fn owner_routes(visitor: &str) -> [(Method, String); 3] {
    [
        (Method::GET, format!("/v1/profiles/{visitor}/export")),
        (Method::GET, format!("/v1/profiles/{visitor}/intents")),
        (Method::DELETE, format!("/v1/profiles/{visitor}")),
    ]
}

#[tokio::test]
async fn an_unknown_visitor_and_a_wrong_secret_get_the_same_answer() {
    for mut site in sites().await {
        let visitor = Visitor::new();
        site.send(&visitor.batch(vec![consent_event("granted", "granted", T)])).await;
        let stranger = Visitor::new();
        for ((method, known), (_, unknown)) in
            owner_routes(&visitor.id).into_iter().zip(owner_routes(&stranger.id))
        {
            // Four failures per door; a fresh address each time keeps clear of the limit.
            site.move_client();
            let wrong_secret = site
                .request(
                    method.clone(),
                    &known,
                    &[("x-concierge-secret", "not-the-secret-at-all")],
                    Body::empty(),
                )
                .await;
            let unknown_visitor = site
                .request(
                    method.clone(),
                    &unknown,
                    &[("x-concierge-secret", "not-the-secret-at-all")],
                    Body::empty(),
                )
                .await;
            let no_secret = site.request(method.clone(), &known, &[], Body::empty()).await;
            let wrong_token = site
                .request(
                    method.clone(),
                    &known,
                    &[("authorization", "Bearer guess"), ("x-concierge-secret", &visitor.secret)],
                    Body::empty(),
                )
                .await;
            for reply in [&unknown_visitor, &no_secret, &wrong_token] {
                assert_eq!(
                    (reply.status, String::from_utf8_lossy(&reply.body)),
                    (wrong_secret.status, String::from_utf8_lossy(&wrong_secret.body)),
                    "{} {method} {known}",
                    site.backend
                );
            }
            assert_eq!(wrong_secret.status, StatusCode::FORBIDDEN);
            assert_eq!(wrong_secret.json()["error"], "forbidden");
        }
    }
}

#[tokio::test]
async fn wrong_secrets_and_officer_tokens_are_rate_limited_across_processes() {
    for mut site in sites().await {
        let visitor = Visitor::new();
        site.send(&visitor.batch(vec![consent_event("granted", "granted", T)])).await;
        let routes = owner_routes(&visitor.id);
        let guesses = [
            ("x-concierge-secret", "guessed-secret-0000"),
            ("authorization", "Bearer guessed-officer-token"),
        ];
        for attempt in 0..AUTH_FAILURES_ALLOWED as usize {
            let (method, uri) = &routes[attempt % routes.len()];
            let guess = guesses[attempt % guesses.len()];
            let reply = site.request(method.clone(), uri, &[guess], Body::empty()).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{} attempt {attempt}", site.backend);
            if attempt == 4 {
                // Half way, the next attempts come from another server process.
                site.restart().await;
            }
        }
        // The limit is reached: even the right secret or token waits now, on every door.
        for (method, uri) in &routes {
            for credential in
                [("x-concierge-secret", visitor.secret.as_str()), ("authorization", &officer())]
            {
                let reply = site.request(method.clone(), uri, &[credential], Body::empty()).await;
                assert_eq!(
                    reply.status,
                    StatusCode::TOO_MANY_REQUESTS,
                    "{} {method} {uri}",
                    site.backend
                );
                assert_eq!(reply.headers["retry-after"], "60");
                assert_eq!(reply.json()["error"], "too_many_attempts");
            }
        }
        // Staff behind the same address are counted apart, and so is another client.
        let live =
            site.get(&format!("/v1/carts/{}", visitor.code), &[("authorization", &staff())]).await;
        assert_eq!(live.status, StatusCode::OK, "{}", site.backend);
        site.move_client();
        let (method, uri) = &routes[0];
        let mine = site
            .request(method.clone(), uri, &[("x-concierge-secret", &visitor.secret)], Body::empty())
            .await;
        assert_eq!(mine.status, StatusCode::OK, "{}", site.backend);
    }
}

/// A request (method, path, headers, JSON body) and the status it must get.
type Case<'a> = (Method, String, Vec<(&'a str, &'a str)>, Option<Value>, StatusCode);

#[tokio::test]
async fn answers_with_personal_data_are_never_cached() {
    for site in sites().await {
        let visitor = Visitor::new();
        let batch = visitor.batch(vec![
            consent_event("granted", "granted", T),
            cart_event(json!([{ "item_id": "a", "item_name": "A", "price": 5, "quantity": 1 }]), T),
        ]);
        let secret = [("x-concierge-secret", visitor.secret.as_str())];
        let staff = staff();
        let staff = [("authorization", staff.as_str())];
        let operator = operator();
        let mut bad_batch = visitor.batch(vec![]);
        bad_batch["site"] = json!("<not a site>");
        let intent = json!({ "products": ["a"], "channel": "store", "advisor_id": "s-1" });
        let cart = format!("/v1/carts/{}", visitor.code);
        let profile = format!("/v1/profiles/{}", visitor.id);
        let cases: Vec<Case> = vec![
            (Method::POST, "/v1/events".into(), vec![], Some(batch), StatusCode::OK),
            (
                Method::POST,
                "/v1/events".into(),
                vec![],
                Some(bad_batch),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (Method::GET, cart.clone(), staff.to_vec(), None, StatusCode::OK),
            (Method::GET, cart.clone(), vec![], None, StatusCode::UNAUTHORIZED),
            (Method::GET, "/v1/carts/AAA-AAA".into(), staff.to_vec(), None, StatusCode::NOT_FOUND),
            (
                Method::POST,
                format!("{cart}/intent"),
                staff.to_vec(),
                Some(intent),
                StatusCode::CREATED,
            ),
            (Method::GET, format!("{profile}/intents"), secret.to_vec(), None, StatusCode::OK),
            (Method::GET, format!("{profile}/export"), secret.to_vec(), None, StatusCode::OK),
            (Method::GET, format!("{profile}/export"), vec![], None, StatusCode::FORBIDDEN),
            (
                Method::GET,
                "/metrics".into(),
                vec![("authorization", operator.as_str())],
                None,
                StatusCode::OK,
            ),
            (Method::DELETE, profile.clone(), secret.to_vec(), None, StatusCode::NO_CONTENT),
        ];
        for (method, uri, headers, body, status) in cases {
            let reply = match body {
                Some(body) if method == Method::POST => site.post_json(&uri, &headers, &body).await,
                _ => site.request(method.clone(), &uri, &headers, Body::empty()).await,
            };
            assert_eq!(reply.status, status, "{} {method} {uri}", site.backend);
            assert_eq!(
                reply.headers.get("cache-control").map(|v| v.to_str().unwrap()),
                Some("no-store"),
                "{} {method} {uri} {status}",
                site.backend
            );
        }
    }
}

/// The ways an identity ends: erased by its owner, by an officer, or every purpose withdrawn.
#[derive(Clone, Copy, Debug)]
enum Ending {
    ErasedByVisitor,
    ErasedByOfficer,
    AllDenied,
    NothingGranted,
}

async fn end(site: &Site, visitor: &Visitor, ending: Ending) {
    let uri = format!("/v1/profiles/{}", visitor.id);
    let reply = match ending {
        Ending::ErasedByVisitor => {
            site.request(
                Method::DELETE,
                &uri,
                &[("x-concierge-secret", &visitor.secret)],
                Body::empty(),
            )
            .await
        }
        Ending::ErasedByOfficer => {
            site.request(Method::DELETE, &uri, &[("authorization", &officer())], Body::empty())
                .await
        }
        Ending::AllDenied => {
            site.send(&visitor.batch(vec![consent_event("denied", "denied", T + 100)])).await
        }
        Ending::NothingGranted => {
            site.send(&visitor.batch(vec![consent_event("denied", "unset", T + 100)])).await
        }
    };
    assert!(reply.status.is_success(), "{} {ending:?}: {}", site.backend, reply.status);
}

#[tokio::test]
async fn an_ended_identity_stays_gone_and_a_new_one_is_welcome() {
    for ending in [
        Ending::ErasedByVisitor,
        Ending::ErasedByOfficer,
        Ending::AllDenied,
        Ending::NothingGranted,
    ] {
        for site in sites().await {
            let visitor = Visitor::new();
            let first = visitor.batch(vec![
                consent_event("granted", "granted", T),
                cart_event(
                    json!([{ "item_id": "a", "item_name": "A", "price": 5, "quantity": 1 }]),
                    T + 1,
                ),
                add_event("a", "Phones", T + 1),
            ]);
            assert_eq!(site.send(&first).await.status, StatusCode::OK);
            end(&site, &visitor, ending).await;
            assert_eq!(
                site.db.rows_about(&visitor.id).await.unwrap(),
                0,
                "{} {ending:?}",
                site.backend
            );
            assert!(site.db.tombstone(&visitor.id).await.unwrap().is_some(), "{ending:?}");

            // A late batch from the old identity, with a stale grant: refused for good.
            let late = visitor.batch(vec![
                consent_event("granted", "granted", T + 50),
                add_event("b", "Phones", T + 150),
            ]);
            for batch in [&late, &first] {
                let reply = site.send(batch).await;
                assert_eq!(reply.status, StatusCode::GONE, "{} {ending:?}", site.backend);
                assert_eq!(reply.json()["error"], "erased");
            }
            assert_eq!(
                site.db.rows_about(&visitor.id).await.unwrap(),
                0,
                "{} {ending:?}",
                site.backend
            );

            // Granting again, the agent starts a new identity (the same cart code may return).
            let mut again = Visitor::new();
            again.code = visitor.code.clone();
            let reply = site
                .send(&again.batch(vec![
                    consent_event("granted", "granted", T + 200),
                    cart_event(
                        json!([{ "item_id": "b", "item_name": "B", "price": 7, "quantity": 1 }]),
                        T + 201,
                    ),
                ]))
                .await;
            assert_eq!(counts(&reply.json()), (2, 0, 0), "{} {ending:?}", site.backend);
            let live = site
                .get(&format!("/v1/carts/{}", again.code), &[("authorization", &staff())])
                .await;
            assert_eq!(live.json()["total"], 7, "{} {ending:?}", site.backend);
        }
    }
}

#[tokio::test]
async fn tombstones_last_the_retention_period_and_are_then_forgotten() {
    for mut site in sites().await {
        const DAY: i64 = 24 * 60 * 60 * 1000;
        let now = concierge_server::api::now_ms();
        let visitor = Visitor::new();
        let recent = Visitor::new();
        for someone in [&visitor, &recent] {
            site.send(&someone.batch(vec![consent_event("granted", "granted", T)])).await;
        }
        assert!(site.db.erase(&visitor.id, now - 2 * DAY).await.unwrap());
        assert!(site.db.erase(&recent.id, now).await.unwrap());
        let late =
            |someone: &Visitor| someone.batch(vec![consent_event("granted", "granted", T + 1)]);
        // Two days ago is within the default 30 days.
        assert_eq!(site.send(&late(&visitor)).await.status, StatusCode::GONE, "{}", site.backend);

        // With one day's retention the old tombstone no longer counts, even before the retention
        // job forgets it; the recent one does.
        site.reconfigure(|config| config.tombstone_days = 1);
        assert_eq!(site.send(&late(&recent)).await.status, StatusCode::GONE, "{}", site.backend);
        let reply = site.send(&late(&visitor)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}: {}", site.backend, reply.json());

        let db = site.db.clone().with_tombstone_retention(DAY);
        assert!(db.forget_expired(now, 60_000).await.unwrap() >= 1, "{}", site.backend);
        assert_eq!(site.db.tombstone(&visitor.id).await.unwrap(), None, "{}", site.backend);
        assert!(site.db.tombstone(&recent.id).await.unwrap().is_some(), "{}", site.backend);
    }
}
