//! Config documents: `GET /v1/config` for agents (ETag, 304), publishing for staff, the
//! privacy officer and marketers (`PUT /v1/config/{kind}`), their history, the roles a token
//! holds (`GET /v1/session`, for the admin pages' sign-in), and seeding from a directory.
//!
//! Every document is checked by the protocol crate's validator, the one the agent and
//! `concierge-cli check` run, and stored as that crate encodes it; the answer to `GET` is built
//! from the stored documents alone, so every server process gives the same bytes and ETag.

use crate::api::{bearer, client_of, now_ms, read_body, token_matches, ApiError, ApiState};
use crate::api::{AUTH_FAILURES_ALLOWED, AUTH_WINDOW_MS};
use crate::db::{sha256_hex, Db, DbError};
use crate::model::Invalid;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use concierge_protocol::documents::{
    catalogue_links_outside, check_document, encode_config, encode_document, entry_links_outside,
    links_outside, rules::is_token, Config, Document, Kind, KnowledgePointer, KIND_NAMES, MAX_SITE,
};
use concierge_protocol::{Problem, Value};
use sqlx::Row;
use std::net::SocketAddr;
use tower_http::cors::CorsLayer;

/// The routes; the agent's `GET` is open to the shops' `origins` (CORS), publishing is not.
pub fn routes(state: ApiState, origins: Vec<HeaderValue>) -> Router {
    // The agent may revalidate itself with If-None-Match and read the ETag it is given.
    let cors = CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET])
        .allow_headers([header::IF_NONE_MATCH])
        .expose_headers([header::ETAG]);
    Router::new()
        .route("/v1/config", get(serve_config).layer(cors.clone()))
        .route("/v1/config/check", post(check))
        .route("/v1/policy/audit", get(policy_audit))
        .route("/v1/config/{kind}", get(serve_document).layer(cors.clone()).put(publish))
        .route("/v1/config/{kind}/history", get(history))
        .route("/v1/session", get(session))
        .with_state(state)
}

