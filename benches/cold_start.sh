#!/usr/bin/env bash
# Cold start and memory of the Lambda binary, next to a lambda_http hello-world.
#
#   benches/cold_start.sh [runs]        # default 10 runs of each binary
#
# Builds both binaries the way Lambda gets them (release profile, `bootstrap` without
# the `local` feature), then runs the ignored `measure_cold_start` test in
# tests/it/bootstrap.rs. That driver loads the demo export plus a room of 10,000
# Guggy-sized integrations into the embedded DynamoDB emulator, starts a fake Lambda
# Runtime API, and for each run spawns a binary and records:
#   - init: exec -> its first GET /runtime/invocation/next
#   - first response: exec -> its /response to events/apigw-http-v2.json
#   - peak RSS (VmHWM) after it answered `count=0` on the 10,000-integration room
#   - the size of that response body
# and prints a markdown table of medians. Numbers are for this machine only; Lambda's
# own init adds the sandbox and the download of the artifact.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"

cargo build --release --bin bootstrap --no-default-features --example hello_lambda

# Keep copies: the test build below rebuilds target/release/bootstrap with the
# default (`local`) feature, which is not what Lambda runs.
bins="$(mktemp -d)"
trap 'rm -rf "$bins"' EXIT
target="${CARGO_TARGET_DIR:-target}"
cp "$target/release/bootstrap" "$target/release/examples/hello_lambda" "$bins/"

# The embedded emulator, always: the warm-up call must hit an endpoint that answers at once.
env -u AWS_ENDPOINT_URL_DYNAMODB \
  COLD_START_BOOTSTRAP="$bins/bootstrap" COLD_START_HELLO="$bins/hello_lambda" COLD_START_RUNS="$runs" \
  cargo test --release --test it -- --ignored --exact --nocapture bootstrap::measure_cold_start
