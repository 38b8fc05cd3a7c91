//! `devices`: a Particle device, keyed by its 24-hex id, owned by one tenant.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "devices")]
pub struct Model {
    /// The Particle device id: 24 lower-case hex digits.
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(24))"
    )]
    pub id: String,
    /// The owner; a tenant can't be deleted while it still owns devices.
    pub tenant_id: Uuid,
    pub site_id: Option<Uuid>,
    pub product_id: Uuid,
    pub shadow_customer_id: Option<Uuid>,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub name: String,
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    pub serial_number: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    pub online: bool,
    #[sea_orm(column_type = "String(StringLen::N(50))", nullable)]
    pub firmware_version: Option<String>,
    pub last_heard_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "tenant_id", to = "id", on_delete = "Restrict")]
    pub tenant: BelongsTo<super::organization::Entity>,
    #[sea_orm(belongs_to, from = "site_id", to = "id", on_delete = "SetNull")]
    pub site: BelongsTo<Option<super::site::Entity>>,
    #[sea_orm(belongs_to, from = "product_id", to = "id", on_delete = "Restrict")]
    pub product: BelongsTo<super::particle_product::Entity>,
    #[sea_orm(
        belongs_to,
        from = "shadow_customer_id",
        to = "id",
        on_delete = "SetNull"
    )]
    pub shadow_customer: BelongsTo<Option<super::shadow_customer::Entity>>,
    #[sea_orm(has_many)]
    pub events: HasMany<super::device_event::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
