//! `device_events`: events published by devices. `tenant_id` is the owner when the event
//! happened, so history never leaks to a later owner.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "device_events")]
pub struct Model {
    /// UUIDv7, so ids sort by time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(column_type = "String(StringLen::N(24))")]
    pub device_id: String,
    pub tenant_id: Uuid,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub data: Option<String>,
    /// `data` as a number, when it is one (so the database can aggregate it).
    #[sea_orm(column_type = "Double", nullable)]
    pub value: Option<f64>,
    pub published_at: DateTimeUtc,
    pub received_at: DateTimeUtc,
    /// Identifies the event however it arrived (stream, webhook, a repeat); unique.
    #[sea_orm(column_type = "String(StringLen::N(32))", nullable, unique)]
    pub event_key: Option<String>,
    #[sea_orm(belongs_to, from = "device_id", to = "id", on_delete = "Cascade")]
    pub device: BelongsTo<super::device::Entity>,
    #[sea_orm(belongs_to, from = "tenant_id", to = "id", on_delete = "Cascade")]
    pub tenant: BelongsTo<super::organization::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
