#!/usr/bin/env bash
# History at scale: `import` of N runs of rocketchat_integration_history (default
# 1,000,000, over 1,000 integrations; benches/gen_history.py) into the embedded
# emulator, its peak memory and rate, then what a page of one integration's history
# costs against the page's runs read alone (tests/it/history.rs, measure_history_page_cost).
#
#   benches/history_scale.sh [runs] [integrations]
#
# Environment: HISTORY_SCALE_DIR (where the export is generated and kept; default
# /tmp/rc-history-scale-N-K).
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000000}"
hooks="${2:-1000}"
dir="${HISTORY_SCALE_DIR:-/tmp/rc-history-scale-$count-$hooks}"
target="${CARGO_TARGET_DIR:-target}"
bin="$target/release/rc-integrations"

log() { printf '[%s] history_scale: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

cargo build --release --bin rc-integrations
if [[ ! -s "$dir/rocketchat_integration_history.json" ]]; then
    log "generating $count runs over $hooks integrations into $dir"
    python3 benches/gen_history.py "$dir" "$count" "$hooks"
fi
work="$(mktemp -d)"
serve_pid=""
cleanup() {
    [[ -n "$serve_pid" ]] && kill "$serve_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

port=$(free_port)
env -u AWS_ENDPOINT_URL_DYNAMODB "$bin" serve --port "$(free_port)" --dynamodb-port "$port" --data demo \
    >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 300); do
    grep -qs "DynamoDB endpoint" "$work/serve.log" && break
    kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
    sleep 0.1
done
url="http://127.0.0.1:$port"
export AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_REGION=us-east-1
log "importing into $url"
AWS_ENDPOINT_URL_DYNAMODB="$url" /usr/bin/time -v "$bin" import "$dir" --create-tables \
    >"$work/summary" 2>"$work/import.log" || { cat "$work/import.log" >&2; exit 1; }
cat "$work/summary" >&2
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/import.log")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/import.log")
wrote=$(grep -E '^[0-9]+ documents written in' "$work/import.log" | tail -1)
echo "| runs | integrations | peak RSS MiB | wall (both passes) | writing pass |"
echo "|---|---|---|---|---|"
printf '| %s | %s | %.1f | %s | %s |\n\n' "$count" "$hooks" "$(awk -v kb="$rss_kb" 'BEGIN { print kb / 1024 }')" "$wall" "$wrote"
log "measuring a page"
HISTORY_BENCH_ENDPOINT="$url" cargo test --test it --quiet -- --ignored --exact \
    history::measure_history_page_cost --nocapture 2>/dev/null | grep '^|'
