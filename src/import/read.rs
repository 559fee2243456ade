//! Reading `mongoexport` files: one JSON document per line, or one JSON array.

use super::ImportError;
use serde_json::value::RawValue;
use serde_json::Value as Json;
use std::path::Path;

/// A document and where it came from, for error messages.
#[derive(Debug, Clone)]
pub struct Doc {
    pub file: &'static str,
    pub line: usize,
    pub json: Json,
}

impl Doc {
    pub fn error(&self, what: impl std::fmt::Display) -> String {
        format!("{}:{}: {}", self.file, self.line, what)
    }
}

pub const USERS: &str = "users.json";
pub const ROOMS: &str = "rocketchat_room.json";
pub const PERMISSIONS: &str = "rocketchat_permissions.json";
pub const INTEGRATIONS: &str = "rocketchat_integrations.json";
pub const SUBSCRIPTIONS: &str = "rocketchat_subscription.json";
pub const TEAMS: &str = "rocketchat_team.json";
pub const TEAM_MEMBERS: &str = "rocketchat_team_member.json";
pub const DEPARTMENT_AGENTS: &str = "rocketchat_livechat_department_agents.json";

/// The collections of an export. Users, rooms and integrations are required; an
/// absent permissions file means defaults apply, and the room-access collections
/// (§5a) are empty when absent.
#[derive(Debug, Clone, Default)]
pub struct Export {
    pub users: Vec<Doc>,
    pub rooms: Vec<Doc>,
    pub permissions: Vec<Doc>,
    pub integrations: Vec<Doc>,
    pub subscriptions: Vec<Doc>,
    pub teams: Vec<Doc>,
    pub team_members: Vec<Doc>,
    pub department_agents: Vec<Doc>,
}

pub fn read_export(dir: &Path) -> Result<Export, ImportError> {
    let mut errors = Vec::new();
    let mut collection = |file: &'static str, required: bool| {
        let path = dir.join(file);
        match std::fs::read_to_string(&path) {
            Ok(text) => parse_collection(file, &text).unwrap_or_else(|mut e| {
                errors.append(&mut e);
                Vec::new()
            }),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                errors.push(format!("{}: {e}", path.display()));
                Vec::new()
            }
        }
    };
    let export = Export {
        users: collection(USERS, true),
        rooms: collection(ROOMS, true),
        permissions: collection(PERMISSIONS, false),
        integrations: collection(INTEGRATIONS, true),
        subscriptions: collection(SUBSCRIPTIONS, false),
        teams: collection(TEAMS, false),
        team_members: collection(TEAM_MEMBERS, false),
        department_agents: collection(DEPARTMENT_AGENTS, false),
    };
    if errors.is_empty() {
        Ok(export)
    } else {
        Err(ImportError::Invalid(errors))
    }
}

/// Parses one file's text; every malformed document is reported, with its line.
pub fn parse_collection(file: &'static str, text: &str) -> Result<Vec<Doc>, Vec<String>> {
    if text.trim_start().starts_with('[') {
        return parse_array(file, text);
    }
    let mut docs = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(line) {
            Ok(json) => docs.push(Doc { file, line: index + 1, json }),
            Err(e) => errors.push(format!("{file}:{}: invalid JSON: {e}", index + 1)),
        }
    }
    if errors.is_empty() {
        Ok(docs)
    } else {
        Err(errors)
    }
}

fn parse_array(file: &'static str, text: &str) -> Result<Vec<Doc>, Vec<String>> {
    let raw: Vec<&RawValue> =
        serde_json::from_str(text).map_err(|e| vec![format!("{file}:{}: invalid JSON: {e}", e.line())])?;
    raw.into_iter()
        .map(|r| {
            // Each element borrows the file's text, so its offset gives its line.
            let offset = r.get().as_ptr() as usize - text.as_ptr() as usize;
            let line = text[..offset].matches('\n').count() + 1;
            let json = serde_json::from_str(r.get())
                .map_err(|e| vec![format!("{file}:{line}: invalid JSON: {e}")])?;
            Ok(Doc { file, line, json })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_elements_know_their_line() {
        let docs = parse_collection("x.json", "[\n {\"_id\": \"a\"},\n\n {\"_id\": \"b\"}\n]").unwrap();
        assert_eq!(docs.iter().map(|d| d.line).collect::<Vec<_>>(), [2, 4]);
    }

    #[test]
    fn bad_lines_are_reported_with_file_and_line() {
        let errors = parse_collection("users.json", "{\"_id\": \"a\"}\n{oops\n").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("users.json:2: invalid JSON"), "{}", errors[0]);
    }
}
