//! The one error body every failed request returns.
use serde::{Deserialize, Serialize};

/// `{"error": "snake_case_code", "message": "…"}`, with per-field messages for invalid input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `not_found`, `invalid_request`.
    pub error: String,
    /// A sentence for people.
    pub message: String,
    /// For `invalid_request`: field name to the problems found with it.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub fields: std::collections::BTreeMap<String, Vec<String>>,
}
