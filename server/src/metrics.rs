//! Metrics through the `metrics` facade, kept by one process-wide Prometheus recorder and
//! rendered in Prometheus' text format by the metrics listener (`routes::metrics`). Code
//! anywhere records with the helpers here; while no listener is enabled nothing is recorded,
//! so the request path pays one atomic load.
//!
//! Every name and its help text is in [`describe`]; the README lists them.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// HTTP requests by route template, method and status.
pub const HTTP_REQUESTS: &str = "fleetwarden_http_requests_total";
/// Their latency, by route template and method.
pub const HTTP_DURATION: &str = "fleetwarden_http_request_duration_seconds";
/// Calls to the Particle cloud by endpoint and outcome (each attempt, retries included).
pub const PARTICLE_REQUESTS: &str = "fleetwarden_particle_requests_total";
/// Their latency, by endpoint.
pub const PARTICLE_DURATION: &str = "fleetwarden_particle_request_duration_seconds";
/// Particle tokens asked of the cache, by result (`hit`, `minted`, `failed`).
pub const PARTICLE_TOKENS: &str = "fleetwarden_particle_tokens_total";
/// Entries of the in-memory access index, by kind.
pub const ACCESS_INDEX: &str = "fleetwarden_access_index_entries";
/// Change-log entries this instance has not applied yet.
pub const CHANGE_LAG: &str = "fleetwarden_change_log_lag_entries";
/// Audit records waiting for the audit writer.
pub const AUDIT_QUEUE: &str = "fleetwarden_audit_queue_depth";
/// The audit writer's commits, by latency.
pub const AUDIT_COMMIT: &str = "fleetwarden_audit_commit_duration_seconds";
/// Audit records the database refused for good, diverted to `audit_diverted`.
pub const AUDIT_DIVERTED: &str = "fleetwarden_audit_diverted_total";
/// Device events stored by the ingest, by product.
pub const EVENTS_INGESTED: &str = "fleetwarden_events_ingested_total";
/// Seconds between an event's publication and its storage, newest of each batch, by product.
pub const EVENT_LAG: &str = "fleetwarden_event_ingest_lag_seconds";
/// Billing period closes, by outcome (`ok`, `failed`).
pub const BILLING_CLOSES: &str = "fleetwarden_billing_period_closes_total";
/// Invoices issued by those closes.
pub const INVOICES_ISSUED: &str = "fleetwarden_invoices_issued_total";
/// Database pool connections, by state (`in_use`, `idle`).
pub const DB_POOL: &str = "fleetwarden_db_pool_connections";
/// The pool's size limit.
pub const DB_POOL_MAX: &str = "fleetwarden_db_pool_max_connections";
/// Whether this instance is ready (1) or not (0), as `/health/ready` last said.
pub const READY: &str = "fleetwarden_ready";

/// Latency buckets, in seconds: a millisecond to ten seconds.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static ON: AtomicBool = AtomicBool::new(false);
static HANDLE: Mutex<Option<PrometheusHandle>> = Mutex::new(None);

/// Whether anything is recorded (a metrics listener is enabled in this process).
pub fn on() -> bool {
    ON.load(Ordering::Relaxed)
}

/// Installs the process-wide recorder, once (several instances in one process, as in tests,
/// share it), and turns recording on.
///
/// # Errors
/// The buckets are refused, or another recorder was installed first.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    let mut slot = HANDLE.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(handle) = slot.as_ref() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets(BUCKETS)?
        .install_recorder()?;
    describe();
    *slot = Some(handle.clone());
    ON.store(true, Ordering::Relaxed);
    Ok(handle)
}

fn describe() {
    use ::metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests by route template, method and status."
    );
    describe_histogram!(
        HTTP_DURATION,
        ::metrics::Unit::Seconds,
        "HTTP request latency by route template and method."
    );
    describe_counter!(
        PARTICLE_REQUESTS,
        "Particle cloud requests (each attempt) by endpoint and outcome."
    );
    describe_histogram!(
        PARTICLE_DURATION,
        ::metrics::Unit::Seconds,
        "Particle cloud request latency by endpoint."
    );
    describe_counter!(
        PARTICLE_TOKENS,
        "Particle tokens asked of the cache, by result: hit, minted, failed."
    );
    describe_gauge!(
        ACCESS_INDEX,
        "Entries of the in-memory access index, by kind."
    );
    describe_gauge!(
        CHANGE_LAG,
        "Change-log entries this instance has not applied yet."
    );
    describe_gauge!(AUDIT_QUEUE, "Audit records waiting for the audit writer.");
    describe_histogram!(
        AUDIT_COMMIT,
        ::metrics::Unit::Seconds,
        "Audit writer commit latency."
    );
    describe_counter!(
        AUDIT_DIVERTED,
        "Audit records refused for good and diverted to audit_diverted."
    );
    describe_counter!(
        EVENTS_INGESTED,
        "Device events stored by the ingest, by product."
    );
    describe_gauge!(
        EVENT_LAG,
        ::metrics::Unit::Seconds,
        "Publication to storage of the newest event of the last batch, by product."
    );
    describe_counter!(BILLING_CLOSES, "Billing period closes, by outcome.");
    describe_counter!(INVOICES_ISSUED, "Invoices issued by billing period closes.");
    describe_gauge!(
        DB_POOL,
        "Database pool connections, by state: in_use, idle."
    );
    describe_gauge!(DB_POOL_MAX, "The database pool's size limit.");
    describe_gauge!(READY, "1 when /health/ready last answered ready, else 0.");
}

