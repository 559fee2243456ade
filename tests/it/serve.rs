//! `serve`, the real binary: on the embedded emulator it loads the demo export; against
//! an endpoint named by `AWS_ENDPOINT_URL_DYNAMODB` it serves the tables as they are
//! and writes only when given `--data`.

use crate::support::*;
use rc_integrations::config::TABLES;
use rc_integrations::local::tables;
use rc_integrations::store::build_client;
use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The server process; killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rc-integrations"))
}

/// `serve` against the test endpoint, on the tables of `h`, with extra arguments.
fn serve(h: &Harness, args: &[&str]) -> Server {
    let mut command = binary();
    command
        .args(["serve", "--port", "0"])
        .args(args)
        .env("AWS_ENDPOINT_URL_DYNAMODB", endpoint_url())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        // The emulator is shared with the whole suite: a busy moment must not be a 503.
        .env("DYNAMODB_TIMEOUT_MS", "30000")
        .env_remove("AWS_PROFILE");
    for ((_, variable, _), name) in TABLES.iter().zip(h.tables.all()) {
        command.env(variable, name);
    }
    start(command)
}

/// Starts a `serve` command (with `--port 0`: the system picks a free port, and the
/// server says which in its log) and waits until it listens.
fn start(mut command: Command) -> Server {
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("start serve");
    let (tx, rx) = std::sync::mpsc::channel();
    for output in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        // Reads the log to its end, so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(output).lines().map_while(Result::ok) {
                if let Some(port) = serving_port(&line) {
                    let _ = tx.send(port);
                }
            }
        });
    }
    let port = rx.recv_timeout(Duration::from_secs(60)).expect("serve did not say where it listens");
    Server { child, port }
}

/// The port of the log line `serving http://127.0.0.1:PORT/…`.
fn serving_port(line: &str) -> Option<u16> {
    let after = line.split_once("serving http://127.0.0.1:")?.1;
    after.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// The status of a request as the demo admin, or `None` while nothing listens.
fn get(server: &Server, query: &str) -> Option<u16> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).ok()?;
    let request = format!(
        "GET /api/v1/channels.getIntegrations?{query} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {ADMIN_TOKEN}\r\n\
         X-User-Id: {ADMIN_ID}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.get(9..12)?.parse().ok()
}

async fn item_count(h: &Harness) -> usize {
    let mut count = 0;
    for table in h.tables.all() {
        let scan = h.client.scan().table_name(table).send().await.expect("scan");
        count += scan.items.unwrap_or_default().len();
    }
    count
}

/// Fresh, empty tables at the test endpoint.
async fn empty_tables() -> Harness {
    let client = build_client(&endpoint(), &test_store_settings()).await;
    let tables = fresh_tables();
    tables::create_missing(&client, &tables).await.expect("create tables");
    let router = axum::Router::new();
    Harness { router, client, tables, summary: Default::default() }
}

#[tokio::test(flavor = "multi_thread")]
async fn against_an_external_endpoint_nothing_is_written_without_data() {
    let h = empty_tables().await;
    let server = serve(&h, &[]);
    assert_eq!(get(&server, &format!("roomId={GENERAL}")), Some(401), "the demo admin was planted");
    assert_eq!(item_count(&h).await, 0, "serve wrote to tables it was only asked to serve");
}

#[tokio::test(flavor = "multi_thread")]
async fn against_an_external_endpoint_data_is_loaded_when_asked() {
    let h = empty_tables().await;
    let demo = Path::new(DEMO).to_str().unwrap();
    let server = serve(&h, &["--data", demo]);
    assert_eq!(get(&server, &format!("roomId={GENERAL}")), Some(200));
    assert!(item_count(&h).await > 0);
}

#[test]
fn the_binary_tells_its_version() {
    let output = binary().arg("--version").output().expect("run --version");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("rc-integrations {}", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn on_the_embedded_emulator_the_demo_comes_from_inside_the_binary() {
    let elsewhere = tempfile::tempdir().unwrap();
    let mut command = binary();
    command
        .args(["serve", "--port", "0"])
        .current_dir(elsewhere.path())
        .env_remove("AWS_ENDPOINT_URL_DYNAMODB")
        .env("DYNAMODB_TIMEOUT_MS", "30000");
    let server = start(command);
    assert_eq!(get(&server, &format!("roomId={GENERAL}")), Some(200));
}

/// Mistakes a newcomer makes are said before anything starts: a `--data` directory that
/// does not exist, and a port already taken (named).
#[test]
fn a_missing_data_directory_and_a_taken_port_are_named() {
    let output = binary().args(["serve", "--data", "/nonexistent/export"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("--data /nonexistent/export: no such directory"), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing started: {}", String::from_utf8_lossy(&output.stdout));

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let output = binary().args(["serve", "--port", &port.to_string()]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains(&format!("127.0.0.1:{port}")) && stderr.contains("another --port?"), "{stderr}");
}
