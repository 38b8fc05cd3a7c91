//! `fleetwarden-load`: technicians working a deployment, for a maker to point at their own.
//! Each virtual technician signs in, then loops: list their devices, read one device's day of
//! history, call a function on it; and signs in again every `--sign-in-every` loops. Users
//! start evenly over `--ramp` seconds, then all run until `--duration` ends. The summary gives,
//! per operation, how many, how many failed, the rate and the latency percentiles.
//!
//! ```sh
//! cargo run --release -p fleetwarden-tests --bin fleetwarden-load -- \
//!   --url http://127.0.0.1:8080 --email boston.tech@customercoa.example --password '…' \
//!   --users 20 --ramp 10 --duration 60
//! ```
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{Value, json};

/// Technicians working a Fleetwarden deployment.
#[derive(Debug, Clone, Parser)]
#[command(name = "fleetwarden-load")]
struct Args {
    /// The deployment's address (several, comma-separated, are used in turn by the users).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// The technician's email (every user signs in as this person).
    #[arg(long)]
    email: String,
    /// Their password.
    #[arg(long, env = "FW_LOAD_PASSWORD")]
    password: String,
    /// Concurrent users at full load.
    #[arg(long, default_value_t = 10)]
    users: usize,
    /// Seconds over which users start, evenly.
    #[arg(long, default_value_t = 10)]
    ramp: u64,
    /// Seconds the whole run lasts, ramp included.
    #[arg(long, default_value_t = 60)]
    duration: u64,
    /// The function each loop calls.
    #[arg(long, default_value = "setPressure")]
    function: String,
    /// Its argument.
    #[arg(long, default_value = "4.2")]
    arg: String,
    /// A user signs in again after this many loops (0: once only).
    #[arg(long, default_value_t = 20)]
    sign_in_every: u64,
    /// Pause between two requests of a user, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pause_ms: u64,
}

/// Latencies and failures, by operation.
#[derive(Debug, Default)]
struct Tally {
    ok: BTreeMap<&'static str, Vec<Duration>>,
    failed: BTreeMap<&'static str, BTreeMap<String, u64>>,
}

type Shared = Arc<Mutex<Tally>>;

fn note(tally: &Shared, op: &'static str, took: Duration, outcome: Result<(), String>) {
    let mut tally = tally.lock().unwrap_or_else(PoisonError::into_inner);
    match outcome {
        Ok(()) => tally.ok.entry(op).or_default().push(took),
        Err(why) => *tally.failed.entry(op).or_default().entry(why).or_default() += 1,
    }
}

/// Sends one request; its JSON body when the status is a success.
async fn send(tally: &Shared, op: &'static str, request: reqwest::RequestBuilder) -> Option<Value> {
    let started = Instant::now();
    let outcome = match request.send().await {
        Ok(response) if response.status().is_success() => {
            let body = response.json::<Value>().await.ok();
            note(tally, op, started.elapsed(), Ok(()));
            return Some(body.unwrap_or(Value::Null));
        }
        Ok(response) => Err(format!("HTTP {}", response.status().as_u16())),
        Err(err) if err.is_timeout() => Err("timeout".to_owned()),
        Err(_) => Err("connection".to_owned()),
    };
    note(tally, op, started.elapsed(), outcome);
    None
}

async fn sign_in(
    http: &reqwest::Client,
    base: &str,
    args: &Args,
    tally: &Shared,
) -> Option<String> {
    let body = send(
        tally,
        "sign-in",
        http.post(format!("{base}/api/v1/auth/login"))
            .json(&json!({ "email": args.email, "password": args.password })),
    )
    .await?;
    body["token"].as_str().map(str::to_owned)
}

