//! The importer: a Rocket.Chat export into the tables and back out through the
//! endpoint, field for field.

use crate::support::*;
use rc_integrations::import::{import_dir, ImportError, ImportOptions};
use rc_integrations::local::tables;
use rc_integrations::store::build_client;
use rc_integrations::store::items::{attr, decode};
use rc_integrations::store::Key;
use serde_json::json;
use std::path::Path;

const ADMIN: (&str, &str) = ("admin0000000000001", "admin-token");

fn admin_headers() -> [(&'static str, &'static str); 2] {
    [("X-Auth-Token", ADMIN.1), ("X-User-Id", ADMIN.0)]
}

/// Documents in the forms mongoexport writes: relaxed and canonical Extended JSON.
fn varied() -> Export {
    let mut e = Export::default();
    e.user(ADMIN.0, &["admin"], ADMIN.1)
        .room("room-a", "alpha", "c")
        .room("room-b", "beta", "c")
        .permission("manage-outgoing-integrations", &["admin", "bot"])
        .subscription("room-a", ADMIN.0)
        .team("team-1", 1)
        .team_member("team-1", ADMIN.0)
        .department_agent("dep-1", ADMIN.0);
    e.integrations.push(json!({
        "_id": "relaxed", "type": "webhook-outgoing", "name": "Relaxed ünïcödé ✓", "enabled": true,
        "channel": ["#alpha", "@bob", "#room-b"], "event": "sendMessage",
        "triggerWords": [], "urls": ["https://example.org/hook?a=1&b=2"], "scriptError": null,
        "retryCount": 6, "ratio": 0.25, "nested": {"deep": {"list": [1, "two", {"three": 3}], "empty": {}}},
        "_createdAt": {"$date": "2017-01-05T17:06:05.660Z"},
        "_createdBy": {"_id": ADMIN.0, "username": "admin"},
        "_updatedAt": {"$date": "2018-02-03T04:05:06Z"}
    }));
    e.integrations.push(json!({
        "_id": "canonical", "type": "webhook-incoming", "channel": "#beta",
        "count": {"$numberLong": "9007199254740993"}, "small": {"$numberInt": "7"}, "half": {"$numberDouble": "0.5"},
        "_createdAt": {"$date": {"$numberLong": "1483635965660"}},
        "when": {"$date": 0}
    }));
    e.integrations
        .push(json!({"_id": "no-room", "type": "webhook-outgoing", "channel": ["@alice", "#nowhere"]}));
    e.history.push(json!({
        "_id": "run-1", "type": "outgoing-webhook", "step": "finished",
        "integration": {"_id": "relaxed", "_createdBy": {"_id": ADMIN.0}},
        "_updatedAt": {"$date": "2018-02-03T04:05:06.000Z"}, "data": {"text": "ünïcödé"}
    }));
    e
}

#[tokio::test]
async fn documents_come_back_field_for_field() {
    let h = Harness::export(&varied()).await;
    assert_eq!(h.summary.integrations, 3);
    assert_eq!(
        h.summary.integration_items, 6,
        "relaxed ×2 rooms, canonical ×1, no-room under none; each once more under the workspace"
    );
    assert_eq!(h.summary.unplaced_integrations, 1);
    let alpha = h.get(&admin_headers(), "roomId=room-a&includeAllPublicChannels=false").await;
    let expected_relaxed = json!({
        "_id": "relaxed", "type": "webhook-outgoing", "name": "Relaxed ünïcödé ✓", "enabled": true,
        "channel": ["#alpha", "@bob", "#room-b"], "event": "sendMessage",
        "triggerWords": [], "urls": ["https://example.org/hook?a=1&b=2"], "scriptError": null,
        "retryCount": 6, "ratio": 0.25, "nested": {"deep": {"list": [1, "two", {"three": 3}], "empty": {}}},
        "_createdAt": "2017-01-05T17:06:05.660Z",
        "_createdBy": {"_id": ADMIN.0, "username": "admin"},
        "_updatedAt": "2018-02-03T04:05:06.000Z"
    });
    assert_eq!(alpha.body["integrations"], json!([expected_relaxed.clone()]));
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&alpha.body["integrations"][0]), keys(&expected_relaxed));

    let beta = h.get(&admin_headers(), "roomName=beta&includeAllPublicChannels=false&count=0").await;
    assert_eq!(beta.ids(), ["canonical", "relaxed"]);
    assert_eq!(
        beta.body["integrations"][0],
        json!({"_id": "canonical", "type": "webhook-incoming", "channel": "#beta",
            "count": 9007199254740993_i64, "small": 7, "half": 0.5,
            "_createdAt": "2017-01-05T17:06:05.660Z", "when": "1970-01-01T00:00:00.000Z"})
    );
}

