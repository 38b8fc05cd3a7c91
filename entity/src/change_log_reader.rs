//! `change_log_readers`: each running server instance and how far it has applied the log.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_log_readers")]
pub struct Model {
    /// The instance, new at every start.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The last entry it has applied.
    pub applied_seq: i64,
    /// Its last heartbeat.
    pub seen_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
