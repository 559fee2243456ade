//! The sample events in `events/` through the Lambda request path: each is
//! deserialized as lambda_http does, run through its adapter around the shared
//! router, and the serialized Lambda response is checked.

use crate::support::*;
use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Context, LambdaEvent, Service};
use serde_json::Value as Json;

async fn invoke(h: &Harness, file: &str) -> (u64, Json) {
    let path = format!("{}/events/{file}", env!("CARGO_MANIFEST_DIR"));
    let event: LambdaRequest = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{file} is not an event lambda_http reads: {e}"));
    let mut adapter = Adapter::from(h.router.clone());
    let response = adapter.call(LambdaEvent::new(event, Context::default())).await.unwrap();
    let response = serde_json::to_value(&response).unwrap();
    let status = response["statusCode"].as_u64().unwrap_or_else(|| panic!("{file}: {response}"));
    let body =
        serde_json::from_str(response["body"].as_str().unwrap_or_else(|| panic!("{file}: {response}")))
            .unwrap();
    (status, body)
}

#[tokio::test]
async fn every_sample_event_gets_its_documented_answer() {
    let h = Harness::demo().await;
    let example = h.as_admin(&format!("roomId={GENERAL}")).await.body;
    for file in ["apigw-http-v2.json", "apigw-rest-v1.json", "alb.json", "function-url.json"] {
        let (status, body) = invoke(&h, file).await;
        assert_eq!(status, 200, "{file}: {body}");
        assert_eq!(body, example, "{file}");
        assert!(body["integrations"].as_array().unwrap().iter().any(|i| i["name"] == "Guggy"), "{file}");
    }
    let expectations = [
        ("unauthorized-401.json", 401, "You must be logged in to do this."),
        (
            "forbidden-403.json",
            403,
            "User does not have the permissions required for this action [error-unauthorized]",
        ),
        (
            "bad-request-400.json",
            400,
            "The parameter \"roomId\" or \"roomName\" is required [error-roomid-param-not-provided]",
        ),
    ];
    for (file, expected_status, error) in expectations {
        let (status, body) = invoke(&h, file).await;
        assert_eq!(status, expected_status, "{file}: {body}");
        assert_eq!(body["error"], error, "{file}");
        assert_eq!(body["success"], false, "{file}");
    }
}

#[tokio::test]
async fn the_events_directory_holds_exactly_the_tested_samples() {
    let mut files: Vec<String> = std::fs::read_dir(format!("{}/events", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "alb.json",
            "apigw-http-v2.json",
            "apigw-rest-v1.json",
            "bad-request-400.json",
            "forbidden-403.json",
            "function-url.json",
            "kinesis-sync.json",
            "sync-demo.jsonl",
            "unauthorized-401.json"
        ]
    );
}
