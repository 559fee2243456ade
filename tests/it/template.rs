//! template.yaml is the one source of truth: the code's table and index names, the
//! environment it reads and the IAM it needs must agree with it.

use rc_integrations::config::{
    HISTORY_INDEX, INTEGRATION_HEADS_INDEX, INTEGRATION_ROOM_INDEX, ROOM_NAME_INDEX, TABLES,
};
use rc_integrations::cors::{self, CorsPolicy};
use rc_integrations::local::tables::{specs, TEMPLATE};
use rc_integrations::store::items::attr;
use serde_yaml::Value as Yaml;

fn template() -> Yaml {
    serde_yaml::from_str(TEMPLATE).unwrap()
}

#[test]
fn every_table_the_code_names_is_declared_with_its_indexes() {
    let specs = specs().unwrap();
    let mut declared: Vec<&str> = specs.iter().map(|s| s.logical_id.as_str()).collect();
    declared.sort();
    let mut expected: Vec<&str> = TABLES.iter().map(|(id, _, _)| *id).collect();
    expected.sort();
    assert_eq!(declared, expected);
    let index = |table: &str| {
        let spec = specs.iter().find(|s| s.logical_id == table).unwrap();
        spec.indexes.iter().map(|i| i.index_name().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(index("RoomsTable"), [ROOM_NAME_INDEX]);
    assert_eq!(index("IntegrationsTable"), [INTEGRATION_ROOM_INDEX, INTEGRATION_HEADS_INDEX]);
    // The heads index carries exactly the attributes a head is read from.
    let integrations = specs.iter().find(|s| s.logical_id == "IntegrationsTable").unwrap();
    let heads = integrations.indexes.iter().find(|i| i.index_name() == INTEGRATION_HEADS_INDEX).unwrap();
    let projected = heads.projection().map(|p| p.non_key_attributes()).unwrap_or_default();
    assert_eq!(projected, [attr::HEAD_KIND, attr::HEAD_CREATOR, attr::HEAD_CREATED_AT, attr::HEAD_TS]);
}

#[test]
fn the_function_gets_every_table_variable_it_reads() {
    let t = template();
    let vars = &t["Resources"]["GetIntegrationsFunction"]["Properties"]["Environment"]["Variables"];
    for (logical_id, variable, _) in rc_integrations::config::api_tables() {
        let value = &vars[variable];
        let Yaml::Tagged(tagged) = value else { panic!("{variable} is not a !Ref: {value:?}") };
        assert_eq!(tagged.value.as_str(), Some(*logical_id), "{variable}");
    }
}

#[test]
fn the_function_may_only_read() {
    let t = template();
    let policies = t["Resources"]["GetIntegrationsFunction"]["Properties"]["Policies"].as_sequence().unwrap();
    let mut actions: Vec<String> = policies
        .iter()
        .flat_map(|p| p["Statement"].as_sequence().unwrap().iter())
        .flat_map(|s| s["Action"].as_sequence().unwrap().iter())
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    actions.sort();
    assert_eq!(actions, ["dynamodb:BatchGetItem", "dynamodb:Query"]);
}

/// The one-element `!Tag value` of a YAML node, as (tag, value).
fn tagged(node: &Yaml) -> (String, &Yaml) {
    let Yaml::Tagged(tagged) = node else { panic!("not a !Tag: {node:?}") };
    (tagged.tag.to_string(), &tagged.value)
}

/// Every string under `node`.
fn scalars(node: &Yaml, into: &mut Vec<String>) {
    match node {
        Yaml::String(text) => into.push(text.clone()),
        Yaml::Sequence(items) => items.iter().for_each(|i| scalars(i, into)),
        Yaml::Mapping(map) => map.iter().for_each(|(k, v)| {
            scalars(k, into);
            scalars(v, into)
        }),
        Yaml::Tagged(tagged) => scalars(&tagged.value, into),
        _ => {}
    }
}

fn joined(list: &Yaml) -> String {
    let items: Vec<&str> = list.as_sequence().unwrap().iter().map(|i| i.as_str().unwrap()).collect();
    items.join(", ")
}

/// `CorsOrigins` empty (the default): the HTTP API has no CORS configuration at all.
/// Set: API Gateway allows those origins with what the local server's API_CORS_ORIGIN
/// allows. The function itself is not given the variable: API Gateway would replace its
/// headers anyway.
#[test]
fn cors_is_off_unless_origins_are_given_and_then_allows_what_the_local_server_does() {
    let t = template();
    let parameter = &t["Parameters"]["CorsOrigins"];
    assert_eq!((parameter["Type"].as_str(), parameter["Default"].as_str()), (Some("String"), Some("")));
    let (not, equals) = tagged(&t["Conditions"]["CorsEnabled"]);
    assert_eq!(not, "!Not");
    let (equals, operands) = tagged(&equals[0]);
    assert_eq!(equals, "!Equals");
    assert_eq!(tagged(&operands[0]), ("!Ref".to_owned(), &Yaml::from("CorsOrigins")));
    assert_eq!(operands[1].as_str(), Some(""));

    let (tag, branches) = tagged(&t["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"]);
    assert_eq!(tag, "!If");
    assert_eq!(branches[0].as_str(), Some("CorsEnabled"));
    assert_eq!(tagged(&branches[2]), ("!Ref".to_owned(), &Yaml::from("AWS::NoValue")));
    let on = &branches[1];
    let mut keys: Vec<&str> = on.as_mapping().unwrap().keys().map(|k| k.as_str().unwrap()).collect();
    keys.sort();
    // SAM checks none of them inside an !If; a misspelt key would just be lost.
    assert_eq!(keys, ["AllowHeaders", "AllowMethods", "AllowOrigins", "ExposeHeaders", "MaxAge"]);
    let (split, arguments) = tagged(&on["AllowOrigins"]);
    assert_eq!(split, "!Split");
    assert_eq!(arguments[0].as_str(), Some(","));
    assert_eq!(tagged(&arguments[1]), ("!Ref".to_owned(), &Yaml::from("CorsOrigins")));
    assert_eq!(joined(&on["AllowMethods"]), cors::ALLOW_METHODS);
    assert_eq!(joined(&on["AllowHeaders"]), cors::ALLOW_HEADERS);
    assert_eq!(joined(&on["ExposeHeaders"]), cors::EXPOSE_HEADERS);
    assert_eq!(on["MaxAge"].as_u64(), Some(u64::from(cors::MAX_AGE_SECONDS)));
    // SAM rewrites these words wherever they occur in the !If: only as the keys above.
    let mut words = Vec::new();
    scalars(&branches[0], &mut words);
    scalars(&arguments[0], &mut words);
    for list in ["AllowMethods", "AllowHeaders", "ExposeHeaders"] {
        scalars(&on[list], &mut words);
    }
    for key in ["AllowOrigins", "AllowHeaders", "AllowMethods", "ExposeHeaders", "MaxAge", "AllowCredentials"]
    {
        assert!(words.iter().all(|w| !w.contains(key)), "{key} in {words:?}");
    }

    let vars = &t["Resources"]["GetIntegrationsFunction"]["Properties"]["Environment"]["Variables"];
    assert!(vars.get(cors::VARIABLE).is_none(), "{vars:?}");
}

/// What CloudFormation accepts for `CorsOrigins` the local parser accepts too, and the
/// pattern refuses what `!Split` would turn into origins API Gateway cannot match.
#[test]
fn the_cors_origins_parameter_takes_only_origin_lists() {
    let t = template();
    let pattern = t["Parameters"]["CorsOrigins"]["AllowedPattern"].as_str().unwrap();
    let pattern = regex::Regex::new(pattern).unwrap();
    for good in ["", "*", "https://chat.example.com", "http://localhost:8080,https://chat.example.com:8443"] {
        assert!(pattern.is_match(good), "{good:?} refused");
        assert!(CorsPolicy::parse(Some(good)).is_ok(), "{good:?}");
    }
    for bad in [
        "https://chat.example.com/",
        "chat.example.com",
        "https://a.example, https://b.example",
        "*,https://a.example",
        "https://a.example,",
        "https://user@a.example",
    ] {
        assert!(!pattern.is_match(bad), "{bad:?} accepted");
    }
}

/// `!Tag value` as (tag, the value's text), for a tag on a scalar.
fn intrinsic(node: &Yaml) -> (String, &str) {
    let (tag, value) = tagged(node);
    let Some(text) = value.as_str() else { panic!("{tag} of a non-scalar: {value:?}") };
    (tag, text)
}

/// A scalar as written in the template: its text, or `!Tag text` for an intrinsic.
fn written(node: &Yaml) -> String {
    match node {
        Yaml::Tagged(_) => {
            let (tag, text) = intrinsic(node);
            format!("{tag} {text}")
        }
        _ => node.as_str().unwrap_or_else(|| panic!("not a string: {node:?}")).to_owned(),
    }
}

/// An IAM `Action` or `Resource`: one item or a list of them.
fn items(node: &Yaml) -> Vec<&Yaml> {
    match node.as_sequence() {
        Some(list) => list.iter().collect(),
        None => vec![node],
    }
}

fn sync_statements(t: &Yaml) -> Vec<&Yaml> {
    let policies = t["Resources"]["SyncFunction"]["Properties"]["Policies"].as_sequence().unwrap();
    policies.iter().flat_map(|p| p["Statement"].as_sequence().unwrap().iter()).collect()
}

/// The sync function writes every table, so it gets all eight variables (SyncTable's
/// too); the API function still does not get SYNC_TABLE.
#[test]
fn the_sync_function_gets_every_table_variable() {
    let t = template();
    let sync = &t["Resources"]["SyncFunction"];
    assert_eq!(sync["Condition"].as_str(), Some("SyncEnabled"));
    let vars = &sync["Properties"]["Environment"]["Variables"];
    for (logical_id, variable, _) in TABLES {
        assert_eq!(intrinsic(&vars[variable]), ("!Ref".to_owned(), logical_id), "{variable}");
    }
    assert_eq!(intrinsic(&vars["TOMBSTONE_DAYS"]), ("!Ref".to_owned(), "TombstoneDays"));
    let api = &t["Resources"]["GetIntegrationsFunction"]["Properties"]["Environment"]["Variables"];
    assert!(api.get("SYNC_TABLE").is_none(), "{api:?}");
}

/// Reads by key, Query and BatchWriteItem only: no PutItem, UpdateItem, DeleteItem,
/// Scan or wildcard; the writes reach exactly the eight tables. Besides DynamoDB, only
/// reading the change stream and sending to the dead-letter queue.
#[test]
fn the_sync_function_may_only_batch_read_query_and_batch_write() {
    let t = template();
    let statements = sync_statements(&t);
    let mut actions: Vec<&str> =
        statements.iter().flat_map(|s| items(&s["Action"])).map(|a| a.as_str().unwrap()).collect();
    actions.sort();
    // Each once, so each action's resources are those of its one statement.
    assert_eq!(
        actions,
        [
            "dynamodb:BatchGetItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:Query",
            "kinesis:DescribeStream",
            "kinesis:DescribeStreamSummary",
            "kinesis:GetRecords",
            "kinesis:GetShardIterator",
            "kinesis:ListShards",
            "sqs:SendMessage",
        ]
    );
    let resources = |action: &str| {
        let statement = statements
            .iter()
            .find(|s| items(&s["Action"]).iter().any(|a| a.as_str() == Some(action)))
            .unwrap_or_else(|| panic!("no statement allows {action}"));
        assert_eq!(statement["Effect"].as_str(), Some("Allow"));
        let mut arns: Vec<(String, String)> = items(&statement["Resource"])
            .into_iter()
            .map(intrinsic)
            .map(|(t, v)| (t, v.to_owned()))
            .collect();
        arns.sort();
        arns
    };
    let arns = |ids: &[&str]| {
        let mut arns: Vec<(String, String)> =
            ids.iter().map(|id| ("!GetAtt".to_owned(), format!("{id}.Arn"))).collect();
        arns.sort();
        arns
    };
    let every_table: Vec<&str> = TABLES.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(resources("dynamodb:BatchWriteItem"), arns(&every_table));
    assert_eq!(resources("dynamodb:BatchGetItem"), arns(&["SyncTable", "RoomsTable", "IntegrationsTable"]));
    assert_eq!(resources("dynamodb:Query"), arns(&["SyncTable"]));
    assert_eq!(resources("kinesis:GetRecords"), [("!Ref".to_owned(), "ChangeStreamArn".to_owned())]);
    assert_eq!(resources("sqs:SendMessage"), arns(&["SyncDeadLetterQueue"]));
}

/// A poison record cannot hold up its shard forever: failures are reported record by
/// record, a failing batch is bisected, retries and record age are bounded, and what
/// is given up on is recorded in the dead-letter queue.
#[test]
fn the_change_stream_reports_failed_records_and_gives_up_into_the_queue() {
    let t = template();
    // A plain mapping: a SAM Kinesis event would attach a managed policy reading every stream.
    assert!(t["Resources"]["SyncFunction"]["Properties"]["Events"].is_null());
    let mapping = &t["Resources"]["SyncChangesMapping"];
    assert_eq!(mapping["Type"].as_str(), Some("AWS::Lambda::EventSourceMapping"));
    assert_eq!(mapping["Condition"].as_str(), Some("SyncEnabled"));
    let p = &mapping["Properties"];
    assert_eq!(intrinsic(&p["EventSourceArn"]), ("!Ref".to_owned(), "ChangeStreamArn"));
    assert_eq!(intrinsic(&p["FunctionName"]), ("!Ref".to_owned(), "SyncFunction"));
    let response_types: Vec<&str> =
        p["FunctionResponseTypes"].as_sequence().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert_eq!(response_types, ["ReportBatchItemFailures"]);
    assert_eq!(p["BisectBatchOnFunctionError"].as_bool(), Some(true));
    // One batch per shard at a time: one document's events are applied in order.
    assert_eq!(p["ParallelizationFactor"].as_u64(), Some(1));
    let max_age = p["MaximumRecordAgeInSeconds"].as_u64().expect("a bounded MaximumRecordAgeInSeconds");
    assert!((60..=604_800).contains(&max_age), "{max_age}");

    let (tag, parameter) = intrinsic(&p["MaximumRetryAttempts"]);
    assert_eq!(tag, "!Ref");
    let parameter = &t["Parameters"][parameter];
    assert_eq!(parameter["Type"].as_str(), Some("Number"));
    let default = parameter["Default"].as_u64().expect("a numeric default");
    assert!(default <= 10_000, "{default}");
    // Lambda reads -1 as "retry forever": the parameter refuses it.
    assert!(parameter["MinValue"].as_u64().is_some(), "{parameter:?}");
    assert!(parameter["MaxValue"].as_u64().is_some_and(|max| max <= 10_000), "{parameter:?}");

    let on_failure = &p["DestinationConfig"]["OnFailure"];
    assert_eq!(intrinsic(&on_failure["Destination"]), ("!GetAtt".to_owned(), "SyncDeadLetterQueue.Arn"));
    let queue = &t["Resources"]["SyncDeadLetterQueue"];
    assert_eq!(queue["Type"].as_str(), Some("AWS::SQS::Queue"));
    assert_eq!(queue["Condition"].as_str(), Some("SyncEnabled"));

    // A deleted document's version outlives any event that can still be applied: the
    // oldest record the mapping takes, then the queue's retention for a redrive.
    let tombstone_days = t["Parameters"]["TombstoneDays"]["Default"].as_u64().unwrap();
    let retention = queue["Properties"]["MessageRetentionPeriod"].as_u64().unwrap();
    assert!(tombstone_days * 86_400 > max_age + retention, "{tombstone_days} days");
}

/// Sync falling behind, failing records, and batches given up on each raise an alarm,
/// on the sync function's metrics and its queue's.
#[test]
fn the_sync_alarms_watch_the_function_and_its_queue() {
    let t = template();
    for (alarm, metric_namespace, metric, dimension, value) in [
        ("SyncIteratorAgeAlarm", "AWS/Lambda", "IteratorAge", "FunctionName", ("!Ref", "SyncFunction")),
        // The function's own metrics, in the namespace it is given as METRICS_NAMESPACE.
        (
            "SyncFailedRecordsAlarm",
            "!Ref MetricsNamespace",
            "Failed",
            "FunctionName",
            ("!Ref", "SyncFunction"),
        ),
        (
            "SyncDeadLetterAlarm",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
            ("!GetAtt", "SyncDeadLetterQueue.QueueName"),
        ),
    ] {
        let resource = &t["Resources"][alarm];
        assert_eq!(resource["Type"].as_str(), Some("AWS::CloudWatch::Alarm"), "{alarm}");
        assert_eq!(resource["Condition"].as_str(), Some("SyncEnabled"), "{alarm}");
        let p = &resource["Properties"];
        assert_eq!(
            (written(&p["Namespace"]).as_str(), p["MetricName"].as_str()),
            (metric_namespace, Some(metric)),
            "{alarm}"
        );
        let dimensions = p["Dimensions"].as_sequence().unwrap();
        assert_eq!(dimensions.len(), 1, "{alarm}");
        assert_eq!(dimensions[0]["Name"].as_str(), Some(dimension), "{alarm}");
        assert_eq!(intrinsic(&dimensions[0]["Value"]), (value.0.to_owned(), value.1), "{alarm}");
        assert_eq!(p["ComparisonOperator"].as_str(), Some("GreaterThanThreshold"), "{alarm}");
        let (tag, branches) = tagged(&p["AlarmActions"]);
        assert_eq!((tag.as_str(), branches[0].as_str()), ("!If", Some("NotifyAlarms")), "{alarm}");
    }
}

/// The two functions, with the condition each is deployed under.
const FUNCTIONS: [(&str, Option<&str>); 2] =
    [("GetIntegrationsFunction", None), ("SyncFunction", Some("SyncEnabled"))];

/// arm64 unless the `Architecture` parameter says x86_64 (for `sam local` on an x86_64
/// machine), the same for both functions.
#[test]
fn both_functions_run_on_the_architecture_parameter_arm64_by_default() {
    let t = template();
    let parameter = &t["Parameters"]["Architecture"];
    assert_eq!((parameter["Type"].as_str(), parameter["Default"].as_str()), (Some("String"), Some("arm64")));
    let mut allowed: Vec<&str> =
        parameter["AllowedValues"].as_sequence().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    allowed.sort();
    assert_eq!(allowed, ["arm64", "x86_64"]);
    for (function, _) in FUNCTIONS {
        let architectures = t["Resources"][function]["Properties"]["Architectures"].as_sequence().unwrap();
        let architectures: Vec<String> = architectures.iter().map(written).collect();
        assert_eq!(architectures, ["!Ref Architecture"], "{function}");
    }
}

/// `DynamoDBEndpoint` empty (the default, and in AWS): no AWS_ENDPOINT_URL_DYNAMODB at
/// all. Given (`sam local`): both functions use that endpoint.
#[test]
fn both_functions_get_a_dynamodb_endpoint_only_when_one_is_given() {
    let t = template();
    let parameter = &t["Parameters"]["DynamoDBEndpoint"];
    assert_eq!((parameter["Type"].as_str(), parameter["Default"].as_str()), (Some("String"), Some("")));
    let (not, equals) = tagged(&t["Conditions"]["HasDynamoDBEndpoint"]);
    assert_eq!(not, "!Not");
    let (equals, operands) = tagged(&equals[0]);
    assert_eq!(equals, "!Equals");
    assert_eq!(written(&operands[0]), "!Ref DynamoDBEndpoint");
    assert_eq!(operands[1].as_str(), Some(""));
    for (function, _) in FUNCTIONS {
        let vars = &t["Resources"][function]["Properties"]["Environment"]["Variables"];
        let (tag, branches) = tagged(&vars["AWS_ENDPOINT_URL_DYNAMODB"]);
        assert_eq!(tag, "!If", "{function}");
        let branches: Vec<String> = branches.as_sequence().unwrap().iter().map(written).collect();
        assert_eq!(
            branches,
            ["HasDynamoDBEndpoint", "!Ref DynamoDBEndpoint", "!Ref AWS::NoValue"],
            "{function}"
        );
    }
}

/// Every `Namespace` under an alarm's properties, as written, with the id of a metric
/// of a metric-math alarm (None for a single-metric alarm).
fn alarm_namespaces(alarm: &Yaml) -> Vec<(Option<String>, String)> {
    let p = &alarm["Properties"];
    let mut namespaces = Vec::new();
    if let Some(namespace) = p.get("Namespace") {
        namespaces.push((None, written(namespace)));
    }
    for metric in p["Metrics"].as_sequence().into_iter().flatten() {
        if let Some(namespace) = metric["MetricStat"]["Metric"].get("Namespace") {
            namespaces.push((metric["Id"].as_str().map(str::to_owned), written(namespace)));
        }
    }
    namespaces
}

/// The functions' EMF metrics go to the `MetricsNamespace` parameter's namespace, and
/// every alarm on a metric outside AWS/… reads that same namespace: changing the
/// parameter cannot leave an alarm watching a namespace nothing writes.
#[test]
fn the_functions_and_the_alarms_on_their_metrics_share_the_metrics_namespace() {
    let t = template();
    for (function, _) in FUNCTIONS {
        let vars = &t["Resources"][function]["Properties"]["Environment"]["Variables"];
        assert_eq!(written(&vars["METRICS_NAMESPACE"]), "!Ref MetricsNamespace", "{function}");
    }
    let mut on_own_metrics = Vec::new();
    for (id, resource) in t["Resources"].as_mapping().unwrap() {
        if resource["Type"].as_str() != Some("AWS::CloudWatch::Alarm") {
            continue;
        }
        let alarm = id.as_str().unwrap();
        let namespaces = alarm_namespaces(resource);
        assert!(!namespaces.is_empty(), "{alarm} reads no namespace");
        for (metric, namespace) in namespaces {
            if !namespace.starts_with("AWS/") {
                assert_eq!(namespace, "!Ref MetricsNamespace", "{alarm} {metric:?}");
                on_own_metrics.push((alarm.to_owned(), metric));
            }
        }
    }
    on_own_metrics.sort();
    let own = |alarm: &str, metric: Option<&str>| (alarm.to_owned(), metric.map(str::to_owned));
    for expected in [
        own("SyncFailedRecordsAlarm", None),
        own("UnavailableRateAlarm", Some("requests")),
        own("UnavailableRateAlarm", Some("unavailable")),
    ] {
        assert!(
            on_own_metrics.contains(&expected),
            "{expected:?} not on MetricsNamespace: {on_own_metrics:?}"
        );
    }
}

/// The default is the code's own default namespace; the pattern takes CloudWatch
/// namespaces and refuses the AWS/ prefix reserved for AWS services.
#[test]
fn the_metrics_namespace_parameter_refuses_aws_namespaces() {
    let t = template();
    let parameter = &t["Parameters"]["MetricsNamespace"];
    assert_eq!(parameter["Type"].as_str(), Some("String"));
    assert!(parameter["ConstraintDescription"].as_str().is_some_and(|d| d.contains("AWS/")), "{parameter:?}");
    assert_eq!((parameter["MinLength"].as_u64(), parameter["MaxLength"].as_u64()), (Some(1), Some(255)));
    let default = parameter["Default"].as_str().unwrap();
    assert_eq!(default, "RocketChatIntegrations");
    let pattern = regex::Regex::new(parameter["AllowedPattern"].as_str().unwrap()).unwrap();
    for good in [default, "A", "AW", "AWS", "AWSx/y", "AW/x", "A/x", "aws/x", "Team/Chat:prod#1", "a-b_c.d"] {
        assert!(pattern.is_match(good), "{good:?} refused");
    }
    for bad in ["", "AWS/", "AWS/Lambda", "AWS/RocketChatIntegrations", ":x", "a b", "a,b", "é"] {
        assert!(!pattern.is_match(bad), "{bad:?} accepted");
    }
}

/// What one metric of a metric-math alarm reads: (metric name, table logical id, index).
type Watched = (String, String, Option<String>);

/// The DynamoDB metrics a metric-math alarm sums, after checking that its one returned
/// expression is the SUM of exactly those metrics, each a per-minute Sum.
fn summed_dynamodb_metrics(t: &Yaml, alarm: &str) -> Vec<Watched> {
    let resource = &t["Resources"][alarm];
    assert_eq!(resource["Type"].as_str(), Some("AWS::CloudWatch::Alarm"), "{alarm}");
    let metrics = resource["Properties"]["Metrics"].as_sequence().unwrap();
    // CloudWatch's limit on the metrics and expressions of one alarm.
    assert!(metrics.len() <= 10, "{alarm}: {} metrics", metrics.len());
    let (returned, read): (Vec<&Yaml>, Vec<&Yaml>) =
        metrics.iter().partition(|m| m["ReturnData"].as_bool() == Some(true));
    assert_eq!(returned.len(), 1, "{alarm}");
    let expression = returned[0]["Expression"].as_str().unwrap();
    let mut ids: Vec<&str> = read.iter().map(|m| m["Id"].as_str().unwrap()).collect();
    ids.sort();
    let inner = expression.strip_prefix("SUM([").and_then(|e| e.strip_suffix("])"));
    let mut summed: Vec<&str> =
        inner.unwrap_or_else(|| panic!("{alarm}: {expression}")).split(", ").collect();
    summed.sort();
    assert_eq!(summed, ids, "{alarm}: {expression}");
    read.iter()
        .map(|m| {
            let stat = &m["MetricStat"];
            assert_eq!((stat["Period"].as_u64(), stat["Stat"].as_str()), (Some(60), Some("Sum")), "{alarm}");
            let metric = &stat["Metric"];
            assert_eq!(metric["Namespace"].as_str(), Some("AWS/DynamoDB"), "{alarm}");
            let dimensions = metric["Dimensions"].as_sequence().unwrap();
            assert_eq!(dimensions[0]["Name"].as_str(), Some("TableName"), "{alarm}");
            let (tag, table) = intrinsic(&dimensions[0]["Value"]);
            assert_eq!(tag, "!Ref", "{alarm}");
            let index = match dimensions.get(1) {
                Some(index) => {
                    assert_eq!(index["Name"].as_str(), Some("GlobalSecondaryIndexName"), "{alarm}");
                    Some(index["Value"].as_str().unwrap().to_owned())
                }
                None => None,
            };
            assert!(dimensions.len() <= 2, "{alarm}: {dimensions:?}");
            (metric["MetricName"].as_str().unwrap().to_owned(), table.to_owned(), index)
        })
        .collect()
}

/// The alarm settings the throttle alarms share with DynamoDBThrottleAlarm.
fn assert_throttle_alarm_shape(t: &Yaml, alarm: &str) {
    let p = &t["Resources"][alarm]["Properties"];
    let reference = &t["Resources"]["DynamoDBThrottleAlarm"]["Properties"];
    for key in
        ["ComparisonOperator", "Threshold", "EvaluationPeriods", "DatapointsToAlarm", "TreatMissingData"]
    {
        assert_eq!(p[key], reference[key], "{alarm} {key}");
    }
    assert_eq!(p["ComparisonOperator"].as_str(), Some("GreaterThanThreshold"), "{alarm}");
    assert_eq!(p["Threshold"].as_u64(), Some(0), "{alarm}");
    let (tag, branches) = tagged(&p["AlarmActions"]);
    assert_eq!((tag.as_str(), branches[0].as_str()), ("!If", Some("NotifyAlarms")), "{alarm}");
    assert_eq!(p["AlarmActions"], reference["AlarmActions"], "{alarm}");
}

/// Throttled reads raise an alarm whichever table or index the API function reads is
/// throttled: the seven tables in one alarm, the three indexes (counted apart from
/// their table) in another, as one alarm takes at most 10 metrics.
#[test]
fn the_throttle_alarms_cover_every_table_and_index_the_api_reads() {
    let t = template();
    let mut tables = Vec::new();
    let mut indexes = Vec::new();
    for alarm in ["DynamoDBThrottleAlarm", "DynamoDBIndexThrottleAlarm"] {
        assert_throttle_alarm_shape(&t, alarm);
        assert!(t["Resources"][alarm].get("Condition").is_none(), "{alarm}");
        for (metric, table, index) in summed_dynamodb_metrics(&t, alarm) {
            assert_eq!(metric, "ReadThrottleEvents", "{alarm}");
            match index {
                Some(index) => indexes.push((table, index)),
                None => tables.push(table),
            }
        }
    }
    tables.sort();
    let mut expected: Vec<String> =
        rc_integrations::config::api_tables().map(|(id, _, _)| (*id).to_owned()).collect();
    expected.sort();
    assert_eq!(tables, expected);
    indexes.sort();
    let mut expected: Vec<(String, String)> = [
        ("RoomsTable", ROOM_NAME_INDEX),
        ("IntegrationsTable", INTEGRATION_ROOM_INDEX),
        ("IntegrationsTable", INTEGRATION_HEADS_INDEX),
        ("HistoryTable", HISTORY_INDEX),
    ]
    .iter()
    .map(|(table, index)| ((*table).to_owned(), (*index).to_owned()))
    .collect();
    expected.sort();
    assert_eq!(indexes, expected);
    // And those are all the indexes the template declares.
    let declared: usize = specs().unwrap().iter().map(|s| s.indexes.len()).sum();
    assert_eq!(declared, expected.len());
}

/// Throttled writes of sync raise an alarm whichever of the eight tables it writes.
#[test]
fn the_sync_write_throttle_alarm_covers_every_table() {
    let t = template();
    let alarm = "SyncWriteThrottleAlarm";
    assert_eq!(t["Resources"][alarm]["Condition"].as_str(), Some("SyncEnabled"));
    assert_throttle_alarm_shape(&t, alarm);
    let mut tables: Vec<String> = summed_dynamodb_metrics(&t, alarm)
        .into_iter()
        .map(|(metric, table, index)| {
            assert_eq!((metric.as_str(), index), ("WriteThrottleEvents", None), "{table}");
            table
        })
        .collect();
    tables.sort();
    let mut expected: Vec<String> = TABLES.iter().map(|(id, _, _)| (*id).to_owned()).collect();
    expected.sort();
    assert_eq!(tables, expected);
}

/// Both functions are traced, and log (as text: they write their own JSON lines) into a
/// log group of the stack with the `LogRetentionDays` retention, deployed under the
/// same condition as the function and deleted with the stack.
#[test]
fn both_functions_are_traced_and_log_into_a_group_with_a_retention() {
    let t = template();
    let parameter = &t["Parameters"]["LogRetentionDays"];
    assert_eq!((parameter["Type"].as_str(), parameter["Default"].as_u64()), (Some("Number"), Some(30)));
    let allowed: Vec<u64> =
        parameter["AllowedValues"].as_sequence().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    // What CloudWatch Logs accepts as RetentionInDays.
    assert_eq!(
        allowed,
        [
            1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
            3288, 3653
        ]
    );
    let mut groups = Vec::new();
    for (function, condition) in FUNCTIONS {
        let p = &t["Resources"][function]["Properties"];
        assert_eq!(p["Tracing"].as_str(), Some("Active"), "{function}");
        let logging = &p["LoggingConfig"];
        assert_eq!(logging["LogFormat"].as_str(), Some("Text"), "{function}");
        let (tag, group) = intrinsic(&logging["LogGroup"]);
        assert_eq!(tag, "!Ref", "{function}");
        let resource = &t["Resources"][group];
        assert_eq!(resource["Type"].as_str(), Some("AWS::Logs::LogGroup"), "{function}: {group}");
        assert_eq!(resource["Condition"].as_str(), condition, "{group}");
        assert_eq!(resource["DeletionPolicy"].as_str(), Some("Delete"), "{group}");
        let group_p = &resource["Properties"];
        assert_eq!(written(&group_p["RetentionInDays"]), "!Ref LogRetentionDays", "{group}");
        let (tag, name) = intrinsic(&group_p["LogGroupName"]);
        assert_eq!(tag, "!Sub", "{group}");
        assert!(name.starts_with("/aws/lambda/${AWS::StackName}-"), "{group}: {name}");
        groups.push(name.to_owned());
    }
    groups.sort();
    groups.dedup();
    assert_eq!(groups.len(), FUNCTIONS.len(), "one log group each: {groups:?}");
}
