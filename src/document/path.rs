//! Dotted paths (`_createdBy.username`) into documents.

use super::Value;

/// The values a dotted path reaches, following MongoDB: stepping into an array
/// steps into each of its elements (an array index is also accepted).
pub fn lookup<'a>(doc: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut found = Vec::new();
    walk(doc, path, &mut found);
    found
}

fn walk<'a>(value: &'a Value, path: &str, found: &mut Vec<&'a Value>) {
    let (first, rest) = match path.split_once('.') {
        Some((first, rest)) => (first, Some(rest)),
        None => (path, None),
    };
    let mut step = |child: &'a Value| match rest {
        Some(rest) => walk(child, rest, found),
        None => found.push(child),
    };
    match value {
        Value::Object(map) => {
            if let Some(child) = map.get(first) {
                step(child);
            }
        }
        Value::Array(items) => {
            if let Some(item) = first.parse::<usize>().ok().and_then(|i| items.get(i)) {
                step(item);
            }
            for item in items.iter().filter(|i| matches!(i, Value::Object(_))) {
                walk(item, path, found);
            }
        }
        _ => {}
    }
}
