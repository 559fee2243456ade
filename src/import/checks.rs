//! Checks across documents, made in the validation pass: ids that repeat, room
//! names that repeat, items DynamoDB would refuse.

use super::read::{Collection, Doc};
use crate::ingest::Table;
use crate::store::items::{attr, Item};
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::hash_map::{Entry, HashMap};
use std::hash::{Hash, Hasher};

/// DynamoDB's item limit (400 KB), less room for the import generation attribute.
pub const MAX_ITEM_BYTES: usize = 400 * 1024 - 64;

/// What has been seen so far. User and integration ids are kept as 128-bit hashes
/// (about 30 bytes a user, where the ids would take twice that): a million users
/// fit in ~30 MB, and two different ids sharing a hash is a 1-in-10^27 event.
/// Room names are kept whole (they are few and must be quoted with their line).
#[derive(Default)]
pub struct Checks {
    users: HashMap<u128, usize>,
    integrations: HashMap<u128, usize>,
    room_names: HashMap<String, usize>,
}

impl Checks {
    /// Errors of `doc` in the light of the documents before it.
    pub fn document(&mut self, collection: Collection, doc: &Doc) -> Result<(), String> {
        let id = doc.json.get("_id").and_then(|i| i.as_str()).unwrap_or_default();
        let seen = match collection {
            Collection::Users => &mut self.users,
            Collection::Integrations => &mut self.integrations,
            Collection::Rooms => return self.room_name(doc),
            _ => return Ok(()),
        };
        let what = if collection == Collection::Users { "user" } else { "integration" };
        if id.is_empty() {
            return Ok(()); // the conversion reports it
        }
        match seen.entry(hash(id)) {
            Entry::Occupied(first) => {
                Err(doc.error(format!("_id: {id:?} repeats the {what} of line {}", first.get())))
            }
            Entry::Vacant(entry) => {
                entry.insert(doc.line);
                Ok(())
            }
        }
    }

    /// Rocket.Chat room names are unique per server; an export with two rooms of
    /// one name cannot say which one `#name` targets and `roomName` finds.
    fn room_name(&mut self, doc: &Doc) -> Result<(), String> {
        let Some(name) = doc.json.get("name") else { return Ok(()) };
        match name.as_str() {
            None if name.is_null() => Ok(()),
            None => Err(doc.error("name: must be a string")),
            Some("") => Err(doc.error("name: must not be empty")),
            Some(name) => match self.room_names.get(name) {
                Some(first) => Err(
                    doc.error(format!("name: {name:?} is also the name of the room at {}:{first}", doc.file))
                ),
                None => {
                    self.room_names.insert(name.to_owned(), doc.line);
                    Ok(())
                }
            },
        }
    }
}

/// Refuses an item over DynamoDB's size limit, naming its table.
pub fn item_size(doc: &Doc, table: Table, item: &Item) -> Result<(), String> {
    let size: usize = item.iter().map(|(name, value)| name.len() + value_size(value)).sum();
    if size <= MAX_ITEM_BYTES {
        return Ok(());
    }
    let id = item.get(attr::ID).and_then(|v| v.as_s().ok()).map_or("", String::as_str);
    let table = format!("{table:?}").to_lowercase();
    Err(doc
        .error(format!("_id: {id:?}: its {table} item is {size} bytes, over DynamoDB's 400 KB item limit")))
}

/// DynamoDB's own accounting, close enough: strings by their UTF-8 bytes, numbers
/// by their digits, one byte for booleans and null, 3 bytes per list or map.
fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::L(list) => 3 + list.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        AttributeValue::M(map) => 3 + map.iter().map(|(k, v)| 1 + k.len() + value_size(v)).sum::<usize>(),
        AttributeValue::Ss(set) | AttributeValue::Ns(set) => set.iter().map(String::len).sum(),
        _ => 1,
    }
}

fn hash(id: &str) -> u128 {
    let half = |salt: u8| {
        let mut hasher = std::hash::DefaultHasher::new();
        (salt, id).hash(&mut hasher);
        hasher.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(line: usize, json: serde_json::Value) -> Doc {
        Doc { file: "f.json", line, json }
    }

    #[test]
    fn repeated_ids_and_room_names_name_both_lines() {
        let mut checks = Checks::default();
        assert!(checks.document(Collection::Users, &doc(1, json!({"_id": "u"}))).is_ok());
        assert!(checks.document(Collection::Integrations, &doc(1, json!({"_id": "u"}))).is_ok());
        let error = checks.document(Collection::Users, &doc(4, json!({"_id": "u"}))).unwrap_err();
        assert_eq!(error, "f.json:4: _id: \"u\" repeats the user of line 1");
        let error = checks.document(Collection::Users, &doc(6, json!({"_id": "u"}))).unwrap_err();
        assert_eq!(error, "f.json:6: _id: \"u\" repeats the user of line 1");
        assert!(checks.document(Collection::Rooms, &doc(2, json!({"_id": "a", "name": "n"}))).is_ok());
        assert!(checks.document(Collection::Rooms, &doc(3, json!({"_id": "b"}))).is_ok());
        let error =
            checks.document(Collection::Rooms, &doc(5, json!({"_id": "c", "name": "n"}))).unwrap_err();
        assert_eq!(error, "f.json:5: name: \"n\" is also the name of the room at f.json:2");
        let error = checks.document(Collection::Rooms, &doc(7, json!({"_id": "d", "name": ""}))).unwrap_err();
        assert_eq!(error, "f.json:7: name: must not be empty");
    }

    #[test]
    fn items_over_the_limit_are_refused() {
        let d = doc(3, json!({}));
        let mut item = Item::from([(attr::ID.to_owned(), AttributeValue::S("big".into()))]);
        assert!(item_size(&d, Table::Integrations, &item).is_ok());
        item.insert(attr::DOC.to_owned(), AttributeValue::S("x".repeat(MAX_ITEM_BYTES)));
        let error = item_size(&d, Table::Integrations, &item).unwrap_err();
        let size = MAX_ITEM_BYTES + 9;
        assert_eq!(
            error,
            format!("f.json:3: _id: \"big\": its integrations item is {size} bytes, over DynamoDB's 400 KB item limit")
        );
    }
}
