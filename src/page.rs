//! Paging, projection and the success body, serialized straight to text.

use crate::document::{stored_to_wire, Value, Wire};
use crate::model::Integration;
use crate::params::Offset;
use crate::projection::{Projection, ALWAYS_EXCLUDED};
use crate::select::Selection;

/// Bytes kept free for the body's tail (`],"count":…,"success":true}`).
const TAIL_RESERVE: usize = 128;

/// A page: the success body and how many integrations it lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub body: String,
    pub items: usize,
}

/// How an endpoint's success body lays out a page: Rocket.Chat's routes differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `{"integrations":[…],"count","offset","total","success"}`: the rooms' listings.
    Room,
    /// `{"<key>":[…],"offset","items","count","total","success"}`, `items` repeating
    /// `count`: `integrations.list` (key `integrations`) and `integrations.history`.
    Counted(&'static str),
}

impl Shape {
    fn head(self) -> String {
        let key = match self {
            Shape::Room => "integrations",
            Shape::Counted(key) => key,
        };
        format!(r#"{{"{key}":["#)
    }

    fn tail(self, items: usize, offset: u64, total: usize) -> String {
        match self {
            Shape::Room => format!(r#"],"count":{items},"offset":{offset},"total":{total},"success":true}}"#),
            Shape::Counted(_) => format!(
                r#"],"offset":{offset},"items":{items},"count":{items},"total":{total},"success":true}}"#
            ),
        }
    }
}

/// The JSON body of the selection's page (at `offset`), each integration projected,
/// keys in the order of the endpoint's [`Shape`].
/// Without a projection, a document goes from its stored text to the body unparsed.
///
/// The page also stops before the body, as an event source's envelope carries it (a
/// JSON string, where each `"`, `\\` and control character grows), would pass
/// `max_bytes` (Lambda refuses payloads over 6 MB): `count` then says how many items
/// came, `total` how many there are, and a client pages on from `offset + count` as it
/// would after a clamp. One document is at most DynamoDB's 400 KB item, so a page of
/// one always fits.
pub fn respond(
    selection: Selection,
    offset: Offset,
    fields: &Projection,
    max_bytes: usize,
    shape: Shape,
) -> Page {
    // The wire form is never longer than the stored text: one allocation for the page.
    let stored: usize = selection.page.iter().map(|i| i.stored().map_or(0, str::len) + 1).sum();
    let mut body = Vec::with_capacity(stored.min(max_bytes) + TAIL_RESERVE + 32);
    body.extend_from_slice(shape.head().as_bytes());
    let mut items = 0;
    // What escaping the body as a JSON string adds, so far.
    let mut escapes = 0;
    for integration in selection.page {
        let before = body.len();
        if items > 0 {
            body.push(b',');
        }
        if let Err(reason) = write_document(&integration, fields, &mut body) {
            tracing::error!(id = integration.id, reason, "integration left out of the page");
            body.truncate(before);
            continue;
        }
        let added = escape_overhead(&body[before..]);
        if items > 0 && body.len() + escapes + added + TAIL_RESERVE > max_bytes {
            body.truncate(before);
            break;
        }
        escapes += added;
        items += 1;
    }
    body.extend_from_slice(shape.tail(items, offset.0, selection.total).as_bytes());
    Page { body: String::from_utf8(body).unwrap_or_default(), items }
}

/// The bytes that writing `text` as a JSON string adds to it, as serde_json escapes:
/// one for `"`, `\\` and the short control escapes, five for other control characters.
fn escape_overhead(text: &[u8]) -> usize {
    text.iter()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 1,
            0..=0x1f => 5,
            _ => 0,
        })
        .sum()
}

/// One document on the wire, every stored field of it: `integrations.get`, which
/// Rocket.Chat answers without the listings' exclusions.
pub fn write_whole(text: &str, out: &mut Vec<u8>) -> Result<(), &'static str> {
    stored_to_wire(text, &[], out).map_err(|_| "unreadable document")
}

