//! A DynamoDB proxy for tests: sits between the service and the emulator, adds a
//! fixed delay to every call, injects faults, and records each call's timing so a
//! test can count sequential round trips without measuring wall-clock budgets.

use axum::body::Body;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the proxy does to a call instead of forwarding it.
#[derive(Debug, Clone)]
pub enum Fault {
    /// A DynamoDB error response: HTTP status and the `__type` short name.
    Error { status: u16, error_type: &'static str },
    /// Accept the request and never answer.
    Hang,
    /// BatchGetItem only: process nothing, hand every key back as unprocessed.
    NothingProcessed,
}

/// One call that went through the proxy.
#[derive(Debug, Clone)]
pub struct Call {
    pub operation: String,
    pub start: Instant,
    pub end: Instant,
}

struct Shared {
    upstream: String,
    client: Client<HttpConnector, Full<Bytes>>,
    delay: Mutex<Duration>,
    /// Faults for the next calls (of the named operation, or any), first come first served.
    queued: Mutex<VecDeque<(Option<&'static str>, Fault)>>,
    /// A fault for every call, until cleared.
    always: Mutex<Option<Fault>>,
    /// A fault for every call of an operation until a moment (a throttling burst).
    window: Mutex<Option<(&'static str, Fault, Instant)>>,
    calls: Mutex<Vec<Call>>,
}

#[derive(Clone)]
pub struct Proxy {
    pub url: String,
    shared: Arc<Shared>,
}

impl Proxy {
    /// Starts a proxy in front of `upstream` (an `http://host:port` endpoint).
    pub async fn start(upstream: &str) -> Proxy {
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: Client::builder(TokioExecutor::new()).build_http(),
            delay: Mutex::new(Duration::ZERO),
            queued: Mutex::new(VecDeque::new()),
            always: Mutex::new(None),
            window: Mutex::new(None),
            calls: Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().fallback(relay).with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Proxy { url, shared }
    }

    pub fn set_delay(&self, delay: Duration) {
        *self.shared.delay.lock().unwrap() = delay;
    }

    /// The next call (of `operation`, if given) gets `fault` instead of an answer.
    pub fn fail_next(&self, operation: Option<&'static str>, fault: Fault) {
        self.shared.queued.lock().unwrap().push_back((operation, fault));
    }

    /// Every call of `operation` gets `fault` for the next `duration`.
    pub fn fail_for(&self, operation: &'static str, fault: Fault, duration: Duration) {
        *self.shared.window.lock().unwrap() = Some((operation, fault, Instant::now() + duration));
    }

    pub fn fail_always(&self, fault: Option<Fault>) {
        *self.shared.always.lock().unwrap() = fault;
    }

    /// Forgets the calls recorded so far.
    pub fn reset_calls(&self) {
        self.shared.calls.lock().unwrap().clear();
    }

    pub fn calls(&self) -> Vec<Call> {
        self.shared.calls.lock().unwrap().clone()
    }

    /// Sequential round trips among the recorded calls: calls that overlap in time
    /// form one round; a call starting after every call of the current round ended
    /// opens the next one. With a delay well above the service's own work, this
    /// counts how many times a request waited on DynamoDB.
    pub fn rounds(&self) -> usize {
        let mut calls = self.calls();
        calls.sort_by_key(|c| c.start);
        let mut rounds = 0;
        let mut round_end: Option<Instant> = None;
        for call in calls {
            match round_end {
                Some(end) if call.start < end => round_end = Some(end.max(call.end)),
                _ => {
                    rounds += 1;
                    round_end = Some(call.end);
                }
            }
        }
        rounds
    }
}

fn next_fault(shared: &Shared, operation: &str) -> Option<Fault> {
    let mut queued = shared.queued.lock().unwrap();
    let position = queued.iter().position(|(op, _)| op.is_none_or(|o| o == operation));
    if let Some((_, fault)) = position.and_then(|i| queued.remove(i)) {
        return Some(fault);
    }
    let window = shared.window.lock().unwrap().clone();
    match window {
        Some((op, fault, until)) if op == operation && Instant::now() < until => Some(fault),
        _ => shared.always.lock().unwrap().clone(),
    }
}

async fn relay(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let start = Instant::now();
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let target = parts.headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let operation = target.rsplit('.').next().unwrap_or_default().to_owned();
    let fault = next_fault(&shared, &operation);
    let delay = *shared.delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    let response = match fault {
        Some(Fault::Hang) => std::future::pending::<Response>().await,
        Some(Fault::Error { status, error_type }) => dynamodb_error(status, error_type),
        Some(Fault::NothingProcessed) if operation == "BatchGetItem" => nothing_processed(&body),
        _ => forward(&shared, parts, body).await,
    };
    shared.calls.lock().unwrap().push(Call { operation, start, end: Instant::now() });
    response
}

fn dynamodb_error(status: u16, error_type: &str) -> Response {
    let body = serde_json::json!({
        "__type": format!("com.amazonaws.dynamodb.v20120810#{error_type}"),
        "message": format!("injected {error_type}"),
    });
    let status = StatusCode::from_u16(status).unwrap();
    (status, [("content-type", "application/x-amz-json-1.0")], body.to_string()).into_response()
}

fn nothing_processed(request: &[u8]) -> Response {
    let request: serde_json::Value = serde_json::from_slice(request).unwrap_or_default();
    let body = serde_json::json!({"Responses": {}, "UnprocessedKeys": request["RequestItems"]});
    (StatusCode::OK, [("content-type", "application/x-amz-json-1.0")], body.to_string()).into_response()
}

async fn forward(shared: &Shared, mut parts: axum::http::request::Parts, body: Bytes) -> Response {
    let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    parts.uri = format!("{}{path}", shared.upstream).parse::<Uri>().unwrap();
    match shared.client.request(hyper::Request::from_parts(parts, Full::new(body))).await {
        Ok(response) => {
            let (parts, body) = response.into_parts();
            let bytes = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}
