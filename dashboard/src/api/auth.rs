//! Signing in and out, and forgotten passwords (`/auth`).
use fleetwarden_wire::auth::{ForgotPasswordRequest, LoginRequest, LoginResponse};

use super::{ApiResult, post, post_no_answer};

/// Signs in; the server sets the session and CSRF cookies.
pub async fn login(email: String, password: String) -> ApiResult<LoginResponse> {
    post("/auth/login", &LoginRequest { email, password }).await
}

/// Ends this session.
pub async fn logout() -> ApiResult<()> {
    post_no_answer("/auth/logout", &serde_json::json!({})).await
}

/// Asks for a password-reset email (always accepted).
pub async fn forgot_password(email: String) -> ApiResult<()> {
    post_no_answer("/auth/password/forgot", &ForgotPasswordRequest { email }).await
}
