//! A maker on Particle's simple auth: the fleet's product (the Wi-Fi variant) and a cellular
//! one on the same simulated cloud, both registered and put in one family, and what the
//! maker's app and its customers do (sign up, ask for a reset, choose a password, sign in).
#![expect(
    clippy::expect_used,
    reason = "test helpers: a failed step should stop the test"
)]
use fleetwarden_server::particle::simulator::{MoreProduct, SimConfig, SimProduct};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::fleet::{Fleet, PASSWORD};
use crate::{Session, TestApp};

/// The cellular variant's product id.
pub const CELL_PRODUCT: i64 = 30_302;

/// A simulated cloud with the cellular product beside the fleet's.
pub fn two_products() -> SimConfig {
    SimConfig {
        more_products: vec![MoreProduct {
            id: CELL_PRODUCT,
            slug: "fleetwarden-pumps-cell".into(),
            devices: 2,
        }],
        ..SimConfig::default()
    }
}

/// What [`make_family`] made.
pub struct Family {
    /// The platform admin who made it.
    pub ops: Session,
    /// The family's id.
    pub id: String,
    /// The Wi-Fi product (the fleet's), as the simulator knows it.
    pub wifi: SimProduct,
    /// The cellular product.
    pub cell: SimProduct,
}

/// Registers the cellular product and puts both in the family "Acme Pumps" (sender
/// `Acme Pumps <support@acme.example>`), allowing `origins`.
pub async fn make_family(app: &TestApp, fleet: &Fleet, origins: &[&str]) -> Family {
    app.create_user("ops@example.com", PASSWORD, true).await;
    let ops = app.sign_in("ops@example.com", PASSWORD).await;
    let sim = &fleet.sim;
    let cell = sim.more_products[0].clone();
    let registered = ops
        .post(
            "/api/v1/products",
            &json!({
                "particle_id": cell.id,
                "name": "Acme Pump Cellular",
                "slug": cell.slug,
                "mode": "product_token",
                "client_id": cell.client_id,
                "client_secret": cell.client_secret,
            }),
        )
        .await;
    assert_eq!(registered.status(), 201, "registering the cellular product");
    let family = ops
        .post(
            "/api/v1/families",
            &json!({
                "name": "Acme Pumps",
                "primary_color": "#1d4ed8",
                "sender": "Acme Pumps <support@acme.example>",
                "allowed_origins": origins,
            }),
        )
        .await;
    assert_eq!(family.status(), 201, "making the family");
    let family: Value = family.json().await.expect("family JSON");
    let id = family["id"].as_str().expect("family id").to_owned();
    let products: Value = ops
        .get("/api/v1/products")
        .await
        .json()
        .await
        .expect("products JSON");
    for product in products.as_array().expect("a list") {
        let marked = ops
            .send(
                reqwest::Method::PUT,
                &format!(
                    "/api/v1/products/{}/simple-auth",
                    product["id"].as_str().unwrap_or_default()
                ),
                Some(&json!({ "family_id": id })),
            )
            .await;
        assert_eq!(marked.status(), 200, "marking {product} simple-auth");
    }
    let wifi = SimProduct {
        id: sim.product_id,
        slug: sim.product_slug.clone(),
        client_id: sim.client_id.clone(),
        client_secret: sim.client_secret.clone(),
        devices: sim.devices.clone(),
    };
    Family {
        ops,
        id,
        wifi,
        cell,
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a client")
}

/// Signs `email` up as a customer of `product` with `password`, as a simple-auth app does.
pub async fn sign_up(base_url: &str, product: &SimProduct, email: &str, password: &str) {
    let created = client()
        .post(format!("{base_url}/v1/products/{}/customers", product.id))
        .basic_auth(&product.client_id, Some(&product.client_secret))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("sign-up sent");
    assert_eq!(
        created.status(),
        201,
        "signing {email} up to {}",
        product.id
    );
}

/// The password grant at the simulated cloud, as the maker's app signs in.
pub async fn sign_in(
    base_url: &str,
    product: &SimProduct,
    email: &str,
    password: &str,
) -> StatusCode {
    client()
        .post(format!("{base_url}/oauth/token"))
        .basic_auth(&product.client_id, Some(&product.client_secret))
        .form(&[
            ("grant_type", "password"),
            ("username", email),
            ("password", password),
        ])
        .send()
        .await
        .expect("sign-in sent")
        .status()
}

/// The maker's app asks Fleetwarden for a reset email.
pub async fn forgot(app: &TestApp, product: i64, email: &str) -> reqwest::Response {
    client()
        .post(format!(
            "{}/api/v1/simple-auth/{product}/password/forgot",
            app.address
        ))
        .json(&json!({ "email": email }))
        .send()
        .await
        .expect("forgot sent")
}

/// The page a link opens, as HTML.
pub async fn open(link: &str) -> String {
    client()
        .get(link)
        .send()
        .await
        .expect("page asked")
        .text()
        .await
        .expect("page read")
}

/// Submits the page's form at `link` with `password` (twice); the answer page's HTML.
pub async fn choose(link: &str, password: &str) -> String {
    let url = url::Url::parse(link).expect("a link");
    let token = url
        .query_pairs()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let mut action = url.clone();
    action.set_query(None);
    client()
        .post(action)
        .form(&[
            ("token", token.as_str()),
            ("password", password),
            ("confirm", password),
        ])
        .send()
        .await
        .expect("form sent")
        .text()
        .await
        .expect("answer read")
}
