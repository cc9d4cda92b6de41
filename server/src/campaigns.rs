//! Campaign measurement on the server: where a visitor falls in a campaign (the same bucket the
//! agent computes), and the marketers' report `GET /v1/reports/campaigns` (displays, clicks,
//! dismissals, conversions and value per variant; treatment against holdout with the uplift's
//! 95% interval).
//!
//! The events themselves arrive in batches (`POST /v1/events`, payload `campaign`) and are kept
//! in `campaign_events` by [`crate::db`] under the measurement purpose.

use crate::api::{client_of, ApiState};
use crate::db::{Db, DbError};
use crate::receipts::{bound, query_values, site_in, FieldProblem, ReceiptError, MAX_AT};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::routing::get;
use axum::{Extension, Json, Router};
use concierge_protocol::bucket::{bucket, Assignment};
use concierge_protocol::documents::{check_document, Campaign, Document};
use serde_json::{json, Value};
use sqlx::Row;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use tower_http::set_header::SetResponseHeaderLayer;

pub fn routes(state: ApiState) -> Router {
    Router::new()
        .route("/v1/reports/campaigns", get(report))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(state)
}

/// `treatment` or `holdout`: the two groups a campaign's visitors fall in.
pub const TREATMENT: &str = "treatment";
pub const HOLDOUT: &str = "holdout";

/// Where a visitor falls in a campaign as published: the holdout, or the treatment with the
/// variant shown (`None` for a campaign without variants).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Assigned {
    Holdout,
    Treatment(Option<String>),
}

impl Assigned {
    pub fn bucket(&self) -> &'static str {
        match self {
            Assigned::Holdout => HOLDOUT,
            Assigned::Treatment(_) => TREATMENT,
        }
    }
}

/// The server's assignment of a visitor in a campaign: the protocol's `bucket` (GrowthBook's
/// hash, seeded by the campaign id) over the campaign's holdout share and variant weights, the
/// variant named by its id. The agent computes the same from the same document.
pub fn assignment(visitor: &str, campaign: &Campaign) -> Assigned {
    match bucket(visitor, &campaign.id, campaign.holdout, &campaign.weights()) {
        Assignment::Holdout => Assigned::Holdout,
        Assignment::Variant(index) => {
            Assigned::Treatment(campaign.variants.get(index).map(|variant| variant.id.clone()))
        }
    }
}

/// The z of a two-sided 95% interval.
const Z_95: f64 = 1.959_963_984_540_054;

/// Visitors of a group and how many of them converted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Group {
    pub visitors: u64,
    pub converted: u64,
}

impl Group {
    pub fn rate(&self) -> Option<f64> {
        (self.visitors > 0).then(|| self.converted as f64 / self.visitors as f64)
    }

    fn json(&self) -> Value {
        json!({ "visitors": self.visitors, "converted": self.converted,
                "rate": self.rate().map(round) })
    }
}

/// An estimate with its 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

impl Interval {
    fn json(&self) -> Value {
        json!({ "estimate": round(self.estimate), "low": round(self.low), "high": round(self.high) })
    }
}

/// The treatment's conversion rate against the holdout's (docs/decisions.md):
///
/// - absolute uplift `p_t - p_h`, with Wald's unpooled two-proportion interval
///   `± z * sqrt(p_t (1 - p_t) / n_t + p_h (1 - p_h) / n_h)` clipped to `[-1, 1]`; `None`
///   unless both groups have visitors;
/// - relative uplift `p_t / p_h - 1`, with the interval of the log of the ratio (Katz):
///   `exp(ln(p_t / p_h) ± z * sqrt(1/x_t - 1/n_t + 1/x_h - 1/n_h)) - 1`; `None` unless both
///   groups have a conversion.
pub fn uplift(treatment: Group, holdout: Group) -> (Option<Interval>, Option<Interval>) {
    let (Some(p_t), Some(p_h)) = (treatment.rate(), holdout.rate()) else {
        return (None, None);
    };
    let (n_t, n_h) = (treatment.visitors as f64, holdout.visitors as f64);
    let difference = p_t - p_h;
    let spread = Z_95 * (p_t * (1.0 - p_t) / n_t + p_h * (1.0 - p_h) / n_h).sqrt();
    // A difference of two rates lies in [-1, 1]; Wald's interval can reach past it when few
    // visitors are in a group.
    let absolute = Interval {
        estimate: difference,
        low: (difference - spread).max(-1.0),
        high: (difference + spread).min(1.0),
    };
    if treatment.converted == 0 || holdout.converted == 0 {
        return (Some(absolute), None);
    }
    let (x_t, x_h) = (treatment.converted as f64, holdout.converted as f64);
    let log_ratio = (p_t / p_h).ln();
    let spread = Z_95 * (1.0 / x_t - 1.0 / n_t + 1.0 / x_h - 1.0 / n_h).max(0.0).sqrt();
    let relative = Interval {
        estimate: p_t / p_h - 1.0,
        low: (log_ratio - spread).exp() - 1.0,
        high: (log_ratio + spread).exp() - 1.0,
    };
    (Some(absolute), Some(relative))
}

