//! Creates the tables exactly as template.yaml declares them, the one source of
//! truth for keys and indexes.

use crate::config::TableNames;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TableStatus,
};
use aws_sdk_dynamodb::Client;
use serde_yaml::Value as Yaml;
use std::time::Duration;

pub const TEMPLATE: &str = include_str!("../../template.yaml");

/// One `AWS::DynamoDB::Table` of the template.
#[derive(Debug, Clone)]
pub struct TableSpec {
    pub logical_id: String,
    pub attributes: Vec<AttributeDefinition>,
    pub keys: Vec<KeySchemaElement>,
    pub indexes: Vec<GlobalSecondaryIndex>,
}

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("template.yaml: {0}")]
    Template(String),
    #[error("creating table {table}: {detail}")]
    Create { table: String, detail: String },
}

/// The tables declared in template.yaml.
pub fn specs() -> Result<Vec<TableSpec>, TableError> {
    let bad = |what: &str| TableError::Template(what.to_owned());
    let template: Yaml = serde_yaml::from_str(TEMPLATE).map_err(|e| bad(&e.to_string()))?;
    let resources =
        template.get("Resources").and_then(Yaml::as_mapping).ok_or_else(|| bad("no Resources"))?;
    let mut specs = Vec::new();
    for (id, resource) in resources {
        if resource.get("Type").and_then(Yaml::as_str) != Some("AWS::DynamoDB::Table") {
            continue;
        }
        let logical_id = id.as_str().ok_or_else(|| bad("non-string resource id"))?.to_owned();
        let props = resource.get("Properties").ok_or_else(|| bad("table without Properties"))?;
        let indexes = props.get("GlobalSecondaryIndexes").and_then(Yaml::as_sequence);
        specs.push(TableSpec {
            attributes: seq(props, "AttributeDefinitions")?
                .iter()
                .map(attribute)
                .collect::<Result<_, _>>()?,
            keys: key_schema(props)?,
            indexes: indexes.into_iter().flatten().map(index).collect::<Result<_, _>>()?,
            logical_id,
        });
    }
    Ok(specs)
}

fn seq<'a>(node: &'a Yaml, key: &str) -> Result<&'a Vec<Yaml>, TableError> {
    node.get(key).and_then(Yaml::as_sequence).ok_or_else(|| TableError::Template(format!("{key} missing")))
}

fn text<'a>(node: &'a Yaml, key: &str) -> Result<&'a str, TableError> {
    node.get(key).and_then(Yaml::as_str).ok_or_else(|| TableError::Template(format!("{key} missing")))
}

fn attribute(node: &Yaml) -> Result<AttributeDefinition, TableError> {
    AttributeDefinition::builder()
        .attribute_name(text(node, "AttributeName")?)
        .attribute_type(ScalarAttributeType::from(text(node, "AttributeType")?))
        .build()
        .map_err(|e| TableError::Template(e.to_string()))
}

fn key_schema(node: &Yaml) -> Result<Vec<KeySchemaElement>, TableError> {
    seq(node, "KeySchema")?
        .iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(text(k, "AttributeName")?)
                .key_type(KeyType::from(text(k, "KeyType")?))
                .build()
                .map_err(|e| TableError::Template(e.to_string()))
        })
        .collect()
}

fn index(node: &Yaml) -> Result<GlobalSecondaryIndex, TableError> {
    let projection =
        node.get("Projection").ok_or_else(|| TableError::Template("Projection missing".into()))?;
    GlobalSecondaryIndex::builder()
        .index_name(text(node, "IndexName")?)
        .set_key_schema(Some(key_schema(node)?))
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::from(text(projection, "ProjectionType")?))
                .set_non_key_attributes(non_key_attributes(projection))
                .build(),
        )
        .build()
        .map_err(|e| TableError::Template(e.to_string()))
}

/// An `INCLUDE` projection's attributes; `None` for the other projection types.
fn non_key_attributes(projection: &Yaml) -> Option<Vec<String>> {
    let names = projection.get("NonKeyAttributes")?.as_sequence()?;
    Some(names.iter().filter_map(|n| n.as_str().map(str::to_owned)).collect())
}

/// Creates every template table that does not exist yet; returns the names created.
pub async fn create_missing(client: &Client, names: &TableNames) -> Result<Vec<String>, TableError> {
    let existing = list_tables(client).await?;
    let mut created = Vec::new();
    for spec in specs()? {
        let name = names
            .for_logical_id(&spec.logical_id)
            .ok_or_else(|| TableError::Template(format!("unknown table {}", spec.logical_id)))?;
        if existing.iter().any(|t| t == name) {
            continue;
        }
        let failed = |detail: String| TableError::Create { table: name.to_owned(), detail };
        client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .set_attribute_definitions(Some(spec.attributes))
            .set_key_schema(Some(spec.keys))
            .set_global_secondary_indexes(Some(spec.indexes).filter(|i| !i.is_empty()))
            .send()
            .await
            .map_err(|e| failed(sdk_detail(e)))?;
        wait_active(client, name).await.map_err(failed)?;
        created.push(name.to_owned());
    }
    Ok(created)
}

async fn list_tables(client: &Client) -> Result<Vec<String>, TableError> {
    let mut names = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .list_tables()
            .set_exclusive_start_table_name(start)
            .send()
            .await
            .map_err(|e| TableError::Create { table: "(listing)".into(), detail: sdk_detail(e) })?;
        names.extend(page.table_names.unwrap_or_default());
        start = page.last_evaluated_table_name;
        if start.is_none() {
            return Ok(names);
        }
    }
}

/// Polls DescribeTable; the SDK's waiter sleeps far longer than emulators need.
async fn wait_active(client: &Client, name: &str) -> Result<(), String> {
    for _ in 0..1200 {
        let table = client.describe_table().table_name(name).send().await.map_err(sdk_detail)?;
        if table.table.and_then(|t| t.table_status) == Some(TableStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err("table did not become ACTIVE within 60 s".into())
}

fn sdk_detail(error: impl std::error::Error) -> String {
    crate::store::sdk_error_text(error)
}
