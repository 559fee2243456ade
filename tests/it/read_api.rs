//! The read API contract (`shared/spec/integrations-read-api.md` §1–§4 and §6, building on
//! `channels.getIntegrations.md`, "GI") over the real path, row by row, for
//! `groups.getIntegrations`, `integrations.list` and `integrations.get`; a property test
//! that on `integrations.list` a `query` only ever narrows; and Rocket.Chat's own
//! end-to-end cases for these endpoints (`groups.ts`, `incoming-integrations.ts`,
//! `outgoing-integrations.ts`) re-created on equivalent data.

use crate::support::read_api_data::*;
use crate::support::*;
use proptest::prelude::*;
use rc_integrations::Endpoint;
use serde_json::{json, Value as Json};
use std::collections::BTreeSet;

const GROUPS: Endpoint = Endpoint::GroupsGetIntegrations;
const LIST: Endpoint = Endpoint::IntegrationsList;
const GET: Endpoint = Endpoint::IntegrationsGet;
const CHANNELS: Endpoint = Endpoint::ChannelsGetIntegrations;

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

fn owned(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// A JSON value as compact text, keys in the order written (serde_json keeps it).
fn text(value: &Json) -> String {
    serde_json::to_string(value).unwrap()
}

/// An integration document as Rocket.Chat stores it.
fn doc(id: &str, kind: &str, channel: Json, creator: Option<&str>, created: &str) -> Json {
    let mut d = json!({"_id": id, "type": kind, "name": format!("integration {id}"), "channel": channel,
        "_createdAt": {"$date": created}});
    if let Some(uid) = creator {
        d["_createdBy"] = json!({"_id": uid, "username": format!("user-{uid}")});
    }
    d
}

fn assert_success_headers(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 200, "{what}: {}", reply.text);
    assert_eq!(reply.headers["content-type"], "application/json", "{what}");
    assert_eq!(reply.headers["cache-control"], "no-store", "{what}");
    assert_eq!(reply.headers["pragma"], "no-cache", "{what}");
}

/// The 400 a GI §7 parameter error gets, as text in our key order (success, error, errorType).
fn invalid_params_text(name: &str) -> String {
    text(&invalid_params_body(name))
}

fn invalid_parameter_text(name: &str, raw: &str) -> String {
    text(&invalid_parameter_body(name, raw))
}

// The groups world ------------------------------------------------------------------

const ADMIN: (&str, &str) = ("u-admin", "token-admin");
/// Role `user` (view-p-room, view-c-room), subscribed to `secret` and `old-secret`.
const MEMBER: (&str, &str) = ("u-member", "token-member");
/// Role `user`, subscribed nowhere.
const OUTSIDER: (&str, &str) = ("u-outsider", "token-outsider");
/// Role `bot` (view-joined-room, not view-p-room), subscribed to `secret`.
const BOT: (&str, &str) = ("u-bot", "token-bot");
/// Role `livechat-agent` (neither view-joined-room nor view-p-room), subscribed to `secret`.
const AGENT: (&str, &str) = ("u-agent", "token-agent");
/// Role `guest` (view-p-room, not view-c-room), subscribed to `secret`.
const GUEST: (&str, &str) = ("u-guest", "token-guest");
/// Role `user` and no integration permission.
const PLAIN: (&str, &str) = ("u-plain", "token-plain");

/// Rooms of every type, private discussions, and integrations targeting them every way.
/// Every user but PLAIN holds both "all" integration permissions through `hooks`.
fn groups_world() -> Export {
    let mut e = Export::default();
    for permission in ["manage-outgoing-integrations", "manage-incoming-integrations"] {
        e.permission(permission, &["admin", "hooks"]);
    }
    e.user(ADMIN.0, &["admin"], ADMIN.1)
        .user(MEMBER.0, &["user", "hooks"], MEMBER.1)
        .user(OUTSIDER.0, &["user", "hooks"], OUTSIDER.1)
        .user(BOT.0, &["bot", "hooks"], BOT.1)
        .user(AGENT.0, &["livechat-agent", "hooks"], AGENT.1)
        .user(GUEST.0, &["guest", "hooks"], GUEST.1)
        .user(PLAIN.0, &["user"], PLAIN.1);
    e.room_doc(json!({"_id": "g-secret", "name": "secret", "t": "p"}))
        .room_doc(json!({"_id": "g-old", "name": "old-secret", "t": "p", "archived": true}))
        .room_doc(json!({"_id": "g-other", "name": "other", "t": "p"}))
        .room_doc(json!({"_id": "c-general", "name": "general", "t": "c"}))
        .room_doc(json!({"_id": "d-direct", "name": "direct", "t": "d"}))
        .room_doc(json!({"_id": "l-omni", "name": "omni", "t": "l", "open": true}))
        // Private discussions: of a public channel, of a group, of a missing room.
        .room_doc(json!({"_id": "g-talk", "name": "talk-name", "fname": "Public Talk", "t": "p", "prid": "c-general"}))
        .room_doc(json!({"_id": "g-secret-talk", "name": "secret-talk-name", "fname": "Secret Talk", "t": "p",
            "prid": "g-secret"}))
        .room_doc(json!({"_id": "g-orphan-talk", "name": "orphan-talk-name", "fname": "Orphan Talk", "t": "p",
            "prid": "r-nowhere"}))
        // A public discussion: not a group.
        .room_doc(json!({"_id": "c-talk", "name": "open-talk", "fname": "Open Talk", "t": "c", "prid": "c-general"}));
    for room in ["g-secret", "g-old"] {
        e.subscription(room, ADMIN.0).subscription(room, MEMBER.0);
    }
    for user in [BOT.0, AGENT.0, GUEST.0] {
        e.subscription("g-secret", user);
    }
    let day = "2020-01-01T00:00:00.000Z";
    e.integrations.extend([
        doc("i-name", "webhook-outgoing", json!(["#secret"]), Some(ADMIN.0), day),
        doc("i-id", "webhook-incoming", json!(["#g-secret"]), Some(ADMIN.0), day),
        doc("i-apg", "webhook-outgoing", json!(["all_private_groups"]), None, day),
        doc("i-apc", "webhook-outgoing", json!(["all_public_channels"]), None, day),
        doc("i-string", "webhook-incoming", json!("#secret"), None, day),
        doc("i-both", "webhook-outgoing", json!(["#secret", "all_private_groups"]), None, day),
        doc("i-user", "webhook-outgoing", json!(["@someone"]), None, day),
        doc("i-general", "webhook-outgoing", json!(["#general"]), None, day),
        doc("i-old", "webhook-outgoing", json!(["#old-secret"]), None, day),
        doc("i-other", "webhook-outgoing", json!(["#other"]), None, day),
        doc("i-talk-fname", "webhook-outgoing", json!(["#Public Talk"]), None, day),
        doc("i-talk-name", "webhook-outgoing", json!(["#talk-name"]), None, day),
        doc("i-talk-id", "webhook-outgoing", json!(["#g-talk"]), None, day),
        doc("i-secret-talk", "webhook-incoming", json!(["#Secret Talk"]), None, day),
        doc("i-orphan-talk", "webhook-incoming", json!(["#Orphan Talk"]), None, day),
        doc("i-open-talk", "webhook-incoming", json!(["#open-talk"]), None, day),
        doc("i-direct", "webhook-incoming", json!(["#direct"]), None, day),
    ]);
    e
}

// §1 Shared rules ---------------------------------------------------------------------

#[tokio::test]
async fn every_authentication_failure_is_the_same_401_on_every_endpoint_before_anything_else() {
    let h = Harness::export(&groups_world()).await;
    let queries: [(Endpoint, &[&str]); 3] = [
        (GROUPS, &["roomId=g-secret", "", "roomId=nowhere", "roomId=g-secret&offset=-1&sort=x"]),
        (LIST, &["", "offset=-1&sort=x&query=nope"]),
        (GET, &["integrationId=i-name", "", "integrationId=", "integrationId=nowhere"]),
    ];
    let headers: [&[(&str, &str)]; 7] = [
        &[],
        &[("X-User-Id", ADMIN.0)],
        &[("X-Auth-Token", ADMIN.1)],
        &[("X-Auth-Token", ""), ("X-User-Id", ADMIN.0)],
        &[("X-Auth-Token", "wrong"), ("X-User-Id", ADMIN.0)],
        &[("X-Auth-Token", MEMBER.1), ("X-User-Id", ADMIN.0)],
        &[("X-Auth-Token", PLAIN.1), ("X-User-Id", "u-nobody")],
    ];
    for (endpoint, qs) in queries {
        for query in qs {
            for (i, hs) in headers.iter().enumerate() {
                let reply = call_with(&h, endpoint, hs, query).await;
                assert_eq!(reply.status, 401, "{} {query} headers #{i}", endpoint.name());
                assert_eq!(reply.text, UNAUTHORIZED, "{} {query} headers #{i}", endpoint.name());
            }
        }
        // Both ways: the same call with good (case-insensitive) headers is not a 401.
        let ok = call_with(&h, endpoint, &[("x-auth-token", ADMIN.1), ("X-USER-ID", ADMIN.0)], qs[0]).await;
        assert_eq!(ok.status, 200, "{}: {}", endpoint.name(), ok.text);
    }
}

#[tokio::test]
async fn successful_responses_are_json_no_store_no_cache_on_every_endpoint() {
    let h = Harness::export(&groups_world()).await;
    for (endpoint, query) in [(GROUPS, "roomId=g-secret"), (LIST, ""), (GET, "integrationId=i-name")] {
        let reply = call(&h, endpoint, ADMIN, query).await;
        assert_success_headers(&reply, endpoint.name());
        assert_eq!(reply.body["success"], true, "{}", endpoint.name());
    }
}

#[tokio::test]
async fn unknown_query_parameters_are_ignored_on_every_endpoint() {
    let h = Harness::export(&groups_world()).await;
    for (endpoint, query) in [(GROUPS, "roomId=g-secret"), (LIST, ""), (GET, "integrationId=i-name")] {
        let plain = call(&h, endpoint, ADMIN, query).await;
        assert_eq!(plain.status, 200, "{}", endpoint.name());
        let sep = if query.is_empty() { "" } else { "&" };
        let extra = call(&h, endpoint, ADMIN, &format!("{query}{sep}_=1700000000&unknown=1&roomid=x")).await;
        assert_eq!(extra.status, 200, "{}: {}", endpoint.name(), extra.text);
        assert_eq!(extra.text, plain.text, "{}", endpoint.name());
    }
}

