//! `import` beside sync (the sync contract's §5): one import at a time, an
//! interrupted import finished by running it again, a prune that deletes only what
//! is older than the export, absent files left alone, and a prune of most of a
//! collection refused unless asked for.

use crate::support::*;
use rc_integrations::config::PageSettings;
use rc_integrations::import::{import_dir, ImportError, ImportOptions};
use rc_integrations::ingest::Collection;
use rc_integrations::store::items::{attr, s};
use rc_integrations::sync::{Applier, Change, Op, Version};
use serde_json::json;
use std::time::Duration;

const ADMIN: (&str, &str) = ("admin", "admin-token");

fn as_of(ms: u64) -> ImportOptions {
    ImportOptions { as_of: Version::new(ms, 0), ..ImportOptions::from_env() }
}

fn workspace(subscribers: usize) -> Export {
    let mut e = Export::default();
    e.user(ADMIN.0, &["admin"], ADMIN.1).room("g", "general", "c").room("p", "private", "p");
    e.permission("manage-outgoing-integrations", &["admin"]);
    e.integration("hook", "webhook-incoming", json!(["#general"]), Some(ADMIN.0));
    for n in 0..subscribers {
        e.subscription("p", &format!("user{n}"));
    }
    e
}

async fn import(
    h: &Harness,
    export: &Export,
    options: ImportOptions,
) -> Result<rc_integrations::import::Summary, ImportError> {
    let dir = export.write();
    import_dir(&h.client, &h.tables, dir.path(), options).await
}

async fn listed(h: &Harness) -> Vec<String> {
    h.get_as(ADMIN, "roomId=g&includeAllPublicChannels=false&count=0").await.ids()
}

#[tokio::test]
async fn a_second_import_refuses_while_the_lock_is_held_and_breaks_a_stale_one_on_request() {
    let h = Harness::imported(workspace(1).write().path(), PageSettings::default(), as_of(1_000)).await;
    // What a killed import leaves behind.
    let lock = rc_integrations::store::items::Item::from([
        (attr::PK.to_owned(), s("lock#import")),
        (attr::SK.to_owned(), s("-")),
        ("owner".to_owned(), s("ghost pid 7")),
        ("started".to_owned(), s("2026-12-01T09:00:00Z")),
        ("phase".to_owned(), s("writing rocketchat_subscription (12 of 40 documents)")),
    ]);
    put_items(&h, &h.tables.sync, vec![lock]).await;
    let error = import(&h, &workspace(2), as_of(2_000)).await.unwrap_err().to_string();
    assert!(
        error.starts_with("another import holds the tables: started 2026-12-01T09:00:00Z by ghost pid 7"),
        "{error}"
    );
    assert!(error.contains("last at: writing rocketchat_subscription (12 of 40 documents)"), "{error}");
    assert!(error.contains("--break-lock"), "{error}");
    let members = |h: &Harness| {
        let client = h.client.clone();
        let table = h.tables.memberships.clone();
        async move { client.scan().table_name(table).send().await.unwrap().count }
    };
    assert_eq!(members(&h).await, 1, "nothing was written");
    let options = ImportOptions { break_lock: true, ..as_of(2_000) };
    import(&h, &workspace(2), options).await.unwrap();
    assert_eq!(members(&h).await, 2);
    // The lock is released at the end: the next import needs no flag.
    import(&h, &workspace(2), as_of(3_000)).await.unwrap();
}

#[tokio::test]
async fn an_interrupted_import_is_finished_by_running_it_again() {
    let full = workspace(30);
    let h = Harness::imported(Export::default().write().path(), PageSettings::default(), as_of(1)).await;
    // Interrupted: only part of the export got written at the export's version.
    let mut part = full.clone();
    part.subscriptions.truncate(12);
    part.integrations.clear();
    import(&h, &part, ImportOptions { prune: false, ..as_of(5_000) }).await.unwrap();
    let summary = import(&h, &full, as_of(5_000)).await.unwrap();
    assert_eq!(summary.unchanged, 12 + 4, "the 12 subscriptions, the user, both rooms and the permission");
    assert_eq!(summary.pruned, 0);
    let fresh = Harness::imported(full.write().path(), PageSettings::default(), as_of(5_000)).await;
    for query in ["roomId=g", "roomId=p", "roomName=general&count=0"] {
        let (x, y) = (h.get_as(ADMIN, query).await, fresh.get_as(ADMIN, query).await);
        assert_eq!((x.status, x.text), (y.status, y.text), "{query}");
    }
}

