//! Liveness and readiness answers.
use serde::{Deserialize, Serialize};

/// Whether the server can do its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Everything it needs answers.
    Ok,
    /// A dependency is down.
    Unavailable,
}

closed_set!(HealthStatus {
    Ok => "ok",
    Unavailable => "unavailable",
});

// So a check can read `body.status == "ok"`, as the health tests do.
impl PartialEq<&str> for HealthStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The body of `/health/live` and `/health/ready`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthResponse {
    /// `ok`, or `unavailable` when a dependency is down.
    pub status: HealthStatus,
    /// The database check (readiness only): `ok` or the reason it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// Change-log entries this instance has yet to apply (readiness only, when the database
    /// said).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_lag: Option<i64>,
    /// Why the instance isn't ready, in words (readiness only; empty when ready).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// The server's version.
    pub version: String,
}
