//! The tenant's audit log, page by page.
use fleetwarden_wire::directory::{AuditRecordResponse, Page};
use uuid::Uuid;

use super::Ctx;
use crate::access::Scope;
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

/// One page of the tenant's audit log (client organizations' actions included); needs
/// `audit.read` on the tenant.
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
    ctx.require(&Scope::Tenant(tenant), Action::AuditRead)
        .await?;
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
