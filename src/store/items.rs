//! The item layout of the tables: the one place that names attributes, for reads,
//! the importer and the tests alike. The key attributes are declared in template.yaml
//! (a test checks that they agree with [`attr`]).

use super::attribute::{Attribute, FromAttribute};
use super::{Key, Record};
use crate::config::TableNames;
use crate::document::Value;
use crate::model::{Body, Head, Integration, Kind, RoomRecord, TeamType, TokenRecord, UserRecord};
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;
use std::sync::Arc;

pub type Item = HashMap<String, AttributeValue>;

/// Attribute names.
pub mod attr {
    pub const ID: &str = "_id";
    pub const HASHED_TOKEN: &str = "hashedToken";
    pub const USER_ID: &str = "userId";
    pub const TYPE: &str = "type";
    pub const EXPIRES_AT: &str = "expiresAt";
    pub const USERNAME: &str = "username";
    pub const ROLES: &str = "roles";
    pub const ACTIVE: &str = "active";
    pub const NAME: &str = "name";
    pub const ROOM_TYPE: &str = "t";
    pub const TEAM_ID: &str = "teamId";
    pub const PARENT_ID: &str = "prid";
    pub const OPEN: &str = "open";
    pub const SERVED_BY: &str = "servedBy";
    pub const DEPARTMENT_ID: &str = "departmentId";
    pub const SCOPE: &str = "scope";
    pub const TARGET: &str = "target";
    pub const ROOM_ID: &str = "roomId";
    pub const DOC: &str = "doc";
    /// An integration's [`Head`](crate::model::Head), beside its document and alone in
    /// the heads index; short names, as every byte of them is read for every
    /// integration of a large room: `type` (`o` outgoing, `i` incoming, `-` any
    /// other), `_createdBy._id`, and `_createdAt` (a number for a date, else stored JSON).
    pub const HEAD_KIND: &str = "ty";
    pub const HEAD_CREATOR: &str = "by";
    pub const HEAD_CREATED_AT: &str = "at";
    /// A top-level `ts` (stored JSON), written only when the document has one.
    pub const HEAD_TS: &str = "ts";
    /// A history run's integration id (its index's partition) and its sort key there
    /// (`ingest::history::newest_first`); its snapshot's creator is `by`.
    pub const HISTORY_INTEGRATION: &str = "integrationId";
    pub const HISTORY_ORDER: &str = "ord";
    /// The sync table's key: what a record is about, and which one.
    pub const PK: &str = "pk";
    pub const SK: &str = "sk";
}

pub use crate::model::partition::{ALL_PRIVATE_GROUPS, ALL_PUBLIC_CHANNELS, WORKSPACE};

/// Memberships share one table: the scope says of what (`room:…`, `team:…`,
/// `department:…`), the sort key `userId` says who.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A subscription to a room.
    Room,
    /// A membership of a team.
    Team,
    /// An omnichannel agent of a department.
    Department,
}

impl Scope {
    const ALL: [Scope; 3] = [Scope::Room, Scope::Team, Scope::Department];

    fn prefix(self) -> &'static str {
        match self {
            Scope::Room => "room:",
            Scope::Team => "team:",
            Scope::Department => "department:",
        }
    }
}

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn string_list(values: &[String]) -> AttributeValue {
    AttributeValue::L(values.iter().map(|v| s(v.as_str())).collect())
}

fn get_str<'a>(item: &'a Item, key: &str) -> Option<&'a str> {
    item.get(key).and_then(|v| v.as_s().ok()).map(String::as_str)
}

fn get_string(item: &Item, key: &str) -> Option<String> {
    get_str(item, key).map(str::to_owned)
}

fn get_strings(item: &Item, key: &str) -> Vec<String> {
    match item.get(key) {
        Some(AttributeValue::L(list)) => list.iter().filter_map(|v| v.as_s().ok().cloned()).collect(),
        Some(AttributeValue::Ss(set)) => set.clone(),
        _ => Vec::new(),
    }
}

fn put_optional(item: &mut Item, key: &str, value: Option<&String>) {
    if let Some(value) = value {
        item.insert(key.to_owned(), s(value.as_str()));
    }
}

