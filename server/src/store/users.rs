//! User accounts.
use chrono::Utc;
use entity::user;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::domain::email::Email;
use crate::domain::ids::UserId;

/// What is needed to create a user.
pub struct NewUser<'a> {
    /// Their login.
    pub email: &'a Email,
    /// Shown in the UI and audit log.
    pub display_name: &'a str,
    /// PHC string, or `None` until they set a password.
    pub password_hash: Option<String>,
    /// Operator staff who manage tenants and products.
    pub is_platform_admin: bool,
}

/// Inserts a user.
///
/// # Errors
/// `UniqueConstraintViolation` when the email (in any case) is taken.
pub async fn insert(db: &impl ConnectionTrait, new: NewUser<'_>) -> Result<user::Model, DbErr> {
    let now = Utc::now();
    user::ActiveModel {
        id: Set(UserId::new().0),
        email: Set(new.email.display.clone()),
        email_lower: Set(new.email.lower.clone()),
        display_name: Set(new.display_name.to_owned()),
        password_hash: Set(new.password_hash),
        is_platform_admin: Set(new.is_platform_admin),
        disabled_at: Set(None),
        password_changed_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

/// Finds a user by email, in any case.
///
/// # Errors
/// Database failures only.
pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &Email,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::EmailLower.eq(&email.lower))
        .one(db)
        .await
}

/// Finds a user by id.
///
/// # Errors
/// Database failures only.
pub async fn find(db: &impl ConnectionTrait, id: uuid::Uuid) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id).one(db).await
}

/// Replaces the password hash (and records when, so older sessions can be told apart).
///
/// # Errors
/// Database failures only.
pub async fn set_password_hash(
    db: &impl ConnectionTrait,
    id: uuid::Uuid,
    hash: String,
    now: chrono::DateTime<Utc>,
) -> Result<(), DbErr> {
    user::ActiveModel {
        id: Set(id),
        password_hash: Set(Some(hash)),
        password_changed_at: Set(Some(now)),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await
    .map(|_| ())
}

/// Finds a user by the lower-cased email.
///
/// # Errors
/// Database failures only.
pub async fn find_by_email_lower(
    db: &impl ConnectionTrait,
    email_lower: &str,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::EmailLower.eq(email_lower))
        .one(db)
        .await
}
