//! The tables `import` and sync write, with their key attributes (as template.yaml
//! declares them; a test checks).

use crate::config::TableNames;
use crate::store::items::{attr, Item};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

    pub fn name(self, tables: &TableNames) -> &str {
        match self {
            Table::Tokens => &tables.tokens,
            Table::Users => &tables.users,
            Table::Permissions => &tables.permissions,
            Table::Rooms => &tables.rooms,
            Table::Teams => &tables.teams,
            Table::Memberships => &tables.memberships,
            Table::Integrations => &tables.integrations,
            Table::Sync => &tables.sync,
            Table::History => &tables.history,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_agree_with_the_template() {
        let names = TableNames::prefixed("");
        let specs = crate::local::tables::specs().unwrap();
        assert_eq!(specs.len(), Table::ALL.len());
        for spec in specs {
            let name = names.for_logical_id(&spec.logical_id).unwrap();
            let table = Table::ALL.into_iter().find(|t| t.name(&names) == name).unwrap();
            let keys: Vec<&str> = spec.keys.iter().map(|k| k.attribute_name()).collect();
            assert_eq!(keys, table.key_attributes(), "{name}");
        }
    }
}
