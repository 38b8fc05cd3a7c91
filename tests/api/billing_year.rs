//! A (leap) year of random memberships, grants to members (expiring, changed, revoked: never a
//! second seat) and plan changes in 50 tenants, driven over the API with the injected clock; every month's issued invoice and daily
//! seats are compared with a naive per-day computation written here, sharing no code with the
//! server's.
#![expect(clippy::unwrap_used, reason = "tests")]
use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use fleetwarden_tests::fleet::PASSWORD;
use fleetwarden_tests::{Session, TestApp, spawn_app};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::json;

use super::billing::{body, days_in, half_even, invite, next_month, plan, travel};

const TENANTS: usize = 50;
const PEOPLE: usize = 12;

/// (code, included seats, monthly price, price per extra seat per month), minor units.
const PLANS: [(&str, i64, i64, i64); 3] = [
    ("small", 1, 4_900, 1_250),
    ("mid", 3, 9_901, 990),
    ("big", 6, 19_900, 333),
];

/// One tenant as the test drove it.
struct Tenant {
    id: String,
    /// A built-in role to grant.
    role: String,
    /// Subscription changes: (when, index into `PLANS`).
    plans: Vec<(DateTime<Utc>, usize)>,
    /// When each person held a seat: (person, from, until).
    held: Vec<(usize, DateTime<Utc>, Option<DateTime<Utc>>)>,
    /// Person → their membership's index in `held`, while a member.
    members: HashMap<usize, usize>,
    /// Grants not revoked: (grant id, person, index in `held`).
    grants: Vec<(String, usize, usize)>,
}

impl Tenant {
    fn active(&self, held: usize, now: DateTime<Utc>) -> bool {
        self.held[held].2.is_none_or(|until| until > now)
    }
}

/// Distinct people holding a seat at any moment of `[day, day + 1)`.
fn seats_on(tenant: &Tenant, day: DateTime<Utc>) -> i64 {
    let next = day + Duration::days(1);
    let mut people: Vec<usize> = tenant
        .held
        .iter()
        .filter(|(_, from, until)| *from < next && until.is_none_or(|u| u > day))
        .map(|(who, _, _)| *who)
        .collect();
    people.sort_unstable();
    people.dedup();
    people.len() as i64
}

/// The plan in force at the end of `day`.
fn plan_on(tenant: &Tenant, day: DateTime<Utc>) -> usize {
    let next = day + Duration::days(1);
    tenant
        .plans
        .iter()
        .rev()
        .find(|(at, _)| *at < next)
        .map(|(_, plan)| *plan)
        .unwrap()
}

/// The month's invoice lines as (plan code, kind, quantity, amount) and its total, per day.
fn reference_invoice(
    tenant: &Tenant,
    month: DateTime<Utc>,
) -> (Vec<(String, String, i64, i64)>, i64) {
    let days = days_in(month);
    // Per plan in the order first used: days on it and seat-days beyond its included seats.
    let mut used: Vec<(usize, i64, i64)> = Vec::new();
    for d in 0..days {
        let day = month + Duration::days(d);
        let plan = plan_on(tenant, day);
        let extra = (seats_on(tenant, day) - PLANS[plan].1).max(0);
        match used.iter_mut().find(|(p, _, _)| *p == plan) {
            Some(entry) => {
                entry.1 += 1;
                entry.2 += extra;
            }
            None => used.push((plan, 1, extra)),
        }
    }
    let mut lines = Vec::new();
    for (plan, on, extra) in used {
        let (code, _, monthly, per_seat) = PLANS[plan];
        lines.push((
            code.to_owned(),
            "base".to_owned(),
            on,
            half_even(on * monthly, days),
        ));
        if extra > 0 {
            lines.push((
                code.to_owned(),
                "extra_seats".to_owned(),
                extra,
                half_even(extra * per_seat, days),
            ));
        }
    }
    let total = lines.iter().map(|l| l.3).sum();
    (lines, total)
}

async fn subscribe(ops: &Session, tenant: &str, plan: &str) {
    let set = ops
        .send(
            Method::PUT,
            &format!("/api/v1/tenants/{tenant}/subscription"),
            Some(&json!({ "plan_id": plan })),
        )
        .await;
    assert_eq!(set.status(), 200, "{}", set.text().await.unwrap());
}

