//! Signing in and out, and the forgotten-password flow.
use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::{HttpResponse, post, web};
use fleetwarden_wire::auth::{
    ForgotPasswordRequest, LoginRequest, LoginResponse, ResetPasswordRequest,
};
use fleetwarden_wire::error::ErrorBody;

use crate::accounts::{login as sign_in, password_reset};
use crate::auth::{CSRF_COOKIE, ClientInfo, Principal, SESSION_COOKIE};
use crate::error::ApiError;
use crate::routes::views;
use crate::state::AppState;

fn cookie(state: &AppState, name: &'static str, value: String, http_only: bool) -> Cookie<'static> {
    let max_age = time::Duration::hours(state.settings.auth.session_absolute_hours);
    Cookie::build(name, value)
        .path("/")
        .http_only(http_only)
        .same_site(SameSite::Lax)
        .secure(state.public_url.starts_with("https://"))
        .max_age(max_age)
        .finish()
}

/// Starts a session: sets the `fw_session` cookie and returns the CSRF token and the session
/// as a bearer token.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "unknown email or wrong password, alike", body = ErrorBody),
        (status = 429, description = "too many failures; see Retry-After", body = ErrorBody),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let signed_in = sign_in::login(&state, &body.email, body.password, &client).await?;
    Ok(HttpResponse::Ok()
        .cookie(cookie(
            &state,
            SESSION_COOKIE,
            signed_in.session_secret.clone(),
            true,
        ))
        .cookie(cookie(
            &state,
            CSRF_COOKIE,
            signed_in.csrf_secret.clone(),
            false,
        ))
        .json(LoginResponse {
            user: views::user(&(&signed_in.user).into()),
            csrf_token: signed_in.csrf_secret,
            token: signed_in.session_secret,
            expires_at: signed_in.expires_at,
        }))
}

/// Ends the current session and clears its cookies.
#[utoipa::path(
    tag = "auth",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "signed out"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "cookie without X-CSRF-Token", body = ErrorBody),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    principal: Principal,
    client: ClientInfo,
) -> Result<HttpResponse, ApiError> {
    sign_in::logout(&state, &principal, &client).await?;
    let mut response = HttpResponse::NoContent().finish();
    for name in [SESSION_COOKIE, CSRF_COOKIE] {
        let mut gone = Cookie::build(name, "").path("/").finish();
        gone.make_removal();
        response
            .add_removal_cookie(&gone)
            .map_err(|e| ApiError::Internal(e.into()))?;
    }
    Ok(response)
}

/// Emails a password-reset link if the address has an account. Always 202, whatever the email.
#[utoipa::path(
    tag = "auth",
    request_body = ForgotPasswordRequest,
    responses(
        (status = 202, description = "accepted; an email follows if the account exists"),
        (status = 400, body = ErrorBody),
    )
)]
#[post("/auth/password/forgot")]
pub async fn forgot_password(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<ForgotPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    // Detached, so the answer takes the same time whether or not the account exists; only
    // what no address can be is refused first (that says nothing about any account).
    let email = body.into_inner().email;
    if email.chars().count() > crate::domain::email::MAX_LEN {
        return Err(ApiError::invalid(
            "email",
            format!("at most {} characters", crate::domain::email::MAX_LEN),
        ));
    }
    let state = state.into_inner();
    tokio::spawn(async move {
        if let Err(err) = password_reset::request_reset(&state, &email, &client).await {
            tracing::error!(error = %err, "password-reset request failed");
        }
    });
    Ok(HttpResponse::Accepted().finish())
}

/// Sets a new password with the emailed token; ends every session of the account.
#[utoipa::path(
    tag = "auth",
    request_body = ResetPasswordRequest,
    responses(
        (status = 204, description = "password changed"),
        (status = 422, description = "invalid, used or expired token; weak password", body = ErrorBody),
    )
)]
#[post("/auth/password/reset")]
pub async fn reset_password(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<ResetPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    password_reset::reset(&state, &body.token, body.new_password, &client).await?;
    Ok(HttpResponse::NoContent().finish())
}
