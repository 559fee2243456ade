//! The store: what a request reads, as typed keys and records, behind one narrow trait.
//!
//! The pipeline plans its reads ([`Round`], built in [`crate::fetch`]) and the store
//! executes one round at a time, every read of a round in parallel. Planning knows
//! nothing of DynamoDB; the store knows nothing of the rules that decided the keys.

mod attribute;
mod client;
mod dynamo;
mod fresh;
pub mod items;
mod memory;
mod raw_answer;

pub use client::{
    build_client, forget_empty_endpoint_variables, sdk_error_line, sdk_error_text, try_build_client, Endpoint,
};
pub use dynamo::DynamoStore;
pub use memory::MemoryStore;

use crate::model::{Integration, RoomRecord, TeamType, TokenRecord, UserRecord};
use futures::future::BoxFuture;
use std::time::Duration;

/// One record a request may need, by its key. The caller's id appears in the keys
/// of their own memberships; no key reaches anyone else's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// A session by the hash of its token.
    Token(String),
    User(String),
    /// A permission document (`manage-incoming-integrations`, `view-c-room`, …).
    Permission(String),
    Room(String),
    Team(String),
    /// The user's subscription to a room (`rocketchat_subscription`).
    Subscription {
        room: String,
        user: String,
    },
    /// The user's membership of a team (`rocketchat_team_member`).
    TeamMember {
        team: String,
        user: String,
    },
    /// The user as an agent of an omnichannel department (`rocketchat_livechat_department_agents`).
    DepartmentAgent {
        department: String,
        user: String,
    },
    /// An integration's document, by its table key: a page's integrations whose
    /// listing read only their heads.
    Document {
        id: String,
        target: String,
    },
    /// A run of an integration's history, by its `_id`.
    HistoryRun(String),
}

/// What a key found.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Token(TokenRecord),
    User(UserRecord),
    /// The roles holding the permission.
    Permission(Vec<String>),
    Room(RoomRecord),
    Team(TeamType),
    /// A subscription, team membership or department agent: its existence is the fact.
    Member,
    /// An integration's (or a history run's) stored document.
    Document(String),
}

/// Where a read of an index partition resumes: the planner keeps it and hands it
/// back, and only the store that made it can look inside.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor(At);

#[derive(Debug, Clone, PartialEq)]
enum At {
    /// DynamoDB's `LastEvaluatedKey`.
    Key(items::Item),
    /// The in-memory store's position.
    Position(usize),
}

impl Cursor {
    fn key(key: items::Item) -> Cursor {
        Cursor(At::Key(key))
    }

    fn as_key(&self) -> Option<&items::Item> {
        match &self.0 {
            At::Key(key) => Some(key),
            At::Position(_) => None,
        }
    }

    /// The in-memory store's cursor (its tests build one).
    pub fn position(at: usize) -> Cursor {
        Cursor(At::Position(at))
    }

    fn as_position(&self) -> Option<usize> {
        match self.0 {
            At::Position(at) => Some(at),
            At::Key(_) => None,
        }
    }
}

/// A read of one partition of the room's integrations: its first bounded page, or
/// every page from `from` to the end; whole, or only their heads (the heads index).
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionRead {
    pub partition: String,
    pub from: Option<Cursor>,
    pub to_the_end: bool,
    /// Past the partition's first page ([`FIRST_PAGE_ITEMS`]), heads only
    /// ([`crate::model::Head`]): those documents stay unread. A store may bring whole
    /// documents anyway (items written before heads were).
    pub heads_only: bool,
    /// Whether heads need their creator (`_createdBy._id`): only a caller who may not
    /// see everything is told apart by it, and it is the largest part of a head.
    pub creators: bool,
    /// Read whole, each integration passes this sieve as it arrives: the filter's
    /// refusals are dropped, and past the request's share of documents only heads and
    /// sort fields are kept, so a large room's listing holds a bounded share of them.
    pub sieve: Option<std::sync::Arc<crate::sieve::Sieve>>,
    /// Read as heads, each is offered to this shortlist as it arrives, and only those
    /// that can still reach the page are kept ([`PartitionPage::passed_over`] counts the rest).
    pub shortlist: Option<std::sync::Arc<crate::shortlist::Shortlist>>,
}

impl PartitionRead {
    /// A partition's first bounded page ([`FIRST_PAGE_ITEMS`]), whole.
    pub fn first_page(partition: &str) -> Self {
        PartitionRead {
            partition: partition.to_owned(),
            from: None,
            to_the_end: false,
            heads_only: false,
            creators: true,
            sieve: None,
            shortlist: None,
        }
    }

