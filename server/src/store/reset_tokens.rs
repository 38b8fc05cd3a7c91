//! Password-reset tokens: single-use, short-lived, and only the newest one counts.
use chrono::{DateTime, Utc};
use entity::password_reset_token as token;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

/// The newest token issued to the user, used or not.
///
/// # Errors
/// Database failures.
pub async fn newest(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Option<token::Model>, DbErr> {
    token::Entity::find()
        .filter(token::Column::UserId.eq(user_id))
        .order_by_desc(token::Column::CreatedAt)
        .one(db)
        .await
}

/// Voids every unused token of the user, then stores a new one.
///
/// # Errors
/// Database failures.
pub async fn replace(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    token_hash: String,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<token::Model, DbErr> {
    token::Entity::update_many()
        .col_expr(token::Column::UsedAt, Expr::value(now))
        .filter(token::Column::UserId.eq(user_id))
        .filter(token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        token_hash: Set(token_hash),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
    }
    .insert(db)
    .await
}

/// The token with this hash.
///
/// # Errors
/// Database failures.
pub async fn find_by_hash(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<token::Model>, DbErr> {
    token::Entity::find()
        .filter(token::Column::TokenHash.eq(token_hash))
        .one(db)
        .await
}

/// Marks the token used, if it still was unused; false when another request won the race.
///
/// # Errors
/// Database failures.
pub async fn consume(
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
