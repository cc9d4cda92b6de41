//! The Concierge backend as a library: the router, and serving it on a listener.
//!
//! `main.rs` only parses the configuration and calls [`serve`]; tests drive [`app`] directly.

pub mod api;
pub mod audit;
pub mod campaigns;
pub mod config;
pub mod consent;
pub mod db;
pub mod documents;
pub mod feeds;
mod headers;
pub mod history;
pub mod metrics;
pub mod model;
pub mod preview;
pub mod receipts;
pub mod retention;
mod static_files;

pub use config::Config;
pub use db::Db;

use axum::routing::get;
use axum::{Json, Router};
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the Content-Security-Policy is not a valid header value")]
    InvalidCsp,
    #[error("the static directory {0} does not exist; run ./build.sh from the repository root or pass --www")]
    MissingWww(String),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("cannot listen on {address}: {source}")]
    Bind { address: String, source: std::io::Error },
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
    #[error("{0}")]
    Db(#[from] db::DbError),
    #[error("{0} is not a SHA-256 hex digest; make one with `concierge-server hash-token TOKEN`")]
    InvalidTokenHash(String),
    #[error("allowed origin {0} is not a valid origin such as https://shop.example")]
    InvalidOrigin(String),
    #[error("{0}")]
    Documents(#[from] documents::SeedError),
    #[error("{0:?} is not a valid header name for --region-header")]
    InvalidRegionHeader(String),
}

/// Opens the configured database: PostgreSQL when a URL is given, else SQLite in the data dir.
pub async fn open_db(config: &Config) -> Result<Db, Error> {
    let url = match &config.database_url {
        Some(url) => url.clone(),
        None => {
            std::fs::create_dir_all(&config.data_dir).map_err(|source| Error::DataDir {
                path: config.data_dir.display().to_string(),
                source,
            })?;
            Db::sqlite_url(&config.data_dir)
        }
    };
    let db = Db::connect(&url).await?;
    if let Some(dir) = &config.documents {
        documents::publish_dir(&db, dir).await?;
    }
    Ok(db)
}

fn token_hashes(hashes: &[String]) -> Result<Vec<String>, Error> {
    hashes
        .iter()
        .map(|hash| hash.trim().to_ascii_lowercase())
        .filter(|hash| !hash.is_empty())
        .map(|hash| {
            let valid = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
            if valid {
                Ok(hash)
            } else {
                Err(Error::InvalidTokenHash(hash))
            }
        })
        .collect()
}

/// The whole HTTP surface.
pub fn app(config: &Config, db: Db) -> Result<Router, Error> {
    app_with_feeds(config, db, std::sync::Arc::new(feeds::Https))
}

/// The whole HTTP surface, with `feeds` fetching catalogue feeds (tests give a stand-in).
pub fn app_with_feeds(
    config: &Config,
    db: Db,
    feeds: std::sync::Arc<dyn feeds::FetchFeed>,
) -> Result<Router, Error> {
    if !config.www.is_dir() {
        return Err(Error::MissingWww(config.www.display().to_string()));
    }
    let db = db.with_tombstone_retention(config.tombstone_retention_ms());
    let state = api::ApiState {
        db: db.clone(),
        staff_token_hashes: std::sync::Arc::new(token_hashes(&config.staff_token_hashes)?),
        privacy_token_hashes: std::sync::Arc::new(token_hashes(&config.privacy_token_hashes)?),
        marketer_token_hashes: std::sync::Arc::new(token_hashes(&config.marketer_token_hashes)?),
        metrics_token_hashes: std::sync::Arc::new(token_hashes(&config.metrics_token_hashes)?),
        metrics: std::sync::Arc::default(),
        body_timeout: config.body_timeout,
        feeds,
        region_header: match config.region_header.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(name) => Some(
                axum::http::HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| Error::InvalidRegionHeader(name.to_owned()))?,
            ),
        },
    };
    let origins = config
        .allowed_origins
        .iter()
        .map(|origin| {
            origin
                .parse::<axum::http::HeaderValue>()
                .map_err(|_| Error::InvalidOrigin(origin.clone()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let documents = documents::routes(state.clone(), origins.clone());
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([
            axum::http::Method::GET,
            axum::http::Method::POST,
            axum::http::Method::DELETE,
        ])
        .allow_headers([
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderName::from_static("x-concierge-secret"),
        ]);
    let mut router = Router::new()
        .route("/healthz", get(health).with_state(db))
        .merge(
            api::routes(state.clone())
                .merge(receipts::routes(state.clone()))
                .merge(campaigns::routes(state))
                .layer(cors),
        )
        .merge(documents)
        .fallback_service(static_files::service(&config.www));
    router = router.layer(axum::middleware::from_fn(refuse_oversized_bodies));
    for layer in headers::security(&config.csp)? {
        router = router.layer(layer);
    }
    Ok(router.layer(CompressionLayer::new()).layer(TraceLayer::new_for_http()))
}

/// No request this server takes has a body larger than this; each route may allow less.
pub const MAX_REQUEST_BODY_BYTES: u64 = 4 * 1024 * 1024;

/// Answers 413 at once to a request declaring a body beyond [`MAX_REQUEST_BODY_BYTES`], on any
/// route, before a byte of it is read.
async fn refuse_oversized_bodies(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match api::declared_length(request.headers()) {
        Some(length) if length > MAX_REQUEST_BODY_BYTES => {
            api::ApiError::TooLarge { limit: MAX_REQUEST_BODY_BYTES as usize }.into_response()
        }
        _ => next.run(request).await,
    }
}

async fn health(
    axum::extract::State(db): axum::extract::State<Db>,
) -> (axum::http::StatusCode, Json<serde_json::Value>) {
    let version = env!("CARGO_PKG_VERSION");
    match db.ping().await {
        Ok(()) => (
            axum::http::StatusCode::OK,
            Json(serde_json::json!({ "status": "ok", "version": version })),
        ),
        Err(error) => {
            // The reason goes to the log: it can name hosts, users and files.
            tracing::error!(%error, "health check: the database is unreachable");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "database unreachable", "version": version })),
            )
        }
    }
}

