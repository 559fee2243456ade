//! The real `bootstrap` binary against a fake Lambda Runtime API: what it posts back
//! for sample events, a malformed event and a broken configuration. Only protocol
//! behaviour is asserted, never timings.
//!
//! `measure_cold_start` (ignored) is the driver behind `benches/cold_start.sh`.

use crate::support::fake_runtime_api::{self, Kind, Report};
use crate::support::*;
use rc_integrations::config::{TableNames, TABLES};
use rc_integrations::store::Endpoint;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

const INVOCATION: Duration = Duration::from_secs(60);

/// A function process; killed when dropped.
struct Function {
    child: tokio::process::Child,
    started: Instant,
    log: tempfile::NamedTempFile,
}

impl Function {
    /// Starts `program` with exactly `env` (nothing inherited), output to a log file.
    fn spawn(program: &Path, env: &BTreeMap<String, String>) -> Function {
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut command = tokio::process::Command::new(program);
        command
            .env_clear()
            .envs(env)
            .stdin(Stdio::null())
            // Duplicates of one handle share the file offset: lines interleave, never overwrite.
            .stdout(log.as_file().try_clone().unwrap())
            .stderr(log.as_file().try_clone().unwrap())
            .kill_on_drop(true);
        let started = Instant::now();
        let child = command.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        Function { child, started, log }
    }

    fn bootstrap(env: &BTreeMap<String, String>) -> Function {
        Self::spawn(Path::new(env!("CARGO_BIN_EXE_bootstrap")), env)
    }

    fn sync(env: &BTreeMap<String, String>) -> Function {
        Self::spawn(Path::new(env!("CARGO_BIN_EXE_sync")), env)
    }

    fn pid(&self) -> u32 {
        self.child.id().expect("the function is running")
    }

    /// What the function printed so far (its JSON log lines).
    fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    async fn exit_within(&mut self, timeout: Duration) -> ExitStatus {
        match tokio::time::timeout(timeout, self.child.wait()).await {
            Ok(status) => status.unwrap(),
            Err(_) => panic!("still running after {timeout:?}; log:\n{}", self.log()),
        }
    }

    /// CPU time the process's threads have run so far, in seconds, to the nanosecond:
    /// the sum of each thread's `schedstat` (`/proc/<pid>/stat` counts in 10 ms ticks,
    /// too coarse for a hello-world's fraction of a millisecond per invocation).
    /// A thread that exits takes its time with it, so measure across a stretch in
    /// which the function starts and ends no thread (a warm loop).
    fn cpu_seconds(&self) -> f64 {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", self.pid())).unwrap();
        let nanos: u64 = tasks
            .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok())
            .map(|line| line.split_whitespace().next().and_then(|ns| ns.parse::<u64>().ok()).unwrap_or(0))
            .sum();
        nanos as f64 / 1e9
    }

    /// Peak resident set size so far (`VmHWM`), in bytes.
    fn peak_rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM in /proc/<pid>/status");
        let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kib * 1024
    }
}

/// The environment Lambda gives the function, with tables in `tables` on the test endpoint.
fn function_env(api: SocketAddr, tables: &TableNames) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let mut set = |var: &str, value: &str| {
        env.insert(var.to_owned(), value.to_owned());
    };
    set("AWS_LAMBDA_RUNTIME_API", &api.to_string());
    set("AWS_LAMBDA_FUNCTION_NAME", "rc-integrations-test");
    set("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256");
    set("AWS_LAMBDA_FUNCTION_VERSION", "1");
    for (logical_id, var, _) in TABLES {
        set(var, tables.for_logical_id(logical_id).unwrap());
    }
    set("AWS_ENDPOINT_URL_DYNAMODB", &endpoint_url());
    // An external endpoint (DynamoDB Local) may partition data by key and region:
    // the function must use the suite's own. The embedded emulator takes anything.
    let external = matches!(endpoint(), Endpoint::Aws);
    for (var, dummy) in
        [("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"), ("AWS_REGION", "us-east-1")]
    {
        let own = std::env::var(var).ok().filter(|_| external);
        set(var, own.as_deref().unwrap_or(dummy));
    }
    set("AWS_EC2_METADATA_DISABLED", "true");
    if let Ok(level) = std::env::var("RUST_LOG") {
        set("RUST_LOG", &level);
    }
    env
}

