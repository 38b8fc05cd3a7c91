//! Operators: Particle products, their function catalogs, onboarding devices (one or a CSV
//! batch) and moving them between tenants.
use actix_web::{HttpResponse, get, post, put, web};
use fleetwarden_wire::error::ErrorBody;
use fleetwarden_wire::products::{
    BatchResult, CatalogBody, CatalogEntry, CreateProduct, OnboardDevice, ProductListing,
    ProductResponse, TransferDevice,
};
use fleetwarden_wire::sharing::DeviceResponse;
use uuid::Uuid;

use crate::domain::ids::{ProductId, TenantId};
use crate::error::ApiError;
use crate::routes::Json;
use crate::routes::extract::Caller;
use crate::tenancy::{devices, onboarding, products};

/// Registers a Particle product (platform admins); the OAuth secret is stored encrypted.
#[utoipa::path(tag = "products", security(("session" = []), ("bearer" = [])), request_body = CreateProduct,
    responses((status = 201, body = ProductResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/products")]
pub async fn create_product(
    caller: Caller,
    body: web::Json<CreateProduct>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(products::create(&caller.ctx(), &body).await?))
}

/// Registered products, never their secrets: every one with its detail for platform admins;
/// for anyone else, the id and name of the products of devices they can see.
#[utoipa::path(tag = "products", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<ProductListing>), (status = 401, body = ErrorBody)))]
#[get("/products")]
pub async fn list_products(caller: Caller) -> Json<Vec<ProductListing>> {
    Ok(web::Json(products::list(&caller.ctx()).await?))
}

/// A product's function catalog, for platform admins and whoever can see one of its devices
/// (404 for anyone else, as for an unknown product).
#[utoipa::path(tag = "products", security(("session" = []), ("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<CatalogEntry>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/products/{id}/catalog")]
pub async fn get_catalog(caller: Caller, id: web::Path<ProductId>) -> Json<Vec<CatalogEntry>> {
    Ok(web::Json(products::catalog(&caller.ctx(), *id).await?))
}

/// Replaces a product's function catalog (platform admins).
#[utoipa::path(tag = "products", security(("session" = []), ("bearer" = [])), params(("id" = Uuid, Path)), request_body = CatalogBody,
    responses((status = 200, body = Vec<CatalogEntry>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/products/{id}/catalog")]
pub async fn put_catalog(
    caller: Caller,
    id: web::Path<ProductId>,
    body: web::Json<CatalogBody>,
) -> Json<Vec<CatalogEntry>> {
    Ok(web::Json(
        products::put_catalog(&caller.ctx(), *id, &body.entries).await?,
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
    caller: Caller,
    tenant: web::Path<TenantId>,
    body: web::Json<OnboardDevice>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(onboarding::onboard(&caller.ctx(), *tenant, &body).await?))
}

/// A CSV file is refused above this size (a few times what 5,000 rows need).
const MAX_CSV_BYTES: usize = 2 * 1024 * 1024;

/// `?product_id=` for CSV files without that column.
#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct BatchQuery {
    /// The product of every line that doesn't name one.
    pub product_id: Option<Uuid>,
}

/// Onboards the devices of a CSV file (platform admins). The header names `id` and `name`,
/// optionally `site` (a site's id or exact name) and `product_id`. The whole file is checked
/// first: any bad line is a 422 naming every bad line, and nothing is onboarded. Then each
/// line's outcome is reported; a device already in the tenant counts as done, so a file can
/// be sent again after fixing what failed.
#[utoipa::path(tag = "products", security(("session" = []), ("bearer" = [])),
    params(("tenant" = Uuid, Path), BatchQuery),
    request_body(content = String, content_type = "text/csv",
        example = "id,name,site\ne00fce68a4c5b2d9e1f3a7b1,Pump 1,Boston HQ\n"),
    responses((status = 200, body = BatchResult), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/tenants/{tenant}/devices/batch")]
pub async fn onboard_batch(
    caller: Caller,
    tenant: web::Path<TenantId>,
    query: web::Query<BatchQuery>,
    payload: web::Payload,
) -> Json<BatchResult> {
    let csv = payload
        .to_bytes_limited(MAX_CSV_BYTES)
        .await
        .map_err(|_| ApiError::TooLarge(format!("a CSV file may hold {MAX_CSV_BYTES} bytes")))?
        .map_err(|e| {
            if e.as_error::<actix_web::error::PayloadError>()
                .is_some_and(crate::edge::is_timeout)
            {
                crate::edge::too_slow()
            } else {
                ApiError::BadRequest(format!("could not read the body: {e}"))
            }
        })?;
    Ok(web::Json(
        onboarding::onboard_csv(
            &caller.ctx(),
            *tenant,
            csv.to_vec(),
            query.product_id.map(ProductId),
        )
        .await?,
    ))
}

/// Moves a device to another tenant (platform admins): unclaimed by the old tenant's shadow
/// customer and claimed by the new one's, every grant on it dropped, audited in both tenants.
/// If Particle fails part-way, the device is put back and nothing changes.
#[utoipa::path(tag = "products", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "Particle device id")), request_body = TransferDevice,
    responses((status = 200, body = DeviceResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "owned by someone else at Particle", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
#[post("/devices/{id}/transfer")]
pub async fn transfer_device(
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<TransferDevice>,
) -> Json<DeviceResponse> {
    let id = devices::parse_id(&id)?;
    Ok(web::Json(
        onboarding::transfer(&caller.ctx(), &id, &body).await?,
    ))
}
