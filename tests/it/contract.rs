//! The wire contract, row by row, over the real
//! DynamoDB code path.

use crate::support::*;
use rc_integrations::config::PageSettings;
use rc_integrations::model::TokenRecord;
use rc_integrations::store::items;
use serde_json::{json, Value as Json};

const ADMIN: (&str, &str) = ("admin0000000000001", "admin-token");
const GUEST: (&str, &str) = ("guest0000000000001", "guest-token");

/// A small world: an admin, a guest, rooms of every type and integrations on them.
fn world() -> Export {
    let mut e = Export::default();
    e.user(ADMIN.0, &["admin"], ADMIN.1)
        .user(GUEST.0, &["user"], GUEST.1)
        .room("room-general", "general", "c")
        .room("room-random", "random", "c")
        .room("room-private", "secret", "p")
        .room("room-direct", "direct", "d")
        .room("room-omni", "omni", "l")
        .integration("i-by-name", "webhook-outgoing", json!(["#general"]), Some(ADMIN.0))
        .integration("i-by-id", "webhook-incoming", json!(["#room-general"]), Some(GUEST.0))
        .integration("i-public", "webhook-outgoing", json!(["all_public_channels"]), None)
        .integration("i-both", "webhook-incoming", json!(["#general", "all_public_channels"]), None)
        .integration("i-random", "webhook-outgoing", json!(["#random"]), None)
        .integration("i-user", "webhook-outgoing", json!(["@someone"]), None)
        .integration("i-comma", "webhook-incoming", json!("#random, #general"), None)
        .integration("i-private", "webhook-outgoing", json!(["#secret"]), None)
        .integration("i-omni", "webhook-outgoing", json!(["#omni"]), None);
    e.rooms.push(json!({"_id": "room-archived", "name": "old", "t": "c", "archived": true}));
    e.integration("i-archived", "webhook-outgoing", json!(["#old"]), None);
    e
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

// §3 Authentication ---------------------------------------------------------------

#[tokio::test]
async fn every_authentication_failure_gets_the_same_401() {
    let mut export = world();
    export.users.push(json!({"_id": "inactive000000001", "username": "gone", "active": false, "roles": ["admin"],
        "services": {"resume": {"loginTokens": [{"type": "personalAccessToken", "hashedToken": rc_integrations::auth::hash_token("inactive-token")}]}}}));
    export.users.push(json!({"_id": "nameless000000001", "roles": ["admin"],
        "services": {"resume": {"loginTokens": [{"type": "personalAccessToken", "hashedToken": rc_integrations::auth::hash_token("nameless-token")}]}}}));
    let h = Harness::export(&export).await;
    // Tokens the importer would not write: expired, and of a user that does not exist.
    let expired = TokenRecord { user_id: ADMIN.0.into(), expires_at: Some(1_000) };
    let orphan = TokenRecord { user_id: "nobody00000000001".into(), expires_at: None };
    for (token, record) in [("expired-token", expired), ("orphan-token", orphan)] {
        let item = items::token_item(&rc_integrations::auth::hash_token(token), &record, "login");
        h.client.put_item().table_name(&h.tables.tokens).set_item(Some(item)).send().await.unwrap();
    }
    let q = "roomId=room-general";
    let failures = [
        h.get(&[], q).await,
        h.get(&[("X-User-Id", ADMIN.0)], q).await,
        h.get(&[("X-Auth-Token", ADMIN.1)], q).await,
        h.get(&[("X-Auth-Token", ""), ("X-User-Id", ADMIN.0)], q).await,
        h.get(&[("X-Auth-Token", ADMIN.1), ("X-User-Id", "")], q).await,
        h.get(&[("X-Auth-Token", "wrong"), ("X-User-Id", ADMIN.0)], q).await,
        h.get(&[("X-Auth-Token", GUEST.1), ("X-User-Id", ADMIN.0)], q).await,
        h.get(&[("X-Auth-Token", "expired-token"), ("X-User-Id", ADMIN.0)], q).await,
        h.get(&[("X-Auth-Token", "orphan-token"), ("X-User-Id", "nobody00000000001")], q).await,
        h.get(&[("X-Auth-Token", "inactive-token"), ("X-User-Id", "inactive000000001")], q).await,
        h.get(&[("X-Auth-Token", "nameless-token"), ("X-User-Id", "nameless000000001")], q).await,
        h.get(&[("X-Auth-Token", ADMIN.1), ("X-User-Id", &"x".repeat(5000))], q).await,
    ];
    let first = &failures[0];
    for (i, reply) in failures.iter().enumerate() {
        assert_eq!(reply.status, 401, "case {i}");
        assert_eq!(reply.text, UNAUTHORIZED, "case {i}");
        assert_eq!(reply.headers, first.headers, "case {i}: headers differ");
    }
    // Header names are case-insensitive.
    let ok = h.get(&[("x-auth-token", ADMIN.1), ("X-USER-ID", ADMIN.0)], q).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
}

#[tokio::test]
async fn a_login_token_lives_for_the_configured_days_after_when() {
    let mut export = world();
    let recent = chrono::Utc::now() - chrono::Duration::days(10);
    export.users.push(json!({"_id": "login0000000000001", "username": "login", "roles": ["admin"],
    "services": {"resume": {"loginTokens": [
        {"when": {"$date": recent.to_rfc3339()}, "hashedToken": rc_integrations::auth::hash_token("fresh")},
        {"when": {"$date": "2001-01-01T00:00:00Z"}, "hashedToken": rc_integrations::auth::hash_token("stale")}
    ]}}}));
    let h = Harness::export(&export).await;
    assert_eq!(h.summary.expired_tokens_skipped, 1);
    let fresh =
        h.get(&[("X-Auth-Token", "fresh"), ("X-User-Id", "login0000000000001")], "roomId=room-general").await;
    assert_eq!(fresh.status, 200, "{}", fresh.text);
    let stale =
        h.get(&[("X-Auth-Token", "stale"), ("X-User-Id", "login0000000000001")], "roomId=room-general").await;
    assert_eq!(stale.text, UNAUTHORIZED);
}

// §4 Permission gate ----------------------------------------------------------------

#[tokio::test]
async fn no_integration_permission_is_a_403_before_any_room_check() {
    let h = Harness::export(&world()).await;
    for query in ["roomId=room-general", "", "roomId=nowhere", "roomId=room-general&sort=bad"] {
        let reply = h.get_as(GUEST, query).await;
        assert_eq!(reply.status, 403, "{query}");
        assert_eq!(reply.text, FORBIDDEN, "{query}");
    }
}

#[tokio::test]
async fn authentication_is_checked_before_everything_else() {
    let h = Harness::export(&world()).await;
    for query in ["", "roomId=nowhere", "roomId=room-general&offset=-1&sort=x"] {
        let reply = h.get(&[("X-Auth-Token", "nope"), ("X-User-Id", GUEST.0)], query).await;
        assert_eq!(reply.text, UNAUTHORIZED, "{query}");
    }
}

// §5 Room ---------------------------------------------------------------------------

#[tokio::test]
async fn a_missing_room_parameter_is_a_400() {
    let h = Harness::export(&world()).await;
    for query in [
        "",
        "roomId=",
        "roomName=",
        "roomId=&roomName=",
        "roomId=%20%20",
        "roomid=room-general",
        "roomId[$ne]=x",
    ] {
        let reply = h.get_as(ADMIN, query).await;
        assert_eq!(reply.status, 400, "{query}");
        assert_eq!(reply.text, ROOM_MISSING, "{query}");
    }
}

#[tokio::test]
async fn unknown_rooms_private_groups_and_direct_messages_are_not_found() {
    let h = Harness::export(&world()).await;
    let long = format!("roomId={}", "x".repeat(3000));
    for query in [
        "roomId=nowhere",
        "roomName=nowhere",
        "roomId=room-private",
        "roomName=secret",
        "roomId=room-direct",
        "roomName=direct",
        "roomName=General",
        "roomId=general",
        long.as_str(),
    ] {
        let reply = h.get_as(ADMIN, query).await;
        assert_eq!(reply.status, 400, "{query}");
        assert_eq!(reply.text, ROOM_NOT_FOUND, "{query}");
    }
}

#[tokio::test]
async fn rooms_are_found_by_id_or_exact_name_archived_and_omnichannel_included() {
    let h = Harness::export(&world()).await;
    let by_id = h.get_as(ADMIN, "roomId=room-general").await;
    let by_name = h.get_as(ADMIN, "roomName=general").await;
    assert_eq!(by_id.status, 200);
    assert_eq!(by_id.text, by_name.text);
    // roomId wins over roomName; an empty roomId falls back to the name.
    assert_eq!(
        h.get_as(ADMIN, "roomId=room-random&roomName=general").await.ids(),
        h.get_as(ADMIN, "roomId=room-random").await.ids()
    );
    assert_eq!(h.get_as(ADMIN, "roomId=&roomName=general").await.text, by_id.text);
    let archived = h.get_as(ADMIN, "roomId=room-archived&includeAllPublicChannels=false").await;
    assert_eq!(archived.ids(), ["i-archived"]);
    let omni = h.get_as(ADMIN, "roomName=omni&includeAllPublicChannels=false").await;
    assert_eq!(omni.ids(), ["i-omni"]);
}

// §6 Which integrations belong to the room ---------------------------------------

#[tokio::test]
async fn a_room_lists_integrations_targeting_its_name_its_id_and_all_public_channels() {
    let h = Harness::export(&world()).await;
    let all = h.get_as(ADMIN, "roomId=room-general&count=0").await;
    assert_eq!(sorted(all.ids()), ["i-both", "i-by-id", "i-by-name", "i-comma", "i-public"]);
    assert_eq!(all.body["total"], 5);
    let explicit = h.get_as(ADMIN, "roomId=room-general&count=0&includeAllPublicChannels=true").await;
    assert_eq!(explicit.text, all.text);
    for off in ["false", "True", "1", "", "yes"] {
        let reply =
            h.get_as(ADMIN, &format!("roomId=room-general&count=0&includeAllPublicChannels={off}")).await;
        assert_eq!(sorted(reply.ids()), ["i-both", "i-by-id", "i-by-name", "i-comma"], "{off}");
    }
    let random = h.get_as(ADMIN, "roomName=random&includeAllPublicChannels=false").await;
    assert_eq!(sorted(random.ids()), ["i-comma", "i-random"]);
}

#[tokio::test]
async fn channel_arrays_come_back_exactly_as_stored() {
    let h = Harness::export(&world()).await;
    let reply = h.get_as(ADMIN, "roomId=room-general&count=0").await;
    let channel = |id: &str| {
        reply.body["integrations"].as_array().unwrap().iter().find(|i| i["_id"] == id).unwrap()["channel"]
            .clone()
    };
    assert_eq!(channel("i-by-id"), json!(["#room-general"]));
    assert_eq!(channel("i-comma"), json!("#random, #general"));
    assert_eq!(channel("i-both"), json!(["#general", "all_public_channels"]));
}

// §7 Parameters ---------------------------------------------------------------------

fn many(n: usize) -> Export {
    let mut e = Export::default();
    e.user(ADMIN.0, &["admin"], ADMIN.1).room("room-big", "big", "c");
    for i in 0..n {
        e.integration(&format!("i{i:04}"), "webhook-outgoing", json!(["#big"]), None);
    }
    e
}

#[tokio::test]
async fn offset_and_count_follow_rocket_chats_settings() {
    let h = Harness::export(&many(120)).await;
    let page = |q: &'static str| {
        let h = &h;
        async move {
            let r = h.get_as(ADMIN, &format!("roomId=room-big&{q}")).await;
            assert_eq!(r.status, 200, "{q}: {}", r.text);
            (
                r.body["count"].as_u64().unwrap(),
                r.body["offset"].as_u64().unwrap(),
                r.body["total"].as_u64().unwrap(),
            )
        }
    };
    assert_eq!(page("").await, (50, 0, 120));
    assert_eq!(page("count=500").await, (100, 0, 120));
    assert_eq!(page("count=0").await, (120, 0, 120));
    assert_eq!(page("count=").await, (120, 0, 120));
    assert_eq!(page("offset=").await, (50, 0, 120));
    assert_eq!(page("offset=110").await, (10, 110, 120));
    assert_eq!(page("offset=500&count=10").await, (0, 500, 120));
    assert_eq!(page("offset=18446744073709551615").await, (0, u64::MAX, 120));
    assert_eq!(page("_=1700000000&unknown=1").await, (50, 0, 120));
    let second = h.get_as(ADMIN, "roomId=room-big&offset=50&count=2").await;
    assert_eq!(second.ids(), ["i0050", "i0051"]);
}