/// The table and key item a [`Key`] is read from.
pub fn locate<'t>(key: &Key, tables: &'t TableNames) -> (&'t str, Item) {
    let one = |attribute: &str, value: &str| Item::from([(attribute.to_owned(), s(value))]);
    match key {
        Key::Token(hash) => (&tables.tokens, one(attr::HASHED_TOKEN, hash)),
        Key::User(id) => (&tables.users, one(attr::ID, id)),
        Key::Permission(id) => (&tables.permissions, one(attr::ID, id)),
        Key::Room(id) => (&tables.rooms, one(attr::ID, id)),
        Key::Team(id) => (&tables.teams, one(attr::ID, id)),
        Key::Subscription { room, user } => (&tables.memberships, membership_item(Scope::Room, room, user)),
        Key::TeamMember { team, user } => (&tables.memberships, membership_item(Scope::Team, team, user)),
        Key::DepartmentAgent { department, user } => {
            (&tables.memberships, membership_item(Scope::Department, department, user))
        }
        Key::HistoryRun(id) => (&tables.history, one(attr::ID, id)),
        Key::Document { id, target } => (
            &tables.integrations,
            Item::from([
                (attr::ID.to_owned(), s(id.as_str())),
                (attr::TARGET.to_owned(), s(target.as_str())),
            ]),
        ),
    }
}

/// The key and record an item read from `table` stands for.
pub fn decode(table: &str, item: &Item, tables: &TableNames) -> Option<(Key, Record)> {
    let id = || get_string(item, attr::ID);
    if table == tables.tokens {
        Some((Key::Token(get_string(item, attr::HASHED_TOKEN)?), Record::Token(token_from(item)?)))
    } else if table == tables.users {
        Some((Key::User(id()?), Record::User(user_from(item)?)))
    } else if table == tables.permissions {
        Some((Key::Permission(id()?), Record::Permission(get_strings(item, attr::ROLES))))
    } else if table == tables.rooms {
        Some((Key::Room(id()?), Record::Room(room_from(item)?)))
    } else if table == tables.teams {
        Some((Key::Team(id()?), Record::Team(team_from(item))))
    } else if table == tables.memberships {
        Some((membership_key(item)?, Record::Member))
    } else if table == tables.history {
        Some((Key::HistoryRun(id()?), Record::Document(get_string(item, attr::DOC)?)))
    } else if table == tables.integrations {
        let key = Key::Document { id: id()?, target: get_string(item, attr::TARGET)? };
        Some((key, Record::Document(get_string(item, attr::DOC)?)))
    } else {
        None
    }
}

pub fn token_item(hashed_token: &str, record: &TokenRecord, kind: &str) -> Item {
    let mut item = Item::from([
        (attr::HASHED_TOKEN.into(), s(hashed_token)),
        (attr::USER_ID.into(), s(record.user_id.as_str())),
        (attr::TYPE.into(), s(kind)),
    ]);
    if let Some(at) = record.expires_at {
        item.insert(attr::EXPIRES_AT.into(), AttributeValue::N(at.to_string()));
    }
    item
}

pub fn token_from(item: &Item) -> Option<TokenRecord> {
    let expires_at = match item.get(attr::EXPIRES_AT) {
        None | Some(AttributeValue::Null(_)) => None,
        // An unreadable expiry is treated as already expired: fail closed.
        Some(v) => Some(v.as_n().ok().and_then(|n| n.parse().ok()).unwrap_or(i64::MIN)),
    };
    Some(TokenRecord { user_id: get_string(item, attr::USER_ID)?, expires_at })
}

pub fn user_item(user: &UserRecord) -> Item {
    let mut item = Item::from([
        (attr::ID.into(), s(user.id.as_str())),
        (attr::ROLES.into(), string_list(&user.roles)),
        (attr::ACTIVE.into(), AttributeValue::Bool(user.active)),
    ]);
    put_optional(&mut item, attr::USERNAME, user.username.as_ref());
    item
}

pub fn user_from(item: &Item) -> Option<UserRecord> {
    Some(UserRecord {
        id: get_string(item, attr::ID)?,
        username: get_string(item, attr::USERNAME),
        roles: get_strings(item, attr::ROLES),
        // Rocket.Chat treats a user without `active` as active.
        active: item.get(attr::ACTIVE).and_then(|v| v.as_bool().ok()).copied().unwrap_or(true),
    })
}

pub fn permission_item(id: &str, roles: &[String]) -> Item {
    Item::from([(attr::ID.into(), s(id)), (attr::ROLES.into(), string_list(roles))])
}

pub fn permission_from(item: &Item) -> Option<(String, Vec<String>)> {
    Some((get_string(item, attr::ID)?, get_strings(item, attr::ROLES)))
}

