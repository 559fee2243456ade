//! The store on DynamoDB: a round is one BatchGetItem and the index queries, all at once.

use super::fresh::Fresh;
use super::items::{
    self, attr, IntegrationAttributes, Item, Unreadable, ALL_PRIVATE_GROUPS, ALL_PUBLIC_CHANNELS,
};
use super::raw_answer::Slot;
use super::FIRST_PAGE_ITEMS;
use super::{
    Cursor, Fetched, HistoryPage, HistoryRead, Key, PartitionPage, PartitionRead, Record, Round, Store,
    StoreError,
};
use crate::config::{
    StoreSettings, TableNames, HISTORY_INDEX, INTEGRATION_HEADS_INDEX, INTEGRATION_ROOM_INDEX,
    ROOM_NAME_INDEX,
};
use crate::model::{Integration, RoomRecord};
use crate::shortlist::Shortlist;
use crate::sieve::Sieve;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, ReturnConsumedCapacity};
use aws_sdk_dynamodb::Client;
use futures::future::{try_join_all, BoxFuture};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub struct DynamoStore {
    client: Client,
    tables: TableNames,
    settings: StoreSettings,
    /// The permission documents change rarely and are the same for every caller.
    permissions: Fresh<Vec<(Key, Record)>>,
    /// `all_public_channels`' and `all_private_groups`' first pages: the same for
    /// every room and every caller, and otherwise one more query (and its read units)
    /// in every request.
    shared_first_pages: [(&'static str, Fresh<PartitionPage>); 2],
}

/// The partitions whose first page a container caches.
const CACHED_PARTITIONS: [&str; 2] = [ALL_PUBLIC_CHANNELS, ALL_PRIVATE_GROUPS];

/// DynamoDB's limit of keys per BatchGetItem call.
const BATCH_KEYS: usize = 100;

/// What a partition read brings back, whole or as heads (see `items::IntegrationAttributes`).
const WHOLE_ATTRIBUTES: &[&str] =
    &[attr::ID, attr::DOC, attr::HEAD_KIND, attr::HEAD_CREATOR, attr::HEAD_CREATED_AT, attr::HEAD_TS];
const HEAD_ATTRIBUTES: &[&str] =
    &[attr::ID, attr::HEAD_KIND, attr::HEAD_CREATOR, attr::HEAD_CREATED_AT, attr::HEAD_TS];
/// Heads for a caller who sees everything: no creator (a third of a head's bytes).
const HEAD_ATTRIBUTES_WITHOUT_CREATOR: &[&str] =
    &[attr::ID, attr::HEAD_KIND, attr::HEAD_CREATED_AT, attr::HEAD_TS];

impl Store for DynamoStore {
    fn read<'a>(&'a self, round: &'a Round) -> BoxFuture<'a, Result<Fetched, StoreError>> {
        Box::pin(self.read_round(round))
    }

    fn request_budget(&self) -> Duration {
        self.settings.request_budget
    }
}

/// The read capacity of one DynamoDB answer, charged to the request's meter.
fn charge(capacity: Option<&aws_sdk_dynamodb::types::ConsumedCapacity>) {
    super::meter::charge(capacity.and_then(|c| c.capacity_units).unwrap_or_default());
}

impl DynamoStore {
    pub fn new(client: Client, tables: TableNames, settings: StoreSettings) -> Self {
        let permissions = Fresh::new(settings.permissions_ttl);
        let shared_first_pages = CACHED_PARTITIONS.map(|p| (p, Fresh::new(settings.public_page_ttl)));
        DynamoStore { client, tables, settings, permissions, shared_first_pages }
    }

    /// Opens the connection (TLS included) and fills the caches (permissions, the
    /// shared partitions' first pages), during init rather than in the first request.
    /// The same round reads one key of every other table and looks up a name, so that
    /// a table or index that is missing or denied is found here: then each table is
    /// read alone to name it ([`StoreError::Misconfigured`]), and init fails.
    pub async fn warm_up(&self) -> Result<(), StoreError> {
        let permissions = crate::access::PERMISSIONS.iter().map(|(id, _)| Key::Permission((*id).to_owned()));
        let mut keys: Vec<Key> = permissions.collect();
        keys.extend(probe_keys());
        let shared = CACHED_PARTITIONS.iter().map(|p| PartitionRead::first_page(p)).collect();
        // The history index too, with an id no integration has.
        let history = HistoryRead { integration: PROBE.into(), creator: None, first: Some(1), count: false };
        let round = Round { keys, room_name: Some(PROBE.into()), partitions: shared, history: Some(history) };
        let warmed = tokio::time::timeout(self.settings.request_budget, self.read_round(&round))
            .await
            .map_err(|_| StoreError::Timeout)?;
        match warmed {
            Err(error) if error.is_misconfiguration() => {
                Err(self.name_the_misconfigured().await.unwrap_or(error))
            }
            other => other.map(drop),
        }
    }

    /// The first table that refuses a read of one key, alone.
    async fn name_the_misconfigured(&self) -> Option<StoreError> {
        for key in probe_keys() {
            if let Err(error) = self.batch_get(&[&key]).await {
                if error.is_misconfiguration() {
                    return Some(error);
                }
            }
        }
        None
    }

    async fn read_round(&self, round: &Round) -> Result<Fetched, StoreError> {
        let asks_permissions = round.keys.iter().any(|k| matches!(k, Key::Permission(_)));
        let cached = asks_permissions.then(|| self.permissions.get()).flatten();
        let (keys, cached_records): (Vec<&Key>, Vec<(Key, Record)>) = match cached {
            Some(records) => {
                (round.keys.iter().filter(|k| !matches!(k, Key::Permission(_))).collect(), records)
            }
            None => (round.keys.iter().collect(), Vec::new()),
        };
        let reads_permissions = keys.iter().any(|k| matches!(k, Key::Permission(_)));

        let (batch, named, pages, history) = tokio::try_join!(
            self.batch_get(&keys),
            optional(round.room_name.as_deref().map(|name| self.rooms_named(name))),
            try_join_all(round.partitions.iter().map(|read| self.partition_or_cached(read))),
            optional(round.history.as_ref().map(|read| self.history(read))),
        )?;

        if reads_permissions {
            let found = batch.iter().filter(|(k, _)| matches!(k, Key::Permission(_)));
            self.permissions.put(found.cloned().collect());
        }
        let rooms_named = named.unwrap_or_default();
        let records = batch.into_iter().chain(cached_records).collect();
        Ok(Fetched { records, rooms_named, pages, history })
    }

    /// BatchGetItem over every key, at most [`BATCH_KEYS`] per call, the calls in
    /// parallel (unprocessed keys asked again).
    async fn batch_get(&self, keys: &[&Key]) -> Result<Vec<(Key, Record)>, StoreError> {
        let mut located: Vec<(&str, Item)> = Vec::with_capacity(keys.len());
        for key in keys {
            let (table, item) = items::locate(key, &self.tables);
            if !located.iter().any(|(t, i)| *t == table && *i == item) {
                located.push((table, item));
            }
        }
        let calls = located.chunks(BATCH_KEYS).map(|chunk| self.batch_call(chunk));
        Ok(try_join_all(calls).await?.into_iter().flatten().collect())
    }

    async fn batch_call(&self, keys: &[(&str, Item)]) -> Result<Vec<(Key, Record)>, StoreError> {
        let mut by_table: HashMap<&str, Vec<Item>> = HashMap::new();
        for (table, item) in keys {
            by_table.entry(table).or_default().push(item.clone());
        }
        let mut request: HashMap<String, KeysAndAttributes> = HashMap::new();
        for (table, keys) in by_table {
            let built = KeysAndAttributes::builder().set_keys(Some(keys)).build().map_err(call_error)?;
            request.insert(table.to_owned(), built);
        }
        let mut found = Vec::new();
        let mut backoff = Duration::from_millis(10);
        while !request.is_empty() {
            let output = self
                .client
                .batch_get_item()
                .set_request_items(Some(request.clone()))
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(|e| {
                    let mut tables: Vec<&str> = request.keys().map(String::as_str).collect();
                    tables.sort();
                    sdk_call_error(e, "BatchGetItem", &tables.join(", "))
                })?;
            for (table, items) in output.responses.unwrap_or_default() {
                found.extend(items.iter().filter_map(|item| items::decode(&table, item, &self.tables)));
            }
            output.consumed_capacity.iter().flatten().for_each(|c| charge(Some(c)));
            request = output.unprocessed_keys.unwrap_or_default();
            if !request.is_empty() {
                // DynamoDB's advice for unprocessed keys: back off, then ask again.
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_millis(200));
            }
        }
        Ok(found)
    }

    /// An integration's runs newest first (ids and creators, from the history index)
    /// and their count, both at once.
    async fn history(&self, read: &HistoryRead) -> Result<HistoryPage, StoreError> {
        let ((runs, complete), total) = tokio::try_join!(
            async {
                match read.first {
                    Some(0) => Ok((Vec::new(), false)),
                    first => self.history_runs(read, first).await,
                }
            },
            async {
                match read.count {
                    true => self.history_count(read).await.map(Some),
                    false => Ok(None),
                }
            },
        )?;
        Ok(HistoryPage { runs, complete, total })
    }

    /// A Query of the history index for `read`'s integration (and creator), newest first.
    fn history_query(
        &self,
        read: &HistoryRead,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        let mut query = self
            .client
            .query()
            .table_name(&self.tables.history)
            .index_name(HISTORY_INDEX)
            .key_condition_expression("#k = :k")
            .expression_attribute_names("#k", attr::HISTORY_INTEGRATION)
            .expression_attribute_values(":k", AttributeValue::S(read.integration.clone()))
            .scan_index_forward(false)
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        if let Some(creator) = &read.creator {
            query = query
                .filter_expression("#c = :c")
                .expression_attribute_names("#c", attr::HEAD_CREATOR)
                .expression_attribute_values(":c", AttributeValue::S(creator.clone()));
        }
        query
    }

    /// The newest `first` runs (all without it): ids and creators, and whether the
    /// index holds no more.
    async fn history_runs(
        &self,
        read: &HistoryRead,
        first: Option<usize>,
    ) -> Result<(Vec<(String, Option<String>)>, bool), StoreError> {
        let wanted = first.unwrap_or(usize::MAX);
        let (mut runs, mut start) = (Vec::new(), None);
        loop {
            // Without a filter, DynamoDB stops at the limit exactly; with one, its
            // limit counts what it examined, so pages are read whole.
            let limit = match read.creator {
                None => Some((wanted - runs.len()).min(1000) as i32),
                Some(_) => None,
            };
            let page = self
                .history_query(read)
                .projection_expression("#i, #b")
                .expression_attribute_names("#i", attr::ID)
                .expression_attribute_names("#b", attr::HEAD_CREATOR)
                .set_limit(limit)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| {
                    sdk_call_error(e, "Query", &format!("{}/index/{HISTORY_INDEX}", self.tables.history))
                })?;
            charge(page.consumed_capacity.as_ref());
            for item in page.items.unwrap_or_default() {
                let text = |key: &str| item.get(key).and_then(|v| v.as_s().ok()).cloned();
                if let Some(id) = text(attr::ID) {
                    runs.push((id, text(attr::HEAD_CREATOR)));
                }
            }
            let next = page.last_evaluated_key.filter(|key| !key.is_empty());
            if runs.len() >= wanted {
                let complete = next.is_none() && runs.len() == wanted;
                runs.truncate(wanted);
                return Ok((runs, complete));
            }
            match next {
                Some(key) => start = Some(key),
                None => return Ok((runs, true)),
            }
        }
    }

    /// How many runs the integration (and creator) has: a COUNT of the index's entries.
    async fn history_count(&self, read: &HistoryRead) -> Result<usize, StoreError> {
        let (mut total, mut start) = (0, None);
        loop {
            let page = self
                .history_query(read)
                .select(aws_sdk_dynamodb::types::Select::Count)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| {
                    sdk_call_error(e, "Query", &format!("{}/index/{HISTORY_INDEX}", self.tables.history))
                })?;
            charge(page.consumed_capacity.as_ref());
            total += usize::try_from(page.count).unwrap_or_default();
            match page.last_evaluated_key.filter(|key| !key.is_empty()) {
                Some(key) => start = Some(key),
                None => return Ok(total),
            }
        }
    }

    async fn rooms_named(&self, name: &str) -> Result<Vec<RoomRecord>, StoreError> {
        let query = IndexQuery {
            table: &self.tables.rooms,
            index: ROOM_NAME_INDEX,
            attribute: attr::NAME,
            value: name,
            fetch: None,
        };
        let (rooms, _) = self
            .query(&query, None, true, None, |item| items::room_from(&items::item_of(item)), || false)
            .await?;
        Ok(rooms)
    }

    /// A shared partition's first page from the cache while it is fresh; any other
    /// read from DynamoDB.
    async fn partition_or_cached(&self, read: &PartitionRead) -> Result<PartitionPage, StoreError> {
        let cache = self.shared_first_pages.iter().find(|(p, _)| read.is_first_page_of(p)).map(|(_, c)| c);
        if let Some(page) = cache.and_then(Fresh::get) {
            return Ok(page);
        }
        let page = self.partition(read).await?;
        if let Some(cache) = cache {
            cache.put(page.clone());
        }
        Ok(page)
    }

    /// A partition of the room's integrations: its first bounded page, or the rest of
    /// it, whole or (past the first page) heads only. Read from its start with heads,
    /// its first page still comes whole: a room that fits in it needs nothing more.
    async fn partition(&self, read: &PartitionRead) -> Result<PartitionPage, StoreError> {
        let start = read.from.as_ref().and_then(Cursor::as_key).cloned();
        let target: Arc<str> = Arc::from(read.partition.as_str());
        let limit = (!read.to_the_end).then_some(FIRST_PAGE_ITEMS);
        let heads = match (read.heads_only, read.creators) {
            (false, _) => None,
            (true, true) => Some(HEAD_ATTRIBUTES),
            (true, false) => Some(HEAD_ATTRIBUTES_WITHOUT_CREATOR),
        };
        let shortlist = read.shortlist.as_deref().filter(|_| heads.is_some());
        let mut segment = if heads.is_some() && start.is_none() && read.to_the_end {
            let mut first = self
                .integrations(&target, None, false, Some(FIRST_PAGE_ITEMS), None, Sift::default())
                .await?;
            if let Some(resume) = first.next.take() {
                let sift = Sift { sieve: None, shortlist };
                let rest = self.integrations(&target, Some(resume), true, None, heads, sift).await?;
                first.integrations.extend(rest.integrations);
                first.next = rest.next;
                first.passed_over = rest.passed_over;
            }
            first
        } else {
            let sift = Sift { sieve: read.sieve.as_deref(), shortlist };
            self.integrations(&target, start, read.to_the_end, limit, heads, sift).await?
        };
        let integrations = std::mem::take(&mut segment.integrations);
        let next = segment.next.map(Cursor::key);
        let passed_over = segment.passed_over;
        Ok(PartitionPage { partition: read.partition.clone(), integrations, next, passed_over })
    }

    /// One query of a partition, whole or heads only. A heads read that meets an item
    /// written before heads were reads the same pages again, whole. Each integration
    /// passes `sift` as its page arrives.
    async fn integrations(
        &self,
        target: &Arc<str>,
        start: Option<Item>,
        to_the_end: bool,
        limit: Option<i32>,
        heads: Option<&'static [&'static str]>,
        sift: Sift<'_>,
    ) -> Result<Segment, StoreError> {
        let Sift { sieve, shortlist } = sift;
        let mut heads = heads;
        loop {
            let mut standing = shortlist.map(Shortlist::standing);
            let (index, attribute) = match heads {
                Some(_) => (INTEGRATION_HEADS_INDEX, attr::TARGET),
                None => (INTEGRATION_ROOM_INDEX, attr::ROOM_ID),
            };
            let query = IndexQuery {
                table: &self.tables.integrations,
                index,
                attribute,
                value: target,
                // Only what `items::IntegrationAttributes` reads: an attribute added there must
                // be added here too, or it never arrives.
                fetch: Some(heads.unwrap_or(WHOLE_ATTRIBUTES)),
            };
            let mut headless = false;
            let from = start.clone().map(|key| resume_key(key, attribute, target));
            let (mut integrations, next) = self
                .query(
                    &query,
                    from,
                    to_the_end,
                    limit,
                    |item: IntegrationAttributes| match item.into_integration(target) {
                        Ok(integration) => match (&mut standing, sieve) {
                            (Some(standing), _) => {
                                standing.offer(integration);
                                None
                            }
                            (None, Some(sieve)) => sieve.sift(integration, target),
                            (None, None) => Some(integration),
                        },
                        Err(Unreadable::NoHead) => {
                            headless = true;
                            None
                        }
                        Err(Unreadable::Broken) => {
                            tracing::error!(partition = &**target, "unreadable integration item skipped");
                            None
                        }
                    },
                    || sieve.is_some_and(Sieve::overflowed),
                )
                .await?;
            if headless && heads.is_some() {
                tracing::warn!(partition = &**target, "integrations without heads: import again");
                heads = None;
                continue;
            }
            let passed_over = match standing {
                Some(standing) => {
                    let (kept, passed_over) = standing.finish();
                    integrations.extend(kept);
                    passed_over
                }
                None => 0,
            };
            return Ok(Segment { integrations, next, passed_over });
        }
    }

    /// A GSI query from `start`: one page of at most `limit` items, or (`to_the_end`)
    /// every page until `LastEvaluatedKey` is absent or the page empty, as real
    /// DynamoDB may end, or until `stop` says what was read already decides the request.
    /// Each page is decoded as `R` and converted as it arrives, so one raw page is held
    /// at a time. Returns the items and where a further page starts.
    async fn query<R: DeserializeOwned, T>(
        &self,
        query: &IndexQuery<'_>,
        mut start: Option<Item>,
        to_the_end: bool,
        limit: Option<i32>,
        mut convert: impl FnMut(R) -> Option<T>,
        stop: impl Fn() -> bool,
    ) -> Result<(Vec<T>, Option<Item>), StoreError> {
        let mut items = Vec::new();
        let what = || format!("{}/index/{}", query.table, query.index);
        loop {
            let answer = Slot::default();
            self.client
                .query()
                .table_name(query.table)
                .index_name(query.index)
                .key_condition_expression("#k = :v")
                .expression_attribute_values(":v", AttributeValue::S(query.value.to_owned()))
                .set_exclusive_start_key(start.take())
                .set_limit(limit)
                .set_projection_expression(
                    query.fetch.map(|names| {
                        (0..names.len()).map(|i| format!("#p{i}")).collect::<Vec<_>>().join(", ")
                    }),
                )
                .set_expression_attribute_names(Some(
                    std::iter::once(("#k".to_owned(), query.attribute.to_owned()))
                        .chain(
                            query
                                .fetch
                                .unwrap_or_default()
                                .iter()
                                .enumerate()
                                .map(|(i, n)| (format!("#p{i}"), (*n).to_owned())),
                        )
                        .collect(),
                ))
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .customize()
                .interceptor(answer.divert())
                .send()
                .await
                .map_err(|e| sdk_call_error(e, "Query", &what()))?;
            let tail = answer
                .read_into(&mut convert, &mut items)
                .map_err(|why| StoreError::Call(format!("Query on {}: {why}", what())))?;
            super::meter::charge(tail.units);
            let empty = tail.items == 0;
            match tail.next {
                Some(key) if to_the_end && !empty && !stop() => start = Some(key),
                next => return Ok((items, if empty { None } else { next })),
            }
        }
    }
}

