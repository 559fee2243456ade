//! Change events, as the two producers of the sync contract write them, into one
//! [`Change`]: a MongoDB change event (a change-stream tailer) or a Debezium MongoDB
//! connector event (bare payload or `{"schema", "payload"}`, with its key when the
//! transport carries one). Told apart per record, so one stream may mix them.

use crate::ingest::{id_key, Collection};
use serde_json::Value as Json;

/// When a change happened, as the source orders one document's changes: MongoDB's
/// `clusterTime` (seconds, increment) or Debezium's `source.ts_ms` and `source.ord`,
/// both as milliseconds and an ordinal within them, so the two formats and an
/// import's `--as-of` compare on one scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub u128);

impl Version {
    pub fn new(millis: u64, ordinal: u32) -> Version {
        Version(((millis as u128) << 32) | ordinal as u128)
    }

    pub fn millis(self) -> u64 {
        (self.0 >> 32) as u64
    }
}

/// What an event asks for its document.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// The document's whole new state (Extended JSON).
    Upsert(Json),
    Delete,
}

/// One document's change.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub collection: Collection,
    /// The document's `_id`, as [`id_key`] writes it.
    pub id: String,
    pub version: Version,
    pub op: Op,
}

/// A record that is a well-formed event but not one to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ignored {
    /// A collection the tables do not hold (messages, settings, …).
    Collection(String),
    /// `drop`, `rename`, `invalidate`, …
    Operation(String),
    /// Debezium's `null` value after a delete.
    Tombstone,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Change(Change),
    Ignored(Ignored),
}

/// Why a record cannot be applied, with the document it names when that is known.
/// Never holds the document's content: a reason is logged, and users carry tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub collection: Option<String>,
    pub id: Option<String>,
    pub reason: String,
}

impl Failure {
    fn new(reason: impl Into<String>) -> Failure {
        Failure { collection: None, id: None, reason: reason.into() }
    }

    fn of(collection: &str, id: Option<&str>, reason: impl Into<String>) -> Failure {
        Failure { collection: Some(collection.to_owned()), id: id.map(str::to_owned), reason: reason.into() }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.collection, &self.id) {
            (Some(c), Some(id)) => write!(f, "{c} {id:?}: {}", self.reason),
            (Some(c), None) => write!(f, "{c}: {}", self.reason),
            _ => f.write_str(&self.reason),
        }
    }
}

/// One line of `rc-integrations sync`: a MongoDB change event, a Debezium value, or
/// a Debezium record with its key written `{"key": …, "value": …}`.
pub fn parse_line(line: &str) -> Result<Event, Failure> {
    let json: Json =
        serde_json::from_str(line).map_err(|e| Failure::new(format!("not a JSON object: {e}")))?;
    match json {
        Json::Object(mut record) if record.contains_key("value") && !is_event(&record) => {
            let key = record.remove("key");
            parse_value(key.as_ref(), record.remove("value").unwrap_or(Json::Null))
        }
        other => parse_value(None, other),
    }
}

/// One Kinesis record: its data is the event; its partition key is Debezium's record
/// key (`{"id": …}`) when Debezium wrote it, which is what names a deleted document.
pub fn parse_record(partition_key: Option<&str>, data: &[u8]) -> Result<Event, Failure> {
    let text = std::str::from_utf8(data).map_err(|_| Failure::new("the record's data is not UTF-8"))?;
    if text.trim().is_empty() || text.trim() == "null" {
        return Ok(Event::Ignored(Ignored::Tombstone));
    }
    let value: Json =
        serde_json::from_str(text).map_err(|e| Failure::new(format!("not a JSON object: {e}")))?;
    let key = partition_key.and_then(|k| serde_json::from_str::<Json>(k).ok());
    parse_value(key.as_ref(), value)
}

fn is_event(record: &serde_json::Map<String, Json>) -> bool {
    record.contains_key("operationType") || record.contains_key("op") || record.contains_key("payload")
}

