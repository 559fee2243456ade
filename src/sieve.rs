//! The sieve: a large listing thinned as it is read, so that what a request holds is
//! bounded by bytes, not by the room's size.
//!
//! A listing that needs documents (a `query`, a sort on a field heads lack, a large
//! page) reads them as they come, partition page by partition page or round by
//! round. Each document passes the sieve once, as it arrives: one the request's
//! filter refuses is dropped there and then; one it admits is held whole while the
//! request holds fewer than [`Sieve::documents_held`] bytes of documents, and past
//! that keeps only its head and the top-level fields its sort needs
//! ([`Body::Sifted`]): its document is read again by key if it lands on the page.
//!
//! What those sort fields hold is bounded too, by the same figure: a sort on a large
//! field (`script`) of a room whose values pass it cannot be held, and the request
//! stops reading there and is the 503 of a request past its budget
//! ([`Sieve::overflowed`]), rather than one that grows with the room.

use crate::document::{add_top_level, stored_fields, Value};
use crate::model::{Body, Integration};
use crate::params::Sort;
use crate::query::Filter;
use crate::select::sorts_on_heads;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// One request's sieve, shared by the partitions it reads (at once, hence atomic).
#[derive(Debug)]
pub struct Sieve {
    filter: Option<Filter>,
    /// The top-level fields the filter and the sort look at: what is parsed.
    parsed: Vec<String>,
    /// The top-level fields the sort needs beyond heads: what a sifted one keeps.
    sort_fields: Vec<String>,
    most: usize,
    held: AtomicUsize,
    /// The weight ([`weight`]) of the sort fields sifted ones keep, at most `most`.
    kept: AtomicUsize,
    overflowed: AtomicBool,
}

/// Sieves are compared by identity: one per request.
impl PartialEq for Sieve {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Sieve {
    /// The sieve of a listing filtered by `filter` and sorted by `sort` that holds at
    /// most `documents_held` bytes of whole documents.
    pub fn new(filter: Option<Filter>, sort: &Sort, documents_held: usize) -> Sieve {
        let mut sort_fields = Vec::new();
        if !sorts_on_heads(sort) {
            sort.0.iter().for_each(|(path, _)| add_top_level(&mut sort_fields, path));
        }
        let mut parsed = filter.as_ref().map(Filter::top_level_fields).unwrap_or_default();
        sort_fields.iter().for_each(|field| add_top_level(&mut parsed, field));
        let (held, kept, overflowed) = (AtomicUsize::new(0), AtomicUsize::new(0), AtomicBool::new(false));
        Sieve { filter, parsed, sort_fields, most: documents_held, held, kept, overflowed }
    }

    /// The bytes of whole documents the request holds at most.
    pub fn documents_held(&self) -> usize {
        self.most
    }

    /// Whether the sort fields of the admitted ones passed [`Sieve::documents_held`]:
    /// the request cannot be answered within its bounds (and need read no further).
    pub fn overflowed(&self) -> bool {
        self.overflowed.load(Ordering::Relaxed)
    }

