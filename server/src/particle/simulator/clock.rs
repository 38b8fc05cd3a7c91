//! The simulator's own clock: real time plus an offset that tests move forward, so token
//! expiry can be exercised without sleeping.
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};

/// Wall time at start, plus the real time elapsed since, plus whatever `advance` added.
#[derive(Debug)]
pub(crate) struct SimClock {
    base: DateTime<Utc>,
    started: Instant,
    offset: Mutex<TimeDelta>,
}

impl SimClock {
    pub(crate) fn new() -> Self {
        Self {
            base: Utc::now(),
            started: Instant::now(),
            offset: Mutex::new(TimeDelta::zero()),
        }
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        let elapsed = TimeDelta::from_std(self.started.elapsed()).unwrap_or(TimeDelta::MAX);
        let offset = *self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        self.base
            .checked_add_signed(elapsed)
            .and_then(|t| t.checked_add_signed(offset))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    pub(crate) fn advance(&self, by: std::time::Duration) {
        let by = TimeDelta::from_std(by).unwrap_or(TimeDelta::MAX);
        let mut offset = self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        *offset = offset.checked_add(&by).unwrap_or(TimeDelta::MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now_forward_by_at_least_the_amount() {
        // Arrange
        let clock = SimClock::new();
        let before = clock.now();

        // Act
        clock.advance(std::time::Duration::from_secs(3600));

        // Assert
        assert!(clock.now() - before >= TimeDelta::hours(1));
    }
}
