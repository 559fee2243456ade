//! The one error type of the endpoint and its Rocket.Chat wire bodies.

use serde_json::{json, Value as Json};

/// Every way a request can fail, in the order the contract checks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// Missing, unknown, expired or foreign token; unknown or inactive user (contract §3).
    Unauthorized,
    /// None of the permissions the endpoint's gate asks for (contract §4).
    Forbidden,
    /// The caller may not access the room (contract §5a), integration permission or not.
    RoomAccessDenied,
    /// Neither `roomId` nor `roomName` (contract §5).
    RoomParamMissing,
    /// No such room, or not a channel (contract §5).
    RoomNotFound,
    /// `groups.getIntegrations` without `roomId` or `roomName` (its own code).
    GroupParamMissing,
    /// No such room, not a private group, or a group the caller may not access: one
    /// answer for all three, so a hidden group cannot be told from a missing one.
    GroupNotFound,
    /// A required parameter absent, as Rocket.Chat's route schema words it.
    ParamRequired(&'static str),
    /// A required parameter present but empty, as the schema words it.
    ParamEmpty,
    /// `integrations.get` with an empty `integrationId`.
    IntegrationIdEmpty,
    /// `integrations.get`: no integration has that id (and creator, when given).
    IntegrationNotFound,
    /// `integrations.get`: the integration exists but the caller may not see it
    /// (a 400, as Rocket.Chat answers it).
    IntegrationNotAuthorized,
    /// `integrations.history` with an `id` of whitespace only.
    InvalidIntegrationId,
    /// `offset` or `count` malformed; carries the parameter's name.
    InvalidParams(&'static str),
    /// `sort` malformed; carries the raw parameter as the caller sent it.
    InvalidSort(String),
    /// `fields` malformed; carries the raw parameter.
    InvalidFields(String),
    /// `query` malformed or outside the supported subset; carries the raw parameter.
    InvalidQuery(String),
    /// DynamoDB unavailable, throttled past the retry budget or too slow.
    Unavailable,
    /// Any other path.
    NotFound,
    /// The endpoint with a method other than GET or HEAD.
    MethodNotAllowed,
    /// Local server only: an HTTP request the server could not read (a NUL byte in a
    /// header, a space in a header name, …), refused before any route.
    MalformedRequest,
    /// Local server only: a request line longer than the server reads.
    UriTooLong,
    /// Local server only: headers larger than the server reads.
    HeadersTooLarge,
}

/// Seconds a client should wait before retrying after a 503.
pub const RETRY_AFTER_SECONDS: u32 = 1;

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Unauthorized => 401,
            ApiError::Forbidden | ApiError::RoomAccessDenied => 403,
            ApiError::MalformedRequest
            | ApiError::RoomParamMissing
            | ApiError::RoomNotFound
            | ApiError::GroupParamMissing
            | ApiError::GroupNotFound
            | ApiError::ParamRequired(_)
            | ApiError::ParamEmpty
            | ApiError::IntegrationIdEmpty
            | ApiError::IntegrationNotFound
            | ApiError::IntegrationNotAuthorized
            | ApiError::InvalidIntegrationId
            | ApiError::InvalidParams(_)
            | ApiError::InvalidSort(_)
            | ApiError::InvalidFields(_)
            | ApiError::InvalidQuery(_) => 400,
            ApiError::NotFound => 404,
            ApiError::MethodNotAllowed => 405,
            ApiError::UriTooLong => 414,
            ApiError::HeadersTooLarge => 431,
            ApiError::Unavailable => 503,
        }
    }

    /// The response body, byte for byte what Rocket.Chat sends for the same failure.
    pub fn body(&self) -> Json {
        const LOGIN: &str = "You must be logged in to do this.";
        match self {
            ApiError::Unauthorized => json!({
                "success": false, "error": LOGIN, "status": "error", "message": LOGIN
            }),
            ApiError::Forbidden => json!({
                "success": false,
                "error": "User does not have the permissions required for this action [error-unauthorized]"
            }),
            // Rocket.Chat's `canAccessRoom` refusal, as its REST layer words it.
            ApiError::RoomAccessDenied => json!({"success": false, "error": "unauthorized"}),
            ApiError::RoomParamMissing => typed(
                "The parameter \"roomId\" or \"roomName\" is required",
                "error-roomid-param-not-provided",
            ),
            ApiError::RoomNotFound => typed(
                "The required \"roomId\" or \"roomName\" param provided does not match any channel",
                "error-room-not-found",
            ),
            ApiError::GroupParamMissing => {
                typed("The parameter \"roomId\" or \"roomName\" is required", "error-room-param-not-provided")
            }
            ApiError::GroupNotFound => typed(
                "The required \"roomId\" or \"roomName\" param provided does not match any group",
                "error-room-not-found",
            ),
            // Rocket.Chat's typed-route schema failures: the message alone, untagged.
            ApiError::ParamRequired(name) => json!({
                "success": false,
                "error": format!("must have required property '{name}'"),
                "errorType": "error-invalid-params",
            }),
            ApiError::ParamEmpty => json!({
                "success": false,
                "error": "must NOT have fewer than 1 characters",
                "errorType": "error-invalid-params",
            }),
            // Plain `Error`s thrown by Rocket.Chat's handlers: no `errorType`.
            ApiError::IntegrationIdEmpty => plain("The query parameter \"integrationId\" is required."),
            ApiError::IntegrationNotFound => plain("The integration does not exists."),
            ApiError::IntegrationNotAuthorized => plain("not-authorized"),
            ApiError::InvalidIntegrationId => plain("Invalid integration id."),
            ApiError::InvalidParams(name) => typed(
                &format!("The parameter \"{name}\" must be a non-negative integer"),
                "error-invalid-params",
            ),
            ApiError::InvalidSort(raw) => invalid_parameter("sort", raw),
            ApiError::InvalidFields(raw) => invalid_parameter("fields", raw),
            ApiError::InvalidQuery(raw) => invalid_parameter("query", raw),
            ApiError::Unavailable => {
                typed("Service temporarily unavailable, please retry", "error-service-unavailable")
            }
            ApiError::NotFound => typed("This endpoint does not exist", "error-not-found"),
            ApiError::MethodNotAllowed => {
                typed("This endpoint only answers GET requests", "error-method-not-allowed")
            }
            ApiError::MalformedRequest => typed("The HTTP request could not be read", "error-bad-request"),
            ApiError::UriTooLong => typed("The request URI is too long", "error-uri-too-long"),
            ApiError::HeadersTooLarge => {
                typed("The request headers are too large", "error-headers-too-large")
            }
        }
    }
}

/// Rocket.Chat's answer to a malformed `sort`, `fields` or `query`, quoting it raw.
fn invalid_parameter(name: &str, raw: &str) -> Json {
    typed(&format!("Invalid {name} parameter provided: \"{raw}\""), &format!("error-invalid-{name}"))
}

/// A plain `Error` thrown in a Rocket.Chat handler: its message, nothing else.
fn plain(message: &str) -> Json {
    json!({"success": false, "error": message})
}

/// Rocket.Chat's `Meteor.Error` shape: the type repeated in brackets after the text.
fn typed(text: &str, error_type: &str) -> Json {
    json!({
        "success": false,
        "error": format!("{text} [{error_type}]"),
        "errorType": error_type,
    })
}
