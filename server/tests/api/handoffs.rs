//! Handoff requests: stored under the visitor's consent, listed for staff newest first and
//! beside the live cart, erased with the visitor, kept by the cart's retention.

use super::support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use concierge_server::retention::Retention;
use serde_json::{json, Value};

const T: i64 = 1_795_435_200_000;
const DAY: i64 = 24 * 60 * 60 * 1000;
/// Later than what the retention test deletes, which may run at the same time on the database
/// PostgreSQL's tests share.
const LATER: i64 = T + 100 * DAY;

fn choice(at: i64, measurement: &str, personalization: &str) -> Value {
    json!({ "id": unique("evt_"), "name": "consent", "at": at, "consent": {
        "policy": 1, "source": "dialog",
        "purposes": { "measurement": measurement, "personalization": personalization, "marketing": "denied" } } })
}

fn handoff(kind: &str, phone: Option<&str>, code: &str, at: i64) -> Value {
    let mut event = json!({ "id": unique("evt_"), "name": "handoff", "at": at, "kind": kind,
        "cart_code": code,
        "transcript": [{ "from": "visitor", "text": "Is it waterproof?" }, { "from": "assistant", "text": "Yes, IP68." }] });
    if let Some(phone) = phone {
        event["phone"] = json!(phone);
    }
    event
}

/// The site's list as staff get it, less other tests' requests (PostgreSQL's database is
/// shared by the tests): only those whose ids are in `sent`, in the order given.
async fn list(site: &Site, sent: &[&Value]) -> Value {
    let reply = site.get("/v1/handoffs?site=demo", &[("authorization", &staff())]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}: {}", site.backend, reply.json());
    let ids: Vec<&Value> = sent.iter().map(|event| &event["id"]).collect();
    let all = reply.json().as_array().unwrap().clone();
    Value::Array(all.into_iter().filter(|h| ids.contains(&&h["id"])).collect())
}

#[tokio::test]
async fn staff_list_handoffs_newest_first_and_beside_the_live_cart() {
    for site in sites().await {
        let visitor = Visitor::new();
        let store = handoff("store", None, &visitor.code, LATER + 1);
        let call = handoff("call", Some("+31 6 1234 5678"), &visitor.code, LATER + 2);
        let events = vec![choice(LATER, "granted", "granted"), store.clone(), call.clone()];
        let reply = site.send(&visitor.batch(events)).await;
        assert_eq!(counts(&reply.json()), (3, 0, 0), "{}", site.backend);
        // A second batch, received later, is newer still.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let newest = handoff("call", Some("020 555 0100"), &visitor.code, LATER + 3);
        assert_eq!(site.send(&visitor.batch(vec![newest.clone()])).await.status, StatusCode::OK);

        let listed = list(&site, &[&store, &call, &newest]).await;
        assert_eq!(listed.as_array().unwrap().len(), 3, "{}", site.backend);
        assert_eq!(listed[0]["phone"], "020 555 0100", "the newest first ({})", site.backend);
        assert_eq!(listed[0]["cart_code"], visitor.code.as_str());
        assert_eq!(listed[0]["at"], LATER + 3);
        assert_eq!(
            listed[0]["transcript"][1],
            json!({ "from": "assistant", "text": "Yes, IP68." })
        );
        let stored = listed.as_array().unwrap().iter().find(|h| h["kind"] == "store").unwrap();
        assert_eq!(stored["phone"], Value::Null);
        // Asking only for what is newer than the newest seen gives none of these.
        let since = listed[0]["received_at"].as_i64().unwrap();
        let uri = format!("/v1/handoffs?site=demo&since={since}");
        let newer = site.get(&uri, &[("authorization", &staff())]).await.json();
        assert!(!newer.as_array().unwrap().iter().any(|h| h["id"] == newest["id"]));

        let uri = format!("/v1/carts/{}", visitor.code);
        let cart = site.get(&uri, &[("authorization", &staff())]).await;
        assert_eq!(cart.status, StatusCode::OK, "{}", site.backend);
        let beside = cart.json()["handoffs"].clone();
        assert_eq!(beside.as_array().unwrap().len(), 3, "{}", site.backend);
        assert_eq!(beside[0]["id"], newest["id"]);

        // Staff only, and a site is required, named.
        let anonymous = site.get("/v1/handoffs?site=demo", &[]).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        let missing = site.get("/v1/handoffs", &[("authorization", &staff())]).await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(missing.json()["field"], "site");
    }
}

