//! `subscriptions`: which plan a tenant is on, over time.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub plan_id: Uuid,
    pub starts_at: DateTimeUtc,
    /// `None` while the subscription runs.
    pub ends_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "tenant_id", to = "id", on_delete = "Cascade")]
    pub tenant: BelongsTo<super::organization::Entity>,
    #[sea_orm(belongs_to, from = "plan_id", to = "id", on_delete = "Restrict")]
    pub plan: BelongsTo<super::plan::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
