//! The collections the room-access rules (contract §5a) read: subscriptions, teams,
//! team members and omnichannel department agents. Each document becomes one item.

use super::Doc;
use crate::document::Value;
use crate::model::{TeamType, MAX_KEY_BYTES};
use crate::store::items::{self, Item, Scope};

/// `rocketchat_subscription`: user `u._id` has joined room `rid`.
pub fn subscription(doc: &Doc) -> Result<Item, String> {
    let room = key_string(doc, "/rid", "rid")?;
    let user = key_string(doc, "/u/_id", "u._id")?;
    Ok(items::membership_item(Scope::Room, &room, &user))
}

/// `rocketchat_team`: `type` 0 is public, 1 private.
pub fn team(doc: &Doc) -> Result<Item, String> {
    let id = key_string(doc, "/_id", "_id")?;
    Ok(items::team_item(&id, team_type(doc)?))
}

/// `rocketchat_team_member`: user `userId` belongs to team `teamId`.
pub fn team_member(doc: &Doc) -> Result<Item, String> {
    let team = key_string(doc, "/teamId", "teamId")?;
    let user = key_string(doc, "/userId", "userId")?;
    Ok(items::membership_item(Scope::Team, &team, &user))
}

/// `rocketchat_livechat_department_agents`: agent `agentId` serves department `departmentId`.
pub fn department_agent(doc: &Doc) -> Result<Item, String> {
    let department = key_string(doc, "/departmentId", "departmentId")?;
    let user = key_string(doc, "/agentId", "agentId")?;
    Ok(items::membership_item(Scope::Department, &department, &user))
}

/// A string that becomes part of a table key: DynamoDB refuses empty key values
/// and long ones, so both are reported here, with the document's position.
fn key_string(doc: &Doc, pointer: &str, name: &str) -> Result<String, String> {
    match doc.json.pointer(pointer) {
        Some(serde_json::Value::String(s)) if !s.is_empty() && s.len() <= MAX_KEY_BYTES => Ok(s.clone()),
        Some(serde_json::Value::String(s)) if !s.is_empty() => {
            Err(doc.error(format!("`{name}` is longer than {MAX_KEY_BYTES} bytes")))
        }
        _ => Err(doc.error(format!("`{name}` must be a non-empty string"))),
    }
}

/// The team's `type`, relaxed (`1`) or canonical (`{"$numberInt": "1"}`) Extended JSON.
fn team_type(doc: &Doc) -> Result<TeamType, String> {
    let invalid = || doc.error("`type` must be an integer (0 public, 1 private)");
    let json = doc.json.get("type").ok_or_else(invalid)?;
    match Value::from_extended_json(json.clone()) {
        Ok(Value::Int(code)) => Ok(TeamType::from_code(code)),
        Ok(Value::Double(code)) if code.fract() == 0.0 => Ok(TeamType::from_code(code as i64)),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::items::attr;
    use serde_json::json;

    fn doc(json: serde_json::Value) -> Doc {
        Doc { file: "f.json", line: 7, json }
    }

    #[test]
    fn team_types_are_read_in_every_extended_json_form() {
        for (value, expected) in [
            (json!(0), "0"),
            (json!(1), "1"),
            (json!({"$numberInt": "0"}), "0"),
            (json!({"$numberLong": "1"}), "1"),
            (json!({"$numberDouble": "0.0"}), "0"),
            (json!(5), "1"),
        ] {
            let item = team(&doc(json!({"_id": "t", "type": value}))).unwrap();
            assert_eq!(item[attr::TYPE].as_n().unwrap(), expected, "{value}");
        }
        for bad in [json!("0"), json!(0.5), json!(null), json!({"$numberInt": "x"})] {
            let error = team(&doc(json!({"_id": "t", "type": bad}))).unwrap_err();
            assert_eq!(error, "f.json:7: `type` must be an integer (0 public, 1 private)");
        }
        let error = team(&doc(json!({"type": 0}))).unwrap_err();
        assert_eq!(error, "f.json:7: `_id` must be a non-empty string");
    }

    #[test]
    fn key_strings_must_be_non_empty_and_short() {
        let error = subscription(&doc(json!({"rid": "", "u": {"_id": "u"}}))).unwrap_err();
        assert_eq!(error, "f.json:7: `rid` must be a non-empty string");
        let error = subscription(&doc(json!({"rid": "r", "u": "u"}))).unwrap_err();
        assert_eq!(error, "f.json:7: `u._id` must be a non-empty string");
        let long = "x".repeat(MAX_KEY_BYTES + 1);
        let error = team_member(&doc(json!({"teamId": long, "userId": "u"}))).unwrap_err();
        assert_eq!(error, format!("f.json:7: `teamId` is longer than {MAX_KEY_BYTES} bytes"));
    }
}
