//! Selection: the room's integrations the caller may see, in the requested order,
//! cut to the page's window.
//!
//! Visibility and a sort on `_createdAt` read each integration's head only; a `query`
//! or a sort on another field parses just the top-level fields it names. The order is
//! only settled as far as the window reaches, so a 50-item page of a large room costs
//! a linear pass, not a full sort.

use crate::access::Visibility;
use crate::document::{add_top_level, compare, reach, stored_fields, Value};
use crate::error::ApiError;
use crate::model::{Integration, HEAD_SORT_FIELDS};
use crate::params::Window;
use crate::params::{Direction, Sort};
use crate::query::Filter;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// The CPU time one request may spend selecting (filter, sort keys, sort) before it
/// gives up with the 503 `ApiError::Unavailable`. The work is linear in the room's
/// integrations and every regex is compiled once, so a real request stays far below it.
pub const SELECT_BUDGET: Duration = Duration::from_millis(1000);

/// The deadline is looked at once every this many integrations (and around the sort):
/// often enough that even the costliest `query` (about 80 µs an integration) overruns
/// the budget by milliseconds at most, rarely enough that reading the clock stays out
/// of a heads-only listing's cost.
const CHECK_EVERY: usize = 64;

/// The integrations on the page, in order, and how many there are in all.
#[derive(Debug)]
pub struct Selection {
    pub page: Vec<Integration>,
    pub total: usize,
}

/// Whether a sort can be decided on heads alone.
pub fn sorts_on_heads(sort: &Sort) -> bool {
    sort.0.iter().all(|(path, _)| HEAD_SORT_FIELDS.contains(&path.as_str()))
}

/// Visible integrations that match the caller's filter, each once (an integration may
/// reach the room through more than one partition), sorted by `sort` then `_id`, and
/// the `window` of them the page shows. The filter is an extra condition: it can only
/// remove items visibility allows. Past `deadline` (checked as the work goes, every
/// few integrations and around the sort), the answer is `ApiError::Unavailable`, the
/// contract's 503 with `Retry-After`, rather than a request that runs on.
///
/// `partitions` are as read, one list per partition (see [`unique`]). A filter or a
/// sort on fields other than the head's needs every integration's document.
pub fn select_within(
    partitions: Vec<Vec<Integration>>,
    visibility: &Visibility,
    filter: Option<&Filter>,
    sort: &Sort,
    window: Window,
    deadline: Instant,
) -> Result<Selection, ApiError> {
    let mut clock = Clock { deadline, ticks: 0 };
    let parse = fields_to_parse(filter, sort);
    let mut all = unique(partitions);
    // Positions in `all` of the integrations kept, and (when parsed) their fields.
    let mut kept: Vec<usize> = Vec::with_capacity(all.len());
    let mut docs: Vec<Value> = Vec::new();
    for (at, integration) in all.iter_mut().enumerate() {
        clock.tick()?;
        if !visibility.allows(&integration.head) {
            continue;
        }
        if let Some(fields) = &parse {
            // A sifted one passed the filter as it was read and kept what the sort needs.
            if let Some(kept_fields) = crate::sieve::take_kept(integration) {
                docs.push(kept_fields);
                kept.push(at);
                continue;
            }
            let Some(Ok(doc)) = integration.stored().map(|text| stored_fields(text, fields)) else {
                tracing::error!(id = integration.id, "integration without a readable document skipped");
                continue;
            };
            if filter.is_some_and(|f| !f.matches(&doc)) {
                continue;
            }
            docs.push(doc);
        }
        kept.push(at);
    }
    let total = kept.len();
    let order = window_order(&all, &kept, &docs, sort, window, &mut clock)?;
    let page = order.into_iter().map(|k| std::mem::replace(&mut all[kept[k]], Integration::EMPTY)).collect();
    Ok(Selection { page, total })
}

/// The top-level fields to parse from each document: `None` when heads decide alone.
fn fields_to_parse(filter: Option<&Filter>, sort: &Sort) -> Option<Vec<String>> {
    let mut fields = filter.map(Filter::top_level_fields).unwrap_or_default();
    if !sorts_on_heads(sort) {
        for (path, _) in &sort.0 {
            add_top_level(&mut fields, path);
        }
    }
    (filter.is_some() || !fields.is_empty()).then_some(fields)
}

