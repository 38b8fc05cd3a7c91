//! A tenant's directory: organizations, sites, groups, people, custom roles, audit log.
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use fleetwarden_wire::directory::{
    AuditQuery, AuditRecordResponse, CreateOrganization, CreateSite, GroupBody, GroupResponse,
    OrganizationResponse, Page, PagingQuery, RoleBody, RoleResponse, SiteResponse,
    TenantUserResponse, UpdateOrganization, UpdateSite, UpdateTenantUser,
};
use fleetwarden_wire::error::ErrorBody;

use crate::domain::ids::{GroupId, OrganizationId, RoleId, SiteId, TenantId, UserId};
use crate::error::ApiError;
use crate::routes::extract::Caller;
use crate::routes::{Json, page_request};
use crate::store::audit_log::AuditFilter;
use crate::tenancy::Attempt;
use crate::tenancy::directory::{groups, organizations, people, roles, sites};

/// The tenant's organizations.
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path)),
    responses((status = 200, body = Vec<OrganizationResponse>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/tenants/{tenant}/organizations")]
pub async fn list_organizations(
    caller: Caller,
    path: web::Path<TenantId>,
) -> Json<Vec<OrganizationResponse>> {
    Ok(web::Json(
        organizations::organizations(&caller.ctx(), *path).await?,
    ))
}

/// Creates a client organization (`organization.manage` on the parent).
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path)), request_body = CreateOrganization,
    responses((status = 201, body = OrganizationResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/tenants/{tenant}/organizations")]
pub async fn create_organization(
    caller: Caller,
    path: web::Path<TenantId>,
    body: web::Json<CreateOrganization>,
) -> Result<HttpResponse, ApiError> {
    let ctx = caller.ctx();
    let attempt = Attempt::on(*path, "organization.create", "organization", *path);
    let made = organizations::create_organization(&ctx, *path, &body).await;
    Ok(HttpResponse::Created().json(ctx.noting(attempt, made).await?))
}

/// Renames or moves an organization.
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path), ("id" = Uuid, Path)), request_body = UpdateOrganization,
    responses((status = 200, body = OrganizationResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/tenants/{tenant}/organizations/{id}")]
pub async fn update_organization(
    caller: Caller,
    path: web::Path<(TenantId, OrganizationId)>,
    body: web::Json<UpdateOrganization>,
) -> Json<OrganizationResponse> {
    let (tenant, id) = path.into_inner();
    let ctx = caller.ctx();
    let attempt = Attempt::on(tenant, "organization.update", "organization", id);
    let updated = organizations::update_organization(&ctx, tenant, id, &body).await;
    Ok(web::Json(ctx.noting(attempt, updated).await?))
}

/// Deletes an empty client organization.
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 204, description = "deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, description = "the tenant root can't be deleted here", body = ErrorBody), (status = 409, description = "still holds sites or organizations", body = ErrorBody)))]
#[delete("/tenants/{tenant}/organizations/{id}")]
pub async fn delete_organization(
    caller: Caller,
    path: web::Path<(TenantId, OrganizationId)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant, id) = path.into_inner();
    let ctx = caller.ctx();
    let attempt = Attempt::on(tenant, "organization.delete", "organization", id);
    let deleted = organizations::delete_organization(&ctx, tenant, id).await;
    ctx.noting(attempt, deleted).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The tenant's sites.
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path)),
    responses((status = 200, body = Vec<SiteResponse>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/tenants/{tenant}/sites")]
pub async fn list_sites(caller: Caller, path: web::Path<TenantId>) -> Json<Vec<SiteResponse>> {
    Ok(web::Json(sites::sites(&caller.ctx(), *path).await?))
}

/// Creates a site (`site.manage` on its organization).
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path)), request_body = CreateSite,
    responses((status = 201, body = SiteResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/tenants/{tenant}/sites")]
pub async fn create_site(
    caller: Caller,
    path: web::Path<TenantId>,
    body: web::Json<CreateSite>,
) -> Result<HttpResponse, ApiError> {
    let ctx = caller.ctx();
    let attempt = Attempt::on(*path, "site.create", "organization", body.organization_id);
    let made = sites::create_site(&ctx, *path, &body).await;
    Ok(HttpResponse::Created().json(ctx.noting(attempt, made).await?))
}

/// Edits or moves a site.
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path), ("id" = Uuid, Path)), request_body = UpdateSite,
    responses((status = 200, body = SiteResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/tenants/{tenant}/sites/{id}")]
pub async fn update_site(
    caller: Caller,
    path: web::Path<(TenantId, SiteId)>,
    body: web::Json<UpdateSite>,
) -> Json<SiteResponse> {
    let (tenant, id) = path.into_inner();
    let ctx = caller.ctx();
    let attempt = Attempt::on(tenant, "site.update", "site", id);
    let updated = sites::update_site(&ctx, tenant, id, &body).await;
    Ok(web::Json(ctx.noting(attempt, updated).await?))
}

/// Deletes a site; its devices stay, unplaced.
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 204, description = "deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/tenants/{tenant}/sites/{id}")]
pub async fn delete_site(
    caller: Caller,
    path: web::Path<(TenantId, SiteId)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant, id) = path.into_inner();
    let ctx = caller.ctx();
    let attempt = Attempt::on(tenant, "site.delete", "site", id);
    ctx.noting(attempt, sites::delete_site(&ctx, tenant, id).await)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The tenant's groups with their members.
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path)),
    responses((status = 200, body = Vec<GroupResponse>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/tenants/{tenant}/groups")]
pub async fn list_groups(caller: Caller, path: web::Path<TenantId>) -> Json<Vec<GroupResponse>> {
    Ok(web::Json(groups::groups(&caller.ctx(), *path).await?))
}

/// Creates a group (`group.manage` on the tenant).
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path)), request_body = GroupBody,
    responses((status = 201, body = GroupResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/tenants/{tenant}/groups")]
pub async fn create_group(
    caller: Caller,
    path: web::Path<TenantId>,
    body: web::Json<GroupBody>,
) -> Result<HttpResponse, ApiError> {
    let ctx = caller.ctx();
    let org = body.organization_id.unwrap_or((*path).into());
    let attempt = Attempt::on(*path, "group.create", "organization", org);
    let made = groups::create_group(&ctx, *path, &body).await;
    Ok(HttpResponse::Created().json(ctx.noting(attempt, made).await?))
}

/// Renames a group.
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path), ("id" = Uuid, Path)), request_body = GroupBody,
    responses((status = 200, body = GroupResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/tenants/{tenant}/groups/{id}")]
pub async fn update_group(
    caller: Caller,
    path: web::Path<(TenantId, GroupId)>,
    body: web::Json<GroupBody>,
) -> Json<GroupResponse> {
    let (tenant, id) = path.into_inner();
    let ctx = caller.ctx();
    let attempt = Attempt::on(tenant, "group.update", "group", id);
    let updated = groups::update_group(&ctx, tenant, id, &body).await;
    Ok(web::Json(ctx.noting(attempt, updated).await?))
}

/// Deletes a group and the grants given to it.
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 204, description = "deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/tenants/{tenant}/groups/{id}")]
pub async fn delete_group(
    caller: Caller,
    path: web::Path<(TenantId, GroupId)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant, id) = path.into_inner();
    let ctx = caller.ctx();
    let attempt = Attempt::on(tenant, "group.delete", "group", id);
    ctx.noting(attempt, groups::delete_group(&ctx, tenant, id).await)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Adds a person to a group.
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path), ("id" = Uuid, Path), ("user" = Uuid, Path)),
    responses((status = 200, body = GroupResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[put("/tenants/{tenant}/groups/{id}/members/{user}")]
pub async fn add_group_member(
    caller: Caller,
    path: web::Path<(TenantId, GroupId, UserId)>,
) -> Json<GroupResponse> {
    let (tenant, id, user) = path.into_inner();
    let ctx = caller.ctx();
    let attempt = Attempt::on(tenant, "group.member_add", "group", id);
    let added = groups::set_member(&ctx, tenant, id, user, true).await;
    Ok(web::Json(ctx.noting(attempt, added).await?))
}

/// Removes a person from a group.
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path), ("id" = Uuid, Path), ("user" = Uuid, Path)),
    responses((status = 200, body = GroupResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/tenants/{tenant}/groups/{id}/members/{user}")]
pub async fn remove_group_member(
    caller: Caller,
    path: web::Path<(TenantId, GroupId, UserId)>,
) -> Json<GroupResponse> {
    let (tenant, id, user) = path.into_inner();
    let ctx = caller.ctx();
    let attempt = Attempt::on(tenant, "group.member_remove", "group", id);
    let removed = groups::set_member(&ctx, tenant, id, user, false).await;
    Ok(web::Json(ctx.noting(attempt, removed).await?))
}

/// The people of the tenant.
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path)),
    responses((status = 200, body = Vec<TenantUserResponse>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/tenants/{tenant}/users")]
pub async fn list_users(
    caller: Caller,
    path: web::Path<TenantId>,
) -> Json<Vec<TenantUserResponse>> {
    Ok(web::Json(people::users(&caller.ctx(), *path).await?))
}

/// Makes someone a tenant admin or a member (tenant admins only).
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path), ("user" = Uuid, Path)), request_body = UpdateTenantUser,
    responses((status = 204, description = "changed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/tenants/{tenant}/users/{user}")]
