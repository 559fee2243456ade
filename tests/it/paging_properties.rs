//! Properties of a listing: its pages concatenate to the full sorted, visible list
//! with no gap or duplicate, and `total` does not depend on `offset` or `count`.

use crate::support::*;
use proptest::prelude::*;
use rc_integrations::document::Value;
use rc_integrations::model::{Integration, RoomRecord};
use rc_integrations::store::items;
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Clone)]
struct Spec {
    outgoing: bool,
    creator: Option<usize>,
    created: i64,
    name: Option<serde_json::Value>,
    public: bool,
}

fn spec() -> impl Strategy<Value = Spec> {
    let name = prop_oneof![
        Just(None),
        Just(Some(json!(null))),
        (0i64..3).prop_map(|n| Some(json!(n))),
        "[ab]{0,2}".prop_map(|s| Some(json!(s))),
    ];
    (any::<bool>(), prop::option::of(1usize..4), 0i64..4, name, prop::bool::weighted(0.2)).prop_map(
        |(outgoing, creator, created, name, public)| Spec { outgoing, creator, created, name, public },
    )
}

fn sort() -> impl Strategy<Value = String> {
    let key =
        prop_oneof![Just("_createdAt"), Just("name"), Just("type"), Just("_createdBy._id"), Just("_id")];
    prop::collection::vec((key, prop::bool::ANY), 0..3).prop_map(|keys| {
        let mut seen = BTreeSet::new();
        let fields: Vec<String> = keys
            .into_iter()
            .filter(|(k, _)| seen.insert(*k))
            .map(|(k, asc)| format!("\"{k}\":{}", if asc { 1 } else { -1 }))
            .collect();
        format!("{{{}}}", fields.join(","))
    })
}

/// Stores the integrations under a new room and returns the room id, the ids the
/// caller `mask` may see (by the rule of contract §4) and the ids put under
/// `all_public_channels`, which every room shares.
async fn seed(h: &Harness, specs: &[Spec], mask: usize) -> (String, BTreeSet<String>, Vec<String>) {
    static ROOM: AtomicUsize = AtomicUsize::new(0);
    let room = format!("room-{}", ROOM.fetch_add(1, Ordering::Relaxed));
    let record =
        RoomRecord { id: room.clone(), name: Some(room.clone()), kind: "c".into(), ..Default::default() };
    put_items(h, &h.tables.rooms, vec![items::room_item(&record)]).await;
    let mut visible = BTreeSet::new();
    let mut stored = Vec::new();
    let mut public = Vec::new();
    for (i, s) in specs.iter().enumerate() {
        let id = format!("{room}-i{i:03}");
        let creator = s.creator.map(|c| format!("u{c:02}"));
        let mut doc = json!({"_id": id, "type": if s.outgoing { "webhook-outgoing" } else { "webhook-incoming" },
            "channel": [format!("#{room}")], "_createdAt": {"$date": s.created * 86_400_000}});
        if let Some(uid) = &creator {
            doc["_createdBy"] = json!({"_id": uid});
        }
        if let Some(name) = &s.name {
            doc["name"] = name.clone();
        }
        let own = creator.as_deref() == Some(format!("u{mask:02}").as_str());
        if sees(mask, s.outgoing, own) {
            visible.insert(id.clone());
        }
        let integration = Integration::of_document(id, &Value::from_extended_json(doc).unwrap());
        let partition = if s.public { "all_public_channels".to_owned() } else { room.clone() };
        stored.push(items::integration_item(&integration, &partition));
        if s.public {
            public.push(integration.id.clone());
            // Both targets: the listing must still show it once.
            stored.push(items::integration_item(&integration, &room));
        }
    }
    put_items(h, &h.tables.integrations, stored).await;
    (room, visible, public)
}

/// Removes a case's `all_public_channels` items so the next case starts clean.
async fn unseed_public(h: &Harness, ids: Vec<String>) {
    for id in ids {
        let key = [("_id", id), ("target", "all_public_channels".to_owned())];
        let key = key.into_iter().map(|(k, v)| (k.to_owned(), items::s(v))).collect();
        h.client.delete_item().table_name(&h.tables.integrations).set_key(Some(key)).send().await.unwrap();
    }
}

