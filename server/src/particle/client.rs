//! Particle REST client: one pooled HTTP client with the configured timeouts, typed errors,
//! and retries with exponential backoff and jitter for idempotent calls only (reads, token
//! mints, deletes). Device function calls change device state, so they are retried only when
//! the connection failed before anything was sent. Every call takes its credential explicitly;
//! caching tokens is [`super::token_cache`]'s job.
use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::{Host, Url};

use super::error::{Error, redact};
use crate::clock::{SharedClock, SystemClock};
use crate::config::ParticleSettings;

/// First retry delay unless [`ParticleClient::with_retry_backoff`] says otherwise.
pub const DEFAULT_RETRY_BACKOFF: Duration = Duration::from_millis(200);
/// Longest delay between two attempts computed from the backoff alone.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Longest `Retry-After` we wait out; past it the caller gets the error at once, since holding
/// a request open longer helps nobody.
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// OAuth client credentials of one Particle product (two-legged auth).
#[derive(Debug, Clone)]
pub struct OAuthClient {
    /// The client id, e.g. `fleetwarden-2146`.
    pub client_id: String,
    /// The client secret, shown once by the Particle console.
    pub client_secret: SecretString,
}

/// An access token minted by the cloud.
#[derive(Debug, Clone)]
pub struct Token {
    /// The bearer token.
    pub access_token: SecretString,
    /// When it stops working; `None` for a token that never expires (`expires_in` 0 or absent).
    pub expires_at: Option<DateTime<Utc>>,
}

/// The answer of a device function.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FunctionResult {
    /// The firmware function's `int` result.
    pub return_value: i64,
    /// Whether the device was connected (always true when it answered).
    #[serde(default = "answered")]
    pub connected: bool,
}

fn answered() -> bool {
    true
}

/// The value of a device variable.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct VariableValue {
    /// The variable's name.
    #[serde(default)]
    pub name: String,
    /// Its value, typed by the firmware (number, string or bool).
    pub result: Value,
}

/// A device as the cloud describes it; every field but `id` is optional on the wire.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "RawDevice")]
pub struct Device {
    /// 24 lower-case hex digits.
    pub id: String,
    /// The device's name, if it has one.
    pub name: Option<String>,
    /// Whether the cloud believes it is connected (may lag for cellular devices).
    pub online: bool,
    /// The product it belongs to (the platform id for developer devices).
    pub product_id: Option<i64>,
    /// The hardware platform.
    pub platform_id: Option<i64>,
    /// Username of the owner, if claimed by a user.
    pub owner: Option<String>,
    /// Id of the owning customer, if claimed by a product customer.
    pub customer_id: Option<String>,
    /// Last time the cloud heard from it.
    pub last_heard: Option<DateTime<Utc>>,
    /// Product firmware version.
    pub firmware_version: Option<i64>,
    /// Serial number, if known.
    pub serial_number: Option<String>,
    /// Free-text notes.
    pub notes: Option<String>,
    /// Registered functions (empty while offline, when the cloud sends `null`).
    pub functions: Vec<String>,
    /// Registered variables and their types (`int32`, `double`, `string`, `bool`).
    pub variables: BTreeMap<String, String>,
    /// Whether the product quarantined it.
    pub quarantined: bool,
}

#[derive(Deserialize)]
struct RawDevice {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    online: Option<bool>,
    #[serde(default)]
    connected: Option<bool>,
    #[serde(default)]
    product_id: Option<i64>,
    #[serde(default)]
    platform_id: Option<i64>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    customer_id: Option<String>,
    #[serde(default)]
    last_heard: Option<String>,
    #[serde(default)]
    firmware_version: Option<i64>,
    #[serde(default)]
    serial_number: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    functions: Option<Vec<String>>,
    #[serde(default)]
    variables: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    quarantined: Option<bool>,
}

