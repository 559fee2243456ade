//! MongoDB's comparison order across BSON types.

use super::Value;
use std::cmp::Ordering;

/// MongoDB's canonical type order: null < numbers < strings < objects < arrays
/// < booleans < dates. (Types we never store are left out.)
fn type_rank(value: &Value) -> u8 {
    match value {
        Value::Null => 1,
        Value::Int(_) | Value::Double(_) => 2,
        Value::String(_) => 3,
        Value::Object(_) => 4,
        Value::Array(_) => 5,
        Value::Bool(_) => 8,
        Value::Date(_) => 9,
    }
}

/// Total order of two values as MongoDB compares them (strings by bytes).
pub fn compare(a: &Value, b: &Value) -> Ordering {
    let by_type = type_rank(a).cmp(&type_rank(b));
    if by_type != Ordering::Equal {
        return by_type;
    }
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Int(_) | Value::Double(_), Value::Int(_) | Value::Double(_)) => {
            as_f64(a).total_cmp(&as_f64(b))
        }
        (Value::String(x), Value::String(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Date(x), Value::Date(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => compare_seq(x.iter(), y.iter()),
        // BSON order: field by field in stored order, each by its value's type, then
        // its name, then its value; a prefix sorts first.
        (Value::Object(x), Value::Object(y)) => {
            for ((kx, vx), (ky, vy)) in x.iter().zip(y.iter()) {
                let ord = type_rank(vx)
                    .cmp(&type_rank(vy))
                    .then_with(|| kx.as_bytes().cmp(ky.as_bytes()))
                    .then_with(|| compare(vx, vy));
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            x.len().cmp(&y.len())
        }
        _ => Ordering::Equal,
    }
}

/// The order of two values of the same type bracket, `None` across types: how
/// `$gt`, `$lt` and friends compare (a number is never greater than a string).
pub fn compare_same_type(a: &Value, b: &Value) -> Option<Ordering> {
    (type_rank(a) == type_rank(b)).then(|| compare(a, b))
}

fn compare_seq<'a>(
    mut x: impl Iterator<Item = &'a Value>,
    mut y: impl Iterator<Item = &'a Value>,
) -> Ordering {
    loop {
        match (x.next(), y.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(a), Some(b)) => match compare(a, b) {
                Ordering::Equal => continue,
                other => return other,
            },
        }
    }
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Double(f) => *f,
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(j: serde_json::Value) -> Value {
        Value::from_extended_json(j).unwrap()
    }

    #[test]
    fn types_order_as_mongodb_orders_them() {
        let ascending = [
            Value::Null,
            Value::Int(-5),
            Value::Double(2.5),
            Value::Int(3),
            Value::String("B".into()),
            Value::String("a".into()),
            Value::Object(Default::default()),
            Value::Array(vec![]),
            Value::Bool(false),
            Value::Bool(true),
            Value::Date(0),
        ];
        for pair in ascending.windows(2) {
            assert_eq!(compare(&pair[0], &pair[1]), Ordering::Less, "{pair:?}");
        }
    }

    /// (a, b, MongoDB's order of a to b): BSON comparison order.
    #[test]
    fn each_rule_gives_mongodbs_order() {
        use Ordering::*;
        let rows = [
            // Embedded documents: field by field in stored order; type, then name, then value.
            (json!({"a": 1}), json!({"b": 0}), Less),
            (json!({"b": 1}), json!({"a": 2}), Greater),
            (json!({"b": 1}), json!({"a": "x"}), Less),
            (json!({"z": 1}), json!({"a": "x"}), Less),
            (json!({"a": 1}), json!({"a": 2}), Less),
            (json!({"a": 1}), json!({"a": 1.0}), Equal),
            (json!({"a": 1}), json!({"a": 1, "b": 0}), Less),
            (json!({"a": 1, "b": 2}), json!({"b": 2, "a": 1}), Less),
            (json!({"a": null}), json!({"a": 0}), Less),
            (json!({}), json!({"a": null}), Less),
            // Arrays (as values): element by element, a prefix first.
            (json!([1, 2]), json!([1, 3]), Less),
            (json!([1]), json!([1, 0]), Less),
            (json!([2]), json!([1, 5]), Greater),
            (json!(["a"]), json!([5]), Greater),
            // Numbers compare across int and double; strings by bytes.
            (json!(2), json!(2.5), Less),
            (json!("B"), json!("a"), Less),
            (json!("é"), json!("z"), Greater),
            (json!({"$date": 5}), json!({"$date": 6}), Less),
        ];
        for (a, b, expected) in rows {
            assert_eq!(compare(&v(a.clone()), &v(b.clone())), expected, "{a} vs {b}");
            assert_eq!(compare(&v(b.clone()), &v(a.clone())), expected.reverse(), "{b} vs {a}");
        }
    }
}
