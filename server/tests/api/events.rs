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

/// The names of the events an export holds, in time order.
async fn stored_names(site: &Site, visitor: &Visitor) -> Vec<String> {
    let export = export_of(site, visitor).await;
    export["events"]
        .as_array()
        .unwrap_or_else(|| panic!("events in {export}"))
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn export_of(site: &Site, visitor: &Visitor) -> serde_json::Value {
    let reply = site
        .get(
            &format!("/v1/profiles/{}/export", visitor.id),
            &[("x-concierge-secret", &visitor.secret)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}: {}", site.backend, reply.json());
    reply.json()
}

fn one_line(quantity: u32) -> serde_json::Value {
    json!([{ "item_id": "a", "item_name": "A", "price": 100, "quantity": quantity }])
}

#[tokio::test]
async fn a_consent_downgrade_drops_later_events_and_erases_what_it_covered() {
    for site in sites().await {
        let visitor = Visitor::new();
        site.send(&visitor.batch(vec![
            consent_event("granted", "granted", T),
            cart_event(one_line(2), T + 1),
            add_event("a", "Phones", T + 1),
        ]))
        .await;
        let cart_uri = format!("/v1/carts/{}", visitor.code);
        let live = site.get(&cart_uri, &[("authorization", &staff())]).await;
        assert_eq!(live.json()["total"], 200, "{}", site.backend);

        // Measurement withdrawn: the events it covered go, later ones are refused, the cart stays.
        let outcome = site
            .send(&visitor.batch(vec![
                consent_event("granted", "denied", T + 2),
                add_event("b", "Plans", T + 3),
            ]))
            .await
            .json();
        assert_eq!(counts(&outcome), (1, 0, 1), "{}", site.backend);
        assert_eq!(stored_names(&site, &visitor).await, ["consent", "cart", "consent"]);
        let live = site.get(&cart_uri, &[("authorization", &staff())]).await;
        assert_eq!(live.json()["total"], 200, "{}", site.backend);

        // Storage withdrawn: the cart and its code go with it.
        let outcome = site
            .send(&visitor.batch(vec![
                consent_event("denied", "granted", T + 4),
                cart_event(one_line(3), T + 5),
            ]))
            .await
            .json();
        assert_eq!(counts(&outcome), (1, 0, 1), "{}", site.backend);
        let live = site.get(&cart_uri, &[("authorization", &staff())]).await;
        assert_eq!(live.status, StatusCode::NOT_FOUND, "{}", site.backend);
        assert_eq!(export_of(&site, &visitor).await["cart"], json!(null));
        assert_eq!(
            stored_names(&site, &visitor).await,
            ["consent", "consent", "consent"],
            "only the record of the choices remains"
        );
    }
}

#[tokio::test]
async fn a_late_older_grant_does_not_undo_a_withdrawal() {
    // For each purpose: the withdrawal, then events the late batch carries and whether each is
    // kept; the late batch's own grant (stamped before the withdrawal) is kept only as history.
    let analytics_withdrawn = (
        ("granted", "denied"),
        vec![add_event("b", "Plans", T + 150), add_event("c", "Plans", T + 60)],
    );
    let storage_withdrawn = (
        ("denied", "granted"),
        vec![cart_event(one_line(5), T + 150), cart_event(one_line(6), T + 60)],
    );
    for ((storage, analytics), late_events) in [analytics_withdrawn, storage_withdrawn] {
        for site in sites().await {
            let visitor = Visitor::new();
            site.send(&visitor.batch(vec![
                consent_event("granted", "granted", T),
                cart_event(one_line(2), T + 1),
                add_event("a", "Phones", T + 1),
            ]))
            .await;
            let withdrawal =
                site.send(&visitor.batch(vec![consent_event(storage, analytics, T + 100)])).await;
            assert_eq!(withdrawal.status, StatusCode::OK, "{}", site.backend);
            let before = export_of(&site, &visitor).await;

            let mut late = vec![consent_event("granted", "granted", T + 50)];
            late.extend(late_events.clone());
            let outcome = site.send(&visitor.batch(late)).await;
            assert_eq!(outcome.status, StatusCode::OK, "{}", site.backend);
            assert_eq!(
                counts(&outcome.json()),
                (1, 0, 2),
                "{} {storage}/{analytics}",
                site.backend
            );

            let after = export_of(&site, &visitor).await;
            assert_eq!(after["consent"], json!({ "storage": storage, "analytics": analytics }));
            assert_eq!(after["consent_at"], T + 100);
            assert_eq!(after["cart"], before["cart"], "{} {storage}/{analytics}", site.backend);
            let names: Vec<_> =
                after["events"].as_array().unwrap().iter().map(|e| e["name"].clone()).collect();
            let names_before: Vec<_> =
                before["events"].as_array().unwrap().iter().map(|e| e["name"].clone()).collect();
            assert_eq!(
                names.len(),
                names_before.len() + 1,
                "{names:?}: only the stale grant was added"
            );
            assert!(!names.contains(&json!("add_to_cart")) || analytics == "granted");
            let live = site
                .get(&format!("/v1/carts/{}", visitor.code), &[("authorization", &staff())])
                .await;
            let expect = if storage == "granted" { StatusCode::OK } else { StatusCode::NOT_FOUND };
            assert_eq!(live.status, expect, "{} {storage}/{analytics}", site.backend);
        }
    }
}

#[tokio::test]
async fn events_are_judged_by_the_consent_in_force_at_their_stamp() {
    for site in sites().await {
        let visitor = Visitor::new();
        site.send(
            &visitor.batch(vec![
                consent_event("granted", "granted", T),
                add_event("a", "Phones", T + 10),
            ]),
        )
        .await;
        site.send(&visitor.batch(vec![
            consent_event("granted", "granted", T + 200),
            add_event("b", "Phones", T + 150),
            add_event("c", "Phones", T + 250),
        ]))
        .await;
        // A withdrawal stamped T+100 arrives last: it governs T+100 until the grant at T+200.
        let outcome = site
            .send(&visitor.batch(vec![
                add_event("d", "Phones", T + 120),
                consent_event("granted", "denied", T + 100),
                add_event("e", "Phones", T + 300),
            ]))
            .await
            .json();
        assert_eq!(counts(&outcome), (2, 0, 1), "{}", site.backend);
        let export = export_of(&site, &visitor).await;
        assert_eq!(export["consent"], json!({ "storage": "granted", "analytics": "granted" }));
        assert_eq!(export["consent_at"], T + 200);
        let kept: Vec<_> = export["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["name"] == "add_to_cart")
            .map(|e| e["items"][0]["item_id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(kept, ["a", "c", "e"], "{}: b fell in the withdrawn span", site.backend);
    }
}

#[tokio::test]
async fn the_order_of_events_inside_a_batch_does_not_matter() {
    for site in sites().await {
        let visitor = Visitor::new();
        // The withdrawal of measurement at T+3 is the current choice; nothing of it is kept.
        let outcome = site
            .send(&visitor.batch(vec![
                add_event("late", "Phones", T + 5),
                consent_event("granted", "granted", T),
                add_event("early", "Phones", T + 1),
                consent_event("granted", "denied", T + 3),
                cart_event(one_line(1), T + 4),
            ]))
            .await
            .json();
        assert_eq!(counts(&outcome), (3, 0, 2), "{}", site.backend);
        let export = export_of(&site, &visitor).await;
        assert_eq!(export["consent"], json!({ "storage": "granted", "analytics": "denied" }));
        assert_eq!(stored_names(&site, &visitor).await, ["consent", "consent", "cart"]);
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
    // Money that would overflow: a price at i64::MAX (two such lines once showed staff -2).
    let mut overflow = visitor.batch(vec![add_event("a", "Phones", T)]);
    overflow["events"][0]["items"][0]["price"] = json!(i64::MAX);
    let mut cart_overflow = visitor.batch(vec![json!({
        "id": "evt_cart0001", "name": "cart", "at": T,
        "cart": { "currency": "EUR", "lines": [
            { "item_id": "a", "item_name": "A", "price": i64::MAX, "quantity": 1 },
            { "item_id": "b", "item_name": "B", "price": i64::MAX, "quantity": 1 } ] }
    })]);
    cart_overflow["batch_key"] = json!("batch_x2");
    let cases = [
        (bad_price, "events[0].items[0].price", "must be a number, got a string"),
        (unknown_field, "extra", "is not a known field"),
        (negative, "events[0].items[0].quantity", "must be a whole number from 1 to 9999"),
        (version, "v", "version 2 is not supported"),
        (code, "cart_code", "must look like K7M-4QP"),
        (no_consent, "events[0].consent", "is required"),
        (overflow, "events[0].items[0].price", "must be a whole number from 0 to 1000000000000"),
        (cart_overflow, "events[0].cart.lines[0].price", "must be a whole number from 0 to"),
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

/// Issue 9: the consent payload by purpose is stored per purpose (a row each, so a new purpose
/// needs no schema change), judged for the released purposes as before, and replaced whole by
/// a later choice.
#[tokio::test]
async fn consent_by_purpose_is_stored_per_purpose() {
    for site in sites().await {
        let visitor = Visitor::new();
        let choice = |at: i64, marketing: &str, measurement: &str| {
            json!({ "id": unique("evt_"), "name": "consent", "at": at, "consent": {
                "policy": 2, "source": "dialog",
                "purposes": { "measurement": measurement, "personalization": "denied", "marketing": marketing } } })
        };
        let batch =
            visitor.batch(vec![choice(T, "granted", "granted"), add_event("a", "Phones", T + 1)]);
        let reply = site.send(&batch).await;
        assert_eq!(counts(&reply.json()), (2, 0, 0), "{}: {}", site.backend, reply.json());
        let export = export_of(&site, &visitor).await;
        assert_eq!(
            export["consent_purposes"],
            json!({ "marketing": "granted", "measurement": "granted", "personalization": "denied" }),
            "{}",
            site.backend
        );
        assert_eq!(export["consent"], json!({ "storage": "denied", "analytics": "granted" }));
        // Measurement withdrawn: its events go, the row changes, marketing stays.
        site.send(&visitor.batch(vec![choice(T + 2, "granted", "denied")])).await;
        let export = export_of(&site, &visitor).await;
        assert_eq!(export["consent_purposes"]["measurement"], "denied", "{}", site.backend);
        assert_eq!(export["consent_purposes"]["marketing"], "granted");
        assert_eq!(stored_names(&site, &visitor).await, ["consent", "consent"], "{}", site.backend);
        // A bad payload is refused by name.
        let bad = json!({ "id": unique("evt_"), "name": "consent", "at": T + 3,
                          "consent": { "policy": 2, "source": "banner", "purposes": {} } });
        let reply = site.send(&visitor.batch(vec![bad])).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", site.backend);
        assert!(reply.json().to_string().contains("events[0].consent.source"), "{}", reply.json());
    }
}

/// Issue 9, contract section 4: events are judged by what the consent unlocks under the policy
/// version it names: a shop whose policy puts everything under one purpose keeps the cart and
/// the visit with that purpose alone; the built-in policy would refuse both.
#[tokio::test]
async fn events_are_judged_by_the_features_of_the_policy_the_consent_names() {
    let texts = |p: &str| json!({ "en": p, "es": p, "nl": p, "de": p });
    for site in sites().await {
        let shop = unique("shop");
        let policy = json!({ "kind": "policy", "version": 5, "purposes": [
            { "id": "necessary", "legal_basis": "legitimate_interests", "names": texts("N"),
              "descriptions": texts("N"), "data": [], "features": [], "retention_days": 30 },
            { "id": "everything", "legal_basis": "consent", "names": texts("E"), "descriptions": texts("E"),
              "data": ["cart", "activity", "interests", "identifiers", "contact"],
              "features": ["recovery_banner", "sync", "staff_view", "assistant_memory", "email_recovery", "sms_recovery"],
              "retention_days": 90 } ] });
        let (uri, token) = (format!("/v1/config/policy?site={shop}"), officer());
        let headers = [("authorization", token.as_str()), ("content-type", "application/json")];
        let reply = site.request(Method::PUT, &uri, &headers, Body::from(policy.to_string())).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}: {}", site.backend, reply.json());
        let visitor = Visitor::new();
        let consent = |version: u32| {
            json!({ "id": unique("evt_"), "name": "consent", "at": T, "consent": {
                "policy": version, "source": "dialog", "purposes": { "everything": "granted" } } })
        };
        let mut batch = visitor.batch(vec![
            consent(5),
            cart_event(
                json!([{ "item_id": "a", "item_name": "A", "price": 100, "quantity": 1 }]),
                T + 1,
            ),
            add_event("a", "Phones", T + 1),
        ]);
        batch["site"] = json!(shop);
        let reply = site.send(&batch).await;
        assert_eq!(counts(&reply.json()), (3, 0, 0), "{}: {}", site.backend, reply.json());

        // A version the shop never published is judged by its current policy.
        let third = Visitor::new();
        let mut batch = third.batch(vec![consent(9), add_event("a", "Phones", T + 1)]);
        batch["site"] = json!(shop);
        let reply = site.send(&batch).await;
        assert_eq!(counts(&reply.json()), (2, 0, 0), "{}: {}", site.backend, reply.json());

        // Version 6 moves the visit's sending to a purpose of its own: a choice made under
        // version 5 keeps its meaning, one under version 6 does not send the visit.
        let mut v6 = policy.clone();
        v6["version"] = json!(6);
        v6["purposes"][1]["features"] = json!([
            "recovery_banner",
            "staff_view",
            "assistant_memory",
            "email_recovery",
            "sms_recovery"
        ]);
        v6["purposes"].as_array_mut().unwrap().push(
            json!({ "id": "stats", "legal_basis": "consent",
            "names": texts("S"), "descriptions": texts("S"), "data": ["activity", "identifiers"],
            "features": ["sync"], "retention_days": 30 }),
        );
        let reply = site.request(Method::PUT, &uri, &headers, Body::from(v6.to_string())).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}: {}", site.backend, reply.json());
        for (version, kept) in [(5, (2, 0, 0)), (6, (1, 0, 1))] {
            let visitor = Visitor::new();
            let mut batch = visitor.batch(vec![consent(version), add_event("a", "Phones", T + 1)]);
            batch["site"] = json!(shop);
            let reply = site.send(&batch).await;
            assert_eq!(
                counts(&reply.json()),
                kept,
                "v{version} {}: {}",
                site.backend,
                reply.json()
            );
        }

        // The same choice sent to a shop with no policy published: the built-in policy has no
        // purpose "everything", so nothing but the record is kept.
        let other = Visitor::new();
        let reply =
            site.send(&other.batch(vec![consent(5), add_event("a", "Phones", T + 1)])).await;
        assert_eq!(counts(&reply.json()), (1, 0, 1), "{}: {}", site.backend, reply.json());
    }
}