fn event(file: &str) -> Json {
    let path = format!("{}/events/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The HTTP status and parsed body of a `/response` carrying an API Gateway-style response.
fn http_reply(report: &Report, function: &Function) -> (u64, Json) {
    assert_eq!(report.kind, Kind::Response, "{}\nlog:\n{}", report.text(), function.log());
    let response = report.json();
    let status = response["statusCode"].as_u64().unwrap_or_else(|| panic!("no statusCode: {response}"));
    assert_eq!(response["isBase64Encoded"], false, "{response}");
    let body = response["body"].as_str().unwrap_or_else(|| panic!("no text body: {response}"));
    (status, serde_json::from_str(body).unwrap())
}

#[tokio::test]
async fn sample_events_are_answered_on_the_response_endpoint() {
    let h = Harness::demo().await;
    let (addr, api) = fake_runtime_api::start().await;
    let function = Function::bootstrap(&function_env(addr, &h.tables));

    let report = api.push_event(event("apigw-http-v2.json")).within(INVOCATION).await.unwrap();
    let (status, body) = http_reply(&report, &function);
    assert_eq!(status, 200, "{body}");
    assert_eq!(report.json()["headers"]["content-type"], "application/json", "{}", report.text());
    assert_eq!(body["success"], true);
    assert!(body["integrations"].as_array().unwrap().iter().any(|i| i["name"] == "Guggy"), "{body}");
    assert!(api.first_next_at().is_some());

    for file in ["apigw-rest-v1.json", "alb.json", "function-url.json"] {
        let report = api.push_event(event(file)).within(INVOCATION).await.unwrap();
        let (status, reply) = http_reply(&report, &function);
        assert_eq!((status, &reply), (200, &body), "{file}");
    }
    for (file, expected) in
        [("unauthorized-401.json", 401), ("forbidden-403.json", 403), ("bad-request-400.json", 400)]
    {
        let report = api.push_event(event(file)).within(INVOCATION).await.unwrap();
        let (status, reply) = http_reply(&report, &function);
        assert_eq!(status, expected, "{file}: {reply}");
        assert_eq!(reply["success"], false, "{file}: {reply}");
    }
    assert!(api.init_errors().is_empty());
}

#[tokio::test]
async fn an_unencoded_raw_query_string_is_read_as_the_client_sent_it() {
    // Rocket.Chat clients send `sort={"name":-1}` unescaped, and an HTTP API passes
    // rawQueryString as sent: `{`, `"`, a space or a non-ASCII byte must not stop the request.
    let h = Harness::demo().await;
    let (addr, api) = fake_runtime_api::start().await;
    let mut function = Function::bootstrap(&function_env(addr, &h.tables));
    let mut sorted = event("apigw-http-v2.json");
    let room = sorted["queryStringParameters"]["roomId"].as_str().unwrap().to_owned();
    sorted["rawQueryString"] =
        json!(format!(r#"roomId={room}&sort={{"name":-1}}&query={{"name":{{"$ne":"é ü"}}}}"#));
    sorted["queryStringParameters"] =
        json!({"roomId": room, "sort": r#"{"name":-1}"#, "query": r#"{"name":{"$ne":"é ü"}}"#});
    let report = api.push_event(sorted).within(INVOCATION).await.unwrap();
    let (status, body) = http_reply(&report, &function);
    assert_eq!(status, 200, "{body}");
    let names: Vec<&str> =
        body["integrations"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    let mut descending = names.clone();
    descending.sort_by(|a, b| b.cmp(a));
    assert!(names.len() > 1, "{body}");
    assert_eq!(names, descending, "sorted as asked: {body}");
    assert!(function.is_running(), "log:\n{}", function.log());
}

#[tokio::test]
async fn an_invocation_that_cannot_be_a_request_gets_a_json_400_a_request_line_and_metrics() {
    let h = Harness::demo().await;
    let (addr, api) = fake_runtime_api::start().await;
    let mut function = Function::bootstrap(&function_env(addr, &h.tables));
    let with_header = |name: &str, value: &str| {
        let mut e = event("apigw-http-v2.json");
        e["headers"][name] = Json::String(value.to_owned());
        e
    };
    let mut base64_body = event("apigw-rest-v1.json");
    base64_body["isBase64Encoded"] = json!(true);
    base64_body["body"] = json!("%%% not base64 %%%");
    let mut v1_with_bad_host = event("apigw-rest-v1.json");
    v1_with_bad_host["headers"]["Host"] = json!("a b");
    v1_with_bad_host["multiValueHeaders"]["Host"] = json!(["a b"]);
    let mut v1_with_bad_scheme = event("apigw-rest-v1.json");
    v1_with_bad_scheme["headers"]["X-Forwarded-Proto"] = json!("no scheme");
    v1_with_bad_scheme["multiValueHeaders"]["X-Forwarded-Proto"] = json!(["no scheme"]);
    let cases = [
        ("not an event", json!({"not": "an api gateway event"})),
        ("a JSON array", json!([1, 2])),
        ("a NUL in a header value", with_header("x-test", "a\u{0}b")),
        ("a control character in a header value", with_header("x-test", "a\u{1}b")),
        ("CR/LF in a header value", with_header("x-test", "a\r\nb")),
        ("a space in a header name", with_header("x bad", "1")),
        ("a body marked base64 that is not", base64_body),
        ("a Host header that is no host", with_header("host", "a b")),
        ("a Host header that is no host (v1)", v1_with_bad_host),
        ("an X-Forwarded-Proto that is no scheme (v1)", v1_with_bad_scheme),
    ];
    for (what, payload) in cases.iter().cloned() {
        let report = api.push_event(payload).within(INVOCATION).await.unwrap();
        let (status, body) = http_reply(&report, &function);
        assert_eq!(status, 400, "{what}: {body}");
        assert_eq!(body, typed("The HTTP request could not be read", "error-bad-request"), "{what}");
        assert!(function.is_running(), "{what}: log:\n{}", function.log());
    }
    let requests =
        function.log().lines().filter(|l| l.contains("\"request\"") && l.contains("\"status\":400")).count();
    assert_eq!(requests, cases.len(), "a request line each:\n{}", function.log());
    let metrics = emf_lines(&function);
    assert_eq!(metrics.iter().filter(|m| m["Status"] == 400).count(), cases.len());

    let report = api.push_event(event("apigw-http-v2.json")).within(INVOCATION).await.unwrap();
    let (status, body) = http_reply(&report, &function);
    assert_eq!(status, 200, "{body}");
    assert!(api.init_errors().is_empty());
}

#[tokio::test]
async fn a_missing_or_empty_table_variable_is_an_init_error_and_a_non_zero_exit() {
    // Never created: init must stop before any DynamoDB call.
    let tables = fresh_tables();
    // Each case: variables removed (None) or set to a blank value.
    let cases: [&[(&str, Option<&str>)]; 3] = [
        &[("ROOMS_TABLE", None)],
        &[("TOKENS_TABLE", Some(""))],
        &[("USERS_TABLE", None), ("INTEGRATIONS_TABLE", Some("  ")), ("PERMISSIONS_TABLE", Some(""))],
    ];
    for case in cases {
        let (addr, api) = fake_runtime_api::start().await;
        let mut env = function_env(addr, &tables);
        for (var, value) in case {
            match value {
                None => env.remove(*var),
                Some(blank) => env.insert(var.to_string(), blank.to_string()),
            };
        }
        let mut function = Function::bootstrap(&env);
        let status = function.exit_within(Duration::from_secs(30)).await;
        let log = function.log();
        assert!(!status.success(), "{status}; log:\n{log}");

        let reports = api.init_errors();
        assert_eq!(reports.len(), 1, "{reports:?}; log:\n{log}");
        assert_eq!(reports[0].error_type(), Some("Runtime.ConfigInvalid"), "{:?}", reports[0].headers);
        let diagnostic = reports[0].json();
        assert_eq!(diagnostic["errorType"], "Runtime.ConfigInvalid", "{diagnostic}");
        let message = diagnostic["errorMessage"].as_str().unwrap();
        for (var, _) in case {
            assert!(message.contains(var), "{var} not named in {message:?}");
            assert!(log.contains(var), "{var} not in the log:\n{log}");
        }
        assert_eq!(api.first_next_at(), None, "asked for an event after a failed init");
    }
}

/// The function reads `API_CORS_ORIGIN` as the local server does (for fronts that leave
/// CORS to it): an allowed origin's request gets the header, and a malformed value is
/// an init error that names the variable, before any event is asked for.
/// A table that does not exist is a misconfiguration, not a passing fault: init fails
/// naming the table and the call (it used to start and answer every request 503 with
/// `Retry-After`).
#[tokio::test]
async fn a_table_that_does_not_exist_fails_init_naming_it() {
    let h = Harness::demo().await;
    let (addr, api) = fake_runtime_api::start().await;
    let mut env = function_env(addr, &h.tables);
    let missing = format!("{}-missing", h.tables.rooms);
    env.insert("ROOMS_TABLE".into(), missing.clone());
    let mut function = Function::bootstrap(&env);
    let status = function.exit_within(Duration::from_secs(30)).await;
    assert!(!status.success(), "log:\n{}", function.log());
    let reports = api.init_errors();
    assert_eq!(reports.len(), 1, "log:\n{}", function.log());
    let message = reports[0].json()["errorMessage"].as_str().unwrap().to_owned();
    assert!(message.contains(&format!("BatchGetItem on {missing}")), "{message}");
    assert!(message.contains("ResourceNotFoundException"), "{message}");
    assert_eq!(api.first_next_at(), None);
}

#[tokio::test]
async fn api_cors_origin_is_applied_and_a_malformed_one_fails_init() {
    let h = Harness::demo().await;
    let (addr, api) = fake_runtime_api::start().await;
    let mut env = function_env(addr, &h.tables);
    env.insert("API_CORS_ORIGIN".into(), "https://app.example".into());
    let function = Function::bootstrap(&env);
    let mut from_app = event("apigw-http-v2.json");
    from_app["headers"]["origin"] = json!("https://app.example");
    let report = api.push_event(from_app).within(INVOCATION).await.unwrap();
    let (status, body) = http_reply(&report, &function);
    assert_eq!(status, 200, "{body}");
    let headers = &report.json()["headers"];
    assert_eq!(headers["access-control-allow-origin"], "https://app.example", "{headers}");
    assert_eq!(headers["vary"], "Origin", "{headers}");

    let (addr, api) = fake_runtime_api::start().await;
    let mut env = function_env(addr, &fresh_tables());
    env.insert("API_CORS_ORIGIN".into(), "https://app.example/".into());
    let mut function = Function::bootstrap(&env);
    let status = function.exit_within(Duration::from_secs(30)).await;
    assert!(!status.success(), "{status}; log:\n{}", function.log());
    let reports = api.init_errors();
    assert_eq!(reports.len(), 1, "{reports:?}; log:\n{}", function.log());
    assert_eq!(reports[0].error_type(), Some("Runtime.ConfigInvalid"));
    let diagnostic = reports[0].json();
    let message = diagnostic["errorMessage"].as_str().unwrap();
    assert!(message.starts_with("API_CORS_ORIGIN: ") && message.contains("no path"), "{message}");
    assert_eq!(api.first_next_at(), None, "asked for an event after a failed init");
}

/// `cargo lambda watch` starts every function with `AWS_LAMBDA_MAX_CONCURRENCY=1`, and
/// Lambda Managed Instances set it higher: either way the function answers, and says
/// nothing about the variable (lambda_http's sequential `run` warned on every start).
#[tokio::test]
async fn the_max_concurrency_variable_is_honoured_without_a_warning() {
    let h = Harness::demo().await;
    for concurrency in ["1", "3"] {
        let (addr, api) = fake_runtime_api::start().await;
        let mut env = function_env(addr, &h.tables);
        env.insert("AWS_LAMBDA_MAX_CONCURRENCY".into(), concurrency.into());
        let function = Function::bootstrap(&env);
        let pending: Vec<_> = (0..3).map(|_| api.push_event(event("apigw-http-v2.json"))).collect();
        for invocation in pending {
            let report = invocation.within(INVOCATION).await.unwrap();
            let (status, body) = http_reply(&report, &function);
            assert_eq!(status, 200, "concurrency {concurrency}: {body}");
        }
        let log = function.log();
        assert!(!log.contains("AWS_LAMBDA_MAX_CONCURRENCY"), "concurrency {concurrency}; log:\n{log}");
    }
}

// ---------------------------------------------------------------------------------
// Cold start and memory: not a CI test. `benches/cold_start.sh` builds the release
// binaries and runs this with their paths in COLD_START_BOOTSTRAP / COLD_START_HELLO.

const BIG_ROOM: &str = "bigRoom0000000001";
/// Warm invocations of the example event per cold start, for the CPU per invocation.
const WARM_INVOCATIONS: usize = 1000;
const BIG_ROOM_SIZE: usize = 10_000;

/// The demo export plus a public room `big` with 10,000 copies of Guggy.
fn big_room_export() -> tempfile::TempDir {
    big_room_export_of(BIG_ROOM_SIZE, "")
}

/// The demo export plus a public room `big` with `size` copies of Guggy (the demo's
/// bot-builder's), each with `script` as its script when it is not empty.
fn big_room_export_of(size: usize, script: &str) -> tempfile::TempDir {
    big_room_export_with(size, |_| script.to_owned())
}

/// As [`big_room_export_of`], the `n`th copy's script being `script(n)`.
fn big_room_export_with(size: usize, script: impl Fn(usize) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in ["users.json", "rocketchat_permissions.json", "rocketchat_room.json"] {
        std::fs::copy(Path::new(DEMO).join(file), dir.path().join(file)).unwrap();
    }
    let mut rooms = std::fs::read_to_string(dir.path().join("rocketchat_room.json")).unwrap();
    rooms.push_str(&format!("\n{}\n", json!({"_id": BIG_ROOM, "name": "big", "fname": "big", "t": "c"})));
    std::fs::write(dir.path().join("rocketchat_room.json"), rooms).unwrap();

    let demo = std::fs::read_to_string(Path::new(DEMO).join("rocketchat_integrations.json")).unwrap();
    let demo: Vec<Json> = serde_json::from_str(&demo).expect("the demo integrations are a JSON array");
    let guggy = demo.iter().find(|i| i["name"] == "Guggy").unwrap().clone();
    let mut lines: Vec<String> = demo.iter().map(Json::to_string).collect();
    for n in 0..size {
        let mut copy = guggy.clone();
        copy["_id"] = json!(format!("bigGuggy{n:09}"));
        copy["name"] = json!(format!("Guggy {:05}", (n * 7919) % size));
        copy["channel"] = json!(["#big"]);
        let script = script(n);
        if !script.is_empty() {
            copy["script"] = json!(script);
        }
        lines.push(copy.to_string());
    }
    std::fs::write(dir.path().join("rocketchat_integrations.json"), lines.join("\n")).unwrap();
    dir
}

/// `event` (one of the sample events) asking for `query` instead, in each of the
/// maps its event source fills.
fn with_query(mut event: Json, query: &str) -> Json {
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let fields = event.as_object_mut().unwrap();
    if fields.contains_key("rawQueryString") {
        fields.insert("rawQueryString".into(), json!(query));
    }
    if fields.contains_key("multiValueQueryStringParameters") {
        let multi: serde_json::Map<_, _> = pairs.iter().map(|(k, v)| (k.clone(), json!([v]))).collect();
        fields.insert("multiValueQueryStringParameters".into(), Json::Object(multi));
    }
    let single: serde_json::Map<_, _> = pairs.into_iter().map(|(k, v)| (k, json!(v))).collect();
    fields.insert("queryStringParameters".into(), Json::Object(single));
    event
}

/// Lambda's limit on a synchronous invocation's response payload.
const LAMBDA_RESPONSE_LIMIT: usize = 6 * 1024 * 1024;

/// Scripts that escaping grows (each `"` is `\"` in the body and `\\\"` in the
/// envelope; a control character `\u0001` and `\\u0001`): the largest page of such a
/// room is, through every event source's envelope, a payload Lambda delivers, and
/// says how many of the room's integrations it holds.
#[tokio::test]
async fn a_page_of_escape_heavy_scripts_is_a_payload_lambda_delivers_on_every_front_end() {
    const SIZE: usize = 100;
    let export = big_room_export_with(SIZE, |n| match n % 2 {
        0 => "\"".repeat(60_000),
        _ => "\u{1}".repeat(30_000),
    });
    let h = Harness::from_dir(export.path()).await;
    // Megabytes of documents: a debug build on a loaded machine may need more than the
    // default budget, which is not what is tested here.
    let env_with_budget = |addr| {
        let mut env = function_env(addr, &h.tables);
        env.insert("DYNAMODB_TIMEOUT_MS".into(), "30000".into());
        env
    };
    let (addr, api) = fake_runtime_api::start().await;
    let function = Function::bootstrap(&env_with_budget(addr));
    for file in ["apigw-http-v2.json", "apigw-rest-v1.json", "alb.json", "function-url.json"] {
        let page = with_query(event(file), &format!("roomId={BIG_ROOM}&count={SIZE}"));
        let report = api.push_event(page).within(INVOCATION).await.unwrap();
        let payload = report.body.len();
        let (status, reply) = http_reply(&report, &function);
        assert_eq!(status, 200, "{file}: {reply}");
        assert!(payload <= LAMBDA_RESPONSE_LIMIT, "{file}: a payload of {payload} bytes");
        println!("| {file} | {} | {payload} |", report.json()["body"].as_str().map_or(0, str::len));
        let listed = reply["integrations"].as_array().unwrap().len() as u64;
        assert_eq!(reply["count"].as_u64(), Some(listed), "{file}");
        assert!(listed >= 1 && listed < SIZE as u64, "{file}: {listed} listed");
        // The room's own and the demo's integration on all public channels.
        assert_eq!(reply["total"].as_u64(), Some(SIZE as u64 + 1), "{file}");
    }
    // A budget set past what Lambda takes is held to what it takes.
    let (addr, api) = fake_runtime_api::start().await;
    let mut env = env_with_budget(addr);
    env.insert("MAX_RESPONSE_BYTES".into(), "100000000".into());
    let function = Function::spawn(Path::new(env!("CARGO_BIN_EXE_bootstrap")), &env);
    let page = with_query(event("apigw-rest-v1.json"), &format!("roomId={BIG_ROOM}&count=0"));
    let report = api.push_event(page).within(INVOCATION).await.unwrap();
    let (status, reply) = http_reply(&report, &function);
    assert_eq!(status, 200, "{reply}");
    assert!(report.body.len() <= LAMBDA_RESPONSE_LIMIT, "a payload of {} bytes", report.body.len());
    assert!(reply["count"].as_u64().is_some_and(|count| count < SIZE as u64), "{}", reply["count"]);
}

/// `COLD_START_WARM_ONLY=1`: stop each run after the warm loop, with SIGTERM rather
/// than SIGKILL, and report only the warm CPU; for profiling the warm invocation with
/// COLD_START_BOOTSTRAP pointing at a wrapper script (BENCHMARKS.md, section 2).
fn warm_loop_only() -> bool {
    std::env::var_os("COLD_START_WARM_ONLY").is_some()
}

#[derive(Default)]
struct Runs {
    init_ms: Vec<f64>,
    first_response_ms: Vec<f64>,
    peak_rss: Vec<f64>,
    warm_rss: Vec<f64>,
    /// CPU per warm invocation of the example event, in ms.
    warm_cpu_ms: Vec<f64>,
    /// The bootstrap's own init line: configuration, client, warm-up (ms).
    init_steps: Vec<[f64; 3]>,
    body: Vec<f64>,
    payload: Vec<f64>,
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    }
}

const MIB: f64 = 1024.0 * 1024.0;

/// One cold start: exec → first `/next`, exec → `/response` to the example event,
/// then the big-room event, peak RSS, and the size of that answer.
async fn cold_start(program: &Path, tables: &TableNames, example: &Json, big: &Json, runs: &mut Runs) {
    let (addr, api) = fake_runtime_api::start().await;
    let mut env = function_env(addr, tables);
    env.insert("DYNAMODB_TIMEOUT_MS".into(), "30000".into()); // 10,000 items on a busy 2-core machine
    let function = Function::spawn(program, &env);
    let first = api.push_event(example.clone()).within(INVOCATION).await.unwrap();
    assert_eq!(first.kind, Kind::Response, "{}\nlog:\n{}", first.text(), function.log());
    let first_next = api.first_next_at().unwrap();
    runs.init_ms.push((first_next - function.started).as_secs_f64() * 1000.0);
    runs.first_response_ms.push((first.at - function.started).as_secs_f64() * 1000.0);
    runs.warm_rss.push(function.peak_rss() as f64);
    let before = function.cpu_seconds();
    for _ in 0..WARM_INVOCATIONS {
        let reply = api.push_event(example.clone()).within(INVOCATION).await.unwrap();
        assert_eq!(reply.kind, Kind::Response);
    }
    runs.warm_cpu_ms.push((function.cpu_seconds() - before) * 1000.0 / WARM_INVOCATIONS as f64);
    let init_line = function
        .log()
        .lines()
        .filter_map(|l| serde_json::from_str::<Json>(l).ok())
        .find(|l| l["fields"]["message"] == "init");
    if let Some(line) = init_line {
        let step = |name: &str| line["fields"][name].as_f64().unwrap_or(f64::NAN);
        runs.init_steps.push([step("config_ms"), step("client_ms"), step("warm_up_ms")]);
    }

    if warm_loop_only() {
        // Let a profiler wrapping the binary (`perf record`, valgrind) write its data.
        let _ = std::process::Command::new("kill").arg(function.pid().to_string()).status();
        tokio::time::sleep(Duration::from_secs(3)).await;
        return;
    }
    let report = api.push_event(big.clone()).within(INVOCATION).await.unwrap();
    assert_eq!(report.kind, Kind::Response, "{}\nlog:\n{}", report.text(), function.log());
    let response = report.json();
    let body = response["body"].as_str().unwrap();
    if program.ends_with("bootstrap") {
        let (status, page) = http_reply(&report, &function);
        assert_eq!(status, 200, "{}", &body[..body.len().min(500)]);
        // The whole room, plus the demo's integration on all_public_channels, as much of it
        // as fits under MAX_RESPONSE_BYTES (5 MB): the largest body the function returns.
        assert!(page["total"].as_u64().unwrap() > BIG_ROOM_SIZE as u64, "{}", page["total"]);
        assert!(page["count"].as_u64().unwrap() > 1_000, "{}", page["count"]);
        assert!(body.len() <= 5_000_000, "{} bytes", body.len());
    }
    runs.body.push(body.len() as f64);
    runs.payload.push(report.body.len() as f64);
    runs.peak_rss.push(function.peak_rss() as f64);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "measurement, run by benches/cold_start.sh"]
async fn measure_cold_start() {
    let binary = |var: &str| {
        let path = PathBuf::from(
            std::env::var(var).unwrap_or_else(|_| panic!("{var} unset: run benches/cold_start.sh")),
        );
        assert!(path.is_file(), "{var}={} is not a file", path.display());
        path
    };
    let (bootstrap, hello) = (binary("COLD_START_BOOTSTRAP"), binary("COLD_START_HELLO"));
    let n: usize = std::env::var("COLD_START_RUNS").ok().and_then(|n| n.parse().ok()).unwrap_or(10);

    let export = big_room_export();
    let loading = Instant::now();
    let h = Harness::from_dir(export.path()).await;
    eprintln!("loaded {} integration items in {:.1?}", h.summary.integration_items, loading.elapsed());

    let example = event("apigw-http-v2.json");
    let mut big = example.clone();
    big["rawQueryString"] = json!(format!("roomId={BIG_ROOM}&count=0"));
    big["queryStringParameters"] = json!({"roomId": BIG_ROOM, "count": "0"});

    let (mut boot, mut base) = (Runs::default(), Runs::default());
    for _ in 0..n {
        // Interleaved, so drift on the machine touches both alike.
        cold_start(&hello, &h.tables, &example, &big, &mut base).await;
        cold_start(&bootstrap, &h.tables, &example, &big, &mut boot).await;
    }
    let warm_cpu = format!(
        "- warm CPU per invocation of the example event ({WARM_INVOCATIONS} per run): hello_lambda {:.3} ms, bootstrap {:.3} ms, ratio {:.2}",
        median(&base.warm_cpu_ms),
        median(&boot.warm_cpu_ms),
        median(&boot.warm_cpu_ms) / median(&base.warm_cpu_ms)
    );
    if warm_loop_only() {
        println!("{warm_cpu}");
        return;
    }

    let row = |name: &str, r: &Runs| {
        format!(
            "| {name} | {:.1} | {:.1} | {:.1} | {:.2} |",
            median(&r.init_ms),
            median(&r.first_response_ms),
            median(&r.peak_rss) / MIB,
            median(&r.body) / MIB
        )
    };
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len() as f64 / MIB).unwrap_or(f64::NAN);
    println!("\nMedians of {n} cold starts each (this machine; DynamoDB = embedded emulator, loaded before spawn)\n");
    println!("| binary | init ms (exec → first /next) | first response ms (exec → /response) | peak RSS MiB | response body MiB |");
    println!("|---|---|---|---|---|");
    println!("{}", row("hello_lambda", &base));
    println!("{}", row("bootstrap", &boot));
    let (rss_boot, rss_hello, body) = (median(&boot.peak_rss), median(&base.peak_rss), median(&boot.body));
    println!();
    println!("- init(bootstrap) / init(hello): {:.2}", median(&boot.init_ms) / median(&base.init_ms));
    let step = |i: usize| median(&boot.init_steps.iter().map(|s| s[i]).collect::<Vec<_>>());
    println!(
        "- bootstrap init by step (its `init` log line, medians): configuration {:.1} ms, DynamoDB client {:.1} ms, warm-up call {:.1} ms",
        step(0),
        step(1),
        step(2)
    );
    println!("{warm_cpu}");
    println!(
        "- RSS(bootstrap) / (3 × body + RSS(hello)): {:.2}  ({:.1} MiB vs {:.1} MiB)",
        rss_boot / (3.0 * body + rss_hello),
        rss_boot / MIB,
        (3.0 * body + rss_hello) / MIB
    );
    println!(
        "- peak RSS after the first (small) response: hello_lambda {:.1} MiB, bootstrap {:.1} MiB",
        median(&base.warm_rss) / MIB,
        median(&boot.warm_rss) / MIB
    );
    println!(
        "- Runtime API payload of the big response (body JSON-escaped in the API Gateway envelope): {:.2} MiB",
        median(&boot.payload) / MIB
    );
    println!("- binaries: bootstrap {:.1} MiB, hello_lambda {:.1} MiB", size(&bootstrap), size(&hello));
    let range = |v: &[f64]| {
        format!(
            "{:.1}–{:.1}",
            v.iter().copied().fold(f64::MAX, f64::min),
            v.iter().copied().fold(0.0, f64::max)
        )
    };
    println!(
        "- ranges: init hello {} ms, bootstrap {} ms; first response hello {} ms, bootstrap {} ms",
        range(&base.init_ms),
        range(&boot.init_ms),
        range(&base.first_response_ms),
        range(&boot.first_response_ms)
    );
}

/// BENCHMARKS.md's worst pages: peak RSS of the release `bootstrap` (as Lambda runs
/// it, under the fake Runtime API) answering one request each, from a fresh process,
/// on a room of `WORST_PAGE_ROOM_SIZE` (default 60,000) Guggy copies with a 1.3 KB
/// script (about 2 KB each), with a 30 s budget so that the request runs to its end.
/// Run by `benches/worst_page.sh`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "measurement, run by benches/worst_page.sh"]
async fn measure_worst_page_memory() {
    let program = PathBuf::from(std::env::var("COLD_START_BOOTSTRAP").expect("run benches/worst_page.sh"));
    let size: usize =
        std::env::var("WORST_PAGE_ROOM_SIZE").ok().and_then(|n| n.parse().ok()).unwrap_or(60_000);
    let export = big_room_export_of(size, &"/* a script */ ".repeat(90));
    let loading = Instant::now();
    let h = Harness::from_dir(export.path()).await;
    eprintln!("loaded {} integration items in {:.1?}", h.summary.integration_items, loading.elapsed());
    let admin = ("9HqLlyZOugoStsXCUfD_0YdwnNnunAJF8V47U3QHXSq", "aobEdbYhXfu5hkeqG");
    let bot_builder = ("demo-token-graywolf336", "R4jgcQaQhvvK6K3iY");
    let cases = [
        ("admin, default page (50 by `_createdAt`)", admin, ""),
        ("admin, `count=0`", admin, "count=0"),
        ("admin, `count=0`, sorted by `name`", admin, r#"count=0&sort={"name":1}"#),
        (
            "admin, `count=0`, a `query` matching all, sorted by `name`",
            admin,
            r#"count=0&sort={"name":-1}&query={"type":"webhook-outgoing"}"#,
        ),
        ("admin, sorted by `script`", admin, r#"sort={"script":1}"#),
        (
            "bot-builder (sees its own: all), `count=0`, a `query`, sorted by `name`",
            bot_builder,
            r#"count=0&sort={"name":1}&query={"type":"webhook-outgoing"}"#,
        ),
    ];
    println!(
        "| request on a {size}-integration room (~2 KB each) | status | body MiB | peak RSS MiB | wall s |"
    );
    println!("|---|---|---|---|---|");
    for (name, (token, user), extra) in cases {
        let (addr, api) = fake_runtime_api::start().await;
        let mut env = function_env(addr, &h.tables);
        env.insert("DYNAMODB_TIMEOUT_MS".into(), "30000".into());
        let function = Function::spawn(&program, &env);
        let mut event = event("apigw-http-v2.json");
        let query = format!("roomId={BIG_ROOM}&{extra}");
        let pairs: serde_json::Map<String, Json> =
            form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), json!(v))).collect();
        event["rawQueryString"] = json!(query);
        event["queryStringParameters"] = Json::Object(pairs);
        event["headers"]["x-auth-token"] = json!(token);
        event["headers"]["x-user-id"] = json!(user);
        let started = Instant::now();
        let report = api.push_event(event).within(Duration::from_secs(120)).await.unwrap();
        let wall = started.elapsed().as_secs_f64();
        let (status, _) = http_reply(&report, &function);
        let body = report.json()["body"].as_str().map_or(0, str::len);
        println!(
            "| {name} | {status} | {:.2} | {:.1} | {wall:.1} |",
            body as f64 / MIB,
            function.peak_rss() as f64 / MIB
        );
    }
}

/// BENCHMARKS.md's big-room CPU: the release `bootstrap`'s own CPU (the emulator runs in
/// this process, not the function's) per default page (`count=50`, newest first), warm,
/// on a room of each of `BIG_ROOM_CPU_SIZES` (default 10 and 5,000) Guggy copies, and
/// the ratio of each to the first. Run by `benches/big_room_cpu.sh`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "measurement, run by benches/big_room_cpu.sh"]
async fn measure_big_room_cpu() {
    let program = PathBuf::from(std::env::var("COLD_START_BOOTSTRAP").expect("run benches/big_room_cpu.sh"));
    let sizes: Vec<usize> = std::env::var("BIG_ROOM_CPU_SIZES")
        .unwrap_or_else(|_| "10,5000".into())
        .split(',')
        .map(|n| n.trim().parse().expect("BIG_ROOM_CPU_SIZES: sizes separated by commas"))
        .collect();
    const WARM: usize = 20;
    const MEASURED: usize = 200;
    println!("| room (integrations) | CPU ms per default page | body KiB | ratio to the first |");
    println!("|---|---|---|---|");
    let mut first = None;
    for size in sizes {
        let export = big_room_export_of(size, "");
        let h = Harness::from_dir(export.path()).await;
        let (addr, api) = fake_runtime_api::start().await;
        let function = Function::spawn(&program, &function_env(addr, &h.tables));
        let mut page = event("apigw-http-v2.json");
        page["rawQueryString"] = json!(format!("roomId={BIG_ROOM}"));
        page["queryStringParameters"] = json!({ "roomId": BIG_ROOM });
        let mut body = 0;
        for _ in 0..WARM {
            let report = api.push_event(page.clone()).within(INVOCATION).await.unwrap();
            let (status, reply) = http_reply(&report, &function);
            assert_eq!(status, 200, "{reply}");
            assert!(reply["total"].as_u64().unwrap() > size as u64, "{}", reply["total"]);
            body = report.json()["body"].as_str().map_or(0, str::len);
        }
        let before = function.cpu_seconds();
        for _ in 0..MEASURED {
            let report = api.push_event(page.clone()).within(INVOCATION).await.unwrap();
            assert_eq!(report.kind, Kind::Response);
        }
        let ms = (function.cpu_seconds() - before) * 1000.0 / MEASURED as f64;
        let base = *first.get_or_insert(ms);
        println!("| {size} | {ms:.2} | {:.1} | {:.1}× |", body as f64 / 1024.0, ms / base);
    }
}

/// The EMF lines of a function's log: one per request, with its values.
fn emf_lines(function: &Function) -> Vec<Json> {
    let log = function.log();
    log.lines()
        .filter(|line| line.contains("\"_aws\""))
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

#[tokio::test]
async fn each_request_writes_one_embedded_metric_format_line() {
    let h = Harness::demo().await;
    let (addr, api) = fake_runtime_api::start().await;
    let function = Function::bootstrap(&function_env(addr, &h.tables));
    let report = api.push_event(event("apigw-http-v2.json")).within(INVOCATION).await.unwrap();
    let (_, body) = http_reply(&report, &function);
    let report = api.push_event(event("unauthorized-401.json")).within(INVOCATION).await.unwrap();
    http_reply(&report, &function);

    let lines = emf_lines(&function);
    assert_eq!(lines.len(), 2, "log:\n{}", function.log());
    let (ok, refused) = (&lines[0], &lines[1]);
    let directive = &ok["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(directive["Namespace"], "RocketChatIntegrations");
    assert_eq!(directive["Dimensions"], json!([["FunctionName"]]));
    assert!(ok["_aws"]["Timestamp"].as_i64().is_some_and(|t| t > 1_600_000_000_000));
    assert_eq!(ok["FunctionName"], "rc-integrations-test");
    assert_eq!((ok["Status"].as_u64(), ok["Requests"].as_u64()), (Some(200), Some(1)));
    assert_eq!(ok["ItemsListed"], body["count"]);
    assert_eq!(ok["DynamoRounds"], 1);
    assert!(ok["ReadUnits"].as_f64().is_some_and(|units| units > 0.0), "{ok}");
    assert!(ok["Latency"].as_f64().is_some_and(|ms| ms >= 0.0));
    assert_eq!((ok["Errors5xx"].as_u64(), ok["Unavailable"].as_u64()), (Some(0), Some(0)));
    assert_eq!((refused["Status"].as_u64(), refused["ItemsListed"].as_u64()), (Some(401), Some(0)));

    // Every log line of an invocation and its EMF line carry the Lambda request id,
    // so Logs Insights can join them; each invocation has its own.
    let requests: Vec<Json> = function
        .log()
        .lines()
        .filter(|line| !line.contains("\"_aws\"") && line.contains("\"request\""))
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(requests.len(), 2, "{}", function.log());
    let ids: Vec<&str> = requests.iter().map(|line| line["span"]["requestId"].as_str().unwrap()).collect();
    assert_ne!(ids[0], ids[1]);
    assert_eq!(lines.iter().map(|l| l["RequestId"].as_str().unwrap()).collect::<Vec<_>>(), ids);
}

/// The sync function under the Runtime API with `events/kinesis-sync.json`: a new
/// integration (a MongoDB change event), a login (a Debezium event) and a record
/// that is not JSON. Exactly the poison record comes back in `batchItemFailures`;
/// the others are applied and the endpoint answers them.
#[tokio::test]
async fn the_sync_function_reports_exactly_the_poison_record_and_applies_the_others() {
    let options = rc_integrations::import::ImportOptions {
        as_of: rc_integrations::sync::Version(0),
        ..rc_integrations::import::ImportOptions::from_env()
    };
    let h =
        Harness::imported(Path::new(DEMO), rc_integrations::config::PageSettings::default(), options).await;
    let (addr, api) = fake_runtime_api::start().await;
    let function = Function::sync(&function_env(addr, &h.tables));
    let batch = event("kinesis-sync.json");
    let poison = batch["Records"][2]["kinesis"]["sequenceNumber"].clone();
    let report = api.push_event(batch.clone()).within(INVOCATION).await.unwrap();
    assert_eq!(report.kind, Kind::Response, "{}\nlog:\n{}", report.text(), function.log());
    assert_eq!(
        report.json(),
        json!({"batchItemFailures": [{"itemIdentifier": poison}]}),
        "{}",
        function.log()
    );

    let general = h.as_admin(&format!("roomId={GENERAL}&includeAllPublicChannels=false&count=0")).await;
    assert!(general.ids().contains(&"SyncSampleHook01".to_owned()), "{}", general.text);
    let login = h.get_as(("R4jgcQaQhvvK6K3iY", "sync-token-graywolf336"), &format!("roomId={GENERAL}")).await;
    assert_eq!(login.status, 200, "{}", login.text);

    // Lambda retries from the failed record: the records before it come again, stale.
    let report = api.push_event(batch).within(INVOCATION).await.unwrap();
    assert_eq!(report.json(), json!({"batchItemFailures": [{"itemIdentifier": poison}]}));
    let lines = emf_lines(&function);
    let counts = |line: &Json| (line["Applied"].as_u64(), line["Stale"].as_u64(), line["Failed"].as_u64());
    assert_eq!(
        lines.iter().map(counts).collect::<Vec<_>>(),
        [(Some(2), Some(0), Some(1)), (Some(0), Some(2), Some(1))]
    );
    let log = function.log();
    assert!(log.contains("record failed") && log.contains(poison.as_str().unwrap()), "{log}");
    assert!(
        !log.contains("sync-token-graywolf336")
            && !log.contains("EGDccFVt55YRxIClUQY9WUbGe9gfI5vmatr8fxv6LfQ="),
        "{log}"
    );
}

/// The HTTPS path Lambda takes, end to end: the function reaches DynamoDB through a
/// local TLS endpoint (a Python forwarder in front of the emulator) whose certificate a
/// test CA issued. Without that CA the TLS handshake is refused (every request the
/// 503); with it in `AWS_CA_BUNDLE`, the same request is answered.
#[tokio::test]
async fn a_tls_endpoint_is_refused_unless_its_ca_is_in_aws_ca_bundle() {
    let h = Harness::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let openssl = |args: &[&str]| {
        let out = std::process::Command::new("openssl").args(args).current_dir(dir.path()).output().unwrap();
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "1",
        "-subj",
        "/CN=rc-integrations test CA",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(
        dir.path().join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "1",
        "-extfile",
        "server.ext",
    ]);
    let upstream = endpoint_url().trim_start_matches("http://").to_owned();
    let (host, port) = upstream.rsplit_once(':').unwrap();
    let forwarder = r#"
import socket, ssl, sys, threading
host, port = sys.argv[1], int(sys.argv[2])
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain("server.pem", "server.key")
listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(64)
print(listener.getsockname()[1], flush=True)
def pipe(a, b):
    try:
        while data := a.recv(65536):
            b.sendall(data)
    except OSError:
        pass
    for s in (a, b):
        try: s.close()
        except OSError: pass
def serve(client):
    try:
        tls = context.wrap_socket(client, server_side=True)
    except (ssl.SSLError, OSError):
        client.close(); return
    upstream = socket.create_connection((host, port))
    threading.Thread(target=pipe, args=(tls, upstream), daemon=True).start()
    pipe(upstream, tls)
while True:
    client, _ = listener.accept()
    threading.Thread(target=serve, args=(client,), daemon=True).start()
"#;
    /// Stops the forwarder however the test ends.
    struct Forwarder(std::process::Child);
    impl Drop for Forwarder {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut proxy = Forwarder(
        std::process::Command::new("python3")
            .args(["-c", forwarder, host, port])
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(proxy.0.stdout.take().unwrap()), &mut line)
        .unwrap();
    let tls_endpoint = format!("https://127.0.0.1:{}", line.trim());
    for (bundle, expected) in [(None, 503), (Some(dir.path().join("ca.pem")), 200)] {
        let (addr, api) = fake_runtime_api::start().await;
        let mut env = function_env(addr, &h.tables);
        env.insert("AWS_ENDPOINT_URL_DYNAMODB".into(), tls_endpoint.clone());
        env.insert("DYNAMODB_TIMEOUT_MS".into(), "1500".into());
        if let Some(bundle) = &bundle {
            env.insert("AWS_CA_BUNDLE".into(), bundle.display().to_string());
        }
        let function = Function::bootstrap(&env);
        let report = api.push_event(event("apigw-http-v2.json")).within(INVOCATION).await.unwrap();
        let (status, body) = http_reply(&report, &function);
        assert_eq!(status, expected, "AWS_CA_BUNDLE {bundle:?}: {body}\nlog:\n{}", function.log());
    }
}
