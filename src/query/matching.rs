//! Matching a parsed filter against a document, with MongoDB's rules for arrays,
//! missing fields and types.

use super::{Cond, ElemMatch, Expr, Pattern};
use crate::document::{compare, compare_same_type, lookup, Value};
use regex::Regex;
use std::cmp::Ordering;

pub fn expr(e: &Expr, doc: &Value) -> bool {
    match e {
        Expr::And(all) => all.iter().all(|e| expr(e, doc)),
        Expr::Or(any) => any.iter().any(|e| expr(e, doc)),
        Expr::Nor(none) => !none.iter().any(|e| expr(e, doc)),
        Expr::Field(path, conds) => {
            let values = lookup(doc, path);
            conds.iter().all(|c| cond(c, &values))
        }
    }
}

/// Whether `pred` holds for a value the path reached or, when that value is an
/// array, for one of its elements (a condition on an array field matches if
/// any element matches, and the array as a whole is a candidate too).
fn any_candidate(values: &[&Value], pred: impl Fn(&Value) -> bool) -> bool {
    values.iter().any(|v| pred(v) || matches!(v, Value::Array(items) if items.iter().any(&pred)))
}

fn equals(values: &[&Value], target: &Value) -> bool {
    match target {
        // `null` matches a missing field as well as an explicit null.
        Value::Null => values.is_empty() || any_candidate(values, |v| *v == Value::Null),
        _ => any_candidate(values, |v| compare(v, target) == Ordering::Equal),
    }
}

/// `$gt` and friends only compare values of the same type (MongoDB's type bracketing).
fn ordered(values: &[&Value], target: &Value, accept: impl Fn(Ordering) -> bool) -> bool {
    any_candidate(values, |v| compare_same_type(v, target).is_some_and(&accept))
}

fn pattern(values: &[&Value], p: &Pattern) -> bool {
    match p {
        Pattern::Value(v) => equals(values, v),
        Pattern::Regex(r) => regex(values, r),
    }
}

/// The compiled regex is shared by every document of the request, never cloned:
/// a clone starts with empty caches, and refilling them dominates the match itself.
fn regex(values: &[&Value], r: &Regex) -> bool {
    any_candidate(values, |v| matches!(v, Value::String(s) if r.is_match(s)))
}

fn cond(c: &Cond, values: &[&Value]) -> bool {
    match c {
        Cond::Eq(v) => equals(values, v),
        Cond::Ne(v) => !equals(values, v),
        Cond::Gt(v) => ordered(values, v, Ordering::is_gt),
        Cond::Lt(v) => ordered(values, v, Ordering::is_lt),
        // `{$gte: null}` and `{$lte: null}` match null and missing, like equality.
        Cond::Gte(Value::Null) | Cond::Lte(Value::Null) => equals(values, &Value::Null),
        Cond::Gte(v) => ordered(values, v, Ordering::is_ge),
        Cond::Lte(v) => ordered(values, v, Ordering::is_le),
        Cond::In(ps) => ps.iter().any(|p| pattern(values, p)),
        Cond::Nin(ps) => !ps.iter().any(|p| pattern(values, p)),
        Cond::All(ps) => !ps.is_empty() && ps.iter().all(|p| pattern(values, p)),
        Cond::Exists(wanted) => values.is_empty() != *wanted,
        Cond::Regex(r) => regex(values, r),
        Cond::Not(conds) => !conds.iter().all(|c| cond(c, values)),
        Cond::Size(n) => values.iter().any(|v| matches!(v, Value::Array(items) if items.len() == *n)),
        Cond::ElemMatch(m) => values.iter().any(|v| match v {
            Value::Array(items) => items.iter().any(|item| match m {
                ElemMatch::Conds(conds) => conds.iter().all(|c| cond(c, &[item])),
                ElemMatch::Query(e) => matches!(item, Value::Object(_)) && expr(e, item),
            }),
            _ => false,
        }),
    }
}
