//! Simple-auth customers' password resets: the emailed links (hashes only; single-use, only
//! the newest counts) and each chosen password's change at Particle, product by product.
use chrono::{DateTime, Utc};
use entity::customer_reset_token as token;
use entity::{customer_password_change as change, customer_password_update as update};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

/// A product's part of a change: waiting for Particle.
pub const PENDING: &str = "pending";
/// Particle took the password.
pub const DONE: &str = "done";
/// The email isn't a customer of this product: nothing to set.
pub const NOT_CUSTOMER: &str = "not_customer";

/// The newest link sent to `email` in the family, used or not.
///
/// # Errors
/// Database failures.
pub async fn newest_token(
    db: &impl ConnectionTrait,
    family: Uuid,
    email: &str,
) -> Result<Option<token::Model>, DbErr> {
    token::Entity::find()
        .filter(token::Column::FamilyId.eq(family))
        .filter(token::Column::Email.eq(email))
        .order_by_desc(token::Column::CreatedAt)
        .one(db)
        .await
}

/// Voids the email's unused links in the family, then stores a new one.
///
/// # Errors
/// Database failures.
pub async fn replace_token(
    db: &impl ConnectionTrait,
    family: Uuid,
    email: &str,
    token_hash: String,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<token::Model, DbErr> {
    token::Entity::update_many()
        .col_expr(token::Column::UsedAt, Expr::value(now))
        .filter(token::Column::FamilyId.eq(family))
        .filter(token::Column::Email.eq(email))
        .filter(token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    token::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family),
        email: Set(email.to_owned()),
        token_hash: Set(token_hash),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
    }
    .insert(db)
    .await
}

/// The link with this hash.
///
/// # Errors
/// Database failures.
pub async fn find_token(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<token::Model>, DbErr> {
    token::Entity::find()
        .filter(token::Column::TokenHash.eq(token_hash))
        .one(db)
        .await
}

/// Marks the link used if it still was unused; false when another request won the race.
///
/// # Errors
/// Database failures.
pub async fn consume_token(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = token::Entity::update_many()
        .col_expr(token::Column::UsedAt, Expr::value(now))
        .filter(token::Column::Id.eq(id))
        .filter(token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Stores a chosen password (sealed) and a pending update for each of `products`.
///
/// # Errors
/// Database failures.
pub async fn insert_change(
    db: &impl ConnectionTrait,
    family: Uuid,
    email: &str,
    password_enc: String,
    products: &[Uuid],
    now: DateTime<Utc>,
) -> Result<change::Model, DbErr> {
    let stored = change::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family),
        email: Set(email.to_owned()),
        password_enc: Set(Some(password_enc)),
        created_at: Set(now),
        finished_at: Set(None),
    }
    .insert(db)
    .await?;
    let rows: Vec<update::ActiveModel> = products
        .iter()
        .map(|&product| update::ActiveModel {
            change_id: Set(stored.id),
            product_id: Set(product),
            state: Set(PENDING.to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            last_error: Set(None),
            done_at: Set(None),
        })
        .collect();
    if !rows.is_empty() {
        update::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(stored)
}

/// The change with this id.
///
/// # Errors
/// Database failures.
pub async fn change(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<change::Model>, DbErr> {
    change::Entity::find_by_id(id).one(db).await
}

/// The change's updates, product by product.
///
/// # Errors
/// Database failures.
pub async fn updates_of(
    db: &impl ConnectionTrait,
    change: Uuid,
) -> Result<Vec<update::Model>, DbErr> {
    update::Entity::find()
        .filter(update::Column::ChangeId.eq(change))
        .all(db)
        .await
}

/// Pending updates due by `now`, oldest first.
///
/// # Errors
/// Database failures.
pub async fn due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<update::Model>, DbErr> {
    update::Entity::find()
        .filter(update::Column::State.eq(PENDING))
        .filter(update::Column::NextAttemptAt.lte(now))
        .order_by_asc(update::Column::NextAttemptAt)
        .limit(limit)
        .all(db)
        .await
}

/// Takes a pending update for one attempt: moves its next attempt to `until` if it is still
/// as `seen` (so of several instances only one tries it), counting the attempt.
///
/// # Errors
/// Database failures.
pub async fn claim(
    db: &impl ConnectionTrait,
    seen: &update::Model,
    until: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = update::Entity::update_many()
        .col_expr(update::Column::NextAttemptAt, Expr::value(until))
        .col_expr(update::Column::Attempts, Expr::value(seen.attempts + 1))
        .filter(update::Column::ChangeId.eq(seen.change_id))
        .filter(update::Column::ProductId.eq(seen.product_id))
        .filter(update::Column::State.eq(PENDING))
        .filter(update::Column::Attempts.eq(seen.attempts))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Records an attempt's outcome: `DONE` or `NOT_CUSTOMER` end the update; `PENDING` with an
/// error waits until `next_attempt_at`.
///
/// # Errors
/// Database failures.
pub async fn record(
    db: &impl ConnectionTrait,
    change: Uuid,
    product: Uuid,
    state: &str,
    error: Option<String>,
    next_attempt_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let done = (state != PENDING).then_some(now);
    update::Entity::update_many()
        .col_expr(update::Column::State, Expr::value(state))
        .col_expr(update::Column::LastError, Expr::value(error))
        .col_expr(update::Column::NextAttemptAt, Expr::value(next_attempt_at))
        .col_expr(update::Column::DoneAt, Expr::value(done))
        .filter(update::Column::ChangeId.eq(change))
        .filter(update::Column::ProductId.eq(product))
        .exec(db)
        .await?;
    Ok(())
}

/// Finishes the change if none of its updates is pending any more: erases the password and
/// stamps it; true only for the call that did (so the person is told once).
///
/// # Errors
/// Database failures.
pub async fn finish_if_done(
    db: &impl ConnectionTrait,
    change_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let pending = update::Entity::find()
        .filter(update::Column::ChangeId.eq(change_id))
        .filter(update::Column::State.eq(PENDING))
        .count(db)
        .await?;
    if pending > 0 {
        return Ok(false);
    }
    let result = change::Entity::update_many()
        .col_expr(change::Column::FinishedAt, Expr::value(now))
        .col_expr(
            change::Column::PasswordEnc,
            Expr::value(Option::<String>::None),
        )
        .filter(change::Column::Id.eq(change_id))
        .filter(change::Column::FinishedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
