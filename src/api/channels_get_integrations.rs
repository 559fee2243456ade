//! `GET /api/v1/channels.getIntegrations`: the integrations of one public channel or
//! omnichannel room (contract: `docs/channels.getIntegrations.md`).

use super::listing::{RoomRule, Scope, Spec};
use crate::error::ApiError;
use crate::model::{partition, RoomRecord};
use crate::page::Shape;
use crate::params::Sort;
use crate::request::RawRequest;

pub const SPEC: Spec = Spec {
    scope: Scope::Room(RoomRule {
        admits: RoomRecord::is_channel,
        shared: partition::ALL_PUBLIC_CHANNELS,
        include_shared,
        missing: ApiError::RoomParamMissing,
        not_found: ApiError::RoomNotFound,
        denied: ApiError::RoomAccessDenied,
    }),
    default_sort,
    filters: |_| Vec::new(),
    shape: Shape::Room,
};

/// `includeAllPublicChannels`: true unless present and other than `true`.
fn include_shared(raw: &RawRequest) -> bool {
    raw.param("includeAllPublicChannels").is_none_or(|v| v == "true")
}

fn default_sort() -> Sort {
    Sort::default()
}
