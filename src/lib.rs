//! Rocket.Chat's integration reads over DynamoDB: `channels.getIntegrations`,
//! `groups.getIntegrations`, `integrations.list` and `integrations.get`. "The
//! contract", cited as "contract §N" throughout, is `docs/channels.getIntegrations.md`;
//! `docs/integrations-read-api.md` adds the other endpoints.
//!
//! [`Service::answer`] is the whole request: it hands it to its endpoint's module in
//! [`api`], whose stages run top to bottom in the contract's order (for a listing:
//! parse → fetch (one parallel round) → authenticate → authorize → room → select
//! (visibility ∧ query, sort) → page (project) → respond). Transports ([`http`], the
//! Lambda and local binaries) only adapt.

/// Every binary built on this crate allocates with mimalloc: a request builds and
/// frees many small documents, which it does markedly faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod access;
pub mod api;
pub mod auth;
pub mod config;
pub mod cors;
pub mod document;
pub mod error;
pub mod fetch;
pub mod http;
pub mod ingest;
pub mod lambda;
pub mod metrics;
pub mod model;
pub mod page;
pub mod params;
pub mod projection;
pub mod query;
pub mod request;
pub mod room_access;
pub mod select;
pub mod shortlist;
pub mod sieve;
pub mod store;
pub mod sync;
pub mod telemetry;

#[cfg(feature = "local")]
pub mod import;
#[cfg(feature = "local")]
pub mod local;

pub use api::Endpoint;
use config::PageSettings;
use error::ApiError;
use fetch::Reader;
use request::RawRequest;
use std::sync::Arc;
use store::Store;

/// The endpoints: their store and settings, built once per process.
pub struct Service {
    store: Arc<dyn Store>,
    pub(crate) pages: PageSettings,
}

/// A request's answer and what it cost, for the transport to send and log.
#[derive(Debug)]
pub struct Answer {
    pub result: Result<String, ApiError>,
    /// The caller's id, once authenticated; `None` before (the header may hold anything).
    pub user_id: Option<String>,
    /// Sequential DynamoDB rounds the request took.
    pub rounds: u32,
    /// Read capacity units it consumed.
    pub read_units: f64,
    /// Records (integrations, history entries) in the page (0 for an error).
    pub items: usize,
    /// The store refused a table or index (missing, or the read denied).
    pub misconfigured: bool,
}

impl Service {
    pub fn new(store: Arc<dyn Store>, pages: PageSettings) -> Self {
        Service { store, pages }
    }

    /// The service on DynamoDB, wired the one way every entry point (Lambda, the local
    /// server, the tests) wires it. The store comes back too, for `warm_up`.
    pub fn on_dynamodb(
        client: aws_sdk_dynamodb::Client,
        tables: config::TableNames,
        settings: config::StoreSettings,
        pages: PageSettings,
    ) -> (Arc<Service>, Arc<store::DynamoStore>) {
        let store = Arc::new(store::DynamoStore::new(client, tables, settings));
        (Arc::new(Service::new(store.clone(), pages)), store)
    }

    /// Answers one `channels.getIntegrations` request with the success body (JSON
    /// text) or the error that decides it.
    pub async fn get_integrations(&self, raw: &RawRequest) -> Result<String, ApiError> {
        self.answer(Endpoint::ChannelsGetIntegrations, raw).await.result
    }

    /// Answers one request to `endpoint`.
    pub async fn answer(&self, endpoint: Endpoint, raw: &RawRequest) -> Answer {
        let mut reader = Reader::new(&*self.store);
        let mut user_id = None;
        let page = self.run(endpoint, raw, &mut reader, &mut user_id).await;
        let items = page.as_ref().map_or(0, |p| p.items);
        let result = page.map(|p| p.body);
        Answer {
            result,
            user_id,
            rounds: reader.rounds,
            read_units: reader.read_units,
            items,
            misconfigured: reader.misconfigured,
        }
    }

    async fn run(
        &self,
        endpoint: Endpoint,
        raw: &RawRequest,
        reader: &mut Reader<'_>,
        user_id: &mut Option<String>,
    ) -> Result<page::Page, ApiError> {
        use api::listing::run as list;
        match endpoint {
            Endpoint::ChannelsGetIntegrations => {
                list(&api::channels_get_integrations::SPEC, self, raw, reader, user_id).await
            }
            Endpoint::GroupsGetIntegrations => {
                list(&api::groups_get_integrations::SPEC, self, raw, reader, user_id).await
            }
            Endpoint::IntegrationsList => {
                list(&api::integrations_list::SPEC, self, raw, reader, user_id).await
            }
            Endpoint::IntegrationsGet => api::integrations_get::run(raw, reader, user_id).await,
            Endpoint::IntegrationsHistory => api::integrations_history::run(self, raw, reader, user_id).await,
        }
    }
}

#[cfg(test)]
mod pipeline_tests;
