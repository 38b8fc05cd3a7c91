//! A tenant's custom roles (their actions are casbin lines: `store::directory`).
use chrono::{DateTime, Utc};
use entity::role;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};
use uuid::Uuid;

/// Creates a custom role in `tenant`.
///
/// # Errors
/// `UniqueConstraintViolation` when the tenant has a role of that name; database failures.
pub async fn insert(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    name: String,
    description: Option<String>,
    now: DateTime<Utc>,
) -> Result<role::Model, DbErr> {
    role::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(Some(tenant)),
        name: Set(name),
        description: Set(description),
        builtin: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

/// Renames a custom role and sets its description.
///
/// # Errors
/// `UniqueConstraintViolation` when the tenant has a role of that name; database failures.
pub async fn update(
    db: &impl ConnectionTrait,
    current: role::Model,
    name: String,
    description: Option<String>,
    now: DateTime<Utc>,
) -> Result<role::Model, DbErr> {
    let mut model: role::ActiveModel = current.into();
    model.name = Set(name);
    model.description = Set(description);
    model.updated_at = Set(now);
    model.update(db).await
}

/// Deletes a custom role.
///
/// # Errors
/// Database failures (the schema refuses while grants use it).
pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    role::Entity::delete_by_id(id).exec(db).await.map(|_| ())
}
