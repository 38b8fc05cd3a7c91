//! Operators: Particle products, their function catalogs, onboarding devices.
use actix_web::{HttpResponse, get, post, put, web};
use fleetwarden_wire::error::ErrorBody;
use fleetwarden_wire::products::{
    CatalogBody, CatalogEntry, CreateProduct, OnboardDevice, ProductResponse,
};
use fleetwarden_wire::sharing::DeviceResponse;
use uuid::Uuid;

use crate::auth::{ClientInfo, Principal};
use crate::error::ApiError;
use crate::routes::Json;
use crate::startup::AppState;
use crate::tenancy::{Ctx, products};

/// Registers a Particle product (platform admins); the OAuth secret is stored encrypted.
#[utoipa::path(tag = "products", security(("session" = []), ("bearer" = [])), request_body = CreateProduct,
    responses((status = 201, body = ProductResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/products")]
pub async fn create_product(
    s: web::Data<AppState>,
    p: Principal,
    c: ClientInfo,
    body: web::Json<CreateProduct>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(products::create(&Ctx::new(&s, &p, &c), &body).await?))
}

/// Registered products (never their secrets).
#[utoipa::path(tag = "products", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<ProductResponse>), (status = 401, body = ErrorBody)))]
#[get("/products")]
pub async fn list_products(
    s: web::Data<AppState>,
    p: Principal,
    c: ClientInfo,
) -> Json<Vec<ProductResponse>> {
    Ok(web::Json(products::list(&Ctx::new(&s, &p, &c)).await?))
}

/// A product's function catalog.
#[utoipa::path(tag = "products", security(("session" = []), ("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<CatalogEntry>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/products/{id}/catalog")]
pub async fn get_catalog(
    s: web::Data<AppState>,
    p: Principal,
    c: ClientInfo,
    id: web::Path<Uuid>,
) -> Json<Vec<CatalogEntry>> {
    Ok(web::Json(
        products::catalog(&Ctx::new(&s, &p, &c), *id).await?,
    ))
}

/// Replaces a product's function catalog (platform admins).
#[utoipa::path(tag = "products", security(("session" = []), ("bearer" = [])), params(("id" = Uuid, Path)), request_body = CatalogBody,
    responses((status = 200, body = Vec<CatalogEntry>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/products/{id}/catalog")]
pub async fn put_catalog(
    s: web::Data<AppState>,
    p: Principal,
    c: ClientInfo,
    id: web::Path<Uuid>,
    body: web::Json<CatalogBody>,
) -> Json<Vec<CatalogEntry>> {
    Ok(web::Json(
        products::put_catalog(&Ctx::new(&s, &p, &c), *id, &body.entries).await?,
    ))
}

/// Onboards a device into a tenant (platform admins), claiming it with the tenant's shadow
/// customer when the product's mode needs it.
#[utoipa::path(tag = "products", security(("session" = []), ("bearer" = [])), params(("tenant" = Uuid, Path)), request_body = OnboardDevice,
    responses((status = 201, body = DeviceResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "onboarded already", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
#[post("/tenants/{tenant}/devices")]
pub async fn onboard_device(
    s: web::Data<AppState>,
    p: Principal,
    c: ClientInfo,
    tenant: web::Path<Uuid>,
    body: web::Json<OnboardDevice>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created()
        .json(products::onboard(&Ctx::new(&s, &p, &c), *tenant, &body).await?))
}
