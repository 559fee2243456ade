//! template.yaml is the one source of truth: the code's table and index names, the
//! environment it reads and the IAM it needs must agree with it.

use rc_integrations::config::{INTEGRATION_HEADS_INDEX, INTEGRATION_ROOM_INDEX, ROOM_NAME_INDEX, TABLES};
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
    assert_eq!(projected, [attr::HEAD_KIND, attr::HEAD_CREATOR, attr::HEAD_CREATED_AT]);
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
    let vars = &t["Resources"]["SyncFunction"]["Properties"]["Environment"]["Variables"];
    let namespace = vars["METRICS_NAMESPACE"].as_str().unwrap();
    for (alarm, metric_namespace, metric, dimension, value) in [
        ("SyncIteratorAgeAlarm", "AWS/Lambda", "IteratorAge", "FunctionName", ("!Ref", "SyncFunction")),
        ("SyncFailedRecordsAlarm", namespace, "Failed", "FunctionName", ("!Ref", "SyncFunction")),
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
            (p["Namespace"].as_str(), p["MetricName"].as_str()),
            (Some(metric_namespace), Some(metric)),
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