/// Every integration once. Within a partition ids are unique (each partition is keyed
/// by them); a copy in a smaller partition is dropped when a larger one holds the id.
/// A partition read in index order is sorted by id and searched; otherwise hashed.
fn unique(mut partitions: Vec<Vec<Integration>>) -> Vec<Integration> {
    partitions.retain(|p| !p.is_empty());
    partitions.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let mut rest = partitions.into_iter();
    let mut all = rest.next().unwrap_or_default();
    for other in rest {
        let sorted = all.windows(2).all(|w| w[0].id < w[1].id);
        let hashed: HashSet<&str> =
            if sorted { HashSet::new() } else { all.iter().map(|i| i.id.as_str()).collect() };
        let known = |id: &str| match sorted {
            true => all.binary_search_by(|i| i.id.as_str().cmp(id)).is_ok(),
            false => hashed.contains(id),
        };
        let kept: Vec<Integration> = other.into_iter().filter(|i| !known(&i.id)).collect();
        drop(hashed);
        all.extend(kept);
    }
    all
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

/// The window's items, in order, as positions in `kept` (which indexes `all`; `docs`
/// holds their parsed fields, if any). Keys are computed once per item and borrowed,
/// not cloned; only the items up to the window's end are fully sorted.
fn window_order(
    all: &[Integration],
    kept: &[usize],
    docs: &[Value],
    sort: &Sort,
    window: Window,
    clock: &mut Clock,
) -> Result<Vec<usize>, ApiError> {
    let end = window.end().min(kept.len());
    if window.skip >= end {
        return Ok(Vec::new());
    }
    let on_heads = sorts_on_heads(sort);
    if let (true, [(path, direction)]) = (on_heads, sort.0.as_slice()) {
        if let Some(order) = by_head_dates(all, kept, path, *direction, window) {
            clock.check()?;
            return Ok(order);
        }
    }
    let width = sort.0.len();
    let mut keys: Vec<SortKey> = Vec::with_capacity(kept.len() * width);
    for (k, at) in kept.iter().enumerate() {
        clock.tick()?;
        for (path, direction) in &sort.0 {
            keys.push(match docs.get(k) {
                Some(doc) if !on_heads => sort_key(doc, path, *direction),
                _ => head_key(&all[*at], path, *direction),
            });
        }
    }
    clock.check()?;
    let id = |k: usize| all[kept[k]].id.as_bytes();
    let compare_items = |&a: &usize, &b: &usize| {
        let (ka, kb) = (&keys[a * width..(a + 1) * width], &keys[b * width..(b + 1) * width]);
        ka.iter()
            .zip(kb)
            .zip(&sort.0)
            .map(|((x, y), (_, dir))| directed(x.cmp(y), *dir))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
            .then_with(|| id(a).cmp(id(b)))
    };
    let order = settle_window(kept.len(), window, compare_items);
    clock.check()?;
    Ok(order)
}

/// An integration's key for a sort on a head field: the document's top-level field, whole.
fn head_key<'a>(integration: &'a Integration, path: &str, direction: Direction) -> SortKey<'a> {
    let value = integration.head.sort_value(path);
    best_key(value.into_iter(), value.is_none(), direction)
}