pub fn room_item(room: &RoomRecord) -> Item {
    let mut item =
        Item::from([(attr::ID.into(), s(room.id.as_str())), (attr::ROOM_TYPE.into(), s(room.kind.as_str()))]);
    put_optional(&mut item, attr::NAME, room.name.as_ref());
    put_optional(&mut item, attr::TEAM_ID, room.team_id.as_ref());
    put_optional(&mut item, attr::PARENT_ID, room.parent_id.as_ref());
    put_optional(&mut item, attr::SERVED_BY, room.served_by.as_ref());
    put_optional(&mut item, attr::DEPARTMENT_ID, room.department_id.as_ref());
    if room.open {
        item.insert(attr::OPEN.into(), AttributeValue::Bool(true));
    }
    item
}

pub fn room_from(item: &Item) -> Option<RoomRecord> {
    Some(RoomRecord {
        id: get_string(item, attr::ID)?,
        name: get_string(item, attr::NAME),
        kind: get_string(item, attr::ROOM_TYPE).unwrap_or_default(),
        team_id: get_string(item, attr::TEAM_ID),
        parent_id: get_string(item, attr::PARENT_ID),
        open: item.get(attr::OPEN).and_then(|v| v.as_bool().ok()).copied().unwrap_or(false),
        served_by: get_string(item, attr::SERVED_BY),
        department_id: get_string(item, attr::DEPARTMENT_ID),
    })
}

pub fn team_item(id: &str, kind: TeamType) -> Item {
    Item::from([(attr::ID.into(), s(id)), (attr::TYPE.into(), AttributeValue::N(kind.code().to_string()))])
}

fn team_from(item: &Item) -> TeamType {
    let code = item.get(attr::TYPE).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok());
    code.map_or(TeamType::Private, TeamType::from_code)
}

/// The item recording that `user` is a member of `id` in `scope`.
pub fn membership_item(scope: Scope, id: &str, user: &str) -> Item {
    Item::from([(attr::SCOPE.into(), s(format!("{}{id}", scope.prefix()))), (attr::USER_ID.into(), s(user))])
}

fn membership_key(item: &Item) -> Option<Key> {
    let scoped = get_str(item, attr::SCOPE)?;
    let user = get_string(item, attr::USER_ID)?;
    let (scope, id) =
        Scope::ALL.iter().find_map(|scope| Some((*scope, scoped.strip_prefix(scope.prefix())?)))?;
    let id = id.to_owned();
    Some(match scope {
        Scope::Room => Key::Subscription { room: id, user },
        Scope::Team => Key::TeamMember { team: id, user },
        Scope::Department => Key::DepartmentAgent { department: id, user },
    })
}

/// One stored copy of an integration: under a room id, under `all_public_channels` or
/// `all_private_groups`, or under the [`WORKSPACE`] (every integration has that one,
/// so nothing of an import is lost, `@user` targets included). Its head is written
/// beside the document (the importer's [`Integration::of_document`]).
pub fn integration_item(integration: &Integration, partition: &str) -> Item {
    let mut item = Item::from([
        (attr::ID.into(), s(integration.id.as_str())),
        (attr::TARGET.into(), s(partition)),
        (attr::ROOM_ID.into(), s(partition)),
    ]);
    if let Some(text) = integration.stored() {
        item.insert(attr::DOC.into(), s(text));
    }
    let head = &integration.head;
    let kind = match head.kind {
        Kind::Outgoing => "o",
        Kind::Incoming => "i",
        Kind::Other => "-",
    };
    item.insert(attr::HEAD_KIND.into(), s(kind));
    put_optional(&mut item, attr::HEAD_CREATOR, head.creator.as_ref());
    match &head.created_at {
        Some(Value::Date(ms)) => {
            item.insert(attr::HEAD_CREATED_AT.into(), AttributeValue::N(ms.to_string()));
        }
        Some(other) => {
            item.insert(attr::HEAD_CREATED_AT.into(), s(other.to_stored()));
        }
        None => {}
    }
    if let Some(ts) = &head.ts {
        item.insert(attr::HEAD_TS.into(), s(ts.to_stored()));
    }
    item
}

/// One run of an integration's history: its document, and what its index needs.
pub fn history_item(id: &str, doc: &str, integration: &str, order: Vec<u8>, creator: Option<&str>) -> Item {
    let mut item = Item::from([
        (attr::ID.into(), s(id)),
        (attr::DOC.into(), s(doc)),
        (attr::HISTORY_INTEGRATION.into(), s(integration)),
        (attr::HISTORY_ORDER.into(), AttributeValue::B(order.into())),
    ]);
    if let Some(creator) = creator {
        item.insert(attr::HEAD_CREATOR.into(), s(creator));
    }
    item
}

