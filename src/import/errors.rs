//! DynamoDB errors as one line an operator can act on.

use super::ImportError;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

/// One line naming the table and, for the usual causes, what to do: the SDK's
/// own rendering of an error runs to kilobytes of nested debug output.
pub fn sdk_error<E, R>(table: &str, error: SdkError<E, R>) -> ImportError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let detail = crate::store::sdk_error_text(&error);
    let short = crate::store::sdk_error_line(&error);
    let line = match &error {
        SdkError::ServiceError(e) => match e.err().code() {
            Some("ResourceNotFoundException") => format!(
                "table {table} does not exist: create it with --create-tables, or name the existing tables with the *_TABLE variables"
            ),
            Some(code) if code.contains("Signature") || code.contains("Token") || code.contains("Client") => {
                format!("{table}: {code}: the credentials were refused; check AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
            }
            Some(code) => format!("{table}: {code}: {}", e.err().message().unwrap_or_default()),
            None => format!("{table}: {short}"),
        },
        _ if detail.contains("credentials") => format!(
            "{table}: no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any values for a local endpoint)"
        ),
        _ if detail.contains("region") => format!("{table}: no AWS region: set AWS_REGION (e.g. us-east-1)"),
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => format!(
            "{table}: DynamoDB could not be reached ({short}); check AWS_ENDPOINT_URL_DYNAMODB and AWS_REGION"
        ),
        _ => format!("{table}: {short}"),
    };
    ImportError::Write(line)
}