impl From<RawDevice> for Device {
    fn from(raw: RawDevice) -> Self {
        Self {
            id: raw.id,
            name: raw.name,
            // `connected` is the deprecated spelling of `online`.
            online: raw.online.or(raw.connected).unwrap_or(false),
            product_id: raw.product_id,
            platform_id: raw.platform_id,
            owner: raw.owner,
            customer_id: raw.customer_id,
            // A malformed date is no reason to lose the whole device.
            last_heard: raw
                .last_heard
                .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
                .map(|d| d.with_timezone(&Utc)),
            firmware_version: raw.firmware_version,
            serial_number: raw.serial_number,
            notes: raw.notes,
            functions: raw.functions.unwrap_or_default(),
            variables: raw
                .variables
                .unwrap_or_default()
                .into_iter()
                .map(|(name, kind)| {
                    let kind = kind
                        .as_str()
                        .map_or_else(|| kind.to_string(), str::to_owned);
                    (name, kind)
                })
                .collect(),
            quarantined: raw.quarantined.unwrap_or(false),
        }
    }
}

/// A customer listed next to the devices of a product page.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProductCustomer {
    /// The customer's id.
    pub id: String,
    /// The customer's "email" (for Fleetwarden, the shadow-customer id).
    #[serde(default)]
    pub username: Option<String>,
}

/// One page of a product's devices.
#[derive(Debug, Clone, PartialEq)]
pub struct DevicePage {
    /// The devices on this page.
    pub devices: Vec<Device>,
    /// Customers owning devices on this page.
    pub customers: Vec<ProductCustomer>,
    /// How many pages there are at this page size.
    pub total_pages: u32,
}

#[derive(Deserialize)]
struct RawDevicePage {
    #[serde(default)]
    devices: Vec<Device>,
    #[serde(default)]
    customers: Vec<ProductCustomer>,
    #[serde(default)]
    meta: PageMeta,
}

#[derive(Default, Deserialize)]
struct PageMeta {
    #[serde(default)]
    total_pages: Option<u32>,
}

/// The outcome of importing devices into a product. A 200 can still reject the device: check
/// `invalid_device_ids`, `nonmember_device_ids` and `protected_device_ids`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ImportResult {
    /// How many devices were added.
    pub updated: u64,
    /// Devices added by this call.
    pub updated_device_ids: Vec<String>,
    /// Devices that were already in the product.
    pub existing_device_ids: Vec<String>,
    /// Devices that belong to another product or account.
    pub nonmember_device_ids: Vec<String>,
    /// Ids the cloud does not know.
    pub invalid_device_ids: Vec<String>,
    /// Devices under device protection.
    pub protected_device_ids: Vec<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: SecretString,
    #[serde(default)]
    expires_in: Option<Value>,
}

/// Whether an attempt may be repeated after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Idempotency {
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

/// A client for the Particle REST API. Cheap to clone: clones share the connection pools.
#[derive(Clone)]
pub struct ParticleClient {
    http: PerThread,
    base: Url,
    clock: SharedClock,
    max_retries: u32,
    retry_backoff: Duration,
    max_retry_after: Duration,
}

impl std::fmt::Debug for ParticleClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParticleClient")
            .field("base", &self.base.as_str())
            .field("max_retries", &self.max_retries)
            .field("retry_backoff", &self.retry_backoff)
            .finish_non_exhaustive()
    }
}

/// One HTTP client, so one connection pool, per thread. hyper drives each pooled connection
/// on the runtime that opened it, and each actix worker is a runtime of its own: with one
/// shared pool, a call from one worker often used a connection of another's, and its
/// upstream I/O crossed threads both ways (`cargo bench --bench calls`: about 15% less CPU
/// per call with a pool per worker).
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

impl ParticleClient {
    fn http(&self) -> reqwest::Client {
        self.http.get()
    }

