//! Dotted paths (`_createdBy.username`) into documents.

use super::Value;

/// The values a dotted path reaches, following MongoDB: stepping into an array
/// steps into each of its elements (an array index is also accepted).
pub fn lookup<'a>(doc: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut found = Vec::new();
    walk(doc, &path.split('.').collect::<Vec<_>>(), &mut found);
    found
}

fn walk<'a>(value: &'a Value, segments: &[&str], found: &mut Vec<&'a Value>) {
    let Some((first, rest)) = segments.split_first() else {
        found.push(value);
        return;
    };
    match value {
        Value::Object(map) => {
            if let Some(child) = map.get(*first) {
                walk(child, rest, found);
            }
        }
        Value::Array(items) => {
            if let Ok(index) = first.parse::<usize>() {
                if let Some(item) = items.get(index) {
                    walk(item, rest, found);
                }
            }
            for item in items.iter().filter(|i| matches!(i, Value::Object(_))) {
                walk(item, segments, found);
            }
        }
        _ => {}
    }
}
