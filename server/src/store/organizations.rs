//! Organizations: tenant roots and the client companies under them.
use chrono::{DateTime, Utc};
use entity::enums::OrganizationKind;
use entity::organization;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

/// Creates a tenant: a root organization that is its own tenant.
///
/// # Errors
/// `UniqueConstraintViolation` never (roots are their own tenant); database failures.
pub async fn insert_tenant(
    db: &impl ConnectionTrait,
    name: &str,
    now: DateTime<Utc>,
) -> Result<organization::Model, DbErr> {
    let id = Uuid::now_v7();
    insert(db, id, id, None, name, now).await
}

/// Creates a client organization under `parent` in `tenant`.
///
/// # Errors
/// `UniqueConstraintViolation` when a sibling has the name; database failures.
pub async fn insert_client(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    parent: Uuid,
    name: &str,
    now: DateTime<Utc>,
) -> Result<organization::Model, DbErr> {
    insert(db, Uuid::now_v7(), tenant, Some(parent), name, now).await
}

async fn insert(
    db: &impl ConnectionTrait,
    id: Uuid,
    tenant: Uuid,
    parent: Option<Uuid>,
    name: &str,
    now: DateTime<Utc>,
) -> Result<organization::Model, DbErr> {
    let kind = match parent {
        None => OrganizationKind::Tenant,
        Some(_) => OrganizationKind::Client,
    };
    organization::ActiveModel {
        id: Set(id),
        tenant_id: Set(tenant),
        parent_id: Set(parent),
        kind: Set(kind),
        name: Set(name.to_owned()),
        suspended_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

/// Renames and/or moves an organization.
///
/// # Errors
/// `UniqueConstraintViolation` when a sibling has the name; database failures.
pub async fn update(
    db: &impl ConnectionTrait,
    current: organization::Model,
    name: Option<String>,
    parent: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<organization::Model, DbErr> {
    let mut model: organization::ActiveModel = current.into();
    if let Some(name) = name {
        model.name = Set(name);
    }
    if let Some(parent) = parent {
        model.parent_id = Set(Some(parent));
    }
    model.updated_at = Set(now);
    model.update(db).await
}

/// Deletes an organization (the database refuses while it holds sites or organizations).
///
/// # Errors
/// Database failures.
pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    organization::Entity::delete_by_id(id)
        .exec(db)
        .await
        .map(|_| ())
}

/// Every tenant, by name.
///
/// # Errors
/// Database failures.
pub async fn list_tenants(db: &impl ConnectionTrait) -> Result<Vec<organization::Model>, DbErr> {
    organization::Entity::find()
        .filter(organization::Column::Kind.eq(OrganizationKind::Tenant))
        .order_by_asc(organization::Column::Name)
        .all(db)
        .await
}

/// Tenants with these ids, by name.
///
/// # Errors
/// Database failures.
pub async fn tenants_by_ids(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<Vec<organization::Model>, DbErr> {
    organization::Entity::find()
        .filter(organization::Column::Id.is_in(ids))
        .filter(organization::Column::Kind.eq(OrganizationKind::Tenant))
        .order_by_asc(organization::Column::Name)
        .all(db)
        .await
}

/// One organization.
///
/// # Errors
/// Database failures.
pub async fn find(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<organization::Model>, DbErr> {
    organization::Entity::find_by_id(id).one(db).await
}

/// A tenant root by name, in any case (tenant names must differ for people to tell them apart).
///
/// # Errors
/// Database failures.
pub async fn tenant_named(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<organization::Model>, DbErr> {
    let lower = name.to_lowercase();
    Ok(list_tenants(db)
        .await?
        .into_iter()
        .find(|t| t.name.to_lowercase() == lower))
}
