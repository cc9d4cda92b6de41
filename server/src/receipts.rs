//! Consent receipts: `POST /v1/consent/receipts` from the agent (every choice a visitor makes),
//! the privacy officer's export (`GET /v1/consent/receipts`, CSV or JSON Lines) and the consent
//! report per day and purpose (`GET /v1/reports/consent`).
//!
//! A receipt is stored once per (`receipt`, `at`), with one row per purpose, so a purpose the
//! policy adds later needs no schema change.

use crate::api::{client_of, now_ms, read_body, require_officer, ApiError, ApiState};
use crate::db::{Db, DbError};
use axum::body::Body;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use concierge_protocol::calendar;
use concierge_protocol::documents::{rules::is_token, MAX_SITE};
use serde_json::{json, Map, Value};
use sqlx::Row;
use std::net::SocketAddr;
use tower_http::set_header::SetResponseHeaderLayer;

/// The largest receipt body: four purposes take about 300 bytes, so this leaves room for many.
pub const MAX_RECEIPT_BYTES: usize = 4 * 1024;
/// Purposes one receipt may carry.
pub const MAX_PURPOSES: usize = 64;
/// How a choice was made: the contract's closed list.
pub const SOURCES: [&str; 6] = ["dialog", "panel", "gpc", "tcf", "api", "default"];
/// The longest report, in days.
pub const MAX_REPORT_DAYS: i64 = 366;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// The largest time stamp JavaScript writes exactly (2^53 - 1).
pub(crate) const MAX_AT: i64 = 9_007_199_254_740_991;

pub fn routes(state: ApiState) -> Router {
    Router::new()
        .route("/v1/consent/receipts", get(export).post(record))
        .route("/v1/reports/consent", get(report))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(state)
}

/// One consent receipt as the agent sends it, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub site: String,
    pub receipt: String,
    pub visitor: Option<String>,
    pub policy: i64,
    pub at: i64,
    pub region: Option<String>,
    pub source: String,
    /// (purpose id, `granted`, `denied` or `unset`), in the order sent.
    pub choices: Vec<(String, String)>,
}

/// A field at fault and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

fn problem(field: impl Into<String>, message: impl Into<String>) -> FieldProblem {
    FieldProblem { field: field.into(), message: message.into() }
}

/// Why a receipts request failed.
#[derive(Debug)]
pub enum ReceiptError {
    Api(ApiError),
    /// Every field at fault, each named: 400.
    Invalid(Vec<FieldProblem>),
}

impl From<ApiError> for ReceiptError {
    fn from(error: ApiError) -> ReceiptError {
        ReceiptError::Api(error)
    }
}

impl From<DbError> for ReceiptError {
    fn from(error: DbError) -> ReceiptError {
        ReceiptError::Api(ApiError::Db(error))
    }
}

impl IntoResponse for ReceiptError {
    fn into_response(self) -> Response {
        match self {
            ReceiptError::Api(error) => error.into_response(),
            ReceiptError::Invalid(problems) => {
                let first = problems.first().cloned().unwrap_or_else(|| problem("", "invalid"));
                let list: Vec<Value> = problems
                    .iter()
                    .map(|p| json!({ "field": p.field, "message": p.message }))
                    .collect();
                let body = json!({ "error": "invalid_request", "field": first.field,
                                   "message": first.message, "problems": list });
                (StatusCode::BAD_REQUEST, Json(body)).into_response()
            }
        }
    }
}

/// `[a-z][a-z0-9_]{0,31}`: a purpose id as the policy spells them.
pub fn is_purpose_id(text: &str) -> bool {
    let bytes = text.as_bytes();
    (1..=32).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
}

