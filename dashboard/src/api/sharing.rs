//! Grants (`/tenants/{tenant}/grants`): sharing and revoking.
use fleetwarden_wire::sharing::{CreateGrant, GrantResponse};
use uuid::Uuid;

use super::{ApiResult, delete, post};

/// Shares: creates a grant.
pub async fn create_grant(tenant: Uuid, grant: &CreateGrant) -> ApiResult<GrantResponse> {
    post(&format!("/tenants/{tenant}/grants"), grant).await
}

/// Revokes a grant.
pub async fn revoke_grant(tenant: Uuid, grant: Uuid) -> ApiResult<()> {
    delete(&format!("/tenants/{tenant}/grants/{grant}")).await
}
