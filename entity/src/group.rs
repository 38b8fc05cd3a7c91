//! `groups`: named sets of users, owned by one organization of a tenant, granted roles as one
//! subject.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "groups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    /// The organization it belongs to (the tenant root or a client company); its name is
    /// unique there.
    #[sea_orm(unique_key = "organization_name")]
    pub organization_id: Uuid,
    #[sea_orm(
        column_type = "String(StringLen::N(200))",
        unique_key = "organization_name"
    )]
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "tenant_id", to = "id", on_delete = "Cascade")]
    pub tenant: BelongsTo<super::organization::Entity>,
    #[sea_orm(has_many, via = "group_member")]
    pub users: HasMany<super::user::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
