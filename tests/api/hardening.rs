//! Hardening ([F]): each test is named for what it protects, and failed before its fix.
#![expect(clippy::unwrap_used, reason = "tests")]
use std::time::{Duration, Instant};

use fleetwarden_tests::fleet::PASSWORD as FLEET_PASSWORD;
use fleetwarden_tests::{browser, spawn_app, spawn_app_with, spawn_fleet, spawn_fleet_with};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "correct horse battery staple";
const NEW_PASSWORD: &str = "a brand new long passphrase";

async fn body(response: reqwest::Response) -> Value {
    response.json().await.unwrap_or(Value::Null)
}

async fn me_with(app: &fleetwarden_tests::TestApp, bearer: &str) -> u16 {
    browser()
        .get(format!("{}/api/v1/me", app.address))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Ada signed in, and a working API token someone minted on her account.
async fn with_minted_token() -> (
    fleetwarden_tests::TestApp,
    fleetwarden_tests::Session,
    String,
) {
    let app = spawn_app().await;
    app.create_user("ada@example.com", PASSWORD, false).await;
    let ada = app.sign_in("ada@example.com", PASSWORD).await;
    let minted = body(
        ada.post("/api/v1/me/tokens", &json!({"name": "intruder"}))
            .await,
    )
    .await;
    let token = minted["token"].as_str().unwrap().to_owned();
    assert_eq!(me_with(&app, &token).await, 200);
    (app, ada, token)
}

#[tokio::test]
async fn api_tokens_end_when_the_password_is_changed() {
    // Arrange: someone who had the account minted a token before the owner noticed.
    let (app, ada, token) = with_minted_token().await;

    // Act
    let changed = ada
        .post(
            "/api/v1/me/password",
            &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await;

    // Assert
    assert_eq!(changed.status(), 204);
    assert_eq!(me_with(&app, &token).await, 401);
    assert_eq!(body(ada.get("/api/v1/me/tokens").await).await, json!([]));
}

#[tokio::test]
async fn api_tokens_end_when_the_password_is_reset() {
    // Arrange
    let (app, _ada, token) = with_minted_token().await;
    app.post_json(
        "/api/v1/auth/password/forgot",
        &json!({"email": "ada@example.com"}),
    )
    .await;
    let link = app.mail.next_message().await.link("/reset").unwrap();
    let reset_token = link.split("token=").nth(1).unwrap().to_owned();

    // Act
    let reset = app
        .post_json(
            "/api/v1/auth/password/reset",
            &json!({"token": reset_token, "new_password": NEW_PASSWORD}),
        )
        .await;

    // Assert
    assert_eq!(reset.status(), 204);
    assert_eq!(me_with(&app, &token).await, 401);
}

#[tokio::test]
async fn a_page_number_beyond_any_offset_is_a_422_not_a_dropped_connection() {
    // Arrange
    let (app, fleet) = spawn_fleet().await;
    let admin = app.sign_in("admin@coa.example", FLEET_PASSWORD).await;

    // Act
    let audit = admin
        .get(&format!(
            "/api/v1/tenants/{}/audit?page=9223372036854775808",
            fleet.coa
        ))
        .await;
    let devices = admin.get("/api/v1/devices?page=18446744073709551615").await;
    let last = admin.get("/api/v1/devices?page=1000000&per_page=200").await;

    // Assert
    assert_eq!(audit.status(), 422);
    assert_eq!(
        body(audit).await["fields"]["page"][0],
        "must be 1 to 1000000"
    );
    assert_eq!(devices.status(), 422);
    assert_eq!(last.status(), 200, "the highest page is an empty page");
    assert_eq!(body(last).await["items"], json!([]));
}

#[tokio::test]
async fn a_json_array_is_refused_where_an_object_is_expected() {
    // Arrange: the pump is placed at Boston.
    let (app, fleet) = spawn_fleet().await;
    let admin = app.sign_in("admin@coa.example", FLEET_PASSWORD).await;
    let pump = &fleet.boston_devices[0];

    // Act
    let patched = admin
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/devices/{pump}"),
            Some(&json!([null, null])),
        )
        .await;
    let device = body(admin.get(&format!("/api/v1/devices/{pump}")).await).await;

    // Assert
    assert_eq!(patched.status(), 422);
    assert_eq!(
        body(patched).await["fields"]["body"][0],
        "must be a JSON object"
    );
    assert_eq!(device["site_id"], json!(fleet.boston), "still placed");
}

#[tokio::test]
async fn nul_characters_are_refused_at_the_edge_in_bodies_and_queries() {
    // Arrange
    let (app, fleet) = spawn_fleet().await;
    let admin = app.sign_in("admin@coa.example", FLEET_PASSWORD).await;
    let before = body(admin.get("/api/v1/tenants").await).await;

    // Act
    let tenant = admin
        .post("/api/v1/tenants", &json!({"name": "Evil\u{0}Co"}))
        .await;
    let call = admin
        .post(
            &format!(
                "/api/v1/devices/{}/functions/setPressure",
                fleet.boston_devices[0]
            ),
            &json!({"arg": "4\u{0}2"}),
        )
        .await;
    let filter = admin
        .get(&format!("/api/v1/tenants/{}/audit?action=a%00b", fleet.coa))
        .await;

    // Assert
    assert_eq!(tenant.status(), 422);
    assert_eq!(
        body(tenant).await["fields"]["name"][0],
        "may not contain NUL characters"
    );
    assert_eq!(call.status(), 422, "refused before the device is called");
    assert_eq!(filter.status(), 422);
    assert_eq!(body(admin.get("/api/v1/tenants").await).await, before);
}

#[tokio::test]
async fn an_audit_filter_date_outside_what_databases_store_is_a_422() {
    let (app, fleet) = spawn_fleet().await;
    let admin = app.sign_in("admin@coa.example", FLEET_PASSWORD).await;

    let far = admin
        .get(&format!(
            "/api/v1/tenants/{}/audit?from=-5000-01-01T00:00:00Z",
            fleet.coa
        ))
        .await;
    let fine = admin
        .get(&format!(
            "/api/v1/tenants/{}/audit?from=2020-01-01T00:00:00Z",
            fleet.coa
        ))
        .await;

    assert_eq!(far.status(), 422);
    assert_eq!(fine.status(), 200);
}

#[tokio::test]
async fn a_site_time_zone_must_be_a_real_one() {
    let (app, fleet) = spawn_fleet().await;
    let admin = app.sign_in("admin@coa.example", FLEET_PASSWORD).await;
    let path = format!("/api/v1/tenants/{}/sites", fleet.coa);

    let mars = admin
        .post(
            &path,
            &json!({"organization_id": fleet.coa, "name": "Olympus", "timezone": "Mars/Olympus"}),
        )
        .await;
    let chicago = admin
        .post(
            &path,
            &json!({"organization_id": fleet.coa, "name": "Depot", "timezone": "America/Chicago"}),
        )
        .await;

    assert_eq!(mars.status(), 422);
    assert!(body(mars).await["fields"]["timezone"].is_array());
    assert_eq!(chicago.status(), 201);
    assert_eq!(body(chicago).await["timezone"], "America/Chicago");
}

#[tokio::test]
async fn a_method_a_path_does_not_answer_is_405_with_allow() {
    let app = spawn_app().await;

    let trace = app
        .client
        .request(
            reqwest::Method::from_bytes(b"TRACE").unwrap(),
            format!("{}/api/v1/devices", app.address),
        )
        .send()
        .await
        .unwrap();
    let delete = app
        .client
        .delete(format!("{}/api/v1/me", app.address))
        .send()
        .await
        .unwrap();
    let unknown = app.get("/api/v1/no-such-thing").await;

    assert_eq!(trace.status(), 405);
    assert_eq!(trace.headers()["allow"], "GET");
    assert_eq!(body(trace).await["error"], "method_not_allowed");
    assert_eq!(delete.status(), 405);
    assert_eq!(unknown.status(), 404, "unknown paths stay 404");
}

/// Sends a request head promising `declared` bytes of body, then only `sent` of them, and
/// returns the status line of the answer and how long it took.
async fn send_short_body(
    port: u16,
    path: &str,
    declared: usize,
    sent: &[u8],
) -> (String, Duration) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\n\r\n"
    );
    let started = Instant::now();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(sent).await.unwrap();
    let mut answer = Vec::new();
    // The server answers and closes; a bound on the wait keeps a regression from hanging.
    let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer);
    (
        text.lines().next().unwrap_or_default().to_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn a_body_that_never_finishes_is_answered_408_at_the_deadline() {
    // Arrange
    let app = spawn_app_with(|s| s.http.body_read_timeout_secs = 1).await;

    // Act: an unauthenticated sign-in that stops after 8 of 1000 bytes.
    let (status, took) = send_short_body(app.port, "/api/v1/auth/login", 1000, b"{\"email\"").await;

    // Assert
    assert!(status.contains("408"), "{status}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_throttled_not_the_proxy() {
    // Arrange: the proxy is loopback; 3 failures from one client lock that client only.
    let app = spawn_app_with(|s| {
        s.auth.max_failures_per_address = 3;
        s.http.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    app.create_user("ada@example.com", PASSWORD, false).await;
    let login = |from: &'static str, email: &'static str, password: &'static str| {
        let url = format!("{}/api/v1/auth/login", app.address);
        async move {
            browser()
                .post(url)
                .header("X-Forwarded-For", from)
                .json(&json!({"email": email, "password": password}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    for n in 0..3 {
        let email: &'static str = [
            "guess0@example.com",
            "guess1@example.com",
            "guess2@example.com",
        ][n];
        login("203.0.113.66", email, "nope nope nope").await;
    }

    // Act
    let attacker = login("203.0.113.66", "ada@example.com", PASSWORD).await;
    let ada = login("198.51.100.7", "ada@example.com", PASSWORD).await;

    // Assert
    assert_eq!(attacker, 429, "the guessing address is locked");
    assert_eq!(
        ada, 200,
        "everyone else behind the same proxy still signs in"
    );
}

#[tokio::test]
async fn without_trusted_proxies_a_forged_forwarded_header_changes_nothing() {
    let app = spawn_app_with(|s| s.auth.max_failures_per_address = 3).await;
    app.create_user("ada@example.com", PASSWORD, false).await;

    for n in 0..3 {
        browser()
            .post(format!("{}/api/v1/auth/login", app.address))
            .header("X-Forwarded-For", format!("203.0.113.{n}"))
            .json(&json!({"email": format!("guess{n}@example.com"), "password": "nope nope nope"}))
            .send()
            .await
            .unwrap();
    }
    let next = browser()
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("X-Forwarded-For", "198.51.100.7")
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();

    assert_eq!(next.status(), 429, "the peer address is what counts");
}

#[tokio::test]
async fn twenty_parallel_creations_of_one_tenant_name_make_one_tenant() {
    // Arrange
    let app = spawn_app().await;
    app.create_user("ops@example.com", PASSWORD, true).await;
    let ops = app.sign_in("ops@example.com", PASSWORD).await;

    // Act
    let attempts = (0..20).map(|n| {
        let ops = &ops;
        // Any case: one name.
        let name = if n % 2 == 0 {
            "Acme Pumps"
        } else {
            "ACME pumps"
        };
        async move {
            ops.post("/api/v1/tenants", &json!({ "name": name }))
                .await
                .status()
                .as_u16()
        }
    });
    let mut statuses = futures_util::future::join_all(attempts).await;
    statuses.sort_unstable();
    let tenants = body(ops.get("/api/v1/tenants").await).await;

    // Assert
    assert_eq!(statuses[0], 201);
    assert!(statuses[1..].iter().all(|s| *s == 409), "{statuses:?}");
    let acme = tenants
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            t["name"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case("acme pumps")
        })
        .count();
    assert_eq!(acme, 1);
}

#[tokio::test]
async fn twenty_identical_grants_merge_into_one_that_lasts_the_longest() {
    // Arrange
    let (app, fleet) = spawn_fleet().await;
    let admin = app.sign_in("admin@coa.example", FLEET_PASSWORD).await;
    let path = format!("/api/v1/tenants/{}/grants", fleet.coa);
    let soon = (app.clock_now() + chrono::Duration::days(1)).to_rfc3339();
    let later_at = app.clock_now() + chrono::Duration::days(30);
    let later = later_at.to_rfc3339();
    let grant = |expires_at: &str| {
        json!({
            "subject": {"kind": "user", "id": fleet.tech},
            "scope": {"kind": "device", "id": fleet.hq_device},
            "role_id": "00000000-0000-7000-8000-000000000001",
            "expires_at": expires_at,
        })
    };

    // Act
    let attempts = (0..20).map(|n| {
        let (admin, path) = (&admin, &path);
        let body = grant(if n == 7 { &later } else { &soon });
        async move { admin.post(path, &body).await.status().as_u16() }
    });
    let mut statuses = futures_util::future::join_all(attempts).await;
    statuses.sort_unstable();
    let grants = body(
        admin
            .get(&format!("{path}?device={}", fleet.hq_device))
            .await,
    )
    .await;

    // Assert
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        19,
        "{statuses:?}"
    );
    let grants = grants.as_array().unwrap();
    assert_eq!(grants.len(), 1, "{grants:?}");
    let expires: chrono::DateTime<chrono::Utc> =
        grants[0]["expires_at"].as_str().unwrap().parse().unwrap();
    // Kept to the microsecond, as both databases store it.
    assert_eq!(expires, chrono::SubsecRound::trunc_subsecs(later_at, 6));
}

/// Stores an audit record of `tenant` made `days_ago`, as the server would have.
async fn old_record(app: &fleetwarden_tests::TestApp, tenant: uuid::Uuid, days_ago: i64) {
    use sea_orm::{ActiveModelTrait, Set};
    entity::audit_record::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(Some(tenant)),
        organization_id: Set(None),
        actor_user_id: Set(None),
        actor_email: Set(None),
        action: Set(format!("test.{days_ago}_days_ago")),
        target_kind: Set("tenant".into()),
        target_id: Set(None),
        before: Set(None),
        after: Set(None),
        request_id: Set(None),
        ip: Set(None),
        created_at: Set(app.clock_now() - chrono::Duration::days(days_ago)),
    }
    .insert(&app.db.conn)
    .await
    .unwrap();
}

#[tokio::test]
async fn audit_records_beyond_the_retention_are_pruned_and_recent_ones_kept() {
    // Arrange: the hourly task off, so this test's prune is the only one.
    let (app, fleet) = spawn_fleet_with(|s| s.database.audit_retention_days = 0).await;
    old_record(&app, fleet.coa, 500).await;
    old_record(&app, fleet.coa, 401).await;
    old_record(&app, fleet.coa, 10).await;
    let admin = app.sign_in("admin@coa.example", FLEET_PASSWORD).await;

    // Act: what the hourly task does with the default 400 days.
    let cutoff = app.clock_now() - chrono::Duration::days(400);
    let pruned = fleetwarden_server::audit::retention::prune(&app.db.conn, cutoff)
        .await
        .unwrap();
    let log = body(
        admin
            .get(&format!("/api/v1/tenants/{}/audit?action=test.", fleet.coa))
            .await,
    )
    .await;

    // Assert
    assert_eq!(pruned, 2);
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["test.10_days_ago"]);
}

#[tokio::test]
async fn the_audit_log_exports_as_csv_filtered_as_on_screen() {
    // Arrange: a grant and a site, each audited.
    let (app, fleet) = spawn_fleet().await;
    let admin = app.sign_in("admin@coa.example", FLEET_PASSWORD).await;
    admin
        .post(
            &format!("/api/v1/tenants/{}/grants", fleet.coa),
            &json!({"subject": {"kind": "user", "id": fleet.tech}, "scope": {"kind": "device", "id": fleet.hq_device}, "role_id": "00000000-0000-7000-8000-000000000001"}),
        )
        .await;
    admin
        .post(
            &format!("/api/v1/tenants/{}/sites", fleet.coa),
            &json!({"organization_id": fleet.coa, "name": "Depot"}),
        )
        .await;

    // Act
    let export = admin
        .get(&format!(
            "/api/v1/tenants/{}/audit/export?action=grant.",
            fleet.coa
        ))
        .await;
    let technician = app.sign_in("tech@coa.example", FLEET_PASSWORD).await;
    let refused = technician
        .get(&format!("/api/v1/tenants/{}/audit/export", fleet.coa))
        .await;

    // Assert
    assert_eq!(export.status(), 200);
    assert!(
        export.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        export.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let text = export.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "created_at",
            "actor_email",
            "actor_user_id",
            "action",
            "target_kind",
            "target_id",
            "before",
            "after",
            "request_id"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert_eq!(&rows[0][1], "admin@coa.example");
    assert_eq!(&rows[0][3], "grant.create");
    let after: Value = serde_json::from_str(&rows[0][7]).unwrap();
    assert_eq!(after["scope"]["id"], json!(fleet.hq_device));
    assert_eq!(refused.status(), 403);
}

#[tokio::test]
async fn a_literal_path_advertises_only_its_own_methods() {
    let app = spawn_app().await;

    let options = app
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1/invitations/accept", app.address),
        )
        .send()
        .await
        .unwrap();

    assert_eq!(options.status(), 405);
    assert_eq!(
        options.headers()["allow"],
        "POST",
        "not DELETE of /invitations/{{id}}"
    );
    app.create_user("ada@example.com", PASSWORD, false).await;
    let ada = app.sign_in("ada@example.com", PASSWORD).await;
    let delete = ada.delete("/api/v1/invitations/accept").await;
    assert_eq!(
        delete.status(),
        405,
        "routed to DELETE /invitations/{{id}}, still 405"
    );
    assert_eq!(delete.headers()["allow"], "POST");
}

#[tokio::test]
async fn an_unknown_field_is_refused_rather_than_silently_ignored() {
    // A misspelt expires_at must not make a grant that lasts for ever.
    let (app, fleet) = spawn_fleet().await;
    let admin = app.sign_in("admin@coa.example", FLEET_PASSWORD).await;

    let grant = admin
        .post(
            &format!("/api/v1/tenants/{}/grants", fleet.coa),
            &json!({"subject": {"kind": "user", "id": fleet.tech}, "scope": {"kind": "device", "id": fleet.hq_device}, "role_id": "00000000-0000-7000-8000-000000000001", "expires": "2030-01-01T00:00:00Z"}),
        )
        .await;

    assert_eq!(grant.status(), 422);
    let error = body(grant).await;
    assert!(error.to_string().contains("expires"), "{error}");
}

#[tokio::test]
async fn a_guesser_behind_a_shared_address_locks_out_newcomers_but_not_people_who_signed_in_there_before()
 {
    // Arrange: one address for everyone (a NAT); Ada has signed in from it before, Bob never.
    let app = spawn_app_with(|s| s.auth.max_failures_per_address = 3).await;
    app.create_user("ada@example.com", PASSWORD, false).await;
    app.create_user("bob@example.com", PASSWORD, false).await;
    app.sign_in("ada@example.com", PASSWORD).await;
    for n in 0..3 {
        app.post_json(
            "/api/v1/auth/login",
            &json!({"email": format!("guess{n}@example.com"), "password": "nope nope nope"}),
        )
        .await;
    }
    let login = |email: &'static str| {
        let url = format!("{}/api/v1/auth/login", app.address);
        async move {
            browser()
                .post(url)
                .json(&json!({"email": email, "password": PASSWORD}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };

    // Act
    let ada = login("ada@example.com").await;
    let bob = login("bob@example.com").await;

    // Assert
    assert_eq!(ada, 200, "known at this address");
    assert_eq!(bob, 429, "the address is locked for anyone new");
}
