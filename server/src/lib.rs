//! The Concierge backend as a library: the router, and serving it on a listener.
//!
//! `main.rs` only parses the configuration and calls [`serve`]; tests drive [`app`] directly.

pub mod config;
mod headers;
mod static_files;

pub use config::Config;

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
}

/// The whole HTTP surface.
pub fn app(config: &Config) -> Result<Router, Error> {
    if !config.www.is_dir() {
        return Err(Error::MissingWww(config.www.display().to_string()));
    }
    let mut router = Router::new()
        .route("/healthz", get(health))
        .fallback_service(static_files::service(&config.www));
    for layer in headers::security(&config.csp)? {
        router = router.layer(layer);
    }
    Ok(router.layer(CompressionLayer::new()).layer(TraceLayer::new_for_http()))
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// Binds the configured address, printing the URL once listening.
pub async fn bind(config: &Config) -> Result<TcpListener, Error> {
    let address = std::net::SocketAddr::new(config.host, config.port);
    TcpListener::bind(address)
        .await
        .map_err(|source| Error::Bind { address: address.to_string(), source })
}

/// Serves until SIGINT or SIGTERM, then finishes the requests under way.
pub async fn serve(listener: TcpListener, config: Config) -> Result<(), Error> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|source| Error::DataDir { path: config.data_dir.display().to_string(), source })?;
    let router = app(&config)?;
    axum::serve(listener, router)
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
