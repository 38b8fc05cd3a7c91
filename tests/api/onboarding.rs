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
        devices: 6,
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

const OPERATOR: &str = "00000000-0000-7000-8000-000000000002";

fn csv_request(ops: &Session, tenant: &str, product: &str, csv: String) -> reqwest::RequestBuilder {
    ops.request(
        reqwest::Method::POST,
        &format!("/api/v1/tenants/{tenant}/devices/batch?product_id={product}"),
    )
    .header("content-type", "text/csv")
    .body(csv)
}

#[tokio::test]
async fn a_csv_batch_is_checked_whole_then_onboards_each_line_and_can_be_sent_again() {
    // Arrange
    let (_app, sim, ops, tenant, product) = operator_with_product("shadow_customer").await;
    let site = body(
        ops.post(
            &format!("/api/v1/tenants/{tenant}/sites"),
            &json!({"organization_id": tenant, "name": "Boston HQ"}),
        )
        .await,
    )
    .await;
    let d = &sim.devices;
    let bad = format!(
        "id,name,site\n{},Pump 1,Boston HQ\nnot-a-device,Pump 2,\n{},Pump 3,Atlantis\n{},Pump 1 again,\n",
        d[0], d[1], d[0]
    );
    let good = format!(
        "ID,Name,Site\n{},Pump 1,boston hq\n{},Pump 2,{}\n\n{},Pump 3,\n",
        d[0],
        d[1],
        site["id"].as_str().unwrap(),
        d[2]
    );

    // Act
    let refused = csv_request(&ops, &tenant, &product, bad)
        .send()
        .await
        .unwrap();
    let refused_status = refused.status();
    let refused = body(refused).await;
    let after_refusal = body(ops.get("/api/v1/devices").await).await;
    let owner_after_refusal = sim.device_state(&d[0]).unwrap().owner;
    // The first claim Particle sees fails; the other lines go on.
    sim.set_fault(Fault::OnRoute {
        route: Route::Claim,
        fault: Box::new(Fault::ServerError {
            count: 1,
            status: 500,
        }),
    });
    let first = body(
        csv_request(&ops, &tenant, &product, good.clone())
            .send()
            .await
            .unwrap(),
    )
    .await;
    let again = body(
        csv_request(&ops, &tenant, &product, good)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let listed = body(ops.get("/api/v1/devices").await).await;

    // Assert
    assert_eq!(refused_status, 422);
    let lines: Vec<&String> = refused["fields"].as_object().unwrap().keys().collect();
    assert_eq!(lines, ["line 3", "line 4", "line 5"], "{refused}");
    assert!(
        refused["fields"]["line 4"][0]
            .as_str()
            .unwrap()
            .contains("Atlantis")
    );
    assert!(
        refused["fields"]["line 5"][0]
            .as_str()
            .unwrap()
            .contains("twice")
    );
    assert_eq!(after_refusal["total"], 0, "a refused file onboards nothing");
    assert_eq!(owner_after_refusal, None);

    assert_eq!(
        (first["onboarded"].as_u64(), first["failed"].as_u64()),
        (Some(2), Some(1)),
        "{first}"
    );
    assert_eq!(first["rows"][0]["outcome"], "failed");
    assert_eq!(first["rows"][0]["line"], 2);
    assert_eq!(first["rows"][0]["error"]["error"], "upstream_unavailable");
    assert_eq!(
        first["rows"][2]["line"], 5,
        "blank lines keep the numbering"
    );
    assert_eq!(
        (
            again["onboarded"].as_u64(),
            again["already_onboarded"].as_u64(),
            again["failed"].as_u64()
        ),
        (Some(1), Some(2), Some(0)),
        "{again}"
    );
    assert_eq!(listed["total"], 3);
    let placed: Vec<&Value> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|dev| dev["site_id"] == site["id"])
        .collect();
    assert_eq!(placed.len(), 2, "site by name (any case) and by id");
    assert_eq!(sim.customers().len(), 1);
}

