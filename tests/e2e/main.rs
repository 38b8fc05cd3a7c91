//! End-to-end: the dashboard in Debian's headless Chromium, driven by playwright-core (npm),
//! against a real server on loopback over the test fleet (`spawn_fleet`). The browser scripts
//! (`share_revoke.mjs`: a tenant admin's journey; `client_manager.mjs`: a client company's
//! manager's; `billing.mjs`: a tenant admin's bill over the plan, then a platform admin moving
//! the tenant onto a larger plan; `live_device.mjs`: a technician watching a pump live) do the
//! clicking and asserting; each test starts the server,
//! hands its script the address and logins, and fails with the script's output unless it exits
//! 0. A script that needs the server's side of something (an emailed link) says so on a line of
//! its own and waits for this side's answer on its stdin. `particle_login.mjs` needs no browser:
//! the official particle-api-js client (npm) signs in to the simulated cloud as a simple-auth
//! customer, with the password the customer chose on Fleetwarden's reset page.
//!
//! No Chromium (`/usr/bin/chromium`) or node: skipped with a loud message, or a failure when
//! `FW_E2E_REQUIRED=1` (CI sets it). Screenshots of every step go to
//! `<target>/e2e-artifacts/*.png`.
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chrono::Datelike;
use fleetwarden_tests::companies;
use fleetwarden_tests::fleet::PASSWORD;
use fleetwarden_tests::{TestApp, simple_auth, spawn_fleet, spawn_fleet_on};
use serde_json::json;

