"""benches/load.sh's output as the markdown table of BENCHMARKS.md."""
import json
import sys

result, rss = None, []
for line in sys.stdin:
    line = line.strip()
    if line.startswith("{"):
        result = json.loads(line)
    elif line.startswith("server RSS"):
        rss.append(line.split(": ", 1)[1])
if result is None:
    sys.exit("no result line from the load generator")
print("| connections | requests | requests/s | p50 | p99 | unexpected statuses or errors | server RSS: start → first half → second half |")
print("|---|---|---|---|---|---|---|")
print(f"| {result['connections']} | {result['requests']:,} | {result['requests_per_second']:,.0f} | "
      f"{result['p50_ms']:.1f} ms | {result['p99_ms']:.1f} ms | {result['unexpected']} | {' → '.join(rss)} |")
