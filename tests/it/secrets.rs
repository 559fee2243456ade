//! Secrets: the 401 tells nothing about why it was given, and the logs of a run of
//! valid, invalid, expired and misplaced tokens carry the request's id, status and
//! user id but never a token, in clear or (at the production level) hashed.

use crate::support::*;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Request};
use http_body_util::BodyExt;
use rc_integrations::auth::hash_token;
use rc_integrations::http;
use rc_integrations::model::TokenRecord;
use rc_integrations::store::items;
use serde_json::{json, Value as Json};
use std::io::Write;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;
use tracing_subscriber::fmt::MakeWriter;

// Every clear token below contains this marker, so one search finds any of them.
const MARK: &str = "CANARY";
const VALID: &str = "CANARY-valid-7Qx2v9LmR4";
const INVALID: &str = "CANARY-never-issued-Zk48pRw1";
const EXPIRED: &str = "CANARY-expired-Wb51nTq8";
const OTHER: &str = "CANARY-belongs-to-guest-Hy63sE";
const INACTIVE: &str = "CANARY-inactive-Ld27cPo5";
const ORPHAN: &str = "CANARY-orphan-Vn90fGk3";

const ADMIN: &str = "secretsAdmin00001";
const GUEST: &str = "secretsGuest00001";
const INACTIVE_USER: &str = "secretsGone000001";
const ROOM: &str = "secretsRoom000001";

/// A log sink shared by the subscriber and the test.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Sink {
    type Writer = Sink;

    fn make_writer(&'a self) -> Sink {
        self.clone()
    }
}

impl Sink {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).expect("logs are UTF-8")
    }

    /// Every line, parsed: the production format is one JSON object per line.
    fn lines(&self) -> Vec<Json> {
        let text = self.text();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON log line ({e}): {l}")))
            .collect()
    }

    /// The one-per-request lines of `http::log_request`.
    fn request_lines(&self) -> Vec<Json> {
        self.lines().into_iter().filter(|l| l["fields"]["message"] == "request").collect()
    }

    fn clear(&self) {
        self.0.lock().unwrap().clear();
    }
}

/// JSON lines at every level (the SDK's and hyper's trace output included) into a
/// fresh sink, as the process's one subscriber: a test that captures runs alone in a
/// process of its own ([`alone`]). A subscriber per thread, beside other tests'
/// threads, lost request lines under load: tracing caches per log statement whether it
/// is enabled, across threads, and another thread's answer could be "off".
fn capture() -> Sink {
    let sink = Sink::default();
    // Everything but the embedded emulator's own lines (it logs the DynamoDB requests
    // it serves, as DynamoDB's side would): it is not part of the service.
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace,dynoxide=off"))
        .with_writer(sink.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber of this process");
    sink
}

/// Whether the calling test is to run its body here: in the child process this
/// starts (this test binary, that test alone), yes; in the parent, no — it waits for
/// the child and fails with its output if the test failed there (or did not run).
fn alone(test: &str) -> bool {
    const VARIABLE: &str = "RC_INTEGRATIONS_TEST_ALONE";
    if std::env::var(VARIABLE).as_deref() == Ok(test) {
        return true;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--test-threads=1", "--nocapture"])
        .env(VARIABLE, test)
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success() && stdout.contains("1 passed"), "{test} alone:\n{stdout}\n{stderr}");
    false
}

/// Users with tokens for every outcome; tokens the importer would not write (expired,
/// of a user that does not exist) are put straight into the table.
async fn world() -> Harness {
    let mut e = Export::default();
    e.user(ADMIN, &["admin"], VALID).user(GUEST, &["user"], OTHER).room(ROOM, "vault", "c").integration(
        "secretsIntegr0001",
        "webhook-outgoing",
        json!(["#vault"]),
        Some(ADMIN),
    );
    e.users.push(json!({"_id": INACTIVE_USER, "username": "gone", "active": false, "roles": ["admin"],
        "services": {"resume": {"loginTokens": [{"type": "personalAccessToken", "hashedToken": hash_token(INACTIVE)}]}}}));
    let h = Harness::export(&e).await;
    let record = |user: &str, expires_at| TokenRecord { user_id: user.into(), expires_at };
    let tokens = vec![
        items::token_item(&hash_token(EXPIRED), &record(ADMIN, Some(1_000)), "login"),
        items::token_item(&hash_token(ORPHAN), &record("secretsNobody0001", None), "personalAccessToken"),
    ];
    put_items(&h, &h.tables.tokens, tokens).await;
    h
}

/// Request headers as raw bytes (some tests send non-UTF-8 values).
type Headers<'a> = Vec<(&'static str, &'a [u8])>;

struct Raw {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

async fn send(router: &axum::Router, method: &str, uri: &str, headers: &[(&str, &[u8])]) -> Raw {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, HeaderValue::from_bytes(value).unwrap());
    }
    let response = router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    Raw { status, headers, body }
}

