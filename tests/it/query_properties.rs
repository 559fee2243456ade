//! Properties of `query`: it only ever narrows (the result with a query is a subset of
//! the result without it, and never holds an integration the caller may not see), and
//! no input, however malformed, makes a parser or the matcher panic.

use crate::support::*;
use proptest::prelude::*;
use rc_integrations::document::Value;
use rc_integrations::model::{Integration, RoomRecord};
use rc_integrations::projection::Projection;
use rc_integrations::query::Filter;
use rc_integrations::store::items;
use serde_json::{json, Value as Json};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

const USERS: [&str; 4] = ["u03", "u05", "u12", "u15"];

/// One condition on a field the visibility rule depends on, or on others.
fn leaf() -> impl Strategy<Value = Json> {
    let path = prop_oneof![
        Just("_createdBy._id"),
        Just("type"),
        Just("channel"),
        Just("name"),
        Just("_createdAt"),
        Just("_id")
    ];
    let scalar = prop_oneof![
        prop::sample::select(USERS.to_vec()).prop_map(|u| json!(u)),
        Just(json!("webhook-outgoing")),
        Just(json!("webhook-incoming")),
        Just(json!("")),
        Just(json!(null)),
        (0i64..3).prop_map(|d| json!({"$date": d * 86_400_000})),
    ];
    let condition = prop_oneof![
        scalar.clone(),
        scalar.clone().prop_map(|v| json!({"$ne": v})),
        scalar.clone().prop_map(|v| json!({"$gt": v})),
        scalar.clone().prop_map(|v| json!({"$lte": v})),
        prop::collection::vec(scalar.clone(), 0..3).prop_map(|v| json!({"$in": v})),
        prop::collection::vec(scalar.clone(), 0..3).prop_map(|v| json!({"$nin": v})),
        any::<bool>().prop_map(|b| json!({"$exists": b})),
        prop::sample::select(vec![".*", "^u", "^webhook", "#", "u1", ""]).prop_map(|r| json!({"$regex": r})),
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

#[derive(Debug, Clone)]
struct Spec {
    outgoing: bool,
    creator: Option<usize>,
    day: i64,
}

fn spec() -> impl Strategy<Value = Spec> {
    (any::<bool>(), prop::option::of(0usize..USERS.len()), 0i64..3)
        .prop_map(|(outgoing, creator, day)| Spec { outgoing, creator, day })
}

#[test]
fn a_query_only_ever_narrows_the_visible_listing() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let h = runtime.block_on(Harness::export(&mask_world()));
    let config = ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() };
    static ROOM: AtomicUsize = AtomicUsize::new(0);
    proptest!(config, |(specs in prop::collection::vec(spec(), 0..12), caller in 0usize..USERS.len(), q in query())| {
        runtime.block_on(async {
            let room = format!("qroom-{}", ROOM.fetch_add(1, Ordering::Relaxed));
            let record = RoomRecord { id: room.clone(), name: Some(room.clone()), kind: "c".into(), ..Default::default() };
            put_items(&h, &h.tables.rooms, vec![items::room_item(&record)]).await;
            let mask: usize = USERS[caller][1..].parse().unwrap();
            let mut visible = BTreeSet::new();
            let mut stored = Vec::new();
            for (i, s) in specs.iter().enumerate() {
                let id = format!("{room}-{i:02}");
                let creator = s.creator.map(|c| USERS[c]);
                let mut doc = json!({"_id": id, "type": if s.outgoing { "webhook-outgoing" } else { "webhook-incoming" },
                    "name": creator.unwrap_or("nobody"), "channel": [format!("#{room}")],
                    "_createdAt": {"$date": s.day * 86_400_000}});
                if let Some(uid) = creator {
                    doc["_createdBy"] = json!({"_id": uid});
                }
                if sees(mask, s.outgoing, creator == Some(USERS[caller])) {
                    visible.insert(id.clone());
                }
                let integration = Integration::of_document(id, &Value::from_extended_json(doc).unwrap());
                stored.push(items::integration_item(&integration, &room));
            }
            put_items(&h, &h.tables.integrations, stored).await;
            let headers = [("X-Auth-Token", format!("t{mask}")), ("X-User-Id", USERS[caller].to_owned())];
            let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let base = format!("roomId={room}&count=0");
            let without = h.get(&headers, &base).await;
            prop_assert_eq!(without.status, 200);
            let encoded: String = form_urlencoded::byte_serialize(q.to_string().as_bytes()).collect();
            let with = h.get(&headers, &format!("{base}&query={encoded}")).await;
            prop_assert_eq!(with.status, 200, "{} -> {}", q, with.text);
            let all: BTreeSet<String> = without.ids().into_iter().collect();
            let narrowed: BTreeSet<String> = with.ids().into_iter().collect();
            prop_assert_eq!(&all, &visible);
            prop_assert!(narrowed.is_subset(&all), "{} widened {:?} to {:?}", q, all, narrowed);
            Ok(())
        })?;
    });
}