fn parse_value(key: Option<&Json>, value: Json) -> Result<Event, Failure> {
    match value {
        Json::Null => Ok(Event::Ignored(Ignored::Tombstone)),
        Json::Object(ref fields) if fields.contains_key("operationType") => mongodb(value),
        Json::Object(mut fields) if fields.contains_key("payload") => match fields.remove("payload") {
            Some(Json::Null) | None => Ok(Event::Ignored(Ignored::Tombstone)),
            Some(payload) => debezium(key, payload),
        },
        Json::Object(ref fields) if fields.contains_key("op") => debezium(key, value),
        Json::Object(_) => Err(Failure::new(
            "neither a MongoDB change event (`operationType`) nor a Debezium event (`op`, `payload`)",
        )),
        _ => Err(Failure::new("not a JSON object")),
    }
}

/// A MongoDB change event (`db.collection.watch()`).
fn mongodb(event: Json) -> Result<Event, Failure> {
    let operation = event.get("operationType").and_then(Json::as_str).unwrap_or_default().to_owned();
    let Some(collection_name) = event.pointer("/ns/coll").and_then(Json::as_str) else {
        return match operation.as_str() {
            "insert" | "update" | "replace" | "delete" => Err(Failure::new("no `ns.coll`")),
            _ => Ok(Event::Ignored(Ignored::Operation(operation))),
        };
    };
    let name = collection_name.to_owned();
    let upsert = match operation.as_str() {
        "insert" | "replace" | "update" => true,
        "delete" => false,
        _ => return Ok(Event::Ignored(Ignored::Operation(operation))),
    };
    let Some(collection) = Collection::from_name(&name) else {
        return Ok(Event::Ignored(Ignored::Collection(name)));
    };
    let id = event.pointer("/documentKey/_id").and_then(id_key);
    let fail = |reason: &str| Failure::of(&name, id.as_deref(), reason);
    let id = id.clone().ok_or_else(|| fail("no `documentKey._id`"))?;
    let version = cluster_time(event.get("clusterTime")).ok_or_else(|| {
        fail("no valid `clusterTime` (`{\"$timestamp\": {\"t\": …, \"i\": …}}`): the event cannot be ordered")
    })?;
    let op = if upsert {
        match event.get("fullDocument") {
            Some(doc @ Json::Object(_)) => Op::Upsert(doc.clone()),
            _ if operation == "update" => {
                return Err(fail(
                    "an `update` without `fullDocument` cannot be applied: open the change stream with \
                     fullDocument: \"updateLookup\" (or \"whenAvailable\"/\"required\")",
                ))
            }
            _ => return Err(fail("no `fullDocument`")),
        }
    } else {
        Op::Delete
    };
    Ok(Event::Change(Change { collection, id, version, op }))
}

fn cluster_time(value: Option<&Json>) -> Option<Version> {
    let ts = value?.get("$timestamp")?;
    let t = ts.get("t")?.as_u64()?;
    let i = u32::try_from(ts.get("i")?.as_u64()?).ok()?;
    Some(Version::new(t.checked_mul(1000)?, i))
}

