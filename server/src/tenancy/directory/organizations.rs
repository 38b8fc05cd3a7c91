//! The tenant's organization tree: the root and its client organizations.
use entity::enums::OrganizationKind;
use entity::organization;
use fleetwarden_wire::directory::{
    self as wire, CreateOrganization, OrganizationResponse, UpdateOrganization,
};
use std::collections::BTreeSet;

use uuid::Uuid;

use super::{org_in, reached_sites};
use crate::access::{Scope, Sight};
use crate::audit;
use crate::changes::Change;
use crate::domain::actions::Action;
use crate::domain::ids::{OrganizationId, TenantId};
use crate::store;
use crate::tenancy::TenancyError;
use crate::tenancy::{Ctx, conflict, name};

fn org_response(o: &organization::Model) -> OrganizationResponse {
    OrganizationResponse {
        id: o.id,
        tenant_id: o.tenant_id,
        parent_id: o.parent_id,
        kind: match o.kind {
            OrganizationKind::Tenant => wire::OrganizationKind::Tenant,
            OrganizationKind::Client => wire::OrganizationKind::Client,
        },
        name: o.name.clone(),
    }
}

/// The tenant's organizations the caller sees (the tree as parent links), and the path to
/// the sites where they see devices.
///
/// # Errors
/// 404 for another tenant.
pub async fn organizations(
    ctx: &Ctx<'_>,
    tenant: TenantId,
) -> Result<Vec<OrganizationResponse>, TenancyError> {
    let tenant = Uuid::from(tenant);
    ctx.tenant(tenant).await?;
    let orgs = store::directory::organizations(&ctx.state.db, tenant).await?;
    let sight = ctx.sight(tenant).await;
    if sight == Sight::Whole {
        return Ok(orgs.iter().map(org_response).collect());
    }
    let mut shown: BTreeSet<Uuid> = sight.organizations().cloned().unwrap_or_default();
    let reached = reached_sites(ctx, tenant).await;
    if !reached.is_empty() {
        let sites = store::directory::sites(&ctx.state.db, tenant).await?;
        for site in sites.iter().filter(|s| reached.contains(&s.id)) {
            // The site's organization and its ancestors, so the tree leads to it.
            let mut next = Some(site.organization_id);
            while let Some(id) = next.filter(|id| shown.insert(*id)) {
                next = orgs.iter().find(|o| o.id == id).and_then(|o| o.parent_id);
            }
        }
    }
    Ok(orgs
        .iter()
        .filter(|o| shown.contains(&o.id))
        .map(org_response)
        .collect())
}

/// Creates a client organization under `parent_id` (default: the tenant root).
///
/// # Errors
/// 404/403/422/409 as usual.
pub async fn create_organization(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    body: &CreateOrganization,
) -> Result<OrganizationResponse, TenancyError> {
    let tenant = Uuid::from(tenant);
    ctx.tenant(tenant).await?;
    let parent = org_in(ctx, tenant, body.parent_id.unwrap_or(tenant))
        .await
        .map_err(|_| TenancyError::invalid("parent_id", "no such organization in this tenant"))?;
    ctx.require(&Scope::Organization(parent.id), Action::OrganizationManage)
        .await?;
    let name = name("name", &body.name, 200)?;
    let now = ctx.now();
    let mut txn = ctx.write().await?;
    let org = store::organizations::insert_client(&*txn, tenant, parent.id, &name, now)
        .await
        .map_err(conflict("an organization with this name"))?;
    let wire = org_response(&org);
    txn.audit(audit::Entry {
        after: serde_json::to_value(&wire).ok(),
        organization_id: Some(org.id),
        ..ctx.entry(tenant, "organization.create", "organization", org.id)
    })
    .await?;
    txn.change(Change::Organization {
        id: org.id,
        tenant,
        parent: org.parent_id,
    });
    txn.commit().await?;
    Ok(wire)
}

