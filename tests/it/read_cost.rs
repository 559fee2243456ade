//! Read cost (issue #4, budget 5): with the caches warm (permissions,
//! `all_public_channels`' first page), a request consumes
//! exactly the read capacity of the items it must read, rounded as DynamoDB rounds.

use crate::support::*;
use rc_integrations::config::{PageSettings, StoreSettings};
use rc_integrations::error::ApiError;
use rc_integrations::request::RawRequest;
use rc_integrations::Endpoint;
use rc_integrations::Service;
use std::time::Duration;

/// Eventually consistent reads: 0.5 RCU per started 4 KB, per item for BatchGetItem,
/// per query page for the sum of its items.
fn rcu(bytes: usize) -> f64 {
    0.5 * bytes.div_ceil(4096).max(1) as f64
}

/// DynamoDB's item size: attribute names plus values (strings by their UTF-8 length).
fn item_size(item: &rc_integrations::store::items::Item) -> usize {
    item.iter().map(|(name, value)| name.len() + value.as_s().map(|s| s.len()).unwrap_or(8)).sum()
}

/// A service over the harness's tables with the shipped caches warm, as a container
/// serves: permissions and all_public_channels' first page.
async fn warm_service(h: &Harness) -> Service {
    let settings = StoreSettings {
        permissions_ttl: Duration::from_secs(600),
        public_page_ttl: Duration::from_secs(600),
        ..test_store_settings()
    };
    let (store, _) = service_via(&endpoint_url(), &h.tables, settings).await;
    store.warm_up().await.unwrap();
    Service::new(store, PageSettings::default())
}

#[tokio::test]
async fn a_warm_request_costs_the_floor() {
    let h = Harness::demo().await;
    let service = warm_service(&h).await;
    // (row, token, user, room, small items read beyond token, user, room and
    // subscription, how many of all those are absent)
    let dana = ("demo-token-dana", "teamMember0000001");
    let cases = [
        ("warm, by roomId, demo `general`", (ADMIN_TOKEN, ADMIN_ID), GENERAL, 0, 0),
        ("warm, by roomId, a subscribed member of a private team's channel", dana, "CoreDevChannel001", 0, 0),
        (
            "warm, by roomId, a team member not subscribed (room access reads team + membership)",
            (ADMIN_TOKEN, ADMIN_ID),
            "CoreDevChannel001",
            2,
            1,
        ),
    ];
    for (row, (token, user), room, extra_items, absent) in cases {
        let raw = RawRequest {
            auth_token: Some(token.into()),
            user_id: Some(user.into()),
            query: vec![("roomId".into(), room.into())],
        };
        let answer = service.answer(Endpoint::ChannelsGetIntegrations, &raw).await;
        assert!(answer.result.is_ok(), "{row}: {:?}", answer.result);
        // Token, user, room and the caller's subscription to it: four small items; then
        // the room's index query. DynamoDB and the embedded emulator charge a key not
        // found like one found; DynamoDB Local charges nothing for it.
        let items = 4 + extra_items;
        let floor = items as f64 * rcu(1) + rcu(partition_size(&h, room).await);
        let consumed = answer.read_units;
        let lowest = floor - absent as f64 * rcu(1);
        assert!((lowest..=floor).contains(&consumed), "{row}: consumed {consumed} RCU, floor {floor}");
        // Rows of BENCHMARKS.md's read-cost table (benches/run prints its header).
        println!("| {row} | {} | {floor} | = floor |", answer.read_units);
    }
}