fn creds<'a>(token: &'a str, user: &'a str) -> [(&'static str, &'a [u8]); 2] {
    [("X-Auth-Token", token.as_bytes()), ("X-User-Id", user.as_bytes())]
}

/// A log line without what legitimately differs between requests.
fn shape(line: &Json) -> Json {
    let mut line = line.clone();
    if let Some(fields) = line["fields"].as_object_mut() {
        for varying in ["request_id", "latency_ms", "user_id"] {
            fields.remove(varying);
        }
    }
    if let Some(object) = line.as_object_mut() {
        object.remove("timestamp");
    }
    line
}

fn is_ours(line: &Json) -> bool {
    line["target"].as_str().is_some_and(|t| t.starts_with("rc_integrations"))
}

fn at_least_info(line: &Json) -> bool {
    matches!(line["level"].as_str(), Some("INFO" | "WARN" | "ERROR"))
}

#[tokio::test]
async fn the_401_is_byte_identical_for_every_cause_and_so_is_its_log_line() {
    if !alone("secrets::the_401_is_byte_identical_for_every_cause_and_so_is_its_log_line") {
        return;
    }
    let h = world().await;
    let sink = capture();
    let path = format!("{}?roomId={ROOM}", http::PATH);
    let long_id = "u".repeat(2000);
    let causes: Vec<(&str, Headers)> = vec![
        ("no headers", vec![]),
        ("token only", vec![("X-Auth-Token", VALID.as_bytes())]),
        ("user id only", vec![("X-User-Id", ADMIN.as_bytes())]),
        ("empty token", creds("", ADMIN).to_vec()),
        ("empty user id", creds(VALID, "").to_vec()),
        ("token never issued", creds(INVALID, ADMIN).to_vec()),
        ("another user's token", creds(OTHER, ADMIN).to_vec()),
        ("expired token", creds(EXPIRED, ADMIN).to_vec()),
        ("token of a missing user", creds(ORPHAN, "secretsNobody0001").to_vec()),
        ("inactive user", creds(INACTIVE, INACTIVE_USER).to_vec()),
        ("unknown user id", creds(VALID, "secretsUnknown001").to_vec()),
        ("oversized user id", creds(VALID, &long_id).to_vec()),
        ("non-UTF-8 token", vec![("X-Auth-Token", b"\xFF\xFE"), ("X-User-Id", ADMIN.as_bytes())]),
        ("non-UTF-8 user id", vec![("X-Auth-Token", VALID.as_bytes()), ("X-User-Id", b"\xFF")]),
    ];
    let mut first: Option<(&str, Raw)> = None;
    let mut log_shapes = Vec::new();
    for (cause, headers) in &causes {
        sink.clear();
        let reply = send(&h.router, "GET", &path, headers).await;
        assert_eq!(reply.status, 401, "{cause}");
        // At the production level, only the one request line comes from our code,
        // whatever the cause. (Debug lines, such as the read cost, exist only when
        // the store was consulted; they are not on in production.)
        let ours: Vec<Json> = sink.lines().into_iter().filter(|l| is_ours(l) && at_least_info(l)).collect();
        assert_eq!(ours.len(), 1, "{cause}: {ours:?}");
        log_shapes.push((cause, shape(&ours[0])));
        match &first {
            None => first = Some((cause, reply)),
            Some((first_cause, expected)) => {
                assert_eq!(reply.headers, expected.headers, "{cause} vs {first_cause}: headers differ");
                assert_eq!(reply.body, expected.body, "{cause} vs {first_cause}: bodies differ");
            }
        }
    }
    let (_, reference) = first.unwrap();
    assert_eq!(String::from_utf8(reference.body).unwrap(), UNAUTHORIZED);
    let (_, expected_shape) = &log_shapes[0];
    assert_eq!(expected_shape["fields"]["status"], 401);
    for (cause, shape) in &log_shapes {
        assert_eq!(shape, expected_shape, "{cause}: the log line tells the cause apart");
    }
    // The control: the same request with valid credentials succeeds.
    assert_eq!(send(&h.router, "GET", &path, &creds(VALID, ADMIN)).await.status, 200);
}