/// Renames and/or moves an organization (never under itself or its descendants).
///
/// # Errors
/// 404/403/422/409 as usual.
pub async fn update_organization(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    id: OrganizationId,
    body: &UpdateOrganization,
) -> Result<OrganizationResponse, TenancyError> {
    let tenant = Uuid::from(tenant);
    let id = Uuid::from(id);
    ctx.tenant(tenant).await?;
    let org = org_in(ctx, tenant, id).await?;
    ctx.require(&Scope::Organization(org.id), Action::OrganizationManage)
        .await?;
    let new_name = body
        .name
        .as_ref()
        .map(|n| name("name", n, 200))
        .transpose()?;
    let mut new_parent = None;
    if let Some(parent_id) = body.parent_id {
        if org.parent_id.is_none() {
            return Err(TenancyError::invalid(
                "parent_id",
                "the tenant root has no parent",
            ));
        }
        let parent = org_in(ctx, tenant, parent_id).await.map_err(|_| {
            TenancyError::invalid("parent_id", "no such organization in this tenant")
        })?;
        let all = store::directory::organizations(&ctx.state.db, tenant).await?;
        if is_within(&all, parent.id, org.id) {
            return Err(TenancyError::invalid(
                "parent_id",
                "can't move an organization under itself",
            ));
        }
        ctx.require(&Scope::Organization(parent.id), Action::OrganizationManage)
            .await?;
        new_parent = Some(parent.id);
    }
    let mut txn = ctx.write().await?;
    let updated = store::organizations::update(&*txn, org.clone(), new_name, new_parent, ctx.now())
        .await
        .map_err(conflict("an organization with this name"))?;
    let wire = org_response(&updated);
    txn.audit(audit::Entry {
        before: serde_json::to_value(org_response(&org)).ok(),
        after: serde_json::to_value(&wire).ok(),
        organization_id: Some(id),
        ..ctx.entry(tenant, "organization.update", "organization", id)
    })
    .await?;
    txn.change(Change::Organization {
        id: updated.id,
        tenant,
        parent: updated.parent_id,
    });
    txn.commit().await?;
    Ok(wire)
}

/// Whether `node` is `ancestor` or below it.
fn is_within(all: &[organization::Model], mut node: Uuid, ancestor: Uuid) -> bool {
    for _ in 0..=all.len() {
        if node == ancestor {
            return true;
        }
        match all.iter().find(|o| o.id == node).and_then(|o| o.parent_id) {
            Some(parent) => node = parent,
            None => return false,
        }
    }
    false
}

/// Deletes an empty client organization (no sites, groups or child organizations).
///
/// # Errors
/// 404/403; 422 for the root; 409 while it holds sites or organizations.
pub async fn delete_organization(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    id: OrganizationId,
) -> Result<(), TenancyError> {
    let tenant = Uuid::from(tenant);
    let id = Uuid::from(id);
    ctx.tenant(tenant).await?;
    let org = org_in(ctx, tenant, id).await?;
    ctx.require(&Scope::Organization(org.id), Action::OrganizationManage)
        .await?;
    if org.parent_id.is_none() {
        return Err(TenancyError::invalid(
            "id",
            "the tenant root can't be deleted here",
        ));
    }
    if store::directory::organization_in_use(&ctx.state.db, id).await? {
        return Err(TenancyError::Conflict(
            "move or delete its sites, groups and client organizations first".into(),
        ));
    }
    let mut txn = ctx.write().await?;
    let before = serde_json::to_value(org_response(&org)).ok();
    store::organizations::delete(&*txn, id).await?;
    // Its memberships and the grants on it went with it (the database's cascade).
    store::seats::settle(&*txn, tenant, None, ctx.now()).await?;
    txn.audit(audit::Entry {
        before,
        organization_id: org.parent_id,
        ..ctx.entry(tenant, "organization.delete", "organization", id)
    })
    .await?;
    // The index drops the grants on it as the database's cascade does.
    txn.change(Change::OrganizationRemoved { id });
    txn.commit().await?;
    Ok(())
}
