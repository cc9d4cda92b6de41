//! The `/v1` API: event ingest for agents, live carts and intents for staff, export and erasure.

use crate::db::{same_hash, sha256_hex, Db, DbError};
use crate::metrics::Metrics;
use crate::model::{self, Batch, IntentIn, Invalid};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Extension, Json, Router};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::set_header::SetResponseHeaderLayer;

/// Failed attempts a client may make per window at one door before it is told to wait.
pub const AUTH_FAILURES_ALLOWED: i64 = 10;
pub const AUTH_WINDOW_MS: i64 = 60_000;

#[derive(Clone)]
pub struct ApiState {
    pub db: Db,
    /// SHA-256 hex of each accepted staff token; the tokens themselves are never kept.
    pub staff_token_hashes: Arc<Vec<String>>,
    pub privacy_token_hashes: Arc<Vec<String>>,
    /// Marketers publish the campaigns.
    pub marketer_token_hashes: Arc<Vec<String>>,
    pub metrics_token_hashes: Arc<Vec<String>>,
    pub metrics: Arc<Metrics>,
    /// How long a client may take to send a whole request body.
    pub body_timeout: Duration,
    /// The request header that names the visitor's region, if the operator set one.
    pub region_header: Option<axum::http::HeaderName>,
    /// Fetches a catalogue's feed when it is published (`feeds::Https`; tests give their own).
    pub feeds: Arc<dyn crate::feeds::FetchFeed>,
}

/// The doors a credential opens; failures are counted per door and client, so a visitor
/// mistyping nothing can lock out staff behind the same address, nor the other way round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Door {
    /// Staff tokens: live carts and intents.
    Staff,
    /// A visitor's secret or a privacy officer's token: export, erasure, the visitor's intents.
    Owner,
    /// Operators' metrics tokens.
    Metrics,
}

