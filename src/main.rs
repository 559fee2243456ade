//! The local tool: `serve` (the default), `import` and `sync`.

use clap::{Parser, Subcommand};
use rc_integrations::config::{StoreSettings, TableNames};
use rc_integrations::cors::{self, CorsPolicy};
use rc_integrations::import::{self, import_dir, ImportOptions};
use rc_integrations::local::demo::DemoDir;
use rc_integrations::local::{self, tables};
use rc_integrations::store::Endpoint;
use rc_integrations::sync::{Applier, Version};
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
        /// (default: any free port), on 127.0.0.1.
        #[arg(long, default_value_t = 0)]
        dynamodb_port: u16,
        /// Address and port the embedded emulator listens on instead, for tools that
        /// cannot reach loopback (a `sam local` function runs in a container: e.g. the
        /// docker0 address 172.17.0.1:8000). It has no authentication: whoever reaches
        /// the address reads and writes every table.
        #[arg(long, conflicts_with = "dynamodb_port")]
        dynamodb_listen: Option<SocketAddr>,
    },
    /// Load a Rocket.Chat export directory into the tables at the configured endpoint.
    Import {
        dir: PathBuf,
        /// Create the tables (from template.yaml) when missing.
        #[arg(long)]
        create_tables: bool,
        /// Keep the documents the export no longer has. By default they are deleted
        /// (a removed user's sessions, a deleted integration and its token would
        /// otherwise go on being served); what sync wrote after the export is kept.
        #[arg(long)]
        keep_stale: bool,
        /// Mirror the export (the default; kept for scripts that pass it).
        #[arg(long, conflicts_with = "keep_stale", hide = true)]
        prune: bool,
        /// Also empty the collections whose file is absent from the export (by
        /// default they are left as they are, and the summary names them).
        #[arg(long, conflicts_with = "keep_stale")]
        prune_missing: bool,
        /// Allow a prune that deletes more documents of a collection than the export has.
        #[arg(long)]
        allow_large_prune: bool,
        /// When the export was taken (RFC 3339, or epoch milliseconds): every document
        /// is written at this version, so sync's later changes win and older ones are
        /// stale. Default: the oldest modification time of the export's files.
        #[arg(long, value_parser = parse_time)]
        as_of: Option<u64>,
        /// Take the import lock even though another import holds it (one that was killed).
        #[arg(long)]
        break_lock: bool,
    },
    /// Apply Rocket.Chat change events (MongoDB change events or Debezium records, one
    /// JSON object per line) to the tables at the configured endpoint. Prints the
    /// counts on stdout and each failed line as FILE:LINE: why on stderr; exits 1
    /// when any line failed.
    Sync {
        /// The file to read, or - (the default) for standard input.
        #[arg(default_value = "-")]
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    rc_integrations::store::forget_empty_endpoint_variables();
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(run()),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> ExitCode {
    telemetry::init_pretty();
    let command = Cli::parse().command.unwrap_or(Command::Serve {
        port: 3000,
        data: None,
        dynamodb_port: 0,
        dynamodb_listen: None,
    });
    let result = match command {
        Command::Serve { port, data, dynamodb_port, dynamodb_listen } => {
            let emulator = dynamodb_listen.unwrap_or(SocketAddr::from((Ipv4Addr::LOCALHOST, dynamodb_port)));
            serve(port, data.as_deref(), emulator).await
        }
        Command::Import {
            dir,
            create_tables,
            keep_stale,
            prune: _,
            prune_missing,
            allow_large_prune,
            as_of,
            break_lock,
        } => {
            let mut options = ImportOptions {
                prune: !keep_stale,
                prune_missing,
                allow_large_prune,
                break_lock,
                ..ImportOptions::from_env()
            };
            options.as_of = Version::new(as_of.unwrap_or_else(|| export_time(&dir)), 0);
            import(&dir, create_tables, options).await
        }
        Command::Sync { file } => sync(&file).await,
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
async fn serve(port: u16, data: Option<&Path>, emulator: SocketAddr) -> Result<(), String> {
    // Settings first: a malformed one stops the start before anything is loaded.
    let cors = CorsPolicy::from_env().map_err(|e| e.to_string())?;
    if let Some(dir) = data.filter(|dir| !dir.is_dir()) {
        return Err(format!("--data {}: no such directory", dir.display()));
    }
    let tables = TableNames::from_env();
    let demo;
    let (endpoint, load) = match local::configured_endpoint() {
        Some(endpoint) => (endpoint, data),
        None => {
            let url = local::start_emulator_on(emulator).await.map_err(|e| e.to_string())?;
            println!("DynamoDB endpoint (embedded emulator): {url}");
            if !emulator.ip().is_loopback() {
                tracing::warn!("the emulator listens on {emulator}, with no authentication: whoever reaches it reads and writes every table");
            }
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
            // The demo is as of the beginning of time: any change event is newer.
            let as_of = if data.is_some() { Version::new(export_time(dir), 0) } else { Version(0) };
            let options = ImportOptions { as_of, ..ImportOptions::from_env() };
            let summary = import_dir(&client, &tables, dir, options).await.map_err(|e| e.to_string())?;
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
    local::serve(http::router_with_cors(service, &cors), &cors, addr).await.map_err(|e| e.to_string())
}

async fn import(dir: &Path, create_tables: bool, options: ImportOptions) -> Result<(), String> {
    // The files first: a bad export stops here, before any client or table exists.
    let checked = import::check_dir(dir, options).await.map_err(|e| e.to_string())?;
    let tables = TableNames::from_env();
    let client = bulk_client().await;
    if create_tables {
        let created = tables::create_missing(&client, &tables).await.map_err(|e| e.to_string())?;
        println!("tables created: {}", if created.is_empty() { "none".into() } else { created.join(", ") });
    }
    let summary = checked.write(&client, &tables).await.map_err(|e| e.to_string())?;
    println!("imported {}:\n{summary}", dir.display());
    Ok(())
}

/// A client for bulk writes, at the configured endpoint: a longer budget than a request's.
async fn bulk_client() -> aws_sdk_dynamodb::Client {
    let endpoint = local::configured_endpoint().unwrap_or(Endpoint::Aws);
    let settings =
        StoreSettings { request_budget: Duration::from_secs(60), max_attempts: 8, ..Default::default() };
    rc_integrations::store::build_client(&endpoint, &settings).await
}

async fn sync(file: &Path) -> Result<(), String> {
    let (label, input): (String, Box<dyn std::io::BufRead + Send>) = if file == Path::new("-") {
        ("-".into(), Box::new(std::io::BufReader::new(std::io::stdin())))
    } else {
        let opened = std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?;
        (file.display().to_string(), Box::new(std::io::BufReader::with_capacity(256 << 10, opened)))
    };
    let applier = Applier::from_env(bulk_client().await, TableNames::from_env());
    let tally = local::sync_lines::sync_lines(&applier, &label, input).await?;
    println!("{tally}");
    if tally.failed > 0 {
        return Err(format!("{} line(s) failed", tally.failed));
    }
    Ok(())
}

/// `--as-of`: RFC 3339 or epoch milliseconds.
fn parse_time(text: &str) -> Result<u64, String> {
    if let Ok(ms) = text.parse::<u64>() {
        return Ok(ms);
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis().max(0) as u64)
        .map_err(|e| format!("{e}: expected RFC 3339 (2026-12-01T09:00:00Z) or epoch milliseconds"))
}

/// When an export was taken, as far as its files tell: the oldest modification time
/// among them (mongoexport writes each file as it reads its collection).
fn export_time(dir: &Path) -> u64 {
    let times = rc_integrations::ingest::Collection::ALL.iter().filter_map(|c| {
        let modified = std::fs::metadata(dir.join(c.file())).ok()?.modified().ok()?;
        Some(modified.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis() as u64)
    });
    times.min().unwrap_or_else(|| chrono::Utc::now().timestamp_millis().max(0) as u64)
}
