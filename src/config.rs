//! Settings read once from the environment at start-up.

use crate::store::items::{attr, Item};
use std::time::Duration;

/// The DynamoDB tables' names (from the variables that template.yaml sets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableNames {
    pub tokens: String,
    pub users: String,
    pub permissions: String,
    pub rooms: String,
    pub teams: String,
    pub memberships: String,
    pub integrations: String,
    /// Sync's records (document states, room names, integration refs); the API never reads it.
    pub sync: String,
    /// `rocketchat_integration_history`, read by `integrations.history`.
    pub history: String,
}

/// Index names; template.yaml defines them and a test checks they agree.
pub const ROOM_NAME_INDEX: &str = "name-index";
pub const INTEGRATION_ROOM_INDEX: &str = "roomId-index";
/// The same partitions, keyed by `target` (equal to `roomId` wherever that is set),
/// holding only each integration's head (an `INCLUDE` projection of the head
/// attributes): a large room's listing reads this, then its page's documents.
pub const INTEGRATION_HEADS_INDEX: &str = "target-heads-index";
/// A history's runs by integration id, newest first (its sort key orders them).
pub const HISTORY_INDEX: &str = "integrationId-index";

/// Each table: its logical id in template.yaml, the variable naming it, the local
/// default ([`Table::registry`], in the order of [`Table::ALL`]).
pub const TABLES: [(&str, &str, &str); Table::ALL.len()] = {
    let mut tables = [("", "", ""); Table::ALL.len()];
    let mut at = 0;
    while at < tables.len() {
        tables[at] = Table::ALL[at].registry();
        at += 1;
    }
    tables
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
/// Every table: the one registry of names (template.yaml's logical id, the variable,
/// the local default), keys and codes. [`TableNames`] holds the names, in this order.
pub enum Table {
    Tokens,
    Users,
    Permissions,
    Rooms,
    Teams,
    Memberships,
    Integrations,
    /// Sync's own records: each document's state, room names, integration refs.
    Sync,
    /// `rocketchat_integration_history`, one item per run.
    History,
}

impl Table {
    pub const ALL: [Table; 9] = [
        Table::Tokens,
        Table::Users,
        Table::Permissions,
        Table::Rooms,
        Table::Teams,
        Table::Memberships,
        Table::Integrations,
        Table::Sync,
        Table::History,
    ];

    /// Its logical id in template.yaml, the variable naming it, its local default name.
    pub const fn registry(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Table::Tokens => ("TokensTable", "TOKENS_TABLE", "rc_tokens"),
            Table::Users => ("UsersTable", "USERS_TABLE", "rc_users"),
            Table::Permissions => ("PermissionsTable", "PERMISSIONS_TABLE", "rc_permissions"),
            Table::Rooms => ("RoomsTable", "ROOMS_TABLE", "rc_rooms"),
            Table::Teams => ("TeamsTable", "TEAMS_TABLE", "rc_teams"),
            Table::Memberships => ("MembershipsTable", "MEMBERSHIPS_TABLE", "rc_memberships"),
            Table::Integrations => ("IntegrationsTable", "INTEGRATIONS_TABLE", "rc_integrations"),
            Table::Sync => ("SyncTable", "SYNC_TABLE", "rc_sync"),
            Table::History => ("HistoryTable", "HISTORY_TABLE", "rc_integration_history"),
        }
    }

    pub fn name(self, tables: &TableNames) -> &str {
        tables.all()[self.index()]
    }

    pub fn key_attributes(self) -> &'static [&'static str] {
        match self {
            Table::Tokens => &[attr::HASHED_TOKEN],
            Table::Users | Table::Permissions | Table::Rooms | Table::Teams | Table::History => &[attr::ID],
            Table::Memberships => &[attr::SCOPE, attr::USER_ID],
            Table::Integrations => &[attr::ID, attr::TARGET],
            Table::Sync => &[attr::PK, attr::SK],
        }
    }

    /// Whether two items of this table have the same key.
    pub fn same_key(self, a: &Item, b: &Item) -> bool {
        self.key_attributes().iter().all(|k| a.get(*k) == b.get(*k))
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// A one-letter code, as a document's state lists the items it wrote.
    pub fn code(self) -> &'static str {
        // Stored in sync's states: a table added later takes a new code, at the end.
        ["k", "u", "p", "r", "t", "m", "i", "s", "h"][self.index()]
    }

    pub fn from_code(code: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.code() == code)
    }
}

/// The tables the API function reads: every table but sync's own.
pub fn api_tables() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    TABLES.iter().filter(|(id, _, _)| *id != "SyncTable")
}

impl TableNames {
    fn from_array(
        [tokens, users, permissions, rooms, teams, memberships, integrations, sync, history]: [String; 9],
    ) -> Self {
        TableNames { tokens, users, permissions, rooms, teams, memberships, integrations, sync, history }
    }

    /// Every name, in the order of [`TABLES`].
    pub fn all(&self) -> [&str; 9] {
        [
            &self.tokens,
            &self.users,
            &self.permissions,
            &self.rooms,
            &self.teams,
            &self.memberships,
            &self.integrations,
            &self.sync,
            &self.history,
        ]
        .map(String::as_str)
    }

