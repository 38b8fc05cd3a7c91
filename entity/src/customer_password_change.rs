//! `customer_password_changes`: a new password a simple-auth customer chose on the reset page,
//! kept sealed until Particle has it in every product of the family, then erased.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_password_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub family_id: Uuid,
    /// Lower-cased.
    #[sea_orm(column_type = "String(StringLen::N(320))")]
    pub email: String,
    /// The password, sealed with the deployment's secret key; `None` once finished.
    #[sea_orm(column_type = "Text", nullable)]
    pub password_enc: Option<String>,
    pub created_at: DateTimeUtc,
    /// When the last product took it (and the person was told).
    pub finished_at: Option<DateTimeUtc>,
    #[sea_orm(belongs_to, from = "family_id", to = "id", on_delete = "Cascade")]
    pub family: BelongsTo<super::product_family::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
