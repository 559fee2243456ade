//! The pipeline of every endpoint that lists integrations, top to bottom in the
//! contract's order of checks: parse → fetch (one parallel round) → authenticate →
//! authorize → room and room access (for a room's listing) → select (visibility ∧
//! filters, sort) → page (project) → respond. An endpoint is a [`Spec`].

use crate::access::{self, Visibility};
use crate::error::ApiError;
use crate::fetch::{self, Reader, Wants};
use crate::model::{partition, Integration, RoomRecord};
use crate::page::{self, Page, Shape};
use crate::params::{Sort, Window};
use crate::query::Filter;
use crate::request::{self, ParsedRequest, RawRequest};
use crate::room_access::{self, Caller, Decision};
use crate::sieve::Sieve;
use crate::{select, Service};
use std::sync::Arc;

/// What a listing endpoint is made of.
pub struct Spec {
    pub scope: Scope,
    /// The sort when the caller gives none.
    pub default_sort: fn() -> Sort,
    /// The endpoint's own filters, from its parameters: ANDed with `query`.
    pub filters: fn(&RawRequest) -> Vec<Filter>,
    pub shape: Shape,
}

/// What is listed.
pub enum Scope {
    /// One room's integrations (and those shared by every room of its kind).
    Room(RoomRule),
    /// Every integration of the workspace.
    Workspace,
}

/// Which rooms a room's listing serves, and how it refuses the others.
pub struct RoomRule {
    /// The room types listed; any other room is `not_found`.
    pub admits: fn(&RoomRecord) -> bool,
    /// The partition every room of the kind shares (`all_public_channels`, …).
    pub shared: &'static str,
    /// Whether the request lists `shared` too.
    pub include_shared: fn(&RawRequest) -> bool,
    pub missing: ApiError,
    pub not_found: ApiError,
    /// The answer when room access (contract §5a) refuses the caller.
    pub denied: ApiError,
}

impl Spec {
    fn parse(&self, raw: &RawRequest, service: &Service) -> ParsedRequest {
        let listing = request::listing(raw, &service.pages, (self.default_sort)(), (self.filters)(raw));
        let credentials = crate::auth::Credentials::parse(raw.auth_token.as_deref(), raw.user_id.as_deref());
        match &self.scope {
            Scope::Room(rule) => ParsedRequest {
                credentials,
                room: Some(request::room(raw, rule.missing.clone(), rule.not_found.clone())),
                include_shared: (rule.include_shared)(raw),
                listing,
            },
            Scope::Workspace => ParsedRequest { credentials, room: None, include_shared: true, listing },
        }
    }

    fn shared(&self) -> &'static str {
        match &self.scope {
            Scope::Room(rule) => rule.shared,
            Scope::Workspace => partition::WORKSPACE,
        }
    }
}

/// The pipeline, top to bottom, in the contract's order of checks.
pub async fn run(
    spec: &Spec,
    service: &Service,
    raw: &RawRequest,
    reader: &mut Reader<'_>,
    authenticated: &mut Option<String>,
) -> Result<Page, ApiError> {
    let request = spec.parse(raw, service);
    let credentials = request.credentials.as_ref().ok_or(ApiError::Unauthorized)?;
    // Three bodies' worth: the page's documents and, for most rooms, all of them.
    let documents_held = service.pages.max_response_bytes.saturating_mul(3);
    let wants = Wants::listing(&request, credentials, Some(spec.shared()), documents_held);
    reader.run(fetch::first_round(&wants)).await?;

    let user = reader.facts.authenticate(credentials, authenticated)?;
    let facts = &reader.facts;
    let permissions = facts.permissions();
    let visibility = access::authorize(&user, &permissions)?;
    let room = match (&spec.scope, &request.room) {
        (Scope::Room(rule), Some(room)) => {
            let named = room.as_ref().map_err(Clone::clone)?;
            let room =
                facts.room(named, rule.admits).filter(|r| (rule.admits)(r)).ok_or(rule.not_found.clone())?;
            let caller = Caller { user: &user, permissions: &permissions };
            enter_room(&room, &caller, &wants, reader).await.map_err(|e| match e {
                ApiError::RoomAccessDenied => rule.denied.clone(),
                other => other,
            })?;
            Some(room)
        }
        _ => None,
    };

    let listing = request.listing.as_ref().map_err(Clone::clone)?;
    let window = Window::of(listing.offset, listing.count);
    let ranking = fetch::Ranking { visibility: &visibility, sort: &listing.sort, window };
    let partitions = read_listing(room.as_ref(), ranking, &wants, reader).await?;
    let mut selection = select_within_budget(partitions, ranking, listing.filter.as_ref()).await?;
    // The heads a shortlist passed over are behind the page, and listed.
    selection.total += reader.facts.passed_over();
    let max_bytes = service.pages.max_response_bytes;
    read_page_documents(&mut selection.page, max_bytes, reader).await?;
    Ok(page::respond(selection, listing.offset, &listing.fields, max_bytes, spec.shape))
}

