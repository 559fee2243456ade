//! Test harness: the real code path (router → SDK → DynamoDB) on the embedded
//! emulator, or on whatever `AWS_ENDPOINT_URL_DYNAMODB` names (DynamoDB Local,
//! moto). Every harness gets its own freshly created tables.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use rc_integrations::config::{PageSettings, StoreSettings, TableNames};
use rc_integrations::cors::CorsPolicy;
use rc_integrations::import::{import_dir, ImportOptions, Summary};
use rc_integrations::local::{start_emulator, tables};
use rc_integrations::store::{build_client, DynamoStore, Endpoint};
use rc_integrations::{http, Service};
use serde_json::{json, Value as Json};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tower::ServiceExt;

pub const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/demo");
pub const ADMIN_ID: &str = "aobEdbYhXfu5hkeqG";
pub const ADMIN_TOKEN: &str = "9HqLlyZOugoStsXCUfD_0YdwnNnunAJF8V47U3QHXSq";
pub const GENERAL: &str = "ByehQjC44FwMeiLbX";

/// The endpoint for this test binary: external when configured, else one embedded
/// emulator on its own thread, so it outlives each test's runtime.
pub fn endpoint() -> Endpoint {
    static ENDPOINT: OnceLock<Endpoint> = OnceLock::new();
    ENDPOINT
        .get_or_init(|| match std::env::var("AWS_ENDPOINT_URL_DYNAMODB") {
            Ok(url) if !url.is_empty() => Endpoint::Aws,
            _ => {
                let (tx, rx) = std::sync::mpsc::channel();
                std::thread::spawn(move || {
                    let runtime = tokio::runtime::Runtime::new().expect("runtime");
                    runtime.block_on(async {
                        tx.send(start_emulator(0).await.expect("emulator")).expect("send");
                        std::future::pending::<()>().await
                    })
                });
                Endpoint::Local(rx.recv().expect("emulator url"))
            }
        })
        .clone()
}

/// The URL of the test endpoint, for tools that sit in front of it.
pub fn endpoint_url() -> String {
    match endpoint() {
        Endpoint::Local(url) => url,
        Endpoint::Aws => std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect("an endpoint URL"),
    }
}

/// A store and router over `tables` reached through `url` (e.g. a proxy).
pub async fn service_via(
    url: &str,
    tables: &TableNames,
    settings: StoreSettings,
) -> (Arc<DynamoStore>, Router) {
    let client = build_client(&Endpoint::Local(url.to_owned()), &settings).await;
    let (service, store) = Service::on_dynamodb(client, tables.clone(), settings, PageSettings::default());
    (store, http::router(service))
}

/// Table names unique to this process and call.
pub fn fresh_tables() -> TableNames {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let run = std::process::id();
    TableNames::prefixed(&format!("t{run}_{}_", NEXT.fetch_add(1, Ordering::Relaxed)))
}

pub struct Harness {
    pub router: Router,
    pub client: aws_sdk_dynamodb::Client,
    pub tables: TableNames,
    pub summary: Summary,
}

/// Settings for tests: no permission cache, so each request reads what is stored.
pub fn test_store_settings() -> StoreSettings {
    StoreSettings {
        permissions_ttl: Duration::ZERO,
        public_page_ttl: Duration::ZERO,
        request_budget: Duration::from_secs(10),
        ..Default::default()
    }
}

impl Harness {
    /// Fresh tables loaded from an export directory through the real importer.
    pub async fn from_dir(dir: &Path) -> Harness {
        Self::with(dir, PageSettings::default()).await
    }

    pub async fn with(dir: &Path, pages: PageSettings) -> Harness {
        Self::imported(dir, pages, ImportOptions::from_env()).await
    }

    /// Fresh tables loaded from an export with the given import options.
    pub async fn imported(dir: &Path, pages: PageSettings, options: ImportOptions) -> Harness {
        let settings = test_store_settings();
        let client = build_client(&endpoint(), &settings).await;
        let tables = fresh_tables();
        tables::create_missing(&client, &tables).await.expect("create tables");
        let summary = import_dir(&client, &tables, dir, options).await.expect("import");
        let (service, _) = Service::on_dynamodb(client.clone(), tables.clone(), settings, pages);
        Harness { router: http::router(service), client, tables, summary }
    }

    pub async fn demo() -> Harness {
        Self::from_dir(Path::new(DEMO)).await
    }

    pub async fn export(export: &Export) -> Harness {
        let dir = export.write();
        Self::from_dir(dir.path()).await
    }

    /// GET with the given headers and raw query string.
    pub async fn get(&self, headers: &[(&str, &str)], query: &str) -> Reply {
        self.request("GET", &format!("{}?{query}", http::PATH), headers).await
    }

    /// The same tables, reached through another router (e.g. one behind a proxy).
    pub fn with_router(&self, router: Router) -> Harness {
        Harness {
            router,
            client: self.client.clone(),
            tables: self.tables.clone(),
            summary: self.summary.clone(),
        }
    }

