//! The DynamoDB calls sync makes, and only these (the sync function's IAM allows
//! exactly them): BatchGetItem (consistent), BatchWriteItem, and Query on the sync
//! table. Each retries what DynamoDB leaves unprocessed.

use crate::store::items::{attr, s, Item};
use crate::store::sdk_error_line;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest};
use aws_sdk_dynamodb::Client;
use futures::{StreamExt, TryStreamExt};
use std::time::Duration;

/// DynamoDB's limits per call.
pub const GET_BATCH: usize = 100;
pub const WRITE_BATCH: usize = 25;
/// Bytes of items per BatchWriteItem. DynamoDB takes 16 MB, but emulators refuse far
/// less (the embedded one ~2 MB, with a misleading error), and a call this size already
/// amortises its round trip.
pub const WRITE_BATCH_BYTES: usize = 1 << 20;
/// Calls of one kind in flight at once.
const CONCURRENCY: usize = 16;
/// Rounds in a row in which DynamoDB processes nothing before giving up.
const STALLED_ROUNDS: u32 = 12;

/// A DynamoDB call failed: the table and what DynamoDB said, one line (no item content).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StoreFailure(pub String);

pub fn failure<E, R>(table: &str, operation: &str, error: SdkError<E, R>) -> StoreFailure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let line = match &error {
        SdkError::ServiceError(e) => match e.err().code() {
            Some("ResourceNotFoundException") => format!("{operation} on {table}: the table does not exist"),
            Some(code) => {
                format!("{operation} on {table}: {code}: {}", e.err().message().unwrap_or_default())
            }
            None => format!("{operation} on {table}: {}", sdk_error_line(&error)),
        },
        _ => format!("{operation} on {table}: {}", sdk_error_line(&error)),
    };
    StoreFailure(line)
}

/// Items by key, read consistently (what sync decides on must be what was last
/// written); keys not found are simply absent from the answer.
pub async fn get_all(client: &Client, table: &str, keys: Vec<Item>) -> Result<Vec<Item>, StoreFailure> {
    let chunks: Vec<Vec<Item>> = keys.chunks(GET_BATCH).map(<[Item]>::to_vec).collect();
    let pages: Vec<Vec<Item>> = futures::stream::iter(chunks)
        .map(|chunk| get_chunk(client, table, chunk))
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    Ok(pages.into_iter().flatten().collect())
}

async fn get_chunk(client: &Client, table: &str, mut keys: Vec<Item>) -> Result<Vec<Item>, StoreFailure> {
    let mut found = Vec::new();
    let mut backoff = Backoff::new();
    while !keys.is_empty() {
        let sent = keys.len();
        let request = KeysAndAttributes::builder()
            .set_keys(Some(std::mem::take(&mut keys)))
            .consistent_read(true)
            .build()
            .map_err(|e| StoreFailure(format!("BatchGetItem on {table}: {e}")))?;
        let output = client
            .batch_get_item()
            .request_items(table, request)
            .send()
            .await
            .map_err(|e| failure(table, "BatchGetItem", e))?;
        found.extend(output.responses.and_then(|mut r| r.remove(table)).unwrap_or_default());
        keys = output.unprocessed_keys.and_then(|mut u| u.remove(table)).map(|k| k.keys).unwrap_or_default();
        backoff.after(table, "BatchGetItem", sent, keys.len()).await?;
    }
    Ok(found)
}

/// One write of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    Put(Item),
    /// The key of the item to delete.
    Delete(Item),
}

/// Every write, `WRITE_BATCH` to a call, several calls at once. A table's writes
/// must name each key once: the caller makes sure.
pub async fn write_all(client: &Client, table: &str, writes: Vec<Write>) -> Result<usize, StoreFailure> {
    let count = writes.len();
    let requests: Vec<WriteRequest> = writes
        .into_iter()
        .map(|write| match write {
            Write::Put(item) => PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map(|p| WriteRequest::builder().put_request(p).build()),
            Write::Delete(key) => DeleteRequest::builder()
                .set_key(Some(key))
                .build()
                .map(|d| WriteRequest::builder().delete_request(d).build()),
        })
        .collect::<Result<_, _>>()
        .map_err(|e| StoreFailure(format!("BatchWriteItem on {table}: {e}")))?;
    let chunks = sized_chunks(requests);
    futures::stream::iter(chunks)
        .map(|chunk| write_chunk(client, table, chunk))
        .buffer_unordered(CONCURRENCY)
        .try_collect::<()>()
        .await?;
    Ok(count)
}