/// Every table's items as sorted text, but the sync table's (the states' versions
/// are each import's own by design).
async fn scan_all(h: &Harness) -> Vec<String> {
    let mut rows = Vec::new();
    for table in h.tables.all().into_iter().filter(|t| *t != h.tables.sync) {
        let out = h.client.scan().table_name(table).send().await.unwrap();
        let mut items: Vec<String> = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| {
                let mut pairs: Vec<_> = item.into_iter().map(|(k, v)| format!("{k}={v:?}")).collect();
                pairs.sort();
                pairs.join(",")
            })
            .collect();
        items.sort();
        rows.push(format!("{}: {}", table.split_once("rc_").unwrap().1, items.join(" | ")));
    }
    rows
}

async fn reimport(
    h: &Harness,
    dir: &Path,
    prune: bool,
) -> Result<rc_integrations::import::Summary, ImportError> {
    let options = ImportOptions { prune, ..ImportOptions::from_env() };
    import_dir(&h.client, &h.tables, dir, options).await
}

#[tokio::test]
async fn importing_twice_gives_the_same_tables() {
    let export = varied();
    let dir = export.write();
    let h = Harness::from_dir(dir.path()).await;
    let first = scan_all(&h).await;
    assert!(first.iter().all(|t| !t.ends_with(": ")), "every table has items: {first:?}");
    let summary = reimport(&h, dir.path(), false).await.unwrap();
    assert_eq!(summary, h.summary);
    assert_eq!(scan_all(&h).await, first);
}

