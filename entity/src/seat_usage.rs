//! `seat_usage`: the users seen in a tenant per billing month; one row is one seat.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "seat_usage")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique_key = "tenant_period_user")]
    pub tenant_id: Uuid,
    #[sea_orm(unique_key = "tenant_period_user")]
    pub user_id: Uuid,
    /// The first day of the billing month.
    #[sea_orm(unique_key = "tenant_period_user")]
    pub period_start: Date,
    pub first_seen_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "tenant_id", to = "id", on_delete = "Cascade")]
    pub tenant: BelongsTo<super::organization::Entity>,
    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "Cascade")]
    pub user: BelongsTo<super::user::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
