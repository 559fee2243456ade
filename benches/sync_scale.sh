#!/usr/bin/env bash
# Live sync at scale: events/s and peak memory of `rc-integrations sync FILE` (release)
# on generated change events (benches/gen_changes.py), against the embedded emulator
# (in a `serve` process of its own, demo loaded) and Amazon's DynamoDB Local; then
# the time from an event's line to the endpoint answering it (benches/sync_latency.py).
#
#   benches/sync_scale.sh [events]     # default 50000; prints markdown rows
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-50000}"
target="${CARGO_TARGET_DIR:-target}"
bin="$target/release/rc-integrations"
work="$(mktemp -d)"
serve_pid=""
log() { printf '[%s] sync_scale: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
cleanup() {
    [[ -n "$serve_pid" ]] && kill "$serve_pid" 2>/dev/null || true
    .ci/dynamodb-local stop || true
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

cargo build --release --bin rc-integrations >&2
python3 benches/gen_changes.py "$count" > "$work/changes.jsonl"

measure() {
    local url="$1" label="$2" out="$work/sync-$2.log"
    AWS_ENDPOINT_URL_DYNAMODB="$url" AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_REGION=us-east-1 \
        /usr/bin/time -v "$bin" sync "$work/changes.jsonl" >"$work/summary-$label" 2>"$out" \
        || { cat "$out" >&2; exit 1; }
    local rss_kb seconds
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out")
    seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$out")
    printf '| %s | %s | %s | %.1f | %.0f | %.1f |\n' "$label" "$count" "$(cat "$work/summary-$label")" "$seconds" \
        "$(awk -v n="$count" -v s="$seconds" 'BEGIN { print n / s }')" "$(awk -v kb="$rss_kb" 'BEGIN { print kb / 1024 }')"
}

echo "| endpoint | events | outcome | wall s | events/s | peak RSS MiB |"
echo "|---|---|---|---|---|---|"
port=$(free_port)
api_port=$(free_port)
env -u AWS_ENDPOINT_URL_DYNAMODB "$bin" serve --port "$api_port" --dynamodb-port "$port" >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 300); do
    grep -qs "loaded the demo" "$work/serve.log" && break
    kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
    sleep 0.1
done
sleep 0.5
measure "http://127.0.0.1:$port" embedded
latency=$(python3 benches/sync_latency.py "$bin" "http://127.0.0.1:$port" \
    "http://127.0.0.1:$api_port/api/v1/channels.getIntegrations" 20)
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true; serve_pid=""

url=$(.ci/dynamodb-local)
AWS_ENDPOINT_URL_DYNAMODB="$url" AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_REGION=us-east-1 \
    "$bin" import demo --create-tables --as-of 0 >/dev/null 2>&1
measure "$url" dynamodb-local
.ci/dynamodb-local stop

echo
echo "| events, one at a time | median ms | max ms | budget |"
echo "|---|---|---|---|"
echo "$latency"
