//! Operators' metrics: in Lambda, one CloudWatch Embedded Metric Format (EMF) line per
//! request on stdout, which CloudWatch Logs turns into metrics without any API call.
//!
//! Namespace `METRICS_NAMESPACE` (default `RocketChatIntegrations`), one dimension
//! `FunctionName`. Metrics: `Requests` (1), `Latency` (ms), `ReadUnits`, `DynamoRounds`,
//! `ItemsListed`, `Errors5xx` and `Unavailable` (1 when the answer was a 5xx / the 503).
//! `Status` rides along as a property: searchable in Logs Insights, not a dimension, so
//! it costs no extra metric.

use serde_json::{json, Value as Json};

/// What one request did, as the metrics see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestMetrics {
    pub status: u16,
    pub latency_ms: f64,
    pub read_units: f64,
    pub rounds: u32,
    pub items: usize,
    /// A table or index was missing or its read denied.
    pub misconfigured: bool,
}

/// Where the metrics go: read once at start-up.
#[derive(Debug, Clone)]
pub struct MetricsTarget {
    pub namespace: String,
    pub function_name: String,
}

impl MetricsTarget {
    pub fn from_env() -> Self {
        let var = |name: &str, default: &str| {
            std::env::var(name).ok().filter(|v| !v.trim().is_empty()).unwrap_or_else(|| default.to_owned())
        };
        MetricsTarget {
            namespace: var("METRICS_NAMESPACE", "RocketChatIntegrations"),
            function_name: var("AWS_LAMBDA_FUNCTION_NAME", "local"),
        }
    }

    /// The EMF document for one request, as one line of JSON; `RequestId` (a property,
    /// not a dimension) joins it to the request's log lines in Logs Insights.
    pub fn emf_line(&self, metrics: &RequestMetrics, request_id: &str, timestamp_ms: i64) -> String {
        let declared = vec![
            count("Requests"),
            milliseconds("Latency"),
            count("ReadUnits"),
            count("DynamoRounds"),
            count("ItemsListed"),
            count("Errors5xx"),
            count("Unavailable"),
            count("Misconfigured"),
        ];
        let values = json!({
            "Status": metrics.status,
            "Requests": 1,
            "Latency": metrics.latency_ms,
            "ReadUnits": metrics.read_units,
            "DynamoRounds": metrics.rounds,
            "ItemsListed": metrics.items,
            "Errors5xx": u8::from(metrics.status >= 500),
            "Unavailable": u8::from(metrics.status == 503),
            "Misconfigured": u8::from(metrics.misconfigured),
        });
        self.line(declared, values, request_id, timestamp_ms)
    }

    /// The EMF document for one sync batch: `Records`, `Applied`, `Stale`, `Ignored`,
    /// `Failed`, `Writes` (Count) and `LagMs` (Milliseconds, when an event was applied).
    pub fn batch_line(&self, metrics: &BatchMetrics, request_id: &str, timestamp_ms: i64) -> String {
        let mut declared = vec![
            count("Records"),
            count("Applied"),
            count("Stale"),
            count("Ignored"),
            count("Failed"),
            count("Writes"),
        ];
        let mut values = json!({
            "Records": metrics.records,
            "Applied": metrics.applied,
            "Stale": metrics.stale,
            "Ignored": metrics.ignored,
            "Failed": metrics.failed,
            "Writes": metrics.writes,
        });
        if let Some(lag) = metrics.lag_ms {
            declared.push(milliseconds("LagMs"));
            values["LagMs"] = json!(lag);
        }
        self.line(declared, values, request_id, timestamp_ms)
    }

    /// One EMF line: the directive declaring `declared` in the namespace, by function,
    /// then the function, the request id (a property) and the values at the top level.
    fn line(&self, declared: Vec<Json>, values: Json, request_id: &str, timestamp_ms: i64) -> String {
        let mut doc = json!({
            "_aws": {
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": [["FunctionName"]],
                    "Metrics": declared,
                }],
            },
            "FunctionName": self.function_name,
            "RequestId": request_id,
        });
        if let (Some(doc), Json::Object(values)) = (doc.as_object_mut(), values) {
            doc.extend(values);
        }
        doc.to_string()
    }
}

/// What one sync batch did, as the metrics see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchMetrics {
    pub records: usize,
    pub applied: usize,
    pub stale: usize,
    pub ignored: usize,
    pub failed: usize,
    /// From the newest applied event's time to its application.
    pub lag_ms: Option<u64>,
    pub writes: usize,
}

fn count(name: &str) -> Json {
    json!({"Name": name, "Unit": "Count"})
}

fn milliseconds(name: &str) -> Json {
    json!({"Name": name, "Unit": "Milliseconds"})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_line_declares_every_value_it_carries() {
        let target = MetricsTarget { namespace: "NS".into(), function_name: "sync".into() };
        let metrics = BatchMetrics {
            records: 5,
            applied: 2,
            stale: 1,
            ignored: 1,
            failed: 1,
            lag_ms: Some(40),
            writes: 7,
        };
        for metrics in [metrics, BatchMetrics { lag_ms: None, ..metrics }] {
            let doc: serde_json::Value = serde_json::from_str(&target.batch_line(&metrics, "r", 1)).unwrap();
            let declared = doc["_aws"]["CloudWatchMetrics"][0]["Metrics"].as_array().unwrap();
            for metric in declared {
                assert!(doc[metric["Name"].as_str().unwrap()].is_number());
            }
            assert_eq!(declared.len(), if metrics.lag_ms.is_some() { 7 } else { 6 });
            assert_eq!((doc["Failed"].as_u64(), doc["Applied"].as_u64()), (Some(1), Some(2)));
        }
    }

    #[test]
    fn one_line_that_cloudwatch_reads_as_metrics() {
        let target = MetricsTarget { namespace: "NS".into(), function_name: "fn".into() };
        let metrics = RequestMetrics {
            status: 503,
            latency_ms: 12.5,
            read_units: 3.0,
            rounds: 2,
            items: 0,
            misconfigured: true,
        };
        let line = target.emf_line(&metrics, "req-1", 1_700_000_000_000);
        assert!(!line.contains('\n'));
        let doc: serde_json::Value = serde_json::from_str(&line).unwrap();
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "NS");
        assert_eq!(directive["Dimensions"], json!([["FunctionName"]]));
        // Every declared metric has its value at the top level, as EMF requires.
        for metric in directive["Metrics"].as_array().unwrap() {
            let name = metric["Name"].as_str().unwrap();
            assert!(doc[name].is_number(), "{name} has no value");
        }
        assert_eq!((doc["FunctionName"].as_str(), doc["RequestId"].as_str()), (Some("fn"), Some("req-1")));
        assert_eq!((doc["Latency"].as_f64(), doc["ReadUnits"].as_f64()), (Some(12.5), Some(3.0)));
        assert_eq!((doc["DynamoRounds"].as_u64(), doc["Unavailable"].as_u64()), (Some(2), Some(1)));
        assert_eq!(doc["_aws"]["Timestamp"], 1_700_000_000_000i64);
    }
}