/// Where `a` stands against `b` in the order [`select_within`] gives a sort on heads
/// (see [`sorts_on_heads`]): by each sort field, then by `_id`.
pub fn compare_on_heads(sort: &Sort, a: &Integration, b: &Integration) -> Ordering {
    sort.0
        .iter()
        .map(|(path, direction)| {
            directed(head_key(a, path, *direction).cmp(&head_key(b, path, *direction)), *direction)
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
        .then_with(|| a.id.as_bytes().cmp(b.id.as_bytes()))
}

/// The common case: sorted by one head field (`_createdAt`), every one a date. The
/// keys are the dates themselves, compared as integers (`None`: some value is not a date).
fn by_head_dates(
    all: &[Integration],
    kept: &[usize],
    field: &str,
    direction: Direction,
    window: Window,
) -> Option<Vec<usize>> {
    let dates = kept.iter().map(|at| match all[*at].head.sort_value(field) {
        Some(Value::Date(ms)) => Some(*ms),
        _ => None,
    });
    let dates: Vec<i64> = dates.collect::<Option<_>>()?;
    let id = |k: usize| all[kept[k]].id.as_bytes();
    let compare =
        |&a: &usize, &b: &usize| directed(dates[a].cmp(&dates[b]), direction).then_with(|| id(a).cmp(id(b)));
    Some(settle_window(kept.len(), window, compare))
}

/// Positions `0..n` ordered by `compare` as far as the window's end, then the window.
fn settle_window(n: usize, window: Window, compare: impl Fn(&usize, &usize) -> Ordering) -> Vec<usize> {
    let end = window.end().min(n);
    let mut order: Vec<usize> = (0..n).collect();
    if end < order.len() {
        order.select_nth_unstable_by(end - 1, &compare);
        order.truncate(end);
    }
    order.sort_unstable_by(&compare);
    order.drain(..window.skip.min(order.len()));
    order
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
    let reached = reach(doc, path);
    best_key(reached.values.into_iter(), reached.missing, direction)
}

/// The key among the values a path reached (and null, if some branch was missing).
fn best_key<'a>(values: impl Iterator<Item = &'a Value>, missing: bool, direction: Direction) -> SortKey<'a> {
    const NULL: &Value = &Value::Null;
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
    for value in values {
        match value {
            Value::Array(items) if items.is_empty() => offer(SortKey::EmptyArray),
            Value::Array(items) => items.iter().for_each(|item| offer(SortKey::Value(item))),
            other => offer(SortKey::Value(other)),
        }
    }
    if missing {
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
        Integration::of_document(id.to_owned(), &Value::from_extended_json(doc).unwrap())
    }

    fn everything() -> Window {
        Window { skip: 0, take: usize::MAX }
    }

    fn select(partitions: Vec<Vec<Integration>>, sort: &str, window: Window) -> Selection {
        let sort = Sort::parse(Some(sort)).unwrap();
        let deadline = Instant::now() + SELECT_BUDGET;
        select_within(partitions, &Visibility::Everything, None, &sort, window, deadline).unwrap()
    }

    fn ids(selection: &Selection) -> Vec<&str> {
        selection.page.iter().map(|i| i.id.as_str()).collect()
    }

    fn sorted(sort: &str, docs: &[(&str, serde_json::Value)]) -> Vec<String> {
        let items = docs.iter().map(|(id, d)| integration(id, d.clone())).collect();
        ids(&select(vec![items], sort, everything())).into_iter().map(str::to_owned).collect()
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
        // The head's `_createdAt` sorts exactly as the document's field would.
        let created: Vec<(&str, serde_json::Value)> = mixed
            .iter()
            .map(|(id, doc)| (*id, doc.get("a").map_or(json!({}), |a| json!({"_createdAt": a}))))
            .collect();
        assert_eq!(sorted(r#"{"_createdAt":1}"#, &created), ascending);
        assert_eq!(sorted(r#"{"_createdAt":-1}"#, &created), descending);
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
    fn a_window_is_the_same_slice_of_the_full_order() {
        let room: Vec<Integration> = (0..40)
            .map(|i| {
                integration(&format!("i{i:02}"), json!({"_createdAt": {"$date": (i * 7) % 13}, "n": i % 5}))
            })
            .collect();
        for sort in [r#"{"_createdAt":1}"#, r#"{"_createdAt":-1}"#, r#"{"n":-1,"_createdAt":1}"#] {
            let full = select(vec![room.clone()], sort, everything());
            for (skip, take) in [(0, 1), (0, 10), (5, 10), (35, 10), (39, 1), (40, 5), (0, 0)] {
                let part = select(vec![room.clone()], sort, Window { skip, take });
                let expected: Vec<&str> = ids(&full).into_iter().skip(skip).take(take).collect();
                assert_eq!(ids(&part), expected, "{sort} skip {skip} take {take}");
                assert_eq!(part.total, 40);
            }
        }
    }

    #[test]
    fn an_integration_in_two_partitions_counts_once() {
        let doc = |id: &str| integration(id, json!({}));
        let room = vec![doc("a"), doc("b"), doc("c")];
        let public = vec![doc("b"), doc("z")];
        let selection = select(vec![public.clone(), room.clone()], "{}", everything());
        assert_eq!((ids(&selection), selection.total), (vec!["a", "b", "c", "z"], 4));
        // Not in index order: hashed rather than searched, the same answer.
        let shuffled = vec![doc("c"), doc("a"), doc("b")];
        assert_eq!(ids(&select(vec![shuffled, public], "{}", everything())), ["a", "b", "c", "z"]);
    }

    #[test]
    fn an_expired_deadline_is_the_503() {
        let items = vec![integration("x", json!({"a": 1}))];
        let past = Instant::now() - Duration::from_millis(1);
        let sort = Sort::default();
        let run = |deadline| {
            select_within(vec![items.clone()], &Visibility::Everything, None, &sort, everything(), deadline)
                .map(|s| s.total)
        };
        assert_eq!(run(past), Err(ApiError::Unavailable));
        assert_eq!(ApiError::Unavailable.status(), 503);
        assert_eq!(run(Instant::now() + SELECT_BUDGET), Ok(1));
    }
}
