//! `ApiError`, the one error type at the HTTP edge. Every failure renders as
//! `{"error": "snake_case_code", "message": "…"}` with the status below.
use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use fleetwarden_wire::error::ErrorBody;
use sea_orm::{DbErr, SqlErr};

/// What went wrong, as the client should see it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the body or query could not be read at all (malformed JSON, wrong content type).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid session or token.
    #[error("authentication required")]
    Unauthenticated,
    /// 401: sign-in refused; the same answer for an unknown email and a wrong password.
    #[error("email or password is wrong")]
    InvalidCredentials,
    /// 403: a cookie-authenticated unsafe request without the matching `X-CSRF-Token`.
    #[error("missing or wrong X-CSRF-Token header")]
    CsrfMissing,
    /// 403: authenticated, but the role is too low for this action.
    #[error("not allowed")]
    Forbidden,
    /// 403: a grant would give actions the granter doesn't hold on that scope.
    #[error("you can't grant actions you don't hold there: {0}")]
    ExceedsOwnRights(String),
    /// 404: absent, or belonging to another tenant (never revealed as 403).
    #[error("not found")]
    NotFound,
    /// 405: the path exists, but not with this method; holds the methods it answers.
    #[error("this path does not answer that method; it answers {0}")]
    MethodNotAllowed(String),
    /// 408: the request's body did not arrive in time (the connection is closed).
    #[error("{0}")]
    Timeout(String),
    /// 409: clashes with what is stored (a duplicate name or email).
    #[error("{0}")]
    Conflict(String),
    /// 422: well-formed but invalid; field name to its problems.
    #[error("invalid request")]
    Invalid(BTreeMap<String, Vec<String>>),
    /// 429: throttled; try again after this many seconds.
    #[error("too many requests, try again in {retry_after_secs} s")]
    TooManyRequests {
        /// Seconds until a retry may succeed (sent as `Retry-After`).
        retry_after_secs: u64,
    },
    /// 504: the device didn't answer (offline or out of reach).
    #[error("the device did not answer; it is probably offline")]
    DeviceOffline,
    /// 502/503: the device cloud failed or refused after retries; `Retry-After` when known.
    #[error("device cloud unavailable: {message}")]
    Upstream {
        /// 502 (bad answer) or 503 (unavailable or throttled).
        status: u16,
        /// What it said (never a token).
        message: String,
        /// When to try again.
        retry_after_secs: Option<u64>,
    },
    /// 503: a dependency (the database) is down.
    #[error("{0}")]
    Unavailable(String),
    /// 413: a request body over the route's limit.
    #[error("{0}")]
    TooLarge(String),
    /// 500: a bug or an unexpected failure; the cause goes to the log only.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A 422 for a single field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(BTreeMap::from([(field.to_owned(), vec![message.into()])]))
    }

    /// The body clients get (also inside batch answers, one per failed row).
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: self.code().into(),
            message: self.to_string(),
            fields: match self {
                Self::Invalid(fields) => fields.clone(),
                _ => BTreeMap::new(),
            },
        }
    }

    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden => "forbidden",
            Self::CsrfMissing => "csrf_token_missing",
            Self::ExceedsOwnRights(_) => "exceeds_own_rights",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed(_) => "method_not_allowed",
            Self::Timeout(_) => "request_timeout",
            Self::Conflict(_) => "conflict",
            Self::Invalid(_) => "invalid_request",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Unavailable(_) => "unavailable",
            Self::TooLarge(_) => "payload_too_large",
            Self::DeviceOffline => "device_offline",
            Self::Upstream { .. } => "upstream_unavailable",
            Self::Internal(_) => "internal_error",
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthenticated | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::CsrfMissing | Self::ExceedsOwnRights(_) => {
                StatusCode::FORBIDDEN
            }
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::DeviceOffline => StatusCode::GATEWAY_TIMEOUT,
            Self::Upstream { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY)
            }
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error.code = self.code(), error.cause = %error_chain(self), "request failed");
        } else {
            tracing::debug!(error.code = self.code(), "request refused: {self}");
        }
        let body = self.body();
        let mut response = HttpResponse::build(status);
        let retry_after = match self {
            Self::TooManyRequests { retry_after_secs } => Some(*retry_after_secs),
            Self::Upstream {
                retry_after_secs, ..
            } => *retry_after_secs,
            // A dependency that is down or behind: worth another try in a few seconds.
            Self::Unavailable(_) => Some(5),
            _ => None,
        };
        if let Some(secs) = retry_after {
            response.insert_header(("Retry-After", secs.to_string()));
        }
        match self {
            Self::MethodNotAllowed(methods) => {
                response.insert_header(("Allow", methods.as_str()));
            }
            // What is left of the body may still be coming: the connection can't be reused.
            Self::Timeout(_) => {
                response.force_close();
            }
            _ => {}
        }
        response.json(body)
    }
}

