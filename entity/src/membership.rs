//! `memberships`: a user belongs to an organization, with a tenant-level role.
use sea_orm::entity::prelude::*;

use crate::enums::MembershipRole;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "memberships")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique_key = "user_organization")]
    pub user_id: Uuid,
    #[sea_orm(unique_key = "user_organization")]
    pub organization_id: Uuid,
    /// The root of `organization_id`'s tree, kept here so tenant queries need no tree walk.
    pub tenant_id: Uuid,
    pub role: MembershipRole,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "Cascade")]
    pub user: BelongsTo<super::user::Entity>,
    #[sea_orm(
        belongs_to,
        relation_enum = "Organization",
        from = "organization_id",
        to = "id",
        on_delete = "Cascade"
    )]
    pub organization: BelongsTo<super::organization::Entity>,
    #[sea_orm(
        belongs_to,
        relation_enum = "Tenant",
        from = "tenant_id",
        to = "id",
        on_delete = "Cascade"
    )]
    pub tenant: BelongsTo<super::organization::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
