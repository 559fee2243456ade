//! The shortlist: a large room's heads cut, as they arrive, to those that can still
//! reach the page.
//!
//! A page sorted on heads (`_createdAt`, `ts`) without a `query` needs, of the
//! thousands of heads a large room's listing reads past its first page, only the
//! `offset + count` first in the page's order, and how many the caller may see. The
//! store offers each head read to a [`Standing`] and keeps no other: what a request
//! holds of those heads is bounded by its window, not by the room, and selection sorts
//! a few dozen instead of every one.
//!
//! Exactness: the page's order ([`select::compare_on_heads`]) is total (it ends on
//! `_id`), so the window of the whole listing lies within each partition's own first
//! `offset + count`. An integration may also be listed through another partition
//! (`all_public_channels`): its id is *pinned*, kept whatever its rank, so that
//! selection still sees both copies and counts it once. Every head passed over is
//! visible, in one partition only, and counted for the page's `total`.

use crate::access::Visibility;
use crate::model::Integration;
use crate::params::Sort;
use crate::select;
use std::cmp::Ordering;
use std::collections::HashSet;

/// What a shortlist keeps: fixed before the partition is read.
#[derive(Debug, Clone, PartialEq)]
pub struct Shortlist {
    pub visibility: Visibility,
    /// On heads only ([`select::sorts_on_heads`]).
    pub sort: Sort,
    /// How many the page's window reaches (`offset + count`).
    pub keep: usize,
    /// Ids the request lists through another partition too.
    pub pinned: HashSet<String>,
}

impl Shortlist {
    /// A fresh standing for one read of the partition.
    pub fn standing(&self) -> Standing<'_> {
        Standing { shortlist: self, ranked: Vec::new(), bar: None, pinned: Vec::new(), passed_over: 0 }
    }
}

/// The heads kept so far of one read, and how many were passed over.
#[derive(Debug)]
pub struct Standing<'a> {
    shortlist: &'a Shortlist,
    /// Candidates; the first `keep` of them in order are all that can reach the page.
    ranked: Vec<Integration>,
    /// Where in `ranked` the last of the `keep` best stands since the last cut: any
    /// head that comes after it is passed over at once.
    bar: Option<usize>,
    pinned: Vec<Integration>,
    passed_over: usize,
}

/// Candidates held before they are cut back to `keep`: the cut is linear, so each
/// head costs a constant share of it.
const SLACK: usize = 64;

