//! Tenancy and sharing through the API: grants over sites, groups and expiry; delegation;
//! "devices I can see"; who has access and why; isolation between tenants; the audit log.
#![expect(clippy::unwrap_used, reason = "tests")]
use chrono::Duration;
use fleetwarden_tests::fleet::PASSWORD;
use fleetwarden_tests::{Session, TestApp, spawn_fleet};
use serde_json::{Value, json};
use uuid::Uuid;

const OPERATOR: &str = "00000000-0000-7000-8000-000000000002";
const MANAGER: &str = "00000000-0000-7000-8000-000000000003";
const VIEWER: &str = "00000000-0000-7000-8000-000000000001";

async fn body(response: reqwest::Response) -> Value {
    response.json().await.unwrap_or(Value::Null)
}

async fn visible(session: &Session) -> Vec<String> {
    let page = body(session.get("/api/v1/devices?per_page=200").await).await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn grant(
    admin: &Session,
    tenant: Uuid,
    subject: Value,
    scope: Value,
    role: &str,
) -> reqwest::Response {
    admin
        .post(
            &format!("/api/v1/tenants/{tenant}/grants"),
            &json!({"subject": subject, "scope": scope, "role_id": role}),
        )
        .await
}

async fn sign_in(app: &TestApp, who: &str) -> Session {
    app.sign_in(who, PASSWORD).await
}

#[tokio::test]
async fn a_site_shared_with_a_group_shows_its_members_exactly_that_sites_devices() {
    // Arrange
    let (app, fleet) = spawn_fleet().await;
    let admin = sign_in(&app, "admin@coa.example").await;
    let tech = sign_in(&app, "tech@coa.example").await;
    assert!(visible(&tech).await.is_empty(), "no grant, no devices");

    // Act
    let created = grant(
        &admin,
        fleet.coa,
        json!({"kind": "group", "id": fleet.boston_techs}),
        json!({"kind": "site", "id": fleet.boston}),
        OPERATOR,
    )
    .await;

    // Assert
    assert_eq!(created.status(), 201);
    assert_eq!(visible(&tech).await, ["bos-1", "bos-2", "bos-3", "bos-4"]);
    let device = body(
        tech.get(&format!("/api/v1/devices/{}", fleet.boston_devices[0]))
            .await,
    )
    .await;
    let actions: Vec<&str> = device["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(actions.contains(&"device.function.call"));
    assert!(!actions.contains(&"device.share"));
    assert_eq!(device["site_name"], "ClientX Boston");
    let hidden = tech
        .get(&format!("/api/v1/devices/{}", fleet.chicago_devices[0]))
        .await;
    assert_eq!(hidden.status(), 404, "a device I can't see is a 404");
}

#[tokio::test]
async fn another_tenants_objects_are_404_never_listed() {
    let (app, fleet) = spawn_fleet().await;
    let other = sign_in(&app, "admin@other.example").await;

    let devices = visible(&other).await;
    let device = other
        .get(&format!("/api/v1/devices/{}", fleet.boston_devices[0]))
        .await;
    let sites = other
        .get(&format!("/api/v1/tenants/{}/sites", fleet.coa))
        .await;
    let share = grant(
        &other,
        fleet.coa,
        json!({"kind": "user", "id": fleet.other_admin}),
        json!({"kind": "tenant", "id": fleet.coa}),
        VIEWER,
    )
    .await;
    let cross = grant(
        &other,
        fleet.other,
        json!({"kind": "user", "id": fleet.other_admin}),
        json!({"kind": "device", "id": fleet.boston_devices[0]}),
        VIEWER,
    )
    .await;

    assert_eq!(devices, ["other-1"]);
    assert_eq!(device.status(), 404);
    assert_eq!(sites.status(), 404);
    assert_eq!(share.status(), 404);
    assert_eq!(
        cross.status(),
        422,
        "a device of another tenant is no scope in mine"
    );
}

#[tokio::test]
async fn an_expiring_grant_stops_counting_at_its_expiry_exactly() {
    let (app, fleet) = spawn_fleet().await;
    let admin = sign_in(&app, "admin@coa.example").await;
    let tech = sign_in(&app, "tech@coa.example").await;
    let until = app.clock_now() + Duration::hours(1);
    let created = admin
        .post(
            &format!("/api/v1/tenants/{}/grants", fleet.coa),
            &json!({"subject": {"kind": "user", "id": fleet.tech}, "scope": {"kind": "device", "id": fleet.hq_device}, "role_id": VIEWER, "expires_at": until}),
        )
        .await;
    assert_eq!(created.status(), 201);

    app.clock
        .advance(Duration::hours(1) - Duration::milliseconds(1));
    let before = visible(&tech).await;
    app.clock.advance(Duration::milliseconds(1));
    let at = visible(&tech).await;

    assert_eq!(before, ["hq-1"]);
    assert!(at.is_empty());
}

#[tokio::test]
async fn nobody_grants_more_than_they_hold_on_that_scope() {
    // Arrange: mgr manages ClientX (and only ClientX).
    let (app, fleet) = spawn_fleet().await;
    let admin = sign_in(&app, "admin@coa.example").await;
    let mgr = sign_in(&app, "mgr@coa.example").await;
    let tech = sign_in(&app, "tech@coa.example").await;
    let manager_on_x = grant(
        &admin,
        fleet.coa,
        json!({"kind": "user", "id": fleet.mgr}),
        json!({"kind": "organization", "id": fleet.client_x}),
        MANAGER,
    )
    .await;
    assert_eq!(manager_on_x.status(), 201);
    grant(
        &admin,
        fleet.coa,
        json!({"kind": "user", "id": fleet.tech}),
        json!({"kind": "site", "id": fleet.chicago}),
        OPERATOR,
    )
    .await;

    // Act
    let within = grant(
        &mgr,
        fleet.coa,
        json!({"kind": "user", "id": fleet.xstaff}),
        json!({"kind": "site", "id": fleet.boston}),
        OPERATOR,
    )
    .await;
    let outside = grant(
        &mgr,
        fleet.coa,
        json!({"kind": "user", "id": fleet.xstaff}),
        json!({"kind": "site", "id": fleet.chicago}),
        VIEWER,
    )
    .await;
    let whole_tenant = grant(
        &mgr,
        fleet.coa,
        json!({"kind": "user", "id": fleet.xstaff}),
        json!({"kind": "tenant", "id": fleet.coa}),
        VIEWER,
    )
    .await;
    let operator_shares = grant(
        &tech,
        fleet.coa,
        json!({"kind": "user", "id": fleet.xstaff}),
        json!({"kind": "site", "id": fleet.chicago}),
        VIEWER,
    )
    .await;

    // Assert
    assert_eq!(within.status(), 201);
    assert_eq!(outside.status(), 403);
    assert_eq!(whole_tenant.status(), 403);
    assert_eq!(
        operator_shares.status(),
        403,
        "operators hold no device.share"
    );
    let xstaff = sign_in(&app, "xstaff@clientx.example").await;
    assert_eq!(visible(&xstaff).await, ["bos-1", "bos-2", "bos-3", "bos-4"]);
}

#[tokio::test]
async fn who_has_access_shows_each_person_their_actions_and_the_chain_of_grants() {
    let (app, fleet) = spawn_fleet().await;
    let admin = sign_in(&app, "admin@coa.example").await;
    grant(
        &admin,
        fleet.coa,
        json!({"kind": "group", "id": fleet.boston_techs}),
        json!({"kind": "site", "id": fleet.boston}),
        OPERATOR,
    )
    .await;
    let device = &fleet.boston_devices[1];

    let access = body(admin.get(&format!("/api/v1/devices/{device}/access")).await).await;
    let tech_sees = sign_in(&app, "tech@coa.example")
        .await
        .get(&format!("/api/v1/devices/{device}/access"))
        .await;

    let entries = access.as_array().unwrap();
    let tech = entries
        .iter()
        .find(|e| e["email"] == "tech@coa.example")
        .unwrap();
    let chain = &tech["chains"][0];
    assert_eq!(chain[0]["kind"], "group");
    assert_eq!(chain[0]["name"], "Boston techs");
    assert_eq!(chain[1]["kind"], "grant");
    assert_eq!(chain[1]["name"], "operator");
    assert_eq!(chain[1]["scope"]["kind"], "site");
    assert_eq!(chain[1]["scope_name"], "ClientX Boston");
    assert!(
        tech["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("device.function.call"))
    );
    let admin_entry = entries
        .iter()
        .find(|e| e["email"] == "admin@coa.example")
        .unwrap();
    assert_eq!(admin_entry["chains"][0][0]["kind"], "tenant_admin");
    assert!(
        entries.iter().all(|e| e["email"] != "mgr@coa.example"),
        "only people who reach it"
    );
    assert_eq!(
        tech_sees.status(),
        403,
        "seeing a device is not seeing who else can"
    );
}

#[tokio::test]
async fn revoking_a_grant_or_leaving_the_group_ends_access_at_once() {
    let (app, fleet) = spawn_fleet().await;
    let admin = sign_in(&app, "admin@coa.example").await;
    let tech = sign_in(&app, "tech@coa.example").await;
    let g = body(
        grant(
            &admin,
            fleet.coa,
            json!({"kind": "group", "id": fleet.boston_techs}),
            json!({"kind": "site", "id": fleet.boston}),
            OPERATOR,
        )
        .await,
    )
    .await;
    let direct = body(
        grant(
            &admin,
            fleet.coa,
            json!({"kind": "user", "id": fleet.tech}),
            json!({"kind": "device", "id": fleet.hq_device}),
            VIEWER,
        )
        .await,
    )
    .await;
    assert_eq!(visible(&tech).await.len(), 5);

    let left = admin
        .delete(&format!(
            "/api/v1/tenants/{}/groups/{}/members/{}",
            fleet.coa, fleet.boston_techs, fleet.tech
        ))
        .await;
    let after_leaving = visible(&tech).await;
    let revoked = admin
        .delete(&format!(
            "/api/v1/tenants/{}/grants/{}",
            fleet.coa,
            direct["id"].as_str().unwrap()
        ))
        .await;
    let after_revoke = visible(&tech).await;
    let again = admin
        .delete(&format!(
            "/api/v1/tenants/{}/grants/{}",
            fleet.coa,
            direct["id"].as_str().unwrap()
        ))
        .await;

    assert_eq!(left.status(), 200);
    assert_eq!(after_leaving, ["hq-1"]);
    assert_eq!(revoked.status(), 204);
    assert!(after_revoke.is_empty());
    assert_eq!(again.status(), 404);
    assert!(g["id"].is_string());
}

#[tokio::test]
async fn moving_a_device_or_a_site_moves_access_with_it() {
    let (app, fleet) = spawn_fleet().await;
    let admin = sign_in(&app, "admin@coa.example").await;
    let xstaff = sign_in(&app, "xstaff@clientx.example").await;
    grant(
        &admin,
        fleet.coa,
        json!({"kind": "user", "id": fleet.xstaff}),
        json!({"kind": "organization", "id": fleet.client_x}),
        VIEWER,
    )
    .await;
    assert_eq!(visible(&xstaff).await.len(), 4);

    let moved = admin
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/devices/{}", fleet.chicago_devices[0]),
            Some(&json!({"site_id": fleet.boston})),
        )
        .await;
    let with_device = visible(&xstaff).await;
    let site_moved = admin
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/tenants/{}/sites/{}", fleet.coa, fleet.chicago),
            Some(&json!({"organization_id": fleet.client_x})),
        )
        .await;
    let with_site = visible(&xstaff).await;
    let unplaced = admin
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/devices/{}", fleet.boston_devices[0]),
            Some(&json!({"site_id": null})),
        )
        .await;
    let after_unplacing = visible(&xstaff).await;

    assert_eq!(moved.status(), 200);
    assert_eq!(with_device, ["bos-1", "bos-2", "bos-3", "bos-4", "chi-1"]);
    assert_eq!(site_moved.status(), 200);
    assert_eq!(with_site.len(), 7);
    assert_eq!(unplaced.status(), 200);
    assert!(!after_unplacing.contains(&"bos-1".to_owned()));
}

