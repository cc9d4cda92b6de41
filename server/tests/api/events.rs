//! `POST /v1/events`: validation with named fields, limits, exactly-once, consent re-checked.

use super::support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::json;

const T: i64 = 1_795_435_200_000;

#[tokio::test]
async fn a_consented_batch_is_stored_and_counted() {
    for site in sites().await {
        let visitor = Visitor::new();
        let batch = visitor.batch(vec![
            consent_event("granted", "granted", T),
            cart_event(json!([{ "item_id": "aurora-x1", "item_name": "Aurora X1", "price": 79900, "quantity": 1 }]), T + 1),
            add_event("aurora-x1", "Phones", T + 1),
        ]);
        let reply = site.send(&batch).await;
        assert_eq!(reply.status, StatusCode::OK, "{}: {}", site.backend, reply.json());
        assert_eq!(
            reply.json(),
            json!({ "accepted": 3, "duplicates": 0, "refused": 0, "replayed": false, "cart_code_taken": false })
        );
    }
}

#[tokio::test]
async fn a_repeated_batch_and_repeated_events_count_once() {
    for site in sites().await {
        let visitor = Visitor::new();
        let consent = consent_event("granted", "granted", T);
        let add = add_event("a", "Phones", T + 1);
        let batch = visitor.batch(vec![consent.clone(), add.clone()]);
        assert_eq!(site.send(&batch).await.json()["accepted"], 2);
        // The same batch again (a retry after a lost answer): answered as before, nothing stored.
        let again = site.send(&batch).await.json();
        assert_eq!(
            (again["accepted"].as_u64(), again["replayed"].as_bool()),
            (Some(2), Some(true)),
            "{}",
            site.backend
        );
        // The same events in a new batch (another tab flushed them too): duplicates.
        let other = visitor.batch(vec![consent, add, add_event("b", "Plans", T + 2)]);
        let outcome = site.send(&other).await.json();
        assert_eq!(counts(&outcome), (1, 2, 0), "{}", site.backend);
        let export = site
            .get(
                &format!("/v1/profiles/{}/export", visitor.id),
                &[("x-concierge-secret", &visitor.secret)],
            )
            .await
            .json();
        assert_eq!(export["events"].as_array().unwrap().len(), 3, "{}", site.backend);
    }
}

#[tokio::test]
async fn events_the_recorded_consent_does_not_cover_are_dropped() {
    for site in sites().await {
        let visitor = Visitor::new();
        // No consent recorded yet: only the consent event itself may be kept.
        let outcome = site.send(&visitor.batch(vec![add_event("a", "Phones", T)])).await.json();
        assert_eq!((counts(&outcome).0, counts(&outcome).2), (0, 1), "{}", site.backend);

        // Storage only: the cart is kept, measurement is not.
        let outcome = site
            .send(&visitor.batch(vec![
                consent_event("granted", "denied", T + 1),
                cart_event(
                    json!([{ "item_id": "a", "item_name": "A", "price": 100, "quantity": 1 }]),
                    T + 2,
                ),
                add_event("a", "Phones", T + 2),
            ]))
            .await
            .json();
        assert_eq!((counts(&outcome).0, counts(&outcome).2), (2, 1), "{}", site.backend);
    }
}

