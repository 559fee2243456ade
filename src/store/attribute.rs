//! One attribute of an item, read from DynamoDB's JSON (`{"S": "…"}`, `{"N": "…"}`,
//! `{"BOOL": …}`) into just what a read keeps of it.
//!
//! A large room's listing decodes thousands of heads per request: a head's type and
//! creation date are read from the answer's text as they stand (no string is copied
//! for them), and only what is kept (an id, a creator, a document) is allocated.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;

/// What a read keeps of an attribute, by its DynamoDB type: `None` for a type it does
/// not read (the attribute then counts as absent).
pub trait FromAttribute: Sized {
    fn from_s(text: &str) -> Option<Self>;

    fn from_n(_digits: &str) -> Option<Self> {
        None
    }

    fn from_bool(_: bool) -> Option<Self> {
        None
    }
}

impl FromAttribute for String {
    fn from_s(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }
}

/// An attribute read as `T`; `None` when it is of a type `T` does not read.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute<T>(pub Option<T>);

impl<'de, T: FromAttribute> Deserialize<'de> for Attribute<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(AttributeVisitor(PhantomData))
    }
}

/// DynamoDB's type descriptors that reads decode.
#[derive(Deserialize)]
enum Type {
    S,
    N,
    #[serde(rename = "BOOL")]
    Bool,
    #[serde(other)]
    Other,
}

struct AttributeVisitor<T>(PhantomData<fn() -> T>);

impl<'de, T: FromAttribute> Visitor<'de> for AttributeVisitor<T> {
    type Value = Attribute<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an attribute value such as {\"S\": \"…\"}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Attribute<T>, A::Error> {
        let mut read = None;
        while let Some(kind) = map.next_key::<Type>()? {
            match kind {
                Type::S => read = map.next_value_seed(Text(T::from_s))?,
                Type::N => read = map.next_value_seed(Text(T::from_n))?,
                Type::Bool => read = T::from_bool(map.next_value()?),
                Type::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Attribute(read))
    }
}

/// A descriptor's text, handed to `T` as it stands in the answer (serde_json reading
/// from a slice lends it, unescaped in a scratch buffer where it has escapes).
struct Text<T>(fn(&str) -> Option<T>);

impl<'de, T> DeserializeSeed<'de> for Text<T> {
    type Value = Option<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<T> Visitor<'_> for Text<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Option<T>, E> {
        Ok((self.0)(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Digits(u32);

    impl FromAttribute for Digits {
        fn from_s(_: &str) -> Option<Self> {
            None
        }

        fn from_n(digits: &str) -> Option<Self> {
            digits.parse().ok().map(Digits)
        }
    }

    #[test]
    fn an_attribute_is_read_by_its_type_and_counts_as_absent_when_of_another() {
        let strings: [(&str, Option<&str>); 4] = [
            (r#"{"S":"a\"b"}"#, Some("a\"b")),
            (r#"{"S":"plain"}"#, Some("plain")),
            (r#"{"N":"5"}"#, None),
            (r#"{"BOOL":true}"#, None),
        ];
        for (wire, expected) in strings {
            let read: Attribute<String> = serde_json::from_str(wire).unwrap();
            assert_eq!(read, Attribute(expected.map(str::to_owned)), "{wire}");
        }
        let digits: Attribute<Digits> = serde_json::from_str(r#"{"N":"42"}"#).unwrap();
        assert_eq!(digits, Attribute(Some(Digits(42))));
        let text: Attribute<Digits> = serde_json::from_str(r#"{"S":"42"}"#).unwrap();
        assert_eq!(text, Attribute(None));
        let list: Attribute<Digits> = serde_json::from_str(r#"{"L":[{"N":"1"}]}"#).unwrap();
        assert_eq!(list, Attribute(None), "a type no read decodes");
        assert!(serde_json::from_str::<Attribute<String>>(r#""S""#).is_err(), "not an attribute");
    }
}
