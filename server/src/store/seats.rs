//! Seat spans: when each person held a seat in a tenant, one span per membership or grant of
//! their own. A change settles the spans of the people it touched against what is stored
//! then, in its own transaction: a span opens when a membership or a grant (one not yet
//! expired) appears, takes a grant's new end when the grant changes, and ends when its
//! membership or grant is gone. Spans are never deleted, so a period's seat-days can be
//! derived again at any time, whether or not a server ran at midnight.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{grant, membership, seat_span};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    QueryFilter, Set, Statement,
};
use uuid::Uuid;

/// What gives a person a seat right now.
struct Source {
    user: Uuid,
    kind: &'static str,
    until: Option<DateTime<Utc>>,
}

/// Settles the spans of `users` in `tenant` at `now` (`None`: everyone's, after a change that
/// may have removed many grants at once, such as a site's removal).
///
/// # Errors
/// Database failures.
pub async fn settle(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    users: Option<&[Uuid]>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut sources: HashMap<Uuid, Source> = HashMap::new();
    let mut memberships =
        membership::Entity::find().filter(membership::Column::TenantId.eq(tenant));
    let mut grants = grant::Entity::find()
        .filter(grant::Column::TenantId.eq(tenant))
        .filter(grant::Column::SubjectUserId.is_not_null());
    let mut open = seat_span::Entity::find()
        .filter(seat_span::Column::TenantId.eq(tenant))
        .filter(
            Condition::any()
                .add(seat_span::Column::EndsAt.is_null())
                .add(seat_span::Column::EndsAt.gt(now)),
        );
    if let Some(users) = users {
        memberships = memberships.filter(membership::Column::UserId.is_in(users.iter().copied()));
        grants = grants.filter(grant::Column::SubjectUserId.is_in(users.iter().copied()));
        open = open.filter(seat_span::Column::UserId.is_in(users.iter().copied()));
    }
    for m in memberships.all(db).await? {
        let source = Source {
            user: m.user_id,
            kind: seat_span::MEMBERSHIP,
            until: None,
        };
        sources.insert(m.id, source);
    }
    for g in grants.all(db).await? {
        let Some(user) = g.subject_user_id else {
            continue;
        };
        if g.expires_at.is_none_or(|at| at > now) {
            let source = Source {
                user,
                kind: seat_span::GRANT,
                until: g.expires_at,
            };
            sources.insert(g.id, source);
        }
    }
    for span in open.all(db).await? {
        let wanted_end = match sources.remove(&span.source_id) {
            Some(source) => source.until,
            None => Some(now),
        };
        if span.ends_at != wanted_end {
            let mut changed: seat_span::ActiveModel = span.into();
            changed.ends_at = Set(wanted_end);
            changed.update(db).await?;
        }
    }
    for (id, source) in sources {
        seat_span::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(tenant),
            user_id: Set(source.user),
            source_kind: Set(source.kind.to_owned()),
            source_id: Set(id),
            starts_at: Set(now),
            ends_at: Set(source.until),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Every span of `tenant` that overlaps [`from`, `until`).
///
/// # Errors
/// Database failures.
pub async fn overlapping(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<seat_span::Model>, DbErr> {
    seat_span::Entity::find()
        .filter(seat_span::Column::TenantId.eq(tenant))
        .filter(seat_span::Column::StartsAt.lt(until))
        .filter(
            Condition::any()
                .add(seat_span::Column::EndsAt.is_null())
                .add(seat_span::Column::EndsAt.gt(from)),
        )
        .all(db)
        .await
}

/// People holding a seat in `tenant` at `at`.
///
/// # Errors
/// Database failures.
pub async fn seated(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    at: DateTime<Utc>,
) -> Result<u32, DbErr> {
    Ok(u32::try_from(seated_people(db, tenant, at).await?.len()).unwrap_or(u32::MAX))
}

/// The people holding a seat in `tenant` at `at`.
///
/// # Errors
/// Database failures.
pub async fn seated_people(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    at: DateTime<Utc>,
) -> Result<std::collections::BTreeSet<Uuid>, DbErr> {
    Ok(seat_span::Entity::find()
        .filter(seat_span::Column::TenantId.eq(tenant))
        .filter(seat_span::Column::StartsAt.lte(at))
        .filter(
            Condition::any()
                .add(seat_span::Column::EndsAt.is_null())
                .add(seat_span::Column::EndsAt.gt(at)),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.user_id)
        .collect())
}

/// Makes the changes that may seat someone in `tenant` take turns until the transaction ends,
/// so a seat-limit check and the seat it allows can't interleave with another change's
/// (PostgreSQL; SQLite's writers take turns anyway). Taken before the change log's own lock,
/// in every transaction that takes both, so the two never wait on each other in a cycle.
///
/// # Errors
/// Database failures.
pub async fn take_turn(db: &impl ConnectionTrait, tenant: Uuid) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let bytes = tenant.as_bytes();
    let key = i32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1, $2)",
        [SEAT_LOCK.into(), key.into()],
    ))
    .await
    .map(|_| ())
}

/// The class of `take_turn`'s locks (the two-key form: apart from the change log's one-key lock).
const SEAT_LOCK: i32 = 0x5EA7;