/// The error and its causes on one line, for the log.
fn error_chain(err: &ApiError) -> String {
    match err {
        ApiError::Internal(inner) => format!("{inner:#}"),
        other => other.to_string(),
    }
}

impl From<crate::input::Invalid> for ApiError {
    fn from(err: crate::input::Invalid) -> Self {
        Self::invalid(&err.field, err.message)
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        if let DbErr::RecordNotFound(_) = err {
            return Self::NotFound;
        }
        if crate::db::is_transient(&err) {
            tracing::warn!(error = %err, "database unavailable");
            return Self::Unavailable("the database is unavailable; try again shortly".into());
        }
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Self::Conflict("that already exists".into())
            }
            _ => Self::Internal(anyhow::Error::new(err).context("database")),
        }
    }
}

impl From<crate::particle::Error> for ApiError {
    fn from(err: crate::particle::Error) -> Self {
        use crate::particle::Error as P;
        match err {
            P::DeviceOffline => Self::DeviceOffline,
            P::NotFound { .. } => Self::NotFound,
            P::RateLimited { retry_after_secs } => Self::Upstream {
                status: 503,
                message: "the device cloud is throttling requests".into(),
                retry_after_secs: retry_after_secs.or(Some(5)),
            },
            P::Unavailable {
                retry_after_secs, ..
            } => Self::Upstream {
                status: 503,
                message: "the device cloud is unavailable".into(),
                retry_after_secs: retry_after_secs.or(Some(5)),
            },
            other => {
                tracing::warn!(error = %other, "device cloud call failed");
                Self::Upstream {
                    status: 502,
                    message: other.to_string(),
                    retry_after_secs: None,
                }
            }
        }
    }
}

impl From<crate::particle::credentials::ResolveError> for ApiError {
    fn from(err: crate::particle::credentials::ResolveError) -> Self {
        use crate::particle::credentials::ResolveError as R;
        match err {
            R::Particle(p) => p.into(),
            R::Db(db) => db.into(),
            R::NotReady(why) => Self::Conflict(format!("the device is not ready for calls: {why}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body_of(err: ApiError) -> (u16, serde_json::Value) {
        let resp = err.error_response();
        let status = resp.status().as_u16();
        let bytes = resp.into_body().try_into_bytes().unwrap_or_default();
        (status, serde_json::from_slice(&bytes).unwrap_or_default())
    }

    #[test]
    fn every_error_is_json_with_a_snake_case_code() {
        let (status, body) = body_of(ApiError::NotFound);
        assert_eq!(status, 404);
        assert_eq!(body["error"], "not_found");
        let (status, body) = body_of(ApiError::invalid("email", "is not an email address"));
        assert_eq!(status, 422);
        assert_eq!(body["fields"]["email"][0], "is not an email address");
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let (status, body) = body_of(ApiError::Internal(anyhow::anyhow!("password=swordfish")));
        assert_eq!(status, 500);
        assert!(!body.to_string().contains("swordfish"));
    }

    #[test]
    fn a_database_that_is_down_is_a_503_with_retry_after_not_a_500() {
        let err = ApiError::from(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout));
        let resp = err.error_response();
        assert_eq!(resp.status(), 503);
        assert!(resp.headers().contains_key("Retry-After"));
        let refused = ApiError::from(DbErr::Custom("a bug".into()));
        assert_eq!(refused.status_code(), 500);
    }

    #[test]
    fn throttling_says_when_to_retry() {
        let resp = ApiError::TooManyRequests {
            retry_after_secs: 30,
        }
        .error_response();
        assert_eq!(
            resp.headers().get("Retry-After").map(|v| v.as_bytes()),
            Some(&b"30"[..])
        );
    }
}
