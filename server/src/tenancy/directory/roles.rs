//! Built-in and custom roles, and the actions a custom role names.
use std::collections::BTreeSet;

use entity::role;
use fleetwarden_wire::directory::{RoleBody, RoleResponse};
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::access::Scope;
use crate::audit;
use crate::changes::Change;
use crate::domain::actions::{Action, DEVICE_FAMILY_PREFIX};
use crate::domain::ids::{RoleId, TenantId};
use crate::store;
use crate::tenancy::TenancyError;
use crate::tenancy::{Ctx, conflict, name, text};

/// Built-in and custom roles with their actions.
///
/// # Errors
/// 404 for another tenant.
pub async fn roles(ctx: &Ctx<'_>, tenant: TenantId) -> Result<Vec<RoleResponse>, TenancyError> {
    let tenant = Uuid::from(tenant);
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

fn check_actions(actions: &[String]) -> Result<Vec<String>, TenancyError> {
    let set: BTreeSet<String> = actions.iter().map(|a| a.trim().to_owned()).collect();
    if set.is_empty() {
        return Err(TenancyError::invalid("actions", "name at least one action"));
    }
    for a in &set {
        let known_family = a.starts_with(DEVICE_FAMILY_PREFIX) || Action::parse(a).is_some();
        let well_formed = a.len() <= 100
            && a.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            });
        if !known_family || !well_formed {
            return Err(TenancyError::invalid(
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
    tenant: TenantId,
    id: Option<RoleId>,
    body: &RoleBody,
) -> Result<RoleResponse, TenancyError> {
    let tenant = Uuid::from(tenant);
    let id = id.map(Uuid::from);
    ctx.tenant(tenant).await?;
    let actions = check_actions(&body.actions)?;
    if !ctx.holds(&Scope::Tenant(tenant), Action::RoleManage).await {
        return Err(TenancyError::Forbidden);
    }
    let role_name = name("name", &body.name, 64)?;
    if ["viewer", "operator", "manager", "tenant_admin"]
        .contains(&role_name.to_lowercase().as_str())
    {
        return Err(TenancyError::invalid("name", "is a built-in role's name"));
    }
    let now = ctx.now();
    let mut txn = ctx.write().await?;
    let (stored, before) = match id {
        None => {
            let description = text("description", body.description.as_ref(), 1000)?;
            let r = store::roles::insert(&*txn, tenant, role_name, description, now)
                .await
                .map_err(conflict("a role with this name"))?;
            (r, None)
        }
        Some(id) => {
            let current = role::Entity::find_by_id(id)
                .one(&*txn)
                .await?
                .filter(|r| r.tenant_id == Some(tenant) && !r.builtin)
                .ok_or(TenancyError::NotFound)?;
            let before_actions = store::directory::role_actions(&*txn, &current).await?;
            let description = text("description", body.description.as_ref(), 1000)?;
            let r = store::roles::update(&*txn, current.clone(), role_name, description, now)
                .await
                .map_err(conflict("a role with this name"))?;
            (
                r,
                Some(serde_json::json!({ "name": current.name, "actions": before_actions })),
            )
        }
    };
    // Editing a role in use changes what its holders may do; the editor must hold it all,
    // including function actions no catalog names yet.
    let missing = ctx.state.access.read().await.missing_on(
        ctx.user(),
        &Scope::Tenant(tenant),
        &actions,
        ctx.now(),
    );
    if !missing.is_empty() {
        return Err(TenancyError::ExceedsOwnRights(missing.join(", ")));
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
pub async fn delete_role(ctx: &Ctx<'_>, tenant: TenantId, id: RoleId) -> Result<(), TenancyError> {
    let tenant = Uuid::from(tenant);
    let id = Uuid::from(id);
    ctx.tenant(tenant).await?;
    ctx.require(&Scope::Tenant(tenant), Action::RoleManage)
        .await?;
    let db = &ctx.state.db;
    let current = role::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| r.tenant_id == Some(tenant) && !r.builtin)
        .ok_or(TenancyError::NotFound)?;
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
        return Err(TenancyError::Conflict(
            "grants still use this role; revoke them first".into(),
        ));
    }
    let mut txn = ctx.write().await?;
    store::directory::set_role_actions(&*txn, id, tenant, &[]).await?;
    let before = Some(serde_json::json!({ "name": current.name }));
    store::roles::delete(&*txn, id).await?;
    txn.audit(audit::Entry {
        before,
        ..ctx.entry(tenant, "role.delete", "role", id)
    })
    .await?;
    txn.change(Change::RoleRemoved { id });
    txn.commit().await?;
    Ok(())
}
