//! `audit_diverted`: audit records the database refused for good, kept whole as JSON text
//! with the refusal, so one bad record never blocks the trail and none is silently lost.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_diverted")]
pub struct Model {
    /// The refused record's own id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The record as JSON (NULs and all escaped).
    #[sea_orm(column_type = "Text")]
    pub record: String,
    /// What the database said.
    #[sea_orm(column_type = "Text")]
    pub error: String,
    pub diverted_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
