//! Room access (contract §5a) over the real path: every rule, allowing and refusing,
//! by `roomId` and by `roomName`, with the data imported from an export; and a
//! property test that the endpoint answers 200 exactly when contract §5a allows.

use crate::support::*;
use proptest::prelude::*;
use serde_json::json;

const REFUSED: &str = ROOM_ACCESS_DENIED;

/// Every user holds the integration permissions through the role `hooks`; what
/// differs is the roles that carry the `view-*` permissions (defaults of contract §5a).
fn world() -> Export {
    let mut e = Export::default();
    for permission in ["manage-outgoing-integrations", "manage-incoming-integrations"] {
        e.permission(permission, &["hooks"]);
    }
    // Agents may see closed rooms of their own department (the default is staff only).
    e.permission("view-livechat-room-closed-same-department", &["livechat-manager", "livechat-agent"]);
    for (id, roles) in [
        ("u-user", &["user", "hooks"][..]),
        ("u-guest", &["guest", "hooks"]),
        ("u-member", &["guest", "hooks"]),
        ("u-joined", &["guest", "hooks"]),
        ("u-agent", &["livechat-agent", "hooks"]),
        ("u-serving", &["livechat-agent", "hooks"]),
        ("u-manager", &["livechat-manager", "hooks"]),
        ("rocket.cat", &["bot", "hooks"]),
    ] {
        e.user(id, roles, &format!("token-{id}"));
    }
    e.room_doc(json!({"_id": "r-general", "name": "general", "t": "c"}))
        .room_doc(json!({"_id": "r-public-team", "name": "public-team", "t": "c", "teamId": "t-public"}))
        .room_doc(json!({"_id": "r-private-team", "name": "private-team", "t": "c", "teamId": "t-private"}))
        .room_doc(json!({"_id": "r-lost-team", "name": "lost-team", "t": "c", "teamId": "t-gone"}))
        .room_doc(json!({"_id": "r-group", "name": "group", "t": "p"}))
        .room_doc(json!({"_id": "r-discussion", "name": "discussion", "t": "c", "prid": "r-group"}))
        .room_doc(json!({"_id": "r-deep", "name": "deep", "t": "c", "prid": "r-discussion"}))
        .room_doc(json!({"_id": "r-orphan", "name": "orphan", "t": "c", "prid": "r-nowhere"}))
        .room_doc(json!({"_id": "r-loop-a", "name": "loop-a", "t": "c", "prid": "r-loop-b"}))
        .room_doc(json!({"_id": "r-loop-b", "name": "loop-b", "t": "p", "prid": "r-loop-a"}))
        .room_doc(json!({"_id": "r-open", "name": "open-chat", "t": "l", "open": true,
            "servedBy": {"_id": "u-serving", "username": "serving"}, "departmentId": "d-sales"}))
        .room_doc(json!({"_id": "r-closed", "name": "closed-chat", "t": "l",
            "servedBy": {"_id": "u-serving", "username": "serving"}, "departmentId": "d-sales"}));
    e.team("t-public", 0).team("t-private", 1);
    e.team_member("t-private", "u-member").team_member("t-public", "u-member");
    e.subscription("r-general", "u-joined").subscription("r-group", "u-joined");
    e.department_agent("d-sales", "u-agent");
    for room in ["general", "public-team", "private-team", "lost-team", "discussion", "deep", "orphan"] {
        e.integration(&format!("i-{room}"), "webhook-outgoing", json!([format!("#{room}")]), None);
    }
    for room in ["loop-a", "open-chat", "closed-chat"] {
        e.integration(&format!("i-{room}"), "webhook-outgoing", json!([format!("#{room}")]), None);
    }
    e
}

