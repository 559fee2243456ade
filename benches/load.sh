#!/usr/bin/env bash
# Load test of the local server (release build, embedded emulator, demo data):
# N connections for T seconds of mixed valid and invalid requests; reports
# requests/s, p50/p99 and unexpected answers, and the server's RSS after each half.
#
#   benches/load.sh            # 200 connections, 60 s
#   benches/load.sh 50 5       # the short run CI does (LOAD_PROFILE=debug reuses the test build)
set -euo pipefail
cd "$(dirname "$0")/.."
connections="${1:-200}"
seconds="${2:-60}"
half=$(( (seconds + 1) / 2 ))

profile="${LOAD_PROFILE:-release}"
target="${CARGO_TARGET_DIR:-target}"
if [[ "$profile" == release ]]; then
    cargo build --release --quiet --bin rc-integrations --example load
    bin="$target/release"
else
    cargo build --quiet --bin rc-integrations --example load
    bin="$target/debug"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env -u AWS_ENDPOINT_URL_DYNAMODB RUST_LOG=warn "$bin/rc-integrations" serve --port "$port" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
    sleep 0.1
done
rss() { awk '/^VmRSS/ {print $2 / 1024 " MB"}' "/proc/$server/status"; }
echo "server RSS before: $(rss)"
( sleep "$half"; echo "server RSS after the first half: $(rss)" ) &
status=0
"$bin/examples/load" "http://127.0.0.1:$port" "$connections" "$seconds" || status=$?
echo "server RSS after the second half: $(rss)"
exit $status