/// One technician until `until`.
async fn user(n: usize, args: Arc<Args>, tally: Shared, until: Instant) {
    let bases: Vec<&str> = args.url.split(',').map(str::trim).collect();
    let base = bases[n % bases.len()].trim_end_matches('/').to_owned();
    let Ok(http) = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
    else {
        return;
    };
    let pause = Duration::from_millis(args.pause_ms);
    let mut token = None;
    let mut loops: u64 = 0;
    while Instant::now() < until {
        let due = args.sign_in_every > 0 && loops.is_multiple_of(args.sign_in_every);
        if token.is_none() || due {
            token = sign_in(&http, &base, &args, &tally).await;
            if token.is_none() {
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        }
        let bearer = token.clone().unwrap_or_default();
        loops += 1;
        let listed = send(
            &tally,
            "list devices",
            http.get(format!("{base}/api/v1/devices"))
                .bearer_auth(&bearer),
        )
        .await;
        let items = listed.as_ref().map(|l| l.get("items").unwrap_or(l).clone());
        let devices: Vec<String> = items
            .and_then(|i| i.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|d| d["id"].as_str().map(str::to_owned))
            .collect();
        tokio::time::sleep(pause).await;
        let Some(device) = devices.get((n + loops as usize) % devices.len().max(1)) else {
            continue;
        };
        send(
            &tally,
            "history (a day, hourly)",
            http.get(format!(
                "{base}/api/v1/devices/{device}/history?interval=1h&names=pressure"
            ))
            .bearer_auth(&bearer),
        )
        .await;
        tokio::time::sleep(pause).await;
        send(
            &tally,
            "call",
            http.post(format!(
                "{base}/api/v1/devices/{device}/functions/{}",
                args.function
            ))
            .bearer_auth(&bearer)
            .json(&json!({ "arg": args.arg })),
        )
        .await;
        tokio::time::sleep(pause).await;
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn summary(tally: &Tally, ran: Duration, args: &Args) {
    let secs = ran.as_secs_f64();
    println!(
        "\n{} users (ramp {} s) for {:.0} s against {}\n",
        args.users, args.ramp, secs, args.url
    );
    println!(
        "{:<26} {:>8} {:>7} {:>8} {:>9} {:>9} {:>9} {:>9}",
        "operation", "ok", "failed", "per s", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    let mut all = 0usize;
    let ops: std::collections::BTreeSet<&str> = tally
        .ok
        .keys()
        .chain(tally.failed.keys())
        .copied()
        .collect();
    for op in ops {
        let mut took = tally.ok.get(op).cloned().unwrap_or_default();
        took.sort_unstable();
        let failed: u64 = tally.failed.get(op).map_or(0, |f| f.values().sum());
        all += took.len();
        println!(
            "{:<26} {:>8} {:>7} {:>8.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
            op,
            took.len(),
            failed,
            took.len() as f64 / secs,
            percentile(&took, 50.0),
            percentile(&took, 95.0),
            percentile(&took, 99.0),
            percentile(&took, 100.0),
        );
    }
    println!(
        "\n{all} requests answered, {:.1} per second",
        all as f64 / secs
    );
    for (op, why) in &tally.failed {
        for (reason, n) in why {
            println!("  {op}: {n} × {reason}");
        }
    }
}

#[tokio::main]
async fn main() {
    let args = Arc::new(Args::parse());
    let tally: Shared = Arc::default();
    let started = Instant::now();
    let until = started + Duration::from_secs(args.duration);
    let step = Duration::from_secs(args.ramp) / u32::try_from(args.users.max(1)).unwrap_or(1);
    let mut users = Vec::with_capacity(args.users);
    for n in 0..args.users {
        let at = started + step * u32::try_from(n).unwrap_or(u32::MAX);
        let (args, tally) = (args.clone(), tally.clone());
        users.push(tokio::spawn(async move {
            tokio::time::sleep_until(at.into()).await;
            user(n, args, tally, until).await;
        }));
    }
    for user in users {
        let _ = user.await;
    }
    let ran = started.elapsed();
    let tally = tally.lock().unwrap_or_else(PoisonError::into_inner);
    summary(&tally, ran, &args);
}
