//! Live sync (the sync contract): `import S₀` then the change events answers every
//! request as `import S₁` does, whatever the interleaving of different documents'
//! events, with repeats and stale replays, in either event format.

use crate::support::{Export, Harness};
use proptest::prelude::*;
use rc_integrations::config::PageSettings;
use rc_integrations::import::ImportOptions;
use rc_integrations::ingest::Collection;
use rc_integrations::store::items::attr;
use rc_integrations::sync::{event, Applier, Event, Outcome, Version};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::time::Duration;

/// A small deterministic generator (xorshift), seeded by proptest.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const USERS: [&str; 4] = ["u0", "u1", "u2", "u3"];
const ROOMS: [&str; 4] = ["r0", "r1", "r2", "r3"];
/// Room names, one of which is also another room's id: `#r1` then means room r1
/// while it exists, and the room named `r1` once it does not.
const NAMES: [&str; 6] = ["alpha", "beta", "gamma", "delta", "r1", "omega"];
const INTEGRATIONS: [&str; 5] = ["i0", "i1", "i2", "i3", "i4"];

/// A workspace: each document by collection and `_id`.
type World = BTreeMap<(Collection, String), Json>;

fn token(user: &str, n: usize) -> String {
    format!("token-{user}-{n}")
}

/// A random workspace. Room names are unique within it (Rocket.Chat's are), and
/// each membership document keeps its room-or-team while its user may change, as
/// no two documents ever make the same membership.
fn world(rng: &mut Rng) -> World {
    let mut w = World::new();
    let mut names: Vec<&str> = NAMES.to_vec();
    for user in USERS {
        if rng.chance(85) {
            let tokens: Vec<Json> = (0..3)
                .filter(|_| rng.chance(50))
                .map(|n| {
                    json!({"type": "personalAccessToken", "name": "t",
                           "hashedToken": rc_integrations::auth::hash_token(&token(user, n))})
                })
                .collect();
            let roles =
                rng.pick(&[json!(["admin"]), json!(["user", "bot-builder"]), json!(["user"])]).clone();
            w.insert(
                (Collection::Users, user.into()),
                json!({"_id": user, "username": format!("name-{user}"), "roles": roles,
                       "active": rng.chance(90), "services": {"resume": {"loginTokens": tokens}}}),
            );
        }
    }
    for room in ROOMS {
        if rng.chance(80) {
            let name = names.remove(rng.below(names.len()));
            let kind = *rng.pick(&["c", "c", "p"]);
            w.insert((Collection::Rooms, room.into()), json!({"_id": room, "name": name, "t": kind}));
        }
    }
    let targets: Vec<String> = NAMES
        .iter()
        .chain(&ROOMS)
        .map(|t| format!("#{t}"))
        .chain(["all_public_channels".into(), "@u1".into()])
        .collect();
    for (n, id) in INTEGRATIONS.iter().enumerate() {
        if rng.chance(80) {
            let channel: Vec<&String> = (0..1 + rng.below(3)).map(|_| rng.pick(&targets)).collect();
            let kind = *rng.pick(&["webhook-outgoing", "webhook-incoming"]);
            let creator = *rng.pick(&USERS);
            w.insert(
                (Collection::Integrations, (*id).into()),
                json!({"_id": id, "type": kind, "name": format!("hook {id} v{}", rng.below(9)), "enabled": true,
                       "channel": channel, "token": format!("secret-{id}-{}", rng.below(9)),
                       "_createdAt": {"$date": format!("2020-01-0{}T00:00:00.000Z", 1 + n)},
                       "_createdBy": {"_id": creator, "username": format!("name-{creator}")}}),
            );
        }
    }
    for (n, room) in ROOMS.iter().enumerate() {
        if rng.chance(60) {
            let id = format!("s{n}");
            let user = *rng.pick(&USERS);
            w.insert(
                (Collection::Subscriptions, id.clone()),
                json!({"_id": id, "rid": room, "u": {"_id": user}}),
            );
        }
    }
    for team in ["t0", "t1"] {
        if rng.chance(70) {
            w.insert((Collection::Teams, team.into()), json!({"_id": team, "type": rng.below(2)}));
        }
    }
    for (n, user) in USERS.iter().enumerate().take(2) {
        if rng.chance(60) {
            let id = format!("m{n}");
            let team = *rng.pick(&["t0", "t1"]);
            w.insert(
                (Collection::TeamMembers, id.clone()),
                json!({"_id": id, "teamId": team, "userId": user}),
            );
        }
        if rng.chance(50) {
            let id = format!("a{n}");
            let department = *rng.pick(&["d0", "d1"]);
            w.insert(
                (Collection::DepartmentAgents, id.clone()),
                json!({"_id": id, "departmentId": department, "agentId": user}),
            );
        }
    }
    if rng.chance(70) {
        let roles = rng.pick(&[json!(["admin"]), json!(["admin", "bot-builder"]), json!([])]).clone();
        w.insert(
            (Collection::Permissions, "manage-outgoing-integrations".into()),
            json!({"_id": "manage-outgoing-integrations", "roles": roles}),
        );
    }
    w
}

