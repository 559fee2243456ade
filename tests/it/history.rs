//! `integrations.history` over the real path: runs imported and synced, read newest
//! first page by page, seen by whom the contract says, never with `data.user.services`.

use crate::support::*;
use rc_integrations::sync::{event, Applier, Event, Outcome};
use rc_integrations::Endpoint;
use serde_json::{json, Value as Json};

const HOOK: &str = "hookOfOwner000001";
const OWNER: (&str, &str) = ("owner000000000001", "owner-token");
const OTHER: (&str, &str) = ("other000000000001", "other-token");
const NOBODY: (&str, &str) = ("nobody00000000001", "nobody-token");
const INCOMING_ADMIN: (&str, &str) = ("incoming000000001", "incoming-token");

fn run(n: usize, integration: &str, creator: Option<&str>, minute: usize) -> Json {
    let mut snapshot = json!({"_id": integration, "type": "webhook-outgoing", "token": "secret-token"});
    if let Some(creator) = creator {
        snapshot["_createdBy"] = json!({"_id": creator});
    }
    let at = json!({"$date": format!("2024-01-01T10:{minute:02}:00.000Z")});
    json!({
        "_id": format!("run{n:04}"), "type": "outgoing-webhook", "step": "finished",
        "integration": snapshot, "event": "sendMessage", "_createdAt": at, "_updatedAt": at,
        "data": {"text": format!("message {n}"), "user": {"_id": "u", "services": {"password": {"bcrypt": "hash"}}}},
    })
}

/// Owner's hook with 12 runs (minutes 0..12, two sharing minute 5), another hook's
/// run, and callers holding each permission.
fn export() -> Export {
    let mut e = Export::default();
    e.user(ADMIN_ID, &["admin"], ADMIN_TOKEN);
    e.user(OWNER.0, &["bot-builder"], OWNER.1);
    e.user(OTHER.0, &["bot-builder"], OTHER.1);
    e.user(NOBODY.0, &["user"], NOBODY.1);
    e.user(INCOMING_ADMIN.0, &["incoming-admin"], INCOMING_ADMIN.1);
    e.permission("manage-own-outgoing-integrations", &["admin", "bot-builder"]);
    e.permission("manage-incoming-integrations", &["admin", "incoming-admin"]);
    e.integration(HOOK, "webhook-outgoing", json!(["@x"]), Some(OWNER.0));
    for n in 0..12 {
        e.history.push(run(n, HOOK, Some(OWNER.0), if n == 11 { 5 } else { n }));
    }
    e.history.push(run(99, "anotherHook000001", Some(OTHER.0), 30));
    e
}

async fn history(h: &Harness, (user, token): (&str, &str), query: &str) -> Reply {
    let uri = format!("{}?{query}", Endpoint::IntegrationsHistory.path());
    h.request("GET", &uri, &[("X-Auth-Token", token), ("X-User-Id", user)]).await
}

