//! CORS in a real browser. Headless Chromium opens a page served from one local origin;
//! the page calls local servers on other origins with `fetch` and the two credential
//! headers, as a browser app would, and posts what it got back to its own server. With
//! CORS on for its origin (or `*`) the page reads the answers, errors included; off, or
//! on for other origins only, the browser refuses them (a `TypeError`) though the
//! server answers.
//!
//! Ignored by default: it needs Chromium (`apt-get install chromium`, or `CHROMIUM` naming
//! a binary). `.ci/run` installs it and runs this with `-- --ignored`.

use crate::support::*;
use axum::extract::State;
use axum::response::Html;
use axum::routing::{get, post};
use axum::{Json as JsonBody, Router};
use rc_integrations::cors::CorsPolicy;
use serde_json::{json, Value as Json};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::sync::mpsc;

/// Launch, page load, five calls and the report; Chromium starts in about a second.
const REPORT_WITHIN: Duration = Duration::from_secs(90);

/// The page: runs each case's `fetch`, then posts the outcomes to `/report`.
const PAGE: &str = r#"<!doctype html>
<meta charset="utf-8">
<title>cross-origin calls</title>
<script>
const cases = CASES;
async function attempt(c) {
  try {
    const response = await fetch(c.url, { headers: c.headers, signal: AbortSignal.timeout(20000) });
    return { name: c.name, status: response.status, body: await response.json() };
  } catch (error) {
    return { name: c.name, error: `${error.name}: ${error.message}` };
  }
}
(async () => {
  const outcomes = [];
  for (const c of cases) outcomes.push(await attempt(c));
  await fetch('/report', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(outcomes),
  });
})();
</script>
"#;

/// The browser: `CHROMIUM`, else the first of the usual names on `PATH`.
fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return path.into();
    }
    let names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| names.map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
        .expect("no Chromium: `apt-get install chromium`, or set CHROMIUM to a Chromium binary")
}

/// A headless Chromium with a throw-away profile, in a process group of its own; the
/// group (browser, zygote, renderers) is killed on drop, so a failing test leaves none.
struct Browser {
    child: tokio::process::Child,
    log: tempfile::NamedTempFile,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn open(url: &str) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let log = tempfile::NamedTempFile::new().unwrap();
        let child = tokio::process::Command::new(chromium())
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            .args(["--no-first-run", "--no-default-browser-check", "--disable-extensions"])
            .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(url)
            .stdin(Stdio::null())
            .stdout(log.as_file().try_clone().unwrap())
            .stderr(log.as_file().try_clone().unwrap())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("start Chromium");
        Browser { child, log, _profile: profile }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            // The group's id is the browser's pid (process_group(0)).
            let _ = std::process::Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).status();
        }
    }
}

/// The page's own server: `/` is the page, `/report` takes the outcomes.
async fn page_server(listener: tokio::net::TcpListener, page: String) -> mpsc::Receiver<Json> {
    let (tx, rx) = mpsc::channel(1);
    let app = Router::new()
        .route("/", get(move || async move { Html(page) }))
        .route(
            "/report",
            post(|State(tx): State<mpsc::Sender<Json>>, JsonBody(outcomes): JsonBody<Json>| async move {
                let _ = tx.send(outcomes).await;
            }),
        )
        .with_state(tx);
    tokio::spawn(async move { axum::serve(listener, app).await });
    rx
}

/// The status a non-browser client gets from `server` as the admin.
async fn status_outside_a_browser(server: SocketAddr) -> u16 {
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(server).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let request = format!(
            "GET {}?roomId={GENERAL} HTTP/1.1\r\nHost: {server}\r\nX-Auth-Token: {ADMIN_TOKEN}\r\n\
             X-User-Id: {ADMIN_ID}\r\nConnection: close\r\n\r\n",
            rc_integrations::http::PATH
        );
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs chromium; .ci/run runs it"]
async fn a_page_on_another_origin_reads_the_answers_only_where_cors_allows_it() {
    let h = Harness::demo().await;
    let expected = h.as_admin(&format!("roomId={GENERAL}")).await.body;
    assert_eq!(expected["success"], true, "{expected}");

    let page_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let page_origin = format!("http://{}", page_listener.local_addr().unwrap());
    let listed = CorsPolicy::parse(Some(&page_origin)).unwrap();
    let elsewhere = CorsPolicy::parse(Some("https://app.example")).unwrap();
    let servers = [
        ("listed", h.local_server_with_cors(&listed).await),
        ("any", h.local_server_with_cors(&CorsPolicy::AnyOrigin).await),
        ("unlisted", h.local_server_with_cors(&elsewhere).await),
        ("off", h.local_server().await),
    ];
    let url = |name: &str| {
        let (_, addr) = servers.iter().find(|(n, _)| *n == name).unwrap();
        format!("http://{addr}{}?roomId={GENERAL}", rc_integrations::http::PATH)
    };
    let admin = json!({"X-Auth-Token": ADMIN_TOKEN, "X-User-Id": ADMIN_ID});
    let cases = json!([
        {"name": "listed", "url": url("listed"), "headers": admin},
        {"name": "any", "url": url("any"), "headers": admin},
        {"name": "listed, bad token", "url": url("listed"),
         "headers": {"X-Auth-Token": "not-a-token", "X-User-Id": ADMIN_ID}},
        {"name": "unlisted", "url": url("unlisted"), "headers": admin},
        {"name": "off", "url": url("off"), "headers": admin},
    ]);
    let mut reports = page_server(page_listener, PAGE.replace("CASES", &cases.to_string())).await;

    let browser = Browser::open(&format!("{page_origin}/"));
    let outcomes = match tokio::time::timeout(REPORT_WITHIN, reports.recv()).await {
        Ok(Some(outcomes)) => outcomes,
        _ => {
            panic!("no report from the page within {REPORT_WITHIN:?}; Chromium's output:\n{}", browser.log())
        }
    };
    drop(browser);

    let outcome = |name: &str| {
        let all = outcomes.as_array().unwrap_or_else(|| panic!("not a list: {outcomes}"));
        all.iter().find(|o| o["name"] == name).unwrap_or_else(|| panic!("no {name:?} in {outcomes}")).clone()
    };
    for name in ["listed", "any"] {
        let got = outcome(name);
        assert_eq!(got["status"], 200, "{name}: {got}");
        assert_eq!(got["body"], expected, "{name}: the page reads the whole answer");
    }
    let refused_credentials = outcome("listed, bad token");
    assert_eq!(refused_credentials["status"], 401, "{refused_credentials}");
    assert_eq!(refused_credentials["body"], serde_json::from_str::<Json>(UNAUTHORIZED).unwrap());
    for name in ["unlisted", "off"] {
        let got = outcome(name);
        let error = got["error"].as_str().unwrap_or_else(|| panic!("{name}: the page read {got}"));
        assert!(error.starts_with("TypeError"), "{name}: {error}");
        // The server answers; it is the browser that keeps the answer from the page.
        let (_, addr) = servers.iter().find(|(n, _)| *n == name).unwrap();
        assert_eq!(status_outside_a_browser(*addr).await, 200, "{name}");
    }
}
