//! Seats and billing over the API with the injected clock: seats counted once per person and
//! day across client companies, a removal counted through its day, a plan change on the 15th,
//! the bill so far and the invoice issued once when the month closes (by two instances at
//! once), and the seat limit refusing a newcomer but never a removal.
#![expect(clippy::unwrap_used, reason = "tests")]
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use fleetwarden_tests::fleet::{Fleet, PASSWORD};
use fleetwarden_tests::{Session, TestApp, spawn_fleet};
use reqwest::Method;
use serde_json::{Value, json};

pub(crate) async fn body(response: reqwest::Response) -> Value {
    response.json().await.unwrap_or(Value::Null)
}

/// `num / den` rounded half to even: the rule the invoice states for each line.
pub(crate) fn half_even(num: i64, den: i64) -> i64 {
    let (q, r) = (num / den, num % den);
    match (2 * r).cmp(&den) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + (q % 2),
    }
}

/// The first instant of the month after `at`'s.
pub(crate) fn next_month(at: DateTime<Utc>) -> DateTime<Utc> {
    let (y, m) = if at.month() == 12 {
        (at.year() + 1, 1)
    } else {
        (at.year(), at.month() + 1)
    };
    Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).unwrap()
}

pub(crate) fn days_in(month_start: DateTime<Utc>) -> i64 {
    (next_month(month_start) - month_start).num_days()
}

/// Moves the server's clock to `to`.
pub(crate) fn travel(app: &TestApp, to: DateTime<Utc>) {
    app.clock.advance(to - app.clock_now());
}

pub(crate) async fn plan(
    ops: &Session,
    code: &str,
    included: u32,
    monthly: i64,
    extra: i64,
    max: Option<u32>,
) -> Value {
    let made = ops
        .post(
            "/api/v1/plans",
            &json!({"code": code, "name": code, "included_seats": included,
                    "monthly_price_minor": monthly, "extra_seat_price_minor": extra,
                    "currency": "USD", "max_seats": max}),
        )
        .await;
    assert_eq!(made.status(), 201);
    body(made).await
}

/// Moves CustomerCoA onto `plan`.
pub(crate) async fn subscribe(ops: &Session, fleet: &Fleet, plan: &Value) {
    let set = ops
        .send(
            Method::PUT,
            &format!("/api/v1/tenants/{}/subscription", fleet.coa),
            Some(&json!({"plan_id": plan["id"]})),
        )
        .await;
    assert_eq!(set.status(), 200, "{}", set.text().await.unwrap());
}

/// Invites `email` into `org` as the tenant admin; the emailed link's token.
pub(crate) async fn invite(app: &TestApp, admin: &Session, org: uuid::Uuid, email: &str) -> String {
    let invited = admin
        .post(
            &format!("/api/v1/organizations/{org}/invitations"),
            &json!({"email": email, "role": "member"}),
        )
        .await;
    assert_eq!(invited.status(), 201);
    let link = app.mail.next_message().await.link("/invite").unwrap();
    link.split("token=").nth(1).unwrap().to_owned()
}

/// Seats per day of the month `period` (`YYYY-MM`) as the tenant admin reads them, and the
/// whole answer.
async fn month(admin: &Session, fleet: &Fleet, period: &str) -> (Vec<u64>, Value) {
    let bill = body(
        admin
            .get(&format!(
                "/api/v1/tenants/{}/billing?period={period}",
                fleet.coa
            ))
            .await,
    )
    .await;
    let daily = bill["daily"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["seats"].as_u64().unwrap())
        .collect();
    (daily, bill)
}

/// Invites `email` into `org` as the tenant admin and accepts the emailed link.
async fn join(app: &TestApp, admin: &Session, org: uuid::Uuid, email: &str) -> reqwest::Response {
    let token = invite(app, admin, org, email).await;
    app.post_json(
        "/api/v1/invitations/accept",
        &json!({"token": token, "password": PASSWORD}),
    )
    .await
}

