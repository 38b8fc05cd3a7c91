//! `casbin_rules`: policy lines of tenants' custom roles, in the casbin adapter's layout
//! (`v1` is the tenant domain). Unused fields hold `""`, never NULL.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "casbin_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "String(StringLen::N(12))")]
    pub ptype: String,
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub v0: String,
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub v1: String,
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub v2: String,
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub v3: String,
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub v4: String,
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub v5: String,
}

impl ActiveModelBehavior for ActiveModel {}
