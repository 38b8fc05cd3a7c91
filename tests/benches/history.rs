//! Device history: sustained ingest, history queries over a large table, live fan-out.
//!
//! ```sh
//! cargo bench -p fleetwarden-tests --bench history
//! FW_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo bench -p fleetwarden-tests --bench history
//! ```
//!
//! 1. Ingest: 40,000 events of the test fleet's pumps taken in batches of 200 (what the stream
//!    consumer takes at a time under load) through `history::ingest::take`: events per second
//!    and this process's CPU per event. The SSE parsing before it is not in the figure.
//! 2. History: `FW_BENCH_EVENTS` (default 10,000,000) numeric events written straight to the
//!    table (200 devices, a week, one tenant), then one device's day in one-minute buckets and
//!    its week in hourly buckets over the API, 50 requests each: p50 and p99.
//! 3. Live fan-out: `FW_BENCH_STREAMS` (default 1,000) live streams open over HTTP (one person
//!    each signed in once, all seeing the device), then 20 events taken in one at a time; for
//!    each, the time from `take` being called to each stream receiving it: p50 and p99 over all
//!    deliveries.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark: any failure should stop it"
)]
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use eventsource_stream::Eventsource;
use fleetwarden_server::particle::client::CloudEvent;
use fleetwarden_tests::fleet::PASSWORD;
use fleetwarden_tests::measure::cpu_time;
use futures_util::StreamExt;
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use tokio::sync::Mutex;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