#[tokio::test]
async fn consent_decides_what_of_a_handoff_is_kept() {
    for site in sites().await {
        // Measurement alone: the request is kept, its cart code and transcript are not.
        let measured = Visitor::new();
        let call = handoff("call", Some("+31 6 1234 5678"), &measured.code, LATER + 1);
        let events = vec![choice(LATER, "granted", "denied"), call.clone()];
        assert_eq!(counts(&site.send(&measured.batch(events)).await.json()), (2, 0, 0));
        let listed = list(&site, &[&call]).await;
        assert_eq!(listed[0]["phone"], "+31 6 1234 5678", "{}", site.backend);
        assert_eq!(listed[0]["cart_code"], Value::Null, "{}", site.backend);
        assert_eq!(listed[0]["transcript"], json!([]), "{}", site.backend);

        // Nothing granted that sends: refused.
        let silent = Visitor::new();
        let store = handoff("store", None, &silent.code, LATER + 1);
        let events = vec![choice(LATER, "denied", "denied"), store.clone()];
        let reply = site.send(&silent.batch(events)).await;
        assert_eq!(counts(&reply.json()).2, 1, "{}: {}", site.backend, reply.json());
        assert_eq!(list(&site, &[&store]).await, json!([]), "{}", site.backend);

        // A malformed phone refuses the batch, naming the field.
        let events = vec![handoff("call", Some("call me"), &measured.code, LATER + 2)];
        let reply = site.send(&measured.batch(events)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", site.backend);
        assert_eq!(reply.json()["field"], "events[0].phone", "{}", site.backend);
    }
}

#[tokio::test]
async fn handoffs_go_with_the_visitor_and_with_the_carts_retention() {
    for site in sites().await {
        let visitor = Visitor::new();
        let old = handoff("call", Some("+31 6 1234 5678"), &visitor.code, T + 1);
        let events = vec![choice(T, "granted", "granted"), old.clone()];
        assert_eq!(site.send(&visitor.batch(events)).await.status, StatusCode::OK);
        let other = Visitor::new();
        let recent = handoff("store", None, &other.code, T + 50 * DAY);
        let events = vec![choice(T, "granted", "granted"), recent.clone()];
        assert_eq!(site.send(&other.batch(events)).await.status, StatusCode::OK);
        assert_eq!(list(&site, &[&old, &recent]).await.as_array().unwrap().len(), 2);

        // The cart's retention (90 days here): the older request goes, the newer stays.
        let retention =
            Retention { activity: 395, cart: 90, identifiers: 395, receipts: 395, interests: 90 };
        site.db.apply_site_retention("demo", retention, T + 91 * DAY).await.unwrap();
        let listed = list(&site, &[&old, &recent]).await;
        assert_eq!(listed.as_array().unwrap().len(), 1, "{}", site.backend);
        assert_eq!(listed[0]["kind"], "store");

        // Erasure takes the visitor's requests with it.
        let uri = format!("/v1/profiles/{}", other.id);
        let headers = [("x-concierge-secret", other.secret.as_str())];
        let reply = site.request(Method::DELETE, &uri, &headers, Body::empty()).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", site.backend);
        assert_eq!(list(&site, &[&recent]).await, json!([]), "{}", site.backend);
        assert_eq!(site.db.rows_about(&other.id).await.unwrap(), 0);
    }
}

/// The site's queue of open requests as the console polls it, less other tests' requests.
async fn queue(site: &Site, sent: &[&Value]) -> Vec<Value> {
    let reply = site.get("/v1/handoffs?site=demo&open=true", &[("authorization", &staff())]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}: {}", site.backend, reply.json());
    let ids: Vec<&Value> = sent.iter().map(|event| &event["id"]).collect();
    let all = reply.json().as_array().unwrap().clone();
    all.into_iter().filter(|h| ids.contains(&&h["id"])).collect()
}

async fn mark(site: &Site, path: &str, headers: &[(&str, &str)]) -> (StatusCode, Value) {
    let reply = site.request(Method::POST, path, headers, Body::empty()).await;
    let body = if reply.status == StatusCode::NO_CONTENT { Value::Null } else { reply.json() };
    (reply.status, body)
}

#[tokio::test]
async fn the_sites_queue_lists_open_requests_newest_first_until_staff_mark_one_handled() {
    for site in sites().await {
        let (one, two) = (Visitor::new(), Visitor::new());
        let call = handoff("call", Some("+31 6 1234 5678"), &one.code, LATER + 1);
        let events = vec![choice(LATER, "granted", "granted"), call.clone()];
        assert_eq!(site.send(&one.batch(events)).await.status, StatusCode::OK);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let store = handoff("store", None, &two.code, LATER + 2);
        let events = vec![choice(LATER, "granted", "granted"), store.clone()];
        assert_eq!(site.send(&two.batch(events)).await.status, StatusCode::OK);

        // Every visitor's open requests, newest first, each with what staff need to act.
        let open = queue(&site, &[&call, &store]).await;
        let kinds: Vec<&Value> = open.iter().map(|h| &h["kind"]).collect();
        assert_eq!(kinds, [&json!("store"), &json!("call")], "{}", site.backend);
        assert_eq!(open[1]["phone"], "+31 6 1234 5678");
        assert_eq!(open[1]["cart_code"], one.code.as_str());
        assert_eq!(open[0]["handled_at"], Value::Null, "open ({})", site.backend);

        // Marked handled: gone from the queue, still in the site's list with its time.
        let path = format!("/v1/handoffs/{}/handled?site=demo", call["id"].as_str().unwrap());
        let (status, _) = mark(&site, &path, &[("authorization", &staff())]).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{}", site.backend);
        let open = queue(&site, &[&call, &store]).await;
        assert_eq!(open.len(), 1, "{}", site.backend);
        assert_eq!(open[0]["id"], store["id"]);
        let all = list(&site, &[&call, &store]).await;
        let handled = all.as_array().unwrap().iter().find(|h| h["id"] == call["id"]).unwrap();
        let at = handled["handled_at"].as_i64().expect("a time");
        assert!(at > 0, "{}", site.backend);
        // A second mark changes nothing and is no error.
        let (status, _) = mark(&site, &path, &[("authorization", &staff())]).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let again = list(&site, &[&call]).await;
        assert_eq!(again[0]["handled_at"], at, "the first mark stands ({})", site.backend);

        // Staff only; an unknown request, or one of another site, is not found; a site is named.
        let (status, _) = mark(&site, &path, &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let unknown = "/v1/handoffs/evt_unknown_0001/handled?site=demo";
        assert_eq!(
            mark(&site, unknown, &[("authorization", &staff())]).await.0,
            StatusCode::NOT_FOUND
        );
        let other = format!("/v1/handoffs/{}/handled?site=other", store["id"].as_str().unwrap());
        assert_eq!(
            mark(&site, &other, &[("authorization", &staff())]).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(queue(&site, &[&store]).await.len(), 1, "{}", site.backend);
        let nameless = format!("/v1/handoffs/{}/handled", store["id"].as_str().unwrap());
        let (status, body) = mark(&site, &nameless, &[("authorization", &staff())]).await;
        assert_eq!((status, &body["field"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("site")));
    }
}
