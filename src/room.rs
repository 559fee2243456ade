//! The room check: only public channels and omnichannel rooms have integrations here.

use crate::error::ApiError;
use crate::model::RoomRecord;

/// The room if it exists and is a channel (`c`) or omnichannel room (`l`); private
/// groups and direct messages count as not found, as in Rocket.Chat.
pub fn require_channel(room: Option<RoomRecord>) -> Result<RoomRecord, ApiError> {
    room.filter(|r| r.kind == "c" || r.kind == "l").ok_or(ApiError::RoomNotFound)
}
