//! `device_events`: device history as ingested (stored once per event key), read back raw or
//! in buckets the database aggregates, and pruned by age; and what the cloud last said of a
//! device (`online`, `last_heard_at`).
use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entity::{device, device_event};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement,
};
use uuid::Uuid;

/// The PostgreSQL channel live events travel on from the instance that took them in to the
/// others.
pub const LIVE_CHANNEL: &str = "fw_live";

/// Sends `payload` on [`LIVE_CHANNEL`] (PostgreSQL only): inside a transaction, when and only if
/// it commits.
///
/// # Errors
/// Database failures.
pub async fn announce(db: &impl ConnectionTrait, payload: String) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [LIVE_CHANNEL.into(), payload.into()],
    ))
    .await?;
    Ok(())
}

/// An event to store.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// The device that published it.
    pub device: String,
    /// The tenant that owned the device when it arrived.
    pub tenant: Uuid,
    /// The event name.
    pub name: String,
    /// The payload as sent.
    pub data: Option<String>,
    /// The payload as a number, if it is one.
    pub value: Option<f64>,
    /// When the cloud says it was published.
    pub published_at: DateTime<Utc>,
    /// When it reached us.
    pub received_at: DateTime<Utc>,
    /// [`crate::domain::history::event_key`].
    pub key: String,
}

/// Stores, in one statement, the events not stored before (by key); returns the keys of those
/// it stored (a key twice in `events` is stored once).
///
/// # Errors
/// Database failures.
pub async fn insert(
    db: &impl ConnectionTrait,
    events: Vec<NewEvent>,
) -> Result<HashSet<String>, DbErr> {
    if events.is_empty() {
        return Ok(HashSet::new());
    }
    let rows = events.into_iter().map(|e| device_event::ActiveModel {
        id: sea_orm::Set(Uuid::now_v7()),
        device_id: sea_orm::Set(e.device),
        tenant_id: sea_orm::Set(e.tenant),
        name: sea_orm::Set(e.name),
        data: sea_orm::Set(e.data),
        value: sea_orm::Set(e.value),
        published_at: sea_orm::Set(e.published_at),
        received_at: sea_orm::Set(e.received_at),
        event_key: sea_orm::Set(Some(e.key)),
    });
    // `RETURNING` names only the rows inserted: those whose key was new (PostgreSQL, and SQLite
    // since 3.35).
    let mut statement = device_event::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(device_event::Column::EventKey)
                .do_nothing()
                .to_owned(),
        )
        .into_query();
    statement.returning_col(device_event::Column::EventKey);
    let backend = db.get_database_backend();
    let rows = db.query_all_raw(backend.build(&statement)).await?;
    rows.iter()
        .map(|row| row.try_get::<String>("", "event_key"))
        .collect()
}

/// Which events of one device to read.
#[derive(Debug, Clone)]
pub struct Range<'a> {
    /// The device.
    pub device: &'a str,
    /// Only what was stored for this tenant (the device's owner now).
    pub tenant: Uuid,
    /// From (inclusive).
    pub from: DateTime<Utc>,
    /// Until (exclusive).
    pub until: DateTime<Utc>,
    /// Only these names; empty: every name.
    pub names: &'a [String],
}

fn range_condition(range: &Range<'_>) -> Condition {
    let mut condition = Condition::all()
        .add(device_event::Column::DeviceId.eq(range.device))
        .add(device_event::Column::TenantId.eq(range.tenant))
        .add(device_event::Column::PublishedAt.gte(range.from))
        .add(device_event::Column::PublishedAt.lt(range.until));
    if !range.names.is_empty() {
        condition = condition.add(device_event::Column::Name.is_in(range.names.iter().cloned()));
    }
    condition
}

