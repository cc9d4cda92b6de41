//! `concierge-server`: parses the configuration, then serves until told to stop.

use clap::Parser;
use concierge_server::{app, bind, open_db, serve, Config};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    // The settings file fills in what neither a flag nor the environment set.
    let args: Vec<String> = std::env::args().collect();
    if let Some(path) = concierge_server::config::settings_file_argument(&args) {
        match concierge_server::config::read_settings_file(&path) {
            Ok(settings) => {
                for (name, value) in settings {
                    if std::env::var_os(&name).is_none() {
                        std::env::set_var(name, value);
                    }
                }
            }
            Err(error) => {
                eprintln!("concierge-server: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    let config = Config::parse();
    if let Some(concierge_server::config::Command::HashToken { token }) = &config.command {
        println!("{}", concierge_server::db::sha256_hex(token));
        return ExitCode::SUCCESS;
    }
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tower_http=warn".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if config.log_format == "json" {
        logs.json().init();
    } else {
        logs.init();
    }

    if let Some(concierge_server::config::Command::Retention { once }) = &config.command {
        return retention(&config, *once).await;
    }

    // Everything that can fail at start fails before the URL is announced.
    let router = match open_db(&config).await.and_then(|db| {
        let router = app(&config, db.clone())?;
        concierge_server::spawn_retention_job(&config, db);
        Ok(router)
    }) {
        Ok(router) => router,
        Err(error) => {
            eprintln!("concierge-server: {error}");
            return ExitCode::FAILURE;
        }
    };
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
    match serve(listener, router, &config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("concierge-server: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `concierge-server retention [--once]`: the policy retention without the web server.
async fn retention(config: &Config, once: bool) -> ExitCode {
    let db = match open_db(config).await {
        Ok(db) => db,
        Err(error) => {
            eprintln!("concierge-server: {error}");
            return ExitCode::FAILURE;
        }
    };
    if !once {
        concierge_server::spawn_retention_job(config, db).await.ok();
        return ExitCode::FAILURE;
    }
    match db.apply_retention(concierge_server::api::now_ms()).await {
        Ok(deleted) => {
            println!(
                "retention: deleted {} receipts, {} events, {} carts, {} intents, {} visitors",
                deleted.receipts, deleted.events, deleted.carts, deleted.intents, deleted.visitors
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("concierge-server: retention: {error}");
            ExitCode::FAILURE
        }
    }
}
