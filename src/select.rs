//! Selection: the room's integrations the caller may see, in the requested order.

use crate::access::Visibility;
use crate::document::{compare, reach, Value};
use crate::error::ApiError;
use crate::model::Integration;
use crate::params::{Direction, Sort};
use crate::query::Filter;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// The CPU time one request may spend selecting (filter, sort keys, sort) before it
/// gives up with the 503 `ApiError::Unavailable`. The work is linear in the room's
/// integrations and every regex is compiled once, so a real request stays far below it.
pub const SELECT_BUDGET: Duration = Duration::from_millis(1000);

/// The deadline is looked at once every this many integrations (and around the sort).
const CHECK_EVERY: usize = 16;

/// Visible integrations that match the caller's filter, each once (an integration
/// may reach the room through more than one target), sorted by `sort` then `_id`.
/// The filter is an extra condition: it can only remove items visibility allows.
/// Past `deadline` (checked as the work goes, every few integrations and around the
/// sort), the answer is `ApiError::Unavailable`, the contract's 503 with `Retry-After`,
/// rather than a request that runs on.
pub fn select_within(
    integrations: Vec<Integration>,
    visibility: &Visibility,
    filter: Option<&Filter>,
    sort: &Sort,
    deadline: Instant,
) -> Result<Vec<Integration>, ApiError> {
    let mut clock = Clock { deadline, ticks: 0 };
    let mut seen = HashSet::with_capacity(integrations.len());
    let mut chosen = Vec::new();
    for integration in integrations {
        clock.tick()?;
        let kept = visibility.allows(&integration) && filter.is_none_or(|f| f.matches(&integration.doc));
        if kept && seen.insert(integration.id.clone()) {
            chosen.push(integration);
        }
    }
    let order = sorted_order(&chosen, sort, &mut clock)?;
    let mut slots: Vec<Option<Integration>> = chosen.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}

/// Reads the time once every [`CHECK_EVERY`] ticks.
struct Clock {
    deadline: Instant,
    ticks: usize,
}

impl Clock {
    fn tick(&mut self) -> Result<(), ApiError> {
        self.ticks += 1;
        if self.ticks % CHECK_EVERY == 1 {
            self.check()?;
        }
        Ok(())
    }

    fn check(&self) -> Result<(), ApiError> {
        if Instant::now() >= self.deadline {
            return Err(ApiError::Unavailable);
        }
        Ok(())
    }
}

/// The positions of `items` in sorted order. Keys are looked up once per item and
/// borrowed, not cloned.
fn sorted_order(items: &[Integration], sort: &Sort, clock: &mut Clock) -> Result<Vec<usize>, ApiError> {
    let mut keys: Vec<Vec<SortKey>> = Vec::with_capacity(items.len());
    for item in items {
        clock.tick()?;
        keys.push(sort.0.iter().map(|(path, dir)| sort_key(&item.doc, path, *dir)).collect());
    }
    clock.check()?;
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| {
        keys[a]
            .iter()
            .zip(&keys[b])
            .zip(&sort.0)
            .map(|((x, y), (_, dir))| directed(x.cmp(y), *dir))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
            .then_with(|| items[a].id.as_bytes().cmp(items[b].id.as_bytes()))
    });
    clock.check()?;
    Ok(order)
}

fn directed(order: Ordering, direction: Direction) -> Ordering {
    match direction {
        Direction::Ascending => order,
        Direction::Descending => order.reverse(),
    }
}

/// What a document sorts by for one key: a value, or an empty array, which sorts
/// before every value (null and missing included), in both directions.
#[derive(Debug, Clone, Copy)]
enum SortKey<'a> {
    EmptyArray,
    Value(&'a Value),
}

impl SortKey<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (SortKey::EmptyArray, SortKey::EmptyArray) => Ordering::Equal,
            (SortKey::EmptyArray, SortKey::Value(_)) => Ordering::Less,
            (SortKey::Value(_), SortKey::EmptyArray) => Ordering::Greater,
            (SortKey::Value(x), SortKey::Value(y)) => compare(x, y),
        }
    }
}

