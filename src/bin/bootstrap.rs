//! The Lambda function: the shared router behind lambda_http. No emulator, importer
//! or local server is compiled in (they live behind the `local` feature).

use rc_integrations::config::{api_tables, PageSettings, StoreSettings, TableNames};
use rc_integrations::cors::CorsPolicy;
use rc_integrations::lambda::{http_answer, init_failed, read_invocation, Invocation};
use rc_integrations::store::{try_build_client, Endpoint};
use rc_integrations::{http, telemetry, Service};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use sync_wrapper::SyncWrapper;
use tower::{Service as _, ServiceExt};

fn main() -> Result<(), lambda_http::Error> {
    let started = Instant::now();
    rc_integrations::store::forget_empty_endpoint_variables();
    runtime()?.block_on(serve(started))
}

/// One thread unless Lambda hands this container several invocations at once
/// (`AWS_LAMBDA_MAX_CONCURRENCY` above 1, Lambda Managed Instances). A container that
/// serves one invocation at a time gains nothing from worker threads, and pays for them
/// on every invocation: each DynamoDB answer and Runtime API reply woke a parked worker,
/// and those handoffs were 28% of a warm invocation's profile (BENCHMARKS.md).
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let concurrent = std::env::var("AWS_LAMBDA_MAX_CONCURRENCY")
        .ok()
        .and_then(|value| value.trim().parse::<u32>().ok())
        .is_some_and(|max| max > 1);
    let mut builder = if concurrent {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder.enable_all().build()
}

async fn serve(started: Instant) -> Result<(), lambda_http::Error> {
    telemetry::init_json();
    // A panic is an error line like any other (the default hook writes plain text).
    std::panic::set_hook(Box::new(|panic| tracing::error!(%panic, "panic")));
    // API_CORS_ORIGIN serves fronts that leave CORS to the function (an ALB, a REST API,
    // a function URL without its own); template.yaml's HTTP API answers preflights and
    // sets the headers itself, and does not pass the variable.
    let tables = TableNames::from_env_requiring(api_tables().map(|(_, var, _)| *var));
    let (tables, cors) = match (tables, CorsPolicy::from_env()) {
        (Ok(tables), Ok(cors)) => (tables, cors),
        (tables, cors) => {
            let errors = [tables.err(), cors.err().map(|e| e.to_string())];
            return Err(init_failed(errors.into_iter().flatten().collect::<Vec<_>>().join("; ")));
        }
    };
    let settings = StoreSettings::from_env();
    let configured = started.elapsed();
    let client = try_build_client(&Endpoint::Aws, &settings).await.map_err(init_failed)?;
    let built = started.elapsed();
    let (service, store) = Service::on_dynamodb(client, tables, settings, PageSettings::from_env());
    // Init, not the first request, pays for the connection and the permissions.
    match store.warm_up().await {
        // A missing table or a denied read is permanent until the deployment is fixed:
        // fail init loudly rather than answer every request 503 with Retry-After.
        Err(error) if error.is_misconfiguration() => {
            return Err(init_failed(format!("DynamoDB refuses a table or index: {error}")))
        }
        Err(error) => tracing::warn!(%error, "warm-up failed; requests will retry DynamoDB"),
        Ok(()) => {}
    }
    let warmed = started.elapsed();
    // Where init's time goes, once per container (BENCHMARKS.md reports it).
    let ms = |d: Duration| (d.as_secs_f64() * 1e4).round() / 10.0;
    tracing::info!(
        config_ms = ms(configured),
        client_ms = ms(built - configured),
        warm_up_ms = ms(warmed - built),
        total_ms = ms(warmed),
        "init"
    );
    // Sequential unless Lambda sets AWS_LAMBDA_MAX_CONCURRENCY above 1 (Lambda Managed
    // Instances); the service is shared behind an Arc and safe to serve concurrently, as
    // the local server already does. (`run` would warn whenever the variable is set at
    // all, and `cargo lambda watch` sets it to 1 for every function it starts.)
    // Each payload is read here rather than by lambda_http, so that an invocation that
    // cannot be a request still gets a JSON answer, a request line and an EMF line, and
    // a credential header sent twice is read one way on every front end.
    let adapter = lambda_http::Adapter::from(ServiceExt::<lambda_http::Request>::map_response(
        http::router_with_cors(service, &cors),
        |response: axum::response::Response| response.map(SyncBody::new),
    ));
    let handler = lambda_http::service_fn(move |event: lambda_http::LambdaEvent<serde_json::Value>| {
        let adapter = adapter.clone();
        async move {
            let (payload, context) = (event.payload, event.context);
            match read_invocation(payload) {
                Invocation::Request(request) => {
                    let mut adapter = adapter.clone();
                    adapter.ready().await?;
                    // lambda_http builds the http::Request inside `call`, and panics on what
                    // http::Uri refuses (a Host header that is no host, an X-Forwarded-Proto
                    // that is no scheme, a path that makes either one): such an event cannot
                    // be a request, and gets the 400 every other one does.
                    let event = lambda_http::LambdaEvent::new(*request, context.clone());
                    match std::panic::catch_unwind(AssertUnwindSafe(|| adapter.call(event))) {
                        Ok(response) => Ok::<_, lambda_http::Error>(serde_json::to_value(response.await?)?),
                        Err(_) => {
                            let why = "a host, scheme or path no URI can carry";
                            let (status, body) = http::unreadable_invocation(&context.request_id, why);
                            Ok(http_answer(status, body))
                        }
                    }
                }
                Invocation::Unreadable(why) => {
                    let (status, body) = http::unreadable_invocation(&context.request_id, why);
                    Ok(http_answer(status, body))
                }
            }
        }
    });
    lambda_http::lambda_runtime::run_concurrent(handler).await
}

/// axum's response body is `Send` but not `Sync`, and `run_concurrent` asks for both.
/// A body is only ever polled through `&mut` by the one task sending it, so wrapping it
/// in a `SyncWrapper` costs nothing: no lock, no copy of the body.
struct SyncBody(SyncWrapper<axum::body::Body>);

impl SyncBody {
    fn new(body: axum::body::Body) -> Self {
        SyncBody(SyncWrapper::new(body))
    }
}

impl http_body::Body for SyncBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(self.get_mut().0.get_mut()).poll_frame(cx)
    }
}