const CHROMIUM: &str = "/usr/bin/chromium";
const OPERATOR: &str = "00000000-0000-7000-8000-000000000002";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_shares_a_site_with_technicians_then_revokes_it_in_the_browser() {
    // Arrange
    let Some(node) = browser_tools() else { return };
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e");
    let artifacts = artifacts_dir();
    std::fs::create_dir_all(&artifacts).ok();
    let (app, fleet) = spawn_fleet().await;
    let boston_names: Vec<String> = (1..=fleet.boston_devices.len())
        .map(|i| format!("bos-{i}"))
        .collect();
    let env = [
        ("FW_E2E_BASE_URL", app.address.clone()),
        ("FW_E2E_ADMIN_EMAIL", "admin@coa.example".to_owned()),
        ("FW_E2E_TECH_EMAIL", "tech@coa.example".to_owned()),
        ("FW_E2E_PASSWORD", PASSWORD.to_owned()),
        ("FW_E2E_SITE", "ClientX Boston".to_owned()),
        ("FW_E2E_GROUP", "Boston techs".to_owned()),
        ("FW_E2E_SITE_DEVICES", boston_names.join(",")),
        ("FW_E2E_ARTIFACTS", artifacts.display().to_string()),
    ];

    // Act: the browser runs the scenario; the server keeps serving on this runtime meanwhile.
    let started = std::time::Instant::now();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(node)
            .arg(e2e.join("share_revoke.mjs"))
            .current_dir(&e2e)
            .envs(env)
            .output()
    })
    .await;

    // Assert
    let output = match output {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => panic!("running node failed: {e}"),
        Err(e) => panic!("the browser task failed: {e}"),
    };
    println!("{}", String::from_utf8_lossy(&output.stdout));
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    println!(
        "e2e: {:.1} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        artifacts.display()
    );
    assert!(
        output.status.success(),
        "the browser scenario failed ({}); its output is above, screenshots in {}",
        output.status,
        artifacts.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_companys_manager_invites_groups_shares_and_edits_within_their_company_in_the_browser()
 {
    // Arrange: xstaff manages ClientX; ClientY's manager has a group of their own, which
    // ClientX's manager must not see.
    let Some(node) = browser_tools() else { return };
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e");
    let artifacts = artifacts_dir().join("client-manager");
    std::fs::create_dir_all(&artifacts).ok();
    let (app, fleet) = spawn_fleet().await;
    companies::managed_by_their_staff(&app, &fleet).await;
    let colleague = "dana@clientx.example";
    let env = [
        ("FW_E2E_BASE_URL", app.address.clone()),
        ("FW_E2E_MANAGER_EMAIL", "xstaff@clientx.example".to_owned()),
        ("FW_E2E_COLLEAGUE_EMAIL", colleague.to_owned()),
        ("FW_E2E_COLLEAGUE_NAME", "Dana Colleague".to_owned()),
        ("FW_E2E_PASSWORD", PASSWORD.to_owned()),
        ("FW_E2E_COMPANY", "ClientX".to_owned()),
        ("FW_E2E_GROUP", "Boston day shift".to_owned()),
        ("FW_E2E_DEVICE", "bos-1".to_owned()),
        ("FW_E2E_ARTIFACTS", artifacts.display().to_string()),
    ];

    // Act: the browser runs the journey; when it has sent the invitation, the colleague
    // accepts the emailed link here, then tries a pump nobody shared with them (a refusal for
    // the manager's audit log).
    let started = std::time::Instant::now();
    let fleet = &fleet;
    let app = &app;
    let (status, output) = run_script(node, &e2e, "client_manager.mjs", &env, |line| {
        let line = line.to_owned();
        async move {
            if line != format!("INVITED {colleague}") {
                return None;
            }
            accept_invitation(app, colleague, "Dana Colleague").await;
            let dana = app.sign_in(colleague, PASSWORD).await;
            for _ in 0..5 {
                let probed = dana
                    .get(&format!("/api/v1/devices/{}", fleet.boston_devices[1]))
                    .await;
                assert!(probed.status().is_client_error());
            }
            app.flush_refusals().await;
            Some("accepted".to_owned())
        }
    })
    .await;

    // Assert
    verdict("the browser journey", status, &output, started, &artifacts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_admin_sees_seats_over_the_plan_the_bill_so_far_and_the_chart_in_the_browser() {
    // Arrange: a platform admin puts CustomerCoA (five people) on a plan including two seats,
    // and makes a larger one, which they move the tenant onto in the browser afterwards.
    let Some(node) = browser_tools() else { return };
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e");
    let artifacts = artifacts_dir().join("billing");
    std::fs::create_dir_all(&artifacts).ok();
    let (app, fleet) = spawn_fleet().await;
    app.create_user("ops@example.com", PASSWORD, true).await;
    let ops = app.sign_in("ops@example.com", PASSWORD).await;
    let made = ops
        .post(
            "/api/v1/plans",
            &json!({"code": "starter", "name": "Starter", "included_seats": 2,
                    "monthly_price_minor": 4900, "extra_seat_price_minor": 1200,
                    "currency": "USD"}),
        )
        .await;
    assert_eq!(made.status(), 201);
    let plan: serde_json::Value = made.json().await.unwrap_or_default();
    let set = ops
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/tenants/{}/subscription", fleet.coa),
            Some(&json!({"plan_id": plan["id"]})),
        )
        .await;
    assert_eq!(set.status(), 200);
    // The plan ops moves the tenant onto in the browser, including all its people.
    let team = ops
        .post(
            "/api/v1/plans",
            &json!({"code": "team", "name": "Team", "included_seats": 10,
                    "monthly_price_minor": 19900, "extra_seat_price_minor": 900,
                    "currency": "USD"}),
        )
        .await;
    assert_eq!(team.status(), 201);
    // The page must show what the API says (the server's clock stands still meanwhile).
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let billing: serde_json::Value = admin
        .get(&format!("/api/v1/tenants/{}/billing", fleet.coa))
        .await
        .json()
        .await
        .unwrap_or_default();
    let usd = |minor: &serde_json::Value| {
        let minor = minor.as_i64().unwrap_or_default();
        format!("{}.{:02} USD", minor / 100, minor % 100)
    };
    let period = billing["period"].as_str().unwrap_or_default().to_owned();
    let today = app.clock_now().date_naive();
    let first = today.with_day(1).unwrap_or(today);
    let previous = (first - chrono::Duration::days(1))
        .format("%Y-%m")
        .to_string();
    let days = billing["daily"].as_array().map_or(0, Vec::len);
    let env = [
        ("FW_E2E_BASE_URL", app.address.clone()),
        ("FW_E2E_ADMIN_EMAIL", "admin@coa.example".to_owned()),
        ("FW_E2E_OPS_EMAIL", "ops@example.com".to_owned()),
        ("FW_E2E_PASSWORD", PASSWORD.to_owned()),
        ("FW_E2E_TENANT", "CustomerCoA".to_owned()),
        ("FW_E2E_PLAN", "Starter".to_owned()),
        ("FW_E2E_NEW_PLAN", "Team".to_owned()),
        ("FW_E2E_NEW_INCLUDED", "10".to_owned()),
        ("FW_E2E_SEATS", "5".to_owned()),
        ("FW_E2E_INCLUDED", "2".to_owned()),
        ("FW_E2E_PERIOD", period),
        ("FW_E2E_PREVIOUS_PERIOD", previous),
        ("FW_E2E_DAYS_IN_MONTH", days.to_string()),
        ("FW_E2E_BILL_TOTAL", usd(&billing["bill"]["total_minor"])),
        (
            "FW_E2E_PROJECTED_TOTAL",
            usd(&billing["projected"]["total_minor"]),
        ),
        ("FW_E2E_ARTIFACTS", artifacts.display().to_string()),
    ];

    // Act
    let started = std::time::Instant::now();
    let (status, output) = run_script(node, &e2e, "billing.mjs", &env, |_| async { None }).await;

    // Assert
    verdict("the billing scenario", status, &output, started, &artifacts);
    assert_eq!(
        billing["seats_now"], 5,
        "the fleet's five people hold seats"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_technician_sees_a_pumps_chart_fill_and_a_new_pressure_arrive_live_in_the_browser() {
    // Arrange: Boston's technicians operate its pumps; the pump has an hour of stored history,
    // sent as Particle's webhook would have delivered it.
    let Some(node) = browser_tools() else { return };
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e");
    let artifacts = artifacts_dir().join("live-device");
    std::fs::create_dir_all(&artifacts).ok();
    let (app, fleet) = spawn_fleet().await;
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let granted = admin
        .post(
            &format!("/api/v1/tenants/{}/grants", fleet.coa),
            &json!({"subject": {"kind": "group", "id": fleet.boston_techs},
                    "scope": {"kind": "site", "id": fleet.boston}, "role_id": OPERATOR}),
        )
        .await;
    assert_eq!(granted.status(), 201);
    let pump = fleet.boston_devices[0].clone();
    let minutes = 50;
    backfill(&app, &pump, minutes).await;
    let env = [
        ("FW_E2E_BASE_URL", app.address.clone()),
        ("FW_E2E_TECH_EMAIL", "tech@coa.example".to_owned()),
        ("FW_E2E_ADMIN_EMAIL", "admin@coa.example".to_owned()),
        ("FW_E2E_PASSWORD", PASSWORD.to_owned()),
        ("FW_E2E_DEVICE", "bos-1".to_owned()),
        ("FW_E2E_DEVICE_ID", pump.clone()),
        ("FW_E2E_BACKFILLED_MINUTES", minutes.to_string()),
        ("FW_E2E_NEW_PRESSURE", "6.5".to_owned()),
        ("FW_E2E_ARTIFACTS", artifacts.display().to_string()),
    ];

    // Act: the pumps publish a round of telemetry every 300 ms while the browser watches.
    let sim = fleet.sim.clone();
    let telemetry = tokio::spawn(async move {
        loop {
            sim.publish_telemetry();
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
    });
    let started = std::time::Instant::now();
    let (status, output) =
        run_script(node, &e2e, "live_device.mjs", &env, |_| async { None }).await;
    telemetry.abort();

    // Assert
    verdict(
        "the live device scenario",
        status,
        &output,
        started,
        &artifacts,
    );
    // The page read the pump's variables once on opening and after each call, not every few
    // seconds: a few audited reads for a minute of watching.
    let reads: serde_json::Value = admin
        .get(&format!(
            "/api/v1/tenants/{}/audit?action=device.variable_read&actor={}&per_page=200",
            fleet.coa, fleet.tech
        ))
        .await
        .json()
        .await
        .unwrap_or_default();
    let reads = reads["total"].as_u64().unwrap_or(u64::MAX);
    assert!(
        reads <= 8,
        "{reads} audited variable reads for one page view"
    );
}

/// An hour-like history for `device`: a pressure and a flow reading a minute for the last
/// `minutes` minutes, delivered through the product's webhook as Particle would.
async fn backfill(app: &TestApp, device: &str, minutes: i64) {
    app.create_user("ops@example.com", PASSWORD, true).await;
    let ops = app.sign_in("ops@example.com", PASSWORD).await;
    let products: serde_json::Value = ops
        .get("/api/v1/products")
        .await
        .json()
        .await
        .unwrap_or_default();
    let product = products[0]["id"].as_str().unwrap_or_default().to_owned();
    let made: serde_json::Value = ops
        .post(
            &format!("/api/v1/products/{product}/webhook-secret"),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap_or_default();
    let secret = made["secret"].as_str().unwrap_or_default().to_owned();
    // Real time, as the browser and the simulator see it (the server's test clock stands still).
    let now = chrono::Utc::now();
    for minute in 1..=minutes {
        let at = now - chrono::Duration::minutes(minute);
        // A slow rise and fall between 2.5 and 3.5 bar.
        let tenths = 25 + (minute % 20 - 10).abs();
        let pressure = format!("{}.{}", tenths / 10, tenths % 10);
        let flow = format!(
            "{:.2}",
            f64::from(u32::try_from(tenths).unwrap_or(0)) * 0.37
        );
        for (name, data) in [("pressure", pressure), ("flow", flow)] {
            let delivered = fleetwarden_tests::browser()
                .post(format!(
                    "{}/api/v1/webhooks/particle/{product}",
                    app.address
                ))
                .header("X-Fleetwarden-Secret", &secret)
                .json(&json!({"event": name, "data": data, "coreid": device,
                              "published_at": at.to_rfc3339()}))
                .send()
                .await
                .map(|r| r.status().as_u16());
            assert_eq!(delivered.ok(), Some(200), "backfilling {name} at {at}");
        }
    }
}

/// The invitation emailed to `email`, accepted through its link's token as a new person.
async fn accept_invitation(app: &TestApp, email: &str, name: &str) {
    let mail = app.mail.next_message().await;
    assert_eq!(mail.rcpt_to, [email]);
    let link = mail.link("/invite").unwrap_or_default();
    let token = link.split("token=").nth(1).unwrap_or_default().to_owned();
    let accepted = app
        .post_json(
            "/api/v1/invitations/accept",
            &json!({"token": token, "password": PASSWORD, "display_name": name}),
        )
        .await;
    assert_eq!(accepted.status(), 200, "accepting {link}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[expect(
    clippy::expect_used,
    reason = "a test: a failed setup step should stop it"
)]
async fn the_official_particle_client_signs_in_with_the_password_a_customer_reset_through_fleetwarden()
 {
    // Arrange: a customer of the Wi-Fi and the cellular product, signed up with a password as
    // a simple-auth app does, who then forgets it: the app asks Fleetwarden, the email's link
    // opens the hosted page, and the new password is chosen there.
    let Some(node) = browser_tools() else { return };
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e");
    let (app, fleet) = spawn_fleet_on(simple_auth::two_products(), |_| {}).await;
    let family = simple_auth::make_family(&app, &fleet, &[]).await;
    let base = fleet.sim.base_url.clone();
    let (customer, old, new) = (
        "pump.owner@example.com",
        "Owner's old pass 41",
        "Owner's new pass 42",
    );
    for product in [&family.wifi, &family.cell] {
        simple_auth::sign_up(&base, product, customer, old).await;
    }
    let asked = simple_auth::forgot(&app, family.cell.id, customer).await;
    assert_eq!(asked.status(), 202);
    let link = app
        .mail
        .next_message()
        .await
        .link("/customer-reset")
        .expect("the email has the page's link");
    let page = simple_auth::choose(&link, new).await;
    assert!(page.contains("Password changed"), "{page}");

    for product in [&family.wifi, &family.cell] {
        let env = [
            ("FW_E2E_PARTICLE_URL", base.clone()),
            ("FW_E2E_CLIENT_ID", product.client_id.clone()),
            ("FW_E2E_CLIENT_SECRET", product.client_secret.clone()),
            ("FW_E2E_CUSTOMER", customer.to_owned()),
            ("FW_E2E_CUSTOMER_PASSWORD", new.to_owned()),
            ("FW_E2E_OLD_PASSWORD", old.to_owned()),
        ];

        // Act
        let (status, output) =
            run_script(node, &e2e, "particle_login.mjs", &env, |_| async { None }).await;

        // Assert
        println!("{output}");
        assert!(
            status.success(),
            "particle-api-js could not sign in to product {} with the new password ({status}); its output is above",
            product.id
        );
    }
}

/// Runs a browser script to its end, answering on its stdin each line of its output that
/// `answer` has an answer for; its exit status and its output (stdout, then stderr).
async fn run_script<F, Fut>(
    node: &str,
    dir: &Path,
    script: &str,
    env: &[(&str, String)],
    answer: F,
) -> (std::process::ExitStatus, String)
where
    F: Fn(&str) -> Fut,
    Fut: std::future::Future<Output = Option<String>>,
{
    let mut child = match Command::new(node)
        .arg(dir.join(script))
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => panic!("running node failed: {e}"),
    };
    let mut stdin = child.stdin.take();
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    if let Some(stdout) = child.stdout.take() {
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    let stderr = child.stderr.take().map(|mut stderr| {
        std::thread::spawn(move || {
            let mut text = String::new();
            stderr.read_to_string(&mut text).ok();
            text
        })
    });
    // The server keeps serving on this runtime while the browser works.
    let mut output = String::new();
    while let Some(line) = lines.recv().await {
        output.push_str(&line);
        output.push('\n');
        if let Some(reply) = answer(&line).await
            && let Some(stdin) = stdin.as_mut()
        {
            writeln!(stdin, "{reply}").ok();
        }
    }
    drop(stdin);
    let status = tokio::task::spawn_blocking(move || child.wait()).await;
    let status = match status {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => panic!("waiting for node failed: {e}"),
        Err(e) => panic!("the browser task failed: {e}"),
    };
    if let Some(text) = stderr.and_then(|h| h.join().ok()) {
        output.push_str(&text);
    }
    (status, output)
}

/// `node`, with playwright-core installed next to the script; `None` (after saying so loudly)
/// when Chromium or node is missing and the test isn't required.
/// Prints a scenario's output and how long it took, and fails the test unless it passed.
fn verdict(
    what: &str,
    status: std::process::ExitStatus,
    output: &str,
    started: std::time::Instant,
    artifacts: &Path,
) {
    println!("{output}");
    println!(
        "e2e: {:.1} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        artifacts.display()
    );
    assert!(
        status.success(),
        "{what} failed ({status}); its output is above, screenshots in {}",
        artifacts.display()
    );
}

fn browser_tools() -> Option<&'static str> {
    let required = std::env::var("FW_E2E_REQUIRED").is_ok_and(|v| v == "1");
    let missing = |what: &str| {
        if required {
            panic!("FW_E2E_REQUIRED=1 but {what}");
        }
        eprintln!(
            "\n********************************************************************\n\
             SKIPPED the dashboard's end-to-end test: {what}.\n\
             Install with `apt-get install -y chromium chromium-driver nodejs npm`, or set\n\
             FW_E2E_REQUIRED=1 to make this a failure (CI does).\n\
             ********************************************************************\n"
        );
        None
    };
    if !Path::new(CHROMIUM).exists() {
        return missing(&format!("{CHROMIUM} is missing"));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return missing("node is missing");
    }
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e");
    if !e2e.join("node_modules/playwright-core").exists()
        || !e2e.join("node_modules/particle-api-js").exists()
    {
        // Pinned by package-lock.json; once per checkout.
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&e2e)
            .status();
        if !status.is_ok_and(|s| s.success()) {
            return missing("`npm ci` in tests/e2e failed");
        }
    }
    Some("node")
}

/// `<target>/e2e-artifacts`, found from this test binary's path (`<target>/<profile>/deps/…`).
fn artifacts_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("e2e-artifacts")
}
