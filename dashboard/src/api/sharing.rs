//! Grants (`/tenants/{tenant}/grants`): sharing, changing and revoking.
use fleetwarden_wire::sharing::{CreateGrant, GrantResponse, UpdateGrant};
use uuid::Uuid;

use super::{ApiResult, delete, patch, post};

/// Shares: creates a grant.
pub async fn create_grant(tenant: Uuid, grant: &CreateGrant) -> ApiResult<GrantResponse> {
    post(&format!("/tenants/{tenant}/grants"), grant).await
}

/// Changes a grant's role and/or end (what is `None` stays).
pub async fn update_grant(
    tenant: Uuid,
    grant: Uuid,
    change: &UpdateGrant,
) -> ApiResult<GrantResponse> {
    patch(&format!("/tenants/{tenant}/grants/{grant}"), change).await
}

/// Revokes a grant.
pub async fn revoke_grant(tenant: Uuid, grant: Uuid) -> ApiResult<()> {
    delete(&format!("/tenants/{tenant}/grants/{grant}")).await
}
