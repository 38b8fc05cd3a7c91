//! Accounts: sign-in, throttling, CSRF, sessions, API tokens, password reset by our own
//! email over a real SMTP exchange, and invitations.
#![expect(clippy::unwrap_used, reason = "tests")]
use chrono::Duration;
use entity::{audit_record, user};
use fleetwarden_tests::{browser, spawn_app, spawn_app_with};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";
const NEW_PASSWORD: &str = "a brand new long passphrase";

async fn body(response: reqwest::Response) -> Value {
    response.json().await.unwrap_or(Value::Null)
}

async fn audit_actions(app: &fleetwarden_tests::TestApp) -> Vec<String> {
    audit_record::Entity::find()
        .all(&app.db.conn)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect()
}

#[tokio::test]
async fn an_unknown_email_and_a_wrong_password_get_the_same_answer() {
    // Arrange
    let app = spawn_app().await;
    app.create_user("ada@example.com", PASSWORD, false).await;

    // Act
    let unknown = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "nobody@example.com", "password": PASSWORD}),
        )
        .await;
    let wrong = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": "not it at all"}),
        )
        .await;

    // Assert
    assert_eq!(
        (unknown.status().as_u16(), wrong.status().as_u16()),
        (401, 401)
    );
    let (unknown, wrong) = (body(unknown).await, body(wrong).await);
    assert_eq!(unknown, wrong);
    assert_eq!(wrong["error"], "invalid_credentials");
    assert_eq!(
        audit_actions(&app).await,
        ["auth.login_failed", "auth.login_failed"]
    );
}

