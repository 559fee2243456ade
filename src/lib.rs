//! Rocket.Chat's `GET /api/v1/channels.getIntegrations` over DynamoDB.
//!
//! [`Service::get_integrations`] is the whole request, top to bottom:
//! parse → fetch (one parallel round) → authenticate → authorize → room → select
//! (visibility ∧ query, sort) → page (project) → respond. Transports ([`http`], the
//! Lambda and local binaries) only adapt.

/// Every binary built on this crate allocates with mimalloc: a request builds and
/// frees many small documents, which it does markedly faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod access;
pub mod auth;
pub mod config;
pub mod document;
pub mod error;
pub mod http;
pub mod model;
pub mod page;
pub mod params;
pub mod projection;
pub mod query;
pub mod request;
pub mod room;
pub mod select;
pub mod store;
pub mod telemetry;

#[cfg(feature = "local")]
pub mod import;
#[cfg(feature = "local")]
pub mod local;

use config::PageSettings;
use error::ApiError;
use request::RawRequest;
use std::sync::Arc;
use store::{Lookup, Store};

/// The endpoint: its store and settings, built once per process.
pub struct Service {
    store: Arc<dyn Store>,
    pages: PageSettings,
}

impl Service {
    pub fn new(store: Arc<dyn Store>, pages: PageSettings) -> Self {
        Service { store, pages }
    }

    /// Answers one request with the success body (JSON text) or the error that decides it.
    pub async fn get_integrations(&self, raw: &RawRequest) -> Result<String, ApiError> {
        let request = request::parse(raw, &self.pages);
        let credentials = request.credentials.as_ref().ok_or(ApiError::Unauthorized)?;

        let snapshot = self
            .store
            .load(Lookup {
                credentials,
                room: request.room.as_ref().ok(),
                include_all_public_channels: request.include_all_public_channels,
                with_integrations: request.listing.is_ok(),
            })
            .await
            .map_err(|error| {
                tracing::warn!(%error, "store unavailable");
                ApiError::Unavailable
            })?;

        tracing::debug!(read_units = snapshot.read_units, "DynamoDB reads");

        let now = chrono::Utc::now().timestamp();
        let user = auth::authenticate(credentials, snapshot.token, snapshot.user, now)?;
        let visibility = access::authorize(&user, &snapshot.permissions)?;
        request.room?;
        room::require_channel(snapshot.room)?;
        let listing = request.listing?;
        let selected =
            select::select(snapshot.integrations, &visibility, listing.filter.as_ref(), &listing.sort);
        Ok(page::respond(
            selected,
            listing.offset,
            listing.count,
            &listing.fields,
            self.pages.max_response_bytes,
        ))
    }
}
