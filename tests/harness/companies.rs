//! Two client companies under CustomerCoA, each managed by its own staff: the arrangement of
//! every test of client companies as sub-tenants (API and browser).
use serde_json::{Value, json};

use crate::fleet::{Fleet, PASSWORD};
use crate::{Session, TestApp};

/// The built-in manager role.
pub const MANAGER: &str = "00000000-0000-7000-8000-000000000003";

/// ClientX's and ClientY's staff, each made manager of their own company by the tenant
/// admin, and ClientY's own directory (group "Chicago night shift" with its manager, site
/// "ClientY Evanston") made by ClientY's manager: something for ClientX's people not to see.
/// Returns their sessions (ClientX's, ClientY's).
#[expect(clippy::expect_used, reason = "test fixture")]
pub async fn managed_by_their_staff(app: &TestApp, fleet: &Fleet) -> (Session, Session) {
    let t = fleet.coa;
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    for (who, org) in [
        (fleet.xstaff, fleet.client_x),
        (fleet.ystaff, fleet.client_y),
    ] {
        let made = admin
            .post(
                &format!("/api/v1/tenants/{t}/grants"),
                &json!({"subject": {"kind": "user", "id": who},
                        "scope": {"kind": "organization", "id": org}, "role_id": MANAGER}),
            )
            .await;
        assert_eq!(made.status(), 201, "manager of {org}");
    }
    let x = app.sign_in("xstaff@clientx.example", PASSWORD).await;
    let y = app.sign_in("ystaff@clienty.example", PASSWORD).await;
    let group = y
        .post(
            &format!("/api/v1/tenants/{t}/groups"),
            &json!({"name": "Chicago night shift", "organization_id": fleet.client_y}),
        )
        .await;
    assert_eq!(group.status(), 201);
    let group: Value = group.json().await.expect("a group");
    let joined = y
        .send(
            reqwest::Method::PUT,
            &format!(
                "/api/v1/tenants/{t}/groups/{}/members/{}",
                group["id"].as_str().unwrap_or_default(),
                fleet.ystaff
            ),
            None,
        )
        .await;
    assert_eq!(joined.status(), 200);
    let site = y
        .post(
            &format!("/api/v1/tenants/{t}/sites"),
            &json!({"name": "ClientY Evanston", "organization_id": fleet.client_y}),
        )
        .await;
    assert_eq!(site.status(), 201);
    (x, y)
}
