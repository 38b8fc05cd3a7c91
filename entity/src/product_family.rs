//! `product_families`: products one maker sells as variants of one (Wi-Fi, cellular), whose
//! simple-auth customers get one branded reset email, whichever products they are in.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product_families")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The name customers know, in emails and on the reset page.
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub name: String,
    /// CSS hex.
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub primary_color: String,
    /// CSS hex.
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub background_color: String,
    #[sea_orm(column_type = "String(StringLen::N(500))", nullable)]
    pub logo_url: Option<String>,
    /// The From of its emails, e.g. `Acme Pumps <support@acme.example>`.
    #[sea_orm(column_type = "String(StringLen::N(400))")]
    pub sender: String,
    /// The web origins of the maker's apps allowed to call `forgot` cross-origin (a JSON
    /// array of `scheme://host[:port]`).
    pub allowed_origins: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
