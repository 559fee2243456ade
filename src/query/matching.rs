//! Matching a parsed filter against a document, with MongoDB's rules for arrays,
//! missing fields and types.

use super::{Cond, ElemMatch, Expr, Pattern};
use crate::document::{compare, compare_same_type, reach, Reached, Value};
use regex::Regex;
use std::cmp::Ordering;

pub fn expr(e: &Expr, doc: &Value) -> bool {
    match e {
        Expr::And(all) => all.iter().all(|e| expr(e, doc)),
        Expr::Or(any) => any.iter().any(|e| expr(e, doc)),
        Expr::Nor(none) => !none.iter().any(|e| expr(e, doc)),
        Expr::Field(path, conds) => {
            let reached = reach(doc, path);
            conds.iter().all(|c| cond(c, &reached))
        }
    }
}

/// Whether `pred` holds for a value the path reached or, when that value is an
/// array, for one of its elements (a condition on an array field matches if
/// any element matches, and the array as a whole is a candidate too).
fn any_candidate(values: &[&Value], pred: impl Fn(&Value) -> bool) -> bool {
    values.iter().any(|v| pred(v) || matches!(v, Value::Array(items) if items.iter().any(&pred)))
}

fn equals(reached: &Reached, target: &Value) -> bool {
    match target {
        // `null` matches a missing field as well as an explicit null, also where only
        // some branch of the path is missing (an array element without the field).
        Value::Null => reached.missing || any_candidate(&reached.values, |v| *v == Value::Null),
        _ => any_candidate(&reached.values, |v| compare(v, target) == Ordering::Equal),
    }
}

/// `$gt` and friends only compare values of the same type (MongoDB's type bracketing).
fn ordered(values: &[&Value], target: &Value, accept: impl Fn(Ordering) -> bool) -> bool {
    any_candidate(values, |v| compare_same_type(v, target).is_some_and(&accept))
}

fn pattern(reached: &Reached, p: &Pattern) -> bool {
    match p {
        Pattern::Value(v) => equals(reached, v),
        Pattern::Regex(r) => regex(&reached.values, r),
    }
}

/// The compiled regex is shared by every document of the request, never cloned:
/// a clone starts with empty caches, and refilling them dominates the match itself.
fn regex(values: &[&Value], r: &Regex) -> bool {
    any_candidate(values, |v| matches!(v, Value::String(s) if r.is_match(s)))
}