#[tokio::test]
async fn prune_deletes_what_the_export_lost_and_keeps_what_sync_wrote_after_it() {
    let h = Harness::imported(workspace(1).write().path(), PageSettings::default(), as_of(1_000)).await;
    let applier = Applier::new(h.client.clone(), h.tables.clone(), 90, Duration::from_secs(86_400));
    // After the export of time 2000 was taken, sync adds an integration (time 3000).
    let live = json!({"_id": "live", "type": "webhook-incoming", "name": "live", "channel": ["#general"],
                      "_createdAt": {"$date": "2021-01-01T00:00:00.000Z"}});
    let change = Change {
        collection: Collection::Integrations,
        id: "live".into(),
        version: Version::new(3_000, 0),
        op: Op::Upsert(live),
    };
    applier.apply(vec![change]).await.unwrap();
    assert_eq!(listed(&h).await, ["hook", "live"]);
    // The export of time 2000 no longer has `hook` and never had `live`.
    let mut export = workspace(1);
    export.integrations.clear();
    let summary = import(&h, &export, as_of(2_000)).await.unwrap();
    assert_eq!(summary.pruned, 1);
    assert_eq!(listed(&h).await, ["live"], "hook pruned, live kept");
}

#[tokio::test]
async fn an_absent_file_leaves_its_collection_unless_told_and_a_large_prune_needs_a_flag() {
    let h = Harness::imported(workspace(20).write().path(), PageSettings::default(), as_of(1_000)).await;
    // No permissions file: the permission stays, and the summary says so.
    let dir = workspace(20).write();
    std::fs::remove_file(dir.path().join("rocketchat_permissions.json")).unwrap();
    std::fs::remove_file(dir.path().join("rocketchat_subscription.json")).unwrap();
    let summary = import_dir(&h.client, &h.tables, dir.path(), as_of(2_000)).await.unwrap();
    // Nor a history file: history is optional too.
    let left = ["rocketchat_permissions", "rocketchat_subscription", "rocketchat_integration_history"];
    assert_eq!(summary.left, left);
    assert!(summary.to_string().contains(&format!("left as they were: {}", left.join(", "))));
    assert_eq!(summary.pruned, 0);
    let count = |table: String| {
        let client = h.client.clone();
        async move { client.scan().table_name(table).send().await.unwrap().count }
    };
    assert_eq!(count(h.tables.permissions.clone()).await, 1);
    assert_eq!(count(h.tables.memberships.clone()).await, 20);
    // An export with 1 of the 20 subscriptions would prune most of them: refused.
    let error = import(&h, &workspace(1), as_of(3_000)).await.unwrap_err().to_string();
    assert!(
        error.contains("pruning would delete most of rocketchat_subscription (19 of 20 documents)"),
        "{error}"
    );
    assert!(error.contains("--allow-large-prune"), "{error}");
    assert_eq!(count(h.tables.memberships.clone()).await, 20);
    let summary =
        import(&h, &workspace(1), ImportOptions { allow_large_prune: true, ..as_of(3_000) }).await.unwrap();
    assert_eq!(summary.pruned, 19);
    assert_eq!(count(h.tables.memberships.clone()).await, 1);
    // --prune-missing empties a collection whose file is absent.
    let options = ImportOptions { prune_missing: true, ..as_of(4_000) };
    let summary = import_dir(&h.client, &h.tables, dir.path(), options).await.unwrap();
    assert!(summary.left.is_empty());
    assert_eq!(
        (count(h.tables.permissions.clone()).await, count(h.tables.memberships.clone()).await),
        (0, 0)
    );
}
