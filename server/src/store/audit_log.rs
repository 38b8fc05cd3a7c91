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

/// A tenant's audit records matching `f`, newest first.
fn select(tenant: Uuid, f: &AuditFilter) -> sea_orm::Select<audit_record::Entity> {
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
    q.order_by_desc(audit_record::Column::CreatedAt)
        .order_by_desc(audit_record::Column::Id)
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
    let paginator = select(tenant, f).paginate(db, paging.per_page);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(paging.page - 1).await?;
    Ok((items, total))
}

/// Every matching record, newest first, read `chunk` at a time; `None` when there are more
/// than `most`.
///
/// # Errors
/// Database failures.
pub async fn all_up_to(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    f: &AuditFilter,
    most: u64,
    chunk: u64,
) -> Result<Option<Vec<audit_record::Model>>, DbErr> {
    let paginator = select(tenant, f).paginate(db, chunk);
    if paginator.num_items().await? > most {
        return Ok(None);
    }
    let mut all = Vec::new();
    for page in 0.. {
        let rows = paginator.fetch_page(page).await?;
        if rows.is_empty() {
            break;
        }
        all.extend(rows);
    }
    Ok(Some(all))
}