/// Why a document request failed, beyond what [`ApiError`] covers.
#[derive(Debug)]
pub enum DocumentError {
    Api(ApiError),
    /// The document has problems: all of them, each with its path.
    Problems(Vec<Problem>),
    /// The version is not greater than the one already published.
    Stale {
        version: u32,
        current: i64,
    },
    UnknownKind(String),
    /// A kind every agent gets in `/v1/config`, asked for on its own URL.
    ServedInConfig(&'static str),
    /// No document of this kind was published for the site.
    NotPublished(&'static str),
}

impl From<ApiError> for DocumentError {
    fn from(error: ApiError) -> DocumentError {
        DocumentError::Api(error)
    }
}

impl From<DbError> for DocumentError {
    fn from(error: DbError) -> DocumentError {
        DocumentError::Api(ApiError::Db(error))
    }
}

impl IntoResponse for DocumentError {
    fn into_response(self) -> Response {
        match self {
            DocumentError::Api(error) => error.into_response(),
            DocumentError::Problems(problems) => {
                let count = problems.len();
                let message = if count == 1 {
                    "the document has a problem; nothing was published".to_owned()
                } else {
                    format!("the document has {count} problems; nothing was published")
                };
                let problems: Vec<serde_json::Value> = problems
                    .into_iter()
                    .map(|p| serde_json::json!({ "path": p.path, "message": p.message }))
                    .collect();
                let body = serde_json::json!({ "error": "invalid_document", "message": message, "problems": problems });
                (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
            }
            DocumentError::Stale { version, current } => {
                let message = format!(
                    "version {version} is not newer than the published version {current}; publish version {} or higher",
                    current + 1
                );
                let body = serde_json::json!({ "error": "stale_version", "message": message, "current_version": current });
                (StatusCode::CONFLICT, Json(body)).into_response()
            }
            DocumentError::UnknownKind(kind) => {
                let message = format!(
                    "there is no document kind {kind:?}; the kinds are {}",
                    KIND_NAMES.join(", ")
                );
                let body = serde_json::json!({ "error": "not_found", "message": message });
                (StatusCode::NOT_FOUND, Json(body)).into_response()
            }
            DocumentError::ServedInConfig(kind) => {
                let message =
                    format!("the {kind} document is served in /v1/config, not on its own URL");
                let body = serde_json::json!({ "error": "not_found", "message": message });
                (StatusCode::NOT_FOUND, Json(body)).into_response()
            }
            DocumentError::NotPublished(kind) => {
                let message = format!("this site has published no {kind} document");
                let body = serde_json::json!({ "error": "not_found", "message": message });
                (StatusCode::NOT_FOUND, Json(body)).into_response()
            }
        }
    }
}

/// The site a request is about: its one query parameter, `site`.
///
/// Anything else in the query is refused, so that nothing identifying can ride along on the
/// one request an agent makes before consent.
fn site_of(query: &[(String, String)]) -> Result<String, ApiError> {
    let invalid = |field: &str, message: &str| {
        ApiError::Invalid(Invalid { field: field.to_owned(), message: message.to_owned() })
    };
    if let Some((name, _)) = query.iter().find(|(name, _)| name != "site") {
        return Err(invalid(name, "is not accepted; the only query parameter is site"));
    }
    match query {
        [(_, site)] if is_token(site, MAX_SITE) => Ok(site.clone()),
        [_] => Err(invalid("site", "must be 1-64 letters, digits, - or _")),
        [] => Err(invalid("site", "is required: ?site=ID")),
        _ => Err(invalid("site", "must be given once")),
    }
}

fn kind_of(name: &str) -> Result<Kind, DocumentError> {
    Kind::from_name(name).ok_or_else(|| DocumentError::UnknownKind(name.to_owned()))
}

/// The config a site's agents load: the newest valid document of each kind.
async fn serve_config(
    State(state): State<ApiState>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let site = site_of(&query)?;
    let region = state.region_header.as_ref().and_then(|name| region_of(&headers, name));
    let body = config_body_in_region(&state.db, &site, region.as_deref()).await?;
    // A new policy applies on the next page: `validated_response` makes caches ask each time.
    validated_response(body, &headers, state.region_header.as_ref())
}

/// A document kept out of `/v1/config` because only a lazy module reads it (the knowledge,
/// fetched by the assistant when the visitor opens it): its newest valid version, with the
/// same validators as the config. The other kinds are answered 404: they are in `/v1/config`.
async fn serve_document(
    State(state): State<ApiState>,
    Path(kind): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Result<Response, DocumentError> {
    let site = site_of(&query)?;
    let kind = kind_of(&kind)?;
    if !served_apart(kind) {
        return Err(DocumentError::ServedInConfig(kind.name()));
    }
    let stored = state.db.current_documents(&site).await?;
    let Some((_, body)) = stored.into_iter().find(|(name, _)| name == kind.name()) else {
        return Err(DocumentError::NotPublished(kind.name()));
    };
    let document = serde_json::from_str::<Value>(&body)
        .map_err(|e| DbError::Damaged(e.to_string()))
        .and_then(|value| {
            check_document(&value).map_err(|problems| {
                let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
                DbError::Damaged(problems.join("; "))
            })
        })?;
    let body = serde_json::to_string(&encode_document(&document))
        .map_err(|e| DbError::Damaged(e.to_string()))?;
    Ok(validated_response(body, &headers, None)?)
}

/// Whether a kind is served on its own URL rather than in every agent's `/v1/config`.
fn served_apart(kind: Kind) -> bool {
    kind.name() == "knowledge"
}

/// A JSON answer with a strong ETag (the same bytes give the same tag in every process),
/// 304 when `If-None-Match` names it, and `no-cache`: any cache may keep it but must ask.
fn validated_response(
    body: String,
    headers: &HeaderMap,
    vary: Option<&header::HeaderName>,
) -> Result<Response, ApiError> {
    let tag = format!("\"{}\"", &sha256_hex(&body)[..32]);
    let etag = HeaderValue::from_str(&tag)
        .map_err(|_| ApiError::Db(DbError::Damaged("an unprintable ETag".into())))?;
    let fresh = if_none_match(headers, &tag);
    let mut response =
        if fresh { StatusCode::NOT_MODIFIED.into_response() } else { body.into_response() };
    let out = response.headers_mut();
    if !fresh {
        out.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    out.insert(header::ETAG, etag);
    if let Some(name) = vary {
        // The answer depends on that request header: a shared cache must key on it.
        if let Ok(value) = HeaderValue::from_str(name.as_str()) {
            out.insert(header::VARY, value);
        }
    }
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// The region a request comes from, by the header the operator named
/// (`CONCIERGE_REGION_HEADER`, e.g. `CF-IPCountry`): `DE`, `US-CA`; none when the header is
/// missing, unknown (`XX`), Tor (`T1`) or not such a code.
pub fn region_of(headers: &HeaderMap, name: &header::HeaderName) -> Option<String> {
    let value = headers.get(name)?.to_str().ok()?.trim().to_ascii_uppercase();
    let (country, subdivision) = match value.split_once('-') {
        Some((country, subdivision)) => (country, Some(subdivision)),
        None => (value.as_str(), None),
    };
    let valid = country.len() == 2
        && country.bytes().all(|b| b.is_ascii_uppercase())
        && !matches!(country, "XX" | "T1")
        && subdivision.is_none_or(|s| {
            (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
        });
    valid.then_some(value)
}

/// The exact bytes of a site's config: the stored documents re-checked and encoded.
pub async fn config_body(db: &Db, site: &str) -> Result<String, DbError> {
    config_body_in_region(db, site, None).await
}

/// The config with the visitor's `region` after the site, when known (contract §2).
pub async fn config_body_in_region(
    db: &Db,
    site: &str,
    region: Option<&str>,
) -> Result<String, DbError> {
    let mut config = Config { site: site.to_owned(), ..Config::default() };
    for (kind, body) in db.current_documents(site).await? {
        if Kind::from_name(&kind).is_some_and(served_apart) {
            // Only a pointer to it, so the agent knows there is an assistant to offer.
            let value: Result<Value, _> = serde_json::from_str(&body);
            if let Ok(Ok(document)) = value.map(|value| check_document(&value)) {
                config.assistant = Some(Box::new(KnowledgePointer {
                    path: format!("/v1/config/{kind}?site={site}"),
                    version: document.version(),
                }));
            }
            continue;
        }
        let value: Result<Value, _> = serde_json::from_str(&body);
        match value.map(|value| check_document(&value)) {
            Ok(Ok(document)) => config.set(document),
            // A document stored by an older validator that this one refuses is left out: the
            // agent then keeps its defaults for that kind instead of refusing the whole config.
            Ok(Err(problems)) => {
                let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
                tracing::error!(%site, %kind, ?problems, "a stored document no longer passes the checks; not served");
            }
            Err(error) => tracing::error!(%site, %kind, %error, "a stored document is not JSON"),
        }
    }
    let mut encoded = encode_config(&config);
    if let (Some(region), Value::Object(fields)) = (region, &mut encoded) {
        let at = fields.iter().position(|(name, _)| name == "site").map_or(0, |i| i + 1);
        fields.insert(at, ("region".to_owned(), Value::from(region)));
    }
    serde_json::to_string(&encoded).map_err(|e| DbError::Damaged(e.to_string()))
}

/// Whether `If-None-Match` names the current tag (`*`, a list, weak or strong forms).
fn if_none_match(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == tag)
}

/// Admits the holder of a token of one of `roles` (its hashes and its name), naming them by
/// the role and their token hash's first 8 digits; wrong or missing tokens count towards the
/// same per-client limit as the staff endpoints.
async fn require_token(
    state: &ApiState,
    headers: &HeaderMap,
    client: &str,
    roles: &[(&[String], &str)],
) -> Result<String, ApiError> {
    let now = now_ms();
    let since = now - AUTH_WINDOW_MS;
    if state.db.auth_failures(client, since).await? >= AUTH_FAILURES_ALLOWED {
        return Err(ApiError::TooManyAttempts(AUTH_WINDOW_MS / 1000));
    }
    let token = bearer(headers);
    if let Some((_, role)) = roles.iter().find(|(hashes, _)| token_matches(token, hashes)) {
        let hash = sha256_hex(token.unwrap_or_default());
        return Ok(format!("{role} {}", &hash[..8]));
    }
    state.metrics.auth_failure();
    state.db.note_auth_failure(client, now, since).await?;
    Err(ApiError::Unauthorized)
}

/// Admits the readers of the campaigns' results (`GET /v1/reports/campaigns`): the marketers,
/// whose campaigns they are, and the privacy officer, who may read every record of what
/// visitors were shown.
pub(crate) async fn require_reader_of_campaigns(
    state: &ApiState,
    headers: &HeaderMap,
    client: &str,
) -> Result<String, ApiError> {
    require_token(state, headers, client, &readers_of(state, Kind::Campaigns)).await
}

/// The policy is the privacy officer's; the settings and the knowledge (the assistant's
/// answers) are the shop staff's; the campaigns are the marketers'.
fn publisher_of(state: &ApiState, kind: Kind) -> (&[String], &'static str) {
    match kind {
        Kind::Policy => (&state.privacy_token_hashes, "privacy officer"),
        Kind::Settings => (&state.staff_token_hashes, "staff"),
        Kind::Campaigns => (&state.marketer_token_hashes, "marketer"),
        Kind::Knowledge => (&state.staff_token_hashes, "staff"),
        // The products are the shop's, as its settings and knowledge are.
        Kind::Catalogue => (&state.staff_token_hashes, "staff"),
    }
}

/// Who reads a kind's history: the privacy officer, for every kind (it is the record of what
/// visitors were shown and asked), and the campaigns' own publishers for theirs.
fn readers_of(state: &ApiState, kind: Kind) -> Vec<(&[String], &'static str)> {
    let mut readers = vec![(state.privacy_token_hashes.as_slice(), "privacy officer")];
    if kind == Kind::Campaigns {
        readers.push(publisher_of(state, kind));
    }
    readers
}

async fn publish(
    State(state): State<ApiState>,
    Path(kind): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<serde_json::Value>), DocumentError> {
    let kind = kind_of(&kind)?;
    let (hashes, role) = publisher_of(&state, kind);
    let client = client_of(connection.as_ref().map(|c| &c.0));
    let who = require_token(&state, &headers, &client, &[(hashes, role)]).await?;
    let site = site_of(&query)?;
    let body = read_body(&headers, body, crate::model::MAX_BODY_BYTES, state.body_timeout).await?;
    let document = read_document(&body, kind).map_err(DocumentError::Problems)?;
    let problems = match &document {
        Document::Campaigns(campaigns) => {
            links_outside(campaigns, &published_link_hosts(&state.db, &site).await?)
        }
        Document::Knowledge(knowledge) => {
            entry_links_outside(knowledge, &published_link_hosts(&state.db, &site).await?)
        }
        Document::Catalogue(catalogue) => {
            catalogue_links_outside(catalogue, &published_link_hosts(&state.db, &site).await?)
        }
        _ => Vec::new(),
    };
    if !problems.is_empty() {
        return Err(DocumentError::Problems(problems));
    }
    // A catalogue naming a feed: the feed is fetched now and its products served as listed.
    let mut feed = None;
    let document = match document {
        Document::Catalogue(catalogue) if catalogue.feed_url.is_some() => {
            let url = catalogue.feed_url.clone();
            let hosts = published_link_hosts(&state.db, &site).await?;
            let fetched = crate::feeds::fetch(state.feeds.clone(), *catalogue, &hosts)
                .await
                .map_err(DocumentError::Problems)?;
            let left_out: Vec<serde_json::Value> = (fetched.left_out.iter())
                .map(|p| serde_json::json!({ "path": p.path, "message": p.message }))
                .collect();
            feed = Some(serde_json::json!({
                "url": url, "products": fetched.catalogue.products.len(), "left_out": left_out,
            }));
            Document::Catalogue(Box::new(fetched.catalogue))
        }
        other => other,
    };
    let published_at = now_ms();
    let stored = stored_form(&document)?;
    let row = Published {
        site,
        kind,
        version: document.version(),
        body: stored,
        published_by: who,
        published_at,
    };
    if let Some(current) = state.db.publish_document(&row).await? {
        return Err(DocumentError::Stale { version: row.version, current });
    }
    // The feed is read again on a schedule while the catalogue is the one it gave.
    if kind == Kind::Catalogue {
        let url = feed.as_ref().and_then(|feed| feed["url"].as_str());
        state.db.remember_feed(&row.site, url, published_at).await?;
    }
    tracing::info!(site = %row.site, kind = kind.name(), version = row.version, by = %row.published_by, "document published");
    let mut answer = serde_json::json!({
        "site": row.site, "kind": kind.name(), "version": row.version,
        "published_at": row.published_at, "published_by": row.published_by,
    });
    if let Some(feed) = feed {
        answer["feed"] = feed;
    }
    Ok((StatusCode::CREATED, Json(answer)))
}

/// `POST /v1/config/check`: the validator's verdict on a document, without publishing it, for
/// the admin page's live validation; a valid policy also gets its audit table and the agent's
/// dialog and panel for it. Any publisher's token (privacy officer, staff, marketer);
/// with `?site=ID`, campaigns' links are checked against that site's link hosts as on publish.
async fn check(
    State(state): State<ApiState>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    body: axum::body::Body,
) -> Result<Response, DocumentError> {
    let client = client_of(connection.as_ref().map(|c| &c.0));
    let roles =
        [Kind::Policy, Kind::Settings, Kind::Campaigns].map(|kind| publisher_of(&state, kind));
    require_token(&state, &headers, &client, &roles).await?;
    let site = if query.is_empty() { None } else { Some(site_of(&query)?) };
    let body = read_body(&headers, body, crate::model::MAX_BODY_BYTES, state.body_timeout).await?;
    // What a valid policy does, state by state, for the admin page's table.
    let (mut audit, mut preview) = (None, None);
    let problems = match serde_json::from_slice::<Value>(&body) {
        Err(error) => vec![serde_json::json!({
            "path": "", "message": format!("not valid JSON: {error}"),
            "line": error.line(), "column": error.column(),
        })],
        Ok(value) => {
            let problems = match check_document(&value) {
                Err(problems) => problems,
                Ok(Document::Campaigns(campaigns)) => match &site {
                    Some(site) => {
                        links_outside(&campaigns, &published_link_hosts(&state.db, site).await?)
                    }
                    None => Vec::new(),
                },
                Ok(Document::Knowledge(knowledge)) => match &site {
                    Some(site) => entry_links_outside(
                        &knowledge,
                        &published_link_hosts(&state.db, site).await?,
                    ),
                    None => Vec::new(),
                },
                Ok(Document::Catalogue(catalogue)) => match &site {
                    Some(site) => catalogue_links_outside(
                        &catalogue,
                        &published_link_hosts(&state.db, site).await?,
                    ),
                    None => Vec::new(),
                },
                Ok(Document::Policy(policy)) => {
                    audit = Some(crate::audit::audit_json(&policy));
                    preview = Some(crate::preview::preview_json(&policy, now_ms()));
                    Vec::new()
                }
                Ok(_) => Vec::new(),
            };
            problems
                .into_iter()
                .map(|p| serde_json::json!({ "path": p.path, "message": p.message }))
                .collect()
        }
    };
    let mut answer = serde_json::json!({ "problems": problems });
    if let Some(audit) = audit {
        answer["audit"] = audit;
    }
    // And the agent's own dialog and panel for it, in each language, for the preview.
    if let Some(preview) = preview {
        answer["preview"] = preview;
    }
    let mut response = Json(answer).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `GET /v1/policy/audit?site=ID` (privacy officer): what the site's published policy (the
/// built-in one while none is published) lets the agent keep and send, state by state.
async fn policy_audit(
    State(state): State<ApiState>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Result<Response, DocumentError> {
    let client = client_of(connection.as_ref().map(|c| &c.0));
    require_token(&state, &headers, &client, &[publisher_of(&state, Kind::Policy)]).await?;
    let site = site_of(&query)?;
    let documents = state.db.current_documents(&site).await?;
    let policy = match documents.into_iter().find(|(kind, _)| kind == "policy") {
        Some((_, body)) => {
            let value = concierge_protocol::json::parse(&body)
                .map_err(|_| DbError::Damaged("a stored policy is not JSON".to_owned()))?;
            concierge_protocol::documents::read_policy(&value)
        }
        None => concierge_protocol::consent::builtin_policy(),
    };
    let mut answer = crate::audit::audit_json(&policy);
    answer["site"] = site.into();
    let mut response = Json(answer).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `GET /v1/session`: the roles the bearer token holds among the documents' publishers, so that
/// one sign-in opens the admin page its holder may use (the privacy officer's or the marketers')
/// without trying the token at a door it does not open. A token with no role is refused and
/// counted like any wrong token.
async fn session(
    State(state): State<ApiState>,
    headers: HeaderMap,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Result<Response, DocumentError> {
    let client = client_of(connection.as_ref().map(|c| &c.0));
    let roles =
        [Kind::Policy, Kind::Campaigns, Kind::Settings].map(|kind| publisher_of(&state, kind));
    require_token(&state, &headers, &client, &roles).await?;
    let token = bearer(&headers);
    let held: Vec<&str> = roles
        .iter()
        .filter(|(hashes, _)| token_matches(token, hashes))
        .map(|(_, role)| *role)
        .collect();
    let mut response = Json(serde_json::json!({ "roles": held })).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A request body as a document of `kind`, or every problem with it.
fn read_document(body: &[u8], kind: Kind) -> Result<Document, Vec<Problem>> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| vec![Problem::new("", format!("not valid JSON: {error}"))])?;
    let document = check_document(&value)?;
    if document.kind() != kind {
        return Err(vec![Problem::new(
            "kind",
            format!(
                "is {:?}, but the document was sent to /v1/config/{}; send it to /v1/config/{}",
                document.kind().name(),
                kind.name(),
                document.kind().name()
            ),
        )]);
    }
    Ok(document)
}

/// The link hosts of the site's settings in force: where campaigns may link besides the shop.
pub(crate) async fn published_link_hosts(db: &Db, site: &str) -> Result<Vec<String>, DbError> {
    for (kind, body) in db.current_documents(site).await? {
        if kind != Kind::Settings.name() {
            continue;
        }
        let value: Result<Value, _> = serde_json::from_str(&body);
        if let Ok(Ok(Document::Settings(settings))) = value.map(|value| check_document(&value)) {
            return Ok(settings.link_hosts.unwrap_or_default());
        }
    }
    Ok(Vec::new())
}

fn stored_form(document: &Document) -> Result<String, DbError> {
    serde_json::to_string(&encode_document(document)).map_err(|e| DbError::Damaged(e.to_string()))
}

async fn history(
    State(state): State<ApiState>,
    Path(kind): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Result<Response, DocumentError> {
    let kind = kind_of(&kind)?;
    let client = client_of(connection.as_ref().map(|c| &c.0));
    require_token(&state, &headers, &client, &readers_of(&state, kind)).await?;
    let site = site_of(&query)?;
    let rows = state.db.document_history(&site, kind).await?;
    // Read into the protocol's `Value`, which keeps the members in their order, for the diff.
    let documents = rows
        .iter()
        .map(|row| {
            serde_json::from_str::<Value>(&row.body)
                .map_err(|e| DbError::Damaged(format!("stored document: {e}")))
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    // Newest first: each version is compared with the next one in the list, the one it replaced.
    let nothing = Value::Object(Vec::new());
    let versions: Vec<serde_json::Value> = rows
        .iter()
        .zip(&documents)
        .enumerate()
        .map(|(index, (row, document))| {
            let previous = documents.get(index + 1);
            let diff: Vec<serde_json::Value> =
                crate::history::diff(previous.unwrap_or(&nothing), document)
                    .iter()
                    .map(crate::history::Change::to_json)
                    .collect();
            serde_json::json!({
                "version": row.version, "published_at": row.published_at,
                "published_by": row.published_by,
                "publisher": crate::history::publisher(&row.published_by),
                "previous_version": rows.get(index + 1).map(|previous| previous.version),
                "diff": diff, "document": document,
            })
        })
        .collect();
    let body = serde_json::json!({ "site": site, "kind": kind.name(), "versions": versions });
    let mut response = Json(body).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// One published version of a document, as stored.
#[derive(Clone, Debug)]
pub struct Published {
    pub site: String,
    pub kind: Kind,
    pub version: u32,
    /// The document as [`encode_document`] writes it.
    pub body: String,
    pub published_by: String,
    pub published_at: i64,
}

impl Db {
    /// The newest version of each kind of document a site published: (kind, body).
    pub async fn current_documents(&self, site: &str) -> Result<Vec<(String, String)>, DbError> {
        let rows = sqlx::query(
            "SELECT d.kind, d.body FROM documents d WHERE d.site = $1 AND d.version = \
             (SELECT MAX(m.version) FROM documents m WHERE m.site = d.site AND m.kind = d.kind) \
             ORDER BY d.kind",
        )
        .bind(site)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok((row.try_get("kind")?, row.try_get("body")?))).collect()
    }

    /// Stores a new version; `Some(current)` instead when its version is not greater than the
    /// current one. One statement, so two publishers cannot both slip under the check.
    pub async fn publish_document(&self, document: &Published) -> Result<Option<i64>, DbError> {
        let inserted = sqlx::query(
            "INSERT INTO documents (site, kind, version, body, published_by, published_at) \
             SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS \
             (SELECT 1 FROM documents WHERE site = $1 AND kind = $2 AND version >= $3) \
             ON CONFLICT (site, kind, version) DO NOTHING",
        )
        .bind(&document.site)
        .bind(document.kind.name())
        .bind(i64::from(document.version))
        .bind(&document.body)
        .bind(&document.published_by)
        .bind(document.published_at)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT COALESCE(MAX(version), 0) AS current FROM documents WHERE site = $1 AND kind = $2",
        )
        .bind(&document.site)
        .bind(document.kind.name())
        .fetch_one(&self.pool)
        .await?;
        Ok(Some(row.try_get("current")?))
    }

    /// Remembers the feed a site's catalogue was published from (`None`: it lists its own
    /// products, and no feed is read again).
    pub async fn remember_feed(
        &self,
        site: &str,
        url: Option<&str>,
        now: i64,
    ) -> Result<(), DbError> {
        let statement = match url {
            Some(_) => {
                "INSERT INTO catalogue_feeds (site, url, fetched_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (site) DO UPDATE SET url = excluded.url, fetched_at = excluded.fetched_at"
            }
            None => "DELETE FROM catalogue_feeds WHERE site = $1 AND $2 = '' AND $3 >= 0",
        };
        sqlx::query(statement)
            .bind(site)
            .bind(url.unwrap_or(""))
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every site's catalogue feed: (site, url).
    pub async fn catalogue_feeds(&self) -> Result<Vec<(String, String)>, DbError> {
        let rows = sqlx::query("SELECT site, url FROM catalogue_feeds ORDER BY site")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| Ok((row.try_get("site")?, row.try_get("url")?))).collect()
    }

    /// Every version of a site's document of one kind, newest first.
    pub async fn document_history(
        &self,
        site: &str,
        kind: Kind,
    ) -> Result<Vec<Published>, DbError> {
        let rows = sqlx::query(
            "SELECT version, body, published_by, published_at FROM documents \
             WHERE site = $1 AND kind = $2 ORDER BY version DESC",
        )
        .bind(site)
        .bind(kind.name())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let version: i64 = row.try_get("version")?;
                Ok(Published {
                    site: site.to_owned(),
                    kind,
                    version: u32::try_from(version)
                        .map_err(|_| DbError::Damaged(format!("document version {version}")))?,
                    body: row.try_get("body")?,
                    published_by: row.try_get("published_by")?,
                    published_at: row.try_get("published_at")?,
                })
            })
            .collect()
    }
}

/// Why the documents directory could not be published at start.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read the documents directory {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("the documents in {dir} have problems; nothing was published:\n{}", .problems.join("\n"))]
    Invalid { dir: String, problems: Vec<String> },
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Publishes `dir/{site}/{kind}.json` for every site and kind whose stored version is older or
/// missing. Every file is checked first; one bad file publishes nothing and lists every problem.
pub async fn publish_dir(db: &Db, dir: &std::path::Path) -> Result<(), SeedError> {
    let documents = read_dir(dir)?;
    let now = now_ms();
    for (file, mut document) in documents {
        document.published_at = now;
        match db.publish_document(&document).await? {
            None => {
                tracing::info!(site = %document.site, kind = document.kind.name(), version = document.version, %file, "published from the documents directory")
            }
            Some(current) => {
                tracing::debug!(site = %document.site, kind = document.kind.name(), current, %file, "the stored document is as new or newer; kept")
            }
        }
    }
    Ok(())
}

/// Every document under `dir`, checked, with the file it came from.
fn read_dir(dir: &std::path::Path) -> Result<Vec<(String, Published)>, SeedError> {
    let listing = |path: &std::path::Path| -> Result<Vec<std::path::PathBuf>, SeedError> {
        let read_error = |source| SeedError::Read { path: path.display().to_string(), source };
        let mut paths = std::fs::read_dir(path)
            .map_err(read_error)?
            .map(|entry| entry.map(|entry| entry.path()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(read_error)?;
        paths.retain(|path| !file_name(path).starts_with('.'));
        paths.sort();
        Ok(paths)
    };
    let mut problems = Vec::new();
    let mut documents = Vec::new();
    for site_dir in listing(dir)?.into_iter().filter(|path| path.is_dir()) {
        let site = file_name(&site_dir);
        if !is_token(&site, MAX_SITE) {
            problems.push(format!(
                "{}: a site's folder name must be 1-64 letters, digits, - or _",
                site_dir.display()
            ));
            continue;
        }
        for path in listing(&site_dir)? {
            let shown = path.display().to_string();
            let Some(stem) = file_name(&path).strip_suffix(".json").map(str::to_owned) else {
                continue;
            };
            let Some(kind) = Kind::from_name(&stem) else {
                problems.push(format!(
                    "{shown}: {stem} is not a document kind; name files {}.json",
                    KIND_NAMES.join(".json, ")
                ));
                continue;
            };
            let text = std::fs::read(&path)
                .map_err(|source| SeedError::Read { path: shown.clone(), source })?;
            let document = match read_document(&text, kind) {
                Ok(document) => document,
                Err(found) => {
                    problems.extend(found.iter().map(|problem| format!("{shown}: {problem}")));
                    continue;
                }
            };
            let body = stored_form(&document)?;
            documents.push((
                shown,
                Published {
                    site: site.clone(),
                    kind,
                    version: document.version(),
                    body,
                    published_by: format!("file {site}/{stem}.json"),
                    published_at: 0,
                },
            ));
        }
    }
    if problems.is_empty() {
        Ok(documents)
    } else {
        Err(SeedError::Invalid { dir: dir.display().to_string(), problems })
    }
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
}
