//! Server configuration: command-line flags, each with an environment variable and a default.

use clap::Parser;
use std::net::IpAddr;
use std::path::PathBuf;

/// The Content-Security-Policy the demo pages are served with: nothing beyond
/// 'wasm-unsafe-eval' is needed by the agent.
pub const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
    base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Concierge backend: serves the shop's pages and the agent, ingests events, and gives staff the live cart.
#[derive(Clone, Debug, Parser)]
#[command(name = "concierge-server", version, about, long_about = None)]
pub struct Config {
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

    /// Shop origins allowed to call the API from the browser (CORS), comma-separated.
    #[arg(long, env = "CONCIERGE_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Clone, Debug, clap::Subcommand)]
pub enum Command {
    /// Prints the SHA-256 of a token, for --staff-token-hashes and --privacy-token-hashes.
    HashToken { token: String },
}

impl Config {
    /// The defaults, serving `www`: what tests start from.
    pub fn for_www(www: impl Into<PathBuf>) -> Config {
        Config {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            www: www.into(),
            data_dir: PathBuf::from(".data"),
            csp: DEFAULT_CSP.to_owned(),
            database_url: None,
            staff_token_hashes: Vec::new(),
            privacy_token_hashes: Vec::new(),
            allowed_origins: Vec::new(),
            command: None,
        }
    }
}
