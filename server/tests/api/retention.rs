//! The retention job: rows counted before and after a run, by the demo policy's retention when
//! a site published none, by the site's own policy when it did, and once from the command line.

use super::support::*;
use concierge_protocol::documents::Kind;
use concierge_server::api::now_ms;
use concierge_server::documents::Published;
use concierge_server::receipts::Receipt;
use serde_json::{json, Value};
use std::process::Command;

const DAY: i64 = 24 * 60 * 60 * 1000;

fn receipt(site: &str, n: u32, at: i64) -> Receipt {
    Receipt {
        site: site.to_owned(),
        receipt: format!("r_{n:0>22}"),
        visitor: None,
        policy: 2,
        at,
        region: None,
        source: "dialog".to_owned(),
        choices: vec![
            ("necessary".into(), "granted".into()),
            ("marketing".into(), "denied".into()),
        ],
    }
}

/// A visitor of `shop` with a consent, a cart, a product added, and an intent staff recorded;
/// everything of it stamped `at`, and one receipt.
async fn visitor_with_everything(site: &Site, shop: &str, at: i64) -> Visitor {
    let visitor = Visitor::new();
    let mut batch = visitor.batch(vec![
        consent_event("granted", "granted", at),
        cart_event(json!([{ "item_id": "aurora-x1", "item_name": "Aurora X1", "price": 79900, "quantity": 1 }]), at + 1),
        add_event("aurora-x1", "lamps", at + 2),
    ]);
    batch["site"] = json!(shop);
    let reply = site.send(&batch).await;
    assert_eq!(counts(&reply.json()), (3, 0, 0), "{}", site.backend);
    let intent =
        json!({ "products": ["aurora-x1"], "note": "", "channel": "store", "advisor_id": "a1" });
    let uri = format!("/v1/carts/{}/intent", visitor.code);
    let reply = site.post_json(&uri, &[("authorization", &staff())], &intent).await;
    assert_eq!(reply.status, axum::http::StatusCode::CREATED, "{}", site.backend);
    let mut choice = receipt(shop, unique_number(), at);
    choice.visitor = Some(visitor.id.clone());
    site.db.store_receipt(&choice, now_ms()).await.unwrap();
    visitor
}

fn unique_number() -> u32 {
    let text = unique("");
    text.bytes().fold(0u32, |n, b| n.wrapping_mul(31).wrapping_add(u32::from(b)))
}

/// The visitor's profile as the officer exports it: (event names, cart, intents).
async fn profile(site: &Site, visitor: &Visitor) -> Option<(Vec<String>, Value, usize)> {
    let reply = site
        .get(&format!("/v1/profiles/{}/export", visitor.id), &[("authorization", &officer())])
        .await;
    if reply.status == axum::http::StatusCode::NOT_FOUND {
        return None;
    }
    let export = reply.json();
    let names = export["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["name"].as_str().unwrap().to_owned())
        .collect();
    Some((names, export["cart"].clone(), export["intents"].as_array().unwrap().len()))
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|name| (*name).to_owned()).collect()
}

#[tokio::test]
async fn without_a_policy_the_demo_retention_applies_cart_then_profile_then_receipts() {
    for site in sites().await {
        let shop = unique("shop");
        let now = now_ms();
        let visitor = visitor_with_everything(&site, &shop, now - 1000).await;
        // The profile, its consent per purpose (two, from the released format's record), three
        // events, a batch, an intent and a receipt.
        assert_eq!(site.db.rows_about(&visitor.id).await.unwrap(), 1 + 2 + 3 + 1 + 1 + 1);
        assert_eq!(site.db.receipt_rows(&shop).await.unwrap(), (1, 2));

        // A month on, everything is within the demo policy's retention.
        site.db.apply_retention_to(&shop, now + 31 * DAY).await.unwrap();
        assert_eq!(site.db.rows_about(&visitor.id).await.unwrap(), 9, "{}", site.backend);

        // After 90 days the cart (profile, snapshot events, intents) goes; the rest stays.
        let deleted = site.db.apply_retention_to(&shop, now + 91 * DAY).await.unwrap();
        assert_eq!((deleted.carts, deleted.intents, deleted.events), (1, 1, 1), "{}", site.backend);
        let (events, cart, intents) = profile(&site, &visitor).await.unwrap();
        assert_eq!(events, names(&["consent", "add_to_cart"]), "{}", site.backend);
        assert_eq!((cart, intents), (Value::Null, 0));
        assert_eq!(site.db.rows_about(&visitor.id).await.unwrap(), 1 + 2 + 2 + 1 + 1);
        assert_eq!(site.db.receipt_rows(&shop).await.unwrap(), (1, 2));

        // After 395 days the profile, everything keyed by it, and the receipts go.
        let deleted = site.db.apply_retention_to(&shop, now + 396 * DAY).await.unwrap();
        assert_eq!((deleted.visitors, deleted.receipts), (1, 1), "{}", site.backend);
        assert_eq!(site.db.rows_about(&visitor.id).await.unwrap(), 0, "{}", site.backend);
        assert_eq!(site.db.receipt_rows(&shop).await.unwrap(), (0, 0));
        // Forgotten, not erased: the visitor may come back under the same id.
        assert_eq!(site.db.tombstone(&visitor.id).await.unwrap(), None);
    }
}