#[tokio::test]
async fn signing_in_sets_an_http_only_cookie_and_works_with_any_email_case() {
    let app = spawn_app().await;
    app.create_user("Ada@Example.com", PASSWORD, false).await;

    let response = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ADA@example.COM", "password": PASSWORD}),
        )
        .await;

    assert_eq!(response.status(), 200);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .find(|c| c.starts_with("fw_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http on loopback: {cookie}"
    );
    let login = body(response).await;
    assert_eq!(login["user"]["email"], "Ada@Example.com");
    assert!(login["token"].as_str().unwrap().starts_with("fws_"));
    let me = app
        .client
        .get(format!("{}/api/v1/me", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(body(me).await["authenticated_by"], "session");
}

#[tokio::test]
async fn a_cookie_authenticated_change_without_the_csrf_header_is_refused() {
    // Arrange
    let app = spawn_app().await;
    app.create_user("ada@example.com", PASSWORD, false).await;
    let ada = app.sign_in("ada@example.com", PASSWORD).await;
    let url = format!("{}/api/v1/me/tokens", app.address);

    // Act
    let without = ada
        .client
        .post(&url)
        .json(&json!({"name": "ci"}))
        .send()
        .await
        .unwrap();
    let wrong = ada
        .client
        .post(&url)
        .header("X-CSRF-Token", "guess")
        .json(&json!({"name": "ci"}))
        .send()
        .await
        .unwrap();
    let with = ada.post("/api/v1/me/tokens", &json!({"name": "ci"})).await;

    // Assert
    assert_eq!(without.status(), 403);
    assert_eq!(body(without).await["error"], "csrf_token_missing");
    assert_eq!(wrong.status(), 403);
    assert_eq!(with.status(), 201);
}

#[tokio::test]
async fn the_session_token_works_as_a_bearer_without_csrf() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", PASSWORD, false).await;
    let ada = app.sign_in("ada@example.com", PASSWORD).await;

    let response = browser()
        .post(format!("{}/api/v1/me/tokens", app.address))
        .bearer_auth(&ada.token)
        .json(&json!({"name": "script"}))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn repeated_failures_lock_the_account_with_429_and_retry_after_until_the_window_passes() {
    // Arrange
    let app = spawn_app().await;
    app.create_user("ada@example.com", PASSWORD, false).await;
    let attempt = async |password: &str| {
        app.post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": password}),
        )
        .await
    };
    for _ in 0..5 {
        assert_eq!(attempt("wrong password!!").await.status(), 401);
    }

    // Act: even the right password is refused while locked.
    let locked = attempt(PASSWORD).await;
    let retry_after: i64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let unknown_locked_too = {
        for _ in 0..5 {
            app.post_json(
                "/api/v1/auth/login",
                &json!({"email": "ghost@example.com", "password": "x"}),
            )
            .await;
        }
        app.post_json(
            "/api/v1/auth/login",
            &json!({"email": "ghost@example.com", "password": "x"}),
        )
        .await
        .status()
    };
    app.clock
        .advance(Duration::minutes(15) + Duration::seconds(1));
    let later = attempt(PASSWORD).await;

    // Assert
    assert_eq!(locked.status(), 429);
    assert!(
        (890..=900).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    assert_eq!(body(locked).await["error"], "too_many_requests");
    assert_eq!(
        unknown_locked_too, 429,
        "unknown emails are throttled alike"
    );
    assert_eq!(later.status(), 200);
}

#[tokio::test]
async fn the_reset_link_arrives_over_smtp_and_works_once_and_never_again() {
    // Arrange
    let app = spawn_app().await;
    app.create_user("ada@example.com", PASSWORD, false).await;

    // Act
    let forgot = app
        .post_json(
            "/api/v1/auth/password/forgot",
            &json!({"email": "ADA@example.com"}),
        )
        .await;
    let mail = app.mail.next_message().await;
    let link = mail.link("/reset").unwrap();
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let page = browser().get(&link).send().await.unwrap();
    let first = app
        .post_json(
            "/api/v1/auth/password/reset",
            &json!({"token": token, "new_password": NEW_PASSWORD}),
        )
        .await;
    let second = app
        .post_json(
            "/api/v1/auth/password/reset",
            &json!({"token": token, "new_password": "yet another passphrase"}),
        )
        .await;

    // Assert
    assert_eq!(forgot.status(), 202);
    assert_eq!(mail.rcpt_to, ["ada@example.com"]);
    assert!(
        link.starts_with(&format!("{}/reset?token=", app.address)),
        "{link}"
    );
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("name=\"password\""));
    assert_eq!(first.status(), 204);
    assert_eq!(second.status(), 422);
    assert_eq!(
        body(second).await["fields"]["token"][0]
            .as_str()
            .map(|s| s.contains("invalid")),
        Some(true)
    );
    app.sign_in("ada@example.com", NEW_PASSWORD).await;
    let old = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(old.status(), 401);
    let actions = audit_actions(&app).await;
    assert!(
        actions.contains(&"auth.password_reset_request".to_owned()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"auth.password_reset".to_owned()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn forgot_answers_known_and_unknown_emails_alike_and_mails_only_the_account() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", PASSWORD, false).await;

    let unknown = app
        .post_json(
            "/api/v1/auth/password/forgot",
            &json!({"email": "nobody@example.com"}),
        )
        .await;
    let malformed = app
        .post_json(
            "/api/v1/auth/password/forgot",
            &json!({"email": "not an email"}),
        )
        .await;
    let known = app
        .post_json(
            "/api/v1/auth/password/forgot",
            &json!({"email": "ada@example.com"}),
        )
        .await;

    assert_eq!(
        [unknown.status(), malformed.status(), known.status()].map(|s| s.as_u16()),
        [202; 3]
    );
    let (u, k) = (unknown.bytes().await.unwrap(), known.bytes().await.unwrap());
    assert_eq!(u, k);
    let mail = app.mail.next_message().await;
    assert_eq!(mail.rcpt_to, ["ada@example.com"]);
    assert!(mail.subject().contains("Reset"), "{}", mail.subject());
}

#[tokio::test]
async fn a_reset_link_stops_working_after_30_minutes() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", PASSWORD, false).await;
    app.post_json(
        "/api/v1/auth/password/forgot",
        &json!({"email": "ada@example.com"}),
    )
    .await;
    let link = app.mail.next_message().await.link("/reset").unwrap();
    let token = link.split("token=").nth(1).unwrap();

    app.clock
        .advance(Duration::minutes(30) + Duration::seconds(1));
    let late = app
        .post_json(
            "/api/v1/auth/password/reset",
            &json!({"token": token, "new_password": NEW_PASSWORD}),
        )
        .await;

    assert_eq!(late.status(), 422);
}

#[tokio::test]
async fn a_newer_reset_link_voids_the_older_one() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", PASSWORD, false).await;
    app.post_json(
        "/api/v1/auth/password/forgot",
        &json!({"email": "ada@example.com"}),
    )
    .await;
    let older = app.mail.next_message().await.link("/reset").unwrap();
    app.clock.advance(Duration::minutes(2));
    app.post_json(
        "/api/v1/auth/password/forgot",
        &json!({"email": "ada@example.com"}),
    )
    .await;
    let newer = app.mail.next_message().await.link("/reset").unwrap();
    let token = |link: &str| link.split("token=").nth(1).unwrap().to_owned();

    let with_older = app
        .post_json(
            "/api/v1/auth/password/reset",
            &json!({"token": token(&older), "new_password": NEW_PASSWORD}),
        )
        .await;
    let with_newer = app
        .post_json(
            "/api/v1/auth/password/reset",
            &json!({"token": token(&newer), "new_password": NEW_PASSWORD}),
        )
        .await;

    assert_ne!(older, newer);
    assert_eq!(with_older.status(), 422);
    assert_eq!(with_newer.status(), 204);
}

#[tokio::test]
async fn a_reset_ends_every_session_of_the_account() {
    // Arrange
    let app = spawn_app().await;
    app.create_user("ada@example.com", PASSWORD, false).await;
    let laptop = app.sign_in("ada@example.com", PASSWORD).await;
    assert_eq!(laptop.get("/api/v1/me").await.status(), 200);
    app.post_json(
        "/api/v1/auth/password/forgot",
        &json!({"email": "ada@example.com"}),
    )
    .await;
    let link = app.mail.next_message().await.link("/reset").unwrap();

    // Act: through the server's own page, as a person would.
    let form = [
        ("token", link.split("token=").nth(1).unwrap()),
        ("password", NEW_PASSWORD),
        ("confirm", NEW_PASSWORD),
    ];
    let page = browser()
        .post(format!("{}/reset", app.address))
        .form(&form)
        .send()
        .await
        .unwrap();

    // Assert
    assert!(page.text().await.unwrap().contains("Password changed"));
    assert_eq!(laptop.get("/api/v1/me").await.status(), 401);
    let notice = app.mail.next_message().await;
    assert!(
        notice.subject().to_lowercase().contains("changed"),
        "{}",
        notice.subject()
    );
}

#[tokio::test]
async fn changing_my_password_ends_my_other_sessions_but_not_this_one() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", PASSWORD, false).await;
    let phone = app.sign_in("ada@example.com", PASSWORD).await;
    let laptop = app.sign_in("ada@example.com", PASSWORD).await;
    // In use just before: the server has it fresh in memory, and must still let it go.
    assert_eq!(phone.get("/api/v1/me").await.status(), 200);

    let wrong = laptop
        .post(
            "/api/v1/me/password",
            &json!({"current_password": "not my password", "new_password": NEW_PASSWORD}),
        )
        .await;
    let changed = laptop
        .post(
            "/api/v1/me/password",
            &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await;

    assert_eq!(wrong.status(), 422);
    assert_eq!(changed.status(), 204);
    assert_eq!(phone.get("/api/v1/me").await.status(), 401);
    assert_eq!(laptop.get("/api/v1/me").await.status(), 200);
}

#[tokio::test]
async fn i_can_list_and_revoke_my_sessions_and_logout_ends_mine() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", PASSWORD, false).await;
    let phone = app.sign_in("ada@example.com", PASSWORD).await;
    let laptop = app.sign_in("ada@example.com", PASSWORD).await;
    assert_eq!(phone.get("/api/v1/me").await.status(), 200);

    let list = body(laptop.get("/api/v1/me/sessions").await).await;
    let phone_id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = laptop
        .delete(&format!("/api/v1/me/sessions/{phone_id}"))
        .await;
    let logout = laptop.post("/api/v1/auth/logout", &json!({})).await;

    assert_eq!(list.as_array().map(Vec::len), Some(2));
    assert_eq!(revoked.status(), 204);
    assert_eq!(phone.get("/api/v1/me").await.status(), 401);
    assert_eq!(logout.status(), 204);
    assert_eq!(laptop.get("/api/v1/me").await.status(), 401);
    assert!(
        audit_actions(&app)
            .await
            .contains(&"auth.logout".to_owned())
    );
}

