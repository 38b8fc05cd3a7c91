//! Which plan a tenant is on: platform admins move a tenant between plans; a new tenant starts
//! on the default plan.
use chrono::{DateTime, Utc};
use fleetwarden_wire::billing::{SetSubscription, SubscriptionResponse};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::plan_response;
use crate::audit;
use crate::domain::ids::TenantId;
use crate::store;
use crate::tenancy::{Ctx, TenancyError};

/// Moves the tenant onto a plan from now (platform admins).
///
/// # Errors
/// 403; 404 for an unknown tenant; 422 for an unknown or archived plan.
pub async fn set(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    body: &SetSubscription,
) -> Result<SubscriptionResponse, TenancyError> {
    ctx.require_platform_admin()?;
    let tenant = Uuid::from(tenant);
    ctx.tenant(tenant).await?;
    let plan = store::billing::plan(&ctx.state.db, body.plan_id)
        .await?
        .filter(|p| p.archived_at.is_none())
        .ok_or_else(|| TenancyError::invalid("plan_id", "no such plan (or it is archived)"))?;
    let now = ctx.now();
    let txn = ctx.write().await?;
    let before = super::plan_at(&*txn, tenant, now).await?;
    let stored = store::billing::subscribe(&*txn, tenant, plan.id, now).await?;
    let wire = SubscriptionResponse {
        id: stored.id,
        tenant_id: tenant,
        plan: plan_response(&plan),
        starts_at: stored.starts_at,
        ends_at: stored.ends_at,
    };
    txn.audit(audit::Entry {
        before: before.map(|p| serde_json::json!({ "plan": p.code })),
        after: serde_json::to_value(&wire).ok(),
        ..ctx.entry(tenant, "subscription.change", "tenant", tenant)
    })
    .await?;
    txn.commit().await?;
    Ok(wire)
}

/// Starts a new tenant on the default plan, if the operator set one; returns its code.
///
/// # Errors
/// Database failures.
pub async fn start_default(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<String>, sea_orm::DbErr> {
    let Some(plan) = store::billing::default_plan(db).await? else {
        return Ok(None);
    };
    store::billing::subscribe(db, tenant, plan.id, now).await?;
    Ok(Some(plan.code))
}