/// The documents of the page's integrations whose heads alone were read, by key, a
/// round at a time, until the page holds `max_bytes` of documents: the body stops
/// there anyway, so what lies beyond is never read nor held (`count=0` on a room of
/// any size holds its heads and about one body's worth of documents).
async fn read_page_documents(
    page: &mut Vec<Integration>,
    max_bytes: usize,
    reader: &mut Reader<'_>,
) -> Result<(), ApiError> {
    let (mut at, mut bytes) = (0, 0);
    while at < page.len() && bytes < max_bytes {
        let end = (at + fetch::DOCUMENTS_PER_ROUND).min(page.len());
        reader.run(fetch::documents_round(&page[at..end])).await?;
        reader.facts.fill_documents(&mut page[at..end]);
        bytes += page[at..end].iter().map(|i| i.stored().map_or(0, str::len)).sum::<usize>();
        at = end;
    }
    page.truncate(at);
    Ok(())
}

/// The rest of the listed partitions. A caller who may not see everything gets it as
/// heads whatever the request: what it may not see is dropped on heads, never read or
/// held, and the documents a `query`, a sort or `count=0` needs are read for the rest.
async fn read_listing(
    room: Option<&RoomRecord>,
    ranking: fetch::Ranking<'_>,
    wants: &Wants<'_>,
    reader: &mut Reader<'_>,
) -> Result<Vec<Vec<Integration>>, ApiError> {
    let visibility = ranking.visibility;
    let restricted = *visibility != Visibility::Everything;
    reader.run(fetch::listing_round(&reader.facts, wants, room, ranking)).await?;
    let mut partitions = reader.facts.take_partitions();
    let overflowed = || wants.sieve.as_ref().is_some_and(|sieve| sieve.overflowed());
    if restricted {
        for (_, partition) in &mut partitions {
            partition.retain(|integration| visibility.allows(&integration.head));
        }
        if let Some(sieve) = &wants.sieve {
            for (name, partition) in &mut partitions {
                *partition = sift_by_key(std::mem::take(partition), name, sieve, reader).await?;
            }
        }
    }
    // The sort fields of what the request admitted are more than it may hold.
    if overflowed() {
        tracing::warn!("the sort's fields of the admitted integrations pass what a request may hold");
        return Err(ApiError::Unavailable);
    }
    Ok(partitions.into_iter().map(|(_, integrations)| integrations).collect())
}

/// The visible integrations of a partition read as heads, their documents read by key
/// a round at a time and each passed through the request's sieve as its round
/// arrives: what a round read is let go before the next (see [`crate::sieve`]).
async fn sift_by_key(
    mut integrations: Vec<Integration>,
    partition: &str,
    sieve: &Sieve,
    reader: &mut Reader<'_>,
) -> Result<Vec<Integration>, ApiError> {
    let target: Arc<str> = Arc::from(partition);
    let mut kept = Vec::new();
    for chunk in integrations.chunks_mut(fetch::DOCUMENTS_PER_ROUND) {
        reader.run(fetch::documents_round(chunk)).await?;
        reader.facts.fill_documents(chunk);
        if sieve.overflowed() {
            break;
        }
        for integration in chunk {
            let integration = std::mem::replace(integration, Integration::EMPTY);
            // One deleted since its head was read is left out.
            if integration.stored().is_some() {
                kept.extend(sieve.sift(integration, &target));
            }
        }
    }
    Ok(kept)
}

/// Rooms up to this many integrations, without a `query`, are selected in place: a
/// blocking thread would cost more than the work.
const INLINE_SELECTION_MAX: usize = 1000;

/// Selection (visibility ∧ filters, sort) within its CPU budget (`select::SELECT_BUDGET`;
/// past it, the 503), on a blocking thread when it may be heavy, so that one costly
/// request never stalls the others a local server or a runtime is answering.
async fn select_within_budget(
    partitions: Vec<Vec<Integration>>,
    ranking: fetch::Ranking<'_>,
    filter: Option<&Filter>,
) -> Result<select::Selection, ApiError> {
    let deadline = std::time::Instant::now() + select::SELECT_BUDGET;
    let fetch::Ranking { visibility, sort, window } = ranking;
    let size: usize = partitions.iter().map(Vec::len).sum();
    if filter.is_none() && size <= INLINE_SELECTION_MAX {
        return select::select_within(partitions, visibility, None, sort, window, deadline);
    }
    let (visibility, filter, sort) = (visibility.clone(), filter.cloned(), sort.clone());
    tokio::task::spawn_blocking(move || {
        select::select_within(partitions, &visibility, filter.as_ref(), &sort, window, deadline)
    })
    .await
    .map_err(|_| ApiError::Unavailable)?
}

/// Room access (contract §5a): decided on what has been read, reading one more round
/// only while no rule holds and some are undecided.
async fn enter_room(
    room: &RoomRecord,
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
