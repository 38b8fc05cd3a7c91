//! Sites: where devices are placed, each in one organization.
use chrono::{DateTime, Utc};
use entity::site;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};
use uuid::Uuid;

/// A site to create.
#[derive(Debug, Clone)]
pub struct NewSite<'a> {
    /// Its tenant.
    pub tenant: Uuid,
    /// Its organization (the tenant root or a client company).
    pub organization: Uuid,
    /// Unique within the organization.
    pub name: &'a str,
    /// Street address.
    pub address: Option<String>,
    /// IANA time zone, already checked.
    pub timezone: Option<String>,
}

/// Creates a site.
///
/// # Errors
/// `UniqueConstraintViolation` when the organization has a site of that name; database
/// failures.
pub async fn insert(
    db: &impl ConnectionTrait,
    new: NewSite<'_>,
    now: DateTime<Utc>,
) -> Result<site::Model, DbErr> {
    site::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(new.tenant),
        organization_id: Set(new.organization),
        name: Set(new.name.to_owned()),
        address: Set(new.address),
        timezone: Set(new.timezone),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

/// What changes of a site; `None` keeps the field as it is.
#[derive(Debug, Clone, Default)]
pub struct SiteUpdate {
    /// New name.
    pub name: Option<String>,
    /// New organization.
    pub organization: Option<Uuid>,
    /// New street address (`Some(None)` clears it).
    pub address: Option<Option<String>>,
    /// New time zone (`Some(None)` clears it).
    pub timezone: Option<Option<String>>,
}

/// Edits or moves a site.
///
/// # Errors
/// `UniqueConstraintViolation` when the organization has a site of that name; database
/// failures.
pub async fn update(
    db: &impl ConnectionTrait,
    current: site::Model,
    change: SiteUpdate,
    now: DateTime<Utc>,
) -> Result<site::Model, DbErr> {
    let mut model: site::ActiveModel = current.into();
    if let Some(name) = change.name {
        model.name = Set(name);
    }
    if let Some(organization) = change.organization {
        model.organization_id = Set(organization);
    }
    if let Some(address) = change.address {
        model.address = Set(address);
    }
    if let Some(timezone) = change.timezone {
        model.timezone = Set(timezone);
    }
    model.updated_at = Set(now);
    model.update(db).await
}

/// Deletes a site; its devices stay, unplaced, and the grants on it go (the schema's
/// cascades).
///
/// # Errors
/// Database failures.
pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    site::Entity::delete_by_id(id).exec(db).await.map(|_| ())
}
