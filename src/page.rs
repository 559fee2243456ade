//! Paging, projection and the success body, serialized straight to text.

use crate::document::Wire;
use crate::model::Integration;
use crate::params::{Count, Offset};
use crate::projection::Projection;

/// Bytes kept free for the body's tail (`],"count":…,"success":true}`).
const TAIL_RESERVE: usize = 128;

/// A page: the success body and how many integrations it lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub body: String,
    pub items: usize,
}

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
) -> Page {
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
    Page { body: String::from_utf8(body).unwrap_or_default(), items }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Value;

    fn items(n: usize) -> Vec<Integration> {
        (0..n)
            .map(|i| {
                let text = format!(r#"{{"_id":"i{i}","name":"n{i}","script":"{}"}}"#, "s".repeat(100));
                Integration { id: format!("i{i}"), doc: Value::from_extended_json_str(&text).unwrap() }
            })
            .collect()
    }

    fn page(n: usize, offset: u64, count: Count, fields: Option<&str>, max: usize) -> serde_json::Value {
        let fields = Projection::parse(fields).unwrap();
        serde_json::from_str(&respond(items(n), Offset(offset), count, &fields, max).body).unwrap()
    }

    fn ids(body: &serde_json::Value) -> Vec<&str> {
        body["integrations"].as_array().unwrap().iter().map(|i| i["_id"].as_str().unwrap()).collect()
    }

    #[test]
    fn offset_and_count_cut_the_page_and_total_counts_everything() {
        // (items, offset, count, expected ids)
        let rows: [(usize, u64, Count, &[&str]); 5] = [
            (3, 0, Count::All, &["i0", "i1", "i2"]),
            (3, 1, Count::Limit(1), &["i1"]),
            (3, 2, Count::Limit(5), &["i2"]),
            (3, 3, Count::Limit(5), &[]),
            (0, 9, Count::All, &[]),
        ];
        for (n, offset, count, expected) in rows {
            let body = page(n, offset, count, None, usize::MAX);
            assert_eq!(ids(&body), expected, "{n} items, offset {offset}, {count:?}");
            assert_eq!(body["count"], expected.len(), "{n} items, offset {offset}");
            assert_eq!((body["offset"].as_u64(), body["total"].as_u64()), (Some(offset), Some(n as u64)));
        }
    }

    #[test]
    fn keys_come_in_rocket_chats_order() {
        let text = respond(items(1), Offset(0), Count::All, &Projection::default(), usize::MAX).body;
        let keys = ["\"integrations\"", "\"count\"", "\"offset\"", "\"total\"", "\"success\""];
        let at: Vec<usize> = keys.iter().map(|k| text.rfind(k).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert!(text.ends_with(r#""success":true}"#));
    }

    #[test]
    fn a_page_stops_before_the_size_limit_but_never_comes_back_empty() {
        let one = respond(items(1), Offset(0), Count::All, &Projection::default(), usize::MAX).body.len();
        let body = page(10, 0, Count::All, None, one * 3);
        let got = body["count"].as_u64().unwrap();
        assert!((1..10).contains(&got), "{got} items in a body limited to about three");
        assert_eq!(body["total"], 10);
        // A single item larger than the limit still comes: a page is never empty for size.
        assert_eq!(page(1, 0, Count::All, None, 10)["count"], 1);
    }

    #[test]
    fn the_projection_applies_to_each_item() {
        let body = page(2, 0, Count::All, Some(r#"{"name":1}"#), usize::MAX);
        assert_eq!(body["integrations"][1], serde_json::json!({"_id": "i1", "name": "n1"}));
    }
}