/// Six decimals: enough for a rate, and a report that reads the same on both databases.
fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// What one variant (or the holdout) of a campaign counted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counts {
    pub displays: u64,
    pub clicks: u64,
    pub dismissals: u64,
    pub conversions: u64,
    /// Holdout assignments recorded (the holdout's stand-in for displays).
    pub holdouts: u64,
    pub value: f64,
    pub group: Group,
}

/// A campaign's figures: per variant of the treatment, the holdout, and visitors whose bucket
/// is not the one the campaign as published now gives them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CampaignFigures {
    pub variants: BTreeMap<Option<String>, Counts>,
    pub holdout: Counts,
    pub treatment: Group,
    pub mismatched: u64,
}

/// One row of the per-visitor query: (campaign, bucket, variant, visitor, converted).
pub type VisitorRow = (String, String, Option<String>, String, bool);
/// One row of the per-event query: (campaign, bucket, variant, event, count, value).
pub type EventRow = (String, String, Option<String>, String, u64, f64);

/// Puts the report's figures together from its two queries' rows and the campaigns as
/// published (to tell which visitors' buckets disagree with the server's).
pub fn figures(
    events: &[EventRow],
    visitors: &[VisitorRow],
    published: &[Campaign],
) -> BTreeMap<String, CampaignFigures> {
    let mut campaigns: BTreeMap<String, CampaignFigures> = BTreeMap::new();
    for (campaign, bucket, variant, event, count, value) in events {
        let figures = campaigns.entry(campaign.clone()).or_default();
        let counts = if bucket == HOLDOUT {
            &mut figures.holdout
        } else {
            figures.variants.entry(variant.clone()).or_default()
        };
        match event.as_str() {
            "impression" => counts.displays += count,
            "click" => counts.clicks += count,
            "dismiss" => counts.dismissals += count,
            "conversion" => {
                counts.conversions += count;
                counts.value += value;
            }
            "holdout" => counts.holdouts += count,
            _ => {}
        }
    }
    let mut mismatched: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (campaign, bucket, variant, visitor, converted) in visitors {
        let figures = campaigns.entry(campaign.clone()).or_default();
        let converted = u64::from(*converted);
        let groups: [&mut Group; 2] = if bucket == HOLDOUT {
            [&mut figures.holdout.group, &mut Group::default()]
        } else {
            [
                &mut figures.variants.entry(variant.clone()).or_default().group,
                &mut figures.treatment,
            ]
        };
        for group in groups {
            group.visitors += 1;
            group.converted += converted;
        }
        if let Some(published) = published.iter().find(|c| &c.id == campaign) {
            let assigned = assignment(visitor, published);
            let agrees = match &assigned {
                Assigned::Holdout => bucket == HOLDOUT,
                Assigned::Treatment(expected) => bucket == TREATMENT && expected == variant,
            };
            if !agrees {
                mismatched.entry(campaign).or_default().push(visitor);
            }
        }
    }
    for (campaign, mut visitors) in mismatched {
        visitors.sort_unstable();
        visitors.dedup();
        if let Some(figures) = campaigns.get_mut(campaign) {
            figures.mismatched = visitors.len() as u64;
        }
    }
    campaigns
}

fn uplift_json(treatment: Group, holdout: Group) -> Value {
    let (absolute, relative) = uplift(treatment, holdout);
    json!({ "absolute": absolute.map(|i| i.json()), "relative": relative.map(|i| i.json()) })
}

