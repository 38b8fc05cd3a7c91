//! My account (`/me`): who I am, my sessions, my API tokens, my password.
use chrono::{DateTime, Utc};
use fleetwarden_wire::auth::{
    ChangePasswordRequest, CreateTokenRequest, MeResponse, SessionResponse, TokenCreatedResponse,
    TokenResponse,
};
use uuid::Uuid;

use super::{ApiResult, delete, get, post, post_no_answer};

/// Who I am and where I belong.
pub async fn me() -> ApiResult<MeResponse> {
    get("/me").await
}

/// My live sessions, newest first.
pub async fn sessions() -> ApiResult<Vec<SessionResponse>> {
    get("/me/sessions").await
}

/// Ends one of my sessions.
pub async fn revoke_session(id: Uuid) -> ApiResult<()> {
    delete(&format!("/me/sessions/{id}")).await
}

/// My API tokens (never the secrets).
pub async fn tokens() -> ApiResult<Vec<TokenResponse>> {
    get("/me/tokens").await
}

/// Creates an API token; the answer is the only time its secret is shown.
pub async fn create_token(
    name: String,
    expires_at: Option<DateTime<Utc>>,
) -> ApiResult<TokenCreatedResponse> {
    post("/me/tokens", &CreateTokenRequest { name, expires_at }).await
}

/// Revokes one of my API tokens.
pub async fn revoke_token(id: Uuid) -> ApiResult<()> {
    delete(&format!("/me/tokens/{id}")).await
}

/// Changes my password; the server ends my other sessions.
pub async fn change_password(current_password: String, new_password: String) -> ApiResult<()> {
    post_no_answer(
        "/me/password",
        &ChangePasswordRequest {
            current_password,
            new_password,
        },
    )
    .await
}
