//! A tenant's directory: organizations, sites, groups and their members, people, custom roles,
//! and its audit log.
use std::collections::BTreeSet;

use entity::enums::{MembershipRole, OrganizationKind};
use entity::{group, group_member, membership, organization, role, site};
use fleetwarden_wire::directory::{
    AuditRecordResponse, CreateOrganization, CreateSite, GroupBody, GroupResponse,
    OrganizationResponse, Page, RoleBody, RoleResponse, SiteResponse, TenantUserResponse,
    UpdateOrganization, UpdateSite,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, ModelTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{Ctx, conflict, name, text, time_zone};
use crate::access::{BUILTIN_ACTIONS, Scope};
use crate::audit;
use crate::changes::Change;
use crate::domain::paging::PageRequest;
use crate::error::ApiError;
use crate::store::{self, audit_log::AuditFilter};

// --- organizations -----------------------------------------------------------------------

fn org_response(o: &organization::Model) -> OrganizationResponse {
    OrganizationResponse {
        id: o.id,
        tenant_id: o.tenant_id,
        parent_id: o.parent_id,
        kind: match o.kind {
            OrganizationKind::Tenant => "tenant",
            OrganizationKind::Client => "client",
        }
        .into(),
        name: o.name.clone(),
    }
}

async fn org_in(ctx: &Ctx<'_>, tenant: Uuid, id: Uuid) -> Result<organization::Model, ApiError> {
    store::organizations::find(&ctx.state.db, id)
        .await?
        .filter(|o| o.tenant_id == tenant)
        .ok_or(ApiError::NotFound)
}

/// The tenant's organizations (the tree as parent links).
///
/// # Errors
/// 404 for another tenant.
pub async fn organizations(
    ctx: &Ctx<'_>,
    tenant: Uuid,
) -> Result<Vec<OrganizationResponse>, ApiError> {
    ctx.tenant(tenant).await?;
    let orgs = store::directory::organizations(&ctx.state.db, tenant).await?;
    Ok(orgs.iter().map(org_response).collect())
}

/// Creates a client organization under `parent_id` (default: the tenant root).
///
/// # Errors
/// 404/403/422/409 as usual.
pub async fn create_organization(
    ctx: &Ctx<'_>,
    tenant: Uuid,
    body: &CreateOrganization,
) -> Result<OrganizationResponse, ApiError> {
    ctx.tenant(tenant).await?;
    let parent = org_in(ctx, tenant, body.parent_id.unwrap_or(tenant))
        .await
        .map_err(|_| ApiError::invalid("parent_id", "no such organization in this tenant"))?;
    ctx.require(&Scope::Organization(parent.id), "organization.manage")
        .await?;
    let name = name("name", &body.name, 200)?;
    let now = ctx.now();
    let mut txn = ctx.write().await?;
    let org = organization::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant),
        parent_id: Set(Some(parent.id)),
        kind: Set(OrganizationKind::Client),
        name: Set(name),
        suspended_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*txn)
    .await
    .map_err(ApiError::from)
    .map_err(conflict("an organization with this name"))?;
    let wire = org_response(&org);
    txn.audit(audit::Entry {
        after: serde_json::to_value(&wire).ok(),
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
    tenant: Uuid,
    id: Uuid,
    body: &UpdateOrganization,
) -> Result<OrganizationResponse, ApiError> {
    ctx.tenant(tenant).await?;
    let org = org_in(ctx, tenant, id).await?;
    ctx.require(&Scope::Organization(org.id), "organization.manage")
        .await?;
    let mut model: organization::ActiveModel = org.clone().into();
    if let Some(n) = &body.name {
        model.name = Set(name("name", n, 200)?);
    }
    if let Some(parent_id) = body.parent_id {
        if org.parent_id.is_none() {
            return Err(ApiError::invalid(
                "parent_id",
                "the tenant root has no parent",
            ));
        }
        let parent = org_in(ctx, tenant, parent_id)
            .await
            .map_err(|_| ApiError::invalid("parent_id", "no such organization in this tenant"))?;
        let all = store::directory::organizations(&ctx.state.db, tenant).await?;
        if is_within(&all, parent.id, org.id) {
            return Err(ApiError::invalid(
                "parent_id",
                "can't move an organization under itself",
            ));
        }
        ctx.require(&Scope::Organization(parent.id), "organization.manage")
            .await?;
        model.parent_id = Set(Some(parent.id));
    }
    model.updated_at = Set(ctx.now());
    let mut txn = ctx.write().await?;
    let updated = model
        .update(&*txn)
        .await
        .map_err(ApiError::from)
        .map_err(conflict("an organization with this name"))?;
    let wire = org_response(&updated);
    txn.audit(audit::Entry {
        before: serde_json::to_value(org_response(&org)).ok(),
        after: serde_json::to_value(&wire).ok(),
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

/// Deletes an empty client organization (no sites, no child organizations).
///
/// # Errors
/// 404/403; 422 for the root; 409 while it holds sites or organizations.
pub async fn delete_organization(ctx: &Ctx<'_>, tenant: Uuid, id: Uuid) -> Result<(), ApiError> {
    ctx.tenant(tenant).await?;
    let org = org_in(ctx, tenant, id).await?;
    ctx.require(&Scope::Organization(org.id), "organization.manage")
        .await?;
    if org.parent_id.is_none() {
        return Err(ApiError::invalid(
            "id",
            "the tenant root can't be deleted here",
        ));
    }
    if store::directory::organization_in_use(&ctx.state.db, id).await? {
        return Err(ApiError::Conflict(
            "move or delete its sites and client organizations first".into(),
        ));
    }
    let mut txn = ctx.write().await?;
    let before = serde_json::to_value(org_response(&org)).ok();
    org.delete(&*txn).await?;
    txn.audit(audit::Entry {
        before,
        ..ctx.entry(tenant, "organization.delete", "organization", id)
    })
    .await?;
    // The index drops the grants on it as the database's cascade does.
    txn.change(Change::OrganizationRemoved { id });
    txn.commit().await?;
    Ok(())
}

// --- sites -------------------------------------------------------------------------------

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

async fn site_in(ctx: &Ctx<'_>, tenant: Uuid, id: Uuid) -> Result<site::Model, ApiError> {
    site::Entity::find_by_id(id)
        .one(&ctx.state.db)
        .await?
        .filter(|s| s.tenant_id == tenant)
        .ok_or(ApiError::NotFound)
}

/// The tenant's sites.
///
/// # Errors
/// 404 for another tenant.
pub async fn sites(ctx: &Ctx<'_>, tenant: Uuid) -> Result<Vec<SiteResponse>, ApiError> {
    ctx.tenant(tenant).await?;
    Ok(store::directory::sites(&ctx.state.db, tenant)
        .await?
        .iter()
        .map(site_response)
        .collect())
}

/// Creates a site in an organization; needs `site.manage` there.
///
/// # Errors
/// 404/403/422/409 as usual.
pub async fn create_site(
    ctx: &Ctx<'_>,
    tenant: Uuid,
    body: &CreateSite,
) -> Result<SiteResponse, ApiError> {
    ctx.tenant(tenant).await?;
    let org = org_in(ctx, tenant, body.organization_id)
        .await
        .map_err(|_| ApiError::invalid("organization_id", "no such organization in this tenant"))?;
    ctx.require(&Scope::Organization(org.id), "site.manage")
        .await?;
    let now = ctx.now();
    let mut txn = ctx.write().await?;
    let s = site::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant),
        organization_id: Set(org.id),
        name: Set(name("name", &body.name, 200)?),
        address: Set(text("address", body.address.as_ref(), 500)?),
        timezone: Set(time_zone("timezone", body.timezone.as_deref())?),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*txn)
    .await
    .map_err(ApiError::from)
    .map_err(conflict("a site with this name in this organization"))?;
    let wire = site_response(&s);
    txn.audit(audit::Entry {
        after: serde_json::to_value(&wire).ok(),
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
    tenant: Uuid,
    id: Uuid,
    body: &UpdateSite,
) -> Result<SiteResponse, ApiError> {
    ctx.tenant(tenant).await?;
    let current = site_in(ctx, tenant, id).await?;
    ctx.require(&Scope::Site(id), "site.manage").await?;
    let mut model: site::ActiveModel = current.clone().into();
    if let Some(n) = &body.name {
        model.name = Set(name("name", n, 200)?);
    }
    if let Some(org_id) = body.organization_id {
        let org = org_in(ctx, tenant, org_id).await.map_err(|_| {
            ApiError::invalid("organization_id", "no such organization in this tenant")
        })?;
        ctx.require(&Scope::Organization(org.id), "site.manage")
            .await?;
        model.organization_id = Set(org.id);
    }
    if body.address.is_some() {
        model.address = Set(text("address", body.address.as_ref(), 500)?);
    }
    if body.timezone.is_some() {
        model.timezone = Set(time_zone("timezone", body.timezone.as_deref())?);
    }
    model.updated_at = Set(ctx.now());
    let mut txn = ctx.write().await?;
    let updated = model
        .update(&*txn)
        .await
        .map_err(ApiError::from)
        .map_err(conflict("a site with this name in this organization"))?;
    let wire = site_response(&updated);
    txn.audit(audit::Entry {
        before: serde_json::to_value(site_response(&current)).ok(),
        after: serde_json::to_value(&wire).ok(),
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
pub async fn delete_site(ctx: &Ctx<'_>, tenant: Uuid, id: Uuid) -> Result<(), ApiError> {
    ctx.tenant(tenant).await?;
    let current = site_in(ctx, tenant, id).await?;
    ctx.require(&Scope::Site(id), "site.manage").await?;
    let mut txn = ctx.write().await?;
    let before = serde_json::to_value(site_response(&current)).ok();
    current.delete(&*txn).await?;
    txn.audit(audit::Entry {
        before,
        ..ctx.entry(tenant, "site.delete", "site", id)
    })
    .await?;
    txn.change(Change::SiteRemoved { id });
    txn.commit().await?;
    Ok(())
}

// --- groups ------------------------------------------------------------------------------

async fn group_in(ctx: &Ctx<'_>, tenant: Uuid, id: Uuid) -> Result<group::Model, ApiError> {
    group::Entity::find_by_id(id)
        .one(&ctx.state.db)
        .await?
        .filter(|g| g.tenant_id == tenant)
        .ok_or(ApiError::NotFound)
}

fn group_response(g: &group::Model, members: Vec<Uuid>) -> GroupResponse {
    GroupResponse {
        id: g.id,
        tenant_id: g.tenant_id,
        name: g.name.clone(),
        description: g.description.clone(),
        members,
    }
}

/// The tenant's groups with their members.
///
/// # Errors
/// 404 for another tenant.
pub async fn groups(ctx: &Ctx<'_>, tenant: Uuid) -> Result<Vec<GroupResponse>, ApiError> {
    ctx.tenant(tenant).await?;
    let groups = store::directory::groups(&ctx.state.db, tenant).await?;
    Ok(groups
        .into_iter()
        .map(|(g, m)| group_response(&g, m))
        .collect())
}

/// Creates a group; needs `group.manage` on the tenant.
///
/// # Errors
/// 404/403/422/409 as usual.
pub async fn create_group(
    ctx: &Ctx<'_>,
    tenant: Uuid,
    body: &GroupBody,
) -> Result<GroupResponse, ApiError> {
    ctx.tenant(tenant).await?;
    ctx.require(&Scope::Tenant(tenant), "group.manage").await?;
    let now = ctx.now();
    let txn = ctx.write().await?;
    let g = group::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant),
        name: Set(name("name", &body.name, 200)?),
        description: Set(text("description", body.description.as_ref(), 1000)?),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*txn)
    .await
    .map_err(ApiError::from)
    .map_err(conflict("a group with this name"))?;
    let wire = group_response(&g, Vec::new());
    txn.audit(audit::Entry {
        after: serde_json::to_value(&wire).ok(),
        ..ctx.entry(tenant, "group.create", "group", g.id)
    })
    .await?;
    txn.commit().await?;
    Ok(wire)
}

/// Renames a group or changes its description.
///
/// # Errors
/// 404/403/422/409 as usual.
pub async fn update_group(
    ctx: &Ctx<'_>,
    tenant: Uuid,
    id: Uuid,
    body: &GroupBody,
) -> Result<GroupResponse, ApiError> {
    ctx.tenant(tenant).await?;
    ctx.require(&Scope::Tenant(tenant), "group.manage").await?;
    let current = group_in(ctx, tenant, id).await?;
    let mut model: group::ActiveModel = current.clone().into();
    model.name = Set(name("name", &body.name, 200)?);
    model.description = Set(text("description", body.description.as_ref(), 1000)?);
    model.updated_at = Set(ctx.now());
    let txn = ctx.write().await?;
    let updated = model
        .update(&*txn)
        .await
        .map_err(ApiError::from)
        .map_err(conflict("a group with this name"))?;
    let members = store::directory::group_members(&*txn, id).await?;
    let wire = group_response(&updated, members);
    txn.audit(audit::Entry {
        before: Some(
            serde_json::json!({ "name": current.name, "description": current.description }),
        ),
        after: serde_json::to_value(&wire).ok(),
        ..ctx.entry(tenant, "group.update", "group", id)
    })
    .await?;
    txn.commit().await?;
    Ok(wire)
}

/// Deletes a group; its grants end with it.
///
/// # Errors
/// 404/403 as usual.
pub async fn delete_group(ctx: &Ctx<'_>, tenant: Uuid, id: Uuid) -> Result<(), ApiError> {
    ctx.tenant(tenant).await?;
    ctx.require(&Scope::Tenant(tenant), "group.manage").await?;
    let current = group_in(ctx, tenant, id).await?;
    let mut txn = ctx.write().await?;
    let before = Some(serde_json::json!({ "name": current.name }));
    current.delete(&*txn).await?;
    txn.audit(audit::Entry {
        before,
        ..ctx.entry(tenant, "group.delete", "group", id)
    })
    .await?;
    txn.change(Change::GroupRemoved { id });
    txn.commit().await?;
    Ok(())
}

/// Adds (`add`) or removes a member; the user must belong to the tenant.
///
/// # Errors
/// 404/403/422 as usual.
pub async fn set_member(
    ctx: &Ctx<'_>,
    tenant: Uuid,
    id: Uuid,
    user: Uuid,
    add: bool,
) -> Result<GroupResponse, ApiError> {
    ctx.tenant(tenant).await?;
    ctx.require(&Scope::Tenant(tenant), "group.manage").await?;
    let g = group_in(ctx, tenant, id).await?;
    let db = &ctx.state.db;
    if store::memberships::in_tenant(db, user, tenant)
        .await?
        .is_empty()
    {
        return Err(ApiError::NotFound);
    }
    let mut txn = ctx.write().await?;
    // One statement each way, so two requests at once can't both find nothing and then clash
    // on the insert: the second adds (or removes) nothing and says so by changing nothing.
    let changed = if add {
        let row = group_member::ActiveModel {
            group_id: Set(id),
            user_id: Set(user),
            created_at: Set(ctx.now()),
        };
        let inserted = group_member::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([group_member::Column::GroupId, group_member::Column::UserId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&*txn)
            .await?;
        inserted == 1
    } else {
        group_member::Entity::delete_by_id((id, user))
            .exec(&*txn)
            .await?
            .rows_affected
            == 1
    };
    if changed {
        let action = if add {
            "group.member_add"
        } else {
            "group.member_remove"
        };
        txn.audit(audit::Entry {
            after: Some(serde_json::json!({ "user_id": user })),
            ..ctx.entry(tenant, action, "group", id)
        })
        .await?;
    }
    let members = store::directory::group_members(&*txn, id).await?;
    if changed {
        txn.change(Change::GroupMember {
            group: id,
            user,
            member: add,
        });
    }
    txn.commit().await?;
    Ok(group_response(&g, members))
}

// --- people ------------------------------------------------------------------------------

/// The people of the tenant.
///
/// # Errors
/// 404 for another tenant.
pub async fn users(ctx: &Ctx<'_>, tenant: Uuid) -> Result<Vec<TenantUserResponse>, ApiError> {
    ctx.tenant(tenant).await?;
    let people = store::directory::tenant_users(&ctx.state.db, tenant).await?;
    Ok(people
        .into_iter()
        .map(|(u, ms)| TenantUserResponse {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: if ms.iter().any(|m| m.role == MembershipRole::Admin) {
                "admin"
            } else {
                "member"
            }
            .into(),
            organization_ids: ms.iter().map(|m| m.organization_id).collect(),
        })
        .collect())
}

/// Makes someone a tenant admin or a plain member (tenant admins only).
///
/// # Errors
/// 404/403/422 as usual.
pub async fn set_user_role(
    ctx: &Ctx<'_>,
    tenant: Uuid,
    user: Uuid,
    role: &str,
) -> Result<(), ApiError> {
    ctx.tenant(tenant).await?;
    ctx.require(&Scope::Tenant(tenant), "organization.manage")
        .await?;
    let role = crate::accounts::invitations::parse_role(role)?;
    let db = &ctx.state.db;
    let memberships = store::memberships::in_tenant(db, user, tenant).await?;
    if memberships.is_empty() {
        return Err(ApiError::NotFound);
    }
    let admin = role == MembershipRole::Admin;
    let mut txn = ctx.write().await?;
    membership::Entity::update_many()
        .col_expr(
            membership::Column::Role,
            sea_orm::sea_query::Expr::value(role),
        )
        .filter(membership::Column::UserId.eq(user))
        .filter(membership::Column::TenantId.eq(tenant))
        .exec(&*txn)
        .await?;
    txn.audit(audit::Entry {
        after: Some(serde_json::json!({ "role": if admin { "admin" } else { "member" } })),
        ..ctx.entry(tenant, "membership.update", "user", user)
    })
    .await?;
    txn.change(Change::TenantAdmin {
        user,
        tenant,
        admin,
    });
    txn.commit().await?;
    Ok(())
}

/// Removes someone from the tenant: memberships, group memberships and grants there end.
///
/// # Errors
/// 404/403 as usual.
pub async fn remove_user(ctx: &Ctx<'_>, tenant: Uuid, user: Uuid) -> Result<(), ApiError> {
    ctx.tenant(tenant).await?;
    ctx.require(&Scope::Tenant(tenant), "organization.manage")
        .await?;
    let db = &ctx.state.db;
    if store::memberships::in_tenant(db, user, tenant)
        .await?
        .is_empty()
    {
        return Err(ApiError::NotFound);
    }
    let grants = store::grants::list(
        db,
        tenant,
        &store::grants::GrantFilter {
            user: Some(user),
            ..Default::default()
        },
    )
    .await?;
    let groups: Vec<Uuid> = store::directory::groups(db, tenant)
        .await?
        .into_iter()
        .map(|(g, _)| g.id)
        .collect();
    let mut txn = ctx.write().await?;
    membership::Entity::delete_many()
        .filter(membership::Column::UserId.eq(user))
        .filter(membership::Column::TenantId.eq(tenant))
        .exec(&*txn)
        .await?;
    group_member::Entity::delete_many()
        .filter(group_member::Column::UserId.eq(user))
        .filter(group_member::Column::GroupId.is_in(groups.clone()))
        .exec(&*txn)
        .await?;
    entity::grant::Entity::delete_many()
        .filter(entity::grant::Column::Id.is_in(grants.iter().map(|g| g.id)))
        .exec(&*txn)
        .await?;
    txn.audit(audit::Entry {
        after: Some(serde_json::json!({ "grants_ended": grants.len() })),
        ..ctx.entry(tenant, "membership.remove", "user", user)
    })
    .await?;
    txn.changes(grants.iter().map(|g| Change::GrantRemoved { id: g.id }));
    txn.changes(groups.into_iter().map(|group| Change::GroupMember {
        group,
        user,
        member: false,
    }));
    txn.change(Change::TenantAdmin {
        user,
        tenant,
        admin: false,
    });
    txn.commit().await?;
    Ok(())
}

// --- roles -------------------------------------------------------------------------------

/// Built-in and custom roles with their actions.
///
/// # Errors
/// 404 for another tenant.
pub async fn roles(ctx: &Ctx<'_>, tenant: Uuid) -> Result<Vec<RoleResponse>, ApiError> {
    ctx.tenant(tenant).await?;
    let roles = store::directory::roles(&ctx.state.db, tenant).await?;
    let index = ctx.state.access.read().await;
    Ok(roles
        .into_iter()
        .map(|(r, _)| RoleResponse {
            id: r.id,
            name: r.name,
            builtin: r.builtin,
            description: r.description,
            actions: index.role_actions(r.id).into_iter().collect(),
        })
        .collect())
}

fn check_actions(actions: &[String]) -> Result<Vec<String>, ApiError> {
    let set: BTreeSet<String> = actions.iter().map(|a| a.trim().to_owned()).collect();
    if set.is_empty() {
        return Err(ApiError::invalid("actions", "name at least one action"));
    }
    for a in &set {
        let known_family = a.starts_with("device.") || BUILTIN_ACTIONS.contains(&a.as_str());
        let well_formed = a.len() <= 100
            && a.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            });
        if !known_family || !well_formed {
            return Err(ApiError::invalid(
                "actions",
                format!("unknown action {a:?}"),
            ));
        }
    }
    Ok(set.into_iter().collect())
}

/// Creates (`id` None) or replaces a custom role; needs `role.manage` on the tenant, and the
/// caller must hold every action it names there.
///
/// # Errors
/// 404/403/422/409 as usual.
pub async fn put_role(
    ctx: &Ctx<'_>,
    tenant: Uuid,
    id: Option<Uuid>,
    body: &RoleBody,
) -> Result<RoleResponse, ApiError> {
    ctx.tenant(tenant).await?;
    let actions = check_actions(&body.actions)?;
    {
        // New function-specific actions join the vocabulary first, so that "holds everything"
        // (tenant admins) covers them; the vocabulary only names actions, it grants nothing.
        let mut index = ctx.state.access.write().await;
        for action in &actions {
            index.register_action(action);
        }
    }
    let held = ctx.actions_on(&Scope::Tenant(tenant)).await;
    if !held.contains("role.manage") {
        return Err(ApiError::Forbidden);
    }
    let role_name = name("name", &body.name, 64)?;
    if ["viewer", "operator", "manager", "tenant_admin"]
        .contains(&role_name.to_lowercase().as_str())
    {
        return Err(ApiError::invalid("name", "is a built-in role's name"));
    }
    let now = ctx.now();
    let mut txn = ctx.write().await?;
    let (stored, before) = match id {
        None => {
            let r = role::ActiveModel {
                id: Set(Uuid::now_v7()),
                tenant_id: Set(Some(tenant)),
                name: Set(role_name),
                description: Set(text("description", body.description.as_ref(), 1000)?),
                builtin: Set(false),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&*txn)
            .await
            .map_err(ApiError::from)
            .map_err(conflict("a role with this name"))?;
            (r, None)
        }
        Some(id) => {
            let current = role::Entity::find_by_id(id)
                .one(&*txn)
                .await?
                .filter(|r| r.tenant_id == Some(tenant) && !r.builtin)
                .ok_or(ApiError::NotFound)?;
            let before_actions = store::directory::role_actions(&*txn, &current).await?;
            let mut model: role::ActiveModel = current.clone().into();
            model.name = Set(role_name);
            model.description = Set(text("description", body.description.as_ref(), 1000)?);
            model.updated_at = Set(now);
            let r = model
                .update(&*txn)
                .await
                .map_err(ApiError::from)
                .map_err(conflict("a role with this name"))?;
            (
                r,
                Some(serde_json::json!({ "name": current.name, "actions": before_actions })),
            )
        }
    };
    // Editing a role in use changes what its holders may do; the editor must hold it all.
    let missing: Vec<&String> = actions.iter().filter(|a| !held.contains(*a)).collect();
    if !missing.is_empty() {
        return Err(ApiError::ExceedsOwnRights(
            missing.into_iter().cloned().collect::<Vec<_>>().join(", "),
        ));
    }
    store::directory::set_role_actions(&*txn, stored.id, tenant, &actions).await?;
    let action = if before.is_some() {
        "role.update"
    } else {
        "role.create"
    };
    txn.audit(audit::Entry {
        before,
        after: Some(serde_json::json!({ "name": stored.name, "actions": actions })),
        ..ctx.entry(tenant, action, "role", stored.id)
    })
    .await?;
    txn.change(Change::Role {
        id: stored.id,
        tenant,
        name: stored.name.clone(),
        actions: actions.clone(),
    });
    txn.commit().await?;
    Ok(RoleResponse {
        id: stored.id,
        name: stored.name,
        builtin: false,
        description: stored.description,
        actions: ctx
            .state
            .access
            .read()
            .await
            .role_actions(stored.id)
            .into_iter()
            .collect(),
    })
}

/// Deletes a custom role no grant uses.
///
/// # Errors
/// 404/403; 409 while grants use it.
pub async fn delete_role(ctx: &Ctx<'_>, tenant: Uuid, id: Uuid) -> Result<(), ApiError> {
    ctx.tenant(tenant).await?;
    ctx.require(&Scope::Tenant(tenant), "role.manage").await?;
    let db = &ctx.state.db;
    let current = role::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| r.tenant_id == Some(tenant) && !r.builtin)
        .ok_or(ApiError::NotFound)?;
    let in_use = !store::grants::list(
        db,
        tenant,
        &store::grants::GrantFilter {
            role: Some(id),
            ..Default::default()
        },
    )
    .await?
    .is_empty();
    if in_use {
        return Err(ApiError::Conflict(
            "grants still use this role; revoke them first".into(),
        ));
    }
    let mut txn = ctx.write().await?;
    store::directory::set_role_actions(&*txn, id, tenant, &[]).await?;
    let before = Some(serde_json::json!({ "name": current.name }));
    current.delete(&*txn).await?;
    txn.audit(audit::Entry {
        before,
        ..ctx.entry(tenant, "role.delete", "role", id)
    })
    .await?;
    txn.change(Change::RoleRemoved { id });
    txn.commit().await?;
    Ok(())
}

// --- audit -------------------------------------------------------------------------------

/// Waits for device calls' records still being written: the log shows every call answered,
/// or says it is behind rather than show it with answered calls missing.
///
/// # Errors
/// 503 after the configured wait.
pub async fn audit_caught_up(ctx: &Ctx<'_>) -> Result<(), ApiError> {
    ctx.state.audit.caught_up().await.map_err(|e| match e {
        crate::audit::NotCaughtUp::Pending => ApiError::Unavailable(
            "recent device calls are still being written to the audit log; try again shortly"
                .into(),
        ),
        stopped @ crate::audit::NotCaughtUp::Stopped(_) => ApiError::Internal(stopped.into()),
    })
}

/// One page of the tenant's audit log (client organizations' actions included); needs
/// `audit.read` on the tenant.
///
/// # Errors
/// 404/403/422 as usual.
pub async fn audit_log(
    ctx: &Ctx<'_>,
    tenant: Uuid,
    filter: &AuditFilter,
    paging: PageRequest,
) -> Result<Page<AuditRecordResponse>, ApiError> {
    ctx.tenant(tenant).await?;
    ctx.require(&Scope::Tenant(tenant), "audit.read").await?;
    audit_caught_up(ctx).await?;
    let (rows, total) = store::audit_log::page(&ctx.state.db, tenant, filter, paging).await?;
    let items = rows
        .into_iter()
        .map(|r| AuditRecordResponse {
            id: r.id,
            created_at: r.created_at,
            actor_user_id: r.actor_user_id,
            actor_email: r.actor_email,
            action: r.action,
            target_kind: r.target_kind,
            target_id: r.target_id,
            before: r.before,
            after: r.after,
            request_id: r.request_id,
        })
        .collect();
    Ok(Page {
        items,
        page: paging.page,
        per_page: paging.per_page,
        total,
    })
}
