//! The error bodies of the real API, which are not uniform (reference §6).
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, PRAGMA, WWW_AUTHENTICATE};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Value, json};

/// Every refusal the simulator answers, each with the body Particle sends.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SimError {
    /// OAuth style `{"error","error_description"}`: 400, 401 for `invalid_token`, 429, 503;
    /// `invalid_client` adds `WWW-Authenticate`. Always `no-store`.
    #[error("{error}: {description}")]
    OAuth {
        error: &'static str,
        description: String,
    },
    /// 403 `{"error":"Permission Denied","info":…}`: unknown, foreign or forbidden.
    #[error("permission denied")]
    PermissionDenied,
    /// 404 `{"ok":false,"error":"Product not found."}`.
    #[error("product not found")]
    ProductNotFound,
    /// `{"ok":false,"error":…}` with any status.
    #[error("{status}: {error}")]
    NotOk { status: StatusCode, error: String },
    /// `{"ok":false,"errors":…}` (claims).
    #[error("{status}: {errors}")]
    Errors { status: StatusCode, errors: Value },
    /// 408 `{"error":"Timed out."}` (variable of an unreachable device).
    #[error("variable timed out")]
    VariableTimedOut,
}

impl SimError {
    pub(crate) fn oauth(error: &'static str, description: impl Into<String>) -> Self {
        Self::OAuth {
            error,
            description: description.into(),
        }
    }

    pub(crate) fn not_ok(status: StatusCode, error: impl Into<String>) -> Self {
        Self::NotOk {
            status,
            error: error.into(),
        }
    }

    pub(crate) fn bad_request(error: impl Into<String>) -> Self {
        Self::not_ok(StatusCode::BAD_REQUEST, error)
    }

    /// A function call to an unreachable device.
    pub(crate) fn function_timed_out() -> Self {
        Self::bad_request("Timed out.")
    }
}

impl ResponseError for SimError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::OAuth { error, .. } => match *error {
                "invalid_token" => StatusCode::UNAUTHORIZED,
                "mfa_required" => StatusCode::FORBIDDEN,
                "rate_limit_exceeded" => StatusCode::TOO_MANY_REQUESTS,
                "server_error" => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::BAD_REQUEST,
            },
            Self::PermissionDenied => StatusCode::FORBIDDEN,
            Self::ProductNotFound => StatusCode::NOT_FOUND,
            Self::NotOk { status, .. } | Self::Errors { status, .. } => *status,
            Self::VariableTimedOut => StatusCode::REQUEST_TIMEOUT,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        let body = match self {
            Self::OAuth { error, description } => {
                response
                    .insert_header((CACHE_CONTROL, "no-store"))
                    .insert_header((PRAGMA, "no-cache"));
                if *error == "invalid_client" {
                    response.insert_header((WWW_AUTHENTICATE, "Basic realm=\"Service\""));
                }
                json!({ "error": error, "error_description": description })
            }
            Self::PermissionDenied => json!({
                "error": "Permission Denied",
                "info": "I didn't recognize that device name or ID, try opening https://api.particle.io/v1/devices?access_token=undefined",
            }),
            Self::ProductNotFound => json!({ "ok": false, "error": "Product not found." }),
            Self::NotOk { error, .. } => json!({ "ok": false, "error": error }),
            Self::Errors { errors, .. } => json!({ "ok": false, "errors": errors }),
            Self::VariableTimedOut => json!({ "error": "Timed out." }),
        };
        response.json(body)
    }
}
