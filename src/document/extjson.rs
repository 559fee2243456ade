//! MongoDB Extended JSON (relaxed and canonical) in, wire and storage JSON out.

use super::{format_date, parse_date, Map, Value};
use serde_json::Value as Json;

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct ExtJsonError(String);

impl Value {
    /// Reads MongoDB Extended JSON: `{"$date": …}`, `{"$numberLong": …}`,
    /// `{"$numberInt": …}`, `{"$numberDouble": …}`; any other object is a document.
    pub fn from_extended_json(json: Json) -> Result<Value, ExtJsonError> {
        Ok(match json {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(b),
            Json::Number(n) => number(&n),
            Json::String(s) => Value::String(s),
            Json::Array(items) => {
                Value::Array(items.into_iter().map(Value::from_extended_json).collect::<Result<_, _>>()?)
            }
            Json::Object(map) => {
                if map.len() == 1 {
                    let (key, inner) = map.iter().next().expect("one entry");
                    if let Some(value) = wrapper(key, inner)? {
                        return Ok(value);
                    }
                }
                let mut out = Map::with_capacity(map.len());
                for (key, value) in map {
                    out.insert(key, Value::from_extended_json(value)?);
                }
                Value::Object(out)
            }
        })
    }

    /// The document as Rocket.Chat sends it: dates as ISO strings, numbers plain.
    pub fn to_wire(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            Value::Double(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
            Value::String(s) => Json::String(s.clone()),
            Value::Date(ms) => format_date(*ms).map_or(Json::Null, Json::String),
            Value::Array(items) => Json::Array(items.iter().map(Value::to_wire).collect()),
            Value::Object(map) => Json::Object(map.iter().map(|(k, v)| (k.clone(), v.to_wire())).collect()),
        }
    }

    /// The lossless stored form: relaxed Extended JSON that reads back to the same value.
    pub fn to_stored(&self) -> Json {
        match self {
            Value::Int(i) if i.unsigned_abs() > MAX_SAFE_INTEGER => {
                wrap("$numberLong", Json::String(i.to_string()))
            }
            Value::Double(f) if !f.is_finite() => wrap("$numberDouble", Json::String(f.to_string())),
            Value::Date(ms) => match format_date(*ms) {
                Some(iso) => wrap("$date", Json::String(iso)),
                None => wrap("$date", wrap("$numberLong", Json::String(ms.to_string()))),
            },
            Value::Array(items) => Json::Array(items.iter().map(Value::to_stored).collect()),
            Value::Object(map) => Json::Object(map.iter().map(|(k, v)| (k.clone(), v.to_stored())).collect()),
            other => other.to_wire(),
        }
    }
}

/// Integers beyond 2^53 would lose digits in JavaScript-based tools; keep them tagged.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

fn wrap(key: &str, value: Json) -> Json {
    let mut map = serde_json::Map::with_capacity(1);
    map.insert(key.to_owned(), value);
    Json::Object(map)
}

fn number(n: &serde_json::Number) -> Value {
    match n.as_i64() {
        Some(i) => Value::Int(i),
        None => Value::Double(n.as_f64().unwrap_or(f64::NAN)),
    }
}

/// The value of a one-key Extended JSON wrapper, or `None` when `key` is not one.
fn wrapper(key: &str, inner: &Json) -> Result<Option<Value>, ExtJsonError> {
    let bad = |what: &str| Err(ExtJsonError(format!("invalid {key}: {what}")));
    Ok(Some(match key {
        "$date" => match inner {
            Json::String(s) => match parse_date(s) {
                Some(ms) => Value::Date(ms),
                None => return bad("expected an ISO-8601 date"),
            },
            Json::Number(n) => match n.as_i64() {
                Some(ms) => Value::Date(ms),
                None => return bad("expected integer milliseconds"),
            },
            Json::Object(o) if o.len() == 1 => match o.get("$numberLong").and_then(Json::as_str) {
                Some(s) => match s.parse() {
                    Ok(ms) => Value::Date(ms),
                    Err(_) => return bad("expected integer milliseconds"),
                },
                None => return bad("expected {\"$numberLong\": \"…\"}"),
            },
            _ => return bad("expected a string, a number or {\"$numberLong\": …}"),
        },
        "$numberLong" | "$numberInt" => match inner.as_str().map(str::parse::<i64>) {
            Some(Ok(i)) => Value::Int(i),
            _ => return bad("expected an integer in a string"),
        },
        "$numberDouble" => match inner.as_str().map(parse_double) {
            Some(Some(f)) => Value::Double(f),
            _ => return bad("expected a number in a string"),
        },
        _ => return Ok(None),
    }))
}

fn parse_double(text: &str) -> Option<f64> {
    match text {
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => text.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(j: Json) -> Value {
        Value::from_extended_json(j).unwrap()
    }

    #[test]
    fn dates_in_every_extended_json_form_are_the_same_date() {
        let iso = read(json!({"$date": "2017-01-05T17:06:05.660Z"}));
        let ms = read(json!({"$date": 1483635965660_i64}));
        let long = read(json!({"$date": {"$numberLong": "1483635965660"}}));
        assert_eq!(iso, Value::Date(1483635965660));
        assert_eq!(ms, iso);
        assert_eq!(long, iso);
        assert_eq!(iso.to_wire(), json!("2017-01-05T17:06:05.660Z"));
    }

    #[test]
    fn stored_form_reads_back_to_the_same_value() {
        let doc = read(json!({
            "b": 1, "a": [1.5, 2.0, {"$numberLong": "9007199254740993"}], "d": {"$date": 0},
            "n": null, "s": "x", "o": {"z": true, "y": []}
        }));
        let back = read(doc.to_stored());
        assert_eq!(back, doc);
        let keys: Vec<_> = back.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["b", "a", "d", "n", "s", "o"]);
    }

    #[test]
    fn malformed_wrappers_are_errors() {
        assert!(Value::from_extended_json(json!({"$date": "yesterday"})).is_err());
        assert!(Value::from_extended_json(json!({"$numberLong": 5})).is_err());
    }
}
