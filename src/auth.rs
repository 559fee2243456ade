//! Authentication: the caller's token, hashed as Rocket.Chat hashes it, must be a live
//! session of the user named by `X-User-Id`.

use crate::error::ApiError;
use crate::model::{TokenRecord, UserRecord, MAX_KEY_BYTES};
use base64::Engine;
use sha2::{Digest, Sha256};

/// Credentials that passed parsing: both headers present and usable as keys.
/// The clear token is hashed at once and never kept.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user_id: String,
    pub token_hash: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("user_id", &self.user_id).finish_non_exhaustive()
    }
}

impl Credentials {
    /// `None` when a header is missing or empty, or the user id could not be a key.
    pub fn parse(auth_token: Option<&str>, user_id: Option<&str>) -> Option<Credentials> {
        let token = auth_token.filter(|t| !t.is_empty())?;
        let user_id = user_id.filter(|u| !u.is_empty() && u.len() <= MAX_KEY_BYTES)?;
        Some(Credentials { user_id: user_id.to_owned(), token_hash: hash_token(token) })
    }
}

/// `base64(sha256(token))`, the value Rocket.Chat stores as `hashedToken`.
pub fn hash_token(token: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(token.as_bytes()))
}

/// The authenticated user, or the one uniform 401 whatever the cause.
pub fn authenticate(
    credentials: &Credentials,
    token: Option<TokenRecord>,
    user: Option<UserRecord>,
    now_epoch_seconds: i64,
) -> Result<UserRecord, ApiError> {
    let token = token.ok_or(ApiError::Unauthorized)?;
    let live = token.expires_at.is_none_or(|at| now_epoch_seconds < at);
    let user = user.ok_or(ApiError::Unauthorized)?;
    let valid = live
        && token.user_id == credentials.user_id
        && user.id == credentials.user_id
        && user.active
        && user.username.as_deref().is_some_and(|u| !u.is_empty());
    if valid {
        Ok(user)
    } else {
        Err(ApiError::Unauthorized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_matches_rocket_chat_accounts_hashing() {
        // sha256("test") in standard base64 with padding.
        assert_eq!(hash_token("test"), "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=");
    }

    #[test]
    fn debug_output_never_shows_the_hash() {
        let c = Credentials::parse(Some("secret"), Some("u1")).unwrap();
        assert!(!format!("{c:?}").contains(&c.token_hash));
    }
}
