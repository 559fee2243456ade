//! Fetch: which reads a request makes, round by round, and what it has read so far.
//!
//! The plan is pure (the `*_round` functions); [`Reader`] executes each round on the
//! store within the request's time budget. The rounds of a request by `roomId`:
//!
//! 1. always: token, user, permission documents, the room and the caller's
//!    subscription to it, and the **first bounded page** of the room's and
//!    `all_public_channels`' integrations (the store may serve the permissions and
//!    `all_public_channels`' page from its per-container caches);
//! 2. only when room access (contract §5a) is still undecided: team and team
//!    membership, discussion parent, department agent — one round per level;
//! 3. only when a partition did not fit in its first page: the rest of it.
//!
//! By `roomName`, round 1 looks the name up instead, and the room's subscription and
//! first page come with the first round that follows authentication. Before the caller
//! is authenticated, authorized and allowed into the room, nothing is read past one
//! bounded page per partition: a refused request costs what that page costs.

use crate::access::{Visibility, PERMISSIONS};
use crate::auth::Credentials;
use crate::error::ApiError;
use crate::model::{Body, Integration, PermissionRoles, RoomRecord, RoomRef, TokenRecord, UserRecord};
use crate::params::{Count, Sort, Window};
use crate::request::ParsedRequest;
use crate::select::sorts_on_heads;
use crate::shortlist::Shortlist;
use crate::sieve::Sieve;
use crate::store::meter::Meter;
use crate::store::{Cursor, Fetched, HistoryPage, Key, PartitionRead, Record, Round, Store};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::time::Instant;

/// What the request will read, decided by parsing alone.
#[derive(Debug, Clone)]
pub struct Wants<'a> {
    pub credentials: &'a Credentials,
    pub room: Option<&'a RoomRef>,
    /// False when the request will fail before listing, so no integration is read.
    pub listing: bool,
    /// The partition listed beside the room's own (`all_public_channels`,
    /// `all_private_groups`), or, without a room, the one listed (the workspace).
    pub shared: Option<&'static str>,
    /// The listing can be selected on heads and its page is small: past their first
    /// page, partitions are read from the heads index and the page's documents by key.
    pub heads_suffice: bool,
    /// When the listing needs documents (`heads_suffice` is false), how they are
    /// thinned as they arrive: a bounded share of them is held whatever the room's size.
    pub sieve: Option<Arc<Sieve>>,
    /// Records the endpoint reads beside the caller's own, in the first round.
    pub keys: Vec<Key>,
}

/// The largest page whose documents are read by key after a heads-only listing. By
/// key each document costs at least 0.5 RCU; a query reads 4 KB of documents for 0.5
/// RCU, so larger pages read the room's documents whole.
pub const PAGE_BY_KEY_MAX: u64 = 100;

impl<'a> Wants<'a> {
    /// A request that reads the caller's records only (and then `keys`).
    pub fn caller(credentials: &'a Credentials, keys: Vec<Key>) -> Self {
        Wants {
            credentials,
            room: None,
            listing: false,
            shared: None,
            heads_suffice: false,
            sieve: None,
            keys,
        }
    }

    /// A listing: of `request.room` and `shared`, or of `shared` alone without a room.
    /// One that needs documents holds at most `documents_held` bytes of them whole (see
    /// [`Sieve`]; the page's others are read by key, as far as the body holds them).
    pub fn listing(
        request: &'a ParsedRequest,
        credentials: &'a Credentials,
        shared: Option<&'static str>,
        documents_held: usize,
    ) -> Self {
        let room = request.room.as_ref().and_then(|room| room.as_ref().ok());
        let listing = request.listing.as_ref().ok();
        let on_heads = listing.filter(|l| l.filter.is_none() && sorts_on_heads(&l.sort));
        let small_page =
            |l: &crate::request::Listing| matches!(l.count, Count::Limit(n) if n <= PAGE_BY_KEY_MAX);
        let heads_suffice = on_heads.is_some_and(small_page);
        let sieve = listing
            .filter(|_| !heads_suffice)
            .map(|l| Arc::new(Sieve::new(l.filter.clone(), &l.sort, documents_held)));
        let room_ok = request.room.as_ref().is_none_or(|room| room.is_ok());
        Wants {
            credentials,
            room,
            listing: room_ok && request.listing.is_ok(),
            shared: shared.filter(|_| request.include_shared),
            heads_suffice,
            sieve,
            keys: Vec::new(),
        }
    }

