//! CPU per request once the data has arrived: visibility ∧ query, sort, page,
//! project, serialize, for rooms of realistic integrations. The reference in the
//! same run is serializing the same response body alone.
//!
//! `cargo bench --bench pipeline` (add `-- --quick` for a fast pass).

use criterion::{black_box, criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use rc_integrations::access::Visibility;
use rc_integrations::document::Value;
use rc_integrations::model::{Body, Integration};
use rc_integrations::params::Window;
use rc_integrations::params::{Count, Offset, Sort};
use rc_integrations::projection::Projection;
use rc_integrations::query::Filter;
use rc_integrations::store::FIRST_PAGE_ITEMS;
use rc_integrations::{page, select};
use serde_json::json;
use std::collections::HashMap;

/// A room of `n` integrations shaped like the contract's Guggy example, as the store
/// hands them to the pipeline: each with its head and its stored text.
fn room(n: usize) -> Vec<Integration> {
    documents(n).into_iter().map(|(id, doc)| Integration::of_document(id, &doc)).collect()
}

/// The room as a heads read delivers it: documents for the first page only.
fn heads_past_first_page(room: &[Integration]) -> Vec<Integration> {
    let target: std::sync::Arc<str> = std::sync::Arc::from("room");
    let unread = |integration: &Integration| Integration {
        body: Body::Unread { target: target.clone() },
        ..integration.clone()
    };
    let first = FIRST_PAGE_ITEMS as usize;
    room.iter().enumerate().map(|(at, i)| if at < first { i.clone() } else { unread(i) }).collect()
}

fn documents(n: usize) -> Vec<(String, Value)> {
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
                "_createdAt": {"$date": 1_483_635_965_660_i64 + (i as i64 * 2_654_435_761) % (1 << 32)},
                "_createdBy": {"username": "graywolf336", "_id": format!("user{}", i % 10)},
                "_updatedAt": {"$date": 1_483_635_965_660_i64},
            });
            (format!("int{i:07}"), Value::from_extended_json(doc).unwrap())
        })
        .collect()
}

/// A script as Rocket.Chat's outgoing-integration examples write them (~1.3 KB).
fn script(i: usize) -> String {
    format!(
        r#"/* exported Script */
/* globals console, _, s, HTTP */

/** Global Helpers
 *
 * console - A normal console instance
 * _       - An underscore instance
 * s       - An underscore string instance
 * HTTP    - The Meteor HTTP object to do sync http calls
 */
class Script {{
  prepare_outgoing_request({{ request }}) {{
    let match;
    // Change the URL and method of the request
    match = request.data.text.match(/^pr\s(ls|list)/);
    if (match) {{
      return {{ url: request.url + '/pulls/{i}', headers: request.headers, method: 'GET' }};
    }}
    // Prevent the request and return a new message
    match = request.data.text.match(/^help$/);
    if (match) {{
      return {{
        message: {{
          text: ['**commands**', '```', '  pr ls [open|closed|all]  List Pull Requests', '```'].join('\n')
        }}
      }};
    }}
  }}

  process_outgoing_response({{ request, response }}) {{
    var text = [];
    response.content.forEach(function(pr) {{
      text.push('> ' + pr.state + ' [#' + pr.number + '](' + pr.html_url + ') - ' + pr.title);
    }});
    return {{ content: {{ text: text.join('\n'), parseUrls: false }} }};
  }}
}}
"#
    )
}

/// The same room, each integration carrying a real-sized script.
fn scripted_room(n: usize) -> Vec<Integration> {
    documents(n)
        .into_iter()
        .enumerate()
        .map(|(i, (id, mut doc))| {
            if let Value::Object(map) = &mut doc {
                map.insert("script".into(), Value::String(script(i)));
                map.insert("scriptCompiled".into(), Value::String(script(i).replace("  ", " ")));
            }
            Integration::of_document(id, &doc)
        })
        .collect()
}

