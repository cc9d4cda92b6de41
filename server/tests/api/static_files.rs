//! Static files: the shop's pages and the agent, with their headers; paths that try to escape.

use super::support::{Reply, Site};
use axum::http::{header, StatusCode};
use concierge_server::{app, Config};

#[tokio::test]
async fn pages_come_with_the_strict_csp_and_security_headers() {
    let site = Site::new("sqlite", None).await;
    let Reply { status, headers, body } = site.get("/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with(b"<!doctype html><title>Shop"));
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval';"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
}

#[tokio::test]
async fn wasm_is_served_for_streaming_compilation() {
    let Reply { status, headers, .. } =
        Site::new("sqlite", None).await.get("/concierge/pkg/concierge_bg.wasm", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/wasm");
}

#[tokio::test]
async fn directories_redirect_to_their_slash_and_serve_their_index() {
    let site = Site::new("sqlite", None).await;
    let Reply { status, headers, .. } = site.get("/cart", &[]).await;
    assert!(status.is_redirection(), "{status}");
    assert_eq!(headers[header::LOCATION], "/cart/");
    let Reply { status, body, .. } = site.get("/cart/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.ends_with(b"Cart</title>"));
}

#[tokio::test]
async fn unknown_paths_get_the_404_page_with_a_404_status() {
    let Reply { status, headers, body } =
        Site::new("sqlite", None).await.get("/no/such/page", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.ends_with(b"Not here</title>"));
    assert!(headers.contains_key(header::CONTENT_SECURITY_POLICY));
}

#[tokio::test]
async fn paths_never_escape_the_static_directory() {
    let site = Site::new("sqlite", None).await;
    // Beside `www/`, where a path that climbs out of it would land.
    let secret = site.dir.path().join("secret.txt");
    std::fs::write(&secret, b"do-not-serve-this-secret").unwrap();
    assert!(secret.exists() && site.www().join("index.html").exists());
    for uri in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/cart/..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/cart/%2e%2e/%2e%2e/secret.txt",
        "/%2e%2e%2fsecret.txt",
    ] {
        let Reply { status, body, .. } = site.get(uri, &[]).await;
        let body = String::from_utf8_lossy(&body);
        assert!(!body.contains("do-not-serve-this-secret"), "{uri}: {body}");
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
            "{uri}: {status}"
        );
    }
}

#[tokio::test]
async fn odd_paths_are_client_errors_never_server_errors() {
    let site = Site::new("sqlite", None).await;
    let long_segment = "a".repeat(300);
    let cases = [
        format!("/{long_segment}"),
        format!("/cart/{long_segment}"),
        format!("/{long_segment}/index.html"),
        format!("/{}", "abcdefgh/".repeat(600)),
        format!("/{}", "%41".repeat(300)),
        "/index.html%00".to_owned(),
        "/%00".to_owned(),
        "/cart/%00/index.html".to_owned(),
        "/%c0%ae%c0%ae/secret.txt".to_owned(),
        "/%c0%af".to_owned(),
        "/%ff%fe".to_owned(),
        "/%ed%a0%80".to_owned(),
        "/index.html/x".to_owned(),
        "/%0a%0d".to_owned(),
        "/%".to_owned(),
    ];
    for uri in cases {
        let Reply { status, .. } = site.get(&uri, &[]).await;
        assert!(status.is_client_error(), "{}…: {status}", &uri[..uri.len().min(40)]);
    }
}

#[tokio::test]
async fn text_is_compressed_when_the_client_accepts_it() {
    let Reply { status, headers, body } = Site::new("sqlite", None)
        .await
        .get("/concierge/loader.js", &[("accept-encoding", "gzip")])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    assert!(body.len() < 1300 / 2, "{} bytes", body.len());
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().contains("javascript"));
}

#[tokio::test]
async fn health_reports_ok_and_the_version() {
    let Reply { status, headers, body } =
        Site::new("sqlite", None).await.get("/healthz", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let health: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn health_names_no_database_details_when_the_database_is_down() {
    let site = Site::new("sqlite", None).await;
    site.db.close().await;
    let Reply { status, body, .. } = site.get("/healthz", &[]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let health: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        health,
        serde_json::json!({ "status": "database unreachable", "version": env!("CARGO_PKG_VERSION") })
    );
}

#[tokio::test]
async fn a_missing_static_directory_is_a_clear_error() {
    let site = Site::new("sqlite", None).await;
    let error = app(&Config::for_www("/no/such/dir"), site.db.clone()).unwrap_err();
    assert!(error.to_string().contains("/no/such/dir does not exist"), "{error}");
}

#[tokio::test]
async fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut config = Config::for_www(".");
    config.port = taken.local_addr().unwrap().port();
    let error = concierge_server::bind(&config).await.unwrap_err();
    assert!(error.to_string().starts_with("cannot listen on 127.0.0.1:"), "{error}");
}
