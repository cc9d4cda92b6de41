//! Campaign measurement (issue 10): `campaign` events kept under measurement's consent, once,
//! refused by name when malformed, withdrawn, erased and aged out with the visit's events; the
//! report's figures against hand-computed ones; the server's buckets against GrowthBook's
//! JavaScript on 100,000 ids.

use super::support::*;
use axum::http::StatusCode;
use concierge_protocol::documents::{check_document, encode_document, Document, Kind, Variant};
use concierge_server::api::now_ms;
use concierge_server::campaigns::{assignment, Assigned};
use concierge_server::documents::Published;
use serde_json::{json, Value};

#[path = "../../../protocol/tests/support/visitor_ids.rs"]
mod ids;
use ids::visitor_ids;

const T: i64 = 1_795_435_200_000;
const DAY: i64 = 24 * 60 * 60 * 1000;

fn marketer() -> String {
    format!("Bearer {MARKETER_TOKEN}")
}

/// A `campaign` event as the agent writes it.
fn measure(campaign: &str, variant: Option<&str>, bucket: &str, event: &str, at: i64) -> Value {
    let mut measure = json!({ "id": unique("evt_"), "name": "campaign", "at": at,
        "campaign": campaign, "bucket": bucket, "event": event });
    if let Some(variant) = variant {
        measure["variant"] = json!(variant);
    }
    if event == "conversion" {
        measure["value"] = json!(30);
    }
    measure
}

/// A visitor of `shop` who granted everything at `T - 3 days`, then sent `events` in one batch.
async fn visitor_sends(site: &Site, shop: &str, events: Vec<Value>) -> (Visitor, Value) {
    let visitor = Visitor::new();
    let mut all = vec![consent_event("granted", "granted", T - 3 * DAY)];
    let count = events.len() as u64;
    all.extend(events);
    let mut batch = visitor.batch(all);
    batch["site"] = json!(shop);
    let reply = site.send(&batch).await;
    assert_eq!(reply.status, StatusCode::OK, "{}: {}", site.backend, reply.json());
    assert_eq!(counts(&reply.json()), (count + 1, 0, 0), "{}", site.backend);
    (visitor, batch)
}

async fn report_of(site: &Site, query: &str, token: &str) -> Value {
    let reply =
        site.get(&format!("/v1/reports/campaigns?{query}"), &[("authorization", token)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}: {}", site.backend, reply.json());
    reply.json()
}

/// One campaign's entry of a report.
fn campaign<'a>(report: &'a Value, id: &str) -> &'a Value {
    let campaigns = report["campaigns"].as_array().expect("campaigns");
    campaigns.iter().find(|c| c["campaign"] == id).unwrap_or_else(|| panic!("{id} in {report}"))
}

/// The rows the database holds of a visitor's campaign events.
async fn measured(site: &Site, shop: &str) -> i64 {
    let report = report_of(site, &format!("site={shop}"), &officer()).await;
    let Some(campaigns) = report["campaigns"].as_array() else { return 0 };
    campaigns
        .iter()
        .map(|c| {
            let variants = c["variants"].as_array().unwrap();
            let shown: i64 = variants.iter().map(|v| v["displays"].as_i64().unwrap()).sum();
            shown + c["holdout"]["assigned"].as_i64().unwrap()
        })
        .sum()
}

