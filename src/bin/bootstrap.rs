//! The Lambda function: the shared router behind lambda_http. No emulator, importer
//! or local server is compiled in (they live behind the `local` feature).

use rc_integrations::config::{PageSettings, StoreSettings, TableNames};
use rc_integrations::store::{build_client, DynamoStore, Endpoint};
use rc_integrations::{http, telemetry, Service};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init_json();
    let settings = StoreSettings::from_env();
    let client = build_client(&Endpoint::Aws, &settings).await;
    let store = DynamoStore::new(client, TableNames::from_env(), settings);
    // Init, not the first request, pays for the connection and the permissions.
    if let Err(error) = store.warm_up().await {
        tracing::warn!(%error, "warm-up failed; requests will retry DynamoDB");
    }
    let service = Service::new(Arc::new(store), PageSettings::from_env());
    lambda_http::run(http::router(Arc::new(service))).await
}