fn export_of(world: &World) -> Export {
    let mut e = Export::default();
    for ((collection, _), doc) in world {
        let list = match collection {
            Collection::Users => &mut e.users,
            Collection::Rooms => &mut e.rooms,
            Collection::Permissions => &mut e.permissions,
            Collection::Integrations => &mut e.integrations,
            Collection::Subscriptions => &mut e.subscriptions,
            Collection::Teams => &mut e.teams,
            Collection::TeamMembers => &mut e.team_members,
            Collection::DepartmentAgents => &mut e.department_agents,
            Collection::IntegrationHistory => &mut e.history,
        };
        list.push(doc.clone());
    }
    e
}

/// One change event as a line, in a random one of the formats.
fn line(rng: &mut Rng, collection: Collection, id: &str, version: (u64, u32), doc: Option<&Json>) -> String {
    let (seconds, ordinal) = version;
    if rng.chance(50) {
        let mut event = json!({
            "_id": {"_data": format!("{seconds}{ordinal}")},
            "operationType": if doc.is_some() { *rng.pick(&["insert", "update", "replace"]) } else { "delete" },
            "clusterTime": {"$timestamp": {"t": seconds, "i": ordinal}},
            "ns": {"db": "rocketchat", "coll": collection.name()},
            "documentKey": {"_id": id},
        });
        if let Some(doc) = doc {
            event["fullDocument"] = doc.clone();
        }
        event.to_string()
    } else {
        let payload = json!({
            "op": if doc.is_some() { *rng.pick(&["c", "u", "r"]) } else { "d" },
            "after": doc.map(|d| Json::String(d.to_string())),
            "source": {"connector": "mongodb", "collection": collection.name(),
                       "ts_ms": seconds * 1000, "ord": ordinal},
        });
        let value =
            if rng.chance(50) { json!({"schema": {"type": "struct"}, "payload": payload}) } else { payload };
        json!({"key": {"id": Json::String(json!(id).to_string())}, "value": value}).to_string()
    }
}

