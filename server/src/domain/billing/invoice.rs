//! Invoices: a period's days priced on the plan in force each day, as a base line and an
//! extra-seats line per plan.
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::money::{Currency, Money, round_half_even};
use super::period::Period;
use super::plan::{Plan, PlanSpan, plan_by_day, touching};
use super::seats::{SeatSpan, daily_seats};

/// What a line charges for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineKind {
    /// The plan's base price, for the days on the plan; quantity in days.
    Base,
    /// Seats beyond the plan's included ones; quantity in seat-days.
    ExtraSeats,
}

/// One line: a quantity at a unit price, rounded once to whole minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLine {
    /// The plan the line bills.
    pub plan: Plan,
    /// Base price or extra seats.
    pub kind: LineKind,
    /// Days on the plan, or seat-days beyond the included seats on those days.
    pub quantity: u64,
    /// Minor units per day or per seat-day: the monthly price over the days in the period, not
    /// rounded (to 28 significant digits).
    pub unit_price: Decimal,
    /// quantity × monthly price ÷ days in the period, rounded half to even; computed from the
    /// monthly price, not from the shown unit price, so that rounding happens once.
    pub amount: Money,
}

/// How much of the period an invoice covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Coverage {
    /// Every day of the period.
    Complete,
    /// The first `days` days, up to and including the current one; the rest haven't happened.
    SoFar {
        /// Days counted.
        days: u32,
    },
    /// The first `actual_days` days as they were; each later day as if it had the last
    /// counted day's seats and plan.
    Projected {
        /// Days counted as they were.
        actual_days: u32,
    },
}

/// The bill for one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    /// The month billed.
    pub period: Period,
    /// Every line's currency.
    pub currency: Currency,
    /// Per plan in the order first used: its base line, then its extra-seats line if any seat
    /// went beyond the included ones.
    pub lines: Vec<InvoiceLine>,
    /// The sum of the lines' rounded amounts.
    pub total: Money,
    /// Seats on each day of the period, as billed (0 on days not counted).
    pub daily_seats: Vec<u32>,
    /// Whole period, so far, or projected.
    pub coverage: Coverage,
}

/// Why a period can't be billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BillingError {
    /// The tenant had no plan at any moment of the period.
    #[error("no plan is in force during {0}")]
    NoPlan(Period),
    /// Plans in different currencies touch the period; one invoice has one currency.
    #[error("plans in {first} and {second} both fall in {period}; an invoice has one currency")]
    MixedCurrencies {
        /// The period billed.
        period: Period,
        /// The first plan's currency.
        first: Currency,
        /// Another plan's, different.
        second: Currency,
    },
    /// The instant falls outside the years billing covers (1 to 9999).
    #[error("{0} is outside the years billing covers")]
    OutOfRange(DateTime<Utc>),
    /// An amount doesn't fit in 64-bit minor units.
    #[error("an amount on the invoice for {0} is too large")]
    Overflow(Period),
}

/// The invoice for `period`: each day billed on the plan in force at its end, for the seats
/// held during it. With `up_to` inside the period, the invoice so far: days after the one
/// holding `up_to` are left out.
///
/// # Errors
/// No plan touches the period, the plans touching it differ in currency, or an amount
/// overflows.
pub fn invoice(
    period: &Period,
    plans: &[PlanSpan],
    spans: &[SeatSpan],
    up_to: Option<DateTime<Utc>>,
) -> Result<Invoice, BillingError> {
    let currency = currency(period, plans)?;
    let counted = period.days_begun(up_to);
    let seats = daily_seats(spans, period, up_to);
    let by_day = plan_by_day(plans, period);
    let coverage = if counted == period.days() {
        Coverage::Complete
    } else {
        Coverage::SoFar { days: counted }
    };
    price(
        period,
        currency,
        plans,
        &by_day[..counted as usize],
        seats,
        coverage,
    )
}

