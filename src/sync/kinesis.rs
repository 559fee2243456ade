//! A Kinesis batch, as Lambda delivers it to the sync function, applied: the
//! records' change events in order, and the answer Lambda's partial batch responses
//! expect (`batchItemFailures`: the sequence number of every record that failed).
//!
//! A record that cannot be applied fails alone: it is reported, the rest of the
//! batch is applied. Lambda then retries from the lowest failed record (those after
//! it come again and are stale) until its retry policy sends it to the dead-letter
//! queue. A DynamoDB failure fails the whole invocation: nothing is reported as
//! done, and Lambda retries (bisecting) the batch.

use super::dynamo::StoreFailure;
use super::event::{parse_record, Event, Failure};
use super::{Applier, Outcome, Tally};
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value as Json};

#[derive(Debug, Deserialize)]
struct KinesisEvent {
    #[serde(rename = "Records")]
    records: Vec<Record>,
}

#[derive(Debug, Deserialize)]
struct Record {
    kinesis: Payload,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    #[serde(default)]
    partition_key: Option<String>,
    sequence_number: String,
    #[serde(default)]
    data: String,
}

/// What a batch did, for its log line and metrics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchResult {
    pub records: usize,
    pub tally: Tally,
    /// From the newest applied event's time to now, in milliseconds.
    pub lag_ms: Option<u64>,
    /// The records that failed: sequence number and reason.
    pub failures: Vec<(String, Failure)>,
    /// DynamoDB writes the batch made.
    pub writes: usize,
}

impl BatchResult {
    /// The function's answer: `{"batchItemFailures": [{"itemIdentifier": …}]}`.
    pub fn response(&self) -> Json {
        let failures: Vec<Json> =
            self.failures.iter().map(|(seq, _)| json!({"itemIdentifier": seq})).collect();
        json!({ "batchItemFailures": failures })
    }
}

/// Why an invocation failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("not a Kinesis event: {0}")]
    NotKinesis(String),
    #[error(transparent)]
    Store(#[from] StoreFailure),
}

pub async fn apply_batch(applier: &Applier, event: Json, now_ms: u64) -> Result<BatchResult, BatchError> {
    let event: KinesisEvent =
        serde_json::from_value(event).map_err(|e| BatchError::NotKinesis(e.to_string()))?;
    let mut result = BatchResult { records: event.records.len(), ..BatchResult::default() };
    let mut changes = Vec::new();
    let mut sequence_numbers = Vec::new();
    for record in event.records {
        let Payload { partition_key, sequence_number, data } = record.kinesis;
        let parsed = base64::engine::general_purpose::STANDARD
            .decode(data.as_bytes())
            .map_err(|_| Failure {
                collection: None,
                id: None,
                reason: "the record's data is not base64".into(),
            })
            .and_then(|bytes| parse_record(partition_key.as_deref(), &bytes));
        match parsed {
            Ok(Event::Change(change)) => {
                changes.push(change);
                sequence_numbers.push(sequence_number);
            }
            Ok(Event::Ignored(_)) => result.tally.ignored += 1,
            Err(failure) => {
                result.tally.failed += 1;
                result.failures.push((sequence_number, failure));
            }
        }
    }
    let newest = changes.iter().map(|c| c.version.millis()).max();
    let report = applier.apply(changes).await?;
    result.writes = report.writes;
    for (outcome, sequence_number) in report.outcomes.into_iter().zip(sequence_numbers) {
        result.tally.count(&outcome);
        if let Outcome::Failed(failure) = outcome {
            result.failures.push((sequence_number, failure));
        }
    }
    result.lag_ms = newest.map(|t| now_ms.saturating_sub(t));
    Ok(result)
}
