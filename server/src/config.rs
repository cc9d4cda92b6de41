//! Server configuration: command-line flags, each with an environment variable and a default.

use clap::Parser;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The Content-Security-Policy the demo pages are served with: nothing beyond
/// 'wasm-unsafe-eval' is needed by the agent.
pub const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
    base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Concierge backend: serves the shop's pages and the agent, ingests events, and gives staff the live cart.
///
/// Every setting can also come from the environment (the variable named beside it) or from a
/// file given with --config: lines of `VARIABLE=value`, `#` for comments. Flags beat the
/// environment, which beats the file.
#[derive(Clone, Debug, Parser)]
#[command(name = "concierge-server", version, about, long_about = None)]
pub struct Config {
    /// A settings file of `CONCIERGE_…=value` lines (see above).
    #[arg(long, env = "CONCIERGE_CONFIG")]
    pub config: Option<PathBuf>,

    /// Log format: `text` for people, `json` for log pipelines.
    #[arg(long, env = "CONCIERGE_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,

    /// Address to listen on.
    #[arg(long, env = "CONCIERGE_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,

    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "CONCIERGE_PORT", default_value_t = 8080)]
    pub port: u16,

    /// Directory of static files to serve: the shop, the loader and the built agent.
    #[arg(long, env = "CONCIERGE_WWW", default_value = "www")]
    pub www: PathBuf,

    /// Directory for the embedded database and other state; created if missing.
    #[arg(long, env = "CONCIERGE_DATA_DIR", default_value = ".data")]
    pub data_dir: PathBuf,

    /// Content-Security-Policy header sent with every response.
    #[arg(long, env = "CONCIERGE_CSP", default_value = DEFAULT_CSP)]
    pub csp: String,

    /// PostgreSQL URL (postgres://…); without it the embedded SQLite database in --data-dir.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// SHA-256 (hex) of each accepted staff token, comma-separated. Make one with
    /// `concierge-server hash-token TOKEN`; the token itself is never stored.
    #[arg(long, env = "CONCIERGE_STAFF_TOKEN_HASHES", value_delimiter = ',')]
    pub staff_token_hashes: Vec<String>,

    /// SHA-256 (hex) of each privacy officer token (export and erase any visitor), comma-separated.
    #[arg(long, env = "CONCIERGE_PRIVACY_TOKEN_HASHES", value_delimiter = ',')]
    pub privacy_token_hashes: Vec<String>,

    /// SHA-256 (hex) of each marketer token (publish the campaigns), comma-separated.
    #[arg(long, env = "CONCIERGE_MARKETER_TOKEN_HASHES", value_delimiter = ',')]
    pub marketer_token_hashes: Vec<String>,

    /// SHA-256 (hex) of each metrics token, comma-separated: `GET /metrics` wants one as
    /// `Authorization: Bearer …`. Without any, the metrics refuse everyone.
    #[arg(long, env = "CONCIERGE_METRICS_TOKEN_HASHES", value_delimiter = ',')]
    pub metrics_token_hashes: Vec<String>,

    /// Days an erased visitor id is remembered (only its SHA-256) so that late batches from it
    /// are refused with 410 instead of bringing the profile back.
    #[arg(long, env = "CONCIERGE_TOMBSTONE_DAYS", default_value_t = 30)]
    pub tombstone_days: u32,

    /// Seconds a client has to send a request's headers (from its first byte, or from the last
    /// answer on a kept-alive connection) before the connection is closed.
    #[arg(long, env = "CONCIERGE_HEADER_TIMEOUT", default_value = "10", value_parser = seconds)]
    pub header_timeout: Duration,

    /// Seconds a client has to send a request's whole body before it is answered 408.
    #[arg(long, env = "CONCIERGE_BODY_TIMEOUT", default_value = "30", value_parser = seconds)]
    pub body_timeout: Duration,

    /// Shop origins allowed to call the API from the browser (CORS), comma-separated.
    #[arg(long, env = "CONCIERGE_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// Directory of config documents to publish at start: `DIR/{site}/{kind}.json` (policy,
    /// settings, campaigns, knowledge), each published when the stored version for its site and kind is older or
    /// missing. A document with any problem stops the start, with every problem listed.
    #[arg(long, env = "CONCIERGE_DOCUMENTS_DIR")]
    pub documents: Option<PathBuf>,

    /// The request header a proxy or CDN sets to the visitor's country or region (e.g.
    /// `CF-IPCountry`); `/v1/config` then answers it as `region` (`DE`, `US-CA`), for the
    /// policy's regional rules. Unset: no `region`.
    #[arg(long, env = "CONCIERGE_REGION_HEADER")]
    pub region_header: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Clone, Debug, clap::Subcommand)]