    /// The partitions listed: `room_id`'s and the shared one, when listing at all.
    fn partitions<'r>(&self, room_id: Option<&'r str>) -> Vec<&'r str> {
        if self.listing {
            room_id.into_iter().chain(self.shared).collect()
        } else {
            Vec::new()
        }
    }
}

/// Round 1: everything known before anything is read.
pub fn first_round(wants: &Wants) -> Round {
    let user = &wants.credentials.user_id;
    let mut keys = vec![Key::Token(wants.credentials.token_hash.clone()), Key::User(user.clone())];
    keys.extend(PERMISSIONS.iter().map(|(id, _)| Key::Permission((*id).to_owned())));
    keys.extend(wants.keys.iter().cloned());
    let mut round = Round { keys, ..Round::default() };
    match wants.room {
        Some(RoomRef::Id(id)) => {
            round.keys.push(Key::Room(id.clone()));
            round.keys.push(Key::Subscription { room: id.clone(), user: user.clone() });
            round.partitions =
                wants.partitions(Some(id)).into_iter().map(PartitionRead::first_page).collect();
        }
        Some(RoomRef::Name(name)) => {
            round.room_name = Some(name.clone());
            // Not room-specific: the same page whatever room is named.
            round.partitions = wants.partitions(None).into_iter().map(PartitionRead::first_page).collect();
        }
        None => {
            round.partitions = wants.partitions(None).into_iter().map(PartitionRead::first_page).collect()
        }
    }
    round
}

/// A round for the keys room access needs, with the first page of any partition not
/// yet started (a room named rather than identified), so listing costs no extra round.
pub fn access_round(needed: Vec<Key>, facts: &Facts, wants: &Wants, room: &RoomRecord) -> Round {
    let partitions = wants.partitions(Some(&room.id));
    let unstarted = partitions.into_iter().filter(|p| !facts.partitions.contains_key(*p));
    Round { keys: needed, partitions: unstarted.map(PartitionRead::first_page).collect(), ..Round::default() }
}

/// How the caller's listing ranks what it may see: fixed once the caller is allowed.
#[derive(Debug, Clone, Copy)]
pub struct Ranking<'a> {
    pub visibility: &'a Visibility,
    pub sort: &'a Sort,
    pub window: Window,
}

/// The last round, once the caller may list: whatever the partitions still hold.
/// A caller who may not see everything reads the rest as heads whatever the request
/// needs, creators included: visibility is decided on heads before any document is
/// read. Any other caller's heads leave their creators out. When heads decide the page
/// and one partition alone goes on past its first page, its heads are shortlisted as
/// they arrive (see [`Shortlist`]).
pub fn listing_round(facts: &Facts, wants: &Wants, room: Option<&RoomRecord>, ranking: Ranking) -> Round {
    let restricted = *ranking.visibility != Visibility::Everything;
    let mut rest: Vec<PartitionRead> = wants
        .partitions(room.map(|r| r.id.as_str()))
        .into_iter()
        .filter_map(|partition| {
            let from = match facts.partitions.get(partition) {
                None => None,
                Some(read) => Some(read.next.clone()?),
            };
            Some(PartitionRead {
                partition: partition.to_owned(),
                from,
                to_the_end: true,
                heads_only: wants.heads_suffice || restricted,
                creators: restricted,
                sieve: wants.sieve.clone(),
                shortlist: None,
            })
        })
        .collect();
    if let ([read], true) = (rest.as_mut_slice(), wants.heads_suffice) {
        // Every other partition is read whole: its ids are pinned.
        let others = facts.partitions.iter().filter(|(name, _)| **name != read.partition);
        let pinned =
            others.flat_map(|(_, so_far)| so_far.integrations.iter().map(|i| i.id.clone())).collect();
        read.shortlist = Some(Arc::new(Shortlist {
            visibility: ranking.visibility.clone(),
            sort: ranking.sort.clone(),
            keep: ranking.window.end(),
            pinned,
        }));
    }
    Round { partitions: rest, ..Round::default() }
}

/// Documents read by key in one round at most: five BatchGetItem calls at once.
pub const DOCUMENTS_PER_ROUND: usize = 500;

