//! The pipeline over the in-memory store: the contract's order of checks, and which
//! rounds each kind of request reads. (The same counts over DynamoDB, through a
//! latency proxy, are in `tests/it/round_trips.rs`.)

use crate::auth::hash_token;
use crate::config::PageSettings;
use crate::error::ApiError;
use crate::model::{Integration, RoomRecord, TeamType, TokenRecord, UserRecord};
use crate::request::RawRequest;
use crate::store::items::ALL_PUBLIC_CHANNELS;
use crate::store::{Key, MemoryStore, Record, FIRST_PAGE_ITEMS};
use crate::Endpoint;
use crate::{Answer, Service};
use std::sync::Arc;

const TOKEN: &str = "secret";

fn user(id: &str, roles: &[&str]) -> (Key, Record, Key, Record) {
    let record = UserRecord {
        id: id.into(),
        username: Some(id.into()),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        active: true,
    };
    let token = TokenRecord { user_id: id.into(), expires_at: None };
    (
        Key::User(id.into()),
        Record::User(record),
        Key::Token(hash_token(&format!("{TOKEN}-{id}"))),
        Record::Token(token),
    )
}

fn integrations(prefix: &str, n: usize) -> Vec<Integration> {
    (0..n)
        .map(|i| {
            let text = format!(r#"{{"_id":"{prefix}{i:04}","type":"webhook-outgoing"}}"#);
            let doc = crate::document::Value::from_extended_json_str(&text).unwrap();
            Integration::of_document(format!("{prefix}{i:04}"), &doc)
        })
        .collect()
}

/// Rooms: `general` (public), `big` (public, more than a first page), `hidden` (a
/// public channel of a private team), `group` (a private group). Users: `admin`,
/// `member` (of the team), `outsider` (with every integration permission).
fn room(id: &str, kind: &str, team: Option<&str>) -> RoomRecord {
    let team_id = team.map(str::to_owned);
    RoomRecord { id: id.into(), name: Some(id.into()), kind: kind.into(), team_id, ..Default::default() }
}

fn store() -> MemoryStore {
    let mut store = MemoryStore::new()
        .with_room(room("general", "c", None))
        .with_room(room("big", "c", None))
        .with_room(room("hidden", "c", Some("team")))
        .with_room(room("group", "p", None))
        .with(Key::Team("team".into()), Record::Team(TeamType::Private))
        .with(Key::TeamMember { team: "team".into(), user: "member".into() }, Record::Member)
        .with_integrations("general", integrations("g", 3))
        .with_integrations("hidden", integrations("h", 3))
        .with_integrations("big", integrations("b", FIRST_PAGE_ITEMS as usize * 3))
        .with_integrations(ALL_PUBLIC_CHANNELS, integrations("p", 1));
    for (id, roles) in
        [("admin", &["admin", "user"][..]), ("member", &["admin"]), ("outsider", &["admin", "user"])]
    {
        let (uk, ur, tk, tr) = user(id, roles);
        store = store.with(uk, ur).with(tk, tr);
    }
    store
}

async fn ask(store: MemoryStore, user: &str, query: &str) -> (Answer, Vec<crate::store::Round>) {
    let store = Arc::new(store);
    let service = Service::new(store.clone(), PageSettings::default());
    let raw = RawRequest {
        auth_token: Some(format!("{TOKEN}-{user}")),
        user_id: Some(user.into()),
        query: form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into(), v.into())).collect(),
    };
    let answer = service.answer(Endpoint::ChannelsGetIntegrations, &raw).await;
    (answer, store.rounds())
}

fn status(answer: &Answer) -> u16 {
    answer.result.as_ref().map_or_else(ApiError::status, |_| 200)
}

