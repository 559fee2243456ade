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
fn the_function_gets_every_table_variable() {
    let t = template();
    let vars = &t["Resources"]["GetIntegrationsFunction"]["Properties"]["Environment"]["Variables"];
    for (logical_id, variable, _) in TABLES {
        let value = &vars[variable];
        let Yaml::Tagged(tagged) = value else { panic!("{variable} is not a !Ref: {value:?}") };
        assert_eq!(tagged.value.as_str(), Some(logical_id), "{variable}");
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
