//! `sites`: places belonging to an organization, where devices are installed.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sites")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    #[sea_orm(unique_key = "organization_name")]
    pub organization_id: Uuid,
    #[sea_orm(
        column_type = "String(StringLen::N(200))",
        unique_key = "organization_name"
    )]
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub address: Option<String>,
    /// IANA zone name, e.g. `America/Chicago`.
    #[sea_orm(column_type = "String(StringLen::N(64))", nullable)]
    pub timezone: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
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
        relation_enum = "Organization",
        from = "organization_id",
        to = "id",
        on_delete = "Cascade"
    )]
    pub organization: BelongsTo<super::organization::Entity>,
    #[sea_orm(has_many)]
    pub devices: HasMany<super::device::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