#[tokio::test]
async fn a_custom_role_can_call_one_function_but_not_reset() {
    let (app, fleet) = spawn_fleet().await;
    let admin = sign_in(&app, "admin@coa.example").await;
    let role = body(
        admin
            .post(
                &format!("/api/v1/tenants/{}/roles", fleet.coa),
                &json!({"name": "Pressure tech", "actions": ["device.read", "device.function.call.setpressure"]}),
            )
            .await,
    )
    .await;
    let role_id = role["id"].as_str().unwrap().to_owned();
    grant(
        &admin,
        fleet.coa,
        json!({"kind": "user", "id": fleet.tech}),
        json!({"kind": "device", "id": fleet.hq_device}),
        &role_id,
    )
    .await;
    let tech = sign_in(&app, "tech@coa.example").await;

    let actions = body(
        tech.get(&format!("/api/v1/devices/{}", fleet.hq_device))
            .await,
    )
    .await["actions"]
        .clone();
    let edited = admin
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/tenants/{}/roles/{role_id}", fleet.coa),
            Some(&json!({"name": "Pressure tech", "actions": ["device.read"]})),
        )
        .await;
    let after = body(
        tech.get(&format!("/api/v1/devices/{}", fleet.hq_device))
            .await,
    )
    .await["actions"]
        .clone();
    let delete_in_use = admin
        .delete(&format!("/api/v1/tenants/{}/roles/{role_id}", fleet.coa))
        .await;
    let builtin_name = admin
        .post(
            &format!("/api/v1/tenants/{}/roles", fleet.coa),
            &json!({"name": "manager", "actions": ["device.read"]}),
        )
        .await;

    assert!(
        actions
            .as_array()
            .unwrap()
            .contains(&json!("device.function.call.setpressure"))
    );
    assert!(
        !actions
            .as_array()
            .unwrap()
            .contains(&json!("device.function.call"))
    );
    assert_eq!(edited.status(), 200);
    assert_eq!(after, json!(["device.read"]));
    assert_eq!(delete_in_use.status(), 409);
    assert_eq!(builtin_name.status(), 422);
}

