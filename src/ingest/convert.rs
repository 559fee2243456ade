//! One document into the items it becomes, with every integration target resolved
//! to a room id. The same conversion serves `import` (its validation pass and its
//! writing pass) and sync, so what sync writes for a document is what import writes.

use super::table::Table;
use super::targets::{self, Placement};
use super::{history, members};
use super::{Collection, Doc, Summary};
use crate::document::Value;
use crate::model::{Integration, RoomRecord, TokenRecord, UserRecord};
use crate::store::items::{self, Item};

const DAY_SECONDS: i64 = 86_400;

/// What a conversion depends on besides the document.
#[derive(Debug, Clone, Copy)]
pub struct ConvertOptions {
    /// Login tokens expire this many days after their `when` (`Accounts_LoginExpiration`).
    pub login_expiration_days: i64,
    /// Epoch seconds taken as "now": tokens already expired are not written.
    pub now: i64,
}

impl ConvertOptions {
    pub fn from_env() -> Self {
        ConvertOptions {
            login_expiration_days: crate::config::env_or("ACCOUNTS_LOGIN_EXPIRATION_DAYS", 90),
            now: chrono::Utc::now().timestamp(),
        }
    }
}

pub struct Converter {
    pub options: ConvertOptions,
}

/// The items of one document, each with its table.
pub type Items = Vec<(Table, Item)>;

impl Converter {
    /// The document's items; the summary counts it only when it converts.
    /// `rooms` places integrations: it resolves their `#name`/`#id` targets.
    pub fn convert(
        &self,
        collection: Collection,
        doc: &Doc,
        rooms: &dyn Placement,
        summary: &mut Summary,
    ) -> Result<Items, String> {
        let (table, item, count) = match collection {
            Collection::Users => return self.user(doc, summary),
            Collection::Integrations => return self.integration(doc, rooms, summary),
            Collection::Rooms => {
                let room = room(doc)?;
                summary.rooms += 1;
                let mut items = vec![(Table::Rooms, items::room_item(&room))];
                if let Some(name) = targets::target_name(&doc.json) {
                    items.push((Table::Sync, targets::name_item(name, &room.id, &doc.json)));
                }
                return Ok(items);
            }
            Collection::Permissions => (Table::Permissions, permission(doc)?, &mut summary.permissions),
            Collection::Subscriptions => {
                (Table::Memberships, members::subscription(doc)?, &mut summary.subscriptions)
            }
            Collection::Teams => (Table::Teams, members::team(doc)?, &mut summary.teams),
            Collection::TeamMembers => {
                (Table::Memberships, members::team_member(doc)?, &mut summary.team_members)
            }
            Collection::DepartmentAgents => {
                (Table::Memberships, members::department_agent(doc)?, &mut summary.department_agents)
            }
            Collection::IntegrationHistory => (Table::History, history::history(doc)?, &mut summary.history),
        };
        *count += 1;
        Ok(vec![(table, item)])
    }

    fn user(&self, doc: &Doc, summary: &mut Summary) -> Result<Items, String> {
        let id = string_id(doc)?;
        let json = &doc.json;
        let roles = match json.get("roles") {
            None | Some(serde_json::Value::Null) => Vec::new(),
            Some(roles) => strings(roles).ok_or_else(|| doc.error("`roles` must be an array of strings"))?,
        };
        let user = UserRecord {
            username: json.get("username").and_then(|u| u.as_str()).map(str::to_owned),
            active: json.get("active").and_then(|a| a.as_bool()).unwrap_or(true),
            id,
            roles,
        };
        let tokens = json.pointer("/services/resume/loginTokens").and_then(|t| t.as_array());
        let mut items = Vec::new();
        let (mut login, mut personal_access, mut expired) = (0, 0, 0);
        for token in tokens.into_iter().flatten() {
            let Some(hashed) = token.get("hashedToken").and_then(|h| h.as_str()) else {
                return Err(doc.error("a login token has no `hashedToken`"));
            };
            let personal = token.get("type").and_then(|t| t.as_str()) == Some("personalAccessToken");
            let expires_at = if personal {
                None
            } else {
                let when = token.get("when").cloned().map(Value::from_extended_json);
                match when {
                    Some(Ok(Value::Date(ms))) => {
                        Some(ms.div_euclid(1000) + self.options.login_expiration_days * DAY_SECONDS)
                    }
                    _ => return Err(doc.error("a login token has no valid `when` date")),
                }
            };
            if expires_at.is_some_and(|at| at <= self.options.now) {
                expired += 1;
                continue;
            }
            let kind = if personal { "personalAccessToken" } else { "login" };
            let record = TokenRecord { user_id: user.id.clone(), expires_at };
            items.push((Table::Tokens, items::token_item(hashed, &record, kind)));
            if personal {
                personal_access += 1;
            } else {
                login += 1;
            }
        }
        items.push((Table::Users, items::user_item(&user)));
        summary.users += 1;
        summary.login_tokens += login;
        summary.access_tokens += personal_access;
        summary.expired_tokens_skipped += expired;
        Ok(items)
    }

