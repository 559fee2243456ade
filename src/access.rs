//! Authorization: the permission gate (403) and which integrations the caller may see.

use crate::error::ApiError;
use crate::model::{Head, Kind, PermissionRoles, UserRecord};

pub const MANAGE_OUTGOING: &str = "manage-outgoing-integrations";
pub const MANAGE_OWN_OUTGOING: &str = "manage-own-outgoing-integrations";
pub const MANAGE_INCOMING: &str = "manage-incoming-integrations";
pub const MANAGE_OWN_INCOMING: &str = "manage-own-incoming-integrations";

pub const VIEW_C_ROOM: &str = "view-c-room";
pub const VIEW_P_ROOM: &str = "view-p-room";
pub const VIEW_D_ROOM: &str = "view-d-room";
pub const VIEW_L_ROOM: &str = "view-l-room";
pub const VIEW_JOINED_ROOM: &str = "view-joined-room";
pub const VIEW_LIVECHAT_ROOMS: &str = "view-livechat-rooms";
pub const VIEW_CLOSED_BY_ANOTHER_AGENT: &str = "view-livechat-room-closed-by-another-agent";
pub const VIEW_CLOSED_SAME_DEPARTMENT: &str = "view-livechat-room-closed-same-department";

const LIVECHAT_STAFF: &[&str] = &["livechat-manager", "livechat-monitor", "admin"];

/// Every permission the endpoint consults, with the roles holding it when its
/// document is absent (Rocket.Chat's defaults; contract §4 and §5a).
pub const PERMISSIONS: [(&str, &[&str]); 12] = [
    (MANAGE_OUTGOING, &["admin"]),
    (MANAGE_OWN_OUTGOING, &["admin"]),
    (MANAGE_INCOMING, &["admin"]),
    (MANAGE_OWN_INCOMING, &["admin"]),
    (VIEW_C_ROOM, &["admin", "user", "bot", "app", "anonymous"]),
    (VIEW_P_ROOM, &["admin", "user", "anonymous", "guest"]),
    (VIEW_D_ROOM, &["admin", "user", "bot", "app", "guest"]),
    (VIEW_JOINED_ROOM, &["guest", "bot", "app", "anonymous"]),
    (VIEW_L_ROOM, &["livechat-manager", "livechat-monitor", "livechat-agent", "admin"]),
    (VIEW_LIVECHAT_ROOMS, LIVECHAT_STAFF),
    (VIEW_CLOSED_BY_ANOTHER_AGENT, LIVECHAT_STAFF),
    (VIEW_CLOSED_SAME_DEPARTMENT, LIVECHAT_STAFF),
];

/// Whether `user` holds `permission` through their global roles: the stored
/// document's roles, or the default roles when there is no document.
pub fn holds(user: &UserRecord, permissions: &PermissionRoles, permission: &str) -> bool {
    let has = |role: &str| user.roles.iter().any(|r| r == role);
    match permissions.get(permission) {
        Some(roles) => roles.iter().any(|r| has(r)),
        None => PERMISSIONS
            .iter()
            .find(|(id, _)| *id == permission)
            .is_some_and(|(_, defaults)| defaults.iter().any(|r| has(r))),
    }
}

/// Which integrations the caller may see (Rocket.Chat `mountIntegrationQueryBasedOnPermissions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    Everything,
    /// Own integrations of any type: Rocket.Chat's quirk when both "own" permissions are held.
    OwnOnly {
        user_id: String,
    },
    Union {
        all_out: bool,
        all_in: bool,
        own_out: bool,
        own_in: bool,
        user_id: String,
    },
}

/// The gate: the caller needs at least one of the four permissions.
pub fn authorize(user: &UserRecord, permissions: &PermissionRoles) -> Result<Visibility, ApiError> {
    let [all_out, own_out, all_in, own_in] =
        [MANAGE_OUTGOING, MANAGE_OWN_OUTGOING, MANAGE_INCOMING, MANAGE_OWN_INCOMING]
            .map(|permission| holds(user, permissions, permission));
    let user_id = user.id.clone();
    match (all_out, all_in, own_out, own_in) {
        (false, false, false, false) => Err(ApiError::Forbidden),
        (true, true, _, _) => Ok(Visibility::Everything),
        (_, _, true, true) => Ok(Visibility::OwnOnly { user_id }),
        _ => Ok(Visibility::Union { all_out, all_in, own_out, own_in, user_id }),
    }
}

