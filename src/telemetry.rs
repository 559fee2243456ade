//! Logs: JSON lines through `tracing`, as CloudWatch and local tools read them.

use tracing_subscriber::EnvFilter;

/// `RUST_LOG` (default `info`), with the SDK and HTTP stack held at `info` whatever it
/// says: at `debug` they log whole DynamoDB requests, token hashes among the keys.
fn filter() -> EnvFilter {
    let requested = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned());
    let quiet = [
        "aws_smithy_runtime",
        "aws_smithy_runtime_api",
        "aws_sdk_dynamodb",
        "aws_config",
        "hyper",
        "hyper_util",
        "h2",
    ];
    let directives: Vec<String> =
        std::iter::once(requested).chain(quiet.iter().map(|t| format!("{t}=info"))).collect();
    EnvFilter::try_new(directives.join(",")).unwrap_or_else(|_| EnvFilter::new("info"))
}

/// Structured JSON logs, level from `RUST_LOG` (default `info`).
pub fn init_json() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter())
        // lambda_runtime runs each invocation in a span holding `requestId` (and
        // `xrayTraceId` when traced): every line of an invocation carries them.
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .without_time()
        .try_init();
}

/// Human-readable logs for local use, on stderr (stdout carries results); colours
/// only on a terminal.
pub fn init_pretty() {
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