/// Calls of at most [`WRITE_BATCH`] writes and [`WRITE_BATCH_BYTES`] of items (an
/// item over that goes alone).
fn sized_chunks(requests: Vec<WriteRequest>) -> Vec<Vec<WriteRequest>> {
    let mut chunks: Vec<Vec<WriteRequest>> = Vec::new();
    let mut bytes = 0;
    for request in requests {
        let size = request_bytes(&request);
        match chunks.last_mut() {
            Some(chunk) if chunk.len() < WRITE_BATCH && bytes + size <= WRITE_BATCH_BYTES => {
                bytes += size;
                chunk.push(request);
            }
            _ => {
                bytes = size;
                chunks.push(vec![request]);
            }
        }
    }
    chunks
}

/// An item's size as DynamoDB counts it, near enough: names and string values.
fn request_bytes(request: &WriteRequest) -> usize {
    let item = match (&request.put_request, &request.delete_request) {
        (Some(put), _) => &put.item,
        (_, Some(delete)) => &delete.key,
        _ => return 0,
    };
    item.iter().map(|(name, value)| name.len() + value_bytes(value)).sum()
}

fn value_bytes(value: &aws_sdk_dynamodb::types::AttributeValue) -> usize {
    use aws_sdk_dynamodb::types::AttributeValue as V;
    match value {
        V::S(s) | V::N(s) => s.len(),
        V::L(list) => 3 + list.iter().map(|v| 1 + value_bytes(v)).sum::<usize>(),
        V::M(map) => 3 + map.iter().map(|(k, v)| 1 + k.len() + value_bytes(v)).sum::<usize>(),
        _ => 1,
    }
}

async fn write_chunk(
    client: &Client,
    table: &str,
    mut requests: Vec<WriteRequest>,
) -> Result<(), StoreFailure> {
    let mut backoff = Backoff::new();
    while !requests.is_empty() {
        let sent = requests.len();
        let output = client
            .batch_write_item()
            .request_items(table, std::mem::take(&mut requests))
            .send()
            .await
            .map_err(|e| failure(table, "BatchWriteItem", e))?;
        requests = output.unprocessed_items.and_then(|mut u| u.remove(table)).unwrap_or_default();
        backoff.after(table, "BatchWriteItem", sent, requests.len()).await?;
    }
    Ok(())
}

/// The sort keys of a sync-table partition, read consistently, page by page.
pub async fn sort_keys(client: &Client, table: &str, partition: &str) -> Result<Vec<String>, StoreFailure> {
    let mut keys = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .query()
            .table_name(table)
            .consistent_read(true)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", attr::PK)
            .expression_attribute_names("#sk", attr::SK)
            .expression_attribute_values(":pk", s(partition))
            .projection_expression("#sk")
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|e| failure(table, "Query", e))?;
        let sort_key = |item: &Item| item.get(attr::SK).and_then(|v| v.as_s().ok()).cloned();
        keys.extend(page.items.unwrap_or_default().iter().filter_map(sort_key));
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(keys),
        }
    }
}

/// Pauses between rounds that left work unprocessed, growing to 2 s; gives up
/// after [`STALLED_ROUNDS`] rounds in a row that processed nothing.
struct Backoff {
    pause: Duration,
    stalled: u32,
}

impl Backoff {
    fn new() -> Self {
        Backoff { pause: Duration::from_millis(25), stalled: 0 }
    }

    async fn after(
        &mut self,
        table: &str,
        operation: &str,
        sent: usize,
        left: usize,
    ) -> Result<(), StoreFailure> {
        if left == 0 {
            return Ok(());
        }
        self.stalled = if left < sent { 0 } else { self.stalled + 1 };
        if self.stalled == STALLED_ROUNDS {
            return Err(StoreFailure(format!(
                "{operation} on {table}: DynamoDB keeps leaving items unprocessed"
            )));
        }
        tokio::time::sleep(self.pause).await;
        self.pause = (self.pause * 2).min(Duration::from_secs(2));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(bytes: usize) -> WriteRequest {
        let item = Item::from([("k".to_owned(), s("x".repeat(bytes)))]);
        WriteRequest::builder()
            .put_request(PutRequest::builder().set_item(Some(item)).build().unwrap())
            .build()
    }

    #[test]
    fn batches_stop_at_25_writes_or_a_mebibyte_of_items() {
        let sizes =
            |requests: Vec<WriteRequest>| sized_chunks(requests).iter().map(Vec::len).collect::<Vec<_>>();
        assert_eq!(sizes((0..60).map(|_| put(10)).collect()), [25, 25, 10]);
        // Items of ~360 KB: two to a call, never the ~2 MB the emulator refuses.
        assert_eq!(sizes((0..5).map(|_| put(360_000)).collect()), [2, 2, 1]);
        assert_eq!(sizes(vec![put(2_000_000), put(1)]), [1, 1], "an item over the limit goes alone");
    }
}
