//! `customer_reset_tokens`: reset links sent to a product family's simple-auth customers.
//! Single-use, short-lived, only the newest counts; only the hash is kept.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_reset_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub family_id: Uuid,
    /// Lower-cased, as Particle keeps customer names.
    #[sea_orm(column_type = "String(StringLen::N(320))")]
    pub email: String,
    /// Hex SHA-256 of the token in the link.
    #[sea_orm(column_type = "String(StringLen::N(64))", unique)]
    pub token_hash: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// Set when used, or when a newer link voids it.
    pub used_at: Option<DateTimeUtc>,
    #[sea_orm(belongs_to, from = "family_id", to = "id", on_delete = "Cascade")]
    pub family: BelongsTo<super::product_family::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
