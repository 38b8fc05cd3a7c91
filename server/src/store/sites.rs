//! Sites: where devices are placed, each in one organization.
use chrono::{DateTime, Utc};
use entity::site;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
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