#[tokio::main]
async fn main() {
    let (app, fleet) = fleetwarden_tests::spawn_fleet_with(|s| s.history.ingest = false).await;
    let postgres = app.on_postgres();
    println!(
        "database: {}",
        if postgres { "PostgreSQL" } else { "SQLite" }
    );
    let devices: Vec<String> = fleet
        .boston_devices
        .iter()
        .chain(&fleet.chicago_devices)
        .cloned()
        .collect();

    // 1. Ingest.
    let total = 40_000;
    let start = Utc::now();
    let (wall, cpu) = (Instant::now(), cpu_time());
    for batch in 0..total / 200 {
        let events = (0..200)
            .map(|i| {
                let n = batch * 200 + i;
                CloudEvent {
                    name: if n % 2 == 0 { "pressure" } else { "flow" }.to_owned(),
                    data: Some(format!("{}.{}", n % 10, n % 100)),
                    published_at: start + TimeDelta::milliseconds(n as i64),
                    device: devices[n % devices.len()].clone(),
                }
            })
            .collect();
        let taken = fleetwarden_server::history::ingest::take(&app.state, events)
            .await
            .unwrap();
        assert_eq!(taken.stored, 200);
    }
    let (wall, cpu) = (wall.elapsed(), cpu_time() - cpu);
    println!(
        "ingest: {total} events in {:.2} s: {:.0} events/s, {:.0} µs CPU per event",
        wall.as_secs_f64(),
        total as f64 / wall.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / total as f64
    );

    // 2. History over a large table.
    let events = env_usize("FW_BENCH_EVENTS", 10_000_000);
    let week_start = Utc::now() - TimeDelta::days(7);
    seed_history(
        &app,
        fleet.coa,
        &fleet.boston_devices[0],
        events,
        week_start,
    )
    .await;
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let device = &fleet.boston_devices[0];
    let iso = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for (label, interval, from, until) in [
        (
            "a day in 1-minute buckets",
            "1m",
            week_start + TimeDelta::days(3),
            week_start + TimeDelta::days(4),
        ),
        (
            "a week in hourly buckets",
            "1h",
            week_start,
            week_start + TimeDelta::days(7),
        ),
    ] {
        let path = format!(
            "/api/v1/devices/{device}/history?interval={interval}&names=pressure&from={}&until={}",
            iso(from),
            iso(until)
        );
        let mut times = Vec::new();
        let mut buckets = 0;
        for _ in 0..50 {
            let started = Instant::now();
            let answer: serde_json::Value = admin.get(&path).await.json().await.unwrap();
            times.push(started.elapsed());
            buckets = answer.as_array().unwrap().len();
        }
        times.sort();
        println!(
            "history, {label} ({buckets} buckets, {events} events stored): p50 {:.1} ms, p99 {:.1} ms",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99))
        );
    }

    // 3. Live fan-out.
    let streams = env_usize("FW_BENCH_STREAMS", 1_000);
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let received: Arc<Mutex<Vec<(usize, Instant)>>> = Arc::new(Mutex::new(Vec::new()));
    let mut readers = Vec::new();
    for _ in 0..streams {
        let response = admin
            .client
            .get(format!("{}/api/v1/live", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let received = received.clone();
        readers.push(tokio::spawn(async move {
            let mut live = response.bytes_stream().eventsource();
            while let Some(Ok(event)) = live.next().await {
                if event.event == "device" {
                    let message: serde_json::Value = serde_json::from_str(&event.data).unwrap();
                    let n: usize = message["data"].as_str().unwrap().parse().unwrap();
                    received.lock().await.push((n, Instant::now()));
                }
            }
        }));
    }
    let mut delays = Vec::new();
    for n in 0..20 {
        received.lock().await.clear();
        let sent = Instant::now();
        fleetwarden_server::history::ingest::take(
            &app.state,
            vec![CloudEvent {
                name: "fanout".to_owned(),
                data: Some(n.to_string()),
                published_at: Utc::now(),
                device: device.clone(),
            }],
        )
        .await
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let got = received
                .lock()
                .await
                .iter()
                .filter(|(m, _)| *m == n)
                .count();
            if got == streams || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let got = received.lock().await.clone();
        assert_eq!(got.len(), streams, "every stream got event {n}");
        delays.extend(got.iter().map(|(_, at)| at.duration_since(sent)));
    }
    delays.sort();
    println!(
        "live fan-out to {streams} streams, 20 events: publish-to-delivery p50 {:.1} ms, p99 {:.1} ms",
        ms(percentile(&delays, 0.5)),
        ms(percentile(&delays, 0.99))
    );
    for reader in readers {
        reader.abort();
    }
}

/// Writes `count` numeric `pressure` events of 200 devices over the week from `from`, with
/// `device` among them, in multi-row statements inside large transactions.
async fn seed_history(
    app: &fleetwarden_tests::TestApp,
    tenant: uuid::Uuid,
    device: &str,
    count: usize,
    from: chrono::DateTime<Utc>,
) {
    let started = Instant::now();
    let conn = &app.db.conn;
    let backend = conn.get_database_backend();
    // Other devices' rows need devices to exist (foreign key): the fleet's ten plus the rest
    // under made-up ids onboarded here.
    let mut ids: Vec<String> = vec![device.to_owned()];
    for i in 1..200 {
        let id = format!("{i:024x}");
        conn.execute_raw(Statement::from_string(
            backend,
            format!(
                "INSERT INTO devices (id, tenant_id, product_id, name, online, created_at, updated_at) \
                 SELECT '{id}', tenant_id, product_id, 'bench-{i}', false, created_at, updated_at \
                 FROM devices WHERE id = '{device}'"
            ),
        ))
        .await
        .expect("bench device");
        ids.push(id);
    }
    let step_ms = (7 * 86_400_000) / (count / ids.len()).max(1) as i64;
    // sqlx stores UUIDs as 16-byte blobs in SQLite, as text-typed `uuid` in PostgreSQL.
    let uuid_literal = |u: uuid::Uuid| match backend {
        DbBackend::Postgres => format!("'{u}'"),
        _ => format!("X'{}'", u.simple()),
    };
    let tenant = uuid_literal(tenant);
    let rows_per_statement = 500;
    let statements_per_txn = 200;
    let mut written = 0;
    while written < count {
        let mut txn_sql = Vec::new();
        for _ in 0..statements_per_txn {
            if written >= count {
                break;
            }
            let mut values = Vec::with_capacity(rows_per_statement);
            for _ in 0..rows_per_statement.min(count - written) {
                let n = written;
                let device = &ids[n % ids.len()];
                let at = from + TimeDelta::milliseconds((n / ids.len()) as i64 * step_ms);
                let at = match backend {
                    DbBackend::Postgres => at.to_rfc3339(),
                    _ => at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false),
                };
                let value = (n % 1000) as f64 / 100.0;
                let id = uuid_literal(uuid::Uuid::now_v7());
                values.push(format!(
                    "({id}, '{device}', {tenant}, 'pressure', '{value}', {value}, '{at}', '{at}', '{key:032x}')",
                    key = n as u128 + (1u128 << 100)
                ));
                written += 1;
            }
            txn_sql.push(format!(
                "INSERT INTO device_events (id, device_id, tenant_id, name, data, value, published_at, received_at, event_key) VALUES {}",
                values.join(", ")
            ));
        }
        let txn = conn.begin().await.expect("begin");
        for sql in txn_sql {
            txn.execute_unprepared(&sql).await.expect("seed events");
        }
        txn.commit().await.expect("commit");
        if written % 1_000_000 < rows_per_statement * statements_per_txn {
            eprintln!(
                "seeded {written} events in {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    if backend == DbBackend::Postgres {
        conn.execute_unprepared("VACUUM ANALYZE device_events")
            .await
            .expect("analyze");
    }
    eprintln!(
        "seeded {count} events in {:.0} s",
        started.elapsed().as_secs_f64()
    );
}
