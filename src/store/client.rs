//! The DynamoDB client, built once per process with explicit timeouts and retries.

use crate::config::StoreSettings;
use aws_config::retry::RetryConfig;
use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::config::retry::RetryPartition;
use aws_sdk_dynamodb::config::Credentials;
use aws_sdk_dynamodb::Client;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Where DynamoDB is. `Aws` follows the standard chain (`AWS_ENDPOINT_URL_DYNAMODB`
/// included); `Local` is an emulator that takes any credentials.
#[derive(Debug, Clone)]
pub enum Endpoint {
    Aws,
    Local(String),
}

/// An SDK error as one line for the log: the whole chain of causes, which the
/// error's own `Display` leaves out. Never for a response body.
pub fn sdk_error_text(error: impl std::error::Error) -> String {
    aws_smithy_types::error::display::DisplayErrorContext(error).to_string()
}

/// [`sdk_error_text`] on one line of at most 240 characters: the SDK's own rendering
/// runs to kilobytes of nested debug output.
pub fn sdk_error_line(error: impl std::error::Error) -> String {
    let text = sdk_error_text(error);
    text.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(240).collect()
}

/// Unsets an endpoint variable that is set but empty, as `sam local` sets a variable
/// the template leaves out: the SDK would take it for an endpoint and panic ("URL was
/// unset"). Call first thing in `main`, before any thread is started.
pub fn forget_empty_endpoint_variables() {
    for var in ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"] {
        if std::env::var_os(var).is_some_and(|v| v.to_string_lossy().trim().is_empty()) {
            std::env::remove_var(var);
        }
    }
}

/// The client for local tools and tests: [`try_build_client`], and should the AWS roots'
/// TLS client fail to build (it never has), the SDK's default HTTPS client instead.
pub async fn build_client(endpoint: &Endpoint, settings: &StoreSettings) -> Client {
    match try_build_client(endpoint, settings).await {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "using the SDK's default HTTPS client");
            build(endpoint, settings, None).await
        }
    }
}

/// The client the Lambda functions use: a TLS client that cannot be built with the
/// AWS roots is an init error, never a silent fallback to another trust store.
pub async fn try_build_client(endpoint: &Endpoint, settings: &StoreSettings) -> Result<Client, String> {
    let bundle = ca_bundle()?;
    let https = match (endpoint, from_environment()) {
        (Endpoint::Aws, Some((region, _))) => {
            let endpoints = ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"].map(|v| std::env::var(v).ok());
            let aws_roots = aws_roots_suffice(&region, endpoints.iter().flatten().map(String::as_str));
            match (aws_roots, bundle) {
                (false, None) => None,
                (true, None) => Some(https_with_aws_roots()?),
                (aws_roots, Some(bundle)) => Some(https_trusting(aws_roots, &bundle)?),
            }
        }
        _ => None,
    };
    Ok(build(endpoint, settings, https).await)
}

/// `AWS_CA_BUNDLE`: more roots to trust, in PEM (a TLS-inspecting proxy, a private
/// endpoint), as other AWS SDKs read it. A bundle that cannot be read is an error.
fn ca_bundle() -> Result<Option<Vec<u8>>, String> {
    match std::env::var_os("AWS_CA_BUNDLE").filter(|path| !path.is_empty()) {
        None => Ok(None),
        Some(path) => std::fs::read(&path)
            .map(Some)
            .map_err(|e| format!("AWS_CA_BUNDLE {}: {e}", std::path::Path::new(&path).display())),
    }
}

async fn build(
    endpoint: &Endpoint,
    settings: &StoreSettings,
    https: Option<aws_sdk_dynamodb::config::SharedHttpClient>,
) -> Client {
    let budget = settings.request_budget;
    // A hung attempt is abandoned after a third of the budget, so two more fit in it;
    // the operation as a whole never outlives the budget.
    let attempt = (budget / 3).max(Duration::from_millis(50));
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(attempt.min(Duration::from_secs(1)))
        .operation_attempt_timeout(attempt)
        .operation_timeout(budget)
        .build();
    // Throttling and 5xx are retried with jittered exponential backoff (AWS's advice
    // for DynamoDB) until the attempts or, usually first, the budget run out: a burst
    // shorter than about half the budget is absorbed.
    let retries = RetryConfig::standard()
        .with_max_attempts(settings.max_attempts)
        .with_initial_backoff(Duration::from_millis(20))
        .with_max_backoff((budget / 8).max(Duration::from_millis(20)));
    // The attempt timeout already bounds a stalled response; the SDK's own stalled
    // stream guard would add a timer to every body it reads.
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .retry_config(retries)
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled());
    match endpoint {
        Endpoint::Local(url) => {
            loader = loader
                .endpoint_url(url)
                .region(Region::new("us-east-1"))
                .credentials_provider(Credentials::new("local", "local", None, None, "local"));
        }
        // Lambda's environment names the region and the function's credentials: taken
        // as they are, the provider chains (profile files, SSO, container and instance
        // metadata) are never built, which init has no use for.
        Endpoint::Aws => {
            if let Some((region, credentials)) = from_environment() {
                if let Some(https) = https {
                    loader = loader.http_client(https);
                }
                loader = loader.region(Region::new(region)).credentials_provider(credentials);
            }
        }
    }
    // The SDK shares one retry quota per partition name across every client of the
    // process; each client gets its own, so that one client's failures (another
    // table set, a test's injected faults) never cost another its retries.
    static CLIENTS: AtomicUsize = AtomicUsize::new(0);
    let partition = RetryPartition::new(format!("dynamodb-{}", CLIENTS.fetch_add(1, Ordering::Relaxed)));
    let config = aws_sdk_dynamodb::config::Builder::from(&loader.load().await).retry_partition(partition);
    Client::from_conf(config.build())
}