#[tokio::test]
async fn the_sites_published_policy_sets_each_categorys_retention() {
    for site in sites().await {
        let shop = unique("shop");
        let policy = json!({ "kind": "policy", "version": 2, "purposes": [
            { "id": "necessary", "legal_basis": "legitimate_interests", "data": [], "features": [], "retention_days": 40 },
            { "id": "measurement", "legal_basis": "consent", "data": ["activity", "identifiers"], "features": ["sync"], "retention_days": 20 },
            { "id": "personalization", "legal_basis": "consent", "data": ["cart", "interests", "identifiers"], "features": ["staff_view"], "retention_days": 10 },
        ] });
        // Stored as publishing stores it, without the validator: the job reads the JSON itself.
        let published = Published {
            site: shop.clone(),
            kind: Kind::Policy,
            version: 2,
            body: policy.to_string(),
            published_by: "privacy officer 00000000".into(),
            published_at: now_ms(),
        };
        assert_eq!(site.db.publish_document(&published).await.unwrap(), None);
        let now = now_ms();
        let visitor = visitor_with_everything(&site, &shop, now - 1000).await;
        let other_shop = unique("shop");
        let other = visitor_with_everything(&site, &other_shop, now - 1000).await;

        site.db.apply_retention_to(&shop, now + 9 * DAY).await.unwrap();
        assert_eq!(site.db.rows_about(&visitor.id).await.unwrap(), 9, "{}", site.backend);

        site.db.apply_retention_to(&shop, now + 11 * DAY).await.unwrap();
        let (events, cart, intents) = profile(&site, &visitor).await.unwrap();
        assert_eq!(events, names(&["consent", "add_to_cart"]), "{}", site.backend);
        assert_eq!((cart, intents), (Value::Null, 0));

        site.db.apply_retention_to(&shop, now + 21 * DAY).await.unwrap();
        assert_eq!(site.db.rows_about(&visitor.id).await.unwrap(), 0, "{}", site.backend);
        // The receipt stays (40 days), no longer naming the forgotten profile.
        assert_eq!(site.db.receipt_rows(&shop).await.unwrap(), (1, 2), "receipts: 40 days");
        let kept = site.db.receipts(&shop, 0, i64::MAX).await.unwrap();
        assert_eq!(kept[0].visitor, None, "{}", site.backend);

        site.db.apply_retention_to(&shop, now + 41 * DAY).await.unwrap();
        assert_eq!(site.db.receipt_rows(&shop).await.unwrap(), (0, 0));
        // Another site's data is its own site's business.
        assert_eq!(site.db.rows_about(&other.id).await.unwrap(), 9);
        assert_eq!(site.db.receipt_rows(&other_shop).await.unwrap(), (1, 2));
    }
}

#[tokio::test]
async fn a_visitor_seen_lately_keeps_the_consent_in_force_but_not_old_events() {
    for site in sites().await {
        let shop = unique("shop");
        let now = now_ms();
        let long_ago = now - 400 * DAY;
        let visitor = Visitor::new();
        let mut batch = visitor.batch(vec![
            consent_event("granted", "denied", long_ago),
            consent_event("granted", "granted", long_ago + 1000),
            add_event("aurora-x1", "lamps", long_ago + 2000),
            add_event("aurora-x2", "lamps", now - 1000),
        ]);
        batch["site"] = json!(shop);
        assert_eq!(counts(&site.send(&batch).await.json()), (4, 0, 0), "{}", site.backend);

        let deleted = site.db.apply_retention_to(&shop, now).await.unwrap();
        assert_eq!((deleted.events, deleted.visitors), (2, 0), "{}", site.backend);
        let (events, _, _) = profile(&site, &visitor).await.unwrap();
        assert_eq!(events, names(&["consent", "add_to_cart"]), "{}", site.backend);
        assert_eq!(site.db.rows_about(&visitor.id).await.unwrap(), 1 + 2 + 2 + 1);
    }
}

#[tokio::test]
async fn retention_once_on_the_command_line_deletes_what_is_past_and_exits() {
    let data = tempfile::tempdir().unwrap();
    let db = concierge_server::Db::connect(&concierge_server::Db::sqlite_url(data.path()))
        .await
        .unwrap();
    let now = now_ms();
    db.store_receipt(&receipt("demo", 1, now - 2 * 365 * DAY), now).await.unwrap();
    db.store_receipt(&receipt("demo", 2, now - DAY), now).await.unwrap();
    db.store_receipt(&receipt("other", 3, now - 400 * DAY), now).await.unwrap();
    assert_eq!(db.receipt_rows("demo").await.unwrap(), (2, 4));

    let output = Command::new(env!("CARGO_BIN_EXE_concierge-server"))
        .arg("--data-dir")
        .arg(data.path())
        .args(["retention", "--once"])
        .env_remove("DATABASE_URL")
        .env_remove("CONCIERGE_CONFIG")
        .env_remove("CONCIERGE_DOCUMENTS_DIR")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout} {}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("deleted 2 receipts"), "{stdout}");
    assert_eq!(db.receipt_rows("demo").await.unwrap(), (1, 2));
    assert_eq!(db.receipt_rows("other").await.unwrap(), (0, 0));
}