#[tokio::test]
async fn campaign_events_are_kept_only_under_measurement_and_once() {
    for site in sites().await {
        let shop = unique("shop");
        let visitor = Visitor::new();
        let shown = measure("welcome-back", Some("code"), "treatment", "impression", T);
        // Before any choice: refused, like a commerce event.
        let mut batch = visitor.batch(vec![shown.clone()]);
        batch["site"] = json!(shop);
        assert_eq!(counts(&site.send(&batch).await.json()), (0, 0, 1), "{}", site.backend);
        // Personalization without measurement: still refused.
        let mut batch =
            visitor.batch(vec![consent_event("granted", "denied", T - 2), shown.clone()]);
        batch["site"] = json!(shop);
        assert_eq!(counts(&site.send(&batch).await.json()), (1, 0, 1), "{}", site.backend);
        assert_eq!(measured(&site, &shop).await, 0, "{}", site.backend);
        // Measurement granted: kept.
        let mut batch =
            visitor.batch(vec![consent_event("granted", "granted", T - 1), shown.clone()]);
        batch["site"] = json!(shop);
        assert_eq!(counts(&site.send(&batch).await.json()), (2, 0, 0), "{}", site.backend);
        // The same event again in another batch (a retry from another tab): counted once.
        let mut again = visitor.batch(vec![shown.clone()]);
        again["site"] = json!(shop);
        assert_eq!(counts(&site.send(&again).await.json()), (0, 1, 0), "{}", site.backend);
        // The same batch again: answered as before.
        assert_eq!(site.send(&again).await.json()["replayed"], true, "{}", site.backend);
        assert_eq!(measured(&site, &shop).await, 1, "{}", site.backend);
        // The visitor's export holds it.
        let export = site
            .get(
                &format!("/v1/profiles/{}/export", visitor.id),
                &[("x-concierge-secret", &visitor.secret)],
            )
            .await
            .json();
        let kept = export["campaign_events"].as_array().expect("campaign_events in the export");
        assert_eq!(kept.len(), 1, "{}", site.backend);
        assert_eq!(
            (kept[0]["campaign"].as_str(), kept[0]["variant"].as_str(), kept[0]["event"].as_str()),
            (Some("welcome-back"), Some("code"), Some("impression")),
            "{}",
            site.backend
        );
    }
}

#[tokio::test]
async fn a_malformed_campaign_event_refuses_the_batch_naming_the_field() {
    for site in sites().await {
        let visitor = Visitor::new();
        let good = measure("welcome-back", None, "treatment", "impression", T);
        let cases = [
            ("bucket", json!("control"), "events[1].bucket"),
            ("event", json!("hover"), "events[1].event"),
            ("campaign", json!("no spaces"), "events[1].campaign"),
            ("variant", json!(7), "events[1].variant"),
            // A value belongs to a conversion only.
            ("value", json!(30), "events[1].value"),
        ];
        for (field, value, path) in cases {
            let mut bad = good.clone();
            bad[field] = value;
            let batch = visitor.batch(vec![consent_event("granted", "granted", T - 1), bad]);
            let reply = site.send(&batch).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {field}", site.backend);
            assert_eq!(reply.json()["field"], path, "{}: {}", site.backend, reply.json());
        }
        let mut missing = good.clone();
        missing.as_object_mut().unwrap().remove("bucket");
        let reply = site.send(&visitor.batch(vec![missing])).await;
        assert_eq!(reply.json()["field"], "events[0].bucket", "{}", site.backend);
        // Nothing of a refused batch was kept.
        assert_eq!(site.db.rows_about(&visitor.id).await.unwrap(), 0, "{}", site.backend);
    }
}

