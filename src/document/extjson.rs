//! MongoDB Extended JSON in (one pass, straight from text or from a JSON value),
//! Rocket.Chat wire JSON and lossless stored JSON out (straight to text).

use super::{format_date, parse_date, Map, Value};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value as Json;
use std::fmt;

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct ExtJsonError(String);

impl ExtJsonError {
    pub(super) fn of(error: impl fmt::Display) -> Self {
        ExtJsonError(error.to_string())
    }
}

impl Value {
    /// Reads MongoDB Extended JSON: `{"$date": …}`, `{"$numberLong": …}`,
    /// `{"$numberInt": …}`, `{"$numberDouble": …}`; any other object is a document.
    pub fn from_extended_json(json: Json) -> Result<Value, ExtJsonError> {
        Value::deserialize(json).map_err(|e| ExtJsonError(e.to_string()))
    }

    /// The same, straight from text (how stored documents are read).
    pub fn from_extended_json_str(text: &str) -> Result<Value, ExtJsonError> {
        serde_json::from_str(text).map_err(|e| ExtJsonError(e.to_string()))
    }

    /// The document as Rocket.Chat sends it, as a JSON value (tests compare with it;
    /// responses serialize [`Wire`] straight to text).
    #[cfg(test)]
    pub fn to_wire(&self) -> Json {
        serde_json::to_value(Wire(self)).unwrap_or(Json::Null)
    }

    /// The lossless stored form: relaxed Extended JSON that reads back to the same value.
    pub fn to_stored(&self) -> String {
        serde_json::to_string(&Stored(self)).unwrap_or_default()
    }
}

/// Serializes a value as Rocket.Chat sends it, without building JSON in between.
pub struct Wire<'a>(pub &'a Value);

/// Serializes a value in its lossless stored form.
struct Stored<'a>(&'a Value);

/// Dates (epoch ms) from 0000-01-01 to 9999-12-31, the ones ISO-8601 can write.
const ISO_YEARS: std::ops::RangeInclusive<i64> = -62_167_219_200_000..=253_402_300_799_999;

/// Integers beyond 2^53 would lose digits in JavaScript-based tools; keep them tagged.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

impl Serialize for Wire<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Double(f) if f.is_finite() => s.serialize_f64(*f),
            Value::Double(_) => s.serialize_unit(),
            Value::String(text) => s.serialize_str(text),
            Value::Date(ms) => match format_date(*ms) {
                Some(iso) => s.serialize_str(&iso),
                None => s.serialize_unit(),
            },
            Value::Array(items) => collect_seq(s, items.iter().map(Wire)),
            Value::Object(map) => collect_map(s, map.iter().map(|(k, v)| (k, Wire(v)))),
        }
    }
}

impl Serialize for Stored<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Int(i) if i.unsigned_abs() > MAX_SAFE_INTEGER => tagged(s, "$numberLong", &i.to_string()),
            Value::Double(f) if !f.is_finite() => tagged(s, "$numberDouble", &double_text(*f)),
            // ISO-8601 only has room for years 0000 to 9999.
            Value::Date(ms) => match format_date(*ms).filter(|_| ISO_YEARS.contains(ms)) {
                Some(iso) => tagged(s, "$date", &iso),
                None => {
                    let mut map = s.serialize_map(Some(1))?;
                    map.serialize_entry("$date", &LongWrapper(*ms))?;
                    map.end()
                }
            },
            Value::Array(items) => collect_seq(s, items.iter().map(Stored)),
            Value::Object(map) => collect_map(s, map.iter().map(|(k, v)| (k, Stored(v)))),
            other => Wire(other).serialize(s),
        }
    }
}

struct LongWrapper(i64);

impl Serialize for LongWrapper {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        tagged(s, "$numberLong", &self.0.to_string())
    }
}

fn tagged<S: Serializer>(s: S, key: &str, text: &str) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(1))?;
    map.serialize_entry(key, text)?;
    map.end()
}

