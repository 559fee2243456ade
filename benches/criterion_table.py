"""Criterion's estimates for the pipeline benchmark, as the markdown table of BENCHMARKS.md."""
import json
import pathlib

root = pathlib.Path("target/criterion")


def mean_us(group, function, parameter):
    path = root / group / function / parameter / "new" / "estimates.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())["mean"]["point_estimate"] / 1000.0


sizes = [10, 100, 1000, 10000]
print("| room | page | pipeline (µs) | serde_json alone, same body (µs) | ratio | budget |")
print("|---|---|---|---|---|---|")
points = []
for n in sizes:
    for page in ["page50", "all"]:
        pipe = mean_us(f"room_{n}", "pipeline", page)
        ser = mean_us(f"room_{n}", "serialize_only", page)
        if pipe is None or ser is None:
            continue
        # Issue #12's goals: a 50-item page within 3× of serializing it at 1,000
        # integrations, 10× at 10,000.
        budget = {(1000, "page50"): "≤ 3×", (10000, "page50"): "≤ 10×"}.get((n, page), "")
        print(f"| {n:,} | {'50' if page == 'page50' else 'all (`count=0`)'} | {pipe:,.1f} | {ser:,.1f} | {pipe / ser:.1f}× | {budget} |")
        if page == "page50":
            points.append((n, pipe))
query = mean_us("room_1000", "pipeline_with_query", "page50")
parse = mean_us("room_1000", "query_parse", "typical")
if len(points) >= 2:
    (n0, t0), (n1, t1) = points[0], points[-1]
    print()
    print(f"Slope (50-item page, {n0:,} → {n1:,} integrations): {(t1 - t0) / (n1 - n0) * 1000:,.0f} ns per integration (goal ≤ 100 ns).")
if query is not None and parse is not None:
    print()
    print(f"A typical `query` on a 1,000-integration room (type + case-insensitive regex + `$in` on `_createdBy._id`), "
          f"50-item page: {query:,.1f} µs per request, of which parsing the query {parse:,.1f} µs.")
