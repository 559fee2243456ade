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