#[tokio::test]
async fn a_session_revoked_by_another_server_stops_working_within_five_seconds() {
    // Arrange: in use, so this server has it in memory.
    let app = spawn_app().await;
    app.create_user("ada@example.com", PASSWORD, false).await;
    let ada = app.sign_in("ada@example.com", PASSWORD).await;
    assert_eq!(ada.get("/api/v1/me").await.status(), 200);

    // Act: another server process on the same database ends every session.
    use fleetwarden_server::clock::Clock as _;
    entity::session::Entity::update_many()
        .col_expr(
            entity::session::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(app.clock.now()),
        )
        .exec(&app.db.conn)
        .await
        .unwrap();
    app.clock.advance(Duration::seconds(5));

    // Assert
    assert_eq!(ada.get("/api/v1/me").await.status(), 401);
}

#[tokio::test]
async fn an_idle_session_ends_and_so_does_every_session_after_its_absolute_lifetime() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", PASSWORD, false).await;
    let idle = app.sign_in("ada@example.com", PASSWORD).await;
    let busy = app.sign_in("ada@example.com", PASSWORD).await;

    for _ in 0..15 {
        app.clock.advance(Duration::hours(11));
        assert_eq!(
            busy.get("/api/v1/me").await.status(),
            200,
            "active within the idle limit"
        );
    }
    let idle_status = idle.get("/api/v1/me").await.status();
    app.clock.advance(Duration::hours(11));
    let busy_after_a_week = busy.get("/api/v1/me").await.status();

    assert_eq!(idle_status, 401);
    assert_eq!(
        busy_after_a_week, 401,
        "7 days after sign-in, however active"
    );
}

