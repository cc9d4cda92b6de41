//! Staff endpoints: the live cart by code, recording intent, tokens and rate limiting.

use super::support::*;
use axum::http::StatusCode;
use concierge_server::api::AUTH_FAILURES_ALLOWED;
use serde_json::json;

const T: i64 = 1_795_435_200_000;

async fn shopper(site: &Site) -> Visitor {
    let visitor = Visitor::new();
    let lines = json!([
        { "item_id": "aurora-x1", "item_name": "Aurora X1", "item_category": "Phones", "price": 79900, "quantity": 1 },
        { "item_id": "buds-pro", "item_name": "Buds Pro", "price": 12900, "quantity": 2 },
    ]);
    let reply = site
        .send(&visitor.batch(vec![
            consent_event("granted", "granted", T),
            add_event("aurora-x1", "Phones", T + 1),
            add_event("buds-pro", "Accessories", T + 2),
            add_event("kestrel", "Phones", T + 3),
            cart_event(lines, T + 4),
            interests_event(
                json!([
                    ["category", "phones", 1.0],
                    ["brand", "aurora", 1.0],
                    ["category", "accessories", 0.5]
                ]),
                T + 5,
            ),
        ]))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    visitor
}

#[tokio::test]
async fn staff_see_the_live_cart_with_totals_consent_and_interests() {
    for site in sites().await {
        let visitor = shopper(&site).await;
        let reply = site
            .get(
                &format!("/v1/carts/{}", visitor.code.to_lowercase().replace('-', "")),
                &[("authorization", &staff())],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", site.backend);
        assert_eq!(reply.headers["cache-control"], "no-store");
        let cart = reply.json();
        assert_eq!(cart["cart_code"], visitor.code.as_str());
        assert_eq!(cart["total"], 79900 + 2 * 12900);
        assert_eq!(cart["item_count"], 3);
        assert_eq!(cart["last_activity"], T + 4);
        assert_eq!(cart["consent"], json!({ "storage": "granted", "analytics": "granted" }));
        assert_eq!(
            cart["interests"],
            json!([
                { "dimension": "category", "key": "phones", "score": 1.0 },
                { "dimension": "brand", "key": "aurora", "score": 1.0 },
                { "dimension": "category", "key": "accessories", "score": 0.5 },
            ]),
            "the agent's own model, not the server's counts"
        );
    }
}

#[tokio::test]
async fn an_advisor_records_intent_and_the_visitor_can_read_it() {
    for site in sites().await {
        let visitor = shopper(&site).await;
        let intent = json!({ "products": ["aurora-x1", "plan-unlimited"], "note": "Wants the blue one; call back Friday", "channel": "store", "advisor_id": "store-madrid-07" });
        let reply = site
            .post_json(
                &format!("/v1/carts/{}/intent", visitor.code),
                &[("authorization", &staff())],
                &intent,
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}: {}", site.backend, reply.json());
        let recorded = reply.json();
        assert_eq!(recorded["channel"], "store");
        assert!(recorded["id"].as_str().unwrap().starts_with("int_"));

        let cart = site
            .get(&format!("/v1/carts/{}", visitor.code), &[("authorization", &staff())])
            .await
            .json();
        assert_eq!(cart["intents"][0]["note"], "Wants the blue one; call back Friday");
        let mine = site
            .get(
                &format!("/v1/profiles/{}/intents", visitor.id),
                &[("x-concierge-secret", &visitor.secret)],
            )
            .await;
        assert_eq!(mine.status, StatusCode::OK);
        assert_eq!(mine.json()[0]["products"], json!(["aurora-x1", "plan-unlimited"]));
    }
}

#[tokio::test]
async fn bad_intents_and_unknown_codes_are_refused_clearly() {
    let site = Site::new("sqlite", None).await;
    let visitor = shopper(&site).await;
    let uri = format!("/v1/carts/{}/intent", visitor.code);
    let cases = [
        (
            json!({ "products": [], "note": " ", "channel": "store", "advisor_id": "a1" }),
            "products",
        ),
        (json!({ "products": ["x"], "channel": "fax", "advisor_id": "a1" }), "channel"),
        (json!({ "products": ["x"], "channel": "store", "advisor_id": "a 1" }), "advisor_id"),
        (json!({ "products": ["x"], "channel": "store", "advisor_id": "a1", "price": 3 }), "price"),
    ];
    for (body, field) in cases {
        let reply = site.post_json(&uri, &[("authorization", &staff())], &body).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(reply.json()["field"], field, "{}", reply.json());
    }
    let reply = site.get("/v1/carts/AAA-AAA", &[("authorization", &staff())]).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = site.get("/v1/carts/not-a-code", &[("authorization", &staff())]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn wrong_or_missing_tokens_get_401_then_429() {
    for site in sites().await {
        let visitor = shopper(&site).await;
        let uri = format!("/v1/carts/{}", visitor.code);
        assert_eq!(site.get(&uri, &[]).await.status, StatusCode::UNAUTHORIZED, "{}", site.backend);
        for _ in 1..AUTH_FAILURES_ALLOWED {
            let reply = site.get(&uri, &[("authorization", "Bearer guess")]).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
            assert_eq!(reply.json()["error"], "unauthorized");
        }
        // The limit is reached: even the right token waits now.
        let reply = site.get(&uri, &[("authorization", &staff())]).await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{}", site.backend);
        assert_eq!(reply.headers["retry-after"], "60");
        // The privacy token is not a staff token.
        let other = Site::new("sqlite", None).await;
        let reply = other.get(&uri, &[("authorization", &format!("Bearer {PRIVACY_TOKEN}"))]).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn absurd_prices_stored_in_the_database_never_wrap_the_total() {
    use concierge_protocol::batch::{Batch, Cart, ConsentState, Event, Item, Payload};
    use concierge_protocol::money::Currency;
    use concierge_protocol::names::Decision;
    for site in sites().await {
        let visitor = Visitor::new();
        let line = |id: &str| Item {
            id: id.into(),
            name: id.into(),
            category: None,
            price: i64::MAX,
            quantity: 1,
        };
        // Stored straight through the database layer, past any limit the API checks.
        let event = |id: &str, at: i64, payload: Payload| Event { id: id.into(), at, payload };
        let granted = ConsentState::from_legacy(Decision::Granted, Decision::Granted);
        let cart =
            Cart { currency: Currency::EUR, lines: vec![line("a"), line("b")], updated_at: None };
        let batch = Batch {
            site: "demo".into(),
            visitor_id: visitor.id.clone(),
            secret: visitor.secret.clone(),
            batch_key: unique("batch_"),
            cart_code: Some(visitor.code.clone()),
            dropped: 0,
            events: vec![
                event(&unique("evt_"), T, Payload::Consent(granted)),
                event(&unique("evt_"), T + 1, Payload::Cart(cart)),
            ],
        };
        let outcome = site.db.ingest(&batch, T + 2).await.unwrap();
        assert_eq!(outcome.accepted, 2, "{}", site.backend);
        let reply =
            site.get(&format!("/v1/carts/{}", visitor.code), &[("authorization", &staff())]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", site.backend);
        assert_eq!(reply.json()["total"], i64::MAX, "{}", site.backend);
        assert_eq!(reply.json()["item_count"], 2);
    }
}

#[tokio::test]
async fn staff_see_consent_per_purpose_of_the_policy_with_its_names_source_time_and_version() {
    for site in sites().await {
        let visitor = Visitor::new();
        let consent = json!({ "id": unique("evt_"), "name": "consent", "at": T, "consent": {
            "policy": 2, "source": "panel",
            "purposes": { "measurement": "denied", "personalization": "granted", "marketing": "denied" } } });
        let lines = json!([{ "item_id": "aurora-x1", "item_name": "Aurora X1", "price": 79900, "quantity": 1 }]);
        let reply = site.send(&visitor.batch(vec![consent, cart_event(lines, T + 1)])).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
        let uri = format!("/v1/carts/{}", visitor.code);
        let cart = site.get(&uri, &[("authorization", &staff())]).await.json();
        let purposes = cart["consent_purposes"].as_array().unwrap();
        let ids: Vec<&str> = purposes.iter().map(|p| p["purpose"].as_str().unwrap()).collect();
        assert_eq!(
            ids,
            ["necessary", "measurement", "personalization", "marketing"],
            "{}",
            site.backend
        );
        assert_eq!(
            purposes[0],
            json!({ "purpose": "necessary", "always_on": true, "decision": "granted", "source": null,
                    "decided_at": null, "policy": 2, "names": { "en": "Strictly necessary",
                    "es": "Estrictamente necesarias", "nl": "Strikt noodzakelijk", "de": "Unbedingt erforderlich" } })
        );
        assert_eq!(purposes[1]["decision"], "denied");
        assert_eq!(purposes[1]["names"]["de"], "Messung");
        assert_eq!(
            (
                &purposes[2]["decision"],
                &purposes[2]["source"],
                &purposes[2]["decided_at"],
                &purposes[2]["policy"]
            ),
            (&json!("granted"), &json!("panel"), &json!(T), &json!(2))
        );
        assert_eq!(purposes[3]["decision"], "denied");
    }
}

/// The live cart's interests, as staff see them: `(dimension, key, score)`.
async fn interests_of(site: &Site, visitor: &Visitor) -> Vec<(String, String, f64)> {
    let cart = site
        .get(&format!("/v1/carts/{}", visitor.code), &[("authorization", &staff())])
        .await
        .json();
    let listed = cart["interests"].as_array().cloned().unwrap_or_default();
    listed
        .iter()
        .map(|i| {
            (
                i["dimension"].as_str().unwrap().into(),
                i["key"].as_str().unwrap().into(),
                i["score"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_interest_model_is_kept_as_sent_newest_wins_and_a_withdrawal_clears_it() {
    for site in sites().await {
        let visitor = shopper(&site).await;
        // A late retry of an older model does not replace the newer one.
        let old = interests_event(json!([["brand", "nimbus", 1.0]]), T + 1);
        let reply = site.send(&visitor.batch(vec![old])).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", site.backend);
        assert_eq!(interests_of(&site, &visitor).await[0].1, "phones", "{}", site.backend);
        let newer = interests_event(json!([["price_band", "300-1000", 1.0]]), T + 10);
        site.send(&visitor.batch(vec![newer])).await;
        let shown = interests_of(&site, &visitor).await;
        assert_eq!(shown, [("price_band".into(), "300-1000".into(), 1.0)], "{}", site.backend);

        // Personalization (the legacy `storage`) withdrawn: the model goes with it.
        let reply =
            site.send(&visitor.batch(vec![consent_event("denied", "granted", T + 20)])).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", site.backend);
        let export = || async {
            let uri = format!("/v1/profiles/{}/export", visitor.id);
            site.get(&uri, &[("x-concierge-secret", &visitor.secret)]).await.json()
        };
        let exported = export().await;
        assert_eq!(exported["interests"], json!([]), "{}: cleared from the profile", site.backend);
        assert_eq!(exported["interests_updated_at"], json!(null), "{}", site.backend);
        // And one sent without the category unlocked is refused.
        let refused = site
            .send(&visitor.batch(vec![interests_event(json!([["brand", "x", 1.0]]), T + 30)]))
            .await;
        assert_eq!(counts(&refused.json()).2, 1, "{}", site.backend);
        assert_eq!(export().await["interests"], json!([]), "{}", site.backend);
    }
}

#[tokio::test]
async fn a_malformed_interests_event_is_refused_naming_its_field() {
    for site in sites().await {
        let visitor = Visitor::new();
        let cases = [
            (
                json!({ "dimension": "colour", "key": "red", "score": 1 }),
                "events[1].top[0].dimension",
            ),
            (json!({ "dimension": "brand", "key": "", "score": 1 }), "events[1].top[0].key"),
            (json!({ "dimension": "brand", "key": "x", "score": 1.5 }), "events[1].top[0].score"),
            (
                json!({ "dimension": "brand", "key": "x", "score": 1, "why": [] }),
                "events[1].top[0].why",
            ),
        ];
        for (entry, field) in cases {
            let event =
                json!({ "id": unique("evt_"), "name": "interests", "at": T, "top": [entry] });
            let reply = site
                .send(&visitor.batch(vec![consent_event("granted", "granted", T), event]))
                .await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {field}", site.backend);
            assert_eq!(reply.json()["field"], field, "{}: {}", site.backend, reply.json());
        }
    }
}
