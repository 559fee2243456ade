//! Import: a Rocket.Chat `mongoexport` directory into the tables, through the same
//! per-document apply as live sync ([`crate::sync`]): an import is sync of every
//! document of the export as of the time it was taken (`--as-of`).
//!
//! Files are streamed, never held: memory stays bounded whatever the export's size
//! (subscriptions run to millions). Two passes keep a bad export from writing
//! anything: the first converts every document and reports every malformed one
//! with its file and line; only when there is none does the second apply them,
//! collection by collection (rooms before the integrations they place), many
//! batches at a time. Then the documents the export no longer has are pruned.
//!
//! Beside sync: a document sync changed after the export was taken has a newer
//! version and is left as it is; prune deletes only documents older than the
//! export; one import at a time holds the tables ([`lock`]); an interrupted import
//! is re-run to finish (whatever it applied is at the import's version already).

mod array;
mod checks;
mod errors;
mod lock;
mod progress;
mod prune;
mod read;
mod resolve;

use crate::config::TableNames;
pub use crate::ingest::Summary;
use crate::ingest::{id_key, Collection, ConvertOptions, Converter, Doc};
use crate::sync::{Applier, Change, Op, Outcome, Version};
use aws_sdk_dynamodb::Client;
pub use errors::sdk_error;
use futures::stream::{FuturesUnordered, StreamExt};
use resolve::Resolver;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;

#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    pub convert: ConvertOptions,
    /// The time the export was taken: the version of every document it writes.
    pub as_of: Version,
    /// Delete documents the export no longer has.
    pub prune: bool,
    /// Also prune the collections whose file is absent (they are left as they are otherwise).
    pub prune_missing: bool,
    /// Allow a prune that deletes more documents of a collection than the export has.
    pub allow_large_prune: bool,
    /// Take the lock even though another import holds it (one that was killed).
    pub break_lock: bool,
}