/// `r_` and 22 base64url characters (128 random bits).
fn is_receipt_id(text: &str) -> bool {
    text.len() == 24
        && text.starts_with("r_")
        && text[2..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// ISO 3166-1 alpha-2, or alpha-2, `-` and a subdivision of 1-3 letters or digits (`US-CA`).
fn is_region(text: &str) -> bool {
    let (country, subdivision) = match text.split_once('-') {
        Some((country, subdivision)) => (country, Some(subdivision)),
        None => (text, None),
    };
    country.len() == 2
        && country.bytes().all(|b| b.is_ascii_uppercase())
        && subdivision.is_none_or(|s| {
            (1..=3).contains(&s.len())
                && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
}

/// Reads a receipt body, naming every field at fault.
pub fn decode_receipt(body: &[u8]) -> Result<Receipt, Vec<FieldProblem>> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| vec![problem("", format!("not valid JSON: {error}"))])?;
    let Value::Object(object) = value else {
        return Err(vec![problem("", "must be a JSON object")]);
    };
    let mut problems = Vec::new();
    const FIELDS: [&str; 8] =
        ["site", "receipt", "visitor", "policy", "at", "region", "source", "choices"];
    for name in object.keys().filter(|name| !FIELDS.contains(&name.as_str())) {
        problems.push(problem(name.as_str(), "is not a receipt field"));
    }
    let text = |name: &str, problems: &mut Vec<FieldProblem>| -> Option<String> {
        match object.get(name) {
            Some(Value::String(text)) => Some(text.clone()),
            Some(_) => {
                problems.push(problem(name, "must be a string"));
                None
            }
            None => {
                problems.push(problem(name, "is required"));
                None
            }
        }
    };
    let optional_text = |name: &str, problems: &mut Vec<FieldProblem>| -> Option<String> {
        match object.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(_) => {
                problems.push(problem(name, "must be a string or null"));
                None
            }
        }
    };
    let number = |name: &str, max: i64, problems: &mut Vec<FieldProblem>| -> Option<i64> {
        match object.get(name) {
            Some(value) => match value.as_i64().filter(|n| (1..=max).contains(n)) {
                Some(n) => Some(n),
                None => {
                    problems.push(problem(name, format!("must be a whole number from 1 to {max}")));
                    None
                }
            },
            None => {
                problems.push(problem(name, "is required"));
                None
            }
        }
    };

    let site = text("site", &mut problems);
    if site.as_deref().is_some_and(|site| !is_token(site, MAX_SITE)) {
        problems.push(problem("site", "must be 1-64 letters, digits, - or _"));
    }
    let receipt = text("receipt", &mut problems);
    if receipt.as_deref().is_some_and(|receipt| !is_receipt_id(receipt)) {
        problems.push(problem("receipt", "must be r_ followed by 22 base64url characters"));
    }
    let visitor = optional_text("visitor", &mut problems);
    if visitor.as_deref().is_some_and(|v| v.len() < 16 || !is_token(v, 64)) {
        problems.push(problem("visitor", "must be null or 16-64 letters, digits, - or _"));
    }
    let policy = number("policy", i64::from(u32::MAX), &mut problems);
    let at = number("at", MAX_AT, &mut problems);
    let region = optional_text("region", &mut problems);
    if region.as_deref().is_some_and(|region| !is_region(region)) {
        problems.push(problem(
            "region",
            "must be null or an ISO 3166 code such as DE or US-CA (upper case)",
        ));
    }
    let source = text("source", &mut problems);
    if source.as_deref().is_some_and(|source| !SOURCES.contains(&source)) {
        problems.push(problem("source", format!("must be one of {}", SOURCES.join(", "))));
    }
    let mut choices = Vec::new();
    match object.get("choices") {
        Some(Value::Object(map)) if map.is_empty() => {
            problems.push(problem("choices", "must name at least one purpose"))
        }
        Some(Value::Object(map)) if map.len() > MAX_PURPOSES => {
            problems.push(problem("choices", format!("names more than {MAX_PURPOSES} purposes")))
        }
        Some(Value::Object(map)) => {
            for (purpose, decision) in map {
                let shown: String = purpose.chars().take(40).collect();
                let field = format!("choices.{shown}");
                if !is_purpose_id(purpose) {
                    problems.push(problem(
                        field,
                        "is not a purpose id (a lower-case letter, then up to 31 lower-case letters, digits or _)",
                    ));
                    continue;
                }
                match decision.as_str() {
                    // `unset`: a purpose the receipt's choice left unanswered (a GPC signal in an
                    // opt-in region answers only the purposes it denies).
                    Some(decision @ ("granted" | "denied" | "unset")) => {
                        choices.push((purpose.clone(), decision.to_owned()))
                    }
                    _ => problems
                        .push(problem(field, "must be \"granted\", \"denied\" or \"unset\"")),
                }
            }
        }
        Some(_) => problems.push(problem("choices", "must be an object of purpose: decision")),
        None => problems.push(problem("choices", "is required")),
    }
    match (site, receipt, policy, at, source) {
        (Some(site), Some(receipt), Some(policy), Some(at), Some(source))
            if problems.is_empty() =>
        {
            Ok(Receipt { site, receipt, visitor, policy, at, region, source, choices })
        }
        _ => Err(problems),
    }
}

async fn record(
    State(state): State<ApiState>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ReceiptError> {
    let body = read_body(&headers, body, MAX_RECEIPT_BYTES, state.body_timeout).await?;
    let receipt = decode_receipt(&body).map_err(ReceiptError::Invalid)?;
    state.db.store_receipt(&receipt, now_ms()).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({}))))
}

