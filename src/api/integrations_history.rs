//! `GET /api/v1/integrations.history`: one outgoing integration's runs, newest first.
//! Its history index keeps an integration's runs in that order, so the default
//! request reads the page's ids from the index and their documents by key, and
//! counts the rest on the index: what a page costs, not what the history holds.
//! Any other sort, a `query` or `count=0` select in memory, over at most
//! [`IN_MEMORY_MAX`] runs.

use crate::access::{holds, Visibility, MANAGE_OUTGOING, MANAGE_OWN_OUTGOING};
use crate::auth::Credentials;
use crate::error::ApiError;
use crate::fetch::{self, Reader, Wants};
use crate::model::{Body, Integration};
use crate::page::{self, Page, Shape};
use crate::params::{Count, Direction, Sort, Window};
use crate::request::{self, RawRequest};
use crate::select::{self, Selection};
use crate::store::{HistoryRead, Key, Record, Round, FIRST_PAGE_ITEMS};
use crate::Service;

/// The most runs a request sorts or filters in memory; past it, the 503.
pub const IN_MEMORY_MAX: usize = 20_000;

const SHAPE: Shape = Shape::Counted("history");

fn default_sort() -> Sort {
    Sort::by("_updatedAt", Direction::Descending)
}

pub async fn run(
    service: &Service,
    raw: &RawRequest,
    reader: &mut Reader<'_>,
    authenticated: &mut Option<String>,
) -> Result<Page, ApiError> {
    let credentials = Credentials::parse(raw.auth_token.as_deref(), raw.user_id.as_deref());
    let credentials = credentials.as_ref().ok_or(ApiError::Unauthorized)?;
    let id = integration_id(raw);
    let listing = request::listing(raw, &service.pages, default_sort(), Vec::new());
    let window = listing.as_ref().ok().map(|l| Window::of(l.offset, l.count));
    // In index order: the default sort, no filter, a bounded page.
    let in_index_order = listing
        .as_ref()
        .is_ok_and(|l| l.filter.is_none() && l.sort == default_sort() && matches!(l.count, Count::Limit(_)));

    // Round 1: the caller's records and, before anyone is authenticated, no more of
    // the history than a first page of ids.
    let mut round = fetch::first_round(&Wants::caller(credentials, Vec::new()));
    if let (Ok(id), Some(window), true) = (&id, window, in_index_order) {
        let first = window.end().min(FIRST_PAGE_ITEMS as usize);
        round.history =
            Some(HistoryRead { integration: id.clone(), creator: None, first: Some(first), count: false });
    }
    reader.run(round).await?;

    let user = reader.facts.authenticate(credentials, authenticated)?;
    let facts = &reader.facts;
    let permissions = facts.permissions();
    // Only the outgoing permissions count; "own" sees the runs of its own integrations,
    // as the snapshot in each run says.
    let creator = if holds(&user, &permissions, MANAGE_OUTGOING) {
        None
    } else if holds(&user, &permissions, MANAGE_OWN_OUTGOING) {
        Some(user.id.clone())
    } else {
        return Err(ApiError::Forbidden);
    };
    let id = id?;
    let listing = listing?;
    let window = Window::of(listing.offset, listing.count);
    let read = |first, count| HistoryRead { integration: id.clone(), creator: creator.clone(), first, count };

    let selection = if in_index_order {
        let mut runs = reader.facts.history.take().unwrap_or_default();
        runs.runs.retain(|(_, by)| creator.is_none() || *by == creator);
        let total = if runs.complete {
            Some(runs.runs.len())
        } else if runs.runs.len() < window.end() {
            reader.run(Round { history: Some(read(Some(window.end()), true)), ..Round::default() }).await?;
            runs = reader.facts.history.take().unwrap_or_default();
            runs.total
        } else {
            None
        };
        let ids: Vec<String> =
            runs.runs.into_iter().skip(window.skip).take(window.take).map(|(id, _)| id).collect();
        let mut round =
            Round { keys: ids.iter().cloned().map(Key::HistoryRun).collect(), ..Round::default() };
        if total.is_none() {
            round.history = Some(read(Some(0), true));
        }
        reader.run(round).await?;
        let total = total.or_else(|| reader.facts.history.as_ref().and_then(|h| h.total)).unwrap_or_default();
        Selection { page: documents(&reader.facts, ids), total }
    } else {
        reader.run(Round { history: Some(read(None, false)), ..Round::default() }).await?;
        let runs = reader.facts.history.take().unwrap_or_default().runs;
        if runs.len() > IN_MEMORY_MAX {
            return Err(ApiError::Unavailable);
        }
        let ids: Vec<String> = runs.into_iter().map(|(id, _)| id).collect();
        reader
            .run(Round { keys: ids.iter().cloned().map(Key::HistoryRun).collect(), ..Round::default() })
            .await?;
        let all = documents(&reader.facts, ids);
        let deadline = std::time::Instant::now() + select::SELECT_BUDGET;
        let (filter, sort) = (listing.filter.clone(), listing.sort.clone());
        tokio::task::spawn_blocking(move || {
            select::select_within(
                vec![all],
                &Visibility::Everything,
                filter.as_ref(),
                &sort,
                window,
                deadline,
            )
        })
        .await
        .map_err(|_| ApiError::Unavailable)??
    };
    Ok(page::respond(selection, listing.offset, &listing.fields, service.pages.max_response_bytes, SHAPE))
}

/// `id`: absent, empty and blank are three different 400s.
fn integration_id(raw: &RawRequest) -> Result<String, ApiError> {
    match raw.param("id") {
        None => Err(ApiError::ParamRequired("id")),
        Some("") => Err(ApiError::ParamEmpty),
        Some(id) if id.trim().is_empty() => Err(ApiError::InvalidIntegrationId),
        Some(id) if id.len() > crate::model::MAX_KEY_BYTES => Err(ApiError::InvalidIntegrationId),
        Some(id) => Ok(id.to_owned()),
    }
}

/// The runs read by key, in the order of `ids`; one deleted meanwhile is left out.
fn documents(facts: &fetch::Facts, ids: Vec<String>) -> Vec<Integration> {
    ids.into_iter()
        .filter_map(|id| match facts.lookup(&Key::HistoryRun(id.clone())) {
            Some(Some(Record::Document(text))) => {
                Some(Integration { id, head: Integration::EMPTY.head, body: Body::Stored(text.clone()) })
            }
            _ => None,
        })
        .collect()
}
