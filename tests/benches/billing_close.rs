//! Closing a month for 1,000 tenants: the one request a platform admin (or the hourly closer)
//! makes once a month is over, issuing every tenant's invoice.
//!
//! ```sh
//! cargo bench -p fleetwarden-tests --bench billing_close
//! FW_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo bench -p fleetwarden-tests --bench billing_close
//! ```
//!
//! 1,000 tenants made over the API, on two plans (half of them changing plan on the 15th),
//! each with 20 people holding 60 seat spans around the month (written straight to the
//! database: the bench measures closing, not arranging). Prints the wall time and this
//! process's CPU time (server and client share it) for the first close, which issues 1,000
//! invoices, and for a second, which finds them issued. Settings: FW_BENCH_TENANTS (default
//! 1000).
#![expect(
    clippy::unwrap_used,
    reason = "a benchmark: any failure should stop it"
)]
use std::time::Instant;

use chrono::{Datelike, TimeDelta, TimeZone, Utc};
use fleetwarden_tests::fleet::PASSWORD;
use fleetwarden_tests::measure::cpu_time;
use fleetwarden_tests::spawn_app;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PEOPLE: usize = 20;
const SPANS: usize = 60;

#[tokio::main]
async fn main() {
    let tenants: usize = std::env::var("FW_BENCH_TENANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let mut rng = StdRng::seed_from_u64(7);
    let app = spawn_app().await;
    app.create_user("ops@example.com", PASSWORD, true).await;
    let ops = app.token_session("ops@example.com", PASSWORD).await;
    let plan = |code: &str, included: u32, monthly: i64| {
        json!({"code": code, "name": code, "included_seats": included,
               "monthly_price_minor": monthly, "extra_seat_price_minor": 1_250,
               "currency": "EUR"})
    };
    let mut plans = Vec::new();
    for (code, included, monthly) in [("team", 5, 9_900), ("fleet", 15, 29_900)] {
        let made: Value = ops
            .post("/api/v1/plans", &plan(code, included, monthly))
            .await
            .json()
            .await
            .unwrap();
        plans.push(made["id"].as_str().unwrap().to_owned());
    }
    let now = app.clock_now();
    let (y, m) = if now.month() == 12 {
        (now.year() + 1, 1)
    } else {
        (now.year(), now.month() + 1)
    };
    let start = Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).unwrap();
    let period = start.format("%Y-%m").to_string();

    eprintln!("arranging {tenants} tenants…");
    let mut ids = Vec::new();
    for n in 0..tenants {
        let made: Value = ops
            .post("/api/v1/tenants", &json!({"name": format!("Customer {n}")}))
            .await
            .json()
            .await
            .unwrap();
        let id = made["id"].as_str().unwrap().to_owned();
        let set = ops
            .send(
                reqwest::Method::PUT,
                &format!("/api/v1/tenants/{id}/subscription"),
                Some(&json!({"plan_id": plans[0]})),
            )
            .await;
        assert_eq!(set.status(), 200);
        ids.push(id);
    }
    app.clock
        .advance(start + TimeDelta::days(14) + TimeDelta::hours(9) - app.clock_now());
    for id in ids.iter().step_by(2) {
        let set = ops
            .send(
                reqwest::Method::PUT,
                &format!("/api/v1/tenants/{id}/subscription"),
                Some(&json!({"plan_id": plans[1]})),
            )
            .await;
        assert_eq!(set.status(), 200);
    }
    let around = start - TimeDelta::days(20);
    for id in &ids {
        let tenant: Uuid = id.parse().unwrap();
        let people: Vec<Uuid> = (0..PEOPLE).map(|_| Uuid::now_v7()).collect();
        let spans = (0..SPANS).map(|_| {
            let from = around + TimeDelta::seconds(rng.random_range(0..60 * 86_400));
            let until = rng
                .random_bool(0.6)
                .then(|| from + TimeDelta::seconds(rng.random_range(1..30 * 86_400)));
            entity::seat_span::ActiveModel {
                id: Set(Uuid::now_v7()),
                tenant_id: Set(tenant),
                user_id: Set(people[rng.random_range(0..PEOPLE)]),
                source_kind: Set(entity::seat_span::GRANT.to_owned()),
                source_id: Set(Uuid::now_v7()),
                starts_at: Set(from),
                ends_at: Set(until),
            }
        });
        entity::seat_span::Entity::insert_many(spans)
            .exec(&app.db.conn)
            .await
            .unwrap();
    }
    let end = start + TimeDelta::days(40);
    app.clock.advance(end - app.clock_now());

    for round in ["first close (issues)", "second close (finds them)"] {
        let (wall, cpu) = (Instant::now(), cpu_time());
        let closed = ops
            .post(
                &format!("/api/v1/billing/periods/{period}/close"),
                &json!({}),
            )
            .await;
        assert_eq!(closed.status(), 200);
        let invoices: Value = closed.json().await.unwrap();
        let (wall, cpu) = (wall.elapsed(), cpu_time() - cpu);
        assert_eq!(invoices.as_array().unwrap().len(), tenants);
        println!(
            "{round}: {tenants} tenants in {:.2} s wall, {:.2} s CPU; {:.2} ms CPU per tenant",
            wall.as_secs_f64(),
            cpu.as_secs_f64(),
            cpu.as_secs_f64() * 1_000.0 / tenants as f64,
        );
    }
}
