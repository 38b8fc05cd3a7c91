//! Operators register Particle products and catalogs and onboard devices into tenants; in
//! shadow-customer mode the tenant's own customer claims them. Over real HTTP to a simulator.
#![expect(clippy::unwrap_used, reason = "tests")]
use fleetwarden_server::particle::simulator::{
    Fault, Route, SimConfig, Simulator, SimulatorHandle,
};
use fleetwarden_tests::fleet::PASSWORD;
use fleetwarden_tests::{Session, TestApp, spawn_app_with};
use serde_json::{Value, json};

async fn body(response: reqwest::Response) -> Value {
    response.json().await.unwrap_or(Value::Null)
}

/// A server pointed at a fresh simulated cloud, an operator, a tenant, and the cloud's
/// product registered over the API in `mode` with a one-function catalog.
async fn operator_with_product(mode: &str) -> (TestApp, SimulatorHandle, Session, String, String) {
    let sim = Simulator::start(SimConfig {
        devices: 3,
        seed: 11,
        ..Default::default()
    })
    .await
    .unwrap();
    let base = sim.base_url.clone();
    let app = spawn_app_with(|s| s.particle.api_base_url = Some(base)).await;
    app.create_user("ops@fleetwarden.example", PASSWORD, true)
        .await;
    let ops = app.sign_in("ops@fleetwarden.example", PASSWORD).await;
    let tenant = body(
        ops.post("/api/v1/tenants", &json!({"name": "CustomerCoA"}))
            .await,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let product = body(
        ops.post(
            "/api/v1/products",
            &json!({"particle_id": sim.product_id, "name": "Pump", "mode": mode, "client_id": sim.client_id, "client_secret": sim.client_secret}),
        )
        .await,
    )
    .await;
    let product = product["id"].as_str().unwrap().to_owned();
    let catalog = ops
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/products/{product}/catalog"),
            Some(&json!({"entries": [{"kind": "function", "name": "setPressure", "action": "device.function.call"}]})),
        )
        .await;
    assert_eq!(catalog.status(), 200);
    (app, sim, ops, tenant, product)
}

#[tokio::test]
async fn shadow_customer_mode_claims_with_one_opaque_customer_per_tenant_and_calls_work() {
    // Arrange
    let (_app, sim, ops, tenant, product) = operator_with_product("shadow_customer").await;

    // Act
    let first = ops
        .post(
            &format!("/api/v1/tenants/{tenant}/devices"),
            &json!({"id": sim.devices[0], "product_id": product, "name": "Pump A"}),
        )
        .await;
    let second = ops
        .post(
            &format!("/api/v1/tenants/{tenant}/devices"),
            &json!({"id": sim.devices[1].to_uppercase(), "product_id": product, "name": "Pump B"}),
        )
        .await;
    let call = ops
        .post(
            &format!("/api/v1/devices/{}/functions/setPressure", sim.devices[0]),
            &json!({"arg": "3.5"}),
        )
        .await;

    // Assert
    assert_eq!(first.status(), 201);
    assert_eq!(
        second.status(),
        201,
        "upper-case ids are accepted and stored lower-case"
    );
    let customers = sim.customers();
    assert_eq!(customers.len(), 1, "one shadow customer for the tenant");
    assert!(customers[0].starts_with("fw-") && customers[0] == customers[0].to_lowercase());
    assert!(!customers[0].contains('@'), "never a person's email");
    assert_eq!(
        sim.device_state(&sim.devices[0]).unwrap().owner.as_deref(),
        Some(customers[0].as_str())
    );
    assert_eq!(call.status(), 200);
    assert_eq!(sim.device_state(&sim.devices[0]).unwrap().pressure, 3.5);
}

#[tokio::test]
async fn an_upstream_failure_while_onboarding_stores_nothing() {
    let (_app, sim, ops, tenant, product) = operator_with_product("shadow_customer").await;
    sim.set_fault(Fault::OnRoute {
        route: Route::Claim,
        fault: Box::new(Fault::ServerError {
            count: 10,
            status: 500,
        }),
    });

    let failed = ops
        .post(
            &format!("/api/v1/tenants/{tenant}/devices"),
            &json!({"id": sim.devices[2], "product_id": product, "name": "Pump C"}),
        )
        .await;
    let listed = body(ops.get("/api/v1/devices").await).await;

    assert!(failed.status().is_server_error(), "{}", failed.status());
    assert_eq!(listed["total"], 0);
    assert_eq!(sim.device_state(&sim.devices[2]).unwrap().owner, None);
}

#[tokio::test]
async fn product_token_mode_checks_the_device_is_in_the_product_and_never_shows_the_secret() {
    let (app, sim, ops, tenant, product) = operator_with_product("product_token").await;

    let unknown = ops
        .post(
            &format!("/api/v1/tenants/{tenant}/devices"),
            &json!({"id": "0123456789abcdef01234567", "product_id": product, "name": "?"}),
        )
        .await;
    let known = ops
        .post(
            &format!("/api/v1/tenants/{tenant}/devices"),
            &json!({"id": sim.devices[0], "product_id": product, "name": "Pump A"}),
        )
        .await;
    let twice = ops
        .post(
            &format!("/api/v1/tenants/{tenant}/devices"),
            &json!({"id": sim.devices[0], "product_id": product, "name": "Pump A"}),
        )
        .await;
    let listed = ops.get("/api/v1/products").await.text().await.unwrap();
    app.create_user("someone@example.com", PASSWORD, false)
        .await;
    let someone = app.sign_in("someone@example.com", PASSWORD).await;
    let not_operator = someone.post("/api/v1/products", &json!({"particle_id": 5, "name": "x", "mode": "product_token", "client_id": "a", "client_secret": "b"})).await;
    let bad_catalog = ops
        .send(reqwest::Method::PUT, &format!("/api/v1/products/{product}/catalog"), Some(&json!({"entries": [{"kind": "function", "name": "reset", "action": "billing.read"}]})))
        .await;

    assert_eq!(unknown.status(), 422);
    assert_eq!(known.status(), 201);
    assert_eq!(twice.status(), 409);
    assert!(!listed.contains(&sim.client_secret));
    assert!(
        sim.customers().is_empty(),
        "product-token mode leaves devices unclaimed"
    );
    assert_eq!(not_operator.status(), 403);
    assert_eq!(bad_catalog.status(), 422);
}
