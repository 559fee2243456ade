//! The document model: a Rocket.Chat (MongoDB) document with its BSON types kept.
//!
//! JSON alone cannot tell a date from a string or an `Int64` from a double, yet
//! MongoDB's ordering and Rocket.Chat's wire format both depend on it. Documents
//! are parsed once from MongoDB Extended JSON into [`Value`] and serialized either
//! for the wire ([`Wire`]) or for storage ([`Value::to_stored`]).

mod extjson;
mod order;
mod path;
mod transcode;

pub use extjson::{ExtJsonError, Wire};
pub use order::{compare, compare_same_type};
pub use path::{add_top_level, lookup, reach, Reached};
pub use transcode::{stored_fields, stored_to_wire};

use indexmap::IndexMap;

/// An ordered MongoDB object: Rocket.Chat clients see fields in stored order.
pub type Map = IndexMap<String, Value>;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Double(f64),
    String(String),
    /// Milliseconds since the Unix epoch, as BSON stores dates.
    Date(i64),
    Array(Vec<Value>),
    Object(Map),
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// A top-level field of an object (`None` for non-objects).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|m| m.get(key))
    }
}

/// A date as Rocket.Chat sends it: ISO-8601, UTC, milliseconds (`2017-01-05T17:06:05.660Z`).
pub fn format_date(millis: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// Parses an ISO-8601 date with an offset (`Z` or `+hh:mm`) into epoch milliseconds.
pub fn parse_date(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|d| d.timestamp_millis())
}