#[tokio::test]
async fn a_consent_downgrade_drops_later_events_and_erases_what_it_covered() {
    for site in sites().await {
        let visitor = Visitor::new();
        site.send(&visitor.batch(vec![
            consent_event("granted", "granted", T),
            cart_event(
                json!([{ "item_id": "a", "item_name": "A", "price": 100, "quantity": 2 }]),
                T + 1,
            ),
            add_event("a", "Phones", T + 1),
        ]))
        .await;
        let live =
            site.get(&format!("/v1/carts/{}", visitor.code), &[("authorization", &staff())]).await;
        assert_eq!(live.json()["total"], 200, "{}", site.backend);

        let outcome = site
            .send(&visitor.batch(vec![
                consent_event("denied", "denied", T + 2),
                add_event("b", "Plans", T + 3),
            ]))
            .await
            .json();
        assert_eq!((counts(&outcome).0, counts(&outcome).2), (1, 1), "{}", site.backend);
        // The cart and its code went with the storage consent; the measurement with analytics.
        let live =
            site.get(&format!("/v1/carts/{}", visitor.code), &[("authorization", &staff())]).await;
        assert_eq!(live.status, StatusCode::NOT_FOUND, "{}", site.backend);
        let export = site
            .get(
                &format!("/v1/profiles/{}/export", visitor.id),
                &[("x-concierge-secret", &visitor.secret)],
            )
            .await
            .json();
        assert_eq!(export["cart"], json!(null));
        let names: Vec<_> = export["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["consent", "consent"], "only the record of the choices remains");
    }
}

#[tokio::test]
async fn malformed_bodies_get_a_json_error_naming_the_field() {
    let site = Site::new("sqlite", None).await;
    let visitor = Visitor::new();
    let mut bad_price = visitor.batch(vec![add_event("a", "Phones", T)]);
    bad_price["events"][0]["items"][0]["price"] = json!("19.99");
    let mut unknown_field = visitor.batch(vec![]);
    unknown_field["extra"] = json!(true);
    let mut negative = visitor.batch(vec![add_event("a", "Phones", T)]);
    negative["events"][0]["items"][0]["quantity"] = json!(0);
    let mut version = visitor.batch(vec![]);
    version["v"] = json!(2);
    let mut code = visitor.batch(vec![]);
    code["cart_code"] = json!("IOI-O01");
    let mut no_consent =
        visitor.batch(vec![json!({ "id": "evt_12345678", "name": "consent", "at": T })]);
    no_consent["batch_key"] = json!("batch_x1");
    let cases = [
        (bad_price, "events[0].items[0].price", "invalid type: string \"19.99\""),
        (unknown_field, "extra", "unknown field `extra`"),
        (negative, "events[0].items[0].quantity", "must be from 1 to 9999"),
        (version, "v", "version 2 is not supported"),
        (code, "cart_code", "must look like K7M-4QP"),
        (no_consent, "events[0].consent", "is required on consent events"),
    ];
    for (body, field, message) in cases {
        let reply = site.send(&body).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let error = reply.json();
        assert_eq!(error["error"], "invalid_body");
        assert_eq!(error["field"], field, "{error}");
        assert!(error["message"].as_str().unwrap().contains(message), "{error}");
    }
    for raw in ["{", "[]", "null", "{\"v\":1} trailing"] {
        let reply = site.request(Method::POST, "/v1/events", &[], Body::from(raw)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{raw}");
        assert_eq!(reply.json()["error"], "invalid_body");
    }
}

#[tokio::test]
async fn oversized_bodies_and_batches_are_refused_whole() {
    let site = Site::new("sqlite", None).await;
    let visitor = Visitor::new();
    let huge = "x".repeat(300 * 1024);
    let reply = site.request(Method::POST, "/v1/events", &[], Body::from(huge)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.json()["error"], "too_large");

    let many = (0..501).map(|i| add_event(&format!("p{i}"), "Phones", T)).collect();
    let reply = site.send(&visitor.batch(many)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["field"], "events");

    let mut long = visitor.batch(vec![add_event("a", "Phones", T)]);
    long["events"][0]["items"][0]["item_name"] = json!("n".repeat(201));
    let reply = site.send(&long).await;
    assert_eq!(reply.json()["field"], "events[0].items[0].item_name");
    // Nothing of the refused batches was stored.
    assert_eq!(site.db.rows_about(&visitor.id).await.unwrap(), 0);
}

#[tokio::test]
async fn a_visitor_id_is_bound_to_its_secret() {
    for site in sites().await {
        let visitor = Visitor::new();
        site.send(&visitor.batch(vec![consent_event("granted", "granted", T)])).await;
        let mut forged = visitor.batch(vec![add_event("a", "Phones", T)]);
        forged["secret"] = json!("someone-elses-secret-value");
        let reply = site.send(&forged).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", site.backend);
    }
}

#[tokio::test]
async fn a_cart_code_held_by_another_visitor_is_reported() {
    for site in sites().await {
        let first = Visitor::new();
        site.send(&first.batch(vec![consent_event("granted", "granted", T)])).await;
        let mut second = Visitor::new();
        second.code = first.code.clone();
        let outcome =
            site.send(&second.batch(vec![consent_event("granted", "granted", T)])).await.json();
        assert_eq!(outcome["cart_code_taken"], true, "{}", site.backend);
    }
}
