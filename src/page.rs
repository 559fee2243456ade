//! Paging and the success body.

use crate::model::Integration;
use crate::params::{Count, Offset};
use crate::projection::Projection;
use serde_json::{json, Value as Json};

/// The page at `offset` of at most `count` items, each projected, in the success
/// body's key order: `integrations`, `count`, `offset`, `total`, `success`.
pub fn respond(selected: Vec<Integration>, offset: Offset, count: Count, fields: &Projection) -> Json {
    let total = selected.len();
    let skip = usize::try_from(offset.0).unwrap_or(usize::MAX);
    let take = match count {
        Count::All => usize::MAX,
        Count::Limit(n) => usize::try_from(n).unwrap_or(usize::MAX),
    };
    let page: Vec<Json> =
        selected.iter().skip(skip).take(take).map(|i| fields.apply(i.doc.to_wire())).collect();
    let count = page.len();
    json!({
        "integrations": page,
        "count": count,
        "offset": offset.0,
        "total": total,
        "success": true,
    })
}
