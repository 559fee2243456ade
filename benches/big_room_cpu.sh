#!/usr/bin/env bash
# The function's own CPU per default page, on a small and a big room.
#
#   benches/big_room_cpu.sh [sizes]     # default 10,5000
#
# Runs the ignored `measure_big_room_cpu` driver of tests/it/bootstrap.rs against the
# release `bootstrap` as Lambda gets it (benches/lambda_driver.sh). Prints a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
BIG_ROOM_CPU_SIZES="${1:-10,5000}" benches/lambda_driver.sh measure_big_room_cpu
