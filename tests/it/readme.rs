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
    let mut examples = Vec::new();
    let mut in_bash = false;
    let mut lines = README.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with("```") {
            in_bash = !in_bash && line.trim() == "```bash";
            continue;
        }
        if !in_bash || !line.trim_start().starts_with("curl ") {
            continue;
        }
        let mut command = line.trim().to_owned();
        while command.ends_with('\\') {
            command.pop();
            command.push_str(lines.next().expect("a continuation").trim());
        }
        let status = lines
            .peek()
            .and_then(|next| next.trim().strip_prefix("# "))
            .and_then(|comment| comment.get(..3)?.parse().ok())
            .unwrap_or(200);
        examples.push(Example { command, status });
    }
    examples
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

#[tokio::test(flavor = "multi_thread")]
async fn every_curl_example_gets_its_status() {
    let examples = examples();
    assert!(examples.len() >= 9, "only {} curl examples found", examples.len());
    let server = Harness::demo().await.local_server().await;
    for example in examples {
        let request = request(&words(&example.command), server);
        let response = tokio::task::spawn_blocking(move || {
            let mut stream = TcpStream::connect(server).unwrap();
            stream.write_all(request.as_bytes()).unwrap();
            let mut response = String::new();
            stream.read_to_string(&mut response).unwrap();
            response
        })
        .await
        .unwrap();
        let status: u16 = response.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        assert_eq!(status, example.status, "{}\n{response}", example.command);
    }
}

#[test]
fn words_split_as_the_shell_would() {
    let split = words(r#"curl -H "X-A: b c" --data-urlencode 'q={"a":1}' "x\"y""#);
    assert_eq!(split, ["curl", "-H", "X-A: b c", "--data-urlencode", r#"q={"a":1}"#, r#"x"y"#]);
}
