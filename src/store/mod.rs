//! The store: everything the pipeline reads, behind one narrow trait.

mod client;
mod dynamo;
pub mod items;

pub use client::{build_client, Endpoint};
pub use dynamo::DynamoStore;

use crate::auth::Credentials;
use crate::model::{Integration, PermissionRoles, RoomRecord, RoomRef, TeamType, TokenRecord, UserRecord};
use futures::future::BoxFuture;

/// What one request needs, fetched in one parallel round (two when the room is named).
#[derive(Debug, Clone, Copy)]
pub struct Lookup<'a> {
    pub credentials: &'a Credentials,
    pub room: Option<&'a RoomRef>,
    pub include_all_public_channels: bool,
    /// False when the request will fail before listing, so the listing is not read.
    pub with_integrations: bool,
}

/// The records a request decides on. Integrations are those stored under the room
/// and, when asked, under `all_public_channels`; an integration may appear twice.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub token: Option<TokenRecord>,
    pub user: Option<UserRecord>,
    pub permissions: PermissionRoles,
    pub room: Option<RoomRecord>,
    pub integrations: Vec<Integration>,
    /// Read capacity units DynamoDB reports for the request's reads.
    pub read_units: f64,
}

/// The store could not answer within its budget. The detail is for logs only.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DynamoDB call failed: {0}")]
    Call(String),
    #[error("DynamoDB did not answer within the request budget")]
    Timeout,
}

pub trait Store: Send + Sync {
    fn load<'a>(&'a self, lookup: Lookup<'a>) -> BoxFuture<'a, Result<Snapshot, StoreError>>;
}

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
}
