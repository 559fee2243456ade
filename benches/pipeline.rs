//! CPU per request once the data has arrived: visibility ∧ query, sort, page,
//! project, serialize, for rooms of realistic integrations. The reference in the
//! same run is serializing the same response body alone.
//!
//! `cargo bench --bench pipeline` (add `-- --quick` for a fast pass).

use criterion::{black_box, criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use rc_integrations::access::Visibility;
use rc_integrations::document::Value;
use rc_integrations::model::Integration;
use rc_integrations::params::{Count, Offset, Sort};
use rc_integrations::projection::Projection;
use rc_integrations::query::Filter;
use rc_integrations::{page, select};
use serde_json::json;

/// A room of `n` integrations shaped like the contract's Guggy example.
fn room(n: usize) -> Vec<Integration> {
    (0..n)
        .map(|i| {
            let doc = json!({
                "_id": format!("int{i:07}"), "enabled": i % 3 != 0, "username": "rocket.cat",
                "alias": format!("Bot {i}"), "avatar": "https://image.ibb.co/jW8Eme/Guggy_Logo.png",
                "name": format!("{} {i}", ["Guggy", "Deploy", "Echo", "Relay"][i % 4]),
                "triggerWords": ["!guggy", "guggy", "gif+"], "urls": ["http://text2gif.guggy.com/guggify"],
                "token": "8DFS89DMKLWEN", "script": "/* Some script */", "scriptEnabled": true,
                "impersonateUser": false, "scriptCompiled": "/* Some script compiled */", "scriptError": null,
                "type": if i % 2 == 0 { "webhook-outgoing" } else { "webhook-incoming" },
                "userId": "rocket.cat", "channel": ["#general"],
                "_createdAt": {"$date": 1_483_635_965_660_i64 + (i as i64 * 7919) % 100_000_000},
                "_createdBy": {"username": "graywolf336", "_id": format!("user{}", i % 10)},
                "_updatedAt": {"$date": 1_483_635_965_660_i64},
            });
            Integration { id: format!("int{i:07}"), doc: Value::from_extended_json(doc).unwrap() }
        })
        .collect()
}

fn pipeline(c: &mut Criterion) {
    let everything = Visibility::Everything;
    let sort = Sort::default();
    let fields = Projection::default();
    let typical = r#"{"type":"webhook-outgoing","name":{"$regex":"^gug","$options":"i"},"_createdBy._id":{"$in":["user0","user2","user4"]}}"#;
    let filter = Filter::parse(typical).unwrap();
    let run = |integrations: Vec<Integration>, filter: Option<&Filter>, count: Count| {
        let selected = select::select(integrations, &everything, filter, &sort);
        page::respond(selected, Offset(0), count, &fields, usize::MAX).body
    };
    for n in [10, 100, 1_000, 10_000] {
        let integrations = room(n);
        let mut group = c.benchmark_group(format!("room_{n}"));
        for (label, count) in [("page50", Count::Limit(50)), ("all", Count::All)] {
            // The store hands the pipeline a fresh Vec per request: clone it outside the timing.
            group.bench_function(BenchmarkId::new("pipeline", label), |b| {
                b.iter_batched(
                    || integrations.clone(),
                    |input| run(input, None, count),
                    BatchSize::LargeInput,
                )
            });
            // Reference: serde_json serializing the very same response body.
            let body: serde_json::Value =
                serde_json::from_str(&run(integrations.clone(), None, count)).unwrap();
            group.bench_function(BenchmarkId::new("serialize_only", label), |b| {
                b.iter(|| black_box(serde_json::to_vec(&body).unwrap()))
            });
        }
        if n == 1_000 {
            group.bench_function(BenchmarkId::new("pipeline_with_query", "page50"), |b| {
                b.iter_batched(
                    || integrations.clone(),
                    |input| run(input, Some(&filter), Count::Limit(50)),
                    BatchSize::LargeInput,
                )
            });
            group.bench_function(BenchmarkId::new("query_parse", "typical"), |b| {
                b.iter(|| black_box(Filter::parse(black_box(typical)).unwrap()))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
