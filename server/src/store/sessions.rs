//! Sign-in sessions, stored by the hash of their bearer secret.
use chrono::{DateTime, Utc};
use entity::session;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

/// A session to store.
pub struct NewSession {
    /// Owner.
    pub user_id: Uuid,
    /// Hash of the session secret.
    pub token_hash: String,
    /// Hash of its CSRF token.
    pub csrf_token_hash: String,
    /// Latest end.
    pub expires_at: DateTime<Utc>,
    /// Client's User-Agent.
    pub user_agent: Option<String>,
    /// Client address.
    pub ip: Option<String>,
}

/// Stores a new session.
///
/// # Errors
/// Database failures.
pub async fn insert(
    db: &impl ConnectionTrait,
    new: NewSession,
    now: DateTime<Utc>,
) -> Result<session::Model, DbErr> {
    session::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(new.user_id),
        token_hash: Set(new.token_hash),
        csrf_token_hash: Set(new.csrf_token_hash),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(new.expires_at),
        revoked_at: Set(None),
        user_agent: Set(new.user_agent),
        ip: Set(new.ip),
    }
    .insert(db)
    .await
}

/// The unrevoked session with this secret hash and its user, in one query (every request
/// signed in by session asks; expiry is the caller's rule).
///
/// # Errors
/// Database failures.
pub async fn find_live_with_user(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<(session::Model, entity::user::Model)>, DbErr> {
    Ok(session::Entity::find()
        .filter(session::Column::TokenHash.eq(token_hash))
        .filter(session::Column::RevokedAt.is_null())
        .find_also_related(entity::user::Entity)
        .one(db)
        .await?
        .and_then(|(session, user)| Some((session, user?))))
}

/// Records activity.
///
/// # Errors
/// Database failures.
pub async fn touch(db: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, Expr::value(now))
        .filter(session::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

/// A user's unrevoked, unexpired sessions, newest first.
///
/// # Errors
/// Database failures.
pub async fn list_live(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<session::Model>, DbErr> {
    session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .order_by_desc(session::Column::CreatedAt)
        .all(db)
        .await
}

/// Revokes one of the user's sessions; returns whether it was theirs and live.
///
/// # Errors
/// Database failures.
pub async fn revoke(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::Id.eq(id))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Revokes every live session of the user except `keep`; returns how many.
///
/// # Errors
/// Database failures.
pub async fn revoke_all_except(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    keep: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut update = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null());
    if let Some(keep) = keep {
        update = update.filter(session::Column::Id.ne(keep));
    }
    Ok(update.exec(db).await?.rows_affected)
}

/// Whether the user signed in from `ip` since `since` (ended sessions count: they were real
/// sign-ins).
///
/// # Errors
/// Database failures.
pub async fn signed_in_from(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    ip: &str,
    since: DateTime<Utc>,
) -> Result<bool, DbErr> {
    Ok(session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::Ip.eq(ip))
        .filter(session::Column::CreatedAt.gte(since))
        .one(db)
        .await?
        .is_some())
}
