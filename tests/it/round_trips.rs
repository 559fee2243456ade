//! One DynamoDB round per request (issue #4, budget 1): with a proxy adding a fixed
//! delay to every DynamoDB call, the calls a request makes are counted in sequential
//! rounds. Counts, not wall-clock budgets: `benches/` measures the latencies.

use crate::support::dynamo_proxy::Proxy;
use crate::support::*;
use rc_integrations::config::StoreSettings;
use std::time::Duration;

const DELAY: Duration = Duration::from_millis(60);

fn warm_settings() -> StoreSettings {
    StoreSettings {
        permissions_ttl: Duration::from_secs(600),
        public_page_ttl: Duration::from_secs(600),
        request_budget: Duration::from_secs(10),
        max_attempts: 3,
    }
}

async fn setup() -> (Harness, Proxy, std::sync::Arc<rc_integrations::store::DynamoStore>) {
    setup_with(warm_settings()).await
}

async fn setup_with(
    settings: StoreSettings,
) -> (Harness, Proxy, std::sync::Arc<rc_integrations::store::DynamoStore>) {
    let h = Harness::demo().await;
    let proxy = Proxy::start(&endpoint_url()).await;
    let (store, router) = service_via(&proxy.url, &h.tables, settings).await;
    proxy.set_delay(DELAY);
    (h.with_router(router), proxy, store)
}

/// The operations of the calls the proxy saw since its last reset.
fn operations(proxy: &Proxy) -> Vec<String> {
    proxy.calls().into_iter().map(|c| c.operation).collect()
}