/// A Debezium MongoDB connector payload.
fn debezium(key: Option<&Json>, payload: Json) -> Result<Event, Failure> {
    let op = payload.get("op").and_then(Json::as_str).unwrap_or_default().to_owned();
    let source = payload.get("source");
    let Some(name) = source.and_then(|s| s.get("collection")).and_then(Json::as_str).map(str::to_owned)
    else {
        return Err(Failure::new("a Debezium event without `source.collection`"));
    };
    let upsert = match op.as_str() {
        "c" | "r" | "u" => true,
        "d" => false,
        _ => return Ok(Event::Ignored(Ignored::Operation(op))),
    };
    let Some(collection) = Collection::from_name(&name) else {
        return Ok(Event::Ignored(Ignored::Collection(name)));
    };
    let after = match payload.get("after") {
        Some(Json::String(text)) => Some(
            serde_json::from_str::<Json>(text)
                .ok()
                .filter(Json::is_object)
                .ok_or_else(|| Failure::of(&name, None, "`after` is not a JSON document"))?,
        ),
        Some(doc @ Json::Object(_)) => Some(doc.clone()),
        _ => None,
    };
    let id = after.as_ref().and_then(|doc| doc.get("_id")).and_then(id_key).or_else(|| key_id(key));
    let fail = |reason: &str| Failure::of(&name, id.as_deref(), reason);
    if upsert && after.is_none() {
        return Err(fail(if op == "u" {
            "an update without `after` cannot be applied: set the connector's capture.mode to \
             change_streams_update_full (or change_streams_update_full_with_pre_image)"
        } else {
            "no `after`"
        }));
    }
    let id = id.clone().ok_or_else(|| {
        fail(if upsert {
            "no `_id` in `after`"
        } else {
            "a Debezium delete names its document only in the record's key ({\"id\": …}), and there is none"
        })
    })?;
    let ts_ms = source.and_then(|s| s.get("ts_ms")).and_then(Json::as_u64);
    let ord =
        source.and_then(|s| s.get("ord")).map_or(Some(0), |o| o.as_u64().and_then(|o| u32::try_from(o).ok()));
    let version = match (ts_ms, ord) {
        (Some(ms), Some(ord)) => Version::new(ms, ord),
        _ => return Err(fail("no valid `source.ts_ms` and `source.ord`: the event cannot be ordered")),
    };
    let op = match after {
        Some(doc) if upsert => Op::Upsert(doc),
        _ => Op::Delete,
    };
    Ok(Event::Change(Change { collection, id, version, op }))
}

