//! `particle_products`: a Particle product Fleetwarden talks to, with its OAuth client.
use sea_orm::entity::prelude::*;

use crate::enums::ProductMode;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "particle_products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Particle's numeric product id.
    #[sea_orm(unique)]
    pub particle_id: i64,
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    pub slug: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub name: String,
    pub platform_id: Option<i32>,
    pub mode: ProductMode,
    /// `None` means the real Particle cloud.
    #[sea_orm(column_type = "String(StringLen::N(500))", nullable)]
    pub api_base_url: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub oauth_client_id: String,
    /// Ciphertext; never the plain secret.
    #[sea_orm(column_type = "Text")]
    pub oauth_client_secret_enc: String,
    /// SHA-256 (hex) of the secret its Particle webhook presents; `None`: no webhook.
    #[sea_orm(column_type = "String(StringLen::N(64))", nullable)]
    pub webhook_secret_hash: Option<String>,
    /// Set when the product has simple-auth customers (Particle keeps their passwords): the
    /// family whose brand their reset emails and page carry.
    pub family_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(has_many)]
    pub catalog_entries: HasMany<super::catalog_entry::Entity>,
    #[sea_orm(has_many)]
    pub shadow_customers: HasMany<super::shadow_customer::Entity>,
    #[sea_orm(has_many)]
    pub devices: HasMany<super::device::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
