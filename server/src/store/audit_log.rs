//! The audit trail's rows: written with a change, in batches for device calls (the
//! statements `audit::AuditWriter` commits), kept aside when refused, pruned, and read.
use chrono::{DateTime, Utc};
use entity::{audit_diverted, audit_record};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QueryTrait, Set, Statement,
};
use uuid::Uuid;

use crate::domain::paging::PageRequest;

/// Writes one record (inside a change's transaction).
///
/// # Errors
/// Database failures.
pub async fn insert(
    db: &impl ConnectionTrait,
    record: audit_record::ActiveModel,
) -> Result<(), DbErr> {
    record.insert(db).await.map(|_| ())
}

/// One INSERT of `records`, atomic on its own, without `RETURNING`.
pub fn insert_statement(backend: DbBackend, records: Vec<audit_record::ActiveModel>) -> Statement {
    audit_record::Entity::insert_many(records).build(backend)
}

/// The INSERT that keeps a refused record, as JSON text, with the refusal.
pub fn diverted_statement(
    backend: DbBackend,
    id: Uuid,
    record_json: String,
    refusal: String,
    at: DateTime<Utc>,
) -> Statement {
    let row = audit_diverted::ActiveModel {
        id: Set(id),
        record: Set(record_json),
        error: Set(refusal),
        diverted_at: Set(at),
    };
    audit_diverted::Entity::insert(row).build(backend)
}

/// Deletes up to `chunk` records created before `cutoff`; returns how many.
///
/// # Errors
/// Database failures.
pub async fn prune_chunk(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
    chunk: u64,
) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let statement = Statement::from_sql_and_values(
        backend,
        format!(
            "DELETE FROM audit_records WHERE id IN \
             (SELECT id FROM audit_records WHERE created_at < {} LIMIT {chunk})",
            match backend {
                DbBackend::Postgres => "$1",
                _ => "?",
            }
        ),
        [cutoff.into()],
    );
    Ok(db.execute_raw(statement).await?.rows_affected())
}

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
    /// Only refused attempts (`Some(true)`) or only what was done (`Some(false)`).
    pub refused: Option<bool>,
    /// Only records about these organizations (`None`: the whole tenant, records about no
    /// organization in particular included).
    pub organizations: Option<Vec<Uuid>>,
}

/// The action of a refused attempt's record.
pub const REFUSED: &str = "access.refused";

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
    match f.refused {
        Some(true) => q = q.filter(audit_record::Column::Action.eq(REFUSED)),
        Some(false) => q = q.filter(audit_record::Column::Action.ne(REFUSED)),
        None => {}
    }
    if let Some(orgs) = &f.organizations {
        q = q.filter(audit_record::Column::OrganizationId.is_in(orgs.iter().copied()));
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
