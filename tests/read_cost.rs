//! Read cost (issue #4, budget 5): with the permission cache warm, a request consumes
//! exactly the read capacity of the items it must read, rounded as DynamoDB rounds.

mod common;

use common::*;
use rc_integrations::auth::Credentials;
use rc_integrations::config::StoreSettings;
use rc_integrations::model::RoomRef;
use rc_integrations::store::{Lookup, Store};
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
    let credentials = Credentials::parse(Some(ADMIN_TOKEN), Some(ADMIN_ID)).unwrap();
    let room = RoomRef::Id(GENERAL.to_owned());
    let lookup = Lookup {
        credentials: &credentials,
        room: Some(&room),
        include_all_public_channels: true,
        with_integrations: true,
    };
    let snapshot = store.load(lookup).await.unwrap();

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
    // Token, user and room: three small items; then the two index queries.
    let floor = 3.0 * rcu(1)
        + rcu(partition_bytes(GENERAL).await)
        + rcu(partition_bytes("all_public_channels").await);
    assert_eq!(snapshot.read_units, floor, "consumed {} RCU, floor {floor}", snapshot.read_units);
    println!("| request | consumed (RCU) | floor (RCU) | budget |");
    println!("|---|---|---|---|");
    println!("| warm, by roomId, demo `general` | {} | {floor} | = floor |", snapshot.read_units);
    assert_eq!(floor, 2.5, "the demo's general room: 1.5 for the batch, 0.5 per query");
}