/// After selection: the documents of the page's integrations whose heads alone were read.
pub fn documents_round(page: &[Integration]) -> Round {
    Round { keys: page.iter().filter_map(unread_document).collect(), ..Round::default() }
}

/// The key of an integration's document, when only its head was read.
fn unread_document(integration: &Integration) -> Option<Key> {
    match &integration.body {
        Body::Unread { target } | Body::Sifted { target, .. } => {
            Some(Key::Document { id: integration.id.clone(), target: target.to_string() })
        }
        Body::Stored(_) => None,
    }
}

/// Everything read so far, and what was asked but not found.
#[derive(Debug, Default)]
pub struct Facts {
    /// Every key asked: `None` when it was not found.
    known: HashMap<Key, Option<Record>>,
    rooms_named: Vec<RoomRecord>,
    partitions: HashMap<String, PartitionSoFar>,
    /// The last history read's answer.
    pub history: Option<HistoryPage>,
}

#[derive(Debug, Default)]
struct PartitionSoFar {
    /// Heads read and passed over by a shortlist: visible, and behind the page.
    passed_over: usize,
    integrations: Vec<Integration>,
    /// Where to go on; `None` once the partition has been read to its end.
    next: Option<Cursor>,
}

impl Facts {
    /// `None` if the key has not been read; `Some(None)` if it was and nothing is there.
    pub fn lookup(&self, key: &Key) -> Option<Option<&Record>> {
        self.known.get(key).map(Option::as_ref)
    }

    pub(crate) fn absorb(&mut self, round: Round, fetched: Fetched) {
        for key in round.keys {
            self.known.entry(key).or_insert(None);
        }
        for (key, record) in fetched.records {
            self.known.insert(key, Some(record));
        }
        for room in &fetched.rooms_named {
            self.known.insert(Key::Room(room.id.clone()), Some(Record::Room(room.clone())));
        }
        self.rooms_named.extend(fetched.rooms_named);
        if fetched.history.is_some() {
            self.history = fetched.history;
        }
        for page in fetched.pages {
            let so_far = self.partitions.entry(page.partition).or_default();
            so_far.integrations.extend(page.integrations);
            so_far.next = page.next;
            so_far.passed_over += page.passed_over;
        }
    }

    /// The caller, authenticated on round 1's token and user (contract §3); its id goes
    /// to `authenticated` for the request line. Every endpoint's first stage.
    pub fn authenticate(
        &self,
        credentials: &Credentials,
        authenticated: &mut Option<String>,
    ) -> Result<UserRecord, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let token = self.token(&credentials.token_hash);
        let user = crate::auth::authenticate(credentials, token, self.user(&credentials.user_id), now)?;
        *authenticated = Some(user.id.clone());
        Ok(user)
    }

    pub fn token(&self, hash: &str) -> Option<TokenRecord> {
        match self.lookup(&Key::Token(hash.to_owned())) {
            Some(Some(Record::Token(token))) => Some(token.clone()),
            _ => None,
        }
    }

    pub fn user(&self, id: &str) -> Option<UserRecord> {
        match self.lookup(&Key::User(id.to_owned())) {
            Some(Some(Record::User(user))) => Some(user.clone()),
            _ => None,
        }
    }

    /// The permission documents found; absent ones fall back to their defaults.
    pub fn permissions(&self) -> PermissionRoles {
        let found = self.known.iter().filter_map(|(key, record)| match (key, record) {
            (Key::Permission(id), Some(Record::Permission(roles))) => Some((id.clone(), roles.clone())),
            _ => None,
        });
        found.collect()
    }

    /// The room the request names. By name, Rocket.Chat's names are unique, but a
    /// room of the kind the endpoint lists is preferred should two rooms share one.
    pub fn room(&self, room: &RoomRef, preferred: fn(&RoomRecord) -> bool) -> Option<RoomRecord> {
        match room {
            RoomRef::Id(id) => match self.lookup(&Key::Room(id.clone())) {
                Some(Some(Record::Room(room))) => Some(room.clone()),
                _ => None,
            },
            RoomRef::Name(_) => {
                let rooms = &self.rooms_named;
                rooms.iter().find(|r| preferred(r)).or(rooms.first()).cloned()
            }
        }
    }

    /// Every integration read, a list per partition (named), each in the order read;
    /// an integration may appear in more than one.
    /// The count of the heads shortlists passed over (which the page's `total` counts)
    /// is left behind: see [`Facts::passed_over`].
    pub fn take_partitions(&mut self) -> Vec<(String, Vec<Integration>)> {
        let partitions = self.partitions.iter_mut();
        partitions.map(|(name, read)| (name.clone(), std::mem::take(&mut read.integrations))).collect()
    }

    /// Visible integrations read but not kept, as behind the page (see [`Shortlist`]).
    pub fn passed_over(&self) -> usize {
        self.partitions.values().map(|read| read.passed_over).sum()
    }

    /// Gives the page's integrations the documents [`documents_round`] read. One
    /// deleted since its head was read stays unread (and the page leaves it out).
    pub fn fill_documents(&mut self, page: &mut [Integration]) {
        for integration in page {
            let Some(key) = unread_document(integration) else { continue };
            if let Some(Some(Record::Document(text))) = self.known.remove(&key) {
                integration.body = Body::Stored(text);
            }
        }
    }
}