fn collect_seq<S: Serializer, T: Serialize>(
    s: S,
    items: impl ExactSizeIterator<Item = T>,
) -> Result<S::Ok, S::Error> {
    let mut seq = s.serialize_seq(Some(items.len()))?;
    for item in items {
        seq.serialize_element(&item)?;
    }
    seq.end()
}

fn collect_map<'a, S: Serializer, T: Serialize>(
    s: S,
    entries: impl ExactSizeIterator<Item = (&'a String, T)>,
) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(entries.len()))?;
    for (k, v) in entries {
        map.serialize_entry(k, &v)?;
    }
    map.end()
}

fn double_text(f: f64) -> String {
    match f {
        f if f.is_nan() => "NaN".into(),
        f if f > 0.0 => "Infinity".into(),
        _ => "-Infinity".into(),
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a MongoDB Extended JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int(i))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(i64::try_from(u).map_or(Value::Double(u as f64), Value::Int))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Double(f))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::with_capacity(access.size_hint().unwrap_or(0));
        while let Some(key) = access.next_key::<String>()? {
            let value = access.next_value()?;
            map.insert(key, value);
        }
        object_or_wrapper(map).map_err(de::Error::custom)
    }
}

/// A map as read: the value of a one-key Extended JSON wrapper (`{"$date": …}`), or
/// else a document.
pub(super) fn object_or_wrapper(map: Map) -> Result<Value, String> {
    if let Some((key, inner)) = map.first().filter(|_| map.len() == 1) {
        if let Some(value) = unwrap_wrapper(key, inner)? {
            return Ok(value);
        }
    }
    Ok(Value::Object(map))
}

/// The value of a one-key Extended JSON wrapper (its inner value already read),
/// or `None` when `key` is not a wrapper.
fn unwrap_wrapper(key: &str, inner: &Value) -> Result<Option<Value>, String> {
    let bad = |what: &str| Err(format!("invalid {key}: {what}"));
    Ok(Some(match (key, inner) {
        ("$date", Value::String(text)) => match parse_date(text) {
            Some(ms) => Value::Date(ms),
            None => return bad("expected an ISO-8601 date"),
        },
        // `{"$date": 5}` and `{"$date": {"$numberLong": "5"}}` (already an Int here).
        ("$date", Value::Int(ms)) => Value::Date(*ms),
        ("$date", _) => return bad("expected a string, integer milliseconds or {\"$numberLong\": …}"),
        ("$numberLong" | "$numberInt", Value::String(text)) => match text.parse() {
            Ok(i) => Value::Int(i),
            Err(_) => return bad("expected an integer in a string"),
        },
        ("$numberDouble", Value::String(text)) => match parse_double(text) {
            Some(f) => Value::Double(f),
            None => return bad("expected a number in a string"),
        },
        ("$numberLong" | "$numberInt" | "$numberDouble", _) => return bad("expected a string"),
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
            "far": {"$date": {"$numberLong": "-99999999999999"}}, "inf": {"$numberDouble": "-Infinity"},
            "n": null, "s": "x", "o": {"z": true, "y": []}
        }));
        let back = Value::from_extended_json_str(&doc.to_stored()).unwrap();
        assert_eq!(back, doc);
        let keys: Vec<_> = back.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["b", "a", "d", "far", "inf", "n", "s", "o"]);
    }

    #[test]
    fn text_and_json_value_read_the_same() {
        let text = r#"{"a":{"$date":"2017-01-05T17:06:05.660Z"},"b":[{"$numberInt":"3"}],"c":{"d":1}}"#;
        let from_value = read(serde_json::from_str(text).unwrap());
        assert_eq!(Value::from_extended_json_str(text).unwrap(), from_value);
    }

    #[test]
    fn malformed_wrappers_are_errors() {
        assert!(Value::from_extended_json(json!({"$date": "yesterday"})).is_err());
        assert!(Value::from_extended_json(json!({"$numberLong": 5})).is_err());
        assert!(Value::from_extended_json_str(r#"{"$date": true}"#).is_err());
    }
}