fn any_json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)),
        ".{0,12}".prop_map(Json::String),
        prop::sample::select(vec![
            "$gt",
            "$in",
            "$regex",
            "$not",
            "$elemMatch",
            "$date",
            "$numberLong",
            "$or",
            "$size",
            "$all"
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(5, 48, 5, |inner| {
        let key = prop_oneof![
            prop::sample::select(vec![
                "$eq",
                "$ne",
                "$gt",
                "$gte",
                "$lt",
                "$lte",
                "$in",
                "$nin",
                "$exists",
                "$regex",
                "$options",
                "$not",
                "$and",
                "$or",
                "$nor",
                "$all",
                "$size",
                "$elemMatch",
                "$date",
                "$numberLong",
                "$regularExpression",
                "pattern",
                "options",
                "name",
                "a.b",
                "_id",
                "$where",
            ])
            .prop_map(str::to_owned),
            ".{0,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            prop::collection::vec((key, inner), 0..4).prop_map(|kv| Json::Object(kv.into_iter().collect())),
        ]
    })
}

fn sample_doc() -> Value {
    Value::from_extended_json(json!({"_id": "x", "name": "n", "a": {"b": [1, "two", {"c": null}]},
        "channel": ["#g"], "_createdAt": {"$date": 5}, "tags": [{"k": 1}], "n": 2.5}))
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(raw in ".{0,64}") {
        if let Ok(filter) = Filter::parse(&raw) {
            filter.matches(&sample_doc());
        }
        if let Ok(p) = Projection::parse(Some(&raw)) {
            p.apply(sample_doc());
        }
    }

    #[test]
    fn arbitrary_json_never_panics(json in any_json()) {
        let raw = json.to_string();
        if let Ok(filter) = Filter::parse(&raw) {
            filter.matches(&sample_doc());
        }
        if let Ok(p) = Projection::parse(Some(&raw)) {
            p.apply(sample_doc());
        }
    }
}

/// A stored value of any type the comparator knows, nested a little.
fn any_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::collection::vec(any_value_but_array(), 0..3).prop_map(Value::Array),
        any_value_but_array(),
    ]
}

/// The same, but never an array at the top.
fn any_value_but_array() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..4).prop_map(Value::Int),
        (-3i64..4).prop_map(|i| Value::Double(i as f64 / 2.0)),
        prop::sample::select(vec!["", "a", "B", "ab", "é", "z"]).prop_map(|s| Value::String(s.into())),
        (0i64..3).prop_map(Value::Date),
    ];
    let value = leaf.prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(vec!["a", "b"]), inner), 0..3)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    });
    value.prop_filter("not an array", |v| !matches!(v, Value::Array(_)))
}

fn field_doc(v: &Value) -> Value {
    Value::Object([("f".to_owned(), v.clone())].into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    /// The comparator behind `sort` is a total preorder: antisymmetric, transitive.
    #[test]
    fn sort_order_is_a_total_preorder(a in any_value(), b in any_value(), c in any_value()) {
        use std::cmp::Ordering::*;
        use rc_integrations::document::compare;
        prop_assert_eq!(compare(&a, &b), compare(&b, &a).reverse());
        prop_assert_eq!(compare(&a, &a), Equal);
        if compare(&a, &b) != Greater && compare(&b, &c) != Greater {
            prop_assert_ne!(compare(&a, &c), Greater, "{:?} {:?} {:?}", a, b, c);
        }
    }

    /// `$gt`, `$lt`, `$gte`, `$lte` and `$eq` agree with the sort order on values of one
    /// type (arrays left out: a condition on an array also looks at its elements).
    #[test]
    fn comparisons_agree_with_the_sort_order(a in any_value_but_array(), b in any_value_but_array()) {
        use rc_integrations::document::{compare, compare_same_type};
        prop_assume!(!matches!(b, Value::Null));
        let Some(order) = compare_same_type(&a, &b) else { return Ok(()) };
        prop_assert_eq!(order, compare(&a, &b));
        let doc = field_doc(&a);
        for (op, expected) in [
            ("$gt", order.is_gt()),
            ("$lt", order.is_lt()),
            ("$gte", order.is_ge()),
            ("$lte", order.is_le()),
            ("$eq", order.is_eq()),
        ] {
            let query = format!(r#"{{"f":{{"{op}":{}}}}}"#, b.to_stored());
            let filter = Filter::parse(&query).unwrap();
            prop_assert_eq!(filter.matches(&doc), expected, "{}", query);
        }
    }
}