#[tokio::test]
async fn pruning_removes_what_the_export_no_longer_has() {
    let mut export = varied();
    export.user("leaver00000000001", &["admin"], "leaver-token");
    let h = Harness::export(&export).await;
    let leaver = [("X-Auth-Token", "leaver-token"), ("X-User-Id", "leaver00000000001")];
    assert_eq!(h.get(&leaver, "roomId=room-a").await.status, 200);
    // The relaxed integration leaves alpha; the leaver and their token are gone.
    let mut next = varied();
    next.integrations[0]["channel"] = json!(["#beta"]);
    let dir = next.write();
    let summary = reimport(&h, dir.path(), true).await.unwrap();
    assert_eq!(summary.pruned, 1, "the user, with their token; the integration moved");
    assert_eq!(h.get(&leaver, "roomId=room-a").await.status, 401);
    let alpha = h.get(&admin_headers(), "roomId=room-a&includeAllPublicChannels=false").await;
    assert_eq!(alpha.ids(), Vec::<String>::new());
    let fresh = Harness::from_dir(dir.path()).await;
    let without_table_names = |rows: Vec<String>| {
        rows.into_iter().map(|r| r.split_once(": ").unwrap().1.to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(without_table_names(scan_all(&h).await), without_table_names(scan_all(&fresh).await));
}

#[tokio::test]
async fn malformed_files_are_reported_by_file_and_line_and_nothing_is_written() {
    let good = varied().write();
    let dir = tempfile::tempdir().unwrap();
    for file in ["users.json", "rocketchat_room.json", "rocketchat_integrations.json"] {
        std::fs::copy(good.path().join(file), dir.path().join(file)).unwrap();
    }
    let mut integrations = std::fs::read_to_string(dir.path().join("rocketchat_integrations.json")).unwrap();
    integrations.push_str("{\"_id\": \"bad-date\", \"_createdAt\": {\"$date\": \"not a date\"}}\n");
    integrations.push_str("{\"_id\": 5}\n");
    integrations.push_str("{broken\n");
    std::fs::write(dir.path().join("rocketchat_integrations.json"), integrations).unwrap();
    std::fs::write(
        dir.path().join("rocketchat_room.json"),
        "[\n{\"_id\": \"r\", \"t\": \"c\"},\n{\"name\": \"no id\"}\n]",
    )
    .unwrap();

    let client = build_client(&endpoint(), &test_store_settings()).await;
    let names = fresh_tables();
    tables::create_missing(&client, &names).await.unwrap();
    let error = import_dir(&client, &names, dir.path(), ImportOptions::from_env()).await.unwrap_err();
    // Invalid JSON and invalid documents come in one report, each with its place.
    let text = error.to_string();
    assert!(text.contains("rocketchat_integrations.json:6: invalid JSON"), "{text}");
    assert!(text.contains("rocketchat_integrations.json:4: invalid $date"), "{text}");
    assert!(text.contains("rocketchat_integrations.json:5: `_id` must be a non-empty string"), "{text}");
    assert!(text.contains("rocketchat_room.json:3: `_id` must be a non-empty string"), "{text}");
    assert_eq!(text.lines().count(), 4, "{text}");
    for table in names.all() {
        let count = client.scan().table_name(table).send().await.unwrap().count;
        assert_eq!(count, 0, "{table} must stay empty");
    }
    // A missing required file is named.
    std::fs::remove_file(dir.path().join("users.json")).unwrap();
    let text =
        import_dir(&client, &names, dir.path(), ImportOptions::from_env()).await.unwrap_err().to_string();
    assert!(text.contains("users.json"), "{text}");
}

/// Every item of `table`, by scanning it.
async fn items_of(h: &Harness, table: &str) -> Vec<rc_integrations::store::items::Item> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = h.client.scan().table_name(table).set_exclusive_start_key(start).send().await.unwrap();
        items.extend(page.items.unwrap_or_default());
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return items,
        }
    }
}

#[tokio::test]
async fn rooms_keep_what_the_access_rules_need() {
    use rc_integrations::model::RoomRecord;
    use rc_integrations::store::items::room_from;
    let mut export = Export::default();
    export.user(ADMIN.0, &["admin"], ADMIN.1);
    export
        .room_doc(json!({"_id": "team-chan", "name": "t", "t": "c", "teamId": "team-1", "open": "yes"}))
        .room_doc(json!({"_id": "disc", "name": "d", "t": "p", "prid": "team-chan", "teamId": null}))
        .room_doc(json!({
            "_id": "live", "t": "l", "open": true, "departmentId": "dep",
            "servedBy": {"_id": "agent-1", "username": "agent", "ts": {"$date": "2020-01-01T00:00:00Z"}}
        }))
        .room_doc(json!({"_id": "closed", "t": "l", "open": false, "servedBy": null}));
    let h = Harness::export(&export).await;
    let mut rooms: Vec<RoomRecord> =
        items_of(&h, &h.tables.rooms).await.iter().map(|i| room_from(i).unwrap()).collect();
    rooms.sort_by(|a, b| a.id.cmp(&b.id));
    let room = |id: &str, name: Option<&str>, kind: &str| RoomRecord {
        id: id.into(),
        name: name.map(Into::into),
        kind: kind.into(),
        ..Default::default()
    };
    assert_eq!(
        rooms,
        [
            room("closed", None, "l"),
            RoomRecord { parent_id: Some("team-chan".into()), ..room("disc", Some("d"), "p") },
            RoomRecord {
                open: true,
                served_by: Some("agent-1".into()),
                department_id: Some("dep".into()),
                ..room("live", None, "l")
            },
            RoomRecord { team_id: Some("team-1".into()), ..room("team-chan", Some("t"), "c") },
        ]
    );
}