#[tokio::test]
async fn by_room_id_one_round_reads_everything() {
    let (answer, rounds) = ask(store(), "admin", "roomId=general").await;
    assert_eq!(status(&answer), 200);
    assert_eq!(rounds.len(), 1);
    let keys = &rounds[0].keys;
    assert!(keys.contains(&Key::Room("general".into())));
    assert!(keys.contains(&Key::Subscription { room: "general".into(), user: "admin".into() }));
    assert_eq!(rounds[0].partitions.len(), 2, "the room and all_public_channels");
    assert!(rounds[0].partitions.iter().all(|p| !p.to_the_end), "first pages only");
    assert!(answer.result.unwrap().contains(r#""total":4"#));
}

#[tokio::test]
async fn by_room_name_the_room_is_looked_up_first() {
    let (answer, rounds) = ask(store(), "admin", "roomName=general").await;
    assert_eq!(status(&answer), 200);
    assert_eq!(rounds.len(), 2);
    assert_eq!(rounds[0].room_name.as_deref(), Some("general"));
    assert!(!rounds[0].keys.iter().any(|k| matches!(k, Key::Room(_) | Key::Subscription { .. })));
    assert_eq!(rounds[0].partitions.len(), 1, "only all_public_channels, whatever the room");
    assert_eq!(rounds[1].partitions[0].partition, "general");
}

#[tokio::test]
async fn a_big_room_is_read_past_its_first_page_only_once_allowed() {
    let (answer, rounds) = ask(store(), "admin", "roomId=big&count=0").await;
    assert!(answer.result.unwrap().contains(&format!(r#""total":{}"#, FIRST_PAGE_ITEMS * 3 + 1)));
    assert_eq!(rounds.len(), 2);
    assert!(rounds[1].partitions.iter().all(|p| p.partition == "big" && p.to_the_end && p.from.is_some()));
}

#[tokio::test]
async fn a_big_rooms_page_reads_heads_then_its_documents_by_key() {
    let (answer, rounds) = ask(store(), "admin", "roomId=big&count=20&offset=60").await;
    let body: serde_json::Value = serde_json::from_str(&answer.result.unwrap()).unwrap();
    assert_eq!(
        (body["count"].as_u64(), body["total"].as_u64()),
        (Some(20), Some(FIRST_PAGE_ITEMS as u64 * 3 + 1))
    );
    let ids: Vec<&str> =
        body["integrations"].as_array().unwrap().iter().map(|i| i["_id"].as_str().unwrap()).collect();
    // No `_createdAt` anywhere: by id ("p0000" of all_public_channels comes last).
    let expected: Vec<String> = (60..80).map(|i| format!("b{i:04}")).collect();
    assert_eq!(ids, expected);
    assert_eq!(rounds.len(), 3, "{rounds:?}");
    assert!(rounds[1].partitions.iter().all(|p| p.partition == "big" && p.heads_only));
    // The page's documents past the first page, by key; nothing else.
    let documents: Vec<&Key> = rounds[2].keys.iter().collect();
    assert_eq!(documents.len(), 20);
    assert!(documents.iter().all(|k| matches!(k, Key::Document { target, .. } if target == "big")));
    // By name the room's first page still comes whole, the rest as heads, in one round.
    let (answer, rounds) = ask(store(), "admin", "roomName=big&offset=10").await;
    assert!(answer.result.unwrap().contains(r#""count":50"#));
    assert_eq!(rounds.len(), 3, "name, the partition (first page whole, then heads), documents");
    assert_eq!(rounds[2].keys.len(), 10, "only the page's documents past the first page");
    // A page within the first page needs no documents round at all.
    let (_, rounds) = ask(store(), "admin", "roomName=big").await;
    assert_eq!(rounds.len(), 2);
    // A query reads documents whole and needs no round for the page.
    let (answer, rounds) = ask(store(), "admin", "roomId=big&query=%7B%7D").await;
    assert_eq!(status(&answer), 200);
    assert_eq!(rounds.len(), 2);
    assert!(!rounds[1].partitions[0].heads_only);
}

#[tokio::test]
async fn refused_callers_never_read_past_a_first_page() {
    for (user, query, expected) in
        [("nobody", "roomId=big", 401), ("nobody", "roomName=big", 401), ("outsider", "roomId=hidden", 403)]
    {
        let (answer, rounds) = ask(store(), user, query).await;
        assert_eq!(status(&answer), expected, "{user} {query}");
        let mut partitions = rounds.iter().flat_map(|r| &r.partitions);
        assert!(partitions.all(|p| !p.to_the_end), "{user} {query}: {rounds:?}");
    }
}

#[tokio::test]
async fn an_unauthenticated_request_by_name_reads_nothing_of_the_room() {
    let (answer, rounds) = ask(store(), "intruder", "roomName=hidden").await;
    assert_eq!(answer.result, Err(ApiError::Unauthorized));
    assert_eq!(rounds.len(), 1, "no round after the one that authenticates");
    assert!(rounds[0].partitions.iter().all(|p| p.partition == ALL_PUBLIC_CHANNELS));
}

#[tokio::test]
async fn room_access_costs_one_more_round_and_decides_before_parameters() {
    let (answer, rounds) = ask(store(), "member", "roomId=hidden").await;
    assert_eq!(status(&answer), 200);
    assert_eq!(rounds.len(), 2, "team and membership in round 2");
    assert!(rounds[1].keys.contains(&Key::Team("team".into())));
    // The outsider holds every integration permission, and still may not.
    let (answer, _) = ask(store(), "outsider", "roomId=hidden&count=abc").await;
    assert_eq!(answer.result, Err(ApiError::RoomAccessDenied), "access 403 before a bad count");
    // A room that is no channel is a 400 before any access check.
    let (answer, _) = ask(store(), "outsider", "roomId=group").await;
    assert_eq!(answer.result, Err(ApiError::RoomNotFound));
}

#[tokio::test]
async fn the_order_of_checks() {
    let (answer, rounds) = ask(store(), "admin", "").await;
    assert_eq!(answer.result, Err(ApiError::RoomParamMissing));
    assert!(rounds[0].partitions.is_empty(), "no listing without a room");
    let (answer, _) = ask(store(), "admin", "roomId=nowhere&count=abc").await;
    assert_eq!(answer.result, Err(ApiError::RoomNotFound), "room 400 before a bad count");
    let (answer, rounds) = ask(store(), "admin", "roomId=general&sort=bad").await;
    assert!(matches!(answer.result, Err(ApiError::InvalidSort(_))));
    assert!(rounds[0].partitions.is_empty(), "a listing that will fail is not read");
    let (answer, rounds) = ask(MemoryStore::unavailable(), "admin", "roomId=general").await;
    assert_eq!((answer.result, rounds.len()), (Err(ApiError::Unavailable), 1));
}