/// The invoice the period holding `now` is heading for: the days so far as they were, and
/// every later day with today's seats on today's plan.
///
/// # Errors
/// As [`invoice`], and `now` outside the years billing covers.
pub fn projection(
    now: DateTime<Utc>,
    plans: &[PlanSpan],
    spans: &[SeatSpan],
) -> Result<Invoice, BillingError> {
    let period = Period::containing(now).ok_or(BillingError::OutOfRange(now))?;
    let currency = currency(&period, plans)?;
    // The day of the month, 1-based, so also how many days have begun.
    let today = period.days_begun(Some(now));
    let begun = today as usize;
    let mut seats = daily_seats(spans, &period, Some(now));
    let mut by_day = plan_by_day(plans, &period);
    let (seats_today, plan_today) = (seats[begun - 1], by_day[begun - 1]);
    seats[begun..].fill(seats_today);
    by_day[begun..].fill(plan_today);
    let coverage = Coverage::Projected { actual_days: today };
    price(&period, currency, plans, &by_day, seats, coverage)
}

/// The one currency of the plans touching `period`.
fn currency(period: &Period, plans: &[PlanSpan]) -> Result<Currency, BillingError> {
    let mut currencies = touching(plans, period).map(|p| p.plan.currency);
    let first = currencies.next().ok_or(BillingError::NoPlan(*period))?;
    match currencies.find(|c| *c != first) {
        Some(second) => Err(BillingError::MixedCurrencies {
            period: *period,
            first,
            second,
        }),
        None => Ok(first),
    }
}