#[tokio::test]
async fn organizations_and_sites_form_a_tree_that_refuses_cycles_and_losing_data() {
    let (app, fleet) = spawn_fleet().await;
    let admin = sign_in(&app, "admin@coa.example").await;
    let orgs = format!("/api/v1/tenants/{}/organizations", fleet.coa);

    let sub = body(
        admin
            .post(
                &orgs,
                &json!({"name": "ClientX East", "parent_id": fleet.client_x}),
            )
            .await,
    )
    .await;
    let duplicate = admin.post(&orgs, &json!({"name": "ClientY"})).await;
    let cycle = admin
        .send(
            reqwest::Method::PATCH,
            &format!("{orgs}/{}", fleet.client_x),
            Some(&json!({"parent_id": sub["id"]})),
        )
        .await;
    let in_use = admin.delete(&format!("{orgs}/{}", fleet.client_x)).await;
    let site = admin
        .post(
            &format!("/api/v1/tenants/{}/sites", fleet.coa),
            &json!({"organization_id": sub["id"], "name": "Cambridge"}),
        )
        .await;
    let tech = sign_in(&app, "tech@coa.example").await;
    let tech_creates = tech.post(&orgs, &json!({"name": "Rogue"})).await;
    let listed = body(admin.get(&orgs).await).await;

    assert_eq!(sub["parent_id"], json!(fleet.client_x));
    assert_eq!(duplicate.status(), 409);
    assert_eq!(cycle.status(), 422);
    assert_eq!(in_use.status(), 409);
    assert_eq!(site.status(), 201);
    assert_eq!(tech_creates.status(), 403);
    assert_eq!(listed.as_array().map(Vec::len), Some(4));
}

