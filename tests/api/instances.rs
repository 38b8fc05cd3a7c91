//! Several server instances on one database: each applies the others' changes from the change
//! log, so a revoke on one is refused on every other, and every index ends equal to the one
//! the tables give.
#![expect(clippy::unwrap_used, reason = "tests")]
use std::time::{Duration, Instant};

use fleetwarden_tests::fleet::PASSWORD;
use fleetwarden_tests::{Session, TestApp, spawn_fleet};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

const OPERATOR: &str = "00000000-0000-7000-8000-000000000002";
const VIEWER: &str = "00000000-0000-7000-8000-000000000001";

async fn grant_device(
    admin: &Session,
    tenant: Uuid,
    user: Uuid,
    device: &str,
    role: &str,
) -> Value {
    let response = admin
        .post(
            &format!("/api/v1/tenants/{tenant}/grants"),
            &json!({
                "subject": {"kind": "user", "id": user},
                "scope": {"kind": "device", "id": device},
                "role_id": role,
            }),
        )
        .await;
    assert!(
        response.status() == 201 || response.status() == 200,
        "grant: {}",
        response.status()
    );
    response.json().await.unwrap()
}

fn skipped_on_sqlite(app: &TestApp) -> bool {
    if app.on_postgres() {
        return false;
    }
    eprintln!(
        "skipped on SQLite: instances wake each other through PostgreSQL's LISTEN/NOTIFY; run \
         with FW_TEST_DATABASE_URL to include this test"
    );
    true
}

#[tokio::test]
async fn a_grant_made_on_one_instance_works_on_another_and_its_revoke_is_refused_there_within_a_second()
 {
    // Arrange
    let (a, fleet) = spawn_fleet().await;
    if skipped_on_sqlite(&a) {
        return;
    }
    let b = a.spawn_sibling().await;
    let admin_on_a = a.sign_in("admin@coa.example", PASSWORD).await;
    let tech_on_b = b.sign_in("tech@coa.example", PASSWORD).await;
    let device = &fleet.boston_devices[0];
    let path = format!("/api/v1/devices/{device}");
    assert_eq!(tech_on_b.get(&path).await.status(), 404, "no grant yet");

    // Act: granted on A
    let grant = grant_device(&admin_on_a, fleet.coa, fleet.tech, device, OPERATOR).await;
    let allowed = tech_on_b
        .until_status(&path, 200, Duration::from_secs(1))
        .await;
    // Act: revoked on A
    let revoked = admin_on_a
        .delete(&format!(
            "/api/v1/tenants/{}/grants/{}",
            fleet.coa,
            grant["id"].as_str().unwrap()
        ))
        .await;
    let refused = tech_on_b
        .until_status(&path, 404, Duration::from_secs(1))
        .await;

    // Assert
    assert!(allowed.is_some(), "B never let the technician in");
    assert_eq!(revoked.status(), 204);
    assert!(
        refused.is_some(),
        "B still allowed the revoked technician after 1 s"
    );
    // A answers a revoke only once it applied it itself: its own refusal is immediate.
    let tech_on_a = a.sign_in("tech@coa.example", PASSWORD).await;
    assert_eq!(tech_on_a.get(&path).await.status(), 404);
}

