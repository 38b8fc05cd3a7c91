//! Billing benchmark: a month's daily seats and invoice for one large tenant.
//!
//! ```sh
//! cargo bench -p fleetwarden-tests --bench billing
//! ```
//!
//! 10k people holding 100k spans (memberships and grants, overlapping per person, a third
//! still open) across April 2027 and the weeks around it, on two plans with a change on the
//! 15th; prints the median and slowest of 20 runs of `daily_seats` and of `invoice`.
#![expect(
    clippy::unwrap_used,
    reason = "a benchmark: any failure should stop it"
)]
use std::time::{Duration, Instant};

use chrono::{TimeDelta, TimeZone, Utc};
use fleetwarden_server::domain::billing::{
    Currency, Period, Plan, PlanSpan, SeatSpan, daily_seats, invoice,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

const PEOPLE: usize = 10_000;
const SPANS: usize = 100_000;
const RUNS: usize = 20;

fn main() {
    let mut rng = StdRng::seed_from_u64(1);
    let period = Period::new(2027, 4).unwrap();
    let around = period.start() - TimeDelta::days(30);
    let people: Vec<Uuid> = (0..PEOPLE).map(|_| Uuid::new_v4()).collect();
    let spans: Vec<SeatSpan> = (0..SPANS)
        .map(|_| {
            let from = around + TimeDelta::seconds(rng.random_range(0..90 * 86_400));
            let until = rng
                .random_bool(2.0 / 3.0)
                .then(|| from + TimeDelta::seconds(rng.random_range(1..40 * 86_400)));
            let person = people[rng.random_range(0..PEOPLE)];
            SeatSpan {
                person,
                from,
                until,
            }
        })
        .collect();
    let plan = |code: &str, included_seats, monthly_price| Plan {
        code: code.into(),
        name: code.into(),
        included_seats,
        monthly_price,
        extra_seat_price: 1_200,
        currency: Currency::parse("EUR").unwrap(),
        max_seats: None,
    };
    let change = Utc.with_ymd_and_hms(2027, 4, 15, 10, 0, 0).unwrap();
    let plans = [
        PlanSpan {
            plan: plan("team", 1_000, 99_000),
            from: around,
            until: Some(change),
        },
        PlanSpan {
            plan: plan("fleet", 5_000, 199_000),
            from: change,
            until: None,
        },
    ];

    report("daily_seats", || daily_seats(&spans, &period, None).len());
    report("invoice", || {
        invoice(&period, &plans, &spans, None).unwrap().lines.len()
    });
}

fn report(name: &str, mut run: impl FnMut() -> usize) {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(run());
            started.elapsed()
        })
        .collect();
    times.sort_unstable();
    println!(
        "{name}: {PEOPLE} people, {SPANS} spans: median {:?}, slowest {:?}",
        times[RUNS / 2],
        times[RUNS - 1]
    );
}
