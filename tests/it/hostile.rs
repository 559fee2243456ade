//! Hostile and malformed requests, as a table: each row is one request and the exact
//! answer the contract gives it. Every row also
//! passes the same blanket checks: no 5xx, a Rocket.Chat-shaped JSON error body for
//! every non-2xx, and nothing internal in any body. One test per section
//! (`cargo test hostile::queries`); requests go through the real router, or, when their
//! target is too long for an `http::Request`, through its own adapter.

use crate::support::*;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request};
use axum::response::IntoResponse;
use http_body_util::BodyExt;
use rc_integrations::auth::hash_token;
use rc_integrations::config::PageSettings;
use rc_integrations::document::Value;
use rc_integrations::model::{Integration, RoomRecord, TokenRecord, UserRecord};
use rc_integrations::request::RawRequest;
use rc_integrations::store::items;
use rc_integrations::Service;
use serde_json::{json, Value as Json};
use std::time::{Duration, Instant};
use tower::ServiceExt;

// The demo export (demo/), plus the extra records added by `world()`.
const RANDOM: &str = "rQ7o2dN6tQmk3Xr5P";
const SECRET_GROUP: &str = "pX9kTq2LmZ8vB4wYc";
const GRAY_ID: &str = "R4jgcQaQhvvK6K3iY";
const GRAY_TOKEN: &str = "demo-token-graywolf336";
const GUEST_ID: &str = "guestUser000000001";
const GUEST_TOKEN: &str = "demo-token-guest";
/// The admin's token as stored (its hash): presenting it must not authenticate.
const ADMIN_HASH: &str = "ui3/82zPrpjnqZbLqQeMM8D1K9n6EwuUOXOReep/WGc=";

const EXPIRED_TOKEN: &str = "hostile-expired-token";
const ORPHAN_TOKEN: &str = "hostile-orphan-token";
const ORPHAN_ID: &str = "nobodyHere0000001";
const INACTIVE_TOKEN: &str = "hostile-inactive-token";
const INACTIVE_ID: &str = "inactiveUser00001";
const NAMELESS_TOKEN: &str = "hostile-nameless-token";
const NAMELESS_ID: &str = "namelessUser00001";

const TEAM_ROOM: &str = "roomTeamChat00001"; // named "team chat": a space in the name
const CAFE_ROOM: &str = "roomCafe000000001"; // named "café"
const LONG_ROOM: &str = "roomLong000000001"; // holds one integration with very long strings
const DIRECT_ROOM: &str = "roomDirect0000001";
const OMNI_ROOM: &str = "roomOmni000000001";
/// Length of the long strings the regex attacks run against.
const LONG: usize = 50_000;

/// The demo data plus what the hostile cases need: tokens that must fail for each
/// reason, rooms with awkward names, and an integration full of long strings.
async fn world() -> Harness {
    let h = Harness::demo().await;
    let token = |clear: &str, user: &str, expires_at: Option<i64>, kind: &str| {
        items::token_item(&hash_token(clear), &TokenRecord { user_id: user.into(), expires_at }, kind)
    };
    let tokens = vec![
        token(EXPIRED_TOKEN, ADMIN_ID, Some(1_000), "login"),
        token(ORPHAN_TOKEN, ORPHAN_ID, None, "personalAccessToken"),
        token(INACTIVE_TOKEN, INACTIVE_ID, None, "personalAccessToken"),
        token(NAMELESS_TOKEN, NAMELESS_ID, None, "personalAccessToken"),
    ];
    put_items(&h, &h.tables.tokens, tokens).await;
    let user = |id: &str, username: Option<&str>, active: bool| {
        items::user_item(&UserRecord {
            id: id.into(),
            username: username.map(str::to_owned),
            roles: vec!["admin".into()],
            active,
        })
    };
    let users = vec![user(INACTIVE_ID, Some("gone"), false), user(NAMELESS_ID, None, true)];
    put_items(&h, &h.tables.users, users).await;
    let room = |id: &str, name: &str, kind: &str| {
        items::room_item(&RoomRecord {
            id: id.into(),
            name: Some(name.into()),
            kind: kind.into(),
            ..Default::default()
        })
    };
    let rooms = vec![
        room(TEAM_ROOM, "team chat", "c"),
        room(CAFE_ROOM, "café", "c"),
        room(LONG_ROOM, "longroom", "c"),
        room(DIRECT_ROOM, "direct", "d"),
        room(OMNI_ROOM, "omni", "l"),
    ];
    put_items(&h, &h.tables.rooms, rooms).await;
    let long = json!({
        "_id": "longIntegration01", "type": "webhook-outgoing",
        "name": format!("{}!", "a".repeat(LONG)), "pad": "x".repeat(LONG),
        "channel": ["#longroom"], "_createdAt": {"$date": "2020-01-01T00:00:00.000Z"},
        "_createdBy": {"_id": ADMIN_ID, "username": "demo.admin"}
    });
    let long =
        Integration::of_document("longIntegration01".into(), &Value::from_extended_json(long).unwrap());
    put_items(&h, &h.tables.integrations, vec![items::integration_item(&long, LONG_ROOM)]).await;
    h
}

// The corpus ----------------------------------------------------------------------

