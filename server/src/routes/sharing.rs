//! Grants and devices: sharing, "devices I can see", and "who has access and why".
use actix_web::{HttpResponse, delete, get, patch, post, web};
use fleetwarden_wire::directory::{Page, PagingQuery};
use fleetwarden_wire::error::ErrorBody;
use fleetwarden_wire::products::CatalogEntry;
use fleetwarden_wire::sharing::{
    CreateGrant, DeviceAccessEntry, DeviceQuery, DeviceResponse, FunctionCallRequest,
    FunctionCallResponse, GrantQuery, GrantResponse, UpdateDevice, UpdateGrant, VariableResponse,
};

use crate::access::DeviceFilter;
use crate::domain::ids::{GrantId, TenantId};
use crate::error::ApiError;
use crate::routes::extract::Caller;
use crate::routes::{Json, page_request};
use crate::store::grants::GrantFilter;
use crate::tenancy::{Attempt, calls, devices, grants};

/// Grants a role on a device, site, organization or the tenant to a user or group. The same
/// role on the same scope to the same subject is one grant: asking again answers 200 with it,
/// lasting as long as the longer of the two.
#[utoipa::path(tag = "sharing", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path)), request_body = CreateGrant,
    responses((status = 201, description = "a new grant", body = GrantResponse),
        (status = 200, description = "merged into the identical grant", body = GrantResponse),
        (status = 401, body = ErrorBody),
        (status = 403, description = "no device.share there, or the role exceeds your own rights", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/tenants/{tenant}/grants")]
pub async fn create_grant(
    caller: Caller,
    path: web::Path<TenantId>,
    body: web::Json<CreateGrant>,
) -> Result<HttpResponse, ApiError> {
    let ctx = caller.ctx();
    let attempt = Attempt::on(
        *path,
        "grant.create",
        body.scope.kind.as_str(),
        &body.scope.id,
    );
    let (grant, created) = ctx
        .noting(attempt, grants::create(&ctx, *path, &body).await)
        .await?;
    Ok(if created {
        HttpResponse::Created().json(grant)
    } else {
        HttpResponse::Ok().json(grant)
    })
}

/// The tenant's grants that I may see (those on scopes I may share, and my own).
#[utoipa::path(tag = "sharing", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path), GrantQuery),
    responses((status = 200, body = Vec<GrantResponse>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/tenants/{tenant}/grants")]
pub async fn list_grants(
    caller: Caller,
    path: web::Path<TenantId>,
    q: web::Query<GrantQuery>,
) -> Json<Vec<GrantResponse>> {
    let q = q.into_inner();
    let device = match q.device {
        Some(d) => Some(
            devices::parse_id(&d)
                .map_err(|_| ApiError::invalid("device", "is not a device id"))?
                .to_string(),
        ),
        None => None,
    };
    let ctx = caller.ctx();
    let filter = GrantFilter {
        user: q.user,
        group: q.group,
        device,
        site: q.site,
        organization: q.organization,
        role: q.role,
        active_at: q.active.filter(|a| *a).map(|_| ctx.now()),
    };
    Ok(web::Json(grants::list(&ctx, *path, &filter).await?))
}

/// Gives a grant another role and/or end (same rule as granting it, for the old and the new role).
#[utoipa::path(tag = "sharing", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path), ("id" = Uuid, Path)), request_body = UpdateGrant,
    responses((status = 200, body = GrantResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/tenants/{tenant}/grants/{id}")]
pub async fn update_grant(
    caller: Caller,
    path: web::Path<(TenantId, GrantId)>,
    body: web::Json<UpdateGrant>,
) -> Json<GrantResponse> {
    let (tenant, id) = path.into_inner();
    let ctx = caller.ctx();
    let attempt = Attempt::on(tenant, "grant.update", "grant", id);
    let updated = grants::update(&ctx, tenant, id, &body).await;
    Ok(web::Json(ctx.noting(attempt, updated).await?))
}

/// Revokes a grant (same rule as granting it).
#[utoipa::path(tag = "sharing", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 204, description = "revoked"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/tenants/{tenant}/grants/{id}")]
pub async fn revoke_grant(
    caller: Caller,
    path: web::Path<(TenantId, GrantId)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant, id) = path.into_inner();
    let ctx = caller.ctx();
    let attempt = Attempt::on(tenant, "grant.revoke", "grant", id);
    ctx.noting(attempt, grants::revoke(&ctx, tenant, id).await)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every device I may see and nothing else, in a stable order (name, then id).
#[utoipa::path(tag = "devices", security(("session" = []), ("bearer" = [])),
    params(DeviceQuery, PagingQuery),
    responses((status = 200, body = Page<DeviceResponse>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/devices")]
pub async fn list_devices(
    caller: Caller,
    q: web::Query<DeviceQuery>,
    paging: web::Query<PagingQuery>,
) -> Json<Page<DeviceResponse>> {
    let q = q.into_inner();
    let filter = DeviceFilter {
        site: q.site,
        organization: q.organization,
        q: q.q.filter(|v| !v.trim().is_empty()),
    };
    Ok(web::Json(
        devices::list(&caller.ctx(), &filter, page_request(&paging)?).await?,
    ))
}

/// One device with my effective actions on it.
#[utoipa::path(tag = "devices", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "Particle device id")),
    responses((status = 200, body = DeviceResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/devices/{id}")]
pub async fn get_device(caller: Caller, id: web::Path<String>) -> Json<DeviceResponse> {
    let id = devices::parse_id(&id)?;
    let ctx = caller.ctx();
    let attempt = Attempt::device("device.read", &id);
    Ok(web::Json(
        ctx.noting(attempt, devices::get(&ctx, &id).await).await?,
    ))
}

/// Renames a device or places it at a site (`site.manage`).
#[utoipa::path(tag = "devices", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "Particle device id")), request_body = UpdateDevice,
    responses((status = 200, body = DeviceResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/devices/{id}")]
pub async fn update_device(
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<UpdateDevice>,
) -> Json<DeviceResponse> {
    let id = devices::parse_id(&id)?;
    let ctx = caller.ctx();
    let attempt = Attempt::device("device.update", &id);
    let updated = devices::update(&ctx, &id, &body).await;
    Ok(web::Json(ctx.noting(attempt, updated).await?))
}

/// Everyone who can reach the device, their actions, and the chains of grants that give them.
#[utoipa::path(tag = "devices", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "Particle device id")),
    responses((status = 200, body = Vec<DeviceAccessEntry>), (status = 401, body = ErrorBody),
        (status = 403, description = "you can see the device but not share it", body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/devices/{id}/access")]
pub async fn device_access(caller: Caller, id: web::Path<String>) -> Json<Vec<DeviceAccessEntry>> {
    let id = devices::parse_id(&id)?;
    let ctx = caller.ctx();
    let attempt = Attempt::device("device.access.read", &id);
    Ok(web::Json(
        ctx.noting(attempt, devices::access(&ctx, &id).await)
            .await?,
    ))
}

/// Calls a function of the device's catalog with an argument.
#[utoipa::path(tag = "devices", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "Particle device id"), ("name" = String, Path, description = "function name")),
    request_body = FunctionCallRequest,
    responses((status = 200, body = FunctionCallResponse), (status = 401, body = ErrorBody),
        (status = 403, description = "your role may not call this function", body = ErrorBody),
        (status = 404, description = "no such device for you, or no such function in the catalog", body = ErrorBody),
        (status = 422, description = "argument longer than 1024 bytes", body = ErrorBody),
        (status = 502, description = "the device cloud failed", body = ErrorBody),
        (status = 503, description = "the device cloud is unavailable or throttling; see Retry-After", body = ErrorBody),
        (status = 504, description = "device_offline", body = ErrorBody)))]
#[post("/devices/{id}/functions/{name}")]
pub async fn call_function(
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Json<FunctionCallRequest>,
) -> Json<FunctionCallResponse> {
    let (id, name) = path.into_inner();
    let id = devices::parse_id(&id)?;
    let ctx = caller.ctx();
    let attempt = Attempt::device("device.function.call", &id);
    let called = calls::call_function(&ctx, &id, &name, &body.arg).await;
    Ok(web::Json(ctx.noting(attempt, called).await?))
}

/// The functions and variables of the device's product, each with the action it needs.
#[utoipa::path(tag = "devices", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "Particle device id")),
    responses((status = 200, body = Vec<CatalogEntry>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/devices/{id}/catalog")]
pub async fn device_catalog(caller: Caller, id: web::Path<String>) -> Json<Vec<CatalogEntry>> {
    let id = devices::parse_id(&id)?;
    let ctx = caller.ctx();
    let attempt = Attempt::device("device.catalog.read", &id);
    let catalog = calls::device_catalog(&ctx, &id).await;
    Ok(web::Json(ctx.noting(attempt, catalog).await?))
}

/// Reads a variable of the device's catalog.
#[utoipa::path(tag = "devices", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "Particle device id"), ("name" = String, Path, description = "variable name")),
    responses((status = 200, body = VariableResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody),
        (status = 504, description = "device_offline", body = ErrorBody)))]
#[get("/devices/{id}/variables/{name}")]
pub async fn read_variable(
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Json<VariableResponse> {
    let (id, name) = path.into_inner();
    let id = devices::parse_id(&id)?;
    let ctx = caller.ctx();
    let attempt = Attempt::device("device.variable.read", &id);
    let read = calls::read_variable(&ctx, &id, &name).await;
    Ok(web::Json(ctx.noting(attempt, read).await?))
}
