//! Plans, and which one a tenant is on for each day of a period.
use chrono::{DateTime, Utc};

use super::money::Currency;
use super::period::Period;

/// What a tenant pays: a monthly base price covering some seats, and a monthly price for each
/// seat beyond those.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Plan {
    /// Stable short name (`team`, `fleet-50`).
    pub code: String,
    /// Name shown on invoices.
    pub name: String,
    /// Seats the base price covers.
    pub included_seats: u32,
    /// Base price for a whole month, in minor units.
    pub monthly_price: i64,
    /// Price of one seat beyond the included ones for a whole month, in minor units.
    pub extra_seat_price: i64,
    /// The currency of both prices.
    pub currency: Currency,
    /// Most people the plan allows at once, if it limits them.
    pub max_seats: Option<u32>,
}

/// A plan held over `[from, until)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSpan {
    /// The plan's terms for this span; a price change is a new span with the new terms.
    pub plan: Plan,
    /// When the tenant moved onto it.
    pub from: DateTime<Utc>,
    /// When the tenant left it; `None` while it holds.
    pub until: Option<DateTime<Utc>>,
}

/// For each 0-based day of `period`, the index in `plans` of the plan billed that day: the
/// last one in force during it, so a change on the 15th bills the 15th on the new plan and a
/// cancellation on the 20th still bills the 20th. `None` where no plan touches the day.
///
/// Spans aren't meant to overlap; if they do, the one reaching later into the day wins, then
/// the one that began later, then the later in `plans`.
pub(super) fn plan_by_day(plans: &[PlanSpan], period: &Period) -> Vec<Option<usize>> {
    (1..=period.days())
        .map(|day| {
            let range = period.day_range(day)?;
            plans
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    p.from < range.end && p.until.is_none_or(|u| u > range.start && u > p.from)
                })
                .max_by_key(|(i, p)| {
                    let reach = p.until.map_or(range.end, |u| u.min(range.end));
                    (reach, p.from, *i)
                })
                .map(|(i, _)| i)
        })
        .collect()
}

/// The plans that touch `period` at any instant.
pub(super) fn touching<'a>(
    plans: &'a [PlanSpan],
    period: &Period,
) -> impl Iterator<Item = &'a PlanSpan> {
    let range = period.range();
    plans.iter().filter(move |p| {
        p.from < range.end && p.until.is_none_or(|u| u > range.start && u > p.from)
    })
}
