//! Shadow customers: one opaque Particle customer per tenant and product, made once.
use chrono::{DateTime, Utc};
use entity::shadow_customer;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use uuid::Uuid;

/// Remembers the tenant's shadow customer for `product`.
///
/// # Errors
/// `UniqueConstraintViolation` when the tenant has one for the product; database failures.
pub async fn insert(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    product: Uuid,
    customer_id: String,
    now: DateTime<Utc>,
) -> Result<shadow_customer::Model, DbErr> {
    shadow_customer::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant),
        product_id: Set(product),
        customer_id: Set(customer_id),
        created_at: Set(now),
    }
    .insert(db)
    .await
}