    /// The same tables behind the router under a CORS policy.
    pub fn with_cors(&self, cors: &CorsPolicy) -> Harness {
        let (service, _) = Service::on_dynamodb(
            self.client.clone(),
            self.tables.clone(),
            test_store_settings(),
            PageSettings::default(),
        );
        self.with_router(http::router_with_cors(service, cors))
    }

    /// GET as a user, given as (user id, clear token).
    pub async fn get_as(&self, (user_id, token): (&str, &str), query: &str) -> Reply {
        self.get(&[("X-Auth-Token", token), ("X-User-Id", user_id)], query).await
    }

    /// The same tables served by the local server (`local::serve_on`, the real one) on a
    /// free loopback port, for tests that speak raw HTTP.
    pub async fn local_server(&self) -> std::net::SocketAddr {
        self.local_server_with_cors(&CorsPolicy::Off).await
    }

    /// [`Harness::local_server`] under a CORS policy.
    pub async fn local_server_with_cors(&self, cors: &CorsPolicy) -> std::net::SocketAddr {
        let settings = test_store_settings();
        let (service, _) =
            Service::on_dynamodb(self.client.clone(), self.tables.clone(), settings, PageSettings::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = http::router_with_cors(service, cors);
        let cors = cors.clone();
        tokio::spawn(async move { rc_integrations::local::serve_on(listener, router, &cors).await });
        addr
    }

    pub async fn as_admin(&self, query: &str) -> Reply {
        self.get(&[("X-Auth-Token", ADMIN_TOKEN), ("X-User-Id", ADMIN_ID)], query).await
    }

    pub async fn request(&self, method: &str, uri: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self.router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8(bytes.to_vec()).expect("utf-8 body");
        let body = if text.is_empty() { Json::Null } else { serde_json::from_str(&text).expect("JSON body") };
        Reply { status, headers, text, body }
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Json,
}

impl Reply {
    /// The ids of the integrations in the page, in order.
    pub fn ids(&self) -> Vec<String> {
        self.body["integrations"]
            .as_array()
            .unwrap_or_else(|| panic!("no integrations in {}", self.text))
            .iter()
            .map(|i| i["_id"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// An export directory built in code: the collections as JSON lines.
#[derive(Debug, Clone, Default)]
pub struct Export {
    pub users: Vec<Json>,
    pub rooms: Vec<Json>,
    pub permissions: Vec<Json>,
    pub integrations: Vec<Json>,
    pub subscriptions: Vec<Json>,
    pub teams: Vec<Json>,
    pub team_members: Vec<Json>,
    pub department_agents: Vec<Json>,
    /// Written only when it holds runs: an export without the file leaves history alone.
    pub history: Vec<Json>,
}

impl Export {
    pub fn write(&self) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (file, docs) in [
            ("users.json", &self.users),
            ("rocketchat_room.json", &self.rooms),
            ("rocketchat_permissions.json", &self.permissions),
            ("rocketchat_integrations.json", &self.integrations),
            ("rocketchat_subscription.json", &self.subscriptions),
            ("rocketchat_team.json", &self.teams),
            ("rocketchat_team_member.json", &self.team_members),
            ("rocketchat_livechat_department_agents.json", &self.department_agents),
        ] {
            let text: String = docs.iter().map(|d| format!("{d}\n")).collect();
            std::fs::write(dir.path().join(file), text).unwrap();
        }
        if !self.history.is_empty() {
            let text: String = self.history.iter().map(|d| format!("{d}\n")).collect();
            std::fs::write(dir.path().join("rocketchat_integration_history.json"), text).unwrap();
        }
        dir
    }

    /// A user with a never-expiring personal access token `token`.
    pub fn user(&mut self, id: &str, roles: &[&str], token: &str) -> &mut Self {
        self.users.push(json!({
            "_id": id, "username": format!("user-{id}"), "roles": roles, "active": true,
            "services": {"resume": {"loginTokens": [{
                "type": "personalAccessToken", "name": "t",
                "hashedToken": rc_integrations::auth::hash_token(token)
            }]}}
        }));
        self
    }

    pub fn room(&mut self, id: &str, name: &str, kind: &str) -> &mut Self {
        self.rooms.push(json!({"_id": id, "name": name, "t": kind}));
        self
    }

    /// A room document as Rocket.Chat stores it, with any extra fields (`teamId`, `prid`, …).
    pub fn room_doc(&mut self, doc: Json) -> &mut Self {
        self.rooms.push(doc);
        self
    }

    /// `user` subscribed to room `rid`.
    pub fn subscription(&mut self, rid: &str, user: &str) -> &mut Self {
        let id = format!("s-{rid}-{user}");
        self.subscriptions
            .push(json!({"_id": id, "rid": rid, "u": {"_id": user, "username": user}, "t": "c"}));
        self
    }

    /// A team: `kind` 0 public, 1 private.
    pub fn team(&mut self, id: &str, kind: i64) -> &mut Self {
        self.teams.push(json!({"_id": id, "name": format!("team-{id}"), "type": kind}));
        self
    }

    pub fn team_member(&mut self, team: &str, user: &str) -> &mut Self {
        let id = format!("m-{team}-{user}");
        self.team_members.push(json!({"_id": id, "teamId": team, "userId": user, "roles": ["member"]}));
        self
    }

    pub fn department_agent(&mut self, department: &str, agent: &str) -> &mut Self {
        let id = format!("a-{department}-{agent}");
        self.department_agents
            .push(json!({"_id": id, "agentId": agent, "departmentId": department, "username": agent}));
        self
    }

    pub fn permission(&mut self, id: &str, roles: &[&str]) -> &mut Self {
        self.permissions.push(json!({"_id": id, "roles": roles}));
        self
    }

    /// An integration of `kind` ("webhook-outgoing"/"webhook-incoming") by `creator`.
    pub fn integration(&mut self, id: &str, kind: &str, channel: Json, creator: Option<&str>) -> &mut Self {
        let mut doc = json!({
            "_id": id, "type": kind, "name": format!("integration {id}"), "enabled": true,
            "channel": channel, "_createdAt": {"$date": "2020-01-01T00:00:00.000Z"},
        });
        if let Some(uid) = creator {
            doc["_createdBy"] = json!({"_id": uid, "username": format!("user-{uid}")});
        }
        self.integrations.push(doc);
        self
    }
}

/// Writes items straight into a table (for data the importer would not produce).
pub async fn put_items(h: &Harness, table: &str, items: Vec<rc_integrations::store::items::Item>) {
    use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
    for chunk in items.chunks(25) {
        let requests = chunk
            .iter()
            .map(|i| {
                let put = PutRequest::builder().set_item(Some(i.clone())).build().unwrap();
                WriteRequest::builder().put_request(put).build()
            })
            .collect();
        let out = h.client.batch_write_item().request_items(table, requests).send().await.unwrap();
        assert!(out.unprocessed_items.unwrap_or_default().is_empty());
    }
}

/// Roles granting, in order, manage-outgoing, manage-incoming, manage-own-outgoing
/// and manage-own-incoming integrations.
pub const MASK_ROLES: [&str; 4] = ["r-all-out", "r-all-in", "r-own-out", "r-own-in"];

/// Users `u01`…`u15` (token `t<mask>`), user `uNN` holding the permissions whose
/// bits are set in NN, each through a role of its own, besides the role `user`.
pub fn mask_world() -> Export {
    let mut e = Export::default();
    let permissions = [
        "manage-outgoing-integrations",
        "manage-incoming-integrations",
        "manage-own-outgoing-integrations",
        "manage-own-incoming-integrations",
    ];
    for (permission, role) in permissions.iter().zip(MASK_ROLES) {
        e.permission(permission, &[role]);
    }
    for mask in 1..16usize {
        // Every Rocket.Chat account has the `user` role, which may view public channels.
        let granted = (0..4).filter(|b| mask & (1 << b) != 0).map(|b| MASK_ROLES[b]);
        let roles: Vec<&str> = std::iter::once("user").chain(granted).collect();
        e.user(&format!("u{mask:02}"), &roles, &format!("t{mask}"));
    }
    e
}

/// Contract §4, written out independently of the implementation: may the holder of
/// `mask` see an integration of this direction, created by them (`own`) or not?
pub fn sees(mask: usize, outgoing: bool, own: bool) -> bool {
    let [all_out, all_in, own_out, own_in] = [0, 1, 2, 3].map(|b| mask & (1 << b) != 0);
    if all_out && all_in {
        true
    } else if own_out && own_in {
        own
    } else {
        (all_out && outgoing)
            || (all_in && !outgoing)
            || (own_out && outgoing && own)
            || (own_in && !outgoing && own)
    }
}

/// A query-string value, percent-encoded.
pub fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// How DynamoDB is out of reach.
#[derive(Debug, Clone, Copy)]
pub enum Unreachable {
    /// Nothing listens: connections are refused.
    Refused,
    /// A listener that accepts and never answers.
    Hung,
}

/// A harness whose DynamoDB cannot be reached, with a short budget so that the 503
/// comes quickly. Keep it alive as long as the router is used (it holds the listener).
pub struct UnreachableStore {
    pub harness: Harness,
    _listener: Option<tokio::net::TcpListener>,
}

impl Unreachable {
    pub async fn harness(self) -> UnreachableStore {
        self.harness_with_cors(&CorsPolicy::Off).await
    }

    pub async fn harness_with_cors(self, cors: &CorsPolicy) -> UnreachableStore {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let listener = match self {
            Unreachable::Refused => None,
            Unreachable::Hung => Some(listener),
        };
        let settings = StoreSettings {
            request_budget: Duration::from_millis(300),
            max_attempts: 2,
            permissions_ttl: Duration::ZERO,
            public_page_ttl: Duration::ZERO,
        };
        let client = build_client(&Endpoint::Local(url), &settings).await;
        let tables = TableNames::from_env();
        let (service, _) =
            Service::on_dynamodb(client.clone(), tables.clone(), settings, PageSettings::default());
        let router = http::router_with_cors(service, cors);
        let harness = Harness { router, client, tables, summary: Summary::default() };
        UnreachableStore { harness, _listener: listener }
    }
}