/// A position in a partition as the index about to be read keys it: both indexes
/// share the table's key (`_id`, `target`); the documents index adds `roomId`, which
/// is the partition's name.
fn resume_key(mut key: Item, index_key: &str, partition: &str) -> Item {
    if index_key == attr::ROOM_ID {
        key.insert(attr::ROOM_ID.to_owned(), items::s(partition));
    } else {
        key.remove(attr::ROOM_ID);
    }
    key
}

/// What one query of a partition read, and where the partition goes on.
struct Segment {
    integrations: Vec<Integration>,
    next: Option<Item>,
    passed_over: usize,
}

/// What each integration of a query passes as it arrives: at most one of them.
#[derive(Default, Clone, Copy)]
struct Sift<'a> {
    /// Documents read whole, thinned to the request's share (see [`Sieve`]).
    sieve: Option<&'a Sieve>,
    /// Heads, cut to those that can reach the page (see [`Shortlist`]).
    shortlist: Option<&'a Shortlist>,
}

/// Which index a query reads: its partition key attribute and the value asked for.
struct IndexQuery<'a> {
    table: &'a str,
    index: &'static str,
    attribute: &'static str,
    value: &'a str,
    /// The attributes to bring back (DynamoDB's projection); `None`: all of them.
    fetch: Option<&'static [&'static str]>,
}

