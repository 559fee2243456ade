//! `GET /api/v1/integrations.get`: one integration by id, its copy in the workspace
//! partition read by key in the first round with the caller's records. No gate: a
//! caller without permission learns only that the id exists (Rocket.Chat's 400
//! `not-authorized`, which its clients expect).

use crate::access::{holds, MANAGE_INCOMING, MANAGE_OUTGOING, MANAGE_OWN_INCOMING, MANAGE_OWN_OUTGOING};
use crate::auth::Credentials;
use crate::document::Value;
use crate::error::ApiError;
use crate::fetch::{self, Reader, Wants};
use crate::model::{partition, Head, Kind, PermissionRoles, UserRecord, MAX_KEY_BYTES};
use crate::page::{self, Page};
use crate::request::RawRequest;
use crate::store::{Key, Record};

pub async fn run(
    raw: &RawRequest,
    reader: &mut Reader<'_>,
    authenticated: &mut Option<String>,
) -> Result<Page, ApiError> {
    let credentials = Credentials::parse(raw.auth_token.as_deref(), raw.user_id.as_deref());
    let credentials = credentials.as_ref().ok_or(ApiError::Unauthorized)?;
    let id = integration_id(raw);
    let key = id.as_ref().ok().filter(|id| id.len() <= MAX_KEY_BYTES).map(|id| document_key(id));
    reader.run(fetch::first_round(&Wants::caller(credentials, key.iter().cloned().collect()))).await?;

    let user = reader.facts.authenticate(credentials, authenticated)?;
    let facts = &reader.facts;
    id?;
    let text = match key.map(|key| facts.lookup(&key)) {
        Some(Some(Some(Record::Document(text)))) => text,
        _ => return Err(ApiError::IntegrationNotFound),
    };
    let doc = Value::from_extended_json_str(text).map_err(|_| ApiError::IntegrationNotFound)?;
    let head = Head::of(&doc);
    let created_by = raw.param("createdBy").filter(|c| !c.is_empty());
    if created_by.is_some_and(|c| head.creator.as_deref() != Some(c)) {
        return Err(ApiError::IntegrationNotFound);
    }
    if !may_see(&user, &facts.permissions(), &head) {
        return Err(ApiError::IntegrationNotAuthorized);
    }
    let mut body = br#"{"integration":"#.to_vec();
    page::write_whole(text, &mut body).map_err(|_| ApiError::IntegrationNotFound)?;
    body.extend_from_slice(br#","success":true}"#);
    Ok(Page { body: String::from_utf8(body).map_err(|_| ApiError::IntegrationNotFound)?, items: 1 })
}

/// `integrationId`: absent and empty are two different 400s.
fn integration_id(raw: &RawRequest) -> Result<String, ApiError> {
    match raw.param("integrationId") {
        None => Err(ApiError::ParamRequired("integrationId")),
        Some("") => Err(ApiError::IntegrationIdEmpty),
        Some(id) => Ok(id.to_owned()),
    }
}

fn document_key(id: &str) -> Key {
    Key::Document { id: id.to_owned(), target: partition::WORKSPACE.to_owned() }
}

/// Rocket.Chat's rule for one integration (not the listings' table): incoming when
/// its type says so, else outgoing; `manage-<kind>-integrations`, or its creator
/// holding `manage-own-<kind>-integrations`.
fn may_see(user: &UserRecord, permissions: &PermissionRoles, head: &Head) -> bool {
    let (all, own) = match head.kind {
        Kind::Incoming => (MANAGE_INCOMING, MANAGE_OWN_INCOMING),
        Kind::Outgoing | Kind::Other => (MANAGE_OUTGOING, MANAGE_OWN_OUTGOING),
    };
    let owner = head.creator.as_deref() == Some(user.id.as_str());
    holds(user, permissions, all) || (owner && holds(user, permissions, own))
}
