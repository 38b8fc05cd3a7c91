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
