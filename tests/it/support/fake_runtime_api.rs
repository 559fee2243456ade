//! A fake Lambda Runtime API (the `2018-06-01` interface a custom runtime polls),
//! enough to drive a real `bootstrap` process in tests: events are queued by the
//! test and handed out one per `/next` (long poll while the queue is empty); what
//! the function posts back is recorded with the instant it arrived.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, oneshot};

const PREFIX: &str = "/2018-06-01/runtime";

/// Which endpoint a report came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `/invocation/{id}/response`
    Response,
    /// `/invocation/{id}/error`
    Error,
    /// `/init/error`
    InitError,
}

/// One POST from the function.
#[derive(Debug, Clone)]
pub struct Report {
    pub kind: Kind,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: Instant,
}

impl Report {
    pub fn json(&self) -> Json {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{:?} body is not JSON ({e}): {}", self.kind, self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// `Lambda-Runtime-Function-Error-Type`, when present.
    pub fn error_type(&self) -> Option<&str> {
        self.headers.get("lambda-runtime-function-error-type").and_then(|v| v.to_str().ok())
    }
}

struct Invocation {
    id: String,
    event: Json,
}

struct Shared {
    queue: tokio::sync::Mutex<mpsc::UnboundedReceiver<Invocation>>,
    waiting: Mutex<HashMap<String, oneshot::Sender<Report>>>,
    first_next: OnceLock<Instant>,
    init_errors: Mutex<Vec<Report>>,
}

/// The test's side of the fake API.
#[derive(Clone)]
pub struct RuntimeApi {
    shared: Arc<Shared>,
    queue: mpsc::UnboundedSender<Invocation>,
}

/// Starts the fake API on a free loopback port, on the current Tokio runtime.
pub async fn start() -> (SocketAddr, RuntimeApi) {
    let (queue, events) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared {
        queue: tokio::sync::Mutex::new(events),
        waiting: Mutex::default(),
        first_next: OnceLock::new(),
        init_errors: Mutex::default(),
    });
    let app = Router::new()
        .route(&format!("{PREFIX}/invocation/next"), get(next))
        .route(&format!("{PREFIX}/invocation/{{id}}/response"), post(response))
        .route(&format!("{PREFIX}/invocation/{{id}}/error"), post(error))
        .route(&format!("{PREFIX}/init/error"), post(init_error))
        // Lambda caps a response at 6 MB; the fake takes anything so a test can
        // measure what a function would send.
        .layer(DefaultBodyLimit::disable())
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the fake Runtime API");
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, RuntimeApi { shared, queue })
}

/// An event handed to the queue; await its outcome with [`Pending::within`].
pub struct Pending {
    pub id: String,
    outcome: oneshot::Receiver<Report>,
}

impl Pending {
    /// The function's `/response` or `/error` for this event, or an error after `timeout`.
    pub async fn within(self, timeout: Duration) -> Result<Report, String> {
        match tokio::time::timeout(timeout, self.outcome).await {
            Ok(Ok(report)) => Ok(report),
            Ok(Err(_)) => Err(format!("invocation {}: the fake Runtime API went away", self.id)),
            Err(_) => Err(format!("invocation {}: no response or error within {timeout:?}", self.id)),
        }
    }
}

impl RuntimeApi {
    /// Queues an event for the next `/next`.
    pub fn push_event(&self, event: Json) -> Pending {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let id = format!("req-{:08}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
        let (tx, outcome) = oneshot::channel();
        self.shared.waiting.lock().unwrap().insert(id.clone(), tx);
        self.queue.send(Invocation { id: id.clone(), event }).expect("the fake Runtime API is running");
        Pending { id, outcome }
    }

    /// When the function first asked for an event (the end of its init).
    pub fn first_next_at(&self) -> Option<Instant> {
        self.shared.first_next.get().copied()
    }

    /// Everything posted to `/init/error` so far.
    pub fn init_errors(&self) -> Vec<Report> {
        self.shared.init_errors.lock().unwrap().clone()
    }
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    let _ = shared.first_next.set(Instant::now());
    // Long poll: hold the request until the test queues an event. `recv` is
    // cancel-safe, so a client that gives up loses nothing.
    let Some(Invocation { id, event }) = shared.queue.lock().await.recv().await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + Duration::from_secs(30);
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        headers.insert(name, HeaderValue::from_str(&value).unwrap());
    };
    set("content-type", "application/json".into());
    set("lambda-runtime-aws-request-id", id.clone());
    set("lambda-runtime-deadline-ms", deadline.as_millis().to_string());
    set("lambda-runtime-invoked-function-arn", "arn:aws:lambda:us-east-1:123456789012:function:test".into());
    set("lambda-runtime-trace-id", format!("Root=1-00000000-{id};Parent=0000000000000001;Sampled=0"));
    (headers, event.to_string()).into_response()
}

fn settle(shared: &Shared, id: &str, kind: Kind, headers: HeaderMap, body: Bytes) -> StatusCode {
    let report = Report { kind, headers, body, at: Instant::now() };
    match shared.waiting.lock().unwrap().remove(id) {
        Some(tx) => {
            let _ = tx.send(report);
            StatusCode::ACCEPTED
        }
        // Like Lambda: an unknown or already answered request id is refused.
        None => StatusCode::BAD_REQUEST,
    }
}

async fn response(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    settle(&shared, &id, Kind::Response, headers, body)
}

async fn error(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    settle(&shared, &id, Kind::Error, headers, body)
}

async fn init_error(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let report = Report { kind: Kind::InitError, headers, body, at: Instant::now() };
    shared.init_errors.lock().unwrap().push(report);
    StatusCode::ACCEPTED
}
