//! `GET /api/v1/groups.getIntegrations`: the integrations of one private group. A
//! group that is missing, not a group, or not accessible to the caller gets one and
//! the same 400, so a hidden group cannot be told from a missing one.

use super::listing::{RoomRule, Scope, Spec};
use crate::error::ApiError;
use crate::model::{partition, RoomRecord};
use crate::page::Shape;
use crate::params::Sort;
use crate::request::RawRequest;

pub const SPEC: Spec = Spec {
    scope: Scope::Room(RoomRule {
        admits: RoomRecord::is_group,
        shared: partition::ALL_PRIVATE_GROUPS,
        include_shared,
        missing: ApiError::GroupParamMissing,
        not_found: ApiError::GroupNotFound,
        denied: ApiError::GroupNotFound,
    }),
    default_sort,
    filters: |_| Vec::new(),
    shape: Shape::Room,
};

/// `includeAllPrivateGroups`: true unless present, non-empty and other than `true`.
fn include_shared(raw: &RawRequest) -> bool {
    raw.param("includeAllPrivateGroups").is_none_or(|v| v.is_empty() || v == "true")
}

fn default_sort() -> Sort {
    Sort::default()
}
