//! `--prune`: deleting what the export no longer has, in bounded memory.
//!
//! Every item an import writes carries the import's generation
//! ([`attr::IMPORT_GENERATION`]). Once every write has succeeded, each table is
//! scanned for items without the current generation, keys only and one page at a
//! time, and those are deleted in batches. Knowing what is stale thus needs no set
//! of the export's keys, which for millions of subscriptions would not fit the
//! importer's memory budget. The scan reads consistently: an eventually consistent
//! page could still show an item's previous version, without the new generation,
//! and a live item would be deleted.

use super::table::Table;
use super::write::{batch_write, concurrency, sdk_error, BATCH};
use super::ImportError;
use crate::config::TableNames;
use crate::store::items::{attr, s};
use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
use aws_sdk_dynamodb::Client;
use futures::{StreamExt, TryStreamExt};

/// A generation no other import shares: time, process and a counter.
pub fn new_generation() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let now = chrono::Utc::now().timestamp_millis();
    format!("{now}-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Deletes, in every table, the items another import wrote; returns how many.
pub async fn prune(client: &Client, tables: &TableNames, generation: &str) -> Result<usize, ImportError> {
    let mut pruned = 0;
    for table in Table::ALL {
        pruned += prune_table(client, table.name(tables), table.key_attributes(), generation).await?;
    }
    Ok(pruned)
}

async fn prune_table(
    client: &Client,
    table: &str,
    key_attributes: &[&str],
    generation: &str,
) -> Result<usize, ImportError> {
    let mut pruned = 0;
    let mut start = None;
    loop {
        let mut scan = client
            .scan()
            .table_name(table)
            .consistent_read(true)
            .filter_expression("attribute_not_exists(#generation) OR #generation <> :generation")
            .expression_attribute_names("#generation", attr::IMPORT_GENERATION)
            .expression_attribute_values(":generation", s(generation))
            .set_exclusive_start_key(start.take());
        let names: Vec<String> = (0..key_attributes.len()).map(|i| format!("#k{i}")).collect();
        for (name, attribute) in names.iter().zip(key_attributes) {
            scan = scan.expression_attribute_names(name, *attribute);
        }
        let page =
            scan.projection_expression(names.join(", ")).send().await.map_err(|e| sdk_error(table, e))?;
        let stale = page.items.unwrap_or_default();
        pruned += stale.len();
        let deletes = stale.into_iter().map(|key| {
            let delete = DeleteRequest::builder().set_key(Some(key)).build();
            delete.map(|d| WriteRequest::builder().delete_request(d).build())
        });
        let requests =
            deletes.collect::<Result<Vec<_>, _>>().map_err(|e| ImportError::Write(e.to_string()))?;
        futures::stream::iter(requests.chunks(BATCH))
            .map(|chunk| batch_write(client, table, chunk.to_vec()))
            .buffer_unordered(concurrency())
            .try_collect::<()>()
            .await?;
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(pruned),
        }
    }
}