    fn integration(&self, doc: &Doc, rooms: &dyn Placement, summary: &mut Summary) -> Result<Items, String> {
        let id = string_id(doc)?;
        let value = Value::from_extended_json(doc.json.clone()).map_err(|e| doc.error(e))?;
        let channel = doc.json.get("channel");
        let partitions = targets::partitions(channel, rooms);
        let integration = Integration::of_document(id.clone(), &value);
        if partitions.is_empty() {
            summary.unplaced_integrations += 1;
        }
        let mut items: Items = partitions
            .iter()
            .map(String::as_str)
            .chain([items::WORKSPACE])
            .map(|partition| (Table::Integrations, items::integration_item(&integration, partition)))
            .collect();
        summary.integrations += 1;
        summary.integration_items += items.len();
        // Which rooms its targets name, so that a room created, renamed or deleted
        // later finds the integrations to place again (sync).
        items.extend(targets::room_refs(channel).map(|room| (Table::Sync, targets::ref_item(room, &id))));
        Ok(items)
    }
}

fn permission(doc: &Doc) -> Result<Item, String> {
    let id = string_id(doc)?;
    let roles = doc
        .json
        .get("roles")
        .and_then(strings)
        .ok_or_else(|| doc.error("`roles` must be an array of strings"))?;
    Ok(items::permission_item(&id, &roles))
}

fn string_id(doc: &Doc) -> Result<String, String> {
    match doc.json.get("_id").and_then(|i| i.as_str()) {
        Some(id) if !id.is_empty() => Ok(id.to_owned()),
        _ => Err(doc.error("`_id` must be a non-empty string")),
    }
}

fn strings(json: &serde_json::Value) -> Option<Vec<String>> {
    json.as_array()?.iter().map(|r| r.as_str().map(str::to_owned)).collect()
}

fn room(doc: &Doc) -> Result<RoomRecord, String> {
    let json = &doc.json;
    Ok(RoomRecord {
        id: string_id(doc)?,
        name: json.get("name").and_then(|n| n.as_str()).map(str::to_owned),
        kind: json.get("t").and_then(|t| t.as_str()).unwrap_or_default().to_owned(),
        team_id: optional_id(doc, "/teamId", "teamId")?,
        parent_id: optional_id(doc, "/prid", "prid")?,
        // Rocket.Chat's omnichannel rules test `open: true`; anything else is closed.
        open: json.get("open") == Some(&serde_json::Value::Bool(true)),
        served_by: optional_id(doc, "/servedBy/_id", "servedBy._id")?,
        department_id: optional_id(doc, "/departmentId", "departmentId")?,
    })
}

/// An id the room-access rules follow: absent or `null` is `None`. Any other
/// non-string is refused rather than dropped, since dropping a `teamId` would
/// turn a private team's channel into an ordinary public one (fail closed).
fn optional_id(doc: &Doc, pointer: &str, name: &str) -> Result<Option<String>, String> {
    match doc.json.pointer(pointer) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(id)) if !id.is_empty() => Ok(Some(id.clone())),
        Some(_) => Err(doc.error(format!("`{name}` must be a non-empty string or null"))),
    }
}