/// The events from `s0` to `s1`: per document a few random intermediate states
/// then its final one, interleaved across documents, with repeats and late
/// replays of older events, and noise the sync must ignore.
fn events(rng: &mut Rng, s0: &World, s1: &World) -> Vec<String> {
    let mut keys: Vec<&(Collection, String)> = s0.keys().chain(s1.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut per_doc: Vec<Vec<String>> = Vec::new();
    let mut clock = 1_800_000_000u64;
    for key in keys {
        if s0.get(key) == s1.get(key) && rng.chance(60) {
            continue;
        }
        let mut lines = Vec::new();
        let intermediate = rng.below(3);
        for step in 0..=intermediate {
            clock += 1 + rng.below(3) as u64;
            let version = (clock, rng.below(4) as u32);
            let doc = if step == intermediate {
                s1.get(key).cloned()
            } else {
                let other = world(rng);
                other.get(key).cloned().or_else(|| rng.chance(50).then(|| s1.get(key).cloned()).flatten())
            };
            lines.push(line(rng, key.0, &key.1, version, doc.as_ref()));
        }
        per_doc.push(lines);
    }
    // Interleave, keeping each document's order; repeat and replay some.
    let mut out = Vec::new();
    let mut cursors = vec![0; per_doc.len()];
    while cursors.iter().zip(&per_doc).any(|(c, l)| *c < l.len()) {
        let open: Vec<usize> = (0..per_doc.len()).filter(|d| cursors[*d] < per_doc[*d].len()).collect();
        let d = *rng.pick(&open);
        out.push(per_doc[d][cursors[d]].clone());
        if rng.chance(15) {
            out.push(per_doc[d][cursors[d]].clone());
        }
        if cursors[d] > 0 && rng.chance(15) {
            out.push(per_doc[d][rng.below(cursors[d])].clone());
        }
        cursors[d] += 1;
        if rng.chance(5) {
            out.push(r#"{"operationType":"insert","clusterTime":{"$timestamp":{"t":1,"i":1}},"ns":{"db":"rocketchat","coll":"rocketchat_message"},"documentKey":{"_id":"m"},"fullDocument":{"_id":"m"}}"#.into());
        }
    }
    out
}

/// Every item of every table but the sync states, as sorted text.
async fn tables_text(h: &Harness) -> Vec<String> {
    let mut rows = Vec::new();
    for table in h.tables.all() {
        let scan = h.client.scan().table_name(table).consistent_read(true).send().await.unwrap();
        assert!(scan.last_evaluated_key.is_none(), "one page is enough here");
        let mut items: Vec<String> = scan
            .items
            .unwrap_or_default()
            .into_iter()
            .filter(|item| {
                !item.get(attr::PK).and_then(|v| v.as_s().ok()).is_some_and(|pk| pk.starts_with("doc#"))
            })
            .map(|item| {
                let mut pairs: Vec<String> = item.into_iter().map(|(k, v)| format!("{k}={v:?}")).collect();
                pairs.sort();
                pairs.join(",")
            })
            .collect();
        items.sort();
        rows.push(format!("{}: {}", table.rsplit_once("rc_").unwrap().1, items.join(" | ")));
    }
    rows
}

/// Every caller, room and a few parameter sets: the answers' statuses and bodies.
async fn answers(h: &Harness) -> Vec<String> {
    let mut out = Vec::new();
    let mut callers: Vec<(String, String)> =
        USERS.iter().enumerate().map(|(n, u)| (u.to_string(), token(u, n % 3))).collect();
    callers.push(("u0".into(), "wrong".into()));
    let mut rooms: Vec<String> = ROOMS.iter().map(|r| format!("roomId={r}")).collect();
    rooms.extend(NAMES.iter().map(|n| format!("roomName={n}")));
    for (user, token) in &callers {
        for room in &rooms {
            for extra in ["", "&includeAllPublicChannels=false&count=0"] {
                let reply = h.get_as((user, token), &format!("{room}{extra}")).await;
                if reply.status == 401 && token != "wrong" {
                    continue; // that token is not in this world: as in the other
                }
                out.push(format!("{user}/{token} {room}{extra} → {} {}", reply.status, reply.text));
            }
        }
    }
    out
}

async fn applier_for(h: &Harness) -> Applier {
    Applier::new(h.client.clone(), h.tables.clone(), 90, Duration::from_secs(86_400))
}

/// Applies the lines in batches of random sizes, as Lambda or the CLI would.
async fn apply_lines(applier: &Applier, rng: &mut Rng, lines: &[String]) {
    let mut rest = lines;
    while !rest.is_empty() {
        let take = (1 + rng.below(12)).min(rest.len());
        let (batch, tail) = rest.split_at(take);
        rest = tail;
        let changes: Vec<_> = batch
            .iter()
            .filter_map(|l| match event::parse_line(l).unwrap_or_else(|e| panic!("{l}: {e}")) {
                Event::Change(c) => Some(c),
                Event::Ignored(_) => None,
            })
            .collect();
        let report = applier.apply(changes).await.expect("DynamoDB");
        for outcome in report.outcomes {
            assert!(!matches!(outcome, Outcome::Failed(_)), "{outcome:?}");
        }
    }
}

fn options(as_of: u64) -> ImportOptions {
    ImportOptions { as_of: Version::new(as_of, 0), ..ImportOptions::from_env() }
}

async fn check_sync_equals_import(seed: u64) {
    let mut rng = Rng(seed | 1);
    let s0 = world(&mut rng);
    let s1 = world(&mut rng);
    let lines = events(&mut rng, &s0, &s1);
    let dir0 = export_of(&s0).write();
    let synced = Harness::imported(dir0.path(), PageSettings::default(), options(1_000)).await;
    apply_lines(&applier_for(&synced).await, &mut rng, &lines).await;
    let dir1 = export_of(&s1).write();
    let imported = Harness::imported(dir1.path(), PageSettings::default(), options(1_000)).await;
    assert_eq!(tables_text(&synced).await, tables_text(&imported).await, "tables, seed {seed}");
    assert_eq!(answers(&synced).await, answers(&imported).await, "answers, seed {seed}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// The property of the sync contract, over random workspaces and changes.
    #[test]
    fn sync_of_the_changes_equals_an_import_of_the_final_state(seed in any::<u64>()) {
        tokio::runtime::Runtime::new().unwrap().block_on(check_sync_equals_import(seed));
    }
}

/// The cases named in the contract, one by one.
#[tokio::test]
async fn an_integration_before_its_room_and_a_room_renamed_after_it_converge() {
    let mut s0 = Export::default();
    s0.user("admin", &["admin"], "admin-token");
    let h = Harness::imported(s0.write().path(), PageSettings::default(), options(1_000)).await;
    let applier = applier_for(&h).await;
    let mut rng = Rng(7);
    let hook = json!({"_id": "hook", "type": "webhook-incoming", "name": "h", "channel": ["#news"],
                      "_createdAt": {"$date": "2020-01-01T00:00:00.000Z"}});
    let lines = [
        line(&mut rng, Collection::Integrations, "hook", (1_800_000_001, 0), Some(&hook)),
        line(
            &mut rng,
            Collection::Rooms,
            "room1",
            (1_800_000_002, 0),
            Some(&json!({"_id": "room1", "name": "news", "t": "c"})),
        ),
    ];
    apply_lines(&applier, &mut rng, &lines).await;
    assert_eq!(listed(&h, "room1").await, ["hook"], "placed once its room arrived");
    // Renamed away: `#news` names no room any more; then another room takes the name.
    let lines = [
        line(
            &mut rng,
            Collection::Rooms,
            "room1",
            (1_800_000_003, 0),
            Some(&json!({"_id": "room1", "name": "old-news", "t": "c"})),
        ),
        line(
            &mut rng,
            Collection::Rooms,
            "room2",
            (1_800_000_004, 0),
            Some(&json!({"_id": "room2", "name": "news", "t": "c"})),
        ),
    ];
    apply_lines(&applier, &mut rng, &lines[..1]).await;
    assert_eq!(listed(&h, "room1").await, Vec::<String>::new());
    apply_lines(&applier, &mut rng, &lines[1..]).await;
    assert_eq!(listed(&h, "room2").await, ["hook"]);
    // A stale replay of the first rename changes nothing.
    apply_lines(&applier, &mut rng, &lines[..1]).await;
    assert_eq!(listed(&h, "room2").await, ["hook"]);
}

#[tokio::test]
async fn a_token_added_then_revoked_and_a_deleted_user_stay_deleted() {
    let mut s0 = Export::default();
    s0.user("admin", &["admin"], "admin-token").room("g", "general", "c");
    let h = Harness::imported(s0.write().path(), PageSettings::default(), options(1_000)).await;
    let applier = applier_for(&h).await;
    let mut rng = Rng(11);
    let user = |tokens: &[&str]| {
        let tokens: Vec<Json> = tokens
            .iter()
            .map(|t| json!({"type": "personalAccessToken", "hashedToken": rc_integrations::auth::hash_token(t)}))
            .collect();
        json!({"_id": "admin", "username": "admin", "roles": ["admin"], "services": {"resume": {"loginTokens": tokens}}})
    };
    let status = |token: &'static str| {
        let h = &h;
        async move { h.get_as(("admin", token), "roomId=g").await.status.as_u16() }
    };
    let login =
        line(&mut rng, Collection::Users, "admin", (1_800_000_001, 0), Some(&user(&["admin-token", "new"])));
    apply_lines(&applier, &mut rng, std::slice::from_ref(&login)).await;
    assert_eq!((status("new").await, status("admin-token").await), (200, 200));
    let revoke = line(&mut rng, Collection::Users, "admin", (1_800_000_002, 0), Some(&user(&["new"])));
    apply_lines(&applier, &mut rng, &[revoke]).await;
    assert_eq!((status("new").await, status("admin-token").await), (200, 401));
    let delete = line(&mut rng, Collection::Users, "admin", (1_800_000_003, 0), None);
    apply_lines(&applier, &mut rng, &[delete, login]).await;
    assert_eq!(status("new").await, 401, "the late login cannot bring the user back");
    // Events older than the import are stale.
    let mut s0 = Export::default();
    s0.user("admin", &["admin"], "admin-token").room("g", "general", "c");
    let h2 = Harness::imported(s0.write().path(), PageSettings::default(), options(1_900_000_000_000)).await;
    let old = line(&mut rng, Collection::Users, "admin", (1_800_000_009, 0), None);
    let parsed = match event::parse_line(&old).unwrap() {
        Event::Change(c) => c,
        other => panic!("{other:?}"),
    };
    let report = applier_for(&h2).await.apply(vec![parsed]).await.unwrap();
    assert_eq!(report.outcomes, [Outcome::Stale]);
    assert_eq!(h2.get_as(("admin", "admin-token"), "roomId=g").await.status, 200);
}

#[tokio::test]
async fn a_bad_event_fails_alone_and_names_its_document() {
    let h =
        Harness::imported(Export::default().write().path(), PageSettings::default(), options(1_000)).await;
    let mut rng = Rng(3);
    let good = line(
        &mut rng,
        Collection::Rooms,
        "g",
        (1_800_000_001, 0),
        Some(&json!({"_id": "g", "name": "general", "t": "c"})),
    );
    let bad_team = json!({"_id": "t", "type": "private"});
    let bad = line(&mut rng, Collection::Teams, "t", (1_800_000_001, 0), Some(&bad_team));
    let changes: Vec<_> = [bad, good]
        .iter()
        .map(|l| match event::parse_line(l).unwrap() {
            Event::Change(c) => c,
            other => panic!("{other:?}"),
        })
        .collect();
    let report = applier_for(&h).await.apply(changes).await.unwrap();
    match &report.outcomes[..] {
        [Outcome::Failed(f), Outcome::Applied] => {
            assert_eq!(
                f.to_string(),
                "rocketchat_team \"t\": `type` must be an integer (0 public, 1 private)"
            )
        }
        other => panic!("{other:?}"),
    }
}

async fn listed(h: &Harness, room: &str) -> Vec<String> {
    h.get_as(("admin", "admin-token"), &format!("roomId={room}&includeAllPublicChannels=false")).await.ids()
}

/// `rc-integrations sync`, the real binary, on the suite's endpoint and tables.
pub fn sync_command(h: &Harness) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_rc-integrations"));
    command
        .arg("sync")
        .env("AWS_ENDPOINT_URL_DYNAMODB", crate::support::endpoint_url())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1");
    for ((_, variable, _), name) in rc_integrations::config::TABLES.iter().zip(h.tables.all()) {
        command.env(variable, name);
    }
    command
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sync_command_applies_a_file_and_reports_each_failed_line() {
    let mut s0 = Export::default();
    s0.user("admin", &["admin"], "admin-token").room("g", "general", "c");
    let h = Harness::imported(s0.write().path(), PageSettings::default(), options(1_000)).await;
    let mut rng = Rng(5);
    let hook = json!({"_id": "new-hook", "type": "webhook-incoming", "name": "n", "channel": ["#general"],
                      "_createdAt": {"$date": "2020-01-01T00:00:00.000Z"}});
    let lines = [
        line(&mut rng, Collection::Integrations, "new-hook", (1_800_000_001, 0), Some(&hook)),
        "{not json".to_owned(),
        r#"{"op":"u","after":null,"source":{"collection":"users","ts_ms":1800000002000,"ord":0}}"#.to_owned(),
        r#"{"operationType":"drop","ns":{"db":"rocketchat","coll":"users"}}"#.to_owned(),
        String::new(),
        line(
            &mut rng,
            Collection::Rooms,
            "r2",
            (1_800_000_003, 0),
            Some(&json!({"_id": "r2", "name": "two", "t": "c"})),
        ),
    ];
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), lines.join("\n")).unwrap();
    let output = sync_command(&h).arg(file.path()).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert_eq!(stdout.trim(), "applied: 2, stale: 0, ignored: 1, failed: 2", "{stderr}");
    let path = file.path().display();
    let reported: Vec<&str> = stderr.lines().filter(|l| l.starts_with(&path.to_string())).collect();
    assert_eq!(reported.len(), 2, "{stderr}");
    assert!(reported[0].starts_with(&format!("{path}:2: not a JSON object")), "{stderr}");
    assert!(reported[1].starts_with(&format!("{path}:3: users: an update without `after`")), "{stderr}");
    assert!(reported[1].contains("change_streams_update_full"), "{stderr}");
    assert_eq!(listed(&h, "g").await, ["new-hook"]);

    // Standard input, the good lines again: stale, and exit 0.
    let mut child = sync_command(&h)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(format!("{}\n{}\n", lines[0], lines[5]).as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "applied: 0, stale: 2, ignored: 0, failed: 0");
}

