//! CORS (`API_CORS_ORIGIN`), header by header. Off, the router is what it always was:
//! `OPTIONS` is a 405 and no answer carries `Access-Control-*`. On, the endpoint answers
//! preflights, and every answer (errors too) carries what an allowed origin needs and
//! nothing for any other origin. A malformed value stops the local server before it
//! starts. What a real browser makes of it is `browser.rs`.

use crate::support::*;
use axum::http::HeaderMap;
use rc_integrations::cors::CorsPolicy;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const APP: &str = "https://app.example";
const OTHER: &str = "https://other.example";
const ADMIN: [(&str, &str); 2] = [("X-Auth-Token", ADMIN_TOKEN), ("X-User-Id", ADMIN_ID)];

fn listed() -> CorsPolicy {
    CorsPolicy::parse(Some("https://app.example, http://localhost:8080")).unwrap()
}

/// A browser's preflight from `origin` for a GET with the two credential headers.
fn preflight_headers(origin: &str) -> [(&str, &str); 3] {
    [
        ("Origin", origin),
        ("Access-Control-Request-Method", "GET"),
        ("Access-Control-Request-Headers", "x-auth-token,x-user-id"),
    ]
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().unwrap())
}

/// The names of every `Access-Control-*` header of an answer.
fn access_control(headers: &HeaderMap) -> Vec<String> {
    headers.keys().map(|k| k.as_str().to_owned()).filter(|k| k.starts_with("access-control-")).collect()
}

fn with_origin<'a>(origin: &'a str, headers: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    std::iter::once(("Origin", origin)).chain(headers.iter().copied()).collect()
}

/// A request and the status it gets, CORS or not.
struct Case {
    name: &'static str,
    method: &'static str,
    uri: String,
    /// Without `Origin`; each test adds its own.
    headers: Vec<(&'static str, &'static str)>,
    status: u16,
}

