//! `customer_password_updates`: one product's part of a customer's password change, retried
//! until Particle takes it.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_password_updates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub change_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: Uuid,
    /// `pending`, `done`, or `not_customer` (the email isn't a customer of this product).
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub state: String,
    pub attempts: i32,
    /// When a pending update is tried next (a claim by one instance moves it on).
    pub next_attempt_at: DateTimeUtc,
    /// Why the last attempt failed, in words without secrets.
    #[sea_orm(column_type = "String(StringLen::N(500))", nullable)]
    pub last_error: Option<String>,
    pub done_at: Option<DateTimeUtc>,
    #[sea_orm(belongs_to, from = "change_id", to = "id", on_delete = "Cascade")]
    pub change: BelongsTo<super::customer_password_change::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
