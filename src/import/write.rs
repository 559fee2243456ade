//! Writing: BatchWriteItem batches of 25 items, several in flight at once,
//! unprocessed items retried with backoff, progress on stderr.

use super::progress::Progress;
use super::table::Table;
use super::ImportError;
use crate::config::TableNames;
use crate::store::items::{attr, Item};
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use aws_sdk_dynamodb::Client;
use futures::{StreamExt, TryStreamExt};
use std::time::Duration;
use tokio::sync::mpsc;

/// DynamoDB's limit of requests per BatchWriteItem.
pub const BATCH: usize = 25;
/// Rounds in a row in which DynamoDB accepts none of a batch's items before giving
/// up (the backoff between them grows to 5 s).
const STALLED_ROUNDS: u32 = 15;

/// Batches in flight at once: one at a time leaves DynamoDB (and the emulators)
/// waiting on each round trip. `IMPORT_CONCURRENCY` overrides.
pub fn concurrency() -> usize {
    crate::config::env_or("IMPORT_CONCURRENCY", 16).max(1)
}

/// Up to 25 items for one table.
#[derive(Debug)]
pub struct Batch {
    pub table: Table,
    pub items: Vec<Item>,
}

/// Groups items into per-table batches, tagging each item with the import's
/// generation (see `prune`).
pub struct Batcher {
    pending: [Vec<Item>; Table::ALL.len()],
    generation: AttributeValue,
}

impl Batcher {
    pub fn new(generation: &str) -> Self {
        Batcher { pending: Default::default(), generation: AttributeValue::S(generation.to_owned()) }
    }

    /// Adds an item; returns its table's batch when that is full.
    pub fn push(&mut self, table: Table, mut item: Item) -> Option<Batch> {
        item.insert(attr::IMPORT_GENERATION.to_owned(), self.generation.clone());
        let pending = &mut self.pending[table.index()];
        // DynamoDB refuses a batch naming one key twice; the later document wins,
        // as it would in sequential writes.
        match pending.iter_mut().find(|other| table.same_key(other, &item)) {
            Some(other) => *other = item,
            None => pending.push(item),
        }
        (pending.len() == BATCH).then(|| Batch { table, items: std::mem::take(pending) })
    }

    /// The batches not yet full.
    pub fn finish(self) -> impl Iterator<Item = Batch> {
        Table::ALL
            .into_iter()
            .zip(self.pending)
            .filter(|(_, items)| !items.is_empty())
            .map(|(table, items)| Batch { table, items })
    }
}

/// Writes every batch received, `concurrency()` at a time; returns how many items.
/// Stops at the first failure (dropping `batches`, which stops the sender).
pub async fn write_batches(
    client: &Client,
    tables: &TableNames,
    batches: mpsc::Receiver<Batch>,
    total: usize,
) -> Result<usize, ImportError> {
    let mut progress = Progress::start("items written", Some(total));
    futures::stream::unfold(batches, |mut rx| async move { rx.recv().await.map(|batch| (batch, rx)) })
        .map(|batch| put_batch(client, tables, batch))
        .buffer_unordered(concurrency())
        .try_for_each(|written| {
            progress.add(written);
            futures::future::ready(Ok(()))
        })
        .await?;
    progress.finish();
    Ok(progress.done)
}

async fn put_batch(client: &Client, tables: &TableNames, batch: Batch) -> Result<usize, ImportError> {
    let count = batch.items.len();
    let requests = batch
        .items
        .into_iter()
        .map(|item| {
            let put = PutRequest::builder().set_item(Some(item)).build();
            put.map(|p| WriteRequest::builder().put_request(p).build())
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ImportError::Write(e.to_string()))?;
    batch_write(client, batch.table.name(tables), requests).await?;
    Ok(count)
}

/// One BatchWriteItem, with whatever DynamoDB leaves unprocessed sent again
/// after a growing pause.
pub async fn batch_write(
    client: &Client,
    table: &str,
    mut requests: Vec<WriteRequest>,
) -> Result<(), ImportError> {
    let mut backoff = Duration::from_millis(50);
    let mut stalled = 0;
    while !requests.is_empty() {
        let sent = requests.len();
        let output = client
            .batch_write_item()
            .request_items(table, requests)
            .send()
            .await
            .map_err(|e| sdk_error(table, e))?;
        requests = output.unprocessed_items.and_then(|mut u| u.remove(table)).unwrap_or_default();
        if requests.is_empty() {
            break;
        }
        stalled = if requests.len() < sent { 0 } else { stalled + 1 };
        if stalled == STALLED_ROUNDS {
            return Err(ImportError::Write(format!("{table}: DynamoDB keeps leaving items unprocessed")));
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
    Ok(())
}

/// One line naming the table and, for the usual causes, what to do: the SDK's
/// own rendering of an error runs to kilobytes of nested debug output.
pub fn sdk_error<E, R>(table: &str, error: SdkError<E, R>) -> ImportError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let detail = crate::store::sdk_error_text(&error);
    let short: String = detail.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(200).collect();
    let line = match &error {
        SdkError::ServiceError(e) => match e.err().code() {
            Some("ResourceNotFoundException") => format!(
                "table {table} does not exist: create it with --create-tables, or name the existing tables with the *_TABLE variables"
            ),
            Some(code) if code.contains("Signature") || code.contains("Token") || code.contains("Client") => {
                format!("{table}: {code}: the credentials were refused; check AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
            }
            Some(code) => format!("{table}: {code}: {}", e.err().message().unwrap_or_default()),
            None => format!("{table}: {short}"),
        },
        _ if detail.contains("credentials") => format!(
            "{table}: no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any values for a local endpoint)"
        ),
        _ if detail.contains("region") => format!("{table}: no AWS region: set AWS_REGION (e.g. us-east-1)"),
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => format!(
            "{table}: DynamoDB could not be reached ({short}); check AWS_ENDPOINT_URL_DYNAMODB and AWS_REGION"
        ),
        _ => format!("{table}: {short}"),
    };
    ImportError::Write(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::items::s;

    fn item(id: &str, value: &str) -> Item {
        Item::from([(attr::ID.to_owned(), s(id)), ("v".to_owned(), s(value))])
    }

    #[test]
    fn batches_are_per_table_tagged_and_hold_each_key_once() {
        let mut batcher = Batcher::new("g1");
        assert!(batcher.push(Table::Users, item("a", "1")).is_none());
        assert!(batcher.push(Table::Rooms, item("a", "r")).is_none());
        assert!(batcher.push(Table::Users, item("a", "2")).is_none(), "same key: replaced");
        let mut full = None;
        for i in 0..BATCH - 1 {
            full = batcher.push(Table::Users, item(&i.to_string(), "x"));
        }
        let full = full.expect("a full batch");
        assert_eq!((full.table, full.items.len()), (Table::Users, BATCH));
        assert_eq!(full.items[0]["v"], s("2"));
        assert!(full.items.iter().all(|i| i[attr::IMPORT_GENERATION] == s("g1")));
        let rest: Vec<_> = batcher.finish().map(|b| (b.table, b.items.len())).collect();
        assert_eq!(rest, [(Table::Rooms, 1)]);
    }
}
