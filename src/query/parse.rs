//! Extended JSON text into the filter tree, refusing anything outside the subset.

use super::pcre::compile;
use super::{Cond, ElemMatch, Expr, Invalid, Pattern};
use crate::document::Value;
use crate::params::valid_path;
use regex::Regex;
use serde_json::{Map, Value as Json};

/// Longest raw `query` accepted and deepest nesting (regex limits: `pcre.rs`); generous
/// for any real filter, small enough that no request can be made expensive.
pub const MAX_QUERY_LEN: usize = 4096;
pub const MAX_DEPTH: usize = 12;

type Parsed<T> = Result<T, Invalid>;

pub fn parse(raw: &str) -> Parsed<Expr> {
    if raw.len() > MAX_QUERY_LEN {
        return Err(Invalid);
    }
    let json: Json = serde_json::from_str(raw).map_err(|_| Invalid)?;
    if depth(&json) > MAX_DEPTH {
        return Err(Invalid);
    }
    match &json {
        Json::Object(map) => document(map),
        _ => Err(Invalid),
    }
}

fn depth(json: &Json) -> usize {
    match json {
        Json::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Json::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// A query document: top-level operators and field conditions, ANDed.
fn document(map: &Map<String, Json>) -> Parsed<Expr> {
    let mut all = Vec::with_capacity(map.len());
    for (key, value) in map {
        all.push(match key.as_str() {
            "$and" => Expr::And(clauses(value)?),
            "$or" => Expr::Or(clauses(value)?),
            "$nor" => Expr::Nor(clauses(value)?),
            _ if valid_path(key) => Expr::Field(key.clone(), field(value)?),
            _ => return Err(Invalid),
        });
    }
    Ok(Expr::And(all))
}

fn clauses(value: &Json) -> Parsed<Vec<Expr>> {
    let items = value.as_array().filter(|a| !a.is_empty()).ok_or(Invalid)?;
    items.iter().map(|item| item.as_object().ok_or(Invalid).and_then(document)).collect()
}

/// The conditions of one field: an operator object, or an implicit equality.
fn field(value: &Json) -> Parsed<Vec<Cond>> {
    match value {
        Json::Object(map) if is_operator_object(map)? => operators(map),
        _ => Ok(vec![match literal(value)? {
            Pattern::Value(v) => Cond::Eq(v),
            Pattern::Regex(r) => Cond::Regex(r),
        }]),
    }
}

/// True when every key is an operator, false when none is; mixing is an error.
/// Extended JSON wrappers (`$date`, …) are values, not operators.
fn is_operator_object(map: &Map<String, Json>) -> Parsed<bool> {
    if is_wrapper(map) {
        return Ok(false);
    }
    let operators = map.keys().filter(|k| k.starts_with('$')).count();
    match operators {
        0 => Ok(false),
        n if n == map.len() => Ok(true),
        _ => Err(Invalid),
    }
}

fn is_wrapper(map: &Map<String, Json>) -> bool {
    let wrappers = ["$date", "$numberLong", "$numberInt", "$numberDouble", "$regularExpression"];
    map.len() == 1 && map.keys().all(|k| wrappers.contains(&k.as_str()))
}

fn operators(map: &Map<String, Json>) -> Parsed<Vec<Cond>> {
    let options = map.get("$options");
    let mut conds = Vec::with_capacity(map.len());
    for (op, arg) in map {
        conds.push(match op.as_str() {
            "$eq" => Cond::Eq(value(arg)?),
            "$ne" => Cond::Ne(value(arg)?),
            "$gt" => Cond::Gt(value(arg)?),
            "$gte" => Cond::Gte(value(arg)?),
            "$lt" => Cond::Lt(value(arg)?),
            "$lte" => Cond::Lte(value(arg)?),
            "$in" => Cond::In(patterns(arg)?),
            "$nin" => Cond::Nin(patterns(arg)?),
            "$all" => Cond::All(patterns(arg)?),
            "$exists" => Cond::Exists(truthy(arg)?),
            "$size" => Cond::Size(size(arg)?),
            "$regex" => Cond::Regex(regex_operator(arg, options)?),
            "$options" if map.contains_key("$regex") => continue,
            "$not" => Cond::Not(not(arg)?),
            "$elemMatch" => Cond::ElemMatch(elem_match(arg)?),
            _ => return Err(Invalid),
        });
    }
    Ok(conds)
}

/// A plain value (Extended JSON allowed); regexes are not values here.
fn value(json: &Json) -> Parsed<Value> {
    match literal(json)? {
        Pattern::Value(v) => Ok(v),
        Pattern::Regex(_) => Err(Invalid),
    }
}

/// A value, or a regex in Extended JSON (`{"$regularExpression": …}`).
fn literal(json: &Json) -> Parsed<Pattern> {
    if let Some(spec) = json.get("$regularExpression").filter(|_| json.as_object().map(Map::len) == Some(1)) {
        let pattern = spec.get("pattern").and_then(Json::as_str).ok_or(Invalid)?;
        let options = spec.get("options").and_then(Json::as_str).unwrap_or("");
        return compile(pattern, options).map(Pattern::Regex);
    }
    if contains_operator(json) {
        return Err(Invalid);
    }
    Value::from_extended_json(json.clone()).map(Pattern::Value).map_err(|_| Invalid)
}

/// An operator key anywhere inside a value that is not an Extended JSON wrapper.
fn contains_operator(json: &Json) -> bool {
    match json {
        Json::Object(map) if is_wrapper(map) => false,
        Json::Object(map) => map.iter().any(|(k, v)| k.starts_with('$') || contains_operator(v)),
        Json::Array(items) => items.iter().any(contains_operator),
        _ => false,
    }
}

fn patterns(json: &Json) -> Parsed<Vec<Pattern>> {
    json.as_array().ok_or(Invalid)?.iter().map(literal).collect()
}

fn truthy(json: &Json) -> Parsed<bool> {
    match json {
        Json::Bool(b) => Ok(*b),
        Json::Number(n) => Ok(n.as_f64() != Some(0.0)),
        _ => Err(Invalid),
    }
}

fn size(json: &Json) -> Parsed<usize> {
    let n = json.as_f64().ok_or(Invalid)?;
    if n >= 0.0 && n.fract() == 0.0 && n <= u32::MAX as f64 {
        Ok(n as usize)
    } else {
        Err(Invalid)
    }
}

fn not(json: &Json) -> Parsed<Vec<Cond>> {
    match json {
        Json::Object(map) if is_wrapper(map) => match literal(json)? {
            Pattern::Regex(r) => Ok(vec![Cond::Regex(r)]),
            Pattern::Value(_) => Err(Invalid),
        },
        Json::Object(map) if !map.is_empty() && is_operator_object(map)? => operators(map),
        // MongoDB: "$not needs a regex or a document"; a string is neither.
        _ => Err(Invalid),
    }
}

fn elem_match(json: &Json) -> Parsed<ElemMatch> {
    let map = json.as_object().ok_or(Invalid)?;
    if !map.is_empty()
        && is_operator_object(map)?
        && !map.keys().any(|k| matches!(k.as_str(), "$and" | "$or" | "$nor"))
    {
        operators(map).map(ElemMatch::Conds)
    } else {
        document(map).map(|e| ElemMatch::Query(Box::new(e)))
    }
}

/// `$regex` with its `$options`: the string is always the pattern itself (a
/// `/pattern/flags` literal is shell syntax, not part of the string).
fn regex_operator(arg: &Json, options: Option<&Json>) -> Parsed<Regex> {
    let pattern = arg.as_str().ok_or(Invalid)?;
    let options = match options {
        Some(o) => o.as_str().ok_or(Invalid)?,
        None => "",
    };
    compile(pattern, options)
}