impl Visibility {
    /// Decided on the head alone: no document is read or parsed for it.
    pub fn allows(&self, head: &Head) -> bool {
        let owned_by = |uid: &str| head.creator.as_deref() == Some(uid);
        let outgoing = head.kind == Kind::Outgoing;
        let incoming = head.kind == Kind::Incoming;
        match self {
            Visibility::Everything => true,
            Visibility::OwnOnly { user_id } => owned_by(user_id),
            Visibility::Union { all_out, all_in, own_out, own_in, user_id } => {
                let own = owned_by(user_id);
                (*all_out && outgoing)
                    || (*all_in && incoming)
                    || (*own_out && outgoing && own)
                    || (*own_in && incoming && own)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Value;

    fn user(roles: &[&str]) -> UserRecord {
        UserRecord {
            id: "me".into(),
            username: Some("me".into()),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            active: true,
        }
    }

    /// The head of a document of `type` `kind` created by `creator`.
    fn integration(kind: &str, creator: Option<&str>) -> Head {
        let creator = creator.map_or("null".to_owned(), |c| format!(r#"{{"_id":"{c}"}}"#));
        let text = format!(r#"{{"_id":"i","type":"{kind}","_createdBy":{creator}}}"#);
        Head::of(&Value::from_extended_json_str(&text).unwrap())
    }

    /// Contract §4, one row per combination of the four permissions (all-out, all-in,
    /// own-out, own-in), each held through a role of the same name: which of
    /// (others' outgoing, others' incoming, own outgoing, own incoming) are visible.
    #[test]
    fn the_visibility_table() {
        let permissions: PermissionRoles =
            [MANAGE_OUTGOING, MANAGE_INCOMING, MANAGE_OWN_OUTGOING, MANAGE_OWN_INCOMING]
                .map(|p| (p.to_owned(), vec![p.to_owned()]))
                .into();
        let rows: [(&[&str], Option<[bool; 4]>); 6] = [
            (&[], None),
            (&[MANAGE_OUTGOING, MANAGE_INCOMING], Some([true, true, true, true])),
            (&[MANAGE_OWN_OUTGOING, MANAGE_OWN_INCOMING], Some([false, false, true, true])),
            // Rocket.Chat's quirk: both "own" win over one "all".
            (&[MANAGE_OUTGOING, MANAGE_OWN_OUTGOING, MANAGE_OWN_INCOMING], Some([false, false, true, true])),
            (&[MANAGE_OUTGOING, MANAGE_OWN_INCOMING], Some([true, false, true, true])),
            (&[MANAGE_OWN_INCOMING], Some([false, false, false, true])),
        ];
        for (roles, expected) in rows {
            let result = authorize(&user(roles), &permissions);
            let Some(expected) = expected else {
                assert_eq!(result, Err(ApiError::Forbidden), "{roles:?}");
                continue;
            };
            let visibility = result.unwrap_or_else(|e| panic!("{roles:?}: {e:?}"));
            let seen = [
                integration("webhook-outgoing", Some("other")),
                integration("webhook-incoming", Some("other")),
                integration("webhook-outgoing", Some("me")),
                integration("webhook-incoming", Some("me")),
            ]
            .map(|i| visibility.allows(&i));
            assert_eq!(seen, expected, "{roles:?}");
        }
    }

    #[test]
    fn absent_documents_take_the_contracts_defaults() {
        let none = PermissionRoles::new();
        assert!(holds(&user(&["admin"]), &none, MANAGE_INCOMING));
        assert!(!holds(&user(&["user"]), &none, MANAGE_INCOMING));
        assert!(holds(&user(&["user"]), &none, VIEW_C_ROOM));
        assert!(!holds(&user(&["guest"]), &none, VIEW_C_ROOM));
        assert!(holds(&user(&["guest"]), &none, VIEW_JOINED_ROOM));
        assert!(holds(&user(&["livechat-agent"]), &none, VIEW_L_ROOM));
        assert!(!holds(&user(&["livechat-agent"]), &none, VIEW_LIVECHAT_ROOMS));
        assert!(!holds(&user(&["admin"]), &none, "no-such-permission"));
        // A stored document replaces the defaults entirely.
        let stored: PermissionRoles = [(VIEW_C_ROOM.to_owned(), vec![])].into();
        assert!(!holds(&user(&["admin"]), &stored, VIEW_C_ROOM));
    }

    #[test]
    fn an_integration_without_a_creator_is_nobodys_own() {
        let own = Visibility::OwnOnly { user_id: "me".into() };
        assert!(!own.allows(&integration("webhook-outgoing", None)));
        assert!(own.allows(&integration("webhook-outgoing", Some("me"))));
    }
}
