//! Export documents into table items, with every target resolved to a room id.

use super::members;
use super::read::{Doc, Export};
use super::{ImportError, ImportOptions, Summary};
use crate::document::Value;
use crate::model::{Integration, RoomRecord, TokenRecord, UserRecord};
use crate::store::items::{self, Item, ALL_PUBLIC_CHANNELS};
use std::collections::{BTreeSet, HashMap};

/// The items to write, per table, and the counts for the summary.
#[derive(Debug, Default)]
pub struct Plan {
    pub tokens: Vec<Item>,
    pub users: Vec<Item>,
    pub permissions: Vec<Item>,
    pub rooms: Vec<Item>,
    pub integrations: Vec<Item>,
    pub teams: Vec<Item>,
    pub memberships: Vec<Item>,
    pub summary: Summary,
}

const DAY_SECONDS: i64 = 86_400;

impl Plan {
    pub fn from_export(export: &Export, options: &ImportOptions) -> Result<Plan, ImportError> {
        let mut plan = Plan::default();
        let mut errors = Vec::new();
        let mut note = |result: Result<(), String>| {
            if let Err(e) = result {
                errors.push(e);
            }
        };
        let mut rooms = Vec::new();
        for doc in &export.rooms {
            note(room(doc).map(|r| rooms.push(r)));
        }
        for doc in &export.users {
            note(plan.add_user(doc, options));
        }
        for doc in &export.permissions {
            note(plan.add_permission(doc));
        }
        let resolver = Resolver::new(&rooms);
        for doc in &export.integrations {
            note(plan.add_integration(doc, &resolver));
        }
        for doc in &export.teams {
            note(members::team(doc).map(|item| plan.teams.push(item)));
        }
        let memberships = [
            (&export.subscriptions, members::subscription as fn(&Doc) -> Result<Item, String>),
            (&export.team_members, members::team_member),
            (&export.department_agents, members::department_agent),
        ];
        for (docs, convert) in memberships {
            for doc in docs {
                note(convert(doc).map(|item| plan.memberships.push(item)));
            }
        }
        plan.summary.subscriptions = export.subscriptions.len();
        plan.summary.teams = export.teams.len();
        plan.summary.team_members = export.team_members.len();
        plan.summary.department_agents = export.department_agents.len();
        if !errors.is_empty() {
            return Err(ImportError::Invalid(errors));
        }
        plan.summary.rooms = rooms.len();
        plan.rooms = rooms.iter().map(items::room_item).collect();
        Ok(plan)
    }

    fn add_user(&mut self, doc: &Doc, options: &ImportOptions) -> Result<(), String> {
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
        let mut token_items = Vec::new();
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
                        Some(ms.div_euclid(1000) + options.login_expiration_days * DAY_SECONDS)
                    }
                    _ => return Err(doc.error("a login token has no valid `when` date")),
                }
            };
            if expires_at.is_some_and(|at| at <= options.now) {
                self.summary.expired_tokens_skipped += 1;
                continue;
            }
            let kind = if personal { "personalAccessToken" } else { "login" };
            let record = TokenRecord { user_id: user.id.clone(), expires_at };
            token_items.push(items::token_item(hashed, &record, kind));
            if personal {
                self.summary.access_tokens += 1;
            } else {
                self.summary.login_tokens += 1;
            }
        }
        self.tokens.extend(token_items);
        self.users.push(items::user_item(&user));
        self.summary.users += 1;
        Ok(())
    }

    fn add_permission(&mut self, doc: &Doc) -> Result<(), String> {
        let id = string_id(doc)?;
        let roles = doc
            .json
            .get("roles")
            .and_then(strings)
            .ok_or_else(|| doc.error("`roles` must be an array of strings"))?;
        self.permissions.push(items::permission_item(&id, &roles));
        self.summary.permissions += 1;
        Ok(())
    }

    fn add_integration(&mut self, doc: &Doc, resolver: &Resolver) -> Result<(), String> {
        let id = string_id(doc)?;
        let value = Value::from_extended_json(doc.json.clone()).map_err(|e| doc.error(e))?;
        let partitions = resolver.partitions(value.get("channel"));
        let integration = Integration { id, doc: value };
        if partitions.is_empty() {
            self.integrations.push(items::integration_item(&integration, None));
            self.summary.unplaced_integrations += 1;
        }
        for partition in &partitions {
            self.integrations.push(items::integration_item(&integration, Some(partition)));
        }
        self.summary.integrations += 1;
        self.summary.integration_items += partitions.len().max(1);
        Ok(())
    }
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

/// Resolves `#name` and `#id` targets to room ids, once, at import.
struct Resolver {
    by_id: HashMap<String, String>,
    by_name: HashMap<String, String>,
}

impl Resolver {
    fn new(rooms: &[RoomRecord]) -> Self {
        Resolver {
            by_id: rooms.iter().map(|r| (r.id.clone(), r.id.clone())).collect(),
            by_name: rooms.iter().filter_map(|r| Some((r.name.clone()?, r.id.clone()))).collect(),
        }
    }

    /// The `roomId` partitions an integration is stored under. `channel` is an
    /// array of targets or, in old documents, one string; either may hold several
    /// comma-separated targets. `@user` and other non-room targets place nothing.
    fn partitions(&self, channel: Option<&Value>) -> BTreeSet<String> {
        let targets: Vec<&str> = match channel {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        targets
            .into_iter()
            .flat_map(|t| t.split(','))
            .map(str::trim)
            .filter_map(|target| {
                if target == ALL_PUBLIC_CHANNELS {
                    return Some(ALL_PUBLIC_CHANNELS.to_owned());
                }
                let room = target.strip_prefix('#')?;
                self.by_id.get(room).or_else(|| self.by_name.get(room)).cloned()
            })
            .collect()
    }
}