type Headers = Vec<(&'static str, Vec<u8>)>;

struct Case {
    name: String,
    method: &'static str,
    uri: String,
    headers: Headers,
    expect: Expect,
}

#[derive(Debug, Clone)]
enum Expect {
    /// 200 with the success body and this many matches (`total`).
    Page { total: u64 },
    /// 200 with the success body, this `total`, and this many items in the page.
    PageOf { total: u64, count: u64 },
    /// This status and exactly this JSON body.
    Error { status: u16, body: Json },
    /// A HEAD request: this status, no body.
    Head { status: u16 },
}

fn error(status: u16, wire: &str) -> Expect {
    Expect::Error { status, body: serde_json::from_str(wire).expect("an oracle body") }
}

fn unauthorized() -> Expect {
    error(401, UNAUTHORIZED)
}

fn forbidden() -> Expect {
    error(403, FORBIDDEN)
}

fn room_missing() -> Expect {
    error(400, ROOM_MISSING)
}

fn room_not_found() -> Expect {
    error(400, ROOM_NOT_FOUND)
}

fn bad_number(name: &str) -> Expect {
    Expect::Error { status: 400, body: invalid_params_body(name) }
}

/// The 400 for `sort`, `fields` or `query`, quoting the parameter as decoded.
fn bad(name: &str, raw: &str) -> Expect {
    Expect::Error { status: 400, body: invalid_parameter_body(name, raw) }
}

fn not_found() -> Expect {
    Expect::Error { status: 404, body: not_found_body() }
}

fn not_allowed() -> Expect {
    Expect::Error { status: 405, body: method_not_allowed_body() }
}

fn page(total: u64) -> Expect {
    Expect::Page { total }
}

/// Form-encodes a value for a query string (space as `+`, everything else escaped).
fn enc(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn creds(token: &str, user: &str) -> Headers {
    vec![("X-Auth-Token", token.as_bytes().to_vec()), ("X-User-Id", user.as_bytes().to_vec())]
}

fn admin() -> Headers {
    creds(ADMIN_TOKEN, ADMIN_ID)
}

fn gray() -> Headers {
    creds(GRAY_TOKEN, GRAY_ID)
}

#[derive(Default)]
struct Corpus(Vec<Case>);

impl Corpus {
    fn add(
        &mut self,
        name: impl Into<String>,
        method: &'static str,
        uri: String,
        headers: Headers,
        expect: Expect,
    ) {
        self.0.push(Case { name: name.into(), method, uri, headers, expect });
    }

    /// GET the endpoint with a raw (already encoded) query string.
    fn get(&mut self, name: impl Into<String>, headers: Headers, query: &str, expect: Expect) {
        let uri = format!("/api/v1/channels.getIntegrations?{query}");
        self.add(name, "GET", uri, headers, expect);
    }

    fn admin(&mut self, name: impl Into<String>, query: &str, expect: Expect) {
        self.get(name, admin(), query, expect);
    }

    /// As the admin on #general, with one parameter set to a raw value (encoded here).
    fn param(&mut self, name: &str, raw: &str, expect: Expect) {
        let label = format!("{name}={}", preview(raw));
        self.admin(label, &format!("roomId={GENERAL}&{name}={}", enc(raw)), expect);
    }
}

fn preview(text: &str) -> String {
    let short: String = text.chars().take(60).collect();
    if short.len() < text.len() {
        format!("{short}… ({} bytes)", text.len())
    } else {
        short
    }
}

fn nested_arrays(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

fn nested_objects(depth: usize) -> String {
    format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth))
}

/// A JSON document of about `bytes` bytes: one long string value.
fn enormous(key: &str, bytes: usize) -> String {
    format!(r#"{{"{key}":"{}"}}"#, "z".repeat(bytes))
}

/// The corpus by section; each section is one test below (`cargo test hostile::paging`).
const SECTIONS: [fn(&mut Corpus); 8] = [
    authentication_cases,
    rooms_cases,
    paging_cases,
    sorting_cases,
    projection_cases,
    queries_cases,
    regexes_cases,
    paths_and_methods_cases,
];

fn general() -> String {
    format!("roomId={GENERAL}")
}

fn authentication_cases(c: &mut Corpus) {
    let general = general();
    let g = general.as_str();
    let token = |v: &[u8]| vec![("X-Auth-Token", v.to_vec()), ("X-User-Id", ADMIN_ID.as_bytes().to_vec())];
    let user = |v: &[u8]| vec![("X-Auth-Token", ADMIN_TOKEN.as_bytes().to_vec()), ("X-User-Id", v.to_vec())];
    let bytes = |s: &str| s.as_bytes().to_vec();

    c.get("valid admin", admin(), g, page(3));
    c.get("no headers", vec![], g, unauthorized());
    c.get("token only", vec![("X-Auth-Token", bytes(ADMIN_TOKEN))], g, unauthorized());
    c.get("user id only", vec![("X-User-Id", bytes(ADMIN_ID))], g, unauthorized());
    c.get("empty token", token(b""), g, unauthorized());
    c.get("empty user id", user(b""), g, unauthorized());
    c.get("both empty", creds("", ""), g, unauthorized());
    c.get("token is a space", token(b" "), g, unauthorized());
    c.get("token with a leading space", token(format!(" {ADMIN_TOKEN}").as_bytes()), g, unauthorized());
    c.get("token with a trailing space", token(format!("{ADMIN_TOKEN} ").as_bytes()), g, unauthorized());
    c.get("token with a tab inside", token(b"9HqLlyZOugo\tStsXCUfD"), g, unauthorized());
    c.get("token lower-cased", token(ADMIN_TOKEN.to_lowercase().as_bytes()), g, unauthorized());
    c.get("token upper-cased", token(ADMIN_TOKEN.to_uppercase().as_bytes()), g, unauthorized());
    c.get("token truncated", token(&ADMIN_TOKEN.as_bytes()[..ADMIN_TOKEN.len() - 1]), g, unauthorized());
    c.get("token with a char appended", token(format!("{ADMIN_TOKEN}x").as_bytes()), g, unauthorized());
    c.get("stored hash as token (pass-the-hash)", token(ADMIN_HASH.as_bytes()), g, unauthorized());
    c.get("token 'null'", token(b"null"), g, unauthorized());
    c.get("token 'undefined'", token(b"undefined"), g, unauthorized());
    c.get("token '*'", token(b"*"), g, unauthorized());
    c.get("token NoSQL operator", token(br#"{"$ne":null}"#), g, unauthorized());
    c.get("token 10 KB", token(&vec![b'A'; 10 * 1024]), g, unauthorized());
    c.get("token 100 KB", token(&vec![b'A'; 100 * 1024]), g, unauthorized());
    c.get("token 1 MB", token(&vec![b'k'; 1024 * 1024]), g, unauthorized());
    c.get("token non-UTF-8 0xFF 0xFE", token(&[0xFF, 0xFE, b'a']), g, unauthorized());
    let mut valid_then_ff = bytes(ADMIN_TOKEN);
    valid_then_ff.push(0xFF);
    c.get("valid token followed by 0xFF", token(&valid_then_ff), g, unauthorized());
    c.get("token with UTF-8 non-ASCII", token("tökén".as_bytes()), g, unauthorized());
    c.get("user id 1,024 bytes (unknown)", user(&vec![b'u'; 1024]), g, unauthorized());
    c.get("user id 1,025 bytes", user(&vec![b'u'; 1025]), g, unauthorized());
    c.get("user id 10 KB", user(&vec![b'u'; 10 * 1024]), g, unauthorized());
    c.get("user id 100 KB", user(&vec![b'u'; 100 * 1024]), g, unauthorized());
    c.get("user id non-UTF-8 0xFF", user(&[0xFF, 0xFF]), g, unauthorized());
    let mut id_then_ff = bytes(ADMIN_ID);
    id_then_ff.push(0xFF);
    c.get("valid user id followed by 0xFF", user(&id_then_ff), g, unauthorized());
    c.get("user id with a 0x80 byte", user(&[b'a', 0x80, b'b']), g, unauthorized());
    c.get("user id upper-cased", user(ADMIN_ID.to_uppercase().as_bytes()), g, unauthorized());
    c.get("user id with a trailing space", user(format!("{ADMIN_ID} ").as_bytes()), g, unauthorized());
    c.get("user id '*'", user(b"*"), g, unauthorized());
    c.get("user id NoSQL operator", user(br#"{"$ne":null}"#), g, unauthorized());
    c.get("user id is the token's hash", user(ADMIN_HASH.as_bytes()), g, unauthorized());
    c.get("admin token, graywolf's id", creds(ADMIN_TOKEN, GRAY_ID), g, unauthorized());
    c.get("graywolf's token, admin id", creds(GRAY_TOKEN, ADMIN_ID), g, unauthorized());
    c.get("expired login token", creds(EXPIRED_TOKEN, ADMIN_ID), g, unauthorized());
    c.get("token of a user that does not exist", creds(ORPHAN_TOKEN, ORPHAN_ID), g, unauthorized());
    c.get("token of an inactive user", creds(INACTIVE_TOKEN, INACTIVE_ID), g, unauthorized());
    c.get("token of a user without username", creds(NAMELESS_TOKEN, NAMELESS_ID), g, unauthorized());
    c.get(
        "token comma-joined with itself",
        token(format!("{ADMIN_TOKEN}, {ADMIN_TOKEN}").as_bytes()),
        g,
        unauthorized(),
    );
    c.get("token with a Bearer prefix", token(format!("Bearer {ADMIN_TOKEN}").as_bytes()), g, unauthorized());
    c.get(
        "Authorization: Bearer instead of X-Auth-Token",
        vec![("Authorization", bytes(&format!("Bearer {ADMIN_TOKEN}"))), ("X-User-Id", bytes(ADMIN_ID))],
        g,
        unauthorized(),
    );
    c.get(
        "credentials as cookies",
        vec![("Cookie", bytes(&format!("rc_token={ADMIN_TOKEN}; rc_uid={ADMIN_ID}")))],
        g,
        unauthorized(),
    );
    c.get(
        "credentials as query parameters",
        vec![],
        &format!(
            "{g}&X-Auth-Token={ADMIN_TOKEN}&X-User-Id={ADMIN_ID}&authToken={ADMIN_TOKEN}&userId={ADMIN_ID}"
        ),
        unauthorized(),
    );
    // Repeated headers: read joined with `, ` as Rocket.Chat's Node server reads them,
    // so no credential at all, whichever value is the good one (the same on every
    // Lambda front end: tests/it/lambda_events.rs).
    let twice = |name: &'static str, first: &str, second: &str, other: (&'static str, &str)| {
        vec![(name, bytes(first)), (name, bytes(second)), (other.0, bytes(other.1))]
    };
    c.get(
        "token twice, valid first",
        twice("X-Auth-Token", ADMIN_TOKEN, "bogus", ("X-User-Id", ADMIN_ID)),
        g,
        unauthorized(),
    );
    c.get(
        "token twice, bogus first",
        twice("X-Auth-Token", "bogus", ADMIN_TOKEN, ("X-User-Id", ADMIN_ID)),
        g,
        unauthorized(),
    );
    c.get(
        "token twice, empty first",
        twice("X-Auth-Token", "", ADMIN_TOKEN, ("X-User-Id", ADMIN_ID)),
        g,
        unauthorized(),
    );
    c.get(
        "user id twice, valid first",
        twice("X-User-Id", ADMIN_ID, GRAY_ID, ("X-Auth-Token", ADMIN_TOKEN)),
        g,
        unauthorized(),
    );
    c.get(
        "user id twice, other user first",
        twice("X-User-Id", GRAY_ID, ADMIN_ID, ("X-Auth-Token", ADMIN_TOKEN)),
        g,
        unauthorized(),
    );
    c.get(
        "header names in lower case",
        vec![("x-auth-token", bytes(ADMIN_TOKEN)), ("x-user-id", bytes(ADMIN_ID))],
        g,
        page(3),
    );
    c.get(
        "header names in upper case",
        vec![("X-AUTH-TOKEN", bytes(ADMIN_TOKEN)), ("X-USER-ID", bytes(ADMIN_ID))],
        g,
        page(3),
    );
    // The order of checks: 401 before anything else, 403 before the room and parameters.
    c.get("no credentials, no room, bad sort", vec![], "sort=%7B&offset=-1", unauthorized());
    c.get("guest is forbidden", creds(GUEST_TOKEN, GUEST_ID), g, forbidden());
    c.get("guest, missing room", creds(GUEST_TOKEN, GUEST_ID), "", forbidden());
    c.get("guest, bad sort", creds(GUEST_TOKEN, GUEST_ID), &format!("{g}&sort=%7B"), forbidden());
    c.get(
        "guest, private group",
        creds(GUEST_TOKEN, GUEST_ID),
        &format!("roomId={SECRET_GROUP}"),
        forbidden(),
    );
    c.get("graywolf sees only own outgoing", gray(), g, page(2));
}

fn rooms_cases(c: &mut Corpus) {
    c.admin("roomName=general", "roomName=general", page(3));
    c.admin("no parameters at all", "", room_missing());
    c.admin("roomId and roomName empty", "roomId=&roomName=", room_missing());
    c.admin("roomId a space (+)", "roomId=+", room_missing());
    c.admin("roomId a space (%20)", "roomId=%20", room_missing());
    c.admin("roomId a tab", "roomId=%09", room_missing());
    c.admin("roomId a newline", "roomId=%0A%0D", room_missing());
    c.admin("roomId key without =", "roomId", room_missing());
    c.admin("roomId key without =, then roomName", "roomId&roomName=general", page(3));
    c.admin("value without key", &format!("={GENERAL}"), room_missing());
    c.admin("stray ampersands", &format!("&&&roomId={GENERAL}&&&"), page(3));
    c.admin("semicolon separator is not a separator", &format!(";roomId={GENERAL}"), room_missing());
    c.admin("semicolon inside the value", &format!("roomId={GENERAL};roomName=x"), room_not_found());
    c.admin("ROOMID (wrong case) is unknown", &format!("ROOMID={GENERAL}"), room_missing());
    c.admin("roomid (wrong case) is unknown", &format!("roomid={GENERAL}"), room_missing());
    c.admin("room_id is unknown", &format!("room_id={GENERAL}"), room_missing());
    c.admin("roomId=%00", "roomId=%00", room_not_found());
    c.admin("roomId=%FF", "roomId=%FF", room_not_found());
    c.admin("roomId overlong UTF-8 %C0%AF", "roomId=%C0%AF", room_not_found());
    c.admin("roomId double-encoded %2524", "roomId=%2524", room_not_found());
    c.admin("roomId double-encoded letter", "roomId=%2542yehQjC44FwMeiLbX", room_not_found());
    c.admin("roomId with a percent-encoded letter", "roomId=Byeh%51jC44FwMeiLbX", page(3));
    c.admin("roomId with a trailing NUL", &format!("roomId={GENERAL}%00"), room_not_found());
    c.admin("roomId with a trailing space", &format!("roomId={GENERAL}%20"), room_not_found());
    c.admin("roomId lower-cased", &format!("roomId={}", GENERAL.to_lowercase()), room_not_found());
    c.admin("roomId is the public-channels partition", "roomId=all_public_channels", room_not_found());
    c.admin("roomName is the public-channels partition", "roomName=all_public_channels", room_not_found());
    c.admin("roomId is the unplaced partition '-'", "roomId=-", room_not_found());
    c.admin("roomId path traversal", "roomId=..%2F..%2Fetc%2Fpasswd", room_not_found());
    c.admin("roomId RTL override", "roomId=%E2%80%AEgeneral", room_not_found());
    c.admin("roomId NoSQL operator", "roomId=%7B%22%24ne%22%3A1%7D", room_not_found());
    c.admin("roomId $gt operator", &format!("roomId={}", enc(r#"{"$gt":""}"#)), room_not_found());
    c.admin("roomId[$ne]= is an unknown parameter", "roomId[$ne]=", room_missing());
    c.admin("roomId%5B%24ne%5D= is an unknown parameter", "roomId%5B%24ne%5D=", room_missing());
    c.admin("roomId[$ne]= beside roomName", "roomId[$ne]=x&roomName=general", page(3));
    c.admin("roomId[]= is an unknown parameter", &format!("roomId[]={GENERAL}"), room_missing());
    c.admin("roomName regex object", &format!("roomName={}", enc(r#"{"$regex":".*"}"#)), room_not_found());
    c.admin("roomName '.*'", "roomName=.*", room_not_found());
    c.admin("roomName '*'", "roomName=*", room_not_found());
    c.admin("roomName '%'", "roomName=%25", room_not_found());
    c.admin("roomName percent-encoded letter", "roomName=gen%65ral", page(3));
    c.admin("roomName fully percent-encoded", "roomName=%67%65%6E%65%72%61%6C", page(3));
    c.admin("roomName General", "roomName=General", room_not_found());
    c.admin("roomName GENERAL", "roomName=GENERAL", room_not_found());
    c.admin("roomName with a trailing NUL", "roomName=general%00", room_not_found());
    c.admin("roomName with a trailing space", "roomName=general%20", room_not_found());
    c.admin("roomName with a leading space", "roomName=+general", room_not_found());
    c.admin("roomName with a leading #", "roomName=%23general", room_not_found());
    c.admin("roomName with '+' as a space", "roomName=team+chat", page(1));
    c.admin("roomName with %20 as a space", "roomName=team%20chat", page(1));
    c.admin("roomName with %2B is a plus", "roomName=team%2Bchat", room_not_found());
    c.admin("roomName in UTF-8", "roomName=caf%C3%A9", page(1));
    c.admin("roomName decomposed (NFD)", "roomName=cafe%CC%81", room_not_found());
    c.admin("roomName in Latin-1", "roomName=caf%E9", room_not_found());
    c.admin("roomName emoji", "roomName=%F0%9F%92%A9", room_not_found());
    c.admin("private group by name", "roomName=secret", room_not_found());
    c.admin("private group by id", &format!("roomId={SECRET_GROUP}"), room_not_found());
    c.admin("direct room", &format!("roomId={DIRECT_ROOM}"), room_not_found());
    c.admin("omnichannel room", &format!("roomId={OMNI_ROOM}"), page(1));
    c.admin("roomId 1,024 bytes", &format!("roomId={}", "r".repeat(1024)), room_not_found());
    c.admin("roomId 1,025 bytes", &format!("roomId={}", "r".repeat(1025)), room_not_found());
    c.admin("roomId 10 KB", &format!("roomId={}", "r".repeat(10 * 1024)), room_not_found());
    c.admin("roomId 60 KB", &format!("roomId={}", "r".repeat(60 * 1024)), room_not_found());
    c.admin("roomId 100 KB", &format!("roomId={}", "r".repeat(100 * 1024)), room_not_found());
    c.admin("roomId 1 MB", &format!("roomId={}", "r".repeat(1024 * 1024)), room_not_found());
    c.admin("roomName 1,024 bytes of é", &format!("roomName={}", "%C3%A9".repeat(512)), room_not_found());
    c.admin("roomName 1 MB", &format!("roomName={}", "n".repeat(1024 * 1024)), room_not_found());
    // roomId wins over roomName; an empty roomId falls back to roomName; the first of
    // a repeated parameter counts.
    c.get("roomId wins over roomName", gray(), &format!("roomId={GENERAL}&roomName=random"), page(2));
    c.get("empty roomId falls back to roomName", gray(), "roomId=&roomName=random", page(1));
    c.admin("unknown roomId does not fall back", "roomId=nope&roomName=general", room_not_found());
    c.get("roomId twice, #general first", gray(), &format!("roomId={GENERAL}&roomId={RANDOM}"), page(2));
    c.get("roomId twice, #random first", gray(), &format!("roomId={RANDOM}&roomId={GENERAL}"), page(1));
    c.admin("roomId twice, empty first", &format!("roomId=&roomId={GENERAL}"), room_missing());
    // includeAllPublicChannels: on only for the exact string `true`.
    for (raw, total) in [
        ("true", 3),
        ("false", 2),
        ("TRUE", 2),
        ("True", 2),
        ("1", 2),
        ("", 2),
        ("yes", 2),
        ("true+", 2),
        ("true%00", 2),
        ("%22true%22", 2),
        ("%74rue", 3),
        ("false&includeAllPublicChannels=true", 2),
        ("true&includeAllPublicChannels=false", 3),
    ] {
        c.admin(
            format!("includeAllPublicChannels={raw}"),
            &format!("roomId={GENERAL}&includeAllPublicChannels={raw}"),
            page(total),
        );
    }
    c.admin(
        "includeallpublicchannels (wrong case) is unknown",
        &format!("roomId={GENERAL}&includeallpublicchannels=false"),
        page(3),
    );
    c.admin(
        "includeAllPublicChannels[$ne] is unknown",
        &format!("roomId={GENERAL}&includeAllPublicChannels[$ne]=true"),
        page(3),
    );
    c.admin("10,000 unknown parameters", &format!("roomId={GENERAL}{}", "&_=1".repeat(10_000)), page(3));
    c.admin(
        "unknown parameter of 1 MB",
        &format!("roomId={GENERAL}&junk={}", "j".repeat(1024 * 1024)),
        page(3),
    );
}

fn paging_cases(c: &mut Corpus) {
    for name in ["offset", "count"] {
        for raw in [
            "-1",
            "-0",
            "abc",
            "1.5",
            "1.0",
            "1e3",
            "+1",
            "0x10",
            " 1",
            "1 ",
            "1\0",
            "１",
            "NaN",
            "Infinity",
            "null",
            "true",
            "[]",
            r#"{"$gt":0}"#,
            "18446744073709551616",
            "99999999999999999999999",
            "000000000000000000001",
        ] {
            c.param(name, raw, bad_number(name));
        }
        c.param(name, &"9".repeat(60 * 1024), bad_number(name));
        c.param(name, &"9".repeat(1024 * 1024), bad_number(name));
    }
    let g = format!("roomId={GENERAL}");
    c.admin("offset=%FF", &format!("{g}&offset=%FF"), bad_number("offset"));
    c.admin("count=%C0%B1 (overlong '1')", &format!("{g}&count=%C0%B1"), bad_number("count"));
    c.admin("offset=", &format!("{g}&offset="), Expect::PageOf { total: 3, count: 3 });
    c.admin("offset=2", &format!("{g}&offset=2"), Expect::PageOf { total: 3, count: 1 });
    c.admin(
        "offset with 19 leading zeros",
        &format!("{g}&offset=00000000000000000001"),
        Expect::PageOf { total: 3, count: 2 },
    );
    c.admin(
        "offset=u64::MAX",
        &format!("{g}&offset=18446744073709551615"),
        Expect::PageOf { total: 3, count: 0 },
    );
    c.admin("count=0 is all", &format!("{g}&count=0"), Expect::PageOf { total: 3, count: 3 });
    c.admin("count= is all", &format!("{g}&count="), Expect::PageOf { total: 3, count: 3 });
    c.admin("count=1", &format!("{g}&count=1"), Expect::PageOf { total: 3, count: 1 });
    c.admin(
        "count=u64::MAX is clamped",
        &format!("{g}&count=18446744073709551615"),
        Expect::PageOf { total: 3, count: 3 },
    );
    c.admin("offset[$gt] is unknown", &format!("{g}&offset[$gt]=0"), page(3));
    c.admin("offset twice, bad first", &format!("{g}&offset=-1&offset=0"), bad_number("offset"));
    c.admin("offset twice, good first", &format!("{g}&offset=0&offset=-1"), page(3));
    c.admin("bad offset and bad count: offset first", &format!("{g}&count=x&offset=y"), bad_number("offset"));
    c.admin("bad count before bad sort", &format!("{g}&sort=%7B&count=x"), bad_number("count"));
    c.admin("bad offset, no room: room first", "offset=-1", room_missing());
    c.admin("bad offset, unknown room: room first", "roomId=nowhere&offset=-1", room_not_found());
    c.admin(
        "bad offset, private group: room first",
        &format!("roomId={SECRET_GROUP}&offset=-1"),
        room_not_found(),
    );
}

fn sorting_cases(c: &mut Corpus) {
    for raw in [
        r#"{"name":2}"#,
        r#"{"name":"1"}"#,
        r#"{"name":true}"#,
        r#"{"name":null}"#,
        r#"{"name":1.5}"#,
        r#"{"name":-2}"#,
        r#"{"name":0}"#,
        r#"{"name":[1]}"#,
        "[1]",
        "[]",
        "name",
        "1",
        "null",
        "true",
        "{",
        "}",
        r#"{"name":1,}"#,
        r#"{"name":1}x"#,
        r#"{"name":1}{"name":1}"#,
        r#"{'name':1}"#,
        r#"{name:1}"#,
        r#"{"$natural":1}"#,
        r#"{"$where":1}"#,
        r#"{"a.$":1}"#,
        r#"{"a..b":1}"#,
        r#"{"":1}"#,
        r#"{".a":1}"#,
        r#"{"a.":1}"#,
        r#"{"a":{"$gt":1}}"#,
        r#"{"score":{"$meta":"textScore"}}"#,
        r#"{"__proto__":{"polluted":1}}"#,
        r#"{"constructor":{"prototype":1}}"#,
        "{\"name\":1}\u{0}",
        "\u{feff}{\"name\":1}",
    ] {
        c.param("sort", raw, bad("sort", raw));
    }
    let keys = |n: usize| {
        let inner: Vec<String> = (0..n).map(|i| format!(r#""k{i}":1"#)).collect();
        format!("{{{}}}", inner.join(","))
    };
    let seventeen = keys(17);
    c.param("sort", &seventeen, bad("sort", &seventeen));
    let long = format!(r#"{{"{}":1}}"#, "k".repeat(1020));
    c.param("sort", &long, bad("sort", &long));
    for raw in [
        nested_arrays(1000),
        nested_arrays(500),
        nested_objects(1000),
        enormous("k", 60 * 1024),
        enormous("k", 1024 * 1024),
    ] {
        c.param("sort", &raw, bad("sort", &raw));
    }
    let g = format!("roomId={GENERAL}");
    c.admin("sort=%FF", &format!("{g}&sort=%FF"), bad("sort", "\u{FFFD}"));
    c.admin(
        "sort double-encoded",
        &format!("{g}&sort=%257B%2522name%2522%253A1%257D"),
        bad("sort", "%7B%22name%22%3A1%7D"),
    );
    c.admin("sort with %2B1", &format!("{g}&sort=%7B%22name%22%3A%2B1%7D"), bad("sort", r#"{"name":+1}"#));
    c.admin("sort with + (a space) before 1", &format!("{g}&sort=%7B%22name%22%3A+1%7D"), page(3));
    for raw in [
        "",
        "{}",
        r#"{"name":1}"#,
        r#"{"name":-1}"#,
        r#"{"name":1.0}"#,
        r#"{"name":-1e0}"#,
        r#"{"_id":-1}"#,
        r#"{"a.b.c.d":1}"#,
        r#"{"name":1,"name":-1}"#,
        r#"{"__proto__":1}"#,
        r#"{"constructor":-1}"#,
        r#"{"constructor.prototype":1}"#,
        r#"{"prototype":1,"toString":-1,"hasOwnProperty":1}"#,
        "{\"\\u0000\":1}",
        r#"{"ä":1}"#,
        " {\"name\":1} ",
    ] {
        c.param("sort", raw, page(3));
    }
    c.param("sort", &keys(16), page(3));
}

fn projection_cases(c: &mut Corpus) {
    for raw in [
        r#"{"name":2}"#,
        r#"{"name":"1"}"#,
        r#"{"name":null}"#,
        r#"{"name":-1}"#,
        r#"{"name":1.5}"#,
        r#"{"_id":2}"#,
        r#"{"name":1,"token":0}"#,
        r#"{"name":1,"name.x":1}"#,
        r#"{"$where":1}"#,
        r#"{"name.$":1}"#,
        r#"{"channel":{"$slice":1}}"#,
        r#"{"channel":{"$elemMatch":{}}}"#,
        r#"{"$**":1}"#,
        r#"{"":1}"#,
        r#"{"a..b":0}"#,
        "[]",
        "name",
        "{",
        r#"{"__proto__":{"polluted":1}}"#,
        r#"{"constructor":{"prototype":{"x":1}}}"#,
    ] {
        c.param("fields", raw, bad("fields", raw));
    }
    let paths = |n: usize| {
        let inner: Vec<String> = (0..n).map(|i| format!(r#""f{i}":1"#)).collect();
        format!("{{{}}}", inner.join(","))
    };
    let sixty_five = paths(65);
    c.param("fields", &sixty_five, bad("fields", &sixty_five));
    let long = format!(r#"{{"{}":1}}"#, "f".repeat(2045));
    c.param("fields", &long, bad("fields", &long));
    for raw in
        [nested_arrays(1000), nested_objects(400), enormous("f", 60 * 1024), enormous("f", 1024 * 1024)]
    {
        c.param("fields", &raw, bad("fields", &raw));
    }
    for raw in [
        "",
        "{}",
        r#"{"name":1}"#,
        r#"{"name":0}"#,
        r#"{"_id":0}"#,
        r#"{"_id":0,"name":1}"#,
        r#"{"name":true}"#,
        r#"{"token":false,"script":0}"#,
        r#"{"_createdBy._id":1}"#,
        r#"{"__proto__":1}"#,
        r#"{"constructor":0}"#,
        r#"{"joinCode":1,"members":1}"#,
    ] {
        c.param("fields", raw, page(3));
    }
    c.param("fields", &paths(64), page(3));
}

fn queries_cases(c: &mut Corpus) {
    for raw in [
        r#"{"$where":"1"}"#,
        r#"{"$where":"function(){return true}"}"#,
        r#"{"$expr":{"$eq":[1,1]}}"#,
        r#"{"$function":{"body":"x","args":[],"lang":"js"}}"#,
        r#"{"$text":{"$search":"guggy"}}"#,
        r#"{"$comment":"x"}"#,
        r#"{"$jsonSchema":{}}"#,
        r#"{"$unknown":1}"#,
        r#"{"name":{"$unknown":1}}"#,
        r#"{"name":{"$where":"1"}}"#,
        r#"{"name":{"$in":1}}"#,
        r#"{"name":{"$nin":"x"}}"#,
        r#"{"channel":{"$size":-1}}"#,
        r#"{"channel":{"$size":1.5}}"#,
        r#"{"channel":{"$size":4294967296}}"#,
        r#"{"name":{"$options":"i"}}"#,
        r#"{"name":{"$regex":"x","$options":"g"}}"#,
        r#"{"name":{"$regex":"x","$options":"iu?"}}"#,
        r#"{"name":{"$not":"x"}}"#,
        r#"{"name":{"$eq":{"$ne":1}}}"#,
        r#"{"name":{"b":{"$ne":1}}}"#,
        r#"{"name":{"$gt":1,"b":2}}"#,
        r#"{"name":{"$exists":"yes"}}"#,
        r#"{"name":{"$not":1}}"#,
        r#"{"name":{"$elemMatch":1}}"#,
        r#"{"$and":[]}"#,
        r#"{"$and":{}}"#,
        r#"{"$or":[1]}"#,
        r#"{"$nor":"x"}"#,
        r#"{"$or":[{"$where":"1"}]}"#,
        r#"{"":1}"#,
        r#"{"$":1}"#,
        r#"{"a.$b":1}"#,
        r#"{"....":1}"#,
        r#"{"_createdAt":{"$gt":{"$date":1e400}}}"#,
        r#"{"_createdAt":{"$gt":{"$date":"+275760-09-13T00:00:00Z"}}}"#,
        r#"{"_createdAt":{"$gt":{"$date":{"$numberLong":"99999999999999999999"}}}}"#,
        r#"{"_createdAt":{"$gt":{"$date":1.5}}}"#,
        r#"{"_createdAt":{"$gt":{"$date":true}}}"#,
        r#"{"_createdAt":{"$gt":{"$date":null}}}"#,
        r#"{"retryCount":{"$numberLong":"1e5"}}"#,
        r#"{"name":"\ud800"}"#,
        "[]",
        "\"string\"",
        "1",
        "null",
        "true",
        "{",
        r#"{"a":1}x"#,
        "/* comment */ {}",
        "{\"a\":NaN}",
        "\u{feff}{}",
        r#"{"constructor":{"$where":"1"}}"#,
        r#"{"__proto__":{"$or":[{"_id":{"$exists":true}}]}}"#,
    ] {
        c.param("query", raw, bad("query", raw));
    }
    // Limits: 4,096 bytes and 12 levels of nesting.
    let deep_and = |levels: usize| {
        // Each `{"$and":[ … ]}` is two levels (object + array).
        let mut q = r#"{"name":"Guggy"}"#.to_owned();
        for _ in 0..levels {
            q = format!(r#"{{"$and":[{q}]}}"#);
        }
        q
    };
    c.param("query", &deep_and(5), page(1)); // 12 levels
    let too_deep = deep_and(6);
    c.param("query", &too_deep, bad("query", &too_deep));
    let at_limit = format!(r#"{{"name":"{}"}}"#, "q".repeat(4096 - 11));
    assert_eq!(at_limit.len(), 4096);
    c.param("query", &at_limit, page(0));
    let over = format!(r#"{{"name":"{}"}}"#, "q".repeat(4096 - 10));
    c.param("query", &over, bad("query", &over));
    for raw in [
        nested_arrays(1000),
        nested_objects(1000),
        enormous("name", 60 * 1024),
        enormous("name", 1024 * 1024),
    ] {
        c.param("query", &raw, bad("query", &raw));
    }
    let g = format!("roomId={GENERAL}");
    c.admin("query=%FF", &format!("{g}&query=%FF"), bad("query", "\u{FFFD}"));
    c.admin("query double-encoded", &format!("{g}&query=%257B%257D"), bad("query", "%7B%7D"));
    c.admin(
        "query with overlong UTF-8 in a string",
        &format!("{g}&query=%7B%22name%22%3A%22%C0%AF%22%7D"),
        page(0),
    );
    // A raw control character inside a JSON string is not JSON (it must be escaped).
    c.admin(
        "query with a raw NUL in a string",
        &format!("{g}&query=%7B%22name%22%3A%22Gug%00gy%22%7D"),
        bad("query", "{\"name\":\"Gug\u{0}gy\"}"),
    );
    c.admin(
        "query with an escaped NUL in a string",
        &format!("{g}&query={}", enc(r#"{"name":"Gug\u0000gy"}"#)),
        page(0),
    );
    c.admin("query= is no query", &format!("{g}&query="), page(3));
    c.admin(
        "query with + as a space",
        &format!("roomId={RANDOM}&query=%7B%22name%22%3A%22Random+poster%22%7D"),
        page(1),
    );
    c.admin(
        "query with %2B as a plus",
        &format!("roomId={RANDOM}&query=%7B%22name%22%3A%22Random%2Bposter%22%7D"),
        page(0),
    );
    for (raw, total) in [
        ("{}", 3),
        (" {} ", 3),
        (r#"{"type":"webhook-outgoing"}"#, 2),
        (r#"{"name":"\u0047uggy"}"#, 1),
        (r#"{"type":"webhook-incoming","type":"webhook-outgoing"}"#, 2),
        (r#"{"__proto__":{"isAdmin":true}}"#, 0),
        (r#"{"constructor":{"prototype":{"isAdmin":true}}}"#, 0),
        (r#"{"__proto__.isAdmin":true}"#, 0),
        (r#"{"$or":[{"__proto__":null}]}"#, 3),
        (r#"{"constructor":{"$exists":false}}"#, 3),
        (r#"{"__proto__":{"$ne":null}}"#, 0),
        (r#"{"prototype":{"$exists":true}}"#, 0),
        (r#"{"_createdAt":{"$gt":{"$date":9223372036854775807}}}"#, 0),
        (r#"{"_createdAt":{"$gt":{"$date":-9223372036854775808}}}"#, 3),
        (r#"{"_createdAt":{"$lt":{"$date":"9999-12-31T23:59:59.999Z"}}}"#, 3),
        (r#"{"_createdAt":{"$gt":{"$date":{"$numberLong":"-9223372036854775808"}}}}"#, 3),
        (r#"{"retryCount":{"$numberLong":"6"}}"#, 1),
        (r#"{"retryCount":6.0}"#, 1),
        (r#"{"retryCount":{"$gt":1e308}}"#, 0),
        (r#"{"retryCount":18446744073709551616}"#, 0),
        (r#"{"retryCount":{"$numberDouble":"NaN"}}"#, 0),
        (r#"{"channel":{"$size":4294967295}}"#, 0),
        (r#"{"channel.99999999999999999999999":"x"}"#, 0),
        (r#"{"name":{"$regex":"\\p{Greek}+"}}"#, 0),
        (r#"{"name":{"$regex":"(?i)GUGGY"}}"#, 1),
        (r#"{"name":{"$regex":"\u0000"}}"#, 0),
    ] {
        c.param("query", raw, page(total));
    }
    let wide_in = format!(r#"{{"name":{{"$in":[{}"Guggy"]}}}}"#, "1,".repeat(1500));
    c.param("query", &wide_in, page(1));
    let wide_or = format!(r#"{{"$or":[{}{{"name":"Guggy"}}]}}"#, r#"{"a":1},"#.repeat(400));
    c.param("query", &wide_or, page(1));
    let long_path = format!(r#"{{"{}":1}}"#, vec!["a"; 1500].join("."));
    c.param("query", &long_path, page(0));
    // A query only narrows what the caller may see: graywolf sees his two outgoing
    // integrations of #general, whatever the query asks for.
    let gw = |c: &mut Corpus, raw: &str, total: u64| {
        let label = format!("graywolf query={}", preview(raw));
        c.get(label, gray(), &format!("roomId={GENERAL}&query={}", enc(raw)), page(total));
    };
    gw(c, "{}", 2);
    gw(c, r#"{"$or":[{"_createdBy._id":{"$ne":"x"}},{"type":"webhook-incoming"}]}"#, 2);
    gw(c, r#"{"type":"webhook-incoming"}"#, 0);
    gw(c, r#"{"_createdBy._id":"aobEdbYhXfu5hkeqG"}"#, 0);
    gw(c, r#"{"$nor":[{"_id":"nope"}]}"#, 2);
    gw(c, r#"{"roomId":{"$exists":false}}"#, 2);
    gw(c, r##"{"channel":"#random"}"##, 0);
    gw(c, r#"{"_id":{"$in":["hW6fYAQpXD2sDSHJ2","WMQDChpnYTRmFre9h"]}}"#, 1);
    gw(c, r#"{"$or":[{},{"type":"webhook-incoming"}]}"#, 2);
    gw(c, r#"{"_createdBy._id":{"$exists":false}}"#, 0);
}

fn regexes_cases(c: &mut Corpus) {
    // Catastrophic-backtracking patterns against 50,000-character strings: the
    // `regex` crate is linear, so each answers normally (and quickly).
    let long = |c: &mut Corpus, raw: &str, expect: Expect| {
        let label = format!("long strings query={}", preview(raw));
        c.admin(
            label,
            &format!("roomId={LONG_ROOM}&includeAllPublicChannels=false&query={}", enc(raw)),
            expect,
        );
    };
    for (raw, total) in [
        (r#"{"name":{"$regex":"(a+)+$"}}"#, 0),
        (r#"{"name":{"$regex":"^(a+)+$"}}"#, 0),
        (r#"{"name":{"$regex":"(a|a)*b"}}"#, 0),
        (r#"{"name":{"$regex":"(a|aa)+$"}}"#, 0),
        (r#"{"name":{"$regex":"(a*)*!"}}"#, 1),
        (r#"{"name":{"$regex":"^(a+)+!$"}}"#, 1),
        (r#"{"name":{"$regex":"(a+)+$","$options":"imsx"}}"#, 0),
        (r#"{"name":{"$regex":"/(a|a)*b/i"}}"#, 0),
        (r#"{"pad":{"$regex":"(x+x+)+y"}}"#, 0),
        (r#"{"pad":{"$regex":"^(x+x+)+$"}}"#, 1),
        (r#"{"pad":{"$regex":"(.*){1,32}y"}}"#, 0),
        (r#"{"pad":{"$regex":"(x|x?)+y"}}"#, 0),
        (r#"{"name":{"$regularExpression":{"pattern":"(a+)+$","options":""}}}"#, 0),
        (r#"{"name":{"$in":[{"$regularExpression":{"pattern":"(a|a)*b","options":"i"}}]}}"#, 0),
        (r#"{"name":{"$not":{"$regex":"(a+)+$"}}}"#, 1),
        (r#"{"$or":[{"name":{"$regex":"(a+)+$"}},{"pad":{"$regex":"(x+x+)+y"}}]}"#, 0),
        (r#"{"name":"/(a+)+$/"}"#, 0),
    ] {
        long(c, raw, page(total));
    }
    let max = "a".repeat(512);
    long(c, &format!(r#"{{"name":{{"$regex":"{max}"}}}}"#), page(1));
    for raw in [
        format!(r#"{{"name":{{"$regex":"{}"}}}}"#, "a".repeat(513)),
        r#"{"name":{"$regex":"a{1000}{1000}"}}"#.to_owned(),
        r#"{"name":{"$regex":"(?:\\w{100}){100}"}}"#.to_owned(),
        r#"{"name":{"$regex":"(?=a)"}}"#.to_owned(),
        r#"{"name":{"$regex":"(?<!a)b"}}"#.to_owned(),
        r#"{"name":{"$regex":"(a)\\1"}}"#.to_owned(),
        r#"{"name":{"$regex":"(?<n>a)\\k<n>"}}"#.to_owned(),
        r#"{"name":{"$regex":"("}}"#.to_owned(),
        r#"{"name":{"$regex":"["}}"#.to_owned(),
        r#"{"name":{"$regex":"a{2,1}"}}"#.to_owned(),
        r#"{"name":{"$regex":"\\"}}"#.to_owned(),
        r#"{"name":{"$regex":1}}"#.to_owned(),
        r#"{"name":{"$regularExpression":{"pattern":"(","options":""}}}"#.to_owned(),
        r#"{"name":{"$regularExpression":{"pattern":"a","options":"q"}}}"#.to_owned(),
    ] {
        long(c, &raw, bad("query", &raw));
    }
}

fn paths_and_methods_cases(c: &mut Corpus) {
    let general = general();
    let g = general.as_str();
    let endpoint = format!("/api/v1/channels.getIntegrations?{g}");
    c.add("HEAD", "HEAD", endpoint.clone(), admin(), Expect::Head { status: 200 });
    c.add("HEAD without credentials", "HEAD", endpoint.clone(), vec![], Expect::Head { status: 401 });
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO"] {
        c.add(method, method, endpoint.clone(), admin(), not_allowed());
        c.add(format!("{method} without credentials"), method, endpoint.clone(), vec![], not_allowed());
    }
    c.add("POST on the staged path", "POST", format!("/prod{endpoint}"), admin(), not_allowed());
    c.add("POST to an unknown path", "POST", "/api/v1/channels.list".into(), admin(), not_found());
    c.add(
        "HEAD to an unknown path",
        "HEAD",
        "/api/v1/channels.list".into(),
        admin(),
        Expect::Head { status: 404 },
    );
    c.add("staged path", "GET", format!("/prod{endpoint}"), admin(), page(3));
    c.add("any single stage segment, even '..'", "GET", format!("/..{endpoint}"), admin(), page(3));
    c.add("absolute-form request target", "GET", format!("http://localhost{endpoint}"), admin(), page(3));
    for path in [
        "/",
        "/api",
        "/api/v1",
        "/api/v1/",
        "/api/v1/channels.list",
        "/api/v1/channels.getIntegrations/",
        "/api/v1/channels.getintegrations",
        "/API/V1/CHANNELS.GETINTEGRATIONS",
        "/api/v2/channels.getIntegrations",
        "/api/v1/channels.getIntegrations.json",
        "/api/v1/channels.getIntegrations%00",
        "/api/v1/channels%2EgetIntegrations",
        "/api/v1/channels.get%49ntegrations",
        "/api%2Fv1%2Fchannels.getIntegrations",
        "/api//v1/channels.getIntegrations",
        "/api/v1//channels.getIntegrations",
        "/a/b/api/v1/channels.getIntegrations",
        "/prod/api/v1/channels.getIntegrations/",
        "/api/v1/channels.getIntegrations/..",
        "/api/v1/./channels.getIntegrations",
    ] {
        c.add(format!("GET {path}"), "GET", format!("{path}?{g}"), admin(), not_found());
    }
    c.add("GET a 10 KB path", "GET", format!("/{}?{g}", "p".repeat(10 * 1024)), admin(), not_found());
}

// Running it ------------------------------------------------------------------------

struct Answer {
    status: u16,
    headers: HeaderMap,
    text: String,
}

/// The longest request target the `http` crate accepts (hyper answers 414 beyond it,
/// and API Gateway refuses far shorter URLs).
const MAX_URI: usize = u16::MAX as usize - 1;

async fn send(h: &Harness, service: &Service, case: &Case) -> Answer {
    if case.uri.len() > MAX_URI {
        return send_to_service(service, case).await;
    }
    let mut request =
        Request::builder().method(Method::from_bytes(case.method.as_bytes()).unwrap()).uri(&case.uri);
    for (name, value) in &case.headers {
        request = request.header(*name, HeaderValue::from_bytes(value).expect("a valid header value"));
    }
    let request = request.body(Body::empty()).unwrap_or_else(|e| panic!("{}: cannot build: {e}", case.name));
    let response = h.router.clone().oneshot(request).await.unwrap();
    answer(case, response).await
}

/// A request no `http::Request` can carry (its target is too long): it goes to the
/// service through the router's own adapter (`RawRequest::from_http`), and the error is
/// rendered by the same `IntoResponse` the router uses.
async fn send_to_service(service: &Service, case: &Case) -> Answer {
    assert_eq!(case.method, "GET", "{}", case.name);
    let (path, query) = case.uri.split_once('?').unwrap_or((&case.uri, ""));
    assert_eq!(path, rc_integrations::http::PATH, "{}", case.name);
    let mut headers = HeaderMap::new();
    for (name, value) in &case.headers {
        let value = HeaderValue::from_bytes(value).expect("a valid header value");
        let name = axum::http::HeaderName::from_bytes(name.as_bytes()).expect("a valid header name");
        headers.append(name, value);
    }
    match service.get_integrations(&RawRequest::from_http(&headers, Some(query))).await {
        Ok(body) => {
            let mut headers = HeaderMap::new();
            headers.insert("content-type", HeaderValue::from_static("application/json"));
            headers.insert("cache-control", HeaderValue::from_static("no-store"));
            Answer { status: 200, headers, text: body.to_string() }
        }
        Err(error) => answer(case, error.into_response()).await,
    }
}

async fn answer(case: &Case, response: axum::response::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text =
        String::from_utf8(bytes.to_vec()).unwrap_or_else(|_| panic!("{}: body is not UTF-8", case.name));
    Answer { status, headers, text }
}

/// Strings that would reveal the implementation: the store, table names, panics.
fn internal_leak(text: &str, tables_prefix: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    let words: [(&'static str, bool); 8] = [
        ("dynamo", lower.contains("dynamo")),
        ("rc_", text.contains("rc_")),
        ("panicked", lower.contains("panicked")),
        ("sdkerror", lower.contains("sdkerror")),
        ("table prefix", text.contains(tables_prefix)),
        ("backtrace", lower.contains("backtrace")),
        ("src/", text.contains("src/")),
        ("amazonaws", lower.contains("amazonaws")),
    ];
    words.into_iter().find(|(_, hit)| *hit).map(|(w, _)| w)
}

/// Checks one answer against its row and the blanket rules; the failures, if any.
fn check(case: &Case, answer: &Answer, tables_prefix: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fail = |what: String| problems.push(format!("{}: {what}", case.name));
    if answer.status >= 500 {
        fail(format!("server error {}: {}", answer.status, preview(&answer.text)));
    }
    if let Some(word) = internal_leak(&answer.text, tables_prefix) {
        fail(format!("body reveals {word:?}: {}", preview(&answer.text)));
    }
    let json: Option<Json> = serde_json::from_str(&answer.text).ok();
    if case.method != "HEAD" {
        match &json {
            None => fail(format!("body is not JSON: {}", preview(&answer.text))),
            Some(body) if answer.status >= 300 => {
                if body["success"] != false || !body["error"].is_string() {
                    fail(format!("error body not Rocket.Chat-shaped: {}", preview(&answer.text)));
                }
            }
            Some(_) => {}
        }
        if answer.headers.get("content-type").map(|v| v.as_bytes()) != Some(b"application/json") {
            fail(format!("content-type {:?}", answer.headers.get("content-type")));
        }
        if answer.headers.get("cache-control").map(|v| v.as_bytes()) != Some(b"no-store") {
            fail(format!("cache-control {:?}", answer.headers.get("cache-control")));
        }
    }
    match &case.expect {
        Expect::Page { total } | Expect::PageOf { total, .. } => {
            if answer.status != 200 {
                fail(format!("expected 200, got {}: {}", answer.status, preview(&answer.text)));
                return problems;
            }
            let body = json.unwrap_or_default();
            let keys: Vec<&str> =
                body.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
            if keys != ["integrations", "count", "offset", "total", "success"] || body["success"] != true {
                fail(format!("not a success body: {}", preview(&answer.text)));
            }
            if body["total"] != *total {
                fail(format!("expected total {total}, got {}", body["total"]));
            }
            let items = body["integrations"].as_array().map_or(0, Vec::len) as u64;
            if body["count"] != items {
                fail(format!("count {} but {items} items", body["count"]));
            }
            if let Expect::PageOf { count, .. } = case.expect {
                if items != count {
                    fail(format!("expected {count} items, got {items}"));
                }
            }
        }
        Expect::Error { status, body } => {
            if answer.status != *status {
                fail(format!("expected {status}, got {}: {}", answer.status, preview(&answer.text)));
            } else if json.as_ref() != Some(body) {
                fail(format!("expected body {}, got {}", preview(&body.to_string()), preview(&answer.text)));
            }
            if *status == 405 && answer.headers.get("allow").map(|v| v.as_bytes()) != Some(b"GET, HEAD") {
                fail(format!("405 without Allow: GET, HEAD ({:?})", answer.headers.get("allow")));
            }
        }
        Expect::Head { status } => {
            if answer.status != *status {
                fail(format!("expected {status}, got {}", answer.status));
            }
            if !answer.text.is_empty() {
                fail(format!("HEAD answered with a body: {}", preview(&answer.text)));
            }
        }
    }
    problems
}

#[test]
fn the_corpus_is_large_and_every_case_has_its_own_name() {
    let mut corpus = Corpus::default();
    SECTIONS.iter().for_each(|fill| fill(&mut corpus));
    assert!(corpus.0.len() >= 200, "the corpus has only {} cases", corpus.0.len());
    let mut names = std::collections::HashSet::new();
    for case in &corpus.0 {
        assert!(names.insert(case.name.as_str()), "two cases named {:?}", case.name);
    }
}

/// Every request of a section gets its exact answer, and never a server error.
async fn run_section(fill: fn(&mut Corpus)) {
    let mut corpus = Corpus::default();
    fill(&mut corpus);
    let h = world().await;
    let (service, _) = Service::on_dynamodb(
        h.client.clone(),
        h.tables.clone(),
        test_store_settings(),
        PageSettings::default(),
    );
    let direct = corpus.0.iter().filter(|c| c.uri.len() > MAX_URI).count();
    let prefix = h.tables.tokens.trim_end_matches("rc_tokens").to_owned();
    // The corpus itself must not contain what the leak check looks for, since error
    // bodies quote the caller's parameters.
    for case in &corpus.0 {
        assert_eq!(
            internal_leak(&case.uri, &prefix),
            None,
            "{}: the request itself trips the check",
            case.name
        );
    }
    let mut problems = Vec::new();
    let mut slowest = (Duration::ZERO, String::new());
    for case in &corpus.0 {
        let started = Instant::now();
        let answer = send(&h, &service, case).await;
        let took = started.elapsed();
        if took > slowest.0 {
            slowest = (took, case.name.clone());
        }
        // Nothing here may take long: a backtracking regex engine would take years.
        if took > Duration::from_secs(20) {
            problems.push(format!("{}: took {took:?}", case.name));
        }
        problems.extend(check(case, &answer, &prefix));
    }
    eprintln!("{direct} of the cases exceed the URI limit and went to the service directly");
    eprintln!("{} hostile cases; slowest {:?} ({})", corpus.0.len(), slowest.0, slowest.1);
    assert!(
        problems.is_empty(),
        "{} of {} cases failed:\n{}",
        problems.len(),
        corpus.0.len(),
        problems.join("\n")
    );
}

#[tokio::test]
async fn authentication() {
    run_section(authentication_cases).await
}

#[tokio::test]
async fn rooms() {
    run_section(rooms_cases).await
}

#[tokio::test]
async fn paging() {
    run_section(paging_cases).await
}

#[tokio::test]
async fn sorting() {
    run_section(sorting_cases).await
}

#[tokio::test]
async fn projection() {
    run_section(projection_cases).await
}

#[tokio::test]
async fn queries() {
    run_section(queries_cases).await
}

#[tokio::test]
async fn regexes() {
    run_section(regexes_cases).await
}

#[tokio::test]
async fn paths_and_methods() {
    run_section(paths_and_methods_cases).await
}