/// The region and credentials the environment sets in full, as Lambda does.
fn from_environment() -> Option<(String, Credentials)> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let region = var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION"))?;
    let (id, secret) = (var("AWS_ACCESS_KEY_ID")?, var("AWS_SECRET_ACCESS_KEY")?);
    Some((region, Credentials::new(id, secret, var("AWS_SESSION_TOKEN"), None, "environment")))
}

/// The roots of Amazon Trust Services (Amazon Root CA 1 to 4 and the Starfield
/// Services root that cross-signs them), which every AWS endpoint outside China chains to.
const AWS_ROOTS: &[u8] = include_bytes!("aws_roots.pem");

/// Whether the AWS roots are all the trust a client needs: DynamoDB's own endpoints
/// outside the China regions (whose certificates other authorities issue), or an
/// endpoint set in the environment that is plain HTTP (an emulator: no TLS at all). An
/// HTTPS endpoint of one's own (a proxy) keeps the system's roots.
fn aws_roots_suffice<'a>(region: &str, mut endpoints: impl Iterator<Item = &'a str>) -> bool {
    !region.starts_with("cn-") && endpoints.all(|url| url.starts_with("http://"))
}

/// The SDK's HTTPS client with five embedded roots as its trust store, instead of the
/// system's: reading and parsing the system's hundreds of certificates was most of init.
fn https_with_aws_roots() -> Result<aws_sdk_dynamodb::config::SharedHttpClient, String> {
    https_trusting(true, &[])
}

/// The SDK's HTTPS client trusting the AWS roots (`aws_roots`) or the system's, and
/// the PEM certificates of `extra`.
fn https_trusting(
    aws_roots: bool,
    extra: &[u8],
) -> Result<aws_sdk_dynamodb::config::SharedHttpClient, String> {
    use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
    let mut store = TrustStore::empty().with_native_roots(!aws_roots);
    if aws_roots {
        store = store.with_pem_certificate(AWS_ROOTS);
    }
    if !extra.is_empty() {
        store = store.with_pem_certificate(extra.to_vec());
    }
    let context = TlsContext::builder().with_trust_store(store).build();
    let builder =
        aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
    let context = context.map_err(|e| format!("the TLS client and the roots it trusts: {e}"))?;
    Ok(builder.tls_context(context).build_https())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    #[test]
    fn the_aws_roots_are_five_der_certificates() {
        let text = std::str::from_utf8(AWS_ROOTS).unwrap();
        let bodies: Vec<Vec<u8>> = text
            .split("-----BEGIN CERTIFICATE-----")
            .skip(1)
            .map(|block| {
                let body: String =
                    block.split("-----END CERTIFICATE-----").next().unwrap().split_whitespace().collect();
                base64::engine::general_purpose::STANDARD.decode(body).unwrap()
            })
            .collect();
        assert_eq!(bodies.len(), 5);
        // An X.509 certificate is a DER SEQUENCE.
        assert!(bodies.iter().all(|der| der.first() == Some(&0x30) && der.len() > 300));
        // The SHA-256 fingerprints Amazon Trust Services publishes for Amazon Root CA 1
        // to 4 and Starfield Services Root Certificate Authority - G2, in that order.
        let published = [
            "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e",
            "1ba5b2aa8c65401a82960118f80bec4f62304d83cec4713a19c39c011ea46db4",
            "18ce6cfe7bf14e60b2e347b8dfe868cb31d02ebb3ada271569f50343b46db3a4",
            "e35d28419ed02025cfa69038cd623962458da5c695fbdea3c22b0bfb25897092",
            "568d6905a2c88708a4b3025190edcfedb1974a606a13c6e5290fcb2ae63edab5",
        ];
        let fingerprints: Vec<String> = bodies
            .iter()
            .map(|der| {
                use sha2::Digest;
                sha2::Sha256::digest(der).iter().map(|b| format!("{b:02x}")).collect()
            })
            .collect();
        assert_eq!(fingerprints, published);
        assert!(https_with_aws_roots().is_ok(), "the TLS client builds with them");
    }

    #[test]
    fn the_aws_roots_serve_aws_endpoints_and_plain_http_only() {
        assert!(aws_roots_suffice("eu-west-1", std::iter::empty()));
        assert!(aws_roots_suffice("us-east-1", ["http://127.0.0.1:8000"].into_iter()));
        assert!(!aws_roots_suffice("us-east-1", ["https://dynamodb.proxy.example"].into_iter()));
        assert!(!aws_roots_suffice("cn-north-1", std::iter::empty()));
    }
}
