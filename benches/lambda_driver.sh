#!/usr/bin/env bash
# Runs one ignored driver of tests/it/bootstrap.rs against the release `bootstrap` as
# Lambda gets it (built without the `local` feature), in a process of its own under
# the fake Runtime API, so that its CPU and memory are the function's alone.
#
#   benches/lambda_driver.sh <driver>     # e.g. measure_worst_page_memory
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin bootstrap --no-default-features >&2
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
cp "${CARGO_TARGET_DIR:-target}/release/bootstrap" "$bin/"
env -u AWS_ENDPOINT_URL_DYNAMODB COLD_START_BOOTSTRAP="$bin/bootstrap" \
  cargo test --release --test it -- --ignored --exact --nocapture "bootstrap::$1"