/// One random change in a random tenant, made over the API and recorded in `tenants`.
async fn change(
    app: &TestApp,
    ops: &Session,
    rng: &mut StdRng,
    tenants: &mut [Tenant],
    people: &[(String, String)],
    plan_ids: &[String],
) {
    let now = app.clock_now();
    let t = &mut tenants[rng.random_range(0..TENANTS)];
    let person = rng.random_range(0..PEOPLE);
    // Grants go to people in the tenant: a grant's subject must belong to it.
    let mut members: Vec<usize> = t.members.keys().copied().collect();
    members.sort_unstable();
    let live: Vec<usize> = (0..t.grants.len())
        .filter(|&g| t.active(t.grants[g].2, now))
        .collect();
    match rng.random_range(0..100) {
        0..35 if !members.is_empty() => {
            let person = members[rng.random_range(0..members.len())];
            let expires = rng
                .random_bool(0.5)
                .then(|| now + Duration::minutes(rng.random_range(60..45 * 24 * 60)));
            let made = ops
                .post(
                    &format!("/api/v1/tenants/{}/grants", t.id),
                    &json!({"subject": {"kind": "user", "id": people[person].1},
                            "scope": {"kind": "tenant", "id": t.id},
                            "role_id": t.role, "expires_at": expires}),
                )
                .await;
            let created = made.status() == 201;
            assert!(created || made.status() == 200, "{}", made.status());
            let id = body(made).await["id"].as_str().unwrap().to_owned();
            if created {
                t.held.push((person, now, expires));
                t.grants.push((id, person, t.held.len() - 1));
            } else {
                // The same grant again only ever lengthens the one there (reviving it if it
                // had run out).
                let g = t.grants.iter().position(|g| g.0 == id).unwrap();
                let current = t.held[t.grants[g].2].2;
                if let Some(until) = current.filter(|u| expires.is_none_or(|e| e > *u)) {
                    if until > now {
                        t.held[t.grants[g].2].2 = expires;
                    } else {
                        t.held.push((person, now, expires));
                        t.grants[g].2 = t.held.len() - 1;
                    }
                }
            }
        }
        35..50 if !live.is_empty() => {
            let g = live[rng.random_range(0..live.len())];
            let (id, _, held) = t.grants.remove(g);
            let revoked = ops
                .delete(&format!("/api/v1/tenants/{}/grants/{id}", t.id))
                .await;
            assert_eq!(revoked.status(), 204);
            t.held[held].2 = Some(now);
        }
        50..60 if !live.is_empty() => {
            let (id, _, held) = t.grants[live[rng.random_range(0..live.len())]].clone();
            let expires = rng
                .random_bool(0.7)
                .then(|| now + Duration::minutes(rng.random_range(60..60 * 24 * 60)));
            let changed = ops
                .send(
                    Method::PATCH,
                    &format!("/api/v1/tenants/{}/grants/{id}", t.id),
                    Some(&json!({ "expires_at": expires })),
                )
                .await;
            assert_eq!(changed.status(), 200, "{}", changed.text().await.unwrap());
            t.held[held].2 = expires;
        }
        60..80 if !t.members.contains_key(&person) => {
            let token = invite(app, ops, t.id.parse().unwrap(), &people[person].0).await;
            let accepted = app
                .post_json("/api/v1/invitations/accept", &json!({ "token": token }))
                .await;
            assert_eq!(accepted.status(), 200, "{}", accepted.text().await.unwrap());
            t.held.push((person, now, None));
            t.members.insert(person, t.held.len() - 1);
        }
        80..90 if !members.is_empty() => {
            let who = members[rng.random_range(0..members.len())];
            let removed = ops
                .delete(&format!("/api/v1/tenants/{}/users/{}", t.id, people[who].1))
                .await;
            assert_eq!(removed.status(), 204);
            // Removal ends their membership and their grants in the tenant.
            let membership = t.members.remove(&who).unwrap();
            t.held[membership].2 = Some(now);
            let (theirs, others): (Vec<_>, Vec<_>) =
                t.grants.drain(..).partition(|(_, p, _)| *p == who);
            t.grants = others;
            for (_, _, held) in theirs {
                if t.active(held, now) {
                    t.held[held].2 = Some(now);
                }
            }
        }
        90.. => {
            let current = t.plans.last().unwrap().1;
            let next = (current + rng.random_range(1..PLANS.len())) % PLANS.len();
            subscribe(ops, &t.id, &plan_ids[next]).await;
            t.plans.push((now, next));
        }
        _ => {}
    }
}