/// The key MongoDB sorts a document by: missing is null; an array sorts by its
/// smallest element ascending, its largest descending, and an empty one before null.
fn sort_key<'a>(doc: &'a Value, path: &str, direction: Direction) -> SortKey<'a> {
    const NULL: &Value = &Value::Null;
    let reached = reach(doc, path);
    let mut best: Option<SortKey<'a>> = None;
    let mut offer = |key: SortKey<'a>| {
        let better = best.is_none_or(|b| match direction {
            Direction::Ascending => key.cmp(&b).is_lt(),
            Direction::Descending => key.cmp(&b).is_gt(),
        });
        if better {
            best = Some(key);
        }
    };
    for value in &reached.values {
        match value {
            Value::Array(items) if items.is_empty() => offer(SortKey::EmptyArray),
            Value::Array(items) => items.iter().for_each(|item| offer(SortKey::Value(item))),
            other => offer(SortKey::Value(other)),
        }
    }
    if reached.missing {
        offer(SortKey::Value(NULL));
    }
    best.unwrap_or(SortKey::Value(NULL))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn integration(id: &str, doc: serde_json::Value) -> Integration {
        let mut doc = doc;
        doc["_id"] = json!(id);
        Integration { id: id.to_owned(), doc: Value::from_extended_json(doc).unwrap() }
    }

    fn sorted(sort: &str, docs: &[(&str, serde_json::Value)]) -> Vec<String> {
        let items = docs.iter().map(|(id, d)| integration(id, d.clone())).collect();
        let sort = Sort::parse(Some(sort)).unwrap();
        let deadline = Instant::now() + SELECT_BUDGET;
        let selected = select_within(items, &Visibility::Everything, None, &sort, deadline).unwrap();
        selected.into_iter().map(|i| i.id).collect()
    }

    /// Documents and the order MongoDB gives them, a block per rule.
    #[test]
    fn each_rule_gives_mongodbs_order() {
        let mixed = [
            ("null", json!({"a": null})),
            ("missing", json!({})),
            ("empty", json!({"a": []})),
            ("one", json!({"a": [1, 9]})),
            ("five", json!({"a": 5})),
            ("text", json!({"a": "x"})),
            ("nested_empty", json!({"a": [[]]})),
        ];
        // An empty array sorts before null and missing, ascending; last descending.
        let ascending = ["empty", "missing", "null", "one", "five", "text", "nested_empty"];
        assert_eq!(sorted(r#"{"a":1}"#, &mixed), ascending);
        let descending = ["nested_empty", "text", "one", "five", "missing", "null", "empty"];
        assert_eq!(sorted(r#"{"a":-1}"#, &mixed), descending);
        // Through arrays of documents: an element without the field sorts as null.
        let tags = [
            ("b_only", json!({"t": [{"k": "b"}]})),
            ("a_and_none", json!({"t": [{"k": "c"}, {}]})),
            ("empty_k", json!({"t": [{"k": []}, {"k": "a"}]})),
        ];
        assert_eq!(sorted(r#"{"t.k":1}"#, &tags), ["empty_k", "a_and_none", "b_only"]);
        assert_eq!(sorted(r#"{"t.k":-1}"#, &tags), ["a_and_none", "b_only", "empty_k"]);
        // Embedded documents: type, then name, then value, field by field.
        let objects = [
            ("b1", json!({"o": {"b": 1}})),
            ("a_text", json!({"o": {"a": "x"}})),
            ("a2", json!({"o": {"a": 2}})),
        ];
        assert_eq!(sorted(r#"{"o":1}"#, &objects), ["a2", "b1", "a_text"]);
    }

    #[test]
    fn an_expired_deadline_is_the_503() {
        let items = vec![integration("x", json!({"a": 1}))];
        let past = Instant::now() - Duration::from_millis(1);
        let sort = Sort::default();
        assert_eq!(
            select_within(items.clone(), &Visibility::Everything, None, &sort, past).map(|v| v.len()),
            Err(ApiError::Unavailable)
        );
        assert_eq!(ApiError::Unavailable.status(), 503);
        let later = Instant::now() + SELECT_BUDGET;
        assert_eq!(select_within(items, &Visibility::Everything, None, &sort, later).map(|v| v.len()), Ok(1));
    }
}