/// An export with one of each access-rule collection, in relaxed and canonical forms.
fn with_memberships() -> Export {
    let mut e = Export::default();
    e.user(ADMIN.0, &["admin"], ADMIN.1).room("room-a", "alpha", "c");
    e.subscription("room-a", ADMIN.0).subscription("room-b", "u2");
    e.team("team-pub", 0);
    e.teams.push(json!({"_id": "team-priv", "name": "p", "type": {"$numberInt": "1"}}));
    e.team_member("team-priv", ADMIN.0).department_agent("dep-1", "agent-1");
    e
}

/// The keys and records stored in the teams and memberships tables, sorted.
async fn access_records(h: &Harness) -> Vec<String> {
    let mut records = Vec::new();
    for table in [&h.tables.teams, &h.tables.memberships] {
        for item in items_of(h, table).await {
            let (key, record) = decode(table, &item, &h.tables).expect("a decodable item");
            records.push(format!("{key:?} => {record:?}"));
        }
    }
    records.sort();
    records
}

#[tokio::test]
async fn access_collections_round_trip() {
    let h = Harness::export(&with_memberships()).await;
    assert_eq!(
        (h.summary.subscriptions, h.summary.teams, h.summary.team_members, h.summary.department_agents),
        (2, 2, 1, 1)
    );
    assert_eq!(
        access_records(&h).await,
        [
            "DepartmentAgent { department: \"dep-1\", user: \"agent-1\" } => Member",
            "Subscription { room: \"room-a\", user: \"admin0000000000001\" } => Member",
            "Subscription { room: \"room-b\", user: \"u2\" } => Member",
            "Team(\"team-priv\") => Team(Private)",
            "Team(\"team-pub\") => Team(Public)",
            "TeamMember { team: \"team-priv\", user: \"admin0000000000001\" } => Member",
        ]
    );
}

#[tokio::test]
async fn absent_access_files_are_empty_collections() {
    let dir = with_memberships().write();
    for file in [
        "rocketchat_subscription.json",
        "rocketchat_team.json",
        "rocketchat_team_member.json",
        "rocketchat_livechat_department_agents.json",
        "rocketchat_permissions.json",
    ] {
        std::fs::remove_file(dir.path().join(file)).unwrap();
    }
    let h = Harness::from_dir(dir.path()).await;
    assert_eq!(
        (h.summary.subscriptions, h.summary.teams, h.summary.team_members, h.summary.department_agents),
        (0, 0, 0, 0)
    );
    assert_eq!(access_records(&h).await, Vec::<String>::new());
    assert_eq!(h.summary.users, 1);
}

/// Imports `dir` into fresh tables and returns the error text; asserts that no
/// table received anything.
async fn import_error(dir: &Path) -> String {
    let client = build_client(&endpoint(), &test_store_settings()).await;
    let names = fresh_tables();
    tables::create_missing(&client, &names).await.unwrap();
    let error = import_dir(&client, &names, dir, ImportOptions::from_env()).await.unwrap_err();
    for table in names.all() {
        let count = client.scan().table_name(table).send().await.unwrap().count;
        assert_eq!(count, 0, "{table} must stay empty");
    }
    error.to_string()
}

