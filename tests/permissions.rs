//! §4: the permission gate and the visibility rule, all 16 combinations of the four
//! permissions, each held through a role of its own.

mod common;

use common::*;
use serde_json::json;

const PERMISSIONS: [(&str, &str); 4] = [
    ("manage-outgoing-integrations", "role-all-out"),
    ("manage-incoming-integrations", "role-all-in"),
    ("manage-own-outgoing-integrations", "role-own-out"),
    ("manage-own-incoming-integrations", "role-own-in"),
];

fn user_id(mask: usize) -> String {
    format!("user-mask-{mask:02}")
}

/// Integrations of both types, by the caller, by someone else and by nobody.
fn world() -> Export {
    let mut e = Export::default();
    e.room("room-p", "p", "c");
    for (permission, role) in PERMISSIONS {
        e.permission(permission, &["admin", role]);
    }
    for mask in 0..16 {
        let roles: Vec<&str> = (0..4).filter(|b| mask & (1 << b) != 0).map(|b| PERMISSIONS[b].1).collect();
        e.user(&user_id(mask), &roles, &format!("token-{mask}"));
        for kind in ["out", "in"] {
            let full = format!("webhook-{kind}going").replace("ingoing", "incoming");
            e.integration(&format!("own-{kind}-{mask:02}"), &full, json!(["#p"]), Some(&user_id(mask)));
        }
    }
    e.integration("nobody-out", "webhook-outgoing", json!(["#p"]), None);
    e.integration("nobody-in", "webhook-incoming", json!(["#p"]), None);
    e.integrations.push(
        json!({"_id": "null-creator", "type": "webhook-outgoing", "channel": ["#p"], "_createdBy": null}),
    );
    e
}

/// The rule of spec §4, written out independently of the implementation.
fn expected_visible(mask: usize, all: &[(String, String, Option<String>)]) -> Option<Vec<String>> {
    let [all_out, all_in, own_out, own_in] = [0, 1, 2, 3].map(|b| mask & (1 << b) != 0);
    if !(all_out || all_in || own_out || own_in) {
        return None;
    }
    let me = user_id(mask);
    let mut ids: Vec<String> = all
        .iter()
        .filter(|(_, kind, creator)| {
            let own = creator.as_deref() == Some(me.as_str());
            let out = kind == "webhook-outgoing";
            let inc = kind == "webhook-incoming";
            if all_out && all_in {
                true
            } else if own_out && own_in {
                own
            } else {
                (all_out && out) || (all_in && inc) || (own_out && out && own) || (own_in && inc && own)
            }
        })
        .map(|(id, _, _)| id.clone())
        .collect();
    ids.sort();
    Some(ids)
}

#[tokio::test]
async fn all_sixteen_permission_combinations() {
    let export = world();
    let h = Harness::export(&export).await;
    let all: Vec<(String, String, Option<String>)> = export
        .integrations
        .iter()
        .map(|d| {
            let creator = d["_createdBy"]["_id"].as_str().map(str::to_owned);
            (d["_id"].as_str().unwrap().to_owned(), d["type"].as_str().unwrap().to_owned(), creator)
        })
        .collect();
    for mask in 0..16 {
        let id = user_id(mask);
        let token = format!("token-{mask}");
        let reply = h
            .get(
                &[("X-Auth-Token", &token), ("X-User-Id", &id)],
                "roomId=room-p&count=0&sort=%7B%22_id%22%3A1%7D",
            )
            .await;
        match expected_visible(mask, &all) {
            None => assert_eq!(reply.status, 403, "mask {mask:04b}"),
            Some(ids) => {
                assert_eq!(reply.status, 200, "mask {mask:04b}: {}", reply.text);
                assert_eq!(reply.ids(), ids, "mask {mask:04b}");
                assert_eq!(reply.body["total"], ids.len(), "mask {mask:04b}");
            }
        }
    }
}

#[tokio::test]
async fn absent_permission_documents_default_to_admin_only() {
    let mut e = Export::default();
    e.room("room-p", "p", "c")
        .user("admin-user-000001", &["admin"], "a")
        .user("plain-user-000001", &["user", "role-all-out"], "u")
        .integration("x", "webhook-outgoing", json!(["#p"]), None);
    let h = Harness::export(&e).await;
    let admin = h.get(&[("X-Auth-Token", "a"), ("X-User-Id", "admin-user-000001")], "roomId=room-p").await;
    assert_eq!(admin.ids(), ["x"]);
    let plain = h.get(&[("X-Auth-Token", "u"), ("X-User-Id", "plain-user-000001")], "roomId=room-p").await;
    assert_eq!(plain.status, 403);
}
