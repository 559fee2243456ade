//! The store on DynamoDB: one BatchGetItem and the GSI queries, all at once.

use super::items::{self, Item, ALL_PUBLIC_CHANNELS};
use super::{Lookup, Snapshot, Store, StoreError};
use crate::access::PERMISSIONS;
use crate::config::{StoreSettings, TableNames, INTEGRATION_ROOM_INDEX, ROOM_NAME_INDEX};
use crate::model::{Integration, PermissionRoles, RoomRecord, RoomRef};
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, ReturnConsumedCapacity};
use aws_sdk_dynamodb::Client;
use futures::future::BoxFuture;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct DynamoStore {
    client: Client,
    tables: TableNames,
    settings: StoreSettings,
    /// The permission documents change rarely and are the same for every caller.
    permissions: Mutex<Option<(Instant, PermissionRoles)>>,
}

impl Store for DynamoStore {
    fn load<'a>(&'a self, lookup: Lookup<'a>) -> BoxFuture<'a, Result<Snapshot, StoreError>> {
        Box::pin(async move {
            tokio::time::timeout(self.settings.request_budget, self.load_within_budget(lookup))
                .await
                .map_err(|_| StoreError::Timeout)?
        })
    }
}

/// What the BatchGetItem of a request brings back.
#[derive(Default)]
struct Batch {
    items: HashMap<String, Vec<Item>>,
    read_units: f64,
}

/// Items a call read and the read capacity it consumed.
struct Read<T> {
    items: T,
    read_units: f64,
}

impl DynamoStore {
    pub fn new(client: Client, tables: TableNames, settings: StoreSettings) -> Self {
        DynamoStore { client, tables, settings, permissions: Mutex::new(None) }
    }

    /// Opens the connection (TLS included) and fills the permission cache, during
    /// init rather than in the first request.
    pub async fn warm_up(&self) -> Result<(), StoreError> {
        let batch = tokio::time::timeout(self.settings.request_budget, self.batch_get(Vec::new(), true))
            .await
            .map_err(|_| StoreError::Timeout)??;
        self.remember_permissions(&batch);
        Ok(())
    }

    async fn load_within_budget(&self, lookup: Lookup<'_>) -> Result<Snapshot, StoreError> {
        let cached = self.cached_permissions();
        let mut keys = vec![
            (self.tables.tokens.as_str(), "hashedToken", lookup.credentials.token_hash.as_str()),
            (self.tables.users.as_str(), "_id", lookup.credentials.user_id.as_str()),
        ];
        if let Some(RoomRef::Id(id)) = lookup.room {
            keys.push((self.tables.rooms.as_str(), "_id", id.as_str()));
        }
        let listing = lookup.with_integrations;
        let room_partition = match lookup.room {
            Some(RoomRef::Id(id)) if listing => Some(id.as_str()),
            _ => None,
        };
        let public_partition = (listing && lookup.include_all_public_channels).then_some(ALL_PUBLIC_CHANNELS);
        let room_name = match lookup.room {
            Some(RoomRef::Name(name)) => Some(name.as_str()),
            _ => None,
        };

        // The one parallel round.
        let (batch, named_rooms, in_room, in_public) = tokio::try_join!(
            self.batch_get(keys, cached.is_none()),
            optional(room_name.map(|name| self.rooms_named(name))),
            optional(room_partition.map(|id| self.partition(id))),
            optional(public_partition.map(|id| self.partition(id))),
        )?;

        let permissions = match cached {
            Some(permissions) => permissions,
            None => self.remember_permissions(&batch),
        };
        let first = |table: &str| batch.items.get(table).and_then(|items| items.first());
        let room = match lookup.room {
            Some(RoomRef::Id(_)) => first(&self.tables.rooms).and_then(items::room_from),
            _ => named_rooms.as_ref().and_then(|r| pick_channel(&r.items)),
        };
        // A room named rather than identified costs a second round for its partition.
        let named_room_partition = match (&room, lookup.room) {
            (Some(found), Some(RoomRef::Name(_))) if lookup.with_integrations => {
                Some(self.partition(&found.id).await?)
            }
            _ => None,
        };
        let reads = [in_room, named_room_partition, in_public].into_iter().flatten();
        let mut read_units = batch.read_units + named_rooms.as_ref().map_or(0.0, |r| r.read_units);
        let mut integrations = Vec::new();
        for read in reads {
            read_units += read.read_units;
            integrations.extend(read.items);
        }
        Ok(Snapshot {
            token: first(&self.tables.tokens).and_then(items::token_from),
            user: first(&self.tables.users).and_then(items::user_from),
            permissions,
            room,
            integrations,
            read_units,
        })
    }

    fn cached_permissions(&self) -> Option<PermissionRoles> {
        let guard = self.permissions.lock().unwrap_or_else(|e| e.into_inner());
        guard.as_ref().filter(|(at, _)| at.elapsed() < self.settings.permissions_ttl).map(|(_, p)| p.clone())
    }