    /// Names from the environment, falling back to the local defaults.
    pub fn from_env() -> Self {
        Self::from_array(TABLES.map(|(_, var, default)| env_or(var, default.to_owned())))
    }

    /// Names from the environment where each of `required` must be set: in Lambda
    /// template.yaml sets them, so a missing one is a broken deployment, not a cue to
    /// fall back to the local defaults. The error names every variable missing.
    pub fn from_env_requiring<'a>(required: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let is_set = |var: &&str| std::env::var(var).is_ok_and(|value| !value.trim().is_empty());
        let unset: Vec<&str> = required.into_iter().filter(|var| !is_set(var)).collect();
        if unset.is_empty() {
            Ok(TableNames::from_env())
        } else {
            Err(format!("table name variable(s) missing or empty: {}", unset.join(", ")))
        }
    }

    /// Every name with a prefix (tests use one prefix per run).
    pub fn prefixed(prefix: &str) -> Self {
        Self::from_array(TABLES.map(|(_, _, default)| format!("{prefix}{default}")))
    }

    /// The table name for a template logical id.
    pub fn for_logical_id(&self, logical_id: &str) -> Option<&str> {
        TABLES.iter().zip(self.all()).find(|((id, _, _), _)| *id == logical_id).map(|(_, name)| name)
    }
}

/// Rocket.Chat's paging settings (`API_Default_Count` and friends), and the largest
/// body a page may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSettings {
    pub default_count: u64,
    pub upper_limit: u64,
    pub allow_infinite: bool,
    /// A page stops before its body passes this size: Lambda refuses responses over
    /// 6 MB, and API Gateway's envelope escapes the body (quotes grow), hence 5 MB.
    /// Never more than [`MOST_RESPONSE_BYTES`], whatever the environment says.
    pub max_response_bytes: usize,
}

/// The largest `MAX_RESPONSE_BYTES` taken: Lambda's 6 MiB response payload less room
/// for the envelope's status and headers, so that no setting can make a page Lambda
/// refuses (the caller's 502, counted by the function as the 200 it sent).
pub const MOST_RESPONSE_BYTES: usize = 6 * 1024 * 1024 - 64 * 1024;

impl Default for PageSettings {
    fn default() -> Self {
        PageSettings {
            default_count: 50,
            upper_limit: 100,
            allow_infinite: true,
            max_response_bytes: 5_000_000,
        }
    }
}

impl PageSettings {
    pub fn from_env() -> Self {
        let d = PageSettings::default();
        // Rocket.Chat falls back to its defaults for non-positive settings.
        let positive = |var, default| Some(env_or(var, default)).filter(|n| *n > 0).unwrap_or(default);
        PageSettings {
            default_count: positive("API_DEFAULT_COUNT", d.default_count),
            upper_limit: positive("API_UPPER_COUNT_LIMIT", d.upper_limit),
            allow_infinite: env_or("API_ALLOW_INFINITE_COUNT", d.allow_infinite),
            max_response_bytes: env_or("MAX_RESPONSE_BYTES", d.max_response_bytes).min(MOST_RESPONSE_BYTES),
        }
    }
}

/// How long DynamoDB may take before a request gives up with a 503.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreSettings {
    /// The whole budget for a request's DynamoDB work, retries included.
    pub request_budget: Duration,
    /// Attempts per DynamoDB call (first try + retries); the budget usually ends
    /// the retries first.
    pub max_attempts: u32,
    /// How long the permission documents are reused before being read again.
    pub permissions_ttl: Duration,
    /// How long `all_public_channels`' first page of integrations is reused before
    /// being read again: an integration added on all public channels may take this
    /// long to be listed.
    pub public_page_ttl: Duration,
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings {
            request_budget: Duration::from_millis(3000),
            max_attempts: 32,
            permissions_ttl: Duration::from_secs(30),
            public_page_ttl: Duration::from_secs(30),
        }
    }
}

impl StoreSettings {
    pub fn from_env() -> Self {
        let d = StoreSettings::default();
        StoreSettings {
            request_budget: Duration::from_millis(
                env_or("DYNAMODB_TIMEOUT_MS", d.request_budget.as_millis() as u64).max(1),
            ),
            max_attempts: env_or("DYNAMODB_MAX_ATTEMPTS", d.max_attempts).max(1),
            permissions_ttl: Duration::from_secs(env_or(
                "PERMISSIONS_CACHE_SECONDS",
                d.permissions_ttl.as_secs(),
            )),
            public_page_ttl: Duration::from_secs(env_or(
                "PUBLIC_CHANNELS_CACHE_SECONDS",
                d.public_page_ttl.as_secs(),
            )),
        }
    }
}

/// A variable parsed as `T`, or the default when unset or unparsable.
pub fn env_or<T: std::str::FromStr>(var: &str, default: T) -> T {
    match std::env::var(var) {
        Ok(text) => text.trim().parse().unwrap_or_else(|_| {
            tracing::warn!(variable = var, "unparsable setting ignored, using the default");
            default
        }),
        Err(_) => default,
    }
}
