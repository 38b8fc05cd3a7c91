//! Client companies as sub-tenants: ClientX's people see ClientX's directory and audit and
//! nothing of ClientY (whose objects answer exactly like missing ones), and ClientX's manager
//! invites, groups and shares within ClientX on their own.
#![expect(clippy::unwrap_used, reason = "tests")]
use fleetwarden_tests::companies;
use fleetwarden_tests::fleet::{Fleet, PASSWORD};
use fleetwarden_tests::{Session, TestApp, spawn_fleet, spawn_fleet_with};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

const OPERATOR: &str = "00000000-0000-7000-8000-000000000002";

async fn body(response: reqwest::Response) -> Value {
    response.json().await.unwrap_or(Value::Null)
}

/// The fleet with ClientX and ClientY each managed by its own staff (see
/// `companies::managed_by_their_staff`).
async fn two_companies() -> (TestApp, Fleet, Session, Session) {
    // Refusals are written when a test flushes them, not by the background timer, so a test
    // that counts records counts one window whatever the machine's speed.
    let (app, fleet) =
        spawn_fleet_with(|settings| settings.database.audit_refusal_flush_secs = 3_600).await;
    let (x, y) = companies::managed_by_their_staff(&app, &fleet).await;
    (app, fleet, x, y)
}

/// The refused attempts the session may read in the tenant's audit log.
async fn refused(session: &Session, tenant: Uuid) -> Vec<Value> {
    let path = format!("/api/v1/tenants/{tenant}/audit?refused=true&per_page=200");
    body(session.get(&path).await).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// Every directory and audit answer of the tenant, as the session sees it.
async fn directory(session: &Session, tenant: Uuid) -> String {
    let mut all = String::new();
    for list in [
        "organizations",
        "sites",
        "groups",
        "users",
        "grants",
        "audit?per_page=200",
    ] {
        let response = session
            .get(&format!("/api/v1/tenants/{tenant}/{list}"))
            .await;
        assert_eq!(response.status(), 200, "{list}");
        all.push_str(&response.text().await.unwrap());
    }
    all
}

#[tokio::test]
async fn each_client_companys_people_see_their_own_directory_and_audit_and_nothing_of_the_other() {
    // Arrange
    let (app, fleet, x, y) = two_companies().await;
    let shared = x
        .post(
            &format!("/api/v1/tenants/{}/grants", fleet.coa),
            &json!({"subject": {"kind": "user", "id": fleet.xstaff},
                    "scope": {"kind": "device", "id": fleet.boston_devices[0]}, "role_id": OPERATOR}),
        )
        .await;
    assert_eq!(shared.status(), 201);

    // Act
    let seen_by_x = directory(&x, fleet.coa).await;
    let seen_by_y = directory(&y, fleet.coa).await;
    let seen_by_admin =
        directory(&app.sign_in("admin@coa.example", PASSWORD).await, fleet.coa).await;

    // Assert: each sees their own company and its audit, and nothing of the other's.
    let client_y = fleet.client_y.to_string();
    let client_x = fleet.client_x.to_string();
    for secret in [
        "ClientY",
        "Chicago",
        "ystaff@clienty.example",
        client_y.as_str(),
    ] {
        assert!(
            !seen_by_x.contains(secret),
            "ClientX's manager sees {secret}"
        );
        assert!(
            seen_by_admin.contains(secret),
            "the tenant admin sees {secret}"
        );
    }
    for secret in [
        "ClientX",
        "Boston",
        "xstaff@clientx.example",
        client_x.as_str(),
    ] {
        assert!(
            !seen_by_y.contains(secret),
            "ClientY's manager sees {secret}"
        );
    }
    assert!(seen_by_x.contains("ClientX Boston") && seen_by_x.contains("xstaff@clientx.example"));
    assert!(seen_by_y.contains("Chicago night shift") && seen_by_y.contains("ClientY Evanston"));
    assert!(
        seen_by_y.contains("group.create"),
        "ClientY's audit shows its own changes"
    );
    assert!(
        !seen_by_x.contains("group.create"),
        "ClientX's audit doesn't show ClientY's"
    );
    assert!(
        seen_by_x.contains("grant.create"),
        "ClientX's audit shows its own share"
    );
    assert!(
        !seen_by_x.contains("tech@coa.example"),
        "CustomerCoA's own staff stay out of ClientX's directory"
    );
}

#[tokio::test]
async fn another_client_companys_objects_answer_exactly_like_missing_ones() {
    // Arrange
    let (_app, fleet, x, y) = two_companies().await;
    let t = fleet.coa;
    let groups = body(y.get(&format!("/api/v1/tenants/{t}/groups")).await).await;
    let y_group = groups[0]["id"].as_str().unwrap().to_owned();
    let missing = Uuid::now_v7();

    // Act + Assert: each pair is (ClientY's object, an id that names nothing).
    let pairs = [
        (
            Method::PATCH,
            format!("/api/v1/tenants/{t}/sites/{}", fleet.chicago),
            format!("/api/v1/tenants/{t}/sites/{missing}"),
            json!({"name": "Mine now"}),
        ),
        (
            Method::PUT,
            format!("/api/v1/tenants/{t}/groups/{y_group}"),
            format!("/api/v1/tenants/{t}/groups/{missing}"),
            json!({"name": "Mine now"}),
        ),
        (
            Method::DELETE,
            format!("/api/v1/tenants/{t}/groups/{y_group}"),
            format!("/api/v1/tenants/{t}/groups/{missing}"),
            Value::Null,
        ),
        (
            Method::PUT,
            format!(
                "/api/v1/tenants/{t}/groups/{y_group}/members/{}",
                fleet.xstaff
            ),
            format!(
                "/api/v1/tenants/{t}/groups/{missing}/members/{}",
                fleet.xstaff
            ),
            Value::Null,
        ),
        (
            Method::DELETE,
            format!("/api/v1/tenants/{t}/users/{}", fleet.ystaff),
            format!("/api/v1/tenants/{t}/users/{missing}"),
            Value::Null,
        ),
        (
            Method::POST,
            format!("/api/v1/organizations/{}/invitations", fleet.client_y),
            format!("/api/v1/organizations/{missing}/invitations"),
            json!({"email": "spy@clientx.example", "role": "member"}),
        ),
        (
            Method::GET,
            format!("/api/v1/devices/{}", fleet.chicago_devices[0]),
            "/api/v1/devices/0123456789abcdef01234567".to_owned(),
            Value::Null,
        ),
    ];
    for (method, theirs, nothing, payload) in pairs {
        let payload = (!payload.is_null()).then_some(&payload);
        let a = x.send(method.clone(), &theirs, payload).await;
        let b = x.send(method.clone(), &nothing, payload).await;
        assert_eq!(a.status(), 404, "{method} {theirs}");
        assert_eq!(b.status(), 404, "{method} {nothing}");
        assert_eq!(body(a).await, body(b).await, "{method} {theirs}");
    }
    // References in a body read as missing in the same words.
    let refs = [
        (
            json!({"kind": "user", "id": fleet.ystaff}),
            json!({"kind": "device", "id": fleet.boston_devices[0]}),
            json!({"kind": "user", "id": missing}),
        ),
        (
            json!({"kind": "group", "id": y_group}),
            json!({"kind": "device", "id": fleet.boston_devices[0]}),
            json!({"kind": "group", "id": missing}),
        ),
    ];
    for (theirs, scope, nothing) in refs {
        let grant =
            |subject: Value| json!({"subject": subject, "scope": scope, "role_id": OPERATOR});
        let a = x
            .post(
                &format!("/api/v1/tenants/{t}/grants"),
                &grant(theirs.clone()),
            )
            .await;
        let b = x
            .post(&format!("/api/v1/tenants/{t}/grants"), &grant(nothing))
            .await;
        assert_eq!(a.status(), 422, "{theirs}");
        assert_eq!(body(a).await, body(b).await, "{theirs}");
    }
    let on = |scope: Value| json!({"subject": {"kind": "user", "id": fleet.xstaff}, "scope": scope, "role_id": OPERATOR});
    for (theirs, nothing) in [
        (
            json!({"kind": "device", "id": fleet.chicago_devices[0]}),
            json!({"kind": "device", "id": "0123456789abcdef01234567"}),
        ),
        (
            json!({"kind": "site", "id": fleet.chicago}),
            json!({"kind": "site", "id": missing}),
        ),
        (
            json!({"kind": "organization", "id": fleet.client_y}),
            json!({"kind": "organization", "id": missing}),
        ),
    ] {
        let a = x
            .post(&format!("/api/v1/tenants/{t}/grants"), &on(theirs.clone()))
            .await;
        let b = x
            .post(&format!("/api/v1/tenants/{t}/grants"), &on(nothing))
            .await;
        assert_eq!(a.status(), 422, "{theirs}");
        assert_eq!(body(a).await, body(b).await, "{theirs}");
    }
    let into_y = x
        .post(
            &format!("/api/v1/tenants/{t}/groups"),
            &json!({"name": "Spies", "organization_id": fleet.client_y}),
        )
        .await;
    let into_nothing = x
        .post(
            &format!("/api/v1/tenants/{t}/groups"),
            &json!({"name": "Spies", "organization_id": missing}),
        )
        .await;
    assert_eq!(into_y.status(), 422);
    assert_eq!(body(into_y).await, body(into_nothing).await);
}

#[tokio::test]
async fn a_client_manager_invites_groups_and_shares_within_their_company() {
    // Arrange
    let (app, fleet, x, _y) = two_companies().await;
    let t = fleet.coa;
    let me = body(x.get("/api/v1/me").await).await;
    let administers = me["administers"].as_array().unwrap();
    assert_eq!(administers.len(), 1, "{administers:?}");
    assert_eq!(
        administers[0]["organization_id"],
        fleet.client_x.to_string()
    );
    assert_eq!(administers[0]["organization_name"], "ClientX");
    for action in [
        "user.invite",
        "group.manage",
        "site.manage",
        "device.share",
        "audit.read",
    ] {
        assert!(
            administers[0]["actions"]
                .as_array()
                .unwrap()
                .contains(&json!(action))
        );
    }

    // Act: invite a colleague into ClientX, who accepts.
    let invited = x
        .post(
            &format!("/api/v1/organizations/{}/invitations", fleet.client_x),
            &json!({"email": "dana@clientx.example", "role": "member"}),
        )
        .await;
    assert_eq!(invited.status(), 201, "{}", invited.text().await.unwrap());
    let link = app.mail.next_message().await.link("/invite").unwrap();
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let accepted = app
        .post_json(
            "/api/v1/invitations/accept",
            &json!({"token": token, "password": PASSWORD, "display_name": "Dana"}),
        )
        .await;
    assert_eq!(accepted.status(), 200);
    // ClientX's manager sees the colleague they invited.
    let dana_id = body(x.get(&format!("/api/v1/tenants/{t}/users")).await)
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "dana@clientx.example")
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .unwrap();
    // ... put them in a ClientX group, share one Boston pump with the group.
    let group = body(
        x.post(
            &format!("/api/v1/tenants/{t}/groups"),
            &json!({"name": "Boston day shift", "organization_id": fleet.client_x}),
        )
        .await,
    )
    .await;
    let group_id = group["id"].as_str().unwrap();
    assert_eq!(group["organization_id"], fleet.client_x.to_string());
    let joined = x
        .send(
            Method::PUT,
            &format!("/api/v1/tenants/{t}/groups/{group_id}/members/{dana_id}"),
            None,
        )
        .await;
    assert_eq!(joined.status(), 200);
    let shared = x
        .post(
            &format!("/api/v1/tenants/{t}/grants"),
            &json!({"subject": {"kind": "group", "id": group_id},
                    "scope": {"kind": "device", "id": fleet.boston_devices[1]}, "role_id": OPERATOR}),
        )
        .await;
    assert_eq!(shared.status(), 201);
    let site = x
        .post(
            &format!("/api/v1/tenants/{t}/sites"),
            &json!({"name": "ClientX Cambridge", "organization_id": fleet.client_x}),
        )
        .await;

    // Assert
    assert_eq!(site.status(), 201);
    let dana = app.sign_in("dana@clientx.example", PASSWORD).await;
    let devices = body(dana.get("/api/v1/devices").await).await;
    let ids: Vec<&str> = devices["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [fleet.boston_devices[1].as_str()]);
    // Bounded by what they hold: no tenant admins, no groups at the root, no root sites.
    let admin_invite = x
        .post(
            &format!("/api/v1/organizations/{}/invitations", fleet.client_x),
            &json!({"email": "boss@clientx.example", "role": "admin"}),
        )
        .await;
    assert_eq!(admin_invite.status(), 403);
    let root_group = x
        .post(
            &format!("/api/v1/tenants/{t}/groups"),
            &json!({"name": "Everyone"}),
        )
        .await;
    assert_eq!(
        root_group.status(),
        422,
        "the root is outside ClientX's manager's sight"
    );
    // They manage their company's memberships: Dana leaves ClientX.
    let removed = x
        .delete(&format!("/api/v1/tenants/{t}/users/{dana_id}"))
        .await;
    assert_eq!(removed.status(), 204);
    assert!(
        body(dana.get("/api/v1/devices").await).await["items"]
            .as_array()
            .is_none_or(Vec::is_empty)
    );
}

#[tokio::test]
async fn who_has_access_lists_platform_and_tenant_admins_with_the_reason() {
    // Arrange
    let (app, fleet) = spawn_fleet().await;
    app.create_user("ops@fleetwarden.example", PASSWORD, true)
        .await;
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;

    // Act
    let access = body(
        admin
            .get(&format!(
                "/api/v1/devices/{}/access",
                fleet.boston_devices[0]
            ))
            .await,
    )
    .await;

    // Assert
    let reason = |email: &str| -> Vec<String> {
        access
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["email"] == email)
            .flat_map(|e| e["chains"].as_array().unwrap().iter())
            .flat_map(|chain| chain.as_array().unwrap().iter())
            .map(|link| link["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(reason("ops@fleetwarden.example"), ["platform_admin"]);
    assert_eq!(reason("admin@coa.example"), ["tenant_admin"]);
}

#[tokio::test]
async fn refusals_are_audited_where_they_were_aimed_and_a_scan_of_ten_thousand_ids_writes_few_records()
 {
    // Arrange
    let (app, fleet, x, y) = two_companies().await;
    let t = fleet.coa;
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;

    // Act: ClientX's manager probes ClientY's pumps, then scans 10,000 made-up ids, and tries
    // to revoke a grant they can't see.
    for id in &fleet.chicago_devices {
        let probed = x.get(&format!("/api/v1/devices/{id}")).await;
        assert_eq!(probed.status(), 404);
    }
    let ids: Vec<String> = (0..10_000u32).map(|n| format!("{n:024x}")).collect();
    let body_stop = json!({"arg": ""});
    for chunk in ids.chunks(100) {
        let paths: Vec<String> = chunk
            .iter()
            .map(|id| format!("/api/v1/devices/{id}/functions/stop"))
            .collect();
        let answers = futures_util::future::join_all(
            paths
                .iter()
                .map(|path| x.send(Method::POST, path, Some(&body_stop))),
        )
        .await;
        assert!(answers.iter().all(|a| a.status() == 404));
    }
    let y_grants = body(y.get(&format!("/api/v1/tenants/{t}/grants")).await).await;
    let y_grant = y_grants[0]["id"].as_str().unwrap();
    let revoke = x
        .delete(&format!("/api/v1/tenants/{t}/grants/{y_grant}"))
        .await;
    assert_eq!(revoke.status(), 404);
    app.flush_refusals().await;

    // Assert
    let seen_by_admin = refused(&admin, t).await;
    let attempted = |records: &[Value], what: &str| -> u64 {
        records
            .iter()
            .filter(|r| {
                r["after"]["attempted"] == what && r["actor_email"] == "xstaff@clientx.example"
            })
            .map(|r| r["after"]["count"].as_u64().unwrap())
            .sum()
    };
    assert_eq!(attempted(&seen_by_admin, "device.function.call"), 10_000);
    assert_eq!(attempted(&seen_by_admin, "device.read"), 3);
    assert_eq!(attempted(&seen_by_admin, "grant.revoke"), 1);
    assert!(
        seen_by_admin.len() <= 3,
        "one record per kind of attempt, not one per id: {}",
        seen_by_admin.len()
    );
    assert!(
        seen_by_admin
            .iter()
            .all(|r| r["action"] == "access.refused")
    );
    // ClientY's manager sees the probes of ClientY's pumps, and ClientX's manager doesn't.
    assert_eq!(attempted(&refused(&y, t).await, "device.read"), 3);
    assert_eq!(attempted(&refused(&x, t).await, "device.read"), 0);
    let done = body(
        admin
            .get(&format!(
                "/api/v1/tenants/{t}/audit?refused=false&per_page=200"
            ))
            .await,
    )
    .await;
    assert!(
        done["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["action"] != "access.refused")
    );
}
