//! Tenants: platform admins create them and see them all; everyone else sees the tenants they
//! belong to. An organization is administered (invitations) by platform admins and its
//! tenant's admins.
use entity::enums::MembershipRole;

use super::AccountError;
use crate::audit;
use crate::auth::{ClientInfo, Principal};
use crate::changes::Change;
use crate::domain::ids::OrganizationId;
use crate::state::AppState;
use crate::store;

/// Creates a tenant (platform admins only).
///
/// # Errors
/// 403 for others, 422 for a bad name, 409 for a name in use.
pub async fn create(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    name: &str,
) -> Result<entity::organization::Model, AccountError> {
    if !principal.user.is_platform_admin {
        return Err(AccountError::Forbidden);
    }
    let name = &crate::input::name("name", name, 200)?;
    let mut txn = state.writer.begin().await?;
    if store::organizations::tenant_named(&*txn, name)
        .await?
        .is_some()
    {
        return Err(AccountError::Conflict(format!(
            "a tenant named {name:?} exists"
        )));
    }
    // The check above gives the usual answer; the unique index decides between two requests
    // that both passed it.
    let tenant = store::organizations::insert_tenant(&*txn, name, state.clock.now())
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                AccountError::Conflict(format!("a tenant named {name:?} exists"))
            }
            _ => e.into(),
        })?;
    txn.audit(audit::Entry {
        tenant_id: Some(tenant.id),
        actor_user_id: Some(principal.user_id()),
        actor_email: Some(principal.user.email.clone()),
        action: "tenant.create",
        target_kind: "organization",
        target_id: Some(tenant.id.to_string()),
        after: Some(serde_json::json!({ "name": tenant.name })),
        ip: client.ip.clone(),
        request_id: client.request_id.clone(),
        ..Default::default()
    })
    .await?;
    txn.change(Change::Organization {
        id: tenant.id,
        tenant: tenant.id,
        parent: None,
    });
    txn.commit().await?;
    Ok(tenant)
}

/// The tenants the caller may see: all for platform admins, else those they belong to.
///
/// # Errors
/// Database failures.
pub async fn visible(
    state: &AppState,
    principal: &Principal,
) -> Result<Vec<entity::organization::Model>, AccountError> {
    if principal.user.is_platform_admin {
        return Ok(store::organizations::list_tenants(&state.db).await?);
    }
    let mut ids: Vec<_> = store::memberships::of_user(&state.db, principal.user_id())
        .await?
        .into_iter()
        .map(|(m, _)| m.tenant_id)
        .collect();
    ids.dedup();
    Ok(store::organizations::tenants_by_ids(&state.db, ids).await?)
}

/// The organization, if the caller may administer it: 404 when they have nothing to do with
/// its tenant (never revealing that it exists), 403 when they are a member but not an admin.
///
/// # Errors
/// As above; database failures.
pub async fn administered(
    state: &AppState,
    principal: &Principal,
    organization_id: OrganizationId,
) -> Result<entity::organization::Model, AccountError> {
    let organization_id = uuid::Uuid::from(organization_id);
    let org = store::organizations::find(&state.db, organization_id)
        .await?
        .ok_or(AccountError::NotFound)?;
    if principal.user.is_platform_admin {
        return Ok(org);
    }
    let memberships =
        store::memberships::in_tenant(&state.db, principal.user_id(), org.tenant_id).await?;
    if memberships.is_empty() {
        return Err(AccountError::NotFound);
    }
    if memberships.iter().any(|m| m.role == MembershipRole::Admin) {
        Ok(org)
    } else {
        Err(AccountError::Forbidden)
    }
}
