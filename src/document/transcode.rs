//! Stored text straight to the wire, and stored text read only in part.
//!
//! A page's documents go from their stored Extended JSON to Rocket.Chat's JSON in one
//! pass, without a [`Value`] in between; a `query` parses only the top-level fields it
//! names. Both read text that [`Value::to_stored`] wrote.

use super::extjson::{object_or_wrapper, ExtJsonError};
use super::{Map, Value, Wire};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::io::Write;

/// Appends the stored document `text` to `out` as Rocket.Chat sends it, leaving out
/// its top-level fields named in `omit`: the same bytes as parsing it into a [`Value`],
/// removing those fields and serializing [`Wire`]. On error `out` may hold a part.
///
/// Text as `to_stored` writes it (compact, canonical numbers, strings and dates) is
/// copied span by span ([`Scan`]); anything else goes through serde, value by value.
pub fn stored_to_wire(text: &str, omit: &[&str], out: &mut Vec<u8>) -> Result<(), ExtJsonError> {
    let start = out.len();
    let mut scan = Scan { text: text.as_bytes(), at: 0, out };
    if scan.value(omit).is_some() && scan.at == text.len() {
        return Ok(());
    }
    out.truncate(start);
    let mut reader = serde_json::Deserializer::from_str(text);
    Copy { out, omit }.deserialize(&mut reader).and_then(|()| reader.end()).map_err(ExtJsonError::of)
}

/// Copies compact JSON as `to_stored` writes it, unwrapping its Extended JSON
/// wrappers as the wire writes them. Its strings and numbers are already as the wire
/// would write them (both are serde_json's), so they are copied as they are. `None`:
/// not such text (the caller falls back to a full parse).
struct Scan<'t, 'o> {
    text: &'t [u8],
    at: usize,
    out: &'o mut Vec<u8>,
}

impl<'t> Scan<'t, '_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    fn value(&mut self, omit: &[&str]) -> Option<()> {
        match self.peek()? {
            b'{' if self.text.get(self.at + 1..self.at + 3) == Some(&b"\"$"[..]) => self.wrapper(),
            b'{' => self.object(omit),
            b'[' => self.array(),
            b'"' => {
                let span = self.string()?;
                self.out.extend_from_slice(span);
                Some(())
            }
            _ => {
                let start = self.at;
                while self.peek().is_some_and(|b| !matches!(b, b',' | b'}' | b']')) {
                    self.at += 1;
                }
                let scalar = &self.text[start..self.at];
                let plain = matches!(scalar, b"null" | b"true" | b"false") || is_number(scalar);
                plain.then(|| self.out.extend_from_slice(scalar))
            }
        }
    }

    /// Steps over one value: copied as any other, then taken back.
    fn skip_value(&mut self) -> Option<()> {
        let mark = self.out.len();
        self.value(&[])?;
        self.out.truncate(mark);
        Some(())
    }

    /// A string's bytes, quotes included; escapes are left as they are.
    fn string(&mut self) -> Option<&'t [u8]> {
        let start = self.at;
        self.expect(b'"')?;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\\' => self.at += 2,
                _ => self.at += 1,
            }
        }
        self.at += 1;
        let text: &'t [u8] = self.text;
        Some(&text[start..self.at])
    }

    fn object(&mut self, omit: &[&str]) -> Option<()> {
        self.expect(b'{')?;
        self.out.push(b'{');
        let mut written = 0;
        while self.peek()? != b'}' {
            let key = self.string()?;
            let omitted =
                omit.iter().any(|f| key.len() == f.len() + 2 && &key[1..key.len() - 1] == f.as_bytes());
            self.expect(b':')?;
            if omitted {
                self.skip_value()?;
            } else {
                if written > 0 {
                    self.out.push(b',');
                }
                self.out.extend_from_slice(key);
                self.out.push(b':');
                self.value(&[])?;
                written += 1;
            }
            if self.peek()? == b',' {
                self.at += 1;
            }
        }
        self.at += 1;
        self.out.push(b'}');
        Some(())
    }

    fn array(&mut self) -> Option<()> {
        self.expect(b'[')?;
        self.out.push(b'[');
        let mut first = true;
        while self.peek()? != b']' {
            if !first {
                self.out.push(b',');
            }
            first = false;
            self.value(&[])?;
            if self.peek()? == b',' {
                self.at += 1;
            }
        }
        self.at += 1;
        self.out.push(b']');
        Some(())
    }

    /// The one-key wrappers `to_stored` writes; any other `$` object is left to serde.
    fn wrapper(&mut self) -> Option<()> {
        self.expect(b'{')?;
        let key = self.string()?;
        self.expect(b':')?;
        match key {
            b"\"$date\"" if self.peek()? == b'"' => {
                let iso = self.string()?;
                canonical_date(&iso[1..iso.len() - 1])?;
                self.out.extend_from_slice(iso);
            }
            b"\"$date\"" => {
                self.expect(b'{')?;
                let millis = self.long()?;
                self.expect(b'}')?;
                match super::format_date(millis) {
                    Some(iso) => {
                        self.out.push(b'"');
                        self.out.extend_from_slice(iso.as_bytes());
                        self.out.push(b'"');
                    }
                    None => self.out.extend_from_slice(b"null"),
                }
            }
            b"\"$numberLong\"" => {
                let long = self.long_value()?;
                write!(self.out, "{long}").ok()?;
            }
            // Only infinities and NaN are stored so; the wire has no such numbers.
            b"\"$numberDouble\"" => {
                let text = self.string()?;
                matches!(text, b"\"Infinity\"" | b"\"-Infinity\"" | b"\"NaN\"").then_some(())?;
                self.out.extend_from_slice(b"null");
            }
            _ => return None,
        }
        self.expect(b'}')
    }

    /// `"$numberLong":"<digits>"` inside an object already opened.
    fn long(&mut self) -> Option<i64> {
        (self.string()? == b"\"$numberLong\"").then_some(())?;
        self.expect(b':')?;
        self.long_value()
    }

    /// `"<digits>"`, an i64 in a string.
    fn long_value(&mut self) -> Option<i64> {
        let quoted = self.string()?;
        std::str::from_utf8(&quoted[1..quoted.len() - 1]).ok()?.parse().ok()
    }
}

