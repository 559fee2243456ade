//! A Query's answer read straight from its JSON, past the SDK's decoder.
//!
//! The SDK decodes every item into a map of `AttributeValue`s, allocating and hashing
//! each attribute name, and the store then takes the map apart again: for a large
//! room's heads that was about half of a request's CPU (BENCHMARKS.md, "Big-room
//! CPU"). Here an interceptor diverts a successful answer's body before the SDK reads
//! it (the SDK then decodes an empty document: an output with nothing set), and the
//! store decodes the body itself, with serde, into the few typed attributes it reads.
//! An answer that is not a success (throttling, a missing table) is left to the SDK,
//! whose retries and error codes depend on it.

use super::items::{self, Item, ScalarItem};
use aws_sdk_dynamodb::config::interceptors::BeforeDeserializationInterceptorContextMut;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_types::body::SdkBody;
use bytes::Bytes;
use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};

/// The most reserved ahead for an answer, whatever its `Content-Length` says: a Query
/// answers at most 1 MB of items, which their JSON writes in a few MB.
const MOST_RESERVED: usize = 16 << 20;

/// Where one call's diverted body lands.
#[derive(Debug, Clone, Default)]
pub struct Slot(Arc<Mutex<Option<Vec<u8>>>>);

impl Slot {
    /// The interceptor to give the call (`.customize().interceptor(…)`).
    pub fn divert(&self) -> Divert {
        Divert(self.clone())
    }

    /// Reads the answer, once the call has succeeded: each item decoded as `R` and
    /// passed to `convert` as it is read, what it keeps pushed to `out` (no list of
    /// decoded items is ever held); then where the partition goes on and the cost.
    pub fn read_into<R: DeserializeOwned, T>(
        &self,
        convert: &mut impl FnMut(R) -> Option<T>,
        out: &mut Vec<T>,
    ) -> Result<AnswerTail, String> {
        let body = self.0.lock().map_err(|_| "a poisoned answer slot")?.take();
        let body = body.ok_or("no answer body was diverted")?;
        out.reserve(items_at_most(&body));
        let mut reader = serde_json::Deserializer::from_slice(&body);
        let seed = AnswerSeed { convert, out, item: PhantomData };
        let tail = seed.deserialize(&mut reader).and_then(|tail| reader.end().map(|()| tail));
        tail.map_err(|e| format!("an answer that is not a Query's: {e}"))
    }
}

/// About how many items an answer holds, at most, to size the list once: a large
/// room's heads would otherwise be copied as the list grows, onto fresh pages each
/// time. Every item a Query reads carries `_id` (the tables' key) and DynamoDB writes
/// it as the member `"_id":`; inside a document's text it is escaped (`\"_id\":`) and
/// never matches; the further page's key may add one.
fn items_at_most(body: &[u8]) -> usize {
    memchr::memmem::find_iter(body, br#""_id":"#).count()
}

/// What a Query's answer says beside its items.
#[derive(Debug, Default)]
pub struct AnswerTail {
    /// How many items it held (whatever `convert` kept of them).
    pub items: usize,
    /// The key a further page starts from; `None` at the partition's end.
    pub next: Option<Item>,
    /// The read units it consumed.
    pub units: f64,
}

/// The members of a Query's answer, as DynamoDB's JSON protocol names them.
#[derive(Deserialize)]
enum Member {
    Items,
    LastEvaluatedKey,
    ConsumedCapacity,
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct Consumed {
    #[serde(rename = "CapacityUnits", default)]
    units: Option<f64>,
}

/// The whole answer, its items converted one by one.
struct AnswerSeed<'a, R, T, F> {
    convert: &'a mut F,
    out: &'a mut Vec<T>,
    item: PhantomData<fn() -> R>,
}

impl<'de, R: Deserialize<'de>, T, F: FnMut(R) -> Option<T>> DeserializeSeed<'de> for AnswerSeed<'_, R, T, F> {
    type Value = AnswerTail;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<AnswerTail, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, R: Deserialize<'de>, T, F: FnMut(R) -> Option<T>> Visitor<'de> for AnswerSeed<'_, R, T, F> {
    type Value = AnswerTail;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Query's answer")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnswerTail, A::Error> {
        let AnswerSeed { convert, out, item } = self;
        let mut tail = AnswerTail::default();
        while let Some(member) = map.next_key::<Member>()? {
            match member {
                Member::Items => {
                    let items = ItemsSeed { convert: &mut *convert, out: &mut *out, item };
                    tail.items = map.next_value_seed(items)?;
                }
                Member::LastEvaluatedKey => {
                    let key = map.next_value::<Option<ScalarItem>>()?.filter(|key| !key.is_empty());
                    tail.next = key.map(items::item_of);
                }
                Member::ConsumedCapacity => {
                    let consumed = map.next_value::<Option<Consumed>>()?;
                    tail.units = consumed.and_then(|c| c.units).unwrap_or_default();
                }
                Member::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(tail)
    }
}

/// `Items`: each decoded, converted and dropped before the next is read.
struct ItemsSeed<'a, R, T, F> {
    convert: &'a mut F,
    out: &'a mut Vec<T>,
    item: PhantomData<fn() -> R>,
}

impl<'de, R: Deserialize<'de>, T, F: FnMut(R) -> Option<T>> DeserializeSeed<'de> for ItemsSeed<'_, R, T, F> {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, R: Deserialize<'de>, T, F: FnMut(R) -> Option<T>> Visitor<'de> for ItemsSeed<'_, R, T, F> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of items")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<usize, S::Error> {
        let mut read = 0;
        while let Some(item) = seq.next_element::<R>()? {
            read += 1;
            self.out.extend((self.convert)(item));
        }
        Ok(read)
    }
}