/// How often the retention job runs.
pub const RETENTION_JOB_EVERY: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// Starts the retention job: every hour (and once at start) it deletes each site's data past
/// the retention of its policy ([`retention`]) and forgets tombstones past their retention
/// period and stale failed logins. Several processes may each run it; the deletes are
/// idempotent.
pub fn spawn_retention_job(config: &Config, db: Db) -> tokio::task::JoinHandle<()> {
    let db = db.with_tombstone_retention(config.tombstone_retention_ms());
    tokio::spawn(async move {
        let mut every = tokio::time::interval(RETENTION_JOB_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            run_retention_once(&db).await;
            // Catalogue feeds are read again at the same pace (docs/decisions.md).
            let feeds = std::sync::Arc::new(feeds::Https);
            if let Err(error) = feeds::refresh_all(&db, feeds, api::now_ms()).await {
                tracing::warn!(%error, "the catalogue feeds' refresh failed; it runs again in an hour")
            }
            match db.forget_expired(api::now_ms(), api::AUTH_WINDOW_MS).await {
                Ok(0) => {}
                Ok(forgotten) => tracing::info!(forgotten, "expired tombstones forgotten"),
                Err(error) => {
                    tracing::warn!(%error, "the retention job failed; it runs again in an hour")
                }
            }
        }
    })
}

/// One run of the policy retention ([`retention`]), logged; a failure waits for the next run.
pub async fn run_retention_once(db: &Db) -> Option<retention::Deleted> {
    match db.apply_retention(api::now_ms()).await {
        Ok(deleted) => Some(deleted),
        Err(error) => {
            tracing::warn!(%error, "the policy retention failed; it runs again in an hour");
            None
        }
    }
}

/// Binds the configured address, printing the URL once listening.
pub async fn bind(config: &Config) -> Result<TcpListener, Error> {
    let address = std::net::SocketAddr::new(config.host, config.port);
    TcpListener::bind(address)
        .await
        .map_err(|source| Error::Bind { address: address.to_string(), source })
}

/// Serves until SIGINT or SIGTERM, then finishes the requests under way.
pub async fn serve(listener: TcpListener, router: Router, config: &Config) -> Result<(), Error> {
    serve_until(listener, router, config.header_timeout, shutdown_signal()).await
}

/// How long the requests under way may take to finish once the server is told to stop.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Serves HTTP/1.1 until `stop` completes. A client gets `header_timeout` to send a request's
/// head (the request line and headers), counted from its first byte or from the connection's
/// last answer: a client trickling its headers (slowloris) or idling on a kept-alive connection
/// is cut off then. Bodies have their own limit, enforced where they are read.
pub async fn serve_until(
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), Error> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let service = tower::ServiceExt::map_request(
            router.clone(),
            move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(axum::extract::ConnectInfo(remote));
                request.map(axum::body::Body::new)
            },
        );
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(
                hyper_util::rt::TokioIo::new(stream),
                hyper_util::service::TowerToHyperService::new(service),
            );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %remote, "connection ended");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still under way after {SHUTDOWN_GRACE:?} were cut off");
    }
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
