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

use super::items::{Item, Scalar};
use aws_sdk_dynamodb::config::interceptors::BeforeDeserializationInterceptorContextMut;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_types::body::SdkBody;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};

/// Where one call's diverted body lands.
#[derive(Debug, Clone, Default)]
pub struct Slot(Arc<Mutex<Option<Vec<u8>>>>);

impl Slot {
    /// The interceptor to give the call (`.customize().interceptor(…)`).
    pub fn divert(&self) -> Divert {
        Divert(self.clone())
    }

    /// The answer, once the call has succeeded: its items as `R`, where it goes on,
    /// and what it cost.
    pub fn answer<R: DeserializeOwned>(&self) -> Result<QueryAnswer<R>, String> {
        let body = self.0.lock().map_err(|_| "a poisoned answer slot")?.take();
        let body = body.ok_or("no answer body was diverted")?;
        serde_json::from_slice(&body).map_err(|e| format!("an answer that is not a Query's: {e}"))
    }
}

/// A Query's answer, as DynamoDB's JSON protocol writes it.
#[derive(Debug, Deserialize)]
pub struct QueryAnswer<R> {
    #[serde(rename = "Items", default = "Vec::new")]
    pub items: Vec<R>,
    #[serde(rename = "LastEvaluatedKey", default)]
    last_evaluated_key: Option<HashMap<String, Scalar>>,
    #[serde(rename = "ConsumedCapacity", default)]
    consumed: Option<Consumed>,
}

#[derive(Debug, Deserialize)]
struct Consumed {
    #[serde(rename = "CapacityUnits", default)]
    units: Option<f64>,
}

impl<R> QueryAnswer<R> {
    /// The key a further page starts from; `None` at the partition's end.
    pub fn last_evaluated_key(&mut self) -> Option<Item> {
        let key = self.last_evaluated_key.take().filter(|key| !key.is_empty())?;
        key.into_iter().map(|(name, value)| Some((name, value.into_attribute()?))).collect()
    }

    /// The read units the answer says it consumed.
    pub fn units(&self) -> f64 {
        self.consumed.as_ref().and_then(|c| c.units).unwrap_or_default()
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
            let slot = self.0.clone();
            *response.body_mut() = SdkBody::from_body_1_x(Diverted { inner, read: Some(Vec::new()), slot });
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
