//! The HTTP transport under [`super::client::ParticleClient`]: one pooled HTTP client per
//! thread with the configured timeouts, and retries with exponential backoff and jitter for
//! idempotent calls only (reads, token mints, deletes). State changes (device function calls,
//! claims) are retried only when the connection failed before anything was sent. Errors come
//! back typed, with URLs left out of transport messages.
use std::time::Duration;

use rand::Rng;
use url::{Host, Url};

use super::error::{Error, redact};
use super::route::Route;
use crate::config::ParticleSettings;

/// First retry delay unless
/// [`ParticleClient::with_retry_backoff`](super::client::ParticleClient::with_retry_backoff)
/// says otherwise.
pub const DEFAULT_RETRY_BACKOFF: Duration = Duration::from_millis(200);
/// Longest delay between two attempts computed from the backoff alone.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Longest `Retry-After` we wait out; past it the caller gets the error at once, since holding
/// a request open longer helps nobody.
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Whether an attempt may be repeated after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Idempotency {
    /// Reads, token mints, deletes: repeat on 5xx, 429 and broken connections.
    Idempotent,
    /// State changes (function calls, claims): repeat only if nothing was sent.
    Once,
}

/// How a single attempt failed, which decides whether to try again.
struct Failure {
    error: Error,
    /// The request never left (connect refused or timed out): safe to repeat for any call.
    not_sent: bool,
    /// Repeating an idempotent request may help.
    transient: bool,
}

/// Sends requests with the retry policy. Cheap to clone: clones share the connection pools.
#[derive(Clone)]
pub(super) struct Transport {
    http: PerThread,
    pub(super) max_retries: u32,
    pub(super) retry_backoff: Duration,
    pub(super) max_retry_after: Duration,
}

/// One HTTP client, so one connection pool, per thread. hyper drives each pooled connection
/// on the runtime that opened it, and each actix worker is a runtime of its own: with one
/// shared pool, a call from one worker often used a connection of another's, and its
/// upstream I/O crossed threads both ways, which cost CPU on every call (the README's
/// `cargo bench --bench calls` section has the figures).
#[derive(Clone)]
struct PerThread {
    id: u64,
    first: reqwest::Client,
    config: HttpConfig,
}

/// What every thread's client is built with.
#[derive(Clone, Copy)]
struct HttpConfig {
    connect_timeout_ms: u64,
    request_timeout_ms: u64,
    no_proxy: bool,
}

impl HttpConfig {
    fn build(self) -> reqwest::Result<reqwest::Client> {
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("fleetwarden/", env!("CARGO_PKG_VERSION")));
        if self.connect_timeout_ms > 0 {
            builder = builder.connect_timeout(Duration::from_millis(self.connect_timeout_ms));
        }
        if self.request_timeout_ms > 0 {
            builder = builder.timeout(Duration::from_millis(self.request_timeout_ms));
        }
        if self.no_proxy {
            builder = builder.no_proxy();
        }
        builder.build()
    }
}

static NEXT_CLIENT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

thread_local! {
    static CLIENTS: std::cell::RefCell<std::collections::HashMap<u64, reqwest::Client>> =
        std::cell::RefCell::default();
}

impl PerThread {
    /// Builds the first client now, so a bad TLS set-up is an error here, not on a call.
    fn new(settings: &ParticleSettings, no_proxy: bool) -> Result<Self, Error> {
        let config = HttpConfig {
            connect_timeout_ms: settings.connect_timeout_ms,
            request_timeout_ms: settings.request_timeout_ms,
            no_proxy,
        };
        let first = config
            .build()
            .map_err(|e| Error::Transport(describe_transport(&e)))?;
        let id = NEXT_CLIENT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // This thread's is the one just built.
        CLIENTS.with(|clients| clients.borrow_mut().insert(id, first.clone()));
        Ok(Self { id, first, config })
    }

    /// This thread's client (the first one, should building another ever fail).
    fn get(&self) -> reqwest::Client {
        CLIENTS.with(|clients| {
            clients
                .borrow_mut()
                .entry(self.id)
                .or_insert_with(|| self.config.build().unwrap_or_else(|_| self.first.clone()))
                .clone()
        })
    }
}

impl Transport {
    /// A transport with the timeouts and retry count from `settings` and the default backoff
    /// and `Retry-After` cap; `no_proxy` makes it ignore any proxy the environment sets.
    ///
    /// # Errors
    /// [`Error::Transport`] if the TLS stack fails to start.
    pub(super) fn new(settings: &ParticleSettings, no_proxy: bool) -> Result<Self, Error> {
        Ok(Self {
            http: PerThread::new(settings, no_proxy)?,
            max_retries: settings.max_retries,
            retry_backoff: DEFAULT_RETRY_BACKOFF,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
        })
    }

