//! The tenant's audit log, page by page.
use fleetwarden_wire::directory::{AuditRecordResponse, Page};
use uuid::Uuid;

use super::Ctx;
use crate::access::Sight;
use crate::domain::actions::Action;
use crate::domain::ids::TenantId;
use crate::domain::paging::PageRequest;
use crate::store::{self, audit_log::AuditFilter};
use crate::tenancy::TenancyError;

/// Waits for device calls' records still being written: the log shows every call answered,
/// or says it is behind rather than show it with answered calls missing.
///
/// # Errors
/// 503 after the configured wait.
pub async fn audit_caught_up(ctx: &Ctx<'_>) -> Result<(), TenancyError> {
    ctx.state.audit.caught_up().await.map_err(|e| match e {
        crate::audit::NotCaughtUp::Pending => TenancyError::Unavailable(
            "recent device calls are still being written to the audit log; try again shortly"
                .into(),
        ),
        stopped @ crate::audit::NotCaughtUp::Stopped(_) => TenancyError::Internal(stopped.into()),
    })
}

/// The filter narrowed to the records the caller may read: those about the organizations on
/// which they hold `audit.read` (a client company's managers read its records, not a
/// sibling's); the whole tenant's only for those who hold it on the whole tenant.
///
/// # Errors
/// 403 when they hold it nowhere in the tenant.
pub async fn readable(
    ctx: &Ctx<'_>,
    tenant: Uuid,
    filter: &AuditFilter,
) -> Result<AuditFilter, TenancyError> {
    let mut readable = filter.clone();
    match ctx.holding(tenant, Action::AuditRead).await {
        Sight::Whole => readable.organizations = None,
        Sight::Within(orgs) if orgs.is_empty() => return Err(TenancyError::Forbidden),
        Sight::Within(orgs) => readable.organizations = Some(orgs.into_iter().collect()),
    }
    Ok(readable)
}

/// One page of the tenant's audit log the caller may read (see [`readable`]).
///
/// # Errors
/// 404/403/422 as usual.
pub async fn audit_log(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    filter: &AuditFilter,
    paging: PageRequest,
) -> Result<Page<AuditRecordResponse>, TenancyError> {
    let tenant = Uuid::from(tenant);
    ctx.tenant(tenant).await?;
    let filter = readable(ctx, tenant, filter).await?;
    audit_caught_up(ctx).await?;
    let (rows, total) = store::audit_log::page(&ctx.state.db, tenant, &filter, paging).await?;
    let items = rows
        .into_iter()
        .map(|r| AuditRecordResponse {
            id: r.id,
            created_at: r.created_at,
            actor_user_id: r.actor_user_id,
            actor_email: r.actor_email,
            organization_id: r.organization_id,
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
