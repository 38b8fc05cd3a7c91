//! Tenants (`/tenants`): every one for platform admins, else those I belong to.
use fleetwarden_wire::tenancy::TenantResponse;

use super::{ApiResult, get};

/// The tenants I may see.
pub async fn list() -> ApiResult<Vec<TenantResponse>> {
    get("/tenants").await
}