/// The query of the officer's routes, each parameter known and given at most once.
pub(crate) fn query_values<'q>(
    query: &'q [(String, String)],
    known: &[&str],
) -> Result<Vec<(&'q str, &'q str)>, ReceiptError> {
    let mut problems = Vec::new();
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for (name, value) in query {
        if !known.contains(&name.as_str()) {
            problems.push(problem(
                name.as_str(),
                format!("is not accepted; the parameters are {}", known.join(", ")),
            ));
        } else if seen.iter().any(|(seen, _)| seen == name) {
            problems.push(problem(name.as_str(), "must be given once"));
        } else {
            seen.push((name, value));
        }
    }
    if problems.is_empty() {
        Ok(seen)
    } else {
        Err(ReceiptError::Invalid(problems))
    }
}

pub(crate) fn site_in(values: &[(&str, &str)], problems: &mut Vec<FieldProblem>) -> String {
    match values.iter().find(|(name, _)| *name == "site") {
        Some((_, site)) if is_token(site, MAX_SITE) => (*site).to_owned(),
        Some(_) => {
            problems.push(problem("site", "must be 1-64 letters, digits, - or _"));
            String::new()
        }
        None => {
            problems.push(problem("site", "is required: ?site=ID"));
            String::new()
        }
    }
}

/// A bound of the export: milliseconds since 1970, or a UTC day `YYYY-MM-DD` (its first
/// millisecond for `from`, its last for `to`).
pub(crate) fn bound(text: &str, end_of_day: bool) -> Option<i64> {
    if let Ok(ms) = text.parse::<i64>() {
        return (0..=MAX_AT).contains(&ms).then_some(ms);
    }
    let day = parse_day(text)?;
    Some(if end_of_day { day * DAY_MS + DAY_MS - 1 } else { day * DAY_MS })
}

