//! Counts of what a conversion wrote, shown at the end of an import.

/// Counts shown at the end of an import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub users: usize,
    pub login_tokens: usize,
    pub access_tokens: usize,
    pub expired_tokens_skipped: usize,
    pub rooms: usize,
    pub permissions: usize,
    pub integrations: usize,
    pub integration_items: usize,
    pub unplaced_integrations: usize,
    pub subscriptions: usize,
    pub teams: usize,
    pub team_members: usize,
    pub department_agents: usize,
    pub history: usize,
    /// Documents the tables already held at this version or a newer one (sync's).
    pub unchanged: usize,
    /// Documents the export no longer has, deleted from the tables.
    pub pruned: usize,
    /// Collections whose file was absent, left as the tables had them.
    pub left: Vec<&'static str>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "users:             {}", self.users)?;
        writeln!(
            f,
            "tokens:            {} login, {} personal access ({} expired, skipped)",
            self.login_tokens, self.access_tokens, self.expired_tokens_skipped
        )?;
        writeln!(f, "rooms:             {}", self.rooms)?;
        writeln!(f, "permissions:       {}", self.permissions)?;
        writeln!(
            f,
            "integrations:      {} as {} items ({} under no room)",
            self.integrations, self.integration_items, self.unplaced_integrations
        )?;
        writeln!(f, "subscriptions:     {}", self.subscriptions)?;
        writeln!(f, "teams:             {}", self.teams)?;
        writeln!(f, "team members:      {}", self.team_members)?;
        writeln!(f, "department agents: {}", self.department_agents)?;
        writeln!(f, "history:           {} integration runs", self.history)?;
        writeln!(f, "unchanged:         {} (already at this version or newer)", self.unchanged)?;
        writeln!(f, "pruned:            {} documents the export no longer has", self.pruned)?;
        match self.left.as_slice() {
            [] => write!(f, "left as they were: none"),
            left => write!(f, "left as they were: {} (no file in the export)", left.join(", ")),
        }
    }
}
