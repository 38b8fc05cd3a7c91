//! The sweep and the invoice against a brute-force reference, written separately here: per
//! day, per span, per person, with integer rounding, over random tenants.
use std::collections::HashSet;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use super::*;

const TENANTS: u64 = 50;

struct Tenant {
    year: i32,
    plans: Vec<PlanSpan>,
    spans: Vec<SeatSpan>,
}

/// An instant between December of the year before and January of the year after, on a
/// midnight often enough to hit the day boundaries.
fn instant(rng: &mut StdRng, year: i32) -> DateTime<Utc> {
    let first = NaiveDate::from_ymd_opt(year - 1, 12, 1).unwrap_or_else(|| panic!("{year}"));
    let day = first + TimeDelta::days(rng.random_range(0..428));
    let seconds = if rng.random_bool(0.3) {
        0
    } else {
        rng.random_range(0..86_400)
    };
    day.and_hms_opt(0, 0, 0)
        .unwrap_or_else(|| panic!("{day}"))
        .and_utc()
        + TimeDelta::seconds(seconds)
}

fn later(rng: &mut StdRng, from: DateTime<Utc>, max_days: i64) -> DateTime<Utc> {
    if rng.random_bool(0.3) {
        from + TimeDelta::days(rng.random_range(0..max_days))
    } else {
        from + TimeDelta::seconds(rng.random_range(0..max_days * 86_400))
    }
}

fn tenant(rng: &mut StdRng) -> Tenant {
    let year = rng.random_range(2001..2099);
    let eur = Currency::parse("EUR").unwrap_or_else(|e| panic!("{e}"));
    let templates: Vec<Plan> = (0..3)
        .map(|i| Plan {
            code: format!("plan-{i}"),
            name: format!("Plan {i}"),
            included_seats: rng.random_range(0..6),
            monthly_price: rng.random_range(0..50_000),
            extra_seat_price: rng.random_range(0..3_000),
            currency: eur,
            max_seats: None,
        })
        .collect();

    let mut plans = Vec::new();
    let mut from = instant(rng, year) - TimeDelta::days(60);
    let horizon = instant(rng, year + 1);
    while from < horizon {
        let until = later(rng, from, 90) + TimeDelta::hours(1);
        let plan = templates[rng.random_range(0..templates.len())].clone();
        let open = until >= horizon && rng.random_bool(0.5);
        plans.push(PlanSpan {
            plan,
            from,
            until: (!open).then_some(until),
        });
        from = if rng.random_bool(0.2) {
            later(rng, until, 40)
        } else {
            until
        };
    }

    let people: Vec<Uuid> = (0..rng.random_range(1..25))
        .map(|_| Uuid::new_v4())
        .collect();
    let spans = (0..rng.random_range(0..80))
        .map(|_| {
            let from = instant(rng, year);
            let until = match rng.random_range(0..20) {
                0..3 => None,
                3 => Some(from - TimeDelta::seconds(rng.random_range(0..86_400))),
                _ => Some(later(rng, from, 60)),
            };
            SeatSpan {
                person: people[rng.random_range(0..people.len())],
                from,
                until,
            }
        })
        .collect();
    Tenant { year, plans, spans }
}

/// Each day of the month as `[start, end)`.
fn days_of(year: i32, month: u32) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut day = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_else(|| panic!("{year}"));
    let mut days = Vec::new();
    while day.month() == month {
        let start = day
            .and_hms_opt(0, 0, 0)
            .unwrap_or_else(|| panic!("{day}"))
            .and_utc();
        days.push((start, start + TimeDelta::days(1)));
        day += TimeDelta::days(1);
    }
    days
}

fn overlaps(
    from: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
) -> bool {
    let until = until.unwrap_or(DateTime::<Utc>::MAX_UTC);
    from < until && from < end && until > start
}

fn seats_on(spans: &[SeatSpan], day: (DateTime<Utc>, DateTime<Utc>)) -> u32 {
    let people: HashSet<Uuid> = spans
        .iter()
        .filter(|s| overlaps(s.from, s.until, day))
        .map(|s| s.person)
        .collect();
    people.len() as u32
}

/// The plans here never overlap, so the last one in force on a day is the last to start.
fn plan_on(plans: &[PlanSpan], day: (DateTime<Utc>, DateTime<Utc>)) -> Option<&Plan> {
    plans
        .iter()
        .filter(|p| overlaps(p.from, p.until, day))
        .max_by_key(|p| p.from)
        .map(|p| &p.plan)
}