pub async fn update_user(
    caller: Caller,
    path: web::Path<(TenantId, UserId)>,
    body: web::Json<UpdateTenantUser>,
) -> Result<HttpResponse, ApiError> {
    let (tenant, user) = path.into_inner();
    let ctx = caller.ctx();
    let attempt = Attempt::on(tenant, "membership.update", "user", user);
    let changed = people::set_user_role(&ctx, tenant, user, body.role).await;
    ctx.noting(attempt, changed).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes someone from the tenant, with their group memberships and grants there.
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path), ("user" = Uuid, Path)),
    responses((status = 204, description = "removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/tenants/{tenant}/users/{user}")]
pub async fn remove_user(
    caller: Caller,
    path: web::Path<(TenantId, UserId)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant, user) = path.into_inner();
    let ctx = caller.ctx();
    let attempt = Attempt::on(tenant, "membership.remove", "user", user);
    ctx.noting(attempt, people::remove_user(&ctx, tenant, user).await)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Built-in and custom roles with their actions.
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path)),
    responses((status = 200, body = Vec<RoleResponse>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/tenants/{tenant}/roles")]
pub async fn list_roles(caller: Caller, path: web::Path<TenantId>) -> Json<Vec<RoleResponse>> {
    Ok(web::Json(roles::roles(&caller.ctx(), *path).await?))
}

/// Creates a custom role (`role.manage`; only actions the caller holds).
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path)), request_body = RoleBody,
    responses((status = 201, body = RoleResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/tenants/{tenant}/roles")]
pub async fn create_role(
    caller: Caller,
    path: web::Path<TenantId>,
    body: web::Json<RoleBody>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(roles::put_role(&caller.ctx(), *path, None, &body).await?))
}

/// Replaces a custom role's name, description and actions.
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path), ("id" = Uuid, Path)), request_body = RoleBody,
    responses((status = 200, body = RoleResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/tenants/{tenant}/roles/{id}")]
pub async fn update_role(
    caller: Caller,
    path: web::Path<(TenantId, RoleId)>,
    body: web::Json<RoleBody>,
) -> Json<RoleResponse> {
    let (tenant, id) = path.into_inner();
    Ok(web::Json(
        roles::put_role(&caller.ctx(), tenant, Some(id), &body).await?,
    ))
}

/// Deletes a custom role no grant uses.
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 204, description = "deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "grants use it", body = ErrorBody)))]
#[delete("/tenants/{tenant}/roles/{id}")]
pub async fn delete_role(
    caller: Caller,
    path: web::Path<(TenantId, RoleId)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant, id) = path.into_inner();
    roles::delete_role(&caller.ctx(), tenant, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The audit log's filters, checked.
fn audit_filter(q: AuditQuery) -> Result<AuditFilter, ApiError> {
    for (field, value, max) in [
        ("action", &q.action, 100),
        ("target_kind", &q.target_kind, 50),
        ("target_id", &q.target_id, 100),
    ] {
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            return Err(ApiError::invalid(
                field,
                format!("at most {max} characters"),
            ));
        }
    }
    Ok(AuditFilter {
        actor: q.actor,
        action: q.action,
        target_kind: q.target_kind,
        target_id: q.target_id,
        from: instant("from", q.from)?,
        to: instant("to", q.to)?,
        refused: q.refused,
        organizations: None,
    })
}

/// A filter's instant, from year 1 to 9999: what both databases store.
fn instant(field: &str, at: Option<DateTime<Utc>>) -> Result<Option<DateTime<Utc>>, ApiError> {
    use chrono::Datelike;
    match at {
        Some(t) if !(1..=9999).contains(&t.year()) => Err(ApiError::invalid(
            field,
            "must be between 0001-01-01 and 9999-12-31",
        )),
        other => Ok(other),
    }
}

/// The tenant's audit log, newest first (`audit.read` on the tenant).
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path), AuditQuery, PagingQuery),
    responses((status = 200, body = Page<AuditRecordResponse>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, description = "recent device calls are still being written; Retry-After says when to try again", body = ErrorBody)))]
