//! The sync function: Rocket.Chat's change events from a Kinesis stream applied to
//! the tables (the sync contract), one batch per invocation, with partial batch
//! responses. Built without the `local` feature, like `bootstrap`.

use lambda_http::lambda_runtime::{self, service_fn, LambdaEvent};
use rc_integrations::config::{StoreSettings, TableNames, TABLES};
use rc_integrations::lambda::init_failed;
use rc_integrations::metrics::{BatchMetrics, MetricsTarget};
use rc_integrations::store::{try_build_client, Endpoint};
use rc_integrations::sync::kinesis::apply_batch;
use rc_integrations::sync::Applier;
use rc_integrations::telemetry;
use serde_json::Value as Json;
use std::sync::Arc;
use std::time::Duration;

fn main() -> Result<(), lambda_runtime::Error> {
    rc_integrations::store::forget_empty_endpoint_variables();
    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(run())
}

async fn run() -> Result<(), lambda_runtime::Error> {
    telemetry::init_json();
    let tables =
        TableNames::from_env_requiring(TABLES.iter().map(|(_, var, _)| *var)).map_err(init_failed)?;
    // A batch's writes get more time than a request's reads: the function's timeout
    // bounds the whole invocation.
    let settings = StoreSettings {
        request_budget: Duration::from_secs(20),
        max_attempts: 10,
        ..StoreSettings::from_env()
    };
    let client = try_build_client(&Endpoint::Aws, &settings).await.map_err(init_failed)?;
    let applier = Arc::new(Applier::from_env(client, tables));
    let metrics = Arc::new(MetricsTarget::from_env());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Json>| {
        let (applier, metrics) = (applier.clone(), metrics.clone());
        async move { handle(&applier, &metrics, event).await }
    }))
    .await
}

async fn handle(
    applier: &Applier,
    metrics: &MetricsTarget,
    event: LambdaEvent<Json>,
) -> Result<Json, lambda_runtime::Error> {
    let request_id = event.context.request_id.clone();
    let now = chrono::Utc::now().timestamp_millis();
    let result = match apply_batch(applier, event.payload, now.max(0) as u64).await {
        Ok(result) => result,
        Err(error) => {
            // Lambda retries the batch (bisecting it); the whole batch counts as failed.
            tracing::error!(request_id, %error, "batch not applied");
            return Err(Box::new(error));
        }
    };
    for (sequence_number, failure) in &result.failures {
        tracing::warn!(
            request_id,
            sequence_number,
            collection = failure.collection.as_deref().unwrap_or("-"),
            id = failure.id.as_deref().unwrap_or("-"),
            reason = failure.reason,
            "record failed"
        );
    }
    let tally = result.tally;
    tracing::info!(
        request_id,
        records = result.records,
        applied = tally.applied,
        stale = tally.stale,
        ignored = tally.ignored,
        failed = tally.failed,
        writes = result.writes,
        lag_ms = result.lag_ms,
        "batch"
    );
    let line = metrics.batch_line(
        &BatchMetrics {
            records: result.records,
            applied: tally.applied,
            stale: tally.stale,
            ignored: tally.ignored,
            failed: tally.failed,
            lag_ms: result.lag_ms,
            writes: result.writes,
        },
        &request_id,
        now,
    );
    println!("{line}");
    Ok(result.response())
}
