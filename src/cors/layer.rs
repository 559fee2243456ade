//! The policy on the router: a preflight handler for the endpoint's paths, and a
//! middleware that puts the CORS headers on every answer, errors included, so that a
//! browser app can read a 401, 403, 400 or 503 body as well as a page.

use super::{CorsPolicy, ALLOW_HEADERS, ALLOW_METHODS, EXPOSE_HEADERS, MAX_AGE_SECONDS};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// `Allow` of the endpoint when CORS is on: `OPTIONS` is then a method it answers.
pub const ALLOW_WITH_OPTIONS: &str = "GET, HEAD, OPTIONS";

/// Marks the preflight's answer, for [`add_headers`] to complete.
#[derive(Clone, Copy)]
struct Preflight;

/// `OPTIONS` on the endpoint: 204, no body. Whether the origin may go on is for
/// [`add_headers`] to say, as for every other answer.
pub async fn preflight() -> Response {
    let mut response = (StatusCode::NO_CONTENT, [(header::ALLOW, ALLOW_WITH_OPTIONS)]).into_response();
    response.extensions_mut().insert(Preflight);
    response
}

/// An allowed origin gets `Access-Control-Allow-Origin` (and, on a preflight, what it
/// may send and for how long the answer holds); any other gets none of them, and the
/// browser keeps the answer from the page. With a list of origins every answer says it
/// varies by `Origin`, so that no cache hands one origin's answer to another.
pub async fn add_headers(State(policy): State<Arc<CorsPolicy>>, request: Request, next: Next) -> Response {
    let origin = request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let allowed = policy.allow_origin(origin).and_then(|o| HeaderValue::from_str(o).ok());
    let mut response = next.run(request).await;
    let is_preflight = response.extensions().get::<Preflight>().is_some();
    let headers = response.headers_mut();
    if policy.varies_by_origin() {
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    if let Some(allowed) = allowed {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
        if is_preflight {
            headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(ALLOW_METHODS));
            headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOW_HEADERS));
            headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from(MAX_AGE_SECONDS));
        } else {
            headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSE_HEADERS));
        }
    }
    response
}
