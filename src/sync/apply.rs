//! Applying changes: each document's new state replaces its previous one, through
//! the same conversion `import` uses.
//!
//! A batch is applied in rounds, each a few parallel DynamoDB calls whatever the
//! batch's size: rooms first (integrations' `#name` targets resolve against them),
//! then the integrations whose targets name a room that was created, renamed or
//! deleted are placed again, then every other collection. Within a round, per
//! document: its state is read (consistently); events not newer than its version are
//! stale; of the rest the newest that converts wins (an older one in the same batch
//! would be overwritten by it anyway). Then, for all documents at once:
//!
//! 1. an integration's ref items are written *before* its targets are resolved, and
//!    a room's items before it looks for refs, so that an integration and a room
//!    applied at the same moment in different shards cannot both miss each other;
//! 2. the states of documents that gain item keys are written with those keys as
//!    `pending`, so an interrupted apply leaves nothing the next one would not remove;
//! 3. the items whose content changed are written, the keys no longer produced deleted;
//! 4. the states are written with the new version.
//!
//! Every step is idempotent: a batch interrupted anywhere and applied again ends in
//! the same tables.

use super::dynamo::{self, StoreFailure, Write};
use super::event::{Change, Failure, Op, Version};
use super::state::{content_hash, DocKey, ItemKey, State};
use crate::config::TableNames;
use crate::ingest::targets::{self, Rooms};
use crate::ingest::{Collection, ConvertOptions, Converter, Doc, Items, Summary, Table};
use crate::store::items::{attr, s, Item};
use aws_sdk_dynamodb::Client;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::Duration;

/// What became of one change.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Applied (or overtaken by a newer event of the same document in the batch).
    Applied,
    /// Not newer than the document's applied version: changed nothing.
    Stale,
    Failed(Failure),
}

/// A batch's outcomes, one per change in order, and what it cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
    /// Integrations placed again because a room they name changed.
    pub replaced: usize,
    /// Items put or deleted, states included: DynamoDB writes.
    pub writes: usize,
}

/// Applies changes to the tables; built once (per container, per command).
pub struct Applier {
    client: Client,
    tables: TableNames,
    login_expiration_days: i64,
    /// How long a deleted document's version is kept.
    tombstone: Duration,
}

/// One document's change as a round sees it.
struct Entry {
    doc: DocKey,
    version: Version,
    op: Op,
    /// Its position in the batch; `None` for a placement again.
    index: Option<usize>,
}

/// The winner of one document in a round.
struct Plan {
    doc: DocKey,
    version: Version,
    old: State,
    /// `None` for a delete.
    new: Option<BTreeMap<ItemKey, (String, Item)>>,
    document: Option<Json>,
}

impl Applier {
    pub fn new(client: Client, tables: TableNames, login_expiration_days: i64, tombstone: Duration) -> Self {
        Applier { client, tables, login_expiration_days, tombstone }
    }

    /// From `ACCOUNTS_LOGIN_EXPIRATION_DAYS` and `TOMBSTONE_DAYS` (default 30).
    pub fn from_env(client: Client, tables: TableNames) -> Self {
        let options = ConvertOptions::from_env();
        let days: u64 = crate::config::env_or("TOMBSTONE_DAYS", 30).max(1);
        Applier::new(client, tables, options.login_expiration_days, Duration::from_secs(days * 86_400))
    }