    /// A client for the cloud at `base_url` (`https://api.particle.io`, or the simulator's
    /// address), with timeouts and retry count from `settings`.
    ///
    /// # Errors
    /// [`Error::Transport`] if `base_url` is not an http(s) URL or the TLS stack fails to start.
    pub fn new(base_url: &str, settings: &ParticleSettings) -> Result<Self, Error> {
        let base = Url::parse(base_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                Error::Transport("the Particle base URL is not an http(s) URL".into())
            })?;
        // A proxy configured for the real cloud must not capture calls to a local simulator;
        // real deployments keep whatever proxy their environment sets.
        let http = PerThread::new(settings, is_loopback(&base))?;
        Ok(Self {
            http,
            base,
            clock: std::sync::Arc::new(SystemClock),
            max_retries: settings.max_retries,
            retry_backoff: DEFAULT_RETRY_BACKOFF,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
        })
    }

    /// Uses `clock` to turn `expires_in` into an expiry time.
    #[must_use]
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Sets the first retry delay; later ones double, with jitter. Tests use a millisecond.
    #[must_use]
    pub fn with_retry_backoff(mut self, backoff: Duration) -> Self {
        self.retry_backoff = backoff;
        self
    }

    /// Sets the longest `Retry-After` to wait out before retrying.
    #[must_use]
    pub fn with_max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// The cloud's base URL.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// Mints a product bearer token (`client_credentials`, no scope).
    ///
    /// # Errors
    /// [`Error::BadRequest`] for wrong credentials (`invalid_client`), or any transport error.
    pub async fn mint_product_token(&self, client: &OAuthClient) -> Result<Token, Error> {
        self.mint(client, None).await
    }

    /// Mints a token scoped to one product customer (`scope=customer=<id>`).
    ///
    /// # Errors
    /// [`Error::BadRequest`] for wrong credentials or an unknown customer (`invalid_scope`).
    pub async fn mint_customer_token(
        &self,
        client: &OAuthClient,
        customer: &str,
    ) -> Result<Token, Error> {
        self.mint(client, Some(&normalise_customer(customer))).await
    }

    async fn mint(&self, client: &OAuthClient, customer: Option<&str>) -> Result<Token, Error> {
        let url = self.url(&["oauth", "token"])?;
        let scope = customer.map(|c| format!("customer={c}"));
        // A mint has no side effect but a new token, so repeating it is harmless.
        let body = self
            .send(Idempotency::Idempotent, || {
                let mut form = vec![
                    ("grant_type", "client_credentials"),
                    ("client_id", client.client_id.as_str()),
                    ("client_secret", client.client_secret.expose_secret()),
                ];
                if let Some(scope) = &scope {
                    form.push(("scope", scope));
                }
                self.http().post(url.clone()).form(&form)
            })
            .await?;
        self.token_from(&body)
    }

    /// Creates a password-less ("shadow") customer and returns its token.
    ///
    /// # Errors
    /// [`Error::BadRequest`] for which [`Error::is_customer_exists`] holds if it already exists.
    pub async fn create_customer(
        &self,
        client: &OAuthClient,
        product: i64,
        customer: &str,
    ) -> Result<Token, Error> {
        let url = self.url(&["v1", "products", &product.to_string(), "customers"])?;
        let customer = normalise_customer(customer);
        let body = self
            .send(Idempotency::Once, || {
                self.http().post(url.clone()).form(&[
                    ("email", customer.as_str()),
                    ("no_password", "true"),
                    ("grant_type", "client_credentials"),
                    ("client_id", client.client_id.as_str()),
                    ("client_secret", client.client_secret.expose_secret()),
                ])
            })
            .await?;
        self.token_from(&body)
    }

    /// Claims `device` for the token's owner (a customer, with a customer token).
    ///
    /// # Errors
    /// [`Error::DeviceOffline`], [`Error::NotFound`], [`Error::PermissionDenied`], or a
    /// [`Error::BadRequest`] for which [`Error::is_owned_by_someone_else`] holds.
    pub async fn claim(&self, token: &SecretString, device: &str) -> Result<(), Error> {
        let url = self.url(&["v1", "devices"])?;
        let device = normalise_device(device)?;
        self.send(Idempotency::Once, || {
            self.http()
                .post(url.clone())
                .bearer_auth(token.expose_secret())
                .form(&[("id", device.as_str())])
        })
        .await?;
        Ok(())
    }

    /// Releases `device` from the token's owner (`DELETE /v1/devices/:id`).
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] if the token's owner does not own it.
    pub async fn unclaim(&self, token: &SecretString, device: &str) -> Result<(), Error> {
        let device = normalise_device(device)?;
        let url = self.url(&["v1", "devices", &device])?;
        self.delete(token, url).await
    }

    /// Releases a product device from whichever customer owns it, with a product token.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] or [`Error::NotFound`] for a device outside the product.
    pub async fn release_from_customer(
        &self,
        product_token: &SecretString,
        product: i64,
        device: &str,
    ) -> Result<(), Error> {
        let device = normalise_device(device)?;
        let url = self.url(&[
            "v1",
            "products",
            &product.to_string(),
            "devices",
            &device,
            "owner",
        ])?;
        self.delete(product_token, url).await
    }

    async fn delete(&self, token: &SecretString, url: Url) -> Result<(), Error> {
        self.send(Idempotency::Idempotent, || {
            self.http()
                .delete(url.clone())
                .bearer_auth(token.expose_secret())
        })
        .await?;
        Ok(())
    }

    /// Adds `device` to the product.
    ///
    /// # Errors
    /// Transport and permission errors; a device the cloud rejects is reported in the result.
    pub async fn import(
        &self,
        product_token: &SecretString,
        product: i64,
        device: &str,
    ) -> Result<ImportResult, Error> {
        let url = self.url(&["v1", "products", &product.to_string(), "devices"])?;
        let device = normalise_device(device)?;
        let body = self
            .send(Idempotency::Once, || {
                self.http()
                    .post(url.clone())
                    .bearer_auth(product_token.expose_secret())
                    .form(&[("id", device.as_str())])
            })
            .await?;
        decode(&body)
    }

    /// One page (1-based) of the product's devices.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown product, [`Error::PermissionDenied`], transport errors.
    pub async fn list_product_devices(
        &self,
        product_token: &SecretString,
        product: i64,
        page: u32,
        per_page: u32,
    ) -> Result<DevicePage, Error> {
        let mut url = self.url(&["v1", "products", &product.to_string(), "devices"])?;
        url.query_pairs_mut()
            .append_pair("page", &page.max(1).to_string())
            .append_pair("perPage", &per_page.max(1).to_string());
        let body = self.get(product_token, url).await?;
        let raw: RawDevicePage = decode(&body)?;
        Ok(DevicePage {
            devices: raw.devices,
            customers: raw.customers,
            total_pages: raw.meta.total_pages.unwrap_or(1),
        })
    }

    /// One device; through the product route when `product` is given (product-token mode).
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] for a device the token cannot see, transport errors.
    pub async fn get_device(
        &self,
        token: &SecretString,
        product: Option<i64>,
        device: &str,
    ) -> Result<Device, Error> {
        let device = normalise_device(device)?;
        let url = self.device_url(product, &device, None)?;
        let body = self.get(token, url).await?;
        decode(&body)
    }

    /// Calls a device function with `arg`. Never repeated once sent: the function may have run.
    ///
    /// # Errors
    /// [`Error::DeviceOffline`], [`Error::NotFound`] for an unknown function,
    /// [`Error::PermissionDenied`], token errors, transport errors.
    pub async fn call_function(
        &self,
        token: &SecretString,
        product: Option<i64>,
        device: &str,
        name: &str,
        arg: &str,
    ) -> Result<FunctionResult, Error> {
        let device = normalise_device(device)?;
        let url = self.device_url(product, &device, Some(name))?;
        let body = self
            .send(Idempotency::Once, || {
                self.http()
                    .post(url.clone())
                    .bearer_auth(token.expose_secret())
                    .form(&[("arg", arg)])
            })
            .await?;
        decode(&body)
    }

    /// Reads a device variable.
    ///
    /// # Errors
    /// [`Error::DeviceOffline`], [`Error::NotFound`] for an unknown variable,
    /// [`Error::PermissionDenied`], token errors, transport errors.
    pub async fn get_variable(
        &self,
        token: &SecretString,
        product: Option<i64>,
        device: &str,
        name: &str,
    ) -> Result<VariableValue, Error> {
        let device = normalise_device(device)?;
        let url = self.device_url(product, &device, Some(name))?;
        let body = self.get(token, url).await?;
        let mut value: VariableValue = decode(&body)?;
        if value.name.is_empty() {
            name.clone_into(&mut value.name);
        }
        Ok(value)
    }

    async fn get(&self, token: &SecretString, url: Url) -> Result<Vec<u8>, Error> {
        self.send(Idempotency::Idempotent, || {
            self.http()
                .get(url.clone())
                .bearer_auth(token.expose_secret())
        })
        .await
    }

    fn device_url(
        &self,
        product: Option<i64>,
        device: &str,
        item: Option<&str>,
    ) -> Result<Url, Error> {
        let product = product.map(|p| p.to_string());
        let mut segments = vec!["v1"];
        if let Some(product) = &product {
            segments.extend(["products", product.as_str()]);
        }
        segments.extend(["devices", device]);
        if let Some(item) = item {
            segments.push(check_segment(item, "function or variable name")?);
        }
        self.url(&segments)
    }

    /// `base` plus percent-encoded path segments, so ids and names cannot change the route.
    fn url(&self, segments: &[&str]) -> Result<Url, Error> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| Error::Transport("the Particle base URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    fn token_from(&self, body: &[u8]) -> Result<Token, Error> {
        let raw: TokenResponse = decode(body)?;
        // `expires_in` 0 or absent means the token never expires.
        let seconds = raw.expires_in.as_ref().and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_f64().map(|f| f as i64))
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        });
        let expires_at = seconds
            .filter(|s| *s > 0)
            .and_then(chrono::Duration::try_seconds)
            .and_then(|d| self.clock.now().checked_add_signed(d));
        Ok(Token {
            access_token: raw.access_token,
            expires_at,
        })
    }

    /// Sends the request `build` makes, repeating it as `idempotency` allows.
    async fn send(
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
        let response = request.send().await.map_err(Failure::transport)?;
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

fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    // serde_json quotes offending values; a malformed token response must not leak a token.
    serde_json::from_slice(body).map_err(|e| Error::Decode(redact(&e.to_string())))
}

