//! Probes and the JSON shape of unknown routes.
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