    pub fn is_first_page_of(&self, partition: &str) -> bool {
        let PartitionRead { partition: read, from, to_the_end, heads_only, .. } = self;
        read == partition && from.is_none() && !to_the_end && !heads_only
    }
}

/// Items of a partition's first page read before the caller has been allowed to
/// list the room: what an anonymous or refused request can cost at most.
pub const FIRST_PAGE_ITEMS: i32 = 50;

/// A read of one integration's history, newest first (the history index's order).
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRead {
    pub integration: String,
    /// Only the runs whose snapshot's creator is this user.
    pub creator: Option<String>,
    /// The newest this many runs' ids; `None`: all of them.
    pub first: Option<usize>,
    /// Count every run (that matches `creator`), for the page's `total`.
    pub count: bool,
}

/// What a history read found: run ids (each with its snapshot's creator) newest
/// first, whether they are all there are, and the count when asked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryPage {
    pub runs: Vec<(String, Option<String>)>,
    pub complete: bool,
    pub total: Option<usize>,
}

/// Everything one round reads, all of it in parallel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Round {
    /// Point reads (one BatchGetItem).
    pub keys: Vec<Key>,
    /// A room looked up by name (`name-index`).
    pub room_name: Option<String>,
    pub partitions: Vec<PartitionRead>,
    pub history: Option<HistoryRead>,
}

impl Round {
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
            && self.room_name.is_none()
            && self.partitions.is_empty()
            && self.history.is_none()
    }
}

/// The integrations a partition read brought, and where it stopped (`None`: at the end).
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionPage {
    pub partition: String,
    pub integrations: Vec<Integration>,
    pub next: Option<Cursor>,
    /// Heads the read's shortlist passed over: visible, and behind the page.
    pub passed_over: usize,
}

/// What one round found. Keys asked and not found are simply absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fetched {
    pub records: Vec<(Key, Record)>,
    pub rooms_named: Vec<RoomRecord>,
    pub pages: Vec<PartitionPage>,
    pub history: Option<HistoryPage>,
}

/// The read capacity a request consumed, charged as each DynamoDB answer arrives
/// (whatever it was part of): a round cut short by the request's deadline still
/// counts what it paid for. A store charges the meter of the task reading it.
pub mod meter {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    /// Thousandths of a capacity unit (DynamoDB reports halves at the finest).
    #[derive(Debug, Clone, Default)]
    pub struct Meter(Arc<AtomicU64>);

    tokio::task_local! {
        static CURRENT: Meter;
    }

    impl Meter {
        pub fn units(&self) -> f64 {
            self.0.load(Ordering::Relaxed) as f64 / 1000.0
        }

        /// Runs `future` with every charge it makes going to this meter.
        pub async fn measure<F: std::future::Future>(&self, future: F) -> F::Output {
            CURRENT.scope(self.clone(), future).await
        }
    }

    /// Charges `units` to the meter of the current request, if any.
    pub fn charge(units: f64) {
        let thousandths = (units * 1000.0).round().max(0.0) as u64;
        let _ = CURRENT.try_with(|meter| meter.0.fetch_add(thousandths, Ordering::Relaxed));
    }
}

/// The store could not answer within its budget. The detail is for logs only.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DynamoDB call failed: {0}")]
    Call(String),
    #[error("DynamoDB did not answer within the request budget")]
    Timeout,
    /// A table or index that does not exist, or that the function may not read: no
    /// retry helps until the deployment is fixed.
    #[error("{operation} on {what}: {code}")]
    Misconfigured { operation: &'static str, what: String, code: String },
}

impl StoreError {
    pub fn is_misconfiguration(&self) -> bool {
        matches!(self, StoreError::Misconfigured { .. })
    }
}

pub trait Store: Send + Sync {
    /// Executes one round: every read in it at once.
    fn read<'a>(&'a self, round: &'a Round) -> BoxFuture<'a, Result<Fetched, StoreError>>;

    /// How long all of one request's rounds may take together.
    fn request_budget(&self) -> Duration;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_partitions_first_whole_page_is_its_first_page() {
        let first = PartitionRead::first_page("all_public_channels");
        assert!(first.is_first_page_of("all_public_channels"));
        assert!(!first.is_first_page_of("GENERAL"));
        let rest = [
            PartitionRead { to_the_end: true, ..first.clone() },
            PartitionRead { heads_only: true, ..first.clone() },
            PartitionRead { from: Some(Cursor::position(50)), ..first.clone() },
        ];
        assert!(rest.iter().all(|read| !read.is_first_page_of("all_public_channels")));
    }
}
