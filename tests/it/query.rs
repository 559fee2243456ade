//! `query` and `fields` (spec §7, §8) over the real code path: each operator with
//! the result MongoDB's documented semantics give, the projections, the errors.

use crate::support::*;
use serde_json::{json, Value as Json};

const ADMIN: (&str, &str) = ("admin0000000000001", "admin-token");
const OWNER: (&str, &str) = ("owner0000000000001", "owner-token");

fn world() -> Export {
    let mut e = Export::default();
    e.user(ADMIN.0, &["admin"], ADMIN.1)
        .user(OWNER.0, &["user", "bot-builder"], OWNER.1)
        .permission("manage-own-outgoing-integrations", &["admin", "bot-builder"])
        .permission("manage-own-incoming-integrations", &["admin", "bot-builder"])
        .room("room-g", "general", "c");
    e.integrations.extend([
        json!({"_id": "q1", "type": "webhook-outgoing", "name": "Guggy", "enabled": true,
            "channel": ["#general", "@bob"], "triggerWords": ["!guggy", "gif+"], "retryCount": 6,
            "scriptError": null, "tags": [{"k": "a", "v": 1}, {"k": "b", "v": 2}],
            "members": ["m"], "joinCode": "j", "importIds": ["i"], "e2e": "k",
            "_createdAt": {"$date": "2017-01-05T17:06:05.660Z"}, "_createdBy": {"_id": OWNER.0, "username": "graywolf"}}),
        json!({"_id": "q2", "type": "webhook-incoming", "name": "deploy", "enabled": false, "channel": "#general",
            "retryCount": 2.5, "scriptError": "boom", "tags": [{"k": "a", "v": 5}],
            "_createdAt": {"$date": "2018-06-01T00:00:00Z"}, "_createdBy": {"_id": ADMIN.0, "username": "admin"}}),
        json!({"_id": "q3", "type": "webhook-outgoing", "name": "Echo", "channel": ["all_public_channels"],
            "triggerWords": [], "tags": [], "_createdAt": {"$date": "2019-01-01T00:00:00Z"}}),
        json!({"_id": "q4", "type": "webhook-incoming", "name": "números", "enabled": true, "channel": ["#room-g"],
            "retryCount": "6", "nested": {"a": {"b": [1, 2, 3]}},
            "_createdAt": {"$date": "2020-01-01T00:00:00Z"}, "_createdBy": null}),
    ]);
    e
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn query_ids(h: &Harness, who: (&str, &str), query: &str) -> Reply {
    let path = format!("roomId=room-g&count=0&sort=%7B%22_id%22%3A1%7D&query={}", encode(query));
    h.get(&[("X-Auth-Token", who.1), ("X-User-Id", who.0)], &path).await
}

#[tokio::test]
async fn every_operator_gives_mongodbs_result() {
    let h = Harness::export(&world()).await;
    let cases: &[(&str, &[&str])] = &[
        ("{}", &["q1", "q2", "q3", "q4"]),
        (r#"{"type":"webhook-outgoing"}"#, &["q1", "q3"]),
        (r#"{"type":{"$eq":"webhook-incoming"}}"#, &["q2", "q4"]),
        (r#"{"type":{"$ne":"webhook-incoming"}}"#, &["q1", "q3"]),
        (r#"{"enabled":true,"type":"webhook-incoming"}"#, &["q4"]),
        // Comparisons stay within a type: the string "6" is not greater than 3.
        (r#"{"retryCount":{"$gt":3}}"#, &["q1"]),
        (r#"{"retryCount":{"$gte":2.5}}"#, &["q1", "q2"]),
        (r#"{"retryCount":{"$lt":6}}"#, &["q2"]),
        (r#"{"retryCount":{"$lte":6}}"#, &["q1", "q2"]),
        (r#"{"retryCount":{"$gt":"5"}}"#, &["q4"]),
        (r#"{"retryCount":6.0}"#, &["q1"]),
        (r#"{"retryCount":{"$numberLong":"6"}}"#, &["q1"]),
        (r#"{"name":{"$in":["Guggy","Echo"]}}"#, &["q1", "q3"]),
        (r#"{"name":{"$nin":["Guggy","Echo"]}}"#, &["q2", "q4"]),
        (r#"{"name":{"$in":[{"$regularExpression":{"pattern":"^d","options":""}},"Echo"]}}"#, &["q2", "q3"]),
        // Missing and null: $exists sees null as present; equality to null sees both.
        (r#"{"_createdBy":{"$exists":false}}"#, &["q3"]),
        (r#"{"_createdBy":{"$exists":true}}"#, &["q1", "q2", "q4"]),
        (r#"{"_createdBy":null}"#, &["q3", "q4"]),
        (r#"{"scriptError":null}"#, &["q1", "q3", "q4"]),
        (r#"{"scriptError":{"$ne":null}}"#, &["q2"]),
        (r#"{"scriptError":{"$gte":null}}"#, &["q1", "q3", "q4"]),
        (r#"{"name":{"$regex":"^g","$options":"i"}}"#, &["q1"]),
        (r#"{"name":{"$regex":"^g"}}"#, &[]),
        // A string is the pattern itself, never a `/pattern/flags` literal.
        (r#"{"name":{"$regex":"/^G/"}}"#, &[]),
        (r#"{"name":{"$regex":"/^g/i"}}"#, &[]),
        (r#"{"name":{"$regex":"^gug","$options":"iu"}}"#, &["q1"]),
        // `\w` is ASCII-only, as PCRE runs it for MongoDB; literal non-ASCII text matches.
        (r#"{"name":{"$regex":"^\\w+$"}}"#, &["q1", "q2", "q3"]),
        (r#"{"name":{"$regex":"^n\\w+ros$"}}"#, &[]),
        (r#"{"name":{"$regex":"^n.meros$"}}"#, &["q4"]),
        (r#"{"name":{"$regex":"^ n ú","$options":"x"}}"#, &["q4"]),
        (r#"{"name":{"$regularExpression":{"pattern":"o$","options":""}}}"#, &["q3"]),
        // Arrays: an element matches, or the whole array does.
        (r#"{"triggerWords":"gif+"}"#, &["q1"]),
        (r#"{"triggerWords":["!guggy","gif+"]}"#, &["q1"]),
        (r#"{"triggerWords":["gif+","!guggy"]}"#, &[]),
        (r#"{"triggerWords":{"$size":0}}"#, &["q3"]),
        (r#"{"triggerWords":{"$size":2}}"#, &["q1"]),
        (r#"{"triggerWords":{"$all":["gif+","!guggy"]}}"#, &["q1"]),
        (r#"{"triggerWords":{"$all":[]}}"#, &[]),
        (r##"{"channel":"#general"}"##, &["q1", "q2"]),
        (r#"{"channel":{"$regex":"^#"}}"#, &["q1", "q2", "q4"]),
        (r#"{"tags":{"$elemMatch":{"k":"a","v":{"$gt":2}}}}"#, &["q2"]),
        (r#"{"tags.k":"b"}"#, &["q1"]),
        (r#"{"tags.v":{"$gt":4}}"#, &["q2"]),
        (r#"{"tags.0.v":1}"#, &["q1"]),
        (r#"{"nested.a.b":2}"#, &["q4"]),
        (r#"{"nested.a.b":{"$elemMatch":{"$gt":2,"$lt":4}}}"#, &["q4"]),
        (r#"{"_createdBy._id":"owner0000000000001"}"#, &["q1"]),
        // Dates compare as dates, in every Extended JSON form, and never with strings.
        (r#"{"_createdAt":{"$gt":{"$date":"2018-01-01T00:00:00Z"}}}"#, &["q2", "q3", "q4"]),
        (r#"{"_createdAt":{"$lt":{"$date":1514764800000}}}"#, &["q1"]),
        (r#"{"_createdAt":{"$gte":{"$date":{"$numberLong":"1483635965660"}}}}"#, &["q1", "q2", "q3", "q4"]),
        (r#"{"_createdAt":{"$date":"2019-01-01T00:00:00.000Z"}}"#, &["q3"]),
        (r#"{"_createdAt":{"$gt":"2000"}}"#, &[]),
        (r#"{"$or":[{"name":"Guggy"},{"enabled":false}]}"#, &["q1", "q2"]),
        (r#"{"$and":[{"type":"webhook-incoming"},{"enabled":true}]}"#, &["q4"]),
        (r#"{"$nor":[{"type":"webhook-incoming"},{"name":"Echo"}]}"#, &["q1"]),
        (r#"{"name":{"$not":{"$regex":"^G"}}}"#, &["q2", "q3", "q4"]),
        (r#"{"retryCount":{"$not":{"$gt":3}}}"#, &["q2", "q3", "q4"]),
        (r#"{"retryCount":{"$gt":1,"$lt":3}}"#, &["q2"]),
    ];
    for (query, expected) in cases {
        let reply = query_ids(&h, ADMIN, query).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.text);
        assert_eq!(reply.ids(), *expected, "{query}");
        assert_eq!(reply.body["total"], expected.len(), "{query}");
    }
}

#[tokio::test]
async fn a_query_cannot_widen_what_the_caller_may_see() {
    let h = Harness::export(&world()).await;
    // The owner holds only the "own" permissions: q1 is theirs.
    for query in [
        r#"{"$or":[{"_createdBy._id":{"$ne":""}}]}"#,
        r#"{"$or":[{"_createdBy._id":{"$exists":false}},{"_createdBy._id":{"$exists":true}}]}"#,
        r#"{"_createdBy._id":"admin0000000000001"}"#,
        r#"{"type":{"$in":["webhook-outgoing","webhook-incoming"]}}"#,
        r#"{"channel":{"$regex":".*"}}"#,
        "{}",
    ] {
        let reply = query_ids(&h, OWNER, query).await;
        assert_eq!(reply.status, 200, "{query}");
        let expected: &[&str] = if query.contains("admin0000") { &[] } else { &["q1"] };
        assert_eq!(reply.ids(), expected, "{query}");
    }
}

#[tokio::test]
async fn malformed_or_forbidden_queries_are_400s_quoting_them() {
    let h = Harness::export(&world()).await;
    let long = format!(r#"{{"name":"{}"}}"#, "x".repeat(5000));
    let deep = format!("{}1{}", r#"{"a":"#.repeat(14), "}".repeat(14));
    let huge_regex = format!(r#"{{"name":{{"$regex":"{}"}}}}"#, "a".repeat(600));
    let bad: Vec<&str> = vec![
        "not json",
        "[]",
        "5",
        r#""x""#,
        "null",
        "{",
        r#"{"$where":"1"}"#,
        r#"{"$expr":{"$eq":[1,1]}}"#,
        r#"{"$function":{}}"#,
        r#"{"$text":{"$search":"x"}}"#,
        r#"{"a":{"$foo":1}}"#,
        r#"{"$comment":"x"}"#,
        r#"{"a":{"$in":5}}"#,
        r#"{"a":{"$nin":"x"}}"#,
        r#"{"a":{"$all":{}}}"#,
        r#"{"a":{"$size":1.5}}"#,
        r#"{"a":{"$size":-1}}"#,
        r#"{"a":{"$size":"1"}}"#,
        r#"{"a":{"$regex":"("}}"#,
        r#"{"a":{"$regex":"x","$options":"g"}}"#,
        r#"{"a":{"$regex":"(?=x)"}}"#,
        r#"{"a":{"$regex":5}}"#,
        r#"{"a":{"$options":"i"}}"#,
        r#"{"$or":[]}"#,
        r#"{"$or":{}}"#,
        r#"{"$and":[5]}"#,
        r#"{"a":{"$gt":1,"b":2}}"#,
        r#"{"a":{"$eq":{"$gt":1}}}"#,
        r#"{"a":{"$exists":"yes"}}"#,
        r#"{"a":{"$not":5}}"#,
        r#"{"a":{"$not":"/^g/i"}}"#,
        r#"{"a":{"$not":{}}}"#,
        r#"{"a":{"$elemMatch":5}}"#,
        r#"{"a.$b":1}"#,
        r#"{"":1}"#,
        r#"{"a":{"$date":"yesterday"}}"#,
        long.as_str(),
        deep.as_str(),
        huge_regex.as_str(),
    ];
    for raw in bad {
        let reply = query_ids(&h, ADMIN, raw).await;
        assert_eq!(reply.status, 400, "{raw}");
        assert_eq!(reply.body, invalid_parameter_body("query", raw), "{raw}");
    }
    // An empty query is no query.
    assert_eq!(query_ids(&h, ADMIN, "").await.ids(), ["q1", "q2", "q3", "q4"]);
}

async fn with_fields(h: &Harness, fields: &str) -> Reply {
    let path = format!("roomId=room-g&count=0&sort=%7B%22_id%22%3A1%7D&fields={}", encode(fields));
    h.get(&[("X-Auth-Token", ADMIN.1), ("X-User-Id", ADMIN.0)], &path).await
}

#[tokio::test]
async fn fields_only_hide_and_never_change_order_or_total() {
    let h = Harness::export(&world()).await;
    let full = with_fields(&h, "").await;
    let first = |r: &Reply| r.body["integrations"][0].clone();
    // Rocket.Chat's always-excluded fields never appear.
    for hidden in ["members", "joinCode", "importIds", "e2e"] {
        assert!(first(&full).get(hidden).is_none(), "{hidden}");
    }
    assert_eq!(first(&with_fields(&h, r#"{"name":1}"#).await), json!({"_id": "q1", "name": "Guggy"}));
    assert_eq!(first(&with_fields(&h, r#"{"name":true,"_id":0}"#).await), json!({"name": "Guggy"}));
    assert_eq!(first(&with_fields(&h, r#"{"members":1}"#).await), json!({"_id": "q1"}));
    assert_eq!(
        first(&with_fields(&h, r#"{"_createdBy.username":1,"tags.k":1}"#).await),
        json!({"_id": "q1", "tags": [{"k": "a"}, {"k": "b"}], "_createdBy": {"username": "graywolf"}})
    );
    let excluded = with_fields(&h, r#"{"triggerWords":0,"tags":0,"_createdBy":0,"scriptError":0}"#).await;
    assert_eq!(
        first(&excluded),
        json!({"_id": "q1", "type": "webhook-outgoing", "name": "Guggy", "enabled": true,
            "channel": ["#general", "@bob"], "retryCount": 6, "_createdAt": "2017-01-05T17:06:05.660Z"})
    );
    for fields in [r#"{"name":1}"#, r#"{"_id":0}"#, r#"{"script":0,"scriptCompiled":0}"#] {
        let reply = with_fields(&h, fields).await;
        assert_eq!(reply.body["total"], full.body["total"], "{fields}");
        let names = |r: &Reply| {
            r.body["integrations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["name"].clone())
                .collect::<Vec<Json>>()
        };
        assert_eq!(names(&reply), names(&full), "{fields}");
    }
}

#[tokio::test]
async fn malformed_fields_are_400s_quoting_them() {
    let h = Harness::export(&world()).await;
    for raw in [
        r#"{"name":1,"token":0}"#,
        r#"{"name":2}"#,
        r#"{"name":"1"}"#,
        "name",
        "[]",
        r#"{"$where":1}"#,
        r#"{"a":1,"a.b":1}"#,
    ] {
        let reply = with_fields(&h, raw).await;
        assert_eq!(reply.status, 400, "{raw}");
        assert_eq!(reply.body, invalid_parameter_body("fields", raw), "{raw}");
    }
}