/// Prices the days in `by_day` (indices into `plans`, one per day from the first).
fn price(
    period: &Period,
    currency: Currency,
    plans: &[PlanSpan],
    by_day: &[Option<usize>],
    daily_seats: Vec<u32>,
    coverage: Coverage,
) -> Result<Invoice, BillingError> {
    // Per distinct plan, in order of first use: days on it and seat-days beyond its included.
    let mut usage: Vec<(&Plan, u64, u64)> = Vec::new();
    for (day, index) in by_day.iter().enumerate() {
        let Some(plan) = index.map(|i| &plans[i].plan) else {
            continue;
        };
        let extra = u64::from(daily_seats[day].saturating_sub(plan.included_seats));
        match usage.iter_mut().find(|(p, _, _)| *p == plan) {
            Some((_, days, seat_days)) => {
                *days += 1;
                *seat_days += extra;
            }
            None => usage.push((plan, 1, extra)),
        }
    }

    let overflow = BillingError::Overflow(*period);
    let days_in_period = Decimal::from(period.days());
    let line = |plan: &Plan, kind, quantity: u64, monthly: i64| {
        let monthly = Decimal::from(monthly);
        let exact = Decimal::from(quantity)
            .checked_mul(monthly)?
            .checked_div(days_in_period)?;
        Some(InvoiceLine {
            plan: plan.clone(),
            kind,
            quantity,
            unit_price: monthly.checked_div(days_in_period)?,
            amount: Money::new(round_half_even(exact)?, currency),
        })
    };
    let mut lines = Vec::with_capacity(usage.len() * 2);
    for (plan, days, seat_days) in usage {
        lines.push(line(plan, LineKind::Base, days, plan.monthly_price).ok_or(overflow)?);
        if seat_days > 0 {
            let extra = line(plan, LineKind::ExtraSeats, seat_days, plan.extra_seat_price);
            lines.push(extra.ok_or(overflow)?);
        }
    }
    let total = lines
        .iter()
        .try_fold(0_i64, |sum, l| sum.checked_add(l.amount.minor))
        .ok_or(overflow)?;

    Ok(Invoice {
        period: *period,
        currency,
        lines,
        total: Money::new(total, currency),
        daily_seats,
        coverage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    use crate::domain::billing::fixtures::{april, at};

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap_or_else(|e| panic!("{e}"))
    }

    fn plan(code: &str, included_seats: u32, monthly_price: i64, extra_seat_price: i64) -> Plan {
        Plan {
            code: code.into(),
            name: code.to_uppercase(),
            included_seats,
            monthly_price,
            extra_seat_price,
            currency: eur(),
            max_seats: None,
        }
    }

    fn on(plan: &Plan, from: DateTime<Utc>, until: Option<DateTime<Utc>>) -> PlanSpan {
        PlanSpan {
            plan: plan.clone(),
            from,
            until,
        }
    }

    fn seat(person: u128, from: DateTime<Utc>, until: Option<DateTime<Utc>>) -> SeatSpan {
        SeatSpan {
            person: Uuid::from_u128(person),
            from,
            until,
        }
    }

    /// People 1 to `n`, seated since before April.
    fn staff(n: u128) -> Vec<SeatSpan> {
        (1..=n).map(|p| seat(p, at(3, 1, 0), None)).collect()
    }

    fn summary(invoice: &Invoice) -> Vec<(&str, LineKind, u64, i64)> {
        let lines = invoice.lines.iter();
        lines
            .map(|l| (l.plan.code.as_str(), l.kind, l.quantity, l.amount.minor))
            .collect()
    }

    fn bill(plans: &[PlanSpan], spans: &[SeatSpan], up_to: Option<DateTime<Utc>>) -> Invoice {
        invoice(&april(), plans, spans, up_to).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_plan_change_on_the_fifteenth_bills_the_fifteenth_on_the_new_plan() {
        let team = plan("team", 5, 9_900, 1_500);
        let fleet = plan("fleet", 10, 19_900, 1_200);
        let plans = [
            on(&team, at(3, 1, 0), Some(at(4, 15, 10))),
            on(&fleet, at(4, 15, 10), None),
        ];
        let mut spans = staff(7);
        spans.extend((8..=12).map(|p| seat(p, at(4, 10, 12), Some(at(4, 20, 0)))));

        let invoice = bill(&plans, &spans, None);

        assert_eq!(
            summary(&invoice),
            [
                ("team", LineKind::Base, 14, 4_620),
                ("team", LineKind::ExtraSeats, 53, 2_650),
                ("fleet", LineKind::Base, 16, 10_613),
                ("fleet", LineKind::ExtraSeats, 10, 400),
            ]
        );
        assert_eq!(invoice.total, Money::new(18_283, eur()));
        assert_eq!(invoice.lines[0].unit_price, Decimal::from(330));
        assert_eq!(invoice.lines[1].unit_price, Decimal::from(50));
        assert_eq!(
            invoice.lines[2].unit_price,
            Decimal::from(19_900) / Decimal::from(30)
        );
        assert_eq!(invoice.lines[3].unit_price, Decimal::from(40));
        assert_eq!(invoice.coverage, Coverage::Complete);
        assert_eq!(invoice.period, april());
        let mut seats = vec![7; 9];
        seats.extend([12; 10]);
        seats.extend([7; 11]);
        assert_eq!(invoice.daily_seats, seats);
    }

    #[test]
    fn each_line_rounds_half_to_even() {
        let x = plan("x", 0, 5, 1);
        let y = plan("y", 0, 7, 3);
        let plans = [
            on(&x, at(4, 1, 0), Some(at(4, 16, 0))),
            on(&y, at(4, 16, 0), None),
        ];
        let spans = [seat(1, at(4, 1, 0), None)];

        let invoice = bill(&plans, &spans, None);

        assert_eq!(
            summary(&invoice),
            [
                ("x", LineKind::Base, 15, 2),
                ("x", LineKind::ExtraSeats, 15, 0),
                ("y", LineKind::Base, 15, 4),
                ("y", LineKind::ExtraSeats, 15, 2),
            ]
        );
        assert_eq!(invoice.total.minor, 8);
    }

    #[test]
    fn days_without_a_plan_are_not_billed() {
        let team = plan("team", 5, 9_900, 1_500);
        let plans = [on(&team, at(4, 5, 12), Some(at(4, 20, 14)))];

        let invoice = bill(&plans, &staff(7), None);

        assert_eq!(
            summary(&invoice),
            [
                ("team", LineKind::Base, 16, 5_280),
                ("team", LineKind::ExtraSeats, 32, 1_600)
            ]
        );
        assert_eq!(invoice.total.minor, 6_880);
        assert_eq!(invoice.daily_seats, vec![7; 30]);
    }

    #[test]
    fn a_plan_used_twice_in_a_period_is_one_pair_of_lines() {
        let team = plan("team", 5, 9_900, 1_500);
        let fleet = plan("fleet", 10, 19_900, 1_200);
        let plans = [
            on(&team, at(4, 1, 0), Some(at(4, 11, 0))),
            on(&fleet, at(4, 11, 0), Some(at(4, 21, 0))),
            on(&team, at(4, 21, 0), None),
        ];

        let invoice = bill(&plans, &[], None);

        assert_eq!(
            summary(&invoice),
            [
                ("team", LineKind::Base, 20, 6_600),
                ("fleet", LineKind::Base, 10, 6_633)
            ]
        );
        assert_eq!(invoice.total.minor, 13_233);
    }

    #[test]
    fn the_invoice_so_far_stops_at_the_current_day() {
        let team = plan("team", 5, 9_900, 1_500);
        let plans = [on(&team, at(3, 1, 0), None)];

        let invoice = bill(&plans, &staff(7), Some(at(4, 10, 15)));

        assert_eq!(
            summary(&invoice),
            [
                ("team", LineKind::Base, 10, 3_300),
                ("team", LineKind::ExtraSeats, 20, 1_000)
            ]
        );
        assert_eq!(invoice.total.minor, 4_300);
        assert_eq!(invoice.coverage, Coverage::SoFar { days: 10 });
        assert_eq!(&invoice.daily_seats[9..11], &[7, 0]);
    }

    #[test]
    fn before_the_first_subscribed_day_the_invoice_so_far_is_empty() {
        let team = plan("team", 5, 9_900, 1_500);
        let plans = [on(&team, at(4, 15, 0), None)];

        let invoice = bill(&plans, &staff(7), Some(at(4, 10, 15)));

        assert!(invoice.lines.is_empty());
        assert_eq!(invoice.total, Money::new(0, eur()));
    }

    #[test]
    fn the_projection_carries_todays_seats_and_plan_to_the_end_of_the_period() {
        let team = plan("team", 5, 9_900, 1_500);
        let fleet = plan("fleet", 10, 19_900, 1_200);
        let plans = [
            on(&team, at(3, 1, 0), Some(at(4, 20, 0))),
            on(&fleet, at(4, 20, 0), None),
        ];
        let mut spans = staff(7);
        spans.push(seat(8, at(4, 5, 0), Some(at(4, 8, 18))));
        spans.extend((9..=10).map(|p| seat(p, at(4, 10, 9), None)));

        let projected = projection(at(4, 10, 15), &plans, &spans).unwrap_or_else(|e| panic!("{e}"));

        assert_eq!(
            summary(&projected),
            [
                ("team", LineKind::Base, 30, 9_900),
                ("team", LineKind::ExtraSeats, 106, 5_300)
            ]
        );
        assert_eq!(projected.total.minor, 15_200);
        assert_eq!(projected.coverage, Coverage::Projected { actual_days: 10 });
        assert_eq!(&projected.daily_seats[3..10], &[7, 8, 8, 8, 8, 7, 9]);
        assert_eq!(&projected.daily_seats[10..], &[9; 20]);
    }

    #[test]
    fn plans_in_two_currencies_cannot_share_an_invoice() {
        let team = plan("team", 5, 9_900, 1_500);
        let usd = Currency::parse("USD").unwrap_or_else(|e| panic!("{e}"));
        let dollars = Plan {
            currency: usd,
            ..plan("us", 5, 9_900, 1_500)
        };
        let plans = [
            on(&team, at(3, 1, 0), Some(at(4, 15, 0))),
            on(&dollars, at(4, 15, 0), None),
        ];

        let refused = invoice(&april(), &plans, &[], None);

        assert_eq!(
            refused,
            Err(BillingError::MixedCurrencies {
                period: april(),
                first: eur(),
                second: usd
            })
        );
    }

    #[test]
    fn a_period_with_no_plan_has_no_invoice() {
        let team = plan("team", 5, 9_900, 1_500);
        let plans = [
            on(&team, at(3, 1, 0), Some(at(4, 1, 0))),
            on(&team, at(5, 1, 0), None),
        ];

        assert_eq!(
            invoice(&april(), &plans, &[], None),
            Err(BillingError::NoPlan(april()))
        );
    }

    #[test]
    fn an_amount_past_64_bits_is_an_error_not_a_wrap() {
        let dear = plan("dear", 0, i64::MAX, i64::MAX);
        let plans = [on(&dear, at(3, 1, 0), None)];
        let spans: Vec<_> = (1..=40).map(|p| seat(p, at(3, 1, 0), None)).collect();

        assert_eq!(
            invoice(&april(), &plans, &spans, None),
            Err(BillingError::Overflow(april()))
        );
    }
}
