//! Products and catalogs are the operator's: platform admins see every product in full;
//! anyone else sees only the id and name of products they have a visible device of, and the
//! catalog of any other product is a 404, exactly as for an id that names nothing.
#![expect(clippy::unwrap_used, reason = "tests")]
use fleetwarden_tests::fleet::{Fleet, PASSWORD};
use fleetwarden_tests::{Session, TestApp, spawn_fleet};
use serde_json::{Value, json};
use uuid::Uuid;

const OPERATOR: &str = "00000000-0000-7000-8000-000000000002";

async fn body(response: reqwest::Response) -> Value {
    response.json().await.unwrap_or(Value::Null)
}

async fn products(session: &Session) -> Vec<Value> {
    let response = session.get("/api/v1/products").await;
    assert_eq!(response.status(), 200);
    body(response).await.as_array().unwrap().clone()
}

/// A platform admin, signed in, and the id of the fleet's product.
async fn operator(app: &TestApp) -> (Session, String) {
    app.create_user("ops@fleetwarden.example", PASSWORD, true)
        .await;
    let ops = app.sign_in("ops@fleetwarden.example", PASSWORD).await;
    let listed = products(&ops).await;
    assert_eq!(listed.len(), 1, "the fleet has one product: {listed:?}");
    let product = listed[0]["id"].as_str().unwrap().to_owned();
    (ops, product)
}

/// Lets the tech operate the Boston site's pumps.
async fn share_boston_with_tech(app: &TestApp, fleet: &Fleet) {
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let created = admin
        .post(
            &format!("/api/v1/tenants/{}/grants", fleet.coa),
            &json!({
                "subject": {"kind": "user", "id": fleet.tech},
                "scope": {"kind": "site", "id": fleet.boston},
                "role_id": OPERATOR,
            }),
        )
        .await;
    assert_eq!(created.status(), 201);
}

#[tokio::test]
async fn a_technician_lists_the_products_of_their_devices_by_name_only() {
    // Arrange
    let (app, fleet) = spawn_fleet().await;
    let (ops, product) = operator(&app).await;
    let second = ops
        .post(
            "/api/v1/products",
            &json!({"particle_id": 987_654, "name": "Another maker's valve", "mode": "product_token", "client_id": "valve-client", "client_secret": "valve-secret"}),
        )
        .await;
    assert_eq!(second.status(), 201);
    share_boston_with_tech(&app, &fleet).await;
    let tech = app.sign_in("tech@coa.example", PASSWORD).await;

    // Act
    let listed = products(&tech).await;

    // Assert
    assert_eq!(listed.len(), 1, "only the product of the tech's devices");
    assert_eq!(listed[0]["id"], product.as_str());
    let keys: Vec<&str> = listed[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["id", "name"]);
}

#[tokio::test]
async fn someone_without_devices_lists_no_products() {
    let (app, _fleet) = spawn_fleet().await;
    operator(&app).await;
    let tech = app.sign_in("tech@coa.example", PASSWORD).await;

    assert!(products(&tech).await.is_empty());
}

#[tokio::test]
async fn a_platform_admin_lists_every_product_with_its_detail() {
    // Arrange
    let (app, fleet) = spawn_fleet().await;

    // Act
    let (ops, _) = operator(&app).await;
    let listed = products(&ops).await;

    // Assert
    assert_eq!(listed[0]["client_id"], fleet.sim.client_id.as_str());
    assert_eq!(listed[0]["particle_id"], fleet.sim.product_id);
    assert!(listed[0]["mode"].is_string());
    assert!(listed[0]["created_at"].is_string());
    assert!(listed[0].get("client_secret").is_none());
}

#[tokio::test]
async fn the_catalog_of_a_product_without_a_visible_device_is_404_as_for_an_unknown_id() {
    // Arrange
    let (app, fleet) = spawn_fleet().await;
    let (ops, product) = operator(&app).await;
    let tech = app.sign_in("tech@coa.example", PASSWORD).await;

    // Act
    let hidden = tech
        .get(&format!("/api/v1/products/{product}/catalog"))
        .await;
    let unknown = tech
        .get(&format!("/api/v1/products/{}/catalog", Uuid::now_v7()))
        .await;
    let as_operator = ops
        .get(&format!("/api/v1/products/{product}/catalog"))
        .await;
    share_boston_with_tech(&app, &fleet).await;
    let shared = tech
        .get(&format!("/api/v1/products/{product}/catalog"))
        .await;

    // Assert
    assert_eq!(hidden.status(), 404);
    assert_eq!(unknown.status(), 404);
    assert_eq!(body(hidden).await, body(unknown).await);
    assert_eq!(as_operator.status(), 200);
    assert_eq!(shared.status(), 200);
    assert!(body(shared).await.is_array());
}

#[tokio::test]
async fn refused_catalog_reads_reach_the_audit_log_as_one_coalesced_record() {
    use entity::audit_record;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    // Arrange
    let (app, fleet) = spawn_fleet().await;
    let (_ops, product) = operator(&app).await;
    let tech = app.sign_in("tech@coa.example", PASSWORD).await;

    // Act
    for id in [product.clone(), Uuid::now_v7().to_string(), product.clone()] {
        let response = tech.get(&format!("/api/v1/products/{id}/catalog")).await;
        assert_eq!(response.status(), 404);
    }
    app.flush_refusals().await;

    // Assert
    let refused = audit_record::Entity::find()
        .filter(audit_record::Column::Action.eq("access.refused"))
        .all(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].actor_user_id, Some(fleet.tech));
    assert_eq!(refused[0].target_kind, "product");
    assert_eq!(refused[0].target_id.as_deref(), Some(product.as_str()));
    let after = refused[0].after.clone().unwrap();
    assert_eq!(after["attempted"], "product.catalog_read");
    assert_eq!(after["reason"], "not_found");
    assert_eq!(after["count"], 3);
    assert_eq!(after["targets"].as_array().unwrap().len(), 2);
}
