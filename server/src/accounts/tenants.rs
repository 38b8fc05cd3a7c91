//! Tenants: platform admins create them and see them all; everyone else sees the tenants they
//! belong to. Whoever holds `user.invite` on an organization invites into it, and a person's
//! directory actions are listed organization by organization for their client to show.
use std::collections::BTreeMap;

use fleetwarden_wire::auth::AdministeredResponse;

use super::AccountError;
use crate::access::{Scope, Sight};
use crate::audit;
use crate::auth::{ClientInfo, Principal};
use crate::changes::Change;
use crate::domain::actions::Action;
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
    let plan =
        crate::billing::subscriptions::start_default(&*txn, tenant.id, state.clock.now()).await?;
    txn.audit(audit::Entry {
        tenant_id: Some(tenant.id),
        actor_user_id: Some(principal.user_id()),
        actor_email: Some(principal.user.email.clone()),
        action: "tenant.create",
        target_kind: "organization",
        target_id: Some(tenant.id.to_string()),
        after: Some(serde_json::json!({ "name": tenant.name, "plan": plan })),
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

/// The organization, if the caller may invite people into it: 404 when it is outside what
/// they see (another tenant's, or a sibling client company's: never revealing that it
/// exists), 403 when they see it but don't hold `user.invite` there. Inviting a tenant admin
/// takes administering the tenant (`organization.manage` on all of it).
///
/// # Errors
/// As above; database failures.
pub async fn inviting(
    state: &AppState,
    principal: &Principal,
    organization_id: OrganizationId,
    admin: bool,
) -> Result<entity::organization::Model, AccountError> {
    let organization_id = uuid::Uuid::from(organization_id);
    let org = store::organizations::find(&state.db, organization_id)
        .await?
        .ok_or(AccountError::NotFound)?;
    let user = principal.user_id();
    if !principal.user.is_platform_admin
        && store::memberships::in_tenant(&state.db, user, org.tenant_id)
            .await?
            .is_empty()
    {
        return Err(AccountError::NotFound);
    }
    let now = state.clock.now();
    let index = state.access.read().await;
    if !index.sight(user, org.tenant_id, now).sees(org.id) {
        return Err(AccountError::NotFound);
    }
    let here = index.scope_actions(user, &Scope::Organization(org.id), now);
    let tenant_wide = index.scope_actions(user, &Scope::Tenant(org.tenant_id), now);
    let allowed = here.contains(Action::UserInvite.as_str())
        && (!admin || tenant_wide.contains(Action::OrganizationManage.as_str()));
    if allowed {
        Ok(org)
    } else {
        Err(AccountError::Forbidden)
    }
}

/// The directory actions a person holds in each tenant they belong to, by the topmost
/// organizations they hold them on (an action held on an organization reaches its subtree).
const DIRECTORY_ACTIONS: [Action; 7] = [
    Action::UserInvite,
    Action::GroupManage,
    Action::SiteManage,
    Action::DeviceShare,
    Action::AuditRead,
    Action::OrganizationManage,
    Action::RoleManage,
];

/// What the caller administers, organization by organization: see `DIRECTORY_ACTIONS`.
///
/// # Errors
/// Database failures.
pub async fn administered_by(
    state: &AppState,
    principal: &Principal,
) -> Result<Vec<AdministeredResponse>, AccountError> {
    let user = principal.user_id();
    let mut tenants: Vec<uuid::Uuid> = store::memberships::of_user(&state.db, user)
        .await?
        .into_iter()
        .map(|(m, _)| m.tenant_id)
        .collect();
    tenants.sort_unstable();
    tenants.dedup();
    let now = state.clock.now();
    let mut out = Vec::new();
    for tenant in tenants {
        let orgs = store::directory::organizations(&state.db, tenant).await?;
        let mut held: BTreeMap<uuid::Uuid, Vec<String>> = BTreeMap::new();
        {
            let index = state.access.read().await;
            for action in DIRECTORY_ACTIONS {
                let tops: Vec<uuid::Uuid> = match index.holding(user, tenant, action, now) {
                    Sight::Whole => vec![tenant],
                    Sight::Within(set) => set
                        .iter()
                        .filter(|id| {
                            let parent =
                                orgs.iter().find(|o| o.id == **id).and_then(|o| o.parent_id);
                            parent.is_none_or(|p| !set.contains(&p))
                        })
                        .copied()
                        .collect(),
                };
                for org in tops {
                    held.entry(org)
                        .or_default()
                        .push(action.as_str().to_owned());
                }
            }
        }
        for (org, actions) in held {
            let name = orgs.iter().find(|o| o.id == org).map(|o| o.name.clone());
            out.push(AdministeredResponse {
                tenant_id: tenant,
                organization_id: org,
                organization_name: name.unwrap_or_default(),
                actions,
            });
        }
    }
    Ok(out)
}