#[tokio::test]
async fn the_device_list_is_complete_stable_and_paginated() {
    let (app, fleet) = spawn_fleet().await;
    let admin = sign_in(&app, "admin@coa.example").await;

    let mut names = Vec::new();
    let mut total = 0;
    for page in 1..=5 {
        let p = body(
            admin
                .get(&format!("/api/v1/devices?per_page=2&page={page}"))
                .await,
        )
        .await;
        total = p["total"].as_u64().unwrap();
        names.extend(
            p["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["name"].as_str().unwrap().to_owned()),
        );
    }
    let filtered = body(
        admin
            .get(&format!("/api/v1/devices?organization={}", fleet.client_y))
            .await,
    )
    .await;
    let searched = body(admin.get("/api/v1/devices?q=HQ").await).await;
    let bad_page = admin.get("/api/v1/devices?page=0").await;

    assert_eq!(total, 9);
    assert_eq!(
        names,
        [
            "bos-1", "bos-2", "bos-3", "bos-4", "chi-1", "chi-2", "chi-3", "hq-1", "spare-1"
        ]
    );
    assert_eq!(filtered["total"], 3);
    assert_eq!(searched["items"][0]["name"], "hq-1");
    assert_eq!(bad_page.status(), 422);
}

#[tokio::test]
async fn the_audit_log_records_every_change_with_its_request_and_filters() {
    let (app, fleet) = spawn_fleet().await;
    let admin = sign_in(&app, "admin@coa.example").await;
    grant(
        &admin,
        fleet.coa,
        json!({"kind": "group", "id": fleet.boston_techs}),
        json!({"kind": "site", "id": fleet.boston}),
        OPERATOR,
    )
    .await;
    admin
        .post(
            &format!("/api/v1/tenants/{}/groups", fleet.coa),
            &json!({"name": "Chicago techs"}),
        )
        .await;

    let grants = body(
        admin
            .get(&format!(
                "/api/v1/tenants/{}/audit?action=grant.",
                fleet.coa
            ))
            .await,
    )
    .await;
    let all = body(
        admin
            .get(&format!("/api/v1/tenants/{}/audit", fleet.coa))
            .await,
    )
    .await;
    let tech = sign_in(&app, "tech@coa.example").await;
    let forbidden = tech
        .get(&format!("/api/v1/tenants/{}/audit", fleet.coa))
        .await;
    let other = sign_in(&app, "admin@other.example").await;
    let hidden = other
        .get(&format!("/api/v1/tenants/{}/audit", fleet.coa))
        .await;

    assert_eq!(grants["total"], 1);
    let record = &grants["items"][0];
    assert_eq!(record["action"], "grant.create");
    assert_eq!(record["actor_email"], "admin@coa.example");
    assert!(record["request_id"].as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(record["after"]["scope"]["kind"], "site");
    assert_eq!(all["items"][0]["action"], "group.create", "newest first");
    assert_eq!(forbidden.status(), 403);
    assert_eq!(hidden.status(), 404);
}

async fn edit(session: &Session, tenant: Uuid, grant: &str, body: Value) -> reqwest::Response {
    session
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/tenants/{tenant}/grants/{grant}"),
            Some(&body),
        )
        .await
}

#[tokio::test]
async fn a_grant_takes_another_role_and_end_and_the_audit_says_what_it_was() {
    // Arrange: the technician may only look at the HQ pump.
    let (app, fleet) = spawn_fleet().await;
    let admin = sign_in(&app, "admin@coa.example").await;
    let tech = sign_in(&app, "tech@coa.example").await;
    let device = format!("/api/v1/devices/{}", fleet.hq_device);
    let created = body(
        grant(
            &admin,
            fleet.coa,
            json!({"kind": "user", "id": fleet.tech}),
            json!({"kind": "device", "id": fleet.hq_device}),
            VIEWER,
        )
        .await,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let before = body(tech.get(&device).await).await["actions"].clone();

    // Act: operator for an hour.
    let until = app.clock_now() + Duration::hours(1);
    let edited = edit(
        &admin,
        fleet.coa,
        &id,
        json!({"role_id": OPERATOR, "expires_at": until}),
    )
    .await;
    let edited_status = edited.status();
    let edited = body(edited).await;
    let during = body(tech.get(&device).await).await["actions"].clone();
    app.clock.advance(Duration::hours(2));
    let after_the_end = tech.get(&device).await.status();
    let reopened = edit(&admin, fleet.coa, &id, json!({"expires_at": null})).await;
    let reopened_status = reopened.status();
    let reopened = body(reopened).await;
    let audit = body(
        admin
            .get(&format!(
                "/api/v1/tenants/{}/audit?action=grant.update",
                fleet.coa
            ))
            .await,
    )
    .await;

    // Assert
    let call = json!("device.function.call");
    assert!(!before.as_array().unwrap().contains(&call), "{before}");
    assert_eq!(edited_status, 200, "{edited}");
    assert_eq!(edited["id"], json!(id), "the same grant, changed");
    assert_eq!(edited["role_id"], json!(OPERATOR));
    assert_eq!(edited["role_name"], json!("operator"));
    assert!(edited["expires_at"].is_string(), "{edited}");
    assert!(during.as_array().unwrap().contains(&call), "{during}");
    assert_eq!(after_the_end, 404, "it ends at its new end");
    assert_eq!(reopened_status, 200);
    assert!(reopened["expires_at"].is_null(), "{reopened}");
    assert_eq!(reopened["active"], json!(true));
    assert_eq!(tech.get(&device).await.status(), 200);
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{audit}");
    let first = items
        .iter()
        .find(|r| r["before"]["role_id"] == json!(VIEWER));
    let first = first.unwrap_or_else(|| panic!("no record from viewer: {audit}"));
    assert_eq!(first["after"]["role_id"], json!(OPERATOR));
}

#[tokio::test]
async fn editing_a_grant_is_bounded_like_creating_one() {
    // Arrange: the manager shares at ClientX Boston only; the technician holds a viewer grant
    // there from the manager and one at Chicago from the admin.
    let (app, fleet) = spawn_fleet().await;
    let admin = sign_in(&app, "admin@coa.example").await;
    let other_admin = sign_in(&app, "admin@other.example").await;
    let site = |id: Uuid| json!({"kind": "site", "id": id});
    let me = |id: Uuid| json!({"kind": "user", "id": id});
    let made = grant(
        &admin,
        fleet.coa,
        me(fleet.mgr),
        site(fleet.boston),
        MANAGER,
    )
    .await;
    assert_eq!(made.status(), 201);
    let mgr = sign_in(&app, "mgr@coa.example").await;
    let boston_device = json!({"kind": "device", "id": fleet.boston_devices[0]});
    let chicago_device = json!({"kind": "device", "id": fleet.chicago_devices[0]});
    let at_boston = body(grant(&mgr, fleet.coa, me(fleet.tech), boston_device, VIEWER).await).await;
    let at_chicago =
        body(grant(&admin, fleet.coa, me(fleet.tech), chicago_device, VIEWER).await).await;
    let billing = body(
        admin
            .post(
                &format!("/api/v1/tenants/{}/roles", fleet.coa),
                &json!({"name": "Accounts", "actions": ["device.read", "billing.read"]}),
            )
            .await,
    )
    .await;
    let (boston_id, chicago_id) = (
        at_boston["id"].as_str().unwrap(),
        at_chicago["id"].as_str().unwrap(),
    );

    // Act
    let beyond_own_role = edit(
        &mgr,
        fleet.coa,
        boston_id,
        json!({"role_id": billing["id"]}),
    )
    .await;
    let outside_own_scope = edit(&mgr, fleet.coa, chicago_id, json!({"role_id": OPERATOR})).await;
    let past_end = edit(
        &mgr,
        fleet.coa,
        boston_id,
        json!({"expires_at": app.clock_now() - Duration::minutes(1)}),
    )
    .await;
    let unknown_role = edit(
        &mgr,
        fleet.coa,
        boston_id,
        json!({"role_id": Uuid::now_v7()}),
    )
    .await;
    let other_tenant = edit(
        &other_admin,
        fleet.coa,
        boston_id,
        json!({"role_id": OPERATOR}),
    )
    .await;
    let within = edit(&mgr, fleet.coa, boston_id, json!({"role_id": OPERATOR})).await;

    // Assert
    assert_eq!(beyond_own_role.status(), 403);
    assert_eq!(
        body(beyond_own_role).await["error"],
        json!("exceeds_own_rights")
    );
    // A grant on a scope they can't share is one they don't see: it answers as a missing one.
    assert_eq!(outside_own_scope.status(), 404);
    assert_eq!(past_end.status(), 422);
    assert_eq!(unknown_role.status(), 422);
    assert_eq!(
        other_tenant.status(),
        404,
        "another tenant's grant is not there"
    );
    assert_eq!(within.status(), 200);
    assert_eq!(body(within).await["role_id"], json!(OPERATOR));
}

#[tokio::test]
async fn a_manager_who_unplaces_a_device_from_their_site_is_told_it_was_done() {
    // Arrange: the manager's grant is on ClientX Boston, so a device there is theirs to place.
    let (app, fleet) = spawn_fleet().await;
    let admin = sign_in(&app, "admin@coa.example").await;
    let made = grant(
        &admin,
        fleet.coa,
        json!({"kind": "user", "id": fleet.mgr}),
        json!({"kind": "site", "id": fleet.boston}),
        MANAGER,
    )
    .await;
    assert_eq!(made.status(), 201);
    let mgr = sign_in(&app, "mgr@coa.example").await;
    let device = format!("/api/v1/devices/{}", fleet.boston_devices[0]);

    // Act
    let unplaced = mgr
        .send(
            reqwest::Method::PATCH,
            &device,
            Some(&json!({"site_id": null})),
        )
        .await;
    let status = unplaced.status();
    let answer = body(unplaced).await;

    // Assert: applied and said so, though the device is now out of the manager's sight.
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["id"], json!(fleet.boston_devices[0]));
    assert_eq!(answer.get("site_id"), Some(&Value::Null), "{answer}");
    assert_eq!(answer["actions"], json!([]));
    assert_eq!(mgr.get(&device).await.status(), 404);
    let seen_by_admin = body(admin.get(&device).await).await;
    assert_eq!(
        seen_by_admin.get("site_id"),
        Some(&Value::Null),
        "{seen_by_admin}"
    );
}