/// The interceptor: a 2xx answer's body goes to the slot, not to the SDK.
#[derive(Debug)]
pub struct Divert(Slot);

impl Intercept for Divert {
    fn name(&self) -> &'static str {
        "DivertQueryAnswer"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let response = context.response_mut();
        if response.status().is_success() {
            let inner = response.take_body();
            // One buffer of the answer's length: growing it would copy a large room's
            // heads several times over, onto fresh pages each time.
            let length = inner.content_length().and_then(|n| usize::try_from(n).ok()).unwrap_or_default();
            let read = Some(Vec::with_capacity(length.min(MOST_RESERVED)));
            let slot = self.0.clone();
            *response.body_mut() = SdkBody::from_body_1_x(Diverted { inner, read, slot });
        }
        Ok(())
    }
}

/// A body that reads `inner` to its end into the slot and yields nothing itself.
struct Diverted {
    inner: SdkBody,
    /// What was read so far; `None` once it went to the slot (the body may be polled
    /// again after its end, and must not deliver twice).
    read: Option<Vec<u8>>,
    slot: Slot,
}

impl http_body::Body for Diverted {
    type Data = Bytes;
    type Error = aws_smithy_types::body::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        let Some(read) = &mut this.read else { return Poll::Ready(None) };
        loop {
            match ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        read.extend_from_slice(data);
                    }
                }
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                None => {
                    if let Ok(mut slot) = this.slot.0.lock() {
                        *slot = this.read.take();
                    }
                    return Poll::Ready(None);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::items::{attr, IntegrationAttributes};
    use aws_sdk_dynamodb::types::AttributeValue;

    fn slot_with(body: &str) -> Slot {
        let slot = Slot::default();
        *slot.0.lock().unwrap() = Some(body.as_bytes().to_vec());
        slot
    }

    /// An answer as DynamoDB writes it, members in any order, with a document whose
    /// text names `_id` too: each item converted, the further key and the cost read.
    #[test]
    fn an_answer_is_read_item_by_item_with_its_key_and_cost() {
        let body = r#"{"Items":[
            {"_id":{"S":"a"},"ty":{"S":"o"},"by":{"S":"u"},"at":{"N":"5"}},
            {"_id":{"S":"b"},"doc":{"S":"{\"_id\":\"b\",\"type\":\"webhook-incoming\"}"}}],
            "Count":2,"ScannedCount":2,
            "LastEvaluatedKey":{"_id":{"S":"b"},"target":{"S":"r"}},
            "ConsumedCapacity":{"TableName":"t","CapacityUnits":1.5}}"#;
        assert_eq!(items_at_most(body.as_bytes()), 3, "two items and the key");
        let target: std::sync::Arc<str> = "r".into();
        let mut convert = |item: IntegrationAttributes| item.into_integration(&target).ok();
        let mut out = Vec::new();
        let tail = slot_with(body).read_into(&mut convert, &mut out).unwrap();
        assert_eq!(out.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(out[1].stored(), Some(r#"{"_id":"b","type":"webhook-incoming"}"#));
        assert_eq!((tail.items, tail.units), (2, 1.5));
        let next = tail.next.unwrap();
        assert_eq!(next.get(attr::ID), Some(&AttributeValue::S("b".into())));
        assert_eq!(next.get(attr::TARGET), Some(&AttributeValue::S("r".into())));
    }

    /// The last page: no key; an answer that is not a Query's is an error, not a panic.
    #[test]
    fn the_last_page_has_no_key_and_a_broken_answer_is_an_error() {
        let mut keep = |item: ScalarItem| Some(item);
        let mut out = Vec::new();
        let tail = slot_with(r#"{"Count":0,"Items":[]}"#).read_into(&mut keep, &mut out).unwrap();
        assert!(tail.next.is_none() && tail.items == 0 && out.is_empty());
        for broken in ["", "[]", r#"{"Items":{}}"#, r#"{"Items":[]} x"#] {
            assert!(slot_with(broken).read_into(&mut keep, &mut out).is_err(), "{broken:?}");
        }
        assert!(Slot::default().read_into(&mut keep, &mut out).is_err(), "nothing diverted");
    }
}
