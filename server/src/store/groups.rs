//! Groups and their members.
use chrono::{DateTime, Utc};
use entity::{group, group_member};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

/// Creates a group in `organization` of `tenant`.
///
/// # Errors
/// `UniqueConstraintViolation` when the organization has a group of that name; database
/// failures.
pub async fn insert(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    organization: Uuid,
    name: &str,
    description: Option<String>,
    now: DateTime<Utc>,
) -> Result<group::Model, DbErr> {
    group::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant),
        organization_id: Set(organization),
        name: Set(name.to_owned()),
        description: Set(description),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

/// Renames a group and sets its description.
///
/// # Errors
/// `UniqueConstraintViolation` when its organization has a group of that name; database
/// failures.
pub async fn update(
    db: &impl ConnectionTrait,
    current: group::Model,
    name: String,
    description: Option<String>,
    now: DateTime<Utc>,
) -> Result<group::Model, DbErr> {
    let mut model: group::ActiveModel = current.into();
    model.name = Set(name);
    model.description = Set(description);
    model.updated_at = Set(now);
    model.update(db).await
}

/// Deletes a group; its memberships and grants go with it (the schema's cascades).
///
/// # Errors
/// Database failures.
pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    group::Entity::delete_by_id(id).exec(db).await.map(|_| ())
}

/// Makes `user` a member of `group`; `false` when they already were. One statement, so two
/// requests at once can't both find nothing and then clash on the insert.
///
/// # Errors
/// Database failures.
pub async fn add_member(
    db: &impl ConnectionTrait,
    group: Uuid,
    user: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let row = group_member::ActiveModel {
        group_id: Set(group),
        user_id: Set(user),
        created_at: Set(now),
    };
    let inserted = group_member::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([group_member::Column::GroupId, group_member::Column::UserId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted == 1)
}

/// Takes `user` out of `group`; `false` when they were not in it.
///
/// # Errors
/// Database failures.
pub async fn remove_member(
    db: &impl ConnectionTrait,
    group: Uuid,
    user: Uuid,
) -> Result<bool, DbErr> {
    let deleted = group_member::Entity::delete_by_id((group, user))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected == 1)
}

/// Takes `user` out of each of `groups`.
///
/// # Errors
/// Database failures.
pub async fn remove_from_all(
    db: &impl ConnectionTrait,
    user: Uuid,
    groups: &[Uuid],
) -> Result<(), DbErr> {
    group_member::Entity::delete_many()
        .filter(group_member::Column::UserId.eq(user))
        .filter(group_member::Column::GroupId.is_in(groups.iter().copied()))
        .exec(db)
        .await
        .map(|_| ())
}
