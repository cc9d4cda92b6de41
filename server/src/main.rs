//! `concierge-server`: parses the configuration, then serves until told to stop.

use clap::Parser;
use concierge_server::{bind, serve, Config};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    if let Some(concierge_server::config::Command::HashToken { token }) = &config.command {
        println!("{}", concierge_server::db::sha256_hex(token));
        return ExitCode::SUCCESS;
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    let listener = match bind(&config).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("concierge-server: {error}");
            return ExitCode::FAILURE;
        }
    };
    let address = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    println!("Concierge demo running at http://{address}/");
    tracing::info!(%address, www = %config.www.display(), "listening");
    match serve(listener, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("concierge-server: {error}");
            ExitCode::FAILURE
        }
    }
}