    /// `integration` as the request keeps it, read from partition `target`: `None` when
    /// the filter refuses it (or its document cannot be read), whole while the request
    /// holds fewer than [`Sieve::documents_held`] bytes, [`Body::Sifted`] past them.
    /// One whose document has not been read passes as it is.
    pub fn sift(&self, integration: Integration, target: &Arc<str>) -> Option<Integration> {
        let Body::Stored(text) = &integration.body else { return Some(integration) };
        let mut parsed = None;
        if let Some(filter) = &self.filter {
            match stored_fields(text, &self.parsed) {
                Ok(doc) if filter.matches(&doc) => parsed = Some(doc),
                Ok(_) => return None,
                Err(_) => {
                    tracing::error!(id = integration.id, "integration without a readable document skipped");
                    return None;
                }
            }
        }
        let size = text.len();
        if self.held.fetch_add(size, Ordering::Relaxed) + size <= self.most {
            return Some(integration);
        }
        self.held.fetch_sub(size, Ordering::Relaxed);
        let kept = match parsed {
            Some(doc) if self.parsed == self.sort_fields => doc,
            _ => stored_fields(text, &self.sort_fields).ok()?,
        };
        // A sort on heads keeps nothing more than the head.
        let size = if self.sort_fields.is_empty() { 0 } else { weight(&kept) };
        if self.kept.fetch_add(size, Ordering::Relaxed) + size > self.most {
            self.overflowed.store(true, Ordering::Relaxed);
            return None;
        }
        let body = Body::Sifted { target: target.clone(), kept: Box::new(kept) };
        Some(Integration { body, ..integration })
    }
}

/// What a sifted integration kept, for the sort, taken out of it (its document is
/// read again by key, so the sort fields are not needed twice); `None` for any other
/// body.
pub fn take_kept(integration: &mut Integration) -> Option<Value> {
    match &mut integration.body {
        Body::Sifted { kept, .. } => Some(std::mem::replace(&mut **kept, Value::Null)),
        _ => None,
    }
}

/// About what a parsed value holds in memory: its strings' bytes and a word or so of
/// bookkeeping per node (what an allocation and a map entry cost, roughly).
pub fn weight(value: &Value) -> usize {
    const NODE: usize = 32;
    NODE + match value {
        Value::String(text) => text.len(),
        Value::Array(items) => items.iter().map(weight).sum(),
        Value::Object(map) => map.iter().map(|(key, value)| key.len() + weight(value)).sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Direction;

    fn integration(id: &str, name: &str, script: &str) -> Integration {
        let text =
            format!(r#"{{"_id":"{id}","name":"{name}","type":"webhook-incoming","script":"{script}"}}"#);
        let doc = Value::from_extended_json_str(&text).unwrap();
        Integration::of_document(id.to_owned(), &doc)
    }

    fn by_name() -> Sort {
        Sort(vec![("name".to_owned(), Direction::Ascending)])
    }

    #[test]
    fn refused_ones_are_dropped_and_past_the_share_only_the_sort_fields_stay() {
        let target: Arc<str> = Arc::from("r");
        let filter = Filter::parse(r#"{"name":{"$regex":"^keep"}}"#).unwrap();
        let first = integration("a", "keep-a", &"x".repeat(200));
        let size = first.stored().unwrap().len();
        let sieve = Sieve::new(Some(filter), &by_name(), size);
        assert_eq!(sieve.sift(integration("z", "drop", "x"), &target), None);
        // The first fits in the share; the second no longer does.
        assert_eq!(sieve.sift(first.clone(), &target), Some(first));
        let mut second = sieve.sift(integration("b", "keep-b", &"y".repeat(100)), &target).unwrap();
        let name = Value::from_extended_json_str(r#"{"name":"keep-b"}"#).unwrap();
        assert_eq!(take_kept(&mut second), Some(name));
        assert!(second.stored().is_none());
        // One whose document was not read passes as it is.
        let unread =
            Integration { body: Body::Unread { target: target.clone() }, ..integration("c", "c", "") };
        assert_eq!(sieve.sift(unread.clone(), &target), Some(unread));
    }

    #[test]
    fn without_a_filter_every_one_is_kept() {
        let target: Arc<str> = Arc::from("r");
        let on_heads = Sort(vec![("_createdAt".to_owned(), Direction::Ascending)]);
        let sieve = Sieve::new(None, &on_heads, 0);
        let mut sifted = sieve.sift(integration("a", "a", "x"), &target).unwrap();
        assert_eq!(take_kept(&mut sifted), Some(Value::from_extended_json_str("{}").unwrap()));
        assert!(!sieve.overflowed());
    }

    #[test]
    fn sort_fields_past_the_bound_overflow_the_sieve() {
        let target: Arc<str> = Arc::from("r");
        let by_script = Sort(vec![("script".to_owned(), Direction::Ascending)]);
        let script = Value::from_extended_json_str(r#"{"script":"xxxxxxxxxx"}"#).unwrap();
        let most = 8 * weight(&script);
        let sieve = Sieve::new(None, &by_script, most);
        // The first are held whole; past them each keeps its script, until those pass.
        let (mut whole, mut kept_weight) = (0, 0);
        for n in 0.. {
            let next = integration(&format!("i{n}"), "n", "xxxxxxxxxx");
            match sieve.sift(next, &target) {
                Some(mut sifted) => match take_kept(&mut sifted) {
                    Some(kept) => {
                        assert_eq!(kept, script);
                        kept_weight += weight(&kept);
                    }
                    None => whole += 1,
                },
                None => break,
            }
            assert!(!sieve.overflowed());
        }
        assert!(whole > 0 && kept_weight > 0);
        assert!(kept_weight <= most && kept_weight + weight(&script) > most);
        assert!(sieve.overflowed());
    }
}
