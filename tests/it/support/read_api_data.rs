//! For `tests/it/read_api.rs`: the bodies `shared/spec/integrations-read-api.md` prescribes
//! for `groups.getIntegrations` and `integrations.get`, byte for byte, written out from
//! that contract (never from `src/`), and requests to any of the service's routes.

use super::harness::{Harness, Reply};
use rc_integrations::Endpoint;

/// §2.3: neither `roomId` nor `roomName` (the groups code, not the channels one).
pub const GROUP_PARAM_MISSING: &str = r#"{"success":false,"error":"The parameter \"roomId\" or \"roomName\" is required [error-room-param-not-provided]","errorType":"error-room-param-not-provided"}"#;
/// §2.3: no such room, not a private group, or a group the caller may not access.
pub const GROUP_NOT_FOUND: &str = r#"{"success":false,"error":"The required \"roomId\" or \"roomName\" param provided does not match any group [error-room-not-found]","errorType":"error-room-not-found"}"#;
/// §4.2 step 3: `integrationId` absent (the newest text, our key order).
pub const INTEGRATION_ID_ABSENT: &str = r#"{"success":false,"error":"must have required property 'integrationId'","errorType":"error-invalid-params"}"#;
/// §4.2 step 4: `integrationId` present but empty.
pub const INTEGRATION_ID_EMPTY: &str =
    r#"{"success":false,"error":"The query parameter \"integrationId\" is required."}"#;
/// §4.2 step 5: no integration with that id (and creator, when `createdBy` is given).
pub const INTEGRATION_NOT_FOUND: &str = r#"{"success":false,"error":"The integration does not exists."}"#;
/// §4.2 step 6: the caller may not see it (400, not 403).
pub const INTEGRATION_NOT_AUTHORIZED: &str = r#"{"success":false,"error":"not-authorized"}"#;

/// GET `endpoint` with the raw query string, as the user (id, clear token).
pub async fn call(h: &Harness, endpoint: Endpoint, (user_id, token): (&str, &str), query: &str) -> Reply {
    call_with(h, endpoint, &[("X-Auth-Token", token), ("X-User-Id", user_id)], query).await
}

/// GET `endpoint` with the given headers and raw query string.
pub async fn call_with(h: &Harness, endpoint: Endpoint, headers: &[(&str, &str)], query: &str) -> Reply {
    let uri = if query.is_empty() { endpoint.path() } else { format!("{}?{query}", endpoint.path()) };
    h.request("GET", &uri, headers).await
}