impl ImportOptions {
    /// Pruning, as of now.
    pub fn from_env() -> Self {
        ImportOptions {
            convert: ConvertOptions::from_env(),
            as_of: Version::new(chrono::Utc::now().timestamp_millis().max(0) as u64, 0),
            prune: true,
            prune_missing: false,
            allow_large_prune: false,
            break_lock: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file missing, unreadable, or with malformed documents (all of them listed,
    /// up to [`MAX_REPORTED_ERRORS`]).
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
    #[error("writing to DynamoDB: {0}")]
    Write(String),
    #[error("{0}")]
    Locked(String),
    #[error("{0}")]
    Refused(String),
}

/// Errors listed at most; past that they are counted, so that a file of a million
/// bad lines costs no memory.
pub const MAX_REPORTED_ERRORS: usize = 100;
/// Documents per applied batch, and batches applied at once (`IMPORT_CONCURRENCY`).
const BATCH_DOCUMENTS: usize = 400;

fn concurrency() -> usize {
    crate::config::env_or("IMPORT_CONCURRENCY", 1).max(1)
}

/// A unique id for this process's run (the lock's owner).
fn new_run_id() -> String {
    format!("{:x}", chrono::Utc::now().timestamp_micros())
}

/// Reads, checks and writes one export directory.
pub async fn import_dir(
    client: &Client,
    tables: &TableNames,
    dir: &Path,
    options: ImportOptions,
) -> Result<Summary, ImportError> {
    check_dir(dir, options).await?.write(client, tables).await
}

/// How many collections an export may hold.
const COLLECTIONS: usize = Collection::ALL.len();

/// An export directory whose every document passed the validation pass: only such
/// an export is ever written.
pub struct CheckedExport {
    dir: PathBuf,
    options: ImportOptions,
    summary: Summary,
    /// Documents per collection; `None` where the file is absent.
    documents: [Option<usize>; COLLECTIONS],
}

/// The validation pass alone, with no DynamoDB client: a bad export is reported
/// before anything is connected to, let alone written.
pub async fn check_dir(dir: &Path, options: ImportOptions) -> Result<CheckedExport, ImportError> {
    let owned = dir.to_owned();
    let (summary, documents) = blocking(move || validate(&owned, options)).await?;
    Ok(CheckedExport { dir: dir.to_owned(), options, summary, documents })
}

impl CheckedExport {
    /// The writing pass, then the prune, holding the lock throughout.
    pub async fn write(self, client: &Client, tables: &TableNames) -> Result<Summary, ImportError> {
        let lock = lock::Lock::take(client, &tables.sync, self.options.break_lock).await?;
        let result = self.write_locked(client, tables, &lock).await;
        // A failed import keeps nothing half-locked; what it applied stays applied.
        lock.release().await?;
        result
    }

    async fn write_locked(
        self,
        client: &Client,
        tables: &TableNames,
        lock: &lock::Lock,
    ) -> Result<Summary, ImportError> {
        let CheckedExport { dir, options, mut summary, documents } = self;
        let applier = Applier::new(
            client.clone(),
            tables.clone(),
            options.convert.login_expiration_days,
            Duration::from_secs(30 * 86_400),
        );
        let total = documents.iter().flatten().sum();
        summary.unchanged = apply_all(&applier, lock, dir, options.as_of, total).await?;
        let present: Vec<Collection> =
            Collection::ALL.into_iter().filter(|c| documents[*c as usize].is_some()).collect();
        summary.left = Collection::ALL
            .into_iter()
            .filter(|c| !present.contains(c) && !options.prune_missing)
            .map(Collection::name)
            .collect();
        if options.prune {
            let pruned: Vec<Collection> =
                if options.prune_missing { Collection::ALL.to_vec() } else { present };
            summary.pruned = prune_all(&applier, lock, &options, &documents, &pruned).await?;
        }
        Ok(summary)
    }
}

/// The validation pass: every document converted and checked, nothing kept but
/// what the checks need, the counts and the errors.
fn validate(
    dir: &Path,
    options: ImportOptions,
) -> Result<(Summary, [Option<usize>; COLLECTIONS]), ImportError> {
    let mut progress = progress::Progress::start("documents checked", None);
    let converter = Converter { options: options.convert };
    let resolver = Resolver::read(dir);
    let mut summary = Summary::default();
    let mut errors = Vec::new();
    let mut unreported = 0;
    let mut documents = [None; COLLECTIONS];
    for collection in Collection::ALL {
        if dir.join(collection.file()).exists() {
            documents[collection as usize] = Some(0);
        }
    }
    let mut checks = checks::Checks::default();
    each_document(dir, |collection, doc| {
        progress.add(1);
        let count = documents[collection as usize].get_or_insert(0);
        let checked = doc.and_then(|doc| {
            let converted = converter.convert(collection, &doc, &resolver, &mut summary)?;
            // A document's state is kept under its `_id` (memberships convert without it).
            if doc.json.get("_id").and_then(id_key).is_none() {
                return Err(doc.error("`_id` is missing or empty"));
            }
            checks.document(collection, &doc)?;
            for (table, item) in &converted {
                checks::item_size(&doc, *table, item)?;
            }
            *count += 1;
            Ok(())
        });
        match checked {
            Ok(()) => {}
            Err(e) if errors.len() < MAX_REPORTED_ERRORS => errors.push(e),
            Err(_) => unreported += 1,
        }
        ControlFlow::Continue(())
    });
    progress.finish();
    if unreported > 0 {
        errors.push(format!("… and {unreported} more errors"));
    }
    if !errors.is_empty() {
        return Err(ImportError::Invalid(errors));
    }
    Ok((summary, documents))
}

/// What the reading thread hands the writer.
enum Message {
    Batch(Vec<Change>),
    /// Every batch of the collection was sent: wait for them before the next one.
    End,
}

/// The writing pass: documents read on a blocking thread and handed, a batch at a
/// time through a short queue, to the applier. Returns the documents left unchanged.
async fn apply_all(
    applier: &Applier,
    lock: &lock::Lock,
    dir: PathBuf,
    as_of: Version,
    total: usize,
) -> Result<usize, ImportError> {
    let (sender, mut batches) = mpsc::channel(2 * concurrency());
    // Spawned now (a future would only start when awaited), so that it fills the
    // queue while the applier drains it.
    let producer = tokio::task::spawn_blocking(move || produce(&dir, as_of, sender));
    let mut progress = progress::Progress::start("documents written", Some(total));
    let mut in_flight = FuturesUnordered::new();
    let mut unchanged = 0;
    let mut result = Ok(());
    let mut collection = None;
    while let Some(message) = batches.recv().await {
        match message {
            Message::Batch(changes) => {
                if collection != changes.first().map(|c| c.collection) {
                    collection = changes.first().map(|c| c.collection);
                    let phase = format!(
                        "writing {} ({} of {total} documents)",
                        changes[0].collection.name(),
                        progress.done
                    );
                    if let Err(e) = lock.phase(&phase).await {
                        result = Err(e);
                        break;
                    }
                }
                in_flight.push(apply_batch(applier, changes));
                while in_flight.len() >= concurrency() {
                    if let Err(e) = drain_one(&mut in_flight, &mut progress, &mut unchanged).await {
                        result = Err(e);
                        break;
                    }
                }
            }
            Message::End => {
                while !in_flight.is_empty() {
                    if let Err(e) = drain_one(&mut in_flight, &mut progress, &mut unchanged).await {
                        result = Err(e);
                        break;
                    }
                }
            }
        }
        if result.is_err() {
            break;
        }
    }
    while result.is_ok() && !in_flight.is_empty() {
        result = drain_one(&mut in_flight, &mut progress, &mut unchanged).await;
    }
    drop(batches);
    let produced = joined(producer.await);
    result.map_err(|e| match e {
        ImportError::Write(w) => ImportError::Write(format!(
            "{w}\n{} of {total} documents were written before the failure; run the import again to finish \
             (what is written is at the export's version: nothing is written twice)",
            progress.done
        )),
        other => other,
    })?;
    produced?;
    progress.finish();
    Ok(unchanged)
}

async fn apply_batch(applier: &Applier, changes: Vec<Change>) -> Result<(usize, usize), ImportError> {
    let count = changes.len();
    let report = applier.apply(changes).await.map_err(|e| ImportError::Write(e.0))?;
    let mut unchanged = 0;
    let mut failed = Vec::new();
    for outcome in report.outcomes {
        match outcome {
            Outcome::Applied => {}
            Outcome::Stale => unchanged += 1,
            Outcome::Failed(f) => failed.push(f.to_string()),
        }
    }
    if !failed.is_empty() {
        return Err(ImportError::Invalid(failed));
    }
    Ok((count, unchanged))
}

async fn drain_one(
    in_flight: &mut FuturesUnordered<impl std::future::Future<Output = Result<(usize, usize), ImportError>>>,
    progress: &mut progress::Progress,
    unchanged: &mut usize,
) -> Result<(), ImportError> {
    if let Some(done) = in_flight.next().await {
        let (count, same) = done?;
        progress.add(count);
        *unchanged += same;
    }
    Ok(())
}

fn produce(dir: &Path, as_of: Version, sender: mpsc::Sender<Message>) -> Result<(), ImportError> {
    let mut batch: Vec<Change> = Vec::with_capacity(BATCH_DOCUMENTS);
    let mut current = None;
    let mut failure = None;
    let send = |message| sender.blocking_send(message).is_ok();
    let mut writer_gone = false;
    each_document(dir, |collection, doc| {
        if current != Some(collection) {
            // The previous collection's last batch, then its end.
            let flushed = current.is_none()
                || ((batch.is_empty() || send(Message::Batch(std::mem::take(&mut batch))))
                    && send(Message::End));
            if !flushed {
                writer_gone = true;
                return ControlFlow::Break(());
            }
            current = Some(collection);
        }
        let change = doc.and_then(|doc| {
            let id =
                doc.json.get("_id").and_then(id_key).ok_or_else(|| doc.error("`_id` is missing or empty"))?;
            Ok(Change { collection, id, version: as_of, op: Op::Upsert(doc.json) })
        });
        match change {
            Ok(change) => {
                batch.push(change);
                if batch.len() == BATCH_DOCUMENTS && !send(Message::Batch(std::mem::take(&mut batch))) {
                    writer_gone = true;
                    return ControlFlow::Break(());
                }
                ControlFlow::Continue(())
            }
            Err(e) => {
                failure =
                    Some(ImportError::Invalid(vec![format!("{e} (the file changed during the import)")]));
                ControlFlow::Break(())
            }
        }
    });
    if let Some(failure) = failure {
        return Err(failure);
    }
    if !writer_gone {
        if !batch.is_empty() {
            send(Message::Batch(batch));
        }
        if current.is_some() {
            send(Message::End);
        }
    }
    Ok(())
}

/// Deletes the documents of `collections` the export no longer has; refuses, unless
/// told, when that is more documents of a collection than the export has of it.
async fn prune_all(
    applier: &Applier,
    lock: &lock::Lock,
    options: &ImportOptions,
    documents: &[Option<usize>; COLLECTIONS],
    collections: &[Collection],
) -> Result<usize, ImportError> {
    lock.phase("pruning: finding the documents the export no longer has").await?;
    let candidates =
        prune::candidates(applier.client(), &applier.tables().sync, options.as_of, collections).await?;
    if !options.allow_large_prune {
        let mut refused = Vec::new();
        for collection in collections {
            let doomed = candidates.iter().filter(|d| d.collection == *collection).count();
            let kept = documents[*collection as usize].unwrap_or(0);
            if doomed > kept.max(10) {
                refused.push(format!("{} ({doomed} of {} documents)", collection.name(), doomed + kept));
            }
        }
        if !refused.is_empty() {
            return Err(ImportError::Refused(format!(
                "the export's documents are written, but pruning would delete most of {}: is this the right \
                 export? Run again with --allow-large-prune to delete them, or --keep-stale to keep them",
                refused.join(", ")
            )));
        }
    }
    let mut progress = progress::Progress::start("documents pruned", Some(candidates.len()));
    for chunk in candidates.chunks(BATCH_DOCUMENTS) {
        let changes = chunk
            .iter()
            .map(|doc| Change {
                collection: doc.collection,
                id: doc.id.clone(),
                version: options.as_of,
                op: Op::Delete,
            })
            .collect();
        applier.apply(changes).await.map_err(|e| ImportError::Write(e.0))?;
        progress.add(chunk.len());
        lock.phase(&format!("pruning ({} of {} documents deleted)", progress.done, candidates.len())).await?;
    }
    progress.finish();
    Ok(candidates.len())
}

/// Every document of every collection, in order; `visit` may stop early.
fn each_document(dir: &Path, mut visit: impl FnMut(Collection, Result<Doc, String>) -> ControlFlow<()>) {
    for collection in Collection::ALL {
        let documents = match read::open_collection(collection, dir) {
            Ok(Some(documents)) => documents,
            Ok(None) => continue,
            Err(e) => {
                if visit(collection, Err(e)).is_break() {
                    return;
                }
                continue;
            }
        };
        for doc in documents {
            if visit(collection, doc).is_break() {
                return;
            }
        }
    }
}

/// Runs file reading off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ImportError> + Send + 'static,
) -> Result<T, ImportError> {
    joined(tokio::task::spawn_blocking(work).await)
}

fn joined<T>(result: Result<T, tokio::task::JoinError>) -> T {
    result.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}
