//! Which variable reads reach the audit log. A device page, a script or a dashboard refreshing
//! a value would otherwise write a record per look (a page polling four variables every three
//! seconds wrote 80 a minute). The first successful read of a variable of a device by a person
//! in each ten-minute window is recorded; the rest of that window's successful reads are not.
//! A failed read is always recorded, and so is every function call (those act on the device).
//! Each instance keeps its own window, so behind two instances a window may hold two records.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

/// How long one recorded read stands for the same person's later reads of the same variable.
pub const WINDOW: TimeDelta = TimeDelta::minutes(10);

/// Windows remembered at most; past it, expired ones are dropped (and, failing that, all).
const MAX_REMEMBERED: usize = 100_000;

/// A person's read of a device's variable.
type Read = (Uuid, String, String);

/// The reads recorded lately, and when.
#[derive(Debug, Clone, Default)]
pub struct RecentReads(Arc<Mutex<HashMap<Read, DateTime<Utc>>>>);

impl RecentReads {
    /// Whether a successful read of `variable` on `device` by `person` at `now` should be
    /// recorded: true for the first in its window (and then it opens a new window).
    pub fn should_record(
        &self,
        person: Uuid,
        device: &str,
        variable: &str,
        now: DateTime<Utc>,
    ) -> bool {
        let mut recent = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (person, device.to_owned(), variable.to_owned());
        if recent.get(&key).is_some_and(|at| now - *at < WINDOW) {
            return false;
        }
        if recent.len() >= MAX_REMEMBERED {
            recent.retain(|_, at| now - *at < WINDOW);
            if recent.len() >= MAX_REMEMBERED {
                recent.clear();
            }
        }
        recent.insert(key, now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_read_per_person_device_variable_and_window_is_recorded() {
        let reads = RecentReads::default();
        let (ada, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let t = DateTime::<Utc>::UNIX_EPOCH;
        assert!(reads.should_record(ada, "d1", "pressure", t));
        assert!(!reads.should_record(ada, "d1", "pressure", t + TimeDelta::minutes(9)));
        assert!(reads.should_record(ada, "d1", "flow", t));
        assert!(reads.should_record(ada, "d2", "pressure", t));
        assert!(reads.should_record(bob, "d1", "pressure", t));
        assert!(reads.should_record(ada, "d1", "pressure", t + TimeDelta::minutes(10)));
    }
}