#[tokio::test]
async fn malformed_access_documents_are_reported_by_file_and_line_and_nothing_is_written() {
    let mut export = with_memberships();
    export.subscriptions.push(json!({"_id": "s3", "rid": "room-a", "u": {"username": "x"}}));
    export.subscriptions.push(json!({"_id": "s4", "rid": 7, "u": {"_id": "u"}}));
    export.teams.push(json!({"_id": "t3", "type": "private"}));
    export.team_members.push(json!({"_id": "m2", "teamId": "team-pub"}));
    export.department_agents.push(json!({"_id": "a2", "agentId": "", "departmentId": "d"}));
    export.rooms.push(json!({"_id": "r9", "t": "c", "teamId": 5}));
    let text = import_error(export.write().path()).await;
    for expected in [
        "rocketchat_subscription.json:3: `u._id` must be a non-empty string",
        "rocketchat_subscription.json:4: `rid` must be a non-empty string",
        "rocketchat_team.json:3: `type` must be an integer (0 public, 1 private)",
        "rocketchat_team_member.json:2: `userId` must be a non-empty string",
        "rocketchat_livechat_department_agents.json:2: `agentId` must be a non-empty string",
        "rocketchat_room.json:2: `teamId` must be a non-empty string or null",
    ] {
        assert!(text.lines().any(|l| l == expected), "{expected:?} not in:\n{text}");
    }
    assert_eq!(text.lines().count(), 6, "{text}");

    // Invalid JSON in a new file is reported the same way.
    let dir = with_memberships().write();
    let path = dir.path().join("rocketchat_team_member.json");
    let text = std::fs::read_to_string(&path).unwrap() + "{\"teamId\": \n";
    std::fs::write(&path, text).unwrap();
    let text = import_error(dir.path()).await;
    assert!(text.starts_with("rocketchat_team_member.json:2: invalid JSON"), "{text}");
}

#[tokio::test]
async fn pruning_removes_stale_memberships_and_teams() {
    let dir = with_memberships().write();
    let h = Harness::from_dir(dir.path()).await;
    let mut next = with_memberships();
    next.subscriptions.retain(|s| s["rid"] == "room-a");
    next.teams.retain(|t| t["_id"] == "team-priv");
    next.department_agents.clear();
    let dir = next.write();
    let summary = reimport(&h, dir.path(), true).await.unwrap();
    assert_eq!(summary.pruned, 3, "a subscription, a team and a department agent");
    assert_eq!(
        access_records(&h).await,
        [
            "Subscription { room: \"room-a\", user: \"admin0000000000001\" } => Member",
            "Team(\"team-priv\") => Team(Private)",
            "TeamMember { team: \"team-priv\", user: \"admin0000000000001\" } => Member",
        ]
    );
    // Without --prune nothing is deleted.
    let dir = with_memberships().write();
    reimport(&h, dir.path(), false).await.unwrap();
    let dir = next.write();
    assert_eq!(reimport(&h, dir.path(), false).await.unwrap().pruned, 0);
    assert_eq!(access_records(&h).await.len(), 6);
}

#[tokio::test]
async fn a_json_array_file_streams_with_line_numbers() {
    let dir = with_memberships().write();
    // `mongoexport --jsonArray --pretty`: one element over several lines.
    let pretty = |rid: &str, user: &str| {
        format!("  {{\n    \"_id\": \"s-{rid}\",\n    \"rid\": \"{rid}\",\n    \"u\": {{\n      \"_id\": \"{user}\"\n    }}\n  }}")
    };
    let path = dir.path().join("rocketchat_subscription.json");
    let broken = format!(
        "[\n{},\n{},\n  {{\"rid\": \"x\", \"u\": {{}}}},\n  {{\"rid\": oops}}\n]\n",
        pretty("r1", "u1"),
        pretty("r2", "u2")
    );
    std::fs::write(&path, broken).unwrap();
    let text = import_error(dir.path()).await;
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [
            "rocketchat_subscription.json:16: `u._id` must be a non-empty string",
            "rocketchat_subscription.json:17: invalid JSON: expected value (column 11)",
        ]
    );
    let fixed = format!("[\n{},\n{}\n]\n", pretty("r1", "u1"), pretty("r2", "u2"));
    std::fs::write(&path, fixed).unwrap();
    let h = Harness::from_dir(dir.path()).await;
    assert_eq!(h.summary.subscriptions, 2);
    let records = access_records(&h).await;
    let subscriptions: Vec<&String> = records.iter().filter(|r| r.starts_with("Subscription")).collect();
    assert_eq!(
        subscriptions,
        [
            "Subscription { room: \"r1\", user: \"u1\" } => Member",
            "Subscription { room: \"r2\", user: \"u2\" } => Member",
        ]
    );
}