pub enum Command {
    /// Prints the SHA-256 of a token, for --staff-token-hashes, --privacy-token-hashes,
    /// --marketer-token-hashes and --metrics-token-hashes.
    HashToken { token: String },
    /// Deletes each site's data past the retention of its published policy (what the server
    /// also does every hour), prints what it deleted, and exits; without --once it keeps
    /// running, once an hour, serving nothing.
    Retention {
        /// Run once and exit.
        #[arg(long)]
        once: bool,
    },
}

impl Config {
    pub fn tombstone_retention_ms(&self) -> i64 {
        i64::from(self.tombstone_days) * 24 * 60 * 60 * 1000
    }

    /// The defaults, serving `www`: what tests start from.
    pub fn for_www(www: impl Into<PathBuf>) -> Config {
        Config {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            www: www.into(),
            data_dir: PathBuf::from(".data"),
            csp: DEFAULT_CSP.to_owned(),
            config: None,
            log_format: "text".to_owned(),
            database_url: None,
            staff_token_hashes: Vec::new(),
            privacy_token_hashes: Vec::new(),
            marketer_token_hashes: Vec::new(),
            metrics_token_hashes: Vec::new(),
            tombstone_days: 30,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            allowed_origins: Vec::new(),
            documents: None,
            region_header: None,
            command: None,
        }
    }
}

/// A duration in seconds (fractions allowed), more than zero and at most a day.
fn seconds(text: &str) -> Result<Duration, String> {
    let value: f64 =
        text.trim().parse().map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if !(value > 0.0 && value <= 86_400.0) {
        return Err(format!("{text} seconds is out of range: give more than 0 and at most 86400"));
    }
    Ok(Duration::from_secs_f64(value))
}

/// Why a settings file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read the settings file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}:{line}: expected VARIABLE=value, got {text:?}")]
    Syntax { path: String, line: usize, text: String },
    #[error("{path}:{line}: {name} is not a Concierge setting (they start with CONCIERGE_, or DATABASE_URL, RUST_LOG)")]
    Unknown { path: String, line: usize, name: String },
}

/// Reads a settings file into (variable, value) pairs, refusing lines it does not understand.
pub fn read_settings_file(path: &std::path::Path) -> Result<Vec<(String, String)>, FileError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|source| FileError::Read { path: shown.clone(), source })?;
    let mut settings = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            return Err(FileError::Syntax { path: shown, line: index + 1, text: line.to_owned() });
        };
        let name = name.trim();
        if !(name.starts_with("CONCIERGE_") || name == "DATABASE_URL" || name == "RUST_LOG") {
            return Err(FileError::Unknown { path: shown, line: index + 1, name: name.to_owned() });
        }
        let value = value.trim().trim_matches('"');
        settings.push((name.to_owned(), value.to_owned()));
    }
    Ok(settings)
}

/// The settings file named by `--config FILE`, `--config=FILE` or `CONCIERGE_CONFIG`, if any.
pub fn settings_file_argument(args: &[String]) -> Option<PathBuf> {
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--config" {
            return iter.next().map(PathBuf::from);
        }
        if let Some(path) = arg.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os("CONCIERGE_CONFIG").map(PathBuf::from)
}
