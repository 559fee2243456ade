//! Integration targets: which rooms an integration's `channel` names, and where
//! it is therefore stored. `#X` is the room whose id is X and every room whose
//! *target name* is X; `all_public_channels` and `all_private_groups`
//! are partitions of their own; `@user` and anything else place nothing. Every
//! integration is also stored once under the workspace partition.
//!
//! Rocket.Chat matches channels by `#name` or `#id`, and private groups by `#name`
//! only, a discussion among them by its display name `fname`: a room's target name
//! is its `fname` for a private discussion, else its `name` ([`target_name`]), and
//! only a room that is not a private group is found by id ([`found_by_id`]).
//!
//! The sync table keeps both directions of that resolution, written by the same
//! conversion for `import` and sync: a room's *name item* (`name#<name>`, sorted by
//! room id) resolves `#name` consistently, and an integration's *ref items*
//! (`ref#<X>`, sorted by integration id) tell a room created, renamed or deleted
//! which integrations to place again.

use crate::model::RoomType;
use crate::store::items::{attr, s, Item, ALL_PRIVATE_GROUPS, ALL_PUBLIC_CHANNELS};
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::Value as Json;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Resolves the X of a `#X` target to the ids of the rooms it names.
pub trait Placement {
    fn rooms_of(&self, target: &str) -> Vec<String>;
}

/// Places nothing: every `#X` names no room.
pub struct Nowhere;

impl Placement for Nowhere {
    fn rooms_of(&self, _: &str) -> Vec<String> {
        Vec::new()
    }
}

/// The rooms some targets name, as import and sync each look them up: `#X` is the
/// room whose id is X (unless a private group) *and* every room whose target name is
/// X, as Rocket.Chat matches `channel` against both.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rooms {
    pub by_id: HashSet<String>,
    pub by_name: HashMap<String, BTreeSet<String>>,
}

impl Placement for Rooms {
    fn rooms_of(&self, target: &str) -> Vec<String> {
        let mut rooms = self.by_name.get(target).cloned().unwrap_or_default();
        if self.by_id.contains(target) {
            rooms.insert(target.to_owned());
        }
        rooms.into_iter().collect()
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
        .flat_map(|target| {
            if let Some(shared) = [ALL_PUBLIC_CHANNELS, ALL_PRIVATE_GROUPS].into_iter().find(|p| *p == target)
            {
                return vec![shared.to_owned()];
            }
            target.strip_prefix('#').map(|x| rooms.rooms_of(x)).unwrap_or_default()
        })
        .collect()
}

/// The name a `#X` target matches a room by: a private discussion's `fname`, any
/// other room's `name` (Rocket.Chat's `groups.getIntegrations` and
/// `channels.getIntegrations` rules).
pub fn target_name(room: &Json) -> Option<&str> {
    let field =
        if is_group(room) && room.get("prid").is_some_and(|p| !p.is_null()) { "fname" } else { "name" };
    room.get(field).and_then(Json::as_str).filter(|name| !name.is_empty())
}

/// Whether a `#<id>` target matches the room: a private group is never matched by id.
pub fn found_by_id(room_type: Option<&str>) -> bool {
    room_type.map(RoomType::of) != Some(RoomType::Group)
}

fn is_group(room: &Json) -> bool {
    room.get("t").and_then(Json::as_str).map(RoomType::of) == Some(RoomType::Group)
}

/// Partition keys of the sync table.
const NAME: &str = "name#";
const REF: &str = "ref#";

/// The sync table's record that room `room_id` has the target name `name`. A private
/// group's record says so (`g`), so that a room turning private or public changes its
/// record, and the integrations targeting it by id are placed again.
pub fn name_item(name: &str, room_id: &str, room: &Json) -> Item {
    let mut item = Item::from([(attr::PK.into(), s(format!("{NAME}{name}"))), (attr::SK.into(), s(room_id))]);
    if is_group(room) {
        item.insert(GROUP.into(), AttributeValue::Bool(true));
    }
    item
}

/// A name record's mark of a private group.
const GROUP: &str = "g";

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

    fn rooms(ids: &[&str], names: &[(&str, &str)]) -> Rooms {
        let mut rooms = Rooms { by_id: ids.iter().map(|i| i.to_string()).collect(), ..Rooms::default() };
        for (name, id) in names {
            rooms.by_name.entry(name.to_string()).or_default().insert(id.to_string());
        }
        rooms
    }

    #[test]
    fn a_target_names_the_room_of_that_id_and_every_room_of_that_name() {
        // A channel whose id is another room's name, and two discussions of one fname.
        let rooms = rooms(&["shadow"], &[("shadow", "g-shadow"), ("Plans", "d1"), ("Plans", "d2")]);
        let placed: Vec<String> =
            partitions(Some(&json!(["#shadow", "#Plans"])), &rooms).into_iter().collect();
        assert_eq!(placed, ["d1", "d2", "g-shadow", "shadow"]);
    }

    #[test]
    fn targets_resolve_through_the_placement_and_refs_name_every_room_target() {
        let rooms = rooms(&["r3"], &[("one", "r1")]);
        let channel = json!(["#one,#r3", "all_public_channels", "#two", "@x", "#"]);
        let placed: Vec<String> = partitions(Some(&channel), &rooms).into_iter().collect();
        assert_eq!(placed, ["all_public_channels", "r1", "r3"]);
        let refs: Vec<&str> = room_refs(Some(&channel)).collect();
        assert_eq!(refs, ["one", "r3", "two"]);
        assert!(partitions(Some(&json!("#one")), &Nowhere).is_empty());
        let shared: Vec<String> =
            partitions(Some(&json!("all_private_groups")), &Nowhere).into_iter().collect();
        assert_eq!(shared, ["all_private_groups"]);
    }

    #[test]
    fn groups_are_named_by_fname_when_discussions_and_never_found_by_id() {
        let room =
            |t: &str, prid: Option<&str>| json!({"_id":"r","t":t,"name":"n","fname":"Display","prid":prid});
        assert_eq!(target_name(&room("p", Some("parent"))), Some("Display"));
        assert_eq!(target_name(&room("p", None)), Some("n"));
        assert_eq!(target_name(&room("c", Some("parent"))), Some("n"));
        assert_eq!(target_name(&json!({"t":"p","prid":"x","name":"n"})), None);
        assert!(found_by_id(Some("c")) && found_by_id(None) && !found_by_id(Some("p")));
        // A room turning private changes its name record.
        assert_ne!(name_item("n", "r", &room("p", None)), name_item("n", "r", &room("c", None)));
    }
}