/// Requests of every outcome: a page, each error, another path, another method.
fn requests() -> Vec<Case> {
    let endpoint = rc_integrations::http::PATH;
    let room = format!("{endpoint}?roomId={GENERAL}");
    let guest = vec![("X-Auth-Token", "demo-token-guest"), ("X-User-Id", "guestUser000000001")];
    let case = |name, method, uri: &str, headers: Vec<_>, status| Case {
        name,
        method,
        uri: uri.to_owned(),
        headers,
        status,
    };
    vec![
        case("200", "GET", &room, ADMIN.to_vec(), 200),
        case("401", "GET", &room, vec![], 401),
        case("403", "GET", &room, guest, 403),
        case("400", "GET", endpoint, ADMIN.to_vec(), 400),
        case("404", "GET", "/api/v1/channels.list", ADMIN.to_vec(), 404),
        case("405", "DELETE", &room, ADMIN.to_vec(), 405),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn off_the_answers_are_those_without_cors() {
    let h = Harness::demo().await;
    let off = h.with_cors(&CorsPolicy::Off);
    let preflight = off.request("OPTIONS", rc_integrations::http::PATH, &preflight_headers(APP)).await;
    assert_eq!(preflight.status, 405, "{}", preflight.text);
    assert_eq!(preflight.body, method_not_allowed_body());
    assert_eq!(header(&preflight.headers, "allow"), Some("GET, HEAD"));
    assert!(access_control(&preflight.headers).is_empty(), "{:?}", preflight.headers);
    for Case { name, method, uri, headers, status } in requests() {
        let plain = h.request(method, &uri, &headers).await;
        let from_app = off.request(method, &uri, &with_origin(APP, &headers)).await;
        assert_eq!(from_app.status, status, "{name}: {}", from_app.text);
        assert_eq!(from_app.text, plain.text, "{name}");
        assert_eq!(from_app.headers, plain.headers, "{name}");
        assert!(access_control(&from_app.headers).is_empty(), "{name}: {:?}", from_app.headers);
        assert_eq!(header(&from_app.headers, "vary"), None, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_listed_origin_gets_its_preflight_and_can_read_every_answer() {
    let h = Harness::demo().await;
    let on = h.with_cors(&listed());
    for path in [rc_integrations::http::PATH.to_owned(), format!("/prod{}", rc_integrations::http::PATH)] {
        let preflight = on.request("OPTIONS", &path, &preflight_headers(APP)).await;
        assert_eq!(preflight.status, 204, "{path}: {}", preflight.text);
        assert_eq!(preflight.text, "", "{path}");
        let expected = [
            ("access-control-allow-origin", APP),
            ("access-control-allow-methods", "GET, OPTIONS"),
            ("access-control-allow-headers", "X-User-Id, X-Auth-Token, Content-Type"),
            ("access-control-max-age", "3600"),
            ("vary", "Origin"),
            ("allow", "GET, HEAD, OPTIONS"),
        ];
        for (name, value) in expected {
            assert_eq!(header(&preflight.headers, name), Some(value), "{path}: {name}");
        }
    }
    for Case { name, method, uri, headers, status } in requests() {
        let plain = h.request(method, &uri, &headers).await;
        let reply = on.request(method, &uri, &with_origin(APP, &headers)).await;
        assert_eq!(reply.status, status, "{name}: {}", reply.text);
        assert_eq!(reply.text, plain.text, "{name}: the body is the same with CORS");
        assert_eq!(header(&reply.headers, "access-control-allow-origin"), Some(APP), "{name}");
        assert_eq!(header(&reply.headers, "access-control-expose-headers"), Some("Retry-After"), "{name}");
        assert_eq!(header(&reply.headers, "vary"), Some("Origin"), "{name}");
        assert_eq!(header(&reply.headers, "access-control-allow-methods"), None, "{name}: not a preflight");
    }
    let refused = on.request("DELETE", rc_integrations::http::PATH, &[("Origin", APP)]).await;
    assert_eq!(header(&refused.headers, "allow"), Some("GET, HEAD, OPTIONS"));
    // Origins compare as Rocket.Chat compares them, ignoring case; the echo is what was sent.
    let shouted = on.request("GET", rc_integrations::http::PATH, &[("Origin", "HTTPS://APP.example")]).await;
    assert_eq!(header(&shouted.headers, "access-control-allow-origin"), Some("HTTPS://APP.example"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unlisted_origin_gets_no_access_control_header_at_all() {
    let h = Harness::demo().await;
    let on = h.with_cors(&listed());
    let preflight = on.request("OPTIONS", rc_integrations::http::PATH, &preflight_headers(OTHER)).await;
    assert_eq!(preflight.status, 204);
    assert!(access_control(&preflight.headers).is_empty(), "{:?}", preflight.headers);
    assert_eq!(header(&preflight.headers, "vary"), Some("Origin"));
    for Case { name, method, uri, headers, status } in requests() {
        for origin in [Some(OTHER), Some("null"), Some("https://app.example.evil.example"), None] {
            let headers = match origin {
                Some(origin) => with_origin(origin, &headers),
                None => headers.clone(),
            };
            let reply = on.request(method, &uri, &headers).await;
            assert_eq!(reply.status, status, "{name} from {origin:?}");
            assert!(access_control(&reply.headers).is_empty(), "{name} from {origin:?}: {:?}", reply.headers);
            assert_eq!(header(&reply.headers, "vary"), Some("Origin"), "{name} from {origin:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn any_origin_gets_a_star_and_no_vary() {
    let h = Harness::demo().await;
    let on = h.with_cors(&CorsPolicy::AnyOrigin);
    let preflight = on.request("OPTIONS", rc_integrations::http::PATH, &preflight_headers(OTHER)).await;
    assert_eq!(preflight.status, 204);
    assert_eq!(header(&preflight.headers, "access-control-allow-origin"), Some("*"));
    assert_eq!(
        header(&preflight.headers, "access-control-allow-headers"),
        Some("X-User-Id, X-Auth-Token, Content-Type")
    );
    for Case { name, method, uri, headers, status } in requests() {
        let reply = on.request(method, &uri, &with_origin(OTHER, &headers)).await;
        assert_eq!(reply.status, status, "{name}");
        assert_eq!(header(&reply.headers, "access-control-allow-origin"), Some("*"), "{name}");
        assert_eq!(header(&reply.headers, "vary"), None, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_503_and_its_retry_after_are_readable_cross_origin() {
    let store = Unreachable::Refused.harness_with_cors(&listed()).await;
    let uri = format!("{}?roomId={GENERAL}", rc_integrations::http::PATH);
    let reply = store.harness.request("GET", &uri, &with_origin(APP, &ADMIN)).await;
    assert_eq!(reply.status, 503, "{}", reply.text);
    assert_eq!(reply.text, UNAVAILABLE);
    assert_eq!(header(&reply.headers, "retry-after"), Some("1"));
    assert_eq!(header(&reply.headers, "access-control-allow-origin"), Some(APP));
    assert_eq!(header(&reply.headers, "access-control-expose-headers"), Some("Retry-After"));
}

/// The local server, over raw HTTP: the policy it is given is the one it applies.
#[tokio::test(flavor = "multi_thread")]
async fn the_local_server_answers_preflights_under_its_policy() {
    let h = Harness::demo().await;
    let (on, off) = (h.local_server_with_cors(&listed()).await, h.local_server().await);
    let preflight = |server| {
        let request = format!(
            "OPTIONS {} HTTP/1.1\r\nHost: {server}\r\nOrigin: {APP}\r\nAccess-Control-Request-Method: GET\r\n\
             Access-Control-Request-Headers: x-auth-token,x-user-id\r\nConnection: close\r\n\r\n",
            rc_integrations::http::PATH
        );
        let mut stream = TcpStream::connect(server).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response.to_ascii_lowercase()
    };
    let (on, off) = tokio::task::spawn_blocking(move || (preflight(on), preflight(off))).await.unwrap();
    assert!(on.starts_with("http/1.1 204"), "{on}");
    assert!(on.contains(&format!("access-control-allow-origin: {APP}\r\n")), "{on}");
    assert!(on.contains("access-control-allow-headers: x-user-id, x-auth-token, content-type\r\n"), "{on}");
    assert!(off.starts_with("http/1.1 405"), "{off}");
    assert!(!off.contains("access-control-"), "{off}");
}

/// `serve` with a malformed `API_CORS_ORIGIN`: a non-zero exit naming the variable and
/// the fault, before any emulator, table or listener exists.
#[test]
fn a_malformed_value_stops_serve_with_its_reason() {
    for (value, reason) in [("https://app.example/", "no path"), ("app.example", "http:// or https://")] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rc-integrations"))
            .args(["serve", "--port", "0"])
            .env("API_CORS_ORIGIN", value)
            .env_remove("AWS_ENDPOINT_URL_DYNAMODB")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start serve");
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("serve still running with API_CORS_ORIGIN={value:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let (mut stdout, mut stderr) = (String::new(), String::new());
        child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
        child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        assert!(!status.success(), "{value}: {status}");
        assert!(stderr.contains("error: API_CORS_ORIGIN: "), "{value}: {stderr}");
        assert!(stderr.contains(value) && stderr.contains(reason), "{value}: {stderr}");
        assert_eq!(stdout, "", "{value}: nothing is loaded");
    }
}
