//! One attribute of an item, read from DynamoDB's JSON (`{"S": "…"}`, `{"N": "…"}`) or
//! from the SDK's [`AttributeValue`] into just what a read keeps of it.
//!
//! A large room's listing decodes thousands of heads per request: a head's type and
//! creation date are read from the answer's text as they stand (no string is copied
//! for them), and only what is kept (an id, a creator, a document) is allocated.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;

/// What a read keeps of an attribute, by its DynamoDB type: `None` for a type it does
/// not read (the attribute then counts as absent).
pub trait FromAttribute: Sized {
    fn from_s(text: &str) -> Option<Self>;

    /// A string the SDK already allocated: taken, where `Self` keeps the text whole.
    fn from_s_owned(text: String) -> Option<Self> {
        Self::from_s(&text)
    }

    fn from_n(_digits: &str) -> Option<Self> {
        None
    }
}

impl FromAttribute for String {
    fn from_s(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }

    fn from_s_owned(text: String) -> Option<Self> {
        Some(text)
    }
}

/// An attribute read as `T`; `None` when it is of a type `T` does not read.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute<T>(pub Option<T>);

impl<T: FromAttribute> From<AttributeValue> for Attribute<T> {
    fn from(value: AttributeValue) -> Self {
        Attribute(match value {
            AttributeValue::S(text) => T::from_s_owned(text),
            AttributeValue::N(digits) => T::from_n(&digits),
            _ => None,
        })
    }
}

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
    fn an_attribute_reads_the_same_from_the_wire_and_from_the_sdk() {
        let cases: [(&str, AttributeValue, Option<String>); 4] = [
            (r#"{"S":"a\"b"}"#, AttributeValue::S("a\"b".into()), Some("a\"b".into())),
            (r#"{"S":"plain"}"#, AttributeValue::S("plain".into()), Some("plain".into())),
            (r#"{"N":"5"}"#, AttributeValue::N("5".into()), None),
            (r#"{"BOOL":true}"#, AttributeValue::Bool(true), None),
        ];
        for (wire, sdk, expected) in cases {
            let read: Attribute<String> = serde_json::from_str(wire).unwrap();
            assert_eq!(read, Attribute(expected.clone()), "{wire}");
            assert_eq!(Attribute::<String>::from(sdk), Attribute(expected), "{wire}");
        }
        let digits: Attribute<Digits> = serde_json::from_str(r#"{"N":"42"}"#).unwrap();
        assert_eq!(digits, Attribute(Some(Digits(42))));
        let text: Attribute<Digits> = serde_json::from_str(r#"{"S":"42"}"#).unwrap();
        assert_eq!(text, Attribute(None));
        assert!(serde_json::from_str::<Attribute<String>>(r#""S""#).is_err(), "not an attribute");
    }
}
