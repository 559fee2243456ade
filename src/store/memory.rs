//! A store held in memory: fixed records, read round by round like DynamoDB's, so the
//! pipeline's order of checks and its rounds can be pinned by fast unit tests.

use super::{
    Cursor, Fetched, HistoryPage, Key, PartitionPage, Record, Round, Store, StoreError, FIRST_PAGE_ITEMS,
};
use crate::model::{Body, Integration, RoomRecord};
use futures::future::BoxFuture;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct Run {
    id: String,
    integration: String,
    creator: Option<String>,
}

#[derive(Default)]
pub struct MemoryStore {
    records: HashMap<Key, Record>,
    partitions: HashMap<String, Vec<Integration>>,
    /// Every round read, in order, for tests to inspect.
    /// Runs in the history index's order (newest first).
    history: Vec<Run>,
    rounds: Mutex<Vec<Round>>,
    unavailable: bool,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store whose every read fails, as an unreachable DynamoDB would.
    pub fn unavailable() -> Self {
        MemoryStore { unavailable: true, ..Self::default() }
    }

    pub fn with(mut self, key: Key, record: Record) -> Self {
        self.records.insert(key, record);
        self
    }

    pub fn with_room(self, room: RoomRecord) -> Self {
        self.with(Key::Room(room.id.clone()), Record::Room(room))
    }

    /// Integrations stored under a partition, in index order.
    pub fn with_integrations(mut self, partition: &str, integrations: Vec<Integration>) -> Self {
        self.partitions.entry(partition.to_owned()).or_default().extend(integrations);
        self
    }

    /// The rounds read so far.
    /// A run of `integration`'s history (by `creator`'s integration), older than
    /// those already given.
    pub fn with_run(mut self, id: &str, integration: &str, creator: Option<&str>, text: &str) -> Self {
        let run = Run { id: id.into(), integration: integration.into(), creator: creator.map(Into::into) };
        self.history.push(run);
        self.with(Key::HistoryRun(id.into()), Record::Document(text.into()))
    }

    pub fn rounds(&self) -> Vec<Round> {
        self.rounds.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A fixed record, or the document of an integration stored under `target`.
    fn record(&self, key: &Key) -> Option<Record> {
        if let Key::Document { id, target } = key {
            let stored = self.partitions.get(target)?.iter().find(|i| &i.id == id)?;
            return Some(Record::Document(stored.stored()?.to_owned()));
        }
        self.records.get(key).cloned()
    }

    fn answer(&self, round: &Round) -> Fetched {
        let records = round.keys.iter().filter_map(|key| Some((key.clone(), self.record(key)?))).collect();
        let rooms_named = match &round.room_name {
            Some(name) => self
                .records
                .values()
                .filter_map(|r| match r {
                    Record::Room(room) if room.name.as_ref() == Some(name) => Some(room.clone()),
                    _ => None,
                })
                .collect(),
            None => Vec::new(),
        };
        let pages = round
            .partitions
            .iter()
            .map(|read| {
                let all = self.partitions.get(&read.partition).map(Vec::as_slice).unwrap_or_default();
                let from = read.from.as_ref().and_then(Cursor::as_position).unwrap_or(0).min(all.len());
                let end = if read.to_the_end {
                    all.len()
                } else {
                    (from + FIRST_PAGE_ITEMS as usize).min(all.len())
                };
                let next = (end < all.len()).then_some(Cursor::position(end));
                let target: Arc<str> = Arc::from(read.partition.as_str());
                // As DynamoDB's heads index would: a heads read still brings the first page whole.
                let as_read = |(at, integration): (usize, &Integration)| match read.heads_only {
                    true if at >= FIRST_PAGE_ITEMS as usize => Some(Integration {
                        body: Body::Unread { target: target.clone() },
                        ..integration.clone()
                    }),
                    _ => match &read.sieve {
                        Some(sieve) if !read.heads_only => sieve.sift(integration.clone(), &target),
                        _ => Some(integration.clone()),
                    },
                };
                let read_now = all.iter().enumerate().take(end).skip(from).filter_map(as_read);
                let (integrations, passed_over) = match &read.shortlist {
                    Some(shortlist) if read.heads_only => {
                        let (heads, whole): (Vec<_>, Vec<_>) =
                            read_now.partition(|i| matches!(i.body, Body::Unread { .. }));
                        let mut standing = shortlist.standing();
                        heads.into_iter().for_each(|head| standing.offer(head));
                        let (mut kept, passed_over) = standing.finish();
                        kept.extend(whole);
                        (kept, passed_over)
                    }
                    _ => (read_now.collect(), 0),
                };
                PartitionPage { partition: read.partition.clone(), integrations, next, passed_over }
            })
            .collect();
        let history = round.history.as_ref().map(|read| {
            let runs: Vec<(String, Option<String>)> = self
                .history
                .iter()
                .filter(|run| run.integration == read.integration)
                .filter(|run| read.creator.is_none() || run.creator == read.creator)
                .map(|run| (run.id.clone(), run.creator.clone()))
                .collect();
            let total = read.count.then_some(runs.len());
            let first = read.first.unwrap_or(usize::MAX);
            HistoryPage { complete: runs.len() <= first, runs: runs.into_iter().take(first).collect(), total }
        });
        Fetched { records, rooms_named, pages, history }
    }
}

impl Store for MemoryStore {
    fn read<'a>(&'a self, round: &'a Round) -> BoxFuture<'a, Result<Fetched, StoreError>> {
        self.rounds.lock().unwrap_or_else(|e| e.into_inner()).push(round.clone());
        let answer = if self.unavailable {
            Err(StoreError::Call("unreachable (memory store)".into()))
        } else {
            Ok(self.answer(round))
        };
        Box::pin(async move { answer })
    }

    fn request_budget(&self) -> Duration {
        Duration::from_secs(3)
    }
}