/// How many entries the change log holds.
async fn entries(app: &TestApp) -> i64 {
    let row = app
        .db
        .conn
        .query_one_raw(Statement::from_string(
            app.db.conn.get_database_backend(),
            "SELECT COUNT(*) AS n FROM change_log",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

/// The listeners' connections, ended from the database side.
async fn terminate_listeners(app: &TestApp) -> u64 {
    let killed = app
        .db
        .conn
        .query_all_raw(Statement::from_string(
            app.db.conn.get_database_backend(),
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN %'",
        ))
        .await
        .unwrap();
    killed.len() as u64
}

#[tokio::test]
async fn conflicting_changes_from_two_instances_leave_both_indexes_equal_to_the_tables() {
    // Arrange
    let (a, fleet) = spawn_fleet().await;
    let b = a.spawn_sibling().await;
    let admins = [
        a.sign_in("admin@coa.example", PASSWORD).await,
        b.sign_in("admin@coa.example", PASSWORD).await,
    ];
    let sites = [
        json!(fleet.boston),
        json!(fleet.chicago),
        json!(fleet.hq),
        Value::Null,
    ];
    let device = fleet.hq_device.clone();
    let coa = fleet.coa;

    // Act: from both instances at once, moves of one device between sites, grant/revoke
    // storms on one person, and group membership churn.
    let mut work = Vec::new();
    let (sites, fleet_ref, device) = (&sites, &fleet, &device);
    for (n, admin) in admins.iter().enumerate() {
        let fleet = fleet_ref;
        let moves = async move {
            for i in 0..12 {
                let site = &sites[(i + n) % sites.len()];
                let response = admin
                    .send(
                        reqwest::Method::PATCH,
                        &format!("/api/v1/devices/{device}"),
                        Some(&json!({ "site_id": site })),
                    )
                    .await;
                assert_eq!(response.status(), 200, "move {i}");
            }
        };
        let storm = async move {
            for i in 0..12 {
                let role = if i % 2 == 0 { VIEWER } else { OPERATOR };
                let target = &fleet.boston_devices[i % fleet.boston_devices.len()];
                let grant = grant_device(admin, coa, fleet.mgr, target, role).await;
                if i % 3 != 2 {
                    let id = grant["id"].as_str().unwrap();
                    let status = admin
                        .delete(&format!("/api/v1/tenants/{coa}/grants/{id}"))
                        .await
                        .status();
                    // The other instance may have revoked the same (merged) grant first.
                    assert!(status == 204 || status == 404, "revoke: {status}");
                }
            }
        };
        let churn = async move {
            for i in 0..12 {
                let path = format!(
                    "/api/v1/tenants/{coa}/groups/{}/members/{}",
                    fleet.boston_techs, fleet.mgr
                );
                let method = if (i + n) % 2 == 0 {
                    reqwest::Method::PUT
                } else {
                    reqwest::Method::DELETE
                };
                let status = admin.send(method, &path, None).await.status();
                assert!(status.is_success(), "membership: {status}");
            }
        };
        work.push(async move {
            tokio::join!(moves, storm, churn);
        });
    }
    let kill = async {
        if !a.on_postgres() {
            return 0;
        }
        // In the middle of the churn: once a few dozen changes have committed.
        let started = Instant::now();
        while entries(&a).await < 24 && started.elapsed() < Duration::from_secs(20) {
            tokio::task::yield_now().await;
        }
        terminate_listeners(&a).await
    };
    let (_, _, killed) = tokio::join!(work.pop().unwrap(), work.pop().unwrap(), kill);

    // Assert: both indexes equal one rebuilt from the tables.
    let on_a = a.changes.verify().await.unwrap();
    let on_b = b.changes.verify().await.unwrap();
    assert!(
        on_a.is_empty(),
        "instance A differs from the tables: {on_a:#?}"
    );
    assert!(
        on_b.is_empty(),
        "instance B differs from the tables: {on_b:#?}"
    );
    if a.on_postgres() {
        assert!(killed >= 1, "no listener was terminated");
        // The listeners are back: a change on A reaches B at once again.
        let tech_on_b = b.sign_in("tech@coa.example", PASSWORD).await;
        let target = &fleet.chicago_devices[0];
        grant_device(&admins[0], coa, fleet.tech, target, VIEWER).await;
        let seen = tech_on_b
            .until_status(
                &format!("/api/v1/devices/{target}"),
                200,
                Duration::from_secs(1),
            )
            .await;
        assert!(
            seen.is_some(),
            "B missed a change after its listener was cut"
        );
    }
}

#[tokio::test]
async fn pruning_keeps_what_a_live_instance_has_not_applied_and_forgets_the_silent_ones() {
    use chrono::{Duration as Span, Utc};
    use fleetwarden_server::store::change_log;
    use sea_orm::TransactionTrait;

    // Arrange: three entries an hour old; one instance has applied the first, another all.
    let db = fleetwarden_tests::TestDb::migrated().await;
    let now = Utc::now();
    let mut seqs = Vec::new();
    for n in 0..3 {
        let txn = db.conn.begin().await.unwrap();
        let text = format!(
            r#"[{{"kind":"credentials","user":"{}"}}]"#,
            Uuid::from_u128(n)
        );
        seqs.push(
            change_log::append(&txn, text, now - Span::hours(2))
                .await
                .unwrap(),
        );
        txn.commit().await.unwrap();
    }
    let (slow, fast) = (Uuid::now_v7(), Uuid::now_v7());
    change_log::register_reader(&db.conn, slow, seqs[0], now)
        .await
        .unwrap();
    change_log::register_reader(&db.conn, fast, seqs[2], now)
        .await
        .unwrap();

    // Act: prune entries older than an hour; readers silent for ten minutes are gone.
    let pruned_while_slow =
        change_log::prune(&db.conn, now - Span::minutes(10), now - Span::hours(1))
            .await
            .unwrap();
    let left_for_slow = change_log::after(&db.conn, seqs[0], 10).await.unwrap();
    // The slow one falls silent: an hour later it is taken for gone, and so is everything.
    let later = now + Span::hours(1);
    change_log::heartbeat(&db.conn, fast, seqs[2], later)
        .await
        .unwrap();
    let pruned_after =
        change_log::prune(&db.conn, later - Span::minutes(10), later - Span::hours(1))
            .await
            .unwrap();
    let slow_still_known = change_log::heartbeat(&db.conn, slow, seqs[0], later)
        .await
        .unwrap();

    // Assert
    assert_eq!(pruned_while_slow, 1, "only what every live reader applied");
    assert_eq!(
        left_for_slow.iter().map(|e| e.seq).collect::<Vec<_>>(),
        seqs[1..]
    );
    assert_eq!(pruned_after, 2);
    assert!(
        !slow_still_known,
        "a reader taken for gone learns it at its next heartbeat (and rebuilds its index)"
    );
    assert_eq!(
        change_log::newest(&db.conn).await.unwrap(),
        0,
        "the log is empty"
    );
}
