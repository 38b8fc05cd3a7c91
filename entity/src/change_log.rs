//! `change_log`: committed state changes in commit order (see server/src/changes).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_log")]
pub struct Model {
    /// Position in commit order; never reused.
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub committed_at: DateTimeUtc,
    /// The changes as a JSON array.
    #[sea_orm(column_type = "Text")]
    pub changes: String,
}

impl ActiveModelBehavior for ActiveModel {}
