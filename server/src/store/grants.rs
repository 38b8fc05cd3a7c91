//! Grants.
use chrono::{DateTime, Utc};
use entity::enums::GrantScopeKind;
use entity::grant;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use crate::access::{Scope, Subject};

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

/// What makes a grant the same grant: who, on what, which role (the unique index
/// `uq_grants_identity` allows one of each).
#[derive(Debug, Clone)]
pub struct Identity {
    /// The tenant.
    pub tenant: Uuid,
    /// The subject when a user.
    pub user: Option<Uuid>,
    /// The subject when a group.
    pub group: Option<Uuid>,
    /// The scope's kind.
    pub kind: GrantScopeKind,
    /// The scope when a device.
    pub device: Option<String>,
    /// The scope when a site.
    pub site: Option<Uuid>,
    /// The scope when an organization.
    pub organization: Option<Uuid>,
    /// The role.
    pub role: Uuid,
}

impl Identity {
    /// The identity of a grant to `subject` on `scope` with `role`, in `tenant`.
    pub fn of(tenant: Uuid, subject: Subject, scope: &Scope, role: Uuid) -> Self {
        let (user, group) = match subject {
            Subject::User(u) => (Some(u), None),
            Subject::Group(g) => (None, Some(g)),
        };
        let (kind, device, site, organization) = match scope {
            Scope::Device(d) => (GrantScopeKind::Device, Some(d.clone()), None, None),
            Scope::Site(s) => (GrantScopeKind::Site, None, Some(*s), None),
            Scope::Organization(o) => (GrantScopeKind::Organization, None, None, Some(*o)),
            Scope::Tenant(_) => (GrantScopeKind::Tenant, None, None, None),
        };
        Self {
            tenant,
            user,
            group,
            kind,
            device,
            site,
            organization,
            role,
        }
    }
}

/// Stores a new grant with this identity.
///
/// # Errors
/// `UniqueConstraintViolation` when the identical grant exists; database failures.
pub async fn insert(
    db: &impl ConnectionTrait,
    identity: &Identity,
    expires_at: Option<DateTime<Utc>>,
    created_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<grant::Model, DbErr> {
    grant::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(identity.tenant),
        subject_user_id: Set(identity.user),
        subject_group_id: Set(identity.group),
        scope_kind: Set(identity.kind),
        scope_device_id: Set(identity.device.clone()),
        scope_site_id: Set(identity.site),
        scope_organization_id: Set(identity.organization),
        role_id: Set(identity.role),
        expires_at: Set(expires_at),
        created_by: Set(created_by),
        created_at: Set(now),
    }
    .insert(db)
    .await
}

/// Gives a grant another role and/or end (`expires_at`: `None` keeps it, `Some(None)` makes it
/// last until revoked).
///
/// # Errors
/// `UniqueConstraintViolation` when an identical grant exists; database failures.
pub async fn update(
    db: &impl ConnectionTrait,
    current: grant::Model,
    role: Option<Uuid>,
    expires_at: Option<Option<DateTime<Utc>>>,
) -> Result<grant::Model, DbErr> {
    let mut model: grant::ActiveModel = current.into();
    if let Some(role) = role {
        model.role_id = Set(role);
    }
    if let Some(expires_at) = expires_at {
        model.expires_at = Set(expires_at);
    }
    model.update(db).await
}

/// Deletes these grants.
///
/// # Errors
/// Database failures.
pub async fn delete(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<(), DbErr> {
    grant::Entity::delete_many()
        .filter(grant::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await
        .map(|_| ())
}

/// Deletes every grant on `device`; returns their ids.
///
/// # Errors
/// Database failures.
pub async fn delete_on_device(db: &impl ConnectionTrait, device: &str) -> Result<Vec<Uuid>, DbErr> {
    let ids: Vec<Uuid> = grant::Entity::find()
        .filter(grant::Column::ScopeDeviceId.eq(device))
        .all(db)
        .await?
        .into_iter()
        .map(|g| g.id)
        .collect();
    delete(db, &ids).await?;
    Ok(ids)
}

/// The grant with this identity, if there is one.
///
/// # Errors
/// Database failures.
pub async fn identical(
    db: &impl ConnectionTrait,
    id: &Identity,
) -> Result<Option<grant::Model>, DbErr> {
    fn same<C: ColumnTrait, V: Into<sea_orm::Value>>(
        q: sea_orm::Select<grant::Entity>,
        column: C,
        value: Option<V>,
    ) -> sea_orm::Select<grant::Entity> {
        match value {
            Some(v) => q.filter(column.eq(v)),
            None => q.filter(column.is_null()),
        }
    }
    let mut q = grant::Entity::find()
        .filter(grant::Column::TenantId.eq(id.tenant))
        .filter(grant::Column::ScopeKind.eq(id.kind))
        .filter(grant::Column::RoleId.eq(id.role));
    q = same(q, grant::Column::SubjectUserId, id.user);
    q = same(q, grant::Column::SubjectGroupId, id.group);
    q = same(q, grant::Column::ScopeDeviceId, id.device.clone());
    q = same(q, grant::Column::ScopeSiteId, id.site);
    q = same(q, grant::Column::ScopeOrganizationId, id.organization);
    q.one(db).await
}

/// Makes the grant last until `until` (`None`: for ever) if that is longer than it does now;
/// returns whether it changed. One conditional statement, so concurrent extensions never
/// shorten it.
///
/// # Errors
/// Database failures.
pub async fn extend(
    db: &impl ConnectionTrait,
    id: Uuid,
    until: Option<DateTime<Utc>>,
) -> Result<bool, DbErr> {
    let mut update = grant::Entity::update_many()
        .col_expr(
            grant::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(until),
        )
        .filter(grant::Column::Id.eq(id))
        .filter(grant::Column::ExpiresAt.is_not_null());
    if let Some(until) = until {
        update = update.filter(grant::Column::ExpiresAt.lt(until));
    }
    Ok(update.exec(db).await?.rows_affected > 0)
}
