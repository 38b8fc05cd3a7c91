//! Seats and billing: plans and subscriptions (platform admins), a tenant's usage and bill,
//! its invoices, and closing a month.
use actix_web::{HttpResponse, get, patch, post, put, web};
use fleetwarden_wire::billing::{
    BillingQuery, BillingResponse, CreatePlan, InvoiceResponse, PlanResponse, SetSubscription,
    SubscriptionResponse, UpdatePlan,
};
use fleetwarden_wire::error::ErrorBody;
use uuid::Uuid;

use crate::billing::{bill, export, invoices, plans, subscriptions};
use crate::domain::ids::TenantId;
use crate::error::ApiError;
use crate::routes::extract::Caller;
use crate::routes::{Json, csv_file};

/// Every plan (platform admins).
#[utoipa::path(tag = "billing", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<PlanResponse>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[get("/plans")]
pub async fn list_plans(caller: Caller) -> Json<Vec<PlanResponse>> {
    Ok(web::Json(plans::list(&caller.ctx()).await?))
}

/// Makes a plan (platform admins); its prices are fixed from then on.
#[utoipa::path(tag = "billing", security(("session" = []), ("bearer" = [])), request_body = CreatePlan,
    responses((status = 201, body = PlanResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/plans")]
pub async fn create_plan(
    caller: Caller,
    body: web::Json<CreatePlan>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(plans::create(&caller.ctx(), &body).await?))
}

/// Renames a plan, sets its seat limit, archives it or makes it the default (platform admins).
#[utoipa::path(tag = "billing", security(("session" = []), ("bearer" = [])), params(("id" = Uuid, Path)), request_body = UpdatePlan,
    responses((status = 200, body = PlanResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/plans/{id}")]
pub async fn update_plan(
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<UpdatePlan>,
) -> Json<PlanResponse> {
    Ok(web::Json(plans::update(&caller.ctx(), *id, &body).await?))
}

/// Moves a tenant onto a plan from now (platform admins).
#[utoipa::path(tag = "billing", security(("session" = []), ("bearer" = [])), params(("tenant" = Uuid, Path)), request_body = SetSubscription,
    responses((status = 200, body = SubscriptionResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/tenants/{tenant}/subscription")]
pub async fn set_subscription(
    caller: Caller,
    tenant: web::Path<TenantId>,
    body: web::Json<SetSubscription>,
) -> Json<SubscriptionResponse> {
    Ok(web::Json(
        subscriptions::set(&caller.ctx(), *tenant, &body).await?,
    ))
}

/// The tenant's seats per day and bill for a month (tenant admins and platform admins): so far
/// and projected for the current month, with the issued invoice once it is closed.
#[utoipa::path(tag = "billing", security(("session" = []), ("bearer" = [])), params(("tenant" = Uuid, Path), BillingQuery),
    responses((status = 200, body = BillingResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/tenants/{tenant}/billing")]
pub async fn get_billing(
    caller: Caller,
    tenant: web::Path<TenantId>,
    query: web::Query<BillingQuery>,
) -> Json<BillingResponse> {
    Ok(web::Json(
        bill::billing(&caller.ctx(), *tenant, &query).await?,
    ))
}

/// The tenant's issued invoices, newest first.
#[utoipa::path(tag = "billing", security(("session" = []), ("bearer" = [])), params(("tenant" = Uuid, Path)),
    responses((status = 200, body = Vec<InvoiceResponse>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
#[get("/tenants/{tenant}/invoices")]
pub async fn list_invoices(
    caller: Caller,
    tenant: web::Path<TenantId>,
) -> Json<Vec<InvoiceResponse>> {
    Ok(web::Json(invoices::list(&caller.ctx(), *tenant).await?))
}

/// Closes a month that is over (platform admins): issues every invoice not yet issued, once
/// however many instances close it. The server also does this within the hour after a month
/// ends.
#[utoipa::path(tag = "billing", security(("session" = []), ("bearer" = [])),
    params(("period" = String, Path, description = "YYYY-MM")),
    responses((status = 200, body = Vec<InvoiceResponse>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
#[post("/billing/periods/{period}/close")]
pub async fn close_period(caller: Caller, period: web::Path<String>) -> Json<Vec<InvoiceResponse>> {
    Ok(web::Json(
        invoices::close_now(&caller.ctx(), &period).await?,
    ))
}

/// The month's seats per day as a CSV file (`date,seats`).
#[utoipa::path(tag = "billing", security(("session" = []), ("bearer" = [])), params(("tenant" = Uuid, Path), BillingQuery),
    responses((status = 200, content_type = "text/csv", body = String, description = "date,seats"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/tenants/{tenant}/billing/export")]
pub async fn export_seats(
    caller: Caller,
    tenant: web::Path<TenantId>,
    query: web::Query<BillingQuery>,
) -> Result<HttpResponse, ApiError> {
    let csv = export::daily_seats(&caller.ctx(), *tenant, &query).await?;
    Ok(csv_file(csv, &format!("seats-{}.csv", *tenant)))
}

/// Every issued invoice's lines as a CSV file.
#[utoipa::path(tag = "billing", security(("session" = []), ("bearer" = [])), params(("tenant" = Uuid, Path)),
    responses((status = 200, content_type = "text/csv", body = String,
        description = "number,period,currency,plan,kind,description,quantity,unit_price_minor,amount_minor,invoice_total_minor"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/tenants/{tenant}/invoices/export")]
pub async fn export_invoices(
    caller: Caller,
    tenant: web::Path<TenantId>,
) -> Result<HttpResponse, ApiError> {
    let csv = export::invoices(&caller.ctx(), *tenant).await?;
    Ok(csv_file(csv, &format!("invoices-{}.csv", *tenant)))
}
