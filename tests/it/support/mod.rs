//! What the tests share; no tests here.
//!
//! - `harness`: fresh tables loaded through the real importer, the router over them,
//!   requests as a user (`Harness::get_as`), exports built in code (`Export`).
//! - `oracle`: every body the contract prescribes, written out from the contract
//!   (never from `src/error.rs`), for the tests to compare against.
//! - `dynamo_proxy`: a DynamoDB proxy that delays, counts rounds and injects faults.
//! - `fake_runtime_api`: a Lambda Runtime API to drive the real `bootstrap` binary.
//! - `read_api_data`: the bodies of the read API contract, requests to any route.

pub mod dynamo_proxy;
pub mod fake_runtime_api;
pub mod harness;
pub mod oracle;
pub mod read_api_data;

pub use harness::*;
pub use oracle::*;
