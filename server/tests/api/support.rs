//! Test fixtures: a temporary site and database per test, requests with a chosen client address.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use concierge_server::{app, db::sha256_hex, Config, Db};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use tower::ServiceExt;

pub const STAFF_TOKEN: &str = "staff-token-for-tests";
pub const PRIVACY_TOKEN: &str = "privacy-token-for-tests";
pub const METRICS_TOKEN: &str = "metrics-token-for-tests";
pub const MARKETER_TOKEN: &str = "marketer-token-for-tests";

/// A site served from a temporary `www`, on one database, through one router (so the
/// process-local metrics add up across its requests).
pub struct Site {
    /// Holds `www/` and the SQLite file; a test may put files beside `www/` to try to reach them.
    pub dir: tempfile::TempDir,
    pub db: Db,
    /// Where the database is, so a test can open it again as another server process would.
    pub url: String,
    pub backend: &'static str,
    router: Router,
    client: SocketAddr,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&self.body)))
    }
}

static NEXT: AtomicU32 = AtomicU32::new(1);

/// A value no other test (nor an earlier run against the same PostgreSQL) uses.
pub fn unique(prefix: &str) -> String {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}{n:04}x{nanos:09}")
}

/// A client address no other test, nor an earlier run against the same PostgreSQL (whose
/// failed-login counts outlive the run), has used.
fn fresh_client() -> SocketAddr {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let segments = [
        0xfd00,
        0,
        (nanos >> 48) as u16,
        (nanos >> 32) as u16,
        (nanos >> 16) as u16,
        nanos as u16,
        (n >> 16) as u16,
        n as u16,
    ];
    SocketAddr::from((segments, 40_000))
}

/// A fresh cart code, `XXX-XXX` from the agent's alphabet.
pub fn unique_code() -> String {
    const ALPHABET: &[u8] = b"ACDEFGHJKLMNPQRTUVWXY34679";
    let mut n = u64::from(NEXT.fetch_add(1, Ordering::Relaxed)) * 7_919
        + u64::from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos(),
        );
    let chars: String = (0..6)
        .map(|_| {
            let c = ALPHABET[(n % ALPHABET.len() as u64) as usize] as char;
            n /= ALPHABET.len() as u64;
            c
        })
        .collect();
    format!("{}-{}", &chars[..3], &chars[3..])
}

/// Every database the suite runs on: SQLite always, PostgreSQL when configured.
pub async fn sites() -> Vec<Site> {
    let ci = std::env::var("CI").ok();
    let url = std::env::var("CONCIERGE_TEST_DATABASE_URL").ok();
    let mut sites = vec![Site::new("sqlite", None).await];
    match postgres_url(ci.as_deref(), url.as_deref()) {
        Ok(Some(url)) => sites.push(Site::new("postgres", Some(url)).await),
        Ok(None) => eprintln!("PostgreSQL skipped: CONCIERGE_TEST_DATABASE_URL is not set"),
        Err(message) => panic!("{message}"),
    }
    sites
}

/// The PostgreSQL to test on; under `CI=true` its absence is a failure, not a skip nobody sees.
pub fn postgres_url(ci: Option<&str>, url: Option<&str>) -> Result<Option<String>, String> {
    match (url.filter(|url| !url.is_empty()), ci) {
        (Some(url), _) => Ok(Some(url.to_owned())),
        (None, Some("true")) => {
            Err("CI=true requires PostgreSQL: set CONCIERGE_TEST_DATABASE_URL \
             (./build.sh test starts a cluster)"
                .to_owned())
        }
        (None, _) => Ok(None),
    }
}

#[test]
fn under_ci_a_missing_postgres_fails_the_run() {
    let url = "postgres://postgres@127.0.0.1:5432/postgres";
    let cases = [
        (None, None, Ok(None)),
        (Some("false"), Some(""), Ok(None)),
        (None, Some(url), Ok(Some(url.to_owned()))),
        (Some("true"), Some(url), Ok(Some(url.to_owned()))),
        (Some("true"), None, Err("CI=true requires PostgreSQL")),
        (Some("true"), Some(""), Err("CI=true requires PostgreSQL")),
    ];
    for (ci, given, expect) in cases {
        let got = postgres_url(ci, given);
        match expect {
            Ok(expected) => assert_eq!(got, Ok(expected), "CI={ci:?} url={given:?}"),
            Err(start) => assert!(
                got.as_ref().is_err_and(|message| message.starts_with(start)),
                "CI={ci:?} url={given:?}: {got:?}"
            ),
        }
    }
}

