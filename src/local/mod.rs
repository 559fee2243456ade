//! Local mode: the embedded DynamoDB emulator, tables from template.yaml, and the
//! local HTTP server. Not part of the Lambda build.

pub mod demo;
pub mod sync_lines;
pub mod tables;
mod transport;

use crate::config::{PageSettings, StoreSettings, TableNames};
use crate::cors::CorsPolicy;
use crate::store::{build_client, Endpoint};
use crate::{http, Service};
use std::net::SocketAddr;
use std::sync::Arc;

/// Starts the `dynoxide` emulator in this process on a loopback port (0: any free
/// one) and returns its endpoint URL. It lives as long as the Tokio runtime.
pub async fn start_emulator(port: u16) -> std::io::Result<String> {
    start_emulator_on(SocketAddr::from(([127, 0, 0, 1], port))).await
}

/// [`start_emulator`] on any address, e.g. one a container can reach (`sam local`'s
/// functions run on Docker's bridge network). The emulator has no authentication.
pub async fn start_emulator_on(addr: SocketAddr) -> std::io::Result<String> {
    let db = dynoxide::Database::memory().map_err(std::io::Error::other)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("the emulator's address {addr}: {e}")))?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(dynoxide::server::serve_on(listener, db));
    Ok(url)
}

/// The endpoint named by `AWS_ENDPOINT_URL_DYNAMODB`, if any. Local emulators take
/// any credentials, so dummy ones are supplied when none are configured.
pub fn configured_endpoint() -> Option<Endpoint> {
    let url = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").ok().filter(|u| !u.is_empty())?;
    let has_credentials =
        std::env::var_os("AWS_ACCESS_KEY_ID").is_some() || std::env::var_os("AWS_PROFILE").is_some();
    Some(if has_credentials { Endpoint::Aws } else { Endpoint::Local(url) })
}

/// The client with the request-path settings from the environment.
pub async fn client(endpoint: &Endpoint) -> aws_sdk_dynamodb::Client {
    build_client(endpoint, &StoreSettings::from_env()).await
}

/// The service over `client`, warmed up (connection open, permissions cached).
pub async fn service(client: aws_sdk_dynamodb::Client, tables: TableNames) -> Arc<Service> {
    let (service, store) =
        Service::on_dynamodb(client, tables, StoreSettings::from_env(), PageSettings::from_env());
    if let Err(error) = store.warm_up().await {
        tracing::warn!(%error, "warm-up failed");
    }
    service
}

/// Serves `router` (`http::router` or `http::router_with_cors` under `cors`) on `addr`
/// until Ctrl-C.
pub async fn serve(router: axum::Router, cors: &CorsPolicy, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("{addr}: {e} (another --port?)")))?;
    serve_on(listener, router, cors).await
}

/// Serves `router` (built under `cors`) on a bound listener until Ctrl-C.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    cors: &CorsPolicy,
) -> std::io::Result<()> {
    let any_origin = *cors == CorsPolicy::AnyOrigin;
    let listener = transport::JsonErrorsListener { listener, any_origin };
    tracing::info!("serving http://{}{}", listener.listener.local_addr()?, http::PATH);
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