/// The `_id` in Debezium's record key: `{"id": "<Extended JSON of _id>"}`, maybe
/// inside `{"schema", "payload"}`.
fn key_id(key: Option<&Json>) -> Option<String> {
    let key = key?;
    let key = key.get("payload").unwrap_or(key);
    let text = key.get("id")?.as_str()?;
    match serde_json::from_str::<Json>(text) {
        Ok(id) => id_key(&id),
        // Older connectors wrote a bare string id.
        Err(_) => id_key(&Json::String(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(event: Result<Event, Failure>) -> Change {
        match event {
            Ok(Event::Change(change)) => change,
            other => panic!("not a change: {other:?}"),
        }
    }

    fn mongo(op: &str, doc: Option<Json>) -> String {
        let mut event = json!({
            "_id": {"_data": "8263"}, "operationType": op,
            "clusterTime": {"$timestamp": {"t": 1700000000, "i": 3}},
            "ns": {"db": "rocketchat", "coll": "rocketchat_room"},
            "documentKey": {"_id": "r1"},
        });
        if let Some(doc) = doc {
            event["fullDocument"] = doc;
        }
        event.to_string()
    }

    #[test]
    fn mongodb_events_of_every_operation() {
        let doc = json!({"_id": "r1", "name": "general", "t": "c"});
        for op in ["insert", "replace", "update"] {
            let c = change(parse_line(&mongo(op, Some(doc.clone()))));
            assert_eq!(c.collection, Collection::Rooms);
            assert_eq!(c.id, "r1");
            assert_eq!(c.version, Version::new(1_700_000_000_000, 3));
            assert_eq!(c.op, Op::Upsert(doc.clone()));
        }
        assert_eq!(change(parse_line(&mongo("delete", None))).op, Op::Delete);
        let failure = parse_line(&mongo("update", None)).unwrap_err();
        assert!(failure.reason.contains("updateLookup"), "{failure}");
        assert_eq!(failure.to_string().split(':').next(), Some("rocketchat_room \"r1\""));
        for op in ["drop", "rename", "invalidate", "dropDatabase"] {
            assert_eq!(parse_line(&mongo(op, None)).unwrap(), Event::Ignored(Ignored::Operation(op.into())));
        }
        let other = mongo("insert", Some(doc)).replace("rocketchat_room", "rocketchat_message");
        assert_eq!(
            parse_line(&other).unwrap(),
            Event::Ignored(Ignored::Collection("rocketchat_message".into()))
        );
        let unordered = mongo("delete", None).replace("\"t\":1700000000", "\"t\":\"x\"");
        assert!(parse_line(&unordered).unwrap_err().reason.contains("clusterTime"));
    }

    fn debezium_payload(op: &str, after: Option<&Json>) -> Json {
        json!({
            "op": op, "before": null,
            "after": after.map(|a| Json::String(a.to_string())),
            "source": {"connector": "mongodb", "collection": "users", "ts_ms": 1700000000000u64, "ord": 2},
            "ts_ms": 1700000000999u64,
        })
    }

    #[test]
    fn debezium_events_bare_enveloped_and_keyed() {
        let doc = json!({"_id": "u1", "username": "ann"});
        for op in ["c", "r", "u"] {
            let bare = debezium_payload(op, Some(&doc));
            let enveloped = json!({"schema": {"type": "struct"}, "payload": bare.clone()});
            for value in [bare, enveloped] {
                let c = change(parse_line(&value.to_string()));
                assert_eq!((c.collection, c.id.as_str()), (Collection::Users, "u1"));
                assert_eq!(c.version, Version::new(1_700_000_000_000, 2));
                assert_eq!(c.op, Op::Upsert(doc.clone()));
            }
        }
        // A delete names its document in the key only.
        let key = json!({"id": "\"u1\""});
        let line = json!({"key": key, "value": debezium_payload("d", None)}).to_string();
        let c = change(parse_line(&line));
        assert_eq!((c.id.as_str(), c.op), ("u1", Op::Delete));
        let oid_key = json!({"schema": {}, "payload": {"id": "{\"$oid\": \"5f0c\"}"}});
        let data = debezium_payload("d", None).to_string();
        assert_eq!(
            change(parse_record(Some(&oid_key.to_string()), data.as_bytes())).id,
            r#"{"$oid":"5f0c"}"#
        );
        assert!(parse_line(&data).unwrap_err().reason.contains("record's key"));
        // Tombstones, in every way they come.
        assert_eq!(
            parse_line(r#"{"key": {"id": "\"u1\""}, "value": null}"#).unwrap(),
            Event::Ignored(Ignored::Tombstone)
        );
        assert_eq!(parse_record(Some("k"), b"").unwrap(), Event::Ignored(Ignored::Tombstone));
        // An update without the full document names the capture mode.
        let failure = parse_line(&debezium_payload("u", None).to_string()).unwrap_err();
        assert!(failure.reason.contains("change_streams_update_full"), "{failure}");
        assert_eq!(
            parse_line(&debezium_payload("m", None).to_string()).unwrap(),
            Event::Ignored(Ignored::Operation("m".into()))
        );
    }

    #[test]
    fn what_is_not_an_event_fails_with_a_reason() {
        for (line, why) in [
            ("not json", "not a JSON object"),
            ("[1]", "not a JSON object"),
            (r#"{"a": 1}"#, "neither"),
            (r#"{"op": "c", "after": "{}"}"#, "source.collection"),
        ] {
            let failure = parse_line(line).unwrap_err();
            assert!(failure.reason.contains(why), "{line}: {failure}");
        }
        assert!(parse_record(None, b"\xff").unwrap_err().reason.contains("UTF-8"));
    }

    #[test]
    fn versions_order_by_time_then_ordinal_on_one_scale() {
        assert!(Version::new(1000, 5) < Version::new(1001, 0));
        assert!(Version::new(1000, 5) > Version::new(1000, 4));
        assert_eq!(Version::new(1_700_000_000_000, 9).millis(), 1_700_000_000_000);
    }
}
