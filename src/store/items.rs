//! The item layout of the five tables: one place that reads and writes attributes.
//! The key attributes themselves are defined in template.yaml.

use crate::document::Value;
use crate::model::{Integration, RoomRecord, TokenRecord, UserRecord};
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

pub type Item = HashMap<String, AttributeValue>;

/// The integrations partition of integrations targeting every public channel.
pub const ALL_PUBLIC_CHANNELS: &str = "all_public_channels";
/// The sort key of an integration stored under no room (`@user` targets, none at all).
pub const UNPLACED: &str = "-";

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn string_list(values: &[String]) -> AttributeValue {
    AttributeValue::L(values.iter().map(|v| s(v.as_str())).collect())
}

fn get_str<'a>(item: &'a Item, key: &str) -> Option<&'a str> {
    item.get(key).and_then(|v| v.as_s().ok()).map(String::as_str)
}

fn get_strings(item: &Item, key: &str) -> Vec<String> {
    match item.get(key) {
        Some(AttributeValue::L(list)) => list.iter().filter_map(|v| v.as_s().ok().cloned()).collect(),
        Some(AttributeValue::Ss(set)) => set.clone(),
        _ => Vec::new(),
    }
}

pub fn token_item(hashed_token: &str, record: &TokenRecord, kind: &str) -> Item {
    let mut item = Item::from([
        ("hashedToken".into(), s(hashed_token)),
        ("userId".into(), s(record.user_id.as_str())),
        ("type".into(), s(kind)),
    ]);
    if let Some(at) = record.expires_at {
        item.insert("expiresAt".into(), AttributeValue::N(at.to_string()));
    }
    item
}

pub fn token_from(item: &Item) -> Option<TokenRecord> {
    let expires_at = match item.get("expiresAt") {
        None | Some(AttributeValue::Null(_)) => None,
        // An unreadable expiry is treated as already expired: fail closed.
        Some(v) => Some(v.as_n().ok().and_then(|n| n.parse().ok()).unwrap_or(i64::MIN)),
    };
    Some(TokenRecord { user_id: get_str(item, "userId")?.to_owned(), expires_at })
}

pub fn user_item(user: &UserRecord) -> Item {
    let mut item = Item::from([
        ("_id".into(), s(user.id.as_str())),
        ("roles".into(), string_list(&user.roles)),
        ("active".into(), AttributeValue::Bool(user.active)),
    ]);
    if let Some(name) = &user.username {
        item.insert("username".into(), s(name.as_str()));
    }
    item
}

pub fn user_from(item: &Item) -> Option<UserRecord> {
    Some(UserRecord {
        id: get_str(item, "_id")?.to_owned(),
        username: get_str(item, "username").map(str::to_owned),
        roles: get_strings(item, "roles"),
        // Rocket.Chat treats a user without `active` as active.
        active: item.get("active").and_then(|v| v.as_bool().ok()).copied().unwrap_or(true),
    })
}

pub fn permission_item(id: &str, roles: &[String]) -> Item {
    Item::from([("_id".into(), s(id)), ("roles".into(), string_list(roles))])
}

pub fn permission_from(item: &Item) -> Option<(String, Vec<String>)> {
    Some((get_str(item, "_id")?.to_owned(), get_strings(item, "roles")))
}

pub fn room_item(room: &RoomRecord) -> Item {
    let mut item = Item::from([("_id".into(), s(room.id.as_str())), ("t".into(), s(room.kind.as_str()))]);
    if let Some(name) = &room.name {
        item.insert("name".into(), s(name.as_str()));
    }
    item
}

pub fn room_from(item: &Item) -> Option<RoomRecord> {
    Some(RoomRecord {
        id: get_str(item, "_id")?.to_owned(),
        name: get_str(item, "name").map(str::to_owned),
        kind: get_str(item, "t").unwrap_or_default().to_owned(),
    })
}

/// One stored copy of an integration: under a room id, under `all_public_channels`,
/// or (`partition` = `None`) under no room at all, so nothing of an import is lost.
pub fn integration_item(integration: &Integration, partition: Option<&str>) -> Item {
    let mut item = Item::from([
        ("_id".into(), s(integration.id.as_str())),
        ("target".into(), s(partition.unwrap_or(UNPLACED))),
        ("doc".into(), s(integration.doc.to_stored())),
    ]);
    if let Some(room) = partition {
        item.insert("roomId".into(), s(room));
    }
    item
}

pub fn integration_from(item: &Item) -> Option<Integration> {
    let doc = Value::from_extended_json_str(get_str(item, "doc")?).ok()?;
    Some(Integration { id: get_str(item, "_id")?.to_owned(), doc })
}
