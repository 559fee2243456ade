//! The smallest lambda_http function: `200 hello` for any event. It is the baseline
//! `benches/cold_start.sh` compares `bootstrap` with (same crate, same release profile),
//! so what it measures is the cost of lambda_http and the runtime alone.

use lambda_http::{run, service_fn, Body, Error, Request, Response};
// Only for the crate's global allocator, so both binaries allocate alike.
use rc_integrations as _;

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(|_: Request| async { Ok::<_, Error>(Response::new(Body::from("hello"))) })).await
}