#[tokio::test]
async fn an_api_token_is_shown_once_works_as_a_bearer_and_stops_when_revoked() {
    // Arrange
    let app = spawn_app().await;
    app.create_user("ada@example.com", PASSWORD, false).await;
    let ada = app.sign_in("ada@example.com", PASSWORD).await;

    // Act
    let created = body(
        ada.post("/api/v1/me/tokens", &json!({"name": "grafana"}))
            .await,
    )
    .await;
    let token = created["token"].as_str().unwrap().to_owned();
    let me = browser()
        .get(format!("{}/api/v1/me", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let listed = body(ada.get("/api/v1/me/tokens").await).await;
    let tenant = browser()
        .post(format!("{}/api/v1/tenants", app.address))
        .bearer_auth(&token)
        .json(&json!({"name": "Sneaky Co"}))
        .send()
        .await
        .unwrap();
    let revoked = ada
        .delete(&format!(
            "/api/v1/me/tokens/{}",
            created["id"].as_str().unwrap()
        ))
        .await;
    let after = browser()
        .get(format!("{}/api/v1/me", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();

    // Assert
    assert!(token.starts_with("fw_"));
    assert_eq!(body(me).await["authenticated_by"], "api_token");
    assert_eq!(listed[0]["name"], "grafana");
    assert!(
        !listed.to_string().contains(&token),
        "lists never show the token"
    );
    assert_eq!(
        tenant.status(),
        403,
        "a token never has more than its owner's rights"
    );
    assert_eq!(revoked.status(), 204);
    assert_eq!(after.status(), 401);
}

#[tokio::test]
async fn an_expired_api_token_stops_working_at_its_expiry() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", PASSWORD, false).await;
    let ada = app.sign_in("ada@example.com", PASSWORD).await;
    let expires = (app.clock_now() + Duration::hours(1)).to_rfc3339();
    let created = body(
        ada.post(
            "/api/v1/me/tokens",
            &json!({"name": "ci", "expires_at": expires}),
        )
        .await,
    )
    .await;
    let token = created["token"].as_str().unwrap();
    let past = body(
        ada.post(
            "/api/v1/me/tokens",
            &json!({"name": "x", "expires_at": "2000-01-01T00:00:00Z"}),
        )
        .await,
    )
    .await;

    app.clock.advance(Duration::hours(1));
    let after = browser()
        .get(format!("{}/api/v1/me", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();

    assert_eq!(past["fields"]["expires_at"][0], "must be in the future");
    assert_eq!(after.status(), 401);
}

#[tokio::test]
async fn a_login_rehashes_a_password_stored_with_old_parameters() {
    let app = spawn_app_with(|s| s.auth.argon2_memory_kib = 2048).await;
    app.create_user("ada@example.com", PASSWORD, false).await; // hashed with m=1024

    app.sign_in("ada@example.com", PASSWORD).await;

    let stored = user::Entity::find()
        .filter(user::Column::EmailLower.eq("ada@example.com"))
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.password_hash.unwrap().contains("m=2048,"));
}

#[tokio::test]
async fn an_existing_user_accepts_an_invitation_into_a_second_organization() {
    // Arrange: a platform admin with two tenants; Bea joins the first as a new person.
    let app = spawn_app().await;
    app.create_user("ops@example.com", PASSWORD, true).await;
    let ops = app.sign_in("ops@example.com", PASSWORD).await;
    let acme = body(
        ops.post("/api/v1/tenants", &json!({"name": "CustomerCoA"}))
            .await,
    )
    .await;
    let other = body(
        ops.post("/api/v1/tenants", &json!({"name": "CustomerCoB"}))
            .await,
    )
    .await;
    let invite = async |tenant: &Value| {
        let path = format!(
            "/api/v1/organizations/{}/invitations",
            tenant["id"].as_str().unwrap()
        );
        ops.send(
            Method::POST,
            &path,
            Some(&json!({"email": "Bea@Example.com", "role": "member"})),
        )
        .await
    };
    assert_eq!(invite(&acme).await.status(), 201);
    let first = app.mail.next_message().await.link("/invite").unwrap();
    let first_token = first.split("token=").nth(1).unwrap().to_owned();
    let weak = app
        .post_json(
            "/api/v1/invitations/accept",
            &json!({"token": first_token, "password": "short"}),
        )
        .await;
    let joined = app
        .post_json(
            "/api/v1/invitations/accept",
            &json!({"token": first_token, "password": PASSWORD, "display_name": "Bea"}),
        )
        .await;
    assert_eq!(weak.status(), 422);
    assert_eq!(joined.status(), 200);

    // Act: invited into the second tenant, Bea (who has an account) accepts with the link alone.
    assert_eq!(invite(&other).await.status(), 201);
    let second = app.mail.next_message().await.link("/invite").unwrap();
    let second_token = second.split("token=").nth(1).unwrap().to_owned();
    let lookup = body(
        browser()
            .get(format!(
                "{}/api/v1/invitations/lookup?token={second_token}",
                app.address
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let accepted = app
        .post_json(
            "/api/v1/invitations/accept",
            &json!({"token": second_token}),
        )
        .await;
    let again = app
        .post_json(
            "/api/v1/invitations/accept",
            &json!({"token": second_token}),
        )
        .await;

    // Assert
    assert_eq!(lookup["account_exists"], true);
    assert_eq!(lookup["organization_name"], "CustomerCoB");
    assert_eq!(accepted.status(), 200);
    assert_eq!(again.status(), 404, "an invitation works once");
    let bea = app.sign_in("bea@example.com", PASSWORD).await;
    let me = body(bea.get("/api/v1/me").await).await;
    let mut orgs: Vec<&str> = me["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["organization_name"].as_str())
        .collect();
    orgs.sort_unstable();
    assert_eq!(orgs, ["CustomerCoA", "CustomerCoB"]);
    let tenants = body(bea.get("/api/v1/tenants").await).await;
    assert_eq!(tenants.as_array().map(Vec::len), Some(2));

    // One person in two tenants still gets exactly one reset email.
    app.post_json(
        "/api/v1/auth/password/forgot",
        &json!({"email": "bea@example.com"}),
    )
    .await;
    let reset = app.mail.next_message().await;
    assert_eq!(
        reset.rcpt_to,
        ["Bea@Example.com"],
        "sent to the address as invited"
    );
    app.post_json(
        "/api/v1/auth/password/forgot",
        &json!({"email": "nobody@example.com"}),
    )
    .await;
    app.post_json(
        "/api/v1/auth/password/forgot",
        &json!({"email": "ops@example.com"}),
    )
    .await;
    assert_eq!(app.mail.next_message().await.rcpt_to, ["ops@example.com"]);
    assert!(app.mail.try_next().is_none(), "no second email for Bea");
}

#[tokio::test]
async fn only_admins_invite_and_other_tenants_are_invisible() {
    let app = spawn_app().await;
    app.create_user("ops@example.com", PASSWORD, true).await;
    let ops = app.sign_in("ops@example.com", PASSWORD).await;
    let acme = body(
        ops.post("/api/v1/tenants", &json!({"name": "CustomerCoA"}))
            .await,
    )
    .await;
    let other = body(
        ops.post("/api/v1/tenants", &json!({"name": "CustomerCoB"}))
            .await,
    )
    .await;
    let duplicate = ops
        .post("/api/v1/tenants", &json!({"name": "customercoa"}))
        .await;
    let path = |t: &Value| {
        format!(
            "/api/v1/organizations/{}/invitations",
            t["id"].as_str().unwrap()
        )
    };
    ops.post(
        &path(&acme),
        &json!({"email": "mo@example.com", "role": "member"}),
    )
    .await;
    let link = app.mail.next_message().await.link("/invite").unwrap();
    let token = link.split("token=").nth(1).unwrap();
    app.post_json(
        "/api/v1/invitations/accept",
        &json!({"token": token, "password": PASSWORD}),
    )
    .await;
    let mo = app.sign_in("mo@example.com", PASSWORD).await;

    let as_member = mo
        .post(
            &path(&acme),
            &json!({"email": "x@example.com", "role": "member"}),
        )
        .await;
    let elsewhere = mo
        .post(
            &path(&other),
            &json!({"email": "x@example.com", "role": "member"}),
        )
        .await;
    let bad_role = ops
        .post(
            &path(&acme),
            &json!({"email": "x@example.com", "role": "owner"}),
        )
        .await;

    assert_eq!(duplicate.status(), 409);
    assert_eq!(as_member.status(), 403);
    assert_eq!(
        elsewhere.status(),
        404,
        "another tenant's organization is a 404"
    );
    assert_eq!(bad_role.status(), 422);
}

#[tokio::test]
async fn requests_without_credentials_get_a_json_401() {
    let app = spawn_app().await;

    let response = app.get("/api/v1/me").await;

    assert_eq!(response.status(), 401);
    assert_eq!(body(response).await["error"], "unauthenticated");
}

#[tokio::test]
async fn malformed_bodies_get_clear_json_errors() {
    let app = spawn_app().await;

    let not_json = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let missing_field = app
        .post_json("/api/v1/auth/login", &json!({"email": "a@b.co"}))
        .await;

    assert_eq!(not_json.status(), 400);
    assert_eq!(body(not_json).await["error"], "bad_request");
    assert_eq!(missing_field.status(), 422);
    assert!(
        body(missing_field).await["fields"]["body"][0]
            .as_str()
            .unwrap()
            .contains("password")
    );
}

#[tokio::test]
async fn one_address_failing_on_many_accounts_is_throttled_too() {
    let app = spawn_app_with(|s| s.auth.max_failures_per_address = 3).await;
    app.create_user("ada@example.com", PASSWORD, false).await;

    for n in 0..3 {
        let email = format!("guess{n}@example.com");
        app.post_json(
            "/api/v1/auth/login",
            &json!({"email": email, "password": "nope nope nope"}),
        )
        .await;
    }
    let blocked = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": PASSWORD}),
        )
        .await;

    assert_eq!(blocked.status(), 429);
    assert!(blocked.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn cookies_are_secure_when_the_public_address_is_https() {
    let app =
        spawn_app_with(|s| s.http.public_url = Some("https://fleet.example.com".into())).await;
    app.create_user("ada@example.com", PASSWORD, false).await;

    let response = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": PASSWORD}),
        )
        .await;

    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(cookies.len(), 2);
    assert!(cookies.iter().all(|c| c.contains("Secure")), "{cookies:?}");
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("fw_csrf=") && !c.contains("HttpOnly"))
    );
}