/// Appends one integration as the caller asked to see it.
fn write_document(
    integration: &Integration,
    fields: &Projection,
    out: &mut Vec<u8>,
) -> Result<(), &'static str> {
    let text = integration.stored().ok_or("document not found")?;
    if fields.is_everything() {
        return stored_to_wire(text, &ALWAYS_EXCLUDED, out).map_err(|_| "unreadable document");
    }
    let doc = Value::from_extended_json_str(text).map_err(|_| "unreadable document")?;
    // Serializing strings, numbers and maps with string keys cannot fail.
    serde_json::to_writer(out, &Wire(&fields.apply(doc))).map_err(|_| "unwritable document")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Value;
    use crate::params::{Count, Window};

    /// Scripts full of what escaping doubles (or worse): the page, as a JSON string
    /// (the Lambda envelope's body), stays within the budget, whatever the content.
    #[test]
    fn the_escaped_body_stays_within_the_budget() {
        for filler in ["\\\"", "\\\\", "\\u0001", "\\n", "plain"] {
            let script = filler.repeat(20_000);
            let all: Vec<Integration> = (0..100)
                .map(|i| {
                    let text = format!(r#"{{"_id":"i{i}","script":"{script}"}}"#);
                    Integration::of_document(format!("i{i}"), &Value::from_extended_json_str(&text).unwrap())
                })
                .collect();
            let selection = Selection { page: all, total: 100 };
            let page = respond(selection, Offset(0), &Projection::default(), 5_000_000, Shape::Room);
            let enveloped = serde_json::to_string(&page.body).unwrap();
            assert!(enveloped.len() <= 5_000_000, "{filler}: {} bytes", enveloped.len());
            assert!(page.items >= 1 && page.items < 100, "{filler}: {} items", page.items);
            assert_eq!(
                escape_overhead(page.body.as_bytes()),
                enveloped.len() - 2 - page.body.len(),
                "{filler}"
            );
        }
    }

    /// The selection of `n` integrations seen through the window at `offset`, `count`.
    fn items(n: usize, offset: u64, count: Count) -> Selection {
        let all: Vec<Integration> = (0..n)
            .map(|i| {
                let text = format!(r#"{{"_id":"i{i}","name":"n{i}","script":"{}"}}"#, "s".repeat(100));
                Integration::of_document(format!("i{i}"), &Value::from_extended_json_str(&text).unwrap())
            })
            .collect();
        let window = Window::of(Offset(offset), count);
        Selection { page: all.into_iter().skip(window.skip).take(window.take).collect(), total: n }
    }

    fn page(n: usize, offset: u64, count: Count, fields: Option<&str>, max: usize) -> serde_json::Value {
        let fields = Projection::parse(fields).unwrap();
        serde_json::from_str(
            &respond(items(n, offset, count), Offset(offset), &fields, max, Shape::Room).body,
        )
        .unwrap()
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
        let page =
            |shape| respond(items(1, 0, Count::All), Offset(0), &Projection::default(), usize::MAX, shape);
        let text = page(Shape::Room).body;
        let keys = ["\"integrations\"", "\"count\"", "\"offset\"", "\"total\"", "\"success\""];
        let at: Vec<usize> = keys.iter().map(|k| text.rfind(k).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert!(text.ends_with(r#""success":true}"#));
        let text = page(Shape::Counted("history")).body;
        assert!(text.starts_with(r#"{"history":[{"_id":"i0""#), "{text}");
        assert!(text.ends_with(r#"],"offset":0,"items":1,"count":1,"total":1,"success":true}"#), "{text}");
    }

    #[test]
    fn a_page_stops_before_the_size_limit_but_never_comes_back_empty() {
        let one =
            respond(items(1, 0, Count::All), Offset(0), &Projection::default(), usize::MAX, Shape::Room)
                .body
                .len();
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
