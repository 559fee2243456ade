//! The sample events in `events/` through the Lambda request path: each is
//! deserialized as lambda_http does, run through its adapter around the shared
//! router, and the serialized Lambda response is checked.

use crate::support::*;
use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Context, LambdaEvent, Service};
use rc_integrations::lambda::{read_invocation, Invocation};
use serde_json::Value as Json;

fn sample(file: &str) -> Json {
    let path = format!("{}/events/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

async fn invoke(h: &Harness, file: &str) -> (u64, Json) {
    invoke_event(h, file, sample(file)).await
}

/// As `bootstrap` reads an invocation: [`read_invocation`], then lambda_http's adapter.
async fn invoke_event(h: &Harness, file: &str, event: Json) -> (u64, Json) {
    let event: LambdaRequest = match read_invocation(event) {
        Invocation::Request(request) => *request,
        Invocation::Unreadable(why) => panic!("{file} is not an event lambda_http reads: {why}"),
    };
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
    // One sample per other endpoint, each the demo's answer: (file, list key, an id in it).
    let others = [
        ("apigw-http-v2-groups.json", "integrations", "SecretAlertsHook1"),
        ("apigw-http-v2-integrations-list.json", "integrations", "WMQDChpnYTRmFre9h"),
        ("apigw-http-v2-integrations-history.json", "history", "GuggyRun00000003"),
    ];
    for (file, key, id) in others {
        let (status, body) = invoke(&h, file).await;
        assert_eq!(status, 200, "{file}: {body}");
        assert!(body[key].as_array().unwrap().iter().any(|i| i["_id"] == id), "{file}: {body}");
    }
    let (status, body) = invoke(&h, "apigw-http-v2-integrations-get.json").await;
    assert_eq!((status, &body["integration"]["name"]), (200, &Json::from("Guggy")), "{body}");
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
            "apigw-http-v2-groups.json",
            "apigw-http-v2-integrations-get.json",
            "apigw-http-v2-integrations-history.json",
            "apigw-http-v2-integrations-list.json",
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

/// Two values of `X-Auth-Token` or `X-User-Id`, in either order, as each front end
/// delivers them (REST API and ALB as multi-value headers, HTTP API and function URLs
/// joined with a comma): the 401, as from Rocket.Chat, which reads them joined.
#[tokio::test]
async fn a_credential_header_sent_twice_is_the_401_on_every_front_end() {
    let h = Harness::demo().await;
    let token = ADMIN_TOKEN;
    for file in ["apigw-rest-v1.json", "alb.json", "apigw-http-v2.json", "function-url.json"] {
        for (header, good) in [("X-Auth-Token", token), ("X-User-Id", ADMIN_ID)] {
            for pair in [["bad", good], [good, "bad"]] {
                let mut event = sample(file);
                let fields = event.as_object_mut().unwrap();
                for (key, value) in fields.iter_mut() {
                    let Some(map) = value.as_object_mut() else { continue };
                    let name = map.keys().find(|k| k.eq_ignore_ascii_case(header)).cloned();
                    let Some(name) = name else { continue };
                    match key.as_str() {
                        "multiValueHeaders" => map.insert(name, serde_json::json!(pair)),
                        // What each front end puts in the single-value map.
                        "headers" if file.starts_with("apigw-http") || file.starts_with("function") => {
                            map.insert(name, Json::String(pair.join(",")))
                        }
                        "headers" => map.insert(name, Json::String(pair[1].to_owned())),
                        _ => continue,
                    };
                }
                let has_multi = fields.contains_key("multiValueHeaders");
                if file == "alb.json" && !has_multi {
                    // An ALB with multi-value headers on: the same pair, as a list.
                    let headers = fields.remove("headers").unwrap();
                    let mut multi = serde_json::Map::new();
                    for (k, v) in headers.as_object().unwrap() {
                        let list = if k.eq_ignore_ascii_case(header) {
                            serde_json::json!(pair)
                        } else {
                            serde_json::json!([v])
                        };
                        multi.insert(k.clone(), list);
                    }
                    fields.insert("multiValueHeaders".into(), Json::Object(multi));
                }
                let (status, body) = invoke_event(&h, file, event).await;
                assert_eq!(
                    (status, &body["error"]),
                    (401, &Json::from("You must be logged in to do this.")),
                    "{file} {header} {pair:?}"
                );
            }
        }
    }
}
