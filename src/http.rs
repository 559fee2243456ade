//! The HTTP edge, the same router for Lambda (through lambda_http) and local serving.

use crate::cors::{self, CorsPolicy};
use crate::error::{ApiError, RETRY_AFTER_SECONDS};
use crate::metrics::{MetricsTarget, RequestMetrics};
use crate::request::RawRequest;
use crate::{Endpoint, Service};
use axum::extract::{RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// `channels.getIntegrations`' path, the one the README and most tests call.
pub const PATH: &str = "/api/v1/channels.getIntegrations";

/// Every endpoint at its path, and under a leading stage segment as API Gateway REST
/// APIs deliver it (`/prod/api/v1/…`). No CORS: what every caller gets unless
/// `API_CORS_ORIGIN` is set.
pub fn router(service: Arc<Service>) -> Router {
    router_with_cors(service, &CorsPolicy::Off)
}

/// [`router`] under a CORS policy. Off, it is that router and nothing more; on, the
/// endpoint also answers preflights and every answer carries the policy's headers.
pub fn router_with_cors(service: Arc<Service>, cors: &CorsPolicy) -> Router {
    let mut routes = Router::new();
    for endpoint in Endpoint::ALL {
        let answer = get(move |state, headers, query| answer(endpoint, state, headers, query));
        let route = if cors.is_on() {
            answer.options(cors::layer::preflight).fallback(method_not_allowed_when_cors_is_on)
        } else {
            answer.fallback(method_not_allowed)
        };
        let path = endpoint.path();
        routes = routes.route(&path, route.clone()).route(&format!("/{{stage}}{path}"), route);
    }
    let routes = routes.fallback(not_found);
    let routes = if cors.is_on() {
        routes.layer(middleware::from_fn_with_state(Arc::new(cors.clone()), cors::layer::add_headers))
    } else {
        routes
    };
    routes.layer(middleware::from_fn(log_request)).with_state(service)
}

async fn answer(
    endpoint: Endpoint,
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let answer = service.answer(endpoint, &RawRequest::from_http(&headers, query.as_deref())).await;
    let mut response = match answer.result {
        Ok(body) => json_response(StatusCode::OK, body),
        Err(error) => error.into_response(),
    };
    let outcome = Outcome {
        user_id: answer.user_id,
        read_units: answer.read_units,
        rounds: answer.rounds,
        items: answer.items,
        misconfigured: answer.misconfigured,
    };
    response.extensions_mut().insert(outcome);
    response
}

/// What the log line and the metrics tell of a request beyond its status: the
/// caller's id once authenticated, and what the request cost and listed.
#[derive(Clone, Default)]
struct Outcome {
    user_id: Option<String>,
    read_units: f64,
    rounds: u32,
    items: usize,
    misconfigured: bool,
}

impl RawRequest {
    /// What the pipeline reads of an HTTP request: the two headers (absent unless
    /// visible ASCII) and the decoded query pairs. A header sent twice is read as
    /// Rocket.Chat's Node server reads it, its values joined with `, `: no credential,
    /// so the 401, whichever front end (and whatever order) delivered the two.
    pub fn from_http(headers: &HeaderMap, query: Option<&str>) -> RawRequest {
        let header = |name: &str| {
            let values: Option<Vec<&str>> = headers.get_all(name).iter().map(|v| v.to_str().ok()).collect();
            values.filter(|v| !v.is_empty()).map(|v| v.join(", "))
        };
        RawRequest {
            auth_token: header("x-auth-token"),
            user_id: header("x-user-id"),
            query: form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }
}

async fn not_found() -> Response {
    ApiError::NotFound.into_response()
}

async fn method_not_allowed() -> Response {
    method_not_allowed_allowing("GET, HEAD")
}

async fn method_not_allowed_when_cors_is_on() -> Response {
    method_not_allowed_allowing(cors::layer::ALLOW_WITH_OPTIONS)
}

fn method_not_allowed_allowing(allow: &'static str) -> Response {
    let mut response = ApiError::MethodNotAllowed.into_response();
    response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let mut response = json_response(status, self.body().to_string());
        if self == ApiError::Unavailable {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
        }
        response
    }
}

fn json_response(status: StatusCode, body: String) -> Response {
    let headers = [
        (header::CONTENT_TYPE, "application/json"),
        (header::CACHE_CONTROL, "no-store"),
        (header::PRAGMA, "no-cache"),
    ];
    (status, headers, body).into_response()
}

/// One log line per request: id, status, latency and the caller's user id. Never the
/// token, never the headers as a whole. The user id is logged only once it was
/// authenticated, whatever the status: before that the header may hold anything, a
/// misplaced token included.
async fn log_request(request: Request, next: Next) -> Response {
    static LOCAL_IDS: AtomicU64 = AtomicU64::new(1);
    let lambda_request_id = request.extensions().get::<lambda_http::Context>().map(|c| c.request_id.clone());
    let in_lambda = lambda_request_id.is_some();
    let request_id =
        lambda_request_id.unwrap_or_else(|| format!("local-{}", LOCAL_IDS.fetch_add(1, Ordering::Relaxed)));
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let outcome = response.extensions().get::<Outcome>().cloned().unwrap_or_default();
    record(&request_id, status, latency_ms, &outcome, in_lambda);
    response
}

/// The request line and, in Lambda, the EMF line of one answer.
fn record(request_id: &str, status: u16, latency_ms: f64, outcome: &Outcome, in_lambda: bool) {
    tracing::info!(
        request_id,
        status,
        latency_ms,
        user_id = outcome.user_id.as_deref().unwrap_or_default(),
        "request"
    );
    if in_lambda {
        let metrics = RequestMetrics {
            status,
            latency_ms,
            read_units: outcome.read_units,
            rounds: outcome.rounds,
            items: outcome.items,
            misconfigured: outcome.misconfigured,
        };
        emit_metrics(&metrics, request_id);
    }
}

/// An invocation that cannot be a request (not an event of the four kinds, a header
/// no HTTP request can carry, a body marked base64 that is not): the 400 every caller
/// gets for an unreadable request, with its request line and EMF line like any other.
pub fn unreadable_invocation(request_id: &str, why: &str) -> (u16, String) {
    tracing::warn!(request_id, why, "invocation is not a request");
    let error = ApiError::MalformedRequest;
    record(request_id, error.status(), 0.0, &Outcome::default(), true);
    (error.status(), error.body().to_string())
}

/// One EMF line on stdout, where Lambda's logs go; the target is read once.
fn emit_metrics(metrics: &RequestMetrics, request_id: &str) {
    static TARGET: OnceLock<MetricsTarget> = OnceLock::new();
    let target = TARGET.get_or_init(MetricsTarget::from_env);
    println!("{}", target.emf_line(metrics, request_id, chrono::Utc::now().timestamp_millis()));
}
