//! What the pipeline reads from the store, as plain domain types.

use crate::document::Value;
use std::collections::HashMap;
use std::sync::Arc;

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
    pub fn room_type(&self) -> RoomType {
        RoomType::of(&self.kind)
    }

    /// A public channel or an omnichannel room: the rooms `channels.getIntegrations`
    /// lists; private groups and direct messages count as not found there, as in
    /// Rocket.Chat.
    pub fn is_channel(&self) -> bool {
        matches!(self.room_type(), RoomType::Channel | RoomType::Omnichannel)
    }

    /// A private group, discussions among them: the rooms `groups.getIntegrations` lists.
    pub fn is_group(&self) -> bool {
        self.room_type() == RoomType::Group
    }
}

/// Rocket.Chat's room types (`rocketchat_room.t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomType {
    /// `c`, a public channel.
    Channel,
    /// `p`, a private group.
    Group,
    /// `d`, a direct conversation.
    Direct,
    /// `l`, an omnichannel (livechat) room.
    Omnichannel,
    /// Any other code: no rule of a known type applies to it (fail closed).
    Other,
}

impl RoomType {
    pub fn of(code: &str) -> RoomType {
        match code {
            "c" => RoomType::Channel,
            "p" => RoomType::Group,
            "d" => RoomType::Direct,
            "l" => RoomType::Omnichannel,
            _ => RoomType::Other,
        }
    }

    /// The `view-<t>-room` permission of the type; none for an unknown type.
    pub fn view_permission(self) -> Option<&'static str> {
        use crate::access::{VIEW_C_ROOM, VIEW_D_ROOM, VIEW_L_ROOM, VIEW_P_ROOM};
        match self {
            RoomType::Channel => Some(VIEW_C_ROOM),
            RoomType::Group => Some(VIEW_P_ROOM),
            RoomType::Direct => Some(VIEW_D_ROOM),
            RoomType::Omnichannel => Some(VIEW_L_ROOM),
            RoomType::Other => None,
        }
    }
}

/// The integration partitions that are not rooms. An integration is stored once per
/// partition it belongs to (see `store::items::integration_item`).
pub mod partition {
    /// Integrations targeting every public channel (`all_public_channels`).
    pub const ALL_PUBLIC_CHANNELS: &str = "all_public_channels";
    /// Integrations targeting every private group (`all_private_groups`).
    pub const ALL_PRIVATE_GROUPS: &str = "all_private_groups";
    /// Every integration once, whatever its targets: `integrations.list` lists it and
    /// `integrations.get` reads an integration's copy in it by key. A `*` is in no
    /// Rocket.Chat id, so no room can share the partition.
    pub const WORKSPACE: &str = "*workspace";
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

/// An integration as a request holds it: its id, its [`Head`], and its document as
/// stored, parsed only if the request needs it (a `query`, a sort on another field,
/// a projection) and otherwise copied to the page as it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Integration {
    pub id: String,
    pub head: Head,
    pub body: Body,
}

impl Integration {
    /// Holds a place, allocating nothing (an integration moved out of a list).
    pub const EMPTY: Integration = Integration {
        id: String::new(),
        head: Head { kind: Kind::Other, creator: None, created_at: None, ts: None },
        body: Body::Stored(String::new()),
    };

    /// The integration of a parsed document, as the importer stores it.
    pub fn of_document(id: String, doc: &Value) -> Integration {
        Integration { id, head: Head::of(doc), body: Body::Stored(doc.to_stored()) }
    }

    /// The stored text, once read.
    pub fn stored(&self) -> Option<&str> {
        match &self.body {
            Body::Stored(text) => Some(text),
            Body::Unread { .. } | Body::Sifted { .. } => None,
        }
    }
}

/// The document of an integration.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// Lossless Extended JSON, as [`Value::to_stored`] wrote it.
    Stored(String),
    /// Only the head was read (a large room's listing); the document is read by its
    /// table key (`_id`, `target`) if it lands on the page.
    Unread { target: Arc<str> },
    /// Read, admitted by the request's filter and let go (see [`crate::sieve`]): only
    /// the top-level fields its sort needs are `kept`; the document is read again by
    /// its table key if it lands on the page.
    /// (Boxed, as are a head's rare fields: a large room holds an integration per
    /// entry, and every byte of one is moved and held as many times.)
    Sifted { target: Arc<str>, kept: Box<Value> },
}

/// What room visibility and the default sort need of an integration, kept beside its
/// document (and alone in the heads index) so that a room can be selected, sorted by
/// `_createdAt` and cut into a page without reading or parsing its documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    pub kind: Kind,
    /// `_createdBy._id`, when it is a string.
    pub creator: Option<String>,
    /// The document's top-level `_createdAt`, whatever its type; `None` when absent.
    pub created_at: Option<Value>,
    /// The document's top-level `ts`, which integrations do not have: `integrations.list`
    /// sorts by it by default (Rocket.Chat's), so its absence is known without a document.
    pub ts: Option<Box<Value>>,
}

/// The sort fields a head answers exactly: sorting on anything else needs documents.
pub const HEAD_SORT_FIELDS: [&str; 2] = ["_createdAt", "ts"];

impl Head {
    pub fn of(doc: &Value) -> Head {
        let kind = match doc.get("type").and_then(Value::as_str) {
            Some("webhook-outgoing") => Kind::Outgoing,
            Some("webhook-incoming") => Kind::Incoming,
            _ => Kind::Other,
        };
        let creator = doc.get("_createdBy").and_then(|c| c.get("_id")).and_then(Value::as_str);
        Head {
            kind,
            creator: creator.map(str::to_owned),
            created_at: doc.get("_createdAt").cloned(),
            ts: doc.get("ts").cloned().map(Box::new),
        }
    }

    /// The value of a [`HEAD_SORT_FIELDS`] field; `None` when the document lacks it.
    pub fn sort_value(&self, field: &str) -> Option<&Value> {
        match field {
            "ts" => self.ts.as_deref(),
            _ => self.created_at.as_ref(),
        }
    }
}

/// The integration's `type`, as far as visibility tells types apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Outgoing,
    Incoming,
    /// Any other `type`, or none.
    Other,
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
