//! Configuration: the settings file, `--help`, CORS for configured shop origins.

use super::support::*;
use axum::body::Body;
use axum::http::Method;
use concierge_server::config::read_settings_file;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_concierge-server");

#[test]
fn a_settings_file_is_read_and_its_mistakes_named() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.env");
    std::fs::write(
        &good,
        "# Concierge\nCONCIERGE_PORT=9090\n\nDATABASE_URL = \"postgres://db/shop\"\n",
    )
    .unwrap();
    let settings = read_settings_file(&good).unwrap();
    assert_eq!(
        settings,
        [
            ("CONCIERGE_PORT".into(), "9090".into()),
            ("DATABASE_URL".into(), "postgres://db/shop".into())
        ]
    );

    let cases = [
        ("CONCIERGE_PORT 9090\n", "bad.env:1: expected VARIABLE=value"),
        ("\nPATH=/bin\n", "bad.env:2: PATH is not a Concierge setting"),
    ];
    for (text, message) in cases {
        let bad = dir.path().join("bad.env");
        std::fs::write(&bad, text).unwrap();
        let error = read_settings_file(&bad).unwrap_err().to_string();
        assert!(error.contains(message), "{error}");
    }
}

#[test]
fn the_binary_starts_from_a_settings_file_and_refuses_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("www")).unwrap();
    let file = dir.path().join("concierge.env");
    std::fs::write(
        &file,
        format!(
            "CONCIERGE_PORT=0\nCONCIERGE_WWW={}\nCONCIERGE_DATA_DIR={}\n",
            dir.path().join("www").display(),
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let mut child = Command::new(BINARY)
        .args(["--config", file.to_str().unwrap()])
        .env_remove("CONCIERGE_PORT")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(line.starts_with("Concierge demo running at http://127.0.0.1:"), "{line}");
    assert!(dir.path().join("data/concierge.db").exists(), "the embedded database was created");

    std::fs::write(&file, "PORT=1\n").unwrap();
    let output = Command::new(BINARY).args(["--config", file.to_str().unwrap()]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("PORT is not a Concierge setting"));
}

#[test]
fn help_documents_every_setting() {
    let output = Command::new(BINARY).arg("--help").output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in [
        "--host",
        "--port",
        "--www",
        "--data-dir",
        "--database-url",
        "--staff-token-hashes",
        "--privacy-token-hashes",
        "--marketer-token-hashes",
        "--metrics-token-hashes",
        "--tombstone-days",
        "--header-timeout",
        "--body-timeout",
        "--allowed-origins",
        "--config",
        "--log-format",
        "--region-header",
        "hash-token",
        "retention",
    ] {
        assert!(help.contains(flag), "{flag} is documented");
    }
    for variable in [
        "CONCIERGE_PORT",
        "DATABASE_URL",
        "CONCIERGE_STAFF_TOKEN_HASHES",
        "CONCIERGE_MARKETER_TOKEN_HASHES",
        "CONCIERGE_REGION_HEADER",
    ] {
        assert!(help.contains(variable), "{variable} is documented");
    }
    let hash = Command::new(BINARY).args(["hash-token", "demo-staff"]).output().unwrap();
    assert_eq!(
        String::from_utf8(hash.stdout).unwrap().trim(),
        concierge_server::db::sha256_hex("demo-staff")
    );
}

#[test]
fn timeouts_are_seconds_within_reason() {
    for (value, message) in [
        ("0", "out of range"),
        ("-1", "out of range"),
        ("90000", "out of range"),
        ("ten", "is not a number of seconds"),
        ("NaN", "out of range"),
    ] {
        let output =
            Command::new(BINARY).arg(format!("--header-timeout={value}")).output().unwrap();
        assert!(!output.status.success(), "{value}");
        let error = String::from_utf8_lossy(&output.stderr);
        assert!(error.contains(message), "{value}: {error}");
    }
    let parsed = <concierge_server::Config as clap::Parser>::try_parse_from([
        "concierge-server",
        "--header-timeout",
        "2.5",
    ])
    .unwrap();
    assert_eq!(parsed.header_timeout, std::time::Duration::from_millis(2500));
    assert_eq!(parsed.body_timeout, std::time::Duration::from_secs(30));
}

#[tokio::test]
async fn cors_admits_only_the_configured_shop_origins() {
    let mut site = Site::new("sqlite", None).await;
    site.reconfigure(|config| config.allowed_origins = vec!["https://shop.example".into()]);
    for (origin, allowed) in [("https://shop.example", true), ("https://evil.example", false)] {
        let headers = [
            ("origin", origin),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type"),
        ];
        let reply = site.request(Method::OPTIONS, "/v1/events", &headers, Body::empty()).await;
        let header = reply
            .headers
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(header.as_deref() == Some(origin), allowed, "{origin}: {header:?}");
    }
}
