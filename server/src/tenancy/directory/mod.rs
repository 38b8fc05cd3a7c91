//! A tenant's directory: organizations, sites, groups and their members, people and custom
//! roles (its audit log is in `tenancy::audit_log`). One module each; the lookup they share
//! is here.
pub mod groups;
pub mod organizations;
pub mod people;
pub mod roles;
pub mod sites;

use entity::organization;
use uuid::Uuid;

use super::Ctx;
use crate::store;
use crate::tenancy::TenancyError;

/// An organization of the tenant; another tenant's is not found.
async fn org_in(
    ctx: &Ctx<'_>,
    tenant: Uuid,
    id: Uuid,
) -> Result<organization::Model, TenancyError> {
    store::organizations::find(&ctx.state.db, id)
        .await?
        .filter(|o| o.tenant_id == tenant)
        .ok_or(TenancyError::NotFound)
}
