//! `audit_records`: immutable history. No foreign keys, so a record outlives the users,
//! tenants and devices it describes.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_records")]
pub struct Model {
    /// UUIDv7, so ids sort by time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    /// The organization it concerns (a client company's records are read by its managers);
    /// `None` for the tenant as a whole, read by those who read the root's.
    pub organization_id: Option<Uuid>,
    pub actor_user_id: Option<Uuid>,
    /// The actor's email at the time, kept after the user is gone.
    #[sea_orm(column_type = "String(StringLen::N(320))", nullable)]
    pub actor_email: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub action: String,
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub target_kind: String,
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    pub target_id: Option<String>,
    pub before: Option<Json>,
    pub after: Option<Json>,
    #[sea_orm(column_type = "String(StringLen::N(64))", nullable)]
    pub request_id: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(64))", nullable)]
    pub ip: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