/// Why an integration item could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    /// Neither a head nor a document: written before heads were (import again), and
    /// read from the heads index. The document must be read instead.
    NoHead,
    /// No id, or a document that does not parse.
    Broken,
}

/// Any attribute the reads decode (string, number, boolean), as the SDK holds it.
impl FromAttribute for AttributeValue {
    fn from_s(text: &str) -> Option<Self> {
        Some(AttributeValue::S(text.to_owned()))
    }

    fn from_n(digits: &str) -> Option<Self> {
        Some(AttributeValue::N(digits.to_owned()))
    }

    fn from_bool(value: bool) -> Option<Self> {
        Some(AttributeValue::Bool(value))
    }
}

/// An item of any table as a Query's answer carries it (for the SDK's [`Item`]:
/// [`item_of`]); an attribute of another type counts as absent.
pub type ScalarItem = HashMap<String, Attribute<AttributeValue>>;

pub fn item_of(scalars: ScalarItem) -> Item {
    scalars.into_iter().filter_map(|(name, Attribute(value))| Some((name, value?))).collect()
}

/// The attributes of an integration item that reads use, as a Query's answer carries
/// them. The names are [`attr`]'s (`items::tests` checks that they agree).
#[derive(Debug, Default, serde::Deserialize)]
pub struct IntegrationAttributes {
    #[serde(rename = "_id")]
    id: Option<Attribute<String>>,
    doc: Option<Attribute<String>>,
    #[serde(rename = "ty")]
    kind: Option<Attribute<Kind>>,
    #[serde(rename = "by")]
    creator: Option<Attribute<String>>,
    #[serde(rename = "at")]
    created_at: Option<Attribute<Stamp>>,
    ts: Option<Attribute<String>>,
}

/// A head's type as written (`o`, `i`, `-`), read without copying it.
impl FromAttribute for Kind {
    fn from_s(text: &str) -> Option<Self> {
        Some(match text {
            "o" => Kind::Outgoing,
            "i" => Kind::Incoming,
            _ => Kind::Other,
        })
    }
}

/// A head's `_createdAt`: a date's milliseconds (`N`; `None` when they do not parse),
/// or any other value as stored JSON (`S`).
#[derive(Debug, Clone, PartialEq)]
enum Stamp {
    Millis(Option<i64>),
    Stored(String),
}

impl FromAttribute for Stamp {
    fn from_s(text: &str) -> Option<Self> {
        Some(Stamp::Stored(text.to_owned()))
    }

    fn from_n(digits: &str) -> Option<Self> {
        Some(Stamp::Millis(digits.parse().ok()))
    }
}

/// The value an attribute holds, when it is of the type read.
fn value<T>(attribute: Option<Attribute<T>>) -> Option<T> {
    attribute.and_then(|Attribute(value)| value)
}

impl IntegrationAttributes {
    /// The integration of partition `target` these attributes hold, taking their
    /// strings rather than copying them. Without a document (the heads index) it holds
    /// its head only; without a head (imported before heads) it gets it from its document.
    pub fn into_integration(self, target: &Arc<str>) -> Result<Integration, Unreadable> {
        let id = value(self.id).ok_or(Unreadable::Broken)?;
        let body = match value(self.doc) {
            Some(text) => Body::Stored(text),
            None => Body::Unread { target: target.clone() },
        };
        let head = match (head_from(self.kind, self.creator, self.created_at, self.ts)?, &body) {
            (Some(head), _) => head,
            (None, Body::Stored(text)) => {
                Head::of(&Value::from_extended_json_str(text).map_err(|_| Unreadable::Broken)?)
            }
            (None, Body::Unread { .. } | Body::Sifted { .. }) => return Err(Unreadable::NoHead),
        };
        Ok(Integration { id, head, body })
    }
}

