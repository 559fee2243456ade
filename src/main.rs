//! The local tool: `serve` (the default) and `import`.

use clap::{Parser, Subcommand};
use rc_integrations::config::{StoreSettings, TableNames};
use rc_integrations::cors::{self, CorsPolicy};
use rc_integrations::import::{self, import_dir, ImportOptions};
use rc_integrations::local::demo::DemoDir;
use rc_integrations::local::{self, tables};
use rc_integrations::store::Endpoint;
use rc_integrations::{http, telemetry};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Logs go to stderr, results (what was loaded, an import's summary) to stdout.
#[derive(Parser)]
#[command(version, about = "Rocket.Chat channels.getIntegrations over DynamoDB, locally")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the endpoint on 127.0.0.1, on the embedded emulator (loaded with the demo
    /// export or --data) unless AWS_ENDPOINT_URL_DYNAMODB names another endpoint,
    /// whose tables are then served as they are.
    Serve {
        #[arg(long, default_value_t = 3000)]
        port: u16,
        /// A Rocket.Chat export directory to load (embedded emulator: default the
        /// demo export; another endpoint: nothing is loaded unless this is given).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Port of the embedded DynamoDB emulator, for other tools to share it
        /// (default: any free port).
        #[arg(long, default_value_t = 0)]
        dynamodb_port: u16,
    },
    /// Load a Rocket.Chat export directory into the tables at the configured endpoint.
    Import {
        dir: PathBuf,
        /// Create the tables (from template.yaml) when missing.
        #[arg(long)]
        create_tables: bool,
        /// Keep items the export no longer has. By default the tables mirror the
        /// export: a stale copy (an integration's old room with its old token, a
        /// removed user's sessions) would go on being served.
        #[arg(long)]
        keep_stale: bool,
        /// Mirror the export (the default; kept for scripts that pass it).
        #[arg(long, conflicts_with = "keep_stale", hide = true)]
        prune: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init_pretty();
    let command = Cli::parse().command.unwrap_or(Command::Serve { port: 3000, data: None, dynamodb_port: 0 });
    let result = match command {
        Command::Serve { port, data, dynamodb_port } => serve(port, data.as_deref(), dynamodb_port).await,
        Command::Import { dir, create_tables, keep_stale, prune: _ } => {
            import(&dir, create_tables, !keep_stale).await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// On the embedded emulator: tables from template.yaml, loaded with `--data` or the
/// demo export. Against an endpoint named by `AWS_ENDPOINT_URL_DYNAMODB` (real tables,
/// maybe someone's production data): served as they are, written only with `--data`.
async fn serve(port: u16, data: Option<&Path>, dynamodb_port: u16) -> Result<(), String> {
    // Settings first: a malformed one stops the start before anything is loaded.
    let cors = CorsPolicy::from_env().map_err(|e| e.to_string())?;
    let tables = TableNames::from_env();
    let demo;
    let (endpoint, load) = match local::configured_endpoint() {
        Some(endpoint) => (endpoint, data),
        None => {
            let url = local::start_emulator(dynamodb_port).await.map_err(|e| e.to_string())?;
            println!("DynamoDB endpoint (embedded emulator): {url}");
            let dir = match data {
                Some(dir) => dir,
                None => {
                    demo = DemoDir::write().map_err(|e| format!("writing the demo export: {e}"))?;
                    demo.path()
                }
            };
            (Endpoint::Local(url), Some(dir))
        }
    };
    let client = local::client(&endpoint).await;
    match load {
        Some(dir) => {
            let created = tables::create_missing(&client, &tables).await.map_err(|e| e.to_string())?;
            if !created.is_empty() {
                println!("tables created: {}", created.join(", "));
            }
            let summary = import_dir(&client, &tables, dir, ImportOptions::from_env())
                .await
                .map_err(|e| e.to_string())?;
            let what = if data.is_some() { dir.display().to_string() } else { "the demo export".into() };
            println!("loaded {what} into the tables:\n{summary}");
        }
        None => {
            println!("serving the existing tables as they are (nothing written; --data DIR loads an export)")
        }
    }
    let service = local::service(client, tables).await;
    if cors.is_on() {
        tracing::info!("CORS ({}): {cors}", cors::VARIABLE);
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    local::serve(http::router_with_cors(service, &cors), addr).await.map_err(|e| e.to_string())
}

async fn import(dir: &Path, create_tables: bool, prune: bool) -> Result<(), String> {
    let options = ImportOptions { prune, ..ImportOptions::from_env() };
    // The files first: a bad export stops here, before any client or table exists.
    let checked = import::check_dir(dir, options).await.map_err(|e| e.to_string())?;
    let endpoint = local::configured_endpoint().unwrap_or(Endpoint::Aws);
    let tables = TableNames::from_env();
    // Bulk writes get a longer budget than a request does.
    let settings =
        StoreSettings { request_budget: Duration::from_secs(60), max_attempts: 8, ..Default::default() };
    let client = rc_integrations::store::build_client(&endpoint, &settings).await;
    if create_tables {
        let created = tables::create_missing(&client, &tables).await.map_err(|e| e.to_string())?;
        println!("tables created: {}", if created.is_empty() { "none".into() } else { created.join(", ") });
    }
    let summary = checked.write(&client, &tables).await.map_err(|e| e.to_string())?;
    println!("imported {}:\n{summary}", dir.display());
    Ok(())
}
