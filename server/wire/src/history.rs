//! Device history and the live activity stream.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A bucket width for aggregated history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Interval {
    /// One minute.
    #[serde(rename = "1m")]
    Minute,
    /// Five minutes.
    #[serde(rename = "5m")]
    FiveMinutes,
    /// One hour.
    #[serde(rename = "1h")]
    Hour,
    /// One day (UTC).
    #[serde(rename = "1d")]
    Day,
}

closed_set!(Interval {
    Minute => "1m",
    FiveMinutes => "5m",
    Hour => "1h",
    Day => "1d",
});

/// `GET /api/v1/devices/{id}/events` and its CSV export: which events, each filter optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct EventQuery {
    /// From (inclusive); default: a day before `until`.
    pub from: Option<DateTime<Utc>>,
    /// Until (exclusive); default: now.
    pub until: Option<DateTime<Utc>>,
    /// Only these event names, comma-separated (`pressure,flow`).
    pub names: Option<String>,
    /// The `next` of the previous page.
    pub after: Option<String>,
    /// Events per page (1–1000, default 100).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 1000))]
    pub limit: Option<u32>,
}

/// One stored event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceEventResponse {
    /// Event name.
    pub name: String,
    /// Payload as published.
    pub data: Option<String>,
    /// The payload as a number, when it is one.
    pub value: Option<f64>,
    /// When it was published.
    pub published_at: DateTime<Utc>,
}

/// A page of events in publication order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventPage {
    /// The events.
    pub items: Vec<DeviceEventResponse>,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<String>,
}

/// `GET /api/v1/devices/{id}/history`: numeric events aggregated per interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct HistoryQuery {
    /// From (inclusive); default: a day before `until`.
    pub from: Option<DateTime<Utc>>,
    /// Until (exclusive); default: now.
    pub until: Option<DateTime<Utc>>,
    /// Only these event names, comma-separated.
    pub names: Option<String>,
    /// Bucket width.
    #[cfg_attr(feature = "openapi", param(inline))]
    pub interval: Interval,
}

/// One bucket of one event name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryBucket {
    /// The bucket's start.
    pub start: DateTime<Utc>,
    /// Event name.
    pub name: String,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Mean value.
    pub avg: f64,
    /// Numeric events in the bucket.
    pub count: i64,
}

/// One message of the live stream (`GET /api/v1/live`, server-sent events named `device`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiveMessage {
    /// The device.
    pub device_id: String,
    /// Event name (`spark/status` for a connection change).
    pub name: String,
    /// Payload.
    pub data: Option<String>,
    /// The payload as a number, when it is one.
    pub value: Option<f64>,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// For connection changes: connected or not.
    pub online: Option<bool>,
}

/// `POST /api/v1/webhooks/particle/{product}`: what a Particle webhook sends, as its default
/// JSON or form fields (others, such as the product fields, are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    /// `{{{PARTICLE_EVENT_NAME}}}`.
    pub event: String,
    /// `{{{PARTICLE_EVENT_VALUE}}}`.
    #[serde(default)]
    pub data: Option<String>,
    /// `{{{PARTICLE_DEVICE_ID}}}`.
    pub coreid: String,
    /// `{{{PARTICLE_PUBLISHED_AT}}}`.
    pub published_at: DateTime<Utc>,
}

/// What became of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookAnswer {
    /// Stored now.
    pub stored: u64,
    /// Stored before (a repeated delivery, or the stream brought it).
    pub repeated: u64,
    /// Of a device Fleetwarden doesn't know, or not a valid event: dropped.
    pub dropped: u64,
}

/// A product's new webhook secret, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookSecretResponse {
    /// Put it in the webhook's `X-Fleetwarden-Secret` header (or as its Basic auth password).
    pub secret: String,
    /// The webhook's URL.
    pub url: String,
}
