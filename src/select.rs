//! Selection: the room's integrations the caller may see, in the requested order.

use crate::access::Visibility;
use crate::document::{compare, lookup, Value};
use crate::model::Integration;
use crate::params::{Direction, Sort};
use crate::query::Filter;
use std::cmp::Ordering;
use std::collections::HashSet;

/// Visible integrations that match the caller's filter, each once (an integration
/// may reach the room through more than one target), sorted by `sort` then `_id`.
/// The filter is an extra condition: it can only remove items visibility allows.
pub fn select(
    integrations: Vec<Integration>,
    visibility: &Visibility,
    filter: Option<&Filter>,
    sort: &Sort,
) -> Vec<Integration> {
    let mut seen = HashSet::new();
    // Sort keys are extracted once per item, not once per comparison.
    let mut keyed: Vec<(Vec<Value>, Integration)> = integrations
        .into_iter()
        .filter(|i| visibility.allows(i) && filter.is_none_or(|f| f.matches(&i.doc)))
        .filter(|i| seen.insert(i.id.clone()))
        .map(|i| (sort.0.iter().map(|(path, dir)| sort_key(&i.doc, path, *dir)).collect(), i))
        .collect();
    keyed.sort_by(|(ka, a), (kb, b)| {
        ka.iter()
            .zip(kb)
            .zip(&sort.0)
            .map(|((x, y), (_, dir))| directed(compare(x, y), *dir))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
            .then_with(|| a.id.as_bytes().cmp(b.id.as_bytes()))
    });
    keyed.into_iter().map(|(_, i)| i).collect()
}

fn directed(order: Ordering, direction: Direction) -> Ordering {
    match direction {
        Direction::Ascending => order,
        Direction::Descending => order.reverse(),
    }
}

/// The value MongoDB sorts a document by: missing is null, and an array sorts by its
/// smallest element ascending, its largest descending.
fn sort_key(doc: &Value, path: &str, direction: Direction) -> Value {
    let mut candidates = Vec::new();
    for found in lookup(doc, path) {
        match found {
            Value::Array(items) if items.is_empty() => candidates.push(&Value::Null),
            Value::Array(items) => candidates.extend(items.iter()),
            other => candidates.push(other),
        }
    }
    let pick = match direction {
        Direction::Ascending => candidates.into_iter().min_by(|a, b| compare(a, b)),
        Direction::Descending => candidates.into_iter().max_by(|a, b| compare(a, b)),
    };
    pick.cloned().unwrap_or(Value::Null)
}