    pub fn tables(&self) -> &TableNames {
        &self.tables
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Applies a batch. A DynamoDB failure fails the whole batch (nothing reported as
    /// applied; applying it again is safe); a bad change fails alone, in its outcome.
    pub async fn apply(&self, changes: Vec<Change>) -> Result<Report, StoreFailure> {
        let mut report = Report { outcomes: vec![Outcome::Applied; changes.len()], ..Report::default() };
        let (rooms, others): (Vec<_>, Vec<_>) =
            changes.into_iter().enumerate().partition(|(_, c)| c.collection == Collection::Rooms);
        let entries = |changes: Vec<(usize, Change)>| -> Vec<Entry> {
            changes
                .into_iter()
                .map(|(i, c)| Entry {
                    doc: DocKey { collection: c.collection, id: c.id },
                    version: c.version,
                    op: c.op,
                    index: Some(i),
                })
                .collect()
        };
        let changed_refs = self.round(entries(rooms), None, &mut report).await?;
        self.place_again(changed_refs, &mut report).await?;
        self.round(entries(others), None, &mut report).await?;
        Ok(report)
    }

    /// One round; returns the `#X` targets whose resolution it may have changed.
    /// `states`: the documents' states when the caller has just read them.
    async fn round(
        &self,
        entries: Vec<Entry>,
        states: Option<HashMap<DocKey, State>>,
        report: &mut Report,
    ) -> Result<BTreeSet<String>, StoreFailure> {
        if entries.is_empty() {
            return Ok(BTreeSet::new());
        }
        let mut by_doc: BTreeMap<DocKey, Vec<Entry>> = BTreeMap::new();
        for entry in entries {
            by_doc.entry(entry.doc.clone()).or_default().push(entry);
        }
        let states = match states {
            Some(states) => states,
            None => self.states(by_doc.keys()).await?,
        };
        let now = chrono::Utc::now().timestamp();
        let converter =
            Converter { options: ConvertOptions { login_expiration_days: self.login_expiration_days, now } };

        // Per document: stale events, then the newest that converts.
        let mut winners = Vec::new();
        for (doc, mut candidates) in by_doc {
            let old = states.get(&doc).cloned().unwrap_or_default();
            candidates.sort_by_key(|c| std::cmp::Reverse(c.version));
            let mut won = false;
            for entry in candidates {
                let placing_again = entry.index.is_none();
                let stale = if placing_again {
                    old.gone || old.version != Some(entry.version)
                } else {
                    old.version.is_some_and(|v| entry.version <= v)
                };
                let outcome = if stale {
                    Outcome::Stale
                } else if won {
                    Outcome::Applied
                } else {
                    match check(&converter, &doc, &entry.op) {
                        Ok(items) => {
                            won = true;
                            let document = match entry.op {
                                Op::Upsert(json) => Some(json),
                                Op::Delete => None,
                            };
                            winners.push(Plan {
                                doc: doc.clone(),
                                version: entry.version,
                                old: old.clone(),
                                new: items.map(keyed),
                                document,
                            });
                            Outcome::Applied
                        }
                        Err(reason) => Outcome::Failed(Failure {
                            collection: Some(doc.collection.name().to_owned()),
                            id: Some(doc.id.clone()),
                            reason,
                        }),
                    }
                };
                match entry.index {
                    Some(i) => report.outcomes[i] = outcome,
                    None if outcome == Outcome::Applied && won => report.replaced += 1,
                    None => {}
                }
            }
        }

        // 1. Integrations: refs first, then their targets resolved.
        let mut early: HashSet<ItemKey> = HashSet::new();
        let mut refs_wanted = BTreeSet::new();
        let mut ref_writes = Vec::new();
        for plan in &winners {
            let Some(document) =
                plan.document.as_ref().filter(|_| plan.doc.collection == Collection::Integrations)
            else {
                continue;
            };
            for room in targets::room_refs(document.get("channel")) {
                refs_wanted.insert(room.to_owned());
                let item = targets::ref_item(room, &plan.doc.id);
                let key = ItemKey::of(Table::Sync, &item);
                if !plan.old.items.contains_key(&key) && early.insert(key) {
                    ref_writes.push(Write::Put(item));
                }
            }
        }
        report.writes += dynamo::write_all(&self.client, &self.tables.sync, ref_writes).await?;
        let rooms = self.resolve(refs_wanted).await?;

        // The integrations' items, now that their targets are resolved (every other
        // document's came from its check).
        let mut summary = Summary::default();
        for plan in winners.iter_mut().filter(|p| p.new.is_none()) {
            if let Some(json) = &plan.document {
                let doc = Doc { file: plan.doc.collection.name(), line: 0, json: json.clone() };
                let items = converter
                    .convert(plan.doc.collection, &doc, &rooms, &mut summary)
                    .map_err(|e| StoreFailure(format!("a document converted once and not twice: {e}")))?;
                plan.new = Some(keyed(items));
            }
        }

        // 2. Pending keys recorded before they are written. A document without a state
        // needs none: whatever an interrupted first apply wrote, applying the same
        // change again (a retried batch, an import run again) writes the same keys.
        let mut intents = Vec::new();
        for plan in winners.iter().filter(|p| p.old != State::default()) {
            let new_keys: Vec<&ItemKey> = plan.new.iter().flat_map(|n| n.keys()).collect();
            let added: Vec<ItemKey> =
                new_keys.into_iter().filter(|k| !plan.old.items.contains_key(*k)).cloned().collect();
            if !added.is_empty() {
                let mut intent = plan.old.clone();
                intent.pending.extend(added);
                intent.pending.sort();
                intent.pending.dedup();
                intents.push(Write::Put(intent.to_item(&plan.doc, None)));
            }
        }
        report.writes += dynamo::write_all(&self.client, &self.tables.sync, intents).await?;

        // 3. Items: what changed written, what is no longer produced deleted. A key two
        // documents share is written once, a put winning over a delete.
        let mut writes: HashMap<ItemKey, Write> = HashMap::new();
        let mut changed_refs = BTreeSet::new();
        for plan in &winners {
            let new = plan.new.clone().unwrap_or_default();
            for key in plan.old.written() {
                if !new.contains_key(key) {
                    writes.entry(key.clone()).or_insert_with(|| Write::Delete(key.item()));
                }
            }
            for (key, (hash, item)) in new {
                if plan.old.items.get(&key) != Some(&hash) && !early.contains(&key) {
                    writes.insert(key, Write::Put(item));
                }
            }
            if plan.doc.collection == Collection::Rooms {
                changed_refs.extend(room_refs_changed(plan));
            }
        }
        let mut per_table: BTreeMap<Table, Vec<Write>> = BTreeMap::new();
        for (key, write) in writes {
            per_table.entry(key.table).or_default().push(write);
        }
        let calls = per_table.into_iter().map(|(table, writes)| {
            let name = table.name(&self.tables).to_owned();
            async move { dynamo::write_all(&self.client, &name, writes).await }
        });
        report.writes += futures::future::try_join_all(calls).await?.into_iter().sum::<usize>();

        // 4. The states, at their new versions.
        let expires = now + self.tombstone.as_secs() as i64;
        let finals = winners
            .iter()
            .map(|plan| {
                let state = State {
                    version: Some(plan.version),
                    items: plan.new.iter().flatten().map(|(k, (h, _))| (k.clone(), h.clone())).collect(),
                    pending: Vec::new(),
                    gone: plan.new.is_none(),
                };
                Write::Put(state.to_item(&plan.doc, state.gone.then_some(expires)))
            })
            .collect();
        report.writes += dynamo::write_all(&self.client, &self.tables.sync, finals).await?;
        Ok(changed_refs)
    }

    async fn states<'a>(
        &self,
        docs: impl Iterator<Item = &'a DocKey>,
    ) -> Result<HashMap<DocKey, State>, StoreFailure> {
        let keys = docs.map(DocKey::state_key).collect();
        let found = dynamo::get_all(&self.client, &self.tables.sync, keys).await?;
        Ok(found
            .iter()
            .filter_map(|item| {
                let partition = item.get(attr::PK)?.as_s().ok()?;
                Some((DocKey::from_partition(partition)?, State::from_item(item)))
            })
            .collect())
    }

    /// `#X` → the rooms it names now: the room whose id is X (not a private group) and
    /// every room whose target name is X, both looked up at once.
    async fn resolve(&self, wanted: BTreeSet<String>) -> Result<Rooms, StoreFailure> {
        if wanted.is_empty() {
            return Ok(Rooms::default());
        }
        let keys = wanted.iter().map(|id| Item::from([(attr::ID.to_owned(), s(id.as_str()))])).collect();
        let lookups = wanted.iter().map(|name| async move {
            let rooms =
                dynamo::sort_keys(&self.client, &self.tables.sync, &targets::name_partition(name)).await?;
            Ok::<_, StoreFailure>((name.clone(), rooms.into_iter().collect::<BTreeSet<String>>()))
        });
        let (found, names) = tokio::try_join!(
            dynamo::get_all(&self.client, &self.tables.rooms, keys),
            futures::future::try_join_all(lookups),
        )?;
        let ids: HashSet<String> = found
            .iter()
            .filter(|item| {
                targets::found_by_id(
                    item.get(attr::ROOM_TYPE).and_then(|t| t.as_s().ok()).map(String::as_str),
                )
            })
            .filter_map(|i| i.get(attr::ID)?.as_s().ok().cloned())
            .collect();
        let by_name = names.into_iter().filter(|(_, rooms)| !rooms.is_empty()).collect();
        Ok(Rooms { by_id: ids, by_name })
    }

    /// Integrations targeting any of `refs`, converted again from their stored
    /// documents at their own versions.
    async fn place_again(&self, refs: BTreeSet<String>, report: &mut Report) -> Result<(), StoreFailure> {
        if refs.is_empty() {
            return Ok(());
        }
        let lookups = refs.iter().map(|x| async move {
            dynamo::sort_keys(&self.client, &self.tables.sync, &targets::ref_partition(x)).await
        });
        let ids: BTreeSet<String> =
            futures::future::try_join_all(lookups).await?.into_iter().flatten().collect();
        let docs: Vec<DocKey> =
            ids.into_iter().map(|id| DocKey { collection: Collection::Integrations, id }).collect();
        let states = self.states(docs.iter()).await?;
        // Any one of an integration's items holds its document.
        let mut stored = Vec::new();
        for (doc, state) in &states {
            if state.gone {
                continue;
            }
            if let (Some(version), Some(key)) =
                (state.version, state.items.keys().find(|k| k.table == Table::Integrations))
            {
                stored.push((doc.clone(), version, key.item()));
            }
        }
        let items = dynamo::get_all(
            &self.client,
            &self.tables.integrations,
            stored.iter().map(|s| s.2.clone()).collect(),
        )
        .await?;
        let texts: HashMap<String, String> = items
            .iter()
            .filter_map(|i| {
                Some((i.get(attr::ID)?.as_s().ok()?.clone(), i.get(attr::DOC)?.as_s().ok()?.clone()))
            })
            .collect();
        let entries = stored
            .into_iter()
            .filter_map(|(doc, version, _)| {
                let json = serde_json::from_str(texts.get(&doc.id)?).ok()?;
                Some(Entry { doc, version, op: Op::Upsert(json), index: None })
            })
            .collect();
        self.round(entries, Some(states), report).await.map(drop)
    }
}

/// Whether a change can be applied: a delete always can, an upsert if its document
/// converts. Returns the upsert's items, but an integration's: those depend on its
/// targets' rooms, resolved later (its placement cannot fail, so `Nowhere` checks it).
fn check(converter: &Converter, doc: &DocKey, op: &Op) -> Result<Option<Items>, String> {
    let Op::Upsert(json) = op else { return Ok(None) };
    if crate::ingest::id_key(json.get("_id").unwrap_or(&Json::Null)).as_deref() != Some(doc.id.as_str()) {
        return Err("the document's `_id` is not the event's".into());
    }
    let document = Doc { file: doc.collection.name(), line: 0, json: json.clone() };
    let items = converter.convert(doc.collection, &document, &targets::Nowhere, &mut Summary::default())?;
    Ok((doc.collection != Collection::Integrations).then_some(items))
}

/// Items by key, with their content hashes.
fn keyed(items: Items) -> BTreeMap<ItemKey, (String, Item)> {
    items.into_iter().map(|(table, item)| (ItemKey::of(table, &item), (content_hash(&item), item))).collect()
}

/// The targets a room's change may resolve differently: its id when it appears or
/// goes or turns private or public (its name record, hashed, says which), its old
/// and new target names when they differ.
fn room_refs_changed(plan: &Plan) -> Vec<String> {
    let name_of = |key: &ItemKey| {
        let pk = key.values.first().filter(|_| key.table == Table::Sync)?;
        targets::name_in(pk).map(str::to_owned)
    };
    let existed = !plan.old.gone && plan.old.items.keys().any(|k| k.table == Table::Rooms);
    let exists = plan.new.is_some();
    let old_record = plan.old.items.iter().find_map(|(key, hash)| Some((name_of(key)?, hash.clone())));
    let new_record = plan
        .new
        .as_ref()
        .and_then(|n| n.iter().find_map(|(key, (hash, _))| Some((name_of(key)?, hash.clone()))));
    let mut changed = Vec::new();
    if existed != exists || old_record != new_record {
        changed.push(plan.doc.id.clone());
        changed.extend(old_record.map(|(name, _)| name));
        changed.extend(new_record.map(|(name, _)| name));
    }
    changed.dedup();
    changed
}
