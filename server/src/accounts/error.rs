//! What the account services refuse, and why; the HTTP edge maps each to its status.
use crate::error::ApiError;
use crate::input::Invalid;

/// An account service's refusal or failure.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// 401: sign-in refused; the same for an unknown email and a wrong password.
    #[error("email or password is wrong")]
    InvalidCredentials,
    /// 403: the caller may not do this.
    #[error("not allowed")]
    Forbidden,
    /// 404: absent, used, expired, or someone else's.
    #[error("not found")]
    NotFound,
    /// 409: clashes with what is stored.
    #[error("{0}")]
    Conflict(String),
    /// 422: a field fails its check.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// 429: too many failed sign-ins; try again after this many seconds.
    #[error("too many attempts, try again in {retry_after_secs} s")]
    Throttled {
        /// Seconds until a retry may succeed.
        retry_after_secs: u64,
    },
    /// The database failed (503 while it is unreachable, else 500).
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
    /// A bug or an unexpected failure (500; the cause goes to the log only).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AccountError {
    /// `field` fails with `message`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(Invalid::new(field, message))
    }
}

impl From<AccountError> for ApiError {
    fn from(err: AccountError) -> Self {
        match err {
            AccountError::InvalidCredentials => ApiError::InvalidCredentials,
            AccountError::Forbidden => ApiError::Forbidden,
            AccountError::NotFound => ApiError::NotFound,
            AccountError::Conflict(what) => ApiError::Conflict(what),
            AccountError::Invalid(invalid) => invalid.into(),
            AccountError::Throttled { retry_after_secs } => {
                ApiError::TooManyRequests { retry_after_secs }
            }
            AccountError::Database(db) => db.into(),
            AccountError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}