#[tokio::test]
async fn a_month_bills_each_person_once_a_day_through_their_removal_and_each_day_on_its_plan() {
    // Arrange: the fleet's five people on a plan including three; the month starts.
    let (app, fleet) = spawn_fleet().await;
    app.create_user("ops@example.com", PASSWORD, true).await;
    let ops = app.sign_in("ops@example.com", PASSWORD).await;
    let team = plan(&ops, "team", 3, 10_000, 3_000, None).await;
    let fleet_plan = plan(&ops, "fleet", 10, 20_000, 0, None).await;
    subscribe(&ops, &fleet, &team).await;
    let start = next_month(app.clock_now());
    let days = days_in(start);
    let period = start.format("%Y-%m").to_string();

    // Act: on the 2nd ClientX's xstaff also joins ClientY (still one person); on the 10th
    // ystaff is removed; on the 15th the tenant moves to the bigger plan.
    travel(&app, start + Duration::days(1) + Duration::hours(9));
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let joined = join(&app, &admin, fleet.client_y, "xstaff@clientx.example").await;
    assert_eq!(joined.status(), 200);
    travel(&app, start + Duration::days(9) + Duration::hours(16));
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let removed = admin
        .delete(&format!(
            "/api/v1/tenants/{}/users/{}",
            fleet.coa, fleet.ystaff
        ))
        .await;
    assert_eq!(removed.status(), 204);
    travel(&app, start + Duration::days(14) + Duration::hours(12));
    let (ops, admin) = (
        app.sign_in("ops@example.com", PASSWORD).await,
        app.sign_in("admin@coa.example", PASSWORD).await,
    );
    subscribe(&ops, &fleet, &fleet_plan).await;
    let so_far = body(
        admin
            .get(&format!("/api/v1/tenants/{}/billing", fleet.coa))
            .await,
    )
    .await;
    travel(&app, next_month(start) + Duration::hours(1));
    let (ops, admin) = (
        app.sign_in("ops@example.com", PASSWORD).await,
        app.sign_in("admin@coa.example", PASSWORD).await,
    );
    let closed = body(
        ops.post(
            &format!("/api/v1/billing/periods/{period}/close"),
            &json!({}),
        )
        .await,
    )
    .await;
    let again = body(
        ops.post(
            &format!("/api/v1/billing/periods/{period}/close"),
            &json!({}),
        )
        .await,
    )
    .await;
    let (daily, month) = month(&admin, &fleet, &period).await;

    // Assert: 5 people through the 10th, 4 after.
    let expected: Vec<u64> = (1..=days).map(|d| if d <= 10 { 5 } else { 4 }).collect();
    assert_eq!(daily, expected);
    assert_eq!(
        month["daily"][0]["date"],
        json!(NaiveDate::from_ymd_opt(start.year(), start.month(), 1).unwrap())
    );
    // Days 1–14 on team (2 extra seats a day through the 10th, 1 after), 15– on fleet.
    let lines = month["bill"]["lines"].as_array().unwrap();
    let line = |code: &str, kind: &str| -> (u64, i64) {
        let l = lines
            .iter()
            .find(|l| l["plan_code"] == code && l["kind"] == kind)
            .unwrap();
        (
            l["quantity"].as_u64().unwrap(),
            l["amount_minor"].as_i64().unwrap(),
        )
    };
    assert_eq!(line("team", "base"), (14, half_even(14 * 10_000, days)));
    assert_eq!(
        line("team", "extra_seats"),
        (24, half_even(24 * 3_000, days))
    );
    let rest = u64::try_from(days - 14).unwrap();
    assert_eq!(
        line("fleet", "base"),
        (rest, half_even((days - 14) * 20_000, days))
    );
    assert_eq!(lines.len(), 3, "no extra seats on the bigger plan");
    let total = half_even(14 * 10_000, days)
        + half_even(24 * 3_000, days)
        + half_even((days - 14) * 20_000, days);
    assert_eq!(month["bill"]["total_minor"], total);
    assert_eq!(month["invoice"]["total_minor"], total);
    assert_eq!(
        closed[0]["id"], again[0]["id"],
        "closing again issues nothing new"
    );
    assert_eq!(closed.as_array().unwrap().len(), 1);
    // Halfway through, the bill so far covered the first 15 days and projected the rest.
    assert_eq!(so_far["bill"]["days_counted"], 15);
    assert!(
        so_far["projected"]["total_minor"].as_i64().unwrap()
            > so_far["bill"]["total_minor"].as_i64().unwrap()
    );
    assert_eq!(so_far["seats_now"], 4);
    // The same as files for the maker's accounting.
    let seats_csv = admin
        .get(&format!(
            "/api/v1/tenants/{}/billing/export?period={period}",
            fleet.coa
        ))
        .await
        .text()
        .await
        .unwrap();
    let csv_lines: Vec<&str> = seats_csv.lines().collect();
    assert_eq!(csv_lines[0], "date,seats");
    assert_eq!(csv_lines.len(), usize::try_from(days).unwrap() + 1);
    assert!(csv_lines[10].ends_with(",5") && csv_lines[11].ends_with(",4"));
    let invoices_csv = admin
        .get(&format!("/api/v1/tenants/{}/invoices/export", fleet.coa))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(invoices_csv.lines().count(), 4, "a header and three lines");
    assert!(invoices_csv.contains(month["invoice"]["number"].as_str().unwrap()));
}

