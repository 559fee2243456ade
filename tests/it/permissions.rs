//! Contract §4: the permission gate and the visibility rule, all 16 combinations of the four
//! permissions, each held through a role of its own.

use crate::support::*;
use serde_json::json;

/// Integrations of both directions by every user, and by nobody.
fn world() -> Export {
    let mut e = mask_world();
    e.room("room-p", "p", "c").user("u00", &["user"], "t0");
    for mask in 0..16 {
        let uid = format!("u{mask:02}");
        e.integration(&format!("own-out-{mask:02}"), "webhook-outgoing", json!(["#p"]), Some(&uid));
        e.integration(&format!("own-in-{mask:02}"), "webhook-incoming", json!(["#p"]), Some(&uid));
    }
    e.integration("nobody-out", "webhook-outgoing", json!(["#p"]), None);
    e.integration("nobody-in", "webhook-incoming", json!(["#p"]), None);
    e.integrations.push(
        json!({"_id": "null-creator", "type": "webhook-outgoing", "channel": ["#p"], "_createdBy": null}),
    );
    e.integrations.push(json!({"_id": "no-type", "channel": ["#p"], "_createdBy": {"_id": "u15"}}));
    e
}

#[tokio::test]
async fn all_sixteen_permission_combinations() {
    let export = world();
    let h = Harness::export(&export).await;
    for mask in 0..16usize {
        let (id, token) = (format!("u{mask:02}"), format!("t{mask}"));
        let reply = h
            .get(
                &[("X-Auth-Token", &token), ("X-User-Id", &id)],
                "roomId=room-p&count=0&sort=%7B%22_id%22%3A1%7D",
            )
            .await;
        if mask == 0 {
            assert_eq!(reply.status, 403, "no permission at all");
            continue;
        }
        let mut expected: Vec<String> = export
            .integrations
            .iter()
            .filter(|d| {
                let own = d["_createdBy"]["_id"] == id.as_str();
                match d["type"].as_str() {
                    Some("webhook-outgoing") => sees(mask, true, own),
                    Some("webhook-incoming") => sees(mask, false, own),
                    // Neither direction: only "everything" or "own, any type" shows it.
                    _ => sees(mask, true, own) && sees(mask, false, own),
                }
            })
            .map(|d| d["_id"].as_str().unwrap().to_owned())
            .collect();
        expected.sort();
        assert_eq!(reply.status, 200, "mask {mask:04b}: {}", reply.text);
        assert_eq!(reply.ids(), expected, "mask {mask:04b}");
        assert_eq!(reply.body["total"], expected.len(), "mask {mask:04b}");
    }
}

#[tokio::test]
async fn absent_permission_documents_default_to_admin_only() {
    let mut e = Export::default();
    e.room("room-p", "p", "c")
        .user("admin-user-000001", &["admin"], "a")
        .user("plain-user-000001", &["user", "r-all-out"], "u")
        .integration("x", "webhook-outgoing", json!(["#p"]), None);
    let h = Harness::export(&e).await;
    let admin = h.get(&[("X-Auth-Token", "a"), ("X-User-Id", "admin-user-000001")], "roomId=room-p").await;
    assert_eq!(admin.ids(), ["x"]);
    let plain = h.get(&[("X-Auth-Token", "u"), ("X-User-Id", "plain-user-000001")], "roomId=room-p").await;
    assert_eq!(plain.status, 403);
}
