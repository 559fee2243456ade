//! The integration tests: one binary, over the real path (HTTP router → AWS SDK →
//! DynamoDB: the embedded emulator, or whatever `AWS_ENDPOINT_URL_DYNAMODB` names).
//! Fast tests of one pure stage live beside it in `src/` (`cargo test --lib`); what is
//! here needs tables, a server or a binary. `cargo test <area>` runs one area.

/// Shared helpers (harness, expected bodies, DynamoDB proxy, fake Runtime API); no tests.
mod support;

// The wire contract, check by check.
/// Every row of the contract's tables and examples, status and body (contract §1–§9).
mod contract;
/// `offset`/`count` paging invariants (property tests).
mod paging_properties;
/// Contract §4: the permission gate and the visibility rule, all 16 combinations.
mod permissions;
/// `query` and `fields`, operator by operator, over the endpoint.
mod query;
/// `query` only ever narrows; arbitrary input never panics (property tests).
mod query_properties;
/// `groups.getIntegrations`, `integrations.list`, `integrations.get` (read API contract §1–§4, §6).
mod read_api;
/// Contract §5a: room access, every rule both ways, and a property test against an oracle.
mod room_access;

// Robustness and security.
/// DynamoDB faults through the proxy: retried, or the 503 with Retry-After.
mod faults;
/// Hundreds of hostile requests, one test per section, each with its exact answer.
mod hostile;
/// The 401 is one body whatever the cause; no token or hash reaches the logs.
mod secrets;
/// The local server's transport errors (what hyper refuses) as JSON.
mod transport;

// Cost: rounds and read units (counts, never timings; benches/ has those).
/// Read capacity per request against the floor; what an anonymous caller costs.
mod read_cost;
/// DynamoDB round trips per kind of request, counted through the proxy.
mod round_trips;

// Browser-facing.
/// CORS in headless Chromium, a page on one origin calling the service on others (ignored: needs Chromium).
mod browser;
/// CORS (`API_CORS_ORIGIN`) header by header: off as before, on for listed origins or `*`.
mod cors;

// Entry points and deployment.
/// The real `bootstrap` binary under a fake Lambda Runtime API.
mod bootstrap;
/// The importer: a Rocket.Chat export in, the same documents out.
mod import;
/// `import` beside sync: the lock, re-runs, what prune may delete, absent files.
mod import_safety;
/// The sample events of `events/` through lambda_http.
mod lambda_events;
/// Every `curl` of the README, run as written against the demo.
mod readme;
/// `serve`, the real binary, against an external endpoint.
mod serve;
/// `cargo run` and `cargo lambda watch` share their build of the AWS SDK (cargo tree).
mod shared_build;
/// Live sync: import then change events ≡ import of the final state (property test).
mod sync;

/// integrations.history: import, sync, paging and visibility.
mod history;
/// template.yaml agrees with the code: tables, indexes, variables, IAM.
mod template;
