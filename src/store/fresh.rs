//! A value a container reuses for a while: read once, then served from memory until it
//! is older than its time to live. For reads that are the same for every request.

use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Fresh<T> {
    ttl: Duration,
    slot: Mutex<Option<(Instant, T)>>,
}

impl<T: Clone> Fresh<T> {
    /// A zero `ttl` keeps nothing: every request reads for itself.
    pub fn new(ttl: Duration) -> Self {
        Fresh { ttl, slot: Mutex::new(None) }
    }

    /// The value, while it is younger than the time to live.
    pub fn get(&self) -> Option<T> {
        let slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        slot.as_ref().filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, value)| value.clone())
    }

    pub fn put(&self, value: T) {
        if self.ttl.is_zero() {
            return;
        }
        *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_served_until_it_is_older_than_its_ttl() {
        let fresh = Fresh::new(Duration::from_secs(3600));
        assert_eq!(fresh.get(), None::<u8>);
        fresh.put(7);
        assert_eq!(fresh.get(), Some(7));
        let stale = Fresh::new(Duration::from_nanos(1));
        stale.put(7);
        std::thread::sleep(Duration::from_millis(1));
        assert_eq!(stale.get(), None);
    }

    #[test]
    fn a_zero_ttl_keeps_nothing() {
        let fresh = Fresh::new(Duration::ZERO);
        fresh.put(7);
        assert_eq!(fresh.get(), None);
    }
}