impl Site {
    pub async fn new(backend: &'static str, url: Option<String>) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let write = |path: &str, body: &[u8]| {
            let path = dir.path().join("www").join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, body).unwrap();
        };
        write("index.html", b"<!doctype html><title>Shop</title>");
        write("cart/index.html", b"<!doctype html><title>Cart</title>");
        write("404.html", b"<!doctype html><title>Not here</title>");
        write("concierge/pkg/concierge_bg.wasm", b"\0asm\x01\0\0\0");
        write("concierge/loader.js", "/* loader */ ".repeat(100).as_bytes());
        let url = url.unwrap_or_else(|| Db::sqlite_url(dir.path()));
        let db = Db::connect(&url).await.unwrap_or_else(|e| panic!("{backend}: {e}"));
        let client = fresh_client();
        let config = test_config(&dir.path().join("www"));
        let router = app(&config, db.clone()).unwrap();
        Site { dir, db, url, backend, router, client }
    }

    pub fn www(&self) -> std::path::PathBuf {
        self.dir.path().join("www")
    }

    pub fn config(&self) -> Config {
        test_config(&self.www())
    }

    /// The same site served with changed settings (a new router: its metrics start at zero).
    pub fn reconfigure(&mut self, change: impl FnOnce(&mut Config)) {
        let mut config = self.config();
        change(&mut config);
        self.router = app(&config, self.db.clone()).unwrap();
    }

    /// The same site with `feeds` fetching catalogue feeds instead of the network.
    pub fn with_feeds(&mut self, feeds: std::sync::Arc<dyn concierge_server::feeds::FetchFeed>) {
        self.router =
            concierge_server::app_with_feeds(&self.config(), self.db.clone(), feeds).unwrap();
    }

    /// The same site served by a new process: its own connections, counters and router.
    pub async fn restart(&mut self) {
        self.db = Db::connect(&self.url).await.unwrap_or_else(|e| panic!("{}: {e}", self.backend));
        self.router = app(&self.config(), self.db.clone()).unwrap();
    }

    /// Requests from another client address, as if from another machine.
    pub fn move_client(&mut self) {
        self.client = fresh_client();
    }

    pub async fn request(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: Body,
    ) -> Reply {
        let router = self.router.clone();
        let mut request = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut request = request.body(body).unwrap();
        request.extensions_mut().insert(ConnectInfo(self.client));
        let response = router.oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body: body.collect().await.unwrap().to_bytes().to_vec(),
        }
    }

    pub async fn get(&self, uri: &str, headers: &[(&str, &str)]) -> Reply {
        self.request(Method::GET, uri, headers, Body::empty()).await
    }

    pub async fn post_json(&self, uri: &str, headers: &[(&str, &str)], body: &Value) -> Reply {
        let mut all = vec![(header::CONTENT_TYPE.as_str(), "application/json")];
        all.extend_from_slice(headers);
        self.request(Method::POST, uri, &all, Body::from(body.to_string())).await
    }

    pub async fn send(&self, batch: &Value) -> Reply {
        self.post_json("/v1/events", &[], batch).await
    }
}

pub fn test_config(www: &std::path::Path) -> Config {
    let mut config = Config::for_www(www);
    config.staff_token_hashes = vec![sha256_hex(STAFF_TOKEN)];
    config.privacy_token_hashes = vec![sha256_hex(PRIVACY_TOKEN)];
    config.marketer_token_hashes = vec![sha256_hex(MARKETER_TOKEN)];
    config.metrics_token_hashes = vec![sha256_hex(METRICS_TOKEN)];
    config
}

/// A visitor as an agent would describe them.
pub struct Visitor {
    pub id: String,
    pub secret: String,
    pub code: String,
}

impl Visitor {
    pub fn new() -> Visitor {
        Visitor { id: unique("vis_"), secret: unique("secret_"), code: unique_code() }
    }

    pub fn batch(&self, events: Vec<Value>) -> Value {
        json!({
            "v": 1, "site": "demo", "visitor_id": self.id, "secret": self.secret,
            "batch_key": unique("batch_"), "cart_code": self.code, "events": events,
        })
    }
}

pub fn consent_event(storage: &str, analytics: &str, at: i64) -> Value {
    json!({ "id": unique("evt_"), "name": "consent", "at": at, "consent": { "storage": storage, "analytics": analytics } })
}

pub fn cart_event(lines: Value, at: i64) -> Value {
    json!({ "id": unique("evt_"), "name": "cart", "at": at, "cart": { "currency": "EUR", "lines": lines, "updated_at": at } })
}

pub fn add_event(id: &str, category: &str, at: i64) -> Value {
    json!({ "id": unique("evt_"), "name": "add_to_cart", "at": at,
            "items": [{ "item_id": id, "item_name": id, "item_category": category, "price": 1000, "quantity": 1 }] })
}

/// An `interests` event whose top is `[[dimension, key, score]...]`.
pub fn interests_event(top: Value, at: i64) -> Value {
    let top: Vec<Value> = (top.as_array().cloned().unwrap_or_default().iter())
        .map(|t| json!({ "dimension": t[0], "key": t[1], "score": t[2] }))
        .collect();
    json!({ "id": unique("evt_"), "name": "interests", "at": at, "top": top })
}

pub fn staff() -> String {
    format!("Bearer {STAFF_TOKEN}")
}

pub fn officer() -> String {
    format!("Bearer {PRIVACY_TOKEN}")
}

pub fn operator() -> String {
    format!("Bearer {METRICS_TOKEN}")
}

/// A batch answer's counts: (accepted, duplicates, refused).
pub fn counts(outcome: &Value) -> (u64, u64, u64) {
    let count = |key: &str| outcome[key].as_u64().unwrap_or_else(|| panic!("{key} in {outcome}"));
    (count("accepted"), count("duplicates"), count("refused"))
}
