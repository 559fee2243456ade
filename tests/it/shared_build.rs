//! `cargo run` (the `local` feature) and `cargo lambda watch` (bootstrap, without it)
//! share one target directory. A crate is reused between the two builds only if it is
//! built with the same features and so are all of its dependencies; one differing crate
//! low in the tree (tokio, say) rebuilds everything above it, the AWS SDK included,
//! minutes of compiling. So: every crate the Lambda build compiles gets the features the
//! local build gives it, except a few small ones only this crate builds on.

use std::collections::BTreeMap;
use std::process::Command;

/// Crates whose features may differ: nothing but this crate (and chrono, for
/// num-traits) builds on them, so the watch's first build after `cargo run` recompiles
/// these few small crates, not the SDK. Aligning them would put axum's extra routing
/// work (matched-path, original-uri) on every Lambda request.
const ALLOWED_TO_DIFFER: [&str; 3] = ["axum", "axum-core", "num-traits"];

/// Every package of the normal and build dependency graph, with its enabled features.
fn features(no_default_features: bool) -> BTreeMap<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["tree", "--locked", "--offline", "-e", "normal,build", "--prefix", "none"])
        .args(["--format", "{p}|{f}"]);
    if no_default_features {
        command.arg("--no-default-features");
    }
    let output = command.output().expect("cargo tree runs");
    assert!(output.status.success(), "cargo tree: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| {
            let (package, features) = line.trim_end_matches(" (*)").split_once('|')?;
            let name = package.split_whitespace().next()?;
            (name != env!("CARGO_PKG_NAME")).then(|| (package.to_owned(), features.to_owned()))
        })
        .collect()
}

#[test]
fn the_lambda_build_reuses_what_the_local_build_compiled() {
    let local = features(false);
    let lambda = features(true);
    assert!(lambda.keys().any(|p| p.starts_with("aws-sdk-dynamodb ")), "{lambda:?}");
    let mut drifted = Vec::new();
    for (package, wanted) in &lambda {
        let name = package.split_whitespace().next().unwrap_or_default();
        match local.get(package) {
            None => drifted.push(format!("{package}: not in the local build")),
            Some(built) if built != wanted && !ALLOWED_TO_DIFFER.contains(&name) => {
                drifted.push(format!("{package}: local build [{built}], Lambda build [{wanted}]"))
            }
            Some(_) => {}
        }
    }
    assert!(
        drifted.is_empty(),
        "turn these features on in Cargo.toml's shared-build alignment block:\n{}",
        drifted.join("\n")
    );
}