/// Runs a request's rounds on the store, all within one deadline, and counts them.
pub struct Reader<'s> {
    store: &'s dyn Store,
    deadline: Instant,
    pub facts: Facts,
    pub rounds: u32,
    /// Read capacity units consumed, every round it paid for counted (see [`Meter`]).
    pub read_units: f64,
    meter: Meter,
    /// A table or index was missing or its read denied (the answer is still the 503).
    pub misconfigured: bool,
}

/// A misconfiguration is logged once per container and then only counted: every
/// request would otherwise repeat the same line.
fn log_misconfiguration_once(error: &crate::store::StoreError) {
    static SEEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let text = error.to_string();
    let mut seen = SEEN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if !seen.contains(&text) {
        tracing::error!(error = %text, "DynamoDB refuses a table or index: check the *_TABLE variables and the function's policy");
        seen.push(text);
    }
}

impl<'s> Reader<'s> {
    pub fn new(store: &'s dyn Store) -> Self {
        let deadline = Instant::now() + store.request_budget();
        let meter = Meter::default();
        Reader {
            store,
            deadline,
            facts: Facts::default(),
            rounds: 0,
            read_units: 0.0,
            meter,
            misconfigured: false,
        }
    }

    /// Executes `round` (nothing when it is empty); a store failure or the end of the
    /// budget is the 503, its detail only logged.
    pub async fn run(&mut self, round: Round) -> Result<(), ApiError> {
        if round.is_empty() {
            return Ok(());
        }
        let read = self.meter.measure(self.store.read(&round));
        let fetched = tokio::time::timeout_at(self.deadline, read);
        let fetched =
            fetched.await.map_err(|_| crate::store::StoreError::Timeout).and_then(|read| read).map_err(
                |error| {
                    // What the round paid for counts, answered or not.
                    self.read_units = self.meter.units();
                    if error.is_misconfiguration() {
                        self.misconfigured = true;
                        log_misconfiguration_once(&error);
                    } else {
                        tracing::warn!(%error, "store unavailable");
                    }
                    ApiError::Unavailable
                },
            )?;
        self.rounds += 1;
        self.read_units = self.meter.units();
        self.facts.absorb(round, fetched);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Fetched, PartitionPage};
    use std::collections::HashSet;

    const ALL_PUBLIC_CHANNELS: &str = crate::model::partition::ALL_PUBLIC_CHANNELS;

    fn plan<'a>(credentials: &'a Credentials, room: Option<&'a RoomRef>, listing: bool) -> Wants<'a> {
        let shared = Some(ALL_PUBLIC_CHANNELS);
        Wants { credentials, room, listing, shared, heads_suffice: true, sieve: None, keys: Vec::new() }
    }

    fn own() -> Visibility {
        Visibility::OwnOnly { user_id: "me".into() }
    }

    fn newest_first() -> Sort {
        Sort(vec![("_createdAt".into(), crate::params::Direction::Descending)])
    }

