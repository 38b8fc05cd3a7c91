//! Revoke-to-refused across instances: how long after a revoke is answered on one instance
//! every other instance on the same PostgreSQL refuses the revoked person, for 2 and 4
//! instances.
//!
//! ```sh
//! FW_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo bench -p fleetwarden-tests --bench propagation
//! ```
//!
//! Each round grants a technician one device on instance A, waits until every other instance
//! lets them read it, revokes on A and then asks each other instance in a tight loop (over
//! loopback HTTP, a request at a time) until it answers 404; a sample is the time from A's
//! answer to that 404. The figure therefore includes up to one request's time of polling.
//! Settings: FW_BENCH_ROUNDS (default 200), FW_BENCH_INSTANCES (default "2,4").
#![expect(
    clippy::unwrap_used,
    reason = "a benchmark: any failure should stop it"
)]
use std::time::Duration;

use fleetwarden_tests::fleet::PASSWORD;
use fleetwarden_tests::{Session, spawn_fleet};
use serde_json::json;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const OPERATOR: &str = "00000000-0000-7000-8000-000000000002";

async fn until(session: &Session, path: &str, status: u16) -> Duration {
    session
        .until_status(path, status, Duration::from_secs(10))
        .await
        .unwrap_or_else(|| panic!("{path} never answered {status}"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn measure(instances: usize, rounds: usize) {
    let (a, fleet) = spawn_fleet().await;
    let mut others = Vec::new();
    for _ in 1..instances {
        others.push(a.spawn_sibling().await);
    }
    let admin = a.sign_in("admin@coa.example", PASSWORD).await;
    let mut techs = Vec::new();
    for other in &others {
        techs.push(other.sign_in("tech@coa.example", PASSWORD).await);
    }
    let device = &fleet.boston_devices[0];
    let path = format!("/api/v1/devices/{device}");
    let mut samples = Vec::with_capacity(rounds * techs.len());
    for _ in 0..rounds {
        let granted = admin
            .post(
                &format!("/api/v1/tenants/{}/grants", fleet.coa),
                &json!({
                    "subject": {"kind": "user", "id": fleet.tech},
                    "scope": {"kind": "device", "id": device},
                    "role_id": OPERATOR,
                }),
            )
            .await;
        let grant: serde_json::Value = granted.json().await.unwrap();
        for tech in &techs {
            until(tech, &path, 200).await;
        }
        let revoked = admin
            .delete(&format!(
                "/api/v1/tenants/{}/grants/{}",
                fleet.coa,
                grant["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(revoked.status(), 204);
        // Every instance polled at once, each its own loop.
        let waits = techs.iter().map(|tech| until(tech, &path, 404));
        samples.extend(futures_util::future::join_all(waits).await);
    }
    samples.sort_unstable();
    println!(
        "{instances} instances, {} samples: revoke-to-refused p50 {:.2} ms, p90 {:.2} ms, \
         p99 {:.2} ms, max {:.2} ms",
        samples.len(),
        ms(percentile(&samples, 0.50)),
        ms(percentile(&samples, 0.90)),
        ms(percentile(&samples, 0.99)),
        ms(*samples.last().unwrap()),
    );
}

#[tokio::main]
async fn main() {
    if !std::env::var("FW_TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        println!("propagation: set FW_TEST_DATABASE_URL to a PostgreSQL server; nothing measured");
        return;
    }
    let rounds = std::env::var("FW_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let counts = std::env::var("FW_BENCH_INSTANCES").unwrap_or_else(|_| "2,4".into());
    for count in counts.split(',').filter_map(|c| c.trim().parse().ok()) {
        measure(count, rounds).await;
    }
}
