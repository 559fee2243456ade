"""Assembles BENCHMARKS.md from the tables benches/run measured."""
import pathlib
import sys

report = pathlib.Path(sys.argv[1])


def part(name):
    path = report / f"{name}.md"
    return path.read_text().strip() if path.exists() else "_not measured in this run_"


print(f"""# Benchmarks

Written by `benches/run` (one command; `BENCH_QUICK=1 benches/run` for a faster pass). Absolute
times on a shared 2-core machine are noisy, so every budget is a ratio against a reference the same
run measures.

## Machine

{part("machine")}

## 1. Round trips

A proxy of ours (`tests/support/dynamo_proxy.rs`) sits between the service and the embedded
DynamoDB emulator and delays every DynamoDB call by D. A request's latency divided by D is the
number of sequential DynamoDB round trips it makes. The same proxy counts rounds in CI
(`tests/round_trips.rs`), without timing.

{part("round_trips")}

By `roomId`, the token, user, room (and, when the cache is cold, permission) documents come in one
BatchGetItem while the room's and `all_public_channels`' index queries run beside it. By
`roomName`, the room's id must come first (`name-index`), so its integrations need a second round.
The first request after init is not slower: init opens the connection and reads the permissions.

## 2. Cold start and memory

A fake Lambda Runtime API (`tests/support/runtime_api.rs`) drives the real release `bootstrap`
(built without the `local` feature, as Lambda gets it) and, as the floor, a `lambda_http`
hello-world with the same release profile (`examples/hello_lambda.rs`). The bootstrap's warm-up
call goes to the embedded emulator, which answers at once.

{part("cold_start")}

## 3. CPU per request

The in-process pipeline once the data has arrived (visibility and `query`, de-duplication, sort,
page, projection, serialization) on rooms of Guggy-sized integrations, against serde_json
serializing the very same response body (`benches/pipeline.rs`, criterion).

{part("cpu")}

## 4. Read cost

`ReturnConsumedCapacity` on every call, summed per request, against the floor: each item of the
BatchGetItem at 0.5 RCU (eventually consistent, under 4 KB) and each index query at 0.5 RCU per
started 4 KB of the items it returns. `tests/read_cost.rs` asserts the equality in CI.

{part("read_cost")}

## 5. Artifact

{part("artifact")}

Release profile (Cargo.toml): `opt-level = 3` (the request path is CPU-bound in serialization
and sorting; size-optimized levels trade that speed for a smaller binary we do not need: the
zipped artifact is already under budget), `lto = "thin"` and `codegen-units = 1` (most of fat
LTO's size and speed at a fraction of its link time), `strip = true` (symbols are not needed at
run time; panics still print their message), `panic = "unwind"` (lambda_runtime catches a panic in
the handler and reports it through the Runtime API instead of losing the container).
""")
