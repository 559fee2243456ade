//! Import: a Rocket.Chat `mongoexport` directory into the seven tables.
//!
//! Files are streamed, never held: memory stays bounded whatever the export's size
//! (subscriptions run to millions). Two passes keep the import all-or-nothing: the
//! first converts every document and reports every malformed one with its file and
//! line; only when there is none does the second convert them again and write,
//! many batches at a time.

mod array;
mod checks;
mod convert;
mod members;
mod progress;
mod prune;
mod read;
mod resolve;
mod table;
mod write;

use crate::config::TableNames;
use aws_sdk_dynamodb::Client;
use convert::Converter;
use read::{Collection, Doc};
use resolve::Resolver;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;
use write::Batcher;

#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    /// Login tokens expire this many days after their `when` (`Accounts_LoginExpiration`).
    pub login_expiration_days: i64,
    /// Epoch seconds taken as "now": tokens already expired are not imported.
    pub now: i64,
    /// Also delete items the export no longer has, so the tables mirror it exactly.
    pub prune: bool,
}

impl ImportOptions {
    pub fn from_env() -> Self {
        ImportOptions {
            login_expiration_days: crate::config::env_or("ACCOUNTS_LOGIN_EXPIRATION_DAYS", 90),
            now: chrono::Utc::now().timestamp(),
            prune: false,
        }
    }
}

/// Counts shown at the end of an import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub users: usize,
    pub login_tokens: usize,
    pub access_tokens: usize,
    pub expired_tokens_skipped: usize,
    pub rooms: usize,
    pub permissions: usize,
    pub integrations: usize,
    pub integration_items: usize,
    pub unplaced_integrations: usize,
    pub subscriptions: usize,
    pub teams: usize,
    pub team_members: usize,
    pub department_agents: usize,
    pub pruned_items: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "users:             {}", self.users)?;
        writeln!(
            f,
            "tokens:            {} login, {} personal access ({} expired, skipped)",
            self.login_tokens, self.access_tokens, self.expired_tokens_skipped
        )?;
        writeln!(f, "rooms:             {}", self.rooms)?;
        writeln!(f, "permissions:       {}", self.permissions)?;
        writeln!(
            f,
            "integrations:      {} as {} items ({} under no room)",
            self.integrations, self.integration_items, self.unplaced_integrations
        )?;
        writeln!(f, "subscriptions:     {}", self.subscriptions)?;
        writeln!(f, "teams:             {}", self.teams)?;
        writeln!(f, "team members:      {}", self.team_members)?;
        writeln!(f, "department agents: {}", self.department_agents)?;
        write!(f, "pruned items:      {}", self.pruned_items)
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
}

/// Errors listed at most; past that they are counted, so that a file of a million
/// bad lines costs no memory.
pub const MAX_REPORTED_ERRORS: usize = 100;

/// Reads, checks and writes one export directory.
pub async fn import_dir(
    client: &Client,
    tables: &TableNames,
    dir: &Path,
    options: ImportOptions,
) -> Result<Summary, ImportError> {
    check_dir(dir, options).await?.write(client, tables).await
}

/// An export directory whose every document passed the validation pass: only such
/// an export is ever written.
pub struct CheckedExport {
    dir: std::path::PathBuf,
    options: ImportOptions,
    converter: Converter,
    summary: Summary,
    items: usize,
}

/// The validation pass alone, with no DynamoDB client: a bad export is reported
/// before anything is connected to, let alone written.
pub async fn check_dir(dir: &Path, options: ImportOptions) -> Result<CheckedExport, ImportError> {
    let owned = dir.to_owned();
    let (converter, summary, items) = blocking(move || validate(&owned, options)).await?;
    Ok(CheckedExport { dir: dir.to_owned(), options, converter, summary, items })
}

impl CheckedExport {
    /// The writing pass (then `--prune`, when asked).
    pub async fn write(self, client: &Client, tables: &TableNames) -> Result<Summary, ImportError> {
        let CheckedExport { dir, options, converter, mut summary, items } = self;
        let generation = prune::new_generation();
        write_all(client, tables, dir, converter, &generation, items).await?;
        if options.prune {
            summary.pruned_items = prune::prune(client, tables, &generation).await?;
        }
        Ok(summary)
    }
}

/// The validation pass: every document converted and checked, nothing kept but
/// the room targets, what the checks need, the counts and the errors. Returns how many items the export makes.
fn validate(dir: &Path, options: ImportOptions) -> Result<(Converter, Summary, usize), ImportError> {
    let mut progress = progress::Progress::start("documents checked", None);
    let converter = Converter { options, resolver: Resolver::read(dir) };
    let mut summary = Summary::default();
    let mut errors = Vec::new();
    let mut unreported = 0;
    let mut items = 0;
    let mut checks = checks::Checks::default();
    each_document(dir, |collection, doc| {
        progress.add(1);
        let checked = doc.and_then(|doc| {
            let converted = converter.convert(collection, &doc, &mut summary)?;
            checks.document(collection, &doc)?;
            for (table, item) in &converted {
                checks::item_size(&doc, *table, item)?;
            }
            Ok(converted.len())
        });
        match checked {
            Ok(converted) => items += converted,
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
    Ok((converter, summary, items))
}

/// The writing pass: documents are converted on a blocking thread and handed, a
/// batch at a time through a short queue, to the concurrent writer.
async fn write_all(
    client: &Client,
    tables: &TableNames,
    dir: PathBuf,
    converter: Converter,
    generation: &str,
    total: usize,
) -> Result<(), ImportError> {
    let (sender, batches) = mpsc::channel(2 * write::concurrency());
    let generation = generation.to_owned();
    // Spawned now (a future would only start when awaited), so that it fills the
    // queue while the writer drains it.
    let producer = tokio::task::spawn_blocking(move || produce(&dir, &converter, &generation, sender));
    let written = write::write_batches(client, tables, batches, total).await;
    // The producer stops once the writer has failed and dropped the queue.
    let produced = joined(producer.await);
    written?;
    produced
}

fn produce(
    dir: &Path,
    converter: &Converter,
    generation: &str,
    sender: mpsc::Sender<write::Batch>,
) -> Result<(), ImportError> {
    let mut batcher = Batcher::new(generation);
    let mut summary = Summary::default();
    let mut failure = None;
    let mut writer_gone = false;
    each_document(dir, |collection, doc| {
        match doc.and_then(|doc| converter.convert(collection, &doc, &mut summary)) {
            Ok(items) => {
                for (table, item) in items {
                    let full = batcher.push(table, item);
                    if full.is_some_and(|batch| sender.blocking_send(batch).is_err()) {
                        writer_gone = true;
                        return ControlFlow::Break(());
                    }
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
        for batch in batcher.finish() {
            if sender.blocking_send(batch).is_err() {
                break;
            }
        }
    }
    Ok(())
}

/// Every document of every collection, in order; `visit` may stop early.
fn each_document(dir: &Path, mut visit: impl FnMut(Collection, Result<Doc, String>) -> ControlFlow<()>) {
    for collection in Collection::ALL {
        let documents = match collection.open(dir) {
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