    #[test]
    fn heads_are_shortlisted_when_one_partition_alone_goes_on_with_the_others_ids_pinned() {
        let c = credentials();
        let room = RoomRecord { id: "r".into(), kind: "c".into(), ..Default::default() };
        let wants = plan(&c, None, true);
        let (own, sort) = (own(), newest_first());
        let ranking = Ranking { visibility: &own, sort: &sort, window: Window { skip: 10, take: 5 } };
        let shared = Integration { id: "p1".into(), ..Integration::EMPTY };
        let page = |partition: &str, integrations: Vec<Integration>, next: Option<Cursor>| PartitionPage {
            partition: partition.into(),
            integrations,
            next,
            passed_over: 0,
        };
        let mut facts = Facts::default();
        let pages = vec![
            page("r", vec![], Some(Cursor::position(50))),
            page(ALL_PUBLIC_CHANNELS, vec![shared], None),
        ];
        facts.absorb(first_round(&wants), Fetched { pages, ..Fetched::default() });
        let round = listing_round(&facts, &wants, Some(&room), ranking);
        let shortlist = round.partitions[0].shortlist.as_deref().expect("the room's heads are shortlisted");
        assert_eq!((shortlist.keep, &shortlist.visibility, &shortlist.sort), (15, &own, &sort));
        assert_eq!(shortlist.pinned, HashSet::from(["p1".to_owned()]));
        // Documents needed (a `query`, another sort): no shortlist.
        let whole = Wants { heads_suffice: false, ..wants.clone() };
        assert!(listing_round(&facts, &whole, Some(&room), ranking).partitions[0].shortlist.is_none());
        // Two partitions going on: neither is complete, so neither can pin; none is shortlisted.
        let mut both = Facts::default();
        let pages = vec![
            page("r", vec![], Some(Cursor::position(50))),
            page(ALL_PUBLIC_CHANNELS, vec![], Some(Cursor::position(50))),
        ];
        both.absorb(first_round(&wants), Fetched { pages, ..Fetched::default() });
        let round = listing_round(&both, &wants, Some(&room), ranking);
        assert_eq!(round.partitions.len(), 2);
        assert!(round.partitions.iter().all(|read| read.shortlist.is_none()));
    }

    fn credentials() -> Credentials {
        Credentials::parse(Some("token"), Some("me")).unwrap()
    }

    /// (partition, resumed, to the end); whether heads only is asserted apart.
    fn partitions(round: &Round) -> Vec<(&str, bool, bool)> {
        round.partitions.iter().map(|p| (p.partition.as_str(), p.from.is_some(), p.to_the_end)).collect()
    }

    #[test]
    fn by_id_round_one_reads_the_room_its_subscription_and_first_pages() {
        let c = credentials();
        let room = RoomRef::Id("r".into());
        let round = first_round(&plan(&c, Some(&room), true));
        assert!(round.keys.contains(&Key::Room("r".into())));
        assert!(round.keys.contains(&Key::Subscription { room: "r".into(), user: "me".into() }));
        assert_eq!(round.keys.iter().filter(|k| matches!(k, Key::Permission(_))).count(), PERMISSIONS.len());
        assert_eq!(partitions(&round), [("r", false, false), (ALL_PUBLIC_CHANNELS, false, false)]);
        // A request that will fail before listing reads no partition at all.
        assert!(first_round(&plan(&c, Some(&room), false)).partitions.is_empty());
    }

    #[test]
    fn by_name_round_one_reads_nothing_of_the_room() {
        let c = credentials();
        let room = RoomRef::Name("general".into());
        let round = first_round(&plan(&c, Some(&room), true));
        assert_eq!(round.room_name.as_deref(), Some("general"));
        assert!(!round.keys.iter().any(|k| matches!(k, Key::Room(_) | Key::Subscription { .. })));
        assert_eq!(partitions(&round), [(ALL_PUBLIC_CHANNELS, false, false)]);
    }