    /// This thread's HTTP client, to build a request with.
    pub(super) fn http(&self) -> reqwest::Client {
        self.http.get()
    }

    /// Sends the request `build` makes, repeating it as `idempotency` allows.
    pub(super) async fn send(
        &self,
        idempotency: Idempotency,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Vec<u8>, Error> {
        let mut attempt: u32 = 0;
        loop {
            let failure = match self.attempt(build()).await {
                Ok(body) => return Ok(body),
                Err(failure) => failure,
            };
            let retryable =
                failure.not_sent || idempotency == Idempotency::Idempotent && failure.transient;
            if !retryable || attempt >= self.max_retries {
                return Err(failure.error);
            }
            let mut delay = self.backoff(attempt);
            if let Some(secs) = failure.error.retry_after_secs() {
                let asked = Duration::from_secs(secs);
                if asked > self.max_retry_after {
                    return Err(failure.error);
                }
                delay = delay.max(asked);
            }
            tracing::debug!(
                attempt = attempt + 1,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %failure.error,
                "retrying Particle request"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn attempt(&self, request: reqwest::RequestBuilder) -> Result<Vec<u8>, Failure> {
        let (client, request) = request.build_split();
        let request = request.map_err(Failure::transport)?;
        // Classified and timed only while metrics are recorded: device calls pass here.
        let measured = crate::metrics::on().then(|| {
            let route = Route::classify(request.method().as_str(), request.url().path());
            (route.as_str(), std::time::Instant::now())
        });
        let answered = Self::answer(client.execute(request)).await;
        if let Some((endpoint, started)) = measured {
            let outcome = match &answered {
                Ok(_) => "ok",
                Err(failure) => failure.error.kind(),
            };
            crate::metrics::particle_request(endpoint, outcome, started.elapsed());
        }
        answered
    }

    async fn answer(
        sent: impl std::future::Future<Output = reqwest::Result<reqwest::Response>>,
    ) -> Result<Vec<u8>, Failure> {
        let response = sent.await.map_err(Failure::transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(Failure::transport)?;
        if status.is_success() {
            return Ok(body.to_vec());
        }
        let error = Error::from_response(status, &headers, &body);
        let transient = matches!(error, Error::RateLimited { .. } | Error::Unavailable { .. });
        Err(Failure {
            error,
            not_sent: false,
            transient,
        })
    }

    /// Exponential backoff with equal jitter: half fixed, half random, so a burst of clients
    /// that failed together does not retry together.
    fn backoff(&self, attempt: u32) -> Duration {
        let full = self
            .retry_backoff
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(MAX_BACKOFF);
        let half = full / 2;
        let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        let jitter = Duration::from_millis(rand::rng().random_range(0..=jitter_ms));
        half + jitter
    }
}

impl Failure {
    fn transport(err: reqwest::Error) -> Self {
        Self {
            not_sent: err.is_connect(),
            // A request that timed out already waited the full timeout; repeating it would
            // multiply the caller's wait. A reset or truncated response is worth another go.
            transient: !err.is_timeout(),
            error: Error::Transport(describe_transport(&err)),
        }
    }
}

/// A transport error's chain without the URL, which reqwest would otherwise include.
fn describe_transport(err: &reqwest::Error) -> String {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "connection failed"
    } else if err.is_body() || err.is_decode() {
        "incomplete response"
    } else {
        "request failed"
    };
    let mut chain = Vec::new();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        chain.push(cause.to_string());
        source = cause.source();
    }
    match chain.last() {
        Some(root) => redact(&format!("{what}: {root}")),
        None => what.to_owned(),
    }
}

/// Whether `url` names this machine, so a call to it must not go through a proxy.
pub(super) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => {
            name.eq_ignore_ascii_case("localhost")
                || name.to_ascii_lowercase().ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn only_loopback_addresses_bypass_the_proxy() {
        let loopback = |s: &str| is_loopback(&Url::parse(s).unwrap());
        assert!(loopback("http://127.0.0.1:8080"));
        assert!(loopback("http://[::1]:8080"));
        assert!(loopback("http://localhost"));
        assert!(loopback("http://sim.localhost"));
        assert!(!loopback("https://api.particle.io"));
        assert!(!loopback("http://10.0.0.1"));
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let mut transport = Transport::new(&ParticleSettings::default(), true).unwrap();
        transport.retry_backoff = Duration::from_millis(200);
        for _ in 0..50 {
            let first = transport.backoff(0);
            assert!(first >= Duration::from_millis(100) && first <= Duration::from_millis(200));
            let third = transport.backoff(2);
            assert!(third >= Duration::from_millis(400) && third <= Duration::from_millis(800));
            assert!(transport.backoff(30) <= MAX_BACKOFF);
        }
    }
}
