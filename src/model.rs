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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomRecord {
    pub id: String,
    pub name: Option<String>,
    /// Rocket.Chat's room type: `c` channel, `p` private group, `d` direct, `l` omnichannel.
    pub kind: String,
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
