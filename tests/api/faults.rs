//! Fault drills under load in the suite: the database going away and coming back (through a
//! loopback TCP proxy between the server and PostgreSQL that the test cuts and restores, as a
//! stopped and restarted database looks to the server), and a hanging or throttling Particle
//! cloud. Bounded waits, clear 503s, nothing lost, and service back without a restart.
#![expect(clippy::unwrap_used, reason = "tests")]
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fleetwarden_server::config::DatabaseUrl;
use fleetwarden_server::particle::simulator::Fault;
use fleetwarden_tests::fleet::PASSWORD;
use fleetwarden_tests::spawn_fleet_with;
use sea_orm::EntityTrait;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

const OPERATOR: &str = "00000000-0000-7000-8000-000000000002";

/// A TCP proxy to `target` that can be cut (every connection closed, new ones closed at once)
/// and restored.
struct Proxy {
    port: u16,
    up: watch::Sender<bool>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (up, watching) = watch::channel(true);
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                let mut state = watching.clone();
                let target = target.clone();
                tokio::spawn(async move {
                    if !*state.borrow() {
                        return; // Cut: the connection closes at once.
                    }
                    let Ok(mut server) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = state.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Proxy { port, up }
    }

    fn cut(&self) {
        self.up.send_replace(false);
    }

    fn restore(&self) {
        self.up.send_replace(true);
    }
}

/// `host:port` of a PostgreSQL URL.
fn host_port(url: &str) -> String {
    let rest = url.split("://").nth(1).unwrap_or_default();
    let rest = rest.rsplit('@').next().unwrap_or_default();
    rest.split(['/', '?']).next().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_stopped_and_restarted_under_load_is_503_then_service_resumes() {
    // Arrange: PostgreSQL only (SQLite is a file in the server's own process).
    let Some(admin_url) = std::env::var("FW_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("skipped: the database outage drill needs FW_TEST_DATABASE_URL (PostgreSQL)");
        return;
    };
    let proxy = Proxy::start(host_port(&admin_url)).await;
    let proxy_at = format!("127.0.0.1:{}", proxy.port);
    let (app, fleet) = spawn_fleet_with(|s| {
        let through = s
            .database
            .url
            .expose()
            .replacen(&host_port(&admin_url), &proxy_at, 1);
        s.database.url = DatabaseUrl::new(through);
        s.database.acquire_timeout_ms = 500;
        s.database.connect_timeout_secs = 1;
    })
    .await;
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let shared = admin
        .post(
            &format!("/api/v1/tenants/{}/grants", fleet.coa),
            &json!({"subject": {"kind": "group", "id": fleet.boston_techs}, "scope": {"kind": "site", "id": fleet.boston}, "role_id": OPERATOR}),
        )
        .await;
    assert_eq!(shared.status(), 201);
    let tech = Arc::new(app.sign_in("tech@coa.example", PASSWORD).await);
    let pump = fleet.boston_devices[0].clone();

    // Load: callers listing devices and setting pressures until told to stop, recording every
    // status and the argument of every call answered 200.
    let stop = Arc::new(AtomicBool::new(false));
    let mut callers = Vec::new();
    for caller in 0..8 {
        let (tech, stop, pump) = (tech.clone(), stop.clone(), pump.clone());
        callers.push(tokio::spawn(async move {
            let (mut statuses, mut answered) = (Vec::new(), Vec::new());
            let mut n = 0u32;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let arg = format!("{}.{caller}{n:05}", caller % 9 + 1);
                let call = tech
                    .post(
                        &format!("/api/v1/devices/{pump}/functions/setPressure"),
                        &json!({ "arg": arg }),
                    )
                    .await
                    .status()
                    .as_u16();
                if call == 200 {
                    answered.push(arg);
                }
                let list = tech.get("/api/v1/devices").await.status().as_u16();
                statuses.extend([call, list]);
                tokio::task::yield_now().await;
            }
            (statuses, answered)
        }));
    }
    let ready = || async {
        let started = Instant::now();
        let status = app.get("/health/ready").await.status().as_u16();
        (status, started.elapsed())
    };
    let (before, _) = ready().await;

    // Act: the database goes away under load, then comes back.
    proxy.cut();
    let (down, down_took) = ready().await;
    let during = tech.get("/api/v1/devices").await;
    let during_status = during.status().as_u16();
    let during_retry = during.headers().get("retry-after").cloned();
    proxy.restore();
    // Back once readiness says so and a call goes through again (the audit writer retries
    // with a backoff of at most 5 s).
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut resumed = false;
    while Instant::now() < deadline {
        let call = tech
            .post(
                &format!("/api/v1/devices/{pump}/functions/setPressure"),
                &json!({"arg": "5.5"}),
            )
            .await
            .status();
        if ready().await.0 == 200 && call == 200 {
            resumed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut statuses = Vec::new();
    let mut answered = Vec::new();
    for caller in callers {
        let (s, a) = caller.await.unwrap();
        statuses.extend(s);
        answered.extend(a);
    }

    // Assert
    assert_eq!(before, 200);
    assert_eq!(down, 503, "readiness says the database is down");
    assert!(down_took < Duration::from_secs(1), "{down_took:?}");
    assert_eq!(during_status, 503);
    assert!(during_retry.is_some(), "with Retry-After");
    assert!(resumed, "service resumes without a restart");
    let unexpected: Vec<&u16> = statuses
        .iter()
        .filter(|s| !matches!(s, 200 | 503))
        .collect();
    assert!(unexpected.is_empty(), "only 200s and 503s: {unexpected:?}");
    assert!(statuses.contains(&503), "the outage was felt");
    let audit = entity::audit_record::Entity::find()
        .all(&app.db.conn)
        .await
        .unwrap();
    let audited: std::collections::HashSet<String> = audit
        .iter()
        .filter_map(|r| r.after.as_ref()?["arg"].as_str().map(str::to_owned))
        .collect();
    let missing: Vec<&String> = answered.iter().filter(|a| !audited.contains(*a)).collect();
    assert!(missing.is_empty(), "answered without a record: {missing:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_then_throttling_cloud_under_load_gets_bounded_clear_answers() {
    // Arrange: a short upstream timeout, and Boston shared with the technician.
    let (app, fleet) = spawn_fleet_with(|s| {
        s.particle.request_timeout_ms = 1_000;
        s.particle.max_retries = 1;
    })
    .await;
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    admin
        .post(
            &format!("/api/v1/tenants/{}/grants", fleet.coa),
            &json!({"subject": {"kind": "group", "id": fleet.boston_techs}, "scope": {"kind": "site", "id": fleet.boston}, "role_id": OPERATOR}),
        )
        .await;
    let tech = Arc::new(app.sign_in("tech@coa.example", PASSWORD).await);
    let pump = fleet.boston_devices[0].clone();
    let burst = |n: usize| {
        let (tech, pump) = (tech.clone(), pump.clone());
        async move {
            let mut calls = tokio::task::JoinSet::new();
            for _ in 0..n {
                let (tech, pump) = (tech.clone(), pump.clone());
                calls.spawn(async move {
                    let started = Instant::now();
                    let r = tech
                        .post(
                            &format!("/api/v1/devices/{pump}/functions/setPressure"),
                            &json!({"arg": "3.5"}),
                        )
                        .await;
                    let retry = r.headers().contains_key("retry-after");
                    (r.status().as_u16(), retry, started.elapsed())
                });
            }
            calls.join_all().await
        }
    };

    // Act
    fleet.sim.set_fault(Fault::Hang { count: 1_000 });
    let hanging = burst(32).await;
    fleet.sim.clear_faults();
    fleet.sim.set_fault(Fault::RateLimited {
        count: 1_000,
        retry_after_secs: 7,
    });
    let throttled = burst(32).await;
    fleet.sim.clear_faults();
    fleet.sim.set_fault(Fault::ServerError {
        count: 1_000,
        status: 502,
    });
    let failing = burst(32).await;
    fleet.sim.clear_faults();
    let healthy = burst(8).await;

    // Assert
    assert!(
        hanging
            .iter()
            .all(|(s, _, took)| matches!(s, 502..=504) && *took < Duration::from_secs(10)),
        "bounded, and said plainly: {hanging:?}"
    );
    assert!(
        throttled.iter().all(|(s, retry, _)| *s == 503 && *retry),
        "503 with Retry-After: {throttled:?}"
    );
    assert!(
        failing.iter().all(|(s, _, _)| matches!(s, 502 | 503)),
        "{failing:?}"
    );
    assert!(healthy.iter().all(|(s, _, _)| *s == 200), "{healthy:?}");
}