/// DynamoDB writes per applied event, by kind: the items whose content changed, the
/// keys no longer made, and the state; one more (the pending keys) when a known
/// document gains item keys. A repeated event writes nothing.
#[tokio::test]
async fn each_kind_of_event_makes_the_fewest_writes_the_layout_allows() {
    let mut s0 = Export::default();
    s0.user("admin", &["admin"], "admin-token").room("g", "general", "c");
    let h = Harness::imported(s0.write().path(), PageSettings::default(), options(1_000)).await;
    let applier = applier_for(&h).await;
    let mut clock = 1_800_000_000u64;
    let mut writes = |collection: Collection, id: &str, doc: Option<Json>| {
        clock += 1;
        let change = rc_integrations::sync::Change {
            collection,
            id: id.to_owned(),
            version: Version::new(clock * 1000, 0),
            op: doc.map_or(rc_integrations::sync::Op::Delete, rc_integrations::sync::Op::Upsert),
        };
        let applier = &applier;
        async move {
            let report = applier.apply(vec![change.clone()]).await.unwrap();
            assert_eq!(report.outcomes, [Outcome::Applied]);
            let repeat = applier.apply(vec![change]).await.unwrap();
            assert_eq!(
                (repeat.outcomes, repeat.writes),
                (vec![Outcome::Stale], 0),
                "a repeat writes nothing"
            );
            report.writes
        }
    };
    let user = |tokens: &[&str]| {
        let tokens: Vec<Json> = tokens
            .iter()
            .map(|t| json!({"type": "personalAccessToken", "hashedToken": rc_integrations::auth::hash_token(t)}))
            .collect();
        // As the import wrote the user: only the tokens change.
        json!({"_id": "admin", "username": "user-admin", "roles": ["admin"], "active": true,
               "services": {"resume": {"loginTokens": tokens}}})
    };
    let subscription = json!({"_id": "s1", "rid": "g", "u": {"_id": "admin"}});
    let hook = |name: &str| {
        json!({"_id": "h", "type": "webhook-incoming", "name": name, "channel": ["#general"],
               "_createdAt": {"$date": "2020-01-01T00:00:00.000Z"}})
    };
    let cases = [
        (
            "a new subscription: its item, its state",
            writes(Collection::Subscriptions, "s1", Some(subscription)).await,
            2,
        ),
        (
            "a subscription deleted: its item, its tombstone",
            writes(Collection::Subscriptions, "s1", None).await,
            2,
        ),
        (
            "a login: pending keys, the token, the state",
            writes(Collection::Users, "admin", Some(user(&["admin-token", "new"]))).await,
            3,
        ),
        (
            "a token revoked: the token, the state",
            writes(Collection::Users, "admin", Some(user(&["new"]))).await,
            2,
        ),
        (
            "a room renamed: pending keys, room, old name, new name, state",
            writes(Collection::Rooms, "g", Some(json!({"_id": "g", "name": "main", "t": "c"}))).await,
            5,
        ),
        (
            "a new integration: its item, its ref, its state",
            writes(Collection::Integrations, "h", Some(hook("a"))).await,
            3,
        ),
        (
            "an integration edited: its item, its state",
            writes(Collection::Integrations, "h", Some(hook("b"))).await,
            2,
        ),
    ];
    for (what, counted, expected) in cases {
        assert_eq!(counted, expected, "{what}");
    }
}
