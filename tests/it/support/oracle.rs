//! Every body the contract prescribes, byte for byte, written out from the contract
//! (`shared/spec/channels.getIntegrations.md`), never derived from `src/error.rs`:
//! a change to a wire text must break a test here.

use serde_json::{json, Value as Json};

/// Contract §3: every authentication failure.
pub const UNAUTHORIZED: &str = r#"{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}"#;
/// Contract §4: none of the four integration permissions.
pub const FORBIDDEN: &str = r#"{"success":false,"error":"User does not have the permissions required for this action [error-unauthorized]"}"#;
/// Contract §5a: the room may not be accessed.
pub const ROOM_ACCESS_DENIED: &str = r#"{"success":false,"error":"unauthorized"}"#;
/// Contract §5: neither `roomId` nor `roomName`.
pub const ROOM_MISSING: &str = r#"{"success":false,"error":"The parameter \"roomId\" or \"roomName\" is required [error-roomid-param-not-provided]","errorType":"error-roomid-param-not-provided"}"#;
/// Contract §5: no such room, or not a channel.
pub const ROOM_NOT_FOUND: &str = r#"{"success":false,"error":"The required \"roomId\" or \"roomName\" param provided does not match any channel [error-room-not-found]","errorType":"error-room-not-found"}"#;
/// Contract §8: DynamoDB unavailable, throttled past the budget or too slow.
pub const UNAVAILABLE: &str = r#"{"success":false,"error":"Service temporarily unavailable, please retry [error-service-unavailable]","errorType":"error-service-unavailable"}"#;

/// Rocket.Chat's `Meteor.Error` shape: the type repeated in brackets after the text.
pub fn typed(text: &str, error_type: &str) -> Json {
    json!({"success": false, "error": format!("{text} [{error_type}]"), "errorType": error_type})
}

/// Contract §7: `offset` or `count` is not a non-negative integer.
pub fn invalid_params_body(name: &str) -> Json {
    typed(&format!("The parameter \"{name}\" must be a non-negative integer"), "error-invalid-params")
}

/// Contract §7: a malformed `sort`, `fields` or `query`, quoted raw.
pub fn invalid_parameter_body(name: &str, raw: &str) -> Json {
    typed(&format!("Invalid {name} parameter provided: \"{raw}\""), &format!("error-invalid-{name}"))
}

/// [ours] Any other path.
pub fn not_found_body() -> Json {
    typed("This endpoint does not exist", "error-not-found")
}

/// [ours] The endpoint with another method than GET or HEAD.
pub fn method_not_allowed_body() -> Json {
    typed("This endpoint only answers GET requests", "error-method-not-allowed")
}
