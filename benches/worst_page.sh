#!/usr/bin/env bash
# Peak RSS of the worst pages of a large room, as Lambda runs the function.
#
#   benches/worst_page.sh [integrations]     # default 60,000
#
# Builds the release `bootstrap` as Lambda gets it (without the `local` feature) and
# runs the ignored `measure_worst_page_memory` driver of tests/it/bootstrap.rs: the
# demo export plus a public room of that many ~2 KB Guggy copies in the embedded
# emulator, then one fresh function process per request, its peak RSS (VmHWM) read
# once it has answered. Prints a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin bootstrap --no-default-features
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
cp "${CARGO_TARGET_DIR:-target}/release/bootstrap" "$bin/"
env -u AWS_ENDPOINT_URL_DYNAMODB COLD_START_BOOTSTRAP="$bin/bootstrap" WORST_PAGE_ROOM_SIZE="${1:-60000}" \
  cargo test --release --test it -- --ignored --exact --nocapture bootstrap::measure_worst_page_memory