#[tokio::test]
async fn page_settings_come_from_the_configuration() {
    let dir = many(30).write();
    let settings =
        PageSettings { default_count: 10, upper_limit: 20, allow_infinite: false, ..PageSettings::default() };
    let h = Harness::with(dir.path(), settings).await;
    for (query, count) in [("", 10), ("count=0", 10), ("count=", 10), ("count=25", 20), ("count=5", 5)] {
        let r = h.get_as(ADMIN, &format!("roomId=room-big&{query}")).await;
        assert_eq!(r.body["count"], count, "{query}");
        assert_eq!(r.body["total"], 30, "{query}");
    }
}

#[tokio::test]
async fn a_page_stops_before_the_response_size_limit_and_paging_goes_on() {
    let dir = many(30).write();
    let settings = PageSettings { max_response_bytes: 2_000, ..PageSettings::default() };
    let h = Harness::with(dir.path(), settings).await;
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let reply = h.get_as(ADMIN, &format!("roomId=room-big&count=0&offset={offset}")).await;
        assert_eq!(reply.status, 200);
        assert!(reply.text.len() <= 2_000, "{} bytes", reply.text.len());
        assert_eq!(reply.body["total"], 30);
        let ids = reply.ids();
        assert_eq!(reply.body["count"], ids.len());
        if ids.is_empty() {
            break;
        }
        assert!(ids.len() < 30, "the limit cut the page");
        offset += ids.len();
        seen.extend(ids);
    }
    let expected: Vec<String> = (0..30).map(|i| format!("i{i:04}")).collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn malformed_offset_and_count_are_400s_naming_the_parameter() {
    let h = Harness::export(&many(3)).await;
    for (name, value) in [
        ("offset", "-1"),
        ("offset", "abc"),
        ("offset", "1.5"),
        ("offset", "1e3"),
        ("offset", "+1"),
        ("offset", "99999999999999999999999"),
        ("count", "-5"),
        ("count", "ten"),
        ("count", "0x10"),
        ("count", " 5"),
    ] {
        let reply = h.get_as(ADMIN, &format!("roomId=room-big&{name}={}", urlencode(value))).await;
        assert_eq!(reply.status, 400, "{name}={value}");
        assert_eq!(reply.body, invalid_params_body(name), "{name}={value}");
    }
}

