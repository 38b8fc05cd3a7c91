//! `organizations`: a tenant's tree. The root is the tenant (`tenant_id == id`); every node
//! names its root, so deleting the root cascades through the whole subtree.
use sea_orm::entity::prelude::*;

use crate::enums::OrganizationKind;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The root of this node's tree; equal to `id` for the tenant itself.
    #[sea_orm(unique_key = "tenant_name")]
    pub tenant_id: Uuid,
    /// `None` for the root. Deleting a node that still has children is refused.
    pub parent_id: Option<Uuid>,
    pub kind: OrganizationKind,
    #[sea_orm(column_type = "String(StringLen::N(200))", unique_key = "tenant_name")]
    pub name: String,
    pub suspended_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(
        self_ref,
        relation_enum = "Tenant",
        from = "tenant_id",
        to = "id",
        on_delete = "Cascade"
    )]
    pub tenant: BelongsTo<Entity>,
    #[sea_orm(
        self_ref,
        relation_enum = "Parent",
        relation_reverse = "Children",
        from = "parent_id",
        to = "id",
        on_delete = "NoAction"
    )]
    pub parent: BelongsTo<Option<Entity>>,
    #[sea_orm(self_ref, relation_enum = "Children", relation_reverse = "Parent")]
    pub children: HasMany<Entity>,
    #[sea_orm(has_many, relation_enum = "Sites", via_rel = "Organization")]
    pub sites: HasMany<super::site::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
