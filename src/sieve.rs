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

use crate::document::{add_top_level, stored_fields, Value};
use crate::model::{Body, Integration};
use crate::params::Sort;
use crate::query::Filter;
use crate::select::sorts_on_heads;
use std::sync::atomic::{AtomicUsize, Ordering};
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
        Sieve { filter, parsed, sort_fields, most: documents_held, held: AtomicUsize::new(0) }
    }

    /// The bytes of whole documents the request holds at most.
    pub fn documents_held(&self) -> usize {
        self.most
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
        let body = Body::Sifted { target: target.clone(), kept };
        Some(Integration { body, ..integration })
    }
}

/// What a sifted integration kept, for the sort; `None` for any other body.
pub fn kept(integration: &Integration) -> Option<&Value> {
    match &integration.body {
        Body::Sifted { kept, .. } => Some(kept),
        _ => None,
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
        let first = integration("a", "keep-a", "x");
        let size = first.stored().unwrap().len();
        let sieve = Sieve::new(Some(filter), &by_name(), size);
        assert_eq!(sieve.sift(integration("z", "drop", "x"), &target), None);
        // The first fits in the share; the second no longer does.
        assert_eq!(sieve.sift(first.clone(), &target), Some(first));
        let second = sieve.sift(integration("b", "keep-b", &"y".repeat(100)), &target).unwrap();
        assert_eq!(kept(&second), Some(&Value::from_extended_json_str(r#"{"name":"keep-b"}"#).unwrap()));
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
        let sifted = sieve.sift(integration("a", "a", "x"), &target).unwrap();
        assert_eq!(kept(&sifted), Some(&Value::from_extended_json_str("{}").unwrap()));
    }
}