fn run_ids(reply: &Reply) -> Vec<String> {
    let runs = reply.body["history"].as_array().unwrap_or_else(|| panic!("{}", reply.text));
    runs.iter().map(|r| r["_id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn runs_come_newest_first_page_by_page_with_the_total() {
    let h = Harness::export(&export()).await;
    let all = history(&h, (ADMIN_ID, ADMIN_TOKEN), &format!("id={HOOK}&count=100")).await;
    assert_eq!(all.status, 200, "{}", all.text);
    // Minute 10 first; run0005 and run0011 share minute 5: by `_id`.
    let expected: Vec<String> =
        [10, 9, 8, 7, 6, 5, 11, 4, 3, 2, 1, 0].iter().map(|n| format!("run{n:04}")).collect();
    assert_eq!(run_ids(&all), expected);
    let page = history(&h, (ADMIN_ID, ADMIN_TOKEN), &format!("id={HOOK}&offset=5&count=3")).await;
    assert_eq!(run_ids(&page), expected[5..8]);
    assert!(
        page.text.ends_with(r#"],"offset":5,"items":3,"count":3,"total":12,"success":true}"#),
        "{}",
        page.text
    );
    assert!(page.text.starts_with(r#"{"history":[{"_id":"run0005""#), "{}", page.text);
    // The same order when asked for explicitly (selected in memory), and reversed.
    let sorted = history(
        &h,
        (ADMIN_ID, ADMIN_TOKEN),
        &format!("id={HOOK}&count=0&sort={}", urlencode(r#"{"_updatedAt":-1}"#)),
    )
    .await;
    assert_eq!(run_ids(&sorted), expected);
    let oldest = history(
        &h,
        (ADMIN_ID, ADMIN_TOKEN),
        &format!("id={HOOK}&count=2&sort={}", urlencode(r#"{"_updatedAt":1}"#)),
    )
    .await;
    assert_eq!(run_ids(&oldest), ["run0000", "run0001"]);
    assert_eq!(oldest.body["total"], 12);
    // An unknown integration: 200, nothing.
    let none = history(&h, (ADMIN_ID, ADMIN_TOKEN), "id=unknown").await;
    assert_eq!((none.status.as_u16(), none.body["total"].as_u64()), (200, Some(0)));
}

#[tokio::test]
async fn a_query_narrows_and_fields_hide_but_the_users_services_never_come() {
    let h = Harness::export(&export()).await;
    let query = urlencode(r#"{"data.text":{"$in":["message 3","message 7"]}}"#);
    let found = history(&h, (ADMIN_ID, ADMIN_TOKEN), &format!("id={HOOK}&query={query}")).await;
    assert_eq!(run_ids(&found), ["run0007", "run0003"]);
    assert_eq!(found.body["total"], 2);
    // A query naming the integration cannot widen what `id` and visibility allow.
    let widen = urlencode(r#"{"integration._id":"anotherHook000001"}"#);
    let none = history(&h, (OWNER.0, OWNER.1), &format!("id={HOOK}&query={widen}")).await;
    assert_eq!(none.body["total"], 0, "{}", none.text);
    let whole = history(&h, (ADMIN_ID, ADMIN_TOKEN), &format!("id={HOOK}&count=1")).await;
    assert!(!whole.text.contains("services") && !whole.text.contains("bcrypt"), "{}", whole.text);
    assert_eq!(whole.body["history"][0]["data"]["user"], json!({"_id": "u"}));
    let fields = urlencode(r#"{"step":1}"#);
    let slim = history(&h, (ADMIN_ID, ADMIN_TOKEN), &format!("id={HOOK}&count=1&fields={fields}")).await;
    assert_eq!(slim.body["history"][0], json!({"_id": "run0010", "step": "finished"}));
}

#[tokio::test]
async fn who_sees_what() {
    let h = Harness::export(&export()).await;
    let q = format!("id={HOOK}");
    // "Own" sees its own integration's runs, by the snapshot's creator.
    assert_eq!(history(&h, OWNER, &q).await.body["total"], 12);
    // Another "own" caller: 200 and nothing, not a 403.
    let other = history(&h, OTHER, &q).await;
    assert_eq!((other.status.as_u16(), other.body["total"].as_u64()), (200, Some(0)));
    // The incoming permissions do not count: 403.
    let forbidden = r#"{"success":false,"error":"User does not have the permissions required for this action [error-unauthorized]"}"#;
    assert_eq!(history(&h, INCOMING_ADMIN, &q).await.text, forbidden);
    assert_eq!(history(&h, NOBODY, &q).await.text, forbidden);
    let anonymous = history(&h, ("someone", "made-up"), &q).await;
    assert_eq!(anonymous.status.as_u16(), 401);
}

#[tokio::test]
async fn the_id_parameter_fails_three_ways_after_authentication() {
    let h = Harness::export(&export()).await;
    let rows = [
        (
            "",
            r#"{"success":false,"error":"must have required property 'id'","errorType":"error-invalid-params"}"#,
        ),
        (
            "id=",
            r#"{"success":false,"error":"must NOT have fewer than 1 characters","errorType":"error-invalid-params"}"#,
        ),
        ("id=%20%20", r#"{"success":false,"error":"Invalid integration id."}"#),
    ];
    for (query, body) in rows {
        let reply = history(&h, (ADMIN_ID, ADMIN_TOKEN), query).await;
        assert_eq!((reply.status.as_u16(), reply.text.as_str()), (400, body), "{query}");
        // Before authentication and the gate, they are the 401 and the 403.
        assert_eq!(history(&h, ("someone", "made-up"), query).await.status.as_u16(), 401, "{query}");
        assert_eq!(history(&h, NOBODY, query).await.status.as_u16(), 403, "{query}");
    }
    let bad_count = history(&h, (ADMIN_ID, ADMIN_TOKEN), &format!("id={HOOK}&count=x")).await;
    assert_eq!(bad_count.body["errorType"], "error-invalid-params");
}

#[tokio::test]
async fn a_run_synced_in_is_listed_and_one_deleted_goes() {
    let h = Harness::export(&export()).await;
    let newest = run(500, HOOK, Some(OWNER.0), 59);
    let lines = [
        json!({"operationType": "insert", "clusterTime": {"$timestamp": {"t": 2_000_000_000u64, "i": 1}},
               "ns": {"db": "rocketchat", "coll": "rocketchat_integration_history"},
               "documentKey": {"_id": "run0500"}, "fullDocument": newest}),
        json!({"operationType": "delete", "clusterTime": {"$timestamp": {"t": 2_000_000_000u64, "i": 2}},
               "ns": {"db": "rocketchat", "coll": "rocketchat_integration_history"},
               "documentKey": {"_id": "run0010"}}),
    ];
    let changes: Vec<_> = lines
        .iter()
        .map(|l| match event::parse_line(&l.to_string()).unwrap() {
            Event::Change(c) => c,
            Event::Ignored(why) => panic!("{why:?}"),
        })
        .collect();
    let applier =
        Applier::new(h.client.clone(), h.tables.clone(), 90, std::time::Duration::from_secs(86_400));
    let report = applier.apply(changes).await.expect("DynamoDB");
    assert!(report.outcomes.iter().all(|o| !matches!(o, Outcome::Failed(_))), "{:?}", report.outcomes);
    let reply = history(&h, (ADMIN_ID, ADMIN_TOKEN), &format!("id={HOOK}&count=2")).await;
    assert_eq!(run_ids(&reply), ["run0500", "run0009"]);
    assert_eq!(reply.body["total"], 12);
}

/// The cost of a page of a large history (`benches/history_scale.sh` loads it): the
/// read units of `integrations.history` against those of the page's runs read by key
/// alone. Prints a markdown row per request.
#[tokio::test]
#[ignore = "measurement; run by benches/history_scale.sh"]
async fn measure_history_page_cost() {
    use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, ReturnConsumedCapacity};
    use rc_integrations::config::{PageSettings, TableNames};
    use rc_integrations::request::RawRequest;
    use rc_integrations::store::{build_client, Endpoint as Dynamo};
    let url = std::env::var("HISTORY_BENCH_ENDPOINT").expect("HISTORY_BENCH_ENDPOINT");
    let settings = rc_integrations::config::StoreSettings {
        request_budget: std::time::Duration::from_secs(30),
        ..test_store_settings()
    };
    let tables = TableNames::from_env();
    let client = build_client(&Dynamo::Local(url.clone()), &settings).await;
    let (store, _) = service_via(&url, &tables, settings).await;
    let service = rc_integrations::Service::new(store, PageSettings::default());
    let hook = std::env::var("HISTORY_BENCH_HOOK").unwrap_or_else(|_| "hook0000000".into());
    let cases = [
        ("admin, default page", ("user0000000", "token-0"), format!("id={hook}")),
        ("admin, page 3 (offset=100)", ("user0000000", "token-0"), format!("id={hook}&offset=100")),
        ("own-only owner, default page", ("user0000001", "token-1"), format!("id={hook}")),
    ];
    println!("| request | runs of the integration | rounds | RCU | RCU of the page's runs by key | ratio |");
    println!("|---|---|---|---|---|---|");
    for (label, (user, token), query) in cases {
        let raw = RawRequest {
            auth_token: Some(token.into()),
            user_id: Some(user.into()),
            query: form_urlencoded::parse(query.as_bytes()).into_owned().collect(),
        };
        let answer = service.answer(Endpoint::IntegrationsHistory, &raw).await;
        let body: Json =
            serde_json::from_str(answer.result.as_ref().unwrap_or_else(|e| panic!("{label}: {e:?}")))
                .unwrap();
        assert!(!body["history"].as_array().unwrap().is_empty(), "{label}: an empty page");
        let ids: Vec<&str> =
            body["history"].as_array().unwrap().iter().map(|r| r["_id"].as_str().unwrap()).collect();
        let keys =
            ids.iter().map(|id| [("_id".to_owned(), AttributeValue::S((*id).into()))].into()).collect();
        let page = client
            .batch_get_item()
            .request_items(
                &tables.history,
                KeysAndAttributes::builder().set_keys(Some(keys)).build().unwrap(),
            )
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .unwrap();
        let alone: f64 = page.consumed_capacity().iter().filter_map(|c| c.capacity_units).sum();
        println!(
            "| {label} | {} | {} | {} | {alone} | {:.2} |",
            body["total"],
            answer.rounds,
            answer.read_units,
            answer.read_units / alone
        );
    }
}

/// A `query` only ever narrows what `id` and visibility allow, whoever asks.
#[test]
fn a_query_only_ever_narrows_the_history() {
    use proptest::prelude::*;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut e = export();
    for n in 100..130 {
        let mut r = run(n, HOOK, Some(OWNER.0), n % 7);
        r["step"] = json!(["finished", "pre-http-call", "too-many-retries"][n % 3]);
        r["finished"] = json!(n % 2 == 0);
        e.history.push(r);
    }
    e.history.push(run(200, HOOK, None, 3));
    let h = runtime.block_on(Harness::export(&e));
    let leaf = (
        prop::sample::select(vec![
            "step",
            "finished",
            "data.text",
            "integration._createdBy._id",
            "integration._id",
            "_id",
        ]),
        prop_oneof![
            Just(json!("finished")),
            Just(json!(true)),
            Just(json!(OWNER.0)),
            Just(json!(HOOK)),
            Just(json!("anotherHook000001")),
            Just(json!({"$exists": true})),
            Just(json!({"$regex": "1"})),
            Just(json!({"$ne": "finished"})),
        ],
    )
        .prop_map(|(path, condition)| json!({ path: condition }));
    let query = leaf.prop_recursive(2, 6, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..3).prop_map(|v| json!({"$or": v})),
            prop::collection::vec(inner, 1..3).prop_map(|v| json!({"$nor": v})),
        ]
    });
    let callers = vec![(ADMIN_ID, ADMIN_TOKEN), OWNER, OTHER];
    let config = ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(caller in prop::sample::select(callers), q in query)| {
        runtime.block_on(async {
            let base = format!("id={HOOK}&count=0");
            let without = history(&h, caller, &base).await;
            prop_assert_eq!(without.status.as_u16(), 200, "{}", without.text);
            let all: std::collections::BTreeSet<String> = run_ids(&without).into_iter().collect();
            // The oracle: the integration's runs; "own" only those whose snapshot is theirs.
            let visible = e.history.iter().filter(|r| r["integration"]["_id"] == HOOK).filter(|r| {
                caller.0 == ADMIN_ID || r["integration"]["_createdBy"]["_id"] == caller.0
            });
            let expected: std::collections::BTreeSet<String> =
                visible.map(|r| r["_id"].as_str().unwrap().to_owned()).collect();
            prop_assert_eq!(&all, &expected);
            let with = history(&h, caller, &format!("{base}&query={}", urlencode(&q.to_string()))).await;
            prop_assert_eq!(with.status.as_u16(), 200, "{} -> {}", q, with.text);
            let narrowed: std::collections::BTreeSet<String> = run_ids(&with).into_iter().collect();
            prop_assert!(narrowed.is_subset(&all), "{} widened {:?} to {:?}", q, all, narrowed);
            prop_assert_eq!(with.body["total"].as_u64(), Some(narrowed.len() as u64));
            Ok(())
        })?;
    });
}

/// Rocket.Chat's own cases for this route (`incoming-integrations.ts` and
/// `outgoing-integrations.ts`, `[/integrations.history]`), on equivalent data: a
/// caller with only incoming permissions, then one with no outgoing permission, get
/// the 403; with `manage-outgoing-integrations` for `admin`, the history comes with
/// its `offset`, `items`, `count` and `total`.
#[tokio::test]
async fn rocket_chats_own_history_cases() {
    let forbidden = r#"{"success":false,"error":"User does not have the permissions required for this action [error-unauthorized]"}"#;
    let mut e = export();
    e.permissions.retain(|p| p["_id"] != "manage-own-outgoing-integrations");
    // "should return an error when trying to get history of incoming integrations if
    // user does NOT have enough permissions": the admin holds only incoming ones.
    e.permission("manage-outgoing-integrations", &[]);
    e.permission("manage-own-outgoing-integrations", &[]);
    let h = Harness::export(&e).await;
    let reply = history(&h, (ADMIN_ID, ADMIN_TOKEN), &format!("id={HOOK}")).await;
    assert_eq!((reply.status.as_u16(), reply.text.as_str()), (403, forbidden));
    assert_eq!(reply.headers["content-type"], "application/json");
    // "should return the history of outgoing integrations".
    let mut e = export();
    e.permission("manage-outgoing-integrations", &["admin"]);
    let h = Harness::export(&e).await;
    let reply = history(&h, (ADMIN_ID, ADMIN_TOKEN), &format!("id={HOOK}")).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert_eq!(reply.body["success"], true);
    assert!(reply.body["history"].is_array());
    for key in ["offset", "items", "count", "total"] {
        assert!(reply.body[key].is_u64(), "{key}: {}", reply.text);
    }
}