/// Device ids are lower-case hex on the wire; upper-case ones have failed in the field.
fn normalise_device(device: &str) -> Result<String, Error> {
    check_segment(device.trim(), "device id").map(str::to_ascii_lowercase)
}

/// The cloud lower-cases customer ids, so we send them lower-cased to match what it stores.
fn normalise_customer(customer: &str) -> String {
    customer.trim().to_lowercase()
}

/// `url` silently drops `.` and `..` segments, which would turn `GET …/devices/:id/..` into
/// another route; reject them along with empty names.
fn check_segment<'a>(segment: &'a str, what: &str) -> Result<&'a str, Error> {
    if segment.is_empty() || segment == "." || segment == ".." {
        return Err(Error::BadRequest {
            message: format!("invalid {what}"),
        });
    }
    Ok(segment)
}

fn is_loopback(url: &Url) -> bool {
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
    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;
    use crate::clock::{Clock, ManualClock};

    const DEVICE: &str = "0123456789abcdef01234567";

    /// A one-connection-per-request HTTP server answering with canned raw responses in order
    /// (the last one repeats), recording each request's head and body.
    struct Fake {
        base: String,
        requests: Arc<Mutex<Vec<String>>>,
    }

    impl Fake {
        async fn start(responses: Vec<String>) -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let requests = Arc::new(Mutex::new(Vec::new()));
            let seen = requests.clone();
            tokio::spawn(async move {
                for i in 0.. {
                    let Ok((mut socket, _)) = listener.accept().await else {
                        return;
                    };
                    let request = read_request(&mut socket).await;
                    seen.lock().unwrap().push(request);
                    let response = &responses[i.min(responses.len() - 1)];
                    let _ = socket.write_all(response.as_bytes()).await;
                    let _ = socket.shutdown().await;
                }
            });
            Self { base, requests }
        }

        fn requests(&self) -> Vec<String> {
            self.requests.lock().unwrap().clone()
        }
    }

    async fn read_request(socket: &mut tokio::net::TcpStream) -> String {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = socket.read(&mut chunk).await.unwrap();
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if buf.len() >= end + 4 + length {
                    break;
                }
            }
        }
        String::from_utf8_lossy(&buf).to_string()
    }

    fn reply(status: &str, headers: &str, body: &str) -> String {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n{headers}\r\n{body}",
            body.len()
        )
    }

    fn settings() -> ParticleSettings {
        ParticleSettings {
            connect_timeout_ms: 1_000,
            request_timeout_ms: 5_000,
            max_retries: 2,
            ..ParticleSettings::default()
        }
    }

    fn client(base: &str) -> ParticleClient {
        ParticleClient::new(base, &settings())
            .unwrap()
            .with_retry_backoff(Duration::from_millis(1))
    }

    fn token() -> SecretString {
        SecretString::from("254406f79c1999af65a7df4388971354f85cfee9")
    }

    #[tokio::test]
    async fn a_read_is_retried_after_a_server_error_and_then_succeeds() {
        // Arrange
        let fake = Fake::start(vec![
            reply("503 Service Unavailable", "", "<html>down</html>"),
            reply(
                "200 OK",
                "",
                r#"{"name":"temp","result":21.5,"coreInfo":{}}"#,
            ),
        ])
        .await;
        // Act
        let value = client(&fake.base)
            .get_variable(&token(), None, DEVICE, "temp")
            .await
            .unwrap();
        // Assert
        assert_eq!(value.result, serde_json::json!(21.5));
        let requests = fake.requests();
        assert_eq!(requests.len(), 2);
        assert!(requests[0].starts_with(&format!("GET /v1/devices/{DEVICE}/temp HTTP/1.1")));
        assert!(
            requests[0]
                .to_lowercase()
                .contains("authorization: bearer 254406f79c1999af65a7df4388971354f85cfee9")
        );
    }

    #[tokio::test]
    async fn a_function_call_is_never_repeated_once_sent() {
        let fake = Fake::start(vec![reply("503 Service Unavailable", "", "")]).await;
        let err = client(&fake.base)
            .call_function(&token(), Some(7), DEVICE, "reboot", "now")
            .await
            .unwrap_err();
        assert_eq!(
            err,
            Error::Unavailable {
                status: 503,
                retry_after_secs: None
            }
        );
        let requests = fake.requests();
        assert_eq!(requests.len(), 1);
        assert!(requests[0].starts_with(&format!(
            "POST /v1/products/7/devices/{DEVICE}/reboot HTTP/1.1"
        )));
        assert!(requests[0].ends_with("arg=now"));
    }

    #[tokio::test]
    async fn a_function_result_is_decoded() {
        let fake = Fake::start(vec![reply(
            "200 OK",
            "",
            r#"{"id":"0123456789abcdef01234567","name":"gongbot","connected":true,"return_value":42}"#,
        )])
        .await;
        let result = client(&fake.base)
            .call_function(&token(), None, &DEVICE.to_uppercase(), "ring", "")
            .await
            .unwrap();
        assert_eq!(
            result,
            FunctionResult {
                return_value: 42,
                connected: true
            }
        );
        // Upper-case ids are sent lower-cased.
        assert!(fake.requests()[0].contains(DEVICE));
    }

    #[tokio::test]
    async fn rate_limited_reads_give_up_after_max_retries() {
        let fake = Fake::start(vec![reply(
            "429 Too Many Requests",
            "Retry-After: 0\r\n",
            "",
        )])
        .await;
        let err = client(&fake.base)
            .get_device(&token(), Some(7), DEVICE)
            .await
            .unwrap_err();
        assert_eq!(
            err,
            Error::RateLimited {
                retry_after_secs: Some(0)
            }
        );
        assert_eq!(fake.requests().len(), 3);
    }

    #[tokio::test]
    async fn a_retry_after_beyond_the_cap_is_returned_at_once() {
        let fake = Fake::start(vec![reply(
            "429 Too Many Requests",
            "Retry-After: 3600\r\n",
            "",
        )])
        .await;
        let err = client(&fake.base)
            .get_device(&token(), None, DEVICE)
            .await
            .unwrap_err();
        assert_eq!(err.retry_after_secs(), Some(3600));
        assert_eq!(fake.requests().len(), 1);
    }

    #[tokio::test]
    async fn a_truncated_body_is_a_transport_error() {
        let truncated = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                         Content-Length: 100\r\nConnection: close\r\n\r\n{\"name\":\"te";
        let fake = Fake::start(vec![truncated.to_owned()]).await;
        let err = client(&fake.base)
            .get_variable(&token(), None, DEVICE, "temp")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Transport(_)), "{err:?}");
        // Idempotent, so it was retried.
        assert_eq!(fake.requests().len(), 3);
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_transport_error_without_the_url() {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            listener.local_addr().unwrap().port()
        };
        let err = client(&format!("http://127.0.0.1:{port}"))
            .call_function(&token(), None, DEVICE, "f", "secret-arg")
            .await
            .unwrap_err();
        let Error::Transport(message) = &err else {
            panic!("{err:?}");
        };
        assert!(message.starts_with("connection failed"), "{message}");
        assert!(
            !message.contains("secret-arg") && !message.contains(DEVICE),
            "{message}"
        );
    }

    #[tokio::test]
    async fn a_customer_token_is_minted_with_a_lower_cased_scope() {
        // Arrange
        let fake = Fake::start(vec![reply(
            "200 OK",
            "",
            r#"{"token_type":"bearer","access_token":"abc","expires_in":7776000,"scope":"customer=jane@example.com"}"#,
        )])
        .await;
        let clock = ManualClock::new();
        let oauth = OAuthClient {
            client_id: "fleet-2146".into(),
            client_secret: SecretString::from("s3cr3t"),
        };
        // Act
        let token = client(&fake.base)
            .with_clock(clock.clone())
            .mint_customer_token(&oauth, "Jane@Example.com")
            .await
            .unwrap();
        // Assert
        assert_eq!(token.access_token.expose_secret(), "abc");
        assert_eq!(
            token.expires_at,
            Some(clock.now() + chrono::Duration::seconds(7_776_000))
        );
        let request = &fake.requests()[0];
        assert!(request.starts_with("POST /oauth/token HTTP/1.1"));
        assert!(request.contains("application/x-www-form-urlencoded"));
        for field in [
            "grant_type=client_credentials",
            "client_id=fleet-2146",
            "client_secret=s3cr3t",
            "scope=customer%3Djane%40example.com",
        ] {
            assert!(request.contains(field), "{field} in {request}");
        }
    }

    #[tokio::test]
    async fn a_token_without_expires_in_never_expires() {
        let fake = Fake::start(vec![reply(
            "200 OK",
            "",
            r#"{"access_token":"abc","expires_in":0}"#,
        )])
        .await;
        let oauth = OAuthClient {
            client_id: "c".into(),
            client_secret: SecretString::from("s"),
        };
        let token = client(&fake.base).mint_product_token(&oauth).await.unwrap();
        assert_eq!(token.expires_at, None);
        assert!(!fake.requests()[0].contains("scope="));
    }

    #[tokio::test]
    async fn an_existing_customer_is_recognisable() {
        let fake = Fake::start(vec![reply(
            "400 Bad Request",
            "",
            r#"{"ok":false,"error":"Customer already exists"}"#,
        )])
        .await;
        let oauth = OAuthClient {
            client_id: "c".into(),
            client_secret: SecretString::from("s"),
        };
        let err = client(&fake.base)
            .create_customer(&oauth, 7, "Jane")
            .await
            .unwrap_err();
        assert!(err.is_customer_exists(), "{err:?}");
        let request = &fake.requests()[0];
        assert!(request.starts_with("POST /v1/products/7/customers HTTP/1.1"));
        assert!(request.contains("email=jane") && request.contains("no_password=true"));
    }

    #[tokio::test]
    async fn names_stay_inside_one_path_segment() {
        let fake = Fake::start(vec![reply("404 Not Found", "", "{}")]).await;
        let client = client(&fake.base);
        let _ = client
            .get_variable(&token(), None, DEVICE, "a/../b?c")
            .await;
        assert!(
            fake.requests()[0].starts_with(&format!("GET /v1/devices/{DEVICE}/a%2F..%2Fb%3Fc ")),
            "{}",
            fake.requests()[0]
        );
        for name in ["", ".", ".."] {
            let err = client.get_variable(&token(), None, DEVICE, name).await;
            assert!(matches!(err, Err(Error::BadRequest { .. })), "{name:?}");
        }
        assert_eq!(fake.requests().len(), 1);
    }

    #[tokio::test]
    async fn a_device_page_is_decoded_leniently() {
        let fake = Fake::start(vec![reply(
            "200 OK",
            "",
            r#"{"devices":[{"id":"0123456789abcdef01234567","name":"a","online":true,"functions":null,"variables":null,"last_heard":"2024-05-13T10:55:40.306Z","product_id":7},{"id":"0123456789abcdef01234568","connected":false,"variables":{"t":"double"},"last_heard":"garbage"}],"customers":[{"id":"c1","username":"jane"}],"meta":{"total_pages":4}}"#,
        )])
        .await;
        let page = client(&fake.base)
            .list_product_devices(&token(), 7, 2, 50)
            .await
            .unwrap();
        assert_eq!(page.total_pages, 4);
        assert_eq!(page.devices.len(), 2);
        assert!(page.devices[0].online && page.devices[0].functions.is_empty());
        assert!(page.devices[0].last_heard.is_some());
        assert_eq!(page.devices[1].variables["t"], "double");
        assert_eq!(page.devices[1].last_heard, None);
        assert_eq!(page.customers[0].username.as_deref(), Some("jane"));
        assert!(fake.requests()[0].starts_with("GET /v1/products/7/devices?page=2&perPage=50 "));
    }

    #[tokio::test]
    async fn an_expired_token_is_reported_without_the_token() {
        let fake = Fake::start(vec![reply(
            "401 Unauthorized",
            "",
            r#"{"error":"invalid_token","error_description":"The access token provided has expired."}"#,
        )])
        .await;
        let err = client(&fake.base)
            .unclaim(&token(), DEVICE)
            .await
            .unwrap_err();
        assert_eq!(err, Error::TokenExpired);
        // 401 is not transient: no retry.
        assert_eq!(fake.requests().len(), 1);
    }

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
    fn a_base_url_must_be_http() {
        for base in ["ftp://x", "not a url", "mailto:a@b"] {
            assert!(matches!(
                ParticleClient::new(base, &settings()),
                Err(Error::Transport(_))
            ));
        }
        let with_prefix = client("http://127.0.0.1:1/particle/");
        assert_eq!(
            with_prefix.url(&["v1", "devices"]).unwrap().as_str(),
            "http://127.0.0.1:1/particle/v1/devices"
        );
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let client = client("http://127.0.0.1:1").with_retry_backoff(Duration::from_millis(200));
        for _ in 0..50 {
            let first = client.backoff(0);
            assert!(first >= Duration::from_millis(100) && first <= Duration::from_millis(200));
            let third = client.backoff(2);
            assert!(third >= Duration::from_millis(400) && third <= Duration::from_millis(800));
            assert!(client.backoff(30) <= MAX_BACKOFF);
        }
    }
}