/// Two tenants, a device of the first with a grant on it for a group of the first.
async fn transfer_setup() -> (TestApp, SimulatorHandle, Session, String, String, String) {
    let (app, sim, ops, from, product) = operator_with_product("shadow_customer").await;
    let to = body(
        ops.post("/api/v1/tenants", &json!({"name": "CustomerCoB"}))
            .await,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let onboarded = ops
        .post(
            &format!("/api/v1/tenants/{from}/devices"),
            &json!({"id": sim.devices[0], "product_id": product, "name": "Pump A"}),
        )
        .await;
    assert_eq!(onboarded.status(), 201);
    let group = body(
        ops.post(
            &format!("/api/v1/tenants/{from}/groups"),
            &json!({"name": "Techs"}),
        )
        .await,
    )
    .await;
    let granted = ops
        .post(
            &format!("/api/v1/tenants/{from}/grants"),
            &json!({"subject": {"kind": "group", "id": group["id"]}, "scope": {"kind": "device", "id": sim.devices[0]}, "role_id": OPERATOR}),
        )
        .await;
    assert_eq!(granted.status(), 201);
    (app, sim, ops, from, to, product)
}

async fn grants_on(ops: &Session, tenant: &str) -> usize {
    body(ops.get(&format!("/api/v1/tenants/{tenant}/grants")).await)
        .await
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn a_transfer_reclaims_the_device_for_the_new_tenant_drops_its_grants_and_is_audited() {
    // Arrange
    let (_app, sim, ops, from, to, _) = transfer_setup().await;
    let device = &sim.devices[0];
    assert_eq!(grants_on(&ops, &from).await, 1);

    // Act
    let moved = ops
        .post(
            &format!("/api/v1/devices/{device}/transfer"),
            &json!({"tenant_id": to, "name": "Pump B-1"}),
        )
        .await;
    let moved_status = moved.status();
    let moved = body(moved).await;
    let same_again = ops
        .post(
            &format!("/api/v1/devices/{device}/transfer"),
            &json!({"tenant_id": to}),
        )
        .await;
    let call = ops
        .post(
            &format!("/api/v1/devices/{device}/functions/setPressure"),
            &json!({"arg": "2.5"}),
        )
        .await;

    // Assert
    assert_eq!(moved_status, 200, "{moved}");
    assert_eq!(moved["tenant_id"], json!(to));
    assert_eq!(moved["name"], "Pump B-1");
    assert_eq!(grants_on(&ops, &from).await, 0, "every old grant dropped");
    let customers = sim.customers();
    assert_eq!(
        customers.len(),
        2,
        "the new tenant got a shadow customer of its own"
    );
    let owner = sim.device_state(device).unwrap().owner.unwrap();
    assert!(customers.contains(&owner));
    assert_eq!(same_again.status(), 422, "already in that tenant");
    assert_eq!(
        call.status(),
        200,
        "calls now go through the new tenant's customer"
    );
    assert_eq!(sim.device_state(device).unwrap().pressure, 2.5);
    for (tenant, action) in [(&from, "device.transfer_out"), (&to, "device.transfer_in")] {
        let audit = body(
            ops.get(&format!("/api/v1/tenants/{tenant}/audit?action={action}"))
                .await,
        )
        .await;
        assert_eq!(
            audit["items"].as_array().unwrap().len(),
            1,
            "{tenant}: {audit}"
        );
        assert_eq!(audit["items"][0]["target_id"], json!(device));
    }
}

#[tokio::test]
async fn a_transfer_that_particle_fails_part_way_changes_nothing_and_can_be_repeated() {
    // Arrange
    let (_app, sim, ops, from, to, _) = transfer_setup().await;
    let device = &sim.devices[0];
    let old_owner = sim.device_state(device).unwrap().owner;
    let path = format!("/api/v1/devices/{device}/transfer");
    let request = json!({"tenant_id": to});
    let transfer = || ops.post(&path, &request);

    // Act 1: the unclaim succeeds, the new claim fails: the old owner claims it back.
    sim.set_fault(Fault::OnRoute {
        route: Route::Claim,
        fault: Box::new(Fault::ServerError {
            count: 1,
            status: 500,
        }),
    });
    let failed = transfer().await;
    let failed_status = failed.status();
    let failed = body(failed).await;
    let state_after_first = sim.device_state(device).unwrap().owner;
    let device_after_first = body(ops.get(&format!("/api/v1/devices/{device}")).await).await;
    let grants_after_first = grants_on(&ops, &from).await;
    let call_after_first = ops
        .post(
            &format!("/api/v1/devices/{device}/functions/setPressure"),
            &json!({"arg": "1.5"}),
        )
        .await;

    // Act 2: the claim back fails as well: the device is left unclaimed upstream, our rows
    // stay as they were, and repeating the transfer finishes it.
    sim.set_fault(Fault::OnRoute {
        route: Route::Claim,
        fault: Box::new(Fault::ServerError {
            count: 2,
            status: 500,
        }),
    });
    let failed_twice = transfer().await.status();
    let state_after_second = sim.device_state(device).unwrap().owner;
    let grants_after_second = grants_on(&ops, &from).await;
    let repeated = transfer().await;

    // Assert
    assert_eq!(
        failed_status, 503,
        "Particle's 500 is a 503 with Retry-After: {failed}"
    );
    assert_eq!(failed["error"], "upstream_unavailable");
    assert_eq!(
        state_after_first, old_owner,
        "claimed back by the old tenant's customer"
    );
    assert_eq!(device_after_first["tenant_id"], json!(from));
    assert_eq!(call_after_first.status(), 200);
    assert_eq!(
        grants_after_first, 1,
        "the grant survived the failed transfer"
    );
    assert_eq!(failed_twice, 503);
    assert_eq!(state_after_second, None);
    assert_eq!(grants_after_second, 1);
    assert_eq!(repeated.status(), 200);
    let new_owner = sim.device_state(device).unwrap().owner;
    assert!(new_owner.is_some() && new_owner != old_owner);
}

#[tokio::test]
async fn in_product_token_mode_a_transfer_leaves_particle_alone_and_moves_the_device() {
    let (_app, sim, ops, from, product) = operator_with_product("product_token").await;
    let to = body(
        ops.post("/api/v1/tenants", &json!({"name": "CustomerCoB"}))
            .await,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let device = &sim.devices[0];
    ops.post(
        &format!("/api/v1/tenants/{from}/devices"),
        &json!({"id": device, "product_id": product, "name": "Pump A"}),
    )
    .await;
    let site_elsewhere = body(
        ops.post(
            &format!("/api/v1/tenants/{from}/sites"),
            &json!({"organization_id": from, "name": "Old site"}),
        )
        .await,
    )
    .await;

    let wrong_site = ops
        .post(
            &format!("/api/v1/devices/{device}/transfer"),
            &json!({"tenant_id": to, "site_id": site_elsewhere["id"]}),
        )
        .await;
    let unknown_tenant = ops
        .post(
            &format!("/api/v1/devices/{device}/transfer"),
            &json!({"tenant_id": "00000000-0000-7000-8000-0000000000ff"}),
        )
        .await;
    let moved = ops
        .post(
            &format!("/api/v1/devices/{device}/transfer"),
            &json!({"tenant_id": to}),
        )
        .await;
    let moved_status = moved.status();
    let moved = body(moved).await;

    assert_eq!(wrong_site.status(), 422, "a site of the old tenant");
    assert_eq!(unknown_tenant.status(), 404);
    assert_eq!(moved_status, 200, "{moved}");
    assert_eq!(moved["tenant_id"], json!(to));
    assert!(sim.customers().is_empty());
    assert_eq!(sim.device_state(device).unwrap().owner, None);
}

#[tokio::test]
async fn a_csv_of_100000_lines_is_refused_by_its_count_before_any_line_is_checked() {
    // Arrange: 400 KB of short lines, each of which would be wrong.
    let (_app, _sim, ops, tenant, product) = operator_with_product("shadow_customer").await;
    let csv = format!("id,name\n{}", "x,y\n".repeat(100_000));

    // Act
    let answer = csv_request(&ops, &tenant, &product, csv)
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(answer.status(), 422);
    let error = body(answer).await;
    assert_eq!(error["fields"].as_object().unwrap().len(), 1, "{error}");
    assert!(
        error["fields"]["csv"][0]
            .as_str()
            .unwrap()
            .contains("at most 5000 devices per file"),
        "{error}"
    );
}