    #[test]
    fn the_listing_round_reads_only_what_is_left() {
        let c = credentials();
        let room = RoomRecord { id: "r".into(), kind: "c".into(), ..Default::default() };
        let wants = plan(&c, None, true);
        let mut facts = Facts::default();
        let (all, own, sort) = (Visibility::Everything, own(), newest_first());
        let everyone = Ranking { visibility: &all, sort: &sort, window: Window { skip: 0, take: 50 } };
        let restricted = Ranking { visibility: &own, ..everyone };
        // Nothing read yet: both partitions, whole.
        assert_eq!(
            partitions(&listing_round(&facts, &wants, Some(&room), everyone)),
            [("r", false, true), (ALL_PUBLIC_CHANNELS, false, true)]
        );
        // The room's first page stopped early; all_public_channels was read to its end.
        let page = |partition: &str, next: Option<Cursor>| PartitionPage {
            partition: partition.into(),
            integrations: vec![],
            next,
            passed_over: 0,
        };
        let pages = vec![page("r", Some(Cursor::position(50))), page(ALL_PUBLIC_CHANNELS, None)];
        facts.absorb(first_round(&wants), Fetched { pages, ..Fetched::default() });
        assert_eq!(partitions(&listing_round(&facts, &wants, Some(&room), everyone)), [("r", true, true)]);
        // First pages come whole (a small room is listed from them); the rest as heads
        // when those suffice.
        assert!(first_round(&plan(&c, Some(&RoomRef::Id("r".into())), true))
            .partitions
            .iter()
            .all(|p| !p.heads_only));
        assert!(listing_round(&facts, &wants, Some(&room), everyone).partitions[0].heads_only);
        let whole = Wants { heads_suffice: false, ..wants.clone() };
        assert!(!listing_round(&facts, &whole, Some(&room), everyone).partitions[0].heads_only);
        // A caller who may not see everything: heads, even where documents are needed,
        // with their creators (visibility reads them); any other caller's without.
        let read = &listing_round(&facts, &whole, Some(&room), restricted).partitions[0];
        assert!(read.heads_only && read.creators);
        assert!(!listing_round(&facts, &wants, Some(&room), everyone).partitions[0].creators);
        // An access round brings the first page only of partitions not yet started.
        let access = access_round(vec![Key::Team("t".into())], &facts, &wants, &room);
        assert!(access.partitions.is_empty());
    }

    #[test]
    fn a_pages_unread_documents_are_read_by_key_and_filled_in() {
        let doc = crate::document::Value::from_extended_json_str(r#"{"_id":"a"}"#).unwrap();
        let stored = Integration::of_document("a".into(), &doc);
        let unread =
            Integration { id: "b".into(), body: Body::Unread { target: "r".into() }, ..stored.clone() };
        let gone = Integration { id: "c".into(), ..unread.clone() };
        let mut page = vec![stored.clone(), unread, gone];
        let round = documents_round(&page);
        let key = |id: &str| Key::Document { id: id.into(), target: "r".into() };
        assert_eq!(round.keys, [key("b"), key("c")]);
        let mut facts = Facts::default();
        let records = vec![(key("b"), Record::Document("{}".into()))];
        facts.absorb(round, Fetched { records, ..Fetched::default() });
        facts.fill_documents(&mut page);
        let bodies: Vec<Option<&str>> = page.iter().map(Integration::stored).collect();
        assert_eq!(bodies, [stored.stored(), Some("{}"), None]);
    }

    /// A store that charges what it read, then never answers.
    struct ChargesThenHangs;

    impl Store for ChargesThenHangs {
        fn read<'a>(
            &'a self,
            _: &'a Round,
        ) -> futures::future::BoxFuture<'a, Result<Fetched, crate::store::StoreError>> {
            Box::pin(async {
                crate::store::meter::charge(2.5);
                tokio::task::yield_now().await;
                crate::store::meter::charge(4.0);
                std::future::pending().await
            })
        }

        fn request_budget(&self) -> std::time::Duration {
            std::time::Duration::from_millis(20)
        }
    }

    /// A round cut short by the deadline still counts what it paid for.
    #[tokio::test]
    async fn a_round_past_the_deadline_counts_its_reads() {
        let store = ChargesThenHangs;
        let mut reader = Reader::new(&store);
        let round = Round { keys: vec![Key::Team("t".into())], ..Round::default() };
        assert_eq!(reader.run(round).await, Err(ApiError::Unavailable));
        assert_eq!((reader.rounds, reader.read_units), (0, 6.5));
    }

    #[test]
    fn asked_and_absent_is_known() {
        let mut facts = Facts::default();
        let key = Key::Team("t".into());
        assert_eq!(facts.lookup(&key), None);
        facts.absorb(Round { keys: vec![key.clone()], ..Round::default() }, Fetched::default());
        assert_eq!(facts.lookup(&key), Some(None));
    }
}
