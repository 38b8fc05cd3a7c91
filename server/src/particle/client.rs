//! Particle REST client: the cloud's endpoints (token mints, customers, claims, product
//! devices, device functions and variables), each taking its credential explicitly; caching
//! tokens is [`super::token_cache`]'s job. Requests go through `transport` (pooled
//! clients, timeouts, retries for idempotent calls only); the bodies are in `types`,
//! re-exported here so `particle::client::Device` and the like stay the public paths.
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use super::error::{Error, redact};
use super::transport::{Idempotency, Transport, is_loopback};
use super::types::{RawCustomerPage, RawDevicePage, TokenResponse};
use crate::clock::{SharedClock, SystemClock};
use crate::config::ParticleSettings;

mod events;

pub use super::transport::{DEFAULT_MAX_RETRY_AFTER, DEFAULT_RETRY_BACKOFF};
pub use super::types::{
    Device, DevicePage, FunctionResult, ImportResult, OAuthClient, ProductCustomer, Token,
    VariableValue,
};
pub use events::{CloudEvent, EventStream};

/// A client for the Particle REST API. Cheap to clone: clones share the connection pools.
#[derive(Clone)]
pub struct ParticleClient {
    transport: Transport,
    base: Url,
    clock: SharedClock,
}

impl std::fmt::Debug for ParticleClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParticleClient")
            .field("base", &self.base.as_str())
            .field("max_retries", &self.transport.max_retries)
            .field("retry_backoff", &self.transport.retry_backoff)
            .finish_non_exhaustive()
    }
}

impl ParticleClient {
    fn http(&self) -> reqwest::Client {
        self.transport.http()
    }

    async fn send(
        &self,
        idempotency: Idempotency,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Vec<u8>, Error> {
        self.transport.send(idempotency, build).await
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
        let transport = Transport::new(settings, is_loopback(&base))?;
        Ok(Self {
            transport,
            base,
            clock: std::sync::Arc::new(SystemClock),
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
        self.transport.retry_backoff = backoff;
        self
    }

    /// Sets the longest `Retry-After` to wait out before retrying.
    #[must_use]
    pub fn with_max_retry_after(mut self, limit: Duration) -> Self {
        self.transport.max_retry_after = limit;
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

    /// Whether `customer` is one of the product's customers. Particle has no lookup by name,
    /// so this reads the customer list a page at a time until it is found.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown product, [`Error::PermissionDenied`], token and
    /// transport errors.
    pub async fn has_customer(
        &self,
        product_token: &SecretString,
        product: i64,
        customer: &str,
    ) -> Result<bool, Error> {
        const PER_PAGE: u32 = 100;
        let customer = normalise_customer(customer);
        let mut page = 1;
        loop {
            let mut url = self.url(&["v1", "products", &product.to_string(), "customers"])?;
            url.query_pairs_mut()
                .append_pair("page", &page.to_string())
                .append_pair("perPage", &PER_PAGE.to_string());
            let body = self.get(product_token, url).await?;
            let raw: RawCustomerPage = decode(&body)?;
            if raw
                .customers
                .iter()
                .any(|c| c.username.as_deref() == Some(customer.as_str()))
            {
                return Ok(true);
            }
            if raw.customers.is_empty() || page >= raw.meta.total_pages.unwrap_or(1) {
                return Ok(false);
            }
            page += 1;
        }
    }

    /// Sets a simple-auth customer's password (`PUT …/customers/:email`, a product token);
    /// `Ok(false)` when the product has no such customer. Setting the same password twice
    /// changes nothing, so it is retried like a read.
    ///
    /// # Errors
    /// [`Error::BadRequest`] when the cloud refuses the password, [`Error::PermissionDenied`],
    /// token and transport errors.
    pub async fn set_customer_password(
        &self,
        product_token: &SecretString,
        product: i64,
        customer: &str,
        password: &SecretString,
    ) -> Result<bool, Error> {
        let customer = normalise_customer(customer);
        let url = self.url(&[
            "v1",
            "products",
            &product.to_string(),
            "customers",
            &customer,
        ])?;
        let sent = self
            .send(Idempotency::Idempotent, || {
                self.http()
                    .put(url.clone())
                    .bearer_auth(product_token.expose_secret())
                    .form(&[("password", password.expose_secret())])
            })
            .await;
        match sent {
            Ok(_) => Ok(true),
            // An unknown product is a misconfiguration, not a missing customer.
            Err(Error::NotFound { what }) if !what.to_lowercase().contains("product") => Ok(false),
            Err(e) => Err(e),
        }
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

#[cfg(test)]
mod tests;
