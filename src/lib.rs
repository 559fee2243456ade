//! Rocket.Chat's `GET /api/v1/channels.getIntegrations` over DynamoDB. "The contract",
//! cited as "contract §N" throughout, is `docs/channels.getIntegrations.md`.
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
pub mod room;
pub mod room_access;
pub mod select;
pub mod store;
pub mod sync;
pub mod telemetry;

#[cfg(feature = "local")]
pub mod import;
#[cfg(feature = "local")]
pub mod local;

use config::PageSettings;
use error::ApiError;
use fetch::{Reader, Wants};
use request::RawRequest;
use room_access::{Caller, Decision};
use std::sync::Arc;
use store::Store;

/// The endpoint: its store and settings, built once per process.
pub struct Service {
    store: Arc<dyn Store>,
    pages: PageSettings,
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
    /// Integrations listed in the page (0 for an error).
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

    /// Answers one request with the success body (JSON text) or the error that decides it.
    pub async fn get_integrations(&self, raw: &RawRequest) -> Result<String, ApiError> {
        self.answer(raw).await.result
    }

    pub async fn answer(&self, raw: &RawRequest) -> Answer {
        let mut reader = Reader::new(&*self.store);
        let mut user_id = None;
        let page = self.run(raw, &mut reader, &mut user_id).await;
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

    /// The pipeline, top to bottom, in the contract's order of checks.
    async fn run(
        &self,
        raw: &RawRequest,
        reader: &mut Reader<'_>,
        authenticated: &mut Option<String>,
    ) -> Result<page::Page, ApiError> {
        let request = request::parse(raw, &self.pages);
        let credentials = request.credentials.as_ref().ok_or(ApiError::Unauthorized)?;
        let wants = Wants::of(&request, credentials);
        reader.run(fetch::first_round(&wants)).await?;

        let facts = &reader.facts;
        let now = chrono::Utc::now().timestamp();
        let user = auth::authenticate(
            credentials,
            facts.token(&credentials.token_hash),
            facts.user(&credentials.user_id),
            now,
        )?;
        *authenticated = Some(user.id.clone());
        let permissions = facts.permissions();
        let visibility = access::authorize(&user, &permissions)?;
        let room = room::require_channel(facts.room(request.room.as_ref().map_err(Clone::clone)?))?;

        let caller = Caller { user: &user, permissions: &permissions };
        enter_room(&room, &caller, &wants, reader).await?;

        let listing = request.listing.as_ref().map_err(Clone::clone)?;
        let partitions = read_listing(&room, &visibility, &wants, reader).await?;
        let mut selection = select_within_budget(partitions, &visibility, listing).await?;
        reader.run(fetch::documents_round(&selection.page)).await?;
        reader.facts.fill_documents(&mut selection.page);
        Ok(page::respond(selection, listing.offset, &listing.fields, self.pages.max_response_bytes))
    }
}

/// The rest of the room's partitions. A caller who may not see everything gets it as
/// heads whatever the request: what it may not see is dropped on heads, never read or
/// held, and the documents a `query`, a sort or `count=0` needs are read for the rest.
async fn read_listing(
    room: &model::RoomRecord,
    visibility: &access::Visibility,
    wants: &Wants<'_>,
    reader: &mut Reader<'_>,
) -> Result<Vec<Vec<model::Integration>>, ApiError> {
    let restricted = *visibility != access::Visibility::Everything;
    reader.run(fetch::listing_round(&reader.facts, wants, room, restricted)).await?;
    let mut partitions = reader.facts.take_integrations();
    if restricted {
        for partition in &mut partitions {
            partition.retain(|integration| visibility.allows(&integration.head));
        }
        if !wants.heads_suffice {
            reader.run(fetch::visible_documents_round(&partitions)).await?;
            for partition in &mut partitions {
                reader.facts.fill_documents(partition);
                // One deleted since its head was read is left out.
                partition.retain(|integration| integration.stored().is_some());
            }
        }
    }
    Ok(partitions)
}

/// Rooms up to this many integrations, without a `query`, are selected in place: a
/// blocking thread would cost more than the work.
const INLINE_SELECTION_MAX: usize = 1000;

/// Selection (visibility ∧ query, sort) within its CPU budget (`select::SELECT_BUDGET`;
/// past it, the 503), on a blocking thread when it may be heavy, so that one costly
/// request never stalls the others a local server or a runtime is answering.
async fn select_within_budget(
    partitions: Vec<Vec<model::Integration>>,
    visibility: &access::Visibility,
    listing: &request::Listing,
) -> Result<select::Selection, ApiError> {
    let deadline = std::time::Instant::now() + select::SELECT_BUDGET;
    let window = page::Window::of(listing.offset, listing.count);
    let size: usize = partitions.iter().map(Vec::len).sum();
    if listing.filter.is_none() && size <= INLINE_SELECTION_MAX {
        return select::select_within(partitions, visibility, None, &listing.sort, window, deadline);
    }
    let (visibility, filter, sort) = (visibility.clone(), listing.filter.clone(), listing.sort.clone());
    tokio::task::spawn_blocking(move || {
        select::select_within(partitions, &visibility, filter.as_ref(), &sort, window, deadline)
    })
    .await
    .map_err(|_| ApiError::Unavailable)?
}

/// Room access (contract §5a): decided on what has been read, reading one more round
/// only while no rule holds and some are undecided.
async fn enter_room(
    room: &model::RoomRecord,
    caller: &Caller<'_>,
    wants: &Wants<'_>,
    reader: &mut Reader<'_>,
) -> Result<(), ApiError> {
    loop {
        match room_access::decide(room, caller, &reader.facts) {
            Decision::Allow => return Ok(()),
            Decision::Deny => return Err(ApiError::RoomAccessDenied),
            Decision::Need(keys) => reader.run(fetch::access_round(keys, &reader.facts, wants, room)).await?,
        }
    }
}

#[cfg(test)]
mod pipeline_tests;
