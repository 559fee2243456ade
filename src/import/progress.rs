//! Progress of an import on stderr, from its first second: on a terminal one line
//! redrawn in place (a bar, the rate and, once the total is known, the time left);
//! otherwise a plain line every few seconds, for logs.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub struct Progress {
    /// What is counted: "documents checked", "items written".
    what: &'static str,
    total: Option<usize>,
    pub done: usize,
    started: Instant,
    shown: Instant,
    terminal: bool,
}

impl Progress {
    /// Starts counting, and says so at once.
    pub fn start(what: &'static str, total: Option<usize>) -> Progress {
        let now = Instant::now();
        let terminal = std::io::stderr().is_terminal();
        let progress = Progress { what, total, done: 0, started: now, shown: now, terminal };
        progress.show();
        progress
    }

    pub fn add(&mut self, count: usize) {
        self.done += count;
        let every = if self.terminal { Duration::from_millis(200) } else { Duration::from_secs(5) };
        if self.shown.elapsed() >= every {
            self.shown = Instant::now();
            self.show();
        }
    }

    /// The last line: the count, the time it took and the rate.
    pub fn finish(&self) {
        let seconds = self.started.elapsed().as_secs_f64();
        let line =
            format!("{} {} in {seconds:.1} s ({:.0}/s)", self.done, self.what, rate(self.done, seconds));
        self.print(&line, true);
    }

    fn show(&self) {
        self.print(&render(self.what, self.done, self.total, self.started.elapsed()), false);
    }

    fn print(&self, line: &str, last: bool) {
        let mut err = std::io::stderr().lock();
        let _ = if self.terminal {
            // Back to the start of the line, then clear what a longer line left.
            write!(err, "\r{line}\x1b[K{}", if last { "\n" } else { "" })
        } else {
            writeln!(err, "{line}")
        };
    }
}

fn rate(done: usize, seconds: f64) -> f64 {
    done as f64 / seconds.max(1e-9)
}

/// `[#####---------------]  25% 250000/1000000 items written, 11000/s, 1:08 left`, or
/// without a total `250000 documents checked, 11000/s`.
fn render(what: &str, done: usize, total: Option<usize>, elapsed: Duration) -> String {
    const WIDTH: usize = 20;
    let per_second = rate(done, elapsed.as_secs_f64());
    match total.filter(|t| *t > 0) {
        Some(total) => {
            let share = done.min(total) as f64 / total as f64;
            let filled = (share * WIDTH as f64) as usize;
            let bar = format!("{}{}", "#".repeat(filled), "-".repeat(WIDTH - filled));
            let left = if done == 0 || per_second <= 0.0 {
                "time left unknown".to_owned()
            } else {
                let seconds = ((total.saturating_sub(done)) as f64 / per_second) as u64;
                format!("{}:{:02} left", seconds / 60, seconds % 60)
            };
            format!("[{bar}] {:3.0}% {done}/{total} {what}, {per_second:.0}/s, {left}", share * 100.0)
        }
        None => format!("{done} {what}, {per_second:.0}/s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_with_the_rate_and_the_time_left() {
        let line = render("items written", 250, Some(1000), Duration::from_secs(10));
        assert_eq!(line, "[#####---------------]  25% 250/1000 items written, 25/s, 0:30 left");
        let done = render("items written", 1000, Some(1000), Duration::from_secs(10));
        assert!(done.starts_with("[####################] 100%"), "{done}");
        assert!(render("items written", 0, Some(10), Duration::ZERO).ends_with("time left unknown"));
    }

    #[test]
    fn without_a_total_the_count_and_the_rate() {
        assert_eq!(
            render("documents checked", 500, None, Duration::from_secs(2)),
            "500 documents checked, 250/s"
        );
    }
}
