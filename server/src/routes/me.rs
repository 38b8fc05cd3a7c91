//! The signed-in user: their account, sessions, API tokens and password.
use actix_web::{HttpResponse, delete, get, post, web};
use fleetwarden_wire::auth::{
    AuthenticatedBy, ChangePasswordRequest, CreateTokenRequest, MeResponse, MembershipResponse,
    SessionResponse, TokenCreatedResponse, TokenResponse,
};
use fleetwarden_wire::error::ErrorBody;

use crate::accounts::{invitations::wire_role, tokens};
use crate::auth::{ClientInfo, Credential, Principal};
use crate::domain::ids::{SessionId, TokenId};
use crate::error::ApiError;
use crate::routes::views;
use crate::state::AppState;
use crate::store;

/// Who I am, and my memberships.
#[utoipa::path(
    tag = "me",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = MeResponse), (status = 401, body = ErrorBody))
)]
#[get("/me")]
pub async fn get_me(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<MeResponse>, ApiError> {
    let memberships = store::memberships::of_user(&state.db, principal.user_id())
        .await?
        .into_iter()
        .filter_map(|(m, org)| {
            Some(MembershipResponse {
                organization_id: m.organization_id,
                organization_name: org?.name,
                tenant_id: m.tenant_id,
                role: wire_role(m.role),
            })
        })
        .collect();
    let authenticated_by = match principal.credential {
        Credential::Session(_) => AuthenticatedBy::Session,
        Credential::ApiToken(_) => AuthenticatedBy::ApiToken,
    };
    let administers = crate::accounts::tenants::administered_by(&state, &principal).await?;
    Ok(web::Json(MeResponse {
        user: views::user(&principal.user),
        memberships,
        administers,
        authenticated_by,
    }))
}

/// My live sessions, newest first.
#[utoipa::path(
    tag = "me",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<SessionResponse>), (status = 401, body = ErrorBody))
)]
#[get("/me/sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<Vec<SessionResponse>>, ApiError> {
    let sessions =
        store::sessions::list_live(&state.db, principal.user_id(), state.clock.now()).await?;
    let current = principal.session_id();
    Ok(web::Json(
        sessions
            .iter()
            .map(|s| views::session(s, current))
            .collect(),
    ))
}

/// Ends one of my sessions (sign out elsewhere).
#[utoipa::path(
    tag = "me",
    security(("session" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "session id")),
    responses(
        (status = 204, description = "ended"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "cookie without X-CSRF-Token", body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[delete("/me/sessions/{id}")]
pub async fn revoke_session(
    state: web::Data<AppState>,
    principal: Principal,
    client: ClientInfo,
    id: web::Path<SessionId>,
) -> Result<HttpResponse, ApiError> {
    tokens::revoke(
        &state,
        &principal,
        &client,
        tokens::Revocable::Session(id.into_inner()),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Creates an API token; the response is the only time it is shown.
#[utoipa::path(
    tag = "me",
    security(("session" = []), ("bearer" = [])),
    request_body = CreateTokenRequest,
    responses(
        (status = 201, body = TokenCreatedResponse),
        (status = 401, body = ErrorBody),
        (status = 403, description = "cookie without X-CSRF-Token", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/me/tokens")]
pub async fn create_token(
    state: web::Data<AppState>,
    principal: Principal,
    client: ClientInfo,
    body: web::Json<CreateTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let (secret, token) =
        tokens::create_token(&state, &principal, &client, &body.name, body.expires_at).await?;
    Ok(HttpResponse::Created().json(TokenCreatedResponse {
        token: secret,
        details: views::token(&token),
    }))
}

/// My API tokens (never the tokens themselves).
#[utoipa::path(
    tag = "me",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<TokenResponse>), (status = 401, body = ErrorBody))
)]
#[get("/me/tokens")]
pub async fn list_tokens(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<Vec<TokenResponse>>, ApiError> {
    let tokens = store::api_tokens::list(&state.db, principal.user_id()).await?;
    Ok(web::Json(tokens.iter().map(views::token).collect()))
}

/// Revokes one of my API tokens.
#[utoipa::path(
    tag = "me",
    security(("session" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "token id")),
    responses(
        (status = 204, description = "revoked"),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[delete("/me/tokens/{id}")]
pub async fn revoke_token(
    state: web::Data<AppState>,
    principal: Principal,
    client: ClientInfo,
    id: web::Path<TokenId>,
) -> Result<HttpResponse, ApiError> {
    tokens::revoke(
        &state,
        &principal,
        &client,
        tokens::Revocable::ApiToken(id.into_inner()),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Changes my password; my other sessions end.
#[utoipa::path(
    tag = "me",
    security(("session" = []), ("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "changed"),
        (status = 401, body = ErrorBody),
        (status = 422, description = "wrong current password or weak new one", body = ErrorBody),
    )
)]
#[post("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    principal: Principal,
    client: ClientInfo,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    tokens::change_password(
        &state,
        &principal,
        &client,
        body.current_password,
        body.new_password,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