/// An anonymous request costs the batch plus one bounded page per partition, however
/// big the room (issue #9: before, a 401 read the whole room).
#[tokio::test]
async fn a_401_on_a_huge_room_costs_one_bounded_page() {
    use rc_integrations::document::Value;
    use rc_integrations::model::Integration;
    use rc_integrations::store::{items, FIRST_PAGE_ITEMS};
    const ROOM: &str = "hugeRoom000000001";
    const SIZE: usize = 20_000;
    let h = Harness::demo().await;
    let room = rc_integrations::model::RoomRecord {
        id: ROOM.into(),
        name: Some("huge".into()),
        kind: "c".into(),
        ..Default::default()
    };
    let mut stored = vec![items::room_item(&room)];
    for i in 0..SIZE {
        let text = format!(
            r##"{{"_id":"i{i:06}","type":"webhook-outgoing","name":"integration {i:06}","channel":["#huge"],"urls":["https://example.org/{i:06}"]}}"##
        );
        let doc = Value::from_extended_json_str(&text).unwrap();
        stored.push(items::integration_item(&Integration::of_document(format!("i{i:06}"), &doc), ROOM));
    }
    let item_bytes = item_size(&stored[1]);
    let (rooms, integrations) = stored.split_at(1);
    put_items(&h, &h.tables.rooms, rooms.to_vec()).await;
    put_items(&h, &h.tables.integrations, integrations.to_vec()).await;

    let settings = StoreSettings { permissions_ttl: Duration::from_secs(600), ..test_store_settings() };
    let (store, _) = service_via(&endpoint_url(), &h.tables, settings).await;
    store.warm_up().await.unwrap();
    let service = Service::new(store, PageSettings::default());
    let ask = |token: &str, query: &str| RawRequest {
        auth_token: Some(token.into()),
        user_id: Some(ADMIN_ID.into()),
        query: form_pairs(query),
    };
    // The batch alone: a request whose listing is refused before any query.
    let batch = service
        .answer(Endpoint::ChannelsGetIntegrations, &ask(ADMIN_TOKEN, &format!("roomId={ROOM}&count=abc")))
        .await;
    assert_eq!(batch.rounds, 1);
    let anonymous = service
        .answer(Endpoint::ChannelsGetIntegrations, &ask("not-a-token", &format!("roomId={ROOM}")))
        .await;
    assert_eq!(anonymous.result, Err(rc_integrations::error::ApiError::Unauthorized));
    assert_eq!(anonymous.rounds, 1);
    let public_partition = rcu(partition_size(&h, "all_public_channels").await);
    let bound = batch.read_units + rcu(FIRST_PAGE_ITEMS as usize * item_bytes) + public_partition;
    let whole_room = batch.read_units + rcu(SIZE * item_bytes) + public_partition;
    assert!(anonymous.read_units <= bound, "a 401 consumed {} RCU, bound {bound}", anonymous.read_units);
    println!(
        "| anonymous 401, {SIZE}-integration room (the whole room before: {whole_room}) | {} | {bound} | ≤ floor |",
        anonymous.read_units
    );
    // The admin, allowed, reads the rest as heads, in one more round: the page (the
    // first integration) is in the first page, read whole.
    let allowed = service
        .answer(Endpoint::ChannelsGetIntegrations, &ask(ADMIN_TOKEN, &format!("roomId={ROOM}&count=1")))
        .await;
    assert!(allowed.result.unwrap().contains(&format!(r#""total":{}"#, SIZE + 1)));
    assert_eq!(allowed.rounds, 2);

    // A page deep in the room: heads of the rest, then the page's 50 documents by key.
    let deep = service
        .answer(Endpoint::ChannelsGetIntegrations, &ask(ADMIN_TOKEN, &format!("roomId={ROOM}&offset=10000")))
        .await;
    // No `_createdAt` in the room: by id (the demo's dated public integration sorts last).
    let body = deep.result.unwrap();
    assert!(body.starts_with(r#"{"integrations":[{"_id":"i010000""#) && body.contains(r#""count":50"#));
    assert_eq!(deep.rounds, 3);
    // A heads index entry: the table's key (target, _id) and the head (`ty` here).
    let mut head = items::integration_item(
        &Integration::of_document(
            "i000000".into(),
            &Value::from_extended_json_str(r#"{"_id":"x"}"#).unwrap(),
        ),
        ROOM,
    );
    head.retain(|name, _| !["doc", "roomId"].contains(&name.as_str()));
    let head_bytes = item_size(&head);
    let heads = (SIZE - FIRST_PAGE_ITEMS as usize) * head_bytes;
    // Every query page rounds up on its own, and DynamoDB Local sizes index entries a
    // little larger: at most one more unit per MB page.
    let rounding = heads.div_ceil(1 << 20) as f64;
    // Round 1 as bounded above, the heads of the rest, the page's documents by key.
    let floor = bound + rcu(heads) + rounding + 50.0 * rcu(item_bytes);
    let whole = service
        .answer(Endpoint::ChannelsGetIntegrations, &ask(ADMIN_TOKEN, &format!("roomId={ROOM}&count=0")))
        .await;
    assert_eq!(whole.rounds, 2, "count=0 reads the documents whole");
    assert!(deep.read_units <= floor, "a deep page consumed {} RCU, floor {floor}", deep.read_units);
    println!(
        "| by roomId, 50-item page at offset 10,000 of a {SIZE}-integration room (whole documents: {}) | {} | {floor:.1} | ≤ floor |",
        whole.read_units, deep.read_units
    );

    // A caller who may see none of the room (a bot-builder: own outgoing integrations
    // only) asking for all of it: visibility is decided on heads, so none of the room's
    // documents past its first page is read, whatever `count`, `sort` or `query` asks.
    for query in ["count=0", "count=0&sort={\"name\":1}", "query={\"name\":{\"$regex\":\"integration\"}}"] {
        let none = service
            .answer(
                Endpoint::ChannelsGetIntegrations,
                &RawRequest {
                    auth_token: Some("demo-token-graywolf336".into()),
                    user_id: Some("R4jgcQaQhvvK6K3iY".into()),
                    query: form_pairs(&format!("roomId={ROOM}&{query}")),
                },
            )
            .await;
        let body = none.result.unwrap();
        assert!(!body.contains(r#""_id":"i0"#), "{query}: {body}");
        let ceiling = bound + rcu(heads) + rounding;
        assert!(
            none.read_units <= ceiling,
            "{query}: {} RCU, ceiling {ceiling} (whole: {})",
            none.read_units,
            whole.read_units
        );
        assert_eq!(none.rounds, 2, "{query}: the first page, then the heads; no document round");
    }
}

fn form_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// Bytes of the items stored under one partition of the `roomId` index.
async fn partition_size(h: &Harness, partition: &str) -> usize {
    let pages = h.client.scan().table_name(&h.tables.integrations).into_paginator().items().send();
    let items: Vec<_> = pages.collect::<Result<Vec<_>, _>>().await.unwrap();
    items
        .iter()
        .filter(|i| i.get("roomId").and_then(|v| v.as_s().ok()).map(String::as_str) == Some(partition))
        .map(item_size)
        .sum()
}

/// BENCHMARKS.md's read-units row, by room size: the default request (50 items, by
/// `_createdAt`) against reading the room's documents whole, which is what it cost
/// before heads (and what `count=0` still costs). Integrations are the contract's Guggy
/// with a ~1.3 KB script, about 2 KB each; creation dates are scattered (a multiplicative
/// hash of the position) so that the page's documents are mostly not in the first page,
/// as with Rocket.Chat's random ids. Run by `benches/run`.
#[tokio::test]
#[ignore = "measurement, run by benches/run"]
async fn measure_read_units_by_room_size() {
    use rc_integrations::document::Value;
    use rc_integrations::model::{Integration, RoomRecord};
    use rc_integrations::store::items;
    let h = Harness::demo().await;
    let script = "  prepare_outgoing_request({ request }) { return { url: request.url, method: 'GET' }; }\n"
        .repeat(15);
    let sizes = [10, 100, 1_000, 10_000];
    for n in sizes {
        let room = format!("sizedRoom{n:08}");
        let record = RoomRecord {
            id: room.clone(),
            name: Some(format!("sized-{n}")),
            kind: "c".into(),
            ..Default::default()
        };
        put_items(&h, &h.tables.rooms, vec![items::room_item(&record)]).await;
        let stored = (0..n).map(|i| {
            let doc = serde_json::json!({
                "_id": format!("sized{n}x{i:06}"), "enabled": true, "username": "rocket.cat", "alias": "Guggy",
                "name": format!("Guggy {i}"), "triggerWords": ["!guggy", "guggy"], "urls": ["http://text2gif.guggy.com/guggify"],
                "token": "8DFS89DMKLWEN", "script": script, "scriptEnabled": true, "type": "webhook-outgoing",
                "userId": "rocket.cat", "channel": [format!("#sized-{n}")],
                "_createdAt": {"$date": 1_483_635_965_660_i64 + (i as i64 * 2_654_435_761) % (1 << 32)},
                "_createdBy": {"username": "graywolf336", "_id": "R4jgcQaQhvvK6K3iY"},
            });
            let doc = Value::from_extended_json(doc).unwrap();
            items::integration_item(&Integration::of_document(format!("sized{n}x{i:06}"), &doc), &room)
        });
        put_items(&h, &h.tables.integrations, stored.collect()).await;
    }
    let settings = StoreSettings { permissions_ttl: Duration::from_secs(600), ..test_store_settings() };
    let (store, _) = service_via(&endpoint_url(), &h.tables, settings).await;
    store.warm_up().await.unwrap();
    let service = Service::new(store, PageSettings::default());
    let ask = |query: String| RawRequest {
        auth_token: Some(ADMIN_TOKEN.into()),
        user_id: Some(ADMIN_ID.into()),
        query: form_pairs(&query),
    };
    println!("| room (integrations, ~2 KB each) | default request: RCU (rounds) | documents whole, as before: RCU (rounds) | ratio | budget |");
    println!("|---|---|---|---|---|");
    for n in sizes {
        let room = format!("sizedRoom{n:08}");
        let default = service
            .answer(
                Endpoint::ChannelsGetIntegrations,
                &ask(format!("roomId={room}&includeAllPublicChannels=false")),
            )
            .await;
        let whole = service
            .answer(
                Endpoint::ChannelsGetIntegrations,
                &ask(format!("roomId={room}&includeAllPublicChannels=false&count=0")),
            )
            .await;
        assert!(default.result.is_ok() && whole.result.is_ok());
        let budget = if n == 10_000 { "≤ 10%" } else { "" };
        println!(
            "| {n} | {} ({}) | {} ({}) | {:.1}% | {budget} |",
            default.read_units,
            default.rounds,
            whole.read_units,
            whole.rounds,
            100.0 * default.read_units / whole.read_units
        );
    }
}

/// The other endpoints, warm, on the demo: what an allowed request reads, and that an
/// anonymous one (a made-up token) costs at most the 4 RCU of the security bound.
#[tokio::test]
async fn each_endpoint_reads_little_and_an_anonymous_request_at_most_4_rcu() {
    let h = Harness::demo().await;
    let service = warm_service(&h).await;
    let ask = |token: &str, user: &str, query: &str| RawRequest {
        auth_token: Some(token.into()),
        user_id: Some(user.into()),
        query: form_pairs(query),
    };
    let cases = [
        (Endpoint::GroupsGetIntegrations, "roomId=pX9kTq2LmZ8vB4wYc"),
        (Endpoint::IntegrationsList, ""),
        (Endpoint::IntegrationsGet, "integrationId=WMQDChpnYTRmFre9h"),
        (Endpoint::IntegrationsHistory, "id=WMQDChpnYTRmFre9h"),
    ];
    for (endpoint, query) in cases {
        let allowed = service.answer(endpoint, &ask(ADMIN_TOKEN, ADMIN_ID, query)).await;
        assert!(allowed.result.is_ok(), "{}: {:?}", endpoint.name(), allowed.result);
        // The demo's documents are small: a handful of reads of 0.5 RCU each.
        assert!(allowed.read_units <= 6.0, "{}: {} RCU", endpoint.name(), allowed.read_units);
        let anonymous = service.answer(endpoint, &ask("made-up", ADMIN_ID, query)).await;
        assert_eq!(anonymous.result.as_ref().map_err(|e| e.status()), Err(401), "{}", endpoint.name());
        assert!(anonymous.read_units <= 4.0, "{}: {} RCU", endpoint.name(), anonymous.read_units);
        assert_eq!(anonymous.rounds, 1, "{}", endpoint.name());
    }
}

/// Stores the public channel `room` (named `name`) and an integration per document
/// of `docs`, each an Extended JSON text with its `_id`.
async fn put_room(h: &Harness, room: &str, name: &str, docs: impl Iterator<Item = String>) {
    use rc_integrations::document::Value;
    use rc_integrations::model::{Integration, RoomRecord};
    use rc_integrations::store::items;
    let record =
        RoomRecord { id: room.into(), name: Some(name.into()), kind: "c".into(), ..Default::default() };
    put_items(h, &h.tables.rooms, vec![items::room_item(&record)]).await;
    let integrations = docs.map(|text| {
        let doc = Value::from_extended_json_str(&text).unwrap();
        let id = doc.get("_id").and_then(Value::as_str).unwrap().to_owned();
        items::integration_item(&Integration::of_document(id, &doc), room)
    });
    put_items(h, &h.tables.integrations, integrations.collect()).await;
}

/// A service over the harness's tables whose bodies stop at `max_response_bytes`
/// (so a request holds at most three times that of documents).
async fn service_with_bodies_of(h: &Harness, max_response_bytes: usize) -> Service {
    let (store, _) = service_via(&endpoint_url(), &h.tables, test_store_settings()).await;
    Service::new(store, PageSettings { max_response_bytes, ..PageSettings::default() })
}

fn ask(token: &str, user: &str, query: &str) -> RawRequest {
    RawRequest { auth_token: Some(token.into()), user_id: Some(user.into()), query: form_pairs(query) }
}

/// `count=0` on a room whose documents pass three bodies' worth: the rest is read
/// whole but holds documents only up to that, heads past it, and the page's others
/// are read by key as far as the body holds them. The answer is the same page.
#[tokio::test]
async fn count_0_holds_at_most_three_bodies_of_documents() {
    const ROOM: &str = "heldRoom000000001";
    const SIZE: usize = 300;
    let h = Harness::demo().await;
    let script = "s".repeat(1000);
    // Creation dates run opposite to ids: the oldest are the last read.
    let docs = (0..SIZE).map(|i| {
        let created = 1_000_000 - i as i64;
        format!(r#"{{"_id":"h{i:04}","type":"webhook-outgoing","script":"{script}","_createdAt":{{"$date":{created}}}}}"#)
    });
    put_room(&h, ROOM, "held", docs).await;
    // A 20 KB body: documents held up to 60 KB, a fifth of the room's.
    let service = service_with_bodies_of(&h, 20_000).await;
    let raw = ask(ADMIN_TOKEN, ADMIN_ID, &format!("roomId={ROOM}&count=0&includeAllPublicChannels=false"));
    let answer = service.answer(Endpoint::ChannelsGetIntegrations, &raw).await;
    let body: serde_json::Value = serde_json::from_str(&answer.result.unwrap()).unwrap();
    let ids: Vec<&str> =
        body["integrations"].as_array().unwrap().iter().map(|i| i["_id"].as_str().unwrap()).collect();
    assert_eq!(body["total"], SIZE);
    assert!((10..30).contains(&ids.len()), "{} items in a 20 KB body", ids.len());
    let expected: Vec<String> = (0..ids.len()).map(|k| format!("h{:04}", SIZE - 1 - k)).collect();
    assert_eq!(ids, expected, "oldest first");
    // The first page, the rest whole (documents up to the cap), the page's by key.
    assert_eq!(answer.rounds, 3);
}

/// A `query` and a sort on a field heads lack, over a room whose documents pass three
/// bodies' worth: each document is matched as it arrives, the ones refused dropped,
/// the ones admitted held whole only up to the cap and past it by their sort field
/// alone; the page's others are read by key. For a caller who sees everything (read
/// whole) and one who sees its own (read as heads, then by key, a round at a time),
/// the answer is the one a request holding every document gives.
#[tokio::test]
async fn a_query_and_a_sort_hold_at_most_three_bodies_of_documents() {
    const ROOM: &str = "siftRoom000000001";
    const SIZE: usize = 300;
    const BOT_BUILDER: (&str, &str) = ("demo-token-graywolf336", "R4jgcQaQhvvK6K3iY");
    let h = Harness::demo().await;
    let script = "s".repeat(1000);
    // Every other one outgoing (the bot-builder's own), names in an order of their own.
    let docs = (0..SIZE).map(|i| {
        let kind = ["webhook-outgoing", "webhook-incoming"][i % 2];
        let name = format!("n{:04}", (i * 7919) % SIZE);
        format!(
            r#"{{"_id":"q{i:04}","type":"{kind}","name":"{name}","script":"{script}","_createdBy":{{"_id":"{}"}}}}"#,
            BOT_BUILDER.1
        )
    });
    put_room(&h, ROOM, "sift", docs).await;
    // 20 KB bodies hold 60 KB of documents, about a third of the matching ones.
    let sifting = service_with_bodies_of(&h, 20_000).await;
    let holding = service_with_bodies_of(&h, 5_000_000).await;
    let query =
        r#"query={"type":"webhook-outgoing","name":{"$regex":"^n0"}}&sort={"name":-1}&count=8&offset=5"#;
    let query = format!("roomId={ROOM}&includeAllPublicChannels=false&{query}");
    // (caller, rounds holding every document, rounds sifting)
    let callers = [((ADMIN_TOKEN, ADMIN_ID), 2, 3), (BOT_BUILDER, 3, 4)];
    for ((token, user), holding_rounds, sifting_rounds) in callers {
        let raw = ask(token, user, &query);
        let expected = holding.answer(Endpoint::ChannelsGetIntegrations, &raw).await;
        let sifted = sifting.answer(Endpoint::ChannelsGetIntegrations, &raw).await;
        let body = expected.result.clone().unwrap();
        assert!(body.contains(r#""count":8,"#) && body.contains(r#""total":150,"#), "{user}: {body}");
        assert_eq!(sifted.result, expected.result, "{user}");
        assert_eq!((expected.rounds, sifted.rounds), (holding_rounds, sifting_rounds), "{user}");
    }
}

/// A sort on a large field whose values, over the admitted integrations, pass what a
/// request may hold (the same three bodies' worth) cannot be answered within bounds:
/// it is the 503 of a request past its budget, for a caller who sees everything and
/// one who sees its own, rather than a request whose memory grows with the room. A
/// sort on a small field of the same room is answered as a request holding every
/// document answers it.
#[tokio::test]
async fn a_sort_on_a_field_too_large_to_hold_is_the_503() {
    const ROOM: &str = "bigSortRoom000001";
    const SIZE: usize = 300;
    const BOT_BUILDER: (&str, &str) = ("demo-token-graywolf336", "R4jgcQaQhvvK6K3iY");
    let h = Harness::demo().await;
    let docs = (0..SIZE).map(|i| {
        let script = format!("{i:04}{}", "s".repeat(1000));
        format!(
            r#"{{"_id":"b{i:04}","type":"webhook-outgoing","name":"n{i:04}","script":"{script}","_createdBy":{{"_id":"{}"}}}}"#,
            BOT_BUILDER.1
        )
    });
    put_room(&h, ROOM, "bigsort", docs).await;
    // 20 KB bodies: 60 KB held, where the room's scripts are 300 KB.
    let sifting = service_with_bodies_of(&h, 20_000).await;
    let holding = service_with_bodies_of(&h, 5_000_000).await;
    let room = format!("roomId={ROOM}&includeAllPublicChannels=false");
    for (token, user) in [(ADMIN_TOKEN, ADMIN_ID), BOT_BUILDER] {
        let by_script = ask(token, user, &format!(r#"{room}&sort={{"script":-1}}&count=5"#));
        let refused = sifting.answer(Endpoint::ChannelsGetIntegrations, &by_script).await;
        assert_eq!(refused.result, Err(ApiError::Unavailable), "{user}");
        let answered = holding.answer(Endpoint::ChannelsGetIntegrations, &by_script).await;
        assert!(answered.result.unwrap().contains(r#""_id":"b0299""#), "{user}");
        let by_name = ask(token, user, &format!(r#"{room}&sort={{"name":-1}}&count=0"#));
        let expected = holding.answer(Endpoint::ChannelsGetIntegrations, &by_name).await;
        let sifted = sifting.answer(Endpoint::ChannelsGetIntegrations, &by_name).await;
        assert!(expected.result.as_ref().unwrap().contains(r#""total":300,"#), "{user}");
        assert_eq!(sifted.result.as_ref().map(|b| b.len() < 25_000), Ok(true), "{user}");
        let first = |r: &Result<String, ApiError>| r.as_ref().unwrap()[..2_000].to_owned();
        assert_eq!(first(&sifted.result), first(&expected.result), "{user}");
    }
}

/// What an anonymous request (a made-up token) costs on rooms of 60 integrations of
/// each document size: the batch of small items plus the room's first page, 50
/// documents or DynamoDB's 1 MB page, whichever is less, as SECURITY.md states; never
/// the rest of the room. `--nocapture` prints BENCHMARKS.md's table.
#[tokio::test]
async fn an_anonymous_request_costs_at_most_one_bounded_page_whatever_the_document_sizes() {
    use rc_integrations::store::FIRST_PAGE_ITEMS;
    const SIZE: usize = 60;
    let h = Harness::demo().await;
    let service = warm_service(&h).await;
    println!("| documents of | anonymous 401 (RCU) | of which the batch | bound: batch + first page | the room whole |");
    println!("|---|---|---|---|---|");
    for kib in [1, 2, 8, 20, 60] {
        let room = format!("anonRoom{kib:09}");
        let script = "s".repeat(kib * 1024);
        let docs = (0..SIZE).map(|i| {
            format!(r##"{{"_id":"a{kib}x{i:04}","type":"webhook-incoming","channel":["#r{kib}"],"script":"{script}"}}"##)
        });
        put_room(&h, &room, &format!("r{kib}"), docs).await;
        let stored = partition_size(&h, &room).await;
        let per_item = stored / SIZE;
        // The batch alone: a request refused before any query.
        let batch = service
            .answer(
                Endpoint::ChannelsGetIntegrations,
                &ask(ADMIN_TOKEN, ADMIN_ID, &format!("roomId={room}&count=x")),
            )
            .await;
        // DynamoDB's page ends at 1 MB; DynamoDB Local's may end an item past it and
        // sizes index entries a little larger: one item and one unit more at most.
        let first_page = match FIRST_PAGE_ITEMS as usize * per_item {
            bytes if bytes <= 1 << 20 => rcu(bytes),
            _ => rcu(1 << 20) + rcu(per_item) + 1.0,
        };
        let bound = batch.read_units + first_page;
        let anonymous = service
            .answer(Endpoint::ChannelsGetIntegrations, &ask("made-up", ADMIN_ID, &format!("roomId={room}")))
            .await;
        assert_eq!(anonymous.result.as_ref().map_err(|e| e.status()), Err(401));
        assert_eq!(anonymous.rounds, 1);
        assert!(anonymous.read_units <= bound, "{kib} KiB: {} RCU, bound {bound}", anonymous.read_units);
        println!(
            "| {kib} KiB | {} | {} | {bound} | {} |",
            anonymous.read_units,
            batch.read_units,
            rcu(stored)
        );
    }
}