#[tokio::test]
async fn a_large_subscriptions_file_is_imported_whole() {
    const ROOMS: usize = 200;
    const USERS: usize = 100;
    let dir = with_memberships().write();
    let mut text = String::new();
    for i in 0..ROOMS * USERS {
        let (room, user) = (i / USERS, i % USERS);
        text.push_str(&format!(
            "{{\"_id\":\"s{i}\",\"rid\":\"room-{room}\",\"u\":{{\"_id\":\"user-{user}\",\"username\":\"n{user}\"}},\"t\":\"c\",\"open\":true}}\n"
        ));
    }
    std::fs::write(dir.path().join("rocketchat_subscription.json"), text).unwrap();
    let h = Harness::from_dir(dir.path()).await;
    assert_eq!(h.summary.subscriptions, ROOMS * USERS);
    let mut pairs: Vec<(usize, usize)> = items_of(&h, &h.tables.memberships)
        .await
        .iter()
        .filter_map(|item| match decode(&h.tables.memberships, item, &h.tables) {
            Some((Key::Subscription { room, user }, _)) => {
                let number = |s: &str, prefix| s.strip_prefix(prefix).unwrap().parse::<usize>().unwrap();
                Some((number(&room, "room-"), number(&user, "user-")))
            }
            _ => None,
        })
        .collect();
    pairs.sort();
    let expected: Vec<(usize, usize)> = (0..ROOMS).flat_map(|r| (0..USERS).map(move |u| (r, u))).collect();
    assert_eq!(pairs.len(), expected.len());
    assert!(pairs == expected, "every (room, user) pair exactly once");
}

#[tokio::test]
async fn repeated_ids_repeated_room_names_and_oversized_items_are_refused_before_any_write() {
    let mut export = with_memberships();
    export.user(ADMIN.0, &["user"], "another-token");
    export.room("room-z", "alpha", "c").room("room-y", "", "c");
    export.integration("hook", "webhook-outgoing", json!(["#alpha"]), None);
    export.integration("hook", "webhook-incoming", json!("#alpha"), None);
    export.integration("huge", "webhook-outgoing", json!([]), None);
    export.integrations.last_mut().unwrap()["script"] = json!("x".repeat(410_000));
    let text = import_error(export.write().path()).await;
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [
            "users.json:2: _id: \"admin0000000000001\" repeats the user of line 1",
            "rocketchat_room.json:2: name: \"alpha\" is also the name of the room at rocketchat_room.json:1",
            "rocketchat_room.json:3: name: must not be empty",
            "rocketchat_integrations.json:2: _id: \"hook\" repeats the integration of line 1",
            "rocketchat_integrations.json:3: _id: \"huge\": its integrations item is 410216 bytes, over DynamoDB's 400 KB item limit",
        ]
    );
}

#[tokio::test]
async fn a_byte_order_mark_is_accepted() {
    let dir = with_memberships().write();
    for file in ["users.json", "rocketchat_team.json"] {
        let path = dir.path().join(file);
        let text = format!("\u{FEFF}{}", std::fs::read_to_string(&path).unwrap());
        std::fs::write(&path, text).unwrap();
    }
    let h = Harness::from_dir(dir.path()).await;
    assert_eq!((h.summary.users, h.summary.teams), (1, 2));
    assert_eq!(h.get(&admin_headers(), "roomId=room-a").await.status, 200);
}