#[tokio::test]
async fn a_year_of_random_changes_in_fifty_tenants_bills_what_a_naive_daily_count_bills() {
    // Arrange: three plans, 50 tenants on random ones, twelve people who can join any of them.
    let mut rng = StdRng::seed_from_u64(0x0b11);
    let app = spawn_app().await;
    app.create_user("ops@example.com", PASSWORD, true).await;
    let ops = app.token_session("ops@example.com", PASSWORD).await;
    let mut plan_ids = Vec::new();
    for (code, included, monthly, extra) in PLANS {
        let made = plan(&ops, code, included as u32, monthly, extra, None).await;
        plan_ids.push(made["id"].as_str().unwrap().to_owned());
    }
    let mut people = Vec::new();
    for p in 0..PEOPLE {
        let email = format!("person{p}@example.com");
        let id = app.create_user(&email, PASSWORD, false).await;
        people.push((email, id.to_string()));
    }
    let mut tenants = Vec::new();
    for n in 0..TENANTS {
        let made = ops
            .post("/api/v1/tenants", &json!({"name": format!("Customer {n}")}))
            .await;
        assert_eq!(made.status(), 201);
        let id = body(made).await["id"].as_str().unwrap().to_owned();
        let roles = body(ops.get(&format!("/api/v1/tenants/{id}/roles")).await).await;
        let role = roles
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "viewer")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let first = rng.random_range(0..PLANS.len());
        subscribe(&ops, &id, &plan_ids[first]).await;
        tenants.push(Tenant {
            id,
            role,
            plans: vec![(app.clock_now(), first)],
            held: Vec::new(),
            members: HashMap::new(),
            grants: Vec::new(),
        });
    }
    // The next leap year, so the year holds months of 29, 30 and 31 days.
    let mut year = app.clock_now().year() + 1;
    while NaiveDate::from_ymd_opt(year, 2, 29).is_none() {
        year += 1;
    }
    let first = Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).unwrap();
    travel(&app, first + Duration::minutes(rng.random_range(0..600)));

    // Act: a change every few hours for a year.
    let mut end = first;
    for _ in 0..12 {
        end = next_month(end);
    }
    let mut changes = 0;
    loop {
        let step = Duration::minutes(rng.random_range(60..16 * 60));
        if app.clock_now() + step >= end {
            break;
        }
        travel(&app, app.clock_now() + step);
        change(&app, &ops, &mut rng, &mut tenants, &people, &plan_ids).await;
        changes += 1;
    }
    travel(&app, end + Duration::hours(2));

    // Assert: each month's invoice of each tenant, line by line, and its seats day by day.
    let mut month = first;
    let mut billed_extra = 0;
    while month < end {
        let period = month.format("%Y-%m").to_string();
        let closed = ops
            .post(
                &format!("/api/v1/billing/periods/{period}/close"),
                &json!({}),
            )
            .await;
        assert_eq!(closed.status(), 200);
        let invoices = body(closed).await;
        assert_eq!(invoices.as_array().unwrap().len(), TENANTS, "{period}");
        for tenant in &tenants {
            let invoice = invoices
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["tenant_id"] == tenant.id.as_str())
                .unwrap();
            let lines: Vec<(String, String, i64, i64)> = invoice["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    (
                        l["plan_code"].as_str().unwrap().to_owned(),
                        l["kind"].as_str().unwrap().to_owned(),
                        l["quantity"].as_i64().unwrap(),
                        l["amount_minor"].as_i64().unwrap(),
                    )
                })
                .collect();
            let (expected, total) = reference_invoice(tenant, month);
            assert_eq!(lines, expected, "{} in {period}", tenant.id);
            assert_eq!(invoice["total_minor"], total, "{} in {period}", tenant.id);
            billed_extra += expected.iter().filter(|l| l.1 == "extra_seats").count();
        }
        for tenant in tenants.iter().step_by(7) {
            let bill = body(
                ops.get(&format!(
                    "/api/v1/tenants/{}/billing?period={period}",
                    tenant.id
                ))
                .await,
            )
            .await;
            let daily: Vec<i64> = bill["daily"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["seats"].as_i64().unwrap())
                .collect();
            let expected: Vec<i64> = (0..days_in(month))
                .map(|d| seats_on(tenant, month + Duration::days(d)))
                .collect();
            assert_eq!(daily, expected, "{} in {period}", tenant.id);
        }
        month = next_month(month);
    }
    // The year exercised what it is meant to: many changes, many months with extra seats.
    assert!(changes > 500, "{changes} changes");
    assert!(billed_extra > 100, "{billed_extra} extra-seat lines");
}
