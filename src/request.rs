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
    fn param(&self, name: &str) -> Option<&str> {
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
    /// The caller's `query`; only ever narrows what the room and visibility allow.
    pub filter: Option<Filter>,
}

/// Everything the rest of the pipeline needs. Failures are kept, not raised, so that
/// they surface in the contract's order (401, 403, room, then parameters).
#[derive(Debug)]
pub struct ParsedRequest {
    pub credentials: Option<Credentials>,
    pub room: Result<RoomRef, ApiError>,
    pub include_all_public_channels: bool,
    pub listing: Result<Listing, ApiError>,
}

pub fn parse(raw: &RawRequest, settings: &PageSettings) -> ParsedRequest {
    ParsedRequest {
        credentials: Credentials::parse(raw.auth_token.as_deref(), raw.user_id.as_deref()),
        room: room(raw.param("roomId"), raw.param("roomName")),
        include_all_public_channels: raw.param("includeAllPublicChannels").is_none_or(|v| v == "true"),
        listing: listing(raw, settings),
    }
}

fn room(id: Option<&str>, name: Option<&str>) -> Result<RoomRef, ApiError> {
    let given = |v: Option<&str>| v.filter(|s| !s.trim().is_empty()).map(str::to_owned);
    let room = match (given(id), given(name)) {
        (Some(id), _) => RoomRef::Id(id),
        (None, Some(name)) => RoomRef::Name(name),
        (None, None) => return Err(ApiError::RoomParamMissing),
    };
    // No stored id or name is this long; DynamoDB would refuse it as a key.
    let (RoomRef::Id(key) | RoomRef::Name(key)) = &room;
    if key.len() > MAX_KEY_BYTES {
        return Err(ApiError::RoomNotFound);
    }
    Ok(room)
}

fn listing(raw: &RawRequest, settings: &PageSettings) -> Result<Listing, ApiError> {
    Ok(Listing {
        offset: Offset::parse(raw.param("offset"))?,
        count: Count::parse(raw.param("count"), settings)?,
        sort: Sort::parse(raw.param("sort"))?,
        fields: Projection::parse(raw.param("fields"))?,
        filter: raw.param("query").filter(|q| !q.is_empty()).map(Filter::parse).transpose()?,
    })
}
