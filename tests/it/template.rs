//! template.yaml is the one source of truth: the code's table and index names, the
//! environment it reads and the IAM it needs must agree with it.

use rc_integrations::config::{INTEGRATION_HEADS_INDEX, INTEGRATION_ROOM_INDEX, ROOM_NAME_INDEX, TABLES};
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
