//! `GET /api/v1/integrations.list`: every integration the caller may see, across
//! the workspace, read from the workspace partition (one copy per integration).

use super::listing::{Scope, Spec};
use crate::page::Shape;
use crate::params::{Direction, Sort};
use crate::query::Filter;
use crate::request::RawRequest;

pub const SPEC: Spec =
    Spec { scope: Scope::Workspace, default_sort, filters, shape: Shape::Counted("integrations") };

/// Rocket.Chat's default, `{"ts":-1}`, sorts by a field integrations do not have:
/// every one ties, and the `_id` tie-break decides.
fn default_sort() -> Sort {
    Sort::by("ts", Direction::Descending)
}

/// `name`: a literal, case-insensitive substring of the name; `type`: the type
/// exactly. Empty means no filter.
fn filters(raw: &RawRequest) -> Vec<Filter> {
    let given = |name| raw.param(name).filter(|v| !v.is_empty());
    let name = given("name").map(|text| Filter::contains_ignoring_case("name", text));
    let kind = given("type").map(|kind| Filter::equals("type", kind));
    name.into_iter().chain(kind).collect()
}