impl Standing<'_> {
    /// One head read: kept, passed over (counted), or dropped unseen when the caller
    /// may not see it.
    pub fn offer(&mut self, integration: Integration) {
        let list = self.shortlist;
        if !list.visibility.allows(&integration.head) {
            return;
        }
        // (Most rooms pin nothing: no id is hashed then.)
        if !list.pinned.is_empty() && list.pinned.contains(&integration.id) {
            self.pinned.push(integration);
            return;
        }
        if let Some(bar) = self.bar {
            if select::compare_on_heads(&list.sort, &integration, &self.ranked[bar]) == Ordering::Greater {
                self.passed_over += 1;
                return;
            }
        }
        self.ranked.push(integration);
        if self.ranked.len() >= list.keep.saturating_mul(2).max(list.keep.saturating_add(SLACK)) {
            self.cut();
        }
    }

    /// Keeps the `keep` best candidates and sets the bar at the last of them.
    fn cut(&mut self) {
        let (sort, keep) = (&self.shortlist.sort, self.shortlist.keep);
        if self.ranked.len() <= keep {
            return;
        }
        if keep == 0 {
            self.passed_over += self.ranked.len();
            self.ranked.clear();
            return;
        }
        self.ranked.select_nth_unstable_by(keep - 1, |a, b| select::compare_on_heads(sort, a, b));
        self.passed_over += self.ranked.len() - keep;
        self.ranked.truncate(keep);
        self.bar = Some(keep - 1);
    }

    /// What the read keeps (the best `keep` and the pinned, in no order) and how many
    /// visible heads it passed over.
    pub fn finish(mut self) -> (Vec<Integration>, usize) {
        self.cut();
        let mut kept = self.ranked;
        kept.append(&mut self.pinned);
        (kept, self.passed_over)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Value;
    use crate::model::{Body, Head, Kind};
    use crate::params::Direction;
    use std::sync::Arc;

    fn head(id: &str, creator: &str, at: Value) -> Integration {
        let head =
            Head { kind: Kind::Incoming, creator: Some(creator.into()), created_at: Some(at), ts: None };
        Integration { id: id.into(), head, body: Body::Unread { target: Arc::from("r") } }
    }

    fn ids(list: &[Integration]) -> Vec<&str> {
        let mut ids: Vec<&str> = list.iter().map(|i| i.id.as_str()).collect();
        ids.sort();
        ids
    }

    /// Dates that tie, repeat and mix types, in an order that is not the page's.
    fn room(n: usize) -> Vec<Integration> {
        (0..n)
            .map(|i| {
                let at = match i % 7 {
                    0 => Value::String(format!("s{}", i % 3)),
                    1 => Value::Null,
                    _ => Value::Date(((i * 7919) % 97) as i64),
                };
                head(&format!("i{i:04}"), if i % 5 == 0 { "me" } else { "other" }, at)
            })
            .collect()
    }

    #[test]
    fn a_shortlist_keeps_exactly_the_heads_that_lead_the_order_and_counts_the_rest() {
        let sorts = [
            Sort(vec![("_createdAt".into(), Direction::Descending)]),
            Sort(vec![("_createdAt".into(), Direction::Ascending), ("ts".into(), Direction::Descending)]),
        ];
        let visibilities = [Visibility::Everything, Visibility::OwnOnly { user_id: "me".into() }];
        for (sort, visibility, keep, n) in
            sorts.iter().flat_map(|s| visibilities.iter().map(move |v| (s, v))).flat_map(|(s, v)| {
                [(s, v, 0, 300), (s, v, 1, 300), (s, v, 50, 1000), (s, v, 60, 40), (s, v, usize::MAX, 90)]
            })
        {
            let list = Shortlist {
                visibility: visibility.clone(),
                sort: sort.clone(),
                keep,
                pinned: HashSet::new(),
            };
            let mut standing = list.standing();
            room(n).into_iter().for_each(|i| standing.offer(i));
            let (kept, passed_over) = standing.finish();

            let mut visible: Vec<Integration> =
                room(n).into_iter().filter(|i| visibility.allows(&i.head)).collect();
            visible.sort_by(|a, b| select::compare_on_heads(sort, a, b));
            visible.truncate(keep);
            assert_eq!(ids(&kept), ids(&visible), "{sort:?} {visibility:?} keep {keep} of {n}");
            let seen = room(n).iter().filter(|i| visibility.allows(&i.head)).count();
            assert_eq!(kept.len() + passed_over, seen, "every visible head kept or counted");
        }
    }

    #[test]
    fn a_pinned_head_is_kept_whatever_its_rank_and_an_invisible_one_never() {
        let list = Shortlist {
            visibility: Visibility::OwnOnly { user_id: "me".into() },
            sort: Sort(vec![("_createdAt".into(), Direction::Descending)]),
            keep: 1,
            pinned: HashSet::from(["old".to_owned(), "theirs".to_owned()]),
        };
        let mut standing = list.standing();
        for i in [
            head("old", "me", Value::Date(1)),
            head("theirs", "other", Value::Date(9)),
            head("new", "me", Value::Date(5)),
            head("mid", "me", Value::Date(3)),
        ] {
            standing.offer(i);
        }
        let (kept, passed_over) = standing.finish();
        assert_eq!(ids(&kept), ["new", "old"]);
        assert_eq!(passed_over, 1, "`mid`: visible, not pinned, behind `new`");
    }
}
