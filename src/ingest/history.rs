//! `rocketchat_integration_history`: one run of an outgoing integration becomes one
//! item, keyed by `_id`, indexed by the integration's id under a sort key that puts
//! the newest run first (`integrations.history`'s default order, read page by page).

use super::Doc;
use crate::document::Value;
use crate::model::MAX_KEY_BYTES;
use crate::store::items::{self, Item};
use serde_json::Value as Json;

/// The run's item. Its `data.user.services` (password hashes and login tokens, in
/// documents from older writers) is dropped here: never stored, never returned.
pub fn history(doc: &Doc) -> Result<Item, String> {
    let id = match doc.json.get("_id").and_then(Json::as_str) {
        Some(id) if !id.is_empty() && id.len() <= MAX_KEY_BYTES => id.to_owned(),
        _ => return Err(doc.error("`_id` must be a non-empty string")),
    };
    let integration = match doc.json.pointer("/integration/_id").and_then(Json::as_str) {
        Some(id) if !id.is_empty() && id.len() <= MAX_KEY_BYTES => id.to_owned(),
        _ => return Err(doc.error("`integration._id` must be a non-empty string")),
    };
    let mut json = doc.json.clone();
    if let Some(user) = json.pointer_mut("/data/user").and_then(Json::as_object_mut) {
        user.remove("services");
    }
    let value = Value::from_extended_json(json).map_err(|e| doc.error(e))?;
    let creator = value.get("integration").and_then(|i| i.get("_createdBy")).and_then(|c| c.get("_id"));
    let order = newest_first(value.get("_updatedAt"), &id);
    Ok(items::history_item(&id, &value.to_stored(), &integration, order, creator.and_then(Value::as_str)))
}

/// A sort key whose *descending* order is `_updatedAt` descending, then `_id`
/// ascending (the contract's tie-break): a class byte (dates above anything else,
/// missing or `null` below), the date as an order-preserving 8 bytes, then the id's
/// bytes, terminated, each inverted so that a smaller id sorts later.
pub fn newest_first(updated_at: Option<&Value>, id: &str) -> Vec<u8> {
    let (class, ms) = match updated_at {
        Some(Value::Date(ms)) => (2u8, *ms),
        None | Some(Value::Null) => (0, 0),
        // Not a date: after every date, in id order (Rocket.Chat always writes a date).
        Some(_) => (1, 0),
    };
    let mut key = Vec::with_capacity(10 + id.len());
    key.push(class);
    key.extend_from_slice(&((ms as u64) ^ (1 << 63)).to_be_bytes());
    key.extend(id.bytes().chain([0]).map(|b| !b));
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_key_orders_newest_first_then_by_id() {
        let date = |ms| Some(Value::Date(ms));
        // In the order integrations.history lists them.
        let runs = [
            newest_first(date(5_000).as_ref(), "a"),
            newest_first(date(5_000).as_ref(), "ab"),
            newest_first(date(5_000).as_ref(), "b"),
            newest_first(date(-1).as_ref(), "a"),
            newest_first(Some(&Value::String("x".into())), "a"),
            newest_first(None, "a"),
            newest_first(Some(&Value::Null), "b"),
        ];
        let mut descending = runs.to_vec();
        descending.sort_by(|a, b| b.cmp(a));
        assert_eq!(descending, runs);
    }

    #[test]
    fn a_run_is_stored_without_the_users_services() {
        let json = json!({
            "_id": "h1", "type": "outgoing-webhook",
            "integration": {"_id": "i1", "_createdBy": {"_id": "u1"}, "token": "t"},
            "data": {"user": {"_id": "u2", "services": {"password": {"bcrypt": "x"}}}, "text": "hi"},
            "_updatedAt": {"$date": 5}
        });
        let item = history(&Doc { file: "f", line: 1, json }).unwrap();
        let doc = item[items::attr::DOC].as_s().unwrap();
        assert!(!doc.contains("services") && doc.contains(r#""text":"hi""#), "{doc}");
        assert_eq!(item[items::attr::HISTORY_INTEGRATION].as_s().unwrap(), "i1");
        assert_eq!(item[items::attr::HEAD_CREATOR].as_s().unwrap(), "u1");
        let bad = json!({"_id": "h2", "integration": {"name": "no id"}});
        assert!(history(&Doc { file: "f", line: 2, json: bad }).unwrap_err().contains("integration._id"));
    }
}
