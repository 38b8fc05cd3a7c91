//! The tenant's people: who is an admin, and removing someone.
use entity::enums::MembershipRole;
use fleetwarden_wire::directory::TenantUserResponse;
use fleetwarden_wire::tenancy as wire;
use uuid::Uuid;

use crate::access::Scope;
use crate::audit;
use crate::changes::Change;
use crate::domain::actions::Action;
use crate::domain::ids::{TenantId, UserId};
use crate::store;
use crate::tenancy::Ctx;
use crate::tenancy::TenancyError;
use crate::tenancy::directory::person_in;

/// The people of the tenant the caller sees: those with a membership in their sight, each
/// with the memberships there.
///
/// # Errors
/// 404 for another tenant.
pub async fn users(
    ctx: &Ctx<'_>,
    tenant: TenantId,
) -> Result<Vec<TenantUserResponse>, TenancyError> {
    let tenant = Uuid::from(tenant);
    ctx.tenant(tenant).await?;
    let sight = ctx.sight(tenant).await;
    let people = store::directory::tenant_users(&ctx.state.db, tenant).await?;
    Ok(people
        .into_iter()
        .map(|(u, ms)| {
            let seen: Vec<_> = ms
                .into_iter()
                .filter(|m| sight.sees(m.organization_id))
                .collect();
            (u, seen)
        })
        .filter(|(_, ms)| !ms.is_empty())
        .map(|(u, ms)| TenantUserResponse {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: if ms.iter().any(|m| m.role == MembershipRole::Admin) {
                wire::MembershipRole::Admin
            } else {
                wire::MembershipRole::Member
            },
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
    tenant: TenantId,
    user: UserId,
    role: wire::MembershipRole,
) -> Result<(), TenancyError> {
    let tenant = Uuid::from(tenant);
    let user = Uuid::from(user);
    ctx.tenant(tenant).await?;
    let sight = ctx.sight(tenant).await;
    person_in(ctx, tenant, &sight, user).await?;
    ctx.require(&Scope::Tenant(tenant), Action::OrganizationManage)
        .await?;
    let role = crate::accounts::invitations::stored_role(role);
    let admin = role == MembershipRole::Admin;
    let mut txn = ctx.write().await?;
    store::memberships::set_role_in_tenant(&*txn, user, tenant, role).await?;
    txn.audit(audit::Entry {
        after: Some(serde_json::json!({ "role": crate::accounts::invitations::wire_role(role) })),
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
/// Whoever manages organizations in the whole tenant may; so may whoever invites people into
/// every organization the person belongs to (a client company's manager, for its own staff).
///
/// # Errors
/// 404/403 as usual.
pub async fn remove_user(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    user: UserId,
) -> Result<(), TenancyError> {
    let tenant = Uuid::from(tenant);
    let user = Uuid::from(user);
    ctx.tenant(tenant).await?;
    let sight = ctx.sight(tenant).await;
    let memberships = person_in(ctx, tenant, &sight, user).await?;
    if !ctx
        .holds(&Scope::Tenant(tenant), Action::OrganizationManage)
        .await
    {
        let inviting = ctx.holding(tenant, Action::UserInvite).await;
        if !memberships.iter().all(|m| inviting.sees(m.organization_id)) {
            return Err(TenancyError::Forbidden);
        }
    }
    let db = &ctx.state.db;
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
    store::memberships::remove_from_tenant(&*txn, user, tenant).await?;
    store::groups::remove_from_all(&*txn, user, &groups).await?;
    let grant_ids: Vec<Uuid> = grants.iter().map(|g| g.id).collect();
    store::grants::delete(&*txn, &grant_ids).await?;
    store::seats::settle(&*txn, tenant, Some(&[user]), ctx.now()).await?;
    txn.audit(audit::Entry {
        after: Some(serde_json::json!({ "grants_ended": grants.len() })),
        organization_id: memberships
            .iter()
            .map(|m| m.organization_id)
            .find(|org| *org != tenant),
        ..ctx.entry(tenant, "membership.remove", "user", user)
    })
    .await?;
    txn.changes(memberships.iter().map(|m| Change::Membership {
        user,
        organization: m.organization_id,
        member: false,
    }));
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
