//! Live sync: Rocket.Chat's change events applied to the tables as they happen
//! (the sync contract). [`event`] reads both producers' formats into one
//! [`Change`](event::Change); [`apply`] writes what the document's new state makes,
//! through the same conversion as `import` ([`crate::ingest`]), and removes what its
//! previous state ([`state`]) wrote and the new one does not.

pub mod apply;
pub mod dynamo;
pub mod event;
pub mod kinesis;
pub mod state;

pub use apply::{Applier, Outcome, Report};
pub use event::{Change, Event, Failure, Ignored, Op, Version};

/// Counts of what a batch (or a whole `sync` command) did with its records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub applied: usize,
    pub stale: usize,
    pub ignored: usize,
    pub failed: usize,
}

impl Tally {
    pub fn add(&mut self, other: Tally) {
        self.applied += other.applied;
        self.stale += other.stale;
        self.ignored += other.ignored;
        self.failed += other.failed;
    }

    pub fn count(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Applied => self.applied += 1,
            Outcome::Stale => self.stale += 1,
            Outcome::Failed(_) => self.failed += 1,
        }
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "applied: {}, stale: {}, ignored: {}, failed: {}",
            self.applied, self.stale, self.ignored, self.failed
        )
    }
}
