//! A tenant's directory: organizations, sites, groups and their members, people and custom
//! roles (its audit log is in `tenancy::audit_log`). One module each; the lookups they share
//! are here.
//!
//! Client companies are sub-tenants: a person sees the directory of the organizations they
//! belong to or hold a grant on, with their subtrees (`Ctx::sight`), plus the names of the
//! sites and organizations their devices are at. Anything else of the tenant answers exactly as
//! if it did not exist.
pub mod groups;
pub mod organizations;
pub mod people;
pub mod roles;
pub mod sites;

use std::collections::BTreeSet;

use entity::{membership, organization};
use uuid::Uuid;

use super::Ctx;
use crate::access::{DeviceFilter, Sight};
use crate::store;
use crate::tenancy::TenancyError;

/// An organization of the tenant the caller sees; another tenant's, or one outside their
/// sight, is not found.
pub(crate) async fn org_in(
    ctx: &Ctx<'_>,
    tenant: Uuid,
    id: Uuid,
) -> Result<organization::Model, TenancyError> {
    let org = store::organizations::find(&ctx.state.db, id)
        .await?
        .filter(|o| o.tenant_id == tenant)
        .ok_or(TenancyError::NotFound)?;
    if ctx.sight(tenant).await.sees(org.id) {
        Ok(org)
    } else {
        Err(TenancyError::NotFound)
    }
}

/// A person of the tenant the caller sees (one with a membership in their sight), with their
/// memberships there; anyone else is not found.
pub(crate) async fn person_in(
    ctx: &Ctx<'_>,
    tenant: Uuid,
    sight: &Sight,
    user: Uuid,
) -> Result<Vec<membership::Model>, TenancyError> {
    let memberships = store::memberships::in_tenant(&ctx.state.db, user, tenant).await?;
    if memberships.iter().any(|m| sight.sees(m.organization_id)) {
        Ok(memberships)
    } else {
        Err(TenancyError::NotFound)
    }
}

/// The sites of the tenant where the caller sees a device: their names are shown even outside
/// the caller's sight, so a technician knows where their pumps are.
async fn reached_sites(ctx: &Ctx<'_>, tenant: Uuid) -> BTreeSet<Uuid> {
    ctx.state
        .access
        .read()
        .await
        .visible_devices(ctx.user(), ctx.now(), &DeviceFilter::default())
        .into_iter()
        .filter(|d| d.tenant == tenant)
        .filter_map(|d| d.site)
        .collect()
}
