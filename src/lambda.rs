//! What both Lambda functions share at init.

use std::io::{Read, Write};
use std::time::Duration;

const INIT_ERROR_TYPE: &str = "Runtime.ConfigInvalid";

/// Logs an init failure and reports it to the Runtime API's `/init/error`, so Lambda
/// shows the cause rather than a bare exit; the caller then exits non-zero.
/// (lambda_runtime 1.5 posts `/init/error` only for SnapStart hooks.)
pub fn init_failed(message: String) -> lambda_http::Error {
    tracing::error!(error_type = INIT_ERROR_TYPE, "init failed: {message}");
    if let Err(error) = post_init_error(&message) {
        tracing::error!(%error, "could not report the init failure to the Runtime API");
    }
    message.into()
}

/// One HTTP/1.1 POST over a plain socket: init has failed, nothing else runs, and
/// the Runtime API is a local endpoint, so a blocking call with timeouts is enough.
fn post_init_error(message: &str) -> std::io::Result<()> {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API").map_err(std::io::Error::other)?;
    // `host:port` in Lambda; emulators may add a scheme and a path prefix
    // (cargo lambda's: `http://127.0.0.1:9000/.rt/<function>`).
    let address = api.strip_prefix("http://").unwrap_or(&api);
    let (host, prefix) =
        address.split_once('/').map_or((address, String::new()), |(h, p)| (h, format!("/{p}")));
    let body = serde_json::json!({ "errorMessage": message, "errorType": INIT_ERROR_TYPE }).to_string();
    let request = format!(
        "POST {prefix}/2018-06-01/runtime/init/error HTTP/1.1\r\nHost: {host}\r\n\
         Lambda-Runtime-Function-Error-Type: {INIT_ERROR_TYPE}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = std::net::TcpStream::connect(host)
        .map_err(|e| std::io::Error::other(format!("connecting to the Runtime API at {api}: {e}")))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    stream.write_all(request.as_bytes())?;
    let mut status_line = [0u8; 12]; // "HTTP/1.1 202"
    stream.read_exact(&mut status_line)?;
    match status_line.get(9) {
        Some(b'2') => Ok(()),
        _ => Err(std::io::Error::other(format!("answered {}", String::from_utf8_lossy(&status_line)))),
    }
}

/// What an invocation of the API function holds.
pub enum Invocation {
    /// An HTTP event lambda_http reads (API Gateway v1 or v2, ALB, function URL).
    Request(Box<lambda_http::request::LambdaRequest>),
    /// Anything else; the reason is for the log.
    Unreadable(&'static str),
}

/// The credential headers, which must not be read two ways.
const CREDENTIALS: [&str; 2] = ["x-auth-token", "x-user-id"];

/// Reads an invocation's payload as lambda_http would, after two repairs: a
/// credential header with several values (REST API and ALB multi-value headers) is
/// joined with `, ` in both header maps, as Rocket.Chat's Node server sees it (lambda_http
/// would let the single-value map's last value win); and a body marked base64 that
/// is not base64 is refused here (lambda_http would panic decoding it).
pub fn read_invocation(mut payload: serde_json::Value) -> Invocation {
    use base64::Engine;
    let Some(event) = payload.as_object_mut() else { return Invocation::Unreadable("not a JSON object") };
    let mut joined = Vec::new();
    if let Some(multi) = event.get("multiValueHeaders").and_then(|m| m.as_object()) {
        for (name, values) in multi {
            let Some(values) = values.as_array().filter(|v| v.len() > 1) else { continue };
            if CREDENTIALS.iter().any(|c| name.eq_ignore_ascii_case(c)) {
                let text: Vec<&str> = values.iter().filter_map(|v| v.as_str()).collect();
                joined.push((name.clone(), text.join(", ")));
            }
        }
    }
    for (name, value) in joined {
        for map in ["multiValueHeaders", "headers"] {
            let Some(headers) = event.get_mut(map).and_then(|m| m.as_object_mut()) else { continue };
            headers.retain(|key, _| !key.eq_ignore_ascii_case(&name));
            let value = serde_json::Value::String(value.clone());
            headers.insert(
                name.clone(),
                if map == "headers" { value } else { serde_json::Value::Array(vec![value]) },
            );
        }
    }
    if let Some(serde_json::Value::String(query)) = event.get_mut("rawQueryString") {
        if let std::borrow::Cow::Owned(encoded) = encode_raw_query(query) {
            *query = encoded;
        }
    }
    if event.get("isBase64Encoded").and_then(|b| b.as_bool()) == Some(true) {
        if let Some(body) = event.get("body").and_then(|b| b.as_str()) {
            if base64::engine::general_purpose::STANDARD.decode(body).is_err() {
                return Invocation::Unreadable("a body marked base64 that is not base64");
            }
        }
    }
    match serde_json::from_value(payload) {
        Ok(request) => Invocation::Request(Box::new(request)),
        Err(_) => Invocation::Unreadable(
            "not an HTTP event of API Gateway, an ALB or a function URL, or a header no request can carry",
        ),
    }
}

/// An HTTP API's `rawQueryString` is the query as the client sent it, and Rocket.Chat
/// clients send `sort={"name":1}` and `query={...}` unencoded; lambda_http appends it to
/// the URI as it is, and panics building a request when http::Uri refuses a byte
/// (`{`, `"`, a space, anything not ASCII). Escaping those bytes changes nothing the
/// query decodes to: `%XX` decodes to the byte it replaced, and `%` and `+` stay as sent.
fn encode_raw_query(raw: &str) -> std::borrow::Cow<'_, str> {
    const KEPT: &[u8] = b"-._~!$&'()*+,;=:@/?%";
    let kept = |b: &u8| b.is_ascii_alphanumeric() || KEPT.contains(b);
    if raw.bytes().all(|b| kept(&b)) {
        return std::borrow::Cow::Borrowed(raw);
    }
    let mut encoded = String::with_capacity(raw.len() + raw.len() / 2);
    for b in raw.bytes() {
        if kept(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    std::borrow::Cow::Owned(encoded)
}

/// The answer to an unreadable invocation, in the shape every HTTP event source
/// takes (API Gateway v1 and v2, ALB, function URLs).
pub fn http_answer(status: u16, body: String) -> serde_json::Value {
    serde_json::json!({
        "statusCode": status,
        "headers": {"content-type": "application/json", "cache-control": "no-store"},
        "multiValueHeaders": {"content-type": ["application/json"], "cache-control": ["no-store"]},
        "body": body,
        "isBase64Encoded": false,
    })
}