fn half_even(numerator: i128, denominator: i128) -> i64 {
    let (quotient, remainder) = (numerator / denominator, numerator % denominator);
    let rounded = match (2 * remainder).cmp(&denominator) {
        std::cmp::Ordering::Less => quotient,
        std::cmp::Ordering::Greater => quotient + 1,
        std::cmp::Ordering::Equal => quotient + quotient % 2,
    };
    i64::try_from(rounded).unwrap_or_else(|_| panic!("{rounded}"))
}

/// The total for days billed with these plans and seats, all days of a `days`-day month.
fn total(billed: &[(Option<&Plan>, u32)], days: usize) -> i64 {
    let mut seen: Vec<&Plan> = Vec::new();
    for plan in billed.iter().filter_map(|(p, _)| *p) {
        if !seen.contains(&plan) {
            seen.push(plan);
        }
    }
    seen.iter()
        .map(|plan| {
            let on_plan = billed.iter().filter(|(p, _)| *p == Some(*plan));
            let plan_days = on_plan.clone().count() as i128;
            let extra: i128 = on_plan
                .map(|(_, seats)| i128::from(seats.saturating_sub(plan.included_seats)))
                .sum();
            half_even(plan_days * i128::from(plan.monthly_price), days as i128)
                + half_even(extra * i128::from(plan.extra_seat_price), days as i128)
        })
        .sum()
}

#[test]
fn daily_seats_and_invoices_agree_with_brute_force() {
    let mut rng = StdRng::seed_from_u64(0x5eed_b111);
    for t in 0..TENANTS {
        let tenant = tenant(&mut rng);
        for month in 1..=12 {
            let period = Period::new(tenant.year, month).unwrap_or_else(|| panic!("{month}"));
            let days = days_of(tenant.year, month);
            let seats: Vec<u32> = days.iter().map(|d| seats_on(&tenant.spans, *d)).collect();
            let plans: Vec<Option<&Plan>> =
                days.iter().map(|d| plan_on(&tenant.plans, *d)).collect();
            let at = format!("tenant {t}, {period}");

            assert_eq!(daily_seats(&tenant.spans, &period, None), seats, "{at}");

            let billed: Vec<_> = plans.iter().copied().zip(seats.iter().copied()).collect();
            let subscribed = tenant
                .plans
                .iter()
                .any(|p| overlaps(p.from, p.until, (days[0].0, days[days.len() - 1].1)));
            let invoice = invoice(&period, &tenant.plans, &tenant.spans, None);
            match invoice {
                Ok(invoice) => {
                    assert!(subscribed, "{at}");
                    assert_eq!(invoice.total.minor, total(&billed, days.len()), "{at}");
                    let line_sum: i64 = invoice.lines.iter().map(|l| l.amount.minor).sum();
                    assert_eq!(invoice.total.minor, line_sum, "{at}");
                }
                Err(e) => {
                    assert!(!subscribed, "{at}: {e}");
                    assert_eq!(e, BillingError::NoPlan(period), "{at}");
                }
            }

            // So far, up to a random instant of the month.
            let today = rng.random_range(0..days.len());
            let now = days[today].0 + TimeDelta::seconds(rng.random_range(0..86_400));
            let mut so_far = seats.clone();
            so_far[today + 1..].fill(0);
            assert_eq!(
                daily_seats(&tenant.spans, &period, Some(now)),
                so_far,
                "{at}, {now}"
            );
            if subscribed {
                let partial = super::invoice(&period, &tenant.plans, &tenant.spans, Some(now));
                let partial = partial.unwrap_or_else(|e| panic!("{at}: {e}"));
                let expected = total(&billed[..=today], days.len());
                assert_eq!(partial.total.minor, expected, "{at}, {now}");

                let mut ahead = billed.clone();
                let last = ahead[today];
                ahead[today + 1..].fill(last);
                let projected = projection(now, &tenant.plans, &tenant.spans);
                let projected = projected.unwrap_or_else(|e| panic!("{at}: {e}"));
                assert_eq!(
                    projected.total.minor,
                    total(&ahead, days.len()),
                    "{at}, {now}"
                );
            }
        }
    }
}