/// (user, room name, allowed, the rule that decides)
const CASES: &[(&str, &str, bool, &str)] = &[
    ("u-user", "general", true, "2: view-c-room"),
    ("u-guest", "general", false, "2: guests lack view-c-room"),
    ("u-joined", "general", true, "3: subscribed, view-joined-room"),
    ("u-user", "public-team", true, "1: public team, view-c-room"),
    ("u-guest", "public-team", false, "1: public team needs view-c-room, membership or not"),
    ("u-member", "public-team", false, "1: a member of a public team still needs view-c-room"),
    ("u-user", "private-team", false, "1: private team, not a member (the leak of issue #8)"),
    ("u-member", "private-team", true, "1: private team, member"),
    ("u-user", "lost-team", false, "1: a missing team counts as private"),
    ("u-user", "discussion", true, "2: the discussion itself is a public channel"),
    ("u-guest", "discussion", false, "4: parent group not joined"),
    ("u-joined", "discussion", true, "4: parent group joined"),
    ("u-joined", "deep", true, "4: two levels up"),
    ("u-guest", "orphan", false, "4: missing parent"),
    ("u-joined", "loop-a", false, "4: a cycle refuses"),
    ("u-manager", "open-chat", true, "5: view-livechat-rooms"),
    ("u-serving", "open-chat", true, "5: served by the caller"),
    ("u-agent", "open-chat", false, "5: another agent, room still open"),
    ("u-user", "open-chat", false, "5: not livechat staff"),
    ("u-agent", "closed-chat", true, "5: closed, agent of its department"),
    ("u-user", "closed-chat", false, "5: closed, not an agent"),
    ("rocket.cat", "closed-chat", true, "5: rocket.cat"),
];

fn room_id(name: &str) -> String {
    match name {
        "open-chat" => "r-open".into(),
        "closed-chat" => "r-closed".into(),
        other => format!("r-{other}"),
    }
}

#[tokio::test]
async fn every_rule_allows_and_refuses_by_id_and_by_name() {
    let h = Harness::export(&world()).await;
    for (user, room, allowed, rule) in CASES {
        let token = format!("token-{user}");
        let headers = [("X-Auth-Token", token.as_str()), ("X-User-Id", *user)];
        for query in [format!("roomId={}", room_id(room)), format!("roomName={room}")] {
            let reply = h.get(&headers, &format!("{query}&includeAllPublicChannels=false")).await;
            if *allowed {
                assert_eq!(reply.status, 200, "{user} {query} ({rule}): {}", reply.text);
                assert_eq!(reply.ids(), [format!("i-{room}")], "{user} {query}");
            } else {
                assert_eq!(reply.status, 403, "{user} {query} ({rule}): {}", reply.text);
                assert_eq!(reply.text, REFUSED, "{user} {query}");
            }
        }
    }
}

#[tokio::test]
async fn access_is_checked_after_the_room_and_before_the_parameters() {
    let h = Harness::export(&world()).await;
    let headers = [("X-Auth-Token", "token-u-user"), ("X-User-Id", "u-user")];
    // Room access 403 before a malformed count.
    let reply = h.get(&headers, "roomId=r-private-team&count=abc").await;
    assert_eq!((reply.status.as_u16(), reply.text.as_str()), (403, REFUSED));
    // A private group is not found (400) before any access check.
    let reply = h.get(&headers, "roomId=r-group").await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.body["errorType"], "error-room-not-found");
    // Without an integration permission the gate's 403 comes first.
    let mut e = world();
    e.user("u-plain", &["user"], "token-u-plain");
    let h = Harness::export(&e).await;
    let reply =
        h.get(&[("X-Auth-Token", "token-u-plain"), ("X-User-Id", "u-plain")], "roomId=r-private-team").await;
    assert_eq!(reply.status, 403);
    assert_ne!(reply.text, REFUSED, "the permission gate answers before room access");
}

/// Contract §5a, written out again independently of `src/room_access.rs`, over a small world.
#[derive(Debug, Clone)]
struct Room {
    kind: &'static str,
    team: Option<usize>,
    parent: Option<usize>,
    open: bool,
    served_by_caller: bool,
    department: bool,
}

#[derive(Debug, Clone)]
struct World {
    rooms: Vec<Room>,
    /// Per team: `Some(public?)`, or `None` when the team document is missing.
    teams: Vec<Option<bool>>,
    roles: Vec<&'static str>,
    subscribed: Vec<bool>,
    member_of: Vec<bool>,
    agent_of_department: bool,
    /// `view-livechat-room-closed-same-department` stored for agents (else its default).
    agents_see_department: bool,
}

const ROLES: &[&str] = &["user", "guest", "bot", "anonymous", "livechat-agent", "livechat-manager", "app"];

fn holds(world: &World, defaults: &[&str]) -> bool {
    world.roles.iter().any(|r| defaults.contains(r))
}

