//! `seat_spans`: when a person held a seat in a tenant, through one membership or one grant of
//! their own. Kept after the membership or grant is gone: billing derives any period's
//! seat-days from them.
use sea_orm::entity::prelude::*;

/// A span through a membership.
pub const MEMBERSHIP: &str = "membership";
/// A span through a grant to the person.
pub const GRANT: &str = "grant";

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "seat_spans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    /// No foreign key: a removed account stays billed for the days it held a seat.
    pub user_id: Uuid,
    /// [`MEMBERSHIP`] or [`GRANT`].
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub source_kind: String,
    /// The membership's or grant's id (it may be gone).
    pub source_id: Uuid,
    pub starts_at: DateTimeUtc,
    /// Exclusive; `None` while it lasts.
    pub ends_at: Option<DateTimeUtc>,
    #[sea_orm(belongs_to, from = "tenant_id", to = "id", on_delete = "Cascade")]
    pub tenant: BelongsTo<super::organization::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