    fn remember_permissions(&self, batch: &Batch) -> PermissionRoles {
        let permissions: PermissionRoles = batch
            .items
            .get(&self.tables.permissions)
            .into_iter()
            .flatten()
            .filter_map(items::permission_from)
            .collect();
        if !self.settings.permissions_ttl.is_zero() {
            let mut guard = self.permissions.lock().unwrap_or_else(|e| e.into_inner());
            *guard = Some((Instant::now(), permissions.clone()));
        }
        permissions
    }

    /// One BatchGetItem over the given (table, key attribute, value) triples plus,
    /// when asked, the four permission documents; unprocessed keys are retried.
    async fn batch_get(
        &self,
        keys: Vec<(&str, &str, &str)>,
        with_permissions: bool,
    ) -> Result<Batch, StoreError> {
        let mut request: HashMap<String, KeysAndAttributes> = HashMap::new();
        let permission_keys = PERMISSIONS.map(|p| (self.tables.permissions.as_str(), "_id", p));
        let all = keys.into_iter().chain(permission_keys.into_iter().filter(|_| with_permissions));
        for (table, attribute, value) in all {
            let key = Item::from([(attribute.to_owned(), items::s(value))]);
            let entry = request.remove(table).map(|k| k.keys.clone()).unwrap_or_default();
            let keys = entry.into_iter().chain([key]).collect();
            let built = KeysAndAttributes::builder().set_keys(Some(keys)).build().map_err(call_error)?;
            request.insert(table.to_owned(), built);
        }
        let mut batch = Batch::default();
        let mut backoff = Duration::from_millis(10);
        while !request.is_empty() {
            let output = self
                .client
                .batch_get_item()
                .set_request_items(Some(request))
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(call_error)?;
            for (table, found) in output.responses.unwrap_or_default() {
                batch.items.entry(table).or_default().extend(found);
            }
            batch.read_units +=
                output.consumed_capacity.iter().flatten().filter_map(|c| c.capacity_units).sum::<f64>();
            request = output.unprocessed_keys.unwrap_or_default();
            if !request.is_empty() {
                // DynamoDB's advice for unprocessed keys: back off, then ask again.
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_millis(200));
            }
        }
        Ok(batch)
    }

    async fn rooms_named(&self, name: &str) -> Result<Read<Vec<RoomRecord>>, StoreError> {
        self.query_all(&self.tables.rooms, ROOM_NAME_INDEX, "name", name, None, |item| {
            items::room_from(&item)
        })
        .await
    }

    /// Every integration stored under one partition of the `roomId` index, all pages.
    async fn partition(&self, room_id: &str) -> Result<Read<Vec<Integration>>, StoreError> {
        let index = INTEGRATION_ROOM_INDEX;
        self.query_all(&self.tables.integrations, index, "roomId", room_id, Some("doc"), |item| {
            let parsed = items::integration_from(&item);
            if parsed.is_none() {
                tracing::error!(partition = room_id, "unreadable integration item skipped");
            }
            parsed
        })
        .await
    }

    /// A GSI query followed to its last page (`LastEvaluatedKey` until absent; an
    /// empty last page, as real DynamoDB may send, ends the loop too). Each page's
    /// items are converted as the page arrives, so only one raw page is held at once.
    async fn query_all<T>(
        &self,
        table: &str,
        index: &str,
        attribute: &str,
        value: &str,
        projection: Option<&str>,
        mut convert: impl FnMut(Item) -> Option<T>,
    ) -> Result<Read<Vec<T>>, StoreError> {
        let mut items = Vec::new();
        let mut read_units = 0.0;
        let mut start: Option<Item> = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(table)
                .index_name(index)
                .key_condition_expression("#k = :v")
                .expression_attribute_names("#k", attribute)
                .expression_attribute_values(":v", AttributeValue::S(value.to_owned()))
                .set_exclusive_start_key(start.take())
                .return_consumed_capacity(ReturnConsumedCapacity::Total);
            if let Some(attr) = projection {
                query = query
                    .projection_expression("#k, #p, #id")
                    .expression_attribute_names("#p", attr)
                    .expression_attribute_names("#id", "_id");
            }
            let page = query.send().await.map_err(call_error)?;
            items.extend(page.items.unwrap_or_default().into_iter().filter_map(&mut convert));
            read_units += page.consumed_capacity.and_then(|c| c.capacity_units).unwrap_or_default();
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(Read { items, read_units }),
            }
        }
    }
}

/// A room looked up by name: Rocket.Chat names are unique, but prefer a channel.
fn pick_channel(rooms: &[RoomRecord]) -> Option<RoomRecord> {
    rooms.iter().find(|r| r.kind == "c" || r.kind == "l").or(rooms.first()).cloned()
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

/// Keeps the SDK's detail for the log line; callers only ever see a 503.
fn call_error(error: impl std::error::Error) -> StoreError {
    StoreError::Call(aws_smithy_types::error::display::DisplayErrorContext(error).to_string())
}
