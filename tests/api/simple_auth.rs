//! Password resets for a maker's simple-auth customers (Particle's "new process"): one branded
//! email per person and family, the hosted page, the new password set at Particle in every
//! product of the family, retried in the background across a restart; refusals, CORS and the
//! rate limit. Over real HTTP to the server and the simulated cloud, and a real SMTP exchange.
#![expect(clippy::unwrap_used, reason = "tests")]
use std::time::Duration;

use entity::audit_record;
use fleetwarden_server::particle::simulator::{Fault, Route};
use fleetwarden_tests::simple_auth::{
    CELL_PRODUCT, choose, forgot, make_family, open, sign_in, sign_up, two_products,
};
use fleetwarden_tests::{TestApp, spawn_fleet_on};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

const OLD: &str = "my old pump pass 1";
const NEW: &str = "a brand new pump pass 2";
const ANN: &str = "ann@example.com";

/// The audit records of `action`, oldest first.
async fn audited(app: &TestApp, action: &str) -> Vec<audit_record::Model> {
    audit_record::Entity::find()
        .filter(audit_record::Column::Action.eq(action))
        .order_by_asc(audit_record::Column::CreatedAt)
        .all(&app.db.conn)
        .await
        .unwrap()
}

/// Waits (a bounded while) until the detached `forgot` work for `email` has written its
/// record: after it, no email for that request can still be on its way.
async fn request_finished(app: &TestApp, email: &str) -> audit_record::Model {
    for _ in 0..200 {
        let found = audited(app, "customer.password_reset_request")
            .await
            .into_iter()
            .rev()
            .find(|r| r.actor_email.as_deref() == Some(email));
        if let Some(found) = found {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the forgot request for {email} never finished");
}

#[tokio::test]
async fn a_customer_of_both_products_gets_one_email_and_the_new_password_works_in_both() {
    // Arrange: Ann signed up with the Wi-Fi app and the cellular app, same address.
    let (app, fleet) = spawn_fleet_on(two_products(), |_| {}).await;
    let family = make_family(&app, &fleet, &[]).await;
    let base = fleet.sim.base_url.clone();
    sign_up(&base, &family.wifi, ANN, OLD).await;
    sign_up(&base, &family.cell, "Ann@Example.com", OLD).await;

    // Act: the cellular app's "forgot password", in any case.
    let asked = forgot(&app, CELL_PRODUCT, "ANN@example.com").await;
    let status = asked.status();
    let answer: Value = asked.json().await.unwrap();
    let mail = app.mail.next_message().await;
    let link = mail.link("/customer-reset").unwrap();
    let form = open(&link).await;
    let done = choose(&link, NEW).await;
    let changed = app.mail.next_message().await;

    // Assert: one email, in the maker's name, and a page that worked.
    assert_eq!(status, StatusCode::ACCEPTED);
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("If this address belongs")
    );
    assert_eq!(mail.rcpt_to, [ANN]);
    assert!(
        mail.raw
            .contains("From: \"Acme Pumps\" <support@acme.example>"),
        "{}",
        mail.raw
    );
    assert_eq!(mail.subject(), "Reset your Acme Pumps password");
    assert!(
        form.contains("Choose a new password") && form.contains("#1d4ed8"),
        "{form}"
    );
    assert!(form.contains(ANN), "{form}");
    assert!(done.contains("Password changed"), "{done}");
    assert!(
        done.contains("works now in") && done.contains("Acme Pump Cellular"),
        "{done}"
    );
    assert!(!done.contains("Not done yet"), "{done}");
    assert_eq!(changed.subject(), "Your Acme Pumps password was changed");
    assert!(
        app.mail.try_next().is_none(),
        "exactly one reset email and one notice"
    );
    // The new password works with both apps, the old one with neither.
    for product in [&family.wifi, &family.cell] {
        assert_eq!(sign_in(&base, product, ANN, NEW).await, StatusCode::OK);
        assert_eq!(
            sign_in(&base, product, ANN, OLD).await,
            StatusCode::BAD_REQUEST
        );
    }
    // Audited: the request, the emails, each product's change; never the password or link.
    let request = &audited(&app, "customer.password_reset_request").await[0];
    let after = request.after.clone().unwrap();
    assert_eq!(after["sent"], true);
    assert_eq!(
        after["customer_of"],
        json!([fleet.sim.product_id, CELL_PRODUCT])
    );
    assert_eq!(audited(&app, "customer.password_email").await.len(), 2);
    let sets = audited(&app, "customer.password_set").await;
    assert_eq!(sets.len(), 2);
    assert!(
        sets.iter()
            .all(|r| r.after.as_ref().unwrap()["outcome"] == "done")
    );
    let token = link.split("token=").nth(1).unwrap();
    let everything = audit_record::Entity::find()
        .all(&app.db.conn)
        .await
        .unwrap();
    let text = format!("{everything:?}");
    assert!(
        !text.contains(NEW) && !text.contains(token),
        "no password or link in the audit"
    );
}

#[tokio::test]
async fn an_unknown_email_gets_the_same_answer_and_no_email() {
    // Arrange
    let (app, fleet) = spawn_fleet_on(two_products(), |_| {}).await;
    let family = make_family(&app, &fleet, &[]).await;
    sign_up(&fleet.sim.base_url, &family.wifi, ANN, OLD).await;

    // Act
    let known = forgot(&app, fleet.sim.product_id, ANN).await;
    let (known_status, known_body) = (known.status(), known.text().await.unwrap());
    let unknown = forgot(&app, fleet.sim.product_id, "nobody@example.com").await;
    let (unknown_status, unknown_body) = (unknown.status(), unknown.text().await.unwrap());
    let record = request_finished(&app, "nobody@example.com").await;
    request_finished(&app, ANN).await;
    let unknown_product = forgot(&app, 99_999, ANN).await;

    // Assert
    assert_eq!(known_status, StatusCode::ACCEPTED);
    assert_eq!((unknown_status, &unknown_body), (known_status, &known_body));
    assert_eq!(app.mail.next_message().await.rcpt_to, [ANN]);
    assert!(
        app.mail.try_next().is_none(),
        "no email for an unknown address"
    );
    assert_eq!(record.after.unwrap()["sent"], false);
    assert_eq!(unknown_product.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_used_voided_or_expired_link_is_refused_in_words() {
    // Arrange
    let (app, fleet) = spawn_fleet_on(two_products(), |_| {}).await;
    let family = make_family(&app, &fleet, &[]).await;
    sign_up(&fleet.sim.base_url, &family.wifi, ANN, OLD).await;

    // Act: a link used once, then again.
    assert_eq!(forgot(&app, fleet.sim.product_id, ANN).await.status(), 202);
    let first = app
        .mail
        .next_message()
        .await
        .link("/customer-reset")
        .unwrap();
    let used_once = choose(&first, NEW).await;
    app.mail.next_message().await; // "changed"
    let reused = choose(&first, "yet another pump pass 3").await;
    // A link voided by a newer one (after the minute between two links).
    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(forgot(&app, fleet.sim.product_id, ANN).await.status(), 202);
    let older = app
        .mail
        .next_message()
        .await
        .link("/customer-reset")
        .unwrap();
    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(forgot(&app, fleet.sim.product_id, ANN).await.status(), 202);
    let newer = app
        .mail
        .next_message()
        .await
        .link("/customer-reset")
        .unwrap();
    let voided = open(&older).await;
    // A link left too long.
    app.clock.advance(chrono::Duration::seconds(31 * 60));
    let expired = open(&newer).await;
    let expired_submit = choose(&newer, "yet another pump pass 3").await;
    let garbage = open(&format!("{}/customer-reset?token=nonsense", app.address)).await;

    // Assert
    assert!(used_once.contains("Password changed"), "{used_once}");
    assert!(reused.contains("This link was used already"), "{reused}");
    assert!(voided.contains("or a newer one was sent"), "{voided}");
    assert!(expired.contains("This link has expired"), "{expired}");
    assert!(
        expired_submit.contains("This link has expired"),
        "{expired_submit}"
    );
    assert!(
        garbage.contains("This link is not a valid reset link"),
        "{garbage}"
    );
    assert_eq!(
        sign_in(&fleet.sim.base_url, &family.wifi, ANN, NEW).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_weak_password_is_refused_and_the_link_still_works() {
    // Arrange
    let (app, fleet) = spawn_fleet_on(two_products(), |_| {}).await;
    let family = make_family(&app, &fleet, &[]).await;
    sign_up(&fleet.sim.base_url, &family.wifi, ANN, OLD).await;
    forgot(&app, fleet.sim.product_id, ANN).await;
    let link = app
        .mail
        .next_message()
        .await
        .link("/customer-reset")
        .unwrap();

    // Act
    let weak = choose(&link, "short").await;
    let strong = choose(&link, NEW).await;

    // Assert
    assert!(
        weak.contains("password") && weak.contains("class=\"error\""),
        "{weak}"
    );
    assert!(strong.contains("Password changed"), "{strong}");
}

#[tokio::test]
async fn one_product_failing_upstream_is_retried_and_finished_after_a_restart() {
    // Arrange: the cellular product's customer routes fail for a while.
    let (app, fleet) = spawn_fleet_on(two_products(), |_| {}).await;
    let family = make_family(&app, &fleet, &[]).await;
    let base = fleet.sim.base_url.clone();
    sign_up(&base, &family.wifi, ANN, OLD).await;
    sign_up(&base, &family.cell, ANN, OLD).await;
    forgot(&app, CELL_PRODUCT, ANN).await;
    let link = app
        .mail
        .next_message()
        .await
        .link("/customer-reset")
        .unwrap();
    fleet.sim.set_fault(Fault::OnProduct {
        product: CELL_PRODUCT,
        fault: Box::new(Fault::OnRoute {
            route: Route::Customers,
            fault: Box::new(Fault::ServerError {
                count: 100,
                status: 503,
            }),
        }),
    });

    // Act: the page is submitted while the cellular product is down; then the instance
    // restarts, the cloud recovers and the retry comes due.
    let page = choose(&link, NEW).await;
    let replay = choose(&link, "yet another pump pass 3").await;
    let cell_meanwhile = sign_in(&base, &family.cell, ANN, OLD).await;
    let restarted = app.spawn_sibling().await;
    app.stop().await;
    fleet.sim.clear_faults();
    restarted.clock.advance(chrono::Duration::seconds(31));
    let tried = fleetwarden_server::accounts::customer_updates::retry_due(&restarted.state)
        .await
        .unwrap();
    let notice = restarted.mail.next_message().await;

    // Assert
    assert!(
        page.contains("works now in") && page.contains("Not done yet in"),
        "{page}"
    );
    assert!(page.contains("Acme Pump Cellular"), "{page}");
    assert!(replay.contains("This link was used already"), "{replay}");
    assert_eq!(
        cell_meanwhile,
        StatusCode::OK,
        "the old password still works there meanwhile"
    );
    assert_eq!(tried, 1);
    assert_eq!(notice.subject(), "Your Acme Pumps password was changed");
    assert_eq!(sign_in(&base, &family.cell, ANN, NEW).await, StatusCode::OK);
    assert_eq!(
        sign_in(&base, &family.cell, ANN, OLD).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(sign_in(&base, &family.wifi, ANN, NEW).await, StatusCode::OK);
    let outcomes: Vec<String> = audited(&restarted, "customer.password_set")
        .await
        .iter()
        .map(|r| {
            r.after.as_ref().unwrap()["outcome"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(outcomes, ["done", "pending", "done"]);
    // Finished: nothing left to retry, and the sealed password is gone.
    let again = fleetwarden_server::accounts::customer_updates::retry_due(&restarted.state)
        .await
        .unwrap();
    assert_eq!(again, 0);
    let changes = entity::customer_password_change::Entity::find()
        .all(&restarted.db.conn)
        .await
        .unwrap();
    assert!(
        changes
            .iter()
            .all(|c| c.password_enc.is_none() && c.finished_at.is_some())
    );
}

#[tokio::test]
async fn only_the_familys_origins_get_a_cors_allowance() {
    // Arrange
    let (app, fleet) = spawn_fleet_on(two_products(), |_| {}).await;
    make_family(&app, &fleet, &["https://app.acme.example"]).await;
    let url = format!(
        "{}/api/v1/simple-auth/{}/password/forgot",
        app.address, fleet.sim.product_id
    );
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let preflight = |origin: &'static str| {
        client
            .request(reqwest::Method::OPTIONS, &url)
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
            .send()
    };
    let post = |origin: &'static str| {
        client
            .post(&url)
            .header("Origin", origin)
            .json(&json!({ "email": ANN }))
            .send()
    };

    // Act
    let allowed_preflight = preflight("https://app.acme.example").await.unwrap();
    let other_preflight = preflight("https://evil.example").await.unwrap();
    let allowed = post("https://app.acme.example").await.unwrap();
    let other = post("https://evil.example").await.unwrap();

    // Assert
    let allow = |r: &reqwest::Response| {
        r.headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(
        allow(&allowed_preflight).as_deref(),
        Some("https://app.acme.example")
    );
    assert_eq!(
        allowed_preflight
            .headers()
            .get("access-control-allow-methods")
            .unwrap(),
        "POST"
    );
    assert_eq!(allow(&other_preflight), None);
    assert_eq!(allowed.status(), StatusCode::ACCEPTED);
    assert_eq!(allow(&allowed).as_deref(), Some("https://app.acme.example"));
    assert_eq!(other.status(), StatusCode::FORBIDDEN);
    assert_eq!(allow(&other), None);
}

#[tokio::test]
async fn too_many_requests_for_one_email_answer_429_with_retry_after() {
    // Arrange
    let (app, fleet) = spawn_fleet_on(two_products(), |s| {
        s.auth.customer_resets_per_email = 3;
    })
    .await;
    make_family(&app, &fleet, &[]).await;

    // Act
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            forgot(&app, fleet.sim.product_id, "someone@example.com")
                .await
                .status(),
        );
    }
    let limited = forgot(&app, fleet.sim.product_id, "SOMEONE@example.com").await;
    let other_email = forgot(&app, fleet.sim.product_id, "else@example.com").await;
    app.clock.advance(chrono::Duration::seconds(61 * 60));
    let later = forgot(&app, fleet.sim.product_id, "someone@example.com").await;

    // Assert
    assert_eq!(statuses, [StatusCode::ACCEPTED; 3]);
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry), "Retry-After {retry}");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["error"], "too_many_requests");
    assert_eq!(other_email.status(), StatusCode::ACCEPTED);
    assert_eq!(later.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn families_are_for_platform_admins_and_bad_fields_are_named() {
    // Arrange
    let (app, fleet) = spawn_fleet_on(two_products(), |_| {}).await;
    let family = make_family(&app, &fleet, &[]).await;
    let admin = app
        .sign_in("admin@coa.example", fleetwarden_tests::fleet::PASSWORD)
        .await;
    let body = json!({ "name": "X", "sender": "x@example.com" });

    // Act
    let forbidden = admin.post("/api/v1/families", &body).await;
    let bad_sender = family
        .ops
        .post(
            "/api/v1/families",
            &json!({ "name": "X", "sender": "not an address" }),
        )
        .await;
    let bad_origin = family
        .ops
        .post(
            "/api/v1/families",
            &json!({ "name": "X", "sender": "x@example.com", "allowed_origins": ["https://a.example/path"] }),
        )
        .await;
    let bad_color = family
        .ops
        .post(
            "/api/v1/families",
            &json!({ "name": "X", "sender": "x@example.com", "primary_color": "red;}" }),
        )
        .await;
    let listed: Value = family
        .ops
        .get("/api/v1/families")
        .await
        .json()
        .await
        .unwrap();

    // Assert
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    for (response, field) in [
        (bad_sender, "sender"),
        (bad_origin, "allowed_origins"),
        (bad_color, "primary_color"),
    ] {
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let text = response.text().await.unwrap();
        assert!(text.contains(field), "{text}");
    }
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], family.id.as_str());
    assert_eq!(listed[0]["products"].as_array().unwrap().len(), 2);
}
