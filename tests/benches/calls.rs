//! Device-call benchmark: the same function call made through Fleetwarden and straight at the
//! simulated Particle cloud, side by side in one run, 256 calls in flight.
//!
//! ```sh
//! cargo bench -p fleetwarden-tests --bench calls
//! ```
//!
//! Through Fleetwarden a call is signed in (bearer session token), authorised, resolved to the
//! product's cached token, sent to the simulator over loopback HTTP and audited (one database
//! write per call, group-committed); straight, the same
//! `POST /v1/products/:pid/devices/:id/setPressure` is sent with a product token. Rounds
//! alternate between the two so drifts of the machine hit both, and besides the figures over
//! all rounds the p99 added is given per pair of neighbouring rounds (median and range): a
//! few seconds of a busy machine slow both paths, the longer one more, and would otherwise
//! decide the pooled p99 alone. Device speeds: instant (pure
//! overhead, everything saturated); 50 ms, about a fast device round trip through the real
//! cloud, once with the 256 callers in step (each wave of 256 arrives in the same instant) and
//! once spread over the 50 ms; and 250 ms spread, a typical round trip, where the machine has
//! room. Same allocator as the server binary (mimalloc).
//! Settings: FW_BENCH_CALLS (calls per round, default 6000), FW_BENCH_ROUNDS (default 5),
//! FW_BENCH_DEVICES (the device speeds, see [`scenarios`]), FW_BENCH_WORKERS (server worker
//! threads, default 0: one per core).
#![expect(
    clippy::unwrap_used,
    reason = "a benchmark: any failure should stop it"
)]
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fleetwarden_server::config::Settings;
use fleetwarden_server::particle::simulator::Fault;
use fleetwarden_tests::fleet::PASSWORD;
use fleetwarden_tests::spawn_fleet_with;

const IN_FLIGHT: usize = 256;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    Fleetwarden,
    Straight,
}

struct Target {
    client: reqwest::Client,
    urls: Vec<String>,
    headers: Vec<(&'static str, String)>,
}

/// Sends `calls` calls, `IN_FLIGHT` at a time; returns each call's latency and the wall time.
/// With a `stagger`, caller `i` starts `stagger * i / IN_FLIGHT` late (and the wall time leaves
/// that out), so the callers are spread over a device's answer time instead of all calling in
/// the same instant, every time, as they do in step.
async fn round(target: Arc<Target>, calls: usize, stagger: Duration) -> Round {
    let next = Arc::new(AtomicUsize::new(0));
    let cpu_before = cpu_time();
    let started = Instant::now();
    let workers: Vec<_> = (0..IN_FLIGHT)
        .map(|i| {
            let target = target.clone();
            let next = next.clone();
            let delay = stagger * i as u32 / IN_FLIGHT as u32;
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let mut latencies = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= calls {
                        return latencies;
                    }
                    let url = &target.urls[n % target.urls.len()];
                    let mut request = target
                        .client
                        .post(url)
                        .json(&serde_json::json!({"arg": "3.5"}));
                    for (name, value) in &target.headers {
                        request = request.header(*name, value);
                    }
                    let sent = Instant::now();
                    let response = request.send().await.unwrap();
                    let status = response.status();
                    let body = response.bytes().await.unwrap();
                    assert!(
                        status.is_success(),
                        "{status}: {}",
                        String::from_utf8_lossy(&body)
                    );
                    latencies.push(sent.elapsed());
                }
            })
        })
        .collect();
    let mut all = Vec::with_capacity(calls);
    for worker in workers {
        all.extend(worker.await.unwrap());
    }
    Round {
        wall: started.elapsed().saturating_sub(stagger),
        cpu: cpu_time().saturating_sub(cpu_before),
        latencies: all,
    }
}

#[derive(Default)]
struct Round {
    latencies: Vec<Duration>,
    wall: Duration,
    cpu: Duration,
}

impl Round {
    fn p99(&self) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        percentile(&sorted, 0.99)
    }

    fn add(&mut self, other: Round) {
        self.latencies.extend(other.latencies);
        self.wall += other.wall;
        self.cpu += other.cpu;
    }
}

/// CPU time used by this whole process so far (load generator, simulator and server alike):
/// the difference between the two paths is what Fleetwarden itself costs per call, whether or
/// not the machine is saturated. Linux's `/proc/self/stat`, in clock ticks of 10 ms.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let fields: Vec<u64> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .unwrap_or_default()
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    Duration::from_millis(fields.iter().sum::<u64>() * 10)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Summary {
    p50: Duration,
    p99: Duration,
    per_sec: f64,
    cpu_us_per_call: f64,
}

fn summarise(
    Round {
        mut latencies,
        wall,
        cpu,
    }: Round,
) -> Summary {
    latencies.sort_unstable();
    let n = latencies.len() as f64;
    Summary {
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        per_sec: n / wall.as_secs_f64(),
        cpu_us_per_call: cpu.as_secs_f64() * 1e6 / n,
    }
}

