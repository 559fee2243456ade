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
        (Value::Object(x), Value::Object(y)) => {
            for (ex, ey) in x.iter().zip(y.iter()) {
                let ord = compare(ex.1, ey.1).then_with(|| ex.0.as_bytes().cmp(ey.0.as_bytes()));
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
}