#[tokio::test]
async fn a_withdrawal_an_erasure_and_retention_take_the_campaign_events() {
    for site in sites().await {
        let shop = unique("shop");
        let shown = |at| measure("welcome-back", Some("code"), "treatment", "impression", at);

        // Measurement withdrawn: the campaign events go with the visit's.
        let (visitor, _) = visitor_sends(&site, &shop, vec![shown(T), shown(T + 1)]).await;
        assert_eq!(measured(&site, &shop).await, 2, "{}", site.backend);
        let mut batch = visitor.batch(vec![consent_event("granted", "denied", T + 10)]);
        batch["site"] = json!(shop);
        assert_eq!(counts(&site.send(&batch).await.json()), (1, 0, 0), "{}", site.backend);
        assert_eq!(measured(&site, &shop).await, 0, "{}", site.backend);

        // Erasure: every row about the visitor goes, campaign events included.
        let (visitor, _) = visitor_sends(&site, &shop, vec![shown(T)]).await;
        assert_eq!(measured(&site, &shop).await, 1, "{}", site.backend);
        let reply = site
            .request(
                axum::http::Method::DELETE,
                &format!("/v1/profiles/{}", visitor.id),
                &[("x-concierge-secret", &visitor.secret)],
                axum::body::Body::empty(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", site.backend);
        assert_eq!(site.db.rows_about(&visitor.id).await.unwrap(), 0, "{}", site.backend);
        assert_eq!(measured(&site, &shop).await, 0, "{}", site.backend);

        // Retention: measurement's 395 days (the built-in policy's), by the event's own time.
        let now = now_ms();
        let visitor = Visitor::new();
        let mut batch = visitor.batch(vec![
            consent_event("granted", "granted", now - 400 * DAY),
            shown(now - 396 * DAY),
            shown(now - 394 * DAY),
            shown(now - DAY),
        ]);
        batch["site"] = json!(shop);
        assert_eq!(counts(&site.send(&batch).await.json()), (4, 0, 0), "{}", site.backend);
        let deleted = site.db.apply_retention_to(&shop, now).await.unwrap();
        assert_eq!(deleted.events, 1, "{}: {deleted:?}", site.backend);
        assert_eq!(measured(&site, &shop).await, 2, "{}", site.backend);
    }
}

#[tokio::test]
async fn the_report_counts_each_variant_and_compares_treatment_with_holdout() {
    for site in sites().await {
        let shop = unique("shop");
        let wb = "welcome-back";
        let code = |event| measure(wb, Some("code"), "treatment", event, T + 1);
        let total = |event| measure(wb, Some("total"), "treatment", event, T + 1);
        let held = |event| measure(wb, None, "holdout", event, T + 1);
        // Variant code: 4 visitors, 4 displays, 2 clicks, 1 dismissal, 3 converted (90).
        visitor_sends(
            &site,
            &shop,
            vec![
                code("impression"),
                code("click"),
                code("conversion"),
                // Before the report's range: not counted.
                measure(wb, Some("code"), "treatment", "impression", T - 2 * DAY),
                measure("spring", None, "treatment", "impression", T + 1),
            ],
        )
        .await;
        visitor_sends(&site, &shop, vec![code("impression"), code("click"), code("conversion")])
            .await;
        visitor_sends(&site, &shop, vec![code("impression"), code("dismiss"), code("conversion")])
            .await;
        visitor_sends(&site, &shop, vec![code("impression")]).await;
        // Variant total: 4 visitors, 5 displays, 1 click, 2 dismissals, 1 converted twice (60).
        visitor_sends(&site, &shop, vec![total("impression"), total("impression"), total("click")])
            .await;
        visitor_sends(&site, &shop, vec![total("impression"), total("dismiss")]).await;
        visitor_sends(&site, &shop, vec![total("impression"), total("dismiss")]).await;
        visitor_sends(
            &site,
            &shop,
            vec![total("impression"), total("conversion"), total("conversion")],
        )
        .await;
        // Holdout: 4 visitors assigned, 1 converted (30).
        visitor_sends(&site, &shop, vec![held("holdout"), held("conversion")]).await;
        for _ in 0..3 {
            visitor_sends(&site, &shop, vec![held("holdout")]).await;
        }

        let from = T - DAY;
        let report = report_of(&site, &format!("site={shop}&from={from}"), &marketer()).await;
        assert_eq!(
            (report["site"].as_str(), report["from"].as_i64()),
            (Some(shop.as_str()), Some(from))
        );
        let figures = campaign(&report, wb);
        let variants = figures["variants"].as_array().unwrap();
        let counted: Vec<Value> = variants
            .iter()
            .map(|v| {
                json!([
                    v["variant"],
                    v["displays"],
                    v["clicks"],
                    v["dismissals"],
                    v["conversions"],
                    v["value"],
                    v["visitors"],
                    v["converted"],
                    v["rate"]
                ])
            })
            .collect();
        assert_eq!(
            counted,
            vec![
                json!(["code", 4, 2, 1, 3, 90.0, 4, 3, 0.75]),
                json!(["total", 5, 1, 2, 2, 60.0, 4, 1, 0.25]),
            ],
            "{}",
            site.backend
        );
        assert_eq!(
            figures["treatment"],
            json!({ "visitors": 8, "converted": 4, "rate": 0.5, "displays": 9, "conversions": 5, "value": 150.0 }),
            "{}",
            site.backend
        );
        assert_eq!(
            figures["holdout"],
            json!({ "visitors": 4, "converted": 1, "rate": 0.25, "assigned": 4, "conversions": 1, "value": 30.0 }),
            "{}",
            site.backend
        );
        // By hand: p_t = 4/8, p_h = 1/4; absolute 0.25 ± 1.959964 * sqrt(.5*.5/8 + .25*.75/4)
        // = 0.25 ± 1.959964 * 0.279508 = 0.25 ± 0.547827. Relative 0.5/0.25 - 1 = 1, its log
        // interval ln 2 ± 1.959964 * sqrt(1/4 - 1/8 + 1/1 - 1/4) = 0.693147 ± 1.833177, so
        // exp(-1.140030) - 1 = -0.680255 and exp(2.526325) - 1 = 11.509966.
        assert_eq!(
            figures["uplift"],
            json!({ "absolute": { "estimate": 0.25, "low": -0.297827, "high": 0.797827 },
                    "relative": { "estimate": 1.0, "low": -0.680255, "high": 11.509966 } }),
            "{}",
            site.backend
        );
        // Code against the holdout: 3/4 - 1/4 = 0.5 ± 1.959964 * sqrt(.75*.25/4 + .25*.75/4)
        // = 0.5 ± 0.600114, the top clipped at 1; relative 2, exp(ln 3 ± 1.959964 * 0.912871).
        assert_eq!(
            variants[0]["uplift"],
            json!({ "absolute": { "estimate": 0.5, "low": -0.100114, "high": 1.0 },
                    "relative": { "estimate": 2.0, "low": -0.498716, "high": 16.953883 } }),
            "{}",
            site.backend
        );
        // A campaign without a holdout: counted, but nothing to compare with.
        let spring = campaign(&report, "spring");
        assert_eq!(spring["treatment"]["visitors"], 1, "{}", site.backend);
        assert_eq!(
            spring["uplift"],
            json!({ "absolute": null, "relative": null }),
            "{}",
            site.backend
        );
        assert_eq!(spring["holdout"]["rate"], Value::Null, "{}", site.backend);

        // The whole range counts the early display too; a range before everything, nothing.
        let all = report_of(&site, &format!("site={shop}"), &officer()).await;
        assert_eq!(campaign(&all, wb)["variants"][0]["displays"], 5, "{}", site.backend);
        let none = report_of(&site, &format!("site={shop}&to=2020-01-01"), &marketer()).await;
        assert_eq!(none["campaigns"], json!([]), "{}", site.backend);
    }
}

#[tokio::test]
async fn the_report_names_visitors_whose_bucket_is_not_the_published_one() {
    for site in sites().await {
        let shop = unique("shop");
        let demo = include_str!("../../../documents/demo/campaigns.json");
        let document = concierge_protocol::json::parse(demo).unwrap();
        let Ok(Document::Campaigns(published)) = check_document(&document) else {
            panic!("the demo campaigns do not check")
        };
        let body = serde_json::to_string(&encode_document(&Document::Campaigns(published.clone())))
            .unwrap();
        let document = Published {
            site: shop.clone(),
            kind: Kind::Campaigns,
            version: 1,
            body,
            published_by: "marketer 00000000".into(),
            published_at: now_ms(),
        };
        assert_eq!(site.db.publish_document(&document).await.unwrap(), None);
        let welcome = published.campaigns.iter().find(|c| c.id == "welcome-back").unwrap();
        // Visitors as the server buckets them; then one whose agent claims the other side, and
        // one in the treatment who was shown the other variant.
        let mut wrong = 0;
        let mut flipped_variant = false;
        for n in 0..40 {
            let visitor = Visitor::new();
            let (mut bucket, mut variant) = match assignment(&visitor.id, welcome) {
                Assigned::Holdout => ("holdout", None),
                Assigned::Treatment(variant) => ("treatment", variant),
            };
            if n == 3 {
                (bucket, variant) = if bucket == "holdout" {
                    ("treatment", Some("code".to_owned()))
                } else {
                    ("holdout", None)
                };
                wrong += 1;
            } else if n > 3 && bucket == "treatment" && !flipped_variant {
                let other = if variant.as_deref() == Some("code") { "total" } else { "code" };
                variant = Some(other.to_owned());
                flipped_variant = true;
                wrong += 1;
            }
            let event = if bucket == "holdout" { "holdout" } else { "impression" };
            let mut batch = visitor.batch(vec![
                consent_event("granted", "granted", T - 1),
                measure("welcome-back", variant.as_deref(), bucket, event, T),
            ]);
            batch["site"] = json!(shop);
            assert_eq!(counts(&site.send(&batch).await.json()), (2, 0, 0), "{}", site.backend);
        }
        assert_eq!(wrong, 2, "one wrong bucket, one wrong variant");
        let report = report_of(&site, &format!("site={shop}"), &marketer()).await;
        assert_eq!(campaign(&report, "welcome-back")["mismatched"], wrong, "{}", site.backend);
    }
}

#[tokio::test]
async fn the_report_is_for_marketers_and_the_officer_with_a_valid_query() {
    for site in sites().await {
        for token in [None, Some(staff()), Some("Bearer nope".to_owned())] {
            let headers: Vec<(&str, &str)> =
                token.iter().map(|t| ("authorization", t.as_str())).collect();
            let reply = site.get("/v1/reports/campaigns?site=demo", &headers).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}: {token:?}", site.backend);
        }
        let cases = [
            ("", "site"),
            ("site=no%20spaces", "site"),
            ("site=demo&from=yesterday", "from"),
            ("site=demo&from=2026-12-05&to=2026-12-01", "to"),
            ("site=demo&days=3", "days"),
            ("site=demo&site=demo", "site"),
        ];
        for (query, field) in cases {
            let reply = site
                .get(&format!("/v1/reports/campaigns?{query}"), &[("authorization", &marketer())])
                .await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}: {query}", site.backend);
            assert_eq!(reply.json()["field"], field, "{}: {query}", site.backend);
        }
        let reply =
            site.get("/v1/reports/campaigns?site=demo", &[("authorization", &marketer())]).await;
        assert_eq!(reply.headers["cache-control"], "no-store", "{}", site.backend);
    }
}

