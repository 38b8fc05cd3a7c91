//! Sites, each in one organization.
use entity::site;
use fleetwarden_wire::directory::{CreateSite, SiteResponse, UpdateSite};
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::{org_in, reached_sites};
use crate::access::{Scope, Sight};
use crate::audit;
use crate::changes::Change;
use crate::domain::actions::Action;
use crate::domain::ids::{SiteId, TenantId};
use crate::store;
use crate::tenancy::TenancyError;
use crate::tenancy::{Ctx, conflict, name, text, time_zone};

fn site_response(s: &site::Model) -> SiteResponse {
    SiteResponse {
        id: s.id,
        tenant_id: s.tenant_id,
        organization_id: s.organization_id,
        name: s.name.clone(),
        address: s.address.clone(),
        timezone: s.timezone.clone(),
    }
}

/// A site of the tenant the caller sees (in their sight, or one their grants reach); anything
/// else is not found.
pub(crate) async fn site_in(
    ctx: &Ctx<'_>,
    tenant: Uuid,
    id: Uuid,
) -> Result<site::Model, TenancyError> {
    let site = site::Entity::find_by_id(id)
        .one(&ctx.state.db)
        .await?
        .filter(|s| s.tenant_id == tenant)
        .ok_or(TenancyError::NotFound)?;
    if ctx.sight(tenant).await.sees(site.organization_id)
        || !ctx.actions_on(&Scope::Site(site.id)).await.is_empty()
    {
        Ok(site)
    } else {
        Err(TenancyError::NotFound)
    }
}

/// The tenant's sites the caller sees, and those where they see devices.
///
/// # Errors
/// 404 for another tenant.
pub async fn sites(ctx: &Ctx<'_>, tenant: TenantId) -> Result<Vec<SiteResponse>, TenancyError> {
    let tenant = Uuid::from(tenant);
    ctx.tenant(tenant).await?;
    let all = store::directory::sites(&ctx.state.db, tenant).await?;
    let sight = ctx.sight(tenant).await;
    let reached = if sight == Sight::Whole {
        Default::default()
    } else {
        reached_sites(ctx, tenant).await
    };
    Ok(all
        .iter()
        .filter(|s| sight.sees(s.organization_id) || reached.contains(&s.id))
        .map(site_response)
        .collect())
}

/// Creates a site in an organization; needs `site.manage` there.
///
/// # Errors
/// 404/403/422/409 as usual.
pub async fn create_site(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    body: &CreateSite,
) -> Result<SiteResponse, TenancyError> {
    let tenant = Uuid::from(tenant);
    ctx.tenant(tenant).await?;
    let org = org_in(ctx, tenant, body.organization_id)
        .await
        .map_err(|_| {
            TenancyError::invalid("organization_id", "no such organization in this tenant")
        })?;
    ctx.require(&Scope::Organization(org.id), Action::SiteManage)
        .await?;
    let now = ctx.now();
    let mut txn = ctx.write().await?;
    let new = store::sites::NewSite {
        tenant,
        organization: org.id,
        name: &name("name", &body.name, 200)?,
        address: text("address", body.address.as_ref(), 500)?,
        timezone: time_zone("timezone", body.timezone.as_deref())?,
    };
    let s = store::sites::insert(&*txn, new, now)
        .await
        .map_err(conflict("a site with this name in this organization"))?;
    let wire = site_response(&s);
    txn.audit(audit::Entry {
        after: serde_json::to_value(&wire).ok(),
        organization_id: Some(s.organization_id),
        ..ctx.entry(tenant, "site.create", "site", s.id)
    })
    .await?;
    txn.change(Change::Site {
        id: s.id,
        tenant,
        organization: s.organization_id,
    });
    txn.commit().await?;
    Ok(wire)
}

/// Edits or moves a site; needs `site.manage` on it and on the destination organization.
///
/// # Errors
/// 404/403/422/409 as usual.
pub async fn update_site(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    id: SiteId,
    body: &UpdateSite,
) -> Result<SiteResponse, TenancyError> {
    let tenant = Uuid::from(tenant);
    let id = Uuid::from(id);
    ctx.tenant(tenant).await?;
    let current = site_in(ctx, tenant, id).await?;
    ctx.require(&Scope::Site(id), Action::SiteManage).await?;
    let mut change = store::sites::SiteUpdate {
        name: body
            .name
            .as_ref()
            .map(|n| name("name", n, 200))
            .transpose()?,
        ..Default::default()
    };
    if let Some(org_id) = body.organization_id {
        let org = org_in(ctx, tenant, org_id).await.map_err(|_| {
            TenancyError::invalid("organization_id", "no such organization in this tenant")
        })?;
        ctx.require(&Scope::Organization(org.id), Action::SiteManage)
            .await?;
        change.organization = Some(org.id);
    }
    if body.address.is_some() {
        change.address = Some(text("address", body.address.as_ref(), 500)?);
    }
    if body.timezone.is_some() {
        change.timezone = Some(time_zone("timezone", body.timezone.as_deref())?);
    }
    let mut txn = ctx.write().await?;
    let updated = store::sites::update(&*txn, current.clone(), change, ctx.now())
        .await
        .map_err(conflict("a site with this name in this organization"))?;
    let wire = site_response(&updated);
    txn.audit(audit::Entry {
        before: serde_json::to_value(site_response(&current)).ok(),
        after: serde_json::to_value(&wire).ok(),
        organization_id: Some(updated.organization_id),
        ..ctx.entry(tenant, "site.update", "site", id)
    })
    .await?;
    txn.change(Change::Site {
        id,
        tenant,
        organization: updated.organization_id,
    });
    txn.commit().await?;
    Ok(wire)
}

/// Deletes a site: its devices stay in the tenant, unplaced; grants on the site end.
///
/// # Errors
/// 404/403 as usual.
pub async fn delete_site(ctx: &Ctx<'_>, tenant: TenantId, id: SiteId) -> Result<(), TenancyError> {
    let tenant = Uuid::from(tenant);
    let id = Uuid::from(id);
    ctx.tenant(tenant).await?;
    let current = site_in(ctx, tenant, id).await?;
    ctx.require(&Scope::Site(id), Action::SiteManage).await?;
    let mut txn = ctx.write().await?;
    let before = serde_json::to_value(site_response(&current)).ok();
    store::sites::delete(&*txn, id).await?;
    // The grants on the site went with it (the database's cascade).
    store::seats::settle(&*txn, tenant, None, ctx.now()).await?;
    txn.audit(audit::Entry {
        before,
        organization_id: Some(current.organization_id),
        ..ctx.entry(tenant, "site.delete", "site", id)
    })
    .await?;
    txn.change(Change::SiteRemoved { id });
    txn.commit().await?;
    Ok(())
}
