//! Calls from browser apps on other origins: Rocket.Chat's `API_Enable_CORS` and
//! `API_CORS_Origin` as one variable, `API_CORS_ORIGIN` (unset: off). Parsed once at
//! start into a [`CorsPolicy`], which cannot hold a malformed origin; a value that is
//! not `*` or a list of origins stops the start with a message saying what is wrong.
//! [`layer`] puts the policy on the router.

pub mod layer;

use std::fmt;
use std::str::FromStr;

/// The variable, read once at start by both binaries.
pub const VARIABLE: &str = "API_CORS_ORIGIN";

/// What a preflight allows: the endpoint's one method and the preflight itself…
pub const ALLOW_METHODS: &str = "GET, OPTIONS";
/// …the two credential headers Rocket.Chat clients send, and `Content-Type`.
pub const ALLOW_HEADERS: &str = "X-User-Id, X-Auth-Token, Content-Type";
/// A 503's `Retry-After` is not a header browsers show scripts unless named.
pub const EXPOSE_HEADERS: &str = "Retry-After";
/// How long a browser may reuse a preflight's answer (Chromium caps it at 2 hours).
pub const MAX_AGE_SECONDS: u32 = 3600;

/// Which origins may read the endpoint's answers from a browser.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CorsPolicy {
    /// No CORS: the router is exactly the one without this module (`OPTIONS` is a 405).
    #[default]
    Off,
    /// `*`: any origin (the answers need credentials anyway, sent as headers, not cookies).
    AnyOrigin,
    /// These origins and no other; never empty.
    Origins(Vec<Origin>),
}

/// An origin as a browser writes it in `Origin`: `http` or `https`, `://`, a lowercase
/// ASCII host and a port only when not the scheme's default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin(String);

/// A value of `API_CORS_ORIGIN` that is neither `*` nor a list of origins.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{VARIABLE}: {0} (expected `*` or origins like https://chat.example.com,http://localhost:8080)")]
pub struct CorsConfigError(String);

impl CorsPolicy {
    /// The policy `API_CORS_ORIGIN` names.
    pub fn from_env() -> Result<Self, CorsConfigError> {
        Self::parse(std::env::var(VARIABLE).ok().as_deref())
    }

    /// Unset or blank: off. `*`: any origin. Otherwise origins separated by commas,
    /// every one of them well formed.
    pub fn parse(value: Option<&str>) -> Result<Self, CorsConfigError> {
        let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(CorsPolicy::Off);
        };
        if value == "*" {
            return Ok(CorsPolicy::AnyOrigin);
        }
        let mut origins: Vec<Origin> = Vec::new();
        for entry in value.split(',') {
            let origin: Origin = entry.trim().parse().map_err(CorsConfigError)?;
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        Ok(CorsPolicy::Origins(origins))
    }

    pub fn is_on(&self) -> bool {
        *self != CorsPolicy::Off
    }

    /// The `Access-Control-Allow-Origin` a request from `origin` gets, if any: `*`, or
    /// the request's own `Origin` when it is listed (compared as Rocket.Chat does,
    /// ignoring ASCII case).
    pub fn allow_origin<'a>(&self, origin: Option<&'a str>) -> Option<&'a str> {
        match self {
            CorsPolicy::Off => None,
            CorsPolicy::AnyOrigin => Some("*"),
            CorsPolicy::Origins(list) => {
                origin.filter(|sent| list.iter().any(|allowed| allowed.0.eq_ignore_ascii_case(sent)))
            }
        }
    }

    /// Whether answers differ by `Origin`, so that caches must keep them apart.
    pub fn varies_by_origin(&self) -> bool {
        matches!(self, CorsPolicy::Origins(_))
    }
}

impl fmt::Display for CorsPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorsPolicy::Off => f.write_str("off"),
            CorsPolicy::AnyOrigin => f.write_str("any origin"),
            CorsPolicy::Origins(list) => {
                let names: Vec<&str> = list.iter().map(Origin::as_str).collect();
                write!(f, "{}", names.join(", "))
            }
        }
    }
}

impl Origin {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Origin {
    type Err = String;

    /// One entry of the list, already trimmed; the error says what is wrong with it.
    fn from_str(entry: &str) -> Result<Self, String> {
        match entry {
            "" => return Err("an empty entry (two commas in a row, or one at an end)".into()),
            "*" => return Err("`*` allows every origin, so it must stand alone".into()),
            "null" => {
                return Err("`null` is the origin of sandboxed frames and local files; \
                            allowing it would let any of them call the service"
                    .into())
            }
            _ => {}
        }
        let not_an_origin = |why: &str| format!("{entry:?} is not an origin: {why}");
        let lower = entry.to_ascii_lowercase();
        let (scheme, rest) = if let Some(rest) = lower.strip_prefix("https://") {
            ("https", rest)
        } else if let Some(rest) = lower.strip_prefix("http://") {
            ("http", rest)
        } else {
            return Err(not_an_origin("an origin starts with http:// or https://"));
        };
        if rest.contains(['/', '?', '#']) {
            return Err(not_an_origin("an origin has no path, query or trailing slash"));
        }
        if rest.contains('@') {
            return Err(not_an_origin("an origin has no user name"));
        }
        let (host, port) = split_port(rest).ok_or_else(|| not_an_origin(PORT_RANGE))?;
        if !is_host(host) {
            return Err(not_an_origin(
                "the host must be a name (letters, digits, '-' and '.'; a non-ASCII name in \
                 its xn-- form, as browsers send it), an IPv4 address or an [IPv6] address",
            ));
        }
        match port {
            None => Ok(Origin(format!("{scheme}://{host}"))),
            Some(0) => Err(not_an_origin(PORT_RANGE)),
            Some(default) if default == default_port(scheme) => {
                Err(not_an_origin(&format!("browsers leave out the default port: write {scheme}://{host}")))
            }
            Some(port) => Ok(Origin(format!("{scheme}://{host}:{port}"))),
        }
    }
}

const PORT_RANGE: &str = "the port must be a number from 1 to 65535";

fn default_port(scheme: &str) -> u16 {
    if scheme == "https" {
        443
    } else {
        80
    }
}

/// `host[:port]`, an IPv6 host in brackets; `None` when a port is there but not a u16.
fn split_port(rest: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = match rest.strip_prefix('[') {
        Some(inner) => match inner.split_once(']') {
            Some((_, after)) => rest.split_at(rest.len() - after.len()),
            None => (rest, ""),
        },
        None => match rest.rsplit_once(':') {
            Some((host, _)) => (host, rest.get(host.len()..).unwrap_or_default()),
            None => (rest, ""),
        },
    };
    match port.strip_prefix(':') {
        None if port.is_empty() => Some((host, None)),
        None => None,
        Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            Some((host, Some(digits.parse().ok()?)))
        }
        Some(_) => None,
    }
}