/// The report's body.
pub fn report_body(
    site: &str,
    from: i64,
    to: i64,
    campaigns: &BTreeMap<String, CampaignFigures>,
) -> Value {
    let campaigns: Vec<Value> = campaigns
        .iter()
        .map(|(id, figures)| {
            let holdout = &figures.holdout;
            let variants: Vec<Value> = figures
                .variants
                .iter()
                .map(|(variant, counts)| {
                    json!({
                        "variant": variant,
                        "displays": counts.displays,
                        "clicks": counts.clicks,
                        "dismissals": counts.dismissals,
                        "conversions": counts.conversions,
                        "value": round(counts.value),
                        "visitors": counts.group.visitors,
                        "converted": counts.group.converted,
                        "rate": counts.group.rate().map(round),
                        "uplift": uplift_json(counts.group, holdout.group),
                    })
                })
                .collect();
            let mut treatment = figures.treatment.json();
            treatment["displays"] =
                figures.variants.values().map(|c| c.displays).sum::<u64>().into();
            treatment["conversions"] =
                figures.variants.values().map(|c| c.conversions).sum::<u64>().into();
            treatment["value"] = round(figures.variants.values().map(|c| c.value).sum()).into();
            let mut held = holdout.group.json();
            held["assigned"] = holdout.holdouts.into();
            held["conversions"] = holdout.conversions.into();
            held["value"] = round(holdout.value).into();
            json!({
                "campaign": id,
                "treatment": treatment,
                "holdout": held,
                "uplift": uplift_json(figures.treatment, holdout.group),
                "mismatched": figures.mismatched,
                "variants": variants,
            })
        })
        .collect();
    json!({ "site": site, "from": from, "to": to, "campaigns": campaigns })
}

impl Db {
    /// The counts of each campaign event of a site from `from` to `to` (both included), by
    /// campaign, bucket and variant.
    pub async fn campaign_event_counts(
        &self,
        site: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<EventRow>, DbError> {
        let rows = sqlx::query(
            "SELECT campaign, bucket, variant, event, COUNT(*) AS n, SUM(value) AS total \
             FROM campaign_events WHERE site = $1 AND occurred_at >= $2 AND occurred_at <= $3 \
             GROUP BY campaign, bucket, variant, event",
        )
        .bind(site)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("campaign")?,
                    row.try_get("bucket")?,
                    row.try_get("variant")?,
                    row.try_get("event")?,
                    row.try_get::<i64, _>("n")?.max(0) as u64,
                    row.try_get::<f64, _>("total")?,
                ))
            })
            .collect()
    }

    /// Each visitor of each campaign, bucket and variant, and whether they converted there.
    pub async fn campaign_visitors(
        &self,
        site: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<VisitorRow>, DbError> {
        let rows = sqlx::query(
            "SELECT campaign, bucket, variant, visitor_id, \
             SUM(CASE WHEN event = 'conversion' THEN 1 ELSE 0 END) AS conversions \
             FROM campaign_events WHERE site = $1 AND occurred_at >= $2 AND occurred_at <= $3 \
             GROUP BY campaign, bucket, variant, visitor_id",
        )
        .bind(site)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("campaign")?,
                    row.try_get("bucket")?,
                    row.try_get("variant")?,
                    row.try_get("visitor_id")?,
                    row.try_get::<i64, _>("conversions")? > 0,
                ))
            })
            .collect()
    }

    /// The campaigns of the site's current campaigns document; none when it published none
    /// (or one this server cannot read, which the log names).
    pub async fn published_campaigns(&self, site: &str) -> Result<Vec<Campaign>, DbError> {
        let documents = self.current_documents(site).await?;
        let Some((_, body)) = documents.into_iter().find(|(kind, _)| kind == "campaigns") else {
            return Ok(Vec::new());
        };
        let parsed = concierge_protocol::json::parse(&body).ok();
        match parsed.as_ref().map(check_document) {
            Some(Ok(Document::Campaigns(campaigns))) => Ok(campaigns.campaigns),
            _ => {
                tracing::warn!(%site, "the published campaigns document cannot be read");
                Ok(Vec::new())
            }
        }
    }
}

async fn report(
    State(state): State<ApiState>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Result<Json<Value>, ReceiptError> {
    let client = client_of(connection.as_ref().map(|c| &c.0));
    crate::documents::require_reader_of_campaigns(&state, &headers, &client).await?;
    let values = query_values(&query, &["site", "from", "to"])?;
    let mut problems: Vec<FieldProblem> = Vec::new();
    let site = site_in(&values, &mut problems);
    let get = |name: &str| values.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    let mut range = |name: &str, default: i64, end_of_day: bool| match get(name) {
        None => default,
        Some(text) => bound(text, end_of_day).unwrap_or_else(|| {
            problems.push(FieldProblem {
                field: name.to_owned(),
                message: "must be a day (YYYY-MM-DD, UTC) or milliseconds since 1970".to_owned(),
            });
            default
        }),
    };
    let from = range("from", 0, false);
    let to = range("to", MAX_AT, true);
    if from > to {
        problems
            .push(FieldProblem { field: "to".to_owned(), message: "is before from".to_owned() });
    }
    if !problems.is_empty() {
        return Err(ReceiptError::Invalid(problems));
    }
    let events = state.db.campaign_event_counts(&site, from, to).await?;
    let visitors = state.db.campaign_visitors(&site, from, to).await?;
    let published = state.db.published_campaigns(&site).await?;
    Ok(Json(report_body(&site, from, to, &figures(&events, &visitors, &published))))
}
