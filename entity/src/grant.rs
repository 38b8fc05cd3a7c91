//! `grants`: a subject (one user or one group) holds a role on a scope, optionally until
//! `expires_at`. Exactly one subject column is set (a CHECK constraint enforces it).
use sea_orm::entity::prelude::*;

use crate::enums::GrantScopeKind;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "grants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub subject_user_id: Option<Uuid>,
    pub subject_group_id: Option<Uuid>,
    pub scope_kind: GrantScopeKind,
    #[sea_orm(column_type = "String(StringLen::N(24))", nullable)]
    pub scope_device_id: Option<String>,
    pub scope_site_id: Option<Uuid>,
    pub scope_organization_id: Option<Uuid>,
    /// A role in use can't be deleted.
    pub role_id: Uuid,
    /// `None` never expires.
    pub expires_at: Option<DateTimeUtc>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    #[sea_orm(
        belongs_to,
        relation_enum = "Tenant",
        from = "tenant_id",
        to = "id",
        on_delete = "Cascade"
    )]
    pub tenant: BelongsTo<super::organization::Entity>,
    #[sea_orm(
        belongs_to,
        relation_enum = "SubjectUser",
        from = "subject_user_id",
        to = "id",
        on_delete = "Cascade"
    )]
    pub subject_user: BelongsTo<Option<super::user::Entity>>,
    #[sea_orm(
        belongs_to,
        from = "subject_group_id",
        to = "id",
        on_delete = "Cascade"
    )]
    pub subject_group: BelongsTo<Option<super::group::Entity>>,
    #[sea_orm(belongs_to, from = "scope_device_id", to = "id", on_delete = "Cascade")]
    pub scope_device: BelongsTo<Option<super::device::Entity>>,
    #[sea_orm(belongs_to, from = "scope_site_id", to = "id", on_delete = "Cascade")]
    pub scope_site: BelongsTo<Option<super::site::Entity>>,
    #[sea_orm(
        belongs_to,
        relation_enum = "ScopeOrganization",
        from = "scope_organization_id",
        to = "id",
        on_delete = "Cascade"
    )]
    pub scope_organization: BelongsTo<Option<super::organization::Entity>>,
    #[sea_orm(belongs_to, from = "role_id", to = "id", on_delete = "Restrict")]
    pub role: BelongsTo<super::role::Entity>,
    #[sea_orm(
        belongs_to,
        relation_enum = "Creator",
        from = "created_by",
        to = "id",
        on_delete = "SetNull"
    )]
    pub creator: BelongsTo<Option<super::user::Entity>>,
}

impl ActiveModelBehavior for ActiveModel {}
