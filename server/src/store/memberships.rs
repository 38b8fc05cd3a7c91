//! Memberships: a user in an organization, with a tenant-level role.
use chrono::{DateTime, Utc};
use entity::enums::MembershipRole;
use entity::{membership, organization};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

/// The user's memberships with their organizations, oldest first.
///
/// # Errors
/// Database failures.
pub async fn of_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<(membership::Model, Option<organization::Model>)>, DbErr> {
    let memberships = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .order_by_asc(membership::Column::CreatedAt)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = memberships.iter().map(|m| m.organization_id).collect();
    let orgs = organization::Entity::find()
        .filter(organization::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(memberships
        .into_iter()
        .map(|m| {
            let org = orgs.iter().find(|o| o.id == m.organization_id).cloned();
            (m, org)
        })
        .collect())
}

/// The user's memberships inside one tenant.
///
/// # Errors
/// Database failures.
pub async fn in_tenant(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    tenant_id: Uuid,
) -> Result<Vec<membership::Model>, DbErr> {
    membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::TenantId.eq(tenant_id))
        .all(db)
        .await
}

/// Adds the user to the organization, or returns the membership they already have there.
///
/// # Errors
/// Database failures.
pub async fn ensure(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    org: &organization::Model,
    role: MembershipRole,
    now: DateTime<Utc>,
) -> Result<membership::Model, DbErr> {
    let existing = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::OrganizationId.eq(org.id))
        .one(db)
        .await?;
    if let Some(existing) = existing {
        return Ok(existing);
    }
    membership::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        organization_id: Set(org.id),
        tenant_id: Set(org.tenant_id),
        role: Set(role),
        created_at: Set(now),
    }
    .insert(db)
    .await
}

/// Gives every membership of `user` in `tenant` this role.
///
/// # Errors
/// Database failures.
pub async fn set_role_in_tenant(
    db: &impl ConnectionTrait,
    user: Uuid,
    tenant: Uuid,
    role: MembershipRole,
) -> Result<(), DbErr> {
    membership::Entity::update_many()
        .col_expr(
            membership::Column::Role,
            sea_orm::sea_query::Expr::value(role),
        )
        .filter(membership::Column::UserId.eq(user))
        .filter(membership::Column::TenantId.eq(tenant))
        .exec(db)
        .await
        .map(|_| ())
}

/// Ends every membership of `user` in `tenant`.
///
/// # Errors
/// Database failures.
pub async fn remove_from_tenant(
    db: &impl ConnectionTrait,
    user: Uuid,
    tenant: Uuid,
) -> Result<(), DbErr> {
    membership::Entity::delete_many()
        .filter(membership::Column::UserId.eq(user))
        .filter(membership::Column::TenantId.eq(tenant))
        .exec(db)
        .await
        .map(|_| ())
}
