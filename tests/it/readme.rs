//! The README's `curl` examples, run as written against the demo data: each must get
//! the status in the `# NNN` comment that follows it (200 when there is none).

use crate::support::*;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

const README: &str = include_str!("../../README.md");

/// One example: the curl command (continuations joined) and the status it expects.
#[derive(Debug)]
struct Example {
    command: String,
    status: u16,
}

fn examples() -> Vec<Example> {
    commands("```bash")
        .into_iter()
        .filter(|(command, _)| command.starts_with("curl "))
        .map(|(command, comment)| {
            let status = comment.as_deref().and_then(|c| c.get(..3)?.parse().ok()).unwrap_or(200);
            Example { command, status }
        })
        .collect()
}

/// Every command of the README's blocks fenced `fence` (continuations joined), with
/// the `# …` comment line that follows it.
fn commands(fence: &str) -> Vec<(String, Option<String>)> {
    let mut commands = Vec::new();
    let mut inside = false;
    let mut lines = README.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with("```") {
            inside = !inside && line.trim() == fence;
            continue;
        }
        if !inside || line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut command = line.trim().to_owned();
        while command.ends_with('\\') {
            command.pop();
            command.push_str(lines.next().expect("a continuation").trim());
        }
        let comment = lines.peek().and_then(|next| next.trim().strip_prefix("# ")).map(str::to_owned);
        commands.push((command, comment));
    }
    commands
}

/// Splits a command line as a POSIX shell would for these examples: words, '…' and "…"
/// (with \" and \\ inside double quotes).
fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => words.extend(word.take()),
            '\'' => word.get_or_insert_with(String::new).extend(chars.by_ref().take_while(|&c| c != '\'')),
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => w.extend(chars.next()),
                        other => w.push(other),
                    }
                }
            }
            other => word.get_or_insert_with(String::new).push(other),
        }
    }
    words.extend(word);
    words
}

/// The HTTP request curl would send for `words` (`-H`, `-G`, `--data-urlencode`, a URL).
fn request(words: &[String], server: SocketAddr) -> String {
    let (mut url, mut headers, mut data) = (None, Vec::new(), Vec::new());
    let mut args = words.iter().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-H" => headers.push(args.next().expect("a header").clone()),
            "-G" => {}
            "--data-urlencode" => {
                let pair = args.next().expect("a pair");
                let (name, value) = pair.split_once('=').expect("name=value");
                data.push(format!("{name}={}", urlencode(value)));
            }
            other if other.starts_with("http://localhost:3000") => url = Some(other.to_owned()),
            other => panic!("the test does not know curl's {other}"),
        }
    }
    let target = url.expect("a URL").replacen("http://localhost:3000", "", 1);
    let target = match (data.is_empty(), target.contains('?')) {
        (true, _) => target,
        (false, true) => format!("{target}&{}", data.join("&")),
        (false, false) => format!("{target}?{}", data.join("&")),
    };
    let headers: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
    format!("GET {target} HTTP/1.1\r\nHost: {server}\r\n{headers}Connection: close\r\n\r\n")
}

/// The raw HTTP answer of the local server at `server` to `request`.
async fn send(request: String, server: SocketAddr) -> String {
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(server).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    })
    .await
    .unwrap()
}

/// "Seeing a change arrive", the ```shell block, run as written: the served demo,
/// `sync` of the sample events (its counts as printed), and each curl's status and
/// the integration ids its comment names.
#[tokio::test(flavor = "multi_thread")]
async fn the_sync_walkthrough_changes_what_the_endpoint_answers() {
    // As `cargo run` loads the demo: as of the beginning of time.
    let options = rc_integrations::import::ImportOptions {
        as_of: rc_integrations::sync::Version(0),
        ..rc_integrations::import::ImportOptions::from_env()
    };
    let demo = std::path::Path::new(DEMO);
    let h = Harness::imported(demo, rc_integrations::config::PageSettings::default(), options).await;
    let server = h.local_server().await;
    let commands = commands("```shell");
    assert_eq!(commands.iter().filter(|(c, _)| c.contains("cargo run -- sync")).count(), 2, "{commands:?}");
    for (command, comment) in commands {
        let comment = comment.unwrap_or_default();
        if command.starts_with("cargo run -- serve") {
            continue;
        } else if command.starts_with("curl ") {
            let response = send(request(&words(&command), server), server).await;
            let status: u16 = response.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
            assert_eq!(Some(status), comment.get(..3).and_then(|s| s.parse().ok()), "{command}\n{response}");
            for id in comment.split("\"_id\":\"").skip(1).filter_map(|rest| rest.split('"').next()) {
                assert!(response.contains(&format!("\"_id\":\"{id}\"")), "{id} not in {response}");
            }
        } else {
            let file = command.rsplit(' ').next().unwrap();
            assert_eq!(
                command,
                format!("AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 cargo run -- sync {file}")
            );
            let output = crate::sync::sync_command(&h)
                .arg(file)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&output.stdout).trim(),
                comment,
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_curl_example_gets_its_status() {
    let examples = examples();
    assert!(examples.len() >= 9, "only {} curl examples found", examples.len());
    let server = Harness::demo().await.local_server().await;
    for example in examples {
        let response = send(request(&words(&example.command), server), server).await;
        let status: u16 = response.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        assert_eq!(status, example.status, "{}\n{response}", example.command);
    }
}

#[test]
fn words_split_as_the_shell_would() {
    let split = words(r#"curl -H "X-A: b c" --data-urlencode 'q={"a":1}' "x\"y""#);
    assert_eq!(split, ["curl", "-H", "X-A: b c", "--data-urlencode", r#"q={"a":1}"#, r#"x"y"#]);
}
