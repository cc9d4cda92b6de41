//! Backend tests: the router driven in process (no sockets), over a temporary `www`.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use concierge_server::{app, Config};
use http_body_util::BodyExt;
use tower::ServiceExt;

struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let write = |path: &str, body: &[u8]| {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, body).unwrap();
        };
        write("index.html", b"<!doctype html><title>Shop</title>");
        write("cart/index.html", b"<!doctype html><title>Cart</title>");
        write("404.html", b"<!doctype html><title>Not here</title>");
        write("concierge/pkg/concierge_bg.wasm", b"\0asm\x01\0\0\0");
        write("concierge/loader.js", "/* loader */ ".repeat(100).as_bytes());
        Site { dir }
    }

    async fn get(
        &self,
        uri: &str,
        headers: &[(header::HeaderName, &str)],
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let router = app(&Config::for_www(self.dir.path())).unwrap();
        let mut request = Request::get(uri);
        for (name, value) in headers {
            request = request.header(name, *value);
        }
        let response = router.oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        let (parts, body) = response.into_parts();
        (parts.status, parts.headers, body.collect().await.unwrap().to_bytes().to_vec())
    }
}

#[tokio::test]
async fn pages_come_with_the_strict_csp_and_security_headers() {
    let site = Site::new();
    let (status, headers, body) = site.get("/", &[]).await;
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
    let (status, headers, _) = Site::new().get("/concierge/pkg/concierge_bg.wasm", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/wasm");
}

#[tokio::test]
async fn directories_redirect_to_their_slash_and_serve_their_index() {
    let site = Site::new();
    let (status, headers, _) = site.get("/cart", &[]).await;
    assert!(status.is_redirection(), "{status}");
    assert_eq!(headers[header::LOCATION], "/cart/");
    let (status, _, body) = site.get("/cart/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.ends_with(b"Cart</title>"));
}

#[tokio::test]
async fn unknown_paths_get_the_404_page_with_a_404_status() {
    let (status, headers, body) = Site::new().get("/no/such/page", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.ends_with(b"Not here</title>"));
    assert!(headers.contains_key(header::CONTENT_SECURITY_POLICY));
}

#[tokio::test]
async fn paths_never_escape_the_static_directory() {
    let site = Site::new();
    std::fs::write(site.dir.path().parent().unwrap().join("secret.txt"), b"secret").ok();
    for uri in
        ["/../secret.txt", "/%2e%2e/secret.txt", "/cart/..%2f..%2fsecret.txt", "/..%5csecret.txt"]
    {
        let (status, _, body) = site.get(uri, &[]).await;
        assert_ne!(body, b"secret", "{uri}");
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
            "{uri}: {status}"
        );
    }
}

#[tokio::test]
async fn text_is_compressed_when_the_client_accepts_it() {
    let (status, headers, body) =
        Site::new().get("/concierge/loader.js", &[(header::ACCEPT_ENCODING, "gzip")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    assert!(body.len() < 1300 / 2, "{} bytes", body.len());
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().contains("javascript"));
}

#[tokio::test]
async fn health_reports_ok_and_the_version() {
    let (status, headers, body) = Site::new().get("/healthz", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let health: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn a_missing_static_directory_is_a_clear_error() {
    let error = app(&Config::for_www("/no/such/dir")).unwrap_err();
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
