//! Integration targets: which rooms an integration's `channel` names, and where
//! it is therefore stored. `#X` is the room whose id is X or, failing that, the
//! room named X; `all_public_channels` is its own partition; `@user` and anything
//! else place nothing.
//!
//! The sync table keeps both directions of that resolution, written by the same
//! conversion for `import` and sync: a room's *name item* (`name#<name>`, sorted by
//! room id) resolves `#name` consistently, and an integration's *ref items*
//! (`ref#<X>`, sorted by integration id) tell a room created, renamed or deleted
//! which integrations to place again.

use crate::store::items::{attr, s, Item, ALL_PUBLIC_CHANNELS};
use serde_json::Value as Json;
use std::collections::BTreeSet;

/// Resolves the X of a `#X` target to the id of the room it names, if any.
pub trait Placement {
    fn room_of(&self, target: &str) -> Option<String>;
}

/// Places nothing: every `#X` names no room.
pub struct Nowhere;

impl Placement for Nowhere {
    fn room_of(&self, _: &str) -> Option<String> {
        None
    }
}

/// `channel` is an array of targets or, in old documents, one string; either may
/// hold several comma-separated targets.
pub fn targets(channel: Option<&Json>) -> Vec<&str> {
    let entries: Vec<&str> = match channel {
        Some(Json::String(s)) => vec![s.as_str()],
        Some(Json::Array(items)) => items.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    };
    entries.into_iter().flat_map(|t| t.split(',')).map(str::trim).collect()
}

/// The X of every `#X` target, each once, in order.
pub fn room_refs(channel: Option<&Json>) -> impl Iterator<Item = &str> {
    let refs: BTreeSet<&str> =
        targets(channel).into_iter().filter_map(|t| t.strip_prefix('#')).filter(|r| !r.is_empty()).collect();
    refs.into_iter()
}

/// The `roomId` partitions an integration is stored under.
pub fn partitions(channel: Option<&Json>, rooms: &dyn Placement) -> BTreeSet<String> {
    targets(channel)
        .into_iter()
        .filter_map(|target| {
            if target == ALL_PUBLIC_CHANNELS {
                return Some(ALL_PUBLIC_CHANNELS.to_owned());
            }
            rooms.room_of(target.strip_prefix('#')?)
        })
        .collect()
}

/// Partition keys of the sync table.
const NAME: &str = "name#";
const REF: &str = "ref#";

/// The sync table's record that room `room_id` is named `name`.
pub fn name_item(name: &str, room_id: &str) -> Item {
    Item::from([(attr::PK.into(), s(format!("{NAME}{name}"))), (attr::SK.into(), s(room_id))])
}

/// The partition holding the rooms named `name` (one, once every event is applied).
pub fn name_partition(name: &str) -> String {
    format!("{NAME}{name}")
}

/// The room name a name record's partition is of.
pub fn name_in(partition: &str) -> Option<&str> {
    partition.strip_prefix(NAME)
}

/// The sync table's record that integration `integration_id` targets `#room_ref`.
pub fn ref_item(room_ref: &str, integration_id: &str) -> Item {
    Item::from([(attr::PK.into(), s(format!("{REF}{room_ref}"))), (attr::SK.into(), s(integration_id))])
}

/// The partition holding the integrations that target `#room_ref`.
pub fn ref_partition(room_ref: &str) -> String {
    format!("{REF}{room_ref}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashMap;

    struct Rooms(HashMap<&'static str, &'static str>);
    impl Placement for Rooms {
        fn room_of(&self, target: &str) -> Option<String> {
            self.0.get(target).map(|r| r.to_string())
        }
    }

    #[test]
    fn targets_resolve_through_the_placement_and_refs_name_every_room_target() {
        let rooms = Rooms(HashMap::from([("one", "r1"), ("r3", "r3")]));
        let channel = json!(["#one,#r3", "all_public_channels", "#two", "@x", "#"]);
        let placed: Vec<String> = partitions(Some(&channel), &rooms).into_iter().collect();
        assert_eq!(placed, ["all_public_channels", "r1", "r3"]);
        let refs: Vec<&str> = room_refs(Some(&channel)).collect();
        assert_eq!(refs, ["one", "r3", "two"]);
        assert!(partitions(Some(&json!("#one")), &Nowhere).is_empty());
    }
}
