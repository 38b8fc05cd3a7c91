//! What the billing tests share: instants and a month of 2027.
use chrono::{DateTime, TimeZone, Utc};

use super::Period;

/// `h`:00 UTC on `d` `m` 2027.
pub fn at(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, m, d, h, 0, 0)
        .single()
        .unwrap_or_else(|| panic!("{m}-{d}"))
}

/// April 2027, 30 days.
pub fn april() -> Period {
    Period::new(2027, 4).unwrap_or_else(|| panic!("April 2027"))
}