async fn optional<T, F>(future: Option<F>) -> Result<Option<T>, StoreError>
where
    F: std::future::Future<Output = Result<T, StoreError>>,
{
    match future {
        Some(f) => f.await.map(Some),
        None => Ok(None),
    }
}

/// A key no record has, read only to see that its table answers.
const PROBE: &str = "-";

/// One key of each table a request reads by key (permissions are read anyway).
fn probe_keys() -> Vec<Key> {
    let id = || PROBE.to_owned();
    vec![
        Key::Token(id()),
        Key::User(id()),
        Key::Room(id()),
        Key::Team(id()),
        Key::Subscription { room: id(), user: id() },
        Key::Document { id: id(), target: id() },
        Key::HistoryRun(id()),
    ]
}

/// Keeps the SDK's detail for the log line; callers only ever see a 503.
fn call_error(error: impl std::error::Error) -> StoreError {
    StoreError::Call(super::sdk_error_text(error))
}

/// An SDK error of `operation` on `what`: a missing table or a denied call is a
/// misconfiguration, anything else the detail of one line for the log.
fn sdk_call_error<E, R>(
    error: aws_sdk_dynamodb::error::SdkError<E, R>,
    operation: &'static str,
    what: &str,
) -> StoreError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    if let aws_sdk_dynamodb::error::SdkError::ServiceError(e) = &error {
        if let Some(code @ ("ResourceNotFoundException" | "AccessDeniedException")) = e.err().code() {
            return StoreError::Misconfigured { operation, what: what.to_owned(), code: code.to_owned() };
        }
    }
    StoreError::Call(format!("{operation} on {what}: {}", super::sdk_error_line(&error)))
}