/// A router over a DynamoDB endpoint that refuses connections: every request that
/// reaches the store is a 503 (and logs the SDK's error).

#[tokio::test]
async fn logs_name_each_request_but_never_carry_a_token() {
    if !alone("secrets::logs_name_each_request_but_never_carry_a_token") {
        return;
    }
    let h = world().await;
    let unreachable = Unreachable::Refused.harness().await;
    let broken = &unreachable.harness.router;
    let sink = capture();
    let endpoint = |query: &str| format!("{}?{query}", http::PATH);
    let room = format!("roomId={ROOM}");
    let long_id = "u".repeat(2000);
    // (router, method, uri, headers, expected status, user id the log names: the
    // caller's once authenticated, else none, whatever the status)
    let mut runs: Vec<(&axum::Router, &str, String, Headers, u16, String)> = vec![
        (&h.router, "GET", endpoint(&room), creds(VALID, ADMIN).to_vec(), 200, ADMIN.into()),
        (&h.router, "GET", endpoint(&room), creds(INVALID, ADMIN).to_vec(), 401, String::new()),
        (&h.router, "GET", endpoint(&room), creds(EXPIRED, ADMIN).to_vec(), 401, String::new()),
        (&h.router, "GET", endpoint(&room), creds(OTHER, ADMIN).to_vec(), 401, String::new()),
        (&h.router, "GET", endpoint(&room), creds(INACTIVE, INACTIVE_USER).to_vec(), 401, String::new()),
        (&h.router, "GET", endpoint(&room), creds(ORPHAN, "secretsNobody0001").to_vec(), 401, String::new()),
        (&h.router, "GET", endpoint(&room), vec![("X-Auth-Token", VALID.as_bytes())], 401, String::new()),
        (&h.router, "GET", endpoint(&room), creds(VALID, &long_id).to_vec(), 401, String::new()),
        // Headers swapped: the token sits in X-User-Id, and must not reach the log.
        (&h.router, "GET", endpoint(&room), creds(ADMIN, VALID).to_vec(), 401, String::new()),
        (&h.router, "GET", endpoint(&room), creds(OTHER, GUEST).to_vec(), 403, GUEST.into()),
        (&h.router, "GET", endpoint("roomId=nowhere"), creds(VALID, ADMIN).to_vec(), 400, ADMIN.into()),
        // A token where it does not belong: in the query, in a parameter the error quotes.
        (&h.router, "GET", endpoint(&format!("{room}&X-Auth-Token={VALID}")), vec![], 401, String::new()),
        (
            &h.router,
            "GET",
            endpoint(&format!("{room}&sort={VALID}")),
            creds(VALID, ADMIN).to_vec(),
            400,
            ADMIN.into(),
        ),
        (&h.router, "HEAD", endpoint(&room), creds(VALID, ADMIN).to_vec(), 200, ADMIN.into()),
        (&h.router, "POST", endpoint(&room), creds(VALID, ADMIN).to_vec(), 405, String::new()),
        (&h.router, "POST", endpoint(&room), creds(ADMIN, VALID).to_vec(), 405, String::new()),
        (&h.router, "GET", "/api/v1/me".into(), creds(VALID, ADMIN).to_vec(), 404, String::new()),
        (&h.router, "GET", "/api/v1/me".into(), creds(ADMIN, VALID).to_vec(), 404, String::new()),
        // DynamoDB unreachable: nobody was authenticated, so no id is logged, not even
        // a token sent by mistake in X-User-Id.
        (broken, "GET", endpoint(&room), creds(VALID, ADMIN).to_vec(), 503, String::new()),
        (broken, "GET", endpoint(&room), creds(ADMIN, VALID).to_vec(), 503, String::new()),
    ];
    // The credentials may also arrive under other header spellings.
    runs.push((
        &h.router,
        "GET",
        endpoint(&room),
        vec![("x-auth-token", VALID.as_bytes()), ("X-USER-ID", ADMIN.as_bytes())],
        200,
        ADMIN.into(),
    ));
    for (router, method, uri, headers, status, _) in &runs {
        let reply = send(router, method, uri, headers).await;
        assert_eq!(reply.status, *status, "{method} {uri}");
    }

    let text = sink.text();
    let lines = sink.lines();
    // Logging is on and reached the sink: the SDK's own trace lines and ours.
    assert!(lines.iter().any(|l| !is_ours(l)), "no library log lines captured");
    // No clear token, anywhere, at any level.
    let leaks: Vec<&str> = text.lines().filter(|l| l.contains(MARK)).take(3).collect();
    assert!(leaks.is_empty(), "a clear token reached the logs: {leaks:#?}");
    for token in [VALID, INVALID, EXPIRED, OTHER, INACTIVE, ORPHAN] {
        assert!(!text.contains(token), "{token} reached the logs");
    }
    // At the production level (info and above), not even a token's hash.
    let production: String = lines.iter().filter(|l| at_least_info(l)).map(|l| format!("{l}\n")).collect();
    for token in [VALID, INVALID, EXPIRED, OTHER, INACTIVE, ORPHAN] {
        assert!(!production.contains(&hash_token(token)), "the hash of {token} was logged at info or above");
    }
    // Nor any header but the user id.
    assert!(!production.contains("x-auth-token") && !production.contains("X-Auth-Token"), "{production}");

    // One line per request, in order, with its id, status, latency and user id.
    let requests = sink.request_lines();
    assert_eq!(requests.len(), runs.len(), "{requests:#?}");
    let mut ids = std::collections::HashSet::new();
    for (line, (_, method, uri, _, status, user)) in requests.iter().zip(&runs) {
        let fields = &line["fields"];
        assert_eq!(line["level"], "INFO", "{method} {uri}: {line}");
        let id =
            fields["request_id"].as_str().unwrap_or_else(|| panic!("{method} {uri}: no request_id: {line}"));
        assert!(ids.insert(id.to_owned()), "request id {id} used twice");
        assert_eq!(fields["status"], *status, "{method} {uri}: {line}");
        assert!(fields["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{method} {uri}: {line}");
        // Before authentication the claimed id may be anything, a misplaced token included.
        assert_eq!(fields["user_id"], user.as_str(), "{method} {uri}: {line}");
        let keys: Vec<&str> = fields.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["message", "request_id", "status", "latency_ms", "user_id"], "{line}");
    }
    // The 503's cause is logged for operators (but, as checked above, no secret).
    assert!(
        lines
            .iter()
            .any(|l| is_ours(l) && l["level"] == "WARN" && l["fields"]["message"] == "store unavailable"),
        "the store failure was not logged"
    );
}
