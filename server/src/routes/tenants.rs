//! Tenants and invitations into their organizations.
use actix_web::{HttpResponse, delete, get, post, web};
use fleetwarden_wire::error::ErrorBody;
use fleetwarden_wire::tenancy::{
    AcceptInvitationRequest, AcceptedInvitationResponse, CreateInvitationRequest,
    CreateTenantRequest, InvitationLookupResponse, InvitationResponse, TenantResponse, TokenQuery,
};

use crate::accounts::{invitations, tenants};
use crate::auth::{ClientInfo, Principal};
use crate::domain::ids::{InvitationId, OrganizationId};
use crate::error::ApiError;
use crate::routes::views;
use crate::state::AppState;

/// Creates a tenant (platform admins).
#[utoipa::path(
    tag = "tenants",
    security(("session" = []), ("bearer" = [])),
    request_body = CreateTenantRequest,
    responses(
        (status = 201, body = TenantResponse),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not a platform admin", body = ErrorBody),
        (status = 409, description = "name in use", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/tenants")]
pub async fn create_tenant(
    state: web::Data<AppState>,
    principal: Principal,
    client: ClientInfo,
    body: web::Json<CreateTenantRequest>,
) -> Result<HttpResponse, ApiError> {
    let tenant = tenants::create(&state, &principal, &client, &body.name).await?;
    Ok(HttpResponse::Created().json(views::tenant(&tenant)))
}

/// Tenants I may see: all for platform admins, else those I belong to.
#[utoipa::path(
    tag = "tenants",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<TenantResponse>), (status = 401, body = ErrorBody))
)]
#[get("/tenants")]
pub async fn list_tenants(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<Vec<TenantResponse>>, ApiError> {
    let list = tenants::visible(&state, &principal).await?;
    Ok(web::Json(list.iter().map(views::tenant).collect()))
}

/// Invites an email into the organization; the link arrives by email.
#[utoipa::path(
    tag = "invitations",
    security(("session" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "organization id")),
    request_body = CreateInvitationRequest,
    responses(
        (status = 201, body = InvitationResponse),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not an admin of this tenant", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/organizations/{id}/invitations")]
pub async fn create_invitation(
    state: web::Data<AppState>,
    principal: Principal,
    client: ClientInfo,
    id: web::Path<OrganizationId>,
    body: web::Json<CreateInvitationRequest>,
) -> Result<HttpResponse, ApiError> {
    let inv = invitations::create(&state, &principal, &client, *id, &body.email, body.role).await?;
    Ok(HttpResponse::Created().json(views::invitation(&inv, state.clock.now())))
}

/// The organization's invitations, newest first.
#[utoipa::path(
    tag = "invitations",
    security(("session" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "organization id")),
    responses(
        (status = 200, body = Vec<InvitationResponse>),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/organizations/{id}/invitations")]
pub async fn list_invitations(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<OrganizationId>,
) -> Result<web::Json<Vec<InvitationResponse>>, ApiError> {
    let list = invitations::list(&state, &principal, *id).await?;
    let now = state.clock.now();
    Ok(web::Json(
        list.iter().map(|i| views::invitation(i, now)).collect(),
    ))
}

/// Revokes a pending invitation.
#[utoipa::path(
    tag = "invitations",
    security(("session" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "invitation id")),
    responses(
        (status = 204, description = "revoked"),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "no longer pending", body = ErrorBody),
    )
)]
#[delete("/invitations/{id}")]
pub async fn revoke_invitation(
    state: web::Data<AppState>,
    principal: Principal,
    client: ClientInfo,
    id: web::Path<InvitationId>,
) -> Result<HttpResponse, ApiError> {
    invitations::revoke(&state, &principal, &client, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What a pending invitation is for (the accept page shows it).
#[utoipa::path(
    tag = "invitations",
    params(TokenQuery),
    responses(
        (status = 200, body = InvitationLookupResponse),
        (status = 404, description = "unknown, used, revoked or expired", body = ErrorBody),
    )
)]
#[get("/invitations/lookup")]
pub async fn lookup_invitation(
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<web::Json<InvitationLookupResponse>, ApiError> {
    let (inv, org, account_exists) = invitations::pending(&state, &query.token).await?;
    Ok(web::Json(InvitationLookupResponse {
        email: inv.email,
        organization_name: org.name,
        role: invitations::wire_role(inv.role),
        account_exists,
    }))
}

/// Accepts an invitation: a new person also sets a password; an existing account just gains
/// the membership.
#[utoipa::path(
    tag = "invitations",
    request_body = AcceptInvitationRequest,
    responses(
        (status = 200, body = AcceptedInvitationResponse),
        (status = 404, description = "unknown, used, revoked or expired", body = ErrorBody),
        (status = 422, description = "password missing or weak", body = ErrorBody),
    )
)]
#[post("/invitations/accept")]
pub async fn accept_invitation(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<AcceptInvitationRequest>,
) -> Result<web::Json<AcceptedInvitationResponse>, ApiError> {
    let body = body.into_inner();
    let (user, inv) = invitations::accept(
        &state,
        &client,
        &body.token,
        body.password,
        body.display_name,
    )
    .await?;
    Ok(web::Json(AcceptedInvitationResponse {
        user: views::user(&(&user).into()),
        organization_id: inv.organization_id,
        role: invitations::wire_role(inv.role),
    }))
}
