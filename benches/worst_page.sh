#!/usr/bin/env bash
# Peak RSS of the worst pages of a large room, as Lambda runs the function.
#
#   benches/worst_page.sh [integrations]     # default 60,000
#
# Runs the ignored `measure_worst_page_memory` driver of tests/it/bootstrap.rs against
# the release `bootstrap` as Lambda gets it (benches/lambda_driver.sh): the demo export
# plus a public room of that many ~2 KB Guggy copies in the embedded emulator, then one
# fresh function process per request, its peak RSS (VmHWM) read once it has answered.
# Prints a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
WORST_PAGE_ROOM_SIZE="${1:-60000}" benches/lambda_driver.sh measure_worst_page_memory