/// One HTTP request.
pub fn http_request(route: &str, method: &str, status: u16, took: Duration) {
    if !on() {
        return;
    }
    let (route, method) = (route.to_owned(), method.to_owned());
    ::metrics::counter!(HTTP_REQUESTS, "route" => route.clone(), "method" => method.clone(), "status" => status.to_string())
        .increment(1);
    ::metrics::histogram!(HTTP_DURATION, "route" => route, "method" => method).record(took);
}

/// One request to the Particle cloud.
pub fn particle_request(endpoint: &'static str, outcome: &'static str, took: Duration) {
    if !on() {
        return;
    }
    ::metrics::counter!(PARTICLE_REQUESTS, "endpoint" => endpoint, "outcome" => outcome)
        .increment(1);
    ::metrics::histogram!(PARTICLE_DURATION, "endpoint" => endpoint).record(took);
}

/// A token asked of the cache: `hit`, `minted` or `failed`.
pub fn particle_token(result: &'static str) {
    if on() {
        ::metrics::counter!(PARTICLE_TOKENS, "result" => result).increment(1);
    }
}

/// One audit commit.
pub fn audit_commit(took: Duration) {
    if on() {
        ::metrics::histogram!(AUDIT_COMMIT).record(took);
    }
}

/// A batch of device events stored for `product` (Fleetwarden's product id), the newest
/// published `lag` before it was stored.
pub fn events_ingested(product: &str, stored: usize, lag: Duration) {
    if !on() {
        return;
    }
    let product = product.to_owned();
    ::metrics::counter!(EVENTS_INGESTED, "product" => product.clone())
        .increment(u64::try_from(stored).unwrap_or(u64::MAX));
    ::metrics::gauge!(EVENT_LAG, "product" => product).set(lag.as_secs_f64());
}

/// A billing period close and the invoices it issued.
pub fn billing_close(ok: bool, issued: usize) {
    if !on() {
        return;
    }
    let outcome = if ok { "ok" } else { "failed" };
    ::metrics::counter!(BILLING_CLOSES, "outcome" => outcome).increment(1);
    ::metrics::counter!(INVOICES_ISSUED).increment(u64::try_from(issued).unwrap_or(u64::MAX));
}

/// What is sampled when the metrics are read rather than counted as it happens.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    /// Access index entries, by kind.
    pub index: Vec<(&'static str, usize)>,
    /// Change-log entries not applied yet (`None`: the database didn't say).
    pub change_lag: Option<i64>,
    /// Audit records queued.
    pub audit_queue: usize,
    /// Audit records diverted since the start.
    pub audit_diverted: u64,
    /// Pool connections in use, idle, and the limit.
    pub pool: Option<(u32, u32, u32)>,
}

/// Sets the sampled gauges.
pub fn record_sample(sample: &Sample) {
    if !on() {
        return;
    }
    for (kind, n) in &sample.index {
        ::metrics::gauge!(ACCESS_INDEX, "kind" => *kind).set(*n as f64);
    }
    if let Some(lag) = sample.change_lag {
        ::metrics::gauge!(CHANGE_LAG).set(lag as f64);
    }
    ::metrics::gauge!(AUDIT_QUEUE).set(sample.audit_queue as f64);
    ::metrics::counter!(AUDIT_DIVERTED).absolute(sample.audit_diverted);
    if let Some((in_use, idle, max)) = sample.pool {
        ::metrics::gauge!(DB_POOL, "state" => "in_use").set(f64::from(in_use));
        ::metrics::gauge!(DB_POOL, "state" => "idle").set(f64::from(idle));
        ::metrics::gauge!(DB_POOL_MAX).set(f64::from(max));
    }
}

/// Readiness as last answered.
pub fn ready(ready: bool) {
    if on() {
        ::metrics::gauge!(READY).set(if ready { 1.0 } else { 0.0 });
    }
}
