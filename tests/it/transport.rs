//! The local server's transport errors: requests hyper cannot read get the contract's
//! JSON shape too, not a bare status with an empty body.

use crate::support::*;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

async fn server() -> SocketAddr {
    Harness::demo().await.local_server().await
}

/// Sends raw bytes, returns (status, headers and body as text).
fn exchange(addr: SocketAddr, request: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // The server may answer and close before all of a huge request is sent.
    let _ = stream.write_all(request);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text)
}

fn body(response: &str) -> serde_json::Value {
    let (_, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {response}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_hyper_refuses_get_json_bodies() {
    let addr = server().await;
    let path = "/api/v1/channels.getIntegrations?roomId=x";
    let long_uri = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000));
    let many_headers: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    let huge_header = format!("GET {path} HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "b".repeat(500_000));
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "NUL in a header",
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: a\0b\r\n\r\n").into(),
            400,
            "error-bad-request",
        ),
        (
            "space in a header name",
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nX Auth: a\r\n\r\n").into(),
            400,
            "error-bad-request",
        ),
        ("not HTTP", b"HELLO\r\n\r\n".to_vec(), 400, "error-bad-request"),
        ("URI over the limit", long_uri.into(), 414, "error-uri-too-long"),
        (
            "too many headers",
            format!("GET {path} HTTP/1.1\r\nHost: x\r\n{many_headers}\r\n").into(),
            431,
            "error-headers-too-large",
        ),
        ("headers over the limit", huge_header.into(), 431, "error-headers-too-large"),
    ];
    for (name, request, status, error_type) in cases {
        let (got, response) = exchange(addr, &request);
        assert_eq!(got, status, "{name}: {}", &response[..response.len().min(300)]);
        let json = body(&response);
        assert_eq!(json["success"], false, "{name}");
        assert_eq!(json["errorType"], error_type, "{name}");
        assert!(response.to_ascii_lowercase().contains("content-type: application/json"), "{name}");
    }
    // A well-formed request on the same server is untouched.
    let (status, response) =
        exchange(addr, format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes());
    assert_eq!(status, 401, "{response}");
    assert_eq!(body(&response)["error"], "You must be logged in to do this.");
}

/// With CORS open to every origin, a transport error says so too, so that a page reads
/// it (a 431 from its cookies, say); with a list of origins it cannot: the request's
/// `Origin` was never read, so none is echoed.
#[tokio::test(flavor = "multi_thread")]
async fn transport_errors_carry_cors_headers_when_every_origin_is_allowed() {
    use rc_integrations::cors::CorsPolicy;
    let h = Harness::demo().await;
    let many_headers: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    let request = format!(
        "GET /api/v1/channels.getIntegrations HTTP/1.1\r\nHost: x\r\nOrigin: https://chat.example.com\r\n{many_headers}\r\n"
    );
    let open = h.local_server_with_cors(&CorsPolicy::AnyOrigin).await;
    let (status, response) = exchange(open, request.as_bytes());
    assert_eq!(status, 431, "{response}");
    let head = response.to_ascii_lowercase();
    assert!(head.contains("\r\naccess-control-allow-origin: *\r\n"), "{response}");
    assert!(head.contains("\r\naccess-control-expose-headers: retry-after\r\n"), "{response}");
    let listed =
        h.local_server_with_cors(&CorsPolicy::parse(Some("https://chat.example.com")).unwrap()).await;
    let (status, response) = exchange(listed, request.as_bytes());
    assert_eq!(status, 431, "{response}");
    assert!(!response.to_ascii_lowercase().contains("access-control"), "{response}");
}