/// A JSON number as serde_json writes one.
fn is_number(text: &[u8]) -> bool {
    !text.is_empty() && text.iter().all(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` naming a real instant: the form `format_date` writes,
/// so the wire would write it back unchanged.
fn canonical_date(iso: &[u8]) -> Option<()> {
    let shape = b"0000-00-00T00:00:00.000Z";
    let fits = iso.len() == shape.len()
        && iso.iter().zip(shape).all(|(c, s)| if *s == b'0' { c.is_ascii_digit() } else { c == s });
    if !fits {
        return None;
    }
    let number =
        |from: usize, to: usize| iso[from..to].iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    let date = chrono::NaiveDate::from_ymd_opt(number(0, 4) as i32, number(5, 7), number(8, 10));
    (date.is_some() && number(11, 13) < 24 && number(14, 16) < 60 && number(17, 19) < 60).then_some(())
}

/// Parses only the top-level fields of `text` named in `fields`; the others are
/// skipped without being built. A document is an object, so the result is one.
///
/// Stored text is walked member by member and only the named members' values are
/// parsed; the others (a script of kilobytes, say) are stepped over as bytes.
pub fn stored_fields(text: &str, fields: &[String]) -> Result<Value, ExtJsonError> {
    if let Some(value) = named_members(text, fields) {
        return Ok(value);
    }
    let mut reader = serde_json::Deserializer::from_str(text);
    let value = reader.deserialize_map(Fields(fields)).map_err(ExtJsonError::of)?;
    reader.end().map_err(ExtJsonError::of)?;
    Ok(value)
}

/// The named top-level members of compact stored text, each parsed on its own; `None`
/// when the text is not such (a key with escapes, a malformed member), for serde to read.
fn named_members(text: &str, fields: &[String]) -> Option<Value> {
    let mut scan = Scan { text: text.as_bytes(), at: 0, out: &mut Vec::new() };
    let mut map = Map::new();
    scan.expect(b'{')?;
    while scan.peek()? != b'}' {
        let key = scan.string()?;
        let name = std::str::from_utf8(&key[1..key.len() - 1]).ok().filter(|k| !k.contains('\\'))?;
        scan.expect(b':')?;
        let start = scan.at;
        scan.skip_value()?;
        if fields.iter().any(|f| f == name) {
            let value =
                Value::from_extended_json_str(std::str::from_utf8(&scan.text[start..scan.at]).ok()?).ok()?;
            map.insert(name.to_owned(), value);
        }
        if scan.peek()? == b',' {
            scan.at += 1;
        }
    }
    scan.expect(b'}')?;
    (scan.at == text.len()).then_some(Value::Object(map))
}

/// Copies one value to `out`; `omit` applies to the fields of the top-level object only.
struct Copy<'o> {
    out: &'o mut Vec<u8>,
    omit: &'o [&'o str],
}

impl<'de> DeserializeSeed<'de> for Copy<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl Copy<'_> {
    fn json<E: de::Error>(&mut self, value: &impl serde::Serialize) -> Result<(), E> {
        serde_json::to_writer(&mut *self.out, value).map_err(E::custom)
    }

    fn nested(&mut self) -> Copy<'_> {
        Copy { out: self.out, omit: &[] }
    }
}

impl<'de> Visitor<'de> for Copy<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a stored document")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<(), E> {
        self.out.extend_from_slice(if b { b"true" } else { b"false" });
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, i: i64) -> Result<(), E> {
        write!(self.out, "{i}").map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(mut self, u: u64) -> Result<(), E> {
        // As the document model reads it: past i64, a double.
        match i64::try_from(u) {
            Ok(i) => self.visit_i64(i),
            Err(_) => self.json(&(u as f64)),
        }
    }
    fn visit_f64<E: de::Error>(mut self, f: f64) -> Result<(), E> {
        self.json(&Wire(&Value::Double(f)))
    }
    fn visit_str<E: de::Error>(mut self, s: &str) -> Result<(), E> {
        self.json(&s)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        self.out.push(b'[');
        let mut first = true;
        loop {
            let at = self.out.len();
            if !first {
                self.out.push(b',');
            }
            if seq.next_element_seed(self.nested())?.is_none() {
                self.out.truncate(at);
                break;
            }
            first = false;
        }
        self.out.push(b']');
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut access: A) -> Result<(), A::Error> {
        let Some(first) = access.next_key::<Key>()? else {
            self.out.extend_from_slice(b"{}");
            return Ok(());
        };
        if first.0.starts_with('$') {
            return self.wrapper_or_odd_object(first.0.into_owned(), access);
        }
        self.out.push(b'{');
        let mut written = 0;
        let mut key = Some(first);
        while let Some(Key(name)) = key {
            if self.omit.contains(&name.as_ref()) {
                access.next_value::<IgnoredAny>()?;
            } else {
                if written > 0 {
                    self.out.push(b',');
                }
                self.json(&name)?;
                self.out.push(b':');
                access.next_value_seed(self.nested())?;
                written += 1;
            }
            key = access.next_key()?;
        }
        self.out.push(b'}');
        Ok(())
    }
}

impl Copy<'_> {
    /// An object whose first key starts with `$`: read whole, as the document model
    /// reads it (`{"$date": …}` is a date), then written as the wire writes it.
    fn wrapper_or_odd_object<'de, A: MapAccess<'de>>(
        mut self,
        first: String,
        mut access: A,
    ) -> Result<(), A::Error> {
        let mut map = Map::new();
        map.insert(first, access.next_value()?);
        while let Some(key) = access.next_key::<String>()? {
            let value = access.next_value()?;
            map.insert(key, value);
        }
        let mut value = object_or_wrapper(map).map_err(de::Error::custom)?;
        if let Value::Object(map) = &mut value {
            for field in self.omit {
                map.shift_remove(*field);
            }
        }
        self.json(&Wire(&value))
    }
}

/// An object key, borrowed from the text when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// Reads the top-level object, keeping only the named fields.
struct Fields<'f>(&'f [String]);

impl<'de> Visitor<'de> for Fields<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a stored document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(Key(name)) = access.next_key()? {
            if self.0.iter().any(|f| *f == name) {
                let value = access.next_value()?;
                map.insert(name.into_owned(), value);
            } else {
                access.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// What the page wrote before: parse, drop the omitted fields, serialize.
    fn by_value(text: &str, omit: &[&str]) -> String {
        let mut value = Value::from_extended_json_str(text).unwrap();
        if let Value::Object(map) = &mut value {
            for field in omit {
                map.shift_remove(*field);
            }
        }
        serde_json::to_string(&Wire(&value)).unwrap()
    }

    fn copied(text: &str, omit: &[&str]) -> String {
        let mut out = Vec::new();
        stored_to_wire(text, omit, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_stored_form_copies_as_the_wire_writes_it() {
        let doc = Value::from_extended_json(json!({
            "_id": "x", "members": ["a"], "d": {"$date": 1483635965660_i64},
            "far": {"$date": {"$numberLong": "-99999999999999"}}, "big": {"$numberLong": "9007199254740993"},
            "inf": {"$numberDouble": "-Infinity"}, "f": 1.5, "whole": 2.0, "u": 18446744073709551615_u64,
            "s": "quote \" and \u{1F600} and \u{7}", "n": null, "e": {}, "a": [[], [1, {"$date": 0}], {}],
            "odd": {"$date": 1, "other": 2}, "$weird": {"k\"ey": true}
        }))
        .unwrap();
        let text = doc.to_stored();
        for omit in [&[][..], &["members", "e2e"][..]] {
            assert_eq!(copied(&text, omit), by_value(&text, omit), "omitting {omit:?}");
        }
        // Stored text is copied span by span, without serde; an unknown wrapper is not.
        let scans =
            |text: &str| Scan { text: text.as_bytes(), at: 0, out: &mut Vec::new() }.value(&[]).is_some();
        let mut plain = doc.clone();
        if let Value::Object(map) = &mut plain {
            map.shift_remove("odd");
        }
        assert!(scans(&plain.to_stored()) && !scans(&text), "{text}");
        // Text the scanner does not take (spaces, other wrappers) goes through serde alike.
        for odd in
            [r#"{ "a" : [ 1 , {"$numberInt":"3"} ] , "members": 2 }"#, r#"{"d":{"$numberDouble":"1.5"}}"#]
        {
            assert_eq!(copied(odd, &["members"]), by_value(odd, &["members"]), "{odd}");
        }
        let mut out = Vec::new();
        assert!(stored_to_wire(r#"{"a":{"$date":"yesterday"}}"#, &[], &mut out).is_err());
        assert!(stored_to_wire(r#"{"a":1} trailing"#, &[], &mut Vec::new()).is_err());
    }

    #[test]
    fn only_the_named_fields_are_read_stored_text_or_not() {
        let doc = Value::from_extended_json(json!({
            "_id": "x", "script": "a \"quoted\" [brace} text", "tags": [{"a": {"$date": 0}}, [1, {}]],
            "type": "t", "n": -1.5e-7, "o": {"k": {"$numberLong": "9007199254740993"}}, "z": null
        }))
        .unwrap();
        let text = doc.to_stored();
        let fields = ["tags".to_owned(), "o".to_owned(), "n".to_owned(), "absent".to_owned()];
        let Value::Object(all) = &doc else { unreachable!() };
        let expected: Map =
            all.iter().filter(|(k, _)| fields.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(named_members(&text, &fields), Some(Value::Object(expected.clone())));
        assert_eq!(stored_fields(&text, &fields).unwrap(), Value::Object(expected));
        // Not compact stored text: serde reads it, to the same effect.
        assert_eq!(named_members(r#"{ "type" : "t" }"#, &fields), None);
    }

    #[test]
    fn only_the_named_fields_are_read() {
        let text = r#"{"_id":"x","type":"t","script":"long","tags":[{"a":{"$date":0}}],"type2":1}"#;
        let fields = ["type".to_owned(), "tags".to_owned()];
        let value = stored_fields(text, &fields).unwrap();
        let expected =
            Value::from_extended_json(json!({"type": "t", "tags": [{"a": {"$date": 0}}]})).unwrap();
        assert_eq!(value, expected);
    }

    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::Int),
            any::<f64>().prop_map(Value::Double),
            "[a-z\"\\\\\u{e9}\u{1}]{0,6}".prop_map(Value::String),
            any::<i64>().prop_map(Value::Date),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("[a-z$]{1,3}", inner), 0..4)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Whatever the stored document, copying it is serializing its value.
        #[test]
        fn copying_is_serializing_the_parsed_value(
            entries in prop::collection::vec(("[a-z]{1,3}", any_value()), 0..6)
        ) {
            let text = Value::Object(entries.into_iter().collect()).to_stored();
            prop_assume!(Value::from_extended_json_str(&text).is_ok());
            prop_assert_eq!(copied(&text, &["a"]), by_value(&text, &["a"]));
        }
    }
}