/// Up to `limit` events of `range` in publication order, after `after` (the last one of the
/// previous page: its time and id).
///
/// # Errors
/// Database failures.
pub async fn page(
    db: &impl ConnectionTrait,
    range: &Range<'_>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<device_event::Model>, DbErr> {
    let mut query = device_event::Entity::find().filter(range_condition(range));
    if let Some((at, id)) = after {
        query = query.filter(
            Condition::any()
                .add(device_event::Column::PublishedAt.gt(at))
                .add(
                    Condition::all()
                        .add(device_event::Column::PublishedAt.eq(at))
                        .add(device_event::Column::Id.gt(id)),
                ),
        );
    }
    query
        .order_by_asc(device_event::Column::PublishedAt)
        .order_by_asc(device_event::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// One bucket of numeric values.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct Bucket {
    /// Its start, in seconds since the epoch.
    pub start: i64,
    /// The event name.
    pub name: String,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Mean value.
    pub avg: f64,
    /// How many numeric events.
    pub count: i64,
}

/// Numeric values of `range` aggregated per `seconds`-wide bucket (aligned to the epoch) and
/// event name, computed in the database; buckets in time order, empty ones left out.
///
/// # Errors
/// Database failures.
pub async fn buckets(
    db: &impl ConnectionTrait,
    range: &Range<'_>,
    seconds: i64,
) -> Result<Vec<Bucket>, DbErr> {
    let backend = db.get_database_backend();
    let epoch = match backend {
        DbBackend::Postgres => "CAST(FLOOR(EXTRACT(EPOCH FROM published_at)) AS BIGINT)",
        _ => "CAST(strftime('%s', published_at) AS INTEGER)",
    };
    // Numbered, so the width can be used twice (SQLite's plain `?` takes the next value).
    let p = |n: usize| match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    };
    let mut values: Vec<sea_orm::Value> = vec![
        seconds.into(),
        range.device.into(),
        range.tenant.into(),
        range.from.into(),
        range.until.into(),
    ];
    let mut names = String::new();
    if !range.names.is_empty() {
        let marks: Vec<String> = (0..range.names.len())
            .map(|i| p(values.len() + 1 + i))
            .collect();
        names = format!(" AND name IN ({})", marks.join(", "));
        values.extend(range.names.iter().map(|n| sea_orm::Value::from(n.clone())));
    }
    let sql = format!(
        "SELECT ({epoch} / {s}) * {s} AS start, name, \
         MIN(value) AS min, MAX(value) AS max, AVG(value) AS avg, COUNT(*) AS count \
         FROM device_events \
         WHERE device_id = {device} AND tenant_id = {tenant} \
         AND published_at >= {from} AND published_at < {until} AND value IS NOT NULL{names} \
         GROUP BY 1, name ORDER BY 1, name",
        s = p(1),
        device = p(2),
        tenant = p(3),
        from = p(4),
        until = p(5),
    );
    Bucket::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await
}

/// Whose events to prune.
#[derive(Debug, Clone, Copy)]
pub enum Tenants<'a> {
    /// One tenant's.
    Only(Uuid),
    /// Every tenant's but these.
    AllBut(&'a [Uuid]),
}

/// Deletes up to `batch` events of `tenants` published before `before`; returns how many went.
/// Small batches keep each statement short, so ingest never waits long.
///
/// # Errors
/// Database failures.
pub async fn prune(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
    tenants: Tenants<'_>,
    batch: u64,
) -> Result<u64, DbErr> {
    let mut oldest = device_event::Entity::find()
        .select_only()
        .column(device_event::Column::Id)
        .filter(device_event::Column::PublishedAt.lt(before));
    oldest = match tenants {
        Tenants::Only(tenant) => oldest.filter(device_event::Column::TenantId.eq(tenant)),
        Tenants::AllBut([]) => oldest,
        Tenants::AllBut(kept) => {
            oldest.filter(device_event::Column::TenantId.is_not_in(kept.iter().copied()))
        }
    };
    let ids: Vec<Uuid> = oldest.limit(batch).into_tuple().all(db).await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let deleted = device_event::Entity::delete_many()
        .filter(device_event::Column::Id.is_in(ids))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

/// Records that the cloud heard from `device` at `at`, and its connection state if known.
/// Only moves forward: an older report (events arrive out of order) changes nothing.
///
/// # Errors
/// Database failures.
pub async fn heard(
    db: &impl ConnectionTrait,
    device: &str,
    at: DateTime<Utc>,
    online: Option<bool>,
) -> Result<(), DbErr> {
    let mut update = device::Entity::update_many()
        .col_expr(device::Column::LastHeardAt, Expr::value(at))
        .filter(device::Column::Id.eq(device))
        .filter(
            Condition::any()
                .add(device::Column::LastHeardAt.is_null())
                .add(device::Column::LastHeardAt.lte(at)),
        );
    if let Some(online) = online {
        update = update.col_expr(device::Column::Online, Expr::value(online));
    }
    update.exec(db).await?;
    Ok(())
}

/// Sets what the cloud's device list says now (after a gap in the stream, whatever was missed).
///
/// # Errors
/// Database failures.
pub async fn reconcile(
    db: &impl ConnectionTrait,
    device: &str,
    online: bool,
    last_heard_at: Option<DateTime<Utc>>,
) -> Result<(), DbErr> {
    device::Entity::update_many()
        .col_expr(device::Column::Online, Expr::value(online))
        .col_expr(device::Column::LastHeardAt, Expr::value(last_heard_at))
        .filter(device::Column::Id.eq(device))
        .exec(db)
        .await?;
    Ok(())
}