/// A lowercase DNS name or IPv4 address (dot-separated labels of `a-z 0-9 -`), or an
/// IPv6 address in brackets.
fn is_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.contains(':') && inner.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
    }
    let label = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    !host.is_empty() && host.split('.').all(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(list: &[&str]) -> CorsPolicy {
        CorsPolicy::Origins(list.iter().map(|o| Origin(o.to_string())).collect())
    }

    #[test]
    fn unset_or_blank_is_off_and_a_star_is_any_origin() {
        assert_eq!(CorsPolicy::parse(None), Ok(CorsPolicy::Off));
        assert_eq!(CorsPolicy::parse(Some("")), Ok(CorsPolicy::Off));
        assert_eq!(CorsPolicy::parse(Some("  ")), Ok(CorsPolicy::Off));
        assert_eq!(CorsPolicy::parse(Some("*")), Ok(CorsPolicy::AnyOrigin));
        assert_eq!(CorsPolicy::parse(Some(" * ")), Ok(CorsPolicy::AnyOrigin));
    }

    #[test]
    fn origins_are_kept_as_browsers_write_them() {
        let cases = [
            ("https://chat.example.com", vec!["https://chat.example.com"]),
            ("HTTPS://Chat.Example.COM", vec!["https://chat.example.com"]),
            (
                "http://localhost:8080 , https://a.example,https://a.example",
                vec!["http://localhost:8080", "https://a.example"],
            ),
            ("http://127.0.0.1:3000,http://[::1]:3000", vec!["http://127.0.0.1:3000", "http://[::1]:3000"]),
            ("https://xn--bcher-kva.example:8443", vec!["https://xn--bcher-kva.example:8443"]),
            (
                "http://a.example:443,https://a.example:80",
                vec!["http://a.example:443", "https://a.example:80"],
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(CorsPolicy::parse(Some(value)), Ok(origins(&expected)), "{value}");
        }
    }

    #[test]
    fn anything_else_is_refused_with_its_reason() {
        let cases = [
            ("https://a.example/", "no path"),
            ("https://a.example/app", "no path"),
            ("https://a.example?x=1", "no path, query"),
            ("a.example", "starts with http:// or https://"),
            ("ftp://a.example", "starts with http"),
            ("https://", "the host must be"),
            ("https://a..example", "the host must be"),
            ("https://-a.example", "the host must be"),
            ("https://bücher.example", "xn--"),
            ("https://a_b.example", "the host must be"),
            ("https://user@a.example", "no user name"),
            ("https://a.example:443", "leave out the default port: write https://a.example"),
            ("http://a.example:80", "leave out the default port"),
            ("https://a.example:0", "from 1 to 65535"),
            ("https://a.example:99999", "from 1 to 65535"),
            ("https://a.example:", "from 1 to 65535"),
            ("https://a.example:8x", "from 1 to 65535"),
            ("https://[::1", "the host must be"),
            ("https://[::1]x", "from 1 to 65535"),
            ("https://a.example,,https://b.example", "empty entry"),
            ("https://a.example,", "empty entry"),
            ("*,https://a.example", "must stand alone"),
            ("null", "`null`"),
        ];
        for (value, reason) in cases {
            let error = CorsPolicy::parse(Some(value)).expect_err(value).to_string();
            assert!(error.starts_with("API_CORS_ORIGIN: "), "{value}: {error}");
            assert!(error.contains(reason), "{value}: {error}");
        }
    }

    #[test]
    fn listed_origins_are_echoed_and_others_get_nothing() {
        let policy = origins(&["https://chat.example.com", "http://localhost:8080"]);
        assert_eq!(policy.allow_origin(Some("https://chat.example.com")), Some("https://chat.example.com"));
        assert_eq!(policy.allow_origin(Some("HTTPS://CHAT.example.com")), Some("HTTPS://CHAT.example.com"));
        assert_eq!(policy.allow_origin(Some("http://localhost:8080")), Some("http://localhost:8080"));
        for refused in ["https://evil.example", "https://chat.example.com:444", "null", ""] {
            assert_eq!(policy.allow_origin(Some(refused)), None, "{refused}");
        }
        assert_eq!(policy.allow_origin(None), None);
        assert!(policy.varies_by_origin());

        assert_eq!(CorsPolicy::AnyOrigin.allow_origin(Some("https://evil.example")), Some("*"));
        assert_eq!(CorsPolicy::AnyOrigin.allow_origin(None), Some("*"));
        assert!(!CorsPolicy::AnyOrigin.varies_by_origin());
        assert_eq!(CorsPolicy::Off.allow_origin(Some("https://chat.example.com")), None);
    }
}
