//! `fields`: a MongoDB projection that can only hide fields.

use crate::document::{Map, Value};
use crate::error::ApiError;
use crate::params::valid_path;
use serde_json::Value as Json;

/// Fields Rocket.Chat never returns from this endpoint, whatever `fields` says.
pub const ALWAYS_EXCLUDED: [&str; 4] = ["joinCode", "members", "importIds", "e2e"];

/// Longest raw `fields` accepted, and most paths in it.
pub const MAX_FIELDS_LEN: usize = 2048;
pub const MAX_FIELDS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Projection {
    mode: Mode,
    /// The named paths (without `_id`), split at dots.
    paths: Vec<Vec<String>>,
    hide_id: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Mode {
    /// No projection: every field (but the always-excluded ones).
    #[default]
    All,
    /// `_id` and the named paths only.
    Include,
    /// Everything but the named paths.
    Exclude,
}

impl Projection {
    pub fn parse(raw: Option<&str>) -> Result<Projection, ApiError> {
        let Some(text) = raw.filter(|t| !t.is_empty()) else { return Ok(Projection::default()) };
        let invalid = || ApiError::InvalidFields(text.to_owned());
        if text.len() > MAX_FIELDS_LEN {
            return Err(invalid());
        }
        let json: Json = serde_json::from_str(text).map_err(|_| invalid())?;
        let object = json.as_object().filter(|o| o.len() <= MAX_FIELDS).ok_or_else(invalid)?;
        let mut projection = Projection::default();
        for (path, flag) in object {
            let include = match flag {
                Json::Bool(b) => *b,
                Json::Number(n) if n.as_f64() == Some(1.0) => true,
                Json::Number(n) if n.as_f64() == Some(0.0) => false,
                _ => return Err(invalid()),
            };
            if !valid_path(path) {
                return Err(invalid());
            }
            if path == "_id" {
                projection.hide_id = !include;
                continue;
            }
            let mode = if include { Mode::Include } else { Mode::Exclude };
            if projection.mode != Mode::All && projection.mode != mode {
                return Err(invalid());
            }
            projection.mode = mode;
            projection.paths.push(path.split('.').map(str::to_owned).collect());
        }
        // `{"a": 1, "a.b": 1}` is a path collision in MongoDB.
        let collides = projection
            .paths
            .iter()
            .enumerate()
            .any(|(i, a)| projection.paths.iter().enumerate().any(|(j, b)| i != j && b.starts_with(a)));
        if collides {
            return Err(invalid());
        }
        if projection.mode == Mode::All && !projection.hide_id && !object.is_empty() {
            // Only `{"_id": 1}`: an inclusion of nothing but the id.
            projection.mode = Mode::Include;
        }
        if projection.mode == Mode::All && projection.hide_id {
            projection.mode = Mode::Exclude;
        }
        Ok(projection)
    }

    /// No projection asked: every field but [`ALWAYS_EXCLUDED`].
    pub fn is_everything(&self) -> bool {
        self.mode == Mode::All && !self.hide_id
    }

    /// The document as the caller asked to see it.
    pub fn apply(&self, doc: Value) -> Value {
        let Value::Object(mut map) = doc else { return doc };
        for key in ALWAYS_EXCLUDED {
            map.shift_remove(key);
        }
        if self.hide_id {
            map.shift_remove("_id");
        }
        let paths: Vec<&[String]> = self.paths.iter().map(Vec::as_slice).collect();
        Value::Object(match self.mode {
            Mode::All => map,
            Mode::Exclude => exclude(map, &paths),
            Mode::Include => {
                let mut kept = Map::new();
                if let Some(id) = map.get("_id").filter(|_| !self.hide_id) {
                    kept.insert("_id".to_owned(), id.clone());
                }
                kept.extend(include(map, &paths));
                kept
            }
        })
    }
}

fn include(map: Map, paths: &[&[String]]) -> Map {
    let mut out = Map::new();
    for (key, value) in map {
        let deeper: Vec<&[String]> = paths.iter().filter(|p| p[0] == key).map(|p| &p[1..]).collect();
        if deeper.is_empty() {
            continue;
        }
        if deeper.iter().any(|p| p.is_empty()) {
            out.insert(key, value);
            continue;
        }
        if let Some(kept) = include_within(value, &deeper) {
            out.insert(key, kept);
        }
    }
    out
}

/// The deeper paths of an inclusion, applied to the value of a field: to a document
/// itself; through an array to each document in it, arrays nested in arrays
/// included; other values (scalars) are dropped.
fn include_within(value: Value, deeper: &[&[String]]) -> Option<Value> {
    match value {
        Value::Object(inner) => Some(Value::Object(include(inner, deeper))),
        Value::Array(items) => {
            Some(Value::Array(items.into_iter().filter_map(|item| include_within(item, deeper)).collect()))
        }
        _ => None,
    }
}

fn exclude(mut map: Map, paths: &[&[String]]) -> Map {
    for path in paths {
        if path.len() == 1 {
            map.shift_remove(&path[0]);
        }
    }
    for (key, value) in map.iter_mut() {
        let deeper: Vec<&[String]> =
            paths.iter().filter(|p| p.len() > 1 && &p[0] == key).map(|p| &p[1..]).collect();
        if deeper.is_empty() {
            continue;
        }
        exclude_within(value, &deeper);
    }
    map
}

/// The deeper paths of an exclusion, applied to the value of a field: to a document,
/// and through arrays (nested ones included) to each document in them.
fn exclude_within(value: &mut Value, deeper: &[&[String]]) {
    match value {
        Value::Object(inner) => *inner = exclude(std::mem::take(inner), deeper),
        Value::Array(items) => items.iter_mut().for_each(|item| exclude_within(item, deeper)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn project(fields: &str, doc: Json) -> Json {
        let doc = Value::from_extended_json(doc).unwrap();
        Projection::parse(Some(fields)).unwrap().apply(doc).to_wire()
    }

    #[test]
    fn inclusion_keeps_id_and_the_named_paths_in_document_order() {
        let doc = json!({"_id": "x", "name": "n", "token": "t", "_createdBy": {"_id": "u", "username": "w"}});
        assert_eq!(
            project(r#"{"_createdBy.username":1,"name":1}"#, doc.clone()),
            json!({"_id": "x", "name": "n", "_createdBy": {"username": "w"}})
        );
        assert_eq!(project(r#"{"name":1,"_id":0}"#, doc.clone()), json!({"name": "n"}));
        assert_eq!(project(r#"{"_id":1}"#, doc), json!({"_id": "x"}));
    }

    #[test]
    fn exclusion_removes_paths_even_inside_arrays() {
        let doc = json!({"_id": "x", "script": "s", "list": [{"a": 1, "b": 2}, 3], "members": ["m"]});
        assert_eq!(
            project(r#"{"script":0,"list.b":0}"#, doc.clone()),
            json!({"_id": "x", "list": [{"a": 1}, 3]})
        );
        assert_eq!(project(r#"{"_id":false}"#, doc), json!({"script": "s", "list": [{"a": 1, "b": 2}, 3]}));
    }

    /// (fields, document, MongoDB's projection of it), a row per rule.
    #[test]
    fn each_rule_gives_mongodbs_projection() {
        let grid = json!({"_id": "x", "grid": [[{"k": "a", "j": 1}], {"k": "b"}, 3], "z": 0});
        let rows = [
            // Inclusion reaches into arrays nested in arrays; scalars in them are dropped.
            (r#"{"grid.k":1}"#, grid.clone(), json!({"_id": "x", "grid": [[{"k": "a"}], {"k": "b"}]})),
            (
                r#"{"grid.k":1,"_id":0}"#,
                json!({"grid": [[[{"k": 1}], 2], []]}),
                json!({"grid": [[[{"k": 1}]], []]}),
            ),
            // A document without the field stays, empty; a scalar at the path goes.
            (r#"{"a.b":1}"#, json!({"_id": "x", "a": {"c": 1}}), json!({"_id": "x", "a": {}})),
            (r#"{"a.b":1}"#, json!({"_id": "x", "a": 5}), json!({"_id": "x"})),
            // Exclusion too, leaving scalars alone.
            (r#"{"grid.k":0}"#, grid, json!({"_id": "x", "grid": [[{"j": 1}], {}, 3], "z": 0})),
            (
                r#"{"a.b.c":0}"#,
                json!({"a": [[{"b": [{"c": 1, "d": 2}]}]]}),
                json!({"a": [[{"b": [{"d": 2}]}]]}),
            ),
            // Included fields keep their stored order, `_id` first.
            (r#"{"b":1,"a":1}"#, json!({"a": 1, "_id": "x", "b": 2}), json!({"_id": "x", "a": 1, "b": 2})),
        ];
        for (fields, doc, expected) in rows {
            assert_eq!(project(fields, doc.clone()), expected, "{fields} on {doc}");
        }
    }

    #[test]
    fn mixing_and_malformed_projections_are_refused() {
        for bad in [
            r#"{"a":1,"b":0}"#,
            r#"{"a":2}"#,
            r#"{"a":"1"}"#,
            "[]",
            r#"{"$where":1}"#,
            r#"{"a":1,"a.b":1}"#,
            "{",
        ] {
            assert_eq!(Projection::parse(Some(bad)), Err(ApiError::InvalidFields(bad.into())), "{bad}");
        }
    }
}