#[tokio::test]
async fn unreachable_dynamodb_is_a_503_with_retry_after_on_every_endpoint() {
    for how in [Unreachable::Refused, Unreachable::Hung] {
        let store = how.harness().await;
        let h = &store.harness;
        let channels = call(h, CHANNELS, ADMIN, "roomId=c-general").await;
        for (endpoint, query) in [(GROUPS, "roomId=g-secret"), (LIST, ""), (GET, "integrationId=i-name")] {
            let reply = call(h, endpoint, ADMIN, query).await;
            assert_eq!(reply.status, 503, "{how:?} {}", endpoint.name());
            assert_eq!(reply.text, UNAVAILABLE, "{how:?} {}", endpoint.name());
            let retry = reply.headers.get("retry-after").expect("Retry-After");
            assert_eq!(Some(retry), channels.headers.get("retry-after"), "{how:?} {}", endpoint.name());
        }
    }
}

// §2 groups.getIntegrations -----------------------------------------------------------

#[tokio::test]
async fn groups_without_any_integration_permission_is_a_403_before_any_room_or_parameter_check() {
    let h = Harness::export(&groups_world()).await;
    for query in
        ["roomId=g-secret", "", "roomId=nowhere", "roomId=c-general", "roomId=g-secret&count=x&sort=y"]
    {
        let reply = call(&h, GROUPS, PLAIN, query).await;
        assert_eq!(reply.status, 403, "{query}");
        assert_eq!(reply.text, FORBIDDEN, "{query}");
    }
}

#[tokio::test]
async fn groups_gate_lets_through_any_one_of_the_four_permissions() {
    let mut e = mask_world();
    e.user("u00", &["user"], "t0").room("g-gate", "gate", "p");
    for mask in 0..16 {
        e.subscription("g-gate", &format!("u{mask:02}"));
    }
    let h = Harness::export(&e).await;
    for mask in [0usize, 1, 2, 4, 8] {
        let (id, token) = (format!("u{mask:02}"), format!("t{mask}"));
        let reply = call(&h, GROUPS, (&id, &token), "roomId=g-gate").await;
        if mask == 0 {
            assert_eq!((reply.status.as_u16(), reply.text.as_str()), (403, FORBIDDEN));
        } else {
            assert_eq!(reply.status, 200, "mask {mask:04b}: {}", reply.text);
        }
    }
}

#[tokio::test]
async fn groups_missing_room_parameter_is_the_groups_400() {
    let h = Harness::export(&groups_world()).await;
    for query in ["", "roomId=", "roomName=", "roomId=&roomName=", "roomid=g-secret", "offset=-1&sort=bad"] {
        let reply = call(&h, GROUPS, ADMIN, query).await;
        assert_eq!(reply.status, 400, "{query}");
        assert_eq!(reply.text, GROUP_PARAM_MISSING, "{query}");
    }
}

#[tokio::test]
async fn groups_unknown_rooms_and_rooms_that_are_not_private_groups_are_not_found() {
    let h = Harness::export(&groups_world()).await;
    for query in [
        "roomId=nowhere",
        "roomName=nowhere",
        "roomId=c-general",
        "roomName=general",
        "roomId=d-direct",
        "roomName=direct",
        "roomId=l-omni",
        "roomName=omni",
        "roomId=c-talk",
        "roomName=open-talk",
        "roomName=Secret",
        "roomId=secret",
        "roomName=g-secret",
        "roomName=Public%20Talk",
    ] {
        let reply = call(&h, GROUPS, ADMIN, query).await;
        assert_eq!(reply.status, 400, "{query}");
        assert_eq!(reply.text, GROUP_NOT_FOUND, "{query}");
    }
}

#[tokio::test]
async fn groups_are_found_by_id_or_exact_name_roomid_first_empty_roomid_falls_back_archived_included() {
    let h = Harness::export(&groups_world()).await;
    let by_id = call(&h, GROUPS, ADMIN, "roomId=g-secret").await;
    assert_eq!(by_id.status, 200, "{}", by_id.text);
    assert_eq!(call(&h, GROUPS, ADMIN, "roomName=secret").await.text, by_id.text);
    // roomId wins over roomName, even an unknown one.
    assert_eq!(call(&h, GROUPS, ADMIN, "roomId=g-secret&roomName=old-secret").await.text, by_id.text);
    assert_eq!(call(&h, GROUPS, ADMIN, "roomId=nowhere&roomName=secret").await.text, GROUP_NOT_FOUND);
    // [ours] An empty roomId counts as absent.
    assert_eq!(call(&h, GROUPS, ADMIN, "roomId=&roomName=secret").await.text, by_id.text);
    // Archived groups are allowed.
    let archived = call(&h, GROUPS, ADMIN, "roomId=g-old&includeAllPrivateGroups=false").await;
    assert_eq!(archived.status, 200, "{}", archived.text);
    assert_eq!(archived.ids(), ["i-old"]);
    // A discussion is looked up by its name, not its display name.
    let talk = call(&h, GROUPS, ADMIN, "roomName=talk-name&includeAllPrivateGroups=false").await;
    assert_eq!(talk.ids(), ["i-talk-fname"]);
}

