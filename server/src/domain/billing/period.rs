//! Billing periods: calendar months in UTC, made of whole UTC days.
use std::fmt;
use std::ops::Range;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};

/// Years a period may fall in. Four-digit years keep every period's start and end, and its
/// neighbours, representable, so the arithmetic below never fails.
const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// One calendar month in UTC, from 00:00 on its first day to 00:00 on the next month's first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    first_day: NaiveDate,
}

impl Period {
    /// The month `month` (1 to 12) of `year` (1 to 9999); `None` outside those.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        if !YEARS.contains(&year) {
            return None;
        }
        NaiveDate::from_ymd_opt(year, month, 1).map(|first_day| Self { first_day })
    }

    /// The period `instant` falls in; `None` past the year 9999 or before the year 1.
    pub fn containing(instant: DateTime<Utc>) -> Option<Self> {
        let date = instant.date_naive();
        Self::new(date.year(), date.month())
    }

    /// The calendar year.
    pub fn year(&self) -> i32 {
        self.first_day.year()
    }

    /// The month, 1 to 12.
    pub fn month(&self) -> u32 {
        self.first_day.month()
    }

    /// The month's first day.
    pub fn first_day(&self) -> NaiveDate {
        self.first_day
    }

    /// Days in the month: 28, 29, 30 or 31.
    pub fn days(&self) -> u32 {
        match self.month() {
            2 if self.first_day.leap_year() => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    /// 00:00 UTC on the first day.
    pub fn start(&self) -> DateTime<Utc> {
        self.first_day.and_time(chrono::NaiveTime::MIN).and_utc()
    }

    /// 00:00 UTC on the next month's first day: the first instant not in the period.
    pub fn end(&self) -> DateTime<Utc> {
        self.start() + TimeDelta::days(i64::from(self.days()))
    }

    /// `[start, end)`.
    pub fn range(&self) -> Range<DateTime<Utc>> {
        self.start()..self.end()
    }

    /// Day `day` (1-based, as on a calendar) as a date; `None` past the month's end.
    pub fn day(&self, day: u32) -> Option<NaiveDate> {
        (1..=self.days())
            .contains(&day)
            .then(|| self.first_day + TimeDelta::days(i64::from(day - 1)))
    }

    /// Day `day` (1-based) from its 00:00 to the next day's 00:00; `None` past the month's end.
    pub fn day_range(&self, day: u32) -> Option<Range<DateTime<Utc>>> {
        let start = self.day(day)?.and_time(chrono::NaiveTime::MIN).and_utc();
        Some(start..start + TimeDelta::days(1))
    }

    /// The following month; `None` after December 9999.
    pub fn next(&self) -> Option<Self> {
        match self.month() {
            12 => Self::new(self.year() + 1, 1),
            month => Self::new(self.year(), month + 1),
        }
    }

    /// The month before; `None` before January of the year 1.
    pub fn previous(&self) -> Option<Self> {
        match self.month() {
            1 => Self::new(self.year() - 1, 12),
            month => Self::new(self.year(), month - 1),
        }
    }

    /// The 0-based day of the period holding `instant`, which must not be before the start;
    /// may be past the last day.
    pub(super) fn day_index(&self, instant: DateTime<Utc>) -> u64 {
        let seconds = (instant - self.start()).num_seconds();
        u64::try_from(seconds / 86_400).unwrap_or(0)
    }

    /// 00:00 of the 0-based day `index`.
    pub(super) fn day_start(&self, index: u64) -> DateTime<Utc> {
        self.start() + TimeDelta::days(i64::try_from(index).unwrap_or(i64::MAX))
    }

    /// How many of the period's days have begun by `up_to` (all of them when `None`): the
    /// days counted so far, the one holding `up_to` included.
    pub(super) fn days_begun(&self, up_to: Option<DateTime<Utc>>) -> u32 {
        match up_to {
            None => self.days(),
            Some(t) if t < self.start() => 0,
            Some(t) if t >= self.end() => self.days(),
            Some(t) => u32::try_from(self.day_index(t) + 1).unwrap_or(self.days()),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn period(year: i32, month: u32) -> Period {
        Period::new(year, month).unwrap_or_else(|| panic!("{year}-{month}"))
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, s)
            .single()
            .unwrap_or_else(|| panic!("{y}-{m}-{d}"))
    }

    #[test]
    fn months_have_their_calendar_lengths() {
        assert_eq!(period(2027, 2).days(), 28);
        assert_eq!(period(2028, 2).days(), 29);
        assert_eq!(period(2100, 2).days(), 28);
        assert_eq!(period(2000, 2).days(), 29);
        assert_eq!(period(2027, 4).days(), 30);
        assert_eq!(period(2027, 1).days(), 31);
        assert_eq!(period(2027, 12).days(), 31);
    }

    #[test]
    fn a_period_runs_from_midnight_on_the_first_to_midnight_on_the_next_first() {
        let feb = period(2028, 2);
        assert_eq!(feb.start(), at(2028, 2, 1, 0, 0, 0));
        assert_eq!(feb.end(), at(2028, 3, 1, 0, 0, 0));
        assert_eq!(Some(feb.first_day()), NaiveDate::from_ymd_opt(2028, 2, 1));
        assert_eq!(feb.day(29), NaiveDate::from_ymd_opt(2028, 2, 29));
        assert_eq!(feb.day(30), None);
        assert_eq!(feb.day(0), None);
        assert_eq!(
            feb.day_range(29),
            Some(at(2028, 2, 29, 0, 0, 0)..at(2028, 3, 1, 0, 0, 0))
        );
        assert_eq!(
            period(2027, 1).day_range(10),
            Some(at(2027, 1, 10, 0, 0, 0)..at(2027, 1, 11, 0, 0, 0))
        );
        assert_eq!(feb.to_string(), "2028-02");
    }

    #[test]
    fn an_instant_belongs_to_the_month_of_its_utc_date() {
        assert_eq!(
            Period::containing(at(2027, 4, 1, 0, 0, 0)),
            Some(period(2027, 4))
        );
        assert_eq!(
            Period::containing(at(2027, 3, 31, 23, 59, 59)),
            Some(period(2027, 3))
        );
        assert_eq!(
            Period::containing(at(2027, 4, 30, 23, 59, 59)),
            Some(period(2027, 4))
        );
    }

    #[test]
    fn periods_step_across_years() {
        assert_eq!(period(2027, 12).next(), Some(period(2028, 1)));
        assert_eq!(period(2028, 1).previous(), Some(period(2027, 12)));
        assert_eq!(period(2027, 4).next(), Some(period(2027, 5)));
        assert_eq!(period(9999, 12).next(), None);
        assert_eq!(period(1, 1).previous(), None);
        assert_eq!(Period::new(2027, 13), None);
        assert_eq!(Period::new(2027, 0), None);
        assert!(period(2027, 12) < period(2028, 1));
    }

    #[test]
    fn days_begun_counts_the_day_holding_the_instant() {
        let april = period(2027, 4);
        assert_eq!(april.days_begun(None), 30);
        assert_eq!(april.days_begun(Some(at(2027, 3, 31, 23, 0, 0))), 0);
        assert_eq!(april.days_begun(Some(at(2027, 4, 1, 0, 0, 0))), 1);
        assert_eq!(april.days_begun(Some(at(2027, 4, 10, 23, 59, 59))), 10);
        assert_eq!(april.days_begun(Some(at(2027, 4, 30, 12, 0, 0))), 30);
        assert_eq!(april.days_begun(Some(at(2027, 5, 1, 0, 0, 0))), 30);
    }
}