/// The costliest `query` found within the documented limits (≤ 4,096 bytes, each regex
/// ≤ 512 bytes and ≤ 256 KiB compiled): an `$or` of 8 case-insensitive regexes on
/// `script` that never match, so every one scans every script in full. Each starts with
/// a large Unicode class and counts 100 characters before a suffix the text lacks, which
/// defeats literal prefilters and gives the lazy DFA many states.
fn worst_query() -> String {
    let suffixes = [
        "[0-9][a-z][0-9]",
        "[0-9]{3}[a-z]",
        "[#][0-9]{2}[(]",
        "[a-z][;][a-z]",
        "[=]{3}[a-z]",
        "[0-9][)][a-z]",
        "[a-z][0-9][.]",
        "[$][a-z][0-9]",
    ];
    let starts = [r"\\pL", r"\\pL", r"\\p{Greek}", r"\\pL", r"\\pL", r"\\pL", r"\\pL", r"\\pL"];
    let clauses: Vec<String> = suffixes
        .iter()
        .zip(starts)
        .map(|(suffix, start)| {
            format!(r#"{{"script":{{"$regex":"{start}.{{100}}{suffix}","$options":"i"}}}}"#)
        })
        .collect();
    format!(r#"{{"$or":[{}]}}"#, clauses.join(","))
}

/// The `$or` of the issue: 8 case-insensitive regexes of ~480 bytes on `script`, long
/// alternations of words, 4,065 bytes in all.
fn issue_query() -> String {
    let words = [
        "request",
        "response",
        "headers",
        "method",
        "content",
        "message",
        "prepare",
        "process",
        "outgoing",
        "helpers",
        "console",
        "instance",
        "underscore",
        "string",
        "object",
        "number",
    ];
    let clauses: Vec<String> = (0..8)
        .map(|k| {
            let mut alternatives: Vec<String> = Vec::new();
            let mut j = 0;
            while alternatives.iter().map(|a| a.len() + 1).sum::<usize>() < 440 {
                alternatives.push(format!("{}zz{k}{j}", words[(j + k) % words.len()]));
                j += 1;
            }
            format!(r#"{{"script":{{"$regex":"(?:{})","$options":"i"}}}}"#, alternatives.join("|"))
        })
        .collect();
    format!(r#"{{"$or":[{}]}}"#, clauses.join(","))
}

fn worst_case(c: &mut Criterion) {
    let everything = Visibility::Everything;
    let sort = Sort::default();
    let fields = Projection::default();
    let queries = [("worst_query", worst_query()), ("issue_query", issue_query())];
    for (label, query) in &queries {
        assert!(query.len() <= 4096, "{label}: {} bytes", query.len());
    }
    let filters: Vec<(&str, Filter)> =
        queries.iter().map(|(label, q)| (*label, Filter::parse(q).expect("within the limits"))).collect();
    for n in [300, 3_000] {
        let integrations = scripted_room(n);
        let mut group = c.benchmark_group(format!("worst_case_{n}"));
        group.sample_size(10);
        let window = Window::of(Offset(0), Count::Limit(50));
        let run = |input: Vec<Integration>, filter: Option<&Filter>| {
            let selected =
                select::select_within(vec![input], &everything, filter, &sort, window, unbounded()).unwrap();
            page::respond(selected, Offset(0), &fields, usize::MAX, page::Shape::Room)
        };
        group.bench_function(BenchmarkId::new("plain", "page50"), |b| {
            b.iter_batched(|| integrations.clone(), |input| run(input, None), BatchSize::LargeInput)
        });
        for (label, filter) in &filters {
            group.bench_function(BenchmarkId::new(*label, "page50"), |b| {
                b.iter_batched(
                    || integrations.clone(),
                    |input| run(input, Some(filter)),
                    BatchSize::LargeInput,
                )
            });
        }
        group.finish();
    }
}

fn pipeline(c: &mut Criterion) {
    let everything = Visibility::Everything;
    let sort = Sort::default();
    let fields = Projection::default();
    let typical = r#"{"type":"webhook-outgoing","name":{"$regex":"^gug","$options":"i"},"_createdBy._id":{"$in":["user0","user2","user4"]}}"#;
    let filter = Filter::parse(typical).unwrap();
    for n in [10, 100, 1_000, 10_000] {
        let whole = room(n);
        let heads = heads_past_first_page(&whole);
        // What the documents round would bring for any page: each document's text.
        let texts: HashMap<String, String> =
            whole.iter().map(|i| (i.id.clone(), i.stored().unwrap().to_owned())).collect();
        // As a request runs on what the store hands it: for a 50-item page, documents only
        // for the partition's first page, heads for the rest, then the page's documents
        // as the documents round brings them (fresh strings); for `count=0`, every document.
        let run = |integrations: Vec<Integration>, filter: Option<&Filter>, count: Count| {
            let window = Window::of(Offset(0), count);
            let mut selected =
                select::select_within(vec![integrations], &everything, filter, &sort, window, unbounded())
                    .unwrap();
            for integration in &mut selected.page {
                if let Body::Unread { .. } = integration.body {
                    integration.body = Body::Stored(texts[&integration.id].clone());
                }
            }
            page::respond(selected, Offset(0), &fields, usize::MAX, page::Shape::Room).body
        };
        let mut group = c.benchmark_group(format!("room_{n}"));
        for (label, count) in [("page50", Count::Limit(50)), ("all", Count::All)] {
            let integrations = if count == Count::All { &whole } else { &heads };
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
                    || whole.clone(),
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

criterion_group!(benches, pipeline, worst_case);
criterion_main!(benches);

/// A deadline no benchmark reaches: the figures are of the work, not of its cut-off.
fn unbounded() -> std::time::Instant {
    std::time::Instant::now() + std::time::Duration::from_secs(24 * 3600)
}