/// A caller (id, token), a group's id and name, whether it is allowed, and the rule that decides.
type AccessCase = ((&'static str, &'static str), &'static str, &'static str, bool, &'static str);

const ACCESS: &[AccessCase] = &[
    (MEMBER, "g-secret", "secret", true, "joined, view-p-room"),
    (GUEST, "g-secret", "secret", true, "joined, view-p-room (guest)"),
    (BOT, "g-secret", "secret", true, "joined, view-joined-room"),
    (AGENT, "g-secret", "secret", false, "joined but neither view-joined-room nor view-p-room"),
    (OUTSIDER, "g-secret", "secret", false, "not subscribed; integration permissions grant nothing"),
    (ADMIN, "g-other", "other", false, "admin, not subscribed"),
    (OUTSIDER, "g-talk", "talk-name", true, "discussion of a public channel the caller may view"),
    (GUEST, "g-talk", "talk-name", false, "discussion of a public channel; guests lack view-c-room"),
    (MEMBER, "g-secret-talk", "secret-talk-name", true, "discussion of a joined group"),
    (OUTSIDER, "g-secret-talk", "secret-talk-name", false, "discussion of a group not joined"),
    (MEMBER, "g-orphan-talk", "orphan-talk-name", false, "discussion of a missing room"),
];

#[tokio::test]
async fn groups_access_rules_allow_and_refuse_by_id_and_by_name_refusal_looks_like_not_found() {
    let h = Harness::export(&groups_world()).await;
    for (who, id, name, allowed, rule) in ACCESS {
        for query in [format!("roomId={id}"), format!("roomName={name}")] {
            let reply = call(&h, GROUPS, *who, &query).await;
            if *allowed {
                assert_eq!(reply.status, 200, "{} {query} ({rule}): {}", who.0, reply.text);
                assert_eq!(reply.body["success"], true);
            } else {
                assert_eq!(reply.status, 400, "{} {query} ({rule}): {}", who.0, reply.text);
                assert_eq!(reply.text, GROUP_NOT_FOUND, "{} {query} ({rule})", who.0);
            }
        }
    }
}

#[tokio::test]
async fn groups_joined_access_needs_view_joined_room_or_view_p_room_as_stored() {
    let mut e = Export::default();
    e.permission("manage-outgoing-integrations", &["hooks"])
        .permission("view-p-room", &["viewer"])
        .permission("view-joined-room", &["joiner"])
        .user("u-user", &["user", "hooks"], "t-user")
        .user("u-viewer", &["viewer", "hooks"], "t-viewer")
        .user("u-joiner", &["joiner", "hooks"], "t-joiner")
        .user("u-lurker", &["viewer", "joiner", "hooks"], "t-lurker")
        .room("g-x", "x", "p")
        .integration("i-x", "webhook-outgoing", json!(["#x"]), None);
    for user in ["u-user", "u-viewer", "u-joiner"] {
        e.subscription("g-x", user);
    }
    let h = Harness::export(&e).await;
    for (user, token, allowed) in [
        ("u-user", "t-user", false),
        ("u-viewer", "t-viewer", true),
        ("u-joiner", "t-joiner", true),
        ("u-lurker", "t-lurker", false),
    ] {
        let reply = call(&h, GROUPS, (user, token), "roomId=g-x").await;
        if allowed {
            assert_eq!(reply.ids(), ["i-x"], "{user}");
        } else {
            assert_eq!((reply.status.as_u16(), reply.text.as_str()), (400, GROUP_NOT_FOUND), "{user}");
        }
    }
}

#[tokio::test]
async fn groups_order_of_checks_room_before_parameters() {
    let h = Harness::export(&groups_world()).await;
    let where_query = r#"{"$where":"1"}"#;
    let cases: Vec<((&str, &str), String, String)> = vec![
        (PLAIN, "roomId=nowhere&offset=-1".into(), FORBIDDEN.into()),
        (ADMIN, "offset=-1&count=x".into(), GROUP_PARAM_MISSING.into()),
        (ADMIN, "roomId=nowhere&sort=nope".into(), GROUP_NOT_FOUND.into()),
        (ADMIN, "roomId=c-general&count=abc".into(), GROUP_NOT_FOUND.into()),
        (OUTSIDER, "roomId=g-secret&count=abc&query=nope".into(), GROUP_NOT_FOUND.into()),
        (ADMIN, "roomId=g-secret&offset=-1".into(), invalid_params_text("offset")),
        (ADMIN, "roomId=g-secret&count=ten".into(), invalid_params_text("count")),
        (ADMIN, "roomId=g-secret&sort=nope".into(), invalid_parameter_text("sort", "nope")),
        (ADMIN, "roomId=g-secret&fields=nope".into(), invalid_parameter_text("fields", "nope")),
        (ADMIN, "roomId=g-secret&query=nope".into(), invalid_parameter_text("query", "nope")),
        (
            ADMIN,
            format!("roomId=g-secret&query={}", urlencode(where_query)),
            invalid_parameter_text("query", where_query),
        ),
    ];
    for (who, query, expected) in cases {
        let reply = call(&h, GROUPS, who, &query).await;
        let status = if expected == FORBIDDEN { 403 } else { 400 };
        assert_eq!(reply.status, status, "{} {query}", who.0);
        assert_eq!(reply.text, expected, "{} {query}", who.0);
    }
}

#[tokio::test]
async fn groups_list_targets_by_name_and_all_private_groups_never_by_id_each_once() {
    let h = Harness::export(&groups_world()).await;
    let with_all = ["i-apg", "i-both", "i-name", "i-string"];
    let reply = call(&h, GROUPS, ADMIN, "roomId=g-secret&count=0").await;
    assert_eq!(sorted(reply.ids()), with_all, "no #<id>, no all_public_channels, no @user");
    assert_eq!(reply.body["total"], 4);
    // includeAllPrivateGroups: true by default, when exactly `true`, and when empty.
    for on in ["includeAllPrivateGroups=true", "includeAllPrivateGroups="] {
        let r = call(&h, GROUPS, ADMIN, &format!("roomId=g-secret&count=0&{on}")).await;
        assert_eq!(r.text, reply.text, "{on}");
    }
    for off in ["false", "True", "TRUE", "1", "yes", "0"] {
        let r =
            call(&h, GROUPS, ADMIN, &format!("roomId=g-secret&count=0&includeAllPrivateGroups={off}")).await;
        assert_eq!(sorted(r.ids()), ["i-both", "i-name", "i-string"], "{off}");
        assert_eq!(r.body["total"], 3, "{off}");
    }
    // all_private_groups is listed for every group, the archived one too, and nothing else.
    let old = call(&h, GROUPS, ADMIN, "roomId=g-old").await;
    assert_eq!(sorted(old.ids()), ["i-apg", "i-both", "i-old"]);
}

#[tokio::test]
async fn groups_match_a_private_discussion_by_fname_never_by_name_or_id() {
    let h = Harness::export(&groups_world()).await;
    let talk = call(&h, GROUPS, ADMIN, "roomId=g-talk&count=0").await;
    assert_eq!(sorted(talk.ids()), ["i-apg", "i-both", "i-talk-fname"]);
    let off = call(&h, GROUPS, ADMIN, "roomId=g-talk&includeAllPrivateGroups=false").await;
    assert_eq!(off.ids(), ["i-talk-fname"]);
    let secret_talk = call(&h, GROUPS, MEMBER, "roomId=g-secret-talk&includeAllPrivateGroups=false").await;
    assert_eq!(secret_talk.ids(), ["i-secret-talk"]);
    // A public discussion (t "c") is a channel: matched by name on channels.getIntegrations.
    let open = call(&h, CHANNELS, ADMIN, "roomId=c-talk&includeAllPublicChannels=false").await;
    assert_eq!(open.ids(), ["i-open-talk"]);
}

#[tokio::test]

async fn groups_match_by_name_even_when_the_name_is_another_rooms_id() {
    // GI §6 / §2.4: an integration belongs to a group when one of its targets is
    // `#<group name>`, whatever else `#<that text>` also names.
    let mut e = Export::default();
    e.user(ADMIN.0, &["admin"], ADMIN.1)
        .room_doc(json!({"_id": "shadow", "name": "chan", "t": "c"}))
        .room_doc(json!({"_id": "g-shadow", "name": "shadow", "t": "p"}))
        .subscription("g-shadow", ADMIN.0)
        .integration("i-shadow", "webhook-outgoing", json!(["#shadow"]), None);
    let h = Harness::export(&e).await;
    let channel = call(&h, CHANNELS, ADMIN, "roomId=shadow").await;
    assert_eq!(channel.ids(), ["i-shadow"], "the channel, by id");
    let group = call(&h, GROUPS, ADMIN, "roomId=g-shadow").await;
    assert_eq!(group.ids(), ["i-shadow"], "the group, by name: {}", group.text);
}

#[tokio::test]
async fn groups_return_channel_exactly_as_stored() {
    let h = Harness::export(&groups_world()).await;
    let reply = call(&h, GROUPS, ADMIN, "roomId=g-secret&count=0").await;
    let channel = |id: &str| {
        reply.body["integrations"].as_array().unwrap().iter().find(|i| i["_id"] == id).unwrap()["channel"]
            .clone()
    };
    assert_eq!(channel("i-string"), json!("#secret"));
    assert_eq!(channel("i-both"), json!(["#secret", "all_private_groups"]));
    assert_eq!(channel("i-apg"), json!(["all_private_groups"]));
}

// GI §4 visibility: the mask world ----------------------------------------------------

/// Users u00…u15 (u00 with no integration permission), a group all of them joined, and
/// integrations of both directions (and of none) by each of them, by nobody, by null.
fn mask_export() -> Export {
    let mut e = mask_world();
    e.user("u00", &["user"], "t0").room("g-mask", "mask-group", "p");
    let target = json!(["#mask-group"]);
    let day = "2020-01-01T00:00:00.000Z";
    for mask in 0..16 {
        let uid = format!("u{mask:02}");
        e.subscription("g-mask", &uid);
        e.integrations.push(doc(
            &format!("own-out-{mask:02}"),
            "webhook-outgoing",
            target.clone(),
            Some(&uid),
            day,
        ));
        e.integrations.push(doc(
            &format!("own-in-{mask:02}"),
            "webhook-incoming",
            target.clone(),
            Some(&uid),
            day,
        ));
        let mut untyped = doc(&format!("own-none-{mask:02}"), "", target.clone(), Some(&uid), day);
        untyped.as_object_mut().unwrap().remove("type");
        e.integrations.push(untyped);
    }
    e.integrations.push(doc("nobody-out", "webhook-outgoing", target.clone(), None, day));
    e.integrations.push(doc("nobody-in", "webhook-incoming", target.clone(), None, day));
    let mut null_out = doc("null-out", "webhook-outgoing", target.clone(), None, day);
    null_out["_createdBy"] = Json::Null;
    let mut null_in = doc("null-in", "webhook-incoming", target.clone(), None, day);
    null_in["_createdBy"] = Json::Null;
    e.integrations.extend([null_out, null_in]);
    e
}

/// GI §4, written out again: may the holder of `mask` see an integration of this type
/// (`Some(true)` outgoing, `Some(false)` incoming, `None` neither), own or not?
fn listed(mask: usize, outgoing: Option<bool>, own: bool) -> bool {
    let [all_out, all_in, own_out, own_in] = [0, 1, 2, 3].map(|b| mask & (1 << b) != 0);
    if all_out && all_in {
        true
    } else if own_out && own_in {
        own
    } else {
        match outgoing {
            Some(true) => all_out || (own_out && own),
            Some(false) => all_in || (own_in && own),
            None => false,
        }
    }
}

fn direction(d: &Json) -> Option<bool> {
    match d["type"].as_str() {
        Some("webhook-outgoing") => Some(true),
        Some("webhook-incoming") => Some(false),
        _ => None,
    }
}

fn expected_listing(export: &Export, mask: usize) -> Vec<String> {
    let uid = format!("u{mask:02}");
    let ids = export
        .integrations
        .iter()
        .filter(|d| listed(mask, direction(d), d["_createdBy"]["_id"] == uid.as_str()))
        .map(|d| d["_id"].as_str().unwrap().to_owned())
        .collect();
    sorted(ids)
}

#[tokio::test]
async fn groups_visibility_all_sixteen_permission_combinations() {
    let export = mask_export();
    let h = Harness::export(&export).await;
    for mask in 0..16usize {
        let (id, token) = (format!("u{mask:02}"), format!("t{mask}"));
        let reply = call(&h, GROUPS, (&id, &token), "roomId=g-mask&count=0").await;
        if mask == 0 {
            assert_eq!((reply.status.as_u16(), reply.text.as_str()), (403, FORBIDDEN));
            continue;
        }
        let expected = expected_listing(&export, mask);
        assert_eq!(reply.status, 200, "mask {mask:04b}: {}", reply.text);
        assert_eq!(sorted(reply.ids()), expected, "mask {mask:04b}");
        assert_eq!(reply.body["total"], expected.len(), "mask {mask:04b}");
    }
}

#[tokio::test]
async fn groups_query_is_anded_with_visibility_and_the_room_never_merged() {
    let mut e = groups_world();
    e.permission("manage-own-outgoing-integrations", &["admin", "builder"])
        .permission("manage-own-incoming-integrations", &["admin", "builder"])
        .user("u-builder", &["user", "builder"], "token-builder")
        .subscription("g-secret", "u-builder")
        .subscription("g-other", "u-builder");
    let day = "2020-01-01T00:00:00.000Z";
    e.integrations.extend([
        doc("b-own-out", "webhook-outgoing", json!(["#secret"]), Some("u-builder"), day),
        doc("b-own-in", "webhook-incoming", json!(["#secret"]), Some("u-builder"), day),
        doc("b-other-room", "webhook-outgoing", json!(["#other"]), Some("u-builder"), day),
    ]);
    let h = Harness::export(&e).await;
    let builder = ("u-builder", "token-builder");
    let cases: &[(&str, &[&str])] = &[
        ("{}", &["b-own-in", "b-own-out"]),
        (r#"{"$or":[{"type":"webhook-outgoing"}]}"#, &["b-own-out"]),
        (r#"{"_createdBy._id":{"$exists":true}}"#, &["b-own-in", "b-own-out"]),
        (r#"{"_createdBy._id":"u-admin"}"#, &[]),
        (r#"{"$or":[{"_createdBy":null},{"_createdBy._id":{"$ne":"x"}}]}"#, &["b-own-in", "b-own-out"]),
        (r##"{"channel":"#other"}"##, &[]),
        (r##"{"channel":{"$in":["#other","all_private_groups"]}}"##, &[]),
    ];
    for (query, expected) in cases {
        let reply =
            call(&h, GROUPS, builder, &format!("roomId=g-secret&count=0&query={}", urlencode(query))).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.text);
        assert_eq!(sorted(reply.ids()), owned(expected), "{query}");
        assert_eq!(reply.body["total"], expected.len(), "{query}");
    }
}

#[tokio::test]
async fn groups_default_sort_is_created_at_ascending_then_id() {
    let mut e = Export::default();
    e.user(ADMIN.0, &["admin"], ADMIN.1).room("g-s", "s", "p").subscription("g-s", ADMIN.0);
    for (id, created) in [
        ("s-a", "2021-03-01T00:00:00.000Z"),
        ("s-b", "2019-01-01T00:00:00.000Z"),
        ("s-c", "2020-06-01T00:00:00.000Z"),
        ("s-d", "2019-01-01T00:00:00.000Z"),
        ("s-e", "2018-01-01T00:00:00.000Z"),
    ] {
        e.integrations.push(doc(id, "webhook-outgoing", json!(["#s"]), None, created));
    }
    let h = Harness::export(&e).await;
    let default = call(&h, GROUPS, ADMIN, "roomId=g-s").await;
    assert_eq!(default.ids(), ["s-e", "s-b", "s-d", "s-c", "s-a"]);
    let explicit =
        call(&h, GROUPS, ADMIN, &format!("roomId=g-s&sort={}", urlencode(r#"{"_createdAt":1}"#))).await;
    assert_eq!(explicit.text, default.text);
    let newest =
        call(&h, GROUPS, ADMIN, &format!("roomId=g-s&sort={}", urlencode(r#"{"_createdAt":-1}"#))).await;
    assert_eq!(newest.ids(), ["s-a", "s-c", "s-b", "s-d", "s-e"], "ties still _id ascending");
    let by_id = call(&h, GROUPS, ADMIN, &format!("roomId=g-s&sort={}", urlencode(r#"{"_id":-1}"#))).await;
    assert_eq!(by_id.ids(), ["s-e", "s-d", "s-c", "s-b", "s-a"]);
}

/// `n` integrations `i0000`… on group `big` (and, for the list, nothing else).
fn many_in_group(n: usize) -> Export {
    let mut e = Export::default();
    e.user(ADMIN.0, &["admin"], ADMIN.1).room("g-big", "big", "p").subscription("g-big", ADMIN.0);
    for i in 0..n {
        e.integration(&format!("i{i:04}"), "webhook-outgoing", json!(["#big"]), None);
    }
    e
}

async fn page(h: &Harness, endpoint: Endpoint, query: &str) -> (u64, u64, u64, Reply) {
    let reply = call(h, endpoint, ADMIN, query).await;
    assert_eq!(reply.status, 200, "{query}: {}", reply.text);
    let n = |k: &str| reply.body[k].as_u64().unwrap_or_else(|| panic!("{k} in {}", reply.text));
    let ids = reply.ids().len() as u64;
    assert_eq!(n("count"), ids, "{query}: count is the page length");
    (n("count"), n("offset"), n("total"), reply)
}

#[tokio::test]
async fn groups_offset_and_count_follow_gi_defaults_and_clamping() {
    let h = Harness::export(&many_in_group(120)).await;
    let q = |rest: &str| format!("roomId=g-big&{rest}");
    for (rest, expected) in [
        ("", (50, 0, 120)),
        ("count=500", (100, 0, 120)),
        ("count=0", (120, 0, 120)),
        ("count=", (120, 0, 120)),
        ("offset=", (50, 0, 120)),
        ("offset=110", (10, 110, 120)),
        ("offset=500&count=10", (0, 500, 120)),
    ] {
        let (count, offset, total, _) = page(&h, GROUPS, &q(rest)).await;
        assert_eq!((count, offset, total), expected, "{rest}");
    }
    let (_, _, _, second) = page(&h, GROUPS, &q("offset=50&count=2")).await;
    assert_eq!(second.ids(), ["i0050", "i0051"]);
}

#[tokio::test]
async fn groups_fields_only_hide() {
    let h = Harness::export(&groups_world()).await;
    let q = |fields: &str| format!("roomId=g-secret&count=0&fields={}", urlencode(fields));
    let full = call(&h, GROUPS, ADMIN, "roomId=g-secret&count=0").await;
    let named = call(&h, GROUPS, ADMIN, &q(r#"{"name":1}"#)).await;
    assert_eq!(named.body["total"], full.body["total"]);
    assert_eq!(named.ids(), full.ids());
    assert_eq!(
        named.body["integrations"][0],
        json!({"_id": full.ids()[0], "name": format!("integration {}", full.ids()[0])})
    );
    let hidden = call(&h, GROUPS, ADMIN, &q(r#"{"channel":0,"_createdBy":0}"#)).await;
    for item in hidden.body["integrations"].as_array().unwrap() {
        assert!(item.get("channel").is_none() && item.get("_createdBy").is_none(), "{item}");
        assert!(item.get("type").is_some(), "{item}");
    }
}

#[tokio::test]
async fn groups_success_body_keys_in_order_byte_for_byte() {
    let mut e = Export::default();
    let item = json!({"_id": "solo-1", "type": "webhook-outgoing", "name": "Solo", "enabled": true,
        "channel": ["#solo"], "token": "tok", "scriptError": null,
        "_createdAt": {"$date": "2020-01-02T03:04:05.678Z"}, "_createdBy": {"_id": ADMIN.0, "username": "admin"}});
    e.user(ADMIN.0, &["admin"], ADMIN.1)
        .room("g-solo", "solo", "p")
        .room("g-empty", "empty", "p")
        .subscription("g-solo", ADMIN.0)
        .subscription("g-empty", ADMIN.0);
    e.integrations.push(item.clone());
    let h = Harness::export(&e).await;
    let mut wire = item;
    wire["_createdAt"] = json!("2020-01-02T03:04:05.678Z");
    let reply = call(&h, GROUPS, ADMIN, "roomId=g-solo").await;
    assert_success_headers(&reply, "groups");
    assert_eq!(
        reply.text,
        format!(r#"{{"integrations":[{}],"count":1,"offset":0,"total":1,"success":true}}"#, text(&wire))
    );
    let empty = call(&h, GROUPS, ADMIN, "roomId=g-empty&offset=3").await;
    assert_success_headers(&empty, "groups, empty");
    assert_eq!(empty.text, r#"{"integrations":[],"count":0,"offset":3,"total":0,"success":true}"#);
    let past = call(&h, GROUPS, ADMIN, "roomId=g-solo&offset=1").await;
    assert_eq!(past.text, r#"{"integrations":[],"count":0,"offset":1,"total":1,"success":true}"#);
}

// §3 integrations.list ----------------------------------------------------------------

/// Builds the rights to see only their own integrations.
const OWNER: (&str, &str) = ("u-owner", "token-owner");

/// Twelve integrations `l-01`…`l-12` with every kind of target and of name, dated out of
/// `_id` order; the ADMIN sees all, the OWNER (own-out and own-in only) the odd… see `OWNED`.
fn list_world() -> Export {
    let mut e = Export::default();
    e.permission("manage-own-outgoing-integrations", &["admin", "builder"])
        .permission("manage-own-incoming-integrations", &["admin", "builder"])
        .user(ADMIN.0, &["admin"], ADMIN.1)
        .user(OWNER.0, &["user", "builder"], OWNER.1)
        .user(PLAIN.0, &["user"], PLAIN.1)
        .room("c-general", "general", "c")
        .room("g-secret", "secret", "p")
        .room("d-direct", "direct", "d")
        .room("l-omni", "omni", "l");
    let days = [5, 3, 9, 1, 12, 7, 2, 11, 4, 10, 6, 8];
    let specs: [(&str, Json, Option<Json>, Option<&str>); 12] = [
        ("webhook-outgoing", json!("Guggy"), Some(json!(["#general", "#secret"])), Some(OWNER.0)),
        ("webhook-incoming", json!("guggy bot"), Some(json!("#general")), Some(ADMIN.0)),
        ("webhook-outgoing", json!("GUGGY"), Some(json!(["all_public_channels", "#general"])), None),
        ("webhook-incoming", json!("a.b"), Some(json!(["all_private_groups"])), Some(OWNER.0)),
        ("webhook-outgoing", json!("axb"), Some(json!(["@someone"])), Some(ADMIN.0)),
        ("webhook-incoming", json!("50% off"), Some(json!([])), None),
        ("webhook-outgoing", json!("Straße"), None, Some(OWNER.0)),
        ("webhook-incoming", json!("café"), Some(json!(["#nowhere"])), Some(ADMIN.0)),
        ("webhook-outgoing", Json::Null, Some(json!(["#direct"])), Some(OWNER.0)),
        ("webhook-incoming", json!(5), Some(json!(["#omni"])), None),
        ("webhook-outgoing", Json::Null, Some(json!("#general, #secret")), Some(ADMIN.0)),
        ("webhook-incoming", json!("(paren"), Some(json!(["#g-secret"])), Some(OWNER.0)),
    ];
    for (i, (kind, name, channel, creator)) in specs.into_iter().enumerate() {
        let id = format!("l-{:02}", i + 1);
        let mut d = json!({"_id": id, "type": kind});
        // l-09 has no name at all; l-11 a null one.
        if i != 8 {
            d["name"] = name;
        }
        if let Some(channel) = channel {
            d["channel"] = channel;
        }
        d["_createdAt"] = json!({"$date": format!("2020-01-{:02}T00:00:00.000Z", days[i])});
        if let Some(uid) = creator {
            d["_createdBy"] = json!({"_id": uid, "username": format!("user-{uid}")});
        }
        if i == 4 {
            // Fields Rocket.Chat always projects away on listings.
            for (k, v) in [
                ("members", json!(["m"])),
                ("joinCode", json!("j")),
                ("importIds", json!(["x"])),
                ("e2e", json!("k")),
            ] {
                d[k] = v;
            }
        }
        e.integrations.push(d);
    }
    e
}

const ALL12: [&str; 12] =
    ["l-01", "l-02", "l-03", "l-04", "l-05", "l-06", "l-07", "l-08", "l-09", "l-10", "l-11", "l-12"];
/// The OWNER's own integrations.
const OWNED: [&str; 5] = ["l-01", "l-04", "l-07", "l-09", "l-12"];

async fn list_ids(h: &Harness, who: (&str, &str), query: &str) -> Vec<String> {
    let sep = if query.is_empty() { "" } else { "&" };
    let reply = call(h, LIST, who, &format!("count=0{sep}{query}")).await;
    assert_eq!(reply.status, 200, "{query}: {}", reply.text);
    assert_eq!(reply.body["total"], reply.ids().len(), "{query}");
    reply.ids()
}

#[tokio::test]
async fn list_without_any_integration_permission_is_a_403_before_the_parameters() {
    let h = Harness::export(&list_world()).await;
    for query in ["", "offset=-1", "count=x&sort=nope", "query=nope&fields=nope", "type=webhook-incoming"] {
        let reply = call(&h, LIST, PLAIN, query).await;
        assert_eq!(reply.status, 403, "{query}");
        assert_eq!(reply.text, FORBIDDEN, "{query}");
    }
}

#[tokio::test]
async fn list_gate_lets_through_any_one_of_the_four_permissions() {
    let mut e = mask_world();
    e.user("u00", &["user"], "t0");
    let h = Harness::export(&e).await;
    for mask in [0usize, 1, 2, 4, 8] {
        let (id, token) = (format!("u{mask:02}"), format!("t{mask}"));
        let reply = call(&h, LIST, (&id, &token), "").await;
        if mask == 0 {
            assert_eq!((reply.status.as_u16(), reply.text.as_str()), (403, FORBIDDEN));
        } else {
            assert_eq!(reply.status, 200, "mask {mask:04b}: {}", reply.text);
        }
    }
}

#[tokio::test]
async fn list_malformed_parameters_are_the_gi_400s_after_the_gate() {
    let h = Harness::export(&list_world()).await;
    let where_query = r#"{"$where":"1"}"#;
    let mixed = r#"{"name":1,"token":0}"#;
    let cases = [
        ("offset=-1".to_owned(), invalid_params_text("offset")),
        ("offset=1.5".to_owned(), invalid_params_text("offset")),
        ("count=ten".to_owned(), invalid_params_text("count")),
        ("count=-5".to_owned(), invalid_params_text("count")),
        ("sort=nope".to_owned(), invalid_parameter_text("sort", "nope")),
        (format!("sort={}", urlencode(r#"{"name":2}"#)), invalid_parameter_text("sort", r#"{"name":2}"#)),
        (format!("fields={}", urlencode(mixed)), invalid_parameter_text("fields", mixed)),
        ("query=nope".to_owned(), invalid_parameter_text("query", "nope")),
        (format!("query={}", urlencode(where_query)), invalid_parameter_text("query", where_query)),
    ];
    for (query, expected) in cases {
        let reply = call(&h, LIST, ADMIN, &query).await;
        assert_eq!(reply.status, 400, "{query}");
        assert_eq!(reply.text, expected, "{query}");
    }
}

#[tokio::test]
async fn list_holds_every_integration_of_the_workspace_once_whatever_its_targets() {
    let h = Harness::export(&list_world()).await;
    let ids = list_ids(&h, ADMIN, "").await;
    assert_eq!(
        ids, ALL12,
        "multi-room, shared, @user-only, empty, absent, unknown and comma targets, once each"
    );
}

#[tokio::test]
async fn list_default_order_is_id_ascending_as_ts_minus_one_ties_everything() {
    let h = Harness::export(&list_world()).await;
    let default = call(&h, LIST, ADMIN, "").await;
    assert_eq!(default.ids(), ALL12);
    let ts = call(&h, LIST, ADMIN, &format!("sort={}", urlencode(r#"{"ts":-1}"#))).await;
    assert_eq!(ts.text, default.text);
    // Not _createdAt, either way.
    let created = list_ids(&h, ADMIN, &format!("sort={}", urlencode(r#"{"_createdAt":1}"#))).await;
    assert_eq!(
        created,
        ["l-04", "l-07", "l-02", "l-09", "l-01", "l-11", "l-06", "l-12", "l-03", "l-10", "l-08", "l-05"]
    );
    let by_name = list_ids(&h, ADMIN, &format!("sort={}", urlencode(r#"{"name":1}"#))).await;
    assert_eq!(
        by_name,
        ["l-09", "l-11", "l-10", "l-12", "l-06", "l-03", "l-01", "l-07", "l-04", "l-05", "l-08", "l-02"]
    );
}

#[tokio::test]
async fn list_name_is_a_literal_case_insensitive_substring() {
    let h = Harness::export(&list_world()).await;
    let cases: &[(&str, &[&str])] = &[
        ("guggy", &["l-01", "l-02", "l-03"]),
        ("GuG", &["l-01", "l-02", "l-03"]),
        ("GUGGY BOT", &["l-02"]),
        ("y b", &["l-02"]),
        ("a.b", &["l-04"]),
        (".", &["l-04"]),
        (".*", &[]),
        ("(", &["l-12"]),
        ("%", &["l-06"]),
        // The number 5 is not a string: only "50% off" matches.
        ("5", &["l-06"]),
        ("null", &[]),
        ("CAFÉ", &["l-08"]),
        ("STRAßE", &["l-07"]),
        // Simple case folding: ß is not ss.
        ("ss", &[]),
        ("STRASSE", &[]),
        ("", &ALL12),
    ];
    for (name, expected) in cases {
        assert_eq!(
            list_ids(&h, ADMIN, &format!("name={}", urlencode(name))).await,
            owned(expected),
            "name={name}"
        );
    }
}

#[tokio::test]
async fn list_type_is_exact_equality() {
    let h = Harness::export(&list_world()).await;
    let out = ["l-01", "l-03", "l-05", "l-07", "l-09", "l-11"];
    let inc = ["l-02", "l-04", "l-06", "l-08", "l-10", "l-12"];
    let cases: &[(&str, &[&str])] = &[
        ("webhook-outgoing", &out),
        ("webhook-incoming", &inc),
        ("WEBHOOK-INCOMING", &[]),
        ("webhook", &[]),
        ("other", &[]),
        ("", &ALL12),
    ];
    for (kind, expected) in cases {
        assert_eq!(
            list_ids(&h, ADMIN, &format!("type={}", urlencode(kind))).await,
            owned(expected),
            "type={kind}"
        );
    }
}

#[tokio::test]
async fn list_name_type_and_query_are_all_anded_never_overridden() {
    let h = Harness::export(&list_world()).await;
    let cases: &[(String, &[&str])] = &[
        ("name=guggy&type=webhook-incoming".into(), &["l-02"]),
        ("name=guggy&type=webhook-outgoing".into(), &["l-01", "l-03"]),
        (format!("type=webhook-incoming&query={}", urlencode(r#"{"type":"webhook-outgoing"}"#)), &[]),
        (format!("name=bot&query={}", urlencode(r#"{"name":"Guggy"}"#)), &[]),
        (format!("name=bot&query={}", urlencode(r#"{"name":"guggy bot"}"#)), &["l-02"]),
        (format!("name=guggy&query={}", urlencode(r#"{"name":{"$regex":"^G"}}"#)), &["l-01", "l-03"]),
        (
            format!("type=webhook-outgoing&query={}", urlencode(r#"{"_createdBy":{"$exists":false}}"#)),
            &["l-03"],
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(list_ids(&h, ADMIN, query).await, owned(expected), "{query}");
    }
}

#[tokio::test]
async fn list_visibility_all_sixteen_permission_combinations() {
    let mut export = mask_export();
    // Integrations that target no room are listed all the same.
    export.integrations.push(doc(
        "loose-out-03",
        "webhook-outgoing",
        json!(["@bob"]),
        Some("u03"),
        "2020-01-01T00:00:00.000Z",
    ));
    export.integrations.push(doc(
        "loose-in",
        "webhook-incoming",
        json!([]),
        None,
        "2020-01-01T00:00:00.000Z",
    ));
    let h = Harness::export(&export).await;
    for mask in 0..16usize {
        let (id, token) = (format!("u{mask:02}"), format!("t{mask}"));
        let reply = call(&h, LIST, (&id, &token), "count=0").await;
        if mask == 0 {
            assert_eq!((reply.status.as_u16(), reply.text.as_str()), (403, FORBIDDEN));
            continue;
        }
        let expected = expected_listing(&export, mask);
        assert_eq!(reply.status, 200, "mask {mask:04b}: {}", reply.text);
        assert_eq!(reply.ids(), expected, "mask {mask:04b}");
        assert_eq!(reply.body["total"], expected.len(), "mask {mask:04b}");
    }
}

#[tokio::test]
async fn list_query_cannot_widen_what_the_caller_may_see() {
    let h = Harness::export(&list_world()).await;
    assert_eq!(list_ids(&h, OWNER, "").await, OWNED);
    let cases: &[(&str, &[&str])] = &[
        (r#"{"$or":[{"type":"webhook-outgoing"}]}"#, &["l-01", "l-07", "l-09"]),
        (r#"{"_createdBy._id":{"$exists":true}}"#, &OWNED),
        (r#"{"_createdBy._id":"u-admin"}"#, &[]),
        (r#"{"$or":[{"_createdBy":{"$exists":false}},{"_createdBy._id":{"$ne":"x"}}]}"#, &OWNED),
        (r#"{"type":{"$in":["webhook-outgoing","webhook-incoming"]}}"#, &OWNED),
    ];
    for (query, expected) in cases {
        assert_eq!(
            list_ids(&h, OWNER, &format!("query={}", urlencode(query))).await,
            owned(expected),
            "{query}"
        );
    }
    // Nor can name or type.
    assert_eq!(list_ids(&h, OWNER, "name=guggy").await, ["l-01"]);
    assert_eq!(list_ids(&h, OWNER, "type=webhook-incoming").await, ["l-04", "l-12"]);
}

/// `n` integrations `i0000`… and nothing else.
fn many_in_workspace(n: usize) -> Export {
    let mut e = Export::default();
    e.user(ADMIN.0, &["admin"], ADMIN.1);
    for i in 0..n {
        let channel = if i % 2 == 0 { json!(["@someone"]) } else { json!([]) };
        e.integration(&format!("i{i:04}"), "webhook-outgoing", channel, None);
    }
    e
}

#[tokio::test]
async fn list_offset_and_count_follow_gi_and_items_always_equals_count() {
    let h = Harness::export(&many_in_workspace(120)).await;
    for (query, expected) in [
        ("", (50, 0, 120)),
        ("count=500", (100, 0, 120)),
        ("count=0", (120, 0, 120)),
        ("count=", (120, 0, 120)),
        ("offset=", (50, 0, 120)),
        ("offset=110", (10, 110, 120)),
        ("offset=500&count=10", (0, 500, 120)),
        ("offset=3&count=7", (7, 3, 120)),
    ] {
        let (count, offset, total, reply) = page(&h, LIST, query).await;
        assert_eq!((count, offset, total), expected, "{query}");
        assert_eq!(reply.body["items"], reply.body["count"], "{query}");
    }
    let (_, _, _, second) = page(&h, LIST, "offset=50&count=2").await;
    assert_eq!(second.ids(), ["i0050", "i0051"]);
}

#[tokio::test]
async fn list_accepts_fields_which_only_hide_and_always_hides_rocket_chats_four() {
    let h = Harness::export(&list_world()).await;
    let q = |fields: &str| format!("count=0&fields={}", urlencode(fields));
    let full = call(&h, LIST, ADMIN, "count=0").await;
    let l05 = &full.body["integrations"][4];
    assert_eq!(l05["_id"], "l-05");
    for hidden in ["members", "joinCode", "importIds", "e2e"] {
        assert!(l05.get(hidden).is_none(), "{hidden} listed: {l05}");
    }
    let named = call(&h, LIST, ADMIN, &q(r#"{"name":1}"#)).await;
    assert_eq!(named.status, 200, "{}", named.text);
    assert_eq!(named.body["integrations"][0], json!({"_id": "l-01", "name": "Guggy"}));
    assert_eq!(named.body["integrations"][8], json!({"_id": "l-09"}));
    assert_eq!(named.ids(), full.ids());
    assert_eq!(named.body["total"], 12);
    let without_id = call(&h, LIST, ADMIN, &q(r#"{"name":1,"_id":0}"#)).await;
    assert_eq!(without_id.body["integrations"][0], json!({"name": "Guggy"}));
    let excluded = call(&h, LIST, ADMIN, &q(r#"{"channel":0,"_createdBy":0,"_createdAt":0}"#)).await;
    assert_eq!(
        excluded.body["integrations"][0],
        json!({"_id": "l-01", "type": "webhook-outgoing", "name": "Guggy"})
    );
    assert_eq!(excluded.body["total"], 12);
}

#[tokio::test]
async fn list_success_body_keys_in_order_byte_for_byte() {
    let h = Harness::export(&list_world()).await;
    let reply = call(&h, LIST, OWNER, "type=webhook-incoming&name=paren").await;
    assert_success_headers(&reply, "list");
    let item = json!({"_id": "l-12", "type": "webhook-incoming", "name": "(paren", "channel": ["#g-secret"],
        "_createdAt": "2020-01-08T00:00:00.000Z", "_createdBy": {"_id": OWNER.0, "username": "user-u-owner"}});
    assert_eq!(
        reply.text,
        format!(
            r#"{{"integrations":[{}],"offset":0,"items":1,"count":1,"total":1,"success":true}}"#,
            text(&item)
        )
    );
    let empty = call(&h, LIST, ADMIN, "type=none").await;
    assert_success_headers(&empty, "list, empty");
    assert_eq!(empty.text, r#"{"integrations":[],"offset":0,"items":0,"count":0,"total":0,"success":true}"#);
    let past = call(&h, LIST, ADMIN, "offset=12&count=3").await;
    assert_eq!(past.text, r#"{"integrations":[],"offset":12,"items":0,"count":0,"total":12,"success":true}"#);
}

// §4 integrations.get -----------------------------------------------------------------

#[tokio::test]
async fn get_has_no_permission_gate_and_checks_in_order() {
    let h = Harness::export(&list_world()).await;
    // A caller without any integration permission goes through every step.
    for (who, query, expected) in [
        (PLAIN, "", INTEGRATION_ID_ABSENT),
        (PLAIN, "integrationid=l-01", INTEGRATION_ID_ABSENT),
        (PLAIN, "createdBy=u-owner", INTEGRATION_ID_ABSENT),
        (PLAIN, "integrationId=", INTEGRATION_ID_EMPTY),
        (PLAIN, "integrationId=&createdBy=u-owner", INTEGRATION_ID_EMPTY),
        (PLAIN, "integrationId=nowhere", INTEGRATION_NOT_FOUND),
        (PLAIN, "integrationId=L-01", INTEGRATION_NOT_FOUND),
        (PLAIN, "integrationId=l-01", INTEGRATION_NOT_AUTHORIZED),
        (PLAIN, "integrationId=l-02", INTEGRATION_NOT_AUTHORIZED),
        (ADMIN, "", INTEGRATION_ID_ABSENT),
        (ADMIN, "integrationId=", INTEGRATION_ID_EMPTY),
        (ADMIN, "integrationId=nowhere", INTEGRATION_NOT_FOUND),
    ] {
        let reply = call(&h, GET, who, query).await;
        assert_eq!(reply.status, 400, "{} {query}", who.0);
        assert_eq!(reply.text, expected, "{} {query}", who.0);
    }
    // Both ways: found and visible.
    let found = call(&h, GET, ADMIN, "integrationId=l-01").await;
    assert_success_headers(&found, "get");
    assert_eq!(found.body["integration"]["_id"], "l-01");
}

#[tokio::test]
async fn get_success_is_the_whole_stored_document_byte_for_byte() {
    let mut e = list_world();
    let stored = json!({"_id": "g-full", "type": "webhook-outgoing", "name": "Full", "enabled": true,
        "username": "rocket.cat", "urls": ["http://example.com/hook"], "triggerWords": ["!a", "b"],
        "token": "tok-full", "script": "/* s */", "scriptEnabled": true, "scriptCompiled": "/* c */",
        "scriptError": null, "channel": ["#general"], "retryCount": 6, "nested": {"a": [1, {"b": null}]},
        "_createdAt": {"$date": "2017-01-05T17:06:05.660Z"},
        "_createdBy": {"username": "graywolf", "_id": OWNER.0},
        "_updatedAt": {"$date": "2021-02-03T04:05:06.789Z"}});
    e.integrations.push(stored.clone());
    let h = Harness::export(&e).await;
    let mut wire = stored;
    wire["_createdAt"] = json!("2017-01-05T17:06:05.660Z");
    wire["_updatedAt"] = json!("2021-02-03T04:05:06.789Z");
    for who in [ADMIN, OWNER] {
        let reply = call(&h, GET, who, "integrationId=g-full").await;
        assert_success_headers(&reply, who.0);
        assert_eq!(reply.text, format!(r#"{{"integration":{},"success":true}}"#, text(&wire)), "{}", who.0);
    }
}

#[tokio::test]
async fn get_returns_fields_a_listing_would_project_away() {
    let h = Harness::export(&list_world()).await;
    let reply = call(&h, GET, ADMIN, "integrationId=l-05").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let item = &reply.body["integration"];
    assert_eq!(item["members"], json!(["m"]), "{item}");
    assert_eq!(item["joinCode"], "j");
    assert_eq!(item["importIds"], json!(["x"]));
    assert_eq!(item["e2e"], "k");
}

#[tokio::test]
async fn get_ignores_paging_sort_fields_and_query_even_malformed() {
    let h = Harness::export(&list_world()).await;
    let plain = call(&h, GET, ADMIN, "integrationId=l-01").await;
    assert_eq!(plain.status, 200);
    for extra in [
        format!(
            "fields={}&query={}&sort={}&offset=5&count=1",
            urlencode(r#"{"token":0,"name":0}"#),
            urlencode(r#"{"_id":"l-02"}"#),
            urlencode(r#"{"name":1}"#)
        ),
        "sort=nope&offset=-1&count=x&query=nope&fields=nope".to_owned(),
    ] {
        let reply = call(&h, GET, ADMIN, &format!("integrationId=l-01&{extra}")).await;
        assert_eq!(reply.text, plain.text, "{extra}");
    }
}

#[tokio::test]
async fn get_created_by_is_a_filter_that_never_grants() {
    let h = Harness::export(&list_world()).await;
    for (who, query, expected) in [
        (ADMIN, "integrationId=l-01&createdBy=u-owner", Ok("l-01")),
        (ADMIN, "integrationId=l-01&createdBy=", Ok("l-01")),
        (ADMIN, "integrationId=l-01&createdBy=u-admin", Err(INTEGRATION_NOT_FOUND)),
        (ADMIN, "integrationId=l-03&createdBy=u-admin", Err(INTEGRATION_NOT_FOUND)),
        (ADMIN, "integrationId=nowhere&createdBy=u-owner", Err(INTEGRATION_NOT_FOUND)),
        (OWNER, "integrationId=l-01&createdBy=u-owner", Ok("l-01")),
        // Another's integration: naming the caller finds nothing; naming its creator does not grant.
        (OWNER, "integrationId=l-05&createdBy=u-owner", Err(INTEGRATION_NOT_FOUND)),
        (OWNER, "integrationId=l-05&createdBy=u-admin", Err(INTEGRATION_NOT_AUTHORIZED)),
        (OWNER, "integrationId=l-05", Err(INTEGRATION_NOT_AUTHORIZED)),
        (PLAIN, "integrationId=l-01&createdBy=u-owner", Err(INTEGRATION_NOT_AUTHORIZED)),
        (PLAIN, "integrationId=l-01&createdBy=u-plain", Err(INTEGRATION_NOT_FOUND)),
    ] {
        let reply = call(&h, GET, who, query).await;
        match expected {
            Ok(id) => {
                assert_eq!(reply.status, 200, "{} {query}: {}", who.0, reply.text);
                assert_eq!(reply.body["integration"]["_id"], id, "{} {query}", who.0);
            }
            Err(body) => {
                assert_eq!(reply.status, 400, "{} {query}", who.0);
                assert_eq!(reply.text, body, "{} {query}", who.0);
            }
        }
    }
}

/// §4.3, written out again: `incoming` when `type` is `webhook-incoming`, else `outgoing`.
fn gettable(mask: usize, incoming: bool, own: bool) -> bool {
    let [all_out, all_in, own_out, own_in] = [0, 1, 2, 3].map(|b| mask & (1 << b) != 0);
    if incoming {
        all_in || (own && own_in)
    } else {
        all_out || (own && own_out)
    }
}

#[tokio::test]
async fn get_visibility_all_sixteen_permission_combinations() {
    let export = mask_export();
    let h = Harness::export(&export).await;
    for mask in 0..16usize {
        let (uid, token) = (format!("u{mask:02}"), format!("t{mask}"));
        let other = format!("{:02}", (mask + 5) % 16);
        let mut ids = vec!["nobody-out".to_owned(), "nobody-in".into(), "null-out".into(), "null-in".into()];
        for who in [format!("{mask:02}"), other] {
            for kind in ["out", "in", "none"] {
                ids.push(format!("own-{kind}-{who}"));
            }
        }
        for id in ids {
            let d = export.integrations.iter().find(|d| d["_id"] == id.as_str()).unwrap();
            let incoming = d["type"] == "webhook-incoming";
            let own = d["_createdBy"]["_id"] == uid.as_str();
            let reply = call(&h, GET, (&uid, &token), &format!("integrationId={id}")).await;
            if gettable(mask, incoming, own) {
                assert_eq!(reply.status, 200, "mask {mask:04b} {id}: {}", reply.text);
                assert_eq!(reply.body["integration"]["_id"], id.as_str(), "mask {mask:04b}");
            } else {
                assert_eq!(reply.status, 400, "mask {mask:04b} {id}: {}", reply.text);
                assert_eq!(reply.text, INTEGRATION_NOT_AUTHORIZED, "mask {mask:04b} {id}");
            }
        }
    }
}

// §6 Surprises ----------------------------------------------------------------------

#[tokio::test]
async fn surprise_get_ignores_the_quirk_that_list_keeps() {
    // §4.3 / §6.2: all-out plus both "own" permissions (mask 1101).
    let export = mask_export();
    let h = Harness::export(&export).await;
    let who = ("u13", "t13");
    let listed = call(&h, LIST, who, "count=0").await.ids();
    assert_eq!(listed, ["own-in-13", "own-none-13", "own-out-13"], "list: own only");
    let other_out = call(&h, GET, who, "integrationId=own-out-03").await;
    assert_eq!(other_out.status, 200, "get: another user's outgoing: {}", other_out.text);
    let other_in = call(&h, GET, who, "integrationId=own-in-03").await;
    assert_eq!(other_in.text, INTEGRATION_NOT_AUTHORIZED);
}

#[tokio::test]
async fn surprise_the_gates_differ_between_endpoints() {
    // §6.2: the same caller without any integration permission.
    let h = Harness::export(&groups_world()).await;
    let mut e = groups_world();
    e.subscription("g-secret", PLAIN.0);
    let joined = Harness::export(&e).await;
    let groups = call(&joined, GROUPS, PLAIN, "roomId=g-secret").await;
    assert_eq!((groups.status.as_u16(), groups.text.as_str()), (403, FORBIDDEN));
    let list = call(&h, LIST, PLAIN, "").await;
    assert_eq!((list.status.as_u16(), list.text.as_str()), (403, FORBIDDEN));
    let get = call(&h, GET, PLAIN, "integrationId=i-name").await;
    assert_eq!((get.status.as_u16(), get.text.as_str()), (400, INTEGRATION_NOT_AUTHORIZED));
}

#[tokio::test]
async fn surprise_the_two_param_required_codes_and_key_orders_differ() {
    // §6.6 and §6.7.
    let h = Harness::export(&groups_world()).await;
    let groups = call(&h, GROUPS, ADMIN, "").await;
    let channels = call(&h, CHANNELS, ADMIN, "").await;
    assert_eq!(groups.body["errorType"], "error-room-param-not-provided");
    assert_eq!(channels.body["errorType"], "error-roomid-param-not-provided");
    let keys = |r: &Reply| r.body.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    let g = call(&h, GROUPS, ADMIN, "roomId=g-secret").await;
    assert_eq!(keys(&g), ["integrations", "count", "offset", "total", "success"]);
    let l = call(&h, LIST, ADMIN, "").await;
    assert_eq!(keys(&l), ["integrations", "offset", "items", "count", "total", "success"]);
    let one = call(&h, GET, ADMIN, "integrationId=i-name").await;
    assert_eq!(keys(&one), ["integration", "success"]);
}

// Property: on integrations.list a `query` only ever narrows ----------------------------

const CALLERS: [usize; 6] = [1, 3, 5, 9, 12, 15];
const CREATORS: [&str; 4] = ["u03", "u05", "u12", "u15"];

/// Integrations of every type (and none), by each creator, nobody and null, on three days,
/// with names drawn from their creators.
fn property_export() -> Export {
    let mut e = mask_world();
    let creators: Vec<Option<Json>> = CREATORS
        .iter()
        .map(|u| Some(json!({"_id": u, "username": format!("user-{u}")})))
        .chain([None, Some(Json::Null)])
        .collect();
    let mut n = 0;
    for creator in &creators {
        for kind in [Some("webhook-outgoing"), Some("webhook-incoming"), None] {
            for day in 0..3 {
                n += 1;
                let id = format!("p-{n:03}");
                let mut d = json!({"_id": id});
                if let Some(kind) = kind {
                    d["type"] = json!(kind);
                }
                let label = creator.as_ref().and_then(|c| c["_id"].as_str()).unwrap_or("nobody");
                d["name"] = json!(format!("{label} hook {day}"));
                d["enabled"] = json!(day != 1);
                d["channel"] = match day {
                    0 => json!(["@someone"]),
                    1 => json!("#general"),
                    _ => json!([]),
                };
                d["_createdAt"] = json!({"$date": day * 86_400_000});
                if let Some(c) = creator {
                    d["_createdBy"] = c.clone();
                }
                e.integrations.push(d);
            }
        }
    }
    e
}

fn leaf() -> impl Strategy<Value = Json> {
    let path = prop::sample::select(vec![
        "_createdBy._id",
        "_createdBy",
        "type",
        "name",
        "channel",
        "_createdAt",
        "_id",
        "enabled",
    ]);
    let scalar = prop_oneof![
        prop::sample::select(CREATORS.to_vec()).prop_map(|u| json!(u)),
        Just(json!("webhook-outgoing")),
        Just(json!("webhook-incoming")),
        Just(json!("#general")),
        Just(json!("")),
        Just(json!(null)),
        any::<bool>().prop_map(|b| json!(b)),
        (0i64..3).prop_map(|d| json!({"$date": d * 86_400_000})),
    ];
    let condition = prop_oneof![
        scalar.clone(),
        scalar.clone().prop_map(|v| json!({"$ne": v})),
        scalar.clone().prop_map(|v| json!({"$gte": v})),
        scalar.clone().prop_map(|v| json!({"$lt": v})),
        prop::collection::vec(scalar.clone(), 0..3).prop_map(|v| json!({"$in": v})),
        prop::collection::vec(scalar.clone(), 0..3).prop_map(|v| json!({"$nin": v})),
        any::<bool>().prop_map(|b| json!({"$exists": b})),
        prop::sample::select(vec![".*", "^u", "hook", "^webhook-", "1$", ""])
            .prop_map(|r| json!({"$regex": r, "$options": "i"})),
        scalar.prop_map(|v| json!({"$not": {"$eq": v}})),
    ];
    (path, condition).prop_map(|(p, c)| {
        let mut m = serde_json::Map::new();
        m.insert(p.to_owned(), c);
        Json::Object(m)
    })
}

fn query() -> impl Strategy<Value = Json> {
    leaf().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..3).prop_map(|v| json!({"$or": v})),
            prop::collection::vec(inner.clone(), 1..3).prop_map(|v| json!({"$and": v})),
            prop::collection::vec(inner, 1..3).prop_map(|v| json!({"$nor": v})),
        ]
    })
}

/// Optional `name` and `type` parameters, which must narrow alike.
fn name_and_type() -> impl Strategy<Value = (Option<&'static str>, Option<&'static str>)> {
    (
        prop::option::of(prop::sample::select(vec!["", "U0", "hook 2", "nobody", "zzz"])),
        prop::option::of(prop::sample::select(vec!["", "webhook-outgoing", "webhook-incoming", "bogus"])),
    )
}

#[test]
fn list_a_query_only_ever_narrows() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let export = property_export();
    let h = runtime.block_on(Harness::export(&export));
    let config = ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(caller in prop::sample::select(CALLERS.to_vec()), q in query(), (name, kind) in name_and_type())| {
        runtime.block_on(async {
            let (uid, token) = (format!("u{caller:02}"), format!("t{caller}"));
            let mut base = "count=0".to_owned();
            if let Some(name) = name {
                base.push_str(&format!("&name={}", urlencode(name)));
            }
            if let Some(kind) = kind {
                base.push_str(&format!("&type={kind}"));
            }
            // The oracle: GI §4 visibility AND the name and type parameters.
            let expected: BTreeSet<String> = export.integrations.iter().filter(|d| {
                let own = d["_createdBy"]["_id"] == uid.as_str();
                let name_ok = name.is_none_or(|n| n.is_empty()
                    || d["name"].as_str().is_some_and(|s| s.to_lowercase().contains(&n.to_lowercase())));
                let type_ok = kind.is_none_or(|k| k.is_empty() || d["type"] == k);
                listed(caller, direction(d), own) && name_ok && type_ok
            }).map(|d| d["_id"].as_str().unwrap().to_owned()).collect();
            let without = call(&h, LIST, (&uid, &token), &base).await;
            prop_assert_eq!(without.status.as_u16(), 200, "{}", without.text);
            let all: BTreeSet<String> = without.ids().into_iter().collect();
            prop_assert_eq!(&all, &expected, "{} as {}", base, uid);
            let with = call(&h, LIST, (&uid, &token), &format!("{base}&query={}", urlencode(&q.to_string()))).await;
            prop_assert_eq!(with.status.as_u16(), 200, "{} -> {}", q, with.text);
            let narrowed: BTreeSet<String> = with.ids().into_iter().collect();
            prop_assert!(narrowed.is_subset(&all), "{} widened {:?} to {:?}", q, all, narrowed);
            prop_assert_eq!(with.body["total"].as_u64(), Some(narrowed.len() as u64));
            Ok(())
        })?;
    });
}

/// The property workspace with a private group `prop` every caller has joined, the
/// integrations without a target spread over `#prop`, `all_private_groups` and none.
fn group_property_export() -> Export {
    let mut e = property_export();
    e.room("g-prop", "prop", "p");
    for caller in CALLERS {
        e.subscription("g-prop", &format!("u{caller:02}"));
    }
    let untargeted = e.integrations.iter_mut().filter(|d| d["channel"] == json!([]));
    for (k, d) in untargeted.enumerate() {
        d["channel"] = [json!(["#prop"]), json!(["all_private_groups"]), json!([])][k % 3].clone();
    }
    e
}

#[test]
fn groups_a_query_only_ever_narrows() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let export = group_property_export();
    let h = runtime.block_on(Harness::export(&export));
    let config = ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(caller in prop::sample::select(CALLERS.to_vec()), q in query(), shared in any::<bool>())| {
        runtime.block_on(async {
            let (uid, token) = (format!("u{caller:02}"), format!("t{caller}"));
            let base = format!("roomId=g-prop&count=0&includeAllPrivateGroups={shared}");
            // The oracle: the group's targets AND GI §4 visibility.
            let expected: BTreeSet<String> = export.integrations.iter().filter(|d| {
                let own = d["_createdBy"]["_id"] == uid.as_str();
                let targets = d["channel"] == json!(["#prop"]) || (shared && d["channel"] == json!(["all_private_groups"]));
                targets && listed(caller, direction(d), own)
            }).map(|d| d["_id"].as_str().unwrap().to_owned()).collect();
            let without = call(&h, GROUPS, (&uid, &token), &base).await;
            prop_assert_eq!(without.status.as_u16(), 200, "{}", without.text);
            let all: BTreeSet<String> = without.ids().into_iter().collect();
            prop_assert_eq!(&all, &expected, "{} as {}", base, uid);
            let with = call(&h, GROUPS, (&uid, &token), &format!("{base}&query={}", urlencode(&q.to_string()))).await;
            prop_assert_eq!(with.status.as_u16(), 200, "{} -> {}", q, with.text);
            let narrowed: BTreeSet<String> = with.ids().into_iter().collect();
            prop_assert!(narrowed.is_subset(&all), "{} widened {:?} to {:?}", q, all, narrowed);
            prop_assert_eq!(with.body["total"].as_u64(), Some(narrowed.len() as u64));
            Ok(())
        })?;
    });
}

// Rocket.Chat's own end-to-end cases, on equivalent data ----------------------------------

const RC_ADMIN: (&str, &str) = ("rocketchat.internal.admin.test", "rc-admin-token");
const RC_USER: (&str, &str) = ("rc-user-00000000001", "rc-user-token");
const RC_GROUP: &str = "test-integration-group-1700000000000";

/// The data the suites create (`createIntegration`, `createRoom`), stored as Rocket.Chat
/// stores it, under the permissions the suite has set at that point ([out, own-out, in, own-in]).
fn rc_world(roles: [&[&str]; 4]) -> Export {
    let mut e = Export::default();
    for (permission, holders) in [
        "manage-outgoing-integrations",
        "manage-own-outgoing-integrations",
        "manage-incoming-integrations",
        "manage-own-incoming-integrations",
    ]
    .into_iter()
    .zip(roles)
    {
        e.permission(permission, holders);
    }
    e.user(RC_ADMIN.0, &["admin"], RC_ADMIN.1).user(RC_USER.0, &["user"], RC_USER.1);
    e.room("GENERAL", "general", "c").room("rc-group-id-000001", RC_GROUP, "p");
    e.subscription("rc-group-id-000001", RC_ADMIN.0);
    let by = |uid: &str| {
        let username = if uid == RC_ADMIN.0 { "rocketchat.internal.admin.test" } else { "rc-user" };
        json!({"_id": uid, "username": username})
    };
    let incoming = |id: &str, name: &str, alias: &str, channel: &str, uid: &str| {
        json!({"_id": id, "type": "webhook-incoming", "name": name, "enabled": true, "alias": alias,
            "username": "rocket.cat", "scriptEnabled": false, "overrideDestinationChannelEnabled": true,
            "channel": [channel], "token": format!("token-{id}"), "userId": "rocket.cat",
            "_createdAt": {"$date": "2024-01-01T00:00:00.000Z"}, "_createdBy": by(uid)})
    };
    let outgoing = |id: &str, uid: &str| {
        json!({"_id": id, "type": "webhook-outgoing", "name": "Guggy", "enabled": true, "username": "rocket.cat",
            "urls": ["http://text2gif.guggy.com/guggify"], "scriptEnabled": false, "channel": ["#general"],
            "triggerWords": ["!guggy"], "alias": "guggy", "avatar": "http://res.guggy.com/logo_128.png",
            "emoji": ":ghost:", "event": "sendMessage", "token": format!("token-{id}"),
            "_createdAt": {"$date": "2024-01-02T00:00:00.000Z"}, "_createdBy": by(uid)})
    };
    e.integrations.extend([
        incoming("rc-in-admin", "Incoming test 2", "test2", "#general", RC_ADMIN.0),
        incoming("rc-in-user", "Incoming test", "test", "#general", RC_USER.0),
        incoming("rc-in-user-group", "Incoming test", "test", &format!("#{RC_GROUP}"), RC_USER.0),
        outgoing("rc-out-admin", RC_ADMIN.0),
        outgoing("rc-out-user", RC_USER.0),
    ]);
    e
}

const NOBODY: &[&str] = &[];

async fn rc(roles: [&[&str]; 4]) -> Harness {
    Harness::export(&rc_world(roles)).await
}

fn holds(reply: &Reply, id: &str) -> bool {
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.headers["content-type"], "application/json");
    assert_eq!(reply.body["success"], true);
    reply.body["integrations"].as_array().unwrap().iter().any(|i| i["_id"] == id)
}

// groups.ts "/groups.getIntegrations"

#[tokio::test]
async fn rc_groups_lists_the_users_integration_when_the_admin_has_manage_incoming() {
    let h = rc([&["admin"], &["admin"], &["admin"], &["user"]]).await;
    let reply = call(&h, GROUPS, RC_ADMIN, "roomId=rc-group-id-000001").await;
    assert!(holds(&reply, "rc-in-user-group"), "{}", reply.text);
    assert!(reply.body.get("offset").is_some() && reply.body.get("total").is_some());
}

#[tokio::test]
async fn rc_groups_lists_only_the_admins_own_when_manage_incoming_is_withdrawn() {
    let h = rc([&["admin"], &["admin"], NOBODY, &["admin"]]).await;
    let reply = call(&h, GROUPS, RC_ADMIN, "roomId=rc-group-id-000001").await;
    assert!(!holds(&reply, "rc-in-user-group"), "{}", reply.text);
    assert!(reply.body.get("offset").is_some() && reply.body.get("total").is_some());
}

#[tokio::test]
async fn rc_groups_is_a_403_without_any_integration_permission() {
    let h = rc([NOBODY, NOBODY, NOBODY, NOBODY]).await;
    let reply = call(&h, GROUPS, RC_ADMIN, "roomId=rc-group-id-000001").await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.headers["content-type"], "application/json");
    assert_eq!(reply.text, FORBIDDEN);
}

// incoming-integrations.ts "[/integrations.list]"

#[tokio::test]
async fn rc_incoming_list_shows_the_admins_incoming_integration() {
    let h = rc([NOBODY, NOBODY, &["user"], &["admin"]]).await;
    let reply = call(&h, LIST, RC_ADMIN, "").await;
    assert!(holds(&reply, "rc-in-admin"), "{}", reply.text);
    for key in ["offset", "items", "total"] {
        assert!(reply.body.get(key).is_some(), "{key}");
    }
}

#[tokio::test]
async fn rc_incoming_list_shows_a_user_only_their_own() {
    let h = rc([NOBODY, NOBODY, NOBODY, &["user"]]).await;
    let reply = call(&h, LIST, RC_USER, "").await;
    assert!(!holds(&reply, "rc-in-admin"), "{}", reply.text);
    assert!(holds(&reply, "rc-in-user"), "{}", reply.text);
    for key in ["offset", "items", "total"] {
        assert!(reply.body.get(key).is_some(), "{key}");
    }
}

#[tokio::test]
async fn rc_incoming_list_is_a_403_without_any_integration_permission() {
    let h = rc([NOBODY, NOBODY, NOBODY, NOBODY]).await;
    let reply = call(&h, LIST, RC_ADMIN, "").await;
    assert_eq!((reply.status.as_u16(), reply.text.as_str()), (403, FORBIDDEN));
}

// incoming-integrations.ts "[/integrations.get]"

#[tokio::test]
async fn rc_incoming_get_without_integration_id_is_a_400() {
    let h = rc([&["admin"], &["admin"], &["admin"], &["admin"]]).await;
    let reply = call(&h, GET, RC_ADMIN, "").await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.headers["content-type"], "application/json");
    // The suite's `[invalid-params]` form is the older line's; the contract takes the newest.
    assert_eq!(reply.text, INTEGRATION_ID_ABSENT);
}

#[tokio::test]
async fn rc_incoming_get_is_not_authorized_without_manage_incoming_own_or_another_users() {
    let h = rc([NOBODY, NOBODY, NOBODY, NOBODY]).await;
    for id in ["rc-in-admin", "rc-in-user"] {
        let reply = call(&h, GET, RC_ADMIN, &format!("integrationId={id}")).await;
        assert_eq!((reply.status.as_u16(), reply.text.as_str()), (400, INTEGRATION_NOT_AUTHORIZED), "{id}");
    }
}

#[tokio::test]
async fn rc_incoming_get_of_an_invalid_id_does_not_exist() {
    let h = rc([NOBODY, NOBODY, &["admin"], &["user"]]).await;
    let reply = call(&h, GET, RC_ADMIN, "integrationId=invalid").await;
    assert_eq!((reply.status.as_u16(), reply.text.as_str()), (400, INTEGRATION_NOT_FOUND));
}

#[tokio::test]
async fn rc_incoming_get_returns_a_users_own_integration_with_manage_own_incoming() {
    let h = rc([NOBODY, NOBODY, NOBODY, &["user"]]).await;
    let reply = call(&h, GET, RC_USER, "integrationId=rc-in-user").await;
    assert_success_headers(&reply, "get");
    assert_eq!(reply.body["integration"]["_id"], "rc-in-user");
}

#[tokio::test]
async fn rc_incoming_get_returns_the_integration_and_after_an_update_the_updated_one() {
    let h = rc([NOBODY, NOBODY, &["admin"], &["user"]]).await;
    let reply = call(&h, GET, RC_ADMIN, "integrationId=rc-in-admin").await;
    assert_success_headers(&reply, "get");
    assert_eq!(reply.body["integration"]["_id"], "rc-in-admin");
    // "should have integration updated on subsequent gets": the stored document as updated.
    let mut e = rc_world([NOBODY, NOBODY, &["admin"], &["user"]]);
    let stored = e.integrations.iter_mut().find(|d| d["_id"] == "rc-in-admin").unwrap();
    stored["name"] = json!("Incoming test updated");
    stored["alias"] = json!("test updated");
    let h = Harness::export(&e).await;
    let reply = call(&h, GET, RC_ADMIN, "integrationId=rc-in-admin").await;
    assert_eq!(reply.body["integration"]["name"], "Incoming test updated");
    assert_eq!(reply.body["integration"]["alias"], "test updated");
}

// outgoing-integrations.ts "[/integrations.list]"

#[tokio::test]
async fn rc_outgoing_list_shows_the_admins_outgoing_integration() {
    let h = rc([NOBODY, &["admin"], NOBODY, NOBODY]).await;
    let reply = call(&h, LIST, RC_ADMIN, "").await;
    assert!(holds(&reply, "rc-out-admin"), "{}", reply.text);
    assert!(!holds(&reply, "rc-out-user"), "own-out only: {}", reply.text);
    for key in ["offset", "items", "total"] {
        assert!(reply.body.get(key).is_some(), "{key}");
    }
}

#[tokio::test]
async fn rc_outgoing_list_shows_a_user_only_their_own() {
    let h = rc([NOBODY, &["user"], NOBODY, NOBODY]).await;
    let reply = call(&h, LIST, RC_USER, "").await;
    assert!(!holds(&reply, "rc-out-admin"), "{}", reply.text);
    assert!(holds(&reply, "rc-out-user"), "{}", reply.text);
}

#[tokio::test]
async fn rc_outgoing_list_is_a_403_without_any_integration_permission() {
    let h = rc([NOBODY, NOBODY, NOBODY, NOBODY]).await;
    let reply = call(&h, LIST, RC_ADMIN, "").await;
    assert_eq!((reply.status.as_u16(), reply.text.as_str()), (403, FORBIDDEN));
}

// outgoing-integrations.ts "[/integrations.get]"

#[tokio::test]
async fn rc_outgoing_get_without_integration_id_is_a_400() {
    let h = rc([NOBODY, NOBODY, NOBODY, NOBODY]).await;
    let reply = call(&h, GET, RC_ADMIN, "").await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.body["error"], "must have required property 'integrationId'");
    assert_eq!(reply.text, INTEGRATION_ID_ABSENT);
}

#[tokio::test]
async fn rc_outgoing_get_is_not_authorized_without_manage_outgoing_even_for_its_creator() {
    let h = rc([NOBODY, NOBODY, NOBODY, NOBODY]).await;
    for id in ["rc-out-admin", "rc-out-user"] {
        let reply = call(&h, GET, RC_ADMIN, &format!("integrationId={id}")).await;
        assert_eq!((reply.status.as_u16(), reply.text.as_str()), (400, INTEGRATION_NOT_AUTHORIZED), "{id}");
    }
}

#[tokio::test]
async fn rc_outgoing_get_of_an_invalid_id_does_not_exist() {
    let h = rc([&["admin"], NOBODY, NOBODY, NOBODY]).await;
    let reply = call(&h, GET, RC_ADMIN, "integrationId=invalid").await;
    assert_eq!((reply.status.as_u16(), reply.text.as_str()), (400, INTEGRATION_NOT_FOUND));
}

#[tokio::test]
async fn rc_outgoing_get_returns_a_users_own_integration_with_manage_own_outgoing() {
    let h = rc([NOBODY, &["user"], NOBODY, NOBODY]).await;
    let reply = call(&h, GET, RC_USER, "integrationId=rc-out-user").await;
    assert_success_headers(&reply, "get");
    assert_eq!(reply.body["integration"]["_id"], "rc-out-user");
}

#[tokio::test]
async fn rc_outgoing_get_returns_the_integration_with_manage_outgoing() {
    let h = rc([&["admin"], NOBODY, NOBODY, NOBODY]).await;
    let reply = call(&h, GET, RC_ADMIN, "integrationId=rc-out-admin").await;
    assert_success_headers(&reply, "get");
    assert_eq!(reply.body["integration"]["_id"], "rc-out-admin");
    assert_eq!(reply.body["integration"]["name"], "Guggy");
    assert_eq!(reply.body["integration"]["event"], "sendMessage");
}
