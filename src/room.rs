//! The room check: only public channels and omnichannel rooms have integrations here.

use crate::error::ApiError;
use crate::model::RoomRecord;

/// The room if it exists and is a channel ([`RoomRecord::is_channel`]).
pub fn require_channel(room: Option<RoomRecord>) -> Result<RoomRecord, ApiError> {
    room.filter(RoomRecord::is_channel).ok_or(ApiError::RoomNotFound)
}
