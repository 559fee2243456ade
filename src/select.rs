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
    let mut seen = HashSet::with_capacity(integrations.len());
    let chosen: Vec<Integration> = integrations
        .into_iter()
        .filter(|i| visibility.allows(i) && filter.is_none_or(|f| f.matches(&i.doc)))
        .filter(|i| seen.insert(i.id.clone()))
        .collect();
    let order = sorted_order(&chosen, sort);
    let mut slots: Vec<Option<Integration>> = chosen.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// The positions of `items` in sorted order. Keys are looked up once per item and
/// borrowed, not cloned.
fn sorted_order(items: &[Integration], sort: &Sort) -> Vec<usize> {
    let keys: Vec<Vec<&Value>> = items
        .iter()
        .map(|i| sort.0.iter().map(|(path, dir)| sort_key(&i.doc, path, *dir)).collect())
        .collect();
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| {
        keys[a]
            .iter()
            .zip(&keys[b])
            .zip(&sort.0)
            .map(|((x, y), (_, dir))| directed(compare(x, y), *dir))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
            .then_with(|| items[a].id.as_bytes().cmp(items[b].id.as_bytes()))
    });
    order
}

fn directed(order: Ordering, direction: Direction) -> Ordering {
    match direction {
        Direction::Ascending => order,
        Direction::Descending => order.reverse(),
    }
}

/// The value MongoDB sorts a document by: missing is null, and an array sorts by its
/// smallest element ascending, its largest descending.
fn sort_key<'a>(doc: &'a Value, path: &str, direction: Direction) -> &'a Value {
    const NULL: &Value = &Value::Null;
    let found = lookup(doc, path);
    let candidates = found.iter().flat_map(|v| match v {
        Value::Array(items) if items.is_empty() => std::slice::from_ref(NULL).iter(),
        Value::Array(items) => items.iter(),
        other => std::slice::from_ref(*other).iter(),
    });
    let pick = match direction {
        Direction::Ascending => candidates.min_by(|a, b| compare(a, b)),
        Direction::Descending => candidates.max_by(|a, b| compare(a, b)),
    };
    pick.unwrap_or(NULL)
}