/// FW_BENCH_DEVICES: device answer times in ms, `s` for spread callers (default
/// `0,50,50s,250s`).
fn scenarios() -> Vec<(u64, bool)> {
    let list = std::env::var("FW_BENCH_DEVICES").unwrap_or_else(|_| "0,50,50s,250s".into());
    list.split(',')
        .filter_map(|item| {
            let item = item.trim();
            let spread = item.ends_with('s');
            item.trim_end_matches('s')
                .parse()
                .ok()
                .map(|ms| (ms, spread))
        })
        .collect()
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let calls = env_usize("FW_BENCH_CALLS", 6_000);
    let rounds = env_usize("FW_BENCH_ROUNDS", 5);
    // Production-like: one worker per core (0 = actix's default; FW_BENCH_WORKERS to try
    // another count) and the default pool (FW_BENCH_POOL to try another size).
    let pool = std::env::var("FW_BENCH_POOL")
        .ok()
        .and_then(|v| v.parse().ok());
    let (app, fleet) = spawn_fleet_with(|s| {
        s.http.workers = env_usize("FW_BENCH_WORKERS", 0);
        s.database.max_connections = pool.unwrap_or(Settings::default().database.max_connections);
    })
    .await;
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let devices: Vec<String> = fleet
        .boston_devices
        .iter()
        .chain(&fleet.chicago_devices)
        .chain([&fleet.hq_device, &fleet.unplaced_device])
        .cloned()
        .collect();

    let connection = fleet.sim.connection_json();
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(IN_FLIGHT)
        .build()
        .unwrap();
    let token: serde_json::Value = http
        .post(format!("{}/oauth/token", fleet.sim.base_url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", connection["client_id"].as_str().unwrap()),
            (
                "client_secret",
                connection["client_secret"].as_str().unwrap(),
            ),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let product = connection["product_id"].as_i64().unwrap();
    let straight = Arc::new(Target {
        client: http.clone(),
        urls: devices
            .iter()
            .map(|d| {
                format!(
                    "{}/v1/products/{product}/devices/{d}/setPressure",
                    fleet.sim.base_url
                )
            })
            .collect(),
        headers: vec![(
            "authorization",
            format!("Bearer {}", token["access_token"].as_str().unwrap()),
        )],
    });
    let through = Arc::new(Target {
        client: http,
        urls: devices
            .iter()
            .map(|d| format!("{}/api/v1/devices/{d}/functions/setPressure", app.address))
            .collect(),
        headers: vec![("authorization", format!("Bearer {}", admin.token))],
    });

    println!(
        "device calls, {IN_FLIGHT} in flight, {rounds} alternating rounds of {calls} per path, {} devices",
        devices.len()
    );
    println!(
        "{:<15} {:<13} {:>9} {:>9} {:>10} {:>12}",
        "device", "path", "p50 ms", "p99 ms", "calls/s", "CPU µs/call"
    );
    // (device answer time, callers spread over it): instant is pure overhead with everything
    // saturated; 50 ms is about a fast round trip through the real cloud, 250 ms a typical
    // one (cloud to device and back over cellular), where 256 in flight ask ~1,000 calls/s.
    for (device_ms, staggered) in scenarios() {
        let stagger = if staggered {
            Duration::from_millis(device_ms)
        } else {
            Duration::ZERO
        };
        fleet.sim.clear_faults();
        for d in &devices {
            if device_ms > 0 {
                fleet.sim.set_fault(Fault::Slow {
                    device: d.clone(),
                    millis: device_ms,
                });
            }
        }
        // Warm both paths (connections, token cache, SQLite pages).
        round(straight.clone(), IN_FLIGHT * 4, stagger).await;
        round(through.clone(), IN_FLIGHT * 4, stagger).await;
        let mut results = [
            (Path::Straight, Round::default()),
            (Path::Fleetwarden, Round::default()),
        ];
        // p99 added in each pair of rounds (straight, then Fleetwarden, back to back).
        let mut added_p99 = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let mut p99s = [Duration::ZERO; 2];
            for ((path, total), p99) in results.iter_mut().zip(&mut p99s) {
                let target = match path {
                    Path::Straight => straight.clone(),
                    Path::Fleetwarden => through.clone(),
                };
                let this = round(target, calls, stagger).await;
                *p99 = this.p99();
                total.add(this);
            }
            added_p99.push(ms(p99s[1]) - ms(p99s[0]));
        }
        let [(_, s), (_, f)] = results;
        let (s, f) = (summarise(s), summarise(f));
        let label = match (device_ms, staggered) {
            (0, _) => "instant".to_owned(),
            (ms, false) => format!("{ms} ms"),
            (ms, true) => format!("{ms} ms, spread"),
        };
        for (name, x) in [("straight", &s), ("fleetwarden", &f)] {
            println!(
                "{label:<15} {name:<13} {:>9.2} {:>9.2} {:>10.0} {:>12.0}",
                ms(x.p50),
                ms(x.p99),
                x.per_sec,
                x.cpu_us_per_call
            );
        }
        println!(
            "{label:<15} {:<13} {:>+9.2} {:>+9.2} {:>9.0}% {:>+12.0}",
            "added",
            ms(f.p50) - ms(s.p50),
            ms(f.p99) - ms(s.p99),
            (f.per_sec / s.per_sec - 1.0) * 100.0,
            f.cpu_us_per_call - s.cpu_us_per_call
        );
        added_p99.sort_unstable_by(f64::total_cmp);
        if let (Some(low), Some(high)) = (added_p99.first(), added_p99.last()) {
            println!(
                "{label:<15} {:<13} {:>+9.2} median of {} pairs of rounds, from {low:+.2} to {high:+.2}",
                "added p99",
                added_p99[added_p99.len() / 2],
                added_p99.len()
            );
        }
    }
}