/// FNV-1a (32 bits) over one more byte, as the reference's checksums are made.
fn fnv_byte(hash: u32, byte: u8) -> u32 {
    (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
}

#[test]
fn the_servers_buckets_agree_with_growthbooks_javascript_on_100000_ids() {
    // protocol/tests/fixtures/bucket-reference.json: GrowthBook's SDK functions run by node over
    // 100,000 ids (written by bucket-reference.mjs). Here each campaign is a published
    // document, read by the validator, and each visitor goes through the server's own
    // `assignment` (variant ids, not indexes).
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../protocol/tests/fixtures/bucket-reference.json");
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let count = reference["ids"].as_u64().unwrap();
    assert_eq!(count, 100_000);
    let prefixes: Vec<&str> =
        reference["prefixes"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    let multiplier = reference["multiplier"].as_u64().unwrap();
    let ids: Vec<String> = (0..count)
        .map(|i| format!("{}{}", prefixes[i as usize % prefixes.len()], i * multiplier % (1 << 32)))
        .collect();
    // A campaign as the validator reads it from the demo document, then given each reference
    // campaign's id, holdout and weights (ids such as `bannière-été` test the hash's UTF-16,
    // beyond what a document's id may be).
    let demo =
        concierge_protocol::json::parse(include_str!("../../../documents/demo/campaigns.json"));
    let Ok(Document::Campaigns(demo)) = check_document(&demo.unwrap()) else {
        panic!("the demo campaigns do not check")
    };
    let mut checked = 0;
    for expected in reference["campaigns"].as_array().unwrap() {
        let weights: Vec<f64> =
            expected["weights"].as_array().unwrap().iter().map(|w| w.as_f64().unwrap()).collect();
        let mut published = demo.campaigns[0].clone();
        published.id = expected["campaign"].as_str().unwrap().to_owned();
        published.holdout = expected["holdout"].as_f64().unwrap();
        // A document's weights are whole numbers: fractions scaled by 100, the same shares.
        let scale = if weights.iter().all(|w| w.fract() == 0.0) { 1.0 } else { 100.0 };
        published.variants = weights
            .iter()
            .enumerate()
            .map(|(i, w)| Variant {
                id: format!("v{i}"),
                weight: (w * scale) as u32,
                content: None,
            })
            .collect();
        let mut fnv = 0x811c_9dc5;
        let mut counts = vec![0u64; weights.len().max(1) + 1];
        for id in &ids {
            let cell = match assignment(id, &published) {
                Assigned::Holdout => 0,
                Assigned::Treatment(None) => 1,
                Assigned::Treatment(Some(variant)) => 1 + variant[1..].parse::<usize>().unwrap(),
            };
            counts[cell] += 1;
            fnv = fnv_byte(fnv, cell as u8);
        }
        let name = &expected["campaign"];
        let reference_counts: Vec<u64> =
            expected["counts"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect();
        assert_eq!(counts, reference_counts, "{name}");
        assert_eq!(u64::from(fnv), expected["fnv"].as_u64().unwrap(), "{name}: per-id checksum");
        checked += 1;
    }
    assert_eq!(checked, 6, "the reference's six campaigns");
}

#[tokio::test]
async fn the_openapi_description_lists_the_report_and_the_campaign_event() {
    let site = Site::new("sqlite", None).await;
    let description = site.get("/v1/openapi.json", &[]).await.json();
    let report = &description["paths"]["/v1/reports/campaigns"]["get"];
    assert_eq!(report["security"], json!([{ "marketer": [] }, { "privacy": [] }]));
    let schema = &description["components"]["schemas"]["CampaignsReport"];
    assert!(schema["properties"]["campaigns"]["items"]["properties"]["uplift"].is_object());
    let event = &description["components"]["schemas"]["Event"];
    assert!(event["properties"]["name"]["enum"].as_array().unwrap().contains(&json!("campaign")));
    for field in ["campaign", "variant", "bucket", "event", "value"] {
        assert!(event["properties"][field].is_object(), "Event.{field}");
    }
}

/// The 99.9% points of the chi-square distribution by degrees of freedom (1 to 4), from the
/// standard tables (NIST/SEMATECH e-Handbook of Statistical Methods, 1.3.6.7.4).
const CHI_SQUARE_999: [f64; 4] = [10.828, 13.816, 16.266, 18.467];

#[test]
fn the_servers_assignment_fits_the_demo_campaigns_shares_on_100000_ids() {
    // Each demo campaign with a holdout or several variants: 100,000 ids through the server's
    // own `assignment`, counted per cell (holdout, each variant) against the shares the document
    // gives (holdout h, variant i (1 - h) w_i / sum w). Degrees of freedom: cells - 1.
    let demo =
        concierge_protocol::json::parse(include_str!("../../../documents/demo/campaigns.json"));
    let Ok(Document::Campaigns(demo)) = check_document(&demo.unwrap()) else {
        panic!("the demo campaigns do not check")
    };
    let ids = visitor_ids(100_000, 10);
    let mut tested = 0;
    for campaign in demo.campaigns.iter().filter(|c| c.holdout > 0.0 || c.variants.len() > 1) {
        let weights = campaign.weights();
        let sum: f64 = weights.iter().sum();
        let mut expected = vec![campaign.holdout * ids.len() as f64];
        expected
            .extend(weights.iter().map(|w| (1.0 - campaign.holdout) * w / sum * ids.len() as f64));
        let mut observed = vec![0.0; expected.len()];
        for id in &ids {
            let cell = match assignment(id, campaign) {
                Assigned::Holdout => 0,
                Assigned::Treatment(variant) => {
                    1 + campaign
                        .variants
                        .iter()
                        .position(|v| Some(&v.id) == variant.as_ref())
                        .unwrap_or(0)
                }
            };
            observed[cell] += 1.0;
        }
        let statistic: f64 =
            observed.iter().zip(&expected).map(|(o, e)| (o - e) * (o - e) / e).sum();
        let df = expected.len() - 1;
        let critical = CHI_SQUARE_999[df - 1];
        println!(
            "{}: observed {observed:?}, expected {expected:?}, chi-square {statistic:.3} \
             (df {df}, 99.9% critical value {critical})",
            campaign.id
        );
        assert!(statistic < critical, "{}: chi-square {statistic} (df {df})", campaign.id);
        tested += 1;
    }
    assert!(tested >= 2, "the demo has campaigns with holdouts and variants");
}