async fn export(
    State(state): State<ApiState>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Result<Response, ReceiptError> {
    require_officer(&state, &headers, &client_of(connection.as_ref().map(|c| &c.0))).await?;
    let values = query_values(&query, &["site", "from", "to", "format"])?;
    let mut problems = Vec::new();
    let site = site_in(&values, &mut problems);
    let get = |name: &str| values.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    let mut range = |name: &str, default: i64, end_of_day: bool| match get(name) {
        None => default,
        Some(text) => bound(text, end_of_day).unwrap_or_else(|| {
            problems
                .push(problem(name, "must be a day (YYYY-MM-DD, UTC) or milliseconds since 1970"));
            default
        }),
    };
    let from = range("from", 0, false);
    let to = range("to", MAX_AT, true);
    if from > to {
        problems.push(problem("to", "is before from"));
    }
    let format = match get("format").unwrap_or("csv") {
        format @ ("csv" | "jsonl") => format,
        _ => {
            problems.push(problem("format", "must be csv or jsonl"));
            "csv"
        }
    };
    if !problems.is_empty() {
        return Err(ReceiptError::Invalid(problems));
    }
    let receipts = state.db.receipts(&site, from, to).await?;
    let (body, content_type) = if format == "csv" {
        (receipts_csv(&receipts), "text/csv; charset=utf-8")
    } else {
        (receipts_jsonl(&receipts), "application/x-ndjson")
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The site is a token (letters, digits, - and _), so it is safe in the header as it is.
    let disposition = format!("attachment; filename=\"consent-receipts-{site}.{format}\"");
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// One cell of CSV (RFC 4180): quoted when it holds a comma, a quote or a line break, and
/// defused when a spreadsheet would read it as a formula (`=`, `+`, `-`, `@`, tab, CR first).
pub fn csv_cell(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if defused.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

/// One row per receipt and purpose, with a header row; lines end in CRLF.
pub fn receipts_csv(receipts: &[Receipt]) -> String {
    let mut out =
        String::from("receipt,at,time,site,visitor,policy,region,source,purpose,decision\r\n");
    for receipt in receipts {
        for (purpose, decision) in &receipt.choices {
            let cells = [
                receipt.receipt.clone(),
                receipt.at.to_string(),
                iso_time(receipt.at),
                receipt.site.clone(),
                receipt.visitor.clone().unwrap_or_default(),
                receipt.policy.to_string(),
                receipt.region.clone().unwrap_or_default(),
                receipt.source.clone(),
                purpose.clone(),
                decision.clone(),
            ];
            let line: Vec<String> = cells.iter().map(|cell| csv_cell(cell)).collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

/// A receipt as the agent sent it, plus its `time`.
pub fn receipt_json(receipt: &Receipt) -> Value {
    let choices: Map<String, Value> = receipt
        .choices
        .iter()
        .map(|(purpose, decision)| (purpose.clone(), Value::from(decision.as_str())))
        .collect();
    json!({
        "site": receipt.site, "receipt": receipt.receipt, "visitor": receipt.visitor,
        "policy": receipt.policy, "at": receipt.at, "time": iso_time(receipt.at),
        "region": receipt.region, "source": receipt.source, "choices": choices,
    })
}

/// One JSON object per receipt and line.
pub fn receipts_jsonl(receipts: &[Receipt]) -> String {
    let mut out = String::new();
    for receipt in receipts {
        out.push_str(&receipt_json(receipt).to_string());
        out.push('\n');
    }
    out
}

async fn report(
    State(state): State<ApiState>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Result<Json<Value>, ReceiptError> {
    require_officer(&state, &headers, &client_of(connection.as_ref().map(|c| &c.0))).await?;
    let values = query_values(&query, &["site", "days"])?;
    let mut problems = Vec::new();
    let site = site_in(&values, &mut problems);
    let days = match values.iter().find(|(name, _)| *name == "days") {
        None => 30,
        Some((_, text)) => match text.parse::<i64>() {
            Ok(days) if (1..=MAX_REPORT_DAYS).contains(&days) => days,
            _ => {
                problems.push(problem(
                    "days",
                    format!("must be a whole number from 1 to {MAX_REPORT_DAYS}"),
                ));
                30
            }
        },
    };
    if !problems.is_empty() {
        return Err(ReceiptError::Invalid(problems));
    }
    let today = now_ms().div_euclid(DAY_MS);
    let first = today - days + 1;
    let counts = state.db.consent_counts(&site, first * DAY_MS, (today + 1) * DAY_MS).await?;
    Ok(Json(report_body(&site, first, today, &counts)))
}

/// Per day and purpose: (day number since 1970, purpose, granted, denied).
pub type DayCounts = Vec<(i64, String, i64, i64)>;

/// The report: every day from `first` to `last` (days without receipts too, so a chart's axis
/// is even), each purpose's granted and denied receipts and the rate granted.
pub fn report_body(site: &str, first: i64, last: i64, counts: &DayCounts) -> Value {
    let mut purposes: Vec<&str> = counts.iter().map(|(_, p, _, _)| p.as_str()).collect();
    purposes.sort_unstable();
    purposes.dedup();
    let days: Vec<Value> = (first..=last)
        .map(|day| {
            let of_day: Map<String, Value> = counts
                .iter()
                .filter(|(d, _, _, _)| *d == day)
                .map(|(_, purpose, granted, denied)| {
                    let total = granted + denied;
                    let rate = if total == 0 {
                        Value::Null
                    } else {
                        json!((*granted as f64 / total as f64 * 10_000.0).round() / 10_000.0)
                    };
                    (purpose.clone(), json!({ "granted": granted, "denied": denied, "rate": rate }))
                })
                .collect();
            json!({ "day": format_day(day), "purposes": of_day })
        })
        .collect();
    json!({ "site": site, "from": format_day(first), "to": format_day(last),
            "purposes": purposes, "days": days })
}

impl Db {
    /// Stores a receipt and its choices; `false` when the same (`receipt`, `at`) was stored
    /// already, in which case nothing changes.
    pub async fn store_receipt(&self, receipt: &Receipt, now: i64) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO consent_receipts (receipt, at, site, visitor_id, policy, region, source, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (receipt, at) DO NOTHING",
        )
        .bind(&receipt.receipt)
        .bind(receipt.at)
        .bind(&receipt.site)
        .bind(receipt.visitor.as_deref())
        .bind(receipt.policy)
        .bind(receipt.region.as_deref())
        .bind(&receipt.source)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(false);
        }
        for (purpose, decision) in &receipt.choices {
            sqlx::query(
                "INSERT INTO consent_receipt_choices (receipt, at, purpose, decision) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (receipt, at, purpose) DO NOTHING",
            )
            .bind(&receipt.receipt)
            .bind(receipt.at)
            .bind(purpose)
            .bind(decision)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// How many receipts, and rows of their choices, a site has: what tests and the retention
    /// job's log count.
    pub async fn receipt_rows(&self, site: &str) -> Result<(i64, i64), DbError> {
        let receipts = sqlx::query("SELECT COUNT(*) AS n FROM consent_receipts WHERE site = $1")
            .bind(site)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let choices = sqlx::query(
            "SELECT COUNT(*) AS n FROM consent_receipt_choices c WHERE EXISTS \
             (SELECT 1 FROM consent_receipts r WHERE r.receipt = c.receipt AND r.at = c.at AND r.site = $1)",
        )
        .bind(site)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok((receipts, choices))
    }

    /// A site's receipts made from `from` to `to` (milliseconds, both included), oldest first.
    pub async fn receipts(&self, site: &str, from: i64, to: i64) -> Result<Vec<Receipt>, DbError> {
        let rows = sqlx::query(
            "SELECT r.receipt, r.at, r.visitor_id, r.policy, r.region, r.source, c.purpose, c.decision \
             FROM consent_receipts r JOIN consent_receipt_choices c ON c.receipt = r.receipt AND c.at = r.at \
             WHERE r.site = $1 AND r.at >= $2 AND r.at <= $3 ORDER BY r.at, r.receipt, c.purpose",
        )
        .bind(site)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        receipts_of_rows(rows, |row| {
            Ok((site.to_owned(), row.try_get::<Option<String>, _>("visitor_id")?))
        })
    }

    /// The receipts that name a visitor, oldest first: part of what their export holds.
    pub async fn receipts_of_visitor(&self, visitor: &str) -> Result<Vec<Value>, DbError> {
        let rows = sqlx::query(
            "SELECT r.receipt, r.at, r.site, r.policy, r.region, r.source, c.purpose, c.decision \
             FROM consent_receipts r JOIN consent_receipt_choices c ON c.receipt = r.receipt AND c.at = r.at \
             WHERE r.visitor_id = $1 ORDER BY r.at, r.receipt, c.purpose",
        )
        .bind(visitor)
        .fetch_all(&self.pool)
        .await?;
        let receipts =
            receipts_of_rows(rows, |row| Ok((row.try_get("site")?, Some(visitor.to_owned()))))?;
        Ok(receipts.iter().map(receipt_json).collect())
    }

    /// Receipts per UTC day and purpose, granted and denied, from `from` (included) to `until`
    /// (excluded).
    pub async fn consent_counts(
        &self,
        site: &str,
        from: i64,
        until: i64,
    ) -> Result<DayCounts, DbError> {
        let rows = sqlx::query(
            "SELECT r.at / 86400000 AS day, c.purpose, c.decision, COUNT(*) AS n \
             FROM consent_receipts r JOIN consent_receipt_choices c ON c.receipt = r.receipt AND c.at = r.at \
             WHERE r.site = $1 AND r.at >= $2 AND r.at < $3 \
             GROUP BY r.at / 86400000, c.purpose, c.decision ORDER BY day, c.purpose",
        )
        .bind(site)
        .bind(from)
        .bind(until)
        .fetch_all(&self.pool)
        .await?;
        let mut counts: DayCounts = Vec::new();
        for row in rows {
            let day: i64 = row.try_get("day")?;
            let purpose: String = row.try_get("purpose")?;
            let decision: String = row.try_get("decision")?;
            let n: i64 = row.try_get("n")?;
            let index = match counts.iter().position(|(d, p, _, _)| *d == day && *p == purpose) {
                Some(index) => index,
                None => {
                    counts.push((day, purpose, 0, 0));
                    counts.len() - 1
                }
            };
            // An unanswered purpose is neither a grant nor a refusal: it counts in no rate.
            match decision.as_str() {
                "granted" => counts[index].2 += n,
                "denied" => counts[index].3 += n,
                _ => {}
            }
        }
        Ok(counts)
    }
}

/// Receipts from rows of receipts joined with their choices, ordered by receipt: one `Receipt`
/// per receipt with its choices in row order. `site_and_visitor` reads what the query took from
/// its row or from its own arguments.
fn receipts_of_rows(
    rows: Vec<sqlx::any::AnyRow>,
    site_and_visitor: impl Fn(&sqlx::any::AnyRow) -> Result<(String, Option<String>), sqlx::Error>,
) -> Result<Vec<Receipt>, DbError> {
    let mut receipts: Vec<Receipt> = Vec::new();
    for row in rows {
        let id: String = row.try_get("receipt")?;
        let at: i64 = row.try_get("at")?;
        let choice = (row.try_get("purpose")?, row.try_get("decision")?);
        match receipts.last_mut() {
            Some(last) if last.receipt == id && last.at == at => last.choices.push(choice),
            _ => {
                let (site, visitor) = site_and_visitor(&row)?;
                receipts.push(Receipt {
                    site,
                    receipt: id,
                    visitor,
                    policy: row.try_get("policy")?,
                    at,
                    region: row.try_get("region")?,
                    source: row.try_get("source")?,
                    choices: vec![choice],
                })
            }
        }
    }
    Ok(receipts)
}

/// `YYYY-MM-DD` of a day number.
pub fn format_day(days: i64) -> String {
    let (year, month, day) = calendar::civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The day number of `YYYY-MM-DD`, if it is a real date.
pub fn parse_day(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year: i64 = text[..4].parse().ok()?;
    let month: i64 = text[5..7].parse().ok()?;
    let day: i64 = text[8..].parse().ok()?;
    let days = calendar::days_from_civil(year, month, day);
    // Only a real date comes back the same way (no 2026-02-30).
    (format_day(days) == text).then_some(days)
}

/// `2026-12-05T10:20:00.000Z` of a time in milliseconds.
pub fn iso_time(ms: i64) -> String {
    let day = ms.div_euclid(DAY_MS);
    let in_day = ms.rem_euclid(DAY_MS);
    format!(
        "{}T{:02}:{:02}:{:02}.{:03}Z",
        format_day(day),
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_times_are_written_as_utc() {
        assert_eq!(format_day(0), "1970-01-01");
        assert_eq!(parse_day("2026-12-05"), Some(20_792));
        assert_eq!(format_day(20_792), "2026-12-05");
        assert_eq!(parse_day("2024-02-29").map(format_day).as_deref(), Some("2024-02-29"));
        assert_eq!(parse_day("2026-02-30"), None);
        assert_eq!(parse_day("2026-1-05"), None);
        assert_eq!(iso_time(1_764_930_000_123), "2025-12-05T10:20:00.123Z");
    }

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        let cases = [
            ("plain", "plain"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            ("=1+1", "'=1+1"),
            ("+31", "'+31"),
            ("-x", "'-x"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("=a,b", "\"'=a,b\""),
        ];
        for (cell, expected) in cases {
            assert_eq!(csv_cell(cell), expected, "{cell:?}");
        }
    }
}
