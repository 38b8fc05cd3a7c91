//! What the tenancy services refuse, and why; the HTTP edge maps each to its status.
use std::collections::BTreeMap;

use sea_orm::{DbErr, SqlErr};

use crate::error::ApiError;
use crate::input::Invalid;
use crate::particle::credentials::ResolveError;

/// A tenancy service's refusal or failure.
#[derive(Debug, thiserror::Error)]
pub enum TenancyError {
    /// 403: the caller's grants don't allow it.
    #[error("not allowed")]
    Forbidden,
    /// 404: absent, or another tenant's (never revealed as 403).
    #[error("not found")]
    NotFound,
    /// 409: clashes with what is stored.
    #[error("{0}")]
    Conflict(String),
    /// 409: it would seat one person more than the tenant's plan allows; says the limit and
    /// who can raise it. Audited as a refusal.
    #[error("{0}")]
    SeatLimit(String),
    /// 422: fields and their problems.
    #[error("invalid request")]
    Invalid(BTreeMap<String, Vec<String>>),
    /// 403: a grant or role would give actions the caller doesn't hold there.
    #[error("you can't grant actions you don't hold there: {0}")]
    ExceedsOwnRights(String),
    /// 503: something it needs (the audit trail) can't be used right now.
    #[error("{0}")]
    Unavailable(String),
    /// The device cloud, or the credential to reach it, failed.
    #[error(transparent)]
    Device(#[from] ResolveError),
    /// The database failed (503 while it is unreachable, else 500).
    #[error(transparent)]
    Database(DbErr),
    /// A bug or an unexpected failure (500; the cause goes to the log only).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl TenancyError {
    /// `field` fails with `message`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(BTreeMap::from([(field.to_owned(), vec![message.into()])]))
    }

    /// The error code the API answers with, for audit records of failed device calls.
    pub fn code(&self) -> &'static str {
        use crate::particle::Error as P;
        match self {
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Conflict(_) | Self::SeatLimit(_) | Self::Device(ResolveError::NotReady(_)) => {
                "conflict"
            }
            Self::Invalid(_) => "invalid_request",
            Self::ExceedsOwnRights(_) => "exceeds_own_rights",
            Self::Unavailable(_) => "unavailable",
            Self::Device(ResolveError::Particle(P::DeviceOffline)) => "device_offline",
            Self::Device(ResolveError::Particle(P::NotFound { .. })) => "not_found",
            Self::Device(ResolveError::Particle(_)) => "upstream_unavailable",
            Self::Device(ResolveError::Db(db)) | Self::Database(db) => {
                if crate::db::is_transient(db) {
                    "unavailable"
                } else {
                    "internal_error"
                }
            }
            Self::Internal(_) => "internal_error",
        }
    }
}

impl From<DbErr> for TenancyError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            _ if matches!(err, DbErr::RecordNotFound(_)) => Self::NotFound,
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Self::Conflict("that already exists".into())
            }
            _ => Self::Database(err),
        }
    }
}

impl From<Invalid> for TenancyError {
    fn from(err: Invalid) -> Self {
        Self::invalid(&err.field, err.message)
    }
}

impl From<crate::particle::Error> for TenancyError {
    fn from(err: crate::particle::Error) -> Self {
        Self::Device(ResolveError::Particle(err))
    }
}

impl From<TenancyError> for ApiError {
    fn from(err: TenancyError) -> Self {
        match err {
            TenancyError::Forbidden => ApiError::Forbidden,
            TenancyError::NotFound => ApiError::NotFound,
            TenancyError::Conflict(what) | TenancyError::SeatLimit(what) => {
                ApiError::Conflict(what)
            }
            TenancyError::Invalid(fields) => ApiError::Invalid(fields),
            TenancyError::ExceedsOwnRights(what) => ApiError::ExceedsOwnRights(what),
            TenancyError::Unavailable(why) => ApiError::Unavailable(why),
            TenancyError::Device(err) => err.into(),
            TenancyError::Database(err) => err.into(),
            TenancyError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}
