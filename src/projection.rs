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
        match value {
            Value::Object(inner) => {
                out.insert(key, Value::Object(include(inner, &deeper)));
            }
            // Through an array, the projection applies to each sub-document in it.
            Value::Array(items) => {
                let kept = items
                    .into_iter()
                    .filter_map(|item| match item {
                        Value::Object(inner) => Some(Value::Object(include(inner, &deeper))),
                        _ => None,
                    })
                    .collect();
                out.insert(key, Value::Array(kept));
            }
            _ => {}
        }
    }
    out
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
        match value {
            Value::Object(inner) => *inner = exclude(std::mem::take(inner), &deeper),
            Value::Array(items) => {
                for item in items.iter_mut() {
                    if let Value::Object(inner) = item {
                        *inner = exclude(std::mem::take(inner), &deeper);
                    }
                }
            }
            _ => {}
        }
    }
    map
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
