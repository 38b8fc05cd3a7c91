//! The change log's rows: appending an entry inside a change's transaction, reading entries in
//! commit order, and the readers' positions that bound pruning. The ordering argument is in
//! `crate::changes`.
use chrono::{DateTime, Utc};
use entity::{change_log, change_log_reader};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement,
};
use uuid::Uuid;

/// The PostgreSQL channel every instance listens on.
pub const CHANNEL: &str = "fw_changes";

/// The advisory lock that makes writers append in commit order on PostgreSQL (an arbitrary
/// constant: "fw" and "log" in ASCII).
const APPEND_LOCK: i64 = 0x6677_006c_6f67;

/// Appends one entry (`changes`, already JSON) as the last statement of a transaction and
/// returns its sequence number. On PostgreSQL it first takes a transaction-scoped advisory
/// lock, held until the commit, and queues a NOTIFY that is delivered at the commit.
///
/// # Errors
/// Database failures; the caller's transaction then rolls back whole.
pub async fn append(
    db: &impl ConnectionTrait,
    changes: String,
    at: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    if postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [APPEND_LOCK.into()],
        ))
        .await?;
    }
    let row = change_log::ActiveModel {
        committed_at: Set(at),
        changes: Set(changes),
        ..Default::default()
    }
    .insert(db)
    .await?;
    if postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), row.seq.to_string().into()],
        ))
        .await?;
    }
    Ok(row.seq)
}

/// Up to `limit` entries after `seq`, oldest first.
///
/// # Errors
/// Database failures.
pub async fn after(
    db: &impl ConnectionTrait,
    seq: i64,
    limit: u64,
) -> Result<Vec<change_log::Model>, DbErr> {
    change_log::Entity::find()
        .filter(change_log::Column::Seq.gt(seq))
        .order_by_asc(change_log::Column::Seq)
        .limit(limit)
        .all(db)
        .await
}

/// The newest committed entry's number (0 for an empty log).
///
/// # Errors
/// Database failures.
pub async fn newest(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let newest: Option<Option<i64>> = change_log::Entity::find()
        .select_only()
        .column_as(change_log::Column::Seq.max(), "newest")
        .into_tuple()
        .one(db)
        .await?;
    Ok(newest.flatten().unwrap_or(0))
}

/// Registers a reader (a starting instance) at `applied`.
///
/// # Errors
/// Database failures.
pub async fn register_reader(
    db: &impl ConnectionTrait,
    id: Uuid,
    applied: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    change_log_reader::ActiveModel {
        id: Set(id),
        applied_seq: Set(applied),
        seen_at: Set(now),
    }
    .insert(db)
    .await
    .map(|_| ())
}

/// Records a reader's position; `false` when its row is gone (it was taken for dead and the
/// entries it had not applied may be pruned).
///
/// # Errors
/// Database failures.
pub async fn heartbeat(
    db: &impl ConnectionTrait,
    id: Uuid,
    applied: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = change_log_reader::Entity::update_many()
        .col_expr(change_log_reader::Column::AppliedSeq, Expr::value(applied))
        .col_expr(change_log_reader::Column::SeenAt, Expr::value(now))
        .filter(change_log_reader::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Removes a stopping reader.
///
/// # Errors
/// Database failures.
pub async fn unregister_reader(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    change_log_reader::Entity::delete_by_id(id)
        .exec(db)
        .await
        .map(|_| ())
}

/// Forgets readers silent since `dead_before`, then removes entries committed before
/// `old_before` that every remaining reader has applied. Returns how many entries went.
///
/// # Errors
/// Database failures.
pub async fn prune(
    db: &impl ConnectionTrait,
    dead_before: DateTime<Utc>,
    old_before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    change_log_reader::Entity::delete_many()
        .filter(change_log_reader::Column::SeenAt.lt(dead_before))
        .exec(db)
        .await?;
    let slowest: Option<Option<i64>> = change_log_reader::Entity::find()
        .select_only()
        .column_as(change_log_reader::Column::AppliedSeq.min(), "slowest")
        .into_tuple()
        .one(db)
        .await?;
    let mut doomed =
        change_log::Entity::delete_many().filter(change_log::Column::CommittedAt.lt(old_before));
    if let Some(slowest) = slowest.flatten() {
        doomed = doomed.filter(change_log::Column::Seq.lte(slowest));
    }
    Ok(doomed.exec(db).await?.rows_affected)
}
