//! `shadow_customers`: the Particle customer that claims one tenant's devices in one product.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shadow_customers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique_key = "tenant_product")]
    pub tenant_id: Uuid,
    #[sea_orm(unique_key = "tenant_product", unique_key = "product_customer")]
    pub product_id: Uuid,
    /// Opaque, lower-case Particle customer id; never a person's email.
    #[sea_orm(
        column_type = "String(StringLen::N(100))",
        unique_key = "product_customer"
    )]
    pub customer_id: String,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "tenant_id", to = "id", on_delete = "Cascade")]
    pub tenant: BelongsTo<super::organization::Entity>,
    #[sea_orm(belongs_to, from = "product_id", to = "id", on_delete = "Cascade")]
    pub product: BelongsTo<super::particle_product::Entity>,
    #[sea_orm(has_many)]
    pub devices: HasMany<super::device::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
