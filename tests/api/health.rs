//! Probes and the JSON shape of unknown routes.
#![expect(clippy::unwrap_used, reason = "tests")]
use fleetwarden_tests::spawn_app;
use fleetwarden_wire::error::ErrorBody;
use fleetwarden_wire::health::HealthResponse;

#[tokio::test]
async fn liveness_answers_ok() {
    let app = spawn_app().await;

    let response = app.get("/health/live").await;

    assert_eq!(response.status(), 200);
    let body: HealthResponse = response.json().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(body.status, "ok");
}

#[tokio::test]
async fn readiness_checks_the_database() {
    let app = spawn_app().await;

    let response = app.get("/health/ready").await;

    assert_eq!(response.status(), 200);
    let body: HealthResponse = response.json().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(body.database.as_deref(), Some("ok"));
}

#[tokio::test]
async fn unknown_routes_get_a_json_404() {
    let app = spawn_app().await;

    let response = app.get("/api/v1/no-such-thing").await;

    assert_eq!(response.status(), 404);
    let body: ErrorBody = response.json().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(body.error, "not_found");
}

/// `/health/ready` of `app`: its status, its body, and how long it took.
async fn readiness(app: &fleetwarden_tests::TestApp) -> (u16, HealthResponse, std::time::Duration) {
    let started = std::time::Instant::now();
    let response = app.get("/health/ready").await;
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or_else(|e| panic!("{e}"));
    (status, body, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_behind_the_change_log_is_not_ready_until_it_catches_up() {
    // Arrange: two instances; the first one's follower is held (as a stuck one would be)
    // while the second writes four changes.
    let (a, fleet) = fleetwarden_tests::spawn_fleet_with(|s| s.health.max_change_lag = 2).await;
    let b = a.spawn_sibling().await;
    let admin = b
        .sign_in("admin@coa.example", fleetwarden_tests::fleet::PASSWORD)
        .await;
    let (before, _, _) = readiness(&a).await;
    let held = a.state.access.write().await;
    for n in 0..4 {
        let made = admin
            .post(
                &format!("/api/v1/tenants/{}/sites", fleet.coa),
                &serde_json::json!({ "organization_id": fleet.coa, "name": format!("Depot {n}") }),
            )
            .await;
        assert_eq!(made.status(), 201);
    }

    // Act
    let (behind, body, took) = readiness(&a).await;
    let (other, _, _) = readiness(&b).await;
    drop(held);
    let mut caught_up = None;
    for _ in 0..200 {
        let (status, body, _) = readiness(&a).await;
        if status == 200 {
            caught_up = Some(body);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // Assert
    assert_eq!(before, 200);
    assert_eq!(behind, 503, "{body:?}");
    assert!(took < std::time::Duration::from_secs(1), "{took:?}");
    assert_eq!(body.change_lag, Some(4));
    assert!(
        body.reasons[0].contains("4 change-log entries behind"),
        "{body:?}"
    );
    assert_eq!(other, 200, "the instance that applied them is ready");
    let caught_up = caught_up.unwrap_or_else(|| panic!("never caught up"));
    assert_eq!(caught_up.change_lag, Some(0));
    assert!(caught_up.reasons.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_migrations_run_the_instance_is_live_but_not_ready() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, TransactionTrait};
    // Arrange: PostgreSQL, where a migration waits for a table another session has locked.
    if !std::env::var("FW_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        eprintln!("skipped: holding a migration back needs FW_TEST_DATABASE_URL (PostgreSQL)");
        return;
    }
    let db = fleetwarden_tests::TestDb::migrated().await;
    Migrator::down(&db.conn, Some(1)).await.unwrap();
    let locker = sea_orm::Database::connect(&db.url).await.unwrap();
    let lock = locker.begin().await.unwrap();
    lock.execute_unprepared("LOCK TABLE particle_products IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let get = |path: &'static str| {
        let client = client.clone();
        async move {
            client
                .get(format!("http://127.0.0.1:{port}{path}"))
                .send()
                .await
        }
    };
    // What a probe sees while the migration waits; then the lock goes.
    let probe = async {
        let mut live = None;
        for _ in 0..200 {
            if let Ok(response) = get("/health/live").await {
                live = Some(response.status().as_u16());
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        let (mut not_ready, mut body) = (0, String::new());
        for _ in 0..200 {
            let response = get("/health/ready").await.unwrap();
            not_ready = response.status().as_u16();
            body = response.text().await.unwrap();
            if body.contains("migrations") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        let api = get("/api/v1/devices").await.unwrap();
        let api = (
            api.status().as_u16(),
            api.headers().contains_key("retry-after"),
        );
        lock.commit().await.unwrap();
        (live, not_ready, body, api)
    };

    // Act
    let (app, (live, not_ready, body, (api_status, api_retry))) = tokio::join!(
        fleetwarden_tests::spawn_app_on(db, move |s| s.http.port = port),
        probe
    );
    let (after, _, _) = readiness(&app).await;

    // Assert
    assert_eq!(live, Some(200));
    assert_eq!(not_ready, 503);
    assert!(
        body.contains("starting: applying database migrations"),
        "{body}"
    );
    assert_eq!(api_status, 503);
    assert!(api_retry);
    assert_eq!(after, 200);
}