#[tokio::test]
async fn dynamodb_errors_are_one_line_naming_the_table_with_a_hint() {
    let dir = with_memberships().write();
    // Tables never created.
    let client = build_client(&endpoint(), &test_store_settings()).await;
    let names = fresh_tables();
    let text =
        import_dir(&client, &names, dir.path(), ImportOptions::from_env()).await.unwrap_err().to_string();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(names.all().iter().any(|t| text.contains(&format!("table {t} does not exist"))), "{text}");
    assert!(text.contains("--create-tables"), "{text}");
    // Nothing listening.
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let settings = rc_integrations::config::StoreSettings {
        request_budget: std::time::Duration::from_secs(2),
        max_attempts: 1,
        ..Default::default()
    };
    let client =
        build_client(&rc_integrations::store::Endpoint::Local(format!("http://{unused}")), &settings).await;
    let text =
        import_dir(&client, &names, dir.path(), ImportOptions::from_env()).await.unwrap_err().to_string();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.len() < 400, "{text}");
    assert!(text.contains("could not be reached") && text.contains("AWS_ENDPOINT_URL_DYNAMODB"), "{text}");
}

/// The command line: a bad export is reported before any client or table exists, so
/// `--create-tables` creates nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_bad_export_creates_no_tables() {
    let mut export = Export::default();
    export.user("u1", &["admin"], "t");
    export.users.push(json!({"_id": 7}));
    let dir = export.write();
    let names = fresh_tables();
    let output = import_command(dir.path(), &names, &["--create-tables"]).output().expect("run import");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("users.json:2"), "{stderr}");
    let client = build_client(&endpoint(), &test_store_settings()).await;
    let described = client.describe_table().table_name(&names.users).send().await;
    assert!(described.is_err(), "tables were created for a bad export");
}

/// `rc-integrations import DIR ARGS…` against the test endpoint, into `names`.
fn import_command(
    dir: &Path,
    names: &rc_integrations::config::TableNames,
    args: &[&str],
) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_rc-integrations"));
    command
        .arg("import")
        .arg(dir)
        .args(args)
        .env("AWS_ENDPOINT_URL_DYNAMODB", endpoint_url())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1");
    for ((_, variable, _), name) in rc_integrations::config::TABLES.iter().zip(names.all()) {
        command.env(variable, name);
    }
    command
}

/// The command line mirrors the export by default: an integration moved to another
/// room stops being served, old webhook token and all, from the room it left (its
/// document's new state replaces the old, `--keep-stale` or not), and one the
/// export no longer has is deleted unless `--keep-stale` keeps it.
#[tokio::test(flavor = "multi_thread")]
async fn a_reimport_mirrors_the_export_unless_told_to_keep_stale_items() {
    let export = |room: &str| {
        let mut e = Export::default();
        e.user(ADMIN.0, &["admin"], ADMIN.1).room("room-a", "alpha", "c").room("room-b", "beta", "c");
        e.integration("moving", "webhook-incoming", json!([format!("#{room}")]), None);
        if room == "alpha" {
            e.integration("leaving", "webhook-incoming", json!(["#alpha"]), None);
        }
        e
    };
    let names = fresh_tables();
    let run = |export: Export, args: &'static [&'static str]| {
        let names = names.clone();
        async move {
            let dir = export.write();
            let output = import_command(dir.path(), &names, args).output().expect("run import");
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        }
    };
    let client = build_client(&endpoint(), &test_store_settings()).await;
    let targets = || {
        let client = client.clone();
        let table = names.integrations.clone();
        async move {
            let scan = client.scan().table_name(table).send().await.unwrap();
            let mut targets: Vec<String> = scan
                .items
                .unwrap_or_default()
                .iter()
                .map(|i| i[attr::TARGET].as_s().unwrap().clone())
                .collect();
            targets.sort();
            targets
        }
    };
    run(export("alpha"), &["--create-tables"]).await;
    assert_eq!(targets().await, ["*workspace", "*workspace", "room-a", "room-a"]);
    run(export("beta"), &["--keep-stale"]).await;
    assert_eq!(
        targets().await,
        ["*workspace", "*workspace", "room-a", "room-b"],
        "moved, and --keep-stale keeps the one left out"
    );
    run(export("beta"), &[]).await;
    assert_eq!(targets().await, ["*workspace", "room-b"], "by default the stale copy goes");
}
