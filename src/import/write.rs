//! Writing a plan: BatchWriteItem in chunks of 25, unprocessed items retried,
//! progress on stderr; optionally pruning what the export no longer has.

use super::{ImportError, Plan, Summary};
use crate::config::TableNames;
use crate::store::items::Item;
use aws_sdk_dynamodb::types::{DeleteRequest, PutRequest, WriteRequest};
use aws_sdk_dynamodb::Client;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// DynamoDB's limit of requests per BatchWriteItem.
const BATCH: usize = 25;
const PROGRESS_EVERY: usize = 1000;

pub async fn write(
    client: &Client,
    tables: &TableNames,
    plan: Plan,
    prune: bool,
) -> Result<Summary, ImportError> {
    let mut summary = plan.summary;
    let work = [
        (&tables.users, vec!["_id"], plan.users),
        (&tables.tokens, vec!["hashedToken"], plan.tokens),
        (&tables.permissions, vec!["_id"], plan.permissions),
        (&tables.rooms, vec!["_id"], plan.rooms),
        (&tables.integrations, vec!["_id", "target"], plan.integrations),
        (&tables.teams, vec!["_id"], plan.teams),
        (&tables.memberships, vec!["scope", "userId"], plan.memberships),
    ];
    let total: usize = work.iter().map(|(_, _, items)| items.len()).sum();
    let mut written = 0;
    for (table, key_attributes, items) in work {
        let keep: HashSet<Vec<String>> = items.iter().map(|i| key_of(i, &key_attributes)).collect();
        for chunk in items.chunks(BATCH) {
            let requests = chunk
                .iter()
                .map(|item| {
                    let put = PutRequest::builder().set_item(Some(item.clone())).build();
                    put.map(|p| WriteRequest::builder().put_request(p).build())
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ImportError::Write(e.to_string()))?;
            batch_write(client, table, requests).await?;
            let before = written / PROGRESS_EVERY;
            written += chunk.len();
            if written / PROGRESS_EVERY > before {
                eprintln!("  {written}/{total} items written");
            }
        }
        if prune {
            summary.pruned_items += prune_table(client, table, &key_attributes, &keep).await?;
        }
    }
    Ok(summary)
}

fn key_of(item: &Item, attributes: &[&str]) -> Vec<String> {
    attributes.iter().map(|a| item.get(*a).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default()).collect()
}

async fn batch_write(
    client: &Client,
    table: &str,
    mut requests: Vec<WriteRequest>,
) -> Result<(), ImportError> {
    let mut backoff = Duration::from_millis(50);
    while !requests.is_empty() {
        let output = client.batch_write_item().request_items(table, requests).send().await.map_err(|e| {
            ImportError::Write(aws_smithy_types::error::display::DisplayErrorContext(e).to_string())
        })?;
        requests = output.unprocessed_items.and_then(|mut u| u.remove(table)).unwrap_or_default();
        if !requests.is_empty() {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(2));
        }
    }
    Ok(())
}

/// Deletes every item of `table` whose key is not in `keep`; returns how many.
async fn prune_table(
    client: &Client,
    table: &str,
    key_attributes: &[&str],
    keep: &HashSet<Vec<String>>,
) -> Result<usize, ImportError> {
    let write_error = |e: String| ImportError::Write(e);
    let mut stale = Vec::new();
    let mut start = None;
    loop {
        let mut scan = client.scan().table_name(table).set_exclusive_start_key(start.take());
        let names: Vec<String> = (0..key_attributes.len()).map(|i| format!("#k{i}")).collect();
        for (name, attribute) in names.iter().zip(key_attributes) {
            scan = scan.expression_attribute_names(name, *attribute);
        }
        let page =
            scan.projection_expression(names.join(", ")).send().await.map_err(|e| {
                write_error(aws_smithy_types::error::display::DisplayErrorContext(e).to_string())
            })?;
        for item in page.items.unwrap_or_default() {
            if !keep.contains(&key_of(&item, key_attributes)) {
                stale.push(item);
            }
        }
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => break,
        }
    }
    let count = stale.len();
    for chunk in stale.chunks(BATCH) {
        let requests = chunk
            .iter()
            .map(|key| {
                let key: HashMap<_, _> = key.clone();
                let delete = DeleteRequest::builder().set_key(Some(key)).build();
                delete.map(|d| WriteRequest::builder().delete_request(d).build())
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| write_error(e.to_string()))?;
        batch_write(client, table, requests).await?;
    }
    Ok(count)
}
