//! Seats and billing (`/tenants/{tenant}/billing`, `/invoices`), and the platform admins'
//! plans, subscriptions and month closing.
use fleetwarden_wire::billing::{
    BillingQuery, BillingResponse, InvoiceResponse, PlanResponse, SetSubscription,
    SubscriptionResponse,
};
use uuid::Uuid;

use super::{ApiResult, encode, get, post, put, with_query};

/// The tenant's seats and bill for `period` (`YYYY-MM`), or for the current month.
pub async fn billing(tenant: Uuid, period: Option<String>) -> ApiResult<BillingResponse> {
    get(&with_query(
        &format!("/tenants/{tenant}/billing"),
        &BillingQuery { period },
    )?)
    .await
}

/// The tenant's issued invoices.
pub async fn invoices(tenant: Uuid) -> ApiResult<Vec<InvoiceResponse>> {
    get(&format!("/tenants/{tenant}/invoices")).await
}

/// Every plan (platform admins).
pub async fn plans() -> ApiResult<Vec<PlanResponse>> {
    get("/plans").await
}

/// Moves the tenant onto a plan from now (platform admins).
pub async fn subscribe(tenant: Uuid, plan_id: Uuid) -> ApiResult<SubscriptionResponse> {
    put(
        &format!("/tenants/{tenant}/subscription"),
        &SetSubscription { plan_id },
    )
    .await
}

/// Issues every tenant's invoice for `period` (platform admins); the ones issued now.
pub async fn close_period(period: &str) -> ApiResult<Vec<InvoiceResponse>> {
    post(
        &format!("/billing/periods/{}/close", encode(period)),
        &serde_json::json!({}),
    )
    .await
}
