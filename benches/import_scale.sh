#!/usr/bin/env bash
# Import at scale: peak memory and write rate of `import` on 1,000,000 subscriptions,
# against the embedded emulator (dynoxide, in a `serve` process) and Amazon's
# DynamoDB Local.
#
#   benches/import_scale.sh [subscriptions]     # default 1000000
#
# Environment: IMPORT_SCALE_DIR (where the export is generated and kept; default
# /tmp/rc-import-scale-N), IMPORT_CONCURRENCY (batches in flight, default 4),
# ENDPOINTS ("embedded local", the default, or either one).
#
# For each endpoint, prints a markdown row: peak RSS of the import process (from
# /usr/bin/time -v), wall time, documents written and documents/s of the writing pass
# (the importer's own "N documents written in S s" line, without the validation pass).
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000000}"
dir="${IMPORT_SCALE_DIR:-/tmp/rc-import-scale-$count}"
endpoints="${ENDPOINTS:-embedded local}"
target="${CARGO_TARGET_DIR:-target}"
bin="$target/release/rc-integrations"

log() { printf '[%s] import_scale: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

cargo build --release --bin rc-integrations
if [[ ! -s "$dir/rocketchat_subscription.json" ]]; then
    log "generating $count subscriptions into $dir"
    python3 benches/gen_subscriptions.py "$dir" "$count"
fi
work="$(mktemp -d)"
serve_pid=""
cleanup() {
    [[ -n "$serve_pid" ]] && kill "$serve_pid" 2>/dev/null || true
    [[ " $endpoints " == *" local "* ]] && .ci/dynamodb-local stop || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Runs the import against $1 (endpoint URL) and prints the row for $2 (its label).
measure() {
    local url="$1" label="$2" out="$work/import-$2.log"
    log "importing into $label at $url"
    AWS_ENDPOINT_URL_DYNAMODB="$url" AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_REGION=us-east-1 \
        /usr/bin/time -v "$bin" import "$dir" --create-tables >"$work/summary-$label" 2>"$out" \
        || { cat "$out" >&2; exit 1; }
    local rss_kb wall wrote
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out")
    wrote=$(grep -E '^[0-9]+ documents written in' "$out" | tail -1)
    cat "$work/summary-$label" >&2
    # "N documents written in S s (R/s)"
    read -r items seconds rate < <(sed -E 's/^([0-9]+) documents written in ([0-9.]+) s \(([0-9]+)\/s\)/\1 \2 \3/' <<<"$wrote")
    printf '| %s | %s | %.1f | %s | %s | %s |\n' "$label" "$count" "$(awk -v kb="$rss_kb" 'BEGIN { print kb / 1024 }')" "$wall" "$items" "$rate"
}

echo "| endpoint | subscriptions | peak RSS MiB | wall (m:ss, both passes) | documents written | documents/s (writing pass) |"
echo "|---|---|---|---|---|---|"
for endpoint in $endpoints; do
    case "$endpoint" in
    embedded)
        port=$(free_port)
        # `serve` runs the emulator; its small demo load creates the tables.
        env -u AWS_ENDPOINT_URL_DYNAMODB "$bin" serve --port "$(free_port)" --dynamodb-port "$port" \
            --data demo >"$work/serve.log" 2>&1 &
        serve_pid=$!
        for _ in $(seq 300); do
            grep -qs "DynamoDB endpoint" "$work/serve.log" && break
            kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
            sleep 0.1
        done
        measure "http://127.0.0.1:$port" embedded
        kill "$serve_pid"
        wait "$serve_pid" 2>/dev/null || true
        serve_pid=""
        ;;
    local)
        url=$(.ci/dynamodb-local)
        measure "$url" dynamodb-local
        .ci/dynamodb-local stop
        ;;
    *) log "unknown endpoint $endpoint"; exit 1 ;;
    esac
done