#[tokio::test]
async fn parameters_are_checked_after_the_room() {
    let h = Harness::export(&many(3)).await;
    assert_eq!(h.get_as(ADMIN, "offset=-1").await.text, ROOM_MISSING);
    assert_eq!(h.get_as(ADMIN, "roomId=nowhere&sort=nope").await.text, ROOM_NOT_FOUND);
}

#[tokio::test]
async fn a_malformed_sort_is_a_400_quoting_it() {
    let h = Harness::export(&many(3)).await;
    for raw in [
        r#"{"name":2}"#,
        r#"{"name":"asc"}"#,
        r#"{"name":0}"#,
        "[1]",
        "name",
        "{",
        r#"{"$natural":1}"#,
        r#"{"a":{"$gt":1}}"#,
        r#"{"name":null}"#,
        r#"{"":1}"#,
    ] {
        let reply = h.get_as(ADMIN, &format!("roomId=room-big&sort={}", urlencode(raw))).await;
        assert_eq!(reply.status, 400, "{raw}");
        assert_eq!(reply.body, invalid_parameter_body("sort", raw), "{raw}");
    }
}

fn sortable() -> Export {
    let mut e = Export::default();
    e.user(ADMIN.0, &["admin"], ADMIN.1).room("room-s", "s", "c");
    let docs = [
        ("s-date", json!({"$date": "2019-01-01T00:00:00Z"}), "2021-01-01T00:00:00.000Z"),
        ("s-bool", json!(true), "2021-01-02T00:00:00.000Z"),
        ("s-array", json!([5, 1]), "2020-12-31T00:00:00.000Z"),
        ("s-object", json!({"a": 1}), "2021-01-03T00:00:00.000Z"),
        ("s-string-b", json!("b"), "2021-01-04T00:00:00.000Z"),
        ("s-string-B", json!("B"), "2021-01-04T00:00:00.000Z"),
        ("s-number", json!(10), "2021-01-04T00:00:00.000Z"),
        ("s-float", json!(2.5), "2021-01-05T00:00:00.000Z"),
        ("s-null", json!(null), "2021-01-06T00:00:00.000Z"),
    ];
    for (id, value, created) in docs {
        e.integrations.push(json!({"_id": id, "type": "webhook-outgoing", "channel": ["#s"], "rank": value,
            "_createdAt": {"$date": created}}));
    }
    e.integrations.push(json!({"_id": "s-missing", "type": "webhook-outgoing", "channel": ["#s"],
        "_createdAt": {"$date": "2020-06-01T00:00:00.000Z"}}));
    e
}

