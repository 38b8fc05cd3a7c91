//! Account services: sign-in, sessions, API tokens, password changes and resets, invitations,
//! and password resets for makers' simple-auth customers (who have no account here).
//! Each change commits together with its audit record; emails go out after the commit. They
//! refuse with [`AccountError`], which the HTTP edge maps to its status.
use crate::config::AuthSettings;
use crate::domain::password::{self, HashParams};

pub mod admins;
pub mod customer_reset;
pub mod customer_updates;
mod error;
pub mod invitations;
pub mod login;
pub mod password_reset;
pub mod tenants;
pub mod tokens;

pub use error::AccountError;

/// The argon2id parameters the settings ask for.
pub fn hash_params(auth: &AuthSettings) -> HashParams {
    HashParams {
        memory_kib: auth.argon2_memory_kib,
        iterations: auth.argon2_iterations,
        parallelism: auth.argon2_parallelism,
    }
}

/// Hashes off the async workers: argon2id is deliberately slow.
///
/// # Errors
/// Invalid parameters, or the blocking pool is gone.
pub async fn hash_password(password: String, params: HashParams) -> Result<String, AccountError> {
    tokio::task::spawn_blocking(move || password::hash(&password, params))
        .await
        .map_err(|e| AccountError::Internal(e.into()))?
        .map_err(AccountError::Internal)
}

/// Verifies off the async workers.
///
/// # Errors
/// The blocking pool is gone.
pub async fn verify_password(password: String, phc: String) -> Result<bool, AccountError> {
    tokio::task::spawn_blocking(move || password::verify(&password, &phc))
        .await
        .map_err(|e| AccountError::Internal(e.into()))
}

/// A new password checked against the policy, as a 422 naming `field`.
///
/// # Errors
/// The policy's first complaint.
pub fn check_new_password(field: &str, new_password: &str) -> Result<(), AccountError> {
    password::validate(new_password).map_err(|e| AccountError::invalid(field, e.to_string()))
}