#[get("/tenants/{tenant}/audit")]
pub async fn audit_log(
    caller: Caller,
    path: web::Path<TenantId>,
    q: web::Query<AuditQuery>,
    paging: web::Query<PagingQuery>,
) -> Json<Page<AuditRecordResponse>> {
    let filter = audit_filter(q.into_inner())?;
    let page =
        crate::tenancy::audit_log::audit_log(&caller.ctx(), *path, &filter, page_request(&paging)?)
            .await?;
    Ok(web::Json(page))
}

/// The tenant's audit log as a CSV file, filtered as on screen, newest first (`audit.read`);
/// at most 50,000 records: narrow the filters for more.
#[utoipa::path(tag = "directory", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path), AuditQuery),
    responses((status = 200, content_type = "text/csv", body = String,
        description = "created_at,actor_email,actor_user_id,action,target_kind,target_id,before,after,request_id"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "a bad filter, or more records than one file holds", body = ErrorBody),
        (status = 503, description = "recent device calls are still being written; Retry-After says when to try again", body = ErrorBody)))]
#[get("/tenants/{tenant}/audit/export")]
pub async fn audit_export(
    caller: Caller,
    path: web::Path<TenantId>,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = audit_filter(q.into_inner())?;
    let csv = crate::tenancy::audit_export::csv(&caller.ctx(), *path, &filter).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"audit-{}.csv\"", *path),
        ))
        .body(csv))
}
