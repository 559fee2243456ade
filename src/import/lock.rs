//! One import at a time on a set of tables: a lock item in the sync table, taken
//! with a conditional write and released at the end. It records who holds it and
//! how far it got, so that an import that was killed can be told apart from one
//! still running, and the next one says what it left.

use super::ImportError;
use crate::store::items::{attr, s, Item};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;

const LOCK_PARTITION: &str = "lock#import";

fn key() -> Item {
    Item::from([(attr::PK.into(), s(LOCK_PARTITION)), (attr::SK.into(), s("-"))])
}

/// The lock, held by this process.
pub struct Lock {
    client: Client,
    table: String,
    owner: String,
    started: String,
}

impl Lock {
    /// Takes the lock; refuses, saying who holds it and how far they got, when
    /// another import does. `break_lock` removes a lock left by a killed import first.
    pub async fn take(client: &Client, table: &str, break_lock: bool) -> Result<Lock, ImportError> {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "this host".into());
        let lock = Lock {
            client: client.clone(),
            table: table.to_owned(),
            owner: format!("{host} pid {} ({})", std::process::id(), super::new_run_id()),
            started: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        };
        if break_lock {
            client
                .delete_item()
                .table_name(table)
                .set_key(Some(key()))
                .send()
                .await
                .map_err(|e| super::sdk_error(table, e))?;
        }
        let put = client
            .put_item()
            .table_name(table)
            .set_item(Some(lock.item("starting")))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", attr::PK)
            .send()
            .await;
        match put {
            Ok(_) => Ok(lock),
            Err(e) if is_conditional(&e) => Err(ImportError::Locked(lock.holder().await)),
            Err(e) => Err(super::sdk_error(table, e)),
        }
    }

    fn item(&self, phase: &str) -> Item {
        let mut item = key();
        item.insert("owner".into(), s(self.owner.as_str()));
        item.insert("started".into(), s(self.started.as_str()));
        item.insert("phase".into(), s(phase));
        item
    }

    /// Who holds the lock, for the refusal.
    async fn holder(&self) -> String {
        let held = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key()))
            .consistent_read(true)
            .send()
            .await;
        let item = held.ok().and_then(|o| o.item).unwrap_or_default();
        let get =
            |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_else(|| "?".into());
        format!(
            "another import holds the tables: started {} by {}, last at: {}. If it is still running, wait for it; \
             if it was killed, run this import again with --break-lock (an import is safe to re-run: it \
             finishes what the other left)",
            get("started"),
            get("owner"),
            get("phase")
        )
    }

    /// Records how far the import got (shown to the next import if this one dies).
    pub async fn phase(&self, phase: &str) -> Result<(), ImportError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(self.item(phase)))
            .condition_expression("#owner = :owner")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":owner", s(self.owner.as_str()))
            .send()
            .await;
        match put {
            Ok(_) => Ok(()),
            Err(e) if is_conditional(&e) => Err(ImportError::Locked(
                "the import lock was broken by another import (--break-lock) while this one ran; stopping"
                    .into(),
            )),
            Err(e) => Err(super::sdk_error(&self.table, e)),
        }
    }

    pub async fn release(self) -> Result<(), ImportError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key()))
            .condition_expression("#owner = :owner")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":owner", AttributeValue::S(self.owner.clone()))
            .send()
            .await
            .map(drop)
            .or_else(|e| if is_conditional(&e) { Ok(()) } else { Err(super::sdk_error(&self.table, e)) })
    }
}

fn is_conditional<E: aws_sdk_dynamodb::error::ProvideErrorMetadata, R>(
    error: &aws_sdk_dynamodb::error::SdkError<E, R>,
) -> bool {
    matches!(error, aws_sdk_dynamodb::error::SdkError::ServiceError(e)
        if e.err().code() == Some("ConditionalCheckFailedException"))
}