#[tokio::test]
async fn sort_follows_mongodb_type_order_with_an_id_tie_break() {
    let h = Harness::export(&sortable()).await;
    let ids = |sort: &str| {
        let h = &h;
        let sort = sort.to_owned();
        async move { h.get_as(ADMIN, &format!("roomId=room-s&count=0&sort={}", urlencode(&sort))).await.ids() }
    };
    let ascending = [
        "s-missing",
        "s-null",
        "s-array",
        "s-float",
        "s-number",
        "s-string-B",
        "s-string-b",
        "s-object",
        "s-bool",
        "s-date",
    ];
    // Missing and null tie, broken by _id; an array sorts by its smallest element
    // ascending (1), its largest descending (5).
    assert_eq!(ids(r#"{"rank":1}"#).await, ascending);
    let descending = [
        "s-date",
        "s-bool",
        "s-object",
        "s-string-b",
        "s-string-B",
        "s-number",
        "s-array",
        "s-float",
        "s-missing",
        "s-null",
    ];
    assert_eq!(ids(r#"{"rank":-1}"#).await, descending);
    // Default: _createdAt ascending, then _id for the three that share a date.
    let by_created = ids(r#"{"_createdAt":1}"#).await;
    assert_eq!(h.get_as(ADMIN, "roomId=room-s&count=0").await.ids(), by_created);
    assert_eq!(&by_created[..3], ["s-missing", "s-array", "s-date"]);
    assert_eq!(&by_created[5..8], ["s-number", "s-string-B", "s-string-b"]);
    let newest_first = ids(r#"{"_createdAt":-1}"#).await;
    assert_eq!(&newest_first[..2], ["s-null", "s-float"]);
    // Ties on the first key fall to the second, then to _id ascending.
    let two_keys = ids(r#"{"_createdAt":-1,"rank":-1}"#).await;
    assert_eq!(&two_keys[2..5], ["s-string-b", "s-string-B", "s-number"]);
    assert_eq!(ids("{}").await, sorted(ascending.iter().map(|s| s.to_string()).collect()));
}

// §8 Success and service errors ---------------------------------------------------

#[tokio::test]
async fn the_success_body_has_rocket_chats_keys_in_order_and_no_storage_attributes() {
    let h = Harness::export(&world()).await;
    let reply = h.get_as(ADMIN, "roomId=room-random&includeAllPublicChannels=false").await;
    assert_eq!(reply.headers["content-type"], "application/json");
    assert_eq!(reply.headers["cache-control"], "no-store");
    let keys: Vec<_> = reply.body.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["integrations", "count", "offset", "total", "success"]);
    assert!(reply.text.starts_with(r#"{"integrations":[{"_id":"#), "{}", reply.text);
    for doc in reply.body["integrations"].as_array().unwrap() {
        for internal in ["roomId", "target", "doc", "expiresAt"] {
            assert!(doc.get(internal).is_none(), "{internal} leaked: {doc}");
        }
    }
}

#[tokio::test]
async fn the_demo_example_call_returns_guggy_verbatim() {
    let h = Harness::demo().await;
    let reply = h.as_admin(&format!("roomId={GENERAL}")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let guggy = reply.body["integrations"].as_array().unwrap().iter().find(|i| i["name"] == "Guggy").cloned();
    let expected: Json = json!({
        "_id": "WMQDChpnYTRmFre9h", "enabled": true, "username": "rocket.cat", "alias": "Guggy",
        "avatar": "https://image.ibb.co/jW8Eme/Guggy_Logo.png", "name": "Guggy",
        "triggerWords": ["!guggy", "guggy", "gif+"], "urls": ["http://text2gif.guggy.com/guggify"],
        "token": "8DFS89DMKLWEN", "script": "/* Some script */", "scriptEnabled": true,
        "impersonateUser": false, "scriptCompiled": "/* Some script compiled */", "scriptError": null,
        "type": "webhook-outgoing", "userId": "rocket.cat", "channel": ["#general"],
        "_createdAt": "2017-01-05T17:06:05.660Z",
        "_createdBy": {"username": "graywolf336", "_id": "R4jgcQaQhvvK6K3iY"},
        "_updatedAt": "2017-01-05T17:06:05.660Z"
    });
    let guggy = guggy.expect("Guggy in the page");
    assert_eq!(guggy, expected);
    // Field order too, as Rocket.Chat sends it.
    let order = |v: &Json| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(order(&guggy), order(&expected));
    assert_eq!(reply.body["success"], true);
}

#[tokio::test]
async fn unreachable_dynamodb_is_a_503_with_retry_after_and_nothing_internal() {
    for how in [Unreachable::Refused, Unreachable::Hung] {
        let store = how.harness().await;
        let h = &store.harness;
        let reply = h.as_admin(&format!("roomId={GENERAL}")).await;
        assert_eq!(reply.status, 503, "{how:?}");
        assert_eq!(reply.text, UNAVAILABLE);
        assert_eq!(reply.headers["retry-after"], "1");
    }
}

#[tokio::test]
async fn other_paths_and_methods_get_rocket_chat_shaped_errors() {
    let h = Harness::export(&world()).await;
    let admin = [("X-Auth-Token", ADMIN.1), ("X-User-Id", ADMIN.0)];
    let missing = h.request("GET", "/api/v1/channels.list", &admin).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["success"], false);
    let post = h.request("POST", "/api/v1/channels.getIntegrations?roomId=room-general", &admin).await;
    assert_eq!(post.status, 405);
    assert_eq!(post.headers["allow"], "GET, HEAD");
    assert_eq!(post.body["errorType"], "error-method-not-allowed");
    let staged = h.request("GET", "/prod/api/v1/channels.getIntegrations?roomId=room-general", &admin).await;
    assert_eq!(staged.status, 200);
    let head = h.request("HEAD", "/api/v1/channels.getIntegrations?roomId=room-general", &admin).await;
    assert_eq!(head.status, 200);
    assert!(head.text.is_empty());
}
