//! Parsing: what the caller sent, turned into typed values before anything is fetched.

use crate::auth::Credentials;
use crate::config::PageSettings;
use crate::error::ApiError;
use crate::model::{RoomRef, MAX_KEY_BYTES};
use crate::params::{Count, Offset, Sort};
use crate::projection::Projection;
use crate::query::Filter;

/// The request as any transport hands it over: two headers and the query string.
#[derive(Debug, Clone, Default)]
pub struct RawRequest {
    pub auth_token: Option<String>,
    pub user_id: Option<String>,
    /// Decoded query parameters in order; the first of a repeated name counts.
    pub query: Vec<(String, String)>,
}

impl RawRequest {
    /// A query parameter's value (the first, when repeated).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// What the listing holds, in which order, which page, and how each item looks.
#[derive(Debug, Clone)]
pub struct Listing {
    pub offset: Offset,
    pub count: Count,
    pub sort: Sort,
    pub fields: Projection,
    /// The caller's `query` and the endpoint's own filters (`integrations.list`'s
    /// `name` and `type`), all of which must hold: they only ever narrow what the room
    /// and visibility allow.
    pub filter: Option<Filter>,
}

/// Everything the rest of a listing's pipeline needs. Failures are kept, not raised,
/// so that they surface in the contract's order (401, 403, room, then parameters).
#[derive(Debug)]
pub struct ParsedRequest {
    pub credentials: Option<Credentials>,
    /// The room named, for an endpoint listing a room's integrations.
    pub room: Option<Result<RoomRef, ApiError>>,
    /// Whether the partition shared by every room of the kind (`all_public_channels`,
    /// `all_private_groups`) is listed too.
    pub include_shared: bool,
    pub listing: Result<Listing, ApiError>,
}

/// `roomId`, else `roomName` (an empty one counts as absent); `missing` when neither.
pub fn room(raw: &RawRequest, missing: ApiError, not_found: ApiError) -> Result<RoomRef, ApiError> {
    let given = |v: Option<&str>| v.filter(|s| !s.trim().is_empty()).map(str::to_owned);
    let room = match (given(raw.param("roomId")), given(raw.param("roomName"))) {
        (Some(id), _) => RoomRef::Id(id),
        (None, Some(name)) => RoomRef::Name(name),
        (None, None) => return Err(missing),
    };
    // No stored id or name is this long; DynamoDB would refuse it as a key.
    let (RoomRef::Id(key) | RoomRef::Name(key)) = &room;
    if key.len() > MAX_KEY_BYTES {
        return Err(not_found);
    }
    Ok(room)
}

/// `offset`, `count`, `sort` (`default_sort` when absent), `fields` and `query`,
/// the query ANDed with the endpoint's own `filters`.
pub fn listing(
    raw: &RawRequest,
    settings: &PageSettings,
    default_sort: Sort,
    filters: Vec<Filter>,
) -> Result<Listing, ApiError> {
    let offset = Offset::parse(raw.param("offset"))?;
    let count = Count::parse(raw.param("count"), settings)?;
    let sort = Sort::parse_or(raw.param("sort"), default_sort)?;
    let fields = Projection::parse(raw.param("fields"))?;
    let query = raw.param("query").filter(|q| !q.is_empty()).map(Filter::parse).transpose()?;
    Ok(Listing { offset, count, sort, fields, filter: Filter::all(query.into_iter().chain(filters)) })
}
