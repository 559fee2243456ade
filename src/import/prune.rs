//! Pruning: deleting the documents an export no longer has, and nothing sync wrote.
//!
//! Every document `import` writes gets the import's version (`--as-of`, the time
//! the export was taken); sync's later changes have later versions. So, once every
//! document of the export is written, a document whose state is older than the
//! import's version is one the export does not have: it is deleted, as a delete
//! event at the import's version would delete it. One consistent scan of the sync
//! table finds them (keys and versions only), whatever the size of the other tables.

use super::ImportError;
use crate::ingest::Collection;
use crate::store::items::{attr, s};
use crate::sync::state::DocKey;
use crate::sync::Version;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;

/// The documents of `collections` older than `as_of` and not deleted.
pub async fn candidates(
    client: &Client,
    table: &str,
    as_of: Version,
    collections: &[Collection],
) -> Result<Vec<DocKey>, ImportError> {
    let mut found = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .consistent_read(true)
            .filter_expression("begins_with(#pk, :doc) AND (attribute_not_exists(#v) OR #v < :v) AND attribute_not_exists(#gone)")
            .expression_attribute_names("#pk", attr::PK)
            .expression_attribute_names("#v", "v")
            .expression_attribute_names("#gone", "gone")
            .expression_attribute_values(":doc", s("doc#"))
            .expression_attribute_values(":v", AttributeValue::N(as_of.0.to_string()))
            .projection_expression("#pk")
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|e| super::sdk_error(table, e))?;
        found.extend(
            page.items
                .unwrap_or_default()
                .iter()
                .filter_map(|i| DocKey::from_partition(i.get(attr::PK)?.as_s().ok()?))
                .filter(|doc| collections.contains(&doc.collection)),
        );
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(found),
        }
    }
}