/// The head written beside an integration; `None` when none was.
fn head_from(
    kind: Option<Attribute<Kind>>,
    creator: Option<Attribute<String>>,
    created_at: Option<Attribute<Stamp>>,
    ts: Option<Attribute<String>>,
) -> Result<Option<Head>, Unreadable> {
    let Some(kind) = value(kind) else { return Ok(None) };
    let created_at = match value(created_at) {
        Some(Stamp::Millis(ms)) => Some(Value::Date(ms.ok_or(Unreadable::Broken)?)),
        Some(Stamp::Stored(text)) => {
            Some(Value::from_extended_json_str(&text).map_err(|_| Unreadable::Broken)?)
        }
        None => None,
    };
    let ts = match value(ts) {
        Some(text) => Some(Box::new(Value::from_extended_json_str(&text).map_err(|_| Unreadable::Broken)?)),
        None => None,
    };
    Ok(Some(Head { kind, creator: value(creator), created_at, ts }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables() -> TableNames {
        TableNames::prefixed("t_")
    }

    #[test]
    fn every_membership_key_round_trips_through_its_item() {
        let keys = [
            Key::Subscription { room: "r:1".into(), user: "u".into() },
            Key::TeamMember { team: "t".into(), user: "u".into() },
            Key::DepartmentAgent { department: "d".into(), user: "rocket.cat".into() },
        ];
        let tables = tables();
        for key in keys {
            let (table, item) = locate(&key, &tables);
            assert_eq!(table, tables.memberships);
            assert_eq!(decode(table, &item, &tables), Some((key, Record::Member)));
        }
    }

    #[test]
    fn a_room_keeps_what_the_access_rules_need() {
        let room = RoomRecord {
            id: "r".into(),
            name: Some("n".into()),
            kind: "l".into(),
            team_id: Some("t".into()),
            parent_id: Some("p".into()),
            open: true,
            served_by: Some("agent".into()),
            department_id: Some("d".into()),
        };
        assert_eq!(room_from(&room_item(&room)), Some(room));
    }

    #[test]
    fn a_team_of_unknown_type_counts_as_private() {
        let mut item = team_item("t", TeamType::Public);
        assert_eq!(team_from(&item), TeamType::Public);
        item.insert(attr::TYPE.into(), AttributeValue::N("7".into()));
        assert_eq!(team_from(&item), TeamType::Private);
        item.remove(attr::TYPE);
        assert_eq!(team_from(&item), TeamType::Private);
    }

    /// An integration item as a Query's answer brings it back.
    fn integration_from(item: Item, target: &Arc<str>) -> Result<Integration, Unreadable> {
        serde_json::from_str::<IntegrationAttributes>(&wire(&item)).unwrap().into_integration(target)
    }

    #[test]
    fn an_integration_reads_back_whole_and_as_its_head_alone() {
        let doc = Value::from_extended_json_str(
            r#"{"_id":"x","type":"webhook-incoming","_createdBy":{"_id":"u"},"_createdAt":{"$date":5}}"#,
        )
        .unwrap();
        let odd =
            Value::from_extended_json_str(r#"{"_id":"y","type":7,"_createdAt":[1,"a"],"ts":{"$date":9}}"#)
                .unwrap();
        let target: Arc<str> = Arc::from("r");
        for doc in [doc, odd] {
            let integration = Integration::of_document("x".into(), &doc);
            let item = integration_item(&integration, "r");
            assert_eq!(integration_from(item.clone(), &target), Ok(integration.clone()));
            // The heads index: no document, the same head.
            let mut slim = item.clone();
            slim.remove(attr::DOC);
            let head_only = integration_from(slim.clone(), &target).unwrap();
            assert_eq!(
                (head_only.head, head_only.body),
                (integration.head.clone(), Body::Unread { target: target.clone() })
            );
            // Written before heads: from the document, or not at all from the index.
            let mut legacy = item;
            legacy.remove(attr::HEAD_KIND);
            assert_eq!(integration_from(legacy, &target).map(|i| i.head), Ok(integration.head));
            slim.remove(attr::HEAD_KIND);
            assert_eq!(integration_from(slim, &target), Err(Unreadable::NoHead));
        }
    }

    /// An item as DynamoDB's JSON protocol writes it in a Query's answer.
    fn wire(item: &Item) -> String {
        let attributes = item.iter().map(|(name, value)| {
            let value = match value {
                AttributeValue::S(s) => serde_json::json!({ "S": s }),
                AttributeValue::N(n) => serde_json::json!({ "N": n }),
                AttributeValue::Bool(b) => serde_json::json!({ "BOOL": b }),
                other => panic!("not written by the tables: {other:?}"),
            };
            (name.clone(), value)
        });
        serde_json::Value::Object(attributes.collect()).to_string()
    }

    /// Any table's item, read from a Query's answer, is the item written.
    #[test]
    fn a_room_reads_back_from_a_query_answer() {
        let room = RoomRecord {
            id: "r".into(),
            name: Some("n".into()),
            kind: "c".into(),
            open: true,
            ..RoomRecord::default()
        };
        let decoded: ScalarItem = serde_json::from_str(&wire(&room_item(&room))).unwrap();
        assert_eq!(room_from(&item_of(decoded)), Some(room));
    }
}
