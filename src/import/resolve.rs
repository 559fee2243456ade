//! Integration targets (`#name`, `#id`) to room ids, resolved once at import.
//!
//! Only the rooms some integration names are kept: a server's rooms (direct
//! messages included) can be many, the rooms integrations target are few.

use super::read::{open_collection, Collection, Doc};
use crate::ingest::targets::{found_by_id, target_name, targets, Placement, Rooms};
use serde_json::Value as Json;
use std::collections::HashSet;
use std::path::Path;

/// The rooms the export's targets name (see [`Rooms`]).
#[derive(Debug, Default)]
pub struct Resolver(Rooms);

impl Resolver {
    /// Reads the integrations' targets, then the rooms they name. Malformed
    /// documents are skipped here: the validation pass reports them.
    pub fn read(dir: &Path) -> Resolver {
        let wanted: HashSet<String> = documents(dir, Collection::Integrations)
            .flat_map(|doc| {
                targets(doc.json.get("channel"))
                    .into_iter()
                    .filter_map(|t| t.strip_prefix('#').map(str::to_owned))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut rooms = Rooms::default();
        if wanted.is_empty() {
            return Resolver(rooms);
        }
        for doc in documents(dir, Collection::Rooms) {
            let Some(id) = doc.json.get("_id").and_then(Json::as_str) else { continue };
            if wanted.contains(id) && found_by_id(doc.json.get("t").and_then(Json::as_str)) {
                rooms.by_id.insert(id.to_owned());
            }
            if let Some(name) = target_name(&doc.json) {
                if wanted.contains(name) {
                    rooms.by_name.entry(name.to_owned()).or_default().insert(id.to_owned());
                }
            }
        }
        Resolver(rooms)
    }
}

impl Placement for Resolver {
    fn rooms_of(&self, target: &str) -> Vec<String> {
        self.0.rooms_of(target)
    }
}

/// The well-formed documents of a file; nothing when it is absent or unreadable.
fn documents(dir: &Path, collection: Collection) -> impl Iterator<Item = Doc> {
    open_collection(collection, dir).ok().flatten().into_iter().flatten().filter_map(Result::ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_targeted_rooms_are_kept_and_targets_resolve_by_id_or_name() {
        let dir = tempfile::tempdir().unwrap();
        let write = |file: &str, text: &str| std::fs::write(dir.path().join(file), text).unwrap();
        write(
            Collection::Rooms.file(),
            "{\"_id\": \"r1\", \"name\": \"one\"}\n{\"_id\": \"r2\", \"name\": \"two\"}\n{\"_id\": \"r3\"}\n",
        );
        write(
            Collection::Integrations.file(),
            "{\"channel\": \"#one, @bob\"}\n{\"channel\": [\"#r3\", \"#nowhere\"]}\n",
        );
        let resolver = Resolver::read(dir.path());
        assert_eq!(resolver.0.by_id, HashSet::from(["r3".to_owned()]));
        let one = std::collections::BTreeSet::from(["r1".to_owned()]);
        assert_eq!(resolver.0.by_name, std::collections::HashMap::from([("one".to_owned(), one)]));
        let channel = json!(["#one,#r3", "all_public_channels", "#two", "@x"]);
        let partitions: Vec<String> =
            crate::ingest::targets::partitions(Some(&channel), &resolver).into_iter().collect();
        assert_eq!(partitions, ["all_public_channels", "r1", "r3"]);
    }
}
