//! Grants.
use chrono::{DateTime, Utc};
use entity::grant;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// Filters for listing a tenant's grants.
#[derive(Debug, Clone, Default)]
pub struct GrantFilter {
    /// Grants to this user (directly).
    pub user: Option<Uuid>,
    /// Grants to this group.
    pub group: Option<Uuid>,
    /// Grants on this device.
    pub device: Option<String>,
    /// Grants on this site.
    pub site: Option<Uuid>,
    /// Grants on this organization.
    pub organization: Option<Uuid>,
    /// Grants of this role.
    pub role: Option<Uuid>,
    /// Only grants that count at this time.
    pub active_at: Option<DateTime<Utc>>,
}

/// A tenant's grants, newest first.
///
/// # Errors
/// Database failures.
pub async fn list(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    f: &GrantFilter,
) -> Result<Vec<grant::Model>, DbErr> {
    let mut q = grant::Entity::find().filter(grant::Column::TenantId.eq(tenant));
    if let Some(v) = f.user {
        q = q.filter(grant::Column::SubjectUserId.eq(v));
    }
    if let Some(v) = f.group {
        q = q.filter(grant::Column::SubjectGroupId.eq(v));
    }
    if let Some(v) = &f.device {
        q = q.filter(grant::Column::ScopeDeviceId.eq(v.clone()));
    }
    if let Some(v) = f.site {
        q = q.filter(grant::Column::ScopeSiteId.eq(v));
    }
    if let Some(v) = f.organization {
        q = q.filter(grant::Column::ScopeOrganizationId.eq(v));
    }
    if let Some(v) = f.role {
        q = q.filter(grant::Column::RoleId.eq(v));
    }
    if let Some(now) = f.active_at {
        q = q.filter(
            grant::Column::ExpiresAt
                .is_null()
                .or(grant::Column::ExpiresAt.gt(now)),
        );
    }
    q.order_by_desc(grant::Column::CreatedAt).all(db).await
}

/// Every grant (for loading the index).
///
/// # Errors
/// Database failures.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<grant::Model>, DbErr> {
    grant::Entity::find().all(db).await
}
