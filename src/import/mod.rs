//! Import: a Rocket.Chat `mongoexport` directory into the seven tables.
//!
//! Everything is read and converted before anything is written, so a malformed
//! document stops the import with its file and line and nothing partial lands.

mod convert;
mod members;
mod read;
mod write;

pub use convert::Plan;
pub use read::{read_export, Export};

use crate::config::TableNames;
use aws_sdk_dynamodb::Client;
use std::path::Path;

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
        writeln!(f, "users:            {}", self.users)?;
        writeln!(
            f,
            "tokens:           {} login, {} personal access ({} expired, skipped)",
            self.login_tokens, self.access_tokens, self.expired_tokens_skipped
        )?;
        writeln!(f, "rooms:            {}", self.rooms)?;
        writeln!(f, "permissions:      {}", self.permissions)?;
        writeln!(
            f,
            "integrations:     {} as {} items ({} under no room)",
            self.integrations, self.integration_items, self.unplaced_integrations
        )?;
        writeln!(f, "subscriptions:    {}", self.subscriptions)?;
        writeln!(f, "teams:            {}", self.teams)?;
        writeln!(f, "team members:     {}", self.team_members)?;
        writeln!(f, "department agents: {}", self.department_agents)?;
        write!(f, "pruned items:     {}", self.pruned_items)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file missing, unreadable, or with malformed documents (all of them listed).
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
    #[error("writing to DynamoDB: {0}")]
    Write(String),
}

/// Reads, converts and writes one export directory.
pub async fn import_dir(
    client: &Client,
    tables: &TableNames,
    dir: &Path,
    options: ImportOptions,
) -> Result<Summary, ImportError> {
    let export = read_export(dir)?;
    let plan = Plan::from_export(&export, &options)?;
    write::write(client, tables, plan, options.prune).await
}
