//! DynamoDB faults (issue #5): through a fault-injecting proxy, a transient fault is
//! retried and the request then answers exactly as without it; a persistent one is
//! the contract's 503 with `Retry-After`, never a 500, a hang or internal text.

use crate::support::dynamo_proxy::{Fault, Proxy};
use crate::support::*;
use rc_integrations::config::StoreSettings;
use std::time::Duration;

/// A small budget so that hangs and persistent faults end quickly.
fn settings() -> StoreSettings {
    StoreSettings {
        request_budget: Duration::from_millis(1500),
        max_attempts: 3,
        permissions_ttl: Duration::ZERO,
        public_page_ttl: Duration::ZERO,
    }
}

/// Guards against a hang: a request must end within a few budgets whatever happens.
async fn ask(h: &Harness, query: &str) -> Reply {
    let limit = settings().request_budget * 4;
    tokio::time::timeout(limit, h.as_admin(query)).await.expect("the request hung past its budget")
}

/// The demo tables, served through a fault-injecting proxy.
async fn behind_proxy() -> (Harness, Proxy) {
    let h = Harness::demo().await;
    let proxy = Proxy::start(&endpoint_url()).await;
    let (_, router) = service_via(&proxy.url, &h.tables, settings()).await;
    (h.with_router(router), proxy)
}

fn throttling() -> Vec<(&'static str, Fault)> {
    let error = |status, error_type| Fault::Error { status, error_type };
    vec![
        ("ThrottlingException", error(400, "ThrottlingException")),
        ("ProvisionedThroughputExceededException", error(400, "ProvisionedThroughputExceededException")),
        ("RequestLimitExceeded", error(400, "RequestLimitExceeded")),
        ("InternalServerError 500", error(500, "InternalServerError")),
        ("ServiceUnavailable 503", error(503, "ServiceUnavailable")),
    ]
}

#[tokio::test]
async fn transient_faults_are_retried_and_change_nothing() {
    let (h, proxy) = behind_proxy().await;
    let queries = [format!("roomId={GENERAL}"), "roomName=general".to_owned()];
    let baseline: Vec<String> = {
        let mut texts = Vec::new();
        for q in &queries {
            texts.push(ask(&h, q).await.text);
        }
        texts
    };
    let mut faults = throttling();
    faults.push(("hung connection", Fault::Hang));
    faults.push(("UnprocessedKeys", Fault::NothingProcessed));
    for (name, fault) in faults {
        for operation in ["BatchGetItem", "Query"] {
            if matches!(fault, Fault::NothingProcessed) && operation == "Query" {
                continue;
            }
            for (query, expected) in queries.iter().zip(&baseline) {
                proxy.fail_next(Some(operation), fault.clone());
                let reply = ask(&h, query).await;
                assert_eq!(reply.status, 200, "{name} on {operation} for {query}: {}", reply.text);
                assert_eq!(&reply.text, expected, "{name} on {operation} for {query}");
            }
        }
    }
    // Two faults in a row on the same call are still within three attempts.
    proxy.fail_next(Some("BatchGetItem"), Fault::Error { status: 400, error_type: "ThrottlingException" });
    proxy.fail_next(Some("BatchGetItem"), Fault::Error { status: 500, error_type: "InternalServerError" });
    assert_eq!(ask(&h, &queries[0]).await.text, baseline[0]);
}

#[tokio::test]
async fn persistent_faults_are_a_503_with_retry_after() {
    let (h, proxy) = behind_proxy().await;
    let mut faults = throttling();
    faults.push(("hung connection", Fault::Hang));
    faults.push(("validation error", Fault::Error { status: 400, error_type: "ValidationException" }));
    faults.push(("missing table", Fault::Error { status: 400, error_type: "ResourceNotFoundException" }));
    faults.push(("access denied", Fault::Error { status: 400, error_type: "AccessDeniedException" }));
    for (name, fault) in faults {
        proxy.fail_always(Some(fault));
        for query in [format!("roomId={GENERAL}"), "roomName=general".to_owned()] {
            let reply = ask(&h, &query).await;
            assert_eq!(reply.status, 503, "{name}: {}", reply.text);
            assert_eq!(reply.text, UNAVAILABLE, "{name}");
            assert_eq!(reply.headers["retry-after"], "1", "{name}");
        }
    }
    // Unprocessed keys for ever: retried until the budget, then the same 503.
    proxy.fail_always(Some(Fault::NothingProcessed));
    let reply = ask(&h, &format!("roomId={GENERAL}")).await;
    assert_eq!(reply.text, UNAVAILABLE);
    proxy.fail_always(None);
    assert_eq!(ask(&h, &format!("roomId={GENERAL}")).await.status, 200, "recovers once DynamoDB does");
}

#[tokio::test]
async fn refused_connections_are_a_503() {
    let store = Unreachable::Refused.harness().await;
    let reply = ask(&store.harness, &format!("roomId={GENERAL}")).await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.text, UNAVAILABLE);
}

#[tokio::test]
async fn a_throttling_burst_shorter_than_half_the_budget_is_absorbed() {
    let h = Harness::demo().await;
    let proxy = Proxy::start(&endpoint_url()).await;
    // The shipped settings: a 3 s budget, retries until it ends.
    let settings = StoreSettings { permissions_ttl: Duration::ZERO, ..StoreSettings::default() };
    let (_, router) = service_via(&proxy.url, &h.tables, settings).await;
    let h = h.with_router(router);
    let query = format!("roomId={GENERAL}");
    let baseline = h.as_admin(&query).await.text;
    let throttled = Fault::Error { status: 400, error_type: "ThrottlingException" };
    for operation in ["BatchGetItem", "Query"] {
        for burst in [Duration::from_millis(250), Duration::from_secs(1)] {
            proxy.fail_for(operation, throttled.clone(), burst);
            let reply = h.as_admin(&query).await;
            assert_eq!(reply.status, 200, "{operation} throttled for {burst:?}: {}", reply.text);
            assert_eq!(reply.text, baseline, "{operation} throttled for {burst:?}");
        }
    }
}
