//! Sign-in throttling state, kept in the database so every server instance sees the same
//! counts. Updates are single statements, so concurrent failures are all counted.
use chrono::{DateTime, Duration, Utc};
use entity::login_throttle as throttle;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

/// The latest lock among `keys` still in force at `now`.
///
/// # Errors
/// Database failures.
pub async fn locked_until(
    db: &impl ConnectionTrait,
    keys: &[String],
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let rows = throttle::Entity::find()
        .filter(throttle::Column::Key.is_in(keys.iter().cloned()))
        .filter(throttle::Column::LockedUntil.gt(now))
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|r| r.locked_until).max())
}

/// Counts one failure for `key` in the current window, and locks the key for `window` once it
/// reaches `max_failures`.
///
/// # Errors
/// Database failures.
pub async fn record_failure(
    db: &impl ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
    window: Duration,
    max_failures: i32,
) -> Result<(), DbErr> {
    throttle::Entity::insert(throttle::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(0),
        window_started_at: Set(now),
        locked_until: Set(None),
        updated_at: Set(now),
    })
    // The key is the primary key: an existing row stays as it is.
    .on_conflict_do_nothing()
    .exec(db)
    .await?;

    let window_start = now - window;
    let counted = throttle::Entity::update_many()
        .col_expr(
            throttle::Column::Failures,
            Expr::col(throttle::Column::Failures).add(1),
        )
        .col_expr(throttle::Column::UpdatedAt, Expr::value(now))
        .filter(throttle::Column::Key.eq(key))
        .filter(throttle::Column::WindowStartedAt.gt(window_start))
        .exec(db)
        .await?;
    if counted.rows_affected == 0 {
        // The old window is over: this failure opens a new one.
        throttle::Entity::update_many()
            .col_expr(throttle::Column::Failures, Expr::value(1))
            .col_expr(throttle::Column::WindowStartedAt, Expr::value(now))
            .col_expr(
                throttle::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(throttle::Column::UpdatedAt, Expr::value(now))
            .filter(throttle::Column::Key.eq(key))
            .exec(db)
            .await?;
    }
    throttle::Entity::update_many()
        .col_expr(throttle::Column::LockedUntil, Expr::value(now + window))
        .filter(throttle::Column::Key.eq(key))
        .filter(throttle::Column::Failures.gte(max_failures))
        .filter(
            throttle::Column::LockedUntil
                .is_null()
                .or(throttle::Column::LockedUntil.lte(now)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets the failures of `key` (after a successful sign-in).
///
/// # Errors
/// Database failures.
pub async fn clear(db: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    throttle::Entity::delete_many()
        .filter(throttle::Column::Key.eq(key))
        .exec(db)
        .await
        .map(|_| ())
}
