//! Paging, projection and the success body, serialized straight to text.

use crate::document::Wire;
use crate::model::Integration;
use crate::params::{Count, Offset};
use crate::projection::Projection;

/// Bytes kept free for the body's tail (`],"count":…,"success":true}`).
const TAIL_RESERVE: usize = 128;

/// The JSON body of the page at `offset` of at most `count` items, each projected,
/// keys in Rocket.Chat's order: `integrations`, `count`, `offset`, `total`, `success`.
///
/// The page also stops before the body would pass `max_bytes` (Lambda refuses
/// responses over 6 MB): `count` then says how many items came, `total` how many
/// there are, and a client pages on from `offset + count` as it would after a clamp.
pub fn respond(
    selected: Vec<Integration>,
    offset: Offset,
    count: Count,
    fields: &Projection,
    max_bytes: usize,
) -> String {
    let total = selected.len();
    let skip = usize::try_from(offset.0).unwrap_or(usize::MAX);
    let take = match count {
        Count::All => usize::MAX,
        Count::Limit(n) => usize::try_from(n).unwrap_or(usize::MAX),
    };
    let mut body = br#"{"integrations":["#.to_vec();
    let mut items = 0;
    for integration in selected.into_iter().skip(skip).take(take) {
        let doc = fields.apply(integration.doc);
        // Serializing strings, numbers and maps with string keys cannot fail.
        let entry = serde_json::to_vec(&Wire(&doc)).unwrap_or_default();
        if items > 0 && body.len() + 1 + entry.len() + TAIL_RESERVE > max_bytes {
            break;
        }
        if items > 0 {
            body.push(b',');
        }
        body.extend_from_slice(&entry);
        items += 1;
    }
    let tail = format!(r#"],"count":{items},"offset":{},"total":{total},"success":true}}"#, offset.0);
    body.extend_from_slice(tail.as_bytes());
    String::from_utf8(body).unwrap_or_default()
}
