//! The Concierge backend as a library: the router, and serving it on a listener.
//!
//! `main.rs` only parses the configuration and calls [`serve`]; tests drive [`app`] directly.

pub mod api;
pub mod config;
pub mod db;
pub mod documents;
mod headers;
pub mod metrics;
pub mod model;
mod static_files;

pub use config::Config;
pub use db::Db;

use axum::routing::get;
use axum::{Json, Router};
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
    if !config.www.is_dir() {
        return Err(Error::MissingWww(config.www.display().to_string()));
    }
    let state = api::ApiState {
        db: db.clone(),
        staff_token_hashes: std::sync::Arc::new(token_hashes(&config.staff_token_hashes)?),
        privacy_token_hashes: std::sync::Arc::new(token_hashes(&config.privacy_token_hashes)?),
        metrics_token_hashes: std::sync::Arc::new(token_hashes(&config.metrics_token_hashes)?),
        metrics: std::sync::Arc::default(),
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
        .merge(api::routes(state).layer(cors))
        .merge(documents)
        .fallback_service(static_files::service(&config.www));
    for layer in headers::security(&config.csp)? {
        router = router.layer(layer);
    }
    Ok(router.layer(CompressionLayer::new()).layer(TraceLayer::new_for_http()))
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

/// Binds the configured address, printing the URL once listening.
pub async fn bind(config: &Config) -> Result<TcpListener, Error> {
    let address = std::net::SocketAddr::new(config.host, config.port);
    TcpListener::bind(address)
        .await
        .map_err(|source| Error::Bind { address: address.to_string(), source })
}

/// Serves until SIGINT or SIGTERM, then finishes the requests under way.
pub async fn serve(listener: TcpListener, router: Router) -> Result<(), Error> {
    axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(Error::Serve)
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