fn cond(c: &Cond, reached: &Reached) -> bool {
    let values = &reached.values[..];
    match c {
        Cond::Eq(v) => equals(reached, v),
        Cond::Ne(v) => !equals(reached, v),
        Cond::Gt(v) => ordered(values, v, Ordering::is_gt),
        Cond::Lt(v) => ordered(values, v, Ordering::is_lt),
        // `{$gte: null}` and `{$lte: null}` match null and missing, like equality.
        Cond::Gte(Value::Null) | Cond::Lte(Value::Null) => equals(reached, &Value::Null),
        Cond::Gte(v) => ordered(values, v, Ordering::is_ge),
        Cond::Lte(v) => ordered(values, v, Ordering::is_le),
        Cond::In(ps) => ps.iter().any(|p| pattern(reached, p)),
        Cond::Nin(ps) => !ps.iter().any(|p| pattern(reached, p)),
        Cond::All(ps) => !ps.is_empty() && ps.iter().all(|p| pattern(reached, p)),
        Cond::Exists(wanted) => values.is_empty() != *wanted,
        Cond::Regex(r) => regex(values, r),
        Cond::Not(conds) => !conds.iter().all(|c| cond(c, reached)),
        Cond::Size(n) => values.iter().any(|v| matches!(v, Value::Array(items) if items.len() == *n)),
        Cond::ElemMatch(m) => values.iter().any(|v| match v {
            Value::Array(items) => items.iter().any(|item| match m {
                ElemMatch::Conds(conds) => {
                    let element = Reached { values: vec![item], missing: false };
                    conds.iter().all(|c| cond(c, &element))
                }
                ElemMatch::Query(e) => matches!(item, Value::Object(_)) && expr(e, item),
            }),
            _ => false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use crate::document::Value;
    use crate::query::Filter;
    use serde_json::{json, Value as Json};

    /// The documents of MongoDB's `null_query_semantics.js`, by id (`undefined` left out).
    fn documents() -> Vec<(&'static str, Value)> {
        let docs = [
            ("no_a", json!({})),
            ("a_null", json!({"a": null})),
            ("a_number", json!({"a": 4})),
            ("a_empty_subobject", json!({"a": {}})),
            ("a_subobject_b_not_null", json!({"a": {"b": "hi"}})),
            ("a_subobject_b_null", json!({"a": {"b": null}})),
            ("a_double_array", json!({"a": [[]]})),
            ("a_empty_array", json!({"a": []})),
            ("a_object_array_no_b_nulls", json!({"a": [{"b": 1}, {"b": 3}, {"b": "string"}]})),
            ("a_object_array_some_b_nulls", json!({"a": [{"b": null}, {"b": 3}, {"b": null}]})),
            ("a_object_array_some_b_missing", json!({"a": [{"b": 3}, {}]})),
            ("a_value_array_all_nulls", json!({"a": [null, null]})),
            ("a_value_array_no_nulls", json!({"a": [1, "string", 4]})),
            ("a_value_array_with_null", json!({"a": [1, "string", null, 4]})),
        ];
        docs.into_iter().map(|(id, d)| (id, Value::from_extended_json(d).unwrap())).collect()
    }

    fn matching(query: &Json) -> Vec<&'static str> {
        let filter = Filter::parse(&query.to_string()).unwrap();
        documents().into_iter().filter(|(_, d)| filter.matches(d)).map(|(id, _)| id).collect()
    }

    /// Every id but the given ones: how the negations are stated.
    fn all_but(excluded: &[&str]) -> Vec<&'static str> {
        documents().into_iter().map(|(id, _)| id).filter(|id| !excluded.contains(id)).collect()
    }

    #[test]
    fn null_matches_as_in_mongodbs_null_query_semantics() {
        let a_null = ["no_a", "a_null", "a_value_array_all_nulls", "a_value_array_with_null"];
        let dotted_null = [
            "no_a",
            "a_null",
            "a_number",
            "a_empty_subobject",
            "a_subobject_b_null",
            "a_double_array",
            "a_empty_array",
            "a_object_array_some_b_nulls",
            "a_object_array_some_b_missing",
            "a_value_array_all_nulls",
            "a_value_array_no_nulls",
            "a_value_array_with_null",
        ];
        let rows: Vec<(Json, Vec<&str>)> = vec![
            (json!({"a": null}), a_null.to_vec()),
            (json!({"a": {"$eq": null}}), a_null.to_vec()),
            (json!({"a": {"$ne": null}}), all_but(&a_null)),
            (json!({"a": {"$in": [null, 75]}}), a_null.to_vec()),
            (json!({"a": {"$nin": [null, 75]}}), all_but(&a_null)),
            (json!({"a": {"$gte": null}}), a_null.to_vec()),
            (json!({"a": {"$lte": null}}), a_null.to_vec()),
            (json!({"a": {"$not": {"$gte": null}}}), all_but(&a_null)),
            (json!({"a": {"$exists": false}}), vec!["no_a"]),
            (json!({"a.b": null}), dotted_null.to_vec()),
            (json!({"a.b": {"$ne": null}}), all_but(&dotted_null)),
            (json!({"a.b": {"$in": [null, 75]}}), dotted_null.to_vec()),
            (json!({"a.b": {"$nin": [null, 75]}}), all_but(&dotted_null)),
            (json!({"a.b": {"$gte": null}}), dotted_null.to_vec()),
            (json!({"a.b": {"$lte": null}}), dotted_null.to_vec()),
            (json!({"$or": [{"a.b": null}, {"a.b": 75}]}), dotted_null.to_vec()),
            (
                json!({"a.b": {"$exists": false}}),
                vec![
                    "no_a",
                    "a_null",
                    "a_number",
                    "a_empty_subobject",
                    "a_double_array",
                    "a_empty_array",
                    "a_value_array_all_nulls",
                    "a_value_array_no_nulls",
                    "a_value_array_with_null",
                ],
            ),
            (
                json!({"a": {"$elemMatch": {"$eq": null}}}),
                vec!["a_value_array_all_nulls", "a_value_array_with_null"],
            ),
            (
                json!({"a": {"$elemMatch": {"b": null}}}),
                vec!["a_object_array_some_b_nulls", "a_object_array_some_b_missing"],
            ),
        ];
        for (query, expected) in rows {
            assert_eq!(matching(&query), expected, "{query}");
        }
    }
}