#[tokio::test]
async fn a_seat_limit_refuses_a_newcomer_with_409_and_never_a_removal() {
    // Arrange: a plan for at most five people; the fleet seats five.
    let (app, fleet) = spawn_fleet().await;
    app.create_user("ops@example.com", PASSWORD, true).await;
    let ops = app.sign_in("ops@example.com", PASSWORD).await;
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let small = plan(&ops, "small", 3, 5_000, 1_000, Some(5)).await;
    subscribe(&ops, &fleet, &small).await;

    // Act
    let refused = join(&app, &admin, fleet.client_x, "sixth@clientx.example").await;
    let refused_status = refused.status();
    let refused_body = body(refused).await;
    let audited = body(
        admin
            .get(&format!(
                "/api/v1/tenants/{}/audit?refused=true&per_page=200",
                fleet.coa
            ))
            .await,
    )
    .await;
    let removed = admin
        .delete(&format!(
            "/api/v1/tenants/{}/users/{}",
            fleet.coa, fleet.ystaff
        ))
        .await;
    let billing = body(
        admin
            .get(&format!("/api/v1/tenants/{}/billing", fleet.coa))
            .await,
    )
    .await;

    // Assert
    assert_eq!(refused_status, 409);
    assert_eq!(
        refused_body["message"],
        "your plan includes at most 5 people; a platform administrator can change the plan"
    );
    // The refusal is in the tenant's audit log, saying whom the limit turned away.
    let limited: Vec<(&str, &str)> = audited["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["after"]["reason"] == "seat_limit")
        .map(|r| {
            (
                r["after"]["attempted"].as_str().unwrap(),
                r["actor_email"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        limited,
        [("invitation.accept", "sixth@clientx.example")],
        "{audited}"
    );
    assert_eq!(removed.status(), 204, "billing never blocks a removal");
    assert_eq!(billing["seats_now"], 4);
    assert!(billing["warning"].as_str().unwrap().contains("includes 3"));
}

#[tokio::test]
async fn two_instances_closing_the_same_month_issue_one_invoice_and_only_admins_see_the_bill() {
    // Arrange
    let (app, fleet) = spawn_fleet().await;
    let sibling = app.spawn_sibling().await;
    app.create_user("ops@example.com", PASSWORD, true).await;
    let ops = app.sign_in("ops@example.com", PASSWORD).await;
    let team = plan(&ops, "team", 3, 10_000, 3_000, None).await;
    subscribe(&ops, &fleet, &team).await;
    let period = app.clock_now().format("%Y-%m").to_string();
    travel(&app, next_month(app.clock_now()) + Duration::hours(1));
    let ops = app.sign_in("ops@example.com", PASSWORD).await;
    let ops_there = sibling.sign_in("ops@example.com", PASSWORD).await;

    // Act
    let path = format!("/api/v1/billing/periods/{period}/close");
    let nothing = json!({});
    let (here, there) = tokio::join!(ops.post(&path, &nothing), ops_there.post(&path, &nothing));
    assert_eq!(
        (here.status().as_u16(), there.status().as_u16()),
        (200, 200)
    );
    let (here, there) = (body(here).await, body(there).await);
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let invoices = body(
        admin
            .get(&format!("/api/v1/tenants/{}/invoices", fleet.coa))
            .await,
    )
    .await;
    let xstaff = app.sign_in("xstaff@clientx.example", PASSWORD).await;
    let outsider = app.sign_in("admin@other.example", PASSWORD).await;

    // Assert
    assert_eq!(here[0]["id"], there[0]["id"]);
    assert_eq!(invoices.as_array().unwrap().len(), 1);
    assert_eq!(invoices[0]["period"], period);
    assert!(
        invoices[0]["number"]
            .as_str()
            .unwrap()
            .starts_with(&format!("FW-{period}-"))
    );
    let bill = format!("/api/v1/tenants/{}/billing", fleet.coa);
    assert_eq!(xstaff.get(&bill).await.status(), 403);
    assert_eq!(outsider.get(&bill).await.status(), 404);
    assert_eq!(
        admin.get(&format!("{bill}?period=2999-01")).await.status(),
        422
    );
    assert_eq!(
        admin.get(&format!("{bill}?period=soon")).await.status(),
        422
    );
}

#[tokio::test]
async fn two_acceptances_at_once_can_not_both_take_the_last_seat() {
    // Arrange: room for one more person than the fleet's five; two invitations out.
    let (app, fleet) = spawn_fleet().await;
    app.create_user("ops@example.com", PASSWORD, true).await;
    let ops = app.sign_in("ops@example.com", PASSWORD).await;
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let six = plan(&ops, "six", 3, 5_000, 1_000, Some(6)).await;
    subscribe(&ops, &fleet, &six).await;
    let mut tokens = Vec::new();
    for email in ["ann@clientx.example", "bob@clientx.example"] {
        tokens.push(invite(&app, &admin, fleet.client_x, email).await);
    }

    // Act
    let bodies: Vec<Value> = tokens
        .iter()
        .map(|token| json!({"token": token, "password": PASSWORD}))
        .collect();
    let path = "/api/v1/invitations/accept";
    let (first, second) = tokio::join!(
        app.post_json(path, &bodies[0]),
        app.post_json(path, &bodies[1])
    );

    // Assert
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    let billing = body(
        admin
            .get(&format!("/api/v1/tenants/{}/billing", fleet.coa))
            .await,
    )
    .await;
    assert_eq!(billing["seats_now"], 6);
}

/// When each person held a seat, as the test itself did it: (person, from, until).
type Held = Vec<(String, DateTime<Utc>, Option<DateTime<Utc>>)>;

/// Seats on each day of the month starting `start`, counted naively from `held`.
fn reference_days(held: &Held, start: DateTime<Utc>) -> Vec<u64> {
    (0..days_in(start))
        .map(|d| {
            let (day, next) = (start + Duration::days(d), start + Duration::days(d + 1));
            let mut people: Vec<&str> = held
                .iter()
                .filter(|(_, from, until)| *from < next && until.is_none_or(|u| u > day))
                .map(|(who, _, _)| who.as_str())
                .collect();
            people.sort_unstable();
            people.dedup();
            people.len() as u64
        })
        .collect()
}

#[tokio::test]
async fn seats_per_day_agree_with_a_naive_count_over_three_months_of_random_joins_and_removals() {
    use rand::{Rng, SeedableRng};
    // Arrange
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5ea7);
    let (app, fleet) = spawn_fleet().await;
    app.create_user("ops@example.com", PASSWORD, true).await;
    let ops = app.sign_in("ops@example.com", PASSWORD).await;
    let team = plan(&ops, "team", 3, 10_000, 3_000, None).await;
    subscribe(&ops, &fleet, &team).await;
    // February of a common year, then March and April: months of 28, 31 and 30 days.
    let mut year = app.clock_now().year() + 1;
    while NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
        year += 1;
    }
    let first = Utc.with_ymd_and_hms(year, 2, 1, 0, 0, 0).unwrap();
    travel(&app, first);
    let mut held: Held = ["admin", "tech", "mgr", "xstaff", "ystaff"]
        .iter()
        .map(|who| ((*who).to_owned(), first - Duration::days(1), None))
        .collect();
    let pool = ["ann", "bob", "cy", "dee", "eve", "fay"];
    let mut ids: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let orgs = [fleet.coa, fleet.client_x, fleet.client_y];

    // Act: three months of people joining, leaving and coming back at random moments.
    let end = next_month(next_month(next_month(first)));
    loop {
        let step =
            Duration::hours(rng.random_range(1..72)) + Duration::minutes(rng.random_range(0..60));
        if app.clock_now() + step >= end {
            break;
        }
        travel(&app, app.clock_now() + step);
        let admin = app.sign_in("admin@coa.example", PASSWORD).await;
        let who = pool[rng.random_range(0..pool.len())];
        let seated = held.iter().any(|(p, _, until)| p == who && until.is_none());
        if seated {
            let user = &ids[who];
            let removed = admin
                .delete(&format!("/api/v1/tenants/{}/users/{user}", fleet.coa))
                .await;
            assert_eq!(removed.status(), 204);
            let now = app.clock_now();
            for span in held
                .iter_mut()
                .filter(|(p, _, until)| p == who && until.is_none())
            {
                span.2 = Some(now);
            }
        } else {
            let org = orgs[rng.random_range(0..orgs.len())];
            let email = format!("{who}@example.com");
            let accepted = join(&app, &admin, org, &email).await;
            assert_eq!(accepted.status(), 200);
            held.push((who.to_owned(), app.clock_now(), None));
            if !ids.contains_key(who) {
                let people = body(
                    admin
                        .get(&format!("/api/v1/tenants/{}/users", fleet.coa))
                        .await,
                )
                .await;
                let id = people
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| p["email"] == email.as_str())
                    .map(|p| p["id"].as_str().unwrap().to_owned())
                    .unwrap();
                ids.insert(who.to_owned(), id);
            }
        }
    }

    // Assert: every day of the three months, now all past, the server's count is the naive one.
    travel(&app, end + Duration::hours(1));
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let mut month = first;
    while month < end {
        let period = month.format("%Y-%m").to_string();
        let (daily, _) = self::month(&admin, &fleet, &period).await;
        assert_eq!(daily, reference_days(&held, month), "{period}");
        month = next_month(month);
    }
    assert!(
        held.len() > 12,
        "enough happened: {} seat spans",
        held.len()
    );
}
