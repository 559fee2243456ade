//! A load generator for the local server: N concurrent connections for T seconds,
//! a mix of valid and invalid requests, each checked against its expected status.
//!
//!   cargo run --release --example load -- http://127.0.0.1:3000 200 60
//!
//! Prints requests/s, p50/p99 latency and the count of unexpected answers (transport
//! errors included); exits non-zero when there was any.

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::time::{Duration, Instant};

const ADMIN: (&str, &str) = ("9HqLlyZOugoStsXCUfD_0YdwnNnunAJF8V47U3QHXSq", "aobEdbYhXfu5hkeqG");
const GUEST: (&str, &str) = ("demo-token-guest", "guestUser000000001");

/// X-Auth-Token and X-User-Id.
type Credentials = Option<(&'static str, &'static str)>;

/// (query string, credentials, expected status)
const MIX: [(&str, Credentials, u16); 8] = [
    ("roomId=ByehQjC44FwMeiLbX", Some(ADMIN), 200),
    ("roomName=general&sort=%7B%22_createdAt%22%3A-1%7D&count=2", Some(ADMIN), 200),
    ("roomId=ByehQjC44FwMeiLbX&query=%7B%22name%22%3A%7B%22%24regex%22%3A%22%5Eg%22%2C%22%24options%22%3A%22i%22%7D%7D", Some(ADMIN), 200),
    ("roomId=ByehQjC44FwMeiLbX", Some(("wrong-token", "aobEdbYhXfu5hkeqG")), 401),
    ("roomId=ByehQjC44FwMeiLbX", None, 401),
    ("roomId=ByehQjC44FwMeiLbX", Some(GUEST), 403),
    ("", Some(ADMIN), 400),
    ("roomId=ByehQjC44FwMeiLbX&sort=nope", Some(ADMIN), 400),
];

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).cloned().unwrap_or_else(|| "http://127.0.0.1:3000".into());
    let connections: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(200);
    let seconds: u64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(60);
    let client = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(connections)
        .build_http::<Empty<Bytes>>();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..connections)
        .map(|worker| {
            let client = client.clone();
            let base = base.clone();
            tokio::spawn(async move {
                let (mut latencies, mut unexpected) = (Vec::new(), 0u64);
                let mut i = worker;
                while Instant::now() < deadline {
                    let (query, creds, expected) = MIX[i % MIX.len()];
                    i += 1;
                    let mut request =
                        hyper::Request::get(format!("{base}/api/v1/channels.getIntegrations?{query}"));
                    if let Some((token, user)) = creds {
                        request = request.header("X-Auth-Token", token).header("X-User-Id", user);
                    }
                    let started = Instant::now();
                    let ok = match client.request(request.body(Empty::new()).unwrap()).await {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            let body = response.into_body().collect().await;
                            status == expected && body.is_ok()
                        }
                        Err(_) => false,
                    };
                    latencies.push(started.elapsed().as_micros() as u64);
                    unexpected += u64::from(!ok);
                }
                (latencies, unexpected)
            })
        })
        .collect();
    let started = Instant::now();
    let (mut latencies, mut unexpected) = (Vec::new(), 0);
    for worker in workers {
        let (l, u) = worker.await.unwrap_or_default();
        latencies.extend(l);
        unexpected += u;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    println!(
        "{{\"requests\":{},\"seconds\":{elapsed:.1},\"requests_per_second\":{:.0},\"p50_ms\":{:.2},\"p99_ms\":{:.2},\"unexpected\":{unexpected},\"connections\":{connections}}}",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        pct(0.50) as f64 / 1000.0,
        pct(0.99) as f64 / 1000.0,
    );
    if unexpected == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
