//! Seats: the distinct people holding access on each UTC day of a period.
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::period::Period;

/// One interval in which a person holds access: a membership in one of the tenant's companies,
/// a grant. Half-open, `[from, until)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatSpan {
    /// Who holds it; spans of one person overlap freely and still make one seat.
    pub person: Uuid,
    /// When it began.
    pub from: DateTime<Utc>,
    /// When it ended; `None` while it still holds.
    pub until: Option<DateTime<Utc>>,
}

/// The 0-based days of `period`, among its first `counted` ones, that `[from, until)` touches
/// for any instant, inclusive at both ends; `None` if it touches none of them.
pub(super) fn days_touched(
    period: &Period,
    counted: u32,
    from: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
) -> Option<(u32, u32)> {
    if counted == 0 || from >= period.end() || until.is_some_and(|u| u <= from) {
        return None;
    }
    let first = if from <= period.start() {
        0
    } else {
        period.day_index(from)
    };
    let last = match until {
        None => u64::from(counted - 1),
        Some(u) if u <= period.start() => return None,
        Some(u) if u >= period.end() => u64::from(counted - 1),
        Some(u) => {
            let day = period.day_index(u);
            // Ending exactly at midnight leaves the new day untouched.
            let day = if period.day_start(day) == u {
                day - 1
            } else {
                day
            };
            day.min(u64::from(counted - 1))
        }
    };
    let first = u32::try_from(first).ok()?;
    let last = u32::try_from(last).ok()?;
    (first <= last).then_some((first, last))
}

/// Seats on each day of `period`, first day first: how many distinct people held a span at any
/// instant of that UTC day. With `up_to`, days after the one holding it have not happened yet
/// and read 0, which gives the counts so far.
///
/// Sorts the spans' day ranges by person and merges each person's, then sums the merged
/// ranges' starts and ends along the month, so the cost grows with the spans, not with
/// days × spans.
pub fn daily_seats(spans: &[SeatSpan], period: &Period, up_to: Option<DateTime<Utc>>) -> Vec<u32> {
    let days = period.days();
    let counted = period.days_begun(up_to);
    let mut ranges: Vec<(Uuid, u32, u32)> = spans
        .iter()
        .filter_map(|s| {
            days_touched(period, counted, s.from, s.until).map(|(a, b)| (s.person, a, b))
        })
        .collect();
    ranges.sort_unstable();

    // changes[d] is how many more seats day d has than day d - 1.
    let mut changes = vec![0_i64; days as usize + 1];
    let mut mark = |first: u32, last: u32| {
        changes[first as usize] += 1;
        changes[last as usize + 1] -= 1;
    };
    let mut current: Option<(Uuid, u32, u32)> = None;
    for (person, first, last) in ranges {
        match &mut current {
            Some((p, _, end)) if *p == person && first <= end.saturating_add(1) => {
                *end = (*end).max(last);
            }
            _ => {
                if let Some((_, a, b)) = current {
                    mark(a, b);
                }
                current = Some((person, first, last));
            }
        }
    }
    if let Some((_, a, b)) = current {
        mark(a, b);
    }

    let mut seats = 0_i64;
    changes[..days as usize]
        .iter()
        .map(|change| {
            seats += change;
            u32::try_from(seats).unwrap_or(u32::MAX)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::domain::billing::fixtures::{april, at};

    fn span(person: u128, from: DateTime<Utc>, until: Option<DateTime<Utc>>) -> SeatSpan {
        SeatSpan {
            person: Uuid::from_u128(person),
            from,
            until,
        }
    }

    /// Days (1-based) with a seat, for a single person's spans.
    fn seated_days(seats: &[u32]) -> Vec<usize> {
        seats
            .iter()
            .enumerate()
            .filter(|(_, s)| **s > 0)
            .map(|(i, _)| i + 1)
            .collect()
    }

    #[test]
    fn one_person_in_overlapping_spans_is_one_seat() {
        let spans = [
            span(1, at(4, 1, 0), None),
            span(1, at(4, 5, 9), Some(at(4, 20, 17))),
            span(2, at(4, 10, 12), Some(at(4, 12, 8))),
        ];
        let seats = daily_seats(&spans, &april(), None);
        assert_eq!(seats.len(), 30);
        assert_eq!(&seats[..9], &[1; 9]);
        assert_eq!(&seats[9..12], &[2, 2, 2]);
        assert_eq!(&seats[12..], &[1; 18]);
    }

    #[test]
    fn someone_removed_on_the_tenth_counts_through_the_tenth() {
        let seats = daily_seats(&[span(1, at(3, 1, 0), Some(at(4, 10, 9)))], &april(), None);
        assert_eq!(seated_days(&seats), (1..=10).collect::<Vec<_>>());
    }

    #[test]
    fn a_span_ending_at_midnight_does_not_reach_that_day() {
        let seats = daily_seats(&[span(1, at(4, 3, 0), Some(at(4, 10, 0)))], &april(), None);
        assert_eq!(seated_days(&seats), (3..=9).collect::<Vec<_>>());
        let one_second_in = at(4, 10, 0) + chrono::TimeDelta::seconds(1);
        let seats = daily_seats(&[span(1, at(4, 3, 0), Some(one_second_in))], &april(), None);
        assert_eq!(seated_days(&seats), (3..=10).collect::<Vec<_>>());
    }

    #[test]
    fn someone_added_again_counts_again_from_then() {
        let spans = [
            span(1, at(4, 2, 8), Some(at(4, 5, 12))),
            span(1, at(4, 20, 23), None),
        ];
        let seats = daily_seats(&spans, &april(), None);
        let expected: Vec<usize> = (2..=5).chain(20..=30).collect();
        assert_eq!(seated_days(&seats), expected);
    }

    #[test]
    fn a_span_across_the_whole_period_counts_every_day() {
        let spans = [span(1, at(1, 15, 0), Some(at(7, 1, 0)))];
        assert_eq!(daily_seats(&spans, &april(), None), vec![1; 30]);
        let ends_at_the_period_end = [span(1, at(3, 31, 23), Some(at(5, 1, 0)))];
        assert_eq!(
            daily_seats(&ends_at_the_period_end, &april(), None),
            vec![1; 30]
        );
    }

    #[test]
    fn spans_outside_the_period_or_empty_count_nothing() {
        let spans = [
            span(1, at(3, 1, 0), Some(at(4, 1, 0))),
            span(2, at(5, 1, 0), None),
            span(3, at(4, 8, 0), Some(at(4, 8, 0))),
            span(4, at(4, 9, 0), Some(at(4, 8, 0))),
        ];
        assert_eq!(daily_seats(&spans, &april(), None), vec![0; 30]);
        assert_eq!(daily_seats(&[], &april(), None), vec![0; 30]);
    }

    #[test]
    fn days_after_up_to_are_not_counted_yet() {
        let spans = [span(1, at(3, 1, 0), None), span(2, at(4, 12, 20), None)];
        let seats = daily_seats(&spans, &april(), Some(at(4, 12, 9)));
        let mut expected = vec![1; 11];
        expected.push(2);
        expected.extend([0; 18]);
        assert_eq!(seats, expected);
        assert_eq!(
            daily_seats(&spans, &april(), Some(at(3, 31, 23))),
            vec![0; 30]
        );
        assert_eq!(
            daily_seats(&spans, &april(), Some(at(5, 2, 0)))
                .iter()
                .sum::<u32>(),
            49
        );
    }
}
