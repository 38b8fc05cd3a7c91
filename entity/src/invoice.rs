//! `invoices`: a closed billing period's invoice for a tenant, issued once and never changed.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique_key = "tenant_period")]
    pub tenant_id: Uuid,
    /// The first day of the calendar month (UTC) it bills.
    #[sea_orm(unique_key = "tenant_period")]
    pub period_start: Date,
    /// e.g. `FW-2027-01-000042`.
    #[sea_orm(column_type = "String(StringLen::N(40))", unique)]
    pub number: String,
    /// ISO 4217.
    #[sea_orm(column_type = "String(StringLen::N(3))")]
    pub currency: String,
    /// In minor units, the sum of the lines' rounded amounts.
    pub total_minor: i64,
    /// The lines as issued (description, quantity, unit price, amount).
    pub lines: Json,
    pub issued_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "tenant_id", to = "id", on_delete = "Cascade")]
    pub tenant: BelongsTo<super::organization::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