#[tokio::test]
async fn the_first_request_after_init_takes_one_round() {
    let (h, proxy, store) = setup().await;
    // Init: the connection is opened, the permissions and the first pages of
    // all_public_channels and all_private_groups read, in one round, before any
    // request; the same round probes a key of every table (the same BatchGetItem), the
    // name index and the history index (a third and a fourth Query).
    store.warm_up().await.unwrap();
    assert_eq!(proxy.rounds(), 1, "warm-up is one round: {:?}", operations(&proxy));
    assert_eq!(
        operations(&proxy).iter().filter(|o| *o == "BatchGetItem").count(),
        1,
        "{:?}",
        operations(&proxy)
    );
    assert_eq!(operations(&proxy).iter().filter(|o| *o == "Query").count(), 4, "{:?}", operations(&proxy));
    proxy.reset_calls();
    let reply = h.as_admin(&format!("roomId={GENERAL}")).await;
    assert_eq!(reply.status, 200);
    let ops = operations(&proxy);
    assert_eq!(proxy.rounds(), 1, "calls: {ops:?}");
    // Token, user, room in one BatchGetItem; the room's query. all_public_channels'
    // first page is the cached one.
    assert_eq!(ops.iter().filter(|o| *o == "BatchGetItem").count(), 1, "{ops:?}");
    assert_eq!(ops.iter().filter(|o| *o == "Query").count(), 1, "{ops:?}");
    assert!(reply.body["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["channel"][0] == "all_public_channels"));
}

/// Without the cache (`PUBLIC_CHANNELS_CACHE_SECONDS=0`) every request queries
/// all_public_channels too, still within its one round.
#[tokio::test]
async fn without_the_public_page_cache_each_request_queries_both_partitions() {
    let settings = StoreSettings { public_page_ttl: Duration::ZERO, ..warm_settings() };
    let (h, proxy, store) = setup_with(settings).await;
    store.warm_up().await.unwrap();
    proxy.reset_calls();
    assert_eq!(h.as_admin(&format!("roomId={GENERAL}")).await.status, 200);
    let ops = operations(&proxy);
    assert_eq!(proxy.rounds(), 1, "calls: {ops:?}");
    assert_eq!(ops.iter().filter(|o| *o == "Query").count(), 2, "{ops:?}");
}

#[tokio::test]
async fn a_warm_request_by_room_id_takes_one_round() {
    let (h, proxy, _store) = setup().await;
    h.as_admin(&format!("roomId={GENERAL}")).await;
    proxy.reset_calls();
    for query in [format!("roomId={GENERAL}"), format!("roomId={GENERAL}&includeAllPublicChannels=false")] {
        let reply = h.as_admin(&query).await;
        assert_eq!(reply.status, 200);
        assert_eq!(proxy.rounds(), 1, "{query}: {:?}", proxy.calls());
        proxy.reset_calls();
    }
}

#[tokio::test]
async fn a_request_by_room_name_takes_two_rounds() {
    let (h, proxy, _store) = setup().await;
    h.as_admin("roomName=general").await;
    proxy.reset_calls();
    let reply = h.as_admin("roomName=general").await;
    assert_eq!(reply.status, 200);
    assert_eq!(proxy.rounds(), 2, "{:?}", proxy.calls());
}

#[tokio::test]
async fn failures_decided_before_listing_skip_the_integration_queries() {
    let (h, proxy, _store) = setup().await;
    h.as_admin(&format!("roomId={GENERAL}")).await;
    proxy.reset_calls();
    // A malformed parameter: the listing will not be needed, only the batch is read.
    let reply = h.as_admin(&format!("roomId={GENERAL}&count=abc")).await;
    assert_eq!(reply.status, 400);
    let ops: Vec<String> = proxy.calls().into_iter().map(|c| c.operation).collect();
    assert_eq!(ops, ["BatchGetItem"]);
    // No credentials: nothing is read at all.
    proxy.reset_calls();
    assert_eq!(h.get(&[], &format!("roomId={GENERAL}")).await.status, 401);
    assert!(proxy.calls().is_empty());
}

/// Room access (contract §5a): the rules the first round decides cost nothing more;
/// team, parent room or department cost one more round per level, only when needed.
#[tokio::test]
async fn room_access_rounds_per_case() {
    let (h, proxy, _store) = setup().await;
    h.as_admin(&format!("roomId={GENERAL}")).await;
    // (demo user, room id, status, rounds, why)
    let cases = [
        ("dana", "CoreDevChannel001", 200, 1, "subscribed: decided by round 1"),
        ("olivia", "CoreDevChannel001", 403, 2, "private team: team + membership"),
        ("gus", "ByehQjC44FwMeiLbX", 200, 1, "guest subscribed to general"),
        ("gus", "rQ7o2dN6tQmk3Xr5P", 403, 1, "guest, not subscribed"),
        ("gus", "ReleaseTalk000001", 200, 2, "discussion: its parent"),
        ("alex", "LivechatRoom00001", 200, 1, "omnichannel, served by the caller"),
        ("olivia", "LivechatRoom00001", 403, 1, "omnichannel, not staff"),
    ];
    for (name, room, status, rounds, why) in cases {
        let user = match name {
            "dana" => "teamMember0000001",
            "olivia" => "outsider000000001",
            "gus" => "guestVisitor00001",
            _ => "livechatAgent0001",
        };
        let token = format!("demo-token-{name}");
        proxy.reset_calls();
        let reply = h.get(&[("X-Auth-Token", &token), ("X-User-Id", user)], &format!("roomId={room}")).await;
        assert_eq!(reply.status, status, "{why}: {}", reply.text);
        assert_eq!(proxy.rounds(), rounds, "{why}: {:?}", proxy.calls());
    }
    // The admin is a member of the Core team but not subscribed to core-dev.
    proxy.reset_calls();
    assert_eq!(h.as_admin("roomId=CoreDevChannel001").await.status, 200);
    assert_eq!(proxy.rounds(), 2, "team + membership");
    // By name: the lookup first, then the room's subscription with its first page.
    proxy.reset_calls();
    let dana = [("X-Auth-Token", "demo-token-dana"), ("X-User-Id", "teamMember0000001")];
    assert_eq!(h.get(&dana, "roomName=core-dev").await.status, 200);
    assert_eq!(proxy.rounds(), 2, "{:?}", proxy.calls());
}

/// The latency view of the same budget, for `benches/run`: end-to-end latency of a
/// request divided by the injected delay D is its number of sequential round trips.
/// Prints a markdown table; asserts nothing about time (run it with `--ignored`).
#[tokio::test]
#[ignore = "measurement; run by benches/run"]
async fn measure_round_trip_latency() {
    const D: Duration = Duration::from_millis(50);
    const RUNS: usize = 20;
    let h = Harness::demo().await;
    let proxy = Proxy::start(&endpoint_url()).await;
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let mut first = Vec::new();
    for _ in 0..RUNS {
        // A fresh "container" each time: new client, init warm-up, then the first request.
        proxy.set_delay(D);
        let (store, router) = service_via(&proxy.url, &h.tables, warm_settings()).await;
        store.warm_up().await.unwrap();
        let h = h.with_router(router);
        let started = std::time::Instant::now();
        assert_eq!(h.as_admin(&format!("roomId={GENERAL}")).await.status, 200);
        first.push(started.elapsed().as_secs_f64() / D.as_secs_f64());
    }
    let (_, router) = service_via(&proxy.url, &h.tables, warm_settings()).await;
    let h = h.with_router(router);
    h.as_admin(&format!("roomId={GENERAL}")).await;
    let measure = |query: String| {
        let h = &h;
        async move {
            let mut ratios = Vec::new();
            for _ in 0..RUNS {
                let started = std::time::Instant::now();
                assert_eq!(h.as_admin(&query).await.status, 200);
                ratios.push(started.elapsed().as_secs_f64() / D.as_secs_f64());
            }
            ratios
        }
    };
    let by_id = measure(format!("roomId={GENERAL}")).await;
    let by_name = measure("roomName=general".to_owned()).await;
    // The admin is in the private team `core` but not subscribed to its channel.
    let by_team = measure("roomId=CoreDevChannel001".to_owned()).await;
    println!("| request | latency / D (median of {RUNS}, D = {} ms) | budget |", D.as_millis());
    println!("|---|---|---|");
    println!("| first request after init, by roomId | {:.2} | ≤ 1.2 |", median(first));
    println!("| warm, by roomId | {:.2} | ≤ 1.2 |", median(by_id));
    println!("| warm, by roomName | {:.2} | ≤ 2.2 |", median(by_name));
    println!(
        "| warm, by roomId, a private team's channel (room access reads team + membership) | {:.2} | ≤ 2.2 |",
        median(by_team)
    );
}

/// A room past its first page (`FIRST_PAGE_ITEMS`): the rest is read as heads in one
/// more round, and a page beyond the first page's documents reads them by key in
/// another. `count=0` (and a `query`, or a sort off the head) reads documents whole.
#[tokio::test]
async fn a_big_room_costs_a_round_for_its_heads_and_one_for_a_deep_pages_documents() {
    const ROOM: &str = "bigRoom0000000001";
    let (h, proxy, _store) = setup().await;
    put_dated_room(&h, ROOM, "b", 120, true).await;
    h.as_admin(&format!("roomId={GENERAL}")).await;
    // (query, rounds, the first id listed, why)
    let cases = [
        ("", 3, "b119", "newest last: the page's documents are past the first page"),
        ("&sort=%7B%22_createdAt%22%3A-1%7D", 2, "b000", "the page is the first page, read whole"),
        ("&count=0", 2, "b119", "count=0: documents whole"),
        ("&query=%7B%7D", 2, "b119", "a query: documents whole"),
        ("&sort=%7B%22name%22%3A1%7D", 2, "b000", "a sort off the head: documents whole"),
    ];
    for (query, rounds, first, why) in cases {
        proxy.reset_calls();
        let reply = h.as_admin(&format!("roomId={ROOM}&includeAllPublicChannels=false{query}")).await;
        assert_eq!(reply.status, 200, "{why}");
        assert_eq!(reply.body["integrations"][0]["_id"], first, "{why}");
        assert_eq!(reply.body["total"], 120, "{why}");
        assert_eq!(proxy.rounds(), rounds, "{why}: {:?}", proxy.calls());
    }
}

/// Items imported before heads existed (no `ty`, `by`, `at`) bring no head from the
/// heads index: the store notices and reads the same pages whole, one more call within
/// the listing round, and the answer is the same as for items with heads.
#[tokio::test]
async fn items_without_heads_are_read_whole_instead() {
    const ROOM: &str = "oldRoom0000000001";
    let (h, proxy, _store) = setup().await;
    put_dated_room(&h, ROOM, "o", 80, false).await;
    h.as_admin(&format!("roomId={GENERAL}")).await;
    proxy.reset_calls();
    let reply = h.as_admin(&format!("roomId={ROOM}&includeAllPublicChannels=false&count=5")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let ids: Vec<&str> =
        reply.body["integrations"].as_array().unwrap().iter().map(|i| i["_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["o079", "o078", "o077", "o076", "o075"], "oldest first, from the documents");
    assert_eq!(reply.body["total"], 80);
    // Round 1; the heads query, then the same pages whole; no documents round.
    assert_eq!(proxy.rounds(), 3, "{:?}", proxy.calls());
}

/// A public channel `room` of `n` incoming integrations `<prefix>000`…, the later ones
/// created earlier; `with_heads: false` stores them as imported before heads existed.
async fn put_dated_room(h: &Harness, room: &str, prefix: &str, n: usize, with_heads: bool) {
    use rc_integrations::document::Value;
    use rc_integrations::model::{Integration, RoomRecord};
    use rc_integrations::store::items::{self, attr};
    let record =
        RoomRecord { id: room.into(), name: Some(prefix.into()), kind: "c".into(), ..Default::default() };
    put_items(h, &h.tables.rooms, vec![items::room_item(&record)]).await;
    let stored = (0..n).map(|i| {
        let id = format!("{prefix}{i:03}");
        let text =
            format!(r#"{{"_id":"{id}","type":"webhook-incoming","_createdAt":{{"$date":{}}}}}"#, 1000 - i);
        let doc = Value::from_extended_json_str(&text).unwrap();
        let mut item = items::integration_item(&Integration::of_document(id, &doc), room);
        if !with_heads {
            for head in [attr::HEAD_KIND, attr::HEAD_CREATOR, attr::HEAD_CREATED_AT] {
                item.remove(head);
            }
        }
        item
    });
    put_items(h, &h.tables.integrations, stored.collect()).await;
}

/// The names of the integrations the admin is listed for `general`.
async fn names(h: &Harness) -> Vec<String> {
    let reply = h.as_admin(&format!("roomId={GENERAL}")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let listed = reply.body["integrations"].as_array().unwrap().iter();
    listed.map(|i| i["name"].as_str().unwrap_or_default().to_owned()).collect()
}

/// The cost of the cache: an integration added on all public channels is listed once
/// the container's cached page is older than `PUBLIC_CHANNELS_CACHE_SECONDS`.
#[tokio::test]
async fn an_integration_added_on_all_public_channels_is_listed_once_the_cached_page_expires() {
    use rc_integrations::document::Value;
    use rc_integrations::model::Integration;
    use rc_integrations::store::items;
    // Long enough that the write and the next request (a 60 ms round through the proxy)
    // surely fall within it, even on a busy machine.
    const TTL: Duration = Duration::from_secs(2);
    let settings = StoreSettings { public_page_ttl: TTL, ..warm_settings() };
    let (h, _proxy, _store) = setup_with(settings).await;
    let before = names(&h).await;
    assert!(before.contains(&"Everywhere echo".to_owned()), "{before:?}");

    let text = r##"{"_id":"newPublicHook01","type":"webhook-outgoing","name":"Added later","channel":["all_public_channels"],"_createdAt":{"$date":"2024-01-01T00:00:00Z"}}"##;
    let doc = Value::from_extended_json_str(text).unwrap();
    let integration = Integration::of_document("newPublicHook01".into(), &doc);
    let item = items::integration_item(&integration, items::ALL_PUBLIC_CHANNELS);
    put_items(&h, &h.tables.integrations, vec![item]).await;

    assert_eq!(names(&h).await, before, "served from the cached page");
    tokio::time::sleep(TTL + Duration::from_millis(100)).await;
    let after = names(&h).await;
    assert!(after.contains(&"Added later".to_owned()), "{after:?}");
}

/// One warm request to `path?query` as the demo's admin: its status and the
/// sequential rounds and calls it made.
async fn warm_request(path: &str, query: &str) -> (u16, usize, Vec<String>) {
    let (h, proxy, store) = setup().await;
    store.warm_up().await.unwrap();
    // A first request fills what a container caches; the second is the warm one.
    let uri = format!("{path}?{query}");
    let admin = [("X-Auth-Token", ADMIN_TOKEN), ("X-User-Id", ADMIN_ID)];
    h.request("GET", &uri, &admin).await;
    proxy.reset_calls();
    let reply = h.request("GET", &uri, &admin).await;
    (reply.status.as_u16(), proxy.rounds(), operations(&proxy))
}

/// The other endpoints, per case: (endpoint, query, status, rounds, calls).
#[tokio::test]
async fn each_endpoint_takes_the_rounds_the_readme_states() {
    use rc_integrations::Endpoint::*;
    const SECRET: &str = "pX9kTq2LmZ8vB4wYc";
    let cases: [(rc_integrations::Endpoint, String, u16, usize, &[&str]); 9] = [
        // The group's subscription and first page come with the caller's records;
        // all_private_groups' first page from the container's cache.
        (GroupsGetIntegrations, format!("roomId={SECRET}"), 200, 1, &["BatchGetItem", "Query"]),
        // A discussion: its parent's subscription is one more round.
        (
            GroupsGetIntegrations,
            "roomId=SecretPlansDisc01".into(),
            200,
            2,
            &["BatchGetItem", "Query", "BatchGetItem"],
        ),
        // By name: the name first, then the subscription and the group's page.
        (
            GroupsGetIntegrations,
            "roomName=secret".into(),
            200,
            2,
            &["BatchGetItem", "Query", "BatchGetItem", "Query"],
        ),
        // The workspace partition's first page holds the demo's every integration.
        (IntegrationsList, String::new(), 200, 1, &["BatchGetItem", "Query"]),
        (IntegrationsList, "name=guggy&type=webhook-outgoing".into(), 200, 1, &["BatchGetItem", "Query"]),
        // The integration's workspace copy is a key of the one BatchGetItem.
        (IntegrationsGet, "integrationId=WMQDChpnYTRmFre9h".into(), 200, 1, &["BatchGetItem"]),
        (IntegrationsGet, "integrationId=nope".into(), 400, 1, &["BatchGetItem"]),
        // Round 1: the caller and the page's run ids (all three); round 2: the runs by key.
        (
            IntegrationsHistory,
            "id=WMQDChpnYTRmFre9h".into(),
            200,
            2,
            &["BatchGetItem", "Query", "BatchGetItem"],
        ),
        // A page that ends before the runs do also counts them, in its second round.
        (
            IntegrationsHistory,
            "id=WMQDChpnYTRmFre9h&count=1".into(),
            200,
            2,
            &["BatchGetItem", "Query", "BatchGetItem", "Query"],
        ),
    ];
    for (endpoint, query, status, rounds, calls) in cases {
        let (got_status, got_rounds, mut got_calls) = warm_request(&endpoint.path(), &query).await;
        let mut calls = calls.to_vec();
        calls.sort();
        got_calls.sort();
        assert_eq!(
            (got_status, got_rounds, got_calls),
            (status, rounds, calls.iter().map(|c| c.to_string()).collect()),
            "{} {query}",
            endpoint.name()
        );
    }
}