/// Every page of the listing, `count` at a time, against the whole listing
/// (`count=0`, which reads documents whole): the same ids in the same order, the same
/// `total`, no gap and no duplicate.
async fn check_pages(
    h: &Harness,
    specs: &[Spec],
    mask: usize,
    sort: &str,
    count: u64,
) -> Result<(), TestCaseError> {
    let (room, visible, public) = seed(h, specs, mask).await;
    let checked = async {
        let creds = [("X-Auth-Token", format!("t{mask}")), ("X-User-Id", format!("u{mask:02}"))];
        let headers: Vec<(&str, &str)> = creds.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let base = format!("roomId={room}&sort={}", urlencode(sort));
        let full = h.get(&headers, &format!("{base}&count=0")).await;
        prop_assert_eq!(full.status, 200, "{}", full.text);
        let all = full.ids();
        prop_assert_eq!(all.iter().cloned().collect::<BTreeSet<_>>(), visible.clone());
        prop_assert_eq!(all.len(), visible.len(), "duplicates in {:?}", all);
        prop_assert_eq!(&full.body["total"], &json!(visible.len()));
        let mut concatenated = Vec::new();
        let mut offset = 0;
        loop {
            let page = h.get(&headers, &format!("{base}&offset={offset}&count={count}")).await;
            prop_assert_eq!(&page.body["total"], &json!(visible.len()));
            prop_assert_eq!(&page.body["offset"], &json!(offset));
            let ids = page.ids();
            prop_assert_eq!(&page.body["count"], &json!(ids.len()));
            if ids.is_empty() {
                break;
            }
            prop_assert!(ids.len() as u64 <= count);
            concatenated.extend(ids);
            offset += count;
        }
        prop_assert_eq!(concatenated, all);
        Ok(())
    }
    .await;
    unseed_public(h, public).await;
    checked
}

#[test]
fn pages_concatenate_to_the_full_listing() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let h = runtime.block_on(Harness::export(&mask_world()));
    let config = ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(specs in prop::collection::vec(spec(), 0..30), mask in 1usize..16, sort in sort(), count in 1u64..8)| {
        runtime.block_on(check_pages(&h, &specs, mask, &sort, count))?;
    });
}

/// Rooms past their first page, sorted on heads: their heads are read past it and
/// shortlisted as they arrive (some of them also listed through `all_public_channels`,
/// whose ids are pinned), and each page must still be the full listing's.
#[test]
fn a_big_rooms_shortlisted_pages_concatenate_to_the_full_listing() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let h = runtime.block_on(Harness::export(&mask_world()));
    let config = ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() };
    let on_heads = prop_oneof![
        Just("{}".to_owned()),
        Just(r#"{"_createdAt":1}"#.to_owned()),
        Just(r#"{"_createdAt":-1}"#.to_owned())
    ];
    proptest!(config, |(mut specs in prop::collection::vec(spec(), 51..140), mask in 1usize..16, sort in on_heads, count in 10u64..45, dated in any::<bool>())| {
        if dated {
            // Created in the order of their ids: one direction's pages come wholly
            // from past the first page, up to the shortlist's last place.
            specs.iter_mut().enumerate().for_each(|(i, spec)| spec.created = i as i64);
        }
        runtime.block_on(check_pages(&h, &specs, mask, &sort, count))?;
    });
}

/// The pages that come wholly from past a big room's first page: created in the order
/// of their ids, newest first, so each page's last place is the shortlist's last.
/// Some of them are listed through `all_public_channels` too (pinned), and callers
/// see all, their own, or one direction of them.
#[tokio::test]
async fn a_big_rooms_newest_pages_come_from_its_shortlisted_heads() {
    let h = Harness::export(&mask_world()).await;
    let specs: Vec<Spec> = (0..130)
        .map(|i| Spec {
            outgoing: i % 3 == 0,
            creator: Some(1 + i % 3),
            created: i as i64,
            name: None,
            public: i % 11 == 0,
        })
        .collect();
    // Everything; their own (u12 holds both "own"); all incoming and own outgoing (u06).
    for (mask, count) in [(15, 10), (15, 7), (12, 3), (6, 9)] {
        check_pages(&h, &specs, mask, r#"{"_createdAt":-1}"#, count).await.unwrap();
    }
}
