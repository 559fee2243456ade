//! The Rocket.Chat collections the service keeps, and one document of them with
//! where it came from (a file and line for `import`, an event for sync).

use serde_json::Value as Json;

/// A document and where it came from, for error messages: `file` is an export's
/// file or, for sync, what the event was read from.
#[derive(Debug, Clone)]
pub struct Doc {
    pub file: &'static str,
    pub line: usize,
    pub json: Json,
}

impl Doc {
    /// `file:line: what`; a document of an event (line 0) says just `what`, its
    /// collection and `_id` being reported beside.
    pub fn error(&self, what: impl std::fmt::Display) -> String {
        match self.line {
            0 => what.to_string(),
            line => format!("{}:{}: {}", self.file, line, what),
        }
    }
}

/// The collections the tables are made of, in the order `import` reads them:
/// rooms before integrations, whose `#name` targets they resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Collection {
    Users,
    Rooms,
    Permissions,
    Integrations,
    Subscriptions,
    Teams,
    TeamMembers,
    DepartmentAgents,
    /// An outgoing integration's runs (`integrations.history`); may hold millions.
    IntegrationHistory,
}

impl Collection {
    pub const ALL: [Collection; 9] = [
        Collection::Users,
        Collection::Rooms,
        Collection::Permissions,
        Collection::Integrations,
        Collection::Subscriptions,
        Collection::Teams,
        Collection::TeamMembers,
        Collection::DepartmentAgents,
        Collection::IntegrationHistory,
    ];

    /// The collection's name in MongoDB (`ns.coll`, Debezium's `source.collection`).
    pub fn name(self) -> &'static str {
        match self {
            Collection::Users => "users",
            Collection::Rooms => "rocketchat_room",
            Collection::Permissions => "rocketchat_permissions",
            Collection::Integrations => "rocketchat_integrations",
            Collection::Subscriptions => "rocketchat_subscription",
            Collection::Teams => "rocketchat_team",
            Collection::TeamMembers => "rocketchat_team_member",
            Collection::DepartmentAgents => "rocketchat_livechat_department_agents",
            Collection::IntegrationHistory => "rocketchat_integration_history",
        }
    }

    /// The collection named `name`, if the service keeps it.
    pub fn from_name(name: &str) -> Option<Collection> {
        Collection::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The file `mongoexport --collection X --out X.json` writes.
    pub fn file(self) -> &'static str {
        match self {
            Collection::Users => "users.json",
            Collection::Rooms => "rocketchat_room.json",
            Collection::Permissions => "rocketchat_permissions.json",
            Collection::Integrations => "rocketchat_integrations.json",
            Collection::Subscriptions => "rocketchat_subscription.json",
            Collection::Teams => "rocketchat_team.json",
            Collection::TeamMembers => "rocketchat_team_member.json",
            Collection::DepartmentAgents => "rocketchat_livechat_department_agents.json",
            Collection::IntegrationHistory => "rocketchat_integration_history.json",
        }
    }

    /// Users, rooms and integrations must be in an export. Without a permissions
    /// file the defaults apply; the room-access collections (§5a) may be absent.
    pub fn required(self) -> bool {
        matches!(self, Collection::Users | Collection::Rooms | Collection::Integrations)
    }

    /// A short code, stored in the sync table's keys.
    pub fn code(self) -> &'static str {
        match self {
            Collection::Users => "u",
            Collection::Rooms => "r",
            Collection::Permissions => "p",
            Collection::Integrations => "i",
            Collection::Subscriptions => "s",
            Collection::Teams => "t",
            Collection::TeamMembers => "m",
            Collection::DepartmentAgents => "a",
            Collection::IntegrationHistory => "h",
        }
    }

    pub fn from_code(code: &str) -> Option<Collection> {
        Collection::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// A document's `_id` as the key its state is kept under: a string as it is, any
/// other value (an ObjectId, …) as its compact Extended JSON. `None` for a missing,
/// `null` or empty `_id`.
pub fn id_key(id: &Json) -> Option<String> {
    match id {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::String(_) | Json::Null => None,
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_files_and_codes_round_trip() {
        for c in Collection::ALL {
            assert_eq!(Collection::from_name(c.name()), Some(c));
            assert_eq!(Collection::from_code(c.code()), Some(c));
            assert_eq!(c.file(), format!("{}.json", c.name()));
        }
        assert_eq!(Collection::from_name("rocketchat_message"), None);
    }

    #[test]
    fn ids_of_every_type_have_a_key() {
        assert_eq!(id_key(&json!("abc")).as_deref(), Some("abc"));
        assert_eq!(id_key(&json!({"$oid": "5f0c"})).as_deref(), Some(r#"{"$oid":"5f0c"}"#));
        assert_eq!(id_key(&json!("")), None);
        assert_eq!(id_key(&json!(null)), None);
    }
}
