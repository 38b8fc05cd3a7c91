//! Groups of people, and their members.
use entity::group;
use fleetwarden_wire::directory::{GroupBody, GroupResponse};
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::{org_in, person_in};
use crate::access::Scope;
use crate::audit;
use crate::changes::Change;
use crate::domain::actions::Action;
use crate::domain::ids::{GroupId, TenantId, UserId};
use crate::store;
use crate::tenancy::TenancyError;
use crate::tenancy::{Ctx, conflict, name, text};

/// A group of the tenant in the caller's sight; anything else is not found.
pub(crate) async fn group_in(
    ctx: &Ctx<'_>,
    tenant: Uuid,
    id: Uuid,
) -> Result<group::Model, TenancyError> {
    let group = group::Entity::find_by_id(id)
        .one(&ctx.state.db)
        .await?
        .filter(|g| g.tenant_id == tenant)
        .ok_or(TenancyError::NotFound)?;
    if ctx.sight(tenant).await.sees(group.organization_id) {
        Ok(group)
    } else {
        Err(TenancyError::NotFound)
    }
}

/// A group of the tenant the caller manages (`group.manage` on its organization); 404 when
/// they don't see it.
async fn managed_group(
    ctx: &Ctx<'_>,
    tenant: Uuid,
    id: Uuid,
) -> Result<group::Model, TenancyError> {
    let group = group_in(ctx, tenant, id).await?;
    ctx.require(
        &Scope::Organization(group.organization_id),
        Action::GroupManage,
    )
    .await?;
    Ok(group)
}

fn group_response(g: &group::Model, members: Vec<Uuid>) -> GroupResponse {
    GroupResponse {
        id: g.id,
        tenant_id: g.tenant_id,
        organization_id: g.organization_id,
        name: g.name.clone(),
        description: g.description.clone(),
        members,
    }
}

/// The tenant's groups the caller sees, with their members.
///
/// # Errors
/// 404 for another tenant.
pub async fn groups(ctx: &Ctx<'_>, tenant: TenantId) -> Result<Vec<GroupResponse>, TenancyError> {
    let tenant = Uuid::from(tenant);
    ctx.tenant(tenant).await?;
    let sight = ctx.sight(tenant).await;
    let groups = store::directory::groups(&ctx.state.db, tenant).await?;
    Ok(groups
        .into_iter()
        .filter(|(g, _)| sight.sees(g.organization_id))
        .map(|(g, m)| group_response(&g, m))
        .collect())
}

/// Creates a group in an organization (default: the tenant root); needs `group.manage` there.
///
/// # Errors
/// 404/403/422/409 as usual.
pub async fn create_group(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    body: &GroupBody,
) -> Result<GroupResponse, TenancyError> {
    let tenant = Uuid::from(tenant);
    ctx.tenant(tenant).await?;
    let org = org_in(ctx, tenant, body.organization_id.unwrap_or(tenant))
        .await
        .map_err(|_| {
            TenancyError::invalid("organization_id", "no such organization in this tenant")
        })?;
    ctx.require(&Scope::Organization(org.id), Action::GroupManage)
        .await?;
    let now = ctx.now();
    let group_name = name("name", &body.name, 200)?;
    let description = text("description", body.description.as_ref(), 1000)?;
    let txn = ctx.write().await?;
    let g = store::groups::insert(&*txn, tenant, org.id, &group_name, description, now)
        .await
        .map_err(conflict("a group with this name in this organization"))?;
    let wire = group_response(&g, Vec::new());
    txn.audit(audit::Entry {
        after: serde_json::to_value(&wire).ok(),
        organization_id: Some(org.id),
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
    tenant: TenantId,
    id: GroupId,
    body: &GroupBody,
) -> Result<GroupResponse, TenancyError> {
    let tenant = Uuid::from(tenant);
    let id = Uuid::from(id);
    ctx.tenant(tenant).await?;
    let current = managed_group(ctx, tenant, id).await?;
    if body
        .organization_id
        .is_some_and(|org| org != current.organization_id)
    {
        return Err(TenancyError::invalid(
            "organization_id",
            "a group stays in the organization it was made in",
        ));
    }
    let new_name = name("name", &body.name, 200)?;
    let description = text("description", body.description.as_ref(), 1000)?;
    let txn = ctx.write().await?;
    let updated = store::groups::update(&*txn, current.clone(), new_name, description, ctx.now())
        .await
        .map_err(conflict("a group with this name in this organization"))?;
    let members = store::directory::group_members(&*txn, id).await?;
    let wire = group_response(&updated, members);
    txn.audit(audit::Entry {
        before: Some(
            serde_json::json!({ "name": current.name, "description": current.description }),
        ),
        after: serde_json::to_value(&wire).ok(),
        organization_id: Some(current.organization_id),
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
pub async fn delete_group(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    id: GroupId,
) -> Result<(), TenancyError> {
    let tenant = Uuid::from(tenant);
    let id = Uuid::from(id);
    ctx.tenant(tenant).await?;
    let current = managed_group(ctx, tenant, id).await?;
    let mut txn = ctx.write().await?;
    let before = Some(serde_json::json!({ "name": current.name }));
    store::groups::delete(&*txn, id).await?;
    txn.audit(audit::Entry {
        before,
        organization_id: Some(current.organization_id),
        ..ctx.entry(tenant, "group.delete", "group", id)
    })
    .await?;
    txn.change(Change::GroupRemoved { id });
    txn.commit().await?;
    Ok(())
}

/// Adds (`add`) or removes a member; the person must be one the caller sees.
///
/// # Errors
/// 404/403/422 as usual.
pub async fn set_member(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    id: GroupId,
    user: UserId,
    add: bool,
) -> Result<GroupResponse, TenancyError> {
    let tenant = Uuid::from(tenant);
    let id = Uuid::from(id);
    let user = Uuid::from(user);
    ctx.tenant(tenant).await?;
    let g = managed_group(ctx, tenant, id).await?;
    let sight = ctx.sight(tenant).await;
    person_in(ctx, tenant, &sight, user).await?;
    let mut txn = ctx.write().await?;
    let changed = if add {
        store::groups::add_member(&*txn, id, user, ctx.now()).await?
    } else {
        store::groups::remove_member(&*txn, id, user).await?
    };
    if changed {
        let action = if add {
            "group.member_add"
        } else {
            "group.member_remove"
        };
        txn.audit(audit::Entry {
            after: Some(serde_json::json!({ "user_id": user })),
            organization_id: Some(g.organization_id),
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
