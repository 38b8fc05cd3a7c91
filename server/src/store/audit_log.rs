//! Reading the audit trail.
use chrono::{DateTime, Utc};
use entity::audit_record;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::domain::paging::PageRequest;

/// Filters for the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// By this user.
    pub actor: Option<Uuid>,
    /// This action, e.g. `grant.create`; a trailing `.` matches a prefix (`grant.`).
    pub action: Option<String>,
    /// On objects of this kind.
    pub target_kind: Option<String>,
    /// On this object.
    pub target_id: Option<String>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
}

/// One page of a tenant's audit records, newest first, and the total.
///
/// # Errors
/// Database failures.
pub async fn page(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    f: &AuditFilter,
    paging: PageRequest,
) -> Result<(Vec<audit_record::Model>, u64), DbErr> {
    let mut q = audit_record::Entity::find().filter(audit_record::Column::TenantId.eq(tenant));
    if let Some(v) = f.actor {
        q = q.filter(audit_record::Column::ActorUserId.eq(v));
    }
    if let Some(v) = &f.action {
        q = match v.strip_suffix('.') {
            Some(prefix) => {
                q.filter(audit_record::Column::Action.starts_with(format!("{prefix}.")))
            }
            None => q.filter(audit_record::Column::Action.eq(v.clone())),
        };
    }
    if let Some(v) = &f.target_kind {
        q = q.filter(audit_record::Column::TargetKind.eq(v.clone()));
    }
    if let Some(v) = &f.target_id {
        q = q.filter(audit_record::Column::TargetId.eq(v.clone()));
    }
    if let Some(v) = f.from {
        q = q.filter(audit_record::Column::CreatedAt.gte(v));
    }
    if let Some(v) = f.to {
        q = q.filter(audit_record::Column::CreatedAt.lt(v));
    }
    // UUIDv7 ids sort by time; they break ties between records of the same instant.
    let paginator = q
        .order_by_desc(audit_record::Column::CreatedAt)
        .order_by_desc(audit_record::Column::Id)
        .paginate(db, paging.per_page);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(paging.page - 1).await?;
    Ok((items, total))
}
