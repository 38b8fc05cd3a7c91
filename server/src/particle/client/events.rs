//! Particle's product event stream (server-sent events, reference §4.1): every event of every
//! device of a product, with no event id and no resume, and a keep-alive newline every few
//! seconds while idle. It is opened with its own HTTP client: no total timeout (a stream lasts
//! for hours), but it ends when nothing at all, keep-alives included, arrives for `idle`.
use std::pin::Pin;
use std::time::Duration;

use chrono::{DateTime, Utc};
use eventsource_stream::Eventsource;
use futures_util::{Stream, StreamExt};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{Error, ParticleClient, is_loopback, redact};

/// One event as the cloud published it.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudEvent {
    /// The event name (from the `event:` line; the payload doesn't carry it).
    pub name: String,
    /// The payload, not necessarily JSON; `None` when the cloud sent none.
    pub data: Option<String>,
    /// When the cloud says it was published.
    pub published_at: DateTime<Utc>,
    /// The publishing device (or `api`, `particle-internal`).
    pub device: String,
}

/// An open event stream: events until the cloud closes it, fails, or goes quiet.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<CloudEvent, Error>> + Send>>;

#[derive(Deserialize)]
struct RawEvent {
    #[serde(default)]
    data: Option<serde_json::Value>,
    published_at: DateTime<Utc>,
    coreid: String,
}

impl ParticleClient {
    /// Opens `GET /v1/products/:product/events` with the product's token.
    ///
    /// # Errors
    /// The open is refused ([`Error::from_response`]'s mapping: 401, 403, 404, 429, 5xx) or
    /// can't connect. Once open, a malformed event is an `Err` item and the stream goes on;
    /// a broken connection or `idle` without a byte ends it with an `Err` item.
    pub async fn product_events(
        &self,
        product_token: &SecretString,
        product: i64,
        idle: Duration,
    ) -> Result<EventStream, Error> {
        let url = self.url(&["v1", "products", &product.to_string(), "events"])?;
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("fleetwarden/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(idle)
            .read_timeout(idle);
        if is_loopback(&self.base) {
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| Error::Transport(redact(&e.to_string())))?;
        let response = http
            .get(url)
            .bearer_auth(product_token.expose_secret())
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .send()
            .await
            .map_err(|e| Error::Transport(redact(&e.to_string())))?;
        let status = response.status();
        if !status.is_success() {
            let headers = response.headers().clone();
            let body = response.bytes().await.unwrap_or_default();
            return Err(Error::from_response(status, &headers, &body));
        }
        let events = response.bytes_stream().eventsource().map(|item| {
            let event = item.map_err(|e| Error::Transport(redact(&e.to_string())))?;
            let raw: RawEvent = serde_json::from_str(&event.data)
                .map_err(|e| Error::Decode(redact(&e.to_string())))?;
            let data = match raw.data {
                None | Some(serde_json::Value::Null) => None,
                Some(serde_json::Value::String(text)) => Some(text),
                Some(other) => Some(other.to_string()),
            };
            Ok(CloudEvent {
                name: event.event,
                data,
                published_at: raw.published_at,
                device: raw.coreid,
            })
        });
        Ok(Box::pin(events))
    }
}
