//! Authorization: the permission gate (403) and which integrations the caller may see.

use crate::error::ApiError;
use crate::model::{Integration, PermissionRoles, UserRecord};

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
    pub fn allows(&self, integration: &Integration) -> bool {
        let doc = &integration.doc;
        let owned_by = |uid: &str| {
            doc.get("_createdBy").and_then(|c| c.get("_id")).and_then(|v| v.as_str()) == Some(uid)
        };
        let kind = doc.get("type").and_then(|v| v.as_str());
        let outgoing = kind == Some("webhook-outgoing");
        let incoming = kind == Some("webhook-incoming");
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
