//! `rc-integrations sync [FILE|-]`: change events, one JSON object per line (either
//! format, told apart per line), applied to the tables at the configured endpoint.
//! Lines are applied in batches of what is available (up to [`BATCH_LINES`]), so a
//! file goes fast and a pipe fed one event at a time is applied at once.

use crate::sync::{event, Applier, Event, Outcome, Tally};
use std::io::BufRead;
use tokio::sync::mpsc;

pub const BATCH_LINES: usize = 1000;

/// Applies every line of `input`, reporting each failed one on stderr as
/// `label:line: why`. A DynamoDB failure stops it: the lines before are applied
/// and applying them again is safe.
pub async fn sync_lines(
    applier: &Applier,
    label: &str,
    input: Box<dyn BufRead + Send>,
) -> Result<Tally, String> {
    let (sender, mut lines) = mpsc::channel::<(usize, std::io::Result<String>)>(4 * BATCH_LINES);
    let reader = tokio::task::spawn_blocking(move || {
        for (i, line) in input.lines().enumerate() {
            if sender.blocking_send((i + 1, line)).is_err() {
                break;
            }
        }
    });
    let mut tally = Tally::default();
    while let Some(first) = lines.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH_LINES {
            match lines.try_recv() {
                Ok(line) => batch.push(line),
                Err(_) => break,
            }
        }
        let mut changes = Vec::new();
        let mut positions = Vec::new();
        for (number, line) in batch {
            let line = line.map_err(|e| format!("{label}:{number}: {e}"))?;
            if line.trim().is_empty() {
                continue;
            }
            match event::parse_line(&line) {
                Ok(Event::Change(change)) => {
                    changes.push(change);
                    positions.push(number);
                }
                Ok(Event::Ignored(_)) => tally.ignored += 1,
                Err(failure) => {
                    eprintln!("{label}:{number}: {failure}");
                    tally.failed += 1;
                }
            }
        }
        let first_line = positions.first().copied().unwrap_or_default();
        let report = applier.apply(changes).await.map_err(|e| {
            format!("{label}:{first_line}: {e}; the lines before it are applied, run again to apply the rest (applying a line twice changes nothing)")
        })?;
        for (outcome, number) in report.outcomes.iter().zip(positions) {
            if let Outcome::Failed(failure) = outcome {
                eprintln!("{label}:{number}: {failure}");
            }
            tally.count(outcome);
        }
    }
    reader.await.map_err(|e| e.to_string())?;
    Ok(tally)
}
