//! `plans`: what a tenant pays for: included seats, monthly price, price per extra seat.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(column_type = "String(StringLen::N(50))", unique)]
    pub code: String,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub name: String,
    pub included_seats: i32,
    pub monthly_price_cents: i64,
    pub extra_seat_price_cents: i64,
    /// ISO 4217, e.g. `USD`.
    #[sea_orm(column_type = "String(StringLen::N(3))")]
    pub currency: String,
    /// At most this many seats (accepting an invitation or a grant that would add one more is
    /// refused); `None` for no limit.
    pub max_seats: Option<i32>,
    /// Its tenants' device history is kept this many days; `None`: the deployment's
    /// `history.retention_days`.
    pub history_retention_days: Option<i32>,
    /// New tenants start on it (one plan at a time).
    pub is_default: bool,
    pub created_at: DateTimeUtc,
    /// An archived plan keeps its subscriptions but takes no new ones.
    pub archived_at: Option<DateTimeUtc>,
    #[sea_orm(has_many)]
    pub subscriptions: HasMany<super::subscription::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
