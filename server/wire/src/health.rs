//! Liveness and readiness answers.
use serde::{Deserialize, Serialize};

/// The body of `/health/live` and `/health/ready`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthResponse {
    /// `ok`, or `unavailable` when a dependency is down.
    pub status: String,
    /// The database check (readiness only): `ok` or the reason it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// The server's version.
    pub version: String,
}
