//! Read cost (issue #4, budget 5): with the permission cache warm, a request consumes
//! exactly the read capacity of the items it must read, rounded as DynamoDB rounds.

mod common;

use common::*;
use rc_integrations::config::{PageSettings, StoreSettings};
use rc_integrations::request::RawRequest;
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

#[tokio::test]
async fn a_warm_request_costs_the_floor() {
    let h = Harness::demo().await;
    let settings = StoreSettings { permissions_ttl: Duration::from_secs(600), ..test_store_settings() };
    let (store, _) = service_via(&endpoint_url(), &h.tables, settings).await;
    store.warm_up().await.unwrap();
    let service = Service::new(store, PageSettings::default());
    let raw = RawRequest {
        auth_token: Some(ADMIN_TOKEN.into()),
        user_id: Some(ADMIN_ID.into()),
        query: vec![("roomId".into(), GENERAL.into())],
    };
    let answer = service.answer(&raw).await;
    assert!(answer.result.is_ok(), "{:?}", answer.result);

    let partition_bytes = |room_id: &str| {
        let h = &h;
        let room_id = room_id.to_owned();
        async move {
            let out = h.client.scan().table_name(&h.tables.integrations).send().await.unwrap();
            out.items
                .unwrap_or_default()
                .iter()
                .filter(|i| i.get("roomId").and_then(|v| v.as_s().ok()) == Some(&room_id))
                .map(item_size)
                .sum::<usize>()
        }
    };
    // Token, user, room and the caller's subscription to it: four small items (a key
    // not found costs as much as one found); then the two index queries.
    let floor = 4.0 * rcu(1)
        + rcu(partition_bytes(GENERAL).await)
        + rcu(partition_bytes("all_public_channels").await);
    assert_eq!(answer.read_units, floor, "consumed {} RCU, floor {floor}", answer.read_units);
    println!("| request | consumed (RCU) | floor (RCU) | budget |");
    println!("|---|---|---|---|");
    println!("| warm, by roomId, demo `general` | {} | {floor} | = floor |", answer.read_units);
    assert_eq!(floor, 3.0, "the demo's general room: 2 for the batch, 0.5 per query");
}
