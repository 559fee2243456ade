//! `offset`, `count` and `sort`, parsed into values that cannot be invalid.

use crate::config::PageSettings;
use crate::error::ApiError;

/// How many items to skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Offset(pub u64);

/// The page size after Rocket.Chat's clamping rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    All,
    Limit(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ascending,
    Descending,
}

/// Sort keys in the caller's order; `_id` ascending is appended as the tie-break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort(pub Vec<(String, Direction)>);

impl Default for Sort {
    fn default() -> Self {
        Sort(vec![("_createdAt".to_owned(), Direction::Ascending)])
    }
}

/// The part of the selection a page shows: `skip` integrations, then at most `take`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub skip: usize,
    pub take: usize,
}

impl Window {
    pub fn of(offset: Offset, count: Count) -> Window {
        let skip = usize::try_from(offset.0).unwrap_or(usize::MAX);
        let take = match count {
            Count::All => usize::MAX,
            Count::Limit(n) => usize::try_from(n).unwrap_or(usize::MAX),
        };
        Window { skip, take }
    }

    /// Where the window ends in the whole selection.
    pub fn end(self) -> usize {
        self.skip.saturating_add(self.take)
    }
}

/// Longest raw `sort` accepted, and most keys; far beyond any real client's needs.
pub const MAX_SORT_LEN: usize = 1024;
pub const MAX_SORT_KEYS: usize = 16;

impl Offset {
    pub fn parse(raw: Option<&str>) -> Result<Offset, ApiError> {
        match raw {
            None | Some("") => Ok(Offset(0)),
            Some(text) => non_negative("offset", text).map(Offset),
        }
    }
}

impl Count {
    pub fn parse(raw: Option<&str>, settings: &PageSettings) -> Result<Count, ApiError> {
        let requested = match raw {
            None => return Ok(Count::Limit(settings.default_count.min(settings.upper_limit))),
            Some("") => 0,
            Some(text) => non_negative("count", text)?,
        };
        Ok(match requested {
            0 if settings.allow_infinite => Count::All,
            0 => Count::Limit(settings.default_count.min(settings.upper_limit)),
            n => Count::Limit(n.min(settings.upper_limit)),
        })
    }
}

fn non_negative(name: &'static str, text: &str) -> Result<u64, ApiError> {
    let digits = !text.is_empty() && text.len() <= 20 && text.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| text.parse().ok()).flatten().ok_or(ApiError::InvalidParams(name))
}

impl Sort {
    /// One key: an endpoint's default sort.
    pub fn by(path: &str, direction: Direction) -> Sort {
        Sort(vec![(path.to_owned(), direction)])
    }

    pub fn parse(raw: Option<&str>) -> Result<Sort, ApiError> {
        Sort::parse_or(raw, Sort::default())
    }

    /// The caller's `sort`, or `default` when there is none.
    pub fn parse_or(raw: Option<&str>, default: Sort) -> Result<Sort, ApiError> {
        // An empty `sort` is no sort at all, as in Rocket.Chat.
        let Some(text) = raw.filter(|t| !t.is_empty()) else { return Ok(default) };
        let invalid = || ApiError::InvalidSort(text.to_owned());
        if text.len() > MAX_SORT_LEN {
            return Err(invalid());
        }
        let json: serde_json::Value = serde_json::from_str(text).map_err(|_| invalid())?;
        let object = json.as_object().ok_or_else(invalid)?;
        if object.len() > MAX_SORT_KEYS {
            return Err(invalid());
        }
        let keys = object.iter().map(|(path, direction)| {
            let direction = match direction.as_f64() {
                Some(1.0) => Direction::Ascending,
                Some(-1.0) => Direction::Descending,
                _ => return Err(invalid()),
            };
            valid_path(path).then(|| (path.clone(), direction)).ok_or_else(invalid)
        });
        keys.collect::<Result<_, _>>().map(Sort)
    }
}

/// A field path: dot-separated, no empty segment, no operator (`$…`).
pub fn valid_path(path: &str) -> bool {
    path.split('.').all(|s| !s.is_empty() && !s.starts_with('$'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_follows_rocket_chat_settings() {
        let s = PageSettings::default();
        assert_eq!(Count::parse(None, &s), Ok(Count::Limit(50)));
        assert_eq!(Count::parse(Some("0"), &s), Ok(Count::All));
        assert_eq!(Count::parse(Some(""), &s), Ok(Count::All));
        assert_eq!(Count::parse(Some("500"), &s), Ok(Count::Limit(100)));
        let finite = PageSettings { allow_infinite: false, ..s };
        assert_eq!(Count::parse(Some("0"), &finite), Ok(Count::Limit(50)));
        assert!(Count::parse(Some("-1"), &s).is_err());
        assert!(Count::parse(Some("1.5"), &s).is_err());
        assert!(Count::parse(Some("99999999999999999999999"), &s).is_err());
    }

    #[test]
    fn sort_accepts_only_one_and_minus_one() {
        assert!(Sort::parse(Some(r#"{"name":1,"_createdAt":-1}"#)).is_ok());
        for bad in [r#"{"name":2}"#, r#"{"name":"1"}"#, "[]", "{", r#"{"$where":1}"#, r#"{"a..b":1}"#] {
            assert_eq!(Sort::parse(Some(bad)), Err(ApiError::InvalidSort(bad.into())), "{bad}");
        }
    }
}
