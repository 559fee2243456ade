//! What the pipeline reads from the store, as plain domain types.

use crate::document::Value;
use std::collections::HashMap;

/// A session: a hashed login token or personal access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub user_id: String,
    /// Epoch seconds after which the token is refused; `None` never expires.
    pub expires_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: String,
    pub username: Option<String>,
    pub roles: Vec<String>,
    pub active: bool,
}

/// A room, with what the room-access rules (contract §5a) need to know of it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoomRecord {
    pub id: String,
    pub name: Option<String>,
    /// Rocket.Chat's room type: `c` channel, `p` private group, `d` direct, `l` omnichannel.
    pub kind: String,
    /// The team the room belongs to (`teamId`).
    pub team_id: Option<String>,
    /// The parent room of a discussion (`prid`).
    pub parent_id: Option<String>,
    /// Omnichannel: whether the conversation is still open (`open: true`).
    pub open: bool,
    /// Omnichannel: the agent serving it (`servedBy._id`).
    pub served_by: Option<String>,
    /// Omnichannel: its department (`departmentId`).
    pub department_id: Option<String>,
}

impl RoomRecord {
    /// A public channel (`c`) or an omnichannel room (`l`): the rooms this endpoint lists;
    /// private groups and direct messages count as not found, as in Rocket.Chat.
    pub fn is_channel(&self) -> bool {
        self.kind == "c" || self.kind == "l"
    }
}

/// Rocket.Chat's team types (`rocketchat_team.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamType {
    Public,
    Private,
}

impl TeamType {
    /// `0` is public, `1` private; any other value is treated as private (fail closed).
    pub fn from_code(code: i64) -> TeamType {
        if code == 0 {
            TeamType::Public
        } else {
            TeamType::Private
        }
    }

    pub fn code(self) -> i64 {
        match self {
            TeamType::Public => 0,
            TeamType::Private => 1,
        }
    }
}

/// Roles per permission id, as far as the permission documents exist.
pub type PermissionRoles = HashMap<String, Vec<String>>;

/// One integration document, with its id lifted out for ordering and de-duplication.
#[derive(Debug, Clone, PartialEq)]
pub struct Integration {
    pub id: String,
    pub doc: Value,
}

/// How the caller named the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomRef {
    Id(String),
    Name(String),
}

/// The longest id or name looked up; DynamoDB refuses key values over 2048 bytes,
/// and no Rocket.Chat id or room name comes near this.
pub const MAX_KEY_BYTES: usize = 1024;