impl Door {
    fn counter_key(self, client: &str) -> String {
        let door = match self {
            Door::Staff => "staff",
            Door::Owner => "owner",
            Door::Metrics => "metrics",
        };
        format!("{door} {client}")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Invalid(Invalid),
    #[error("the body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the body did not arrive within {seconds} seconds")]
    BodyTimeout { seconds: f64 },
    #[error("a valid token is required (Authorization: Bearer …)")]
    Unauthorized,
    #[error("the visitor's secret or a privacy officer's token is required")]
    NotOwner,
    #[error("too many failed attempts; try again in {0} seconds")]
    TooManyAttempts(i64),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            ApiError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
            ApiError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::BodyTimeout { .. } => (StatusCode::REQUEST_TIMEOUT, "body_timeout"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::NotOwner | ApiError::Db(DbError::WrongSecret) => {
                (StatusCode::FORBIDDEN, "forbidden")
            }
            ApiError::Db(DbError::Erased) => (StatusCode::GONE, "erased"),
            ApiError::TooManyAttempts(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Db(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        };
        if let ApiError::Db(error) = &self {
            if !matches!(error, DbError::WrongSecret | DbError::Erased) {
                tracing::error!(%error, "database error");
            }
        }
        let mut body = serde_json::json!({ "error": code, "message": self.to_string() });
        if let ApiError::Invalid(invalid) = &self {
            body["field"] = invalid.field.clone().into();
            body["message"] = invalid.message.clone().into();
        }
        let mut response = (status, Json(body)).into_response();
        if let ApiError::TooManyAttempts(seconds) = self {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        if matches!(status, StatusCode::REQUEST_TIMEOUT | StatusCode::PAYLOAD_TOO_LARGE) {
            // The rest of the body is not read, so the connection cannot carry another request.
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

pub fn routes(state: ApiState) -> Router {
    // Every answer of these routes, errors included, may carry someone's data (a cart, an
    // intent, a field echoed back) or an operator's: no cache, shared or private, keeps it.
    let private = Router::new()
        .route("/v1/events", post(ingest))
        .route("/v1/carts/{code}", get(live_cart))
        .route("/v1/carts/{code}/intent", post(record_intent))
        .route("/v1/handoffs", get(handoffs))
        .route("/v1/handoffs/{id}/handled", post(mark_handled))
        .route("/v1/profiles/{visitor}", delete(erase))
        .route("/v1/profiles/{visitor}/export", get(export))
        .route("/v1/profiles/{visitor}/intents", get(visitor_intents))
        .route("/metrics", get(metrics))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    Router::new().route("/v1/openapi.json", get(openapi)).merge(private).with_state(state)
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The body length a request declares, if it declares one.
pub fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

/// Reads a body whole: up to `limit` bytes, within `timeout` for all of it. A declared length
/// beyond the limit is refused before a byte is read, so nobody waits on a terabyte.
pub(crate) async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, ApiError> {
    if declared_length(headers).is_some_and(|length| length > limit as u64) {
        return Err(ApiError::TooLarge { limit });
    }
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(ApiError::TooLarge { limit }),
        Err(_) => Err(ApiError::BodyTimeout { seconds: timeout.as_secs_f64() }),
    }
}

async fn ingest(
    State(state): State<ApiState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<model::BatchOutcome>, ApiError> {
    let body = read_body(&headers, body, model::MAX_BODY_BYTES, state.body_timeout).await?;
    let batch: Batch = model::decode_batch(&body).map_err(ApiError::Invalid)?;
    let outcome = state.db.ingest(&batch, now_ms()).await?;
    state.metrics.record_batch(&outcome, batch.dropped);
    if batch.dropped > 0 {
        tracing::warn!(visitor = %batch.visitor_id, dropped = batch.dropped, "an agent's outbox overflowed");
    }
    Ok(Json(outcome))
}

pub(crate) fn client_of(connection: Option<&ConnectInfo<SocketAddr>>) -> String {
    connection.map_or_else(|| "local".to_owned(), |info| info.0.ip().to_string())
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

pub(crate) fn token_matches(token: Option<&str>, hashes: &[String]) -> bool {
    let Some(token) = token.filter(|t| !t.is_empty()) else { return false };
    let hash = sha256_hex(token);
    // Every configured hash is compared, so the time taken says nothing about which matched.
    hashes.iter().fold(false, |found, known| same_hash(known, &hash) | found)
}

/// Refuses a client that failed too often at this door lately, before it may try again.
async fn check_attempts(state: &ApiState, door: Door, client: &str) -> Result<(), ApiError> {
    let since = now_ms() - AUTH_WINDOW_MS;
    if state.db.auth_failures(&door.counter_key(client), since).await? >= AUTH_FAILURES_ALLOWED {
        return Err(ApiError::TooManyAttempts(AUTH_WINDOW_MS / 1000));
    }
    Ok(())
}

/// Counts a failed attempt (in the database, so every server process sees it).
async fn note_failure(state: &ApiState, door: Door, client: &str) -> Result<(), ApiError> {
    let now = now_ms();
    state.metrics.auth_failure();
    state.db.note_auth_failure(&door.counter_key(client), now, now - AUTH_WINDOW_MS).await?;
    Ok(())
}

/// Admits the holder of one of `hashes`' tokens; wrong or missing tokens are counted per
/// client and then rate-limited.
async fn require_token(
    state: &ApiState,
    door: Door,
    hashes: &[String],
    headers: &HeaderMap,
    client: &str,
) -> Result<(), ApiError> {
    check_attempts(state, door, client).await?;
    if token_matches(bearer(headers), hashes) {
        return Ok(());
    }
    note_failure(state, door, client).await?;
    Err(ApiError::Unauthorized)
}

/// Admits a privacy officer's bearer token; failures count at the owner's door, with the
/// officer's other routes (export and erasure).
pub(crate) async fn require_officer(
    state: &ApiState,
    headers: &HeaderMap,
    client: &str,
) -> Result<(), ApiError> {
    require_token(state, Door::Owner, &state.privacy_token_hashes, headers, client).await
}

async fn require_staff(
    state: &ApiState,
    headers: &HeaderMap,
    client: &str,
) -> Result<(), ApiError> {
    require_token(state, Door::Staff, &state.staff_token_hashes, headers, client).await
}

fn cart_code(code: &str) -> Result<String, ApiError> {
    model::normalise_cart_code(code).ok_or_else(|| {
        ApiError::Invalid(Invalid {
            field: "code".into(),
            message: "a cart code looks like K7M-4QP".into(),
        })
    })
}

async fn live_cart(
    State(state): State<ApiState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Result<Response, ApiError> {
    require_staff(&state, &headers, &client_of(connection.as_ref().map(|c| &c.0))).await?;
    let code = cart_code(&code)?;
    let cart = state.db.live_cart(&code).await?.ok_or(ApiError::NotFound("cart code"))?;
    Ok(Json(cart).into_response())
}

/// `GET /v1/handoffs?site=ID&since=MS&open=true`: the site's handoff requests, newest first
/// (at most 100); `since` (a `received_at`) asks only for newer ones, for the console's
/// polling; `open=true` only for those no one has marked handled (the console's queue).
async fn handoffs(
    State(state): State<ApiState>,
    Query(query): Query<HandoffQuery>,
    headers: HeaderMap,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Result<Response, ApiError> {
    require_staff(&state, &headers, &client_of(connection.as_ref().map(|c| &c.0))).await?;
    let site = handoff_site(query.site)?;
    let since = query.since.unwrap_or(-1);
    let open = query.open.unwrap_or(false);
    Ok(Json(state.db.handoffs(&site, None, since, 100, open).await?).into_response())
}

/// `POST /v1/handoffs/{id}/handled?site=ID`: a member of staff took the request on; it leaves
/// the site's queue of open requests (204, again for a second mark; 404 for an unknown id).
async fn mark_handled(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    Query(query): Query<HandoffQuery>,
    headers: HeaderMap,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Result<StatusCode, ApiError> {
    require_staff(&state, &headers, &client_of(connection.as_ref().map(|c| &c.0))).await?;
    let site = handoff_site(query.site)?;
    if !concierge_protocol::batch::is_token(&id, 1, 64) {
        return Err(ApiError::NotFound("handoff request"));
    }
    match state.db.mark_handoff_handled(&site, &id, now_ms()).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(ApiError::NotFound("handoff request")),
    }
}

/// The `site` of a handoff call: required, named when missing or malformed.
fn handoff_site(site: Option<String>) -> Result<String, ApiError> {
    let site = site.filter(|site| concierge_protocol::batch::is_token(site, 1, 64));
    site.ok_or_else(|| {
        ApiError::Invalid(Invalid {
            field: "site".into(),
            message: "is required: the site id, 1-64 letters, digits, - or _".into(),
        })
    })
}

#[derive(serde::Deserialize)]
struct HandoffQuery {
    site: Option<String>,
    since: Option<i64>,
    open: Option<bool>,
}

async fn record_intent(
    State(state): State<ApiState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    body: Body,
) -> Result<(StatusCode, Json<model::Intent>), ApiError> {
    require_staff(&state, &headers, &client_of(connection.as_ref().map(|c| &c.0))).await?;
    let code = cart_code(&code)?;
    let body = read_body(&headers, body, model::MAX_BODY_BYTES, state.body_timeout).await?;
    let intent: IntentIn = model::decode(&body).map_err(ApiError::Invalid)?;
    intent.validate().map_err(ApiError::Invalid)?;
    let id = random_id("int")?;
    let recorded = state
        .db
        .record_intent(&code, &intent, id, now_ms())
        .await?
        .ok_or(ApiError::NotFound("cart code"))?;
    Ok((StatusCode::CREATED, Json(recorded)))
}

pub fn random_id(prefix: &str) -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::Db(DbError::Damaged(format!("no randomness: {e}"))))?;
    Ok(format!("{prefix}_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
}

/// Who was admitted to a visitor's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    /// The visitor's own agent, by its secret: the visitor is known.
    Visitor,
    /// A privacy officer, by token: the visitor may be unknown.
    Officer,
}

/// The visitor's own agent (its secret in `X-Concierge-Secret`) or a privacy officer (a bearer
/// token). An unknown visitor and a wrong secret are answered alike, in like time, so that ids
/// cannot be probed; failures are counted per client and then rate-limited.
async fn require_owner(
    state: &ApiState,
    headers: &HeaderMap,
    visitor: &str,
    client: &str,
) -> Result<Owner, ApiError> {
    check_attempts(state, Door::Owner, client).await?;
    let secret = headers.get("x-concierge-secret").and_then(|v| v.to_str().ok());
    // A bearer token is judged alone: a wrong one is a failure even beside a right secret.
    let admitted = match (bearer(headers), secret) {
        (Some(token), _) => {
            token_matches(Some(token), &state.privacy_token_hashes).then_some(Owner::Officer)
        }
        (None, Some(secret)) => state.db.owns(visitor, secret).await?.then_some(Owner::Visitor),
        (None, None) => None,
    };
    match admitted {
        Some(owner) => Ok(owner),
        None => {
            note_failure(state, Door::Owner, client).await?;
            Err(ApiError::NotOwner)
        }
    }
}

async fn export(
    State(state): State<ApiState>,
    Path(visitor): Path<String>,
    headers: HeaderMap,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Result<Response, ApiError> {
    require_owner(&state, &headers, &visitor, &client_of(connection.as_ref().map(|c| &c.0)))
        .await?;
    let document = state.db.export(&visitor).await?.ok_or(ApiError::NotFound("visitor"))?;
    let mut response = Json(document).into_response();
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"concierge-export.json\""),
    );
    Ok(response)
}

async fn erase(
    State(state): State<ApiState>,
    Path(visitor): Path<String>,
    headers: HeaderMap,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Result<StatusCode, ApiError> {
    let by =
        require_owner(&state, &headers, &visitor, &client_of(connection.as_ref().map(|c| &c.0)))
            .await?;
    if state.db.erase(&visitor, now_ms()).await? {
        tracing::info!(%visitor, ?by, "visitor erased");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("visitor"))
    }
}

async fn visitor_intents(
    State(state): State<ApiState>,
    Path(visitor): Path<String>,
    headers: HeaderMap,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Result<Json<Vec<model::Intent>>, ApiError> {
    require_owner(&state, &headers, &visitor, &client_of(connection.as_ref().map(|c| &c.0)))
        .await?;
    Ok(Json(state.db.intents(&visitor).await?))
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], include_str!("openapi.json"))
}

/// Prometheus counters, for operators holding a metrics token.
async fn metrics(
    State(state): State<ApiState>,
    headers: HeaderMap,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Result<Response, ApiError> {
    let client = client_of(connection.as_ref().map(|c| &c.0));
    require_token(&state, Door::Metrics, &state.metrics_token_hashes, &headers, &client).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
        .into_response())
}
