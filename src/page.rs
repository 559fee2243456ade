//! Paging, projection and the success body, serialized straight to text.

use crate::document::{Value, Wire};
use crate::model::Integration;
use crate::params::{Count, Offset};
use crate::projection::Projection;
use serde::ser::{Serialize, SerializeSeq, Serializer};

/// The success body, its keys in Rocket.Chat's order.
#[derive(serde::Serialize)]
struct Success {
    integrations: Page,
    count: usize,
    offset: u64,
    total: usize,
    success: bool,
}

/// The page's documents, each serialized as Rocket.Chat sends it.
struct Page(Vec<Value>);

impl Serialize for Page {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for doc in &self.0 {
            seq.serialize_element(&Wire(doc))?;
        }
        seq.end()
    }
}

/// The JSON body of the page at `offset` of at most `count` items, each projected.
pub fn respond(selected: Vec<Integration>, offset: Offset, count: Count, fields: &Projection) -> String {
    let total = selected.len();
    let skip = usize::try_from(offset.0).unwrap_or(usize::MAX);
    let take = match count {
        Count::All => usize::MAX,
        Count::Limit(n) => usize::try_from(n).unwrap_or(usize::MAX),
    };
    let page: Vec<Value> = selected.into_iter().skip(skip).take(take).map(|i| fields.apply(i.doc)).collect();
    let body =
        Success { count: page.len(), integrations: Page(page), offset: offset.0, total, success: true };
    // Serializing plain strings, numbers and maps with string keys cannot fail.
    serde_json::to_string(&body).unwrap_or_default()
}
