//! Authorization: the permission gate (403) and which integrations the caller may see.

use crate::error::ApiError;
use crate::model::{Integration, PermissionRoles, UserRecord};

pub const MANAGE_OUTGOING: &str = "manage-outgoing-integrations";
pub const MANAGE_OWN_OUTGOING: &str = "manage-own-outgoing-integrations";
pub const MANAGE_INCOMING: &str = "manage-incoming-integrations";
pub const MANAGE_OWN_INCOMING: &str = "manage-own-incoming-integrations";

/// The four permissions this endpoint consults.
pub const PERMISSIONS: [&str; 4] =
    [MANAGE_OUTGOING, MANAGE_OWN_OUTGOING, MANAGE_INCOMING, MANAGE_OWN_INCOMING];

/// Roles holding a permission when its document is absent (Rocket.Chat's defaults).
const DEFAULT_ROLES: &[&str] = &["admin"];

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
    let holds = |permission: &str| match permissions.get(permission) {
        Some(roles) => roles.iter().any(|r| user.roles.contains(r)),
        None => DEFAULT_ROLES.iter().any(|r| user.roles.iter().any(|u| u == r)),
    };
    let [all_out, own_out, all_in, own_in] = PERMISSIONS.map(holds);
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