fn expected(world: &World, room: usize, depth: usize, seen: &mut Vec<usize>) -> bool {
    let r = &world.rooms[room];
    let view_c = holds(world, &["admin", "user", "bot", "app", "anonymous"]);
    let view_type = match r.kind {
        "c" => view_c,
        "p" => holds(world, &["admin", "user", "anonymous", "guest"]),
        "l" => holds(world, &["livechat-manager", "livechat-monitor", "livechat-agent", "admin"]),
        _ => false,
    };
    const STAFF: &[&str] = &["livechat-manager", "livechat-monitor", "admin"];
    let view_livechat_rooms = holds(world, STAFF);
    let closed_by_another = holds(world, STAFF);
    let closed_same_department = holds(
        world,
        if world.agents_see_department { &["livechat-agent", "livechat-manager"] } else { STAFF },
    );
    let public = r.kind == "c"
        && match r.team {
            None => view_c,
            Some(t) => match world.teams[t] {
                Some(true) => view_c,
                _ => world.member_of[t],
            },
        };
    let joined = world.subscribed[room] && (holds(world, &["guest", "bot", "app", "anonymous"]) || view_type);
    let discussion = match r.parent {
        Some(p) if depth < 8 && !seen.contains(&p) => {
            seen.push(p);
            let ok = expected(world, p, depth + 1, seen);
            seen.pop();
            ok
        }
        _ => false,
    };
    let omni = r.kind == "l"
        && (view_livechat_rooms
            || r.served_by_caller
            || (!r.open && closed_by_another)
            || (!r.open && r.department && world.agent_of_department && closed_same_department));
    public || joined || discussion || omni
}

fn worlds() -> impl Strategy<Value = World> {
    let room = (
        prop::sample::select(vec!["c", "c", "p", "l"]),
        prop::option::of(0..3usize),
        prop::option::of(0..6usize),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(kind, team, parent, open, served_by_caller, department)| Room {
            kind,
            team,
            parent,
            open,
            served_by_caller,
            department,
        });
    (
        prop::collection::vec(room, 6),
        prop::collection::vec(prop::option::of(any::<bool>()), 3),
        prop::sample::subsequence(ROLES.to_vec(), 0..3),
        prop::collection::vec(any::<bool>(), 6),
        prop::collection::vec(any::<bool>(), 3),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(rooms, teams, roles, subscribed, member_of, agent_of_department, agents_see_department)| {
                World {
                    rooms,
                    teams,
                    roles,
                    subscribed,
                    member_of,
                    agent_of_department,
                    agents_see_department,
                }
            },
        )
}

fn export_of(world: &World) -> Export {
    let mut e = Export::default();
    e.permission("manage-outgoing-integrations", &["hooks"]);
    if world.agents_see_department {
        e.permission("view-livechat-room-closed-same-department", &["livechat-agent", "livechat-manager"]);
    }
    let mut roles = world.roles.clone();
    roles.push("hooks");
    e.user("me", &roles, "token-me");
    for (i, room) in world.rooms.iter().enumerate() {
        let mut doc =
            json!({"_id": format!("room{i}"), "name": format!("room{i}"), "t": room.kind, "open": room.open});
        if let Some(t) = room.team {
            doc["teamId"] = json!(format!("team{t}"));
        }
        if let Some(p) = room.parent {
            doc["prid"] = json!(format!("room{p}"));
        }
        if room.served_by_caller {
            doc["servedBy"] = json!({"_id": "me"});
        }
        if room.department {
            doc["departmentId"] = json!("dept");
        }
        e.room_doc(doc);
        if world.subscribed[i] {
            e.subscription(&format!("room{i}"), "me");
        }
    }
    for (t, team) in world.teams.iter().enumerate() {
        if let Some(public) = team {
            e.team(&format!("team{t}"), if *public { 0 } else { 1 });
        }
        if world.member_of[t] {
            e.team_member(&format!("team{t}"), "me");
        }
    }
    if world.agent_of_department {
        e.department_agent("dept", "me");
    }
    e
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn the_endpoint_answers_200_exactly_when_the_rules_allow(world in worlds()) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let h = runtime.block_on(Harness::export(&export_of(&world)));
        for room in 0..world.rooms.len() {
            let reply = runtime.block_on(h.get(
                &[("X-Auth-Token", "token-me"), ("X-User-Id", "me")],
                &format!("roomId=room{room}"),
            ));
            let status = if !["c", "l"].contains(&world.rooms[room].kind) {
                400
            } else if expected(&world, room, 0, &mut vec![room]) {
                200
            } else {
                403
            };
            prop_assert_eq!(reply.status.as_u16(), status, "room{} in {:?}: {}", room, world, reply.text);
        }
    }
}
