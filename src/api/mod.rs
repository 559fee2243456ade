//! The endpoints. Each module states only what makes its endpoint differ (its
//! parameters, its room rule, its gate and visibility, its records, its body); the
//! stages they share (parse, fetch, authenticate, authorize, room access, select,
//! page) are the crate's other modules, and [`listing`] runs them for every
//! endpoint that lists integrations.

pub mod channels_get_integrations;
pub mod groups_get_integrations;
pub mod integrations_get;
pub mod integrations_history;
pub mod integrations_list;
pub mod listing;

/// Every route the service answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    ChannelsGetIntegrations,
    GroupsGetIntegrations,
    IntegrationsList,
    IntegrationsGet,
    IntegrationsHistory,
}

impl Endpoint {
    pub const ALL: [Endpoint; 5] = [
        Endpoint::ChannelsGetIntegrations,
        Endpoint::GroupsGetIntegrations,
        Endpoint::IntegrationsList,
        Endpoint::IntegrationsGet,
        Endpoint::IntegrationsHistory,
    ];

    /// Rocket.Chat's route name (`channels.getIntegrations`, …).
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::ChannelsGetIntegrations => "channels.getIntegrations",
            Endpoint::GroupsGetIntegrations => "groups.getIntegrations",
            Endpoint::IntegrationsList => "integrations.list",
            Endpoint::IntegrationsGet => "integrations.get",
            Endpoint::IntegrationsHistory => "integrations.history",
        }
    }

    /// The path it is served at.
    pub fn path(self) -> String {
        format!("/api/v1/{}", self.name())
    }
}
