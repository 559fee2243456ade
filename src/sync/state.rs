//! A document's *state* in the sync table: the version last applied and the keys
//! (with a hash of the content) of every item it wrote. This is how the previous
//! state of a document is found when it changes or is deleted: a delete event
//! carries only `_id`, and a user's old token hashes, an integration's old rooms or
//! a subscription's room and user are in no later event.
//!
//! `pending` lists keys an apply may have written before the state recorded them
//! (written first, so that an apply interrupted between its item writes and its
//! state write leaves nothing no later apply would remove).

use super::event::Version;
use crate::ingest::{Collection, Table};
use crate::store::items::{attr, s, Item};
use aws_sdk_dynamodb::types::AttributeValue;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Attributes of a state record.
mod field {
    pub const VERSION: &str = "v";
    pub const ITEMS: &str = "items";
    pub const PENDING: &str = "pending";
    pub const GONE: &str = "gone";
}

/// The sort key of every state record.
const STATE_SORT_KEY: &str = "-";
const STATE_PREFIX: &str = "doc#";

/// A document: its collection and `_id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocKey {
    pub collection: Collection,
    pub id: String,
}

impl DocKey {
    pub fn partition(&self) -> String {
        format!("{STATE_PREFIX}{}#{}", self.collection.code(), self.id)
    }

    /// The prefix of every state partition of `collection` (for `import`'s prune).
    pub fn collection_prefix(collection: Collection) -> String {
        format!("{STATE_PREFIX}{}#", collection.code())
    }

    pub fn from_partition(partition: &str) -> Option<DocKey> {
        let rest = partition.strip_prefix(STATE_PREFIX)?;
        let (code, id) = rest.split_once('#')?;
        Some(DocKey { collection: Collection::from_code(code)?, id: id.to_owned() })
    }

    /// The key of its state record.
    pub fn state_key(&self) -> Item {
        Item::from([(attr::PK.into(), s(self.partition())), (attr::SK.into(), s(STATE_SORT_KEY))])
    }
}

/// The key of one item in one table: the values of the table's key attributes, in
/// order (every key attribute is a string).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemKey {
    pub table: Table,
    pub values: Vec<String>,
}

impl ItemKey {
    pub fn of(table: Table, item: &Item) -> ItemKey {
        let values = table
            .key_attributes()
            .iter()
            .map(|k| item.get(*k).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default())
            .collect();
        ItemKey { table, values }
    }

    pub fn item(&self) -> Item {
        self.table
            .key_attributes()
            .iter()
            .zip(&self.values)
            .map(|(k, v)| ((*k).to_owned(), s(v.as_str())))
            .collect()
    }

    fn encode(&self, hash: Option<&str>) -> String {
        let mut parts: Vec<&str> = vec![self.table.code()];
        parts.extend(self.values.iter().map(String::as_str));
        parts.extend(hash);
        serde_json::to_string(&parts).unwrap_or_default()
    }

    /// A key and, when written with one, its hash.
    fn decode(text: &str) -> Option<(ItemKey, Option<String>)> {
        let mut parts: Vec<String> = serde_json::from_str(text).ok()?;
        if parts.is_empty() {
            return None;
        }
        let table = Table::from_code(&parts.remove(0))?;
        let arity = table.key_attributes().len();
        let hash = match parts.len() {
            n if n == arity => None,
            n if n == arity + 1 => parts.pop(),
            _ => return None,
        };
        Some((ItemKey { table, values: parts }, hash))
    }
}

/// A short hash of an item's whole content: an item whose hash is unchanged is not
/// written again (a login changes a user's tokens, not the user item).
pub fn content_hash(item: &Item) -> String {
    let sorted: BTreeMap<&String, &AttributeValue> = item.iter().collect();
    let digest = Sha256::digest(format!("{sorted:?}").as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// What the sync table knows of a document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    /// The version last applied; `None` before the first apply finished.
    pub version: Option<Version>,
    /// The items its last applied state wrote, with their content hashes.
    pub items: BTreeMap<ItemKey, String>,
    /// Keys that may have been written and are not in `items`: removed by the next apply.
    pub pending: Vec<ItemKey>,
    /// Deleted (the state is a tombstone until its TTL).
    pub gone: bool,
}

impl State {
    pub fn from_item(item: &Item) -> State {
        let version = item
            .get(field::VERSION)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<u128>().ok())
            .map(Version);
        let list = |name: &str| match item.get(name) {
            Some(AttributeValue::L(list)) => {
                list.iter().filter_map(|v| v.as_s().ok()).filter_map(|t| ItemKey::decode(t)).collect()
            }
            _ => Vec::new(),
        };
        State {
            version,
            items: list(field::ITEMS).into_iter().map(|(k, h)| (k, h.unwrap_or_default())).collect(),
            pending: list(field::PENDING).into_iter().map(|(k, _)| k).collect(),
            gone: item.get(field::GONE).and_then(|v| v.as_bool().ok()).copied().unwrap_or(false),
        }
    }

    /// The state record of `doc`; `expires_at` (epoch s) only for a tombstone.
    pub fn to_item(&self, doc: &DocKey, expires_at: Option<i64>) -> Item {
        let mut item = doc.state_key();
        if let Some(version) = self.version {
            item.insert(field::VERSION.into(), AttributeValue::N(version.0.to_string()));
        }
        let items = self.items.iter().map(|(k, h)| s(k.encode(Some(h)))).collect();
        item.insert(field::ITEMS.into(), AttributeValue::L(items));
        if !self.pending.is_empty() {
            item.insert(
                field::PENDING.into(),
                AttributeValue::L(self.pending.iter().map(|k| s(k.encode(None))).collect()),
            );
        }
        if self.gone {
            item.insert(field::GONE.into(), AttributeValue::Bool(true));
            if let Some(at) = expires_at {
                item.insert(attr::EXPIRES_AT.into(), AttributeValue::N(at.to_string()));
            }
        }
        item
    }

    /// Every key this state may have written.
    pub fn written(&self) -> impl Iterator<Item = &ItemKey> {
        self.items.keys().chain(&self.pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_round_trips_through_its_record() {
        let doc = DocKey { collection: Collection::Users, id: "u#1".into() };
        assert_eq!(DocKey::from_partition(&doc.partition()), Some(doc.clone()));
        let token = ItemKey { table: Table::Tokens, values: vec!["h\"a,sh".into()] };
        let member = ItemKey { table: Table::Memberships, values: vec!["room:r".into(), "u".into()] };
        let state = State {
            version: Some(Version::new(1_700_000_000_000, 7)),
            items: BTreeMap::from([(token, "00ff".into())]),
            pending: vec![member],
            gone: false,
        };
        assert_eq!(State::from_item(&state.to_item(&doc, None)), state);
        let gone = State { gone: true, items: BTreeMap::new(), pending: vec![], ..state };
        let record = gone.to_item(&doc, Some(99));
        assert_eq!(record[attr::EXPIRES_AT], AttributeValue::N("99".into()));
        assert_eq!(State::from_item(&record), gone);
    }

    #[test]
    fn hashes_follow_content_not_attribute_order() {
        let a = Item::from([("x".into(), s("1")), ("y".into(), s("2"))]);
        let mut b = Item::new();
        b.insert("y".into(), s("2"));
        b.insert("x".into(), s("1"));
        assert_eq!(content_hash(&a), content_hash(&b));
        b.insert("y".into(), s("3"));
        assert_ne!(content_hash(&a), content_hash(&b));
    }
}
